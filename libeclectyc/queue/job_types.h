/*
 * Job types: the ones the library imports itself, and the handlers a host
 * registers on a store for the others (ecl_store_set_job_handler()).
 */
#ifndef ECL_QUEUE_JOB_TYPES_H
#define ECL_QUEUE_JOB_TYPES_H

#include "eclectyc/job.h"

/* Every ecl_import_type value is below this. */
#define ECL__IMPORT_TYPE_COUNT 3

/* The longest list ecl__job_types_runnable() writes ("hh,daily,sites"). */
#define ECL__JOB_TYPES_MAX 64

typedef struct ecl__job_handler_slot {
	ecl_job_handler fn;
	void *payload;
} ecl__job_handler_slot;

/* 1 for the types the library imports itself (hh, daily). */
int ecl__import_type_builtin(ecl_import_type type);

/* The handler registered for `type` on `store`, or NULL (always NULL for a
 * built-in type). */
const ecl__job_handler_slot *ecl__job_handler_find(const ecl_store *store, ecl_import_type type);

/* The names of the types `store` can run, joined by commas: the built-in
 * ones and those with a handler. */
void ecl__job_types_runnable(char out[ECL__JOB_TYPES_MAX], const ecl_store *store);

/* ECL_EINVALID unless `store` can run jobs of `type` ("<who>…" prefixes it). */
int ecl__job_type_check_runnable(const ecl_store *store, ecl_import_type type, const char *who);

#endif
