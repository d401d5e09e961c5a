/*
 * Configuration: built-in defaults, `.env` files, the process environment and
 * setters. Every key keeps one value per source, so the highest-priority
 * source wins whatever order the sources were loaded in, and removing a
 * setter's value lets the lower sources show through again.
 */
#include "eclectyc/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "eclectyc/alert.h"
#include "eclectyc/job.h"
#include "eclectyc/monitor.h"
#include "eclectyc/store.h"
#include "eclectyc/sys/errors.h"
#include "eclectyc/worker.h"
#include "util/strutil.h"

/* Values are indexed by ecl_config_source; slot 0 (UNSET) is never used. */
#define SOURCE_SLOTS (ECL_CONFIG_SETTER + 1)

#define ENV_PREFIX "ECLECTYC_"

typedef struct config_entry {
	char *key;
	char *values[SOURCE_SLOTS];
} config_entry;

struct ecl_config {
	config_entry *entries;
	size_t count;
	size_t capacity;
};

/* A key and value read from a source but not yet applied: sources are read
 * completely first so that a failure part-way changes nothing. */
typedef struct pending_pair {
	char *key;
	char *value;
} pending_pair;

typedef struct pending_list {
	pending_pair *pairs;
	size_t count;
	size_t capacity;
} pending_list;

/* The library's defaults, each stated once, in its options' *_INIT macro:
 * the configuration shows them as the value of their keys. */
static const ecl_store_options store_defaults = ECL_STORE_OPTIONS_INIT;
static const ecl_job_options job_defaults = ECL_JOB_OPTIONS_INIT;
static const ecl_health_options health_defaults = ECL_HEALTH_OPTIONS_INIT;
static const ecl_alert_options alert_defaults = ECL_ALERT_OPTIONS_INIT;
static const ecl_worker_options worker_defaults = ECL_WORKER_OPTIONS_INIT;

/* How a default is written as a configuration value. */
typedef enum default_kind {
	DEFAULT_TEXT,        /* `value` is the text */
	DEFAULT_TEXT_MEMBER, /* `value` points at a const char * */
	DEFAULT_INT,         /* an int */
	DEFAULT_INT64,       /* an int64_t */
	DEFAULT_NUMBER,      /* a double, shortest form */
	DEFAULT_CLOCK,       /* an int of minutes after midnight, as HH:MM */
	DEFAULT_LOG_LEVEL    /* an ecl_log_level, by name */
} default_kind;

static const struct {
	const char *key;
	default_kind kind;
	const void *value;
} config_defaults[] = {
	/* The command line's own: where the store and the files are. */
	{ "ECLECTYC_DB", DEFAULT_TEXT, "sqlite://eclectyc.db" },
	{ "ECLECTYC_STORAGE_DIR", DEFAULT_TEXT, "storage/imports" },
	{ "ECLECTYC_LOG_LEVEL", DEFAULT_LOG_LEVEL, &store_defaults.log_level },
	{ "ECLECTYC_BUSY_TIMEOUT_MS", DEFAULT_INT, &store_defaults.busy_timeout_ms },
	{ "ECLECTYC_RETRY_BASE_SECONDS", DEFAULT_INT, &store_defaults.retry_base_seconds },
	{ "ECLECTYC_RETRY_CAP_SECONDS", DEFAULT_INT, &store_defaults.retry_cap_seconds },
	{ "ECLECTYC_RETRY_JITTER_PERCENT", DEFAULT_INT, &store_defaults.retry_jitter_percent },
	{ "ECLECTYC_MAX_RETRIES", DEFAULT_INT, &job_defaults.max_retries },
	{ "ECLECTYC_STUCK_MINUTES", DEFAULT_INT, &health_defaults.stuck_minutes },
	{ "ECLECTYC_FAILURE_RATE_WARNING", DEFAULT_NUMBER, &health_defaults.failure_rate_warning },
	{ "ECLECTYC_FAILURE_RATE_CRITICAL", DEFAULT_NUMBER, &health_defaults.failure_rate_critical },
	{ "ECLECTYC_BACKLOG_THRESHOLD", DEFAULT_INT64, &health_defaults.backlog_threshold },
	{ "ECLECTYC_STALE_METER_DAYS", DEFAULT_INT, &health_defaults.stale_meter_days },
	{ "ECLECTYC_ALERT_COOLDOWN_SECONDS", DEFAULT_INT, &alert_defaults.cooldown_seconds },
	{ "ECLECTYC_PEAK_START", DEFAULT_CLOCK, &worker_defaults.aggregation.peak_start_minutes },
	{ "ECLECTYC_PEAK_END", DEFAULT_CLOCK, &worker_defaults.aggregation.peak_end_minutes },
	{ "ECLECTYC_AGGREGATE_AFTER_IMPORT", DEFAULT_INT, &worker_defaults.aggregate_after_import },
	{ "ECLECTYC_WORKER_COLLECT", DEFAULT_INT, &worker_defaults.collect_sources },
	{ "MAIL_PORT", DEFAULT_INT, &alert_defaults.smtp_port },
	{ "MAIL_ENCRYPTION", DEFAULT_TEXT_MEMBER, &alert_defaults.smtp_encryption },
};

/* Default `i` as text, in `buf`. */
static const char *default_text(size_t i, char *buf, size_t size)
{
	const void *v = config_defaults[i].value;

	switch (config_defaults[i].kind) {
	case DEFAULT_TEXT_MEMBER:
		return *(const char *const *)v;
	case DEFAULT_INT:
		snprintf(buf, size, "%d", *(const int *)v);
		break;
	case DEFAULT_INT64:
		snprintf(buf, size, "%lld", (long long)*(const int64_t *)v);
		break;
	case DEFAULT_NUMBER:
		snprintf(buf, size, "%g", *(const double *)v);
		break;
	case DEFAULT_CLOCK:
		snprintf(buf, size, "%02d:%02d", *(const int *)v / 60, *(const int *)v % 60);
		break;
	case DEFAULT_LOG_LEVEL:
		return ecl_log_level_name(*(const ecl_log_level *)v);
	case DEFAULT_TEXT:
	default:
		return v;
	}
	return buf;
}


/* Known keys outside the ECLECTYC_ prefix (those are all taken from the
 * environment by prefix, so they need not be listed). */
static const char *const config_known_keys[] = {
	"ADMIN_EMAIL",
	"MAIL_HOST",
	"MAIL_PORT",
	"MAIL_USERNAME",
	"MAIL_PASSWORD",
	"MAIL_ENCRYPTION",
	"MAIL_FROM_ADDRESS",
	"MAIL_FROM_NAME",
	"SLACK_WEBHOOK_URL",
};

#define COUNT_OF(array) (sizeof(array) / sizeof((array)[0]))

/* ---- keys ---------------------------------------------------------------- */

static int is_blank(int c)
{
	return c == ' ' || c == '\t';
}

static int is_key_char(int c, int first)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
		(!first && c >= '0' && c <= '9');
}

/* Length of the key that starts `text` (0 when it does not start with one). */
static size_t key_span(const char *text)
{
	size_t len = 0;

	while (is_key_char((unsigned char)text[len], len == 0))
		len++;
	return len;
}

static int key_is_valid(const char *key)
{
	size_t len = key_span(key);

	return len > 0 && key[len] == '\0';
}

/* ---- entries ------------------------------------------------------------- */

static config_entry *find_entry(const ecl_config *config, const char *key)
{
	size_t i;

	for (i = 0; i < config->count; i++) {
		if (strcmp(config->entries[i].key, key) == 0)
			return &config->entries[i];
	}
	return NULL;
}

/* Find or add the entry for `key`. A new entry holds no value, so adding one
 * and then failing leaves the visible configuration unchanged. */
static int ensure_entry(config_entry **out, ecl_config *config, const char *key)
{
	config_entry *entry = find_entry(config, key);
	config_entry *grown;
	size_t capacity;

	if (entry == NULL) {
		if (config->count == config->capacity) {
			capacity = config->capacity ? config->capacity * 2 : 32;
			grown = realloc(config->entries, capacity * sizeof(*grown));
			if (grown == NULL)
				return ecl_error_set(ECL_ENOMEM, "out of memory adding configuration key %s", key);
			config->entries = grown;
			config->capacity = capacity;
		}
		entry = &config->entries[config->count];
		memset(entry, 0, sizeof(*entry));
		entry->key = ecl__strdup(key);
		if (entry->key == NULL)
			return ECL_ENOMEM;
		config->count++;
	}
	*out = entry;
	return 0;
}

/* Give `value` (owned, may be NULL) to the entry at `source`. */
static void replace_value(config_entry *entry, ecl_config_source source, char *value)
{
	free(entry->values[source]);
	entry->values[source] = value;
}

static const char *current_value(const config_entry *entry, ecl_config_source *source)
{
	int slot;

	for (slot = ECL_CONFIG_SETTER; slot > ECL_CONFIG_UNSET; slot--) {
		if (entry->values[slot] != NULL)
			break;
	}
	if (source != NULL)
		*source = (ecl_config_source)slot;
	return entry->values[slot];
}

/* ---- pending pairs ------------------------------------------------------- */

static char *dup_range(const char *text, size_t len)
{
	char *copy = malloc(len + 1);

	if (copy == NULL) {
		ecl_error_set(ECL_ENOMEM, "out of memory copying %zu bytes", len + 1);
	} else {
		memcpy(copy, text, len);
		copy[len] = '\0';
	}
	return copy;
}

static void pending_dispose(pending_list *pending)
{
	size_t i;

	for (i = 0; i < pending->count; i++) {
		free(pending->pairs[i].key);
		free(pending->pairs[i].value);
	}
	free(pending->pairs);
	memset(pending, 0, sizeof(*pending));
}

/* Append a pair, copying the key and taking ownership of `value` (freed on
 * failure too, so the caller never has to). */
static int pending_add(pending_list *pending, const char *key, size_t key_len, char *value)
{
	pending_pair *grown;
	size_t capacity;
	char *key_copy = dup_range(key, key_len);
	int rc = 0;

	if (key_copy == NULL) {
		rc = ECL_ENOMEM;
	} else if (pending->count == pending->capacity) {
		capacity = pending->capacity ? pending->capacity * 2 : 16;
		grown = realloc(pending->pairs, capacity * sizeof(*grown));
		if (grown == NULL) {
			rc = ecl_error_set(ECL_ENOMEM, "out of memory reading configuration");
		} else {
			pending->pairs = grown;
			pending->capacity = capacity;
		}
	}
	if (rc == 0) {
		pending->pairs[pending->count].key = key_copy;
		pending->pairs[pending->count].value = value;
		pending->count++;
	} else {
		free(key_copy);
		free(value);
	}
	return rc;
}

/*
 * Apply pairs at `source`. All allocation happens first (making entries);
 * the values then move over without allocating, so either every pair is
 * applied or none is. With `replace_source`, values the source set before and
 * does not set now are dropped (a re-read environment is a new snapshot).
 */
static int apply_pending(ecl_config *config, pending_list *pending,
	ecl_config_source source, int replace_source)
{
	config_entry *entry = NULL;
	size_t i;
	int rc = 0;

	for (i = 0; i < pending->count && rc == 0; i++)
		rc = ensure_entry(&entry, config, pending->pairs[i].key);
	if (rc == 0) {
		if (replace_source) {
			for (i = 0; i < config->count; i++)
				replace_value(&config->entries[i], source, NULL);
		}
		/* In order, so that a key repeated in a file takes its last value. */
		for (i = 0; i < pending->count; i++) {
			entry = find_entry(config, pending->pairs[i].key);
			replace_value(entry, source, pending->pairs[i].value);
			pending->pairs[i].value = NULL;
		}
	}
	return rc;
}

/* ---- .env parsing -------------------------------------------------------- */

static const char *skip_blanks(const char *text)
{
	while (is_blank((unsigned char)*text))
		text++;
	return text;
}

/* Skip an `export ` prefix, unless "export" is itself the key (`export=1`). */
static const char *skip_export(const char *text)
{
	const char *rest;

	if (strncmp(text, "export", 6) == 0 && is_blank((unsigned char)text[6])) {
		rest = skip_blanks(text + 6);
		if (*rest != '=' && *rest != '\0')
			return rest;
	}
	return text;
}

/* After a closing quote only blanks or a ` #` comment may follow. */
static int check_after_quote(const char *path, size_t line_no, const char *after)
{
	const char *rest = skip_blanks(after);

	if (*rest == '\0' || (*rest == '#' && rest > after))
		return 0;
	return ecl_error_set(ECL_EPARSE, "%s:%zu: unexpected text after closing quote: \"%.40s\"",
		path, line_no, rest);
}

static int parse_single_quoted(char **out, const char *path, size_t line_no, const char *open)
{
	const char *close = strchr(open + 1, '\'');
	int rc;

	if (close == NULL)
		return ecl_error_set(ECL_EPARSE, "%s:%zu: unterminated single-quoted value "
			"(values cannot span lines)", path, line_no);
	rc = check_after_quote(path, line_no, close + 1);
	if (rc == 0) {
		*out = dup_range(open + 1, (size_t)(close - open - 1));
		if (*out == NULL)
			rc = ECL_ENOMEM;
	}
	return rc;
}

static char unescape(char c)
{
	switch (c) {
	case 'n': return '\n';
	case 't': return '\t';
	case 'r': return '\r';
	default: return c;
	}
}

static int is_known_escape(char c)
{
	return c == 'n' || c == 't' || c == 'r' || c == '"' || c == '\\' || c == '$';
}

static int parse_double_quoted(char **out, const char *path, size_t line_no, const char *open)
{
	/* The unescaped value is never longer than the rest of the line. */
	char *value = malloc(strlen(open));
	const char *s;
	size_t len = 0;
	int rc;

	if (value == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory reading %s", path);
	for (s = open + 1; *s != '\0' && *s != '"'; s++) {
		if (*s == '\\' && is_known_escape(s[1]))
			value[len++] = unescape(*++s);
		else
			value[len++] = *s; /* an unknown escape stays as written */
	}
	value[len] = '\0';
	if (*s != '"')
		rc = ecl_error_set(ECL_EPARSE, "%s:%zu: unterminated double-quoted value "
			"(values cannot span lines)", path, line_no);
	else
		rc = check_after_quote(path, line_no, s + 1);
	if (rc == 0)
		*out = value;
	else
		free(value);
	return rc;
}

/* An unquoted value ends at a blank followed by '#', and is trimmed. */
static int parse_unquoted(char **out, const char *text)
{
	const char *start = skip_blanks(text);
	const char *end;

	for (end = text; *end != '\0'; end++) {
		if (*end == '#' && end > text && is_blank((unsigned char)end[-1]))
			break;
	}
	while (end > start && is_blank((unsigned char)end[-1]))
		end--;
	if (end < start)
		end = start;
	*out = dup_range(start, (size_t)(end - start));
	return *out ? 0 : ECL_ENOMEM;
}

/* Parse the text after '=' into a newly allocated value. */
static int parse_value(char **out, const char *path, size_t line_no, const char *text)
{
	const char *start = skip_blanks(text);

	if (*start == '\'')
		return parse_single_quoted(out, path, line_no, start);
	if (*start == '"')
		return parse_double_quoted(out, path, line_no, start);
	return parse_unquoted(out, text);
}

static int bad_key(const char *path, size_t line_no, const char *key)
{
	size_t len = 0;

	if (*key == '=')
		return ecl_error_set(ECL_EPARSE, "%s:%zu: missing key before '='", path, line_no);
	while (key[len] != '\0' && key[len] != '=' && !is_blank((unsigned char)key[len]))
		len++;
	return ecl_error_set(ECL_EPARSE, "%s:%zu: bad key \"%.*s\" (keys match [A-Za-z_][A-Za-z0-9_]*)",
		path, line_no, len > 64 ? 64 : (int)len, key);
}

static int parse_line(pending_list *pending, const char *path, size_t line_no, const char *line)
{
	const char *p = skip_blanks(line);
	const char *key;
	size_t key_len;
	char *value = NULL;
	int rc;

	if (*p == '\0' || *p == '#')
		return 0;
	key = skip_export(p);
	key_len = key_span(key);
	p = key + key_len;
	if (key_len == 0 || !(*p == '\0' || *p == '=' || is_blank((unsigned char)*p)))
		return bad_key(path, line_no, key);
	p = skip_blanks(p);
	if (*p != '=')
		return ecl_error_set(ECL_EPARSE, "%s:%zu: missing '=' after key \"%.*s\"",
			path, line_no, (int)key_len, key);
	rc = parse_value(&value, path, line_no, p + 1);
	if (rc == 0)
		rc = pending_add(pending, key, key_len, value);
	return rc;
}

/* Strip the line ending (LF or CRLF) and, on the first line, a UTF-8 BOM.
 * Returns the start of the text, or NULL for a line holding a NUL byte. */
static const char *prepare_line(char *line, size_t len, int first)
{
	const char *text = line;

	if (len > 0 && line[len - 1] == '\n')
		line[--len] = '\0';
	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';
	if (strlen(line) != len)
		return NULL;
	if (first && strncmp(line, "\xEF\xBB\xBF", 3) == 0)
		text += 3;
	return text;
}

/* The longest line a .env file may have, its line ending included: far
 * beyond any real setting, and a bound on what one line can make us
 * allocate (a file with no newline at all is not read whole). */
#define ENV_LINE_MAX 65536

/* Read one line (its '\n' kept) into `line` (ENV_LINE_MAX + 1 bytes):
 * its length, 0 at the end of the file, -1 on a read error, or
 * ENV_LINE_MAX + 1 when the line is longer than the limit (the rest of it
 * is not read). */
static long read_line(FILE *file, char *line)
{
	long len = 0;
	int c;

	while (len < ENV_LINE_MAX && (c = getc(file)) != EOF) {
		line[len++] = (char)c;
		if (c == '\n')
			break;
	}
	if (len == ENV_LINE_MAX && line[len - 1] != '\n') {
		/* Exactly at the limit, a final line without '\n' is fine. */
		if ((c = getc(file)) != EOF)
			return ENV_LINE_MAX + 1;
	}
	line[len] = '\0';
	return len == 0 && ferror(file) ? -1 : len;
}

static int read_env_file(pending_list *pending, const char *path)
{
	FILE *file = fopen(path, "rb");
	char *line;
	const char *text;
	size_t line_no = 0;
	long len;
	int rc = 0;
	int err;

	if (file == NULL)
		return ecl_error_set(ECL_EIO, "%s: cannot open: %s", path, strerror(errno));
	if ((line = malloc(ENV_LINE_MAX + 1)) == NULL) {
		fclose(file);
		return ecl_error_set(ECL_ENOMEM, "%s: out of memory for a line buffer", path);
	}
	while (rc == 0) {
		errno = 0;
		len = read_line(file, line);
		if (len <= 0)
			break;
		line_no++;
		if (len > ENV_LINE_MAX)
			rc = ecl_error_set(ECL_EPARSE, "%s:%zu: line is longer than %d bytes (a value "
				"cannot be that long; is this a .env file?)", path, line_no, ENV_LINE_MAX);
		else if ((text = prepare_line(line, (size_t)len, line_no == 1)) == NULL)
			rc = ecl_error_set(ECL_EPARSE, "%s:%zu: line contains a NUL byte", path, line_no);
		else
			rc = parse_line(pending, path, line_no, text);
	}
	err = errno;
	if (rc == 0 && ferror(file))
		rc = ecl_error_set(ECL_EIO, "%s: cannot read: %s", path, strerror(err ? err : EIO));
	free(line);
	fclose(file);
	return rc;
}

/* ---- public API ---------------------------------------------------------- */

void ecl_config_free(ecl_config *config)
{
	size_t i;
	int slot;

	if (config == NULL)
		return;
	for (i = 0; i < config->count; i++) {
		free(config->entries[i].key);
		for (slot = 0; slot < SOURCE_SLOTS; slot++)
			free(config->entries[i].values[slot]);
	}
	free(config->entries);
	free(config);
}

static int add_defaults(ecl_config *config)
{
	config_entry *entry = NULL;
	char text[32];
	char *value;
	size_t i;
	int rc = 0;

	for (i = 0; i < COUNT_OF(config_defaults) && rc == 0; i++) {
		rc = ensure_entry(&entry, config, config_defaults[i].key);
		if (rc == 0) {
			value = ecl__strdup(default_text(i, text, sizeof(text)));
			if (value == NULL)
				rc = ECL_ENOMEM;
			else
				replace_value(entry, ECL_CONFIG_DEFAULT, value);
		}
	}
	return rc;
}

int ecl_config_new(ecl_config **out)
{
	ecl_config *config;
	int rc;

	if (out == NULL)
		return ecl_error_set(ECL_EINVALID, "ecl_config_new: out is NULL");
	*out = NULL;
	config = calloc(1, sizeof(*config));
	if (config == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory creating a configuration");
	rc = add_defaults(config);
	if (rc == 0)
		*out = config;
	else
		ecl_config_free(config);
	return rc;
}

int ecl_config_load(ecl_config **out, const char *env_file)
{
	ecl_config *config = NULL;
	int rc;

	if (out == NULL)
		return ecl_error_set(ECL_EINVALID, "ecl_config_load: out is NULL");
	*out = NULL;
	rc = ecl_config_new(&config);
	if (rc == 0 && env_file != NULL)
		rc = ecl_config_load_file(config, env_file);
	if (rc == 0)
		rc = ecl_config_load_environment(config);
	if (rc == 0)
		*out = config;
	else
		ecl_config_free(config);
	return rc;
}

int ecl_config_load_file(ecl_config *config, const char *path)
{
	pending_list pending = { NULL, 0, 0 };
	int rc;

	if (config == NULL || path == NULL)
		return ecl_error_set(ECL_EINVALID, "ecl_config_load_file: %s is NULL",
			config == NULL ? "config" : "path");
	rc = read_env_file(&pending, path);
	if (rc == 0)
		rc = apply_pending(config, &pending, ECL_CONFIG_FILE, 0);
	pending_dispose(&pending);
	return rc;
}

static int add_from_environment(pending_list *pending, const char *key, size_t key_len, const char *value)
{
	char *copy = ecl__strdup(value);

	if (copy == NULL)
		return ECL_ENOMEM;
	return pending_add(pending, key, key_len, copy);
}

int ecl_config_load_environment(ecl_config *config)
{
	pending_list pending = { NULL, 0, 0 };
	const char *value;
	const char *eq;
	size_t i;
	int rc = 0;

	if (config == NULL)
		return ecl_error_set(ECL_EINVALID, "ecl_config_load_environment: config is NULL");
	for (i = 0; i < COUNT_OF(config_known_keys) && rc == 0; i++) {
		value = getenv(config_known_keys[i]);
		if (value != NULL)
			rc = add_from_environment(&pending, config_known_keys[i],
				strlen(config_known_keys[i]), value);
	}
	for (i = 0; environ != NULL && environ[i] != NULL && rc == 0; i++) {
		eq = strchr(environ[i], '=');
		/* Names that are not valid keys cannot be read back; skip them. */
		if (eq != NULL && strncmp(environ[i], ENV_PREFIX, strlen(ENV_PREFIX)) == 0 &&
		    key_span(environ[i]) == (size_t)(eq - environ[i]))
			rc = add_from_environment(&pending, environ[i], (size_t)(eq - environ[i]), eq + 1);
	}
	if (rc == 0)
		rc = apply_pending(config, &pending, ECL_CONFIG_ENVIRONMENT, 1);
	pending_dispose(&pending);
	return rc;
}

int ecl_config_set(ecl_config *config, const char *key, const char *value)
{
	config_entry *entry = NULL;
	char *copy = NULL;
	int rc = 0;

	if (config == NULL || key == NULL)
		return ecl_error_set(ECL_EINVALID, "ecl_config_set: %s is NULL",
			config == NULL ? "config" : "key");
	if (!key_is_valid(key))
		return ecl_error_set(ECL_EINVALID, "bad configuration key \"%.64s\" "
			"(keys match [A-Za-z_][A-Za-z0-9_]*)", key);
	if (value == NULL) {
		entry = find_entry(config, key);
		if (entry != NULL)
			replace_value(entry, ECL_CONFIG_SETTER, NULL);
	} else {
		/* Copy first so that a failed copy leaves the old value in place. */
		copy = ecl__strdup(value);
		if (copy == NULL)
			rc = ECL_ENOMEM;
		if (rc == 0)
			rc = ensure_entry(&entry, config, key);
		if (rc == 0)
			replace_value(entry, ECL_CONFIG_SETTER, copy);
		else
			free(copy);
	}
	return rc;
}

const char *ecl_config_get(const ecl_config *config, const char *key)
{
	const config_entry *entry;

	if (config == NULL || key == NULL) {
		ecl_error_set(ECL_EINVALID, "ecl_config_get: %s is NULL", config == NULL ? "config" : "key");
		return NULL;
	}
	entry = find_entry(config, key);
	return entry ? current_value(entry, NULL) : NULL;
}

int ecl_config_get_int(int64_t *out, const ecl_config *config, const char *key)
{
	const char *value;
	int64_t number;

	if (out == NULL || config == NULL || key == NULL)
		return ecl_error_set(ECL_EINVALID, "ecl_config_get_int: %s is NULL",
			out == NULL ? "out" : config == NULL ? "config" : "key");
	value = ecl_config_get(config, key);
	if (value == NULL)
		return ecl_error_set(ECL_ENOTFOUND, "configuration key %s is not set", key);
	if (ecl__parse_int64(&number, value) != 0)
		return ecl_error_set(ECL_EINVALID, "configuration key %s: \"%.64s\" is not a whole number",
			key, value);
	*out = number;
	return 0;
}

ecl_config_source ecl_config_source_of(const ecl_config *config, const char *key)
{
	const config_entry *entry;
	ecl_config_source source = ECL_CONFIG_UNSET;

	if (config == NULL || key == NULL) {
		ecl_error_set(ECL_EINVALID, "ecl_config_source_of: %s is NULL", config == NULL ? "config" : "key");
		return ECL_CONFIG_UNSET;
	}
	entry = find_entry(config, key);
	if (entry != NULL)
		current_value(entry, &source);
	return source;
}

/* ASCII case-insensitive substring search. */
static int contains_word(const char *text, const char *word)
{
	size_t word_len = strlen(word);
	size_t i;

	for (; *text != '\0'; text++) {
		for (i = 0; i < word_len; i++) {
			char c = text[i];

			if (c >= 'a' && c <= 'z')
				c = (char)(c - 'a' + 'A');
			if (c != word[i])
				break;
		}
		if (i == word_len)
			return 1;
	}
	return 0;
}

static int ends_with_word(const char *text, const char *word)
{
	size_t text_len = strlen(text);
	size_t word_len = strlen(word);

	return text_len >= word_len && ecl__strieq(text + text_len - word_len, word);
}

int ecl_config_is_secret(const char *key)
{
	if (key == NULL)
		return 0;
	/* Names are matched loosely on purpose: masking a harmless value costs
	 * nothing, logging a credential cannot be undone. */
	return ecl__strieq(key, "MAIL_PASSWORD") || ecl__strieq(key, "SLACK_WEBHOOK_URL") ||
		contains_word(key, "PASSWORD") || contains_word(key, "SECRET") ||
		contains_word(key, "TOKEN") || contains_word(key, "WEBHOOK") ||
		ends_with_word(key, "_KEY");
}
