/*
 * Strict parsers for the text cells of meter-reading files: dates, times,
 * timestamps, decimal values, energy units and the actual/estimated flag.
 *
 * Each takes a NUL-terminated cell, ignores surrounding white space (space,
 * tab, CR, LF, VT, FF, as PHP's trim() did) and accepts nothing else beyond
 * the documented forms. They never allocate and never consult the locale or
 * the time zone, because they run once or more per cell of a file of
 * millions of rows. On failure they return ECL_EINVALID and set a message
 * that quotes the offending text and says what is wrong with it; output
 * parameters are written only on success.
 */
#ifndef ECL_PARSE_H
#define ECL_PARSE_H

#include <stdint.h>

#include "util/settlement.h"

typedef enum ecl_date_order { ECL_DATE_DAY_FIRST = 0, ECL_DATE_MONTH_FIRST = 1 } ecl_date_order;

/*
 * A calendar date in one of these forms (D and M are 1 or 2 digits):
 *   YYYY-M-D, YYYY/M/D                        always year first;
 *   D/M/YYYY, D-M-YYYY, D.M.YYYY              with ECL_DATE_DAY_FIRST;
 *   M/D/YYYY, M-D-YYYY, M.D.YYYY              with ECL_DATE_MONTH_FIRST.
 * Both separators must be the same. The year has exactly four digits (a
 * two-digit year is reported as ambiguous) and is 0001-9999. Nothing rolls
 * over: 31/02/2025 and 11/30/2025 (day-first) are errors.
 */
int ecl__parse_date(ecl_date *out, const char *text, ecl_date_order order);

/*
 * H:MM or H:MM:SS (hour of 1 or 2 digits, minute and second of 2), hour
 * 0-23 → seconds since midnight. 24:00 and 24:00:00 give 86400 only when
 * allow_24 is non-zero (timestamps that mark interval ends).
 */
int ecl__parse_time(int *seconds, const char *text, int allow_24);

/*
 * A date (any form above), then 'T' (or 't') or one or more spaces, then a
 * time (as above), then optionally 'Z' (or 'z') or an offset +HH:MM, -HH:MM,
 * +HHMM, -HHMM (hours 00-23, minutes 00-59) with no space before it.
 * has_offset is 1 when a zone designator was present (offset_seconds east of
 * UTC, 0 for Z) and 0 for a local Europe/London time, which the caller
 * converts with ecl__local_to_utc(). seconds may be 86400 with allow_24.
 */
typedef struct ecl_timestamp {
	ecl_date date;
	int seconds;
	int has_offset;
	int offset_seconds;
} ecl_timestamp;
int ecl__parse_timestamp(ecl_timestamp *out, const char *text, ecl_date_order order, int allow_24);

/*
 * A decimal number: optional sign, digits, optional '.' and digits, at
 * least one digit in all ("5." and ".5" are fine). No thousands separators,
 * exponents, hex, inf/nan or placeholders such as "N/A". The result is exact
 * in micro-units (value × 1 000 000), rounded half away from zero beyond six
 * decimals; a magnitude above INT64_MAX micro-units is out of range.
 */
int ecl__parse_decimal(int64_t *micro, const char *text);

/* An energy unit and its exact factor to kWh: kWh = value × mul / div. */
typedef struct ecl_unit {
	const char *name;  /* canonical spelling: "kWh", "Wh" or "MWh" (static) */
	int64_t mul;
	int64_t div;
} ecl_unit;

/* "kWh", "Wh" or "MWh" in any case; an empty cell means kWh. */
int ecl__parse_unit(ecl_unit *out, const char *text);

/*
 * micro-units of `unit` → micro-kWh, rounded half away from zero when the
 * division is not exact; ECL_EINVALID when the result would overflow or the
 * unit's factor is not positive.
 */
int ecl__convert_to_kwh_micro(int64_t *out, int64_t micro, const ecl_unit *unit);

typedef enum ecl_reading_type { ECL_READING_ACTUAL = 0, ECL_READING_ESTIMATED = 1 } ecl_reading_type;

/*
 * A, actual → actual; E, estimated → estimated (any case); empty → actual.
 * Anything else is ECL_EINVALID: the reference silently stored unknown flags
 * as actual, and its 'manual' (M) could not be stored in production at all,
 * so both are reported instead.
 */
int ecl__parse_reading_type(ecl_reading_type *out, const char *text);

#endif
