/**
 * @file eclectyc/sys/errors.h
 * @brief For backend and extension authors: recording an error.
 */
#ifndef ECLECTYC_SYS_ERRORS_H
#define ECLECTYC_SYS_ERRORS_H

#include "../errors.h"

ECL_BEGIN_DECL

/**
 * Record an error (code and printf-style message) for the calling thread, the
 * one ecl_error_last() returns, and return `code` so that a failing path can
 * end with `return ecl_error_set(ECL_EINVALID, "…", …);`.
 * A message longer than 1023 bytes is truncated.
 */
ECL_EXTERN int ecl_error_set(int code, const char *format, ...)
#ifdef __GNUC__
	__attribute__((format(printf, 2, 3)))
#endif
	;

ECL_END_DECL

#endif
