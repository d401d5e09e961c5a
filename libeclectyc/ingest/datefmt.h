/*
 * Dates and times written as a profile's strftime-like patterns
 * ("%d/%m/%Y", "%b %d %Y %I:%M%p", "%Y-%m-%dT%H:%M:%S%z"): the directives
 * are listed in docs/profiles.md. Matching is strict: the whole cell, once
 * trimmed, must match; dates never roll over; an hour of 24 is midnight at
 * the end of the day and only where the caller allows it (stamps that mark
 * interval ends). Like parse.h, no allocation, no locale, no time zone.
 */
#ifndef ECL_DATEFMT_H
#define ECL_DATEFMT_H

#include <stddef.h>

#include "ingest/parse.h"

/* What a pattern holds, so a profile can be checked when it is loaded. */
enum {
	ECL_DATEFMT_DATE = 1,    /* year, month and day */
	ECL_DATEFMT_TIME = 2,    /* hour and minute */
	ECL_DATEFMT_OFFSET = 4   /* %z */
};

/*
 * Check a pattern: 0 with *parts set to the ECL_DATEFMT_* bits it holds, or
 * -1 with `why` saying what is wrong (an unknown directive, a date without
 * its year, month or day, %I without %p, a field written twice).
 */
int ecl__datefmt_check(const char *pattern, int *parts, char *why, size_t why_size);

/*
 * Match `text` against each pattern in turn; the first that matches wins.
 * out->date is set when the pattern has a date, out->seconds (0 without a
 * time; 86400 for 24:00 when allow_24) and the offset when it has %z.
 * ECL_EINVALID naming `what`, the cell and the patterns when none matches,
 * or the reason when one matches but names a date or time that does not
 * exist.
 */
int ecl__datefmt_parse(ecl_timestamp *out, const char *text, char *const *patterns, size_t count,
                       int allow_24, const char *what);

#endif
