/* What the files of the health check share (monitor.c, monitor_feeds.c). */
#ifndef ECL_OPS_MONITOR_INTERNAL_H
#define ECL_OPS_MONITOR_INTERNAL_H

#include "eclectyc/alert.h"
#include "eclectyc/monitor.h"
#include "store/store_internal.h"

/* Append a condition found to the report. */
int ecl__health_add_alert(ecl_health_report *r, const char *type, const char *severity,
                          double value, const char *message);
/* Raise the report's status to `to` (never lower it). */
void ecl__health_worsen(ecl_health_report *r, ecl_health_status to);
/* Count one alert's delivery (sent, held back by the cooldown, failed). */
void ecl__health_count_sent(ecl_health_report *r, int rc, const ecl_alert_result *result);

/* The data feeds' conditions: stale sources and, with stale_meter_days,
 * stale meters, as alerts and in the report's lists (monitor_feeds.c). */
int ecl__monitor_feeds(ecl_health_report *r, ecl_store *store, const ecl_health_options *o);
/* Send them through the store's alerting, once per cooldown each. */
void ecl__monitor_feeds_send(ecl_health_report *r, ecl_store *store, const ecl_health_options *o);

#endif
