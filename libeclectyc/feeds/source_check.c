/*
 * A source checked before it is added (ecl_source_add()): every refusal
 * names the option and its value, so an operator's typo fails the `sources
 * add` and not a poll an hour later. Nothing is contacted; only the import
 * profile is looked up, as ecl_job_create() does.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eclectyc/sys/errors.h"
#include "feeds/source_internal.h"
#include "ingest/meter_id.h"
#include "ingest/profile_set.h"
#include "util/options.h"
#include "util/strutil.h"

#define NAME_MAX_LEN 64
#define URL_MAX_LEN 4096
#define PATTERN_MAX_LEN 255
#define PATH_MAX_LEN 4096
#define ENV_MAX_LEN 255

static const ecl_source_options default_options = ECL_SOURCE_OPTIONS_INIT;

/* The schemes a source may have, and what each allows. */
typedef struct scheme {
	const char *name;
	int remote;       /* has a host, a user and a password */
	int ssh;          /* ssh_key, known_hosts (known_hosts required) */
	int tls;          /* ca_file */
	int may_change;   /* files can be deleted or moved on the server */
} scheme;

static const scheme schemes[] = {
	{ "sftp", 1, 1, 0, 1 },
	{ "ftps", 1, 0, 1, 1 },
	{ "ftp", 1, 0, 1, 1 },
	{ "https", 1, 0, 1, 0 },
	{ "file", 0, 0, 0, 1 },
};

int ecl__source_check_name(const char *name)
{
	size_t i, len = name ? strlen(name) : 0;

	if (len == 0)
		return ecl_error_set(ECL_EINVALID, "the source name is empty");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!isalnum(c) && c != '.' && c != '_' && c != '-')
			break;
	}
	if (i < len || len > NAME_MAX_LEN)
		return ecl_error_set(ECL_EINVALID, "source name \"%.80s\" is invalid: use 1 to %d "
			"letters, digits, '.', '_' or '-'", name, NAME_MAX_LEN);
	return 0;
}

/* ---- the URL -------------------------------------------------------------------- */

static int has_control(const char *text)
{
	for (; *text != '\0'; text++)
		if ((unsigned char)*text <= ' ' || *text == 0x7f)
			return 1;
	return 0;
}

/* The scheme of `url` (NULL when unknown, `name` set to what it has). */
static const scheme *scheme_of(const char *url, char name[16])
{
	const char *sep = strstr(url, "://");
	size_t i, n = sep ? (size_t)(sep - url) : 0;

	snprintf(name, 16, "%.*s", (int)(n < 15 ? n : 15), url);
	for (i = 0; i < n && i < 15; i++)
		name[i] = (char)tolower((unsigned char)name[i]);
	for (i = 0; sep != NULL && i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strlen(schemes[i].name) == n && strcmp(schemes[i].name, name) == 0)
			return &schemes[i];
	return NULL;
}

/* A remote URL's authority (between "://" and the next '/') has a host
 * and no password: a source names the variable that holds one. */
static int check_authority(const char *url, const char *who)
{
	const char *start = strstr(url, "://") + 3;
	size_t len = strcspn(start, "/?#");
	const char *at = memchr(start, '@', len);
	const char *host = at ? at + 1 : start;

	if (at != NULL && memchr(start, ':', (size_t)(at - start)) != NULL)
		return ecl_error_set(ECL_EINVALID, "%surl holds a password: never put one in a source; "
			"name the environment variable that holds it with password_env", who);
	if (host == start + len || *host == ':')
		return ecl_error_set(ECL_EINVALID, "%surl \"%.200s\" has no host", who, url);
	return 0;
}

static int check_url(const char *url, const scheme **out, const char *who)
{
	char name[16];
	int rc;

	*out = NULL;
	if (url == NULL || *url == '\0')
		return ecl_error_set(ECL_EINVALID, "%surl is empty", who);
	if ((*out = scheme_of(url, name)) == NULL)
		return ecl_error_set(ECL_EINVALID, "%surl \"%.200s\" has an unsupported scheme \"%s\" "
			"(expected sftp, ftps, ftp, https or file)", who, url, name);
	rc = (*out)->remote ? check_authority(url, who) : 0;
	if (rc == 0 && strlen(url) > URL_MAX_LEN)
		rc = ecl_error_set(ECL_EINVALID, "%surl is longer than %d bytes", who, URL_MAX_LEN);
	else if (rc == 0 && has_control(url))
		rc = ecl_error_set(ECL_EINVALID, "%surl \"%.200s\" has a space or control character "
			"(percent-encode it)", who, url);
	else if (rc == 0 && !(*out)->remote && strncmp(url + strlen(name) + 3, "/", 1) != 0)
		rc = ecl_error_set(ECL_EINVALID, "%surl \"%.200s\" must be file:///absolute/folder/",
			who, url);
	return rc;
}

/* ---- the options ---------------------------------------------------------------- */

/* An option that is set, "" counting as unset. */
static int set(const char *value)
{
	return value != NULL && *value != '\0';
}

/* `value` of option `option` is used only by the sources `allowed` is set for. */
static int only_for(const char *value, const char *option, int allowed, const char *sources,
                    const char *who)
{
	if (set(value) && !allowed)
		return ecl_error_set(ECL_EINVALID, "%s%s \"%.200s\" is only used by %s sources", who,
			option, value, sources);
	return 0;
}

static int check_path(const char *value, const char *option, const char *who)
{
	if (!set(value))
		return 0;
	if (value[0] != '/')
		return ecl_error_set(ECL_EINVALID, "%s%s \"%.200s\" must be an absolute path (the "
			"collector may run in another folder)", who, option, value);
	if (strlen(value) > PATH_MAX_LEN || has_control(value))
		return ecl_error_set(ECL_EINVALID, "%s%s \"%.200s\" is longer than %d bytes or has a "
			"control character", who, option, value, PATH_MAX_LEN);
	return 0;
}

static int check_env(const char *value, const char *option, const char *who)
{
	size_t i, len = value ? strlen(value) : 0;

	for (i = 0; i < len; i++)
		if (!(isalpha((unsigned char)value[i]) || value[i] == '_'
		      || (i > 0 && isdigit((unsigned char)value[i]))))
			break;
	if (value != NULL && (i < len || len == 0 || len > ENV_MAX_LEN))
		return ecl_error_set(ECL_EINVALID, "%s%s \"%.200s\" is not an environment variable name "
			"(letters, digits and '_', not starting with a digit)", who, option, value);
	return 0;
}

/* What the scheme allows of the credentials and the after-action. */
static int check_for_scheme(const ecl_source_options *o, const scheme *s, const char *who)
{
	const char *after = ecl_source_after_name(o->after);
	int rc = 0;

	if (after == NULL)
		return ecl_error_set(ECL_EINVALID, "%safter %d is unknown (expected keep, delete or move)",
			who, (int)o->after);
	if (o->after != ECL_SOURCE_KEEP && !s->may_change)
		return ecl_error_set(ECL_EINVALID, "%safter=%s is not possible for an %s:// source: its "
			"files can only be kept", who, after, s->name);
	if (o->after == ECL_SOURCE_MOVE && !set(o->after_dir))
		return ecl_error_set(ECL_EINVALID, "%safter=move needs after_dir, the folder files are "
			"moved to", who);
	if (o->after != ECL_SOURCE_MOVE && set(o->after_dir))
		return ecl_error_set(ECL_EINVALID, "%safter_dir \"%.200s\" is only used with after=move",
			who, o->after_dir);
	if (s->ssh && !set(o->known_hosts))
		return ecl_error_set(ECL_EINVALID, "%san sftp:// source needs known_hosts, the file its "
			"server's host key must be in", who);
	rc = only_for(o->ssh_key, "ssh_key", s->ssh, "sftp://", who);
	if (rc == 0)
		rc = only_for(o->known_hosts, "known_hosts", s->ssh, "sftp://", who);
	if (rc == 0)
		rc = only_for(o->ca_file, "ca_file", s->tls, "ftps://, ftp:// and https://", who);
	if (rc == 0)
		rc = only_for(o->user_env, "user_env", s->remote, "remote", who);
	if (rc == 0)
		rc = only_for(o->password_env, "password_env", s->remote, "remote", who);
	return rc;
}

static int check_numbers(const ecl_source_options *o, const char *who)
{
	if (ecl_import_type_name(o->import_type) == NULL)
		return ecl_error_set(ECL_EINVALID, "%simport_type %d is unknown (expected hh, daily or "
			"sites)", who, (int)o->import_type);
	if (ecl_priority_name(o->priority) == NULL)
		return ecl_error_set(ECL_EINVALID, "%spriority %d is unknown (expected low, normal, high "
			"or critical)", who, (int)o->priority);
	if (o->every_seconds < 0)
		return ecl_error_set(ECL_EINVALID, "%severy_seconds must be at least 1 (0 for %d), got %d",
			who, ECL__SOURCE_EVERY_DEFAULT, o->every_seconds);
	if (o->stale_days < 0)
		return ecl_error_set(ECL_EINVALID, "%sstale_days must be 0 (never) or more, got %d", who,
			o->stale_days);
	return 0;
}

static int check_pattern(const char *pattern, const char *who)
{
	if (pattern == NULL)
		return 0;
	if (*pattern == '\0')
		return ecl_error_set(ECL_EINVALID, "%spattern is empty (leave it unset for \"*\")", who);
	if (strchr(pattern, '/') != NULL || strlen(pattern) > PATTERN_MAX_LEN || has_control(pattern))
		return ecl_error_set(ECL_EINVALID, "%spattern \"%.200s\" must match file names: no '/' "
			"nor control character, at most %d bytes", who, pattern, PATTERN_MAX_LEN);
	return 0;
}

static int check_paths(const ecl_source_options *o, const char *who)
{
	int rc = check_path(o->ssh_key, "ssh_key", who);

	if (rc == 0)
		rc = check_path(o->known_hosts, "known_hosts", who);
	if (rc == 0)
		rc = check_path(o->ca_file, "ca_file", who);
	if (rc == 0)
		rc = check_env(o->user_env, "user_env", who);
	if (rc == 0)
		rc = check_env(o->password_env, "password_env", who);
	if (rc == 0 && set(o->after_dir) && (strlen(o->after_dir) > PATH_MAX_LEN
	                                      || strchr(o->after_dir, '\n') != NULL))
		rc = ecl_error_set(ECL_EINVALID, "%safter_dir is longer than %d bytes or has a line break",
			who, PATH_MAX_LEN);
	return rc;
}

/* ---- tags, profile and meter ------------------------------------------------------- */

/* The tags as a compact JSON array text (NULL for none). */
static int tags_json(char **out, const ecl_source_options *o, const char *who)
{
	json_t *array;
	size_t i;
	int rc = 0;

	*out = NULL;
	if (o->tag_count == 0)
		return 0;
	if (o->tags == NULL)
		return ecl_error_set(ECL_EINVALID, "%stags is NULL but tag_count is %zu", who, o->tag_count);
	if ((array = json_array()) == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory encoding tags");
	for (i = 0; rc == 0 && i < o->tag_count; i++) {
		if (o->tags[i] == NULL || o->tags[i][0] == '\0')
			rc = ecl_error_set(ECL_EINVALID, "%stag %zu is empty", who, i + 1);
		else if (json_array_append_new(array, json_string(o->tags[i])) != 0)
			rc = ecl_error_set(ECL_EINVALID, "%stag %zu \"%.100s\" is not valid UTF-8", who, i + 1,
				o->tags[i]);
	}
	if (rc == 0 && (*out = json_dumps(array, JSON_COMPACT)) == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory encoding tags");
	json_decref(array);
	return rc;
}

static int import_with(ecl_source *row, const ecl_source_options *o, const char *who)
{
	char id[ECL_METER_ID_MAX + 1], prefix[128];
	int rc = 0;

	if (o->import_meter != NULL && ecl__meter_id_normalise(id, sizeof(id), o->import_meter) != 0)
		return ecl_error_set(ECL_EINVALID, "%simport_meter: %s", who, ecl_error_last());
	if (o->import_meter != NULL && (row->import_meter = ecl__strdup(o->import_meter)) == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory adding a source");
	snprintf(prefix, sizeof(prefix), "%simport_profile: ", who);
	if (o->import_profile != NULL)
		rc = ecl__profile_check_name(&row->import_profile, o->import_profile, prefix);
	/* A profile that is not there or cannot be read is a bad option here. */
	if (rc == ECL_ENOTFOUND || rc == ECL_EIO)
		rc = ecl_error_set(ECL_EINVALID, "%s", ecl_error_last());
	return rc;
}

/* ---- the record ------------------------------------------------------------------ */

/* Copies of the options' strings into the record. */
static int copy_strings(ecl_source *row, const char *name, const char *url,
                        const ecl_source_options *o)
{
	struct { char **to; const char *from; } copies[] = {
		{ &row->name, name }, { &row->url, url }, { &row->pattern, o->pattern ? o->pattern : "*" },
		{ &row->after_dir, set(o->after_dir) ? o->after_dir : NULL },
		{ &row->ssh_key, set(o->ssh_key) ? o->ssh_key : NULL },
		{ &row->known_hosts, set(o->known_hosts) ? o->known_hosts : NULL },
		{ &row->ca_file, set(o->ca_file) ? o->ca_file : NULL },
		{ &row->user_env, o->user_env }, { &row->password_env, o->password_env },
	};
	size_t i;

	for (i = 0; i < sizeof(copies) / sizeof(copies[0]); i++)
		if (copies[i].from != NULL && (*copies[i].to = ecl__strdup(copies[i].from)) == NULL)
			return ecl_error_set(ECL_ENOMEM, "out of memory adding a source");
	return 0;
}

static int check_options(const ecl_source_options *o, const scheme *s, const char *who)
{
	int rc = check_numbers(o, who);

	if (rc == 0)
		rc = check_pattern(o->pattern, who);
	if (rc == 0)
		rc = check_for_scheme(o, s, who);
	if (rc == 0)
		rc = check_paths(o, who);
	return rc;
}

int ecl__source_build(ecl_source *row, const char *name, const char *url,
                      const ecl_source_options *given)
{
	static const size_t sizes[] = { 0, sizeof(ecl_source_options) };
	ecl_source_options o = default_options;
	const scheme *s = NULL;
	char who[96];
	int rc = ecl__source_check_name(name);

	if (rc == 0)
		rc = ecl__options_copy(&o, given, sizes, ECL_SOURCE_OPTIONS_VERSION, "ecl_source_options");
	snprintf(who, sizeof(who), "source \"%s\": ", rc == 0 ? name : "");
	if (rc == 0)
		rc = check_url(url, &s, who);
	if (rc == 0)
		rc = check_options(&o, s, who);
	if (rc == 0)
		rc = tags_json(&row->tags, &o, who);
	if (rc == 0)
		rc = import_with(row, &o, who);
	if (rc == 0)
		rc = copy_strings(row, name, url, &o);
	if (rc == 0) {
		row->import_type = o.import_type;
		row->priority = o.priority;
		row->every_seconds = o.every_seconds ? o.every_seconds : ECL__SOURCE_EVERY_DEFAULT;
		row->after = o.after;
		row->stale_days = o.stale_days;
	}
	return rc;
}
