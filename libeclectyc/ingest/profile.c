/*
 * Profiles from JSON. Every key is checked when the profile is loaded, with
 * a message naming where it came from, the profile and the key, so that a
 * typo in a user's profile is an error at once instead of a file imported
 * the wrong way. Unknown keys are refused for the same reason.
 */
#include "profile.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datefmt.h"
#include "eclectyc/sys/errors.h"
#include "util/strutil.h"

typedef struct pctx {
	const char *origin;
	const char *name;
} pctx;

#ifdef __GNUC__
__attribute__((format(printf, 3, 4)))
#endif
static int bad(const pctx *cx, const char *key, const char *format, ...)
{
	char reason[384];
	va_list args;

	va_start(args, format);
	vsnprintf(reason, sizeof(reason), format, args);
	va_end(args);
	return ecl_error_set(ECL_EINVALID, "profile %s%s%s: \"%s\" %s", cx->name ? cx->name : "",
		cx->name ? " in " : "", cx->origin, key, reason);
}

void ecl__normalise_name(char *out, size_t size, const char *text)
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

const char *ecl__layout_name(ecl_layout layout)
{
	static const char *const names[] = { "auto", "wide", "long", "period", "daily", "reader" };

	return (unsigned)layout < sizeof(names) / sizeof(names[0]) ? names[layout] : "?";
}

/* ---- small pieces ---------------------------------------------------------- */

static void trim(char *text)
{
	size_t start = strspn(text, " \t\r\n"), len = strlen(text + start);

	memmove(text, text + start, len + 1);
	while (len > 0 && strchr(" \t\r\n", text[len - 1]) != NULL)
		text[--len] = '\0';
}

static int add_text(ecl_textlist *list, const char *text, int normalise)
{
	char **grown = realloc(list->items, (list->count + 1) * sizeof(*grown));
	char *copy;

	if (grown == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory reading a profile");
	list->items = grown;
	copy = ecl__strdup(text);
	if (copy == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory reading a profile");
	if (normalise)
		ecl__normalise_name(copy, strlen(copy) + 1, text);
	else
		trim(copy);
	list->items[list->count++] = copy;
	return 0;
}

static void free_texts(ecl_textlist *list)
{
	size_t i;

	for (i = 0; i < list->count; i++)
		free(list->items[i]);
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

/* A string or an array of strings. `allow_empty`: "" may be an item (an
 * empty prefix). */
static int text_list(ecl_textlist *out, const json_t *v, const pctx *cx, const char *key, int normalise,
                     int allow_empty)
{
	size_t i;
	int rc = 0;

	if (json_is_string(v))
		return add_text(out, json_string_value(v), normalise);
	if (!json_is_array(v) || json_array_size(v) == 0)
		return bad(cx, key, "must be a string or a non-empty array of strings");
	for (i = 0; rc == 0 && i < json_array_size(v); i++) {
		const json_t *item = json_array_get(v, i);

		if (!json_is_string(item))
			return bad(cx, key, "item %zu is not a string", i + 1);
		if (!allow_empty && json_string_length(item) == 0)
			return bad(cx, key, "item %zu is empty", i + 1);
		rc = add_text(out, json_string_value(item), normalise);
	}
	return rc;
}

static int column_ref(ecl_colref *out, const json_t *v, const pctx *cx, const char *key)
{
	ecl_textlist names = { NULL, 0 };
	const char *text = json_string_value(v);
	size_t i;
	int rc;

	if (text != NULL && text[0] == '#') {
		char *end = NULL;
		long n = strtol(text + 1, &end, 10);

		if (end == text + 1 || *end != '\0' || n < 1 || n > 10000)
			return bad(cx, key, "column \"%s\" is not a position #1..#10000", text);
		out->position = (int)n;
		return 0;
	}
	rc = text_list(&names, v, cx, key, 1, 0);
	for (i = 0; rc == 0 && i < names.count; i++) {
		if (names.items[i][0] == '\0')
			rc = bad(cx, key, "names a column with no letters or digits");
	}
	out->names = names.items;
	out->count = names.count;
	if (rc != 0)
		free_texts(&names), out->names = NULL, out->count = 0;
	return rc;
}

static void free_colref(ecl_colref *c)
{
	ecl_textlist list = { c->names, c->count };

	free_texts(&list);
	c->names = NULL;
	c->count = 0;
}

static int is_set(const ecl_colref *c)
{
	return c->position > 0 || c->count > 0;
}

/* Check an object's keys against a NULL-terminated list. */
static int known_keys(const json_t *obj, const char *const *keys, const pctx *cx, const char *where)
{
	const char *key;
	json_t *value;

	json_object_foreach((json_t *)obj, key, value) {
		const char *const *k;

		(void)value;
		for (k = keys; *k != NULL && strcmp(*k, key) != 0; k++)
			;
		if (*k == NULL)
			return bad(cx, where, "has an unknown key \"%s\"", key);
	}
	return 0;
}

static int object_of(const json_t **out, const json_t *root, const char *key, const pctx *cx)
{
	*out = json_object_get(root, key);
	if (*out != NULL && !json_is_object(*out))
		return bad(cx, key, "must be an object");
	return 0;
}

/* "key": {"column": C} or, where `formats` is given, {"column": C,
 * "formats": [...]} whose patterns hold at least the `need` parts. */
static int column_object(ecl_colref *col, ecl_textlist *formats, const json_t *root, const char *key,
                         int need, const pctx *cx)
{
	static const char *const with_formats[] = { "column", "formats", NULL };
	static const char *const column_only[] = { "column", NULL };
	const json_t *o = NULL, *v;
	char where[64], why[160];
	size_t i;
	int rc = object_of(&o, root, key, cx), parts = 0;

	if (rc != 0 || o == NULL)
		return rc;
	rc = known_keys(o, formats != NULL ? with_formats : column_only, cx, key);
	if (rc == 0 && (v = json_object_get(o, "column")) == NULL)
		rc = bad(cx, key, "needs a \"column\"");
	if (rc == 0)
		rc = column_ref(col, v, cx, key);
	snprintf(where, sizeof(where), "%s.formats", key);
	if (rc == 0 && formats != NULL && (v = json_object_get(o, "formats")) != NULL)
		rc = text_list(formats, v, cx, where, 0, 0);
	for (i = 0; rc == 0 && formats != NULL && i < formats->count; i++) {
		if (ecl__datefmt_check(formats->items[i], &parts, why, sizeof(why)) != 0)
			rc = bad(cx, where, "\"%s\" %s", formats->items[i], why);
		else if ((parts & need) != need)
			rc = bad(cx, where, "\"%s\" lacks the %s this column needs", formats->items[i],
				need == ECL_DATEFMT_DATE ? "date" : need == ECL_DATEFMT_TIME ? "time"
				: "date and time");
	}
	return rc;
}

static int choice(int *out, const json_t *root, const char *key, const char *const *values, const pctx *cx)
{
	const json_t *v = json_object_get(root, key);
	const char *text = json_string_value(v);
	char expected[128];
	size_t used = 0;
	int i;

	if (v == NULL)
		return 0;
	for (i = 0; text != NULL && values[i] != NULL; i++) {
		if (strcmp(text, values[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	expected[0] = '\0';
	for (i = 0; values[i] != NULL && used < sizeof(expected); i++)
		used += (size_t)snprintf(expected + used, sizeof(expected) - used, "%s\"%s\"",
			i == 0 ? "" : values[i + 1] == NULL ? " or " : ", ", values[i]);
	return bad(cx, key, "must be %s", expected);
}

/* ---- the sections ------------------------------------------------------------ */

static int read_header(ecl_profile *p, const json_t *root, const pctx *cx)
{
	static const char *const keys[] = { "skip_lines", "find", "none", NULL };
	const json_t *o = NULL, *v;
	int rc = object_of(&o, root, "header", cx);

	if (rc != 0 || o == NULL)
		return rc;
	rc = known_keys(o, keys, cx, "header");
	if (rc == 0 && (v = json_object_get(o, "skip_lines")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 1000)
			return bad(cx, "header.skip_lines", "must be a whole number 0..1000");
		p->skip_lines = (int)json_integer_value(v);
	}
	if (rc == 0 && (v = json_object_get(o, "find")) != NULL && !json_is_boolean(v))
		return bad(cx, "header.find", "must be true or false");
	if (rc == 0 && (v = json_object_get(o, "none")) != NULL && !json_is_boolean(v))
		return bad(cx, "header.none", "must be true or false");
	p->find_header = json_is_true(json_object_get(o, "find"));
	p->no_header = json_is_true(json_object_get(o, "none"));
	if (rc == 0 && p->no_header + p->find_header + (p->skip_lines > 0) > 1)
		rc = bad(cx, "header", "takes one of skip_lines, find and none");
	return rc;
}

static int read_meter(ecl_profile *p, const json_t *root, const pctx *cx)
{
	static const char *const keys[] = { "columns", "given", NULL };
	const json_t *o = NULL, *cols, *given;
	size_t i, n;
	int rc = object_of(&o, root, "meter", cx);

	if (rc == 0 && o == NULL)
		rc = bad(cx, "meter", "is required: {\"columns\": [...]} or {\"given\": true}");
	if (rc == 0)
		rc = known_keys(o, keys, cx, "meter");
	if (rc != 0)
		return rc;
	cols = json_object_get(o, "columns");
	given = json_object_get(o, "given");
	if (given != NULL && !json_is_boolean(given))
		return bad(cx, "meter.given", "must be true or false");
	p->meter_given = json_is_true(given);
	if (p->meter_given && cols != NULL)
		return bad(cx, "meter", "takes either columns or given, not both");
	if (!p->meter_given && cols == NULL)
		return bad(cx, "meter", "needs \"columns\" (or \"given\": true)");
	if (cols == NULL)
		return 0;
	if (json_is_string(cols))
		n = 1;
	else if (json_is_array(cols) && json_array_size(cols) > 0)
		n = json_array_size(cols);
	else
		return bad(cx, "meter.columns", "must be a column or a non-empty array of columns");
	p->meters = calloc(n, sizeof(*p->meters));
	if (p->meters == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory reading a profile");
	p->meter_count = n;
	for (i = 0; rc == 0 && i < n; i++)
		rc = column_ref(&p->meters[i], json_is_string(cols) ? cols : json_array_get(cols, i), cx,
			"meter.columns");
	return rc;
}

static int read_periods(ecl_profile *p, const json_t *root, const pctx *cx)
{
	static const char *const keys[] = { "names", "prefixes", "suffixes", "first", "count", "repeated", NULL };
	static const char *const names[] = { "numbered", "clock", NULL };
	const json_t *o = NULL, *v;
	int rc = object_of(&o, root, "periods", cx), which = 0;

	if (rc != 0 || o == NULL)
		return rc;
	rc = known_keys(o, keys, cx, "periods");
	if (rc == 0)
		rc = choice(&which, o, "names", names, cx);
	p->names = which ? ECL_NAMES_CLOCK : ECL_NAMES_NUMBERED;
	if (rc == 0 && (v = json_object_get(o, "prefixes")) != NULL)
		rc = text_list(&p->prefixes, v, cx, "periods.prefixes", 1, 1);
	if (rc == 0 && (v = json_object_get(o, "suffixes")) != NULL)
		rc = text_list(&p->suffixes, v, cx, "periods.suffixes", 1, 1);
	if (rc == 0 && (v = json_object_get(o, "first")) != NULL)
		rc = column_ref(&p->first, v, cx, "periods.first");
	if (rc == 0 && (v = json_object_get(o, "count")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 50)
			return bad(cx, "periods.count", "must be a whole number 1..50");
		p->count = (int)json_integer_value(v);
	}
	if (rc == 0 && is_set(&p->first) != (p->count > 0))
		rc = bad(cx, "periods", "takes first and count together");
	if (rc == 0 && (v = json_object_get(o, "repeated")) != NULL) {
		if (!json_is_array(v) || json_array_size(v) != 2)
			return bad(cx, "periods.repeated", "must be two columns (the second 01:00 and 01:30)");
		rc = column_ref(&p->repeated[0], json_array_get(v, 0), cx, "periods.repeated");
		if (rc == 0)
			rc = column_ref(&p->repeated[1], json_array_get(v, 1), cx, "periods.repeated");
	}
	if (rc == 0 && p->prefixes.count == 0)
		rc = add_text(&p->prefixes, "", 1);
	if (rc == 0 && p->suffixes.count == 0)
		rc = add_text(&p->suffixes, "", 1);
	return rc;
}

static int read_units(ecl_profile *p, const json_t *root, const pctx *cx)
{
	static const char *const keys[] = { "column", "fixed", NULL };
	static const char *const units[] = { "kWh", "Wh", "MWh", NULL };
	const json_t *o = NULL, *v;
	int rc = object_of(&o, root, "units", cx), unit = 0;

	if (rc != 0 || o == NULL)
		return rc;
	rc = known_keys(o, keys, cx, "units");
	if (rc == 0 && (v = json_object_get(o, "column")) != NULL)
		rc = column_ref(&p->unit, v, cx, "units.column");
	if (rc == 0 && json_object_get(o, "fixed") != NULL) {
		rc = choice(&unit, o, "fixed", units, cx);
		p->fixed_unit = unit + 1;
	}
	if (rc == 0 && !is_set(&p->unit) && p->fixed_unit == 0)
		rc = bad(cx, "units", "needs a column or a fixed unit");
	return rc;
}

static int read_flag(ecl_profile *p, const json_t *root, const pctx *cx)
{
	static const char *const keys[] = { "column", "each_value", "actual", "estimated", NULL };
	const json_t *o = NULL, *v;
	int rc = object_of(&o, root, "flag", cx);

	if (rc != 0 || o == NULL)
		return rc;
	rc = known_keys(o, keys, cx, "flag");
	if (rc == 0 && (v = json_object_get(o, "column")) != NULL)
		rc = column_ref(&p->flag, v, cx, "flag.column");
	if (rc == 0 && (v = json_object_get(o, "each_value")) != NULL) {
		const char *where = json_string_value(v);
		if (where == NULL || (strcmp(where, "next") != 0 && strcmp(where, "previous") != 0))
			return bad(cx, "flag.each_value", "must be \"next\" or \"previous\" (the column after or "
				"before each value)");
		p->flag_each_value = strcmp(where, "next") == 0 ? 1 : -1;
	}
	if (rc == 0 && is_set(&p->flag) == (p->flag_each_value != 0))
		rc = bad(cx, "flag", "takes a column or each_value, one of them");
	if (rc == 0 && p->flag_each_value && p->layout != ECL_LAYOUT_WIDE)
		rc = bad(cx, "flag.each_value", "is for wide layouts only");
	if (rc == 0 && (v = json_object_get(o, "actual")) != NULL)
		rc = text_list(&p->flag_actual, v, cx, "flag.actual", 0, 1);
	if (rc == 0 && (v = json_object_get(o, "estimated")) != NULL)
		rc = text_list(&p->flag_estimated, v, cx, "flag.estimated", 0, 0);
	if (rc == 0 && (p->flag_actual.count == 0) != (p->flag_estimated.count == 0))
		rc = bad(cx, "flag", "takes actual and estimated codes together");
	return rc;
}

static int add_filter(ecl_profile *p, const json_t *o, int keep, const pctx *cx, const char *key)
{
	ecl_filter *grown = realloc(p->filters, (p->filter_count + 1) * sizeof(*grown));
	ecl_filter *f;
	const json_t *col = json_object_get(o, "column");
	const json_t *values = json_object_get(o, keep ? "consumption" : "equals");
	const json_t *matches = keep ? NULL : json_object_get(o, "matches");
	char why[160];
	int rc;

	if (grown == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory reading a profile");
	p->filters = grown;
	f = &p->filters[p->filter_count++];
	memset(f, 0, sizeof(*f));
	f->keep = keep;
	if (col == NULL || (values == NULL) == (matches == NULL))
		return bad(cx, key, "needs \"column\" and %s", keep ? "\"consumption\""
			: "one of \"equals\" and \"matches\"");
	rc = column_ref(&f->column, col, cx, key);
	if (rc == 0 && values != NULL)
		rc = text_list(&f->values, values, cx, key, 0, 1);
	if (rc == 0 && matches != NULL && !json_is_string(matches))
		rc = bad(cx, key, "\"matches\" must be a regular expression (a string)");
	if (rc == 0 && matches != NULL) {
		int bad_pattern;
		if ((f->pattern = malloc(sizeof(*f->pattern))) == NULL)
			return ecl_error_set(ECL_ENOMEM, "out of memory reading a profile");
		bad_pattern = regcomp(f->pattern, json_string_value(matches), REG_EXTENDED | REG_ICASE | REG_NOSUB);
		if (bad_pattern) {
			regerror(bad_pattern, f->pattern, why, sizeof(why));
			free(f->pattern);
			f->pattern = NULL;
			rc = bad(cx, key, "\"matches\": \"%s\" is not a regular expression: %s",
				json_string_value(matches), why);
		}
	}
	return rc;
}

static int read_filters(ecl_profile *p, const json_t *root, const pctx *cx)
{
	static const char *const quantity_keys[] = { "column", "consumption", NULL };
	static const char *const skip_keys[] = { "column", "equals", "matches", NULL };
	const json_t *o = NULL, *rows = json_object_get(root, "skip_rows");
	size_t i;
	int rc = object_of(&o, root, "quantity", cx);

	if (rc == 0 && o != NULL)
		rc = known_keys(o, quantity_keys, cx, "quantity");
	if (rc == 0 && o != NULL)
		rc = add_filter(p, o, 1, cx, "quantity");
	if (rc != 0 || rows == NULL)
		return rc;
	if (!json_is_array(rows))
		return bad(cx, "skip_rows", "must be an array of {\"column\", \"equals\"}");
	for (i = 0; rc == 0 && i < json_array_size(rows); i++) {
		const json_t *item = json_array_get(rows, i);

		if (!json_is_object(item))
			return bad(cx, "skip_rows", "item %zu is not an object", i + 1);
		rc = known_keys(item, skip_keys, cx, "skip_rows");
		if (rc == 0)
			rc = add_filter(p, item, 0, cx, "skip_rows");
	}
	return rc;
}

static int read_ignore(ecl_profile *p, const json_t *root, const pctx *cx)
{
	const json_t *v = json_object_get(root, "ignore");
	size_t i, n;
	int rc = 0;

	if (v == NULL)
		return 0;
	if (!json_is_array(v))
		return bad(cx, "ignore", "must be an array of columns");
	n = json_array_size(v);
	p->ignore = calloc(n ? n : 1, sizeof(*p->ignore));
	if (p->ignore == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory reading a profile");
	p->ignore_count = n;
	for (i = 0; rc == 0 && i < n; i++)
		rc = column_ref(&p->ignore[i], json_array_get(v, i), cx, "ignore");
	return rc;
}

/* ---- the whole profile ------------------------------------------------------------ */

static int read_strings(ecl_profile *p, const json_t *root, pctx *cx)
{
	static const char *const required[] = { "description", "source" };
	const json_t *v = json_object_get(root, "eclectyc_profile");
	const char *name = json_string_value(json_object_get(root, "name"));
	size_t i, n;
	int rc = 0;

	if (!json_is_integer(v) || json_integer_value(v) != ECL_PROFILE_LANGUAGE)
		return bad(cx, "eclectyc_profile", "must be %d (the language version this library reads)",
			ECL_PROFILE_LANGUAGE);
	if (name == NULL || (n = strlen(name)) == 0 || n > ECL_PROFILE_NAME_MAX
	    || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") != n)
		return bad(cx, "name", "must be 1 to 64 characters a-z, 0-9 and -");
	memcpy(p->name, name, n + 1);
	cx->name = p->name;
	for (i = 0; rc == 0 && i < 2; i++) {
		const char *text = json_string_value(json_object_get(root, required[i]));
		if (text == NULL || *text == '\0')
			rc = bad(cx, required[i], "is required (a non-empty string)");
	}
	if (rc == 0) {
		p->description = ecl__strdup(json_string_value(json_object_get(root, "description")));
		p->source = ecl__strdup(json_string_value(json_object_get(root, "source")));
		if (p->description == NULL || p->source == NULL)
			rc = ecl_error_set(ECL_ENOMEM, "out of memory reading a profile");
	}
	return rc;
}

static int read_delimiter(ecl_profile *p, const json_t *root, const pctx *cx)
{
	const json_t *v = json_object_get(root, "delimiter");
	const char *text = json_string_value(v);

	if (v == NULL)
		return 0;
	if (text == NULL || strlen(text) != 1 || strchr(",;\t|", text[0]) == NULL)
		return bad(cx, "delimiter", "must be one of \",\", \";\", \"\\t\" and \"|\"");
	p->delimiter = text[0];
	return 0;
}

static int read_reader(ecl_profile *p, const json_t *root, const pctx *cx)
{
	static const char *const keys[] = { "eclectyc_profile", "name", "description", "source", "reader",
		"notes", NULL };
	static const char *const readers[] = { "d0036", "d0275", "df2", NULL };
	int which = 0;
	int rc = known_keys(root, keys, cx, "a reader profile");

	if (rc == 0)
		rc = choice(&which, root, "reader", readers, cx);
	p->layout = ECL_LAYOUT_READER;
	p->reader = (ecl_reader_kind)(which + 1);
	return rc;
}

/* What each layout needs, checked once everything is read. */
static int check_layout(ecl_profile *p, const pctx *cx)
{
	int wide = p->layout == ECL_LAYOUT_WIDE, lng = p->layout == ECL_LAYOUT_LONG;

	if (!p->no_header && p->signature.count == 0)
		return bad(cx, "signature", "is required (the header cells that identify the layout)");
	if ((wide || p->layout == ECL_LAYOUT_PERIOD || p->layout == ECL_LAYOUT_DAILY) && !is_set(&p->date))
		return bad(cx, "date", "is required by the %s layout", ecl__layout_name(p->layout));
	if (lng && !is_set(&p->timestamp) && !(is_set(&p->date) && is_set(&p->time)))
		return bad(cx, "timestamp", "is required by the long layout (or date and time)");
	if (!wide && !is_set(&p->value))
		return bad(cx, "value", "is required by the %s layout", ecl__layout_name(p->layout));
	if (p->layout == ECL_LAYOUT_PERIOD && !is_set(&p->period))
		return bad(cx, "period", "is required by the period layout");
	if (wide && p->prefixes.count == 0 && !is_set(&p->first))
		return bad(cx, "periods", "is required by the wide layout");
	if (is_set(&p->repeated[0]) && (p->names != ECL_NAMES_CLOCK || p->clock_utc))
		return bad(cx, "periods.repeated", "is for clock-time columns on the London clock");
	if (p->no_header && (p->meter_count > 0 || is_set(&p->date))) {
		size_t i;
		int by_name = (is_set(&p->date) && p->date.position == 0)
			|| (is_set(&p->value) && p->value.position == 0);
		for (i = 0; i < p->meter_count; i++)
			by_name |= p->meters[i].position == 0;
		if (by_name || (wide && !is_set(&p->first)))
			return bad(cx, "header.none", "means every column is given by position (\"#N\")");
	}
	return 0;
}

static int read_layout_keys(ecl_profile *p, const json_t *root, const pctx *cx)
{
	static const char *const layouts[] = { "wide", "long", "period", "daily", NULL };
	static const char *const stamps[] = { "start", "end", NULL };
	static const char *const clocks[] = { "london", "utc", NULL };
	const json_t *v;
	int layout = -1, rc = 0;

	if (json_object_get(root, "layout") == NULL)
		return bad(cx, "layout", "is required: wide, long, period or daily");
	rc = choice(&layout, root, "layout", layouts, cx);
	p->layout = (ecl_layout)(layout + 1);
	if (rc == 0)
		rc = read_delimiter(p, root, cx);
	if (rc == 0)
		rc = read_header(p, root, cx);
	if (rc == 0 && (v = json_object_get(root, "signature")) != NULL)
		rc = text_list(&p->signature, v, cx, "signature", 1, 0);
	if (rc == 0 && v != NULL)
		rc = text_list(&p->signature_text, v, cx, "signature", 0, 0);
	if (rc == 0)
		rc = read_meter(p, root, cx);
	if (rc == 0)
		rc = column_object(&p->date, &p->date_formats, root, "date", ECL_DATEFMT_DATE, cx);
	if (rc == 0)
		rc = column_object(&p->time, &p->time_formats, root, "time", ECL_DATEFMT_TIME, cx);
	if (rc == 0)
		rc = column_object(&p->timestamp, &p->timestamp_formats, root, "timestamp",
			ECL_DATEFMT_DATE | ECL_DATEFMT_TIME, cx);
	if (rc == 0)
		rc = column_object(&p->period, NULL, root, "period", 0, cx);
	if (rc == 0)
		rc = column_object(&p->value, NULL, root, "value", 0, cx);
	if (rc == 0)
		rc = read_periods(p, root, cx);
	if (rc == 0)
		rc = choice(&p->stamps_end, root, "stamps", stamps, cx);
	if (rc == 0)
		rc = choice(&p->clock_utc, root, "clock", clocks, cx);
	if (rc == 0)
		rc = read_units(p, root, cx);
	if (rc == 0)
		rc = read_flag(p, root, cx);
	if (rc == 0)
		rc = read_filters(p, root, cx);
	if (rc == 0)
		rc = read_ignore(p, root, cx);
	if (rc == 0 && (v = json_object_get(root, "missing")) != NULL)
		rc = text_list(&p->missing, v, cx, "missing", 0, 0);
	if (rc == 0 && (v = json_object_get(root, "date_shift")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < -7 || json_integer_value(v) > 7)
			return bad(cx, "date_shift", "must be a whole number of days, -7..7");
		p->date_shift = (int)json_integer_value(v);
	}
	if (rc == 0)
		rc = check_layout(p, cx);
	return rc;
}

static int read_profile(ecl_profile *p, const json_t *root, pctx *cx)
{
	static const char *const keys[] = { "eclectyc_profile", "name", "description", "source", "layout",
		"header_example", "delimiter", "header", "signature", "meter", "date", "time", "timestamp",
		"period", "value", "periods", "stamps", "clock", "units", "flag", "quantity", "skip_rows",
		"ignore", "missing", "notes", "date_shift", NULL };
	int rc;

	if (!json_is_object(root))
		return bad(cx, "(top level)", "must be a JSON object");
	rc = read_strings(p, root, cx);
	if (rc == 0 && json_object_get(root, "reader") != NULL)
		return read_reader(p, root, cx);
	if (rc == 0)
		rc = known_keys(root, keys, cx, "the profile");
	if (rc == 0)
		rc = read_layout_keys(p, root, cx);
	return rc;
}

int ecl__profile_parse(ecl_profile **out, const char *json, size_t len, const char *origin)
{
	pctx cx = { origin, NULL };
	json_error_t error;
	ecl_profile *p = calloc(1, sizeof(*p));
	json_t *root = NULL;
	int rc = 0;

	*out = NULL;
	if (p == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory reading a profile");
	p->origin = ecl__strdup(origin);
	p->json = malloc(len + 1);
	if (p->origin == NULL || p->json == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory reading a profile");
	if (rc == 0) {
		memcpy(p->json, json, len);
		p->json[len] = '\0';
		root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &error);
		if (root == NULL)
			rc = ecl_error_set(ECL_EINVALID, "profile in %s is not valid JSON: line %d: %s", origin,
				error.line, error.text);
	}
	if (rc == 0)
		rc = read_profile(p, root, &cx);
	json_decref(root);
	if (rc == 0)
		*out = p;
	else
		ecl__profile_free(p);
	return rc;
}

int ecl__profile_generic(ecl_profile **out)
{
	ecl_profile *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (p == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory making the generic reader");
	snprintf(p->name, sizeof(p->name), "generic");
	p->layout = ECL_LAYOUT_AUTO;
	p->find_header = 1;
	p->description = ecl__strdup("The generic reader: meter, date and HH01..HH50 or clock-time "
		"columns, or a timestamp and a value, by the reference's column aliases");
	p->source = ecl__strdup("the PHP system's column aliases and date formats, extended (docs/compatibility.md)");
	p->origin = ecl__strdup("built-in");
	p->json = ecl__strdup("{}");
	if (p->description == NULL || p->source == NULL || p->origin == NULL || p->json == NULL) {
		ecl__profile_free(p);
		return ecl_error_set(ECL_ENOMEM, "out of memory making the generic reader");
	}
	*out = p;
	return 0;
}

void ecl__profile_free(ecl_profile *p)
{
	size_t i;

	if (p == NULL || p->shared)
		return;
	free(p->description);
	free(p->source);
	free(p->origin);
	free(p->json);
	free_texts(&p->signature);
	free_texts(&p->signature_text);
	for (i = 0; i < p->meter_count; i++)
		free_colref(&p->meters[i]);
	free(p->meters);
	free_colref(&p->date);
	free_colref(&p->time);
	free_colref(&p->timestamp);
	free_colref(&p->period);
	free_colref(&p->value);
	free_colref(&p->unit);
	free_colref(&p->first);
	free_colref(&p->repeated[0]);
	free_colref(&p->repeated[1]);
	free_colref(&p->flag);
	free_texts(&p->date_formats);
	free_texts(&p->time_formats);
	free_texts(&p->timestamp_formats);
	free_texts(&p->prefixes);
	free_texts(&p->suffixes);
	free_texts(&p->flag_actual);
	free_texts(&p->flag_estimated);
	for (i = 0; i < p->filter_count; i++) {
		free_colref(&p->filters[i].column);
		free_texts(&p->filters[i].values);
		if (p->filters[i].pattern != NULL)
			regfree(p->filters[i].pattern);
		free(p->filters[i].pattern);
	}
	free(p->filters);
	for (i = 0; i < p->ignore_count; i++)
		free_colref(&p->ignore[i]);
	free(p->ignore);
	free_texts(&p->missing);
	free(p);
}
