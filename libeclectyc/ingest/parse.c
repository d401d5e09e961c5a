/* Strict, allocation-free, locale-free parsers for reading-file cells. */
#include "ingest/parse.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "eclectyc/sys/errors.h"

/* Messages quote at most this many bytes of a cell: a runaway field (a
 * whole line in one cell) must not bury the reason. */
#define QUOTE_MAX 80
#define MICRO INT64_C(1000000)
#define MAX_INTEGER_PART (INT64_MAX / MICRO)

/* A byte range [b, e) of the caller's text. */
typedef struct span {
	const char *b;
	const char *e;
} span;

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int to_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static span trim(const char *text)
{
	span s;

	while (is_space((unsigned char)*text))
		text++;
	s.b = text;
	s.e = text + strlen(text);
	while (s.e > s.b && is_space((unsigned char)s.e[-1]))
		s.e--;
	return s;
}

static size_t span_len(span s)
{
	return (size_t)(s.e - s.b);
}

/* Case-insensitive comparison of a span with a lower-case literal. */
static int span_is(span s, const char *lower)
{
	size_t n = strlen(lower);

	if (span_len(s) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (to_lower((unsigned char)s.b[i]) != lower[i])
			return 0;
	return 1;
}

/* Record `invalid <what> "<cell>": <reason>` and return ECL_EINVALID. */
#ifdef __GNUC__
__attribute__((format(printf, 3, 4)))
#endif
static int fail(const char *what, span cell, const char *format, ...)
{
	char reason[512];
	size_t len = span_len(cell);
	va_list args;

	va_start(args, format);
	vsnprintf(reason, sizeof(reason), format, args);
	va_end(args);
	return ecl_error_set(ECL_EINVALID, "invalid %s \"%.*s%s\": %s", what,
		(int)(len > QUOTE_MAX ? QUOTE_MAX : len), cell.b, len > QUOTE_MAX ? "..." : "", reason);
}

/* The context a sub-parser reports errors in: a date inside a timestamp is
 * reported as an invalid timestamp quoting the whole cell. */
typedef struct context {
	const char *what;
	span cell;
} context;

/* Consume a run of digits; the value saturates (callers check the digit
 * count before using it, so a saturated value never escapes). */
static size_t read_digits(const char **p, const char *end, int *value)
{
	const char *start = *p, *s = *p;
	int v = 0;

	while (s < end && is_digit((unsigned char)*s)) {
		if (v < 100000)
			v = v * 10 + (*s - '0');
		s++;
	}
	*value = v;
	*p = s;
	return (size_t)(s - start);
}

/* ---- dates ------------------------------------------------------------ */

static const char *date_forms(ecl_date_order order)
{
	return order == ECL_DATE_MONTH_FIRST
		? "expected a date YYYY-MM-DD or MM/DD/YYYY"
		: "expected a date YYYY-MM-DD or DD/MM/YYYY";
}

/* The three numbers of a date, their digit counts and the two separators. */
typedef struct date_fields {
	int value[3];
	size_t digits[3];
	char sep[2];
} date_fields;

static int split_date(date_fields *f, span s)
{
	const char *p = s.b;

	for (int i = 0; i < 3; i++) {
		f->digits[i] = read_digits(&p, s.e, &f->value[i]);
		if (f->digits[i] == 0)
			return -1;
		if (i < 2) {
			if (p == s.e)
				return -1;
			f->sep[i] = *p++;
		}
	}
	return p == s.e ? 0 : -1;
}

static int check_ymd(ecl_date *out, int y, int m, int d, const context *cx, const char *month_hint)
{
	if (y == 0)
		return fail(cx->what, cx->cell, "year 0 does not exist");
	if (m < 1 || m > 12)
		return fail(cx->what, cx->cell, "month %d does not exist%s", m, month_hint);
	if (d < 1)
		return fail(cx->what, cx->cell, "day 0 does not exist");
	if (d > ecl__days_in_month(y, m))
		return fail(cx->what, cx->cell, "day %d does not exist in %s %d", d, ecl__month_name(m), y);
	out->year = y;
	out->month = m;
	out->day = d;
	return 0;
}

static int year_first(ecl_date *out, const date_fields *f, ecl_date_order order, const context *cx)
{
	if (f->sep[0] != '-' && f->sep[0] != '/')
		return fail(cx->what, cx->cell, "%s", date_forms(order));
	if (f->digits[1] > 2 || f->digits[2] > 2)
		return fail(cx->what, cx->cell, "%s", date_forms(order));
	return check_ymd(out, f->value[0], f->value[1], f->value[2], cx, "");
}

static int year_last(ecl_date *out, const date_fields *f, ecl_date_order order, const context *cx)
{
	int month_first = order == ECL_DATE_MONTH_FIRST;

	if (f->sep[0] != '/' && f->sep[0] != '-' && f->sep[0] != '.')
		return fail(cx->what, cx->cell, "%s", date_forms(order));
	if (f->digits[1] > 2)
		return fail(cx->what, cx->cell, "%s", date_forms(order));
	if (f->digits[2] == 2)
		return fail(cx->what, cx->cell,
			"two-digit year \"%02d\" is ambiguous; write the year with 4 digits", f->value[2]);
	if (f->digits[2] != 4)
		return fail(cx->what, cx->cell, "the year must have 4 digits");
	return check_ymd(out, f->value[2], f->value[month_first ? 0 : 1], f->value[month_first ? 1 : 0], cx,
		month_first ? " (dates are read month-first, MM/DD/YYYY)"
			    : " (dates are read day-first, DD/MM/YYYY)");
}

static int parse_date_span(ecl_date *out, span s, ecl_date_order order, const context *cx)
{
	date_fields f;

	if (split_date(&f, s) < 0)
		return fail(cx->what, cx->cell, "%s", date_forms(order));
	if (f.sep[0] != f.sep[1]) {
		if ((f.sep[1] == '/' || f.sep[1] == '-' || f.sep[1] == '.') &&
		    (f.sep[0] == '/' || f.sep[0] == '-' || f.sep[0] == '.'))
			return fail(cx->what, cx->cell, "the separators '%c' and '%c' differ", f.sep[0], f.sep[1]);
		return fail(cx->what, cx->cell, "%s", date_forms(order));
	}
	if (f.digits[0] == 4)
		return year_first(out, &f, order, cx);
	if (f.digits[0] <= 2)
		return year_last(out, &f, order, cx);
	return fail(cx->what, cx->cell, "%s", date_forms(order));
}

int ecl__parse_date(ecl_date *out, const char *text, ecl_date_order order)
{
	context cx = { "date", trim(text ? text : "") };

	if (cx.cell.b == cx.cell.e)
		return fail(cx.what, cx.cell, "empty");
	return parse_date_span(out, cx.cell, order, &cx);
}

/* ---- times and timestamps --------------------------------------------- */

static int check_hms(int *seconds, int h, int m, int s, int allow_24, const context *cx)
{
	if (h == 24 && m == 0 && s == 0) {
		if (!allow_24)
			return fail(cx->what, cx->cell,
				"24:00 is accepted only when timestamps mark the end of an interval");
		*seconds = 86400;
		return 0;
	}
	if (h > 23)
		return fail(cx->what, cx->cell, "hour %d does not exist (hours run 0-23%s)", h,
			allow_24 ? ", and 24:00 for the end of the day" : "");
	if (m > 59)
		return fail(cx->what, cx->cell, "minute %d does not exist", m);
	if (s > 59)
		return fail(cx->what, cx->cell, "second %d does not exist", s);
	*seconds = h * 3600 + m * 60 + s;
	return 0;
}

static int parse_time_span(int *seconds, span s, int allow_24, const context *cx)
{
	const char *p = s.b;
	size_t n;
	int h, m, sec = 0;

	n = read_digits(&p, s.e, &h);
	if (n < 1 || n > 2 || p == s.e || *p != ':')
		goto form;
	p++;
	if (read_digits(&p, s.e, &m) != 2)
		goto form;
	if (p < s.e) {
		if (*p != ':')
			goto form;
		p++;
		if (read_digits(&p, s.e, &sec) != 2 || p != s.e)
			goto form;
	}
	return check_hms(seconds, h, m, sec, allow_24, cx);
form:
	return fail(cx->what, cx->cell, "expected a time HH:MM or HH:MM:SS");
}

int ecl__parse_time(int *seconds, const char *text, int allow_24)
{
	context cx = { "time", trim(text ? text : "") };

	if (cx.cell.b == cx.cell.e)
		return fail(cx.what, cx.cell, "empty");
	return parse_time_span(seconds, cx.cell, allow_24, &cx);
}

/* "Z" or ±HH:MM / ±HHMM after the time; an empty span is a local time. */
static int parse_zone(ecl_timestamp *ts, span z, const context *cx)
{
	const char *p = z.b + 1;
	size_t n, len = span_len(z);
	int h, m = 0;

	ts->has_offset = len > 0;
	ts->offset_seconds = 0;
	if (len == 0 || (len == 1 && (*z.b == 'Z' || *z.b == 'z')))
		return 0;
	if (*z.b != '+' && *z.b != '-')
		goto form;
	n = read_digits(&p, z.e, &h);
	if (n == 4 && p == z.e) {
		m = h % 100;
		h /= 100;
	} else if (n == 2 && p < z.e && *p == ':') {
		p++;
		if (read_digits(&p, z.e, &m) != 2 || p != z.e)
			goto form;
	} else {
		goto form;
	}
	if (h > 23 || m > 59)
		return fail(cx->what, cx->cell, "UTC offset \"%.*s\" is out of range", (int)len, z.b);
	ts->offset_seconds = (*z.b == '-' ? -1 : 1) * (h * 3600 + m * 60);
	return 0;
form:
	return fail(cx->what, cx->cell,
		"unexpected \"%.*s%s\" after the time; expected Z or a UTC offset such as +01:00",
		(int)(len > 16 ? 16 : len), z.b, len > 16 ? "..." : "");
}

int ecl__parse_timestamp(ecl_timestamp *out, const char *text, ecl_date_order order, int allow_24)
{
	context cx = { "timestamp", trim(text ? text : "") };
	const char *p = cx.cell.b, *e = cx.cell.e;
	span date, time;
	ecl_timestamp ts;
	int rc;

	if (p == e)
		return fail(cx.what, cx.cell, "empty");
	while (p < e && *p != ' ' && *p != 'T' && *p != 't')
		p++;
	if (p == e)
		return fail(cx.what, cx.cell,
			"no time: expected a date, then 'T' or a space, then HH:MM or HH:MM:SS");
	date.b = cx.cell.b;
	date.e = p;
	if (*p == ' ')
		while (p < e && *p == ' ')
			p++;
	else
		p++;
	time.b = p;
	while (p < e && (is_digit((unsigned char)*p) || *p == ':'))
		p++;
	time.e = p;
	if ((rc = parse_date_span(&ts.date, date, order, &cx)) < 0 ||
	    (rc = parse_time_span(&ts.seconds, time, allow_24, &cx)) < 0)
		return rc;
	date.b = p;
	date.e = e;
	if ((rc = parse_zone(&ts, date, &cx)) < 0)
		return rc;
	*out = ts;
	return 0;
}

/* ---- numbers and units ------------------------------------------------ */

/* Explain the first byte the decimal grammar could not take. */
static int bad_number(span cell, const char *at, int digits)
{
	if (at == cell.e)
		return fail("number", cell, "no digits");
	if (*at == ',')
		return fail("number", cell,
			"',' is not accepted: use '.' for the decimal point and no thousands separators");
	if ((*at == 'e' || *at == 'E') && digits > 0)
		return fail("number", cell, "exponents are not accepted");
	if ((*at == 'x' || *at == 'X') && digits > 0)
		return fail("number", cell, "hexadecimal is not accepted");
	if (*at > ' ' && *at < 0x7f)
		return fail("number", cell, "unexpected '%c' at position %d; expected a decimal such as -12.345",
			*at, (int)(at - cell.b) + 1);
	return fail("number", cell, "unexpected byte 0x%02X at position %d; expected a decimal such as -12.345",
		(unsigned char)*at, (int)(at - cell.b) + 1);
}

int ecl__parse_decimal(int64_t *micro, const char *text)
{
	span cell = trim(text ? text : "");
	const char *p = cell.b, *e = cell.e;
	uint64_t whole = 0, frac = 0, magnitude;
	int negative = 0, digits = 0, places = 0, round_up = 0;

	if (p == e)
		return fail("number", cell, "empty");
	if (*p == '+' || *p == '-')
		negative = *p++ == '-';
	/* Saturating just past the limit keeps the arithmetic in range while
	 * the rest of the text is still checked. */
	for (; p < e && is_digit((unsigned char)*p); p++, digits++)
		if (whole <= (uint64_t)MAX_INTEGER_PART)
			whole = whole * 10 + (uint64_t)(*p - '0');
	if (p < e && *p == '.') {
		for (p++; p < e && is_digit((unsigned char)*p); p++, digits++, places++) {
			if (places < 6)
				frac = frac * 10 + (uint64_t)(*p - '0');
			else if (places == 6)
				round_up = *p >= '5';  /* half away from zero: only the 7th decimal decides */
		}
	}
	if (p != e || digits == 0)
		return bad_number(cell, p, digits);
	for (; places < 6; places++)
		frac *= 10;
	magnitude = whole * (uint64_t)MICRO + frac + (uint64_t)round_up;
	if (whole > (uint64_t)MAX_INTEGER_PART || magnitude > (uint64_t)INT64_MAX)
		return fail("number", cell, "out of range (the limit is 9223372036854.775807)");
	*micro = negative ? -(int64_t)magnitude : (int64_t)magnitude;
	return 0;
}

int ecl__parse_unit(ecl_unit *out, const char *text)
{
	static const ecl_unit units[] = {
		{ "kWh", 1, 1 },
		{ "Wh", 1, 1000 },
		{ "MWh", 1000, 1 },
	};
	static const char *const spellings[] = { "kwh", "wh", "mwh" };
	span cell = trim(text ? text : "");

	if (cell.b == cell.e) {
		*out = units[0];
		return 0;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (span_is(cell, spellings[i])) {
			*out = units[i];
			return 0;
		}
	}
	return fail("unit", cell, "expected kWh, Wh or MWh");
}

/* A micro-unit amount as a decimal for messages: 1234500000 → "1234.5". */
static void format_micro(char *buf, size_t size, int64_t micro)
{
	uint64_t magnitude = micro < 0 ? (uint64_t)0 - (uint64_t)micro : (uint64_t)micro;
	size_t len;

	snprintf(buf, size, "%s%llu.%06llu", micro < 0 ? "-" : "",
		(unsigned long long)(magnitude / MICRO), (unsigned long long)(magnitude % MICRO));
	len = strlen(buf);
	while (buf[len - 1] == '0')
		buf[--len] = '\0';
	if (buf[len - 1] == '.')
		buf[len - 1] = '\0';
}

int ecl__convert_to_kwh_micro(int64_t *out, int64_t micro, const ecl_unit *unit)
{
	char value[32];
	int64_t product, quotient, rest;

	if (unit == NULL || unit->mul <= 0 || unit->div <= 0)
		return ecl_error_set(ECL_EINVALID, "invalid unit conversion factor");
	if (micro > INT64_MAX / unit->mul || micro < INT64_MIN / unit->mul) {
		format_micro(value, sizeof(value), micro);
		return ecl_error_set(ECL_EINVALID, "%s %s is out of range once converted to kWh",
			value, unit->name ? unit->name : "units");
	}
	product = micro * unit->mul;
	quotient = product / unit->div;
	rest = product % unit->div;
	if (rest < 0)
		rest = -rest;
	/* rest >= div - rest is 2·rest >= div without overflow. */
	if (rest != 0 && rest >= unit->div - rest)
		quotient += product < 0 ? -1 : 1;
	*out = quotient;
	return 0;
}

/* ---- reading type ----------------------------------------------------- */

int ecl__parse_reading_type(ecl_reading_type *out, const char *text)
{
	span cell = trim(text ? text : "");

	if (cell.b == cell.e || span_is(cell, "a") || span_is(cell, "actual")) {
		*out = ECL_READING_ACTUAL;
		return 0;
	}
	if (span_is(cell, "e") || span_is(cell, "estimated")) {
		*out = ECL_READING_ESTIMATED;
		return 0;
	}
	if (span_is(cell, "m") || span_is(cell, "manual"))
		return fail("reading type", cell,
			"manual readings are not supported; expected A (actual) or E (estimated)");
	return fail("reading type", cell, "expected A (actual) or E (estimated)");
}
