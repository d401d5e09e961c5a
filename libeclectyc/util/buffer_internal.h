/* Appending to an ecl_buf inside the library. */
#ifndef ECL_BUFFER_INTERNAL_H
#define ECL_BUFFER_INTERNAL_H

#include "eclectyc/buffer.h"

/* Append `len` bytes, keeping the text NUL-terminated. 0 or ECL_ENOMEM. */
int ecl__buf_put(ecl_buf *buf, const char *data, size_t len);

/* Append a NUL-terminated string. 0 or ECL_ENOMEM. */
int ecl__buf_puts(ecl_buf *buf, const char *text);

/* Replace the contents with `text` (taken by copy). 0 or ECL_ENOMEM. */
int ecl__buf_set(ecl_buf *buf, const char *text);

#endif
