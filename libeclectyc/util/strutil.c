#include "util/strutil.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "eclectyc/sys/errors.h"

char *ecl__strdup(const char *text)
{
	char *copy = NULL;

	if (text != NULL) {
		size_t len = strlen(text) + 1;
		copy = malloc(len);
		if (copy == NULL)
			ecl_error_set(ECL_ENOMEM, "out of memory copying %zu bytes", len);
		else
			memcpy(copy, text, len);
	}
	return copy;
}

static int ascii_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

int ecl__strieq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return 0;
	while (*a != '\0' && ascii_lower((unsigned char)*a) == ascii_lower((unsigned char)*b)) {
		a++;
		b++;
	}
	return *a == '\0' && *b == '\0';
}

int ecl__parse_int64(int64_t *out, const char *text)
{
	char *end = NULL;
	long long value;
	int rc = -1;

	if (text != NULL && *text != '\0' && *text != ' ' && *text != '\t') {
		errno = 0;
		value = strtoll(text, &end, 10);
		if (errno == 0 && end != text && *end == '\0') {
			*out = (int64_t)value;
			rc = 0;
		}
	}
	return rc;
}

void ecl__strlcpy(char *dst, const char *src, size_t size)
{
	size_t len;

	if (size == 0)
		return;
	len = src ? strlen(src) : 0;
	if (len >= size)
		len = size - 1;
	if (len > 0)
		memcpy(dst, src, len);
	dst[len] = '\0';
}

size_t ecl__utf8_sequence(const unsigned char *p)
{
	size_t len, i;
	unsigned int cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
	    || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

void ecl__utf8_sanitise(char *text)
{
	unsigned char *p = (unsigned char *)text;

	while (*p != '\0') {
		size_t len = ecl__utf8_sequence(p);

		if (len == 0)
			*p++ = '?';
		else
			p += len;
	}
}

const char *ecl__conninfo_value_end(const char *p)
{
	if (*p != '\'') {
		while (*p != '\0' && !isspace((unsigned char)*p))
			p++;
		return p;
	}
	for (p++; *p != '\0' && *p != '\''; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
	}
	return *p == '\'' ? p + 1 : p;
}
