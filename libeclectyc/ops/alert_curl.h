/*
 * What the network alert channels (and the feed transports,
 * feeds/transport_curl.c) share: one libcurl easy handle set up the
 * same way for each (explicit timeouts, no signals, nothing printed, only the
 * protocols the channel needs), the server's refusal and the start of a
 * response body kept for error messages, and curl's outcome turned into a
 * short reason that never carries a secret.
 */
#ifndef ECL_ALERT_CURL_H
#define ECL_ALERT_CURL_H

#include <curl/curl.h>
#include <stddef.h>

/* timeout_ms <= 0 in the options means this. */
#define ECL_ALERT_TIMEOUT_MS_DEFAULT 10000L

/* One transfer. Lives on the caller's stack: curl keeps pointers into it
 * until ecl__curl_close(). */
typedef struct ecl__curl_call {
	CURL *curl;
	long timeout_ms;
	char error[CURL_ERROR_SIZE];  /* curl's own detail (CURLOPT_ERRORBUFFER) */
	char refusal[256];            /* the first 4xx/5xx reply line (SMTP), which
	                                 ended the session; "" when none */
	char body[256];               /* the start of the response body */
	size_t body_len;
} ecl__curl_call;

/*
 * Make the handle for one transfer to `url`, limited to `protocols`
 * (a comma-separated list such as "smtp,smtps"; also http, https, sftp, ftp,
 * ftps); `timeout_ms` <= 0 means the
 * default. Both the connect and the total timeout are set to it.
 * 0, ECL_EIO (libcurl would not initialise) or ECL_ENOMEM; on failure the
 * call holds nothing to close (closing it anyway is harmless).
 */
int ecl__curl_open(ecl__curl_call *call, const char *url, const char *protocols,
                   int timeout_ms);

/* Release the handle. Accepts a call that failed to open. */
void ecl__curl_close(ecl__curl_call *call);

/* curl_easy_perform() on the call, remembering for ecl__curl_unreachable()
 * whether the server could not be reached or did not answer in time. */
CURLcode ecl__curl_perform(ecl__curl_call *call);

/*
 * 1 when this thread's last ecl__curl_perform() ended because the server
 * could not be reached (no such host, connection refused or reset) or did
 * not answer within the timeout; 0 after a success, a refusal (an HTTP or
 * SMTP error), or when the last transfer never started. Reading it forgets
 * it, so a later send that fails before any transfer reads 0. Alerting backs off
 * from such a channel for a while (alert.c), so a hanging server costs a
 * worker its timeout once, not once per alert.
 */
int ecl__curl_unreachable(void);

/*
 * Scrub a server's reply, kept for an error message and the alerts table,
 * of credentials an SMTP server may echo back, in place: every base64 word
 * that decodes to text holding `username` or `password` (AUTH LOGIN sends
 * each alone) or a NUL byte (AUTH PLAIN's "\0user\0password"), whatever
 * follows "AUTH <mechanism>" in it, and `password` itself, each become
 * "***". NULL or "" credentials are not looked for.
 */
void ecl__alert_scrub(char *text, const char *username, const char *password);

/*
 * A few words on why the transfer ended with `code` ("timed out after 1500
 * ms", "connection refused", curl's detail otherwise). A reason that would
 * contain `secret` (NULL or "" for none) is replaced by curl's generic text
 * for the code, so a password or a webhook path never leaks through it.
 */
void ecl__curl_reason(const ecl__curl_call *call, CURLcode code, const char *secret,
                      char *why, size_t why_size);

/* Copy `text` into why (bounded, NUL-terminated) unless it contains `secret`,
 * in which case `fallback` is copied. why may be NULL when why_size is 0. */
void ecl__alert_why(char *why, size_t why_size, const char *text, const char *secret,
                    const char *fallback);

#endif
