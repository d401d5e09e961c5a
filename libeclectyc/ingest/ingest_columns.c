#include "ingest/ingest_columns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eclectyc/sys/errors.h"
#include "util/strutil.h"

#define NAME_MAX_NORMALISED 96

/* The generic reader's aliases, normalised: the reference's table, with the
 * meter candidates in order of preference (an MPAN or MPRN before a serial
 * number, which the reference took when it came first in the file). */
static const char *const meter_aliases[] = {
	"mpan", "mpancore", "mpanmprn", "supplynumber", "mprn", "meterpointreference", "metercode",
	"meterid", "meterreference", "meterref", "meter", "meterserial", "meterserialnumber", "msn",
	"serial", "serialnumber", NULL
};
static const char *const date_aliases[] = {
	"date", "readdate", "readingdate", "perioddate", "billdate", "insertdate", "settlementdate",
	"consumptiondate", NULL
};
static const char *const time_aliases[] = { "time", "readtime", "readingtime", "periodtime", NULL };
static const char *const datetime_aliases[] = {
	"datetime", "timestamp", "readdatetime", "readingdatetime", "intervalstart", "startdatetime", NULL
};
static const char *const value_aliases[] = {
	"reading", "readvalue", "value", "consumption", "kwh", "wh", "usage", "consumptionkwh", NULL
};
static const char *const unit_aliases[] = { "unit", "units", "uom", NULL };
static const char *const type_aliases[] = {
	"readingtype", "type", "status", "ae", "actualestimated", "estimate", NULL
};
/* Period columns the generic reader knows: HH01, P1, kWh1, HH kWh 1. */
static const char *const generic_prefixes[] = { "hh", "p", "kwh", "hhkwh", "period", NULL };

const char *ecl__format_name(ecl_ingest_format format)
{
	switch (format) {
	case ECL_FORMAT_HH_MATRIX: return "hh-matrix";
	case ECL_FORMAT_HH_INTERVAL: return "hh-interval";
	case ECL_FORMAT_HH_PERIOD: return "hh-period";
	case ECL_FORMAT_FLOW: return "hh-flow";
	default: return "daily";
	}
}

/* The header, normalised once. */
typedef struct header_names {
	char (*norm)[NAME_MAX_NORMALISED];
	const ecl_csv_record *record;
	size_t count;
	char *ignored;                /* 1 per column listed in the profile's ignore */
} header_names;

static int find_name(const header_names *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->count; i++) {
		if (!h->ignored[i] && strcmp(h->norm[i], name) == 0)
			return (int)i;
	}
	return -1;
}

/* A column reference → its index, or -1. */
static int resolve(const header_names *h, const ecl_colref *ref)
{
	size_t i;
	int column = -1;

	if (ref->position > 0)
		return ref->position - 1;
	for (i = 0; column < 0 && i < ref->count; i++)
		column = find_name(h, ref->names[i]);
	return column;
}

static int resolve_aliases(const header_names *h, const char *const *aliases)
{
	int column = -1;

	for (; column < 0 && *aliases != NULL; aliases++)
		column = find_name(h, *aliases);
	return column;
}

/* ---- period column names ---------------------------------------------------- */

static int starts_with(const char *text, const char *prefix)
{
	return strncmp(text, prefix, strlen(prefix)) == 0;
}

/* `text` minus one of the prefixes and one of the suffixes, into `core`:
 * 1 when some split leaves a core that `accept` takes. */
typedef int (*core_fn)(const char *core, int *value, const ecl_columns *c);

static int split_name(const char *text, const ecl_textlist *prefixes, const ecl_textlist *suffixes,
                      core_fn accept, int *value, const ecl_columns *c)
{
	char core[NAME_MAX_NORMALISED];
	size_t i, j, len = strlen(text);

	for (i = 0; i < prefixes->count; i++) {
		size_t pl = strlen(prefixes->items[i]);

		if (!starts_with(text, prefixes->items[i]))
			continue;
		for (j = 0; j < suffixes->count; j++) {
			size_t sl = strlen(suffixes->items[j]);

			if (pl + sl >= len || strcmp(text + len - sl, suffixes->items[j]) != 0)
				continue;
			memcpy(core, text + pl, len - pl - sl);
			core[len - pl - sl] = '\0';
			if (accept(core, value, c))
				return 1;
		}
	}
	return 0;
}

/* 1-2 digits, 1..50. */
static int numbered_core(const char *core, int *value, const ecl_columns *c)
{
	size_t n = strspn(core, "0123456789");
	int v;

	(void)c;
	if (n == 0 || n > 2 || core[n] != '\0')
		return 0;
	v = atoi(core);
	if (v < 1 || v > ECL_MAX_PERIODS)
		return 0;
	*value = v;
	return 1;
}

/* A clock label as the digits HMM/HHMM (the colon is gone once normalised),
 * optionally am/pm → the label in minutes after midnight (0..1440). */
static int clock_label(const char *core, int *minutes)
{
	size_t n = strspn(core, "0123456789");
	int v, hour, minute;

	if (n == 0 || n > 4)
		return 0;
	v = atoi(core);
	hour = v / 100;
	minute = v % 100;
	if (minute != 0 && minute != 30)
		return 0;
	if (strcmp(core + n, "am") == 0 || strcmp(core + n, "pm") == 0) {
		/* Some exports tag a 24-hour clock with AM/PM ("00:00 AM",
		 * "13:00 PM"): the suffix only means something for 1..12. */
		if (hour >= 1 && hour <= 12)
			hour = hour % 12 + (core[n] == 'p' ? 12 : 0);
	} else if (core[n] != '\0') {
		return 0;
	}
	if (hour > 24 || (hour == 24 && minute != 0))
		return 0;
	*minutes = hour * 60 + minute;
	return 1;
}

/* A clock label in minutes after midnight. Labels that mark ends run from
 * 00:30 to 24:00, and a last column "00:00" is that 24:00; labels that
 * mark starts run from 00:00 to 23:30. */
static int clock_core(const char *core, int *value, const ecl_columns *c)
{
	char half[5];
	int label = 0;

	/* A range, "00:00 - 00:30": the end when labels mark ends, else the start. */
	if (strlen(core) == 8 && strspn(core, "0123456789") == 8) {
		memcpy(half, core + (c->stamps_end ? 4 : 0), 4);
		half[4] = '\0';
		core = half;
	}
	if (!clock_label(core, &label))
		return 0;
	if (c->stamps_end && label == 0)
		label = 1440;
	if (c->stamps_end ? label < 30 : label > 1410)
		return 0;
	*value = label;
	return 1;
}

static int add_period(ecl_columns *c, int column, int number, int minutes, int fold)
{
	ecl_period_column *p;

	if (c->periods == NULL) {
		c->periods = calloc(ECL_MAX_PERIODS + 2, sizeof(*c->periods));
		if (c->periods == NULL)
			return ecl_error_set(ECL_ENOMEM, "out of memory mapping columns");
	}
	if (c->period_count >= ECL_MAX_PERIODS + 2)
		return ecl_error_set(ECL_EINVALID, "the header has more than %d period columns",
			ECL_MAX_PERIODS + 2);
	p = &c->periods[c->period_count++];
	p->column = column;
	p->flag_column = -1;
	p->number = number;
	p->minutes = minutes;
	p->fold = fold;
	return 0;
}

/* Two columns for one half hour: an error naming both. */
static int check_duplicates(const ecl_columns *c, const ecl_csv_record *header)
{
	int i, j;

	for (i = 0; i < c->period_count; i++) {
		for (j = 0; j < i; j++) {
			const ecl_period_column *a = &c->periods[j], *b = &c->periods[i];

			if (a->number != b->number || a->minutes != b->minutes || a->fold != b->fold)
				continue;
			if (a->number > 0)
				return ecl_error_set(ECL_EINVALID, "the header has two columns for period %d "
					"(\"%s\" and \"%s\")", a->number, header ? header->fields[a->column] : "?",
					header ? header->fields[b->column] : "?");
			return ecl_error_set(ECL_EINVALID, "the header has two columns for the half hour from "
				"%02d:%02d (\"%s\" and \"%s\")", a->minutes / 60, a->minutes % 60,
				header ? header->fields[a->column] : "?", header ? header->fields[b->column] : "?");
		}
	}
	return 0;
}

static int named_periods(ecl_columns *c, const header_names *h, const ecl_profile *p)
{
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < h->count; i++) {
		int value = 0;

		if (h->ignored[i] || !split_name(h->norm[i], &p->prefixes, &p->suffixes,
		                                 c->clock_names ? clock_core : numbered_core, &value, c))
			continue;
		rc = c->clock_names ? add_period(c, (int)i, 0, value, 0) : add_period(c, (int)i, value, -1, 0);
	}
	for (i = 0; rc == 0 && i < 2 && (p->repeated[i].position > 0 || p->repeated[i].count > 0); i++) {
		int column = resolve(h, &p->repeated[i]);
		if (column >= 0)
			rc = add_period(c, column, 0, 60 + 30 * (int)i, 1);
	}
	return rc;
}

static int positional_periods(ecl_columns *c, const header_names *h, const ecl_profile *p)
{
	int first = resolve(h, &p->first), i, rc = 0;

	if (first < 0)
		return 0;
	/* With a flag beside each value, the values are every other column. */
	for (i = 0; rc == 0 && i < p->count; i++) {
		int column = first + i * (p->flag_each_value ? 2 : 1);
		if (p->names == ECL_NAMES_CLOCK)
			rc = add_period(c, column, 0, (i + (c->stamps_end ? 1 : 0)) * 30, 0);
		else
			rc = add_period(c, column, i + 1, -1, 0);
	}
	return rc;
}

/* The generic reader: HH01-like names, then bare numbers 1..50 when nearly a
 * day's worth are there, then clock labels. */
static int generic_periods(ecl_columns *c, const header_names *h)
{
	char *empty[] = { "" };
	const ecl_textlist none = { empty, 1 };
	const ecl_textlist prefixes = { (char **)generic_prefixes, 5 };
	size_t i;
	int rc = 0, labels_end = 0, has_midnight = 0, value;

	for (i = 0; rc == 0 && i < h->count; i++) {
		if (split_name(h->norm[i], &prefixes, &none, numbered_core, &value, c))
			rc = add_period(c, (int)i, value, -1, 0);
	}
	for (i = 0; rc == 0 && c->period_count == 0 && i < h->count; i++) {
		/* A clock label keeps its colon (or is four digits) in the header. */
		const char *raw = h->record->fields[i];
		if (clock_label(h->norm[i], &value) && (strchr(raw, ':') != NULL || strlen(h->norm[i]) == 4)) {
			labels_end |= value == 1440;
			has_midnight |= value == 0;
		}
	}
	if (c->period_count > 0 || (!labels_end && !has_midnight))
		return rc;
	c->clock_names = 1;
	c->stamps_end = labels_end && !has_midnight;
	for (i = 0; rc == 0 && i < h->count; i++) {
		const char *raw = h->record->fields[i];
		if ((strchr(raw, ':') != NULL || strlen(h->norm[i]) == 4) && clock_core(h->norm[i], &value, c))
			rc = add_period(c, (int)i, 0, value, 0);
	}
	return rc;
}

/* ---- choosing and checking ------------------------------------------------- */

/* "Headers detected: a, b, c" with at most 15 names, as the reference said. */
static void describe_headers(char *out, size_t size, const ecl_csv_record *header)
{
	size_t i, used = 0;

	out[0] = '\0';
	for (i = 0; header != NULL && i < header->count && i < 15 && used + 1 < size; i++) {
		int n = snprintf(out + used, size - used, "%s%s", i ? ", " : "", header->fields[i]);
		if (n < 0)
			break;
		used += (size_t)n < size - used ? (size_t)n : size - used - 1;
	}
	if (header == NULL)
		snprintf(out, size, "(no header line)");
}

static int generic_fields(ecl_columns *c, const header_names *h, ecl_import_type type)
{
	c->date = resolve_aliases(h, date_aliases);
	c->time = resolve_aliases(h, time_aliases);
	c->datetime = resolve_aliases(h, datetime_aliases);
	c->value = resolve_aliases(h, value_aliases);
	c->unit = resolve_aliases(h, unit_aliases);
	c->reading_type = resolve_aliases(h, type_aliases);
	if (type == ECL_IMPORT_DAILY)
		c->format = ECL_FORMAT_DAILY;
	else if (c->value >= 0 && (c->datetime >= 0 || (c->date >= 0 && c->time >= 0)))
		c->format = ECL_FORMAT_HH_INTERVAL;
	else
		c->format = ECL_FORMAT_HH_MATRIX;
	return c->format == ECL_FORMAT_HH_MATRIX ? generic_periods(c, h) : 0;
}

static int profile_fields(ecl_columns *c, const header_names *h, const ecl_profile *p)
{
	static const ecl_ingest_format formats[] = { ECL_FORMAT_HH_MATRIX, ECL_FORMAT_HH_MATRIX,
		ECL_FORMAT_HH_INTERVAL, ECL_FORMAT_HH_PERIOD, ECL_FORMAT_DAILY, ECL_FORMAT_FLOW };
	size_t i;
	int rc = 0;

	c->format = formats[p->layout];
	c->date = resolve(h, &p->date);
	c->time = resolve(h, &p->time);
	c->datetime = resolve(h, &p->timestamp);
	c->value = resolve(h, &p->value);
	c->unit = resolve(h, &p->unit);
	c->reading_type = resolve(h, &p->flag);
	c->period = resolve(h, &p->period);
	c->filter_columns = calloc(p->filter_count ? p->filter_count : 1, sizeof(int));
	if (c->filter_columns == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory mapping columns");
	for (i = 0; i < p->filter_count; i++)
		c->filter_columns[i] = resolve(h, &p->filters[i].column);
	if (p->layout == ECL_LAYOUT_WIDE) {
		c->clock_names = p->names == ECL_NAMES_CLOCK;
		rc = p->count > 0 ? positional_periods(c, h, p) : named_periods(c, h, p);
		for (i = 0; rc == 0 && p->flag_each_value && i < (size_t)c->period_count; i++)
			c->periods[i].flag_column = c->periods[i].column + p->flag_each_value;
	}
	return rc;
}

static int missing(const char *what, const char *found, const ecl_profile *p)
{
	if (p->layout == ECL_LAYOUT_AUTO)
		return ecl_error_set(ECL_EINVALID, "%s. Headers detected: %s", what, found);
	return ecl_error_set(ECL_EINVALID, "profile %s: the file has no %s. Headers detected: %s", p->name,
		what, found);
}

/* What the chosen format needs, with the reference's messages. */
static int check_fields(const ecl_columns *c, const ecl_csv_record *header, const ecl_profile *p,
                        int meter_given)
{
	char found[512];

	describe_headers(found, sizeof(found), header);
	if (c->format == ECL_FORMAT_FLOW)
		return 0;   /* its reader finds its own records */
	if (c->meter_count == 0 && !meter_given && p->layout == ECL_LAYOUT_AUTO)
		return missing("CSV must include a column containing the meter identifier (e.g. MPAN or "
			"MeterCode), or give the meter (--meter)", found, p);
	if (c->meter_count == 0 && !meter_given)
		return missing(p->meter_given ? "meter column: give the meter (--meter ID)" : "meter column",
			found, p);
	if (c->format == ECL_FORMAT_DAILY && c->date < 0)
		return p->layout == ECL_LAYOUT_AUTO ? missing("Daily CSV must include a date column", found, p)
			: missing("date column", found, p);
	if (c->format == ECL_FORMAT_DAILY && c->value < 0)
		return p->layout == ECL_LAYOUT_AUTO ? missing("Daily CSV must include a value column "
			"(e.g. Reading, Value, kWh)", found, p) : missing("value column", found, p);
	if (c->format == ECL_FORMAT_HH_MATRIX && c->date < 0)
		return p->layout == ECL_LAYOUT_AUTO ? missing("Half-hourly CSV must include a date column",
			found, p) : missing("date column", found, p);
	if (c->format == ECL_FORMAT_HH_MATRIX && c->period_count == 0)
		return p->layout == ECL_LAYOUT_AUTO ? missing("Half-hourly CSV must include columns HH01..HH48 "
			"(or 00:30..24:00) or provide a timestamp column", found, p)
			: missing("half-hour columns", found, p);
	if (c->format == ECL_FORMAT_HH_INTERVAL && c->datetime < 0 && (c->date < 0 || c->time < 0))
		return missing("timestamp (or date and time) column", found, p);
	if ((c->format == ECL_FORMAT_HH_INTERVAL || c->format == ECL_FORMAT_HH_PERIOD) && c->value < 0)
		return missing("value column", found, p);
	if (c->format == ECL_FORMAT_HH_PERIOD && (c->date < 0 || c->period < 0))
		return missing("date and period columns", found, p);
	return 0;
}

static int keep_names(ecl_columns *c, const ecl_csv_record *header)
{
	size_t i;

	if (header == NULL)
		return 0;
	c->names = calloc(header->count ? header->count : 1, sizeof(*c->names));
	if (c->names == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory keeping %zu header names", header->count);
	for (i = 0; i < header->count; i++) {
		if ((c->names[i] = ecl__strdup(header->fields[i])) == NULL)
			return ECL_ENOMEM;
		c->name_count++;
	}
	return 0;
}

static int normalise_header(header_names *h, const ecl_csv_record *header, const ecl_profile *p)
{
	size_t i, j;

	memset(h, 0, sizeof(*h));
	h->record = header;
	h->count = header ? header->count : 0;
	h->norm = calloc(h->count ? h->count : 1, sizeof(*h->norm));
	h->ignored = calloc(h->count ? h->count : 1, 1);
	if (h->norm == NULL || h->ignored == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory mapping %zu columns", h->count);
	for (i = 0; i < h->count; i++)
		ecl__normalise_name(h->norm[i], sizeof(h->norm[i]), header->fields[i]);
	for (j = 0; j < p->ignore_count; j++) {
		int column = resolve(h, &p->ignore[j]);
		if (column >= 0 && (size_t)column < h->count)
			h->ignored[column] = 1;
	}
	return 0;
}

static void resolve_meters(ecl_columns *c, const header_names *h, const ecl_profile *p)
{
	size_t i;

	for (i = 0; i < (p->layout == ECL_LAYOUT_AUTO ? 100 : p->meter_count)
	            && c->meter_count < ECL_MAX_METER_COLUMNS; i++) {
		int column;

		if (p->layout == ECL_LAYOUT_AUTO) {
			if (meter_aliases[i] == NULL)
				break;
			column = find_name(h, meter_aliases[i]);
		} else {
			column = resolve(h, &p->meters[i]);
		}
		if (column >= 0)
			c->meters[c->meter_count++] = column;
	}
	c->mpan = c->meter_count > 0 ? c->meters[0] : -1;
}

int ecl__columns_map(ecl_columns *out, const ecl_csv_record *header, const ecl_profile *p,
                     ecl_import_type type, int clock, int meter_given)
{
	header_names h;
	int rc;

	memset(out, 0, sizeof(*out));
	out->profile = p;
	out->mpan = out->date = out->time = out->datetime = out->period = -1;
	out->value = out->unit = out->reading_type = -1;
	out->stamps_end = p->stamps_end;
	out->clock_utc = clock >= 0 ? clock : p->clock_utc;
	rc = normalise_header(&h, header, p);
	if (rc == 0) {
		resolve_meters(out, &h, p);
		rc = p->layout == ECL_LAYOUT_AUTO ? generic_fields(out, &h, type) : profile_fields(out, &h, p);
	}
	if (rc == 0)
		rc = check_duplicates(out, header);
	if (rc == 0)
		rc = check_fields(out, header, p, meter_given);
	if (rc == 0)
		rc = keep_names(out, header);
	free(h.norm);
	free(h.ignored);
	if (rc != 0)
		ecl__columns_dispose(out);
	return rc;
}

void ecl__columns_dispose(ecl_columns *columns)
{
	int i;

	for (i = 0; i < columns->name_count; i++)
		free(columns->names[i]);
	free(columns->names);
	free(columns->periods);
	free(columns->filter_columns);
	columns->names = NULL;
	columns->periods = NULL;
	columns->filter_columns = NULL;
	columns->name_count = 0;
	columns->period_count = 0;
}
