/*
 * diag.c - error messages on stderr, in one format for the whole tool, so
 * scripts can rely on "eclectyc: <what went wrong>" and the exit status.
 */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

static void print_message(const char *fmt, va_list ap)
{
	fputs("eclectyc: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_message(fmt, ap);
	va_end(ap);
	fputs("Try 'eclectyc --help' for more information.\n", stderr);
	return CLI_EXIT_USAGE;
}

int cli_fail(int code)
{
	const char *message = ecl_error_last();

	/* The library documents a message for every failure, but an empty one
	 * must still tell the user something. */
	if (message[0] == '\0')
		message = ecl_strerror(code);
	fprintf(stderr, "eclectyc: %s\n", message);
	return CLI_EXIT_ERROR;
}

int cli_failf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	print_message(fmt, ap);
	va_end(ap);
	return CLI_EXIT_ERROR;
}
