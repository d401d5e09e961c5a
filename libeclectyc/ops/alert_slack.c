/*
 * The Slack channel: one alert posted to an incoming webhook as a coloured
 * attachment (see alert_channels.h). The webhook's path is its credential,
 * so the URL never appears in a message: it is "the Slack webhook".
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ops/alert_channels.h"
#include "ops/alert_curl.h"
#include "util/buffer_internal.h"
#include "eclectyc/sys/errors.h"
#include "util/json_util.h"
#include "util/strutil.h"

#define FOOTER "Eclectyc Energy Import System"
/* How much of a refusal's body to quote (Slack answers "no_service",
 * "invalid_payload", "channel_is_archived" …). */
#define BODY_QUOTE_MAX 100

static const char *colour(ecl_alert_severity severity)
{
	return severity == ECL_ALERT_CRITICAL ? "danger"
		: severity == ECL_ALERT_WARNING ? "warning" : "good";
}

static int build_payload(ecl_buf *out, const ecl_alert *alert, int64_t now)
{
	json_t *root = json_object();
	json_t *list = json_array();
	json_t *attachment = json_object();
	int failed = 0;

	/* jansson's *_new calls take the value even when they fail, and ignore
	 * a NULL container, so one check at the end covers every step. */
	ecl__json_put(attachment, "color", json_string(colour(alert->severity)), &failed);
	ecl__json_put(attachment, "title", ecl__json_text(alert->subject ? alert->subject : ""),
		&failed);
	ecl__json_put(attachment, "text", ecl__json_text(alert->body ? alert->body : ""), &failed);
	ecl__json_put(attachment, "footer", json_string(FOOTER), &failed);
	ecl__json_put(attachment, "ts", json_integer(now), &failed);
	ecl__json_append(list, attachment, &failed);
	ecl__json_put(root, "attachments", list, &failed);
	if (failed) {
		json_decref(root);
		root = NULL;
	}
	return ecl__json_to_buf(out, root, "the Slack payload");
}

/* The part of the URL that must stay private: everything after the host
 * (path, query), or NULL when there is none. */
static const char *secret_part(const char *url)
{
	const char *host = strstr(url, "://");
	const char *rest = host ? strpbrk(host + 3, "/?#") : NULL;

	return rest != NULL && rest[1] != '\0' ? rest : NULL;
}

static int check_url(const char *url, char *why, size_t why_size)
{
	const char *problem = NULL;
	int rc = 0;

	if (url == NULL || *url == '\0')
		problem = "no Slack webhook is set (SLACK_WEBHOOK_URL)";
	else if (strncasecmp(url, "https://", 8) != 0 && strncasecmp(url, "http://", 7) != 0)
		problem = "the Slack webhook is not an http(s) URL";
	else if (strpbrk(url, "\r\n \t") != NULL)
		problem = "the Slack webhook URL contains white space";
	if (problem != NULL) {
		ecl__alert_why(why, why_size, problem, NULL, NULL);
		rc = ecl_error_set(ECL_EINVALID, "alert not posted to Slack: %s", problem);
	}
	return rc;
}

static CURLcode configure(CURL *curl, struct curl_slist *headers, const ecl_buf *payload)
{
	CURLcode rc = curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload->ptr);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)payload->size);
	return rc;
}

/* "HTTP 404: no_service": the status, and the start of the body when it is
 * short plain text that does not echo the secret. */
static void describe_status(char *out, size_t size, long status, const ecl__curl_call *call,
                            const char *secret)
{
	char quote[BODY_QUOTE_MAX + 1];
	size_t n = 0, i;
	int plain = call->body_len > 0;

	for (i = 0; plain && i < call->body_len && n < BODY_QUOTE_MAX; i++) {
		unsigned char c = (unsigned char)call->body[i];
		if (c == '\r' || c == '\n')
			break;
		plain = c >= 0x20 && c < 0x7f;
		quote[n++] = (char)c;
	}
	quote[n] = '\0';
	if (secret != NULL && strstr(quote, secret) != NULL)
		plain = 0;
	if (plain && n > 0)
		snprintf(out, size, "HTTP %ld: %s", status, quote);
	else
		snprintf(out, size, "HTTP %ld", status);
}

/* 0 when the webhook answered 2xx, otherwise ECL_EIO with the reason. */
static int outcome(const ecl__curl_call *call, CURLcode code, const char *secret, char *why,
                   size_t why_size)
{
	char reason[256];
	long status = 0;
	int rc = 0;

	if (code == CURLE_OK)
		curl_easy_getinfo(call->curl, CURLINFO_RESPONSE_CODE, &status);
	if (code != CURLE_OK)
		ecl__curl_reason(call, code, secret, reason, sizeof(reason));
	else if (status < 200 || status > 299)
		describe_status(reason, sizeof(reason), status, call, secret);
	if (code != CURLE_OK || status < 200 || status > 299) {
		ecl__alert_why(why, why_size, reason, NULL, NULL);
		rc = ecl_error_set(ECL_EIO, "posting the alert to the Slack webhook failed: %s", reason);
	}
	return rc;
}

/* No "Expect: 100-continue": a webhook that ignores it would cost a second
 * of waiting on every alert. NULL when out of memory. */
static struct curl_slist *request_headers(void)
{
	struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
	struct curl_slist *more = headers ? curl_slist_append(headers, "Expect:") : NULL;

	if (more == NULL)
		curl_slist_free_all(headers);
	return more;
}

static int post(const char *url, const ecl_buf *payload, int timeout_ms, char *why,
                size_t why_size)
{
	const char *secret = secret_part(url);
	struct curl_slist *headers = NULL;
	ecl__curl_call call;
	CURLcode code = CURLE_OK;
	int rc = ecl__curl_open(&call, url, "http,https", timeout_ms);

	if (rc == 0 && (headers = request_headers()) == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory preparing the Slack request");
	if (rc == 0)
		code = configure(call.curl, headers, payload);
	if (rc == 0 && code == CURLE_OK)
		code = ecl__curl_perform(&call);
	if (rc == 0)
		rc = outcome(&call, code, secret, why, why_size);
	else
		ecl__alert_why(why, why_size, ecl_error_last(), NULL, NULL);
	ecl__curl_close(&call);
	curl_slist_free_all(headers);
	return rc;
}

int ecl__alert_slack_send(const ecl_alert_options *opts, const ecl_alert *alert, int64_t now,
                          char *why, size_t why_size)
{
	ecl_buf payload = ECL_BUF_INIT;
	int rc;

	ecl__alert_why(why, why_size, "", NULL, NULL);
	if (opts == NULL || alert == NULL) {
		ecl__alert_why(why, why_size, "no alert or no options", NULL, NULL);
		rc = ecl_error_set(ECL_EINVALID, "alert not posted to Slack: no alert or no options");
	} else
		rc = check_url(opts->slack_webhook_url, why, why_size);
	if (rc == 0) {
		rc = build_payload(&payload, alert, now);
		if (rc != 0)
			ecl__alert_why(why, why_size, ecl_error_last(), NULL, NULL);
	}
	if (rc == 0)
		rc = post(opts->slack_webhook_url, &payload, opts->timeout_ms, why, why_size);
	ecl_buf_dispose(&payload);
	return rc;
}
