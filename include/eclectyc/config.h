/**
 * @file eclectyc/config.h
 * @brief Configuration: defaults < `.env` file < process environment < setters.
 *
 * Keys keep the reference system's names where they exist (ADMIN_EMAIL,
 * MAIL_HOST, MAIL_PORT, MAIL_USERNAME, MAIL_PASSWORD, MAIL_ENCRYPTION,
 * MAIL_FROM_ADDRESS, MAIL_FROM_NAME, SLACK_WEBHOOK_URL) and add ECLECTYC_*
 * keys. A value from a lower-priority source never replaces one from a higher
 * one, whatever order the sources are loaded in.
 */
#ifndef ECLECTYC_CONFIG_H
#define ECLECTYC_CONFIG_H

#include "common.h"

ECL_BEGIN_DECL

/** A set of configuration values. One thread at a time. */
typedef struct ecl_config ecl_config;

/** Where a value came from, in increasing priority. */
typedef enum ecl_config_source {
	ECL_CONFIG_UNSET = 0,     /**< the key has no value */
	ECL_CONFIG_DEFAULT = 1,   /**< the library's built-in default */
	ECL_CONFIG_FILE = 2,      /**< a `.env` file */
	ECL_CONFIG_ENVIRONMENT = 3, /**< the process environment */
	ECL_CONFIG_SETTER = 4     /**< ecl_config_set() */
} ecl_config_source;

/**
 * Create a configuration holding the built-in defaults only.
 *
 * @param out receives the new configuration; free with ecl_config_free()
 * @return 0, ECL_EINVALID for a NULL pointer, or ECL_ENOMEM
 */
ECL_EXTERN int ecl_config_new(ecl_config **out);

/**
 * Create a configuration from defaults, then `env_file` (when not NULL), then
 * the process environment.
 *
 * @param out      receives the new configuration; free with ecl_config_free()
 * @param env_file path of a `.env` file, or NULL for none
 * @return 0; ECL_EIO when the file cannot be read; ECL_EPARSE naming the line
 *         of a malformed file; ECL_ENOMEM. Nothing is allocated on failure.
 */
ECL_EXTERN int ecl_config_load(ecl_config **out, const char *env_file);

/** Free a configuration. Accepts NULL. */
ECL_EXTERN void ecl_config_free(ecl_config *config);

/**
 * Read a `.env` file into the configuration at file priority.
 *
 * Syntax: `KEY=value` lines; blank lines and lines starting with `#` are
 * ignored; an optional `export ` prefix; values may be single-quoted (taken
 * literally) or double-quoted (with \\n, \\t, \\", \\\\ escapes); an unquoted
 * value ends at ` #` and is trimmed; after a closing quote only blanks or a
 * ` #` comment may follow. Keys are [A-Za-z_][A-Za-z0-9_]*. CRLF endings
 * and a UTF-8 BOM are accepted; values cannot span lines. The file is parsed
 * completely before anything is applied; a second file merges over the first.
 *
 * @return 0; ECL_EINVALID for NULL arguments; ECL_EIO when the file cannot
 *         be read; ECL_EPARSE naming the file and line of the first error.
 */
ECL_EXTERN int ecl_config_load_file(ecl_config *config, const char *path);

/**
 * Read the process environment at environment priority, for every key the
 * library knows and every key that starts with "ECLECTYC_". Calling it again
 * replaces the earlier environment values (a variable unset since then no
 * longer hides the lower sources).
 *
 * @return 0, ECL_EINVALID for a NULL configuration, or ECL_ENOMEM
 */
ECL_EXTERN int ecl_config_load_environment(ecl_config *config);

/**
 * Set a value at setter priority (highest).
 *
 * @param key   a key name ([A-Za-z_][A-Za-z0-9_]*)
 * @param value the value (copied); NULL removes the setter's value so the
 *              lower sources show through again
 * @return 0, ECL_EINVALID for a bad key, or ECL_ENOMEM
 */
ECL_EXTERN int ecl_config_set(ecl_config *config, const char *key, const char *value);

/**
 * The value of a key.
 *
 * @return the value (owned by the configuration, valid until it next
 *         changes), or NULL when the key has no value.
 */
ECL_EXTERN const char *ecl_config_get(const ecl_config *config, const char *key);

/**
 * The value of a key as an integer.
 *
 * @param out receives the value; left untouched on failure
 * @return 0; ECL_ENOTFOUND when the key has no value; ECL_EINVALID naming the
 *         key and value when it is not a whole decimal number in range.
 */
ECL_EXTERN int ecl_config_get_int(int64_t *out, const ecl_config *config, const char *key);

/** Where the current value of a key came from. */
ECL_EXTERN ecl_config_source ecl_config_source_of(const ecl_config *config, const char *key);

/**
 * Whether a key holds a secret (a password, token or webhook URL) whose value
 * must never be logged. The library masks these itself.
 */
ECL_EXTERN int ecl_config_is_secret(const char *key);

ECL_END_DECL

#endif
