/*
 * Reliability: several collector processes claiming one due source at
 * once (the source_claim slot, feeds/source_internal.h), round after round.
 *
 * The requirement (issue 18): a source is claimed atomically, so many
 * collectors on many hosts poll it once. Each round every process claims
 * the one source at the same instant of the injected clock, half of them
 * by its name and half as "any due source", after a barrier so that the
 * claims contend; the round's instant is past the last round's lease, so
 * each round is a new lease. Exactly one process must win each round, and
 * the source must end leased to the last round's winner.
 *
 * The database: a SQLite file in a private directory by default; with an
 * argument, the one it names: `sqlite://PATH`, a PostgreSQL server or a
 * MySQL/MariaDB one, on which the test works in a fresh schema or database
 * of its own, dropped at its end. Exit 77 (skipped) when no server answers.
 */
#include "ecl_test.h"
#include "ecl_test_target.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "feeds/source_internal.h"

#define WORKERS 4
#define ROUNDS 60
#define LEASE 600
#define BUSY_TIMEOUT_MS 30000
/* How long a process waits at a round's barrier for the others. */
#define BARRIER_MS 60000
#define BASE_TIME INT64_C(1700000000)

static const char *g_store;

/* What the processes share (MAP_SHARED): each round's arrivals at the
 * barrier and each process's result of each round. */
typedef struct shared {
	_Atomic int arrived[ROUNDS];
	_Atomic int won[ROUNDS][WORKERS];
} shared;

typedef struct fixture {
	char *dir;
	ecl_test_target db;
	shared *sh;
} fixture;

static int64_t fixed_clock(void *payload)
{
	return *(const int64_t *)payload;
}

static int64_t base_time = BASE_TIME;

static int open_store(ecl_store **store, const fixture *fx)
{
	ecl_store_options opts = ECL_STORE_OPTIONS_INIT;

	opts.busy_timeout_ms = BUSY_TIMEOUT_MS;
	opts.clock = fixed_clock;
	opts.clock_payload = &base_time;
	opts.log_level = ECL_LOG_NONE;
	return ecl_store_open(store, fx->db.uri, &opts);
}

static int setup(void **state)
{
	fixture *fx = calloc(1, sizeof(*fx));
	char *real, *path = NULL, url[600];
	ecl_store *store = NULL;

	if (fx == NULL || (fx->dir = ecl_test_tmpdir("source_claims")) == NULL)
		return -1;
	real = realpath(fx->dir, NULL);
	if (real == NULL || asprintf(&path, "%s/feeds.db", real) < 0)
		return -1;
	snprintf(url, sizeof(url), "file://%s/", real);
	free(real);
	if (ecl_test_target_from_arg(&fx->db, g_store, "ecl_sources", path, "source claims") != 0)
		return -1;
	free(path);
	fx->sh = mmap(NULL, sizeof(*fx->sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fx->sh == MAP_FAILED)
		return -1;
	memset(fx->sh, 0, sizeof(*fx->sh));
	/* The store is closed again before any fork. */
	if (open_store(&store, fx) != 0 || ecl_store_migrate(store) != 0
	    || ecl_source_add(store, "feed", url, NULL) != 0) {
		fprintf(stderr, "setup: %s\n", ecl_error_last());
		return -1;
	}
	ecl_store_free(store);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;

	munmap(fx->sh, sizeof(*fx->sh));
	ecl_test_target_destroy(&fx->db);
	ecl_test_rmtree(fx->dir);
	free(fx->dir);
	free(fx);
	return 0;
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until every process reached round `r` (a spinning barrier with a
 * deadline, so that a process that died cannot hang the others). */
static void barrier(shared *sh, int r, int worker)
{
	struct timespec pause = { 0, 50000 };
	int64_t deadline = monotonic_ms() + BARRIER_MS;

	atomic_fetch_add(&sh->arrived[r], 1);
	while (atomic_load(&sh->arrived[r]) < WORKERS) {
		if (monotonic_ms() > deadline) {
			fprintf(stderr, "worker %d: the others never reached round %d\n", worker, r);
			_exit(5);
		}
		nanosleep(&pause, NULL);
	}
}

/* One collector: each round, claim the source at the round's instant. */
static void run_worker(fixture *fx, int worker)
{
	ecl_store *store = NULL;
	char owner[16];
	int r, rc;

	snprintf(owner, sizeof(owner), "collector-%d", worker);
	if (open_store(&store, fx) != 0) {
		fprintf(stderr, "worker %d: %s\n", worker, ecl_error_last());
		_exit(9);
	}
	for (r = 0; r < ROUNDS; r++) {
		int64_t now = BASE_TIME + (int64_t)r * 2 * LEASE;
		const char *name = (worker + r) % 2 ? "feed" : NULL;
		ecl_source s;
		int claimed = 0;

		barrier(fx->sh, r, worker);
		rc = ecl__source_claim(store, name, owner, now, now + LEASE, &s, &claimed);
		if (rc != 0) {
			fprintf(stderr, "worker %d, round %d: claim -> %d: %s\n", worker, r, rc,
				ecl_error_last());
			_exit(8);
		}
		if (claimed && (strcmp(s.lease_owner, owner) != 0 || s.lease_until != now + LEASE
		                || s.last_poll_at != now)) {
			fprintf(stderr, "worker %d, round %d: claimed a source leased to %s until %lld\n",
				worker, r, s.lease_owner, (long long)s.lease_until);
			_exit(7);
		}
		atomic_store(&fx->sh->won[r][worker], claimed);
		ecl_source_clear(&s);
	}
	ecl_store_free(store);
	_exit(0);
}

static void run_workers(fixture *fx)
{
	pid_t pids[WORKERS];
	int i;

	fflush(NULL);
	for (i = 0; i < WORKERS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0)
			run_worker(fx, i);
	}
	for (i = 0; i < WORKERS; i++) {
		int status = 0;

		while (waitpid(pids[i], &status, 0) < 0)
			assert_int_equal(errno, EINTR);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			print_error("worker %d: %s %d\n", i, WIFEXITED(status) ? "exited with"
				: "killed by signal", WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
}

static void test_one_collector_wins_each_lease(void **state)
{
	fixture *fx = *state;
	int wins[WORKERS] = { 0 }, last = -1, r, w;
	ecl_store *store = NULL;
	ecl_source *s = NULL;
	char owner[16];

	run_workers(fx);
	for (r = 0; r < ROUNDS; r++) {
		int winners = 0;

		for (w = 0; w < WORKERS; w++) {
			winners += atomic_load(&fx->sh->won[r][w]);
			if (atomic_load(&fx->sh->won[r][w])) {
				wins[w]++;
				last = w;
			}
		}
		if (winners != 1)
			print_error("round %d: %d collectors won the lease\n", r, winners);
		assert_int_equal(winners, 1);
	}
	for (w = 0; w < WORKERS; w++)
		print_message("collector-%d won %d of %d leases\n", w, wins[w], ROUNDS);

	ecl_assert_ok(open_store(&store, fx));
	ecl_assert_ok(ecl_source_get(&s, store, "feed"));
	snprintf(owner, sizeof(owner), "collector-%d", last);
	assert_string_equal(s->lease_owner, owner);
	assert_int_equal(s->last_poll_at, BASE_TIME + (int64_t)(ROUNDS - 1) * 2 * LEASE);
	ecl_source_free(s);
	ecl_store_free(store);
}

/* test_concurrent_source_claims [STORE]: STORE is sqlite://PATH or a
 * PostgreSQL or MySQL server (without it: a SQLite file in a private
 * directory). */
int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_collector_wins_each_lease, setup, teardown),
	};
	int rc = ecl_test_store_arg(argc, argv, &g_store);

	if (rc != 0)
		return rc;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
