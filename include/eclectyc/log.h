/**
 * @file eclectyc/log.h
 * @brief Log levels and the host logging callback.
 *
 * The library never prints on its own account: messages go to the callback
 * given in the store options, or, by default, to stderr for levels at or above
 * the configured minimum.
 */
#ifndef ECLECTYC_LOG_H
#define ECLECTYC_LOG_H

#include "common.h"

ECL_BEGIN_DECL

/** Severity of a log message, in increasing order. */
typedef enum ecl_log_level {
	ECL_LOG_DEBUG = 0,
	ECL_LOG_INFO = 1,
	ECL_LOG_WARN = 2,
	ECL_LOG_ERROR = 3,
	ECL_LOG_NONE = 4  /**< as a minimum level: log nothing */
} ecl_log_level;

/**
 * Receives one log message.
 *
 * @param level   severity
 * @param message the text, without a trailing newline; valid during the call
 * @param payload the caller's pointer given with the callback
 */
typedef void (*ecl_log_cb)(ecl_log_level level, const char *message, void *payload);

/** The lower-case name of a level ("debug", "info", "warn", "error", "none"). */
ECL_EXTERN const char *ecl_log_level_name(ecl_log_level level);

/**
 * Parse a level name (case-insensitive; "warning" is accepted for "warn").
 *
 * @param out  receives the level
 * @param name the text
 * @return 0, or ECL_EINVALID naming the text
 */
ECL_EXTERN int ecl_log_level_parse(ecl_log_level *out, const char *name);

ECL_END_DECL

#endif
