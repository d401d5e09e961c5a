/*
 * One CSV row to readings, for the three formats. A row is all or nothing:
 * when any of its values fails, the readings it had appended are dropped
 * again, so a row is never half imported (the reference kept the periods
 * before a bad cell).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_internal.h"
#include "meter_id.h"
#include "settlement.h"

#define METER_ID_MAX 65

/* A field of the current record, "" when the row is short or the column absent. */
static const char *field(const ecl_ingest *g, int column)
{
	if (column < 0 || (size_t)column >= g->record->count)
		return "";
	return g->record->fields[column];
}

static int is_blank(const char *text)
{
	while (*text == ' ' || *text == '\t')
		text++;
	return *text == '\0';
}

/* Record why the row failed (read back with ecl_error_last()). */
static int row_error(const char *format, ...)
	__attribute__((format(printf, 1, 2)));

static int row_error(const char *format, ...)
{
	char message[512];
	va_list args;

	va_start(args, format);
	vsnprintf(message, sizeof(message), format, args);
	va_end(args);
	ecl_error_set(ECL_EINVALID, "%s", message);
	return ROW_FAILED;
}

/* ---- the batch ----------------------------------------------------------- */

static int grow(void **items, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 256;
	void *grown;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	grown = realloc(*items, n * size);
	if (grown == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory growing a batch to %zu readings", n);
	*items = grown;
	*cap = n;
	return 0;
}

static const char *check_name(int check)
{
	return check > 0 ? "valid" : check == 0 ? "invalid" : "not_mpan";
}

/* The batch slot of a meter, added on its first reading in this batch. */
static int meter_slot(ecl_ingest *g, ecl_meter_entry *entry, size_t *slot)
{
	int rc = 0;

	if (entry->batch_epoch != g->epoch) {
		rc = grow((void **)&g->batch_meters, &g->meter_cap, g->meter_count + 1,
			sizeof(*g->batch_meters));
		if (rc == 0)
			rc = grow((void **)&g->batch_entries, &g->entry_cap, g->meter_count + 1,
				sizeof(*g->batch_entries));
		if (rc == 0) {
			ecl_batch_meter *m = &g->batch_meters[g->meter_count];
			m->mpan = entry->mpan;
			m->id = entry->id;
			m->is_half_hourly = g->columns.format != ECL_FORMAT_DAILY;
			m->mpan_check = check_name(entry->mpan_check);
			g->batch_entries[g->meter_count] = entry;
			entry->batch_slot = g->meter_count++;
			entry->batch_epoch = g->epoch;
		}
	}
	*slot = entry->batch_slot;
	return rc;
}

/* Digits written by hand: this runs for every reading (1.44 M per month of
 * 1,000 meters), where snprintf costs more than the upsert's bind. */
static void put_digits(char *out, unsigned value, int width)
{
	while (width-- > 0) {
		out[width] = (char)('0' + value % 10);
		value /= 10;
	}
}

static void date_text(char out[11], const ecl_date *d)
{
	put_digits(out, (unsigned)d->year, 4);
	out[4] = '-';
	put_digits(out + 5, (unsigned)d->month, 2);
	out[7] = '-';
	put_digits(out + 8, (unsigned)d->day, 2);
	out[10] = '\0';
}


/* Where a reading sits in the settlement calendar. */
typedef struct slot_time {
	int64_t utc;          /* start of the half hour */
	char date[11];        /* settlement date */
	int local_minutes;    /* local start */
	int period;           /* 1..50 */
} slot_time;

static int add_interval(ecl_ingest *g, ecl_meter_entry *meter, const slot_time *t, double kwh,
                        int estimated)
{
	ecl_interval_reading *r;
	size_t slot = 0;
	int rc = grow((void **)&g->intervals, &g->interval_cap, g->interval_count + 1,
		sizeof(*g->intervals));

	if (rc == 0)
		rc = meter_slot(g, meter, &slot);
	if (rc != 0)
		return rc;
	r = &g->intervals[g->interval_count++];
	r->meter = slot;
	r->period_start = t->utc;
	memcpy(r->reading_date, t->date, sizeof(r->reading_date));
	r->local_minutes = t->local_minutes;
	r->period_number = t->period;
	r->value = kwh;
	r->estimated = estimated;
	return ROW_OK;
}

/* The settlement slot of a UTC instant (long format). */
static int slot_of_instant(slot_time *t, int64_t utc)
{
	ecl_date d;
	int secs = 0;

	if (ecl__settlement_of(&d, &t->period, &secs, utc) != 0)
		return ROW_FAILED;
	t->utc = utc;
	date_text(t->date, &d);
	t->local_minutes = secs / 60;
	return ROW_OK;
}

/* Local start of period p on a day of n periods: the clock skips the hour
 * after period 2 on a 46-period day and repeats it after period 4 on a
 * 50-period day. Arithmetic, because a wide file has 48 of these a row. */
static int period_local_minutes(int p, int n)
{
	if (n == 46 && p > 2)
		return (p + 1) * 30;
	if (n == 50 && p > 4)
		return (p - 3) * 30;
	return (p - 1) * 30;
}

static int add_daily(ecl_ingest *g, ecl_meter_entry *meter, const ecl_date *d, double kwh, int estimated)
{
	ecl_daily_reading *r;
	size_t slot = 0;
	int rc = grow((void **)&g->dailies, &g->daily_cap, g->daily_count + 1, sizeof(*g->dailies));

	if (rc == 0)
		rc = meter_slot(g, meter, &slot);
	if (rc != 0)
		return rc;
	r = &g->dailies[g->daily_count++];
	r->meter = slot;
	date_text(r->reading_date, d);
	r->value = kwh;
	r->estimated = estimated;
	return ROW_OK;
}

/* ---- the parts of a row -------------------------------------------------- */

static int resolve_meter(ecl_ingest *g, ecl_meter_entry **out)
{
	char id[METER_ID_MAX];
	const char *raw = field(g, g->columns.mpan);
	ecl_meter_entry *entry;
	int rc;

	if (is_blank(raw))
		return row_error("Missing MPAN");
	if (ecl__meter_id_normalise(id, sizeof(id), raw) != 0)
		return ROW_FAILED;
	if ((entry = ecl__meter_cache_get(&g->meters, id)) == NULL)
		return ECL_ENOMEM;
	if (!entry->known) {
		rc = g->store->backend->meter_find(g->store->conn, id, &entry->id);
		if (rc != 0 && rc != ECL_ENOTFOUND)
			return rc;
		entry->known = 1;
		entry->mpan_check = ecl__mpan_check(id);
		entry->rejected = entry->id == 0 && g->opts->unknown_meters != ECL_UNKNOWN_METER_CREATE;
	}
	g->file_fault = entry->rejected && g->opts->unknown_meters == ECL_UNKNOWN_METER_REJECT_FILE;
	if (g->file_fault)
		return ecl_error_set(ECL_ENOTFOUND, "unknown meter \"%s\" (row %lld, line %lld): "
			"this import refuses unknown meters", id, (long long)g->row,
			(long long)g->record->line);
	if (entry->rejected)
		return row_error("Unknown meter \"%s\"", id);
	g->row_meter = entry;
	*out = entry;
	return ROW_OK;
}

static int row_unit(ecl_ingest *g, ecl_unit *unit)
{
	const char *text = field(g, g->columns.unit);
	int rc = ecl__parse_unit(unit, text);

	if (rc != 0)
		return ROW_FAILED;
	if (unit->mul == 1 && unit->div == 1)
		g->unit_counts[0]++;
	else if (unit->div > 1)
		g->unit_counts[1]++;
	else
		g->unit_counts[2]++;
	return ROW_OK;
}

static int row_type(ecl_ingest *g, int *estimated)
{
	ecl_reading_type type = ECL_READING_ACTUAL;

	if (ecl__parse_reading_type(&type, field(g, g->columns.reading_type)) != 0)
		return ROW_FAILED;
	*estimated = type == ECL_READING_ESTIMATED;
	return ROW_OK;
}

/* What a value is, for a message: "reading value" or "value in column HH05". */
static const char *value_name(char *buf, size_t size, int period)
{
	if (period == 0)
		return "reading value";
	snprintf(buf, size, "value in column HH%02d", period % 100);
	return buf;
}

/* A value in kWh, by the row's unit and the negative-value policy.
 * `period` names the HH column of a wide row, 0 otherwise. */
static int row_value(ecl_ingest *g, double *kwh, const char *text, const ecl_unit *unit, int period)
{
	int64_t micro = 0, converted = 0;
	char name[32];

	if (ecl__parse_decimal(&micro, text) != 0)
		return row_error("Non-numeric %s \"%s\"", value_name(name, sizeof(name), period), text);
	if (ecl__convert_to_kwh_micro(&converted, micro, unit) != 0)
		return ROW_FAILED;
	if (converted < 0 && g->opts->negatives == ECL_NEGATIVE_REJECT)
		return row_error("Negative %s \"%s\" refused", value_name(name, sizeof(name), period),
			text);
	if (converted < 0)
		g->row_negatives++;
	*kwh = (double)converted / 1e6;
	return ROW_OK;
}

static int row_date(ecl_ingest *g, ecl_date *d)
{
	const char *text = field(g, g->columns.date);
	ecl_date_order order = g->opts->month_first ? ECL_DATE_MONTH_FIRST : ECL_DATE_DAY_FIRST;

	if (is_blank(text))
		return row_error("Missing date");
	return ecl__parse_date(d, text, order) == 0 ? ROW_OK : ROW_FAILED;
}

/* ---- formats -------------------------------------------------------------- */

static int matrix_row(ecl_ingest *g, ecl_meter_entry *meter)
{
	ecl_unit unit;
	ecl_date d;
	slot_time t;
	int64_t day_start = 0;
	int estimated = 0, periods = 0, p, values = 0;
	int rc = row_date(g, &d);

	if (rc == ROW_OK && (periods = ecl__settlement_periods(&d)) < 0)
		rc = ROW_FAILED;
	if (rc == ROW_OK) {
		day_start = ecl__settlement_day_start(&d);
		date_text(t.date, &d);
	}
	if (rc == ROW_OK)
		rc = row_unit(g, &unit);
	if (rc == ROW_OK)
		rc = row_type(g, &estimated);
	for (p = 1; rc == ROW_OK && p <= ECL_MAX_PERIODS; p++) {
		const char *cell = field(g, g->columns.hh[p]);
		double kwh = 0;

		if (g->columns.hh[p] < 0 || is_blank(cell))
			continue;
		if (p > periods) {
			rc = row_error("HH%02d has a value but %04d-%02d-%02d has only %d "
				"periods", p, d.year, d.month, d.day, periods);
			break;
		}
		rc = row_value(g, &kwh, cell, &unit, p);
		t.utc = day_start + (int64_t)(p - 1) * 1800;
		t.local_minutes = period_local_minutes(p, periods);
		t.period = p;
		if (rc == ROW_OK)
			rc = add_interval(g, meter, &t, kwh, estimated);
		values++;
	}
	if (rc == ROW_OK && values == 0)
		rc = row_error("No half-hour values in the row");
	return rc;
}

/* In the repeated autumn hour a local time without offset names two half
 * hours: the first row for a meter takes the first (BST), a later one the
 * second (GMT). */
static int fold_for(ecl_meter_entry *meter, const ecl_date *d, int seconds)
{
	unsigned day = (unsigned)(ecl__days_from_civil(d->year, d->month, d->day) + 1);
	unsigned bit;

	if (seconds < 3600 || seconds >= 7200 || ecl__settlement_periods(d) != 50)
		return 0;
	bit = 1u << ((unsigned)(seconds - 3600) / 1800);
	if (meter->fold_day != day) {
		meter->fold_day = day;
		meter->fold_seen = 0;
	}
	if (meter->fold_seen & bit)
		return 1;
	meter->fold_seen |= bit;
	return 0;
}

static int interval_instant(ecl_ingest *g, ecl_meter_entry *meter, int64_t *utc)
{
	ecl_date_order order = g->opts->month_first ? ECL_DATE_MONTH_FIRST : ECL_DATE_DAY_FIRST;
	const char *stamp = field(g, g->columns.datetime);
	ecl_timestamp ts;
	int rc;

	memset(&ts, 0, sizeof(ts));
	if (g->columns.datetime >= 0 && !is_blank(stamp)) {
		rc = ecl__parse_timestamp(&ts, stamp, order, g->opts->interval_end);
	} else if (g->columns.date >= 0 && g->columns.time >= 0) {
		rc = row_date(g, &ts.date);
		if (rc == 0 && is_blank(field(g, g->columns.time)))
			rc = row_error("Missing time");
		else if (rc == 0)
			rc = ecl__parse_time(&ts.seconds, field(g, g->columns.time), g->opts->interval_end);
	} else {
		rc = row_error("Missing reading timestamp");
	}
	if (rc != 0)
		return ROW_FAILED;
	if (ts.has_offset)
		*utc = ecl__days_from_civil(ts.date.year, ts.date.month, ts.date.day) * 86400
			+ ts.seconds - ts.offset_seconds;
	else if (ecl__local_to_utc(utc, &ts.date, ts.seconds / 3600, ts.seconds / 60 % 60, ts.seconds % 60,
	                           fold_for(meter, &ts.date, ts.seconds)) != 0)
		return ROW_FAILED;
	if (g->opts->interval_end)
		*utc -= 1800;
	if (*utc % 1800 != 0)
		return row_error("Timestamp \"%s%s%s\" is not on a half hour",
			g->columns.datetime >= 0 ? stamp : field(g, g->columns.date),
			g->columns.datetime >= 0 ? "" : " ", g->columns.datetime >= 0 ? "" :
			field(g, g->columns.time));
	return ROW_OK;
}

/* The value column of a long or daily row, in kWh, with its type. */
static int single_value(ecl_ingest *g, double *kwh, int *estimated)
{
	const char *text = field(g, g->columns.value);
	ecl_unit unit;
	int rc = is_blank(text) ? row_error("Missing reading value") : ROW_OK;

	if (rc == ROW_OK)
		rc = row_unit(g, &unit);
	if (rc == ROW_OK)
		rc = row_type(g, estimated);
	if (rc == ROW_OK)
		rc = row_value(g, kwh, text, &unit, 0);
	return rc;
}

static int interval_row(ecl_ingest *g, ecl_meter_entry *meter)
{
	slot_time t;
	int64_t utc = 0;
	double kwh = 0;
	int estimated = 0;
	int rc = interval_instant(g, meter, &utc);

	if (rc == ROW_OK)
		rc = slot_of_instant(&t, utc);
	if (rc == ROW_OK)
		rc = single_value(g, &kwh, &estimated);
	if (rc == ROW_OK)
		rc = add_interval(g, meter, &t, kwh, estimated);
	return rc;
}

static int daily_row(ecl_ingest *g, ecl_meter_entry *meter)
{
	ecl_date d;
	double kwh = 0;
	int estimated = 0;
	int rc = row_date(g, &d);

	if (rc == ROW_OK)
		rc = single_value(g, &kwh, &estimated);
	if (rc == ROW_OK)
		rc = add_daily(g, meter, &d, kwh, estimated);
	return rc;
}

int ecl__ingest_row(ecl_ingest *g)
{
	ecl_meter_entry *meter = NULL;
	int rc = resolve_meter(g, &meter);

	if (rc == ROW_OK) {
		switch (g->columns.format) {
		case ECL_FORMAT_HH_MATRIX: rc = matrix_row(g, meter); break;
		case ECL_FORMAT_HH_INTERVAL: rc = interval_row(g, meter); break;
		default: rc = daily_row(g, meter); break;
		}
	}
	/* Parsers report ECL_EINVALID for bad text: for a row that is a row failure. */
	return rc == ECL_EINVALID ? ROW_FAILED : rc;
}
