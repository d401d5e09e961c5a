/* The per-thread last error, and the static names of the status codes. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "eclectyc/errors.h"
#include "eclectyc/sys/errors.h"

#define ECL_ERROR_MESSAGE_MAX 1024

/* A fixed per-thread buffer: recording an error never allocates, so it works
 * when memory is short, and nothing is left to free at thread exit. */
static _Thread_local char last_message[ECL_ERROR_MESSAGE_MAX];
static _Thread_local int last_code;

int ecl_error_set(int code, const char *format, ...)
{
	char message[ECL_ERROR_MESSAGE_MAX];
	va_list args;

	/* Formatted aside first: the arguments may include ecl_error_last()
	 * itself, as when a caller adds context to a lower-level message. */
	va_start(args, format);
	vsnprintf(message, sizeof(message), format, args);
	va_end(args);
	memcpy(last_message, message, sizeof(message));
	last_code = code;
	return code;
}

const char *ecl_error_last(void)
{
	return last_message;
}

int ecl_error_last_code(void)
{
	return last_code;
}

void ecl_error_clear(void)
{
	last_message[0] = '\0';
	last_code = ECL_OK;
}

const char *ecl_strerror(int code)
{
	switch (code) {
	case ECL_OK: return "success";
	case ECL_ERROR: return "error";
	case ECL_EINVALID: return "invalid argument or input";
	case ECL_ENOMEM: return "out of memory";
	case ECL_ENOTFOUND: return "not found";
	case ECL_EEXISTS: return "already exists";
	case ECL_ESTATE: return "not allowed in the current state";
	case ECL_ENOTSUPPORTED: return "not supported";
	case ECL_EIO: return "input/output error";
	case ECL_EBUSY: return "database busy";
	case ECL_ESCHEMA: return "schema missing, outdated or drifted";
	case ECL_EDB: return "database error";
	case ECL_ECANCELLED: return "cancelled";
	case ECL_EPARSE: return "parse error";
	default: return "unknown error";
	}
}
