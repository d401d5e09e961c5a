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
#include <strings.h>

#include "ingest/datefmt.h"
#include "ingest/ingest_internal.h"
#include "ingest/meter_id.h"
#include "util/settlement.h"
#include "util/strutil.h"

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

/* Equal once both are trimmed, in any case: codes and markers in cells. */
static int same_text(const char *cell, const char *code)
{
	size_t n = strlen(code);

	while (*cell == ' ' || *cell == '\t')
		cell++;
	if (strncasecmp(cell, code, n) != 0)
		return 0;
	for (cell += n; *cell == ' ' || *cell == '\t' || *cell == '\r'; cell++)
		;
	return *cell == '\0';
}

static int in_texts(const char *cell, const ecl_textlist *list)
{
	size_t i;

	for (i = 0; i < list->count; i++) {
		if (same_text(cell, list->items[i]))
			return 1;
	}
	return 0;
}

/* Blank, or a marker the profile lists as "no value" ("-", "N/A"). */
static int no_value(const ecl_ingest *g, const char *cell)
{
	return is_blank(cell) || in_texts(cell, &g->columns.profile->missing);
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

int ecl__ingest_add_reading(ecl_ingest *g, ecl_meter_entry *meter, int64_t utc, double kwh, int estimated)
{
	slot_time t;
	int rc = slot_of_instant(&t, utc);

	if (rc == ROW_OK)
		rc = add_interval(g, meter, &t, kwh, estimated);
	return rc;
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

/* The meter of a file that belongs to one (given), or the first of the
 * meter columns, in the profile's order of preference, that is not blank. */
static const char *meter_text(const ecl_ingest *g)
{
	int i;

	if (g->given_meter != NULL)
		return g->given_meter;
	for (i = 0; i < g->columns.meter_count; i++) {
		const char *raw = field(g, g->columns.meters[i]);
		if (!no_value(g, raw))
			return raw;
	}
	return "";
}

/* The meter entry for an identifier, asking the store once per file. */
int ecl__ingest_meter(ecl_ingest *g, const char *raw, ecl_meter_entry **out)
{
	char id[METER_ID_MAX];
	ecl_meter_entry *entry;
	int rc;

	if (is_blank(raw))
		return row_error("Missing MPAN");
	if (ecl__meter_id_normalise(id, sizeof(id), raw) != 0)
		return ROW_FAILED;
	if ((entry = ecl__meter_cache_get(&g->meters, id)) == NULL)
		return ECL_ENOMEM;
	if (!entry->known) {
		rc = ECL__BACKEND(g->store, meter_find, id, &entry->id);
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
	static const char *const fixed[] = { "", "kWh", "Wh", "MWh" };
	const char *text = field(g, g->columns.unit);
	int rc;

	if (is_blank(text))
		text = fixed[g->columns.profile->fixed_unit];
	rc = ecl__parse_unit(unit, text);
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

/* An actual/estimated flag by the profile's codes, or the generic ones. */
static int flag_of(const ecl_ingest *g, const char *cell, int *estimated)
{
	const ecl_profile *p = g->columns.profile;
	ecl_reading_type type = ECL_READING_ACTUAL;

	if (p->flag_estimated.count == 0) {
		if (ecl__parse_reading_type(&type, cell) != 0)
			return ROW_FAILED;
		*estimated = type == ECL_READING_ESTIMATED;
		return ROW_OK;
	}
	if (is_blank(cell) || in_texts(cell, &p->flag_actual))
		*estimated = 0;
	else if (in_texts(cell, &p->flag_estimated))
		*estimated = 1;
	else
		return row_error("invalid reading type \"%.40s\": expected %s (actual) or %s (estimated)", cell,
			p->flag_actual.count ? p->flag_actual.items[0] : "blank", p->flag_estimated.items[0]);
	return ROW_OK;
}

static int row_type(ecl_ingest *g, int *estimated)
{
	return flag_of(g, field(g, g->columns.reading_type), estimated);
}

/* What a value is, for a message: "reading value" or "value in column HH05". */
static const char *value_name(const ecl_ingest *g, char *buf, size_t size, int column)
{
	if (column < 0)
		return "reading value";
	if (g->columns.names != NULL && column < g->columns.name_count)
		snprintf(buf, size, "value in column %.40s", g->columns.names[column]);
	else
		snprintf(buf, size, "value in column %d", column + 1);
	return buf;
}

/* A value in kWh, by the row's unit and the negative-value policy.
 * `column` names the period column of a wide row, -1 otherwise. */
static int row_value(ecl_ingest *g, double *kwh, const char *text, const ecl_unit *unit, int column)
{
	int64_t micro = 0, converted = 0;
	char name[64];

	if (ecl__parse_decimal(&micro, text) != 0)
		return row_error("Non-numeric %s \"%s\"", value_name(g, name, sizeof(name), column), text);
	if (ecl__convert_to_kwh_micro(&converted, micro, unit) != 0)
		return ROW_FAILED;
	if (converted < 0 && g->opts->negatives == ECL_NEGATIVE_REJECT)
		return row_error("Negative %s \"%s\" refused", value_name(g, name, sizeof(name), column),
			text);
	if (converted < 0)
		g->row_negatives++;
	*kwh = (double)converted / 1e6;
	return ROW_OK;
}

/* A source that dates a day's readings by the day after (the profile's
 * date_shift, -1) names the day they belong to once shifted. */
static int shift_date(const ecl_ingest *g, ecl_date *d)
{
	int shift = g->columns.profile->date_shift;

	if (shift != 0)
		ecl__civil_from_days(ecl__days_from_civil(d->year, d->month, d->day) + shift, d);
	return ROW_OK;
}

static int row_date(ecl_ingest *g, ecl_date *d)
{
	const ecl_textlist *formats = &g->columns.profile->date_formats;
	const char *text = field(g, g->columns.date);
	ecl_date_order order = g->opts->month_first ? ECL_DATE_MONTH_FIRST : ECL_DATE_DAY_FIRST;
	ecl_timestamp ts;

	if (is_blank(text))
		return row_error("Missing date");
	if (formats->count == 0)
		return ecl__parse_date(d, text, order) == 0 ? ROW_OK : ROW_FAILED;
	if (ecl__datefmt_parse(&ts, text, formats->items, formats->count, 0, "date") != 0)
		return ROW_FAILED;
	if (ts.seconds != 0)
		return row_error("the date \"%s\" has a time that is not midnight", text);
	*d = ts.date;
	return shift_date(g, d);
}

/* ---- formats -------------------------------------------------------------- */

/* The half hour of a period column on a day, or 0 when the column's half
 * hour does not exist that day (periods 47-50 or the skipped spring hour). */
static int column_slot(slot_time *t, const ecl_ingest *g, const ecl_period_column *pc,
                       const ecl_date *d, int64_t day_start, int periods)
{
	int64_t utc_midnight = day_start, utc;
	int start = pc->minutes - (g->columns.stamps_end ? 30 : 0);

	if (g->columns.clock_utc)
		utc_midnight = ecl__days_from_civil(d->year, d->month, d->day) * 86400;
	if (pc->fold && periods != 50)
		return 0;
	/* Arithmetic, 48 of these a row, wherever the day keeps one offset: the
	 * settlement periods themselves, and a clock whose midnight is the
	 * settlement day's (London, or UTC in winter) on a 48-period day. */
	if (!g->columns.clock_names && !g->columns.clock_utc) {
		if (pc->number > periods)
			return 0;
		t->utc = day_start + (int64_t)(pc->number - 1) * 1800;
		t->local_minutes = period_local_minutes(pc->number, periods);
		t->period = pc->number;
		date_text(t->date, d);
		return 1;
	}
	if (periods == 48 && utc_midnight == day_start && (g->columns.clock_names || pc->number <= 48)) {
		if (!g->columns.clock_names)
			start = (pc->number - 1) * 30;
		t->utc = day_start + (int64_t)start * 60;
		t->local_minutes = start;
		t->period = start / 30 + 1;
		date_text(t->date, d);
		return 1;
	}
	/* Clock-change days, and UTC in summer: the calendar's own conversion. */
	if (!g->columns.clock_names) {
		if (pc->number > 48)
			return 0;
		utc = utc_midnight + (int64_t)(pc->number - 1) * 1800;
	} else if (g->columns.clock_utc) {
		utc = utc_midnight + (int64_t)start * 60;
	} else if (ecl__local_to_utc(&utc, d, pc->minutes / 60, pc->minutes % 60, 0, pc->fold) != 0) {
		return 0;   /* the spring hour that the clock skips */
	} else if (g->columns.stamps_end) {
		utc -= 1800;   /* a label that marks the end: the half hour before it */
	}
	return slot_of_instant(t, utc) == ROW_OK;
}

/* A value in a half hour that does not exist: a zero is what some sources
 * write there and carries nothing; anything else is the row's error. */
static int absent_slot(const ecl_ingest *g, const char *cell, const ecl_period_column *pc,
                       const ecl_date *d, int periods)
{
	int64_t micro = 1;
	char name[64];

	if (ecl__parse_decimal(&micro, cell) == 0 && micro == 0)
		return ROW_OK;
	return row_error("%s has a value but %04d-%02d-%02d has only %d periods",
		value_name(g, name, sizeof(name), pc->column), d->year, d->month, d->day, periods);
}

static int matrix_row(ecl_ingest *g, ecl_meter_entry *meter)
{
	ecl_unit unit;
	ecl_date d;
	slot_time t;
	int64_t day_start = 0;
	int estimated = 0, periods = 0, i, values = 0;
	int rc = row_date(g, &d);

	if (rc == ROW_OK && (periods = ecl__settlement_periods(&d)) < 0)
		rc = ROW_FAILED;
	if (rc == ROW_OK)
		day_start = ecl__settlement_day_start(&d);
	if (rc == ROW_OK)
		rc = row_unit(g, &unit);
	if (rc == ROW_OK)
		rc = row_type(g, &estimated);
	for (i = 0; rc == ROW_OK && i < g->columns.period_count; i++) {
		const ecl_period_column *pc = &g->columns.periods[i];
		const char *cell = field(g, pc->column);
		int value_estimated = estimated;
		double kwh = 0;

		if (no_value(g, cell))
			continue;
		if (!column_slot(&t, g, pc, &d, day_start, periods)) {
			rc = absent_slot(g, cell, pc, &d, periods);
			continue;
		}
		if (pc->flag_column >= 0)
			rc = flag_of(g, field(g, pc->flag_column), &value_estimated);
		if (rc == ROW_OK)
			rc = row_value(g, &kwh, cell, &unit, pc->column);
		if (rc == ROW_OK)
			rc = add_interval(g, meter, &t, kwh, value_estimated);
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

/* The stamp of a long row: a timestamp cell, or a date cell and a time cell,
 * by the profile's formats or the generic parsers. */
static int read_stamp(ecl_ingest *g, ecl_timestamp *ts)
{
	const ecl_profile *p = g->columns.profile;
	ecl_date_order order = g->opts->month_first ? ECL_DATE_MONTH_FIRST : ECL_DATE_DAY_FIRST;
	const char *stamp = field(g, g->columns.datetime);
	int end = g->columns.stamps_end;
	ecl_timestamp time_part;
	int rc;

	memset(ts, 0, sizeof(*ts));
	if (g->columns.datetime >= 0 && !is_blank(stamp))
		return p->timestamp_formats.count
			? ecl__datefmt_parse(ts, stamp, p->timestamp_formats.items, p->timestamp_formats.count,
			                     end, "timestamp")
			: ecl__parse_timestamp(ts, stamp, order, end);
	if (g->columns.date < 0 || g->columns.time < 0)
		return row_error("Missing reading timestamp");
	if (is_blank(field(g, g->columns.date)))
		return row_error("Missing date");
	if (p->date_formats.count == 0)
		rc = ecl__parse_date(&ts->date, field(g, g->columns.date), order);
	else
		rc = ecl__datefmt_parse(ts, field(g, g->columns.date), p->date_formats.items,
			p->date_formats.count, 0, "date");
	if (rc == 0)
		shift_date(g, &ts->date);
	if (rc == 0 && is_blank(field(g, g->columns.time)))
		return row_error("Missing time");
	if (rc == 0 && p->time_formats.count == 0)
		return ecl__parse_time(&ts->seconds, field(g, g->columns.time), end);
	if (rc == 0)
		rc = ecl__datefmt_parse(&time_part, field(g, g->columns.time), p->time_formats.items,
			p->time_formats.count, end, "time");
	if (rc == 0) {
		ts->seconds = time_part.seconds;
		ts->has_offset = time_part.has_offset;
		ts->offset_seconds = time_part.offset_seconds;
	}
	return rc;
}

static int interval_instant(ecl_ingest *g, ecl_meter_entry *meter, int64_t *utc)
{
	ecl_timestamp ts;
	int rc = read_stamp(g, &ts);

	if (rc != 0)
		return ROW_FAILED;
	if (g->columns.clock_utc && !ts.has_offset) {
		ts.has_offset = 1;
		ts.offset_seconds = 0;
	}
	if (ts.has_offset)
		*utc = ecl__days_from_civil(ts.date.year, ts.date.month, ts.date.day) * 86400
			+ ts.seconds - ts.offset_seconds;
	else if (ecl__local_to_utc(utc, &ts.date, ts.seconds / 3600, ts.seconds / 60 % 60, ts.seconds % 60,
	                           fold_for(meter, &ts.date, ts.seconds))
	         != 0)
		return ROW_FAILED;
	if (g->columns.stamps_end)
		*utc -= 1800;
	if (*utc % 1800 != 0)
		return row_error("Timestamp \"%s%s%s\" is not on a half hour",
			g->columns.datetime >= 0 ? field(g, g->columns.datetime) : field(g, g->columns.date),
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

	/* The source's own marker for "no reading here" ("Null", "-"). */
	if (rc == ROW_OK && no_value(g, text))
		return ROW_SKIPPED;
	if (rc == ROW_OK)
		rc = row_unit(g, &unit);
	if (rc == ROW_OK)
		rc = row_type(g, estimated);
	if (rc == ROW_OK)
		rc = row_value(g, kwh, text, &unit, -1);
	return rc;
}

/* The row's value at the half hour starting at `utc`. */
static int value_at(ecl_ingest *g, ecl_meter_entry *meter, int64_t utc)
{
	slot_time t;
	double kwh = 0;
	int estimated = 0;
	int rc = slot_of_instant(&t, utc);

	if (rc == ROW_OK)
		rc = single_value(g, &kwh, &estimated);
	if (rc == ROW_OK)
		rc = add_interval(g, meter, &t, kwh, estimated);
	return rc;
}

static int interval_row(ecl_ingest *g, ecl_meter_entry *meter)
{
	int64_t utc = 0;
	int rc = interval_instant(g, meter, &utc);

	return rc == ROW_OK ? value_at(g, meter, utc) : rc;
}

/* A date and a settlement period number (London), or the nth half hour of
 * a UTC day. */
static int period_row(ecl_ingest *g, ecl_meter_entry *meter)
{
	const char *text = field(g, g->columns.period);
	ecl_date d;
	int64_t n = 0, utc = 0;
	int rc = row_date(g, &d);

	if (rc == ROW_OK && (ecl__parse_int64(&n, text) != 0 || n < 1 || n > ECL_MAX_PERIODS))
		rc = row_error("invalid period \"%.20s\": expected a settlement period 1..50", text);
	if (rc == ROW_OK && g->columns.clock_utc && n > 48)
		rc = row_error("period %d does not exist on a UTC day of 48 half hours", (int)n);
	if (rc == ROW_OK && g->columns.clock_utc)
		utc = ecl__days_from_civil(d.year, d.month, d.day) * 86400 + (n - 1) * 1800;
	else if (rc == ROW_OK && ecl__period_start(&utc, &d, (int)n) != 0)
		rc = ROW_FAILED;
	return rc == ROW_OK ? value_at(g, meter, utc) : rc;
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

/* Rows the profile leaves out on purpose: another measurement quantity
 * (reactive energy), or a value it lists under skip_rows. */
static int skipped(const ecl_ingest *g)
{
	const ecl_profile *p = g->columns.profile;
	size_t i;

	for (i = 0; i < p->filter_count; i++) {
		int column = g->columns.filter_columns[i];
		int listed;

		if (column < 0)
			continue;
		if (p->filters[i].pattern != NULL) {
			if (regexec(p->filters[i].pattern, field(g, column), 0, NULL, 0) == 0)
				return 1;
			continue;
		}
		listed = in_texts(field(g, column), &p->filters[i].values);
		if (listed != p->filters[i].keep)
			return 1;
	}
	return 0;
}

int ecl__ingest_row(ecl_ingest *g)
{
	ecl_meter_entry *meter = NULL;
	int rc;

	if (g->columns.format != ECL_FORMAT_FLOW && g->columns.profile->filter_count > 0 && skipped(g))
		return ROW_SKIPPED;
	rc = g->columns.format == ECL_FORMAT_FLOW ? ecl__ingest_flow_row(g)
		: ecl__ingest_meter(g, meter_text(g), &meter);
	if (rc == ROW_OK && g->columns.format != ECL_FORMAT_FLOW) {
		switch (g->columns.format) {
		case ECL_FORMAT_HH_MATRIX: rc = matrix_row(g, meter); break;
		case ECL_FORMAT_HH_INTERVAL: rc = interval_row(g, meter); break;
		case ECL_FORMAT_HH_PERIOD: rc = period_row(g, meter); break;
		default: rc = daily_row(g, meter); break;
		}
	}
	/* Parsers report ECL_EINVALID for bad text: for a row that is a row failure. */
	return rc == ECL_EINVALID ? ROW_FAILED : rc;
}
