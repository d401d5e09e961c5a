/*
 * The email channel: one alert written as an RFC 5322 message and handed to
 * the configured SMTP server by libcurl (see alert_channels.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alert_channels.h"
#include "alert_curl.h"
#include "buffer_internal.h"
#include "eclectyc/sys/errors.h"
#include "random.h"
#include "strutil.h"

#define DEFAULT_PORT 587
#define DEFAULT_FROM "noreply@eclectyc.energy"
#define DEFAULT_FROM_NAME "Eclectyc Energy"
/* RFC 5321 §4.5.3.1.3: a path is at most 256 octets with its brackets. */
#define MAX_ADDRESS 254
#define MAX_HOST 253
/* RFC 5322 §2.1.1: no line longer than 998 octets. A body with a longer
 * line (a long error message, a stack trace) goes base64 instead of 8bit. */
#define MAX_LINE 998
/* Bytes of text per RFC 2047 encoded word: 39 bytes are 52 base64 characters,
 * so "Subject: " plus one word stays within the 76 columns RFC 2047 allows. */
#define WORD_BYTES 39
/* Header text longer than this goes as folded encoded words even when it
 * is ASCII, which keeps every header line well inside MAX_LINE. */
#define MAX_PLAIN_HEADER_TEXT 900

/* The settings one send uses, defaults applied and checked. */
typedef struct smtp_plan {
	char url[300];
	int port;
	int starttls;               /* "tls": STARTTLS or nothing */
	const char *from;
	const char *from_name;
	const char *password;       /* never shown; masked out of reasons */
	struct curl_slist *rcpt;    /* "<address>" for each recipient */
	ecl_buf to;                 /* the recipients for the To: header */
} smtp_plan;

/* The message being uploaded. */
typedef struct upload {
	const char *data;
	size_t len;
	size_t pos;
} upload;

#ifdef __GNUC__
__attribute__((format(printf, 3, 4)))
#endif
static int invalid(char *why, size_t why_size, const char *format, ...)
{
	char text[512];
	va_list args;

	va_start(args, format);
	vsnprintf(text, sizeof(text), format, args);
	va_end(args);
	ecl__alert_why(why, why_size, text, NULL, NULL);
	return ecl_error_set(ECL_EINVALID, "alert email not sent: %s", text);
}

static int has_line_break(const char *text)
{
	return strpbrk(text, "\r\n") != NULL;
}

/* Addresses go into MAIL FROM:<…>, RCPT TO:<…> and headers verbatim, so
 * anything that could end the brackets or the line is refused. */
static int is_plain_address(const char *text, size_t len)
{
	size_t i;
	int ok = len > 0 && len <= MAX_ADDRESS;

	for (i = 0; ok && i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		ok = c > 0x20 && c != 0x7f && c != '<' && c != '>' && c != ',' && c != '"';
	}
	return ok;
}

/* A name or an address literal libcurl can put in a URL unchanged. */
static int is_host_name(const char *host)
{
	const char *p;
	int ok = *host != '\0' && strlen(host) <= MAX_HOST;

	for (p = host; ok && *p != '\0'; p++)
		ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')
			|| *p == '-' || *p == '.' || *p == '_' || *p == ':';
	return ok;
}

static int plan_url(smtp_plan *plan, const ecl_alert_options *opts, char *why, size_t why_size)
{
	const char *mode = opts->smtp_encryption ? opts->smtp_encryption : "tls";
	int ssl = ecl__strieq(mode, "ssl");
	int v6 = strchr(opts->smtp_host, ':') != NULL;
	int rc = 0;

	plan->port = opts->smtp_port == 0 ? DEFAULT_PORT : opts->smtp_port;
	plan->starttls = ecl__strieq(mode, "tls");
	if (!plan->starttls && !ssl && !ecl__strieq(mode, "none"))
		rc = invalid(why, why_size, "unknown SMTP encryption \"%s\" (expected tls, ssl or none)",
			mode);
	else if (!is_host_name(opts->smtp_host))
		rc = invalid(why, why_size, "SMTP host \"%s\" is not a host name or address",
			opts->smtp_host);
	else if (plan->port < 1 || plan->port > 65535)
		rc = invalid(why, why_size, "SMTP port %d is out of range", plan->port);
	else
		snprintf(plan->url, sizeof(plan->url), "%s://%s%s%s:%d", ssl ? "smtps" : "smtp",
			v6 ? "[" : "", opts->smtp_host, v6 ? "]" : "", plan->port);
	return rc;
}

static int add_recipient(smtp_plan *plan, const char *address, size_t len, char *why,
                         size_t why_size)
{
	char rcpt[MAX_ADDRESS + 3];
	struct curl_slist *grown;
	int rc = 0;

	if (!is_plain_address(address, len))
		rc = invalid(why, why_size,
			"the recipient list holds an invalid address (empty, too long, or with a "
			"space, line break, comma, quote, < or >)");
	if (rc == 0) {
		snprintf(rcpt, sizeof(rcpt), "<%.*s>", (int)len, address);
		grown = curl_slist_append(plan->rcpt, rcpt);
		if (grown == NULL)
			rc = ecl_error_set(ECL_ENOMEM, "out of memory listing mail recipients");
		else
			plan->rcpt = grown;
	}
	if (rc == 0 && plan->to.size > 0)
		rc = ecl__buf_puts(&plan->to, ", ");
	if (rc == 0)
		rc = ecl__buf_put(&plan->to, address, len);
	return rc;
}

/* mail_to may list several recipients separated by commas (a trailing
 * comma is forgiven, an empty entry between two is not). */
static int plan_recipients(smtp_plan *plan, const char *list, char *why, size_t why_size)
{
	const char *p = list;
	int rc = 0;

	while (rc == 0 && *p != '\0') {
		size_t len = strcspn(p, ",");
		const char *next = p[len] ? p + len + 1 : p + len;

		while (len > 0 && (*p == ' ' || *p == '\t'))
			p++, len--;
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len > 0 || *next != '\0' || plan->rcpt == NULL)
			rc = add_recipient(plan, p, len, why, why_size);
		p = next;
	}
	return rc;
}

static int plan_send(smtp_plan *plan, const ecl_alert_options *opts, const ecl_alert *alert,
                     char *why, size_t why_size)
{
	int rc = 0;

	plan->from = opts->mail_from && *opts->mail_from ? opts->mail_from : DEFAULT_FROM;
	plan->from_name = opts->mail_from_name ? opts->mail_from_name : DEFAULT_FROM_NAME;
	plan->password = opts->smtp_password;
	if (opts->smtp_host == NULL || *opts->smtp_host == '\0')
		rc = invalid(why, why_size, "no SMTP host is set (MAIL_HOST)");
	else if (opts->mail_to == NULL || *opts->mail_to == '\0')
		rc = invalid(why, why_size, "no recipient is set (ADMIN_EMAIL)");
	else if (alert->subject != NULL && has_line_break(alert->subject))
		rc = invalid(why, why_size, "the subject contains a line break");
	else if (has_line_break(plan->from_name))
		rc = invalid(why, why_size, "the sender name contains a line break");
	else if (!is_plain_address(plan->from, strlen(plan->from)))
		rc = invalid(why, why_size,
			"the sender address is invalid (a space, line break, comma, quote, < or >)");
	if (rc == 0)
		rc = plan_url(plan, opts, why, why_size);
	if (rc == 0)
		rc = plan_recipients(plan, opts->mail_to, why, why_size);
	return rc;
}

static void plan_dispose(smtp_plan *plan)
{
	curl_slist_free_all(plan->rcpt);
	plan->rcpt = NULL;
	ecl_buf_dispose(&plan->to);
}

/* ---- the message ---- */

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

static int put_subject(ecl_buf *out, const char *subject)
{
	int rc = ecl__buf_puts(out, "Subject: ");

	if (rc == 0 && is_ascii_text(subject) && strlen(subject) <= MAX_PLAIN_HEADER_TEXT)
		rc = ecl__buf_puts(out, subject);
	else if (rc == 0)
		rc = put_encoded_words(out, subject);
	if (rc == 0)
		rc = ecl__buf_puts(out, "\r\n");
	return rc;
}

static int put_from(ecl_buf *out, const smtp_plan *plan)
{
	int rc = ecl__buf_puts(out, "From: ");

	if (rc == 0 && *plan->from_name != '\0') {
		rc = put_display_name(out, plan->from_name);
		if (rc == 0)
			rc = ecl__buf_puts(out, " ");
	}
	if (rc == 0)
		rc = ecl__buf_puts(out, "<");
	if (rc == 0)
		rc = ecl__buf_puts(out, plan->from);
	if (rc == 0)
		rc = ecl__buf_puts(out, ">\r\n");
	return rc;
}

static int build_message(ecl_buf *msg, const smtp_plan *plan, const ecl_alert *alert,
                         int64_t now)
{
	ecl_buf body = ECL_BUF_INIT;
	char date[64], message_id[MAX_ADDRESS + 40];
	size_t longest = 0;
	int rc = format_date(date, sizeof(date), now);

	if (rc == 0)
		rc = format_message_id(message_id, sizeof(message_id), plan->from);
	if (rc == 0)
		rc = normalise_body(&body, alert->body ? alert->body : "", &longest);
	if (rc == 0)
		rc = put_header(msg, "Date", date);
	if (rc == 0)
		rc = put_header(msg, "Message-ID", message_id);
	if (rc == 0)
		rc = put_from(msg, plan);
	if (rc == 0)
		rc = put_header(msg, "To", plan->to.ptr);
	if (rc == 0)
		rc = put_subject(msg, alert->subject ? alert->subject : "");
	if (rc == 0)
		rc = put_header(msg, "MIME-Version", "1.0");
	if (rc == 0)
		rc = put_header(msg, "Content-Type", "text/plain; charset=UTF-8");
	if (rc == 0)
		rc = put_header(msg, "Content-Transfer-Encoding", longest > MAX_LINE ? "base64" : "8bit");
	/* RFC 3834: tells vacation responders not to answer an automatic alert. */
	if (rc == 0)
		rc = put_header(msg, "Auto-Submitted", "auto-generated");
	if (rc == 0)
		rc = ecl__buf_puts(msg, "\r\n");
	if (rc == 0 && longest > MAX_LINE)
		rc = put_base64_lines(msg, &body);
	else if (rc == 0 && body.size > 0)
		rc = ecl__buf_put(msg, body.ptr, body.size);
	ecl_buf_dispose(&body);
	return rc;
}

/* ---- the transfer ---- */

static size_t read_message(char *buffer, size_t size, size_t count, void *payload)
{
	upload *up = payload;
	size_t room = size * count;
	size_t n = up->len - up->pos < room ? up->len - up->pos : room;

	memcpy(buffer, up->data + up->pos, n);
	up->pos += n;
	return n;
}

static CURLcode configure(CURL *curl, const smtp_plan *plan, const ecl_alert_options *opts,
                          upload *up)
{
	char from[MAX_ADDRESS + 3];
	CURLcode rc;

	snprintf(from, sizeof(from), "<%s>", plan->from);
	rc = curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, plan->rcpt);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_message);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_READDATA, up);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)up->len);
	/* "tls" means STARTTLS or no mail at all, never a silent fall-back to
	 * clear text; "ssl" is TLS from the first byte (the smtps:// URL). */
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_USE_SSL,
			plan->starttls ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_NONE);
	if (rc == CURLE_OK && opts->smtp_username != NULL && *opts->smtp_username != '\0') {
		rc = curl_easy_setopt(curl, CURLOPT_USERNAME, opts->smtp_username);
		if (rc == CURLE_OK)
			rc = curl_easy_setopt(curl, CURLOPT_PASSWORD,
				opts->smtp_password ? opts->smtp_password : "");
	}
	return rc;
}

static int transfer_failed(const ecl__curl_call *call, CURLcode code, const smtp_plan *plan,
                           char *why, size_t why_size)
{
	char reason[300];
	char said[300];
	int timed_out = code == CURLE_OPERATION_TIMEDOUT;

	/* The server's refusal ("server said: 554 5.7.1 rejected") is the most
	 * useful thing to report, once the session got that far. */
	if (!timed_out && code != CURLE_COULDNT_CONNECT && call->refusal[0] != '\0') {
		snprintf(said, sizeof(said), "server said: %s", call->refusal);
		ecl__alert_why(reason, sizeof(reason), said, plan->password, curl_easy_strerror(code));
	} else
		ecl__curl_reason(call, code, plan->password, reason, sizeof(reason));
	ecl__alert_why(why, why_size, reason, NULL, NULL);
	/* The reference deployment paired port 465 with "tls": the server waits
	 * for a TLS handshake while we wait for its greeting. */
	return ecl_error_set(ECL_EIO, "sending the alert email through %s failed: %s%s", plan->url,
		reason, timed_out && plan->starttls && plan->port == 465
			? " (port 465 normally needs encryption \"ssl\", not \"tls\")" : "");
}

static int transfer(const smtp_plan *plan, const ecl_alert_options *opts, const ecl_buf *msg,
                    char *why, size_t why_size)
{
	ecl__curl_call call;
	upload up = { msg->ptr, msg->size, 0 };
	CURLcode code = CURLE_OK;
	int rc = ecl__curl_open(&call, plan->url, "smtp,smtps", opts->timeout_ms);

	if (rc == 0)
		code = configure(call.curl, plan, opts, &up);
	if (rc == 0 && code == CURLE_OK)
		code = curl_easy_perform(call.curl);
	if (rc == 0 && code != CURLE_OK)
		rc = transfer_failed(&call, code, plan, why, why_size);
	else if (rc != 0)
		ecl__alert_why(why, why_size, ecl_error_last(), NULL, NULL);
	ecl__curl_close(&call);
	return rc;
}

int ecl__alert_smtp_send(const ecl_alert_options *opts, const ecl_alert *alert, int64_t now,
                         char *why, size_t why_size)
{
	smtp_plan plan;
	ecl_buf msg = ECL_BUF_INIT;
	int rc;

	memset(&plan, 0, sizeof(plan));
	ecl__alert_why(why, why_size, "", NULL, NULL);
	if (opts == NULL || alert == NULL)
		rc = invalid(why, why_size, "no alert or no options");
	else
		rc = plan_send(&plan, opts, alert, why, why_size);
	if (rc == 0) {
		rc = build_message(&msg, &plan, alert, now);
		if (rc != 0)
			ecl__alert_why(why, why_size, ecl_error_last(), NULL, NULL);
	}
	if (rc == 0)
		rc = transfer(&plan, opts, &msg, why, why_size);
	ecl_buf_dispose(&msg);
	plan_dispose(&plan);
	return rc;
}
