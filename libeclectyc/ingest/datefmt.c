/*
 * The profile date patterns. A pattern is matched left to right against the
 * trimmed cell; the fields it reads are then checked together (the day
 * against its month, 24:00 only at the end of a day, %I with %p), so a cell
 * that matches the shape but names a day that does not exist is reported as
 * such rather than as "does not match".
 */
#include "datefmt.h"

#include <stdio.h>
#include <string.h>

#include "eclectyc/sys/errors.h"

#define QUOTE_MAX 80

static const char *const month_names[12] = {
	"january", "february", "march", "april", "may", "june",
	"july", "august", "september", "october", "november", "december"
};
static const char *const weekday_names[7] = {
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"
};

/* What a match has read so far; -1 where a field was not in the pattern. */
typedef struct fields {
	int year, month, day, hour, hour12, pm, minute, second;
	int offset_seconds, has_offset;
} fields;

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(int c)
{
	c = lower(c);
	return c >= 'a' && c <= 'z';
}

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Between `min` and `max` digits → *value; 0 when there are fewer than min.
 * Reads at most `max`, so "2510" with %y%m gives 25 then 10. */
static int digits(const char **p, const char *end, int min, int max, int *value)
{
	const char *s = *p;
	int v = 0, n = 0;

	while (s < end && n < max && is_digit((unsigned char)*s)) {
		v = v * 10 + (*s - '0');
		s++;
		n++;
	}
	if (n < min)
		return 0;
	*value = v;
	*p = s;
	return 1;
}

/* A run of letters that is a name in `names` or its prefix of 3 or more
 * letters ("Oct", "Sept", "October"): its index, or -1. */
static int name_index(const char **p, const char *end, const char *const *names, int count)
{
	const char *s = *p;
	size_t len;
	int i;

	while (s < end && is_alpha((unsigned char)*s))
		s++;
	len = (size_t)(s - *p);
	if (len < 3)
		return -1;
	for (i = 0; i < count; i++) {
		size_t k;

		if (len > strlen(names[i]))
			continue;
		for (k = 0; k < len && lower((unsigned char)(*p)[k]) == names[i][k]; k++)
			;
		if (k == len) {
			*p = s;
			return i;
		}
	}
	return -1;
}

static int read_offset(const char **p, const char *end, fields *f)
{
	const char *s = *p;
	int sign, hours = 0, minutes = 0;

	if (s < end && (*s == 'Z' || *s == 'z')) {
		f->has_offset = 1;
		f->offset_seconds = 0;
		*p = s + 1;
		return 1;
	}
	if (s >= end || (*s != '+' && *s != '-'))
		return 0;
	sign = *s++ == '-' ? -1 : 1;
	if (!digits(&s, end, 2, 2, &hours))
		return 0;
	if (s < end && *s == ':')
		s++;
	if (!digits(&s, end, 2, 2, &minutes) || hours > 23 || minutes > 59)
		return 0;
	f->has_offset = 1;
	f->offset_seconds = sign * (hours * 3600 + minutes * 60);
	*p = s;
	return 1;
}

static int read_ampm(const char **p, const char *end, fields *f)
{
	const char *s = *p;

	if (end - s < 2 || lower((unsigned char)s[1]) != 'm')
		return 0;
	if (lower((unsigned char)s[0]) == 'a')
		f->pm = 0;
	else if (lower((unsigned char)s[0]) == 'p')
		f->pm = 1;
	else
		return 0;
	*p = s + 2;
	return 1;
}

/* One directive at *p of the text: 1 when it matched. */
static int directive(char d, const char **p, const char *end, fields *f)
{
	switch (d) {
	case 'Y': return digits(p, end, 4, 4, &f->year);
	case 'y':
		if (!digits(p, end, 2, 2, &f->year))
			return 0;
		f->year += 2000;
		return 1;
	case 'm': return digits(p, end, 1, 2, &f->month);
	case 'd': return digits(p, end, 1, 2, &f->day);
	case 'H': return digits(p, end, 1, 2, &f->hour);
	case 'I': return digits(p, end, 1, 2, &f->hour12);
	case 'M': return digits(p, end, 2, 2, &f->minute);
	case 'N': {
		/* A clock time as one number, HHMM without its leading zeros:
		 * 0, 30, 530, 2330. */
		int v = 0;
		if (!digits(p, end, 1, 4, &v))
			return 0;
		f->hour = v / 100;
		f->minute = v % 100;
		return 1;
	}
	case 'S': return digits(p, end, 2, 2, &f->second);
	case 'f':
		/* Fractions of a second: a stamp on the half hour has only
		 * zeros there, so a fraction that is not zero does not match. */
		while (*p < end && **p == '0')
			(*p)++;
		return *p >= end || !is_digit((unsigned char)**p);
	case 'b':
	case 'B':
		f->month = name_index(p, end, month_names, 12) + 1;
		return f->month > 0;
	case 'a':
	case 'A': return name_index(p, end, weekday_names, 7) >= 0;
	case 'p': return read_ampm(p, end, f);
	case 'z': return read_offset(p, end, f);
	case '%':
		if (*p < end && **p == '%') {
			(*p)++;
			return 1;
		}
		return 0;
	default: return 0;
	}
}

/* Match the whole span against the pattern. */
static int match(const char *text, const char *end, const char *pattern, fields *f)
{
	const char *p = text;
	const char *q;

	for (q = pattern; *q != '\0'; q++) {
		if (*q == '%' && q[1] == 'T') {
			if (!directive('H', &p, end, f) || p >= end || *p++ != ':'
			    || !directive('M', &p, end, f) || p >= end || *p++ != ':'
			    || !directive('S', &p, end, f))
				return 0;
			q++;
		} else if (*q == '%' && q[1] != '\0') {
			if (!directive(*++q, &p, end, f))
				return 0;
		} else if (*q == ' ') {
			if (p >= end || !is_space((unsigned char)*p))
				return 0;
			while (p < end && is_space((unsigned char)*p))
				p++;
		} else {
			if (p >= end || lower((unsigned char)*p) != lower((unsigned char)*q))
				return 0;
			p++;
		}
	}
	return p == end;
}

/* ---- checking a pattern --------------------------------------------------- */

static int note(char *why, size_t size, const char *text)
{
	snprintf(why, size, "%s", text);
	return -1;
}

int ecl__datefmt_check(const char *pattern, int *parts, char *why, size_t why_size)
{
	int seen[128] = { 0 };
	const char *q;

	*parts = 0;
	for (q = pattern; *q != '\0'; q++) {
		unsigned char d;

		if (*q != '%')
			continue;
		d = (unsigned char)*++q;
		if (d == '\0')
			return note(why, why_size, "ends with a lone %");
		if (d >= 128 || strchr("YymdbBaAHIMNSfpzT%", d) == NULL) {
			snprintf(why, why_size, "has an unknown directive %%%c", d >= 32 && d < 127 ? d : '?');
			return -1;
		}
		if (d != '%' && seen[d]++)
			return snprintf(why, why_size, "has %%%c twice", d), -1;
	}
	if ((seen['Y'] && seen['y']) || (seen['m'] && (seen['b'] || seen['B'])) || (seen['H'] && seen['I'])
	    || (seen['T'] && (seen['H'] || seen['I'] || seen['M']))
	    || (seen['N'] && (seen['H'] || seen['I'] || seen['M'] || seen['T'])))
		return note(why, why_size, "writes one field twice");
	if (seen['I'] != seen['p'])
		return note(why, why_size, "needs %I and %p together (a 12-hour clock)");
	if (seen['Y'] || seen['y'] || seen['m'] || seen['b'] || seen['B'] || seen['d']) {
		if (!(seen['Y'] || seen['y']) || !(seen['m'] || seen['b'] || seen['B']) || !seen['d'])
			return note(why, why_size, "has part of a date: it needs a year, a month and a day");
		*parts |= ECL_DATEFMT_DATE;
	}
	if (seen['H'] || seen['I'] || seen['M'] || seen['T'] || seen['N']) {
		if (!(seen['T'] || seen['N'] || ((seen['H'] || seen['I']) && seen['M'])))
			return note(why, why_size, "has part of a time: it needs an hour and minutes");
		*parts |= ECL_DATEFMT_TIME;
	}
	if (seen['z'])
		*parts |= ECL_DATEFMT_OFFSET;
	if (*parts == 0)
		return note(why, why_size, "has neither a date nor a time");
	return 0;
}

/* ---- matching a cell ------------------------------------------------------ */

static int fail(const char *what, const char *b, const char *e, const char *reason)
{
	size_t len = (size_t)(e - b);

	return ecl_error_set(ECL_EINVALID, "invalid %s \"%.*s%s\": %s", what,
		(int)(len > QUOTE_MAX ? QUOTE_MAX : len), b, len > QUOTE_MAX ? "..." : "", reason);
}

/* The fields read → the timestamp, checked. */
static int settle(ecl_timestamp *out, const fields *f, int allow_24, const char *what,
                  const char *b, const char *e)
{
	char reason[160];
	int hour = f->hour;

	if (f->year >= 0 && !ecl__date_is_valid(f->year, f->month, f->day)) {
		snprintf(reason, sizeof(reason), "%s %d has no day %d", ecl__month_name(f->month),
			f->year, f->day);
		return fail(what, b, e, f->month < 1 || f->month > 12 ? "the month does not exist" : reason);
	}
	if (f->hour12 >= 0) {
		if (f->hour12 < 1 || f->hour12 > 12)
			return fail(what, b, e, "a 12-hour clock runs from 1 to 12");
		hour = f->hour12 % 12 + (f->pm ? 12 : 0);
	}
	if (f->minute > 59 || f->second > 59)
		return fail(what, b, e, "minutes and seconds run from 00 to 59");
	if (hour > 24 || (hour == 24 && (!allow_24 || f->minute > 0 || f->second > 0)))
		return fail(what, b, e, allow_24 ? "hours run from 00 to 23, or 24:00 for the end of a day"
			: "hours run from 00 to 23");
	memset(out, 0, sizeof(*out));
	if (f->year >= 0) {
		out->date.year = f->year;
		out->date.month = f->month;
		out->date.day = f->day;
	}
	out->seconds = (hour < 0 ? 0 : hour) * 3600 + (f->minute < 0 ? 0 : f->minute) * 60
		+ (f->second < 0 ? 0 : f->second);
	out->has_offset = f->has_offset;
	out->offset_seconds = f->offset_seconds;
	return 0;
}

int ecl__datefmt_parse(ecl_timestamp *out, const char *text, char *const *patterns, size_t count,
                       int allow_24, const char *what)
{
	const char *b = text, *e = text + strlen(text);
	char expected[256];
	size_t i, used = 0;

	while (b < e && is_space((unsigned char)*b))
		b++;
	while (e > b && is_space((unsigned char)e[-1]))
		e--;
	for (i = 0; i < count; i++) {
		fields f = { -1, -1, -1, -1, -1, 0, -1, -1, 0, 0 };

		if (match(b, e, patterns[i], &f))
			return settle(out, &f, allow_24, what, b, e);
	}
	expected[0] = '\0';
	for (i = 0; i < count && used + 1 < sizeof(expected); i++) {
		int n = snprintf(expected + used, sizeof(expected) - used, "%s%s", i ? " or " : "expected ",
			patterns[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return fail(what, b, e, count ? expected : "no format given");
}
