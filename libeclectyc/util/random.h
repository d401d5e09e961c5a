/* The operating system's random source. */
#ifndef ECL_RANDOM_H
#define ECL_RANDOM_H

#include <stddef.h>

/* Fill `buf` with `len` random bytes from getrandom(2). 0 or ECL_EIO. */
int ecl__random_bytes(void *buf, size_t len);

#endif
