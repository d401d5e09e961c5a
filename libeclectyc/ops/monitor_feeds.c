/*
 * The health check's look at the data feeds (monitor.c, docs/feeds.md):
 * a source that gave no new file for its own stale_days (counted from its
 * last file, or from when it was added), and meters whose latest reading is
 * older than the check's stale_meter_days. Each is an alert of the report,
 * and sent through the store's alerting once per cooldown (its own key:
 * stale_feed:<name>, stale_meters) when the check sends alerts. A backend
 * without feeds has none to report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feeds/source_internal.h"
#include "ops/alert_hook.h"
#include "ops/monitor_internal.h"

#define STALE_METERS_MAX 100

static int stale_feed(const ecl_source *s, int64_t now)
{
	int64_t since = s->last_file_at != ECL_TIME_NONE ? s->last_file_at : s->created_at;

	return s->stale_days > 0 && !s->paused && now - since > (int64_t)s->stale_days * 86400;
}

/* Keep the stale sources of `all` in r->stale_feeds (moved, not copied). */
static int find_stale_feeds(ecl_health_report *r, ecl_source_array *all)
{
	size_t i, kept = 0;
	int rc = 0;

	for (i = 0; i < all->count; i++) {
		if (stale_feed(&all->sources[i], r->checked_at))
			all->sources[kept++] = all->sources[i];
		else
			ecl_source_clear(&all->sources[i]);
	}
	r->stale_feeds.sources = all->sources;
	r->stale_feeds.count = kept;
	all->sources = NULL;
	all->count = 0;
	for (i = 0; rc == 0 && i < kept; i++) {
		const ecl_source *s = &r->stale_feeds.sources[i];
		int64_t since = s->last_file_at != ECL_TIME_NONE ? s->last_file_at : s->created_at;
		int64_t days = (r->checked_at - since) / 86400;
		char text[256];

		snprintf(text, sizeof(text), "Data feed %s has taken no new file for %lld days"
			" (its window is %d)", s->name, (long long)days, s->stale_days);
		rc = ecl__health_add_alert(r, "stale_feed", "warning", (double)days, text);
	}
	return rc;
}

static int find_stale_meters(ecl_health_report *r, ecl_store *store, int days)
{
	char text[256];
	int rc = ecl__meters_stale(store, r->checked_at - (int64_t)days * 86400, STALE_METERS_MAX,
		&r->stale_meters);

	if (rc == 0 && r->stale_meters.count > 0) {
		snprintf(text, sizeof(text), "%zu%s meter(s) have no reading in the last %d days (the"
			" oldest: %s)", r->stale_meters.count, r->stale_meters.count == STALE_METERS_MAX
			? " or more" : "", days, r->stale_meters.meters[0].mpan);
		rc = ecl__health_add_alert(r, "stale_meters", "warning", (double)r->stale_meters.count, text);
	}
	return rc;
}

int ecl__monitor_feeds(ecl_health_report *r, ecl_store *store, const ecl_health_options *o)
{
	ecl_source_array *all = NULL;
	int rc = 0;

	if (ECL__BACKEND_HAS(store, source_list)) {
		rc = ecl_source_list(&all, store);
		if (rc == 0)
			rc = find_stale_feeds(r, all);
		ecl_source_array_free(all);
	}
	if (rc == 0 && o->stale_meter_days > 0 && ECL__BACKEND_HAS(store, meters_stale))
		rc = find_stale_meters(r, store, o->stale_meter_days);
	if (rc == 0 && (r->stale_feeds.count > 0 || r->stale_meters.count > 0))
		ecl__health_worsen(r, ECL_HEALTH_DEGRADED);
	return rc;
}

void ecl__monitor_feeds_send(ecl_health_report *r, ecl_store *store, const ecl_health_options *o)
{
	ecl_alert_result result;
	size_t i;

	for (i = 0; i < r->stale_feeds.count; i++)
		ecl__health_count_sent(r, ecl__alert_stale_feed(store, &r->stale_feeds.sources[i],
			r->checked_at, &result), &result);
	if (r->stale_meters.count > 0)
		ecl__health_count_sent(r, ecl__alert_stale_meters(store, &r->stale_meters,
			o->stale_meter_days, &result), &result);
}
