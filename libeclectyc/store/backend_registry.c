#include "store/backend_registry.h"

#include <pthread.h>
#include <string.h>

#include "eclectyc/buffer.h"

#ifdef ECL_HAVE_MYSQL
extern const ecl_backend ecl_mysql_backend;   /* backends/mysql/ */
#endif

#define SCHEME_MAX 32
#define REGISTRY_SIZE 16

typedef struct registration {
	char scheme[SCHEME_MAX];
	const ecl_backend *backend;
} registration;

/* Process-wide, like SQLite's VFS list: a backend is code, not state, and a
 * host registers its own once at start-up. Guarded for threads that open
 * stores while another registers. */
static registration registry[REGISTRY_SIZE] = {
	{ "sqlite", &ecl_sqlite_backend },
#ifdef ECL_HAVE_PGSQL
	{ "postgresql", &ecl_pgsql_backend },
	{ "postgres", &ecl_pgsql_backend },
#endif
#ifdef ECL_HAVE_MYSQL
	{ "mysql", &ecl_mysql_backend },
	{ "mariadb", &ecl_mysql_backend },
#endif
};
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;

static int scheme_is_valid(const char *scheme, size_t len)
{
	size_t i;

	if (len == 0 || len >= SCHEME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char c = scheme[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
			|| (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
		if (!ok)
			return 0;
	}
	return 1;
}

static registration *find_locked(const char *scheme, size_t len)
{
	size_t i;

	for (i = 0; i < REGISTRY_SIZE; i++) {
		if (registry[i].backend != NULL && strlen(registry[i].scheme) == len
		    && strncasecmp(registry[i].scheme, scheme, len) == 0)
			return &registry[i];
	}
	return NULL;
}

/* The required slots (sys/backend.h); every later slot may be NULL. */
static int backend_is_complete(const ecl_backend *b)
{
	return b->version >= 1 && b->version <= ECL_BACKEND_VERSION && b->name != NULL
		&& b->open && b->close && b->schema_version && b->migrate && b->check
		&& b->job_insert && b->job_get && b->job_list && b->job_claim && b->job_update;
}

int ecl_backend_register(const char *scheme, const ecl_backend *backend)
{
	registration *slot;
	size_t i;
	int rc = 0;

	if (scheme == NULL || !scheme_is_valid(scheme, strlen(scheme)))
		return ecl_error_set(ECL_EINVALID, "invalid URI scheme \"%s\"", scheme ? scheme : "(null)");
	if (backend == NULL || !backend_is_complete(backend))
		return ecl_error_set(ECL_EINVALID,
			"backend for \"%s\" is NULL, lacks a required function or has an unknown version", scheme);

	pthread_mutex_lock(&registry_lock);
	slot = find_locked(scheme, strlen(scheme));
	for (i = 0; slot == NULL && i < REGISTRY_SIZE; i++) {
		if (registry[i].backend == NULL)
			slot = &registry[i];
	}
	if (slot == NULL) {
		rc = ecl_error_set(ECL_ENOMEM, "backend registry is full (%d schemes)", REGISTRY_SIZE);
	} else {
		memcpy(slot->scheme, scheme, strlen(scheme) + 1);
		slot->backend = backend;
	}
	pthread_mutex_unlock(&registry_lock);
	return rc;
}

const ecl_backend *ecl__backend_for_uri(const char *uri)
{
	const char *colon = strchr(uri, ':');
	const ecl_backend *backend = NULL;
	registration *found;
	size_t len;

	if (colon == NULL || !scheme_is_valid(uri, (size_t)(colon - uri))) {
		ecl_buf masked = ECL_BUF_INIT;

		/* Quoted with its password masked: "//user:pw@host" is a typo,
		 * not a reason to print the password. */
		ecl_error_set(ECL_EINVALID,
			"store URI \"%s\" has no scheme (expected e.g. sqlite:///path.db)",
			ecl_store_uri_mask(&masked, uri) == 0 ? masked.ptr : "(hidden)");
		ecl_buf_dispose(&masked);
		return NULL;
	}
	len = (size_t)(colon - uri);
	pthread_mutex_lock(&registry_lock);
	found = find_locked(uri, len);
	if (found != NULL)
		backend = found->backend;
	pthread_mutex_unlock(&registry_lock);
	if (backend == NULL)
		ecl_error_set(ECL_ENOTSUPPORTED,
			/* The scheme only: the rest of a URI may hold a password. */
			"unsupported store URI scheme \"%.*s\" (this build supports sqlite%s)",
			(int)len, uri,
#ifdef ECL_HAVE_PGSQL
			", postgresql and postgres"
#else
			""
#endif
			);
	return backend;
}
