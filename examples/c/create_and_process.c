/*
 * create_and_process: the whole life of one import job, in process.
 *
 *   create_and_process [DIR]
 *
 * Opens (and migrates) a SQLite store DIR/example.db, writes a small
 * half-hourly CSV DIR/readings.csv (two meters, one day, 48 periods), queues
 * an import job for it, runs a worker over the queue once and prints the
 * job's status and summary. DIR defaults to the current directory; the
 * database is recreated on every run.
 *
 * Error handling is the library's one pattern (docs/conventions.md): every
 * fallible call returns 0 or a negative ECL_E* code, and on failure the
 * thread's message (ecl_error_last()) names what went wrong. The calls are
 * chained on `rc`, so the first failure skips the rest and everything is
 * freed on the one way out (every _free accepts NULL).
 */
#define _XOPEN_SOURCE 700   /* realpath, unlink */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <eclectyc.h>

#define PERIODS 48

/* Print a failure as every caller should: the code's name and the message. */
static int report(int rc, const char *what)
{
	if (rc != 0)
		fprintf(stderr, "create_and_process: %s failed: %s (%s)\n", what, ecl_error_last(),
			ecl_strerror(rc));
	return rc;
}

/* Two meters, one settlement day of 48 half-hours in kWh. Meter 2's period
 * 20 is blank (a missing reading, not an error). The first identifier is an
 * MPAN core with a valid check digit; the second is a site's own meter name. */
static int write_csv(const char *path)
{
	FILE *out = fopen(path, "w");
	int p, ok;

	if (out == NULL) {
		perror(path);
		return -1;
	}
	fputs("MPAN,Date", out);
	for (p = 1; p <= PERIODS; p++)
		fprintf(out, ",HH%02d", p);
	fputs("\n1012345678903,2025-03-10", out);
	for (p = 1; p <= PERIODS; p++)
		fprintf(out, ",%.3f", 0.5 + p / 100.0);
	fputs("\nSITE-7-MAIN,2025-03-10", out);
	for (p = 1; p <= PERIODS; p++) {
		if (p == 20)
			fputs(",", out);
		else
			fprintf(out, ",%.1f", 1.0);
	}
	fputc('\n', out);
	ok = !ferror(out);
	if (fclose(out) != 0 || !ok) {
		perror(path);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	ecl_store_options store_opts = ECL_STORE_OPTIONS_INIT;
	ecl_job_options job_opts = ECL_JOB_OPTIONS_INIT;
	ecl_worker_options worker_opts = ECL_WORKER_OPTIONS_INIT;
	ecl_worker_report done = { 0 };
	char dir[PATH_MAX], db[PATH_MAX + 16], uri[PATH_MAX + 32], csv[PATH_MAX + 16];
	char batch_id[ECL_BATCH_ID_SIZE];
	const char *suffixes[] = { "", "-wal", "-shm", "-journal" };
	ecl_store *store = NULL;
	ecl_worker *worker = NULL;
	ecl_job *job = NULL;
	size_t i;
	int rc = 0;

	if (realpath(argc > 1 ? argv[1] : ".", dir) == NULL) {
		perror(argc > 1 ? argv[1] : ".");
		return 1;
	}
	snprintf(db, sizeof(db), "%s/example.db", dir);
	snprintf(uri, sizeof(uri), "sqlite://%s", db);   /* sqlite:///abs/path.db */
	snprintf(csv, sizeof(csv), "%s/readings.csv", dir);
	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		char old[PATH_MAX + 32];

		snprintf(old, sizeof(old), "%s%s", db, suffixes[i]);
		(void)unlink(old);   /* a fresh store each run: ENOENT is fine */
	}
	if (write_csv(csv) != 0)
		return 1;

	/* Log the library's own notes at INFO ("schema at version N", …) to
	 * stderr; NULL options would mean WARN. */
	store_opts.log_level = ECL_LOG_INFO;
	rc = report(ecl_store_open(&store, uri, &store_opts), "ecl_store_open");
	/* A new database has no tables: migrate once (idempotent) before use. */
	if (rc == 0)
		rc = report(ecl_store_migrate(store), "ecl_store_migrate");

	if (rc == 0) {
		job_opts.file_path = csv;         /* must exist: checked now, read by the worker */
		job_opts.import_type = ECL_IMPORT_HH;
		job_opts.notes = "examples/c/create_and_process";
		job_opts.tags = "[\"example\"]"; /* JSON text, validated at create */
		rc = report(ecl_job_create(batch_id, store, &job_opts), "ecl_job_create");
	}
	if (rc == 0)
		printf("queued job %s for %s\n", batch_id, csv);

	/* A fixed worker id instead of "hostname:pid", so the output is stable. */
	worker_opts.worker_id = "example-worker";
	if (rc == 0)
		rc = report(ecl_worker_new(&worker, store, &worker_opts), "ecl_worker_new");
	/* Claim and process at most one due job, then return. A job that fails
	 * is recorded on the job (status failed or requeued) and counted in
	 * `done`, not returned here: rc is only about the worker itself. */
	if (rc == 0)
		rc = report(ecl_worker_process(worker, 1, &done), "ecl_worker_process");
	if (rc == 0)
		printf("worker %s: claimed %lld, completed %lld, failed %lld, requeued %lld\n",
			ecl_worker_id(worker), (long long)done.claimed, (long long)done.completed,
			(long long)done.failed, (long long)done.requeued);

	if (rc == 0)
		rc = report(ecl_job_get(&job, store, batch_id), "ecl_job_get");
	if (rc == 0) {
		printf("status: %s\n", ecl_job_status_name(job->status));
		printf("rows: %lld processed, %lld imported, %lld failed\n",
			(long long)job->processed_rows, (long long)job->imported_rows,
			(long long)job->failed_rows);
		if (job->error_message != NULL)
			printf("error: %s\n", job->error_message);
		/* The summary is JSON text owned by the record (the PHP app's keys). */
		printf("summary: %s\n", job->summary ? job->summary : "{}");
		if (job->status != ECL_JOB_COMPLETED)
			rc = ECL_ERROR;
	}

	ecl_job_free(job);
	ecl_worker_free(worker);
	ecl_store_free(store);
	return rc == 0 ? 0 : 1;
}
