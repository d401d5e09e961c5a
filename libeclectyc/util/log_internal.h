/* Delivering log messages to the host's sink. */
#ifndef ECL_LOG_INTERNAL_H
#define ECL_LOG_INTERNAL_H

#include "eclectyc/log.h"

typedef struct ecl_logger {
	ecl_log_cb sink;       /* NULL = stderr */
	void *payload;
	ecl_log_level level;   /* minimum level delivered */
} ecl_logger;

/* Format and deliver a message when `level` reaches the logger's minimum. */
void ecl__log(const ecl_logger *logger, ecl_log_level level, const char *format, ...)
#ifdef __GNUC__
	__attribute__((format(printf, 3, 4)))
#endif
	;

#endif
