/*
 * The backend conformance suite: behaviour every storage backend must show,
 * written once against the public API (and so through the backend vtable).
 * Each test gets a fresh, migrated store from conf_setup().
 */
#ifndef ECL_CONFORMANCE_H
#define ECL_CONFORMANCE_H

#include "ecl_test.h"

typedef struct conf_fixture {
	ecl_store *store;
	int64_t now;          /* the store's clock: tests move it */
	char *dir;            /* scratch directory */
	char *file;           /* a readable data file for jobs */
} conf_fixture;

/* Open a fresh store (clock = &fixture->now) with the given retry policy. */
int conf_open(conf_fixture *f, int retry_base, int retry_cap);
/* Whether each fresh database holds another application's schema first
 * (ECL_CONF_PREPARE), so migrate adopts it rather than creating ours. */
int conf_adopting(void);

int conf_setup(void **state);
int conf_teardown(void **state);

/* Enqueue one job for f->file with a priority; returns its batch id in `id`. */
void conf_enqueue(conf_fixture *f, char id[ECL_BATCH_ID_SIZE], ecl_priority priority);

/* Claim the next job as `worker`; fails the test if there is none. The batch
 * id is copied to `id` (may be NULL). */
void conf_claim(conf_fixture *f, const char *worker, char id[ECL_BATCH_ID_SIZE]);

/* The status of a job. */
ecl_job_status conf_status(conf_fixture *f, const char *id);

extern const struct CMUnitTest conf_queue_tests[];
extern const size_t conf_queue_test_count;
extern const struct CMUnitTest conf_transition_tests[];
extern const size_t conf_transition_test_count;
extern const struct CMUnitTest conf_reading_tests[];
extern const size_t conf_reading_test_count;
extern const struct CMUnitTest conf_schema_tests[];
extern const size_t conf_schema_test_count;
extern const struct CMUnitTest conf_aggregate_tests[];
extern const size_t conf_aggregate_test_count;
extern const struct CMUnitTest conf_operations_tests[];
extern const size_t conf_operations_test_count;
extern const struct CMUnitTest conf_history_tests[];
extern const size_t conf_history_test_count;
extern const struct CMUnitTest conf_file_tests[];
extern const size_t conf_file_test_count;
extern const struct CMUnitTest conf_host_tests[];
extern const size_t conf_host_test_count;
extern const struct CMUnitTest conf_feed_tests[];
extern const size_t conf_feed_test_count;

#endif
