/* Meter identifier normalisation and the MPAN check digit. */
#include "ingest/meter_id.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "eclectyc/sys/errors.h"
#include "util/strutil.h"

#define QUOTE_MAX 80
#define MPAN_CORE_DIGITS 13
#define MPAN_FULL_DIGITS 21

/* White space and hyphens are how people group the digits of an MPAN
 * ("12 0001 2345 678", "12-0001-2345-678"); they carry no meaning. */
static int is_dropped(int c)
{
	return c == ' ' || c == '-' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

#ifdef __GNUC__
__attribute__((format(printf, 2, 3)))
#endif
static int fail(const char *text, const char *format, ...)
{
	char reason[256];
	size_t len = strlen(text);
	va_list args;

	va_start(args, format);
	vsnprintf(reason, sizeof(reason), format, args);
	va_end(args);
	return ecl_error_set(ECL_EINVALID, "invalid meter identifier \"%.*s%s\": %s",
		(int)(len > QUOTE_MAX ? QUOTE_MAX : len), text, len > QUOTE_MAX ? "..." : "", reason);
}

int ecl__meter_id_normalise(char *out, size_t size, const char *text)
{
	size_t limit = size > ECL_METER_ID_MAX ? ECL_METER_ID_MAX : (size > 0 ? size - 1 : 0);
	size_t n = 0, len;
	const char *p;

	if (size > 0)
		out[0] = '\0';
	if (text == NULL)
		return ecl_error_set(ECL_EINVALID, "no meter identifier given");
	for (p = text; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (is_dropped(c))
			continue;
		if (c < 0x20 || c == 0x7f) {
			if (size > 0)
				out[0] = '\0';
			return fail(text, "control character 0x%02X at position %d", c, (int)(p - text) + 1);
		}
		/* Identifiers are stored and reported as text, which must be
		 * UTF-8 (PostgreSQL refuses anything else): a Latin-1 or broken
		 * byte is the row's error, not the batch's. */
		len = c < 0x80 ? 1 : ecl__utf8_sequence((const unsigned char *)p);
		if (len == 0) {
			if (size > 0)
				out[0] = '\0';
			return fail(text, "byte 0x%02X at position %d is not valid UTF-8", c, (int)(p - text) + 1);
		}
		if (n + len > limit) {
			if (size > 0)
				out[0] = '\0';
			return fail(text, "longer than %zu characters once spaces and hyphens are removed", limit);
		}
		out[n++] = (char)(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
		for (; len > 1; len--)
			out[n++] = *++p;
	}
	if (n == 0)
		return fail(text, "empty");
	out[n] = '\0';
	return 0;
}

int ecl__mpan_check(const char *normalised)
{
	static const int weights[12] = { 3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43 };
	const char *core;
	size_t len = 0;
	int sum = 0;

	if (normalised == NULL)
		return -1;
	for (; normalised[len] != '\0'; len++)
		if (normalised[len] < '0' || normalised[len] > '9' || len >= MPAN_FULL_DIGITS)
			return -1;
	if (len != MPAN_CORE_DIGITS && len != MPAN_FULL_DIGITS)
		return -1;
	core = normalised + len - MPAN_CORE_DIGITS;
	for (int i = 0; i < 12; i++)
		sum += (core[i] - '0') * weights[i];
	return sum % 11 % 10 == core[12] - '0';
}
