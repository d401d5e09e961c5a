/*
 * The libcurl session of one transport call: one easy handle, set up for
 * the source's scheme (SSH host keys and keys, TLS always, credentials,
 * timeouts), over which the call's requests go one after another so they
 * share a connection and a login; and curl's outcome turned into a message
 * that names the URL and the cause but never a password.
 *
 * SFTP host keys: libcurl checks the server's key against the known_hosts
 * file and asks CURLOPT_SSH_KEYFUNCTION what to do. Without a callback,
 * libcurl 7.88 (Debian 12's) refuses a missing or a changed key; a callback
 * of ours decides all the same, so the rule does not hang on a libcurl
 * default, and it records which of the two it was for the message: only a
 * key that matches is accepted, and nothing is ever added to the file.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eclectyc/sys/errors.h"
#include "feeds/transport_internal.h"
#include "ops/alert_channels.h"
#include "util/buffer_internal.h"
#include "util/strutil.h"

#define DEFAULT_TIMEOUT_SECONDS 300L
/* Longer timeouts are cut to a day (and fit the call's int milliseconds). */
#define MAX_TIMEOUT_SECONDS 86400L
/* Connecting takes at most this, within the whole transfer's timeout. */
#define CONNECT_TIMEOUT_MS 30000L
/* A listing page or folder listing longer than this is refused. */
#define MAX_LISTING_BYTES (64u * 1024u * 1024u)

static const char *protocol_of(ecl__scheme scheme)
{
	switch (scheme) {
	case ECL__SCHEME_SFTP:
		return "sftp";
	case ECL__SCHEME_FTP:
		return "ftp";
	case ECL__SCHEME_FTPS:
		return "ftps";
	default:
		return "https";
	}
}

static int is_https(const ecl__rsession *s)
{
	return s->url->scheme == ECL__SCHEME_HTTPS;
}

/* ---- receiving ---- */

/* A response body: a download into the sink, a listing into text. An HTTP
 * answer other than 2xx is never written anywhere (its page is not the
 * file); the status says what happened. */
static size_t receive(char *data, size_t size, size_t count, void *payload)
{
	ecl__rsession *s = payload;
	size_t len = size * count;
	long code = 0;

	if (is_https(s)) {
		curl_easy_getinfo(s->call.curl, CURLINFO_RESPONSE_CODE, &code);
		if (code / 100 != 2)
			return len;
	}
	if (s->sink != NULL)
		return ecl__fetch_sink_write(s->sink, data, len) == 0 ? len : 0;
	if (s->text.size + len > MAX_LISTING_BYTES) {
		s->text_too_long = 1;
		return 0;
	}
	return ecl__buf_put(&s->text, data, len) == 0 ? len : 0;
}

/* Only a key that matches its known_hosts entry is accepted. */
static int check_host_key(CURL *easy, const struct curl_khkey *known,
                          const struct curl_khkey *found, enum curl_khmatch match, void *payload)
{
	ecl__rsession *s = payload;

	(void)easy;
	(void)known;
	(void)found;
	s->host_key = (int)match;
	return match == CURLKHMATCH_OK ? CURLKHSTAT_FINE : CURLKHSTAT_REJECT;
}

/* ---- setting the session up ---- */

/* An option libcurl refused: only memory, or a libcurl built without it. */
static int setopt_failed(const ecl__rsession *s, CURLcode code)
{
	return ecl_error_set(code == CURLE_OUT_OF_MEMORY ? ECL_ENOMEM : ECL_EIO,
		"%s: setting up a libcurl transfer failed: %s", s->url->shown, curl_easy_strerror(code));
}

static int readable(const ecl__remote_url *url, const char *what, const char *path)
{
	if (access(path, R_OK) != 0)
		return ecl_error_set(ECL_EIO, "%s: cannot read the %s %s: %s", url->shown, what, path,
			strerror(errno));
	return 0;
}

/* The public half beside the key (`<key>.pub`), or "" so that libssh2
 * derives it from the private key. Caller frees. */
static char *public_key_of(const char *key)
{
	size_t size = strlen(key) + 5;
	char *pub = malloc(size);

	if (pub != NULL) {
		snprintf(pub, size, "%s.pub", key);
		if (access(pub, R_OK) != 0)
			pub[0] = '\0';
	}
	return pub;
}

static CURLcode setup_ssh_key(ecl__rsession *s, const char *key)
{
	const char *password = s->auth->password;
	char *pub = public_key_of(key);
	CURLcode code = pub ? CURLE_OK : CURLE_OUT_OF_MEMORY;

	if (code == CURLE_OK)
		code = curl_easy_setopt(s->call.curl, CURLOPT_SSH_AUTH_TYPES, (long)CURLSSH_AUTH_PUBLICKEY);
	if (code == CURLE_OK)
		code = curl_easy_setopt(s->call.curl, CURLOPT_SSH_PRIVATE_KEYFILE, key);
	if (code == CURLE_OK)
		code = curl_easy_setopt(s->call.curl, CURLOPT_SSH_PUBLIC_KEYFILE, pub);
	if (code == CURLE_OK && password != NULL)
		code = curl_easy_setopt(s->call.curl, CURLOPT_KEYPASSWD, password);
	free(pub);
	return code;
}

static int setup_ssh(ecl__rsession *s)
{
	const ecl__remote_auth *auth = s->auth;
	CURL *curl = s->call.curl;
	CURLcode code;
	int rc;

	if (auth->known_hosts == NULL || auth->known_hosts[0] == '\0')
		return ecl_error_set(ECL_EINVALID, "%s: an sftp source needs a known_hosts file, "
			"which the server's host key must be in", s->url->shown);
	rc = readable(s->url, "known_hosts file", auth->known_hosts);
	if (rc == 0 && auth->ssh_key != NULL)
		rc = readable(s->url, "SSH key", auth->ssh_key);
	if (rc != 0)
		return rc;
	code = curl_easy_setopt(curl, CURLOPT_SSH_KNOWNHOSTS, auth->known_hosts);
	if (code == CURLE_OK)
		code = curl_easy_setopt(curl, CURLOPT_SSH_KEYFUNCTION, check_host_key);
	if (code == CURLE_OK)
		code = curl_easy_setopt(curl, CURLOPT_SSH_KEYDATA, s);
	if (code == CURLE_OK && auth->ssh_key != NULL)
		code = setup_ssh_key(s, auth->ssh_key);
	else if (code == CURLE_OK)
		code = curl_easy_setopt(curl, CURLOPT_SSH_AUTH_TYPES,
			(long)(CURLSSH_AUTH_PASSWORD | CURLSSH_AUTH_KEYBOARD));
	if (code == CURLE_OK && auth->ssh_key == NULL && auth->password != NULL)
		code = curl_easy_setopt(curl, CURLOPT_PASSWORD, auth->password);
	return code == CURLE_OK ? 0 : setopt_failed(s, code);
}

static int setup_tls(ecl__rsession *s)
{
	const ecl__remote_auth *auth = s->auth;
	CURL *curl = s->call.curl;
	CURLcode code = CURLE_OK;
	int rc = 0;

	if (auth->ca_file != NULL) {
		rc = readable(s->url, "CA file", auth->ca_file);
		if (rc == 0)
			code = curl_easy_setopt(curl, CURLOPT_CAINFO, auth->ca_file);
	}
	/* ftp:// is explicit TLS, never plain; ftps:// is TLS from the start. */
	if (rc == 0 && code == CURLE_OK && !is_https(s))
		code = curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (rc == 0 && code == CURLE_OK && is_https(s)) {
		code = curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
		if (code == CURLE_OK)
			code = curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
		if (code == CURLE_OK && auth->user != NULL)
			code = curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	}
	if (rc == 0 && code == CURLE_OK && auth->password != NULL)
		code = curl_easy_setopt(curl, CURLOPT_PASSWORD, auth->password);
	return rc != 0 ? rc : code == CURLE_OK ? 0 : setopt_failed(s, code);
}

static int setup(ecl__rsession *s)
{
	CURL *curl = s->call.curl;
	CURLcode code = curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, receive);
	long connect_ms = s->call.timeout_ms < CONNECT_TIMEOUT_MS ? s->call.timeout_ms : CONNECT_TIMEOUT_MS;

	if (code == CURLE_OK)
		code = curl_easy_setopt(curl, CURLOPT_WRITEDATA, s);
	if (code == CURLE_OK)
		code = curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	if (code == CURLE_OK)
		code = curl_easy_setopt(curl, CURLOPT_FILETIME, 1L);
	if (code == CURLE_OK && s->auth->user != NULL)
		code = curl_easy_setopt(curl, CURLOPT_USERNAME, s->auth->user);
	if (code != CURLE_OK)
		return setopt_failed(s, code);
	return s->url->scheme == ECL__SCHEME_SFTP ? setup_ssh(s) : setup_tls(s);
}

static long timeout_ms_of(const ecl__remote_auth *auth)
{
	long seconds = auth->timeout_seconds > 0 ? auth->timeout_seconds : DEFAULT_TIMEOUT_SECONDS;

	return (seconds < MAX_TIMEOUT_SECONDS ? seconds : MAX_TIMEOUT_SECONDS) * 1000L;
}

int ecl__rsession_open(ecl__rsession *s, const ecl__remote_url *url, const ecl__remote_auth *auth)
{
	static const ecl__remote_auth none;
	ecl_buf empty = ECL_BUF_INIT;
	int rc;

	memset(s, 0, sizeof(*s));
	s->url = url;
	s->auth = auth ? auth : &none;
	s->host_key = -1;
	s->text = empty;
	rc = ecl__curl_open(&s->call, url->shown, protocol_of(url->scheme), (int)timeout_ms_of(s->auth));
	if (rc == 0)
		rc = setup(s);
	if (rc != 0)
		ecl__rsession_close(s);
	return rc;
}

void ecl__rsession_close(ecl__rsession *s)
{
	ecl__curl_close(&s->call);
	ecl_buf_dispose(&s->text);
}

/* ---- messages ---- */

/* Whether `text` holds a secret of the session (a password, the key's
 * passphrase, the URL's password). */
static int leaks(const ecl__rsession *s, const char *text)
{
	const char *secrets[2];
	size_t i;

	secrets[0] = s->auth->password;
	secrets[1] = s->url->password;
	for (i = 0; i < 2; i++)
		if (secrets[i] != NULL && secrets[i][0] != '\0' && strstr(text, secrets[i]) != NULL)
			return 1;
	return 0;
}

static void host_key_cause(const ecl__rsession *s, char *why, size_t size)
{
	const char *file = s->auth->known_hosts;

	if (s->host_key == CURLKHMATCH_MISMATCH)
		snprintf(why, size, "the server's host key differs from the one %s holds for it "
			"(a changed host key): refused", file);
	else if (s->host_key == CURLKHMATCH_MISSING)
		snprintf(why, size, "the server's host key is not in %s (an unknown host): refused", file);
	else
		snprintf(why, size, "the server's host key could not be checked against %s: %s", file,
			s->call.error[0] ? s->call.error : "refused");
}

static void login_cause(const ecl__rsession *s, char *why, size_t size)
{
	const char *server = s->call.refusal[0] ? s->call.refusal : s->call.error;

	if (s->url->scheme == ECL__SCHEME_SFTP && s->auth->ssh_key != NULL)
		snprintf(why, size, "login refused: the server did not accept the key %s for this user",
			s->auth->ssh_key);
	else
		snprintf(why, size, "login refused (wrong user or password)%s%s",
			server[0] ? ": " : "", server);
}

static void http_cause(const ecl__rsession *s, int file, char *why, size_t size)
{
	long code = s->http_code;

	snprintf(why, size, "HTTP %ld%s", code,
		code == 401 ? " (login refused: wrong user or password)" : code == 403 ? " (forbidden)"
		: code != 404 && code != 410 ? "" : file ? " (no such file)" : " (no such folder)");
}

/* Why the request ended with `code`, in a few words; `file` says whether
 * it was about a file or the folder. */
static void cause(const ecl__rsession *s, CURLcode code, int file, char *why, size_t size)
{
	const char *detail = s->call.error[0] ? s->call.error : curl_easy_strerror(code);

	if (code == CURLE_OK)
		http_cause(s, file, why, size);
	else if (code == CURLE_PEER_FAILED_VERIFICATION && s->url->scheme == ECL__SCHEME_SFTP)
		host_key_cause(s, why, size);
	else if (code == CURLE_PEER_FAILED_VERIFICATION)
		snprintf(why, size, "the server's TLS certificate is not trusted: %s", detail);
	else if (code == CURLE_LOGIN_DENIED)
		login_cause(s, why, size);
	else if (code == CURLE_SSL_CONNECT_ERROR)
		snprintf(why, size, "the TLS handshake failed: %s", detail);
	else if (code == CURLE_USE_SSL_FAILED)
		snprintf(why, size, "the server does not offer TLS (ftp:// sources need AUTH TLS)");
	else if (code == CURLE_REMOTE_ACCESS_DENIED)
		snprintf(why, size, "access denied (no such folder, or not allowed): %s", detail);
	else if (code == CURLE_REMOTE_FILE_NOT_FOUND)
		snprintf(why, size, file ? "no such file" : "no such folder");
	else if (code == CURLE_PARTIAL_FILE)
		snprintf(why, size, "the transfer was cut short: %s", detail);
	else if (code == CURLE_WRITE_ERROR && s->sink != NULL && s->sink->write_errno != 0)
		snprintf(why, size, "writing the copy failed: %s", strerror(s->sink->write_errno));
	else if (code == CURLE_WRITE_ERROR && s->text_too_long)
		snprintf(why, size, "the listing is longer than %u bytes", MAX_LISTING_BYTES);
	else if (code == CURLE_COULDNT_CONNECT || code == CURLE_OPERATION_TIMEDOUT
		|| code == CURLE_COULDNT_RESOLVE_HOST) {
		char reason[CURL_ERROR_SIZE + 64];

		ecl__curl_reason(&s->call, code, NULL, reason, sizeof(reason));
		snprintf(why, size, "cannot reach the server: %s", reason);
	} else
		snprintf(why, size, "%s", detail);
	if (leaks(s, why))
		snprintf(why, size, "%s", curl_easy_strerror(code));
}

/* The error of a failed request: ECL_ENOTFOUND when the file is not there
 * (and `missing_is_notfound`), else ECL_EIO. */
static int failed(const ecl__rsession *s, CURLcode code, const char *what, const char *name,
                  int missing_is_notfound)
{
	char why[CURL_ERROR_SIZE + 512];
	int missing = code == CURLE_REMOTE_FILE_NOT_FOUND
		|| (code == CURLE_OK && (s->http_code == 404 || s->http_code == 410));

	cause(s, code, name != NULL, why, sizeof(why));
	return ecl_error_set(missing && missing_is_notfound ? ECL_ENOTFOUND : ECL_EIO, "%s: %s%s%s: %s",
		s->url->shown, what, name ? " " : "", name ? name : "", why);
}

/* ---- requests ---- */

/* One request to `url`: a body (nobody 0) or only the file's size and
 * time, after the quote commands. */
static CURLcode request(ecl__rsession *s, const char *url, long nobody, struct curl_slist *quote)
{
	CURL *curl = s->call.curl;
	CURLcode code = curl_easy_setopt(curl, CURLOPT_URL, url);

	s->call.error[0] = '\0';
	s->call.refusal[0] = '\0';
	s->host_key = -1;
	s->http_code = 0;
	if (code == CURLE_OK)
		code = curl_easy_setopt(curl, CURLOPT_NOBODY, nobody);
	if (code == CURLE_OK && is_https(s) && !nobody)
		code = curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
	if (code == CURLE_OK)
		code = curl_easy_setopt(curl, CURLOPT_QUOTE, quote);
	if (code == CURLE_OK)
		code = curl_easy_perform(curl);
	if (is_https(s))
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &s->http_code);
	curl_easy_setopt(curl, CURLOPT_QUOTE, NULL);
	return code;
}

/* Whether a request that returned `code` succeeded (an HTTP answer too). */
static int succeeded(const ecl__rsession *s, CURLcode code)
{
	return code == CURLE_OK && (!is_https(s) || s->http_code / 100 == 2);
}

/* The size and mtime libcurl learnt in the last request (-1 / 0 unknown). */
static void learnt(const ecl__rsession *s, int64_t *size, int64_t *mtime)
{
	curl_off_t length = -1, filetime = -1;

	if (curl_easy_getinfo(s->call.curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) != CURLE_OK)
		length = -1;
	if (curl_easy_getinfo(s->call.curl, CURLINFO_FILETIME_T, &filetime) != CURLE_OK)
		filetime = -1;
	*size = length >= 0 ? (int64_t)length : -1;
	*mtime = filetime > 0 ? (int64_t)filetime : 0;
}

int ecl__rsession_list(ecl__rsession *s)
{
	char *url = NULL;
	CURLcode code;

	s->sink = NULL;
	ecl_buf_dispose(&s->text);
	s->text_too_long = 0;
	/* The folder URL itself: libcurl lists a path that ends in '/'. */
	if (curl_url_get(s->url->parsed, CURLUPART_URL, &url, 0) != CURLUE_OK)
		return ecl_error_set(ECL_ENOMEM, "out of memory making a URL");
	code = request(s, url, 0L, NULL);
	curl_free(url);
	return succeeded(s, code) ? 0 : failed(s, code, "listing the folder", NULL, 0);
}

int ecl__rsession_stat(ecl__rsession *s, const char *name, ecl__remote_file *out)
{
	char *url = NULL;
	CURLcode code;
	int rc = ecl__remote_url_file(s->url, name, &url);

	if (rc != 0)
		return rc;
	code = request(s, url, 1L, NULL);
	curl_free(url);
	if (!succeeded(s, code))
		return failed(s, code, "reading", name, 1);
	out->name = NULL;
	learnt(s, &out->size, &out->mtime);
	return 0;
}

int ecl__rsession_stat_all(ecl__rsession *s, const ecl__file_list *names, ecl__file_list *out)
{
	ecl__remote_file file;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < names->count; i++) {
		rc = ecl__rsession_stat(s, names->files[i].name, &file);
		if (rc == 0)
			rc = ecl__file_list_add(out, names->files[i].name, file.size, file.mtime);
		else if (rc == ECL_ENOTFOUND)
			rc = 0;     /* gone since it was listed */
	}
	return rc;
}

int ecl__rsession_fetch(ecl__rsession *s, const char *name, ecl__fetch_sink *sink,
                        int64_t *announced, int64_t *mtime)
{
	char *url = NULL;
	CURLcode code;
	int rc = ecl__remote_url_file(s->url, name, &url);

	if (rc != 0)
		return rc;
	s->sink = sink;
	code = request(s, url, 0L, NULL);
	curl_free(url);
	if (succeeded(s, code))
		learnt(s, announced, mtime);
	else
		rc = failed(s, code, "fetching", name, 1);
	s->sink = NULL;
	return rc;
}

int ecl__rsession_quote(ecl__rsession *s, const char *const *commands, size_t count,
                        const char *what)
{
	struct curl_slist *list = NULL, *grown;
	char *url = NULL;
	CURLcode code;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < count; i++) {
		grown = curl_slist_append(list, commands[i]);
		if (grown == NULL)
			rc = ecl_error_set(ECL_ENOMEM, "out of memory preparing %s", what);
		else
			list = grown;
	}
	if (rc == 0)
		rc = ecl__remote_url_file(s->url, NULL, &url);
	if (rc == 0) {
		code = request(s, url, 1L, list);
		if (!succeeded(s, code))
			rc = failed(s, code, what, NULL, 0);
	}
	curl_free(url);
	curl_slist_free_all(list);
	return rc;
}
