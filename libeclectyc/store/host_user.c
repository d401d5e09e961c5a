/*
 * The host application's users (ecl_host_user_lookup): a row of the `users`
 * table an application keeps beside the library's tables, read through the
 * backend's host_user_get slot (version 2 of the interface).
 *
 * The library's schema is not required: the table is the application's,
 * and a host shows its users whether or not the library's migrations ran.
 */
#include <stdlib.h>

#include "store/store_internal.h"

/* A backend of version 1 ends before the slot: ECL__BACKEND_HAS() does not
 * read it at all. */
static int lookup(ecl_store *store, int64_t id, ecl_host_user *user)
{
	if (!ECL__BACKEND_HAS(store, host_user_get))
		return ecl__store_unsupported(store, "looking up host users (host_user_get)");
	user->id = id;
	return store->backend->host_user_get(store->conn, id, user);
}

int ecl_host_user_lookup(ecl_host_user **out, ecl_store *store, int64_t id)
{
	ecl_host_user *user = NULL;
	int rc = 0;

	if (out == NULL || store == NULL)
		return ecl_error_set(ECL_EINVALID, "%s is NULL", out == NULL ? "user output pointer" : "store");
	*out = NULL;
	if (id < 1)
		rc = ecl_error_set(ECL_EINVALID, "user id must be 1 or more, got %lld", (long long)id);
	if (rc == 0 && (user = calloc(1, sizeof(*user))) == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory reading a user");
	if (rc == 0)
		rc = lookup(store, id, user);
	if (rc == 0)
		*out = user;
	else
		ecl_host_user_free(user);
	return rc;
}

void ecl_host_user_free(ecl_host_user *user)
{
	if (user == NULL)
		return;
	free(user->name);
	free(user->email);
	free(user);
}
