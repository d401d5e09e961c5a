/*
 * The email channel's transport: the message alert_mail.c writes, handed
 * to the configured SMTP server by libcurl (see alert_channels.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ops/alert_channels.h"
#include "ops/alert_curl.h"
#include "ops/alert_mail.h"
#include "eclectyc/buffer.h"
#include "eclectyc/sys/errors.h"
#include "util/strutil.h"

#define DEFAULT_PORT 587
/* RFC 1035: a domain name written out is at most 253 characters. */
#define MAX_HOST 253

/* The settings one send uses, defaults applied and checked. */
typedef struct smtp_plan {
	char url[300];
	int port;
	int starttls;               /* "tls": STARTTLS or nothing */
	const char *from;
	const char *username;       /* scrubbed out of what the server says */
	const char *password;       /* never shown; masked out of reasons */
	struct curl_slist *rcpt;    /* "<address>" for each recipient */
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

/* RCPT TO:<address> for one recipient the list check accepted. */
static int add_recipient(void *payload, const char *address, size_t len)
{
	smtp_plan *plan = payload;
	char rcpt[ECL_MAIL_MAX_ADDRESS + 3];
	struct curl_slist *grown;
	int rc = 0;

	snprintf(rcpt, sizeof(rcpt), "<%.*s>", (int)len, address);
	grown = curl_slist_append(plan->rcpt, rcpt);
	if (grown == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory listing mail recipients");
	else
		plan->rcpt = grown;
	return rc;
}

/* One fault is reported at a time, found in this order: the server's host,
 * the message's own fields, the rest of the server's settings, then each
 * recipient. */
static int plan_send(smtp_plan *plan, const ecl_alert_options *opts, const ecl_alert *alert,
                     char *why, size_t why_size)
{
	const char *problem = NULL;
	int rc = 0;

	plan->from = ecl__mail_sender(opts);
	plan->username = opts->smtp_username;
	plan->password = opts->smtp_password;
	if (opts->smtp_host == NULL || *opts->smtp_host == '\0')
		rc = invalid(why, why_size, "no SMTP host is set (MAIL_HOST)");
	else if ((problem = ecl__mail_problem(opts, alert)) != NULL)
		rc = invalid(why, why_size, "%s", problem);
	if (rc == 0)
		rc = plan_url(plan, opts, why, why_size);
	if (rc == 0 && (problem = ecl__mail_recipients_problem(opts->mail_to)) != NULL)
		rc = invalid(why, why_size, "%s", problem);
	if (rc == 0)
		rc = ecl__mail_each_recipient(opts->mail_to, add_recipient, plan);
	return rc;
}

static void plan_dispose(smtp_plan *plan)
{
	curl_slist_free_all(plan->rcpt);
	plan->rcpt = NULL;
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
	char from[ECL_MAIL_MAX_ADDRESS + 3];
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
		/* A server may echo the AUTH exchange in its refusal ("535 AUTH
		 * PLAIN AGFsaWNl... rejected"): that goes into the alerts table, so
		 * the credentials are scrubbed out first. */
		snprintf(said, sizeof(said), "server said: %s", call->refusal);
		ecl__alert_scrub(said, plan->username, plan->password);
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
		code = ecl__curl_perform(&call);
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
		rc = ecl__mail_compose(&msg, opts, alert, now);
		if (rc != 0)
			ecl__alert_why(why, why_size, ecl_error_last(), NULL, NULL);
	}
	if (rc == 0)
		rc = transfer(&plan, opts, &msg, why, why_size);
	ecl_buf_dispose(&msg);
	plan_dispose(&plan);
	return rc;
}
