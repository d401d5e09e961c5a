/* JSON building blocks shared by the modules that report as JSON. */
#ifndef ECL_JSON_UTIL_H
#define ECL_JSON_UTIL_H

#include <jansson.h>
#include <stdint.h>

#include "eclectyc/buffer.h"

/* The deepest nesting of arrays and objects a job's tags or metadata may
 * have (the outer object or array counts as 1). Deeper values are refused
 * when the job is created: every reader (PHP's json_decode at 512, Python's
 * recursion limit, a page that renders the tree) must get what it can read. */
#define ECL_JSON_MAX_DEPTH 32

/* 1 when `value` nests arrays and objects deeper than `max` levels (a
 * scalar is depth 0); stops looking as soon as it knows. */
int ecl__json_deeper_than(const json_t *value, int max);

/* "YYYY-MM-DD HH:MM:SS" (UTC) of an instant; null for ECL_TIME_NONE. */
json_t *ecl__json_instant(int64_t t);

/* Text from a file name or an error message need not be UTF-8 (a Windows
 * upload, a raw CSV cell); JSON must be. Invalid bytes become U+FFFD. */
json_t *ecl__json_sanitised(const char *text);

/* A string (sanitised when it is not UTF-8), or null for NULL. */
json_t *ecl__json_text(const char *text);

/* Stored JSON text decoded; text that does not parse (never written by this
 * library, but a hand-edited row might hold it) is passed on as a string. */
json_t *ecl__json_decoded(const char *text);

/* Add a member / append an element; remember a failure (a NULL value means
 * out of memory) in *failed. */
void ecl__json_put(json_t *o, const char *key, json_t *value, int *failed);
void ecl__json_append(json_t *array, json_t *value, int *failed);

/* `value` when nothing failed while building it, else NULL (and released). */
json_t *ecl__json_done(json_t *value, int failed);

/* Replace out's text with `object` encoded compactly, member order kept,
 * and release the object. NULL (a failed build) is ECL_ENOMEM naming `what`. */
int ecl__json_to_buf(ecl_buf *out, json_t *object, const char *what);

/* Writes one item of an array as JSON (a wrapper of an ecl_*_to_json()). */
typedef int (*ecl__json_item_fn)(ecl_buf *out, const void *item);

/* Replace out's text with a JSON array of `count` items `item_size` bytes
 * apart, each written by `item_json`. The items' texts are joined, not
 * decoded and encoded again. On failure `out` is left as it was. */
int ecl__json_array_to_buf(ecl_buf *out, const void *items, size_t count, size_t item_size,
	ecl__json_item_fn item_json);

#endif
