/*
 * Conformance: the data feeds' records (include/eclectyc/source.h and the
 * source_* slots of the backend interface): sources added, read, listed,
 * paused and removed with every field as written; bad options refused
 * naming them, writing nothing; a source leased to one collector at a time
 * and released with its poll; a file recorded once, with its job in the
 * same transaction; the files whose job ended; stale meters. The
 * collector's calls go through the wrappers of feeds/source_internal.h,
 * as the collector makes them.
 */
#include "conformance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feeds/source_internal.h"
#include "store/store_internal.h"

#define LEASE 600
#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static void add_file_source(conf_fixture *f, const char *name)
{
	char url[512];

	snprintf(url, sizeof(url), "file://%s/", f->dir);
	ecl_assert_ok(ecl_source_add(f->store, name, url, NULL));
}

static ecl_source *get(conf_fixture *f, const char *name)
{
	ecl_source *s = NULL;

	ecl_assert_ok(ecl_source_get(&s, f->store, name));
	return s;
}

static int64_t id_of(conf_fixture *f, const char *name)
{
	ecl_source *s = get(f, name);
	int64_t id = s->id;

	ecl_source_free(s);
	return id;
}

/* Claim as `owner` (name NULL: any due source): the name claimed, or "". */
static void claim(conf_fixture *f, const char *name, const char *owner, char got[65])
{
	ecl_source s;
	int claimed = -1;

	ecl_assert_ok(ecl__source_claim(f->store, name, owner, f->now, f->now + LEASE, &s, &claimed));
	assert_true(claimed == 0 || claimed == 1);
	snprintf(got, 65, "%s", claimed ? s.name : "");
	if (claimed) {
		assert_string_equal(s.lease_owner, owner);
		assert_int_equal(s.lease_until, f->now + LEASE);
		assert_int_equal(s.last_poll_at, f->now);
	}
	ecl_source_clear(&s);
}

static void assert_claims(conf_fixture *f, const char *name, const char *owner, const char *want)
{
	char got[65];

	claim(f, name, owner, got);
	assert_string_equal(got, want);
}

static ecl_source_poll poll_of(int64_t source_id, int64_t started, int64_t ended, int taken,
                               const char *error)
{
	ecl_source_poll p;

	memset(&p, 0, sizeof(p));
	p.source_id = source_id;
	p.started_at = started;
	p.ended_at = ended;
	p.seen = taken + 1;
	p.taken = taken;
	p.skipped = 1;
	p.error = (char *)error;
	return p;
}

static void release(conf_fixture *f, int64_t id, const char *owner, int taken, const char *error,
                    int64_t next)
{
	ecl_source_poll p = poll_of(id, f->now, f->now + 5, taken, error);

	ecl_assert_ok(ecl__source_release(f->store, &p, owner, next));
	assert_true(p.id > 0);
}

/* ---- sources ------------------------------------------------------------------------ */

static void every_field_round_trips(void **state)
{
	conf_fixture *f = *state;
	const char *tags[] = { "supplier", "half \"hourly\"" };
	ecl_source_options o = ECL_SOURCE_OPTIONS_INIT;
	ecl_source_array *list = NULL;
	ecl_source *s;

	o.pattern = "HH_*.csv";
	o.import_profile = "edf-hh";
	o.import_meter = "1200000000001";
	o.import_type = ECL_IMPORT_DAILY;
	o.priority = ECL_PRIORITY_HIGH;
	o.tags = tags;
	o.tag_count = 2;
	o.every_seconds = 60;
	o.after = ECL_SOURCE_MOVE;
	o.after_dir = "done/";
	o.ssh_key = "/etc/eclectyc/id_ed25519";
	o.known_hosts = "/etc/eclectyc/known_hosts";
	o.user_env = "DC_USER";
	o.password_env = "DC_PASSPHRASE";
	o.stale_days = 3;
	ecl_assert_ok(ecl_source_add(f->store, "dc-edf.1", "sftp://sftp.example.net:2222/out/", &o));
	add_file_source(f, "a-local");

	s = get(f, "dc-edf.1");
	assert_true(s->id > 0);
	assert_string_equal(s->name, "dc-edf.1");
	assert_string_equal(s->url, "sftp://sftp.example.net:2222/out/");
	assert_string_equal(s->pattern, "HH_*.csv");
	assert_string_equal(s->import_profile, "edf-hh");
	assert_string_equal(s->import_meter, "1200000000001");
	assert_int_equal(s->import_type, ECL_IMPORT_DAILY);
	assert_int_equal(s->priority, ECL_PRIORITY_HIGH);
	assert_string_equal(s->tags, "[\"supplier\",\"half \\\"hourly\\\"\"]");
	assert_int_equal(s->every_seconds, 60);
	assert_int_equal(s->after, ECL_SOURCE_MOVE);
	assert_string_equal(s->after_dir, "done/");
	assert_string_equal(s->ssh_key, "/etc/eclectyc/id_ed25519");
	assert_string_equal(s->known_hosts, "/etc/eclectyc/known_hosts");
	assert_null(s->ca_file);
	assert_string_equal(s->user_env, "DC_USER");
	assert_string_equal(s->password_env, "DC_PASSPHRASE");
	assert_int_equal(s->stale_days, 3);
	assert_int_equal(s->paused, 0);
	assert_int_equal(s->created_at, f->now);
	assert_int_equal(s->next_poll_at, ECL_TIME_NONE);
	assert_int_equal(s->last_poll_at, ECL_TIME_NONE);
	assert_int_equal(s->last_success_at, ECL_TIME_NONE);
	assert_int_equal(s->last_file_at, ECL_TIME_NONE);
	assert_null(s->last_error);
	assert_int_equal(s->files_taken, 0);
	assert_null(s->lease_owner);
	assert_int_equal(s->lease_until, ECL_TIME_NONE);
	ecl_source_free(s);

	/* The defaults. */
	s = get(f, "a-local");
	assert_string_equal(s->pattern, "*");
	assert_null(s->import_profile);
	assert_null(s->import_meter);
	assert_null(s->tags);
	assert_int_equal(s->import_type, ECL_IMPORT_HH);
	assert_int_equal(s->priority, ECL_PRIORITY_NORMAL);
	assert_int_equal(s->every_seconds, 900);
	assert_int_equal(s->after, ECL_SOURCE_KEEP);
	assert_null(s->after_dir);
	assert_null(s->known_hosts);
	assert_null(s->user_env);
	ecl_source_free(s);

	ecl_assert_ok(ecl_source_list(&list, f->store));
	assert_int_equal(list->count, 2);
	assert_string_equal(list->sources[0].name, "a-local");
	assert_string_equal(list->sources[1].name, "dc-edf.1");
	assert_string_equal(list->sources[1].password_env, "DC_PASSPHRASE");
	ecl_source_array_free(list);
}

static void a_name_is_taken_once_and_unknown_names_are_not_found(void **state)
{
	conf_fixture *f = *state;
	ecl_source_array *list = NULL;
	ecl_source *s = NULL;

	add_file_source(f, "feed");
	ecl_assert_fails(ECL_EEXISTS, ecl_source_add(f->store, "feed", "https://example.net/x.csv",
		NULL));
	ecl_assert_error_contains("\"feed\"");
	s = get(f, "feed");
	assert_non_null(strstr(s->url, "file://"));
	ecl_source_free(s);
	ecl_assert_ok(ecl_source_list(&list, f->store));
	assert_int_equal(list->count, 1);
	ecl_source_array_free(list);

	ecl_assert_fails(ECL_ENOTFOUND, ecl_source_get(&s, f->store, "nope"));
	assert_null(s);
	ecl_assert_error_contains("nope");
	ecl_assert_fails(ECL_ENOTFOUND, ecl_source_remove(f->store, "nope"));
	ecl_assert_fails(ECL_ENOTFOUND, ecl_source_set_paused(f->store, "nope", 1));
}

typedef struct bad_case {
	const char *name, *url;
	void (*set)(ecl_source_options *o);
	const char *says;
} bad_case;

static void https_delete(ecl_source_options *o) { o->after = ECL_SOURCE_DELETE; }
static void move_nowhere(ecl_source_options *o) { o->after = ECL_SOURCE_MOVE; }
static void keep_with_dir(ecl_source_options *o) { o->after_dir = "done"; }
static void no_known_hosts(ecl_source_options *o) { o->known_hosts = NULL; }
static void ssh_key_on_ftps(ecl_source_options *o) { o->ssh_key = "/k"; }
static void relative_known_hosts(ecl_source_options *o) { o->known_hosts = "known_hosts"; }
static void bad_env(ecl_source_options *o) { o->user_env = "1USER"; }
static void negative_every(ecl_source_options *o) { o->every_seconds = -1; }
static void negative_stale(ecl_source_options *o) { o->stale_days = -1; }
static void bad_priority(ecl_source_options *o) { o->priority = (ecl_priority)9; }
static void bad_type(ecl_source_options *o) { o->import_type = (ecl_import_type)9; }
static void bad_after(ecl_source_options *o) { o->after = (ecl_source_after)7; }
static void slash_pattern(ecl_source_options *o) { o->pattern = "in/*.csv"; }
static void unknown_profile(ecl_source_options *o) { o->import_profile = "no-such-profile"; }
static void bad_meter(ecl_source_options *o) { o->import_meter = ""; }
static void future_version(ecl_source_options *o) { o->version = 99; }
static void empty_tag(ecl_source_options *o)
{
	static const char *tags[] = { "ok", "" };

	o->tags = tags;
	o->tag_count = 2;
}
static void sftp_ok(ecl_source_options *o) { o->known_hosts = "/etc/known_hosts"; }

static void bad_options_are_refused_naming_them(void **state)
{
	conf_fixture *f = *state;
	static const bad_case cases[] = {
		{ "bad name", "file:///tmp/", NULL, "source name \"bad name\"" },
		{ "", "file:///tmp/", NULL, "source name is empty" },
		{ "x123456789x123456789x123456789x123456789x123456789x123456789x1234", "file:///tmp/",
		  NULL, "1 to 64" },
		{ "s", "http://example.net/", NULL, "unsupported scheme \"http\"" },
		{ "s", "gopher:/x", NULL, "unsupported scheme" },
		{ "s", "sftp:///out/", sftp_ok, "has no host" },
		{ "s", "file://relative/", NULL, "file:///absolute" },
		{ "s", "https://example.net/a b.csv", NULL, "space or control character" },
		{ "s", "https://example.net/", https_delete, "after=delete is not possible for an https" },
		{ "s", "ftps://example.net/", move_nowhere, "after=move needs after_dir" },
		{ "s", "ftps://example.net/", keep_with_dir, "after_dir \"done\" is only used with after=move" },
		{ "s", "sftp://example.net/", no_known_hosts, "needs known_hosts" },
		{ "s", "ftps://example.net/", ssh_key_on_ftps, "ssh_key \"/k\" is only used by sftp://" },
		{ "s", "sftp://example.net/", relative_known_hosts, "known_hosts \"known_hosts\" must be an absolute path" },
		{ "s", "ftps://example.net/", bad_env, "user_env \"1USER\"" },
		{ "s", "ftps://example.net/", negative_every, "every_seconds must be at least 1" },
		{ "s", "ftps://example.net/", negative_stale, "stale_days" },
		{ "s", "ftps://example.net/", bad_priority, "priority 9" },
		{ "s", "ftps://example.net/", bad_type, "import_type 9" },
		{ "s", "ftps://example.net/", bad_after, "after 7" },
		{ "s", "ftps://example.net/", slash_pattern, "pattern \"in/*.csv\"" },
		{ "s", "ftps://example.net/", unknown_profile, "import_profile" },
		{ "s", "ftps://example.net/", bad_meter, "import_meter" },
		{ "s", "ftps://example.net/", future_version, "version 99" },
		{ "s", "ftps://example.net/", empty_tag, "tag 2 is empty" },
	};
	ecl_source_array *list = NULL;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ecl_source_options o = ECL_SOURCE_OPTIONS_INIT;
		int rc;

		if (cases[i].set != NULL)
			cases[i].set(&o);
		rc = ecl_source_add(f->store, cases[i].name, cases[i].url, &o);
		if (rc != ECL_EINVALID || strstr(ecl_error_last(), cases[i].says) == NULL)
			print_error("case %zu (%s): rc %d, \"%s\"; expected \"%s\"\n", i, cases[i].url, rc,
				ecl_error_last(), cases[i].says);
		assert_int_equal(rc, ECL_EINVALID);
		assert_non_null(strstr(ecl_error_last(), cases[i].says));
	}
	/* A password is refused without being repeated. */
	ecl_assert_fails(ECL_EINVALID, ecl_source_add(f->store, "s", "ftps://me:s3cret@example.net/",
		NULL));
	ecl_assert_error_contains("password_env");
	assert_null(strstr(ecl_error_last(), "s3cret"));

	ecl_assert_ok(ecl_source_list(&list, f->store));
	assert_int_equal(list->count, 0);
	ecl_source_array_free(list);
}

static void pause_resume_and_remove(void **state)
{
	conf_fixture *f = *state;
	ecl_source_file found;
	ecl_source_poll_array polls;
	ecl_source *s;
	int64_t id;
	int any = 1;

	add_file_source(f, "feed");
	id = id_of(f, "feed");
	ecl_assert_ok(ecl_source_set_paused(f->store, "feed", 1));
	s = get(f, "feed");
	assert_int_equal(s->paused, 1);
	ecl_source_free(s);
	ecl_assert_ok(ecl_source_set_paused(f->store, "feed", 1));   /* again: still paused */
	ecl_assert_ok(ecl_source_set_paused(f->store, "feed", 0));
	s = get(f, "feed");
	assert_int_equal(s->paused, 0);
	ecl_source_free(s);

	/* Removing a source removes its files and polls. */
	{
		ecl_source_file file;

		memset(&file, 0, sizeof(file));
		file.source_id = id;
		file.name = "a.csv";
		file.size = 10;
		file.mtime = 1;
		file.state = ECL_SOURCE_FILE_SKIPPED;
		file.seen_at = f->now;
		ecl_assert_ok(ecl__source_file_record(f->store, &file, NULL));
	}
	assert_claims(f, "feed", "w1", "feed");
	release(f, id, "w1", 0, NULL, f->now + 60);
	ecl_assert_ok(ecl_source_remove(f->store, "feed"));
	ecl_assert_fails(ECL_ENOTFOUND, ecl_source_get(&s, f->store, "feed"));
	ecl_assert_ok(ecl__source_file_find(f->store, id, "a.csv", 10, 1, NULL, &found, &any));
	assert_int_equal(any, 0);
	memset(&polls, 0, sizeof(polls));
	ecl_assert_ok(ECL__BACKEND(f->store, source_polls_recent, id, 10, &polls));
	assert_int_equal(polls.count, 0);
	free(polls.polls);
	ecl_assert_fails(ECL_ENOTFOUND, ecl_source_remove(f->store, "feed"));
}

/* ---- leases --------------------------------------------------------------------------- */

static void a_due_source_is_leased_once_until_released_or_expired(void **state)
{
	conf_fixture *f = *state;
	ecl_source_poll_array *polls = NULL;
	ecl_source_poll p;
	ecl_source *s;
	int64_t id;

	add_file_source(f, "feed");
	id = id_of(f, "feed");
	assert_claims(f, NULL, "w1", "feed");
	assert_claims(f, NULL, "w2", "");
	assert_claims(f, "feed", "w2", "");     /* named, but leased */
	f->now += LEASE - 1;
	assert_claims(f, NULL, "w2", "");
	f->now += 1;                             /* the lease has ended */
	assert_claims(f, NULL, "w2", "feed");

	/* w1 lost its lease: its release is refused and writes nothing. */
	p = poll_of(id, f->now, f->now + 5, 3, NULL);
	p.id = 77;
	ecl_assert_fails(ECL_ESTATE, ecl__source_release(f->store, &p, "w1", f->now + 900));
	ecl_assert_error_contains("w2");
	assert_int_equal(p.id, 0);
	s = get(f, "feed");
	assert_string_equal(s->lease_owner, "w2");
	assert_int_equal(s->files_taken, 0);
	assert_int_equal(s->last_success_at, ECL_TIME_NONE);
	ecl_source_free(s);
	ecl_assert_ok(ecl_source_polls(&polls, f->store, "feed", 0));
	assert_int_equal(polls->count, 0);
	ecl_source_poll_array_free(polls);

	release(f, id, "w2", 0, NULL, f->now);
	assert_claims(f, NULL, "w3", "feed");   /* released: due again at once */
}

static void paused_and_not_due_sources_are_not_leased(void **state)
{
	conf_fixture *f = *state;
	int64_t a, b;

	add_file_source(f, "a");
	add_file_source(f, "b");
	a = id_of(f, "a");
	b = id_of(f, "b");
	ecl_assert_ok(ecl_source_set_paused(f->store, "a", 1));
	ecl_assert_ok(ecl_source_set_paused(f->store, "b", 1));
	assert_claims(f, NULL, "w", "");
	assert_claims(f, "a", "w", "");          /* paused: not even by name */
	ecl_assert_ok(ecl_source_set_paused(f->store, "a", 0));
	ecl_assert_ok(ecl_source_set_paused(f->store, "b", 0));

	/* Never polled first, then the one polled longest ago. */
	assert_claims(f, NULL, "w", "a");
	release(f, a, "w", 0, NULL, f->now);
	f->now += 1;
	assert_claims(f, NULL, "w", "b");
	release(f, b, "w", 0, NULL, f->now);
	f->now += 1;
	assert_claims(f, NULL, "w", "a");
	release(f, a, "w", 0, NULL, f->now + 60);
	assert_claims(f, NULL, "w", "b");
	release(f, b, "w", 0, NULL, f->now + 60);

	/* Neither is due for a minute; by name one is leased anyway. */
	assert_claims(f, NULL, "w", "");
	assert_claims(f, "b", "w", "b");
	release(f, b, "w", 0, NULL, f->now + 60);
	f->now += 59;
	assert_claims(f, NULL, "w", "");
	f->now += 1;
	assert_claims(f, NULL, "w", "a");
}

static void a_release_records_the_poll_and_the_source_state(void **state)
{
	conf_fixture *f = *state;
	ecl_source_poll_array *polls = NULL;
	int64_t id, t0 = 1700000000;
	ecl_source *s;

	add_file_source(f, "feed");
	id = id_of(f, "feed");
	assert_claims(f, NULL, "w1", "feed");
	release(f, id, "w1", 2, NULL, t0 + 60);
	s = get(f, "feed");
	assert_int_equal(s->last_poll_at, t0);
	assert_int_equal(s->last_success_at, t0 + 5);
	assert_int_equal(s->last_file_at, t0 + 5);
	assert_int_equal(s->files_taken, 2);
	assert_int_equal(s->next_poll_at, t0 + 60);
	assert_null(s->last_error);
	assert_null(s->lease_owner);
	assert_int_equal(s->lease_until, ECL_TIME_NONE);
	ecl_source_free(s);

	f->now = t0 + 60;
	assert_claims(f, NULL, "w2", "feed");
	release(f, id, "w2", 0, "server down: connection refused", t0 + 120);
	s = get(f, "feed");
	assert_int_equal(s->last_poll_at, t0 + 60);
	assert_int_equal(s->last_success_at, t0 + 5);     /* kept: this poll failed */
	assert_int_equal(s->last_file_at, t0 + 5);        /* kept: it took nothing */
	assert_int_equal(s->files_taken, 2);
	assert_int_equal(s->next_poll_at, t0 + 120);
	assert_string_equal(s->last_error, "server down: connection refused");
	ecl_source_free(s);

	f->now = t0 + 120;
	assert_claims(f, NULL, "w1", "feed");
	release(f, id, "w1", 1, NULL, t0 + 180);
	s = get(f, "feed");
	assert_null(s->last_error);                       /* cleared by a success */
	assert_int_equal(s->last_success_at, t0 + 125);
	assert_int_equal(s->files_taken, 3);
	ecl_source_free(s);

	/* Newest first; the worker is the lease's owner. */
	ecl_assert_ok(ecl_source_polls(&polls, f->store, "feed", 2));
	assert_int_equal(polls->count, 2);
	assert_int_equal(polls->polls[0].started_at, t0 + 120);
	assert_int_equal(polls->polls[1].started_at, t0 + 60);
	assert_int_equal(polls->polls[1].source_id, id);
	assert_string_equal(polls->polls[1].worker_id, "w2");
	assert_int_equal(polls->polls[1].ended_at, t0 + 65);
	assert_int_equal(polls->polls[1].seen, 1);
	assert_int_equal(polls->polls[1].taken, 0);
	assert_int_equal(polls->polls[1].skipped, 1);
	assert_string_equal(polls->polls[1].error, "server down: connection refused");
	assert_null(polls->polls[0].error);
	assert_true(polls->polls[0].id > polls->polls[1].id);
	ecl_source_poll_array_free(polls);
	ecl_assert_ok(ecl_source_polls(&polls, f->store, "feed", 0));
	assert_int_equal(polls->count, 3);
	ecl_source_poll_array_free(polls);
}

/* ---- files ------------------------------------------------------------------------------ */

static ecl_source_file file_of(int64_t source_id, const char *name, int64_t size, int64_t mtime,
                               const char *sha, int64_t seen_at)
{
	ecl_source_file file;

	memset(&file, 0, sizeof(file));
	file.source_id = source_id;
	file.name = (char *)name;
	file.size = size;
	file.mtime = mtime;
	snprintf(file.sha256, sizeof(file.sha256), "%s", sha ? sha : "");
	file.state = ECL_SOURCE_FILE_QUEUED;
	file.stored_path = "/var/lib/eclectyc/feeds/a.csv";
	file.seen_at = seen_at;
	return file;
}

static ecl_job job_of(conf_fixture *f, const char *batch_id)
{
	ecl_job job;

	memset(&job, 0, sizeof(job));
	snprintf(job.batch_id, sizeof(job.batch_id), "%s", batch_id);
	job.filename = "a.csv";
	job.file_path = f->file;
	job.import_type = ECL_IMPORT_HH;
	job.status = ECL_JOB_QUEUED;
	job.total_rows = -1;
	job.queued_at = f->now;
	job.max_retries = 3;
	job.priority = ECL_PRIORITY_NORMAL;
	return job;
}

static int64_t job_total(conf_fixture *f)
{
	ecl_job_status_counts counts;

	ecl_assert_ok(ecl_job_count_by_status(&counts, f->store));
	return counts.total;
}

#define JOB1 "11111111-1111-4111-8111-111111111111"
#define JOB2 "22222222-2222-4222-8222-222222222222"
#define JOB3 "33333333-3333-4333-8333-333333333333"
#define JOB4 "44444444-4444-4444-8444-444444444444"

static void a_file_is_recorded_once_with_its_job(void **state)
{
	conf_fixture *f = *state;
	ecl_source_file file, again, found;
	ecl_source_file_array *files = NULL;
	ecl_job job = job_of(f, JOB1), other = job_of(f, JOB2);
	ecl_job *got = NULL;
	int64_t id;
	int any = 0;

	add_file_source(f, "feed");
	id = id_of(f, "feed");
	file = file_of(id, "a.csv", 100, 1699990000, SHA_A, f->now);
	snprintf(file.batch_id, sizeof(file.batch_id), "%s", JOB1);
	ecl_assert_ok(ecl__source_file_record(f->store, &file, &job));
	assert_true(file.id > 0);
	ecl_assert_ok(ecl_job_get(&got, f->store, JOB1));
	assert_int_equal(got->status, ECL_JOB_QUEUED);
	assert_string_equal(got->file_path, f->file);
	ecl_job_free(got);
	assert_int_equal(job_total(f), 1);

	/* The same name, size and mtime again: refused, its job not queued. */
	again = file_of(id, "a.csv", 100, 1699990000, SHA_B, f->now + 1);
	snprintf(again.batch_id, sizeof(again.batch_id), "%s", JOB2);
	ecl_assert_fails(ECL_EEXISTS, ecl__source_file_record(f->store, &again, &other));
	ecl_assert_error_contains("a.csv");
	assert_int_equal(again.id, 0);
	ecl_assert_fails(ECL_ENOTFOUND, ecl_job_get(&got, f->store, JOB2));
	assert_int_equal(job_total(f), 1);

	/* A source that is not there has no files. */
	again = file_of(id + 1000, "a.csv", 100, 1699990000, NULL, f->now);
	ecl_assert_fails(ECL_ENOTFOUND, ecl__source_file_record(f->store, &again, &other));
	assert_int_equal(job_total(f), 1);

	/* Found by name, size and mtime, every field as recorded. */
	ecl_assert_ok(ecl__source_file_find(f->store, id, "a.csv", 100, 1699990000, NULL, &found, &any));
	assert_int_equal(any, 1);
	assert_int_equal(found.id, file.id);
	assert_int_equal(found.source_id, id);
	assert_string_equal(found.name, "a.csv");
	assert_int_equal(found.size, 100);
	assert_int_equal(found.mtime, 1699990000);
	assert_string_equal(found.sha256, SHA_A);
	assert_int_equal(found.state, ECL_SOURCE_FILE_QUEUED);
	assert_string_equal(found.batch_id, JOB1);
	assert_null(found.reason);
	assert_string_equal(found.stored_path, "/var/lib/eclectyc/feeds/a.csv");
	assert_int_equal(found.seen_at, f->now);
	assert_int_equal(found.handled_at, ECL_TIME_NONE);
	ecl_source_file_clear(&found);
	ecl_assert_ok(ecl__source_file_find(f->store, id, "a.csv", 101, 1699990000, NULL, &found, &any));
	assert_int_equal(any, 0);

	/* The same bytes under another name: found by its SHA-256, the oldest. */
	again = file_of(id, "b.csv", 100, 1699990500, SHA_A, f->now + 2);
	again.state = ECL_SOURCE_FILE_SKIPPED;
	again.reason = "the same bytes as a.csv";
	again.stored_path = NULL;
	ecl_assert_ok(ecl__source_file_record(f->store, &again, NULL));
	ecl_assert_ok(ecl__source_file_find(f->store, id, "c.csv", 100, 1, SHA_A, &found, &any));
	assert_int_equal(any, 1);
	assert_int_equal(found.id, file.id);
	ecl_source_file_clear(&found);
	ecl_assert_ok(ecl__source_file_find(f->store, id, "c.csv", 100, 1, SHA_B, &found, &any));
	assert_int_equal(any, 0);
	ecl_assert_ok(ecl__source_file_find(f->store, id + 1000, "a.csv", 100, 1699990000, SHA_A, &found,
		&any));
	assert_int_equal(any, 0);

	/* Size and time the server did not say are a key too. */
	again = file_of(id, "d.csv", -1, ECL_TIME_NONE, NULL, f->now);
	ecl_assert_ok(ecl__source_file_record(f->store, &again, NULL));
	ecl_assert_ok(ecl__source_file_find(f->store, id, "d.csv", -1, ECL_TIME_NONE, NULL, &found, &any));
	assert_int_equal(any, 1);
	assert_string_equal(found.sha256, "");
	assert_string_equal(found.batch_id, "");
	assert_int_equal(found.mtime, ECL_TIME_NONE);
	ecl_source_file_clear(&found);
	again.id = 0;
	ecl_assert_fails(ECL_EEXISTS, ecl__source_file_record(f->store, &again, NULL));

	ecl_assert_ok(ecl_source_files(&files, f->store, "feed", 0));
	assert_int_equal(files->count, 3);
	ecl_source_file_array_free(files);
}

/* Record a QUEUED file of source `id` whose job is `batch_id` (queued
 * with it when `queue`). */
static int64_t record_queued(conf_fixture *f, int64_t id, const char *name, const char *batch_id,
                             int queue)
{
	ecl_source_file file = file_of(id, name, 10, 1699990000, NULL, f->now);
	ecl_job job = job_of(f, batch_id);

	snprintf(file.batch_id, sizeof(file.batch_id), "%s", batch_id);
	ecl_assert_ok(ecl__source_file_record(f->store, &file, queue ? &job : NULL));
	return file.id;
}

static void files_whose_job_ended_are_settled(void **state)
{
	conf_fixture *f = *state;
	ecl_job_counts counts = ECL_JOB_COUNTS_INIT;
	ecl_source_file_array out, *recent = NULL;
	ecl_job_status status;
	ecl_job *job = NULL;
	int64_t id, one, two, four;

	add_file_source(f, "feed");
	id = id_of(f, "feed");
	one = record_queued(f, id, "1.csv", JOB1, 1);
	two = record_queued(f, id, "2.csv", JOB2, 1);
	record_queued(f, id, "3.csv", JOB3, 1);
	four = record_queued(f, id, "4.csv", JOB4, 0);   /* its job is gone */
	{
		ecl_source_file skipped = file_of(id, "5.csv", 1, 1, NULL, f->now);

		skipped.state = ECL_SOURCE_FILE_SKIPPED;
		ecl_assert_ok(ecl__source_file_record(f->store, &skipped, NULL));
	}
	ecl_assert_ok(ecl_job_claim(&job, f->store, "w"));
	assert_string_equal(job->batch_id, JOB1);
	ecl_job_free(job);
	ecl_assert_ok(ecl_job_complete(f->store, JOB1, "w", &counts, NULL));
	ecl_assert_ok(ecl_job_claim(&job, f->store, "w"));
	assert_string_equal(job->batch_id, JOB2);
	ecl_job_free(job);
	ecl_assert_ok(ecl_job_fail(&status, f->store, JOB2, "w", ECL_FAILURE_PERMANENT, "bad file"));

	memset(&out, 0, sizeof(out));
	ecl_assert_ok(ecl__source_files_to_settle(f->store, id, 10, &out));
	assert_int_equal(out.count, 3);
	assert_int_equal(out.files[0].id, one);
	assert_int_equal(out.files[0].job_status, ECL_JOB_COMPLETED);
	assert_string_equal(out.files[0].name, "1.csv");
	assert_int_equal(out.files[1].id, two);
	assert_int_equal(out.files[1].job_status, ECL_JOB_FAILED);
	assert_int_equal(out.files[2].id, four);
	assert_int_equal(out.files[2].job_status, ECL_JOB_CANCELLED);
	while (out.count > 0)
		ecl_source_file_clear(&out.files[--out.count]);
	ecl_assert_ok(ecl__source_files_to_settle(f->store, id, 1, &out));
	assert_int_equal(out.count, 1);
	ecl_source_file_clear(&out.files[0]);
	free(out.files);

	ecl_assert_ok(ecl__source_file_settle(f->store, one, ECL_SOURCE_FILE_DONE, NULL, f->now + 9));
	ecl_assert_ok(ecl__source_file_settle(f->store, two, ECL_SOURCE_FILE_KEPT, "its job failed",
		f->now + 9));
	ecl_assert_fails(ECL_ENOTFOUND, ecl__source_file_settle(f->store, 999999, ECL_SOURCE_FILE_DONE,
		NULL, f->now));
	memset(&out, 0, sizeof(out));
	ecl_assert_ok(ecl__source_files_to_settle(f->store, id, 10, &out));
	assert_int_equal(out.count, 1);
	assert_int_equal(out.files[0].id, four);
	ecl_source_file_clear(&out.files[0]);
	free(out.files);

	ecl_assert_ok(ecl_source_files(&recent, f->store, "feed", 10));
	assert_int_equal(recent->count, 5);
	/* Seen at one instant: newest (highest id) first. */
	assert_string_equal(recent->files[0].name, "5.csv");
	assert_string_equal(recent->files[3].name, "2.csv");
	assert_int_equal(recent->files[3].state, ECL_SOURCE_FILE_KEPT);
	assert_string_equal(recent->files[3].reason, "its job failed");
	assert_int_equal(recent->files[3].handled_at, f->now + 9);
	assert_int_equal(recent->files[4].state, ECL_SOURCE_FILE_DONE);
	assert_null(recent->files[4].reason);
	ecl_source_file_array_free(recent);
}

static void recent_files_come_newest_first(void **state)
{
	conf_fixture *f = *state;
	ecl_source_file_array *recent = NULL;
	static const int64_t seen[] = { 0, 10, 5, 7 };
	int64_t id;
	size_t i;

	add_file_source(f, "feed");
	id = id_of(f, "feed");
	for (i = 0; i < 4; i++) {
		char name[16];
		ecl_source_file file;

		snprintf(name, sizeof(name), "%zu.csv", i);
		file = file_of(id, name, 1, 1, NULL, f->now + seen[i]);
		file.state = ECL_SOURCE_FILE_SKIPPED;
		ecl_assert_ok(ecl__source_file_record(f->store, &file, NULL));
	}
	ecl_assert_ok(ecl_source_files(&recent, f->store, "feed", 3));
	assert_int_equal(recent->count, 3);
	assert_string_equal(recent->files[0].name, "1.csv");
	assert_string_equal(recent->files[1].name, "3.csv");
	assert_string_equal(recent->files[2].name, "2.csv");
	ecl_source_file_array_free(recent);
	ecl_assert_fails(ECL_ENOTFOUND, ecl_source_files(&recent, f->store, "nope", 3));
	assert_null(recent);
}

/* ---- stale meters ------------------------------------------------------------------------ */

static void stale_meters_are_those_whose_latest_reading_is_old(void **state)
{
	conf_fixture *f = *state;
	ecl_batch_meter meters[5] = {
		{ "1200000000001", 0, 1, "valid" },   /* half hours, ten days old */
		{ "1200000000002", 0, 0, "valid" },   /* a daily total of 2023-11-01 */
		{ "1200000000003", 0, 1, "valid" },   /* an hour old */
		{ "1200000000004", 0, 1, "valid" },   /* old half hours, a recent daily total */
		{ "1200000000005", 0, 1, "valid" },   /* no reading at all */
	};
	ecl_interval_reading hh[3];
	ecl_daily_reading days[2];
	ecl_reading_batch b;
	ecl_write_counts counts = { 0, 0, 0, 0 };
	ecl_stale_meter_array out;
	int i;

	memset(hh, 0, sizeof(hh));
	memset(days, 0, sizeof(days));
	for (i = 0; i < 3; i++) {
		hh[i].meter = i == 2 ? 3 : (size_t)(i * 2);
		hh[i].period_start = i == 1 ? f->now - 3600 : f->now - 10 * 86400;
		snprintf(hh[i].reading_date, sizeof(hh[i].reading_date), "2023-11-04");
		hh[i].period_number = 1;
		hh[i].value = 1.0;
	}
	hh[1].meter = 2;
	days[0].meter = 1;
	snprintf(days[0].reading_date, sizeof(days[0].reading_date), "2023-11-01");
	days[1].meter = 3;
	snprintf(days[1].reading_date, sizeof(days[1].reading_date), "2023-11-14");
	memset(&b, 0, sizeof(b));
	b.now = f->now;
	b.meters = meters;
	b.meter_count = 5;
	b.intervals = hh;
	b.interval_count = 3;
	b.dailies = days;
	b.daily_count = 2;
	ecl_assert_ok(f->store->backend->readings_write(f->store->conn, &b, NULL, NULL, &counts));

	memset(&out, 0, sizeof(out));
	ecl_assert_ok(ecl__meters_stale(f->store, f->now - 2 * 86400, 10, &out));
	assert_int_equal(out.count, 2);
	assert_string_equal(out.meters[0].mpan, "1200000000002");
	assert_int_equal(out.meters[0].latest, 1698796800);       /* 2023-11-01 00:00 UTC */
	assert_string_equal(out.meters[1].mpan, "1200000000001");
	assert_int_equal(out.meters[1].latest, f->now - 10 * 86400);
	for (i = 0; i < (int)out.count; i++)
		free(out.meters[i].mpan);
	free(out.meters);

	memset(&out, 0, sizeof(out));
	ecl_assert_ok(ecl__meters_stale(f->store, f->now - 2 * 86400, 1, &out));
	assert_int_equal(out.count, 1);
	assert_string_equal(out.meters[0].mpan, "1200000000002");
	free(out.meters[0].mpan);
	free(out.meters);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, conf_setup, conf_teardown)

const struct CMUnitTest conf_feed_tests[] = {
	T(every_field_round_trips),
	T(a_name_is_taken_once_and_unknown_names_are_not_found),
	T(bad_options_are_refused_naming_them),
	T(pause_resume_and_remove),
	T(a_due_source_is_leased_once_until_released_or_expired),
	T(paused_and_not_due_sources_are_not_leased),
	T(a_release_records_the_poll_and_the_source_state),
	T(a_file_is_recorded_once_with_its_job),
	T(files_whose_job_ended_are_settled),
	T(recent_files_come_newest_first),
	T(stale_meters_are_those_whose_latest_reading_is_old),
};
const size_t conf_feed_test_count = sizeof(conf_feed_tests) / sizeof(conf_feed_tests[0]);
