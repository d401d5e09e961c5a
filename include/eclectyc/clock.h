/**
 * @file eclectyc/clock.h
 * @brief The injectable time source.
 *
 * All scheduling (queued_at, retry_at, heartbeats) uses the store's clock and
 * never the database's, so tests move time instead of sleeping.
 */
#ifndef ECLECTYC_CLOCK_H
#define ECLECTYC_CLOCK_H

#include "common.h"

ECL_BEGIN_DECL

/**
 * Returns the current instant in Unix seconds (UTC). Must be > 0.
 *
 * @param payload the caller's pointer given with the callback
 */
typedef int64_t (*ecl_clock_cb)(void *payload);

/** The system clock (CLOCK_REALTIME), usable as an ecl_clock_cb. */
ECL_EXTERN int64_t ecl_clock_system(void *payload);

ECL_END_DECL

#endif
