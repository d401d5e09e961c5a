/*
 * cmd_profiles.c - `eclectyc profiles [show NAME]` and `eclectyc detect FILE`.
 *
 * Neither opens a store: they read profiles and files only, and `detect`
 * previews an import through the library's own dry run (a private
 * in-memory store), so what it shows is what `import` would store.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

enum { OPT_PROFILE, OPT_METER, OPT_CLOCK, OPT_ROWS };

static const cli_option profiles_options[] = {
	{ NULL, 0, 0 }
};

static const cli_option detect_options[] = {
	{ "profile", 1, OPT_PROFILE },
	{ "meter", 1, OPT_METER },
	{ "clock", 1, OPT_CLOCK },
	{ "rows", 1, OPT_ROWS },
	CLI_POLICY_OPTIONS,
	{ NULL, 0, 0 }
};

static const char *text_of(json_t *o, const char *key)
{
	const char *text = json_string_value(json_object_get(o, key));
	return text ? text : "";
}

static int print_list(const char *text, int json)
{
	json_t *list = json_loads(text, 0, NULL);
	json_t *p;
	size_t i;

	if (list == NULL)
		return cli_failf("the profile list is not valid JSON");
	if (json)
		return out_json(list) == CLI_CONTINUE ? CLI_EXIT_OK : CLI_EXIT_ERROR;
	printf("%-28s %-7s %s\n", "NAME", "LAYOUT", "DESCRIPTION");
	json_array_foreach(list, i, p) {
		/* A user's profile supplies these texts: escaped like any file's. */
		printf("%-28s %-7s ", text_of(p, "name"), text_of(p, "layout"));
		out_text(stdout, text_of(p, "description"), CLI_TEXT_FLAT);
		printf("\n%-28s %-7s from: ", "", "");
		out_text(stdout, text_of(p, "source"), CLI_TEXT_FLAT);
		if (strcmp(text_of(p, "origin"), "built-in") != 0) {
			printf("; file ");
			out_text(stdout, text_of(p, "origin"), CLI_TEXT_FLAT);
		}
		putchar('\n');
	}
	printf("\n%zu profiles. `eclectyc profiles show NAME` prints one; `eclectyc detect FILE` "
	       "says which reads a file.\n", json_array_size(list));
	json_decref(list);
	return CLI_EXIT_OK;
}

int cmd_profiles(cli_args *args)
{
	const char *words[3] = { NULL, NULL, NULL };
	const char *value;
	ecl_buf buf = ECL_BUF_INIT;
	int id, r, n = 0, rc, status;

	while ((r = cli_next(args, profiles_options, &id, &value)) != CLI_ARG_END) {
		if (r == CLI_ARG_STOP)
			return args->exit_code;
		if (n == 2)
			return cli_usage_error("unexpected argument '%s' for command 'profiles'", value);
		words[n++] = value;
	}
	if (n >= 1 && strcmp(words[0], "show") != 0)
		return cli_usage_error("unknown 'profiles' subcommand '%s' (expected show NAME)", words[0]);
	if (n == 1)
		return cli_usage_error("'profiles show' needs a profile NAME");
	status = cli_load_profile_dir(args->globals);
	if (status != CLI_CONTINUE)
		return status;
	rc = n == 2 ? ecl_profile_show(&buf, words[1], NULL) : ecl_profile_list(&buf, NULL);
	if (rc < 0)
		return cli_fail(rc);
	if (n == 2) {
		printf("%s%s", buf.ptr, buf.size > 0 && buf.ptr[buf.size - 1] == '\n' ? "" : "\n");
		status = CLI_EXIT_OK;
	} else {
		status = print_list(buf.ptr, args->globals->json);
	}
	ecl_buf_dispose(&buf);
	return status;
}

/* "Label:     text\n", the text escaped: it comes from files. */
static void labelled(const char *label, const char *text)
{
	printf("%-12s ", label);
	out_text(stdout, text, CLI_TEXT_FLAT);
	putchar('\n');
}

/* ---- detect ---------------------------------------------------------------------- */

static void print_mapping(json_t *mapping)
{
	const char *key;
	json_t *value;

	json_object_foreach(mapping, key, value) {
		printf("  %-14s <- \"", key);
		out_text(stdout, json_string_value(value) ? json_string_value(value) : "", CLI_TEXT_FLAT);
		printf("\"\n");
	}
}

static void print_readings(json_t *readings)
{
	json_t *r;
	size_t i;

	json_array_foreach(readings, i, r) {
		printf("  ");
		out_text(stdout, text_of(r, "meter"), CLI_TEXT_FLAT);
		printf("%*s", (int)(out_text_width(text_of(r, "meter"), CLI_TEXT_FLAT) < 16
			? 16 - out_text_width(text_of(r, "meter"), CLI_TEXT_FLAT) : 0), "");
		if (json_object_get(r, "start_utc") != NULL)
			printf(" %s  %s p%-2lld %12.6f %s\n", text_of(r, "start_utc"),
			       text_of(r, "settlement_date"), (long long)json_integer_value(json_object_get(r, "period")),
			       json_real_value(json_object_get(r, "kwh")),
			       json_is_true(json_object_get(r, "estimated")) ? "estimated" : "actual");
		else
			printf(" %s %12.6f %s\n", text_of(r, "date"),
			       json_real_value(json_object_get(r, "kwh")),
			       json_is_true(json_object_get(r, "estimated")) ? "estimated" : "actual");
	}
}

static int print_detection(const char *text, int json)
{
	json_t *d = json_loads(text, 0, NULL);
	json_t *errors, *e;
	size_t i;

	if (d == NULL)
		return cli_failf("the detection result is not valid JSON");
	if (json)
		return out_json(d) == CLI_CONTINUE ? CLI_EXIT_OK : CLI_EXIT_ERROR;
	labelled("File:", text_of(d, "file"));
	printf("%-12s %s%s", "Profile:", text_of(d, "profile"),
	       json_is_string(json_object_get(d, "description")) ? " - " : "");
	out_text(stdout, text_of(d, "description"), CLI_TEXT_FLAT);
	putchar('\n');
	if (json_is_string(json_object_get(d, "source")))
		labelled("Source:", text_of(d, "source"));
	labelled("Why:", text_of(d, "reason"));
	printf("%-12s %s, delimiter '%s', header %s%lld\n", "Read as:", text_of(d, "format"),
	       text_of(d, "delimiter"), json_is_integer(json_object_get(d, "header_line")) ? "on line " : "none",
	       (long long)json_integer_value(json_object_get(d, "header_line")));
	if (json_object_size(json_object_get(d, "column_mapping")) > 0) {
		printf("Columns:\n");
		print_mapping(json_object_get(d, "column_mapping"));
	}
	printf("First readings, as they would be stored (UTC start, settlement date and period, kWh):\n");
	print_readings(json_object_get(d, "readings"));
	printf("Rows read: %lld, failed: %lld, skipped on purpose: %lld (nothing was written)\n",
	       (long long)json_integer_value(json_object_get(d, "rows_read")),
	       (long long)json_integer_value(json_object_get(d, "rows_failed")),
	       (long long)json_integer_value(json_object_get(d, "rows_skipped")));
	errors = json_object_get(d, "errors");
	json_array_foreach(errors, i, e) {
		printf("  ");
		out_text(stdout, json_string_value(e), CLI_TEXT_FLAT);
		putchar('\n');
	}
	json_decref(d);
	return CLI_EXIT_OK;
}

typedef struct detect_request {
	ecl_ingest_options opts;
	cli_policy policy;
	const char *file;
	int64_t rows;
} detect_request;

static int apply_detect_option(detect_request *req, int id, const char *value)
{
	if (cli_is_policy_option(id))
		return cli_policy_apply(&req->policy, id, value);
	switch (id) {
	case OPT_PROFILE:
		req->opts.profile = value;
		return value[0] ? CLI_CONTINUE : cli_usage_error("--profile needs a name or a path");
	case OPT_METER:
		req->opts.meter = value;
		return value[0] ? CLI_CONTINUE : cli_usage_error("--meter needs a meter identifier");
	case OPT_CLOCK:
		if (ecl_clock_mode_parse(&req->opts.clock, value) < 0)
			return cli_usage_error("invalid value '%s' for --clock (expected london, utc or profile)",
			                       value);
		return CLI_CONTINUE;
	case OPT_ROWS:
		return cli_parse_number(&req->rows, value, "rows", 1, 10000);
	default:
		return cli_failf("internal error: unhandled detect option %d", id);
	}
}

int cmd_detect(cli_args *args)
{
	detect_request req;
	ecl_ingest_options base = ECL_INGEST_OPTIONS_INIT;
	ecl_buf buf = ECL_BUF_INIT;
	const char *value;
	int id, r, rc, status = CLI_CONTINUE;

	memset(&req, 0, sizeof(req));
	req.opts = base;
	req.policy = (cli_policy)CLI_POLICY_INIT;
	req.rows = 10;
	while (status == CLI_CONTINUE && (r = cli_next(args, detect_options, &id, &value)) != CLI_ARG_END) {
		if (r == CLI_ARG_STOP)
			return args->exit_code;
		if (r == CLI_ARG_POSITIONAL && req.file != NULL)
			return cli_usage_error("unexpected argument '%s' for command 'detect' (one FILE)", value);
		if (r == CLI_ARG_POSITIONAL)
			req.file = value;
		else
			status = apply_detect_option(&req, id, value);
	}
	if (status != CLI_CONTINUE)
		return status;
	if (req.file == NULL || req.file[0] == '\0')
		return cli_usage_error("command 'detect' needs a FILE");
	cli_policy_to_ingest(&req.policy, &req.opts);
	status = cli_load_profile_dir(args->globals);
	if (status != CLI_CONTINUE)
		return status;
	rc = ecl_ingest_detect(&buf, req.file, &req.opts, (int)req.rows);
	if (rc < 0)
		return cli_fail(rc);
	status = print_detection(buf.ptr, args->globals->json);
	ecl_buf_dispose(&buf);
	return status;
}
