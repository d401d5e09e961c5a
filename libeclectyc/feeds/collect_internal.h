/* What the files of the collector (collect.c, collect_take.c) share. */
#ifndef ECL_FEEDS_COLLECT_INTERNAL_H
#define ECL_FEEDS_COLLECT_INTERNAL_H

#include "eclectyc/source.h"
#include "feeds/transport.h"
#include "store/store_internal.h"

/* One poll of one source. */
typedef struct ecl__collect {
	ecl_store *store;
	const ecl_source *source;    /* leased to this collector */
	const char *worker_id;
	ecl__remote_auth auth;       /* from the source's environment variables and files */
	ecl_source_poll poll;        /* what this poll saw, took and skipped */
} ecl__collect;

/* Take file `f` (looked at twice, unchanged): store it, check it, queue it
 * with its record. `*taken` = 1 when it was queued; 0 when it was skipped
 * (the same bytes as before, another collector took it, it changed during
 * the download: ECL_ESTATE). Any other failure is the transfer's or the
 * store's. */
int ecl__collect_take(ecl__collect *c, const ecl__remote_file *f, int *taken);

#endif
