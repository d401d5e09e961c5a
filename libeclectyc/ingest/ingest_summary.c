/* The job summary JSON: the PHP system's keys (docs/compatibility.md, "Job summary")
 * with what a user of a correct importer also wants to know. */
#include <stdlib.h>

#include "ingest/ingest_internal.h"
#include "util/json_util.h"

/* field -> the original header used, as the reference listed them. */
static json_t *column_mapping(const ecl_ingest *g)
{
	const ecl_columns *c = &g->columns;
	json_t *map = json_object();
	int stamp = c->datetime >= 0 ? c->datetime : c->date;

#define MAP(key, column) \
	if ((column) >= 0 && (column) < c->name_count) \
		json_object_set_new(map, key, ecl__json_text(c->names[column]))
	MAP("mpan", c->mpan);
	if (c->format == ECL_FORMAT_HH_INTERVAL) {
		MAP("datetime", stamp);
		MAP("time", c->datetime >= 0 ? -1 : c->time);
	} else {
		MAP("date", c->date);
	}
	if (c->format != ECL_FORMAT_HH_MATRIX)
		MAP("value", c->value);
	if (c->format == ECL_FORMAT_HH_PERIOD)
		MAP("period", c->period);
	MAP("unit", c->unit);
	MAP("reading_type", c->reading_type);
#undef MAP
	return map;
}

static json_t *unit_counts(const ecl_ingest *g)
{
	static const char *const names[] = { "kwh", "wh", "mwh" };
	json_t *counts = json_object();
	int i;

	for (i = 0; i < 3; i++) {
		if (g->unit_counts[i] > 0)
			json_object_set_new(counts, names[i], json_integer(g->unit_counts[i]));
	}
	return counts;
}

typedef struct check_tally {
	json_int_t valid, invalid, not_mpan;
	json_t *invalid_list;
} check_tally;

static void tally_meter(ecl_meter_entry *entry, void *opaque)
{
	check_tally *t = opaque;

	if (entry->rejected)
		return;
	if (entry->mpan_check > 0)
		t->valid++;
	else if (entry->mpan_check < 0)
		t->not_mpan++;
	else {
		t->invalid++;
		if (json_array_size(t->invalid_list) < ECL_SUMMARY_ERRORS_MAX)
			json_array_append_new(t->invalid_list, ecl__json_text(entry->mpan));
	}
}

/* MPAN check digits, reported per meter (an import does not refuse them:
 * MPRNs and serial numbers share the column). */
static json_t *meter_checks(ecl_ingest *g)
{
	check_tally t = { 0, 0, 0, json_array() };

	ecl__meter_cache_each(&g->meters, tally_meter, &t);
	return json_pack("{s:I, s:I, s:I, s:o}", "valid_check_digit", t.valid,
		"invalid_check_digit", t.invalid, "not_mpan", t.not_mpan, "invalid_mpans", t.invalid_list);
}

int ecl__ingest_summary(ecl_ingest *g)
{
	const ecl_ingest_report *r = g->report;
	json_t *meta, *summary;
	char *text;

	meta = json_pack("{s:s, s:s, s:I, s:o, s:o, s:o}",
		"format", r->format,
		"profile", r->profile,
		"total_values_processed", (json_int_t)r->values_processed,
		"column_mapping", column_mapping(g),
		"unit_counts", unit_counts(g),
		"meters", meter_checks(g));
	summary = json_pack("{s:I, s:I, s:I, s:O, s:b, s:s, s:b, s:o, s:I, s:O, s:I, s:I, s:I, s:I, s:I, s:s, s:I}",
		"records_processed", (json_int_t)r->records_processed,
		"records_imported", (json_int_t)r->records_imported,
		"records_failed", (json_int_t)r->records_failed,
		"errors", g->errors,
		"successful", r->successful,
		"batch_id", r->batch_id,
		"dry_run", r->dry_run,
		"meta", meta,
		"error_count", (json_int_t)r->error_count,
		"error_details", g->error_details,
		"inserted", (json_int_t)r->inserted,
		"updated", (json_int_t)r->updated,
		"unchanged", (json_int_t)r->unchanged,
		"meters_created", (json_int_t)r->meters_created,
		"negative_values", (json_int_t)r->negative_values,
		"profile", r->profile,
		"records_skipped", (json_int_t)r->records_skipped);
	if (summary != NULL && g->job != NULL && g->job->summary != NULL) {
		*g->job->summary = summary;
		return 0;
	}
	text = summary ? json_dumps(summary, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(summary);
	if (text == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory writing the import summary");
	g->report->summary = text;
	return 0;
}
