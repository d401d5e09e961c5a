#include "util/uuid_internal.h"

#include <stdlib.h>

#include "eclectyc/sys/errors.h"
#include "util/random.h"

#define UUID_BYTES 16
#define UUIDS_PER_DRAW 256

static void format_uuid(char *out, unsigned char *bytes)
{
	static const char hex[] = "0123456789abcdef";
	int i;
	char *p = out;

	bytes[6] = (unsigned char)((bytes[6] & 0x0f) | 0x40);  /* version 4 */
	bytes[8] = (unsigned char)((bytes[8] & 0x3f) | 0x80);  /* RFC 4122 variant */
	for (i = 0; i < UUID_BYTES; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hex[bytes[i] >> 4];
		*p++ = hex[bytes[i] & 0x0f];
	}
	*p = '\0';
}

int ecl__uuid_v4_many(char *out, size_t count)
{
	unsigned char bytes[UUIDS_PER_DRAW * UUID_BYTES];
	size_t done = 0;
	int rc = 0;

	while (rc == 0 && done < count) {
		size_t n = count - done < UUIDS_PER_DRAW ? count - done : UUIDS_PER_DRAW;
		size_t i;

		rc = ecl__random_bytes(bytes, n * UUID_BYTES);
		for (i = 0; rc == 0 && i < n; i++)
			format_uuid(out + (done + i) * ECL_BATCH_ID_SIZE, bytes + i * UUID_BYTES);
		done += n;
	}
	return rc;
}

int ecl_uuid_v4(char out[ECL_BATCH_ID_SIZE])
{
	if (out == NULL)
		return ecl_error_set(ECL_EINVALID, "UUID output buffer is NULL");
	return ecl__uuid_v4_many(out, 1);
}

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int ecl_uuid_is_valid(const char *text)
{
	int i;

	if (text == NULL)
		return 0;
	for (i = 0; i < 36; i++) {
		int dash = (i == 8 || i == 13 || i == 18 || i == 23);
		if (dash ? text[i] != '-' : !is_hex(text[i]))
			return 0;
	}
	if (text[36] != '\0' || text[14] != '4')
		return 0;
	return text[19] == '8' || text[19] == '9' || text[19] == 'a' || text[19] == 'b'
		|| text[19] == 'A' || text[19] == 'B';
}
