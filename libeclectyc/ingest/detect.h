/*
 * Which profile reads a file: the one forced by name or path, else the best
 * unique match of every profile's header signature against the first lines
 * of the file (each line split by its own delimiter, or by a first line
 * `sep=X`), else the generic reader wherever it finds a header it can use.
 * Industry flows are recognised by their first record.
 */
#ifndef ECL_DETECT_H
#define ECL_DETECT_H

#include <stdint.h>

#include "eclectyc/job.h"
#include "profile_set.h"

/* How many records of a file detection looks at for a header. */
#define ECL_DETECT_LINES 50

typedef struct ecl_detection {
	ecl_profile_set set;          /* what was loaded (owned) */
	ecl_profile *generic;         /* the generic reader (owned) */
	ecl_profile *profile;         /* the choice: in `set`, or `generic` */
	char delimiter;               /* to read the file with; 0 to sniff */
	int64_t header_ordinal;       /* the header's record number, 0 when the file has none */
	char reason[512];             /* why this profile, for `detect` */
} ecl_detection;

typedef struct ecl_detect_request {
	const char *path;
	const char *profile;          /* a name or a path to force, or NULL */
	const char *profile_dir;      /* NULL: $ECLECTYC_PROFILE_DIR */
	ecl_import_type type;         /* for the generic reader */
	int clock;                    /* -1 the profile's, 0 London, 1 UTC */
	int meter_given;
} ecl_detect_request;

/*
 * Choose. 0; ECL_EINVALID when no profile reads the file, two match equally
 * (naming both), a forced one does not fit (naming what it lacks), or a
 * profile has an error; ECL_ENOTFOUND for a forced name that no profile has;
 * ECL_EIO, ECL_ENOMEM. Dispose of `out` in every case.
 */
int ecl__detect(ecl_detection *out, const ecl_detect_request *req);

void ecl__detection_dispose(ecl_detection *d);

#endif
