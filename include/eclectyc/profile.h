/**
 * @file eclectyc/profile.h
 * @brief Import profiles: the file layouts the importer knows, and which
 *        one reads a given file (docs/profiles.md).
 *
 * A profile describes one supplier's, portal's or data collector's file
 * layout in JSON. The library carries built-in profiles; a user adds their
 * own in a directory (`ECLECTYC_PROFILE_DIR`, or `profile_dir` here) or
 * names a profile file by path. An import detects the profile from the
 * file's header unless one is forced (ecl_ingest_options.profile).
 */
#ifndef ECLECTYC_PROFILE_H
#define ECLECTYC_PROFILE_H

#include "buffer.h"
#include "common.h"
#include "ingest.h"

ECL_BEGIN_DECL

/**
 * The profiles available, as a JSON array of objects `{name, description,
 * source, layout, origin, header_example}`, by name; `origin` is "built-in"
 * or the file a profile came from.
 *
 * @param out          receives the JSON text (ecl_buf_dispose() it)
 * @param profile_dir  the user's profiles; NULL = $ECLECTYC_PROFILE_DIR
 * @return 0; ECL_EINVALID for a profile with an error (the message names its
 *         file and the key); ECL_EIO for a directory that cannot be read;
 *         ECL_ENOMEM
 */
ECL_EXTERN int ecl_profile_list(ecl_buf *out, const char *profile_dir);

/**
 * One profile's JSON text, as written, by name or by path.
 *
 * @return 0; ECL_ENOTFOUND for an unknown name; ECL_EINVALID, ECL_EIO, ECL_ENOMEM
 */
ECL_EXTERN int ecl_profile_show(ecl_buf *out, const char *name, const char *profile_dir);

/**
 * How a file would be imported, writing nothing anywhere: which profile
 * reads it and why, the column mapping, and its first readings as they
 * would be stored. The result is a JSON object:
 * `{profile, description, source, reason, delimiter, header_line, format,
 *   column_mapping, readings: [{meter, start_utc, settlement_date, period,
 *   kwh, estimated}], rows_read, rows_failed, rows_skipped, errors: ["Row N: …"]}`
 * (daily readings carry `date` instead of a start and period).
 *
 * @param out     receives the JSON text
 * @param path    the file (plain or gzip)
 * @param opts    the profile, meter, clock and parsing options, as for an
 *                import; NULL = defaults (detect the profile)
 * @param sample  how many readings to show (1..10000)
 * @return 0; ECL_EINVALID when no profile reads the file (naming the closest),
 *         two match equally (naming both), or a forced one does not fit;
 *         ECL_ENOTFOUND for an unknown profile name; ECL_EIO; ECL_ENOMEM
 */
ECL_EXTERN int ecl_ingest_detect(ecl_buf *out, const char *path, const ecl_ingest_options *opts, int sample);

ECL_END_DECL

#endif
