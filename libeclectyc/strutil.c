#include "strutil.h"

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
