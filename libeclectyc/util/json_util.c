/* JSON building blocks shared by the modules that report as JSON. */
#include <stdlib.h>
#include <time.h>

#include "util/buffer_internal.h"
#include "eclectyc/sys/errors.h"
#include "util/json_util.h"
#include "util/strutil.h"

json_t *ecl__json_instant(int64_t t)
{
	char text[32];
	struct tm tm;
	time_t secs = (time_t)t;

	if (t == ECL_TIME_NONE || gmtime_r(&secs, &tm) == NULL)
		return json_null();
	strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S", &tm);
	return json_string(text);
}

json_t *ecl__json_sanitised(const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	ecl_buf clean = ECL_BUF_INIT;
	json_t *value = NULL;
	int rc = 0;

	while (rc == 0 && *p != '\0') {
		size_t len = ecl__utf8_sequence(p);
		rc = len ? ecl__buf_put(&clean, (const char *)p, len)
		         : ecl__buf_puts(&clean, "\xef\xbf\xbd");
		p += len ? len : 1;
	}
	if (rc == 0)
		value = json_string(clean.ptr ? clean.ptr : "");
	ecl_buf_dispose(&clean);
	return value;
}

json_t *ecl__json_text(const char *text)
{
	json_t *value;

	if (text == NULL)
		return json_null();
	value = json_string(text);
	return value ? value : ecl__json_sanitised(text);
}

json_t *ecl__json_decoded(const char *text)
{
	json_t *value;

	if (text == NULL)
		return json_null();
	value = json_loads(text, JSON_DECODE_ANY, NULL);
	return value ? value : json_string(text);
}

void ecl__json_put(json_t *o, const char *key, json_t *value, int *failed)
{
	if (value == NULL || json_object_set_new(o, key, value) != 0)
		*failed = 1;
}

void ecl__json_append(json_t *array, json_t *value, int *failed)
{
	if (value == NULL || json_array_append_new(array, value) != 0)
		*failed = 1;
}

json_t *ecl__json_done(json_t *value, int failed)
{
	if (failed) {
		json_decref(value);
		value = NULL;
	}
	return value;
}

int ecl__json_to_buf(ecl_buf *out, json_t *object, const char *what)
{
	/* 15 significant digits: every value a meter file holds round-trips, and
	 * binary noise such as 0.0070000000000000001 stays out of the text. */
	char *text = object ? json_dumps(object, JSON_COMPACT | JSON_PRESERVE_ORDER
	                                         | JSON_REAL_PRECISION(15)) : NULL;
	int rc;

	json_decref(object);
	if (text == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory encoding %s as JSON", what);
	rc = ecl__buf_set(out, text);
	free(text);
	return rc;
}

int ecl__json_deeper_than(const json_t *value, int max)
{
	const char *key;
	json_t *item;
	size_t i;

	if (!json_is_array(value) && !json_is_object(value))
		return 0;
	if (max < 1)
		return 1;
	/* Recursion is bounded: jansson itself parses at most 2048 levels, and
	 * this returns as soon as `max` levels are exceeded. */
	if (json_is_array(value)) {
		json_array_foreach(value, i, item)
			if (ecl__json_deeper_than(item, max - 1))
				return 1;
	} else {
		json_object_foreach((json_t *)value, key, item)
			if (ecl__json_deeper_than(item, max - 1))
				return 1;
	}
	return 0;
}

int ecl__json_array_to_buf(ecl_buf *out, const void *items, size_t count, size_t item_size,
	ecl__json_item_fn item_json)
{
	ecl_buf text = ECL_BUF_INIT;
	ecl_buf one = ECL_BUF_INIT;
	size_t i;
	int rc = ecl__buf_puts(&text, "[");

	for (i = 0; i < count && rc == 0; i++) {
		rc = item_json(&one, (const char *)items + i * item_size);
		if (rc == 0 && i > 0)
			rc = ecl__buf_puts(&text, ",");
		if (rc == 0)
			rc = ecl__buf_put(&text, one.ptr, one.size);
	}
	if (rc == 0)
		rc = ecl__buf_puts(&text, "]");
	if (rc == 0)
		rc = ecl__buf_set(out, text.ptr);
	ecl_buf_dispose(&one);
	ecl_buf_dispose(&text);
	return rc;
}
