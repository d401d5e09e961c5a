/*
 * diag.c - error messages on stderr, in one format for the whole tool, so
 * scripts can rely on "eclectyc: <what went wrong>" and the exit status.
 * Messages quote file names, arguments and the library's reasons, so they
 * are written escaped (out_text): a control character cannot reach the
 * terminal, nor split the message over two lines.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static void put_line(const char *message)
{
	fputs("eclectyc: ", stderr);
	out_text(stderr, message, CLI_TEXT_FLAT);
	fputc('\n', stderr);
}

static void print_message(const char *fmt, va_list ap)
{
	char *message = NULL;

	if (vasprintf(&message, fmt, ap) < 0) {
		put_line("out of memory formatting a message");
		return;
	}
	put_line(message);
	free(message);
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
	put_line(message);
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
