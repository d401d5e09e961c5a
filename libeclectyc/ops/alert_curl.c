/* libcurl set up once per process and once per alert transfer (see alert_curl.h). */
#include "ops/alert_curl.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>

#include "ops/alert_channels.h"
#include "eclectyc/sys/errors.h"
#include "eclectyc/version.h"
#include "util/strutil.h"

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
/* Per thread, as each thread's transfers are its own (ecl__curl_unreachable). */
static __thread int last_unreachable;
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

#if LIBCURL_VERSION_NUM < 0x075500
/* Before libcurl 7.85 the protocols are a bit mask: the bits of the names
 * in the comma-separated list. */
static long protocol_mask(const char *protocols)
{
	static const struct {
		const char *name;
		long bit;
	} known[] = { { "smtp", CURLPROTO_SMTP }, { "smtps", CURLPROTO_SMTPS },
		{ "http", CURLPROTO_HTTP }, { "https", CURLPROTO_HTTPS }, { "sftp", CURLPROTO_SFTP },
		{ "ftp", CURLPROTO_FTP }, { "ftps", CURLPROTO_FTPS } };
	long mask = 0;
	size_t i, len;

	while (*protocols) {
		len = strcspn(protocols, ",");
		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (strlen(known[i].name) == len && strncmp(known[i].name, protocols, len) == 0)
				mask |= known[i].bit;
		protocols += len + (protocols[len] == ',');
	}
	return mask;
}
#endif

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
	long mask = protocol_mask(protocols);

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

	last_unreachable = 0;
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

CURLcode ecl__curl_perform(ecl__curl_call *call)
{
	CURLcode code = curl_easy_perform(call->curl);

	last_unreachable = code == CURLE_OPERATION_TIMEDOUT || code == CURLE_COULDNT_CONNECT
		|| code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_COULDNT_RESOLVE_PROXY
		|| code == CURLE_SEND_ERROR || code == CURLE_RECV_ERROR || code == CURLE_GOT_NOTHING;
	return code;
}

int ecl__curl_unreachable(void)
{
	int unreachable = last_unreachable;

	last_unreachable = 0;
	return unreachable;
}

/* ---- scrubbing a server's reply ---- */

static int base64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

static int is_base64_char(int c)
{
	return base64_value(c) >= 0 || c == '=';
}

/* Decode a base64 word of `len` characters into `out` (at least len * 3 / 4
 * + 1 bytes); its length, or -1 when it is not base64 (padded, as SASL
 * sends it). */
static long base64_decode(const char *word, size_t len, unsigned char *out)
{
	size_t i, n = 0, pad = 0;
	unsigned int acc = 0;

	if (len == 0 || len % 4 != 0)
		return -1;
	while (pad < 2 && word[len - 1 - pad] == '=')
		pad++;
	for (i = 0; i < len - pad; i++) {
		int v = base64_value((unsigned char)word[i]);

		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned int)v;
		if (i % 4 == 3) {
			out[n++] = (unsigned char)(acc >> 16);
			out[n++] = (unsigned char)(acc >> 8);
			out[n++] = (unsigned char)acc;
			acc = 0;
		}
	}
	if (pad == 1) {
		out[n++] = (unsigned char)(acc >> 10);
		out[n++] = (unsigned char)(acc >> 2);
	} else if (pad == 2) {
		out[n++] = (unsigned char)(acc >> 4);
	}
	return (long)n;
}

static int contains(const unsigned char *data, size_t len, const char *needle)
{
	size_t n = needle ? strlen(needle) : 0, i;

	for (i = 0; n > 0 && i + n <= len; i++)
		if (memcmp(data + i, needle, n) == 0)
			return 1;
	return 0;
}

/* Whether the base64 word decodes to something a client sent to log in. */
static int is_credential(const char *word, size_t len, const char *username, const char *password)
{
	unsigned char decoded[256];
	long n;

	if (len < 4)
		return 0;
	if (len > 300)        /* a base64 run that long can only be a token */
		return 1;
	n = base64_decode(word, len, decoded);
	return n > 0 && (memchr(decoded, '\0', (size_t)n) != NULL
		|| contains(decoded, (size_t)n, username) || contains(decoded, (size_t)n, password));
}

/* Replace text[at, at + len) by "***" in place. */
static void mask_span(char *text, size_t at, size_t len)
{
	size_t tail = strlen(text + at + len);

	if (len >= 3) {
		memcpy(text + at, "***", 3);
		memmove(text + at + 3, text + at + len, tail + 1);
	} else {
		/* Growing: the text's buffer is not known, so shorten what follows
		 * rather than write past it. */
		memset(text + at, '*', len);
	}
}

static int word_is(const char *text, size_t at, size_t len, const char *word)
{
	return len == strlen(word) && strncasecmp(text + at, word, len) == 0;
}

void ecl__alert_scrub(char *text, const char *username, const char *password)
{
	size_t at = 0;
	char *hit;

	if (text == NULL)
		return;
	while (text[at] != '\0') {
		size_t len = 0;

		while (text[at + len] != '\0' && is_base64_char((unsigned char)text[at + len]))
			len++;
		if (len == 0) {
			at++;
			continue;
		}
		if (word_is(text, at, len, "AUTH")) {
			/* Keep "AUTH <mechanism>"; what follows is the exchange. */
			size_t mech = at + len;

			while (text[mech] == ' ')
				mech++;
			while (text[mech] != '\0' && text[mech] != ' ')
				mech++;
			len = strlen(text + mech);
			if (len >= 4) {
				memcpy(text + mech, " ***", 5);
				break;
			}
			if (len > 1)          /* too short for " ***": mask in place */
				memset(text + mech + 1, '*', len - 1);
			at = mech;
			continue;
		}
		if (is_credential(text + at, len, username, password)) {
			mask_span(text, at, len);
			at += len >= 3 ? 3 : len;
		} else {
			at += len;
		}
	}
	for (at = 0; password != NULL && *password != '\0' && (hit = strstr(text + at, password));) {
		size_t n = strlen(password);

		at = (size_t)(hit - text);
		mask_span(text, at, n);
		at += n >= 3 ? 3 : n;
	}
}
