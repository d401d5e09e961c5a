/**
 * @file eclectyc/errors.h
 * @brief Status codes and the per-thread error message.
 *
 * Every fallible function returns 0 on success or one of the negative codes
 * below. On failure it also records a message for the calling thread, which
 * stays readable until the next failing call on that thread.
 */
#ifndef ECLECTYC_ERRORS_H
#define ECLECTYC_ERRORS_H

#include "common.h"

ECL_BEGIN_DECL

/** Status codes. Values never change once released; new ones are appended. */
typedef enum ecl_error_code {
	ECL_OK = 0,              /**< success */
	ECL_ERROR = -1,          /**< an error with no more specific code */
	ECL_EINVALID = -2,       /**< an argument or input value is invalid */
	ECL_ENOMEM = -3,         /**< out of memory */
	ECL_ENOTFOUND = -4,      /**< the named object does not exist */
	ECL_EEXISTS = -5,        /**< the object already exists */
	ECL_ESTATE = -6,         /**< the object is not in a state that allows this */
	ECL_ENOTSUPPORTED = -7,  /**< the operation or URI scheme is not supported */
	ECL_EIO = -8,            /**< a file or operating-system call failed */
	ECL_EBUSY = -9,          /**< the database stayed locked past the busy timeout */
	ECL_ESCHEMA = -10,       /**< the schema is missing, outdated or has drifted */
	ECL_EDB = -11,           /**< the database reported an error */
	ECL_ECANCELLED = -12,    /**< a callback asked to stop */
	ECL_EPARSE = -13         /**< a text input (config file, JSON) could not be parsed */
} ecl_error_code;

/**
 * The message of the last error on the calling thread.
 *
 * @return a string owned by the library, valid until the next failing call on
 *         this thread; "" when no error has been recorded. Never NULL.
 */
ECL_EXTERN const char *ecl_error_last(void);

/**
 * The code of the last error on the calling thread (ECL_OK when none).
 */
ECL_EXTERN int ecl_error_last_code(void);

/** Forget the calling thread's last error. */
ECL_EXTERN void ecl_error_clear(void);

/**
 * A static description of a status code.
 *
 * @param code an ECL_E* value (or 0)
 * @return a static string; "unknown error" for a value that is not a code.
 */
ECL_EXTERN const char *ecl_strerror(int code);

ECL_END_DECL

#endif
