/*
 * Where the library raises alerts about its own runs. Every alert the core
 * raises goes through here, so the alerting module (email, Slack, the host
 * callback, the `alerts` table) plugs in at one place. Until it does, an
 * alert is delivered to the store's log at WARN (partial) or ERROR (failed).
 */
#ifndef ECL_ALERT_HOOK_H
#define ECL_ALERT_HOOK_H

#include "eclectyc/aggregate.h"
#include "store_internal.h"

/* Raise the alert for an aggregation run that failed or was partial; a
 * completed run raises nothing. Never fails and never blocks for long. */
void ecl__alert_aggregation(ecl_store *store, const ecl_aggregate_report *report);

#endif
