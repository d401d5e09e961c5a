/*
 * ecl_store_options.storage_root: job files confined to the storage root.
 *
 * The file's real path (symbolic links and ".." resolved) must lie inside the
 * root, at a '/' boundary: at ecl_job_create() (ECL_EINVALID) and again in the
 * worker before it opens the file (a permanent failure), for jobs enqueued
 * before the root was set or whose path became a link since. Without a root
 * nothing changes. Version 1 options structs (without the member) are still
 * accepted; a root that does not exist fails the open.
 */
#include "ecl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PERIODS 48
#define OUTSIDE_MSG "is outside the storage root"

typedef struct fixture {
	char *dir;       /* the test's directory (real path) */
	char *root;      /* dir/root: the storage root */
	char *inside;    /* dir/root/in.csv */
	char *outside;   /* dir/outside.csv */
	char *sibling;   /* dir/root2/x.csv: the root's name is a prefix of its directory's */
	char *uri;       /* sqlite://dir/q.db */
	int64_t now;
} fixture;

static char *join(const char *a, const char *b)
{
	char *path = NULL;

	assert_true(asprintf(&path, "%s/%s", a, b) >= 0);
	return path;
}

/* One meter, one day of half-hourly readings (HH01..HH48). */
static char readings[PERIODS * 10 + 64];

static void make_readings(void)
{
	size_t n;
	int p;

	n = (size_t)snprintf(readings, sizeof(readings), "MPAN,Date");
	for (p = 1; p <= PERIODS; p++)
		n += (size_t)snprintf(readings + n, sizeof(readings) - n, ",HH%02d", p);
	n += (size_t)snprintf(readings + n, sizeof(readings) - n, "\nM0001,2025-11-01");
	for (p = 1; p <= PERIODS; p++)
		n += (size_t)snprintf(readings + n, sizeof(readings) - n, ",0.5");
	snprintf(readings + n, sizeof(readings) - n, "\n");
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	char *tmp, *root2;

	make_readings();
	if (f == NULL || (tmp = ecl_test_tmpdir("storage_root")) == NULL)
		return -1;
	f->dir = realpath(tmp, NULL);
	free(tmp);
	if (f->dir == NULL)
		return -1;
	f->root = join(f->dir, "root");
	root2 = join(f->dir, "root2");
	if (mkdir(f->root, 0700) != 0 || mkdir(root2, 0700) != 0)
		return -1;
	f->inside = ecl_test_write_file(f->root, "in.csv", readings);
	f->outside = ecl_test_write_file(f->dir, "outside.csv", readings);
	f->sibling = ecl_test_write_file(root2, "x.csv", readings);
	free(root2);
	if (f->inside == NULL || f->outside == NULL || f->sibling == NULL
	    || asprintf(&f->uri, "sqlite://%s/q.db", f->dir) < 0)
		return -1;
	f->now = 1764000000;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	ecl_test_rmtree(f->dir);
	free(f->dir);
	free(f->root);
	free(f->inside);
	free(f->outside);
	free(f->sibling);
	free(f->uri);
	free(f);
	return 0;
}

/* A store on the fixture's database with `root` (NULL = none), migrated. */
static ecl_store *open_store(fixture *f, const char *root)
{
	ecl_store_options o = ECL_STORE_OPTIONS_INIT;
	ecl_store *store = NULL;

	o.clock = ecl_test_clock;
	o.clock_payload = &f->now;
	o.log_level = ECL_LOG_NONE;
	o.storage_root = root;
	ecl_assert_ok(ecl_store_open(&store, f->uri, &o));
	ecl_assert_ok(ecl_store_migrate(store));
	return store;
}

static int create(char batch_id[ECL_BATCH_ID_SIZE], ecl_store *store, const char *path)
{
	ecl_job_options o = ECL_JOB_OPTIONS_INIT;

	o.file_path = path;
	return ecl_job_create(batch_id, store, &o);
}

static int64_t job_count(ecl_store *store)
{
	ecl_job_list_options lo = ECL_JOB_LIST_OPTIONS_INIT;
	ecl_job_array *jobs = NULL;
	int64_t n;

	lo.limit = 0;
	ecl_assert_ok(ecl_job_list(&jobs, store, &lo));
	n = (int64_t)jobs->count;
	ecl_job_array_free(jobs);
	return n;
}

static void expect_outside(ecl_store *store, const char *path, const char *root)
{
	char batch_id[ECL_BATCH_ID_SIZE];

	ecl_assert_fails(ECL_EINVALID, create(batch_id, store, path));
	ecl_assert_error_contains(OUTSIDE_MSG);
	ecl_assert_error_contains(path);
	ecl_assert_error_contains(root);
}

static char *stored_path(ecl_store *store, const char *batch_id)
{
	ecl_job *job = NULL;
	char *path;

	ecl_assert_ok(ecl_job_get(&job, store, batch_id));
	path = strdup(job->file_path);
	ecl_job_free(job);
	return path;
}

/* ---- ecl_job_create ----------------------------------------------------- */

static void inside_is_accepted(void **state)
{
	fixture *f = *state;
	ecl_store *store = open_store(f, f->root);
	char batch_id[ECL_BATCH_ID_SIZE];
	char *path;

	ecl_assert_ok(create(batch_id, store, f->inside));
	path = stored_path(store, batch_id);
	assert_string_equal(path, f->inside);
	free(path);

	/* ".." that stays inside is fine. */
	{
		char *sub = join(f->root, "sub");
		char *via;

		assert_int_equal(mkdir(sub, 0700), 0);
		via = join(sub, "../in.csv");
		ecl_assert_ok(create(batch_id, store, via));
		path = stored_path(store, batch_id);
		assert_string_equal(path, f->inside);
		free(path);
		free(via);
		free(sub);
	}
	ecl_store_free(store);
}

static void dot_dot_out_is_refused(void **state)
{
	fixture *f = *state;
	ecl_store *store = open_store(f, f->root);
	char *escape = join(f->root, "../outside.csv");

	expect_outside(store, escape, f->root);
	/* The message says where it really leads. */
	ecl_assert_error_contains(f->outside);
	expect_outside(store, f->outside, f->root);
	assert_int_equal(job_count(store), 0);
	free(escape);
	ecl_store_free(store);
}

static void link_inside_pointing_out_is_refused(void **state)
{
	fixture *f = *state;
	ecl_store *store = open_store(f, f->root);
	char *link = join(f->root, "link.csv");
	char *dirlink = join(f->root, "up");
	char *via_dir;

	assert_int_equal(symlink(f->outside, link), 0);
	expect_outside(store, link, f->root);
	ecl_assert_error_contains("resolves to");
	ecl_assert_error_contains(f->outside);
	/* A linked directory inside the root leading out. */
	assert_int_equal(symlink(f->dir, dirlink), 0);
	via_dir = join(dirlink, "outside.csv");
	expect_outside(store, via_dir, f->root);
	assert_int_equal(job_count(store), 0);
	free(via_dir);
	free(dirlink);
	free(link);
	ecl_store_free(store);
}

static void link_outside_pointing_in_is_accepted(void **state)
{
	fixture *f = *state;
	ecl_store *store = open_store(f, f->root);
	char batch_id[ECL_BATCH_ID_SIZE];
	char *link = join(f->dir, "in-link.csv");
	char *path;

	assert_int_equal(symlink(f->inside, link), 0);
	ecl_assert_ok(create(batch_id, store, link));
	/* The real path is stored, and it is inside. */
	path = stored_path(store, batch_id);
	assert_string_equal(path, f->inside);
	free(path);
	free(link);
	ecl_store_free(store);
}

static void sibling_with_the_root_as_prefix_is_refused(void **state)
{
	fixture *f = *state;
	ecl_store *store = open_store(f, f->root);

	/* ".../root2/x.csv" begins with ".../root" but is not inside it. */
	assert_int_equal(strncmp(f->sibling, f->root, strlen(f->root)), 0);
	expect_outside(store, f->sibling, f->root);
	ecl_store_free(store);
}

static void create_many_is_all_or_nothing(void **state)
{
	fixture *f = *state;
	ecl_store *store = open_store(f, f->root);
	ecl_job_options jobs[2] = { ECL_JOB_OPTIONS_INIT, ECL_JOB_OPTIONS_INIT };
	char ids[2 * ECL_BATCH_ID_SIZE];

	jobs[0].file_path = f->inside;
	jobs[1].file_path = f->outside;
	ecl_assert_fails(ECL_EINVALID, ecl_job_create_many(ids, store, jobs, 2));
	ecl_assert_error_contains("job 1: ");
	ecl_assert_error_contains(OUTSIDE_MSG);
	assert_int_equal(job_count(store), 0);
	jobs[1].file_path = f->inside;
	ecl_assert_ok(ecl_job_create_many(ids, store, jobs, 2));
	assert_int_equal(job_count(store), 2);
	ecl_store_free(store);
}

static void without_a_root_nothing_changes(void **state)
{
	fixture *f = *state;
	ecl_store *store = open_store(f, NULL);
	char batch_id[ECL_BATCH_ID_SIZE];

	ecl_assert_ok(create(batch_id, store, f->outside));
	ecl_assert_ok(create(batch_id, store, f->sibling));
	ecl_assert_ok(create(batch_id, store, f->inside));
	assert_int_equal(job_count(store), 3);
	ecl_store_free(store);
}

static void slash_root_holds_everything(void **state)
{
	fixture *f = *state;
	ecl_store *store = open_store(f, "/");
	char batch_id[ECL_BATCH_ID_SIZE];

	ecl_assert_ok(create(batch_id, store, f->outside));
	ecl_store_free(store);
}

/* The root is resolved and copied at open: given through a link, with a
 * trailing slash, from a string freed right after the open. */
static void root_is_resolved_and_copied(void **state)
{
	fixture *f = *state;
	char batch_id[ECL_BATCH_ID_SIZE];
	char *link = join(f->dir, "root-link");
	char *given = NULL;
	ecl_store *store;

	assert_int_equal(symlink(f->root, link), 0);
	assert_true(asprintf(&given, "%s/", link) >= 0);
	store = open_store(f, given);
	free(given);
	ecl_assert_ok(create(batch_id, store, f->inside));
	expect_outside(store, f->outside, f->root);
	/* The link's own path is not the root: a file named through it is
	 * inside once resolved. */
	{
		char *via = join(link, "in.csv");

		ecl_assert_ok(create(batch_id, store, via));
		free(via);
	}
	free(link);
	ecl_store_free(store);
}

/* ---- opening ------------------------------------------------------------ */

static void bad_roots_fail_the_open(void **state)
{
	fixture *f = *state;
	ecl_store_options o = ECL_STORE_OPTIONS_INIT;
	ecl_store *store = (ecl_store *)0x1;
	char *missing = join(f->dir, "no-such-dir");

	o.log_level = ECL_LOG_NONE;
	o.storage_root = missing;
	ecl_assert_fails(ECL_EIO, ecl_store_open(&store, f->uri, &o));
	ecl_assert_error_contains("storage root");
	ecl_assert_error_contains(missing);
	assert_null(store);

	store = (ecl_store *)0x1;
	o.storage_root = f->inside;
	ecl_assert_fails(ECL_EIO, ecl_store_open(&store, f->uri, &o));
	ecl_assert_error_contains("not a directory");
	ecl_assert_error_contains(f->inside);
	assert_null(store);

	store = (ecl_store *)0x1;
	o.storage_root = "";
	ecl_assert_fails(ECL_EINVALID, ecl_store_open(&store, f->uri, &o));
	ecl_assert_error_contains("storage_root");
	assert_null(store);
	free(missing);
}

/* The defaults have no storage root: files anywhere are accepted. */
static void default_options_have_no_root(void **state)
{
	fixture *f = *state;
	ecl_store_options o;
	char batch_id[ECL_BATCH_ID_SIZE];
	ecl_store *store = NULL;

	memset(&o, 0x5a, sizeof(o));
	ecl_assert_ok(ecl_store_options_init(&o, ECL_STORE_OPTIONS_VERSION));
	assert_null(o.storage_root);
	o.log_level = ECL_LOG_NONE;
	o.clock = ecl_test_clock;
	o.clock_payload = &f->now;
	ecl_assert_ok(ecl_store_open(&store, f->uri, &o));
	ecl_assert_ok(ecl_store_migrate(store));
	ecl_assert_ok(create(batch_id, store, f->outside));
	assert_int_equal(ecl_store_now(store), f->now);
	ecl_store_free(store);
}

/* ---- the worker --------------------------------------------------------- */

static ecl_worker *new_worker(ecl_store *store)
{
	ecl_worker_options o = ECL_WORKER_OPTIONS_INIT;
	ecl_worker *w = NULL;

	o.worker_id = "confined";
	o.idle_poll_ms = 0;
	ecl_assert_ok(ecl_worker_new(&w, store, &o));
	return w;
}

static ecl_job *get_job(ecl_store *store, const char *batch_id)
{
	ecl_job *job = NULL;

	ecl_assert_ok(ecl_job_get(&job, store, batch_id));
	return job;
}

static void expect_permanent_outside(ecl_store *store, const char *batch_id, const char *root)
{
	ecl_job *job = get_job(store, batch_id);

	assert_int_equal(job->status, ECL_JOB_FAILED);
	assert_string_equal(job->error_class, "permanent");
	assert_int_equal(job->retry_count, 0);
	assert_non_null(strstr(job->error_message, OUTSIDE_MSG));
	assert_non_null(strstr(job->error_message, root));
	assert_non_null(strstr(job->error_message, job->file_path));
	assert_int_equal(job->imported_rows, 0);
	ecl_job_free(job);
}

static void worker_refuses_a_job_enqueued_without_the_root(void **state)
{
	fixture *f = *state;
	ecl_store *open_to_all = open_store(f, NULL);
	ecl_store *confined = open_store(f, f->root);
	char outside_id[ECL_BATCH_ID_SIZE], inside_id[ECL_BATCH_ID_SIZE];
	ecl_worker_report rep;
	ecl_worker *w;
	ecl_job *job;

	/* Enqueued by a process that has no root (or before it was set). */
	ecl_assert_ok(create(outside_id, open_to_all, f->outside));
	f->now += 1;
	ecl_assert_ok(create(inside_id, open_to_all, f->inside));
	f->now += 1;
	memset(&rep, 0, sizeof(rep));
	w = new_worker(confined);
	ecl_assert_ok(ecl_worker_process(w, 10, &rep));
	assert_int_equal(rep.claimed, 2);
	assert_int_equal(rep.failed, 1);
	assert_int_equal(rep.requeued, 0);
	assert_int_equal(rep.completed, 1);
	expect_permanent_outside(confined, outside_id, f->root);
	job = get_job(confined, inside_id);
	assert_int_equal(job->status, ECL_JOB_COMPLETED);
	assert_int_equal(job->imported_rows, 1);
	ecl_job_free(job);
	ecl_worker_free(w);
	ecl_store_free(confined);
	ecl_store_free(open_to_all);
}

static void worker_refuses_a_file_turned_into_a_link_out(void **state)
{
	fixture *f = *state;
	ecl_store *store = open_store(f, f->root);
	char batch_id[ECL_BATCH_ID_SIZE];
	ecl_worker_report rep;
	ecl_worker *w;

	ecl_assert_ok(create(batch_id, store, f->inside));
	/* Swapped for a link leading out after it was enqueued. */
	assert_int_equal(unlink(f->inside), 0);
	assert_int_equal(symlink(f->outside, f->inside), 0);
	memset(&rep, 0, sizeof(rep));
	w = new_worker(store);
	ecl_assert_ok(ecl_worker_process(w, 1, &rep));
	assert_int_equal(rep.failed, 1);
	expect_permanent_outside(store, batch_id, f->root);
	{
		ecl_job *job = get_job(store, batch_id);

		assert_non_null(strstr(job->error_message, f->outside));
		ecl_job_free(job);
	}
	ecl_worker_free(w);
	ecl_store_free(store);
}

static void worker_with_a_root_reports_a_missing_file(void **state)
{
	fixture *f = *state;
	ecl_store *store = open_store(f, f->root);
	char batch_id[ECL_BATCH_ID_SIZE];
	ecl_worker_report rep;
	ecl_worker *w;
	ecl_job *job;

	ecl_assert_ok(create(batch_id, store, f->inside));
	assert_int_equal(unlink(f->inside), 0);
	memset(&rep, 0, sizeof(rep));
	w = new_worker(store);
	ecl_assert_ok(ecl_worker_process(w, 1, &rep));
	assert_int_equal(rep.failed, 1);
	job = get_job(store, batch_id);
	assert_int_equal(job->status, ECL_JOB_FAILED);
	assert_string_equal(job->error_class, "permanent");
	assert_non_null(strstr(job->error_message, "File not found"));
	ecl_job_free(job);
	ecl_worker_free(w);
	ecl_store_free(store);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(inside_is_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(dot_dot_out_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(link_inside_pointing_out_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(link_outside_pointing_in_is_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(sibling_with_the_root_as_prefix_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(create_many_is_all_or_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(without_a_root_nothing_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(slash_root_holds_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(root_is_resolved_and_copied, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_roots_fail_the_open, setup, teardown),
		cmocka_unit_test_setup_teardown(default_options_have_no_root, setup, teardown),
		cmocka_unit_test_setup_teardown(worker_refuses_a_job_enqueued_without_the_root,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(worker_refuses_a_file_turned_into_a_link_out,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(worker_with_a_root_reports_a_missing_file,
		                                setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
