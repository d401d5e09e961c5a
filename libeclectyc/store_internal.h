/* The store handle, shared by the modules that work on a store. */
#ifndef ECL_STORE_INTERNAL_H
#define ECL_STORE_INTERNAL_H

#include "eclectyc/store.h"
#include "eclectyc/sys/backend.h"
#include "log_internal.h"

struct ecl_store {
	const ecl_backend *backend;
	ecl_backend_conn *conn;
	ecl_store_options opts;
	ecl_logger logger;
	int schema_ready;  /* the schema was seen at the expected version */
	struct ecl_alerting *alerting;  /* channels set by ecl_store_set_alerting(), or NULL */
};

/* Free the store's alerting configuration (alert.c). Accepts NULL. */
void ecl__alerting_free(struct ecl_alerting *alerting);

/* ECL_ESCHEMA (telling the user to migrate) unless the schema is current.
 * Cached once it is, so the check costs one query per store, not per call. */
int ecl__store_require_schema(ecl_store *store);

/* ECL_ENOTSUPPORTED naming `what` unless the store's backend implements
 * interface version `version`; else as ecl__store_require_schema(). */
int ecl__store_require(ecl_store *store, unsigned int version, const char *what);

#endif
