/* Job types the host runs: the handler registry of a store. */
#include <stdio.h>

#include "queue/job_types.h"
#include "store/store_internal.h"

int ecl__import_type_builtin(ecl_import_type type)
{
	return type == ECL_IMPORT_HH || type == ECL_IMPORT_DAILY;
}

int ecl_store_set_job_handler(ecl_store *store, ecl_import_type type, ecl_job_handler handler,
                              void *payload)
{
	const char *name = ecl_import_type_name(type);

	if (store == NULL)
		return ecl_error_set(ECL_EINVALID, "store is NULL");
	if (name == NULL)
		return ecl_error_set(ECL_EINVALID, "unknown job type %d", (int)type);
	if (ecl__import_type_builtin(type))
		return ecl_error_set(ECL_EINVALID, "job type %s is imported by the library itself;"
			" a handler is for the host's own types (sites)", name);
	store->handlers[type].fn = handler;
	store->handlers[type].payload = handler ? payload : NULL;
	return 0;
}

const ecl__job_handler_slot *ecl__job_handler_find(const ecl_store *store, ecl_import_type type)
{
	if ((unsigned)type >= ECL__IMPORT_TYPE_COUNT || store->handlers[type].fn == NULL)
		return NULL;
	return &store->handlers[type];
}

void ecl__job_types_runnable(char out[ECL__JOB_TYPES_MAX], const ecl_store *store)
{
	size_t used = 0;
	unsigned type;

	out[0] = '\0';
	for (type = 0; type < ECL__IMPORT_TYPE_COUNT; type++) {
		if (!ecl__import_type_builtin((ecl_import_type)type)
		    && ecl__job_handler_find(store, (ecl_import_type)type) == NULL)
			continue;
		/* The names are short and few: ECL__JOB_TYPES_MAX holds them all. */
		used += (size_t)snprintf(out + used, ECL__JOB_TYPES_MAX - used, "%s%s", used ? "," : "",
			ecl_import_type_name((ecl_import_type)type));
	}
}

int ecl__job_type_check_runnable(const ecl_store *store, ecl_import_type type, const char *who)
{
	if (ecl__import_type_builtin(type) || ecl__job_handler_find(store, type) != NULL)
		return 0;
	return ecl_error_set(ECL_EINVALID, "%sjob type %s is run by a handler the host registers"
		" (ecl_store_set_job_handler), and none is registered on this store", who,
		ecl_import_type_name(type));
}
