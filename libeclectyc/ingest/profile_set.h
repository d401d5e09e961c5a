/*
 * The profiles an import can choose from: the built-in ones (compiled from
 * libeclectyc/ingest/profiles/, one JSON file each), then every *.json of the profile
 * directory (replacing a built-in one of the same name), or the one file a
 * caller names by path.
 */
#ifndef ECL_PROFILE_SET_H
#define ECL_PROFILE_SET_H

#include "profile.h"

typedef struct ecl_profile_set {
	ecl_profile **items;
	size_t count;
} ecl_profile_set;

/*
 * Load the built-in profiles and those of `dir` (NULL: $ECLECTYC_PROFILE_DIR,
 * when set and not empty). 0, ECL_EINVALID for a profile with an error (the
 * message names the file and the key), ECL_EIO for a directory or file that
 * cannot be read, ECL_ENOMEM. On failure the set is empty.
 */
int ecl__profile_set_load(ecl_profile_set *set, const char *dir);

/* A profile by name, or NULL. */
ecl_profile *ecl__profile_set_find(const ecl_profile_set *set, const char *name);

/* 1 when `name` is a path rather than a profile name (it has a '/' or ends
 * in ".json"). */
int ecl__profile_is_path(const char *name);

/* One profile from a file. 0, ECL_EIO, ECL_EINVALID, ECL_ENOMEM. */
int ecl__profile_load_file(ecl_profile **out, const char *path);

/*
 * Check the profile a job names before it is queued: a name that the
 * built-in profiles or $ECLECTYC_PROFILE_DIR have, or a file that loads.
 * *out is what to store: the name, or the file's absolute path. `who`
 * prefixes messages. 0, ECL_ENOTFOUND, ECL_EINVALID, ECL_EIO, ECL_ENOMEM.
 */
int ecl__profile_check_name(char **out, const char *name, const char *who);

void ecl__profile_set_dispose(ecl_profile_set *set);

#endif
