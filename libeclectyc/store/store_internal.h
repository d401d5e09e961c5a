/* The store handle, shared by the modules that work on a store. */
#ifndef ECL_STORE_INTERNAL_H
#define ECL_STORE_INTERNAL_H

#include <stddef.h>

#include "eclectyc/store.h"
#include "eclectyc/sys/backend.h"
#include "queue/job_types.h"
#include "util/log_internal.h"

struct ecl_store {
	const ecl_backend *backend;
	ecl_backend_conn *conn;
	ecl_store_options opts;
	ecl_logger logger;
	int schema_ready;  /* the schema was seen at the expected version */
	struct ecl_alerting *alerting;  /* channels set by ecl_store_set_alerting(), or NULL */
	char *storage_root;  /* the resolved storage root (owned), or NULL for none */
	/* Handlers of the host's job types, by ecl_import_type (job_types.c). */
	ecl__job_handler_slot handlers[ECL__IMPORT_TYPE_COUNT];
};

/* Free the store's alerting configuration (alert.c). Accepts NULL. */
void ecl__alerting_free(struct ecl_alerting *alerting);

/* ECL_ESCHEMA (telling the user to migrate) unless the schema is current.
 * Cached once it is, so the check costs one query per store, not per call. */
int ecl__store_require_schema(ecl_store *store);

/* 0 when the store has no storage root or `real_path` (a path resolved by
 * realpath()) lies inside it; else ECL_EINVALID "<who>file "<path>" is
 * outside the storage root "<root>"", naming what it resolves to when that
 * differs from `path`. */
int ecl__store_check_confined(const ecl_store *store, const char *real_path, const char *path,
                              const char *who);

/*
 * Every call the core makes into a backend goes through ECL__BACKEND(): a
 * slot the backend left NULL (sys/backend.h: every slot after job_update is
 * optional) answers ECL_ENOTSUPPORTED naming it, never a NULL call. `open`
 * and `close` are called by store.c alone.
 */
#define ECL__BACKEND(store, slot, ...)                                          \
	(ECL__BACKEND_HAS(store, slot)                                          \
		? (store)->backend->slot((store)->conn, __VA_ARGS__)           \
		: ecl__store_unsupported((store), #slot))

/* The bytes of struct ecl_backend a backend of its `version` has: a slot
 * past them is not in its struct (built against an older header) and is
 * never read. Version 1 ends where version 2's first slot begins. */
#define ECL__BACKEND_SIZE(backend)                                              \
	((backend)->version >= 2 ? sizeof(ecl_backend) : offsetof(ecl_backend, host_user_get))

/* Whether the store's backend has an optional slot in its version and fills it. */
#define ECL__BACKEND_HAS(store, slot)                                           \
	(offsetof(ecl_backend, slot) < ECL__BACKEND_SIZE((store)->backend)     \
	 && (store)->backend->slot != NULL)

/* ECL_ENOTSUPPORTED: "the <name> backend does not implement <what>". */
int ecl__store_unsupported(const ecl_store *store, const char *what);

/* ECL_ENOTSUPPORTED naming `what` unless `implemented` (the operation's
 * optional slots are all there: checked before it starts, so it never stops
 * half way); else as ecl__store_require_schema(). */
int ecl__store_require(ecl_store *store, int implemented, const char *what);

#endif
