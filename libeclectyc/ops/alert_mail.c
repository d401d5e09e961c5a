/*
 * The alert email itself: the checks that keep settings and alert text out
 * of places they could break, and the RFC 5322 message (see alert_mail.h).
 * How it travels is alert_smtp.c's business.
 */
#include "ops/alert_mail.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/buffer_internal.h"
#include "eclectyc/sys/errors.h"
#include "util/random.h"

#define DEFAULT_FROM "noreply@eclectyc.energy"
#define DEFAULT_FROM_NAME "Eclectyc Energy"
/* RFC 5322 §2.1.1: no line longer than 998 octets. A body with a longer
 * line (a long error message, a stack trace) goes base64 instead of 8bit. */
#define MAX_LINE 998
/* Bytes of text per RFC 2047 encoded word: 39 bytes are 52 base64 characters,
 * so "Subject: " plus one word stays within the 76 columns RFC 2047 allows. */
#define WORD_BYTES 39
/* Header text longer than this goes as folded encoded words even when it
 * is ASCII, which keeps every header line well inside MAX_LINE. */
#define MAX_PLAIN_HEADER_TEXT 900

/* ---- the checks ---- */

static int has_line_break(const char *text)
{
	return strpbrk(text, "\r\n") != NULL;
}

/* Addresses go into MAIL FROM:<…>, RCPT TO:<…> and headers verbatim, so
 * anything that could end the brackets or the line is refused. */
static int is_plain_address(const char *text, size_t len)
{
	size_t i;
	int ok = len > 0 && len <= ECL_MAIL_MAX_ADDRESS;

	for (i = 0; ok && i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		ok = c > 0x20 && c != 0x7f && c != '<' && c != '>' && c != ',' && c != '"';
	}
	return ok;
}

static const char *sender_name(const ecl_alert_options *opts)
{
	return opts->mail_from_name ? opts->mail_from_name : DEFAULT_FROM_NAME;
}

const char *ecl__mail_sender(const ecl_alert_options *opts)
{
	return opts->mail_from && *opts->mail_from ? opts->mail_from : DEFAULT_FROM;
}

const char *ecl__mail_problem(const ecl_alert_options *opts, const ecl_alert *alert)
{
	const char *from = ecl__mail_sender(opts);
	const char *problem = NULL;

	(void)alert;   /* its subject may hold anything: put_subject escapes it */
	if (opts->mail_to == NULL || *opts->mail_to == '\0')
		problem = "no recipient is set (ADMIN_EMAIL)";
	else if (has_line_break(sender_name(opts)))
		problem = "the sender name contains a line break";
	else if (!is_plain_address(from, strlen(from)))
		problem = "the sender address is invalid (a space, line break, comma, quote, < or >)";
	return problem;
}

static int is_not_address(void *payload, const char *address, size_t len)
{
	(void)payload;
	return !is_plain_address(address, len);
}

const char *ecl__mail_recipients_problem(const char *list)
{
	const char *problem = NULL;

	if (list == NULL || *list == '\0')
		problem = "no recipient is set (ADMIN_EMAIL)";
	else if (ecl__mail_each_recipient(list, is_not_address, NULL) != 0)
		problem = "the recipient list holds an invalid address (empty, too long, or with a "
			"space, line break, comma, quote, < or >)";
	return problem;
}

int ecl__mail_each_recipient(const char *list, ecl__mail_recipient_fn each, void *payload)
{
	const char *p = list;
	int first = 1;
	int rc = 0;

	while (rc == 0 && *p != '\0') {
		size_t len = strcspn(p, ",");
		const char *next = p[len] ? p + len + 1 : p + len;

		while (len > 0 && (*p == ' ' || *p == '\t'))
			p++, len--;
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		/* Only an empty last entry after an address is a trailing comma. */
		if (len > 0 || *next != '\0' || first)
			rc = each(payload, p, len);
		first = 0;
		p = next;
	}
	return rc;
}

/* ---- header text ---- */

static int put_base64(ecl_buf *out, const unsigned char *data, size_t len)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < len; i += 3) {
		unsigned int n = (unsigned int)data[i] << 16;
		char quad[4];

		if (i + 1 < len)
			n |= (unsigned int)data[i + 1] << 8;
		if (i + 2 < len)
			n |= data[i + 2];
		quad[0] = alphabet[(n >> 18) & 63];
		quad[1] = alphabet[(n >> 12) & 63];
		quad[2] = i + 1 < len ? alphabet[(n >> 6) & 63] : '=';
		quad[3] = i + 2 < len ? alphabet[n & 63] : '=';
		rc = ecl__buf_put(out, quad, 4);
	}
	return rc;
}

static int is_ascii_text(const char *text)
{
	const unsigned char *p = (const unsigned char *)text;

	while (*p != '\0' && *p < 0x80)
		p++;
	return *p == '\0';
}

/* Length of the UTF-8 character starting with `lead` (1 for a stray byte). */
static size_t utf8_length(unsigned char lead)
{
	return lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
}

/* How many bytes of `text` go into one encoded word: at most WORD_BYTES,
 * never splitting a UTF-8 character, as mail readers decode each word on
 * its own. */
static size_t word_length(const char *text, size_t len)
{
	size_t take = 0;

	while (take < len) {
		size_t step = utf8_length((unsigned char)text[take]);

		if (step > len - take)
			step = len - take;
		if (take > 0 && take + step > WORD_BYTES)
			break;
		take += step;
	}
	return take;
}

/* RFC 2047 "B" encoded words, one per line after the first (folded). */
static int put_encoded_words(ecl_buf *out, const char *text)
{
	size_t len = strlen(text), pos = 0;
	int rc = 0;

	do {
		size_t take = word_length(text + pos, len - pos);

		rc = ecl__buf_puts(out, pos > 0 ? "\r\n =?UTF-8?B?" : "=?UTF-8?B?");
		if (rc == 0)
			rc = put_base64(out, (const unsigned char *)text + pos, take);
		if (rc == 0)
			rc = ecl__buf_puts(out, "?=");
		pos += take;
	} while (rc == 0 && pos < len);
	return rc;
}

/* An RFC 5322 quoted-string: quotes and backslashes escaped. */
static int put_quoted(ecl_buf *out, const char *text)
{
	const char *p;
	int rc = ecl__buf_puts(out, "\"");

	for (p = text; rc == 0 && *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			rc = ecl__buf_puts(out, "\\");
		if (rc == 0)
			rc = ecl__buf_put(out, p, 1);
	}
	if (rc == 0)
		rc = ecl__buf_puts(out, "\"");
	return rc;
}

/* A display name as atoms, a quoted string when it holds RFC 5322 specials
 * ("Ops, UK" would otherwise read as two addresses), or encoded words when
 * it is not ASCII. */
static int put_display_name(ecl_buf *out, const char *name)
{
	int rc;

	if (!is_ascii_text(name) || strlen(name) > MAX_PLAIN_HEADER_TEXT)
		rc = put_encoded_words(out, name);
	else if (strpbrk(name, "()<>[]:;@\\,.\"") != NULL)
		rc = put_quoted(out, name);
	else
		rc = ecl__buf_puts(out, name);
	return rc;
}

/* RFC 5322 date in UTC; names spelled out, as strftime's follow the locale. */
static int format_date(char *out, size_t size, int64_t now)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t secs = (time_t)now;
	struct tm tm;
	int rc = 0;

	if (gmtime_r(&secs, &tm) == NULL || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 1900)
		rc = ecl_error_set(ECL_EINVALID, "alert email not sent: time %lld cannot be a mail date",
			(long long)now);
	else
		snprintf(out, size, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday],
			tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return rc;
}

/* <32 random hex digits @ the sender's domain>: unique without revealing
 * the host or the time. */
static int format_message_id(char *out, size_t size, const char *from)
{
	static const char hex[] = "0123456789abcdef";
	const char *at = strrchr(from, '@');
	unsigned char bytes[16];
	char digits[33];
	int i, rc = ecl__random_bytes(bytes, sizeof(bytes));

	for (i = 0; rc == 0 && i < 16; i++) {
		digits[2 * i] = hex[bytes[i] >> 4];
		digits[2 * i + 1] = hex[bytes[i] & 0x0f];
	}
	digits[32] = '\0';
	if (rc == 0)
		snprintf(out, size, "<%s@%s>", digits,
			at != NULL && at[1] != '\0' ? at + 1 : "localhost");
	return rc;
}

/* One address of the To: header, after a comma unless it is the first. */
static int add_to(void *payload, const char *address, size_t len)
{
	ecl_buf *to = payload;
	int rc = 0;

	if (to->size > 0)
		rc = ecl__buf_puts(to, ", ");
	if (rc == 0)
		rc = ecl__buf_put(to, address, len);
	return rc;
}

/* ---- the message ---- */

/* The body with every line ending as CRLF (LF, CR and CRLF in the input),
 * ending with one; sets *longest to the longest line. */
static int normalise_body(ecl_buf *out, const char *body, size_t *longest)
{
	const char *p = body;
	int rc = 0;

	*longest = 0;
	while (rc == 0 && *p != '\0') {
		size_t len = strcspn(p, "\r\n");

		if (len > *longest)
			*longest = len;
		rc = ecl__buf_put(out, p, len);
		if (rc == 0)
			rc = ecl__buf_puts(out, "\r\n");
		p += len;
		if (p[0] == '\r' && p[1] == '\n')
			p += 2;
		else if (*p != '\0')
			p++;
	}
	return rc;
}

static int put_base64_lines(ecl_buf *out, const ecl_buf *text)
{
	size_t pos;
	int rc = 0;

	/* 57 bytes are one 76-character line (RFC 2045 §6.8). */
	for (pos = 0; rc == 0 && pos < text->size; pos += 57) {
		size_t n = text->size - pos < 57 ? text->size - pos : 57;
		rc = put_base64(out, (const unsigned char *)text->ptr + pos, n);
		if (rc == 0)
			rc = ecl__buf_puts(out, "\r\n");
	}
	return rc;
}

static int put_header(ecl_buf *out, const char *name, const char *value)
{
	int rc = ecl__buf_puts(out, name);

	if (rc == 0)
		rc = ecl__buf_puts(out, ": ");
	if (rc == 0)
		rc = ecl__buf_puts(out, value);
	if (rc == 0)
		rc = ecl__buf_puts(out, "\r\n");
	return rc;
}

/* `text` with every control character written out ("\r", "\n", "\t",
 * "\x1b"): a subject quotes file names, which may hold a line break, and
 * one must neither end the header (adding "Bcc: …") nor stop the alert. */
static int put_escaped(ecl_buf *out, const char *text)
{
	const unsigned char *p;
	int rc = 0;

	for (p = (const unsigned char *)text; rc == 0 && *p != '\0'; p++) {
		char escape[8];

		if (*p >= 0x20 && *p != 0x7f) {
			rc = ecl__buf_put(out, (const char *)p, 1);
			continue;
		}
		if (*p == '\r' || *p == '\n' || *p == '\t')
			snprintf(escape, sizeof(escape), "\\%c", *p == '\r' ? 'r' : *p == '\n' ? 'n' : 't');
		else
			snprintf(escape, sizeof(escape), "\\x%02x", *p);
		rc = ecl__buf_puts(out, escape);
	}
	return rc;
}

static int put_subject(ecl_buf *out, const char *subject)
{
	ecl_buf text = ECL_BUF_INIT;
	int rc = ecl__buf_set(&text, "");

	if (rc == 0)
		rc = put_escaped(&text, subject);
	if (rc == 0)
		rc = ecl__buf_puts(out, "Subject: ");
	if (rc == 0 && is_ascii_text(text.ptr) && text.size <= MAX_PLAIN_HEADER_TEXT)
		rc = ecl__buf_puts(out, text.ptr);
	else if (rc == 0)
		rc = put_encoded_words(out, text.ptr);
	if (rc == 0)
		rc = ecl__buf_puts(out, "\r\n");
	ecl_buf_dispose(&text);
	return rc;
}

static int put_from(ecl_buf *out, const ecl_alert_options *opts)
{
	const char *name = sender_name(opts);
	int rc = ecl__buf_puts(out, "From: ");

	if (rc == 0 && *name != '\0') {
		rc = put_display_name(out, name);
		if (rc == 0)
			rc = ecl__buf_puts(out, " ");
	}
	if (rc == 0)
		rc = ecl__buf_puts(out, "<");
	if (rc == 0)
		rc = ecl__buf_puts(out, ecl__mail_sender(opts));
	if (rc == 0)
		rc = ecl__buf_puts(out, ">\r\n");
	return rc;
}

/* The headers after Subject, ending the header block. */
static int put_content_headers(ecl_buf *out, int base64)
{
	int rc = put_header(out, "MIME-Version", "1.0");

	if (rc == 0)
		rc = put_header(out, "Content-Type", "text/plain; charset=UTF-8");
	if (rc == 0)
		rc = put_header(out, "Content-Transfer-Encoding", base64 ? "base64" : "8bit");
	/* RFC 3834: tells vacation responders not to answer an automatic alert. */
	if (rc == 0)
		rc = put_header(out, "Auto-Submitted", "auto-generated");
	if (rc == 0)
		rc = ecl__buf_puts(out, "\r\n");
	return rc;
}

static int build_message(ecl_buf *msg, const ecl_alert_options *opts, const ecl_alert *alert,
                         int64_t now)
{
	ecl_buf to = ECL_BUF_INIT, body = ECL_BUF_INIT;
	char date[64], message_id[ECL_MAIL_MAX_ADDRESS + 40];
	size_t longest = 0;
	int rc = format_date(date, sizeof(date), now);

	if (rc == 0)
		rc = format_message_id(message_id, sizeof(message_id), ecl__mail_sender(opts));
	if (rc == 0)
		rc = normalise_body(&body, alert->body ? alert->body : "", &longest);
	if (rc == 0)
		rc = ecl__mail_each_recipient(opts->mail_to, add_to, &to);
	if (rc == 0)
		rc = put_header(msg, "Date", date);
	if (rc == 0)
		rc = put_header(msg, "Message-ID", message_id);
	if (rc == 0)
		rc = put_from(msg, opts);
	if (rc == 0)
		rc = put_header(msg, "To", to.ptr);
	if (rc == 0)
		rc = put_subject(msg, alert->subject ? alert->subject : "");
	if (rc == 0)
		rc = put_content_headers(msg, longest > MAX_LINE);
	if (rc == 0 && longest > MAX_LINE)
		rc = put_base64_lines(msg, &body);
	else if (rc == 0 && body.size > 0)
		rc = ecl__buf_put(msg, body.ptr, body.size);
	ecl_buf_dispose(&body);
	ecl_buf_dispose(&to);
	return rc;
}

int ecl__mail_compose(ecl_buf *out, const ecl_alert_options *opts, const ecl_alert *alert,
                      int64_t now)
{
	const char *problem = NULL;
	int rc;

	/* The transport checks first, to word its reasons; these checks are
	 * repeated so that no caller can write a header it should not. */
	if (opts == NULL || alert == NULL)
		problem = "no alert or no options";
	else if ((problem = ecl__mail_problem(opts, alert)) == NULL)
		problem = ecl__mail_recipients_problem(opts->mail_to);
	if (problem != NULL)
		rc = ecl_error_set(ECL_EINVALID, "alert email not sent: %s", problem);
	else
		rc = build_message(out, opts, alert, now);
	return rc;
}
