/*
 * Cleanup on a SQLite file store with an injected clock: which jobs go
 * (finished before the cutoff, in batches) and which never do, which files
 * go (old, under the root, referenced by no remaining job) and which stay,
 * the dry run as an exact preview, option validation and the JSON report.
 */
#include "ecl_test.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#ifdef __linux__
#include <linux/fs.h>
#include <pthread.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eclectyc/cleanup.h"

#define DAY 86400
#define T0 ((int64_t)1764000000)     /* the clock when a cleanup runs */
#define RETENTION 30
#define CUTOFF (T0 - RETENTION * DAY)

typedef struct fixture {
	char *dir;          /* the test's private directory (real path) */
	char *db_path;
	char *uri;
	char *storage;      /* dir/storage: the cleanup root */
	char *outside;      /* dir/outside: never touched */
	char *data;         /* a job file outside the root, for job-only tests */
	ecl_store *store;
	int64_t now;
	char *immutable;    /* a file made immutable, cleared on teardown */
	char *locked_dir;   /* a directory made read-only, restored on teardown */
	char last_info[1024];
	int info_count;
} fixture;

/* ---- helpers ------------------------------------------------------------- */

static void on_log(ecl_log_level level, const char *message, void *payload)
{
	fixture *f = payload;

	if (level == ECL_LOG_INFO && strstr(message, "cleanup") != NULL) {
		snprintf(f->last_info, sizeof(f->last_info), "%s", message);
		f->info_count++;
	}
}

static char *join(const char *a, const char *b)
{
	char *path = NULL;

	assert_true(asprintf(&path, "%s/%s", a, b) >= 0);
	return path;
}

static void mkdirs(const char *path)
{
	char *copy = strdup(path), *p;

	for (p = copy + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(copy, 0755);
			*p = '/';
		}
	}
	mkdir(copy, 0755);
	free(copy);
}

static void set_mtime(const char *path, int64_t mtime, int follow)
{
	struct timespec times[2];

	times[0].tv_sec = times[1].tv_sec = (time_t)mtime;
	times[0].tv_nsec = times[1].tv_nsec = 0;
	assert_int_equal(utimensat(AT_FDCWD, path, times, follow ? 0 : AT_SYMLINK_NOFOLLOW), 0);
}

/* A file under `base` (parents created) last modified at `mtime`. */
static char *make_file_at(const char *base, const char *rel, int64_t mtime)
{
	char *path = join(base, rel);
	char *parent = strdup(path);
	FILE *out;

	parent[strrchr(parent, '/') - parent] = '\0';
	mkdirs(parent);
	free(parent);
	out = fopen(path, "w");
	assert_non_null(out);
	fputs("MPAN,Date,Reading\n1234567890123,2025-11-01,1.5\n", out);
	fclose(out);
	set_mtime(path, mtime, 1);
	return path;
}

static int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static int job_exists(fixture *f, const char *batch_id)
{
	ecl_job *j = NULL;
	int rc = ecl_job_get(&j, f->store, batch_id);

	ecl_job_free(j);
	if (rc != 0 && rc != ECL_ENOTFOUND)
		fail_msg("ecl_job_get: %s", ecl_error_last());
	return rc == 0;
}

static int64_t job_count(fixture *f)
{
	return (int64_t)ecl_test_sql_number(f->db_path, "SELECT count(*) FROM import_jobs");
}

typedef enum kind {
	COMPLETED,
	FAILED_PERMANENT,
	FAILED_EXHAUSTED,      /* transient, no retries left */
	CANCELLED_QUEUED,
	CANCELLED_PROCESSING,
	QUEUED,
	PROCESSING,
	REQUEUED,              /* transient failure with retries left */
	RETRIED_BY_HAND        /* failed, then ecl_job_retry() */
} kind;

/*
 * A job on `path` brought into `k` through the public API, finishing (or
 * last changing) at instant `at`. Jobs to be claimed are high priority and
 * plain queued ones low, so a claim here always takes the job just made as
 * long as no earlier runnable high-priority job waits: tests create the
 * REQUEUED and RETRIED_BY_HAND jobs last.
 */
static void make_job(fixture *f, char id[ECL_BATCH_ID_SIZE], const char *path, kind k, int64_t at)
{
	ecl_job_options o = ECL_JOB_OPTIONS_INIT;
	int64_t saved = f->now;
	ecl_job *claimed = NULL;
	ecl_job_status status;

	o.file_path = path;
	o.priority = k == QUEUED ? ECL_PRIORITY_LOW : ECL_PRIORITY_HIGH;
	o.max_retries = k == FAILED_EXHAUSTED ? 0 : 3;
	f->now = at - 100;
	ecl_assert_ok(ecl_job_create(id, f->store, &o));
	if (k == QUEUED || k == CANCELLED_QUEUED) {
		f->now = at;
		if (k == CANCELLED_QUEUED)
			ecl_assert_ok(ecl_job_cancel(f->store, id));
		f->now = saved;
		return;
	}
	f->now = at - 50;
	ecl_assert_ok(ecl_job_claim(&claimed, f->store, "w1"));
	assert_non_null(claimed);
	assert_string_equal(claimed->batch_id, id);
	ecl_job_free(claimed);
	f->now = at;
	switch (k) {
	case COMPLETED:
		ecl_assert_ok(ecl_job_complete(f->store, id, "w1", NULL, NULL));
		break;
	case FAILED_PERMANENT:
	case RETRIED_BY_HAND:
		ecl_assert_ok(ecl_job_fail(&status, f->store, id, "w1", ECL_FAILURE_PERMANENT, "no header"));
		assert_int_equal(status, ECL_JOB_FAILED);
		if (k == RETRIED_BY_HAND)
			ecl_assert_ok(ecl_job_retry(f->store, id, 0));
		break;
	case FAILED_EXHAUSTED:
		ecl_assert_ok(ecl_job_fail(&status, f->store, id, "w1", ECL_FAILURE_TRANSIENT, "busy"));
		assert_int_equal(status, ECL_JOB_FAILED);
		break;
	case REQUEUED:
		ecl_assert_ok(ecl_job_fail(&status, f->store, id, "w1", ECL_FAILURE_TRANSIENT, "busy"));
		assert_int_equal(status, ECL_JOB_QUEUED);
		break;
	case CANCELLED_PROCESSING:
		ecl_assert_ok(ecl_job_cancel(f->store, id));
		break;
	default:   /* PROCESSING: stays claimed */
		break;
	}
	f->now = saved;
}

static ecl_cleanup_options options(fixture *f, int dry_run, const char *storage_dir)
{
	ecl_cleanup_options o = ECL_CLEANUP_OPTIONS_INIT;

	(void)f;
	o.days = RETENTION;
	o.dry_run = dry_run;
	o.storage_dir = storage_dir;
	return o;
}

static ecl_cleanup_report *cleanup(fixture *f, const ecl_cleanup_options *o)
{
	ecl_cleanup_report *r = NULL;

	ecl_assert_ok(ecl_cleanup(&r, f->store, o));
	assert_non_null(r);
	return r;
}

static const ecl_cleanup_file *report_file(const ecl_cleanup_report *r, const char *path)
{
	size_t i;

	for (i = 0; i < r->file_count; i++)
		if (strcmp(r->files[i].path, path) == 0)
			return &r->files[i];
	return NULL;
}

static void print_report(const ecl_cleanup_report *r)
{
	size_t i;

	for (i = 0; i < r->job_count; i++)
		print_message("  job %s %s %lld\n", r->jobs[i].batch_id, r->jobs[i].status,
			(long long)r->jobs[i].completed_at);
	for (i = 0; i < r->file_count; i++)
		print_message("  file %s (%lld days)\n", r->files[i].path, (long long)r->files[i].age_days);
	for (i = 0; i < r->message_count; i++)
		print_message("  message %s\n", r->messages[i]);
}

/* ---- fixture ------------------------------------------------------------- */

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	ecl_store_options o = ECL_STORE_OPTIONS_INIT;
	char *tmp;

	if (f == NULL || (tmp = ecl_test_tmpdir("cleanup")) == NULL)
		return -1;
	f->dir = realpath(tmp, NULL);
	free(tmp);
	if (f->dir == NULL || asprintf(&f->db_path, "%s/c.db", f->dir) < 0
	    || asprintf(&f->uri, "sqlite://%s", f->db_path) < 0
	    || asprintf(&f->storage, "%s/storage", f->dir) < 0
	    || asprintf(&f->outside, "%s/outside", f->dir) < 0)
		return -1;
	mkdir(f->storage, 0755);
	mkdir(f->outside, 0755);
	f->now = T0;
	f->data = make_file_at(f->outside, "data.csv", T0 - 400 * DAY);
	o.clock = ecl_test_clock;
	o.clock_payload = &f->now;
	o.log = on_log;
	o.log_payload = f;
	o.log_level = ECL_LOG_INFO;
	if (ecl_store_open(&f->store, f->uri, &o) != 0 || ecl_store_migrate(f->store) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	if (f->immutable != NULL) {
#ifdef FS_IOC_SETFLAGS
		int fd = open(f->immutable, O_RDONLY);
		int flags = 0;
		if (fd >= 0 && ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0) {
			flags &= ~FS_IMMUTABLE_FL;
			ioctl(fd, FS_IOC_SETFLAGS, &flags);
		}
		if (fd >= 0)
			close(fd);
#endif
		free(f->immutable);
	}
	if (f->locked_dir != NULL) {
		chmod(f->locked_dir, 0755);
		free(f->locked_dir);
	}
	ecl_store_free(f->store);
	ecl_test_rmtree(f->dir);
	free(f->data);
	free(f->outside);
	free(f->storage);
	free(f->uri);
	free(f->db_path);
	free(f->dir);
	free(f);
	return 0;
}

/* ---- jobs ---------------------------------------------------------------- */

/* Which statuses go, the retention boundary, and what never goes. */
static void test_jobs_by_status_and_boundary(void **state)
{
	fixture *f = *state;
	char old_completed[ECL_BATCH_ID_SIZE], just_over[ECL_BATCH_ID_SIZE];
	char at_cutoff[ECL_BATCH_ID_SIZE], just_under[ECL_BATCH_ID_SIZE];
	char permanent[ECL_BATCH_ID_SIZE], exhausted[ECL_BATCH_ID_SIZE];
	char cancelled_q[ECL_BATCH_ID_SIZE], cancelled_p[ECL_BATCH_ID_SIZE];
	char unstamped[ECL_BATCH_ID_SIZE], processing[ECL_BATCH_ID_SIZE];
	char requeued[ECL_BATCH_ID_SIZE], queued[ECL_BATCH_ID_SIZE], retried[ECL_BATCH_ID_SIZE];
	const char *expect_order[6];
	const char *expect_status[6] = {
		"completed", "cancelled", "cancelled", "failed", "failed", "completed"
	};
	ecl_cleanup_options o = options(f, 0, NULL);
	ecl_cleanup_report *r;
	char sql[256];
	size_t i;

	make_job(f, old_completed, f->data, COMPLETED, CUTOFF - 300 * DAY);
	make_job(f, cancelled_p, f->data, CANCELLED_PROCESSING, CUTOFF - 200 * DAY);
	make_job(f, cancelled_q, f->data, CANCELLED_QUEUED, CUTOFF - 100 * DAY);
	make_job(f, permanent, f->data, FAILED_PERMANENT, CUTOFF - 50 * DAY);
	make_job(f, exhausted, f->data, FAILED_EXHAUSTED, CUTOFF - 10);
	make_job(f, just_over, f->data, COMPLETED, CUTOFF - 1);
	make_job(f, at_cutoff, f->data, COMPLETED, CUTOFF);
	make_job(f, just_under, f->data, COMPLETED, CUTOFF + 1);
	/* A finished row never stamped (imported from the old system). */
	make_job(f, unstamped, f->data, COMPLETED, CUTOFF - 400 * DAY);
	snprintf(sql, sizeof(sql), "UPDATE import_jobs SET completed_at = NULL WHERE batch_id = '%s'",
		unstamped);
	ecl_test_sql_exec(f->db_path, sql);
	/* Jobs that can still run, however old. */
	make_job(f, processing, f->data, PROCESSING, T0 - 500 * DAY);
	make_job(f, requeued, f->data, REQUEUED, T0 - 500 * DAY);
	make_job(f, queued, f->data, QUEUED, T0 - 500 * DAY);
	make_job(f, retried, f->data, RETRIED_BY_HAND, T0 - 500 * DAY);
	assert_int_equal(job_count(f), 13);

	r = cleanup(f, &o);
	print_report(r);
	assert_int_equal(r->dry_run, 0);
	assert_int_equal(r->days, RETENTION);
	assert_int_equal(r->cutoff, CUTOFF);
	assert_int_equal(r->jobs_deleted, 6);
	assert_int_equal(r->completed_deleted, 2);
	assert_int_equal(r->failed_deleted, 2);
	assert_int_equal(r->cancelled_deleted, 2);
	assert_int_equal(r->job_count, 6);
	assert_int_equal(r->file_count, 0);
	expect_order[0] = old_completed;
	expect_order[1] = cancelled_p;
	expect_order[2] = cancelled_q;
	expect_order[3] = permanent;
	expect_order[4] = exhausted;
	expect_order[5] = just_over;
	for (i = 0; i < 6; i++) {
		assert_string_equal(r->jobs[i].batch_id, expect_order[i]);
		assert_string_equal(r->jobs[i].status, expect_status[i]);
		assert_string_equal(r->jobs[i].filename, "data.csv");
		assert_false(job_exists(f, expect_order[i]));
	}
	assert_int_equal(r->jobs[5].completed_at, CUTOFF - 1);
	assert_int_equal(r->jobs[0].completed_at, CUTOFF - 300 * DAY);
	ecl_cleanup_report_free(r);

	assert_true(job_exists(f, at_cutoff));
	assert_true(job_exists(f, just_under));
	assert_true(job_exists(f, unstamped));
	assert_true(job_exists(f, processing));
	assert_true(job_exists(f, requeued));
	assert_true(job_exists(f, queued));
	assert_true(job_exists(f, retried));
	assert_int_equal(job_count(f), 7);
	/* The summary line went to the store's logger at INFO. */
	assert_int_equal(f->info_count, 1);
	assert_non_null(strstr(f->last_info, "deleted 6 job(s)"));

	/* Nothing more to do at the same instant ... */
	r = cleanup(f, &o);
	assert_int_equal(r->jobs_deleted, 0);
	assert_int_equal(r->job_count, 0);
	ecl_cleanup_report_free(r);
	/* ... and one second later the job finished exactly at the old cutoff
	 * is one second past the retention. */
	f->now = T0 + 1;
	r = cleanup(f, &o);
	assert_int_equal(r->jobs_deleted, 1);
	assert_string_equal(r->jobs[0].batch_id, at_cutoff);
	ecl_cleanup_report_free(r);
	assert_true(job_exists(f, just_under));
	/* Even a 1-day retention far in the future never takes a runnable job. */
	f->now = T0 + 3000 * DAY;
	o.days = 1;
	r = cleanup(f, &o);
	assert_int_equal(r->jobs_deleted, 1);    /* just_under */
	ecl_cleanup_report_free(r);
	assert_int_equal(job_count(f), 5);
	assert_true(job_exists(f, processing));
	assert_true(job_exists(f, requeued));
	assert_true(job_exists(f, queued));
	assert_true(job_exists(f, retried));
	assert_true(job_exists(f, unstamped));
}

/* More expired jobs than batch_size: every batch goes, oldest first. */
static void test_batches(void **state)
{
	fixture *f = *state;
	char ids[17][ECL_BATCH_ID_SIZE];
	ecl_cleanup_options o = options(f, 0, NULL);
	ecl_cleanup_report *r;
	size_t i;

	/* Created newest first, two pairs sharing an instant (ties go by id). */
	for (i = 0; i < 12; i++)
		make_job(f, ids[i], f->data, i % 3 == 0 ? FAILED_PERMANENT : COMPLETED,
			CUTOFF - 1 - (int64_t)(i / 2 * 2) * 3600 * (i < 4 ? 1 : 2));
	make_job(f, ids[12], f->data, COMPLETED, CUTOFF + 10);   /* kept */

	o.batch_size = 5;
	o.dry_run = 1;
	r = cleanup(f, &o);
	assert_int_equal(r->jobs_deleted, 12);
	ecl_cleanup_report_free(r);
	assert_int_equal(job_count(f), 13);

	o.dry_run = 0;
	r = cleanup(f, &o);
	print_report(r);
	assert_int_equal(r->jobs_deleted, 12);
	assert_int_equal(r->job_count, 12);
	assert_int_equal(r->failed_deleted, 4);
	assert_int_equal(r->completed_deleted, 8);
	for (i = 1; i < r->job_count; i++)
		assert_true(r->jobs[i - 1].completed_at <= r->jobs[i].completed_at);
	/* Equal instants: the lower id (created first) first. */
	for (i = 1; i < r->job_count; i++) {
		if (r->jobs[i - 1].completed_at == r->jobs[i].completed_at) {
			size_t a, b;
			for (a = 0; strcmp(ids[a], r->jobs[i - 1].batch_id) != 0; a++)
				;
			for (b = 0; strcmp(ids[b], r->jobs[i].batch_id) != 0; b++)
				;
			assert_true(a < b);
		}
	}
	ecl_cleanup_report_free(r);
	assert_int_equal(job_count(f), 1);
	assert_true(job_exists(f, ids[12]));

	/* An exact multiple of the batch size (a full batch, then an empty one),
	 * and batches of one. */
	for (i = 13; i < 17; i++)
		make_job(f, ids[i], f->data, CANCELLED_QUEUED, CUTOFF - (int64_t)i * 60);
	o.batch_size = 2;
	r = cleanup(f, &o);
	assert_int_equal(r->jobs_deleted, 4);
	assert_string_equal(r->jobs[0].batch_id, ids[16]);
	assert_string_equal(r->jobs[3].batch_id, ids[13]);
	ecl_cleanup_report_free(r);
	f->now = T0 + 11;
	o.batch_size = 1;
	r = cleanup(f, &o);
	assert_int_equal(r->jobs_deleted, 1);
	ecl_cleanup_report_free(r);
	assert_int_equal(job_count(f), 0);
}

/* ---- files --------------------------------------------------------------- */

typedef struct scenario {
	char *orphan;          /* old, no job: goes */
	char *boundary_old;    /* mtime one second before the cutoff: goes */
	char *boundary;        /* mtime exactly at the cutoff: stays */
	char *fresh;           /* new: stays */
	char *queued_file;     /* old, a queued job refers to it: stays */
	char *recent_job_file; /* old, a job finished recently refers to it: stays */
	char *done_file;       /* old, its only job is deleted in this run: goes */
	char *shared_file;     /* old, an expired job and a queued job refer to it: stays */
	char *nested;          /* old, two levels down: goes */
	char *hidden;          /* .htaccess, old: stays */
	char *hidden_dir_file; /* .cache/x.csv, old: stays */
	char *link;            /* symlink to a file outside the root: stays, so does its target */
	char *link_target;
	char *dir_link;        /* symlink to a directory outside the root: not walked */
	char *outside_old;     /* in that directory */
	char *dir_named_csv;   /* a directory named like a file */
	char *fifo;
	char *database;        /* a SQLite database file, old: stays */
	char *wal;             /* its -wal companion, old: stays */
	char done_job[ECL_BATCH_ID_SIZE];
	char queued_job[ECL_BATCH_ID_SIZE];
	char recent_job[ECL_BATCH_ID_SIZE];
	char shared_old_job[ECL_BATCH_ID_SIZE];
	char shared_queued_job[ECL_BATCH_ID_SIZE];
} scenario;

static void build_scenario(fixture *f, scenario *s)
{
	FILE *out;

	memset(s, 0, sizeof(*s));
	s->orphan = make_file_at(f->storage, "100_orphan.csv", T0 - 31 * DAY);
	s->boundary_old = make_file_at(f->storage, "101_boundary_old.csv", CUTOFF - 1);
	s->boundary = make_file_at(f->storage, "102_boundary.csv", CUTOFF);
	s->fresh = make_file_at(f->storage, "103_fresh.csv", T0 - 29 * DAY);
	s->queued_file = make_file_at(f->storage, "104_queued.csv", T0 - 40 * DAY);
	s->recent_job_file = make_file_at(f->storage, "105_recent.csv", T0 - 50 * DAY);
	s->done_file = make_file_at(f->storage, "106_done.csv", T0 - 50 * DAY);
	s->shared_file = make_file_at(f->storage, "107_shared.csv", T0 - 50 * DAY);
	s->nested = make_file_at(f->storage, "sftp/2025/108_nested.csv", T0 - 60 * DAY);
	s->hidden = make_file_at(f->storage, ".htaccess", T0 - 100 * DAY);
	s->hidden_dir_file = make_file_at(f->storage, ".cache/109.csv", T0 - 100 * DAY);
	s->link_target = make_file_at(f->outside, "target.csv", T0 - 100 * DAY);
	s->link = join(f->storage, "110_link.csv");
	assert_int_equal(symlink(s->link_target, s->link), 0);
	set_mtime(s->link, T0 - 100 * DAY, 0);
	s->outside_old = make_file_at(f->outside, "dir/111_old.csv", T0 - 100 * DAY);
	s->dir_link = join(f->storage, "112_dirlink");
	{
		char *target = join(f->outside, "dir");
		assert_int_equal(symlink(target, s->dir_link), 0);
		free(target);
	}
	s->dir_named_csv = join(f->storage, "113_dir.csv");
	assert_int_equal(mkdir(s->dir_named_csv, 0755), 0);
	set_mtime(s->dir_named_csv, T0 - 100 * DAY, 1);
	s->fifo = join(f->storage, "114_fifo.csv");
	assert_int_equal(mkfifo(s->fifo, 0644), 0);
	set_mtime(s->fifo, T0 - 100 * DAY, 1);
	s->database = join(f->storage, "115_store.db");
	out = fopen(s->database, "wb");
	assert_non_null(out);
	fwrite("SQLite format 3\0\x10\0\x01\x01", 1, 20, out);
	fclose(out);
	set_mtime(s->database, T0 - 100 * DAY, 1);
	s->wal = make_file_at(f->storage, "115_store.db-wal", T0 - 100 * DAY);

	make_job(f, s->done_job, s->done_file, FAILED_PERMANENT, T0 - 45 * DAY);
	make_job(f, s->recent_job, s->recent_job_file, COMPLETED, T0 - 10 * DAY);
	make_job(f, s->shared_old_job, s->shared_file, COMPLETED, T0 - 45 * DAY);
	make_job(f, s->queued_job, s->queued_file, QUEUED, T0 - 40 * DAY);
	make_job(f, s->shared_queued_job, s->shared_file, QUEUED, T0 - 40 * DAY);
}

static void free_scenario(scenario *s)
{
	char **all[] = {
		&s->orphan, &s->boundary_old, &s->boundary, &s->fresh, &s->queued_file,
		&s->recent_job_file, &s->done_file, &s->shared_file, &s->nested, &s->hidden,
		&s->hidden_dir_file, &s->link, &s->link_target, &s->dir_link, &s->outside_old,
		&s->dir_named_csv, &s->fifo, &s->database, &s->wal
	};
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		free(*all[i]);
}

static void assert_scenario_untouched(fixture *f, const scenario *s)
{
	assert_true(exists(s->orphan));
	assert_true(exists(s->boundary_old));
	assert_true(exists(s->done_file));
	assert_true(exists(s->nested));
	assert_true(exists(s->shared_file));
	assert_true(job_exists(f, s->done_job));
	assert_true(job_exists(f, s->shared_old_job));
}

/* Which files go and which stay; and the symlinks are not followed. */
static void test_orphan_files(void **state)
{
	fixture *f = *state;
	ecl_cleanup_options o = options(f, 0, f->storage);
	ecl_cleanup_report *r;
	scenario s;

	build_scenario(f, &s);
	r = cleanup(f, &o);
	print_report(r);

	/* the jobs first: the two expired ones */
	assert_int_equal(r->jobs_deleted, 2);
	assert_false(job_exists(f, s.done_job));
	assert_false(job_exists(f, s.shared_old_job));
	assert_true(job_exists(f, s.recent_job));
	assert_true(job_exists(f, s.queued_job));

	/* the files that went, sorted by path */
	assert_int_equal(r->files_deleted, 4);
	assert_int_equal(r->file_count, 4);
	assert_string_equal(r->files[0].path, s.orphan);
	assert_string_equal(r->files[1].path, s.boundary_old);
	assert_string_equal(r->files[2].path, s.done_file);
	assert_string_equal(r->files[3].path, s.nested);
	assert_int_equal(report_file(r, s.orphan)->age_days, 31);
	assert_int_equal(report_file(r, s.boundary_old)->age_days, RETENTION);
	assert_int_equal(report_file(r, s.done_file)->age_days, 50);
	assert_int_equal(report_file(r, s.nested)->age_days, 60);
	assert_false(exists(s.orphan));
	assert_false(exists(s.boundary_old));
	assert_false(exists(s.done_file));
	assert_false(exists(s.nested));
	/* old files that a remaining job refers to */
	assert_int_equal(r->files_kept_referenced, 3);
	assert_true(exists(s.queued_file));
	assert_true(exists(s.recent_job_file));
	assert_true(exists(s.shared_file));
	/* everything else stays */
	assert_true(exists(s.boundary));
	assert_true(exists(s.fresh));
	assert_true(exists(s.hidden));
	assert_true(exists(s.hidden_dir_file));
	assert_true(exists(s.link));
	assert_true(exists(s.link_target));
	assert_true(exists(s.dir_link));
	assert_true(exists(s.outside_old));
	assert_true(exists(s.dir_named_csv));
	assert_true(exists(s.fifo));
	assert_true(exists(s.database));
	assert_true(exists(s.wal));
	assert_int_equal(r->file_errors, 0);
	assert_int_equal(r->message_count, 0);
	assert_non_null(strstr(f->last_info, "deleted 4 orphaned file(s)"));
	ecl_cleanup_report_free(r);

	/* A second run finds nothing. */
	r = cleanup(f, &o);
	assert_int_equal(r->jobs_deleted, 0);
	assert_int_equal(r->files_deleted, 0);
	assert_int_equal(r->files_kept_referenced, 3);
	ecl_cleanup_report_free(r);
	free_scenario(&s);
}

/* The dry run changes nothing and lists exactly what the real run deletes. */
/* ---- cleanup racing job creation (issue 15) ------------------------------- */

void ecl__cleanup_set_race_hook(void (*hook)(const char *path, int claimed, void *payload), void *payload);
void ecl__job_set_insert_hook(void (*hook)(const char *path, void *payload), void *payload);

typedef struct race {
	fixture *f;
	const char *target;
	int stage;                /* the hook's `claimed` to act at */
	char id[ECL_BATCH_ID_SIZE];
	int fired, created;       /* created: what ecl_job_create returned */
	char message[512];
} race;

/* Another process queues a job for the file at the worst moment: after the
 * cleanup judged it an orphan, before it claims it (r->stage 0), or once it
 * has claimed it (1), when the file is not where the job says. */
static void queue_job_elsewhere(const char *path, int claimed, void *payload)
{
	race *r = payload;
	ecl_store_options so = ECL_STORE_OPTIONS_INIT;
	ecl_job_options o = ECL_JOB_OPTIONS_INIT;
	ecl_store *other = NULL;
	int rc;

	if (r->fired || claimed != r->stage || strcmp(path, r->target) != 0)
		return;
	r->fired = 1;
	so.clock = ecl_test_clock;
	so.clock_payload = &r->f->now;
	so.log_level = ECL_LOG_NONE;
	ecl_assert_ok(ecl_store_open(&other, r->f->uri, &so));
	o.file_path = path;
	rc = ecl_job_create(r->id, other, &o);
	r->created = rc;
	if (rc != 0)
		snprintf(r->message, sizeof(r->message), "%s", ecl_error_last());
	ecl_store_free(other);
}

/* The file of a job queued while the cleanup runs stays; it used to be
 * removed when the job appeared between the judgement and the unlink. */
static void test_job_queued_meanwhile_keeps_its_file(void **state)
{
	fixture *f = *state;
	char *queued = make_file_at(f->storage, "incoming/queued.csv", CUTOFF - 100 * DAY);
	char *orphan = make_file_at(f->storage, "incoming/orphan.csv", CUTOFF - 100 * DAY);
	ecl_cleanup_options o = options(f, 0, f->storage);
	ecl_cleanup_report *r;
	race x;

	memset(&x, 0, sizeof(x));
	x.f = f;
	x.target = queued;
	ecl__cleanup_set_race_hook(queue_job_elsewhere, &x);
	r = cleanup(f, &o);
	ecl__cleanup_set_race_hook(NULL, NULL);
	assert_true(x.fired);
	ecl_assert_ok(x.created);
	assert_true(exists(queued));
	assert_false(exists(orphan));
	assert_true(job_exists(f, x.id));
	assert_int_equal(r->files_deleted, 1);
	assert_int_equal(r->files_kept_referenced, 1);
	assert_non_null(report_file(r, orphan));
	assert_null(report_file(r, queued));
	ecl_cleanup_report_free(r);
	free(queued);
	free(orphan);
}

/* A job asked for while the cleanup holds the file (renamed aside, before
 * it asks the store again) is refused at once: the file is not there, and
 * no queued job is left pointing at a file about to go. */
static void test_job_asked_for_a_claimed_file_is_refused(void **state)
{
	fixture *f = *state;
	char *claimed = make_file_at(f->storage, "incoming/claimed.csv", CUTOFF - 100 * DAY);
	ecl_cleanup_options o = options(f, 0, f->storage);
	ecl_cleanup_report *r;
	race x;

	memset(&x, 0, sizeof(x));
	x.f = f;
	x.target = claimed;
	x.stage = 1;
	ecl__cleanup_set_race_hook(queue_job_elsewhere, &x);
	r = cleanup(f, &o);
	ecl__cleanup_set_race_hook(NULL, NULL);
	assert_true(x.fired);
	assert_int_equal(x.created, ECL_EIO);
	assert_false(exists(claimed));
	assert_int_equal(r->files_deleted, 1);
	assert_int_equal(job_count(f), 0);
	ecl_cleanup_report_free(r);
	free(claimed);
}

/* The other order: a job inserted while a cleanup holds its file. The job
 * creation finds the file missing after its insert and waits: put back (the
 * cleanup saw the job), it succeeds; gone, the job fails at once, saying why. */
typedef struct hold {
	char path[4096], aside[4200];
	int put_back;
	pthread_t thread;
} hold;

static void *put_back_later(void *payload)
{
	hold *h = payload;

	usleep(150000);
	if (rename(h->aside, h->path) != 0)
		perror("put back");
	return NULL;
}

static void claim_like_a_cleanup(const char *path, void *payload)
{
	hold *h = payload;

	snprintf(h->path, sizeof(h->path), "%s", path);
	snprintf(h->aside, sizeof(h->aside), "%s.aside", path);
	assert_int_equal(rename(h->path, h->aside), 0);
	if (h->put_back)
		assert_int_equal(pthread_create(&h->thread, NULL, put_back_later, h), 0);
	else
		assert_int_equal(unlink(h->aside), 0);
}

static void test_job_creation_waits_for_a_claimed_file(void **state)
{
	fixture *f = *state;
	char *file = make_file_at(f->storage, "incoming/held.csv", CUTOFF - 100 * DAY);
	ecl_job_options o = ECL_JOB_OPTIONS_INIT;
	char id[ECL_BATCH_ID_SIZE];
	hold h;

	memset(&h, 0, sizeof(h));
	h.put_back = 1;
	o.file_path = file;
	ecl__job_set_insert_hook(claim_like_a_cleanup, &h);
	ecl_assert_ok(ecl_job_create(id, f->store, &o));
	pthread_join(h.thread, NULL);
	assert_true(exists(file));
	assert_int_equal(ecl_test_sql_number(f->db_path, "SELECT count(*) FROM import_jobs WHERE status = 'queued'"), 1);

	/* Removed for good: the call fails, and its job is failed, not queued. */
	memset(&h, 0, sizeof(h));
	assert_int_equal(ecl_job_create(id, f->store, &o), ECL_EIO);
	ecl__job_set_insert_hook(NULL, NULL);
	assert_non_null(strstr(ecl_error_last(), "was removed while the job was being queued"));
	assert_int_equal(ecl_test_sql_number(f->db_path, "SELECT count(*) FROM import_jobs WHERE status = 'failed' "
		"AND error_class = 'permanent'"), 1);
	assert_int_equal(ecl_test_sql_number(f->db_path, "SELECT count(*) FROM import_jobs WHERE status = 'queued'"), 1);
	free(file);
}

static void test_dry_run_predicts(void **state)
{
	fixture *f = *state;
	ecl_cleanup_options o = options(f, 1, f->storage);
	ecl_cleanup_report *dry, *real;
	char extra[3][ECL_BATCH_ID_SIZE];
	scenario s;
	size_t i;
	int64_t before;

	build_scenario(f, &s);
	make_job(f, extra[0], f->data, COMPLETED, T0 - 90 * DAY);
	make_job(f, extra[1], f->data, CANCELLED_QUEUED, T0 - 31 * DAY);
	make_job(f, extra[2], f->data, FAILED_EXHAUSTED, T0 - 30 * DAY + 1);   /* kept */
	before = job_count(f);

	o.batch_size = 2;   /* the dry run is not limited by the batch size */
	dry = cleanup(f, &o);
	print_report(dry);
	assert_int_equal(dry->dry_run, 1);
	assert_int_equal(job_count(f), before);
	assert_scenario_untouched(f, &s);
	assert_non_null(strstr(f->last_info, "would delete 4 job(s)"));

	o.dry_run = 0;
	real = cleanup(f, &o);
	assert_int_equal(real->dry_run, 0);
	assert_int_equal(job_count(f), before - 4);

	assert_int_equal(dry->jobs_deleted, 4);
	assert_int_equal(dry->jobs_deleted, real->jobs_deleted);
	assert_int_equal(dry->completed_deleted, real->completed_deleted);
	assert_int_equal(dry->failed_deleted, real->failed_deleted);
	assert_int_equal(dry->cancelled_deleted, real->cancelled_deleted);
	assert_int_equal(dry->job_count, real->job_count);
	for (i = 0; i < dry->job_count; i++) {
		assert_string_equal(dry->jobs[i].batch_id, real->jobs[i].batch_id);
		assert_string_equal(dry->jobs[i].status, real->jobs[i].status);
		assert_int_equal(dry->jobs[i].completed_at, real->jobs[i].completed_at);
	}
	assert_int_equal(real->files_deleted, 4);
	assert_true(exists(s.shared_file));
	/* Files: exactly the same list. The file an expired job and a remaining
	 * job share (107_shared.csv) stays in both: the dry run asks the store
	 * as if the expired jobs were gone. */
	assert_null(report_file(dry, s.shared_file));
	assert_null(report_file(real, s.shared_file));
	assert_int_equal(dry->files_deleted, real->files_deleted);
	assert_int_equal(dry->files_kept_referenced, real->files_kept_referenced);
	assert_int_equal(dry->file_count, real->file_count);
	for (i = 0; i < dry->file_count; i++) {
		assert_string_equal(dry->files[i].path, real->files[i].path);
		assert_int_equal(dry->files[i].age_days, real->files[i].age_days);
	}
	/* the file of a job the dry run would delete is predicted to go */
	assert_non_null(report_file(dry, s.done_file));
	ecl_cleanup_report_free(dry);
	ecl_cleanup_report_free(real);
	free_scenario(&s);
}

/* A file that cannot be removed is reported and the run goes on. */
static void test_unremovable_file(void **state)
{
	fixture *f = *state;
	ecl_cleanup_options o = options(f, 0, f->storage);
	ecl_cleanup_report *r;
	char *stuck, *other;

	stuck = make_file_at(f->storage, "locked/200_stuck.csv", T0 - 90 * DAY);
	other = make_file_at(f->storage, "zz/201_other.csv", T0 - 90 * DAY);
	if (geteuid() == 0) {
		/* root ignores permissions; an immutable file resists even root */
		int ok = 0;
#ifdef FS_IOC_SETFLAGS
		int fd = open(stuck, O_RDONLY), flags = 0;
		assert_true(fd >= 0);
		ok = ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0
			&& (flags |= FS_IMMUTABLE_FL, ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0);
		close(fd);
#endif
		if (!ok) {
			print_message("  skipped: cannot make a file immutable here (%s)\n",
				strerror(errno));
			free(stuck);
			free(other);
			skip();
		}
		f->immutable = strdup(stuck);
	} else {
		f->locked_dir = join(f->storage, "locked");
		assert_int_equal(chmod(f->locked_dir, 0555), 0);
	}
	r = cleanup(f, &o);
	print_report(r);
	assert_int_equal(r->file_errors, 1);
	assert_int_equal(r->files_deleted, 1);
	assert_string_equal(r->files[0].path, other);
	assert_false(exists(other));
	assert_true(exists(stuck));
	assert_int_equal(r->message_count, 1);
	assert_non_null(strstr(r->messages[0], stuck));
	assert_non_null(strstr(r->messages[0], strerror(geteuid() == 0 ? EPERM : EACCES)));
	assert_non_null(strstr(f->last_info, "1 file error(s)"));
	ecl_cleanup_report_free(r);
	free(stuck);
	free(other);
}

/* The root may be a link: files are judged by their real paths, which is
 * how jobs store them. */
static void test_root_through_symlink(void **state)
{
	fixture *f = *state;
	char *link = join(f->dir, "storage_link");
	char *kept, *gone;
	char job[ECL_BATCH_ID_SIZE];
	ecl_cleanup_options o = options(f, 0, link);
	ecl_cleanup_report *r;

	assert_int_equal(symlink(f->storage, link), 0);
	kept = make_file_at(f->storage, "300_kept.csv", T0 - 90 * DAY);
	gone = make_file_at(f->storage, "301_gone.csv", T0 - 90 * DAY);
	{
		/* the job names the file through the link; it stores the real path */
		char *via_link = join(link, "300_kept.csv");
		make_job(f, job, via_link, QUEUED, T0 - 90 * DAY);
		free(via_link);
	}
	r = cleanup(f, &o);
	print_report(r);
	assert_int_equal(r->files_deleted, 1);
	assert_string_equal(r->files[0].path, gone);
	assert_int_equal(r->files_kept_referenced, 1);
	assert_true(exists(kept));
	assert_false(exists(gone));
	assert_true(exists(link));
	ecl_cleanup_report_free(r);
	free(kept);
	free(gone);
	free(link);
}

/* A storage directory that is missing or not a directory fails the run
 * before any job is deleted. */
static void test_bad_storage_dir(void **state)
{
	fixture *f = *state;
	char job[ECL_BATCH_ID_SIZE];
	char *missing = join(f->dir, "no-such-dir");
	ecl_cleanup_options o = options(f, 0, missing);
	ecl_cleanup_report *r = (ecl_cleanup_report *)0x1;

	make_job(f, job, f->data, COMPLETED, T0 - 90 * DAY);
	ecl_assert_fails(ECL_EIO, ecl_cleanup(&r, f->store, &o));
	assert_null(r);
	ecl_assert_error_contains(missing);
	ecl_assert_error_contains("No such file or directory");
	o.storage_dir = f->data;
	ecl_assert_fails(ECL_EIO, ecl_cleanup(&r, f->store, &o));
	ecl_assert_error_contains(f->data);
	ecl_assert_error_contains("not a directory");
	assert_true(job_exists(f, job));
	free(missing);
}

/* ---- options and report -------------------------------------------------- */

static void test_bad_options(void **state)
{
	fixture *f = *state;
	ecl_cleanup_options o;
	ecl_cleanup_report *r = NULL;

	ecl_assert_fails(ECL_EINVALID, ecl_cleanup_options_init(NULL, ECL_CLEANUP_OPTIONS_VERSION));
	ecl_assert_fails(ECL_EINVALID, ecl_cleanup_options_init(&o, 99));
	ecl_assert_error_contains("version 99");
	ecl_assert_fails(ECL_EINVALID, ecl_cleanup_options_init(&o, 0));
	ecl_assert_ok(ecl_cleanup_options_init(&o, ECL_CLEANUP_OPTIONS_VERSION));
	assert_int_equal(o.days, 30);
	assert_int_equal(o.batch_size, 500);
	assert_int_equal(o.dry_run, 0);
	assert_null(o.storage_dir);

	o.days = 0;
	ecl_assert_fails(ECL_EINVALID, ecl_cleanup(&r, f->store, &o));
	ecl_assert_error_contains("days");
	o.days = -5;
	ecl_assert_fails(ECL_EINVALID, ecl_cleanup(&r, f->store, &o));
	ecl_assert_error_contains("days");
	o.days = 30;
	o.batch_size = 0;
	ecl_assert_fails(ECL_EINVALID, ecl_cleanup(&r, f->store, &o));
	ecl_assert_error_contains("batch_size");
	o.batch_size = 100001;
	ecl_assert_fails(ECL_EINVALID, ecl_cleanup(&r, f->store, &o));
	ecl_assert_error_contains("batch_size");
	o.batch_size = 100000;
	o.version = 99;
	ecl_assert_fails(ECL_EINVALID, ecl_cleanup(&r, f->store, &o));
	ecl_assert_error_contains("version 99");
	o.version = 0;
	ecl_assert_fails(ECL_EINVALID, ecl_cleanup(&r, f->store, &o));
	ecl_assert_error_contains("version");
	o.version = ECL_CLEANUP_OPTIONS_VERSION;
	o.storage_dir = "";
	ecl_assert_fails(ECL_EINVALID, ecl_cleanup(&r, f->store, &o));
	ecl_assert_error_contains("storage_dir");
	o.storage_dir = NULL;
	ecl_assert_fails(ECL_EINVALID, ecl_cleanup(NULL, f->store, &o));
	ecl_assert_error_contains("NULL");
	ecl_assert_fails(ECL_EINVALID, ecl_cleanup(&r, NULL, &o));
	ecl_assert_error_contains("NULL");
	assert_null(r);
	ecl_assert_fails(ECL_EINVALID, ecl_cleanup_report_to_json(NULL, NULL));
	ecl_cleanup_report_free(NULL);

	/* the edges are accepted; NULL options are the defaults */
	o.days = 1;
	o.batch_size = 1;
	ecl_assert_ok(ecl_cleanup(&r, f->store, &o));
	assert_int_equal(r->cutoff, T0 - DAY);
	ecl_cleanup_report_free(r);
	ecl_assert_ok(ecl_cleanup(&r, f->store, NULL));
	assert_int_equal(r->days, 30);
	assert_int_equal(r->cutoff, CUTOFF);
	ecl_cleanup_report_free(r);
}

/* A store that was never migrated says so. */
static void test_unmigrated_store(void **state)
{
	fixture *f = *state;
	ecl_store *bare = NULL;
	ecl_cleanup_report *r = NULL;
	char *uri = NULL;

	assert_true(asprintf(&uri, "sqlite://%s/bare.db", f->dir) >= 0);
	ecl_assert_ok(ecl_store_open(&bare, uri, NULL));
	ecl_assert_fails(ECL_ESCHEMA, ecl_cleanup(&r, bare, NULL));
	assert_null(r);
	ecl_store_free(bare);
	free(uri);
}

static void test_json_report(void **state)
{
	fixture *f = *state;
	ecl_cleanup_options o = options(f, 0, f->storage);
	ecl_cleanup_report *r;
	ecl_buf buf = ECL_BUF_INIT;
	json_error_t error;
	json_t *doc, *jobs, *files, *first;
	scenario s;

	build_scenario(f, &s);
	r = cleanup(f, &o);
	ecl_assert_ok(ecl_cleanup_report_to_json(&buf, r));
	doc = json_loads(buf.ptr, 0, &error);
	if (doc == NULL)
		fail_msg("report JSON does not parse: %s\n%s", error.text, buf.ptr);
	assert_true(json_is_false(json_object_get(doc, "dry_run")));
	assert_int_equal(json_integer_value(json_object_get(doc, "days")), RETENTION);
	assert_string_equal(json_string_value(json_object_get(doc, "cutoff")), "2025-10-25 16:00:00");
	assert_int_equal(json_integer_value(json_object_get(doc, "jobs_deleted")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "jobs_by_status"),
		"completed")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "jobs_by_status"),
		"failed")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "jobs_by_status"),
		"cancelled")), 0);
	jobs = json_object_get(doc, "jobs");
	assert_int_equal(json_array_size(jobs), 2);
	first = json_array_get(jobs, 0);
	assert_string_equal(json_string_value(json_object_get(first, "batch_id")), r->jobs[0].batch_id);
	assert_string_equal(json_string_value(json_object_get(first, "status")), r->jobs[0].status);
	assert_true(json_is_string(json_object_get(first, "completed_at")));
	assert_string_equal(json_string_value(json_object_get(first, "filename")), "106_done.csv");
	assert_int_equal(json_integer_value(json_object_get(doc, "files_deleted")), 4);
	files = json_object_get(doc, "files");
	assert_int_equal(json_array_size(files), 4);
	assert_string_equal(json_string_value(json_object_get(json_array_get(files, 0), "path")),
		s.orphan);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(files, 0), "age_days")), 31);
	assert_int_equal(json_integer_value(json_object_get(doc, "files_kept_referenced")), 3);
	assert_int_equal(json_integer_value(json_object_get(doc, "file_errors")), 0);
	assert_true(json_is_array(json_object_get(doc, "messages")));
	json_decref(doc);
	ecl_buf_dispose(&buf);
	ecl_cleanup_report_free(r);
	free_scenario(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_jobs_by_status_and_boundary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_orphan_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dry_run_predicts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unremovable_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_through_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_storage_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmigrated_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_job_queued_meanwhile_keeps_its_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_job_asked_for_a_claimed_file_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_job_creation_waits_for_a_claimed_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
