#include "ecl_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eclectyc/config.h"

/* Each test writes its files into a private directory, removed afterwards. */
typedef struct fixture {
	char *dir;
	ecl_config *config;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->dir = ecl_test_tmpdir("test_config");
	if (f->dir == NULL || ecl_config_new(&f->config) != 0) {
		free(f->dir);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	ecl_config_free(f->config);
	ecl_test_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* Write `content` as <dir>/<name>; the path is freed by the caller. */
static char *write_env(fixture *f, const char *name, const char *content)
{
	char *path = ecl_test_write_file(f->dir, name, content);

	assert_non_null(path);
	return path;
}

static void assert_value(const ecl_config *config, const char *key, const char *expected,
	ecl_config_source source)
{
	const char *value = ecl_config_get(config, key);

	if (expected == NULL) {
		assert_null(value);
	} else {
		assert_non_null(value);
		assert_string_equal(value, expected);
	}
	assert_int_equal(ecl_config_source_of(config, key), source);
}

static void test_defaults(void **state)
{
	fixture *f = *state;
	static const char *const defaults[][2] = {
		{ "ECLECTYC_DB", "sqlite://eclectyc.db" },
		{ "ECLECTYC_STORAGE_DIR", "storage/imports" },
		{ "ECLECTYC_LOG_LEVEL", "warn" },
		{ "ECLECTYC_BUSY_TIMEOUT_MS", "10000" },
		{ "ECLECTYC_RETRY_BASE_SECONDS", "60" },
		{ "ECLECTYC_RETRY_CAP_SECONDS", "3600" },
		{ "ECLECTYC_RETRY_JITTER_PERCENT", "0" },
		{ "ECLECTYC_MAX_RETRIES", "3" },
		{ "ECLECTYC_STUCK_MINUTES", "60" },
		{ "ECLECTYC_FAILURE_RATE_WARNING", "25" },
		{ "ECLECTYC_FAILURE_RATE_CRITICAL", "50" },
		{ "ECLECTYC_BACKLOG_THRESHOLD", "100" },
		{ "ECLECTYC_ALERT_COOLDOWN_SECONDS", "3600" },
		{ "MAIL_PORT", "587" },
		{ "MAIL_ENCRYPTION", "tls" },
	};
	size_t i;

	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		assert_value(f->config, defaults[i][0], defaults[i][1], ECL_CONFIG_DEFAULT);
	/* Known keys without a default stay unset. */
	assert_value(f->config, "ADMIN_EMAIL", NULL, ECL_CONFIG_UNSET);
	assert_value(f->config, "MAIL_HOST", NULL, ECL_CONFIG_UNSET);
	assert_value(f->config, "MAIL_PASSWORD", NULL, ECL_CONFIG_UNSET);
	/* The mail code's own default ("Eclectyc Energy") applies. */
	assert_value(f->config, "MAIL_FROM_NAME", NULL, ECL_CONFIG_UNSET);
	assert_value(f->config, "SLACK_WEBHOOK_URL", NULL, ECL_CONFIG_UNSET);
	assert_value(f->config, "NO_SUCH_KEY", NULL, ECL_CONFIG_UNSET);
	/* Keys are case-sensitive, like environment variables. */
	assert_value(f->config, "eclectyc_db", NULL, ECL_CONFIG_UNSET);
}

static void test_file_overrides_default(void **state)
{
	fixture *f = *state;
	char *path = write_env(f, ".env",
		"ECLECTYC_DB=sqlite:///var/lib/eclectyc.db\n"
		"ADMIN_EMAIL=ops@example.com\n");

	ecl_assert_ok(ecl_config_load_file(f->config, path));
	assert_value(f->config, "ECLECTYC_DB", "sqlite:///var/lib/eclectyc.db", ECL_CONFIG_FILE);
	assert_value(f->config, "ADMIN_EMAIL", "ops@example.com", ECL_CONFIG_FILE);
	assert_value(f->config, "ECLECTYC_LOG_LEVEL", "warn", ECL_CONFIG_DEFAULT);
	free(path);
}

static void test_later_file_and_repeated_key(void **state)
{
	fixture *f = *state;
	char *first = write_env(f, "first.env", "A_KEY1=one\nB=first\nB=second\n");
	char *second = write_env(f, "second.env", "B=third\nC=new\n");

	ecl_assert_ok(ecl_config_load_file(f->config, first));
	/* Within one file the last occurrence wins. */
	assert_value(f->config, "B", "second", ECL_CONFIG_FILE);
	ecl_assert_ok(ecl_config_load_file(f->config, second));
	/* A second file adds to the first and overrides what it repeats. */
	assert_value(f->config, "A_KEY1", "one", ECL_CONFIG_FILE);
	assert_value(f->config, "B", "third", ECL_CONFIG_FILE);
	assert_value(f->config, "C", "new", ECL_CONFIG_FILE);
	free(first);
	free(second);
}

static void test_environment_overrides_file_any_order(void **state)
{
	fixture *f = *state;
	char *path = write_env(f, ".env",
		"ECLECTYC_DB=from-file\n"
		"MAIL_HOST=file.example.com\n"
		"ECLECTYC_LOG_LEVEL=debug\n");
	ecl_config *other = NULL;

	assert_int_equal(setenv("ECLECTYC_DB", "from-env", 1), 0);
	assert_int_equal(setenv("MAIL_HOST", "env.example.com", 1), 0);
	assert_int_equal(setenv("ECLECTYC_TEST_EXTRA", "extra", 1), 0);
	assert_int_equal(setenv("NOT_A_KNOWN_KEY_FOR_ECL", "ignored", 1), 0);

	/* Environment first, then the file: the environment still wins. */
	ecl_assert_ok(ecl_config_load_environment(f->config));
	ecl_assert_ok(ecl_config_load_file(f->config, path));
	assert_value(f->config, "ECLECTYC_DB", "from-env", ECL_CONFIG_ENVIRONMENT);
	assert_value(f->config, "MAIL_HOST", "env.example.com", ECL_CONFIG_ENVIRONMENT);
	assert_value(f->config, "ECLECTYC_LOG_LEVEL", "debug", ECL_CONFIG_FILE);
	/* Any ECLECTYC_ variable is taken; unknown other names are not. */
	assert_value(f->config, "ECLECTYC_TEST_EXTRA", "extra", ECL_CONFIG_ENVIRONMENT);
	assert_value(f->config, "NOT_A_KNOWN_KEY_FOR_ECL", NULL, ECL_CONFIG_UNSET);

	/* The other order gives the same result. */
	ecl_assert_ok(ecl_config_new(&other));
	ecl_assert_ok(ecl_config_load_file(other, path));
	ecl_assert_ok(ecl_config_load_environment(other));
	assert_value(other, "ECLECTYC_DB", "from-env", ECL_CONFIG_ENVIRONMENT);
	assert_value(other, "MAIL_HOST", "env.example.com", ECL_CONFIG_ENVIRONMENT);
	assert_value(other, "ECLECTYC_LOG_LEVEL", "debug", ECL_CONFIG_FILE);
	ecl_config_free(other);

	/* Re-reading the environment takes a new snapshot: a variable that is
	 * gone no longer hides the file's value. */
	unsetenv("ECLECTYC_DB");
	unsetenv("ECLECTYC_TEST_EXTRA");
	ecl_assert_ok(ecl_config_load_environment(f->config));
	assert_value(f->config, "ECLECTYC_DB", "from-file", ECL_CONFIG_FILE);
	assert_value(f->config, "ECLECTYC_TEST_EXTRA", NULL, ECL_CONFIG_UNSET);
	assert_value(f->config, "MAIL_HOST", "env.example.com", ECL_CONFIG_ENVIRONMENT);

	unsetenv("MAIL_HOST");
	unsetenv("NOT_A_KNOWN_KEY_FOR_ECL");
	free(path);
}

static void test_environment_empty_value_counts(void **state)
{
	fixture *f = *state;

	assert_int_equal(setenv("ECLECTYC_STORAGE_DIR", "", 1), 0);
	ecl_assert_ok(ecl_config_load_environment(f->config));
	assert_value(f->config, "ECLECTYC_STORAGE_DIR", "", ECL_CONFIG_ENVIRONMENT);
	unsetenv("ECLECTYC_STORAGE_DIR");
}

static void test_setter_overrides_all(void **state)
{
	fixture *f = *state;
	char *path = write_env(f, ".env", "ECLECTYC_DB=from-file\nMAIL_USERNAME=file-user\n");

	assert_int_equal(setenv("ECLECTYC_DB", "from-env", 1), 0);
	ecl_assert_ok(ecl_config_set(f->config, "ECLECTYC_DB", "from-setter"));
	ecl_assert_ok(ecl_config_set(f->config, "MAIL_USERNAME", "setter-user"));
	ecl_assert_ok(ecl_config_set(f->config, "ECLECTYC_MAX_RETRIES", "7"));
	/* Sources loaded after the setter do not replace it. */
	ecl_assert_ok(ecl_config_load_file(f->config, path));
	ecl_assert_ok(ecl_config_load_environment(f->config));
	assert_value(f->config, "ECLECTYC_DB", "from-setter", ECL_CONFIG_SETTER);
	assert_value(f->config, "MAIL_USERNAME", "setter-user", ECL_CONFIG_SETTER);
	assert_value(f->config, "ECLECTYC_MAX_RETRIES", "7", ECL_CONFIG_SETTER);

	/* Removing the setter's value shows each lower layer again. */
	ecl_assert_ok(ecl_config_set(f->config, "ECLECTYC_DB", NULL));
	assert_value(f->config, "ECLECTYC_DB", "from-env", ECL_CONFIG_ENVIRONMENT);
	ecl_assert_ok(ecl_config_set(f->config, "MAIL_USERNAME", NULL));
	assert_value(f->config, "MAIL_USERNAME", "file-user", ECL_CONFIG_FILE);
	ecl_assert_ok(ecl_config_set(f->config, "ECLECTYC_MAX_RETRIES", NULL));
	assert_value(f->config, "ECLECTYC_MAX_RETRIES", "3", ECL_CONFIG_DEFAULT);

	/* A new key, replaced, then removed; removing an unset key is fine. */
	ecl_assert_ok(ecl_config_set(f->config, "CUSTOM_KEY_1", "a"));
	ecl_assert_ok(ecl_config_set(f->config, "CUSTOM_KEY_1", "b"));
	assert_value(f->config, "CUSTOM_KEY_1", "b", ECL_CONFIG_SETTER);
	ecl_assert_ok(ecl_config_set(f->config, "CUSTOM_KEY_1", NULL));
	assert_value(f->config, "CUSTOM_KEY_1", NULL, ECL_CONFIG_UNSET);
	ecl_assert_ok(ecl_config_set(f->config, "NEVER_SET", NULL));
	assert_value(f->config, "NEVER_SET", NULL, ECL_CONFIG_UNSET);
	/* An empty string is a value, not a removal. */
	ecl_assert_ok(ecl_config_set(f->config, "ECLECTYC_LOG_LEVEL", ""));
	assert_value(f->config, "ECLECTYC_LOG_LEVEL", "", ECL_CONFIG_SETTER);

	unsetenv("ECLECTYC_DB");
	free(path);
}


static void test_setter_bad_key(void **state)
{
	fixture *f = *state;

	ecl_assert_fails(ECL_EINVALID, ecl_config_set(f->config, "", "x"));
	ecl_assert_fails(ECL_EINVALID, ecl_config_set(f->config, "1ABC", "x"));
	ecl_assert_fails(ECL_EINVALID, ecl_config_set(f->config, "BAD-KEY", "x"));
	ecl_assert_error_contains("BAD-KEY");
	ecl_assert_fails(ECL_EINVALID, ecl_config_set(f->config, "SPACE KEY", "x"));
	ecl_assert_fails(ECL_EINVALID, ecl_config_set(f->config, "ECLECTYC_DB ", NULL));
	assert_value(f->config, "ECLECTYC_DB", "sqlite://eclectyc.db", ECL_CONFIG_DEFAULT);
}

static void test_source_of_each_layer(void **state)
{
	fixture *f = *state;
	char *path = write_env(f, ".env", "LAYER_FILE=f\nLAYER_ENV=f\nLAYER_SET=f\n");

	assert_int_equal(setenv("ECLECTYC_LAYER_ENV", "e", 1), 0);
	assert_int_equal(setenv("ECLECTYC_LAYER_SET", "e", 1), 0);
	ecl_assert_ok(ecl_config_load_file(f->config, path));
	ecl_assert_ok(ecl_config_load_environment(f->config));
	ecl_assert_ok(ecl_config_set(f->config, "ECLECTYC_LAYER_SET", "s"));

	assert_int_equal(ecl_config_source_of(f->config, "LAYER_UNSET"), ECL_CONFIG_UNSET);
	assert_int_equal(ecl_config_source_of(f->config, "ECLECTYC_PEAK_START"), ECL_CONFIG_DEFAULT);
	assert_int_equal(ecl_config_source_of(f->config, "LAYER_FILE"), ECL_CONFIG_FILE);
	assert_int_equal(ecl_config_source_of(f->config, "ECLECTYC_LAYER_ENV"), ECL_CONFIG_ENVIRONMENT);
	assert_int_equal(ecl_config_source_of(f->config, "ECLECTYC_LAYER_SET"), ECL_CONFIG_SETTER);
	assert_string_equal(ecl_config_get(f->config, "ECLECTYC_LAYER_SET"), "s");

	unsetenv("ECLECTYC_LAYER_ENV");
	unsetenv("ECLECTYC_LAYER_SET");
	free(path);
}

static void test_syntax(void **state)
{
	fixture *f = *state;
	char *path = write_env(f, ".env",
		"# a comment line\n"
		"   # an indented comment\n"
		"\n"
		"   \t \n"
		"export EXPORTED=yes\n"
		"  export   EXPORTED_SPACES=also\n"
		"  SPACED   =   spaced value   \n"
		"TABBED\t=\ttabbed\t\n"
		"SINGLE='literal \\n $HOME \"quoted\" # not a comment'\n"
		"DOUBLE=\"line1\\nline2\\ttab \\\"q\\\" back\\\\slash \\$dollar\"\n"
		"UNKNOWN_ESCAPE=\"a\\qb\"\n"
		"INLINE=value # comment\n"
		"TAB_HASH=val\t# tab comment\n"
		"HASH_NO_SPACE=abc#def\n"
		"HASH_AT_START=#notcomment\n"
		"EMPTY=\n"
		"EMPTY_SPACES=   \n"
		"EMPTY_COMMENT= # only a comment\n"
		"EMPTY_SINGLE=''\n"
		"EMPTY_DOUBLE=\"\"\n"
		"QUOTED_COMMENT=\"kept # inside\" # dropped\n"
		"SINGLE_TRAILING='x'   \n"
		"SINGLE_SPACES='  padded  '\n"
		"EQUALS_IN_VALUE=a=b=c\n"
		"QUOTE_INSIDE=it's \"fine\"\n"
		"export=export-is-a-key\n"
		"URL=postgres://u:p@h:5432/db?x=1&y=2\n"
		"lower_case=ok\n"
		"_UNDER_1=u\n"
		"NO_NEWLINE_AT_END=last");

	ecl_assert_ok(ecl_config_load_file(f->config, path));
	assert_value(f->config, "EXPORTED", "yes", ECL_CONFIG_FILE);
	assert_value(f->config, "EXPORTED_SPACES", "also", ECL_CONFIG_FILE);
	assert_value(f->config, "SPACED", "spaced value", ECL_CONFIG_FILE);
	assert_value(f->config, "TABBED", "tabbed", ECL_CONFIG_FILE);
	assert_value(f->config, "SINGLE", "literal \\n $HOME \"quoted\" # not a comment", ECL_CONFIG_FILE);
	assert_value(f->config, "DOUBLE", "line1\nline2\ttab \"q\" back\\slash $dollar", ECL_CONFIG_FILE);
	assert_value(f->config, "UNKNOWN_ESCAPE", "a\\qb", ECL_CONFIG_FILE);
	assert_value(f->config, "INLINE", "value", ECL_CONFIG_FILE);
	assert_value(f->config, "TAB_HASH", "val", ECL_CONFIG_FILE);
	assert_value(f->config, "HASH_NO_SPACE", "abc#def", ECL_CONFIG_FILE);
	assert_value(f->config, "HASH_AT_START", "#notcomment", ECL_CONFIG_FILE);
	assert_value(f->config, "EMPTY", "", ECL_CONFIG_FILE);
	assert_value(f->config, "EMPTY_SPACES", "", ECL_CONFIG_FILE);
	assert_value(f->config, "EMPTY_COMMENT", "", ECL_CONFIG_FILE);
	assert_value(f->config, "EMPTY_SINGLE", "", ECL_CONFIG_FILE);
	assert_value(f->config, "EMPTY_DOUBLE", "", ECL_CONFIG_FILE);
	assert_value(f->config, "QUOTED_COMMENT", "kept # inside", ECL_CONFIG_FILE);
	assert_value(f->config, "SINGLE_TRAILING", "x", ECL_CONFIG_FILE);
	assert_value(f->config, "SINGLE_SPACES", "  padded  ", ECL_CONFIG_FILE);
	assert_value(f->config, "EQUALS_IN_VALUE", "a=b=c", ECL_CONFIG_FILE);
	assert_value(f->config, "QUOTE_INSIDE", "it's \"fine\"", ECL_CONFIG_FILE);
	assert_value(f->config, "export", "export-is-a-key", ECL_CONFIG_FILE);
	assert_value(f->config, "URL", "postgres://u:p@h:5432/db?x=1&y=2", ECL_CONFIG_FILE);
	assert_value(f->config, "lower_case", "ok", ECL_CONFIG_FILE);
	assert_value(f->config, "LOWER_CASE", NULL, ECL_CONFIG_UNSET);
	assert_value(f->config, "_UNDER_1", "u", ECL_CONFIG_FILE);
	assert_value(f->config, "NO_NEWLINE_AT_END", "last", ECL_CONFIG_FILE);
	/* Comment text never becomes a key. */
	assert_value(f->config, "comment", NULL, ECL_CONFIG_UNSET);
	free(path);
}

static void test_bom_and_crlf(void **state)
{
	fixture *f = *state;
	/* The BOM literal is split so that \xBF does not swallow the 'F'. */
	char *path = write_env(f, ".env",
		"\xEF\xBB\xBF" "FIRST=1\r\n"
		"SECOND=\"two\"\r\n"
		"\r\n"
		"# comment\r\n"
		"THIRD='3' \r\n"
		"FOURTH=four # comment\r\n"
		"LAST=end");

	ecl_assert_ok(ecl_config_load_file(f->config, path));
	assert_value(f->config, "FIRST", "1", ECL_CONFIG_FILE);
	assert_value(f->config, "SECOND", "two", ECL_CONFIG_FILE);
	assert_value(f->config, "THIRD", "3", ECL_CONFIG_FILE);
	assert_value(f->config, "FOURTH", "four", ECL_CONFIG_FILE);
	assert_value(f->config, "LAST", "end", ECL_CONFIG_FILE);
	free(path);
}

static void test_empty_and_comment_only_files(void **state)
{
	fixture *f = *state;
	char *empty = write_env(f, "empty.env", "");
	char *comments = write_env(f, "comments.env", "# nothing\n\n   \n\t# here\n");
	char *bom_only = write_env(f, "bom.env", "\xEF\xBB\xBF");

	ecl_assert_ok(ecl_config_load_file(f->config, empty));
	ecl_assert_ok(ecl_config_load_file(f->config, comments));
	ecl_assert_ok(ecl_config_load_file(f->config, bom_only));
	assert_value(f->config, "ECLECTYC_DB", "sqlite://eclectyc.db", ECL_CONFIG_DEFAULT);
	free(empty);
	free(comments);
	free(bom_only);
}

/* One malformed line, placed at line 5 after lines that would change values,
 * and followed by one more. */
typedef struct parse_case {
	const char *line;
	const char *message;
} parse_case;

static void test_parse_errors(void **state)
{
	fixture *f = *state;
	static const parse_case cases[] = {
		{ "FOO", "missing '=' after key \"FOO\"" },
		{ "FOO BAR=1", "missing '=' after key \"FOO\"" },
		{ "export FOO", "missing '=' after key \"FOO\"" },
		{ "FOO : 1", "missing '=' after key \"FOO\"" },
		{ "1FOO=x", "bad key \"1FOO\"" },
		{ "FOO-BAR=x", "bad key \"FOO-BAR\"" },
		{ "FOO.BAR = x", "bad key \"FOO.BAR\"" },
		{ "\xEF\xBB\xBF" "BOM_NOT_FIRST=x", "bad key" },
		{ "=value", "missing key before '='" },
		{ "FOO='abc", "unterminated single-quoted value" },
		{ "FOO=\"abc", "unterminated double-quoted value" },
		{ "FOO=\"abc\\\"", "unterminated double-quoted value" },
		{ "FOO=\"first line", "unterminated double-quoted value" },
		{ "FOO=\"abc\" trailing", "unexpected text after closing quote" },
		{ "FOO='abc'x", "unexpected text after closing quote" },
		{ "FOO=\"abc\"#c", "unexpected text after closing quote" },
		{ "FOO='a' 'b'", "unexpected text after closing quote" },
	};
	char content[512];
	char prefix[4096];
	char *path;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(content, sizeof(content),
			"ECLECTYC_DB=changed\n"
			"\n"
			"# comment\n"
			"NEW_KEY=x\n"
			"%s\n"
			"AFTER=1\n", cases[i].line);
		path = write_env(f, ".env", content);
		ecl_assert_fails(ECL_EPARSE, ecl_config_load_file(f->config, path));
		snprintf(prefix, sizeof(prefix), "%s:5: ", path);
		ecl_assert_error_contains(prefix);
		ecl_assert_error_contains(cases[i].message);
		/* Nothing from the failed file was applied. */
		assert_value(f->config, "ECLECTYC_DB", "sqlite://eclectyc.db", ECL_CONFIG_DEFAULT);
		assert_value(f->config, "NEW_KEY", NULL, ECL_CONFIG_UNSET);
		assert_value(f->config, "AFTER", NULL, ECL_CONFIG_UNSET);
		free(path);
	}
}

static void test_parse_error_line_numbers(void **state)
{
	fixture *f = *state;
	char prefix[4096];
	char *crlf = write_env(f, "crlf.env", "A=1\r\nB=2\r\nBAD LINE\r\n");
	char *first = write_env(f, "first.env", "\xEF\xBB\xBF" "1BAD=x\nGOOD=1\n");
	char *previous = write_env(f, "ok.env", "KEPT=yes\n");

	ecl_assert_ok(ecl_config_load_file(f->config, previous));

	ecl_assert_fails(ECL_EPARSE, ecl_config_load_file(f->config, crlf));
	snprintf(prefix, sizeof(prefix), "%s:3: missing '=' after key \"BAD\"", crlf);
	ecl_assert_error_contains(prefix);

	ecl_assert_fails(ECL_EPARSE, ecl_config_load_file(f->config, first));
	snprintf(prefix, sizeof(prefix), "%s:1: bad key \"1BAD\"", first);
	ecl_assert_error_contains(prefix);

	/* Earlier files stay applied; failed ones add nothing. */
	assert_value(f->config, "KEPT", "yes", ECL_CONFIG_FILE);
	assert_value(f->config, "A", NULL, ECL_CONFIG_UNSET);
	assert_value(f->config, "GOOD", NULL, ECL_CONFIG_UNSET);
	free(crlf);
	free(first);
	free(previous);
}

static void test_nul_byte_is_an_error(void **state)
{
	fixture *f = *state;
	static const char bytes[] = "OK=1\nFOO=a\0b\n";
	char *path = NULL;
	char prefix[4096];
	FILE *file;

	assert_true(asprintf(&path, "%s/nul.env", f->dir) > 0);
	file = fopen(path, "wb");
	assert_non_null(file);
	assert_int_equal(fwrite(bytes, 1, sizeof(bytes) - 1, file), sizeof(bytes) - 1);
	assert_int_equal(fclose(file), 0);

	ecl_assert_fails(ECL_EPARSE, ecl_config_load_file(f->config, path));
	snprintf(prefix, sizeof(prefix), "%s:2: ", path);
	ecl_assert_error_contains(prefix);
	ecl_assert_error_contains("NUL");
	assert_value(f->config, "OK", NULL, ECL_CONFIG_UNSET);
	free(path);
}

static void test_io_errors(void **state)
{
	fixture *f = *state;
	char *missing = NULL;

	assert_true(asprintf(&missing, "%s/does-not-exist.env", f->dir) > 0);
	ecl_assert_fails(ECL_EIO, ecl_config_load_file(f->config, missing));
	ecl_assert_error_contains(missing);
	ecl_assert_error_contains(strerror(ENOENT));

	/* A directory opens but cannot be read: also an I/O error (and works
	 * when the tests run as root, where file permissions would not). */
	ecl_assert_fails(ECL_EIO, ecl_config_load_file(f->config, f->dir));
	ecl_assert_error_contains(f->dir);
	ecl_assert_error_contains(strerror(EISDIR));

	assert_value(f->config, "ECLECTYC_DB", "sqlite://eclectyc.db", ECL_CONFIG_DEFAULT);
	free(missing);
}

static void test_load(void **state)
{
	fixture *f = *state;
	char *good = write_env(f, "good.env", "ECLECTYC_DB=file-db\nADMIN_EMAIL=a@example.com\n");
	char *bad = write_env(f, "bad.env", "GOOD=1\nBAD\n");
	char *missing = NULL;
	int dummy;
	ecl_config *config = NULL;

	assert_true(asprintf(&missing, "%s/missing.env", f->dir) > 0);
	assert_int_equal(setenv("ADMIN_EMAIL", "env@example.com", 1), 0);

	ecl_assert_ok(ecl_config_load(&config, good));
	assert_value(config, "ECLECTYC_DB", "file-db", ECL_CONFIG_FILE);
	assert_value(config, "ADMIN_EMAIL", "env@example.com", ECL_CONFIG_ENVIRONMENT);
	assert_value(config, "MAIL_PORT", "587", ECL_CONFIG_DEFAULT);
	ecl_config_free(config);

	config = NULL;
	ecl_assert_ok(ecl_config_load(&config, NULL));
	assert_value(config, "ECLECTYC_DB", "sqlite://eclectyc.db", ECL_CONFIG_DEFAULT);
	assert_value(config, "ADMIN_EMAIL", "env@example.com", ECL_CONFIG_ENVIRONMENT);
	ecl_config_free(config);

	/* On failure *out is NULL, whatever it held before. */
	config = (ecl_config *)&dummy;
	ecl_assert_fails(ECL_EPARSE, ecl_config_load(&config, bad));
	ecl_assert_error_contains(":2: missing '=' after key \"BAD\"");
	assert_null(config);
	config = (ecl_config *)&dummy;
	ecl_assert_fails(ECL_EIO, ecl_config_load(&config, missing));
	assert_null(config);

	unsetenv("ADMIN_EMAIL");
	free(good);
	free(bad);
	free(missing);
}

static void test_get_int(void **state)
{
	fixture *f = *state;
	static const char *const bad[] = {
		"12abc", " 12", "12 ", "", "1.5", "0x10", "+", "-", "ten",
		"99999999999999999999", "-99999999999999999999",
	};
	int64_t value = 12345;
	size_t i;
	char *path = write_env(f, ".env", "PADDED=   42   \n");

	ecl_assert_ok(ecl_config_get_int(&value, f->config, "ECLECTYC_MAX_RETRIES"));
	assert_int_equal(value, 3);
	ecl_assert_ok(ecl_config_get_int(&value, f->config, "ECLECTYC_BUSY_TIMEOUT_MS"));
	assert_int_equal(value, 10000);
	ecl_assert_ok(ecl_config_set(f->config, "N", "-42"));
	ecl_assert_ok(ecl_config_get_int(&value, f->config, "N"));
	assert_int_equal(value, -42);
	ecl_assert_ok(ecl_config_set(f->config, "N", "9223372036854775807"));
	ecl_assert_ok(ecl_config_get_int(&value, f->config, "N"));
	assert_true(value == INT64_MAX);
	ecl_assert_ok(ecl_config_set(f->config, "N", "-9223372036854775808"));
	ecl_assert_ok(ecl_config_get_int(&value, f->config, "N"));
	assert_true(value == INT64_MIN);
	/* An unquoted file value is trimmed, so it parses. */
	ecl_assert_ok(ecl_config_load_file(f->config, path));
	ecl_assert_ok(ecl_config_get_int(&value, f->config, "PADDED"));
	assert_int_equal(value, 42);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		value = 12345;
		ecl_assert_ok(ecl_config_set(f->config, "BAD_INT", bad[i]));
		ecl_assert_fails(ECL_EINVALID, ecl_config_get_int(&value, f->config, "BAD_INT"));
		ecl_assert_error_contains("BAD_INT");
		ecl_assert_error_contains(bad[i]);
		assert_int_equal(value, 12345);
	}

	value = 12345;
	ecl_assert_fails(ECL_ENOTFOUND, ecl_config_get_int(&value, f->config, "MAIL_HOST"));
	ecl_assert_error_contains("MAIL_HOST");
	assert_int_equal(value, 12345);
	free(path);
}

static void test_is_secret(void **state)
{
	static const char *const secrets[] = {
		"MAIL_PASSWORD", "SLACK_WEBHOOK_URL", "DB_PASSWORD", "mail_password",
		"APP_SECRET", "SECRET", "client_secret_value", "GITHUB_TOKEN", "token",
		"API_KEY", "api_key", "ECLECTYC_ENCRYPTION_KEY",
	};
	static const char *const plain[] = {
		"MAIL_HOST", "MAIL_USERNAME", "MAIL_PORT", "MAIL_FROM_ADDRESS", "ADMIN_EMAIL",
		"ECLECTYC_DB", "ECLECTYC_LOG_LEVEL", "KEYBOARD", "KEY_NAME", "MONKEY", "",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		if (!ecl_config_is_secret(secrets[i]))
			print_error("%s should be secret\n", secrets[i]);
		assert_true(ecl_config_is_secret(secrets[i]));
	}
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		if (ecl_config_is_secret(plain[i]))
			print_error("%s should not be secret\n", plain[i]);
		assert_false(ecl_config_is_secret(plain[i]));
	}
	assert_false(ecl_config_is_secret(NULL));
}

static void test_null_arguments(void **state)
{
	fixture *f = *state;
	char *path = write_env(f, ".env", "A=1\n");
	int64_t value = 7;

	ecl_assert_fails(ECL_EINVALID, ecl_config_new(NULL));
	ecl_assert_fails(ECL_EINVALID, ecl_config_load(NULL, NULL));
	ecl_assert_fails(ECL_EINVALID, ecl_config_load(NULL, path));
	ecl_assert_fails(ECL_EINVALID, ecl_config_load_file(NULL, path));
	ecl_assert_fails(ECL_EINVALID, ecl_config_load_file(f->config, NULL));
	ecl_assert_fails(ECL_EINVALID, ecl_config_load_environment(NULL));
	ecl_assert_fails(ECL_EINVALID, ecl_config_set(NULL, "A", "b"));
	ecl_assert_fails(ECL_EINVALID, ecl_config_set(f->config, NULL, "b"));
	ecl_assert_fails(ECL_EINVALID, ecl_config_get_int(NULL, f->config, "ECLECTYC_MAX_RETRIES"));
	ecl_assert_fails(ECL_EINVALID, ecl_config_get_int(&value, NULL, "ECLECTYC_MAX_RETRIES"));
	ecl_assert_fails(ECL_EINVALID, ecl_config_get_int(&value, f->config, NULL));
	assert_int_equal(value, 7);
	assert_null(ecl_config_get(NULL, "ECLECTYC_DB"));
	assert_null(ecl_config_get(f->config, NULL));
	assert_int_equal(ecl_config_source_of(NULL, "ECLECTYC_DB"), ECL_CONFIG_UNSET);
	assert_int_equal(ecl_config_source_of(f->config, NULL), ECL_CONFIG_UNSET);
	ecl_config_free(NULL);
	/* Nothing above touched the configuration. */
	assert_value(f->config, "A", NULL, ECL_CONFIG_UNSET);
	free(path);
}

static void test_long_value(void **state)
{
	fixture *f = *state;
	/* Long, but within the 64 KiB a line may have (quotes included). */
	const size_t len = 60 * 1024;
	char *value = malloc(len + 1);
	char *content = malloc(2 * len + 64);
	char *path;
	size_t i;

	assert_non_null(value);
	assert_non_null(content);
	for (i = 0; i < len; i++)
		value[i] = (char)('a' + i % 26);
	value[len] = '\0';
	snprintf(content, 2 * len + 64, "LONG=%s\nLONG_QUOTED=\"%s\"\nAFTER=1\n", value, value);
	path = write_env(f, ".env", content);

	ecl_assert_ok(ecl_config_load_file(f->config, path));
	assert_non_null(ecl_config_get(f->config, "LONG"));
	assert_int_equal(strlen(ecl_config_get(f->config, "LONG")), len);
	assert_string_equal(ecl_config_get(f->config, "LONG"), value);
	assert_string_equal(ecl_config_get(f->config, "LONG_QUOTED"), value);
	assert_value(f->config, "AFTER", "1", ECL_CONFIG_FILE);

	ecl_assert_ok(ecl_config_set(f->config, "LONG", "short"));
	assert_string_equal(ecl_config_get(f->config, "LONG"), "short");
	ecl_assert_ok(ecl_config_set(f->config, "LONG", NULL));
	assert_string_equal(ecl_config_get(f->config, "LONG"), value);

	free(path);
	free(content);
	free(value);
}

/* A line may be 64 KiB long, line ending included; a longer one (a binary
 * file given by mistake, a file with no newline at all) is refused naming
 * the line, without reading it whole. */
static void test_line_length_bounded(void **state)
{
	fixture *f = *state;
	const size_t limit = 64 * 1024;
	char *content = malloc(3 * limit);
	char *path, prefix[4096];
	size_t n;

	assert_non_null(content);
	/* "A=" and a value filling the line to exactly the limit with its '\n'. */
	n = (size_t)sprintf(content, "FIRST=1\nA=");
	memset(content + n, 'x', limit - 3);
	n += limit - 3;
	content[n++] = '\n';
	content[n] = '\0';
	path = write_env(f, "at-limit.env", content);
	ecl_assert_ok(ecl_config_load_file(f->config, path));
	assert_int_equal(strlen(ecl_config_get(f->config, "A")), limit - 3);
	free(path);

	/* One byte more. */
	n = (size_t)sprintf(content, "FIRST=2\nB=");
	memset(content + n, 'y', limit - 2);
	n += limit - 2;
	sprintf(content + n, "\nAFTER=1\n");
	path = write_env(f, "too-long.env", content);
	ecl_assert_fails(ECL_EPARSE, ecl_config_load_file(f->config, path));
	snprintf(prefix, sizeof(prefix), "%s:2: line is longer than 65536 bytes", path);
	ecl_assert_error_contains(prefix);
	/* Nothing of the file was applied. */
	assert_value(f->config, "FIRST", "1", ECL_CONFIG_FILE);
	assert_value(f->config, "AFTER", NULL, ECL_CONFIG_UNSET);
	free(path);

	/* A last line with no newline at all, far longer. */
	memset(content, 'z', 3 * limit - 1);
	content[0] = 'C';
	content[1] = '=';
	content[3 * limit - 1] = '\0';
	path = write_env(f, "no-newline.env", content);
	ecl_assert_fails(ECL_EPARSE, ecl_config_load_file(f->config, path));
	snprintf(prefix, sizeof(prefix), "%s:1: line is longer", path);
	ecl_assert_error_contains(prefix);
	free(path);
	free(content);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_overrides_default, setup, teardown),
		cmocka_unit_test_setup_teardown(test_later_file_and_repeated_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_environment_overrides_file_any_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_environment_empty_value_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setter_overrides_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setter_bad_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_source_of_each_layer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syntax, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bom_and_crlf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_and_comment_only_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_error_line_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nul_byte_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_io_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_int, setup, teardown),
		cmocka_unit_test(test_is_secret),
		cmocka_unit_test_setup_teardown(test_null_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_value, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_length_bounded, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
