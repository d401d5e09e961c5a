/*
 * cmd_sources.c - `eclectyc sources add|list|show|remove|pause|resume`:
 * the data feeds the collector polls (docs/feeds.md). Credentials are never
 * given here: a source names the environment variables and files that hold
 * them, so nothing secret reaches the store, a shell history or a listing.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

enum {
	OPT_PATTERN, OPT_PROFILE, OPT_METER, OPT_TYPE, OPT_PRIORITY, OPT_TAG, OPT_EVERY, OPT_AFTER,
	OPT_SSH_KEY, OPT_KNOWN_HOSTS, OPT_CA_FILE, OPT_USER_ENV, OPT_PASSWORD_ENV, OPT_STALE_DAYS,
	OPT_LIMIT
};

static const cli_option add_options[] = {
	{ "pattern", 1, OPT_PATTERN },
	{ "profile", 1, OPT_PROFILE },
	{ "meter", 1, OPT_METER },
	{ "type", 1, OPT_TYPE },
	{ "priority", 1, OPT_PRIORITY },
	{ "tag", 1, OPT_TAG },
	{ "every", 1, OPT_EVERY },
	{ "after", 1, OPT_AFTER },
	{ "ssh-key", 1, OPT_SSH_KEY },
	{ "known-hosts", 1, OPT_KNOWN_HOSTS },
	{ "ca-file", 1, OPT_CA_FILE },
	{ "user-env", 1, OPT_USER_ENV },
	{ "password-env", 1, OPT_PASSWORD_ENV },
	{ "stale-days", 1, OPT_STALE_DAYS },
	{ NULL, 0, 0 }
};

static const cli_option show_options[] = {
	{ "limit", 1, OPT_LIMIT },
	{ NULL, 0, 0 }
};

static const cli_option no_options[] = {
	{ NULL, 0, 0 }
};

/* ---- sources add -------------------------------------------------------------- */

typedef struct add_request {
	ecl_source_options opts;
	const char *tags[64];
} add_request;

static int set_after(add_request *req, const char *value)
{
	if (strcmp(value, "keep") == 0)
		req->opts.after = ECL_SOURCE_KEEP;
	else if (strcmp(value, "delete") == 0)
		req->opts.after = ECL_SOURCE_DELETE;
	else if (strncmp(value, "move=", 5) == 0 && value[5] != '\0')
		req->opts.after = ECL_SOURCE_MOVE, req->opts.after_dir = value + 5;
	else
		return cli_usage_error("invalid value '%s' for --after (expected keep, delete or "
		                       "move=DIR)", value);
	return CLI_CONTINUE;
}

static int set_number(int *out, const char *value, const char *option, int64_t min, int64_t max)
{
	int64_t n = 0;
	int status = cli_parse_number(&n, value, option, min, max);

	*out = (int)n;
	return status;
}

static int apply_add_option(add_request *req, int id, const char *value)
{
	ecl_source_options *o = &req->opts;

	switch (id) {
	case OPT_PATTERN: o->pattern = value; break;
	case OPT_PROFILE: o->import_profile = value; break;
	case OPT_METER: o->import_meter = value; break;
	case OPT_SSH_KEY: o->ssh_key = value; break;
	case OPT_KNOWN_HOSTS: o->known_hosts = value; break;
	case OPT_CA_FILE: o->ca_file = value; break;
	case OPT_USER_ENV: o->user_env = value; break;
	case OPT_PASSWORD_ENV: o->password_env = value; break;
	case OPT_AFTER: return set_after(req, value);
	case OPT_EVERY: return set_number(&o->every_seconds, value, "every", 1, 31 * 86400);
	case OPT_STALE_DAYS: return set_number(&o->stale_days, value, "stale-days", 0, 3650);
	case OPT_TYPE:
		if (ecl_import_type_parse(&o->import_type, value) < 0)
			return cli_usage_error("invalid value '%s' for --type (expected hh or daily)", value);
		break;
	case OPT_PRIORITY:
		if (ecl_priority_parse(&o->priority, value) < 0)
			return cli_usage_error("invalid value '%s' for --priority (expected critical, "
			                       "high, normal or low)", value);
		break;
	case OPT_TAG:
		if (o->tag_count == sizeof(req->tags) / sizeof(req->tags[0]))
			return cli_usage_error("at most %zu --tag options", o->tag_count);
		req->tags[o->tag_count++] = value;
		break;
	default:
		break;
	}
	return CLI_CONTINUE;
}

static int sources_add(cli_args *args)
{
	add_request req;
	const char *words[2] = { NULL, NULL }, *value;
	cli_session session;
	int id, r, n = 0, status = CLI_CONTINUE;

	memset(&req, 0, sizeof(req));
	req.opts = (ecl_source_options)ECL_SOURCE_OPTIONS_INIT;
	req.opts.tags = req.tags;
	while (status == CLI_CONTINUE && (r = cli_next(args, add_options, &id, &value)) != CLI_ARG_END) {
		if (r == CLI_ARG_STOP)
			return args->exit_code;
		if (r == CLI_ARG_OPTION)
			status = apply_add_option(&req, id, value);
		else if (n < 2)
			words[n++] = value;
		else
			status = cli_usage_error("unexpected argument '%s' for 'sources add'", value);
	}
	if (status == CLI_CONTINUE && n < 2)
		status = cli_usage_error("'sources add' needs a NAME and a URL");
	if (status != CLI_CONTINUE)
		return status;
	status = cli_session_open(&session, args->globals, CLI_SCHEMA_CURRENT);
	if (status == CLI_CONTINUE) {
		int rc = ecl_source_add(session.store, words[0], words[1], &req.opts);

		status = rc < 0 ? cli_fail(rc) : CLI_EXIT_OK;
		if (rc == 0 && !args->globals->json)
			printf("Added source %s: %s\n", words[0], words[1]);
		else if (rc == 0)
			status = out_json(json_pack("{s:s, s:s}", "name", words[0], "url", words[1]))
			         == CLI_CONTINUE ? CLI_EXIT_OK : CLI_EXIT_ERROR;
	}
	cli_session_close(&session);
	return status;
}

/* ---- sources list / show -------------------------------------------------------- */

static json_t *time_json(int64_t t)
{
	char when[32];

	if (t == ECL_TIME_NONE)
		return json_null();
	out_time(when, t);
	return json_string(when);
}

static json_t *text_json(const char *text)
{
	return text ? json_string(text) : json_null();
}

static json_t *source_json(const ecl_source *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(s->name));
	json_object_set_new(o, "url", json_string(s->url));
	json_object_set_new(o, "pattern", text_json(s->pattern ? s->pattern : "*"));
	json_object_set_new(o, "profile", text_json(s->import_profile));
	json_object_set_new(o, "meter", text_json(s->import_meter));
	json_object_set_new(o, "type", json_string(ecl_import_type_name(s->import_type)));
	json_object_set_new(o, "priority", json_string(ecl_priority_name(s->priority)));
	json_object_set_new(o, "tags", s->tags ? json_loads(s->tags, 0, NULL) : json_array());
	json_object_set_new(o, "every_seconds", json_integer(s->every_seconds));
	json_object_set_new(o, "after", json_string(ecl_source_after_name(s->after)));
	json_object_set_new(o, "after_dir", text_json(s->after_dir));
	json_object_set_new(o, "ssh_key", text_json(s->ssh_key));
	json_object_set_new(o, "known_hosts", text_json(s->known_hosts));
	json_object_set_new(o, "ca_file", text_json(s->ca_file));
	json_object_set_new(o, "user_env", text_json(s->user_env));
	json_object_set_new(o, "password_env", text_json(s->password_env));
	json_object_set_new(o, "stale_days", json_integer(s->stale_days));
	json_object_set_new(o, "paused", json_boolean(s->paused));
	json_object_set_new(o, "last_poll_at", time_json(s->last_poll_at));
	json_object_set_new(o, "next_poll_at", time_json(s->next_poll_at));
	json_object_set_new(o, "last_success_at", time_json(s->last_success_at));
	json_object_set_new(o, "last_file_at", time_json(s->last_file_at));
	json_object_set_new(o, "last_error", text_json(s->last_error));
	json_object_set_new(o, "files_taken", json_integer(s->files_taken));
	json_object_set_new(o, "collecting", text_json(s->lease_owner));
	return o;
}

static void print_source_line(const ecl_source *s)
{
	char last[32] = "never", next[32] = "now";

	if (s->last_poll_at != ECL_TIME_NONE)
		out_time(last, s->last_poll_at);
	if (s->next_poll_at != ECL_TIME_NONE)
		out_time(next, s->next_poll_at);
	printf("%-20s %-7s %-19s  %-19s  %6lld  ", s->name, s->paused ? "paused" : "active", last,
	       s->paused ? "-" : next, (long long)s->files_taken);
	out_text(stdout, s->last_error ? s->last_error : s->url, CLI_TEXT_FLAT);
	putchar('\n');
}

static int sources_list(cli_args *args)
{
	cli_session session;
	ecl_source_array *list = NULL;
	const char *value;
	int id, r, status, rc;
	size_t i;

	while ((r = cli_next(args, no_options, &id, &value)) != CLI_ARG_END) {
		if (r == CLI_ARG_STOP)
			return args->exit_code;
		return cli_usage_error("unexpected argument '%s' for 'sources list'", value);
	}
	status = cli_session_open(&session, args->globals, CLI_SCHEMA_CURRENT);
	if (status == CLI_CONTINUE && (rc = ecl_source_list(&list, session.store)) < 0)
		status = cli_fail(rc);
	if (status == CLI_CONTINUE && args->globals->json) {
		json_t *a = json_array();

		for (i = 0; i < list->count; i++)
			json_array_append_new(a, source_json(&list->sources[i]));
		status = out_json(a) == CLI_CONTINUE ? CLI_EXIT_OK : CLI_EXIT_ERROR;
	} else if (status == CLI_CONTINUE) {
		printf("%-20s %-7s %-19s  %-19s  %6s  %s\n", "NAME", "STATE", "LAST POLL (UTC)",
		       "NEXT POLL (UTC)", "FILES", "LAST ERROR / URL");
		for (i = 0; i < list->count; i++)
			print_source_line(&list->sources[i]);
		status = CLI_EXIT_OK;
	}
	ecl_source_array_free(list);
	cli_session_close(&session);
	return status;
}

static json_t *file_json(const ecl_source_file *f)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(f->name));
	json_object_set_new(o, "size", json_integer(f->size));
	json_object_set_new(o, "mtime", time_json(f->mtime));
	json_object_set_new(o, "sha256", f->sha256[0] ? json_string(f->sha256) : json_null());
	json_object_set_new(o, "state", json_string(ecl_source_file_state_name(f->state)));
	json_object_set_new(o, "batch_id", f->batch_id[0] ? json_string(f->batch_id) : json_null());
	json_object_set_new(o, "reason", text_json(f->reason));
	json_object_set_new(o, "stored_path", text_json(f->stored_path));
	json_object_set_new(o, "seen_at", time_json(f->seen_at));
	json_object_set_new(o, "handled_at", time_json(f->handled_at));
	return o;
}

static json_t *poll_json(const ecl_source_poll *p)
{
	return json_pack("{s:o, s:o, s:o, s:i, s:i, s:i, s:o}", "worker", text_json(p->worker_id),
	                 "started_at", time_json(p->started_at), "ended_at", time_json(p->ended_at),
	                 "seen", p->seen, "taken", p->taken, "skipped", p->skipped,
	                 "error", text_json(p->error));
}

static int show_json(const ecl_source *s, const ecl_source_file_array *files,
                     const ecl_source_poll_array *polls)
{
	json_t *o = source_json(s), *fa = json_array(), *pa = json_array();
	size_t i;

	for (i = 0; i < files->count; i++)
		json_array_append_new(fa, file_json(&files->files[i]));
	for (i = 0; i < polls->count; i++)
		json_array_append_new(pa, poll_json(&polls->polls[i]));
	json_object_set_new(o, "files", fa);
	json_object_set_new(o, "polls", pa);
	return out_json(o) == CLI_CONTINUE ? CLI_EXIT_OK : CLI_EXIT_ERROR;
}

static void show_text(const ecl_source *s, const ecl_source_file_array *files,
                      const ecl_source_poll_array *polls)
{
	json_t *o = source_json(s);
	const char *key;
	json_t *v;
	char when[32];
	size_t i;

	json_object_foreach(o, key, v) {
		char *text = json_is_string(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

		printf("%-16s ", key);
		out_text(stdout, text ? text : json_string_value(v), CLI_TEXT_FLAT);
		putchar('\n');
		free(text);
	}
	json_decref(o);
	printf("\nFiles (newest first):\n");
	for (i = 0; i < files->count; i++) {
		const ecl_source_file *f = &files->files[i];

		out_time(when, f->seen_at);
		printf("  %s  %-12s %-36s ", when, ecl_source_file_state_name(f->state),
		       f->batch_id[0] ? f->batch_id : "-");
		out_text(stdout, f->name, CLI_TEXT_FLAT);
		if (f->reason) {
			printf(": ");
			out_text(stdout, f->reason, CLI_TEXT_FLAT);
		}
		putchar('\n');
	}
	printf("\nPolls (newest first):\n");
	for (i = 0; i < polls->count; i++) {
		const ecl_source_poll *p = &polls->polls[i];

		out_time(when, p->started_at);
		printf("  %s  seen %d, taken %d, skipped %d%s", when, p->seen, p->taken, p->skipped,
		       p->error ? "; failed: " : "");
		if (p->error)
			out_text(stdout, p->error, CLI_TEXT_FLAT);
		putchar('\n');
	}
}

static int sources_show(cli_args *args)
{
	cli_session session;
	ecl_source *s = NULL;
	ecl_source_file_array *files = NULL;
	ecl_source_poll_array *polls = NULL;
	const char *name = NULL, *value;
	int64_t limit = 20;
	int id, r, status = CLI_CONTINUE, rc = 0;

	while (status == CLI_CONTINUE && (r = cli_next(args, show_options, &id, &value)) != CLI_ARG_END) {
		if (r == CLI_ARG_STOP)
			return args->exit_code;
		if (r == CLI_ARG_OPTION)
			status = cli_parse_number(&limit, value, "limit", 1, 1000);
		else if (name == NULL)
			name = value;
		else
			status = cli_usage_error("unexpected argument '%s' for 'sources show'", value);
	}
	if (status == CLI_CONTINUE && name == NULL)
		status = cli_usage_error("'sources show' needs a NAME");
	if (status != CLI_CONTINUE)
		return status;
	status = cli_session_open(&session, args->globals, CLI_SCHEMA_CURRENT);
	if (status == CLI_CONTINUE)
		rc = ecl_source_get(&s, session.store, name);
	if (status == CLI_CONTINUE && rc == 0)
		rc = ecl_source_files(&files, session.store, name, (size_t)limit);
	if (status == CLI_CONTINUE && rc == 0)
		rc = ecl_source_polls(&polls, session.store, name, (size_t)limit);
	if (status == CLI_CONTINUE && rc < 0)
		status = cli_fail(rc);
	else if (status == CLI_CONTINUE && args->globals->json)
		status = show_json(s, files, polls);
	else if (status == CLI_CONTINUE) {
		show_text(s, files, polls);
		status = CLI_EXIT_OK;
	}
	ecl_source_free(s);
	ecl_source_file_array_free(files);
	ecl_source_poll_array_free(polls);
	cli_session_close(&session);
	return status;
}

/* ---- sources remove / pause / resume ---------------------------------------------- */

static int sources_change(cli_args *args, const char *verb)
{
	cli_session session;
	const char *name = NULL, *value;
	int id, r, rc, status;

	while ((r = cli_next(args, no_options, &id, &value)) != CLI_ARG_END) {
		if (r == CLI_ARG_STOP)
			return args->exit_code;
		if (name != NULL)
			return cli_usage_error("unexpected argument '%s' for 'sources %s'", value, verb);
		name = value;
	}
	if (name == NULL)
		return cli_usage_error("'sources %s' needs a NAME", verb);
	status = cli_session_open(&session, args->globals, CLI_SCHEMA_CURRENT);
	if (status == CLI_CONTINUE) {
		if (strcmp(verb, "remove") == 0)
			rc = ecl_source_remove(session.store, name);
		else
			rc = ecl_source_set_paused(session.store, name, strcmp(verb, "pause") == 0);
		status = rc < 0 ? cli_fail(rc) : CLI_EXIT_OK;
		if (rc == 0)
			printf("Source %s %s\n", name, strcmp(verb, "remove") == 0 ? "removed"
			       : strcmp(verb, "pause") == 0 ? "paused" : "resumed");
	}
	cli_session_close(&session);
	return status;
}

int cmd_sources(cli_args *args)
{
	static const char *const verbs[] = { "add", "list", "show", "remove", "pause", "resume", NULL };
	const char *verb = "list";
	int id, r;
	size_t i;

	/* The subcommand comes first; global options may stand before it. */
	r = cli_next(args, no_options, &id, &verb);
	if (r == CLI_ARG_STOP)
		return args->exit_code;
	if (r == CLI_ARG_END)
		verb = "list";
	for (i = 0; verbs[i] != NULL && strcmp(verbs[i], verb) != 0; i++)
		;
	if (verbs[i] == NULL)
		return cli_usage_error("unknown 'sources' subcommand '%s' (expected add, list, show, "
		                       "remove, pause or resume)", verb);
	if (strcmp(verb, "add") == 0)
		return sources_add(args);
	if (strcmp(verb, "list") == 0)
		return sources_list(args);
	if (strcmp(verb, "show") == 0)
		return sources_show(args);
	return sources_change(args, verb);
}
