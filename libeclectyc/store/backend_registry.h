/* The table of storage backends by URI scheme. */
#ifndef ECL_BACKEND_REGISTRY_H
#define ECL_BACKEND_REGISTRY_H

#include "eclectyc/sys/backend.h"

/* The backend for the scheme of `uri` (text before the first ':'), or NULL
 * with ECL_ENOTSUPPORTED / ECL_EINVALID set naming the scheme. */
const ecl_backend *ecl__backend_for_uri(const char *uri);

/* Built-in backends. */
extern const ecl_backend ecl_sqlite_backend;
#ifdef ECL_HAVE_PGSQL
extern const ecl_backend ecl_pgsql_backend;   /* backends/pgsql/ */
#endif

#endif
