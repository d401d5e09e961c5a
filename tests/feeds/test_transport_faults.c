/*
 * Each scheme's own faults: a server down, a refused login (wrong key or
 * password), an SFTP host key unknown or changed, a TLS certificate not
 * trusted, an FTP server without TLS, a server that never answers; and in
 * every message the URL without its password, and no password at all.
 */
#include "feeds_test.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* A password that is never the server's: it must not show either. */
#define WRONG_PASSWORD "Wr0ng-pass-7f3c91"

static ecl__remote_file *files;
static size_t count;

/* list `url` with `auth`, expecting `code`, no password of either kind in
 * the message, and `words` in it. */
static void expect_list(const server *srv, const char *url, const ecl__remote_auth *auth, int code,
                        const char *words)
{
	files = NULL;
	count = 0;
	feeds_expect(srv, code, ecl__remote_list(url, auth, &files, &count));
	if (strstr(ecl_error_last(), WRONG_PASSWORD) != NULL)
		fail_msg("the message shows the password given: %s", ecl_error_last());
	ecl_assert_error_contains(words);
	assert_null(files);
}

static char *file_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text = calloc(1, 65536);

	assert_non_null(f);
	assert_non_null(text);
	assert_true(fread(text, 1, 65535, f) < 65535);
	fclose(f);
	return text;
}

/* A URL with user:password@ put in (caller frees). */
static char *url_with_login(const char *url, const char *user, const char *password)
{
	const char *rest = strstr(url, "://") + 3;
	char *out = NULL;

	assert_true(asprintf(&out, "%.*s%s:%s@%s", (int)(rest - url), url, user, password, rest) > 0);
	return out;
}

/* ---- a fake server in a thread: says nothing, or speaks plain FTP ---- */

typedef struct fake {
	int listen_fd;
	int port;
	int plain_ftp;
	char heard[4096];
	size_t heard_len;
	pthread_t thread;
} fake;

static int wait_readable(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return poll(&p, 1, 30000) == 1;
}

static void converse(fake *f, int fd)
{
	static const char greeting[] = "220 plain FTP, no TLS here\r\n";
	static const char refusal[] = "500 not understood\r\n";
	char chunk[512];
	ssize_t n = 1;

	if (f->plain_ftp && send(fd, greeting, sizeof(greeting) - 1, MSG_NOSIGNAL) < 0)
		return;
	while (n > 0 && wait_readable(fd)) {
		n = recv(fd, chunk, sizeof(chunk), 0);
		if (n > 0 && f->heard_len + (size_t)n < sizeof(f->heard)) {
			memcpy(f->heard + f->heard_len, chunk, (size_t)n);
			f->heard_len += (size_t)n;
		}
		if (n > 0 && f->plain_ftp && send(fd, refusal, sizeof(refusal) - 1, MSG_NOSIGNAL) < 0)
			break;
	}
}

static void *fake_run(void *payload)
{
	fake *f = payload;
	int fd;

	if (!wait_readable(f->listen_fd))
		return NULL;
	fd = accept(f->listen_fd, NULL, NULL);
	if (fd >= 0) {
		converse(f, fd);
		close(fd);
	}
	return NULL;
}

static void fake_start(fake *f, int plain_ftp)
{
	struct sockaddr_in addr;
	socklen_t len = sizeof(addr);

	memset(f, 0, sizeof(*f));
	f->plain_ftp = plain_ftp;
	f->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(f->listen_fd >= 0);
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(f->listen_fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(f->listen_fd, 4), 0);
	assert_int_equal(getsockname(f->listen_fd, (struct sockaddr *)&addr, &len), 0);
	f->port = ntohs(addr.sin_port);
	assert_int_equal(pthread_create(&f->thread, NULL, fake_run, f), 0);
}

static void fake_stop(fake *f)
{
	pthread_join(f->thread, NULL);
	close(f->listen_fd);
	f->heard[f->heard_len] = '\0';
}

/* ---- every server: down ---- */

static void test_server_down(void **state)
{
	server *srv = *state;
	char *url = feeds_url_with_port(srv->url, ecl_test_closed_port());

	expect_list(srv, url, &srv->auth, ECL_EIO, "cannot reach the server");
	ecl_assert_error_contains("127.0.0.1");
	free(url);
}

/* ---- SFTP ---- */

static void test_sftp_wrong_key(void **state)
{
	server *srv = *state;
	ecl__remote_auth auth = srv->auth;

	auth.ssh_key = srv->wrong_key;
	auth.password = WRONG_PASSWORD;     /* as the key's passphrase */
	expect_list(srv, srv->url, &auth, ECL_EIO, "login refused");
	ecl_assert_error_contains(srv->wrong_key);
}

/* Without a key the login is by password (the test server takes keys
 * only): refused, the password never shown. */
static void test_sftp_password_refused(void **state)
{
	server *srv = *state;
	ecl__remote_auth auth = srv->auth;

	auth.ssh_key = NULL;
	auth.password = WRONG_PASSWORD;
	expect_list(srv, srv->url, &auth, ECL_EIO, "login refused (wrong user or password)");
}

/* An unknown host and a changed key are refused; the file is left as it was
 * (nothing is ever added to it). */
static void test_sftp_host_keys(void **state)
{
	server *srv = *state;
	ecl__remote_auth auth = srv->auth;
	char *unknown = file_text(srv->known_hosts_unknown);
	char *wrong = file_text(srv->known_hosts_wrong);
	char *after;

	auth.known_hosts = srv->known_hosts_unknown;
	expect_list(srv, srv->url, &auth, ECL_EIO, "unknown host");
	after = file_text(srv->known_hosts_unknown);
	assert_string_equal(after, unknown);
	free(after);

	auth.known_hosts = srv->known_hosts_wrong;
	expect_list(srv, srv->url, &auth, ECL_EIO, "changed host key");
	after = file_text(srv->known_hosts_wrong);
	assert_string_equal(after, wrong);
	free(after);
	free(unknown);
	free(wrong);
}

static void test_sftp_known_hosts_required(void **state)
{
	server *srv = *state;
	ecl__remote_auth auth = srv->auth;

	auth.known_hosts = NULL;
	expect_list(srv, srv->url, &auth, ECL_EINVALID, "known_hosts");
	auth.known_hosts = "/nonexistent/known_hosts";
	expect_list(srv, srv->url, &auth, ECL_EIO, "/nonexistent/known_hosts");
}

/* A key without its .pub beside it: libssh2 derives the public half. */
static void test_sftp_key_without_pub(void **state)
{
	server *srv = *state;
	ecl__remote_auth auth = srv->auth;
	char *key = NULL, *text = file_text(srv->key);
	FILE *f;

	assert_true(asprintf(&key, "%s/lone_key", srv->tmp) > 0);
	f = fopen(key, "wb");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(key, 0600), 0);
	auth.ssh_key = key;
	feeds_reset(srv);
	feeds_put(srv, NULL, "a.csv", 6, 0);
	ecl_assert_ok(ecl__remote_list(srv->url, &auth, &files, &count));
	assert_int_equal(count, 1);
	ecl__remote_files_free(files, count);
	free(key);
	free(text);
}

/* A password in the URL is never shown: the message names user@host. */
static void test_sftp_url_password(void **state)
{
	server *srv = *state;
	ecl__remote_auth auth = srv->auth;
	const char *host = strchr(srv->url, '@') + 1;
	char *url = NULL, *shown = NULL;

	auth.ssh_key = srv->wrong_key;
	assert_true(asprintf(&url, "sftp://%s:%s@%s", srv->user, WRONG_PASSWORD, host) > 0);
	assert_true(asprintf(&shown, "sftp://%s@%s", srv->user, host) > 0);
	expect_list(srv, url, &auth, ECL_EIO, "login refused");
	ecl_assert_error_contains(shown);
	free(url);
	free(shown);
}

const struct CMUnitTest feeds_sftp_faults[] = {
	cmocka_unit_test(test_server_down),
	cmocka_unit_test(test_sftp_wrong_key),
	cmocka_unit_test(test_sftp_password_refused),
	cmocka_unit_test(test_sftp_host_keys),
	cmocka_unit_test(test_sftp_known_hosts_required),
	cmocka_unit_test(test_sftp_key_without_pub),
	cmocka_unit_test(test_sftp_url_password),
};
const size_t feeds_sftp_fault_count = sizeof(feeds_sftp_faults) / sizeof(feeds_sftp_faults[0]);

/* ---- FTP with TLS, and HTTPS: passwords and certificates ---- */

static void test_wrong_password(void **state)
{
	server *srv = *state;
	ecl__remote_auth auth = srv->auth;

	auth.password = WRONG_PASSWORD;
	expect_list(srv, srv->url, &auth, ECL_EIO, "login refused");
}

/* A login written in the URL works, and a wrong one is refused without
 * showing it: the message names user@host. */
static void test_url_password(void **state)
{
	server *srv = *state;
	ecl__remote_auth auth = srv->auth;
	char *right = url_with_login(srv->url, srv->user, srv->password);
	char *wrong = url_with_login(srv->url, srv->user, WRONG_PASSWORD);

	auth.user = NULL;
	auth.password = NULL;
	feeds_reset(srv);
	feeds_put(srv, NULL, "a.csv", 6, 0);
	ecl_assert_ok(ecl__remote_list(right, &auth, &files, &count));
	assert_int_equal(count, 1);
	ecl__remote_files_free(files, count);
	expect_list(srv, wrong, &auth, ECL_EIO, "login refused");
	ecl_assert_error_contains("://ecl@127.0.0.1");
	free(right);
	free(wrong);
}

/* The self-signed certificate is trusted only through the CA file. */
static void test_untrusted_certificate(void **state)
{
	server *srv = *state;
	ecl__remote_auth auth = srv->auth;

	auth.ca_file = NULL;
	expect_list(srv, srv->url, &auth, ECL_EIO, "certificate");
}

/* ftp:// never falls back to plain FTP: a server without TLS is refused
 * before the login is sent (ftps:// fails its TLS handshake). */
static void test_plain_server_refused(void **state)
{
	server *srv = *state;
	char *url = NULL;
	fake f;

	fake_start(&f, 1);
	assert_true(asprintf(&url, "%s://127.0.0.1:%d/", srv->scheme, f.port) > 0);
	expect_list(srv, url, &srv->auth, ECL_EIO, "127.0.0.1");
	fake_stop(&f);
	if (strcmp(srv->scheme, "ftp") == 0)
		ecl_assert_error_contains("does not offer TLS");
	assert_null(strstr(f.heard, "USER"));
	assert_null(strstr(f.heard, "PASS"));
	free(url);
}

static void test_silent_server_times_out(void **state)
{
	server *srv = *state;
	ecl__remote_auth auth = srv->auth;
	char *url = NULL;
	fake f;

	fake_start(&f, 0);
	auth.timeout_seconds = 1;
	assert_true(asprintf(&url, "%s://127.0.0.1:%d/", srv->scheme, f.port) > 0);
	expect_list(srv, url, &auth, ECL_EIO, "timed out");
	fake_stop(&f);
	free(url);
}

const struct CMUnitTest feeds_ftp_faults[] = {
	cmocka_unit_test(test_server_down),
	cmocka_unit_test(test_wrong_password),
	cmocka_unit_test(test_url_password),
	cmocka_unit_test(test_untrusted_certificate),
	cmocka_unit_test(test_plain_server_refused),
	cmocka_unit_test(test_silent_server_times_out),
};
const size_t feeds_ftp_fault_count = sizeof(feeds_ftp_faults) / sizeof(feeds_ftp_faults[0]);

/* ---- HTTPS ---- */

static void test_https_no_login(void **state)
{
	server *srv = *state;
	ecl__remote_auth auth = srv->auth;

	auth.user = NULL;
	auth.password = NULL;
	expect_list(srv, srv->url, &auth, ECL_EIO, "HTTP 401");
}

/* A URL not ending in '/' is one file: listed under its name (nothing
 * while the server says 404), fetched under that name only. */
static void test_https_single_file(void **state)
{
	server *srv = *state;
	char *url = NULL, *missing = NULL, hex[65];
	unsigned char *data = NULL;
	int64_t bytes = 0;
	size_t len = 0;

	feeds_reset(srv);
	feeds_put(srv, NULL, "daily report.csv", 100, 1700000000);
	assert_true(asprintf(&url, "%sdaily%%20report.csv", srv->url) > 0);
	assert_true(asprintf(&missing, "%smissing.csv", srv->url) > 0);
	ecl_assert_ok(ecl__remote_list(url, &srv->auth, &files, &count));
	assert_int_equal(count, 1);
	assert_string_equal(files[0].name, "daily report.csv");
	assert_int_equal(files[0].size, 100);
	assert_int_equal(files[0].mtime, 1700000000);
	ecl__remote_files_free(files, count);
	ecl_assert_ok(feeds_fetch(srv, url, "daily report.csv", &bytes, hex, &data, &len));
	assert_int_equal(len, 100);
	free(data);
	feeds_expect(srv, ECL_EINVALID, feeds_fetch(srv, url, "other.csv", &bytes, hex, &data, &len));
	free(data);
	ecl_assert_ok(ecl__remote_list(missing, &srv->auth, &files, &count));
	assert_int_equal(count, 0);
	free(url);
	free(missing);
}

const struct CMUnitTest feeds_https_faults[] = {
	cmocka_unit_test(test_server_down),
	cmocka_unit_test(test_wrong_password),
	cmocka_unit_test(test_url_password),
	cmocka_unit_test(test_untrusted_certificate),
	cmocka_unit_test(test_https_no_login),
	cmocka_unit_test(test_https_single_file),
};
const size_t feeds_https_fault_count = sizeof(feeds_https_faults) / sizeof(feeds_https_faults[0]);
