/* The backoff policy: delay before retry n = min(base * 2^n, cap), less jitter. */
#ifndef ECL_RETRY_POLICY_H
#define ECL_RETRY_POLICY_H

#include <stdint.h>

/* min(base * 2^retry_count, cap) without overflow; retry_count < 0 counts as 0. */
int64_t ecl__retry_delay(int64_t base, int64_t cap, int retry_count);

/* `delay` less a random share of up to `percent` % of it (never below 0). */
int64_t ecl__retry_jitter(int64_t delay, int percent);

#endif
