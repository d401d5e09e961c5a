/*
 * An import profile (docs/profiles.md): one file layout, parsed from its
 * JSON text and checked, so that everything the importer reads from it is
 * valid before a row is read. The generic reader is a profile too, built in
 * C (layout ECL_LAYOUT_AUTO), so one mapping and one row converter serve
 * every file.
 */
#ifndef ECL_PROFILE_H
#define ECL_PROFILE_H

#include <regex.h>
#include <stddef.h>

#define ECL_PROFILE_NAME_MAX 64
#define ECL_PROFILE_LANGUAGE 1

typedef enum ecl_layout {
	ECL_LAYOUT_AUTO = 0,   /* the generic reader: wide, long or daily by the header */
	ECL_LAYOUT_WIDE,       /* a row per meter and day, half hours across */
	ECL_LAYOUT_LONG,       /* a row per reading: timestamp, or date + time */
	ECL_LAYOUT_PERIOD,     /* a row per reading: date + settlement period */
	ECL_LAYOUT_DAILY,      /* a row per meter and day, one total */
	ECL_LAYOUT_READER      /* an industry flow, read by its own reader */
} ecl_layout;

typedef enum ecl_reader_kind { ECL_READER_NONE = 0, ECL_READER_D0036, ECL_READER_D0275, ECL_READER_DF2 } ecl_reader_kind;

typedef enum ecl_period_names { ECL_NAMES_NUMBERED = 0, ECL_NAMES_CLOCK = 1 } ecl_period_names;

/* A column: a position (1-based) or names, first present wins. */
typedef struct ecl_colref {
	int position;          /* > 0: by position */
	char **names;          /* normalised */
	size_t count;
} ecl_colref;

typedef struct ecl_textlist {
	char **items;          /* trimmed; compared case-insensitively */
	size_t count;
} ecl_textlist;

typedef struct ecl_filter {
	ecl_colref column;
	ecl_textlist values;
	regex_t *pattern;      /* skip_rows "matches" (POSIX extended, any case), or NULL */
	int keep;              /* 1: keep only rows whose cell is listed (quantity); 0: skip listed rows */
} ecl_filter;

typedef struct ecl_profile {
	char name[ECL_PROFILE_NAME_MAX + 1];
	char *description, *source, *origin;  /* origin: "built-in" or the file it came from */
	char *json;                           /* the text it was parsed from */
	int shared;                           /* a built-in one, parsed once per process:
	                                       * ecl__profile_free() leaves it alone */
	ecl_layout layout;
	ecl_reader_kind reader;
	char delimiter;                       /* 0: sniffed */
	int skip_lines, find_header, no_header;
	ecl_textlist signature;               /* normalised */
	ecl_textlist signature_text;          /* as written, for messages */
	ecl_colref *meters;                   /* preference order */
	size_t meter_count;
	int meter_given;
	ecl_colref date, time, timestamp, period, value, unit;
	ecl_textlist date_formats, time_formats, timestamp_formats;   /* empty: the generic parsers */
	/* periods (wide) */
	ecl_period_names names;
	ecl_textlist prefixes, suffixes;      /* normalised */
	ecl_colref first;
	int count;                            /* with first */
	ecl_colref repeated[2];
	int stamps_end, clock_utc;
	int date_shift;                       /* days added to the date column's date */
	int fixed_unit;                       /* 0 none (kWh), else 1 kWh, 2 Wh, 3 MWh */
	ecl_colref flag;
	int flag_each_value;                  /* 1: the column after each value, -1: before, 0: none */
	ecl_textlist flag_actual, flag_estimated;   /* empty: the generic codes */
	ecl_filter *filters;
	size_t filter_count;
	ecl_colref *ignore;
	size_t ignore_count;
	ecl_textlist missing;
} ecl_profile;

/*
 * Parse and check a profile's JSON text. `origin` says where it came from
 * ("built-in" or a path) for messages and listings. 0, or ECL_EINVALID with
 * a message naming the origin, the profile and the key at fault; ECL_ENOMEM.
 */
int ecl__profile_parse(ecl_profile **out, const char *json, size_t len, const char *origin);

/* The generic reader as a profile (the reference's alias table, extended). */
int ecl__profile_generic(ecl_profile **out);

/* Free a profile (not a shared built-in one). Accepts NULL. */
void ecl__profile_free(ecl_profile *profile);

/* "wide", "long", … for listings. */
const char *ecl__layout_name(ecl_layout layout);

/* Lower case, a-z0-9 only: how header cells and profile names compare. */
void ecl__normalise_name(char *out, size_t size, const char *text);

#endif
