/* Small string helpers shared inside the library. */
#ifndef ECL_STRUTIL_H
#define ECL_STRUTIL_H

#include <stddef.h>
#include <stdint.h>

/* strdup that passes NULL through; sets ECL_ENOMEM on failure (check with a
 * non-NULL input). */
char *ecl__strdup(const char *text);

/* ASCII case-insensitive equality; NULL equals nothing. */
int ecl__strieq(const char *a, const char *b);

/* Parse a whole decimal integer (optional sign, no spaces, no trailing text).
 * Returns 0 on success, -1 otherwise (out untouched). */
int ecl__parse_int64(int64_t *out, const char *text);

/* Copy at most size-1 bytes and always NUL-terminate. */
void ecl__strlcpy(char *dst, const char *src, size_t size);

/* The end of a libpq keyword=value connection string's value starting at
 * `p`: past its closing quote when quoted ('a b', with \' escapes), else at
 * the first white space or the end. */
const char *ecl__conninfo_value_end(const char *p);

/* Length of the valid UTF-8 sequence at `p` (1..4), or 0 when it is not one:
 * overlong forms, surrogates and code points over U+10FFFF included. */
size_t ecl__utf8_sequence(const unsigned char *p);

/* Replace, in place, every byte of `text` that is not part of a valid UTF-8
 * sequence by '?' (same length), so a cut message or a quoted raw cell can be
 * stored where text must be UTF-8 (PostgreSQL, JSON). */
void ecl__utf8_sanitise(char *text);

#endif
