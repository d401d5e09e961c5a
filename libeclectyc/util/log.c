#include "util/log_internal.h"

#include <stdarg.h>
#include <stdio.h>

#include "eclectyc/sys/errors.h"
#include "util/strutil.h"

static const char *const level_names[] = { "debug", "info", "warn", "error", "none" };

const char *ecl_log_level_name(ecl_log_level level)
{
	if ((int)level < ECL_LOG_DEBUG || level > ECL_LOG_NONE)
		return "unknown";
	return level_names[level];
}

int ecl_log_level_parse(ecl_log_level *out, const char *name)
{
	int level;

	if (out == NULL || name == NULL)
		return ecl_error_set(ECL_EINVALID, "log level is NULL");
	if (ecl__strieq(name, "warning")) {
		*out = ECL_LOG_WARN;
		return 0;
	}
	for (level = ECL_LOG_DEBUG; level <= ECL_LOG_NONE; level++) {
		if (ecl__strieq(name, level_names[level])) {
			*out = (ecl_log_level)level;
			return 0;
		}
	}
	return ecl_error_set(ECL_EINVALID,
		"unknown log level \"%s\" (expected debug, info, warn, error or none)", name);
}

void ecl__log(const ecl_logger *logger, ecl_log_level level, const char *format, ...)
{
	char message[2048];
	va_list args;

	if (logger == NULL || level < logger->level || logger->level >= ECL_LOG_NONE)
		return;
	va_start(args, format);
	vsnprintf(message, sizeof(message), format, args);
	va_end(args);
	if (logger->sink != NULL)
		logger->sink(level, message, logger->payload);
	else
		fprintf(stderr, "eclectyc [%s] %s\n", ecl_log_level_name(level), message);
}
