/*
 * Industry flows, read record by record: the Elexon D0036 and D0275
 * half-hourly advances and Stark DF2 files (docs/ingestion.md has their
 * layouts and where they come from). Their records depend on the ones
 * before them (a meter, then a date, then its periods in order), so the
 * reader keeps that context between rows; each record is one row of the
 * import, and a record that only sets context counts as neither processed
 * nor skipped.
 *
 * D0036/D0275: ZHV header; 25B MPAN core | measurement quantity | supplier;
 * 26B settlement date CCYYMMDD; 66L actual/estimated | kWh, one per
 * settlement period in order; ZPT trailer. Only active import (AI) is
 * consumption: the periods of other quantities are skipped.
 * DF2: #F2; #O MPAN[-outstation]; #S channel (1 = import kWh); then
 * "dd/mm/yyyy,HH:MM,value,status" with the time on the UTC clock marking
 * the END of the half hour.
 */
#include <stdlib.h>
#include <string.h>

#include "ingest/datefmt.h"
#include "ingest/ingest_internal.h"
#include "util/settlement.h"

typedef struct flow_state {
	ecl_meter_entry *meter;   /* the block's meter, NULL before one */
	int keep;                 /* the block is consumption (AI, or DF2 channel 1) */
	int in_block;             /* DF2: an outstation line was read */
	ecl_date date;            /* D-flows: the settlement date being read */
	int have_date;
	int periods;              /* its number of periods */
	int period;               /* periods read so far */
} flow_state;

static const char *cell(const ecl_ingest *g, size_t i)
{
	return i < g->record->count ? g->record->fields[i] : "";
}

static int flow_error(const char *format, const char *text)
{
	ecl_error_set(ECL_EINVALID, format, text);
	return ROW_FAILED;
}

/* A day whose last periods never came: said once the next block starts. */
static int close_day(flow_state *f)
{
	int rc = ROW_OK;

	if (f->have_date && f->keep && f->period != f->periods) {
		ecl_error_set(ECL_EINVALID, "settlement date %04d-%02d-%02d has %d period values; it has %d "
			"periods", f->date.year, f->date.month, f->date.day, f->period, f->periods);
		rc = ROW_FAILED;
	}
	f->have_date = 0;
	return rc;
}

static int read_flag(const char *text, int *estimated)
{
	if (strcmp(text, "A") == 0)
		*estimated = 0;
	else if (strcmp(text, "E") == 0)
		*estimated = 1;
	else
		return flow_error("invalid actual/estimated indicator \"%.20s\": expected A or E", text);
	return ROW_OK;
}

static int period_value(ecl_ingest *g, flow_state *f, const char *flag, const char *value)
{
	int64_t micro = 0, utc = 0;
	int estimated = 0, rc;

	if (!f->have_date)
		return flow_error("a period value before any settlement date (26B)%s", "");
	if (!f->keep)
		return ROW_SKIPPED;
	if (f->meter == NULL)
		return flow_error("a period value for a meter that could not be read (see the 25B record)%s", "");
	if (++f->period > f->periods) {
		ecl_error_set(ECL_EINVALID, "settlement date %04d-%02d-%02d has more than its %d periods",
			f->date.year, f->date.month, f->date.day, f->periods);
		return ROW_FAILED;
	}
	rc = read_flag(flag, &estimated);
	if (rc == ROW_OK && ecl__parse_decimal(&micro, value) != 0)
		rc = ROW_FAILED;
	if (rc == ROW_OK && micro < 0 && g->opts->negatives == ECL_NEGATIVE_REJECT)
		rc = flow_error("Negative reading value \"%s\" refused", value);
	if (rc == ROW_OK && micro < 0)
		g->row_negatives++;
	if (rc == ROW_OK && ecl__period_start(&utc, &f->date, f->period) != 0)
		rc = ROW_FAILED;
	if (rc == ROW_OK) {
		g->row_meter = f->meter;
		rc = ecl__ingest_add_reading(g, f->meter, utc, (double)micro / 1e6, estimated);
	}
	return rc;
}

static int settlement_date(flow_state *f, const char *text)
{
	int rc = close_day(f);
	int y, m, d;

	if (strlen(text) != 8 || strspn(text, "0123456789") != 8)
		return flow_error("invalid settlement date \"%.20s\": expected CCYYMMDD", text);
	y = (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
	m = (text[4] - '0') * 10 + (text[5] - '0');
	d = (text[6] - '0') * 10 + (text[7] - '0');
	if (!ecl__date_is_valid(y, m, d))
		return flow_error("invalid settlement date \"%.20s\": no such day", text);
	f->date.year = y;
	f->date.month = m;
	f->date.day = d;
	f->periods = ecl__settlement_periods(&f->date);
	if (f->periods < 0)
		return ROW_FAILED;
	f->have_date = 1;
	f->period = 0;
	return rc == ROW_OK ? ROW_NONE : rc;
}

static int meter_block(ecl_ingest *g, flow_state *f, const char *mpan, int keep)
{
	int rc = close_day(f);
	int found;

	f->meter = NULL;
	f->keep = keep;
	if (!keep)
		return rc == ROW_OK ? ROW_NONE : rc;
	found = ecl__ingest_meter(g, mpan, &f->meter);
	if (found != ROW_OK)
		return found;
	return rc == ROW_OK ? ROW_NONE : rc;
}

static int d_flow_record(ecl_ingest *g, flow_state *f)
{
	const char *type = cell(g, 0);

	if (strcmp(type, "ZHV") == 0)
		return ROW_NONE;
	if (strcmp(type, "ZPT") == 0)
		return close_day(f) == ROW_OK ? ROW_NONE : ROW_FAILED;
	if (strcmp(type, "25B") == 0 || strcmp(type, "101") == 0)
		return meter_block(g, f, cell(g, 1), strcmp(cell(g, 2), "AI") == 0);
	if (strcmp(type, "26B") == 0 || strcmp(type, "102") == 0)
		return settlement_date(f, cell(g, 1));
	if (strcmp(type, "66L") == 0 || strcmp(type, "103") == 0)
		return period_value(g, f, cell(g, 1), cell(g, 2));
	return flow_error("unknown record \"%.12s\" in a half-hourly advance flow", type);
}

/* "#O 2200012345671-STK0042": the MPAN core before the first '-'. */
static int df2_outstation(ecl_ingest *g, flow_state *f, const char *text)
{
	char mpan[80];
	size_t n = strcspn(text, "-");

	while (*text == ' ')
		text++, n--;
	if (n == 0 || n >= sizeof(mpan))
		return flow_error("invalid outstation line \"#O %.40s\": expected #O MPAN", text);
	memcpy(mpan, text, n);
	mpan[n] = '\0';
	f->in_block = 1;
	return meter_block(g, f, mpan, 1);
}

static int df2_reading(ecl_ingest *g, flow_state *f)
{
	ecl_timestamp ts;
	const char *status = cell(g, 3);
	size_t len = strlen(status);
	int64_t micro = 0, utc;
	int estimated = 0, rc;

	static char *const date_forms[] = { "%d/%m/%Y", "%d/%m/%y" };

	if (!f->in_block)
		return flow_error("a reading before any outstation (#O) line%s", "");
	if (!f->keep)
		return ROW_SKIPPED;
	if (f->meter == NULL)
		return flow_error("a reading for an outstation whose MPAN could not be read (see the #O line)%s", "");
	if (g->record->count != 4)
		return flow_error("a DF2 reading has 4 fields (date,time,value,status): \"%.60s\"", cell(g, 0));
	rc = ecl__datefmt_parse(&ts, cell(g, 0), date_forms, 2, 0, "date");
	if (rc == 0)
		rc = ecl__parse_time(&ts.seconds, cell(g, 1), 1);
	if (rc == 0)
		rc = ecl__parse_decimal(&micro, cell(g, 2));
	while (len > 0 && (status[len - 1] == ' ' || status[len - 1] == '\r'))
		len--;
	if (rc == 0)
		rc = len == 0 ? flow_error("missing status%s", "") : read_flag((char[]){ status[len - 1], '\0' },
			&estimated);
	if (rc != 0)
		return ROW_FAILED;
	utc = ecl__days_from_civil(ts.date.year, ts.date.month, ts.date.day) * 86400 + ts.seconds - 1800;
	if (utc % 1800 != 0)
		return flow_error("time \"%.20s\" is not on a half hour", cell(g, 1));
	if (micro < 0 && g->opts->negatives == ECL_NEGATIVE_REJECT)
		return flow_error("Negative reading value \"%s\" refused", cell(g, 2));
	if (micro < 0)
		g->row_negatives++;
	g->row_meter = f->meter;
	return ecl__ingest_add_reading(g, f->meter, utc, (double)micro / 1e6, estimated);
}

static int df2_record(ecl_ingest *g, flow_state *f)
{
	const char *first = cell(g, 0);

	if (strncmp(first, "#F2", 3) == 0 || strncmp(first, "#f2", 3) == 0)
		return ROW_NONE;
	if (strncmp(first, "#O", 2) == 0)
		return df2_outstation(g, f, first + 2);
	if (strncmp(first, "#S", 2) == 0) {
		f->keep = atoi(first + 2) == 1;
		return ROW_NONE;
	}
	return df2_reading(g, f);
}

int ecl__ingest_flow_row(ecl_ingest *g)
{
	flow_state *f = g->flow;

	if (f == NULL && (f = g->flow = calloc(1, sizeof(*f))) == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory reading a flow");
	if (g->profile->reader == ECL_READER_DF2)
		return df2_record(g, f);
	return d_flow_record(g, f);
}

void ecl__ingest_flow_free(ecl_ingest *g)
{
	free(g->flow);
	g->flow = NULL;
}
