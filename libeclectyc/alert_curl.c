/* libcurl set up once per process and once per alert transfer (see alert_curl.h). */
#include "alert_curl.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "alert_channels.h"
#include "eclectyc/sys/errors.h"
#include "eclectyc/version.h"
#include "strutil.h"

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* curl_global_init() is not safe to race with itself (nor, before 7.84,
 * with anything), and a host may start several workers at once; cleanup is
 * never called, as the host may use libcurl itself after we are done. */
int ecl__curl_global(void)
{
	int rc = 0;

	if (pthread_once(&global_once, global_init) != 0 || global_rc != CURLE_OK)
		rc = ecl_error_set(ECL_EIO, "libcurl failed to initialise: %s",
			curl_easy_strerror(global_rc));
	return rc;
}

/* A reply line that starts with a 4xx or 5xx code. HTTP header lines never
 * do (the status line starts "HTTP/"), so only SMTP refusals match. */
static int is_refusal(const char *line, size_t len)
{
	return len >= 3 && (line[0] == '4' || line[0] == '5') && line[1] >= '0' && line[1] <= '9'
		&& line[2] >= '0' && line[2] <= '9';
}

/* Every reply line the server sends (libcurl hands SMTP replies to the
 * header callback): keep the first refusal, control characters masked, so a
 * failure can quote what the server said rather than the "221 bye" that
 * answers our QUIT after it. */
static size_t keep_refusal(char *data, size_t size, size_t count, void *payload)
{
	ecl__curl_call *call = payload;
	size_t len = size * count;
	size_t i, n = 0;

	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		len--;
	if (call->refusal[0] == '\0' && is_refusal(data, len)) {
		for (i = 0; i < len && n + 1 < sizeof(call->refusal); i++) {
			unsigned char c = (unsigned char)data[i];
			call->refusal[n++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
		}
		call->refusal[n] = '\0';
	}
	return size * count;
}

/* The response body: keep its start for the error message and swallow the
 * rest, since libcurl's default would print it to stdout. */
static size_t keep_body(char *data, size_t size, size_t count, void *payload)
{
	ecl__curl_call *call = payload;
	size_t len = size * count;
	size_t room = sizeof(call->body) - 1 - call->body_len;
	size_t n = len < room ? len : room;

	memcpy(call->body + call->body_len, data, n);
	call->body_len += n;
	call->body[call->body_len] = '\0';
	return len;
}

/* Only what the channel needs: a webhook URL of another scheme (file://,
 * gopher://…) or a redirect elsewhere must not become a transfer. */
static CURLcode limit_protocols(CURL *curl, const char *protocols)
{
	CURLcode rc;

#if LIBCURL_VERSION_NUM >= 0x075500
	rc = curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, protocols);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, protocols);
#else
	long mask = strstr(protocols, "smtp") ? (CURLPROTO_SMTP | CURLPROTO_SMTPS)
	                                      : (CURLPROTO_HTTP | CURLPROTO_HTTPS);
	rc = curl_easy_setopt(curl, CURLOPT_PROTOCOLS, mask);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS, mask);
#endif
	return rc;
}

static CURLcode configure(ecl__curl_call *call, const char *url, const char *protocols)
{
	CURL *curl = call->curl;
	CURLcode rc = curl_easy_setopt(curl, CURLOPT_URL, url);

	if (rc == CURLE_OK)
		rc = limit_protocols(curl, protocols);
	/* Without this, a timeout in name resolution uses SIGALRM, which is
	 * unsafe in a multi-threaded host. */
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, call->timeout_ms);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, call->timeout_ms);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, call->error);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, keep_refusal);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_HEADERDATA, call);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, keep_body);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_WRITEDATA, call);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(curl, CURLOPT_USERAGENT, "libeclectyc/" ECL_VERSION);
	return rc;
}

int ecl__curl_open(ecl__curl_call *call, const char *url, const char *protocols,
                   int timeout_ms)
{
	int rc = ecl__curl_global();

	memset(call, 0, sizeof(*call));
	call->timeout_ms = timeout_ms > 0 ? (long)timeout_ms : ECL_ALERT_TIMEOUT_MS_DEFAULT;
	if (rc == 0) {
		call->curl = curl_easy_init();
		if (call->curl == NULL)
			rc = ecl_error_set(ECL_ENOMEM, "out of memory creating a libcurl handle");
	}
	if (rc == 0) {
		/* Only memory, or an option this libcurl was built without, fails here. */
		CURLcode code = configure(call, url, protocols);
		if (code != CURLE_OK) {
			rc = ecl_error_set(code == CURLE_OUT_OF_MEMORY ? ECL_ENOMEM : ECL_EIO,
				"setting up a libcurl transfer failed: %s", curl_easy_strerror(code));
			ecl__curl_close(call);
		}
	}
	return rc;
}

void ecl__curl_close(ecl__curl_call *call)
{
	if (call->curl != NULL)
		curl_easy_cleanup(call->curl);
	call->curl = NULL;
}

void ecl__alert_why(char *why, size_t why_size, const char *text, const char *secret,
                    const char *fallback)
{
	int leaks = secret != NULL && *secret != '\0' && strstr(text, secret) != NULL;

	if (why != NULL && why_size > 0)
		ecl__strlcpy(why, leaks ? fallback : text, why_size);
}

void ecl__curl_reason(const ecl__curl_call *call, CURLcode code, const char *secret,
                      char *why, size_t why_size)
{
	char text[CURL_ERROR_SIZE + 64];
	long os_errno = 0;

	if (code == CURLE_COULDNT_CONNECT && call->curl != NULL)
		curl_easy_getinfo(call->curl, CURLINFO_OS_ERRNO, &os_errno);
	if (code == CURLE_OPERATION_TIMEDOUT)
		snprintf(text, sizeof(text), "timed out after %ld ms", call->timeout_ms);
	else if (code == CURLE_COULDNT_CONNECT && os_errno == ECONNREFUSED)
		snprintf(text, sizeof(text), "connection refused");
	else if (code == CURLE_USE_SSL_FAILED)
		snprintf(text, sizeof(text), "TLS is required but the server does not offer STARTTLS");
	else if (code == CURLE_SSL_CONNECT_ERROR)
		snprintf(text, sizeof(text), "TLS handshake failed: %s",
			call->error[0] ? call->error : curl_easy_strerror(code));
	else
		snprintf(text, sizeof(text), "%s", call->error[0] ? call->error : curl_easy_strerror(code));
	ecl__alert_why(why, why_size, text, secret, curl_easy_strerror(code));
}
