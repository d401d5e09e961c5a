/*
 * The email an alert becomes: one RFC 5322 message, written apart from the
 * transport that carries it (alert_smtp.c). Everything that goes into a
 * header or an SMTP command verbatim is checked here, so that neither a
 * setting nor an alert's text can add a header ("…\r\nBcc: victim") or end
 * a command early.
 */
#ifndef ECL_ALERT_MAIL_H
#define ECL_ALERT_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "eclectyc/alert.h"
#include "eclectyc/buffer.h"

/* RFC 5321 §4.5.3.1.3: a path is at most 256 octets with its brackets. */
#define ECL_MAIL_MAX_ADDRESS 254

/* The sender address: mail_from, or the default when it is unset or "". */
const char *ecl__mail_sender(const ecl_alert_options *opts);

/*
 * Why `alert` cannot be written as a message from `opts`, or NULL: no
 * recipient list, a line break in the sender's name, or a sender address
 * that is not plain (see below). These are settings; the alert's own text
 * is never a reason not to send it: control characters in its subject (a
 * file name with a CR/LF) are written out as "\r", "\n", "\xHH". The recipients themselves
 * are left to ecl__mail_recipients_problem(), so that a transport can check
 * its own settings in between and keep the order its reasons come in.
 */
const char *ecl__mail_problem(const ecl_alert_options *opts, const ecl_alert *alert);

/*
 * Why the recipient list (mail_to) is refused, or NULL. Each entry must be
 * a plain address: 1 to ECL_MAIL_MAX_ADDRESS bytes without a space, control
 * character, comma, quote, < or >, as it goes into RCPT TO:<…> and the To:
 * header unchanged.
 */
const char *ecl__mail_recipients_problem(const char *list);

/* Called with one recipient; nonzero stops the walk. */
typedef int (*ecl__mail_recipient_fn)(void *payload, const char *address, size_t len);

/*
 * Call `each` with every entry of the comma-separated `list` in order,
 * blanks around it trimmed (so not NUL-terminated). A trailing comma is
 * forgiven; an empty entry elsewhere is passed on, for the check to refuse.
 * Walk only a list ecl__mail_recipients_problem() accepted. 0 or the first
 * nonzero return of `each`.
 */
int ecl__mail_each_recipient(const char *list, ecl__mail_recipient_fn each, void *payload);

/*
 * Append the message to `out`: Date (from `now`, UTC), Message-ID (random,
 * @ the sender's domain), From, To, Subject (control characters escaped;
 * RFC 2047 encoded words when not ASCII or very long), MIME-Version, Content-Type, Content-Transfer-
 * Encoding (8bit, or base64 when a line would pass 998 octets) and
 * Auto-Submitted, then the body with CRLF line ends. Refuses what the two
 * checks above refuse. 0, ECL_EINVALID (a check, or a `now` outside the
 * years 1900 to 9999), ECL_EIO (no random source) or ECL_ENOMEM.
 */
int ecl__mail_compose(ecl_buf *out, const ecl_alert_options *opts, const ecl_alert *alert,
                      int64_t now);

#endif
