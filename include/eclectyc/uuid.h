/**
 * @file eclectyc/uuid.h
 * @brief UUID version 4 batch identifiers from the operating system's random source.
 */
#ifndef ECLECTYC_UUID_H
#define ECLECTYC_UUID_H

#include "common.h"

ECL_BEGIN_DECL

/**
 * Write a random UUID v4 in canonical lower-case form
 * ("xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx") and a NUL.
 *
 * @param out a buffer of at least ECL_BATCH_ID_SIZE bytes
 * @return 0, ECL_EINVALID for a NULL buffer, or ECL_EIO when the random
 *         source fails.
 */
ECL_EXTERN int ecl_uuid_v4(char out[ECL_BATCH_ID_SIZE]);

/**
 * Whether a string is a canonical UUID v4 (36 characters, lower or upper case hex).
 *
 * @return 1 when it is, 0 otherwise (including NULL)
 */
ECL_EXTERN int ecl_uuid_is_valid(const char *text);

ECL_END_DECL

#endif
