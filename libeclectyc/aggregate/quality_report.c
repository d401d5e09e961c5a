/*
 * A quality report: freeing it, its JSON form, and the data_quality_issues
 * rows it becomes (description and issue_data JSON per meter and type).
 *
 * Reals are written with 15 significant digits, which round-trips every
 * decimal a meter file can hold and keeps arithmetic noise such as
 * 0.30000000000000004 out of stored rows, so a re-run writes byte-identical
 * issue_data and leaves unchanged rows untouched.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buffer_internal.h"
#include "eclectyc/sys/errors.h"
#include "util/json_util.h"
#include "aggregate/quality_internal.h"
#include "util/strutil.h"

#define DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

void ecl__quality_meter_clear(ecl_quality_meter *m)
{
	free(m->mpan);
	free(m->missing_periods);
	free(m->zeros);
	free(m->negatives);
	free(m->outliers);
	memset(m, 0, sizeof(*m));
}

void ecl_quality_report_free(ecl_quality_report *report)
{
	size_t i;

	if (report == NULL)
		return;
	for (i = 0; i < report->meter_count; i++)
		ecl__quality_meter_clear(&report->meters[i]);
	free(report->meters);
	free(report);
}

/* ---- JSON building blocks ------------------------------------------------ */

/* [{"period":p,"value":v}, ...] */
static json_t *value_array(const ecl_quality_value *values, size_t count)
{
	json_t *a = json_array();
	size_t i;
	int failed = a == NULL;

	for (i = 0; !failed && i < count; i++)
		ecl__json_append(a, json_pack("{s:i, s:f}", "period", values[i].period,
			"value", values[i].value), &failed);
	return ecl__json_done(a, failed);
}

static json_t *period_array(const int *periods, size_t count)
{
	json_t *a = json_array();
	size_t i;
	int failed = a == NULL;

	for (i = 0; !failed && i < count; i++)
		ecl__json_append(a, json_integer(periods[i]), &failed);
	return ecl__json_done(a, failed);
}

static json_t *bound(const ecl_quality_meter *m, double value)
{
	return m->bounds_known ? json_real(value) : json_null();
}

/* Encode and release `o`; NULL for a failed build or out of memory. */
static char *dump(json_t *o)
{
	char *text = o ? json_dumps(o, DUMP_FLAGS) : NULL;

	json_decref(o);
	return text;
}

/* ---- the report as JSON ------------------------------------------------------ */

static json_t *meter_object(const ecl_quality_meter *m)
{
	json_t *o = json_object();
	int failed = o == NULL;

	if (failed)
		return NULL;
	ecl__json_put(o, "meter_id", json_integer(m->meter_id), &failed);
	ecl__json_put(o, "mpan", ecl__json_text(m->mpan), &failed);
	ecl__json_put(o, "source", json_string(m->source), &failed);
	ecl__json_put(o, "expected", json_integer(m->expected), &failed);
	ecl__json_put(o, "actual", json_integer(m->actual), &failed);
	ecl__json_put(o, "completeness", json_real(m->completeness), &failed);
	ecl__json_put(o, "missing_periods", period_array(m->missing_periods, m->missing_count), &failed);
	ecl__json_put(o, "zero_count", json_integer((json_int_t)m->zero_count), &failed);
	ecl__json_put(o, "zeros", value_array(m->zeros, m->zero_count), &failed);
	ecl__json_put(o, "negative_count", json_integer((json_int_t)m->negative_count), &failed);
	ecl__json_put(o, "negatives", value_array(m->negatives, m->negative_count), &failed);
	ecl__json_put(o, "outlier_count", json_integer((json_int_t)m->outlier_count), &failed);
	ecl__json_put(o, "outliers", value_array(m->outliers, m->outlier_count), &failed);
	ecl__json_put(o, "lower_bound", bound(m, m->lower_bound), &failed);
	ecl__json_put(o, "upper_bound", bound(m, m->upper_bound), &failed);
	ecl__json_put(o, "has_issues", json_boolean(m->has_issues), &failed);
	return ecl__json_done(o, failed);
}

static json_t *report_object(const ecl_quality_report *r, int issues_only)
{
	json_t *o = json_object(), *meters = json_array();
	size_t i;
	int failed = o == NULL || meters == NULL;

	for (i = 0; !failed && i < r->meter_count; i++)
		if (!issues_only || r->meters[i].has_issues)
			ecl__json_append(meters, meter_object(&r->meters[i]), &failed);
	if (!failed) {
		ecl__json_put(o, "date", json_string(r->date), &failed);
		ecl__json_put(o, "meters_checked", json_integer(r->meters_checked), &failed);
		ecl__json_put(o, "meters_with_issues", json_integer(r->meters_with_issues), &failed);
		ecl__json_put(o, "issues_recorded", json_integer(r->issues_recorded), &failed);
		ecl__json_put(o, "meters", meters, &failed);
		meters = NULL;  /* the object holds it now, or failed and dropped it */
	}
	json_decref(meters);
	return ecl__json_done(o, failed);
}

int ecl_quality_report_to_json(ecl_buf *out, const ecl_quality_report *report, int issues_only)
{
	char *text;
	int rc;

	if (out == NULL || report == NULL)
		return ecl_error_set(ECL_EINVALID, "quality report or output buffer is NULL");
	text = dump(report_object(report, issues_only));
	rc = text ? ecl__buf_set(out, text)
	          : ecl_error_set(ECL_ENOMEM, "out of memory encoding a quality report as JSON");
	free(text);
	return rc;
}

/* ---- the rows for data_quality_issues ---------------------------------------- */

typedef struct issue_list {
	ecl_quality_issue *items;
	size_t count;
} issue_list;

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/* Append one issue, taking `data` (a JSON object, released here). */
static int add_issue(issue_list *list, const ecl_quality_meter *m, const char *type,
                     const char *severity, const char *description, json_t *data)
{
	ecl_quality_issue *q = &list->items[list->count];
	char *text = dump(data);
	char *desc = ecl__strdup(description);

	if (text == NULL || desc == NULL) {
		free(text);
		free(desc);
		return ecl_error_set(ECL_ENOMEM, "out of memory describing the %s issue of meter %s",
			type, m->mpan);
	}
	q->meter_id = m->meter_id;
	q->issue_type = type;
	q->severity = severity;
	q->description = desc;
	q->issue_data = text;
	list->count++;
	return 0;
}

/* medium; high when the day has no reading at all. */
static int missing_issue(issue_list *list, const ecl_quality_meter *m)
{
	char text[128];
	json_t *data = json_object();
	int failed = data == NULL;

	if (m->actual == 0 && m->missing_count == 0)
		snprintf(text, sizeof(text), "No readings: the daily total is missing");
	else if (m->actual == 0)
		snprintf(text, sizeof(text), "No readings: all %zu periods missing", m->missing_count);
	else
		snprintf(text, sizeof(text), "Missing %zu of %d periods", m->missing_count, m->expected);
	if (!failed) {
		ecl__json_put(data, "missing_periods", period_array(m->missing_periods, m->missing_count),
			&failed);
		ecl__json_put(data, "expected", json_integer(m->expected), &failed);
		ecl__json_put(data, "actual", json_integer(m->actual), &failed);
		ecl__json_put(data, "completeness", json_real(m->completeness), &failed);
		ecl__json_put(data, "source", json_string(m->source), &failed);
	}
	if (failed) {
		json_decref(data);
		data = NULL;
	}
	return add_issue(list, m, "missing_data", m->actual == 0 ? "high" : "medium", text, data);
}

/* {"count":n,"values":[...]} plus, for outliers, the fences. */
static json_t *values_data(const ecl_quality_meter *m, const ecl_quality_value *values, size_t count,
                           int with_bounds)
{
	json_t *data = json_object();
	int failed = data == NULL;

	if (failed)
		return NULL;
	ecl__json_put(data, "count", json_integer((json_int_t)count), &failed);
	ecl__json_put(data, "values", value_array(values, count), &failed);
	if (with_bounds) {
		ecl__json_put(data, "lower_bound", json_real(m->lower_bound), &failed);
		ecl__json_put(data, "upper_bound", json_real(m->upper_bound), &failed);
	}
	return ecl__json_done(data, failed);
}

static int meter_issues(issue_list *list, const ecl_quality_meter *m)
{
	char text[160];
	int rc = 0;

	if (m->missing_count > 0 || m->actual < m->expected)
		rc = missing_issue(list, m);
	if (rc == 0 && m->negative_count > 0) {
		snprintf(text, sizeof(text), "%zu negative value%s", m->negative_count,
			plural(m->negative_count));
		rc = add_issue(list, m, "negative_value", "high", text,
			values_data(m, m->negatives, m->negative_count, 0));
	}
	if (rc == 0 && m->outlier_count > 0) {
		snprintf(text, sizeof(text), "%zu outlier%s outside %g to %g", m->outlier_count,
			plural(m->outlier_count), m->lower_bound, m->upper_bound);
		rc = add_issue(list, m, "outlier", "low", text,
			values_data(m, m->outliers, m->outlier_count, 1));
	}
	if (rc == 0 && m->zero_count > 0) {
		snprintf(text, sizeof(text), "%zu zero reading%s", m->zero_count, plural(m->zero_count));
		rc = add_issue(list, m, "zero_reading", "low", text,
			values_data(m, m->zeros, m->zero_count, 0));
	}
	return rc;
}

/* The four issue types a meter can have at most. */
#define ISSUE_TYPES 4

int ecl__quality_issues(ecl_quality_issue **out, size_t *count, const ecl_quality_report *report)
{
	issue_list list = { NULL, 0 };
	size_t i;
	int rc = 0;

	*out = NULL;
	*count = 0;
	if (report->meter_count > 0
	    && (list.items = calloc(report->meter_count * ISSUE_TYPES, sizeof(*list.items))) == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory for the issues of %zu meters",
			report->meter_count);
	for (i = 0; rc == 0 && i < report->meter_count; i++)
		rc = meter_issues(&list, &report->meters[i]);
	if (rc != 0) {
		ecl__quality_issues_free(list.items, list.count);
		list.items = NULL;
		list.count = 0;
	}
	*out = list.items;
	*count = list.count;
	return rc;
}

void ecl__quality_issues_free(ecl_quality_issue *issues, size_t count)
{
	size_t i;

	for (i = 0; issues != NULL && i < count; i++) {
		/* Allocated by add_issue(); const only towards the backend. */
		free((char *)issues[i].description);
		free((char *)issues[i].issue_data);
	}
	free(issues);
}
