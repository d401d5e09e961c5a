/*
 * Aggregation runs: resolve the calendar, run the backend's set-based
 * statements in one transaction, and record the run.
 *
 * The core owns everything that needs the calendar (which days and periods,
 * each day's UTC bounds and 46/48/50 periods) and the policy (what makes a
 * run partial or failed, telemetry, alerts); the backend owns the SQL.
 * Telemetry is written before and after the aggregation but never decides
 * whether it happens: a failed write is a warning on the run.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ops/alert_hook.h"
#include "aggregate/calendar.h"
#include "eclectyc/sys/errors.h"
#include "util/options.h"
#include "util/strutil.h"
#include "aggregate/telemetry_internal.h"

/* Messages kept in a report; the counts go on past it. */
#define REPORT_MESSAGES_MAX 100

static const ecl_aggregate_options default_options = ECL_AGGREGATE_OPTIONS_INIT;

int ecl_aggregate_options_init(ecl_aggregate_options *opts, unsigned int version)
{
	return ecl__options_init(opts, &default_options, sizeof(*opts), version, ECL_AGGREGATE_OPTIONS_VERSION,
		"ecl_aggregate_options");
}

static int check_options(const ecl_aggregate_options *o)
{
	if (ecl__options_check_version(o->version, ECL_AGGREGATE_OPTIONS_VERSION, "ecl_aggregate_options") != 0)
		return ecl_error_last_code();
	if (o->peak_start_minutes < 0 || o->peak_end_minutes > 1439
	    || o->peak_start_minutes > o->peak_end_minutes)
		return ecl_error_set(ECL_EINVALID, "peak window %d-%d minutes is not within 0-1439 "
			"with start <= end", o->peak_start_minutes, o->peak_end_minutes);
	if (o->meter_count > 0 && o->meter_ids == NULL)
		return ecl_error_set(ECL_EINVALID, "meter_count is %zu but meter_ids is NULL", o->meter_count);
	return 0;
}

void ecl_default_date(char out[11], ecl_store *store)
{
	ecl_date d;

	ecl__date_yesterday(&d, ecl_store_now(store));
	ecl__date_format(out, &d);
}

/* ---- the calendar of a run -------------------------------------------------- */

typedef struct run_plan {
	ecl_date first, last;        /* first and last day covered */
	ecl_agg_day *days;           /* daily */
	ecl_agg_period *periods;     /* other ranges */
	size_t count;
} run_plan;

static int resolve_dates(ecl_date *target, ecl_date *until, ecl_store *store, const char *date,
                         const ecl_aggregate_options *o)
{
	int rc = 0;

	if (date == NULL)
		ecl__date_yesterday(target, ecl_store_now(store));
	else
		rc = ecl__date_parse(target, date, "date");
	*until = *target;
	if (rc == 0 && o->until != NULL)
		rc = ecl__date_parse(until, o->until, "until date");
	if (rc == 0 && ecl__date_to_days(until) < ecl__date_to_days(target))
		rc = ecl_error_set(ECL_EINVALID, "until date %s is before the date %s", o->until,
			date ? date : "(yesterday)");
	return rc;
}

static int plan_days(run_plan *plan)
{
	int64_t first = ecl__date_to_days(&plan->first), last = ecl__date_to_days(&plan->last);
	size_t i, n = (size_t)(last - first + 1);
	int rc = 0;

	if ((plan->days = calloc(n, sizeof(*plan->days))) == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory planning %zu days", n);
	for (i = 0; rc == 0 && i < n; i++) {
		ecl_date d;

		ecl__date_from_days(&d, first + (int64_t)i);
		rc = ecl__agg_day(&plan->days[i], &d);
	}
	plan->count = n;
	return rc;
}

static int plan_periods(run_plan *plan, ecl_range range)
{
	int64_t day = ecl__date_to_days(&plan->first), last = ecl__date_to_days(&plan->last);
	size_t n = 0, cap = 16;
	int rc = 0;

	plan->periods = malloc(cap * sizeof(*plan->periods));
	while (rc == 0 && day <= last) {
		ecl_date d, first_day, last_day;

		ecl__date_from_days(&d, day);
		ecl__range_bounds(&first_day, &last_day, range, &d);
		if (n == cap && plan->periods != NULL) {
			ecl_agg_period *grown = realloc(plan->periods, 2 * cap * sizeof(*grown));
			if (grown == NULL)
				free(plan->periods);
			plan->periods = grown;
			cap *= 2;
		}
		if (plan->periods == NULL) {
			rc = ecl_error_set(ECL_ENOMEM, "out of memory planning %s periods", ecl_range_name(range));
		} else {
			ecl__date_format(plan->periods[n].start, &first_day);
			ecl__date_format(plan->periods[n].end, &last_day);
			n++;
			day = ecl__date_to_days(&last_day) + 1;
		}
	}
	plan->count = n;
	return rc;
}

/* The days or periods from the one holding `target` to the one holding `until`. */
static int make_plan(run_plan *plan, ecl_range range, const ecl_date *target, const ecl_date *until)
{
	ecl_date ignored;

	memset(plan, 0, sizeof(*plan));
	ecl__range_bounds(&plan->first, &ignored, range, target);
	ecl__range_bounds(&ignored, &plan->last, range, until);
	return range == ECL_RANGE_DAILY ? plan_days(plan) : plan_periods(plan, range);
}

static void free_plan(run_plan *plan)
{
	free(plan->days);
	free(plan->periods);
}

/* ---- the report ----------------------------------------------------------- */

static void add_message(ecl_aggregate_report *r, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

/* Keep a sentence for the report; out of memory only loses the sentence. */
static void add_message(ecl_aggregate_report *r, const char *format, ...)
{
	char **grown;
	char *text = NULL;
	va_list ap;

	if (r->message_count >= REPORT_MESSAGES_MAX)
		return;
	va_start(ap, format);
	if (vasprintf(&text, format, ap) < 0)
		text = NULL;
	va_end(ap);
	grown = text ? realloc(r->messages, (r->message_count + 1) * sizeof(*grown)) : NULL;
	if (grown == NULL) {
		free(text);
		return;
	}
	r->messages = grown;
	r->messages[r->message_count++] = text;
}

static void on_meter_error(void *payload, int64_t meter_id, const char *mpan, const char *message)
{
	ecl_aggregate_report *r = payload;

	r->error_count++;
	r->status = ECL_RUN_PARTIAL;
	add_message(r, "Meter %s (id %lld) failed: %s", mpan ? mpan : "?", (long long)meter_id, message);
	if (r->error_message == NULL && r->message_count > 0)
		r->error_message = ecl__strdup(r->messages[r->message_count - 1]);
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* ---- a run ---------------------------------------------------------------- */

typedef struct run {
	ecl_store *store;
	const ecl_aggregate_options *opts;
	ecl_aggregate_report *report;
	run_plan plan;
	int64_t started_at;
	struct timespec clock_start;
} run;

static void record(run *x, int64_t completed_at)
{
	int rc;

	if (!x->opts->record_telemetry)
		return;
	rc = ecl__telemetry_write(x->store, x->report, x->opts->trigger ? x->opts->trigger : "manual",
	                          x->started_at, completed_at);
	if (rc != 0) {
		x->report->warning_count++;
		add_message(x->report, "telemetry not recorded: %s", ecl_error_last());
		ecl__log(&x->store->logger, ECL_LOG_WARN, "%s aggregation %s: telemetry not recorded: %s",
			ecl_range_name(x->report->range), x->report->execution_id, ecl_error_last());
	}
}

static int execute(run *x)
{
	ecl_aggregate_report *r = x->report;
	ecl_aggregate_request q;
	ecl_aggregate_counts c;
	int rc;

	memset(&q, 0, sizeof(q));
	memset(&c, 0, sizeof(c));
	q.range = r->range;
	q.days = x->plan.days;
	q.day_count = r->range == ECL_RANGE_DAILY ? x->plan.count : 0;
	q.periods = x->plan.periods;
	q.period_count = r->range == ECL_RANGE_DAILY ? 0 : x->plan.count;
	q.meter_ids = x->opts->meter_count > 0 ? x->opts->meter_ids : NULL;
	q.meter_count = x->opts->meter_count;
	q.peak_start_minutes = x->opts->peak_start_minutes;
	q.peak_end_minutes = x->opts->peak_end_minutes;
	q.now = x->started_at;
	q.meter_error = on_meter_error;
	q.payload = r;
	rc = ECL__BACKEND(x->store, aggregate, &q, &c);
	r->meters_processed = c.meters;
	r->rows_written = c.written;
	r->rows_unchanged = c.unchanged;
	r->rows_removed = c.removed;
	r->incomplete_days = c.incomplete;
	if (rc == 0 && c.failed_meters > 0 && c.meters == 0)
		rc = ecl_error_set(ECL_EDB, "every meter failed; the first: %s",
			r->error_message ? r->error_message : "no detail");
	return rc;
}

/* Decide the outcome from the backend's return and the counts. */
static void conclude(run *x, int rc)
{
	ecl_aggregate_report *r = x->report;

	if (rc != 0) {
		r->status = ECL_RUN_FAILED;
		free(r->error_message);
		r->error_message = ecl__strdup(ecl_error_last());
		if (r->error_count == 0)
			r->error_count = 1;
	} else if (r->status != ECL_RUN_PARTIAL) {
		r->status = ECL_RUN_COMPLETED;
	}
	if (r->incomplete_days > 0) {
		r->warning_count += r->incomplete_days;
		add_message(r, "%lld meter-day(s) had fewer readings than the day has periods",
			(long long)r->incomplete_days);
	}
	r->duration_seconds = seconds_since(&x->clock_start);
}

static int start_report(run *x, ecl_range range, const ecl_date *target)
{
	ecl_aggregate_report *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory starting an aggregation report");
	x->report = r;
	r->range = range;
	r->status = ECL_RUN_RUNNING;
	ecl__date_format(r->target_date, target);
	ecl__date_format(r->period_start, &x->plan.first);
	ecl__date_format(r->period_end, &x->plan.last);
	r->periods = (int64_t)x->plan.count;
	return ecl__execution_id(r->execution_id);
}

static int run_range(run *x, ecl_range range, const char *date)
{
	ecl_date target, until;
	int rc = resolve_dates(&target, &until, x->store, date, x->opts);

	if (rc == 0)
		rc = make_plan(&x->plan, range, &target, &until);
	if (rc == 0)
		rc = start_report(x, range, &target);
	if (rc != 0)
		return rc;
	clock_gettime(CLOCK_MONOTONIC, &x->clock_start);
	x->started_at = ecl_store_now(x->store);
	record(x, ECL_TIME_NONE);
	rc = execute(x);
	conclude(x, rc);
	record(x, ecl_store_now(x->store));
	ecl__alert_aggregation(x->store, x->report);
	if (rc != 0)  /* the telemetry write may have replaced the thread's error */
		ecl_error_set(rc, "%s", x->report->error_message ? x->report->error_message : "failed");
	return rc;
}

int ecl_aggregate(ecl_aggregate_report **out, ecl_store *store, ecl_range range, const char *date,
                  const ecl_aggregate_options *opts)
{
	run x;
	int rc = 0;

	if (out == NULL || store == NULL)
		return ecl_error_set(ECL_EINVALID, "aggregation output pointer or store is NULL");
	*out = NULL;
	memset(&x, 0, sizeof(x));
	x.store = store;
	x.opts = opts ? opts : &default_options;
	if (ecl_range_name(range) == NULL)
		rc = ecl_error_set(ECL_EINVALID, "unknown aggregation range %d", (int)range);
	if (rc == 0)
		rc = check_options(x.opts);
	if (rc == 0)
		rc = ecl__store_require(store, ECL__BACKEND_HAS(store, aggregate)
			&& ECL__BACKEND_HAS(store, execution_record), "aggregation");
	if (rc == 0)
		rc = run_range(&x, range, date);
	free_plan(&x.plan);
	if (x.report != NULL && x.report->status != ECL_RUN_RUNNING)
		*out = x.report;
	else
		ecl_aggregate_report_free(x.report);
	return rc;
}

int ecl_aggregate_all(ecl_aggregate_report *out[ECL_RANGE_COUNT], ecl_store *store, const char *date,
                      const ecl_aggregate_options *opts)
{
	char message[512] = "";
	int i, rc, first = 0;

	if (out == NULL)
		return ecl_error_set(ECL_EINVALID, "aggregation output array is NULL");
	for (i = 0; i < ECL_RANGE_COUNT; i++) {
		rc = ecl_aggregate(&out[i], store, (ecl_range)i, date, opts);
		if (rc != 0 && first == 0) {
			first = rc;
			snprintf(message, sizeof(message), "%s aggregation: %s", ecl_range_name((ecl_range)i),
			         ecl_error_last());
		}
	}
	if (first != 0)  /* the later ranges replaced the thread's message */
		ecl_error_set(first, "%s", message);
	return first;
}
