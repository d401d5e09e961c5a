/**
 * @file eclectyc/buffer.h
 * @brief Growable strings that the library hands to the caller.
 */
#ifndef ECLECTYC_BUFFER_H
#define ECLECTYC_BUFFER_H

#include "common.h"

ECL_BEGIN_DECL

/**
 * A NUL-terminated string the library allocated for the caller.
 * Initialise with ECL_BUF_INIT; release with ecl_buf_dispose().
 */
typedef struct ecl_buf {
	char *ptr;     /**< the text, NUL-terminated; NULL while empty */
	size_t size;   /**< length of the text, without the NUL */
	size_t asize;  /**< bytes allocated */
} ecl_buf;

#define ECL_BUF_INIT { NULL, 0, 0 }

/** Free the text of a buffer and reset it to empty. Accepts NULL. */
ECL_EXTERN void ecl_buf_dispose(ecl_buf *buf);

/**
 * Set a buffer's text to a copy of `text`, for callbacks that hand text back
 * to the library (a job handler's summary).
 *
 * @return 0; ECL_EINVALID for a NULL argument; ECL_ENOMEM
 */
ECL_EXTERN int ecl_buf_set(ecl_buf *buf, const char *text);

ECL_END_DECL

#endif
