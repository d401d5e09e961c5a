/*
 * Conformance: a job's file against the store (issue 15). The worker records
 * the file's identity (size, mtime, inode, SHA-256) before the first row; an
 * attempt that finds other bytes restarts from row 0 instead of resuming at
 * a checkpoint counted on the old file; a file cut or rewritten during an
 * import fails the attempt transiently and never completes it; cleanup never
 * removes the file of a job created while it runs.
 */
#include "conformance.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/sha256.h"

#define PERIODS 48
#define SMALL 20             /* rows of the file that gets replaced */
#define BIG 400              /* rows of the file cut during an import: past one 64 KiB read */
#define BATCH_ROWS 5

typedef struct files_run {
	conf_fixture *f;
	const char *path;
	int batches;
	int stop_after;          /* stop the worker after this many batches */
	int change_after;        /* change the file after this many batches */
	int change;              /* 1 cut the last row, 2 rewrite a value in place */
	int64_t first_processed; /* rows done at the first batch of the run */
} files_run;

/* A wide HH file of `rows` rows whose values are shifted by `shift`, with an
 * mtime in the past (so any later write changes it, whatever the clock's
 * granularity), written under another name and renamed over `path`. */
static void write_wide(const char *path, int rows, double shift)
{
	struct timespec times[2] = { { 1600000000, 0 }, { 1600000000, 0 } };
	char tmp[4096];
	FILE *out;
	int r, p;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	out = fopen(tmp, "w");
	assert_non_null(out);
	fputs("MPAN,Date", out);
	for (p = 1; p <= PERIODS; p++)
		fprintf(out, ",HH%02d", p);
	fputc('\n', out);
	for (r = 0; r < rows; r++) {
		fprintf(out, "M%04d,2025-%02d-%02d", r % 4, 1 + r / 112, 1 + (r / 4) % 28);
		for (p = 1; p <= PERIODS; p++)
			fprintf(out, ",%.3f", shift + (r * PERIODS + p) / 1000.0);
		fputc('\n', out);
	}
	assert_int_equal(fclose(out), 0);
	assert_int_equal(utimensat(AT_FDCWD, tmp, times, 0), 0);
	assert_int_equal(rename(tmp, path), 0);
}

static void sha256_of(const char *path, char hex[ECL_SHA256_HEX_SIZE])
{
	unsigned char buf[4096], digest[ECL_SHA256_SIZE];
	ecl_sha256 ctx;
	size_t n;
	FILE *in = fopen(path, "rb");

	assert_non_null(in);
	ecl__sha256_init(&ctx);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		ecl__sha256_update(&ctx, buf, n);
	fclose(in);
	ecl__sha256_final(&ctx, digest);
	ecl__sha256_hex(digest, hex);
}

static void change_file(files_run *x)
{
	struct stat st;
	int fd;

	assert_int_equal(stat(x->path, &st), 0);
	if (x->change == 1) {
		/* Cut inside the last row, as a writer still copying it would. */
		assert_int_equal(truncate(x->path, st.st_size - 40), 0);
	} else {
		/* Same size, another value near the end, written in place. */
		fd = open(x->path, O_WRONLY);
		assert_true(fd >= 0);
		assert_int_equal(pwrite(fd, "9", 1, st.st_size - 3), 1);
		close(fd);
	}
}

static int on_batch(int64_t processed, int64_t total, int64_t imported, int64_t failed, void *payload)
{
	files_run *x = payload;

	(void)total; (void)imported; (void)failed;
	if (x->batches++ == 0)
		x->first_processed = processed;
	if (x->change_after && x->batches == x->change_after)
		change_file(x);
	return x->stop_after && x->batches == x->stop_after;
}

/* One worker pass over the queue; returns what it did. */
static ecl_worker_report work(files_run *x, const char *worker_id)
{
	ecl_worker_options o = ECL_WORKER_OPTIONS_INIT;
	ecl_worker_report report;
	ecl_worker *w = NULL;

	memset(&report, 0, sizeof(report));
	o.worker_id = worker_id;
	o.ingest.batch_size = BATCH_ROWS * PERIODS;
	o.progress = on_batch;
	o.progress_payload = x;
	o.idle_poll_ms = 0;
	x->batches = 0;
	x->first_processed = -1;
	ecl_assert_ok(ecl_worker_new(&w, x->f->store, &o));
	ecl_assert_ok(ecl_worker_process(w, 1, &report));
	ecl_worker_free(w);
	return report;
}

static void enqueue(conf_fixture *f, const char *path, char id[ECL_BATCH_ID_SIZE])
{
	ecl_job_options o = ECL_JOB_OPTIONS_INIT;

	o.file_path = path;
	ecl_assert_ok(ecl_job_create(id, f->store, &o));
}

static ecl_job *get(conf_fixture *f, const char *id)
{
	ecl_job *j = NULL;

	ecl_assert_ok(ecl_job_get(&j, f->store, id));
	return j;
}

/* The job holds the identity of the file at `path` now. */
static void assert_identity(const ecl_job *j, const char *path)
{
	char hex[ECL_SHA256_HEX_SIZE];
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	sha256_of(path, hex);
	assert_non_null(j->file_sha256);
	assert_string_equal(j->file_sha256, hex);
	assert_int_equal(j->file_size, st.st_size);
	assert_int_equal(j->file_mtime, st.st_mtime);
	assert_int_equal(j->file_inode, (int64_t)st.st_ino);
}

/* Every reading of `path` is stored as the file has it: importing it again
 * changes nothing. */
static void assert_stored_as(conf_fixture *f, const char *path, int rows)
{
	ecl_ingest_report *r = NULL;

	ecl_assert_ok(ecl_ingest_file(&r, f->store, path, NULL));
	assert_int_equal(r->records_imported, rows);
	assert_int_equal(r->inserted, 0);
	assert_int_equal(r->updated, 0);
	assert_int_equal(r->unchanged, (int64_t)rows * PERIODS);
	ecl_ingest_report_free(r);
}

/* The file replaced between two attempts: the second restarts from row 0
 * (it used to resume at the checkpoint and skip the new file's first rows). */
static void replaced_file_restarts_from_row_0(void **state)
{
	conf_fixture *f = *state;
	files_run x = { f, NULL, 0, 0, 0, 0, -1 };
	char id[ECL_BATCH_ID_SIZE], path[4096];
	ecl_worker_report rep;
	ecl_job *j;

	snprintf(path, sizeof(path), "%s/replaced.csv", f->dir);
	x.path = path;
	write_wide(path, SMALL, 0.0);
	enqueue(f, path, id);
	j = get(f, id);
	assert_null(j->file_sha256);        /* not known before a worker looks */
	assert_int_equal(j->file_size, -1);
	assert_int_equal(j->file_inode, -1);
	ecl_job_free(j);

	/* First attempt: stopped after one batch, identity recorded. */
	x.stop_after = 1;
	rep = work(&x, "w1");
	assert_int_equal(rep.released, 1);
	j = get(f, id);
	assert_int_equal(j->status, ECL_JOB_QUEUED);
	assert_int_equal(j->checkpoint, BATCH_ROWS);
	assert_identity(j, path);
	ecl_job_free(j);

	/* Another file under the same name: other values, a new inode. */
	write_wide(path, SMALL, 100.0);
	x.stop_after = 0;
	rep = work(&x, "w2");
	assert_int_equal(rep.completed, 1);
	assert_int_equal(x.first_processed, BATCH_ROWS);   /* counted from row 0 again */
	j = get(f, id);
	assert_int_equal(j->status, ECL_JOB_COMPLETED);
	assert_int_equal(j->processed_rows, SMALL);
	assert_int_equal(j->imported_rows, SMALL);
	assert_int_equal(j->checkpoint, SMALL);
	assert_int_equal(j->total_rows, SMALL);
	assert_identity(j, path);
	ecl_job_free(j);
	assert_stored_as(f, path, SMALL);
}

/* The same bytes under a new inode and mtime (copied back): the attempt
 * resumes at the checkpoint, and the identity is refreshed. */
static void same_bytes_resume_at_the_checkpoint(void **state)
{
	conf_fixture *f = *state;
	files_run x = { f, NULL, 0, 0, 0, 0, -1 };
	char id[ECL_BATCH_ID_SIZE], path[4096];
	ecl_worker_report rep;
	ecl_job *j;

	snprintf(path, sizeof(path), "%s/copied.csv", f->dir);
	x.path = path;
	write_wide(path, SMALL, 0.0);
	enqueue(f, path, id);
	x.stop_after = 2;
	rep = work(&x, "w1");
	assert_int_equal(rep.released, 1);

	write_wide(path, SMALL, 0.0);       /* identical bytes, new inode */
	{
		struct timespec times[2] = { { 1600000100, 0 }, { 1600000100, 0 } };
		assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
	}
	x.stop_after = 0;
	rep = work(&x, "w2");
	assert_int_equal(rep.completed, 1);
	assert_int_equal(x.first_processed, 3 * BATCH_ROWS);  /* resumed after row 10 */
	j = get(f, id);
	assert_int_equal(j->processed_rows, SMALL);
	assert_int_equal(j->checkpoint, SMALL);
	assert_identity(j, path);
	ecl_job_free(j);
	assert_stored_as(f, path, SMALL);
}

/* A file that changes while it is imported: the attempt fails transiently
 * at the next batch (the cut row never stored, the job never completed);
 * the retry finds another file and restarts from row 0. */
static void changed_during_import(conf_fixture *f, int change)
{
	files_run x = { f, NULL, 0, 0, 1, change, -1 };
	char id[ECL_BATCH_ID_SIZE], path[4096];
	ecl_worker_report rep;
	ecl_job *j;

	snprintf(path, sizeof(path), "%s/growing.csv", f->dir);
	x.path = path;
	write_wide(path, BIG, 0.0);
	enqueue(f, path, id);
	rep = work(&x, "w1");
	assert_int_equal(rep.requeued, 1);
	assert_int_equal(rep.completed, 0);
	j = get(f, id);
	assert_int_equal(j->status, ECL_JOB_QUEUED);
	assert_int_equal(j->retry_count, 1);
	assert_string_equal(j->error_class, "transient");
	assert_non_null(j->last_error);
	if (strstr(j->last_error, "changed during the import") == NULL)
		fail_msg("last_error: %s", j->last_error);
	assert_non_null(strstr(j->last_error, path));
	/* Only the batch committed before the change. */
	assert_int_equal(j->checkpoint, BATCH_ROWS);
	assert_int_equal(j->processed_rows, BATCH_ROWS);
	ecl_job_free(j);

	/* The retry reads the file as it now is, from its first row. */
	f->now += 60;
	x.change_after = 0;
	rep = work(&x, "w2");
	assert_int_equal(rep.completed, 1);
	assert_int_equal(x.first_processed, BATCH_ROWS);
	j = get(f, id);
	assert_int_equal(j->status, ECL_JOB_COMPLETED);
	assert_int_equal(j->processed_rows, BIG);
	assert_identity(j, path);
	ecl_job_free(j);
}

static void file_cut_during_import_is_retried(void **state)
{
	changed_during_import(*state, 1);
}

static void file_rewritten_during_import_is_retried(void **state)
{
	changed_during_import(*state, 2);
}

/* ---- cleanup racing job creation ------------------------------------------ */

void ecl__cleanup_set_race_hook(void (*hook)(const char *path, int claimed, void *payload), void *payload);

typedef struct race {
	conf_fixture *f;
	const char *target;
	char id[ECL_BATCH_ID_SIZE];
	int fired;
} race;

/* Another process queues a job for the file at the worst moment: after the
 * cleanup found it unreferenced, before it claims it to remove it. */
static void queue_job_now(const char *path, int claimed, void *payload)
{
	race *r = payload;
	ecl_job_options o = ECL_JOB_OPTIONS_INIT;

	if (r->fired || claimed || strcmp(path, r->target) != 0)
		return;
	r->fired = 1;
	o.file_path = path;
	ecl_assert_ok(ecl_job_create(r->id, r->f->store, &o));
}

static void cleanup_keeps_the_file_of_a_job_queued_meanwhile(void **state)
{
	conf_fixture *f = *state;
	ecl_cleanup_options o = ECL_CLEANUP_OPTIONS_INIT;
	ecl_cleanup_report *report = NULL;
	struct timespec old[2] = { { 0, 0 }, { 0, 0 } };
	char storage[4096], *real, *queued, *orphan;
	race r;
	int rc;

	snprintf(storage, sizeof(storage), "%s/storage", f->dir);
	assert_int_equal(mkdir(storage, 0755), 0);
	real = realpath(storage, NULL);
	assert_non_null(real);
	queued = ecl_test_write_file(real, "queued.csv", "MPAN,Date,Reading\n");
	orphan = ecl_test_write_file(real, "orphan.csv", "MPAN,Date,Reading\n");
	/* Both long past the retention by the store's clock. */
	old[0].tv_sec = old[1].tv_sec = (time_t)(f->now - 400 * 86400);
	assert_int_equal(utimensat(AT_FDCWD, queued, old, 0), 0);
	assert_int_equal(utimensat(AT_FDCWD, orphan, old, 0), 0);

	memset(&r, 0, sizeof(r));
	r.f = f;
	r.target = queued;
	o.storage_dir = real;
	ecl__cleanup_set_race_hook(queue_job_now, &r);
	rc = ecl_cleanup(&report, f->store, &o);
	ecl__cleanup_set_race_hook(NULL, NULL);
	ecl_assert_ok(rc);
	assert_true(r.fired);
	assert_int_equal(access(queued, F_OK), 0);    /* the queued job's file stays */
	assert_int_equal(access(orphan, F_OK), -1);   /* the real orphan goes */
	assert_int_equal(report->files_deleted, 1);
	assert_int_equal(report->files_kept_referenced, 1);
	assert_string_equal(report->files[0].path, orphan);
	assert_int_equal(conf_status(f, r.id), ECL_JOB_QUEUED);
	ecl_cleanup_report_free(report);
	free(queued);
	free(orphan);
	free(real);
}

const struct CMUnitTest conf_file_tests[] = {
	cmocka_unit_test_setup_teardown(replaced_file_restarts_from_row_0, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(same_bytes_resume_at_the_checkpoint, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(file_cut_during_import_is_retried, conf_setup, conf_teardown),
	cmocka_unit_test_setup_teardown(file_rewritten_during_import_is_retried, conf_setup,
		conf_teardown),
	cmocka_unit_test_setup_teardown(cleanup_keeps_the_file_of_a_job_queued_meanwhile, conf_setup,
		conf_teardown),
};
const size_t conf_file_test_count = sizeof(conf_file_tests) / sizeof(conf_file_tests[0]);
