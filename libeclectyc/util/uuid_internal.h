#ifndef ECL_UUID_INTERNAL_H
#define ECL_UUID_INTERNAL_H

#include "eclectyc/uuid.h"

/* Write `count` UUID v4 strings, ECL_BATCH_ID_SIZE bytes apart, drawing the
 * random bytes in one go (bulk enqueue makes 100,000 at a time). */
int ecl__uuid_v4_many(char *out, size_t count);

#endif
