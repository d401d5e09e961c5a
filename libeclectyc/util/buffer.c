#include "util/buffer_internal.h"

#include <stdlib.h>
#include <string.h>

#include "eclectyc/sys/errors.h"

void ecl_buf_dispose(ecl_buf *buf)
{
	if (buf == NULL)
		return;
	free(buf->ptr);
	buf->ptr = NULL;
	buf->size = 0;
	buf->asize = 0;
}

static int buf_reserve(ecl_buf *buf, size_t needed)
{
	size_t asize = buf->asize ? buf->asize : 64;
	char *grown;

	if (needed <= buf->asize)
		return 0;
	while (asize < needed)
		asize *= 2;
	grown = realloc(buf->ptr, asize);
	if (grown == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory growing a buffer to %zu bytes", asize);
	buf->ptr = grown;
	buf->asize = asize;
	return 0;
}

int ecl__buf_put(ecl_buf *buf, const char *data, size_t len)
{
	int rc = buf_reserve(buf, buf->size + len + 1);

	if (rc == 0) {
		if (len > 0)
			memcpy(buf->ptr + buf->size, data, len);
		buf->size += len;
		buf->ptr[buf->size] = '\0';
	}
	return rc;
}

int ecl__buf_puts(ecl_buf *buf, const char *text)
{
	return ecl__buf_put(buf, text, strlen(text));
}

int ecl__buf_set(ecl_buf *buf, const char *text)
{
	buf->size = 0;
	return ecl__buf_puts(buf, text);
}

int ecl_buf_set(ecl_buf *buf, const char *text)
{
	if (buf == NULL || text == NULL)
		return ecl_error_set(ECL_EINVALID, "buffer or text is NULL");
	return ecl__buf_set(buf, text);
}
