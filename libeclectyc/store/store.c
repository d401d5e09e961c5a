#include "store/store_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "store/backend_registry.h"
#include "util/buffer_internal.h"
#include "util/options.h"
#include "util/strutil.h"

static const ecl_store_options default_options = ECL_STORE_OPTIONS_INIT;

/* The size of each version of ecl_store_options (util/options.h). */
static const size_t options_sizes[] = { 0, sizeof(ecl_store_options) };

int ecl_store_options_init(ecl_store_options *opts, unsigned int version)
{
	return ecl__options_init(opts, &default_options, sizeof(*opts), version, ECL_STORE_OPTIONS_VERSION,
		"ecl_store_options");
}

static int validate_options(const ecl_store_options *o)
{
	if ((int)o->log_level < ECL_LOG_DEBUG || o->log_level > ECL_LOG_NONE)
		return ecl_error_set(ECL_EINVALID, "invalid log_level %d", (int)o->log_level);
	if (o->busy_timeout_ms < 0)
		return ecl_error_set(ECL_EINVALID, "busy_timeout_ms must be >= 0, got %d", o->busy_timeout_ms);
	if (o->retry_base_seconds < 1)
		return ecl_error_set(ECL_EINVALID, "retry_base_seconds must be >= 1, got %d",
			o->retry_base_seconds);
	if (o->retry_cap_seconds < o->retry_base_seconds)
		return ecl_error_set(ECL_EINVALID,
			"retry_cap_seconds (%d) must be >= retry_base_seconds (%d)",
			o->retry_cap_seconds, o->retry_base_seconds);
	if (o->retry_jitter_percent < 0 || o->retry_jitter_percent > 100)
		return ecl_error_set(ECL_EINVALID, "retry_jitter_percent must be 0..100, got %d",
			o->retry_jitter_percent);
	if (o->storage_root != NULL && *o->storage_root == '\0')
		return ecl_error_set(ECL_EINVALID, "storage_root is empty (NULL means no storage root)");
	return 0;
}

/* The storage root's real path (it may itself be a link), which must be an
 * existing directory. */
static int resolve_root(char **out, const char *root)
{
	struct stat st;
	char *real;
	int err;

	*out = NULL;
	if (root == NULL)
		return 0;
	real = realpath(root, NULL);
	if (real == NULL) {
		err = errno;
		return ecl_error_set(err == ENOMEM ? ECL_ENOMEM : ECL_EIO,
			"storage root \"%s\": %s", root, strerror(err));
	}
	if (stat(real, &st) != 0 || !S_ISDIR(st.st_mode)) {
		free(real);
		return ecl_error_set(ECL_EIO, "storage root \"%s\": not a directory", root);
	}
	*out = real;
	return 0;
}

int ecl__store_check_confined(const ecl_store *store, const char *real_path, const char *path,
                              const char *who)
{
	const char *root = store->storage_root;
	size_t n;

	if (root == NULL)
		return 0;
	/* A real path has no trailing slash but "/" itself: the boundary is
	 * the character after the root's last name, so /srv/imports2 is not
	 * inside /srv/imports. */
	n = strlen(root);
	if (n > 0 && root[n - 1] == '/')
		n--;
	if (strncmp(real_path, root, n) == 0 && real_path[n] == '/')
		return 0;
	if (strcmp(real_path, path) != 0)
		return ecl_error_set(ECL_EINVALID,
			"%sfile \"%s\" is outside the storage root \"%s\" (it resolves to \"%s\")",
			who, path, root, real_path);
	return ecl_error_set(ECL_EINVALID, "%sfile \"%s\" is outside the storage root \"%s\"",
		who, path, root);
}

/* ---- masking a URI's secrets ------------------------------------------------ */

/* A key whose value is a secret: password, sslpassword, PASSWORD … */
static int is_secret_key(const char *key, size_t len)
{
	return len >= 8 && strncasecmp(key + len - 8, "password", 8) == 0;
}

/* Copy `len` bytes of a URI query ("a=1&password=x"), every secret value
 * replaced by "***". */
static int mask_query(ecl_buf *out, const char *text, size_t len)
{
	size_t pos = 0;
	int rc = 0;

	while (rc == 0 && pos < len) {
		const char *item = text + pos;
		const char *amp = memchr(item, '&', len - pos);
		size_t item_len = amp ? (size_t)(amp - item) : len - pos;
		const char *eq = memchr(item, '=', item_len);

		if (eq != NULL && is_secret_key(item, (size_t)(eq - item))) {
			rc = ecl__buf_put(out, item, (size_t)(eq - item) + 1);
			if (rc == 0)
				rc = ecl__buf_puts(out, "***");
		} else {
			rc = ecl__buf_put(out, item, item_len);
		}
		pos += item_len;
		if (rc == 0 && amp != NULL) {
			rc = ecl__buf_put(out, "&", 1);
			pos++;
		}
	}
	return rc;
}

/* Copy a key=value connection string ("host=h password='a b'"), every secret
 * value replaced by "***" (quoted values as libpq reads them). */
static int mask_keywords(ecl_buf *out, const char *text)
{
	const char *p = text;
	int rc = 0, after_secret = 0;

	while (rc == 0 && *p != '\0') {
		const char *key = p, *value;
		size_t key_len;

		while (*p != '\0' && *p != '=' && !isspace((unsigned char)*p))
			p++;
		key_len = (size_t)(p - key);
		while (isspace((unsigned char)*p))
			p++;
		if (*p != '=') {
			/* A lone word: after a secret it is likely the rest of an
			 * unquoted password with a space in it ("password=a b"). */
			if (!after_secret)
				rc = ecl__buf_put(out, key, (size_t)(p - key));
			continue;
		}
		after_secret = is_secret_key(key, key_len);
		p++;
		while (isspace((unsigned char)*p))
			p++;
		value = p;
		p = ecl__conninfo_value_end(p);
		if (after_secret) {
			rc = ecl__buf_put(out, key, (size_t)(value - key));
			if (rc == 0)
				rc = ecl__buf_puts(out, "***");
		} else {
			rc = ecl__buf_put(out, key, (size_t)(p - key));
		}
		while (rc == 0 && isspace((unsigned char)*p))
			rc = ecl__buf_put(out, p++, 1);
	}
	return rc;
}

/* Where the user:password part of an authority that starts at `start`
 * ends (its '@'), or NULL. Masking must cover whatever a URI parser could
 * take for the password, so it is the later of libpq's reading (the first
 * '@' before any '/') and the last '@' before the query: a password holding
 * an unencoded '/' or '@' is masked whole, not up to the character that
 * confused the parser. */
static const char *userinfo_end(const char *start, const char *query)
{
	const char *first = start + strcspn(start, "@/");
	const char *last = NULL, *p;

	for (p = start; p < query; p++)
		if (*p == '@')
			last = p;
	if (*first != '@')
		first = NULL;
	if (first != NULL && (last == NULL || first > last))
		return first;
	return last;
}

int ecl_store_uri_mask(ecl_buf *out, const char *uri)
{
	const char *slashes, *start, *query, *at, *colon;
	int rc;

	if (out == NULL || uri == NULL)
		return ecl_error_set(ECL_EINVALID, "URI or output buffer is NULL");
	rc = ecl__buf_set(out, "");
	slashes = strstr(uri, "//");
	if (rc == 0 && slashes == NULL && strchr(uri, '=') != NULL) {
		/* A key=value string: the password is a value like the others. */
		rc = mask_keywords(out, uri);
		return rc == 0 ? 0 : ecl_error_set(ECL_ENOMEM, "out of memory masking a URI");
	}
	start = slashes ? slashes + 2 : uri;
	query = start + strcspn(start, "?");
	at = userinfo_end(start, query);
	if (at != NULL && at >= query)       /* a '?' inside the password: mask past it */
		query = at + strcspn(at, "?");
	colon = at ? memchr(start, ':', (size_t)(at - start)) : NULL;
	if (rc == 0 && colon != NULL) {
		rc = ecl__buf_put(out, uri, (size_t)(colon + 1 - uri));
		if (rc == 0)
			rc = ecl__buf_puts(out, "***");
		if (rc == 0)
			rc = ecl__buf_put(out, at, (size_t)(query - at));
	} else if (rc == 0) {
		rc = ecl__buf_put(out, uri, (size_t)(query - uri));
	}
	if (rc == 0 && *query == '?')
		rc = mask_query(out, query, strlen(query));
	return rc == 0 ? 0 : ecl_error_set(ECL_ENOMEM, "out of memory masking a URI");
}

int ecl_store_open(ecl_store **out, const char *uri, const ecl_store_options *opts)
{
	ecl_store_options given = default_options;
	const ecl_backend *backend;
	ecl_store *store;
	char *root = NULL;
	int rc;

	if (out == NULL)
		return ecl_error_set(ECL_EINVALID, "store output pointer is NULL");
	*out = NULL;
	if (uri == NULL || *uri == '\0')
		return ecl_error_set(ECL_EINVALID, "store URI is empty");
	given = default_options;
	if ((rc = ecl__options_copy(&given, opts, options_sizes, ECL_STORE_OPTIONS_VERSION,
	                            "ecl_store_options")) != 0)
		return rc;
	if ((rc = validate_options(&given)) != 0)
		return rc;
	if ((backend = ecl__backend_for_uri(uri)) == NULL)
		return ecl_error_last_code();
	if ((rc = resolve_root(&root, given.storage_root)) != 0)
		return rc;

	store = calloc(1, sizeof(*store));
	if (store == NULL) {
		free(root);
		return ecl_error_set(ECL_ENOMEM, "out of memory allocating a store");
	}
	store->backend = backend;
	store->opts = given;
	/* The store's own resolved copy: the caller's string need not outlive it. */
	store->storage_root = root;
	store->opts.storage_root = root;
	if (store->opts.clock == NULL)
		store->opts.clock = ecl_clock_system;
	store->logger.sink = given.log;
	store->logger.payload = given.log_payload;
	store->logger.level = given.log_level;

	rc = backend->open(&store->conn, uri, &store->opts);
	if (rc != 0) {
		free(store->storage_root);
		free(store);
		return rc;
	}
	ecl__log(&store->logger, ECL_LOG_DEBUG, "opened %s store", backend->name);
	*out = store;
	return 0;
}

void ecl_store_free(ecl_store *store)
{
	if (store == NULL)
		return;
	store->backend->close(store->conn);
	ecl__alerting_free(store->alerting);
	free(store->storage_root);
	free(store);
}

const char *ecl_store_backend_name(const ecl_store *store)
{
	return store ? store->backend->name : NULL;
}

int64_t ecl_store_now(ecl_store *store)
{
	if (store == NULL)
		return ecl_clock_system(NULL);
	return store->opts.clock(store->opts.clock_payload);
}

int ecl_store_schema_version(int *current, int *expected, ecl_store *store)
{
	int cur = 0, exp = 0, rc;

	if (store == NULL)
		return ecl_error_set(ECL_EINVALID, "store is NULL");
	rc = ECL__BACKEND(store, schema_version, &cur, &exp);
	if (rc == 0) {
		if (current)
			*current = cur;
		if (expected)
			*expected = exp;
	}
	return rc;
}

int ecl_store_migrate_plan(ecl_buf *out, ecl_store *store)
{
	if (out == NULL || store == NULL)
		return ecl_error_set(ECL_EINVALID, "output buffer or store is NULL");
	out->size = 0;
	if (out->ptr != NULL)
		out->ptr[0] = '\0';
	/* Not ecl__store_require(): an outdated schema is what a plan is for. */
	return ECL__BACKEND(store, migrate_plan, out);
}

int ecl_store_migrate(ecl_store *store)
{
	int current = 0, expected = 0, rc;

	if (store == NULL)
		return ecl_error_set(ECL_EINVALID, "store is NULL");
	rc = ECL__BACKEND(store, migrate, ecl_store_now(store));
	if (rc == 0)
		rc = ecl_store_schema_version(&current, &expected, store);
	if (rc == 0) {
		store->schema_ready = (current == expected);
		ecl__log(&store->logger, ECL_LOG_INFO, "schema at version %d", current);
	}
	return rc;
}

int ecl__store_require_schema(ecl_store *store)
{
	int current = 0, expected = 0, rc = 0;

	if (store->schema_ready)
		return 0;
	rc = ecl_store_schema_version(&current, &expected, store);
	if (rc == 0 && current < expected)
		rc = ecl_error_set(ECL_ESCHEMA,
			"database schema is at version %d, this library needs %d: "
			"run `eclectyc migrate` (ecl_store_migrate) first", current, expected);
	else if (rc == 0 && current > expected)
		rc = ecl_error_set(ECL_ESCHEMA,
			"database schema is at version %d, newer than this library's %d: upgrade libeclectyc",
			current, expected);
	else if (rc == 0)
		store->schema_ready = 1;
	return rc;
}

int ecl__store_unsupported(const ecl_store *store, const char *what)
{
	return ecl_error_set(ECL_ENOTSUPPORTED, "the %s backend does not implement %s",
		store->backend->name, what);
}

int ecl__store_require(ecl_store *store, int implemented, const char *what)
{
	if (!implemented)
		return ecl__store_unsupported(store, what);
	return ecl__store_require_schema(store);
}

int ecl_store_check(ecl_schema_report **out, ecl_store *store)
{
	ecl_schema_report *report;
	int rc;

	if (out == NULL || store == NULL)
		return ecl_error_set(ECL_EINVALID, "store or report pointer is NULL");
	*out = NULL;
	report = calloc(1, sizeof(*report));
	if (report == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory allocating a schema report");
	rc = ecl_store_schema_version(&report->current_version, &report->expected_version, store);
	if (rc == 0 && report->current_version < report->expected_version)
		rc = ecl_schema_report_add(report, "schema at version %d, %d migration(s) pending",
			report->current_version, report->expected_version - report->current_version);
	if (rc == 0 && report->current_version > report->expected_version)
		rc = ecl_schema_report_add(report, "schema at version %d is newer than this library's %d",
			report->current_version, report->expected_version);
	if (rc == 0)
		rc = ECL__BACKEND(store, check, report);
	if (rc != 0)
		ecl_schema_report_free(report);
	else
		*out = report;
	return rc;
}

int ecl_schema_report_add(ecl_schema_report *report, const char *format, ...)
{
	char **grown;
	char *text = NULL;
	va_list args;
	int len;

	va_start(args, format);
	len = vasprintf(&text, format, args);
	va_end(args);
	if (len < 0)
		return ecl_error_set(ECL_ENOMEM, "out of memory formatting a schema problem");
	grown = realloc(report->problems, (report->count + 1) * sizeof(*grown));
	if (grown == NULL) {
		free(text);
		return ecl_error_set(ECL_ENOMEM, "out of memory growing a schema report");
	}
	grown[report->count++] = text;
	report->problems = grown;
	return 0;
}

void ecl_schema_report_free(ecl_schema_report *report)
{
	size_t i;

	if (report == NULL)
		return;
	for (i = 0; i < report->count; i++)
		free(report->problems[i]);
	free(report->problems);
	free(report);
}
