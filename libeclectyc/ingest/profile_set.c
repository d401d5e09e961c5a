#include "profile_set.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eclectyc/sys/errors.h"

/* Generated from the JSON files of ingest/profiles (cmake/EmbedText.cmake). */
extern const char *const ecl_builtin_profiles[];

/* A profile is a page of JSON; anything far bigger is not one. */
#define PROFILE_FILE_MAX (1024 * 1024)

static int add(ecl_profile_set *set, ecl_profile *p)
{
	ecl_profile **grown;
	size_t i;

	for (i = 0; i < set->count; i++) {
		if (strcmp(set->items[i]->name, p->name) == 0) {
			ecl__profile_free(set->items[i]);
			set->items[i] = p;
			return 0;
		}
	}
	grown = realloc(set->items, (set->count + 1) * sizeof(*grown));
	if (grown == NULL) {
		ecl__profile_free(p);
		return ecl_error_set(ECL_ENOMEM, "out of memory loading profiles");
	}
	set->items = grown;
	set->items[set->count++] = p;
	return 0;
}

int ecl__profile_is_path(const char *name)
{
	size_t n = strlen(name);

	return strchr(name, '/') != NULL || (n > 5 && strcmp(name + n - 5, ".json") == 0);
}

int ecl__profile_load_file(ecl_profile **out, const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	size_t len = 0;
	int rc = 0;

	*out = NULL;
	if (f == NULL)
		return ecl_error_set(ECL_EIO, "cannot open profile %s: %s", path, strerror(errno));
	text = malloc(PROFILE_FILE_MAX + 1);
	if (text == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory reading profile %s", path);
	if (rc == 0) {
		len = fread(text, 1, PROFILE_FILE_MAX + 1, f);
		if (ferror(f))
			rc = ecl_error_set(ECL_EIO, "cannot read profile %s: %s", path, strerror(errno));
		else if (len > PROFILE_FILE_MAX)
			rc = ecl_error_set(ECL_EINVALID, "profile %s is over %d bytes: not a profile", path,
				PROFILE_FILE_MAX);
	}
	fclose(f);
	if (rc == 0)
		rc = ecl__profile_parse(out, text, len, path);
	free(text);
	return rc;
}

static int is_json_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".json") == 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.json names of a directory, sorted, so the order never depends on
 * the file system. */
static int list_dir(char ***names, size_t *count, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;

	*names = NULL;
	*count = 0;
	if (d == NULL)
		return ecl_error_set(ECL_EIO, "cannot read the profile directory %s: %s", dir, strerror(errno));
	while (rc == 0 && (e = readdir(d)) != NULL) {
		char **grown;

		if (!is_json_name(e->d_name))
			continue;
		grown = realloc(*names, (*count + 1) * sizeof(*grown));
		if (grown == NULL || (grown[*count] = strdup(e->d_name)) == NULL) {
			if (grown != NULL)
				*names = grown;
			rc = ecl_error_set(ECL_ENOMEM, "out of memory listing %s", dir);
			break;
		}
		*names = grown;
		(*count)++;
	}
	closedir(d);
	if (*count > 1)
		qsort(*names, *count, sizeof(**names), by_name);
	return rc;
}

static int load_dir(ecl_profile_set *set, const char *dir)
{
	char **names = NULL;
	size_t count = 0, i;
	int rc = list_dir(&names, &count, dir);

	for (i = 0; rc == 0 && i < count; i++) {
		char path[4096];
		ecl_profile *p = NULL;

		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= sizeof(path))
			rc = ecl_error_set(ECL_EINVALID, "profile path %s/%s is too long", dir, names[i]);
		if (rc == 0)
			rc = ecl__profile_load_file(&p, path);
		if (rc == 0)
			rc = add(set, p);
	}
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
	return rc;
}

/*
 * The built-in profiles, parsed once per process: every import detects its
 * layout, and parsing forty profiles each time cost more than the detection.
 * They are read-only once parsed (regexec() may be shared between threads)
 * and live as long as the process; a set holds them without owning them.
 */
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;
static ecl_profile **builtin;
static size_t builtin_count;
static int builtin_rc;
static char builtin_error[512];

static void parse_builtins(void)
{
	size_t n = 0, i;

	while (ecl_builtin_profiles[n] != NULL)
		n++;
	builtin = calloc(n ? n : 1, sizeof(*builtin));
	if (builtin == NULL)
		builtin_rc = ecl_error_set(ECL_ENOMEM, "out of memory loading the built-in profiles");
	for (i = 0; builtin_rc == 0 && i < n; i++) {
		builtin_rc = ecl__profile_parse(&builtin[i], ecl_builtin_profiles[i],
			strlen(ecl_builtin_profiles[i]), "built-in");
		if (builtin_rc == 0) {
			builtin[i]->shared = 1;
			builtin_count++;
		}
	}
	if (builtin_rc != 0)
		snprintf(builtin_error, sizeof(builtin_error), "%s", ecl_error_last());
}

int ecl__profile_set_load(ecl_profile_set *set, const char *dir)
{
	size_t i;
	int rc = 0;

	memset(set, 0, sizeof(*set));
	pthread_once(&builtin_once, parse_builtins);
	if (builtin_rc != 0)
		rc = ecl_error_set(builtin_rc, "%s", builtin_error);
	for (i = 0; rc == 0 && i < builtin_count; i++)
		rc = add(set, builtin[i]);
	if (dir == NULL)
		dir = getenv("ECLECTYC_PROFILE_DIR");
	if (rc == 0 && dir != NULL && *dir != '\0')
		rc = load_dir(set, dir);
	if (rc != 0)
		ecl__profile_set_dispose(set);
	return rc;
}

ecl_profile *ecl__profile_set_find(const ecl_profile_set *set, const char *name)
{
	size_t i;

	for (i = 0; i < set->count; i++) {
		if (strcmp(set->items[i]->name, name) == 0)
			return set->items[i];
	}
	return NULL;
}

int ecl__profile_check_name(char **out, const char *name, const char *who)
{
	ecl_profile_set set;
	ecl_profile *p = NULL;
	int rc;

	*out = NULL;
	if (*name == '\0')
		return ecl_error_set(ECL_EINVALID, "%sthe profile name is empty", who);
	if (ecl__profile_is_path(name)) {
		rc = ecl__profile_load_file(&p, name);
		ecl__profile_free(p);
		if (rc == 0 && (*out = realpath(name, NULL)) == NULL)
			rc = ecl_error_set(ECL_EIO, "%scannot resolve profile %s: %s", who, name, strerror(errno));
		return rc;
	}
	rc = ecl__profile_set_load(&set, NULL);
	if (rc == 0 && ecl__profile_set_find(&set, name) == NULL)
		rc = ecl_error_set(ECL_ENOTFOUND, "%sno import profile is named \"%s\" (eclectyc profiles "
			"lists them)", who, name);
	if (rc == 0 && (*out = strdup(name)) == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory");
	ecl__profile_set_dispose(&set);
	return rc;
}

void ecl__profile_set_dispose(ecl_profile_set *set)
{
	size_t i;

	for (i = 0; i < set->count; i++)
		ecl__profile_free(set->items[i]);
	free(set->items);
	set->items = NULL;
	set->count = 0;
}
