/*
 * Versioned options structs: every public ecl_*_options starts with
 * `unsigned int version` (its ECL_*_OPTIONS_VERSION when the caller was
 * built). Version 1 is the first release; a later version only appends
 * members. These are the one way the library fills, checks and copies them,
 * so that a caller built against an older header keeps working: only the
 * members its version has are read, the rest keep their defaults.
 */
#ifndef ECL_UTIL_OPTIONS_H
#define ECL_UTIL_OPTIONS_H

#include <stddef.h>

/* ECL_EINVALID "unsupported <type> version N" unless 1 <= version <= known. */
int ecl__options_check_version(unsigned int version, unsigned int known, const char *type);

/* The body of every ecl_*_options_init(): `opts` (`size` bytes) becomes a
 * copy of `defaults` stamped with `version`. ECL_EINVALID for a NULL `opts`
 * or an unknown version. */
int ecl__options_init(void *opts, const void *defaults, size_t size, unsigned int version,
                      unsigned int known, const char *type);

/* Read a caller's options: `out` must hold the defaults already; the
 * members of `given`'s version (`sizes[v]` bytes for version v, `known`
 * entries after a 0) are copied over them and `out` is stamped with the
 * newest version. A NULL `given` leaves the defaults. */
int ecl__options_copy(void *out, const void *given, const size_t *sizes, unsigned int known,
                      const char *type);

#endif
