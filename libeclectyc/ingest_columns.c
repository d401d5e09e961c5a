#include "ingest_columns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buffer_internal.h"
#include "eclectyc/sys/errors.h"
#include "strutil.h"

#define NAME_MAX_NORMALISED 64

/* The reference's aliases, already normalised (lower case, a-z0-9 only). */
static const char *const mpan_aliases[] = {
	"mpan", "mpancore", "metercode", "meter", "meterid", "meterreference", "meterref",
	"meterserial", "meterserialnumber", "serial", "serialnumber", "supplynumber", "mprn", NULL
};
static const char *const date_aliases[] = {
	"date", "readdate", "readingdate", "perioddate", "billdate", "insertdate", NULL
};
static const char *const time_aliases[] = {
	"time", "readtime", "readingtime", "periodtime", NULL
};
static const char *const datetime_aliases[] = {
	"datetime", "timestamp", "readdatetime", "readingdatetime", NULL
};
static const char *const value_aliases[] = {
	"reading", "readvalue", "value", "consumption", "kwh", "wh", "usage", NULL
};
static const char *const unit_aliases[] = { "unit", "units", "uom", NULL };
static const char *const type_aliases[] = {
	"readingtype", "type", "status", "ae", "actualestimated", "estimate", NULL
};

const char *ecl__format_name(ecl_ingest_format format)
{
	switch (format) {
	case ECL_FORMAT_HH_MATRIX: return "hh-matrix";
	case ECL_FORMAT_HH_INTERVAL: return "hh-interval";
	default: return "daily";
	}
}

/* Lower case, keeping a-z and 0-9 only: "Read Date", "read_date" and
 * "READ-DATE" all become "readdate". A BOM is dropped with the rest. */
static void normalise(char *out, size_t size, const char *text)
{
	size_t n = 0;

	for (; *text != '\0' && n + 1 < size; text++) {
		char c = *text;
		if (c >= 'A' && c <= 'Z')
			out[n++] = (char)(c - 'A' + 'a');
		else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			out[n++] = c;
	}
	out[n] = '\0';
}

static int in_list(const char *name, const char *const *aliases)
{
	for (; *aliases != NULL; aliases++) {
		if (strcmp(name, *aliases) == 0)
			return 1;
	}
	return 0;
}

/* "hh" then 1-2 digits (HH01, hh1, "HH 01" and "HH_01" once normalised):
 * the period number 1..50, or 0. */
static int period_of(const char *name)
{
	int n;

	if (name[0] != 'h' || name[1] != 'h' || name[2] < '0' || name[2] > '9')
		return 0;
	n = name[2] - '0';
	if (name[3] >= '0' && name[3] <= '9')
		n = n * 10 + (name[3] - '0');
	else if (name[3] != '\0')
		return 0;
	if (name[3] != '\0' && name[4] != '\0')
		return 0;
	return n >= 1 && n <= ECL_MAX_PERIODS ? n : 0;
}

static void take(int *field, const char *name, const char *const *aliases, int column)
{
	if (*field < 0 && in_list(name, aliases))
		*field = column;
}

static int assign_columns(ecl_columns *c, const ecl_csv_record *header)
{
	char name[NAME_MAX_NORMALISED];
	size_t i;

	for (i = 0; i < header->count; i++) {
		int column = (int)i, period;

		normalise(name, sizeof(name), header->fields[i]);
		/* File order decides: each field takes the first column that matches. */
		take(&c->mpan, name, mpan_aliases, column);
		take(&c->date, name, date_aliases, column);
		take(&c->time, name, time_aliases, column);
		take(&c->datetime, name, datetime_aliases, column);
		take(&c->value, name, value_aliases, column);
		take(&c->unit, name, unit_aliases, column);
		take(&c->reading_type, name, type_aliases, column);
		period = period_of(name);
		if (period > 0 && c->hh[period] >= 0)
			return ecl_error_set(ECL_EINVALID, "the header has two columns for period %d "
				"(\"%s\" and \"%s\")", period, header->fields[c->hh[period]], header->fields[i]);
		if (period > 0) {
			c->hh[period] = column;
			c->hh_count++;
		}
	}
	return 0;
}

/* "Headers detected: a, b, c" with at most 15 names, as the reference said. */
static void describe_headers(char *out, size_t size, const ecl_csv_record *header)
{
	size_t i, used = 0;

	out[0] = '\0';
	for (i = 0; i < header->count && i < 15 && used + 1 < size; i++) {
		int n = snprintf(out + used, size - used, "%s%s", i ? ", " : "", header->fields[i]);
		if (n < 0)
			break;
		used += (size_t)n < size - used ? (size_t)n : size - used - 1;
	}
}

static int choose_format(ecl_columns *c, const ecl_csv_record *header, ecl_import_type type)
{
	char found[512];

	describe_headers(found, sizeof(found), header);
	if (c->mpan < 0)
		return ecl_error_set(ECL_EINVALID, "CSV must include a column containing the meter "
			"identifier (e.g. MPAN or MeterCode). Headers detected: %s", found);
	if (type == ECL_IMPORT_DAILY) {
		c->format = ECL_FORMAT_DAILY;
		if (c->date < 0)
			return ecl_error_set(ECL_EINVALID, "Daily CSV must include a date column. "
				"Headers detected: %s", found);
		if (c->value < 0)
			return ecl_error_set(ECL_EINVALID, "Daily CSV must include a value column "
				"(e.g. Reading, Value, kWh). Headers detected: %s", found);
		return 0;
	}
	if (c->value >= 0 && (c->datetime >= 0 || (c->date >= 0 && c->time >= 0))) {
		c->format = ECL_FORMAT_HH_INTERVAL;
		return 0;
	}
	c->format = ECL_FORMAT_HH_MATRIX;
	if (c->date < 0)
		return ecl_error_set(ECL_EINVALID, "Half-hourly CSV must include a date column. "
			"Headers detected: %s", found);
	if (c->hh_count == 0)
		return ecl_error_set(ECL_EINVALID, "Half-hourly CSV must include columns HH01..HH48 "
			"or provide a timestamp column. Headers detected: %s", found);
	return 0;
}

static int keep_names(ecl_columns *c, const ecl_csv_record *header)
{
	size_t i;

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

int ecl__columns_map(ecl_columns *out, const ecl_csv_record *header, ecl_import_type type)
{
	int i, rc;

	memset(out, 0, sizeof(*out));
	out->mpan = out->date = out->time = out->datetime = -1;
	out->value = out->unit = out->reading_type = -1;
	for (i = 0; i <= ECL_MAX_PERIODS; i++)
		out->hh[i] = -1;
	rc = assign_columns(out, header);
	if (rc == 0)
		rc = choose_format(out, header, type);
	if (rc == 0)
		rc = keep_names(out, header);
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
	columns->names = NULL;
	columns->name_count = 0;
}
