/*
 * The feed transports (libeclectyc/feeds/transport.h) against real servers:
 *   test_transport local   the file system, the listing parsers, bad arguments
 *   test_transport sftp    under tests/feeds/with-sshd.sh
 *   test_transport ftp     under tests/feeds/with-vsftpd.sh (explicit TLS)
 *   test_transport ftps    under tests/feeds/with-vsftpd.sh (implicit TLS)
 *   test_transport https   under tests/feeds/with-https.sh
 * A server group whose wrapper did not export its server fails (the ctest
 * entries always run it under its wrapper); nothing is skipped.
 *
 * This file: the helpers, what every scheme must do (list, stat, fetch,
 * delete, move, a file removed, growing or cut during its download), and
 * main. Each scheme's own faults are in test_transport_faults.c, the pure
 * parsing in test_transport_parse.c.
 */
#include "feeds_test.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "util/sha256.h"

#define MTIME_A 1700000000
#define MTIME_B 1700000100
/* A file bigger than the pipe and the transfer's buffers. */
#define BIG (4u * 1024u * 1024u)

/* ---- helpers ---- */

unsigned char *feeds_content(size_t size)
{
	unsigned char *data = malloc(size ? size : 1);
	uint32_t x = 2463534242u;
	size_t i;

	assert_non_null(data);
	for (i = 0; i < size; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		data[i] = (unsigned char)x;
	}
	return data;
}

static char *local_path(const server *srv, const char *sub, const char *name)
{
	char *path = NULL;
	int n = sub ? asprintf(&path, "%s/%s/%s", srv->dir, sub, name)
		: asprintf(&path, "%s/%s", srv->dir, name);

	assert_true(n > 0);
	return path;
}

void feeds_reset(const server *srv)
{
	ecl_test_rmtree(srv->dir);
	assert_int_equal(mkdir(srv->dir, 0777), 0);
	assert_int_equal(chmod(srv->dir, 0777), 0);
}

void feeds_mkdir(const server *srv, const char *name)
{
	char *path = local_path(srv, NULL, name);

	assert_int_equal(mkdir(path, 0777), 0);
	assert_int_equal(chmod(path, 0777), 0);
	free(path);
}

void feeds_put(const server *srv, const char *sub, const char *name, size_t size, int64_t mtime)
{
	char *path = local_path(srv, sub, name);
	unsigned char *data = feeds_content(size);
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, size, f), size);
	assert_int_equal(fclose(f), 0);
	if (mtime != 0) {
		struct timespec times[2] = { { (time_t)mtime, 0 }, { (time_t)mtime, 0 } };

		assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
	}
	free(data);
	free(path);
}

int feeds_exists(const server *srv, const char *sub, const char *name)
{
	char *path = local_path(srv, sub, name);
	struct stat st;
	int exists = stat(path, &st) == 0;

	free(path);
	return exists;
}

void feeds_no_secret(const server *srv)
{
	/* ECL_TEST_VERBOSE=1 shows each expected failure's message. */
	if (getenv("ECL_TEST_VERBOSE") != NULL)
		print_message("    -> %s\n", ecl_error_last());
	if (srv->secret != NULL && strstr(ecl_error_last(), srv->secret) != NULL)
		fail_msg("the message shows the password: %s", ecl_error_last());
}

static unsigned char *read_all(int fd, size_t *len)
{
	struct stat st;
	unsigned char *data;

	assert_int_equal(fstat(fd, &st), 0);
	data = malloc((size_t)st.st_size + 1);
	assert_non_null(data);
	assert_int_equal(pread(fd, data, (size_t)st.st_size, 0), st.st_size);
	*len = (size_t)st.st_size;
	return data;
}

int feeds_fetch(const server *srv, const char *url, const char *name, int64_t *bytes,
                char hex[65], unsigned char **data, size_t *len)
{
	char *path = NULL;
	int fd, rc;

	assert_true(asprintf(&path, "%s/copy", srv->tmp) > 0);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	rc = ecl__remote_fetch(url, name, &srv->auth, fd, bytes, hex);
	*data = read_all(fd, len);
	close(fd);
	free(path);
	return rc;
}

struct drain {
	int fd;
	const server *srv;
	const char *name;
	void (*hook)(const server *srv, const char *name);
};

/* Read the pipe: the first bytes, then the hook, then the rest. */
static void *drain_pipe(void *payload)
{
	struct drain *d = payload;
	char chunk[4096];
	ssize_t n = read(d->fd, chunk, sizeof(chunk));

	if (n > 0)
		d->hook(d->srv, d->name);
	while (n > 0 || (n < 0 && errno == EINTR))
		n = read(d->fd, chunk, sizeof(chunk));
	return NULL;
}

int feeds_fetch_during(const server *srv, const char *name, void (*hook)(const server *srv, const char *name))
{
	struct drain d = { -1, srv, name, hook };
	char hex[65];
	int64_t bytes = 0;
	pthread_t thread;
	int fds[2], rc;

	assert_int_equal(pipe(fds), 0);
#ifdef F_SETPIPE_SZ
	fcntl(fds[1], F_SETPIPE_SZ, 4096);
#endif
	d.fd = fds[0];
	assert_int_equal(pthread_create(&thread, NULL, drain_pipe, &d), 0);
	rc = ecl__remote_fetch(srv->url, name, &srv->auth, fds[1], &bytes, hex);
	close(fds[1]);
	pthread_join(thread, NULL);
	close(fds[0]);
	return rc;
}

char *feeds_url_with_port(const char *url, int port)
{
	CURLU *u = curl_url();
	char number[16], *text = NULL, *out;

	snprintf(number, sizeof(number), "%d", port);
	assert_int_equal(curl_url_set(u, CURLUPART_URL, url, 0), CURLUE_OK);
	assert_int_equal(curl_url_set(u, CURLUPART_PORT, number, 0), CURLUE_OK);
	assert_int_equal(curl_url_get(u, CURLUPART_URL, &text, 0), CURLUE_OK);
	out = strdup(text);
	curl_free(text);
	curl_url_cleanup(u);
	return out;
}

static char *joined(const char *a, const char *b)
{
	char *out = NULL;

	assert_true(asprintf(&out, "%s%s", a, b) > 0);
	return out;
}

/* ---- every scheme ---- */

/* Two files, a subfolder with a file, a link: the two files are listed,
 * sorted, each with its exact size and time. */
static void test_list(void **state)
{
	server *srv = *state;
	ecl__remote_file *files = NULL;
	size_t count = 0;
	char *link_path;

	feeds_reset(srv);
	feeds_put(srv, NULL, "b b.csv", 1000, MTIME_B);
	feeds_put(srv, NULL, "a.csv", 6, MTIME_A);
	feeds_mkdir(srv, "sub");
	feeds_put(srv, "sub", "c.csv", 10, 0);
	link_path = local_path(srv, NULL, "link.csv");
	if (strcmp(srv->scheme, "https") != 0)
		assert_int_equal(symlink("a.csv", link_path), 0);
	free(link_path);

	ecl_assert_ok(ecl__remote_list(srv->url, &srv->auth, &files, &count));
	assert_int_equal(count, 2);
	assert_string_equal(files[0].name, "a.csv");
	assert_int_equal(files[0].size, 6);
	assert_int_equal(files[0].mtime, MTIME_A);
	assert_string_equal(files[1].name, "b b.csv");
	assert_int_equal(files[1].size, 1000);
	assert_int_equal(files[1].mtime, MTIME_B);
	ecl__remote_files_free(files, count);
}

static void test_list_empty(void **state)
{
	server *srv = *state;
	ecl__remote_file *files = (ecl__remote_file *)srv;
	size_t count = 99;

	feeds_reset(srv);
	ecl_assert_ok(ecl__remote_list(srv->url, &srv->auth, &files, &count));
	assert_int_equal(count, 0);
	assert_null(files);
}

static void test_list_missing_folder(void **state)
{
	server *srv = *state;
	ecl__remote_file *files = NULL;
	size_t count = 0;
	char *url = joined(srv->url, "nosuch/");

	feeds_reset(srv);
	feeds_expect(srv, ECL_EIO, ecl__remote_list(url, &srv->auth, &files, &count));
	ecl_assert_error_contains("nosuch");
	assert_null(files);
	free(url);
}

static void test_stat(void **state)
{
	server *srv = *state;
	ecl__remote_file file = { NULL, 0, 0 };

	feeds_reset(srv);
	feeds_put(srv, NULL, "a.csv", 6, MTIME_A);
	ecl_assert_ok(ecl__remote_stat(srv->url, "a.csv", &srv->auth, &file));
	assert_int_equal(file.size, 6);
	assert_int_equal(file.mtime, MTIME_A);
	feeds_expect(srv, ECL_ENOTFOUND, ecl__remote_stat(srv->url, "gone.csv", &srv->auth, &file));
	ecl_assert_error_contains("gone.csv");
}

/* A small and a big file arrive byte for byte, with their SHA-256. */
static void test_fetch(void **state)
{
	server *srv = *state;
	unsigned char *data = NULL, *expected = feeds_content(BIG), digest[ECL_SHA256_SIZE];
	char hex[65], want[65];
	int64_t bytes = -1;
	size_t len = 0;
	ecl_sha256 sha;

	feeds_reset(srv);
	feeds_put(srv, NULL, "big file.dat", BIG, 0);
	feeds_put(srv, NULL, "empty.csv", 0, 0);
	ecl_assert_ok(feeds_fetch(srv, srv->url, "big file.dat", &bytes, hex, &data, &len));
	assert_int_equal(bytes, BIG);
	assert_int_equal(len, BIG);
	assert_memory_equal(data, expected, BIG);
	ecl__sha256_init(&sha);
	ecl__sha256_update(&sha, expected, BIG);
	ecl__sha256_final(&sha, digest);
	ecl__sha256_hex(digest, want);
	assert_string_equal(hex, want);
	free(data);

	ecl_assert_ok(feeds_fetch(srv, srv->url, "empty.csv", &bytes, hex, &data, &len));
	assert_int_equal(bytes, 0);
	assert_int_equal(len, 0);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	free(data);
	free(expected);
}

/* Listed, then removed before the download: not found, nothing written. */
static void test_fetch_removed(void **state)
{
	server *srv = *state;
	ecl__remote_file *files = NULL;
	unsigned char *data = NULL;
	char hex[65], *path = local_path(srv, NULL, "a.csv");
	int64_t bytes = -1;
	size_t count = 0, len = 99;

	feeds_reset(srv);
	feeds_put(srv, NULL, "a.csv", 6, MTIME_A);
	ecl_assert_ok(ecl__remote_list(srv->url, &srv->auth, &files, &count));
	assert_int_equal(count, 1);
	assert_int_equal(unlink(path), 0);
	feeds_expect(srv, ECL_ENOTFOUND, feeds_fetch(srv, srv->url, files[0].name, &bytes, hex, &data, &len));
	ecl_assert_error_contains("a.csv");
	assert_int_equal(len, 0);
	assert_int_equal(bytes, 0);
	free(data);
	free(path);
	ecl__remote_files_free(files, count);
}

static void grow(const server *srv, const char *name)
{
	char *path = local_path(srv, NULL, name);
	FILE *f = fopen(path, "ab");

	assert_non_null(f);
	assert_int_equal(fwrite("more rows\n", 1, 10, f), 10);
	assert_int_equal(fclose(f), 0);
	free(path);
}

/* A file still being written while it is read is not a good download. */
static void test_fetch_growing(void **state)
{
	server *srv = *state;

	feeds_reset(srv);
	feeds_put(srv, NULL, "growing.csv", BIG, MTIME_A);
	feeds_expect(srv, ECL_EIO, feeds_fetch_during(srv, "growing.csv", grow));
	ecl_assert_error_contains("growing.csv");
}

static void cut(const server *srv, const char *name)
{
	char *path = local_path(srv, NULL, name);

	assert_int_equal(truncate(path, BIG / 2), 0);
	free(path);
}

/* A download that ends half way is a failure. The HTTPS server cuts its
 * connection half way through cut-*; elsewhere the file is cut short on the
 * server while it is sent. */
static void test_fetch_cut(void **state)
{
	server *srv = *state;
	unsigned char *data = NULL;
	char hex[65] = "x";
	int64_t bytes = 0;
	size_t len = 0;

	feeds_reset(srv);
	feeds_put(srv, NULL, "cut-half.csv", BIG, MTIME_A);
	if (strcmp(srv->scheme, "https") == 0) {
		feeds_expect(srv, ECL_EIO, feeds_fetch(srv, srv->url, "cut-half.csv", &bytes, hex, &data, &len));
		ecl_assert_error_contains("cut short");
		assert_true(bytes < (int64_t)BIG);
		assert_string_equal(hex, "");
		free(data);
	} else {
		feeds_expect(srv, ECL_EIO, feeds_fetch_during(srv, "cut-half.csv", cut));
	}
	ecl_assert_error_contains("cut-half.csv");
}

static void test_delete(void **state)
{
	server *srv = *state;

	feeds_reset(srv);
	feeds_put(srv, NULL, "a b.csv", 6, 0);
	if (strcmp(srv->scheme, "https") == 0) {
		feeds_expect(srv, ECL_ENOTSUPPORTED, ecl__remote_delete(srv->url, "a b.csv", &srv->auth));
		assert_true(feeds_exists(srv, NULL, "a b.csv"));
		return;
	}
	ecl_assert_ok(ecl__remote_delete(srv->url, "a b.csv", &srv->auth));
	assert_false(feeds_exists(srv, NULL, "a b.csv"));
	feeds_expect(srv, ECL_ENOTFOUND, ecl__remote_delete(srv->url, "a b.csv", &srv->auth));
	ecl_assert_error_contains("a b.csv");
}

/* Into a folder relative to the source's, and into an absolute one. */
static void test_move(void **state)
{
	server *srv = *state;
	char *absolute = joined(srv->abs_base, "/archive");

	feeds_reset(srv);
	feeds_put(srv, NULL, "a b.csv", 6, 0);
	feeds_put(srv, NULL, "c.csv", 6, 0);
	feeds_mkdir(srv, "done");
	feeds_mkdir(srv, "archive");
	if (strcmp(srv->scheme, "https") == 0) {
		feeds_expect(srv, ECL_ENOTSUPPORTED, ecl__remote_move(srv->url, "a b.csv", "done", &srv->auth));
		assert_true(feeds_exists(srv, NULL, "a b.csv"));
		free(absolute);
		return;
	}
	ecl_assert_ok(ecl__remote_move(srv->url, "a b.csv", "done", &srv->auth));
	assert_false(feeds_exists(srv, NULL, "a b.csv"));
	assert_true(feeds_exists(srv, "done", "a b.csv"));
	ecl_assert_ok(ecl__remote_move(srv->url, "c.csv", absolute, &srv->auth));
	assert_true(feeds_exists(srv, "archive", "c.csv"));
	feeds_expect(srv, ECL_ENOTFOUND, ecl__remote_move(srv->url, "a b.csv", "done", &srv->auth));
	feeds_put(srv, NULL, "d.csv", 6, 0);
	feeds_expect(srv, ECL_EIO, ecl__remote_move(srv->url, "d.csv", "nosuch", &srv->auth));
	assert_true(feeds_exists(srv, NULL, "d.csv"));
	free(absolute);
}

const struct CMUnitTest feeds_common_tests[] = {
	cmocka_unit_test(test_list),
	cmocka_unit_test(test_list_empty),
	cmocka_unit_test(test_list_missing_folder),
	cmocka_unit_test(test_stat),
	cmocka_unit_test(test_fetch),
	cmocka_unit_test(test_fetch_removed),
	cmocka_unit_test(test_fetch_growing),
	cmocka_unit_test(test_fetch_cut),
	cmocka_unit_test(test_delete),
	cmocka_unit_test(test_move),
};
const size_t feeds_common_count = sizeof(feeds_common_tests) / sizeof(feeds_common_tests[0]);

/* ---- the servers ---- */

static server the_server;

/* A copy of the variable; a message naming the wrapper when it is unset. */
static char *env(const char *name, int *missing)
{
	const char *value = getenv(name);

	if (value == NULL || value[0] == '\0') {
		fprintf(stderr, "%s is not set: run this group under its tests/feeds/with-*.sh\n", name);
		*missing = 1;
		return NULL;
	}
	return strdup(value);
}

static int setup_file(server *srv, int *missing)
{
	char *root = ecl_test_tmpdir("feeds_file");

	(void)missing;
	if (root == NULL)
		return -1;
	assert_true(asprintf(&srv->dir, "%s/folder", root) > 0);
	assert_true(asprintf(&srv->url, "file://%s/", srv->dir) > 0);
	srv->abs_base = strdup(srv->dir);
	srv->tmp = root;
	return 0;
}

static void setup_sftp(server *srv, int *missing)
{
	srv->url = env("ECL_TEST_SFTP_URL", missing);
	srv->dir = env("ECL_TEST_SFTP_DIR", missing);
	srv->user = env("ECL_TEST_SFTP_USER", missing);
	srv->key = env("ECL_TEST_SFTP_KEY", missing);
	srv->wrong_key = env("ECL_TEST_SFTP_WRONG_KEY", missing);
	srv->known_hosts = env("ECL_TEST_SFTP_KNOWN_HOSTS", missing);
	srv->known_hosts_wrong = env("ECL_TEST_SFTP_KNOWN_HOSTS_WRONG", missing);
	srv->known_hosts_unknown = env("ECL_TEST_SFTP_KNOWN_HOSTS_UNKNOWN", missing);
	srv->auth.ssh_key = srv->key;
	srv->auth.known_hosts = srv->known_hosts;
	srv->abs_base = srv->dir ? strdup(srv->dir) : NULL;
}

/* A TLS server with a password login: ECL_TEST_<prefix>_DIR, _USER,
 * _PASSWORD and _CA, the URL in `url_variable`. */
static void setup_login(server *srv, int *missing, const char *prefix, const char *url_variable)
{
	static const char *const parts[] = { "DIR", "USER", "PASSWORD", "CA" };
	char **fields[] = { &srv->dir, &srv->user, &srv->password, &srv->ca };
	char name[64];
	size_t i;

	srv->url = env(url_variable, missing);
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "ECL_TEST_%s_%s", prefix, parts[i]);
		*fields[i] = env(name, missing);
	}
	srv->abs_base = strdup("");
}

static int group_setup(void **state)
{
	server *srv = &the_server;
	int missing = 0;

	if (strcmp(srv->scheme, "file") == 0 && setup_file(srv, &missing) != 0)
		return -1;
	if (strcmp(srv->scheme, "sftp") == 0)
		setup_sftp(srv, &missing);
	else if (strcmp(srv->scheme, "ftp") == 0)
		setup_login(srv, &missing, "FTP", "ECL_TEST_FTP_URL");
	else if (strcmp(srv->scheme, "ftps") == 0)
		setup_login(srv, &missing, "FTP", "ECL_TEST_FTPS_URL");
	else if (strcmp(srv->scheme, "https") == 0)
		setup_login(srv, &missing, "HTTPS", "ECL_TEST_HTTPS_URL");
	if (missing)
		return -1;
	srv->auth.user = srv->user;
	srv->auth.password = srv->password;
	srv->auth.ca_file = srv->ca;
	srv->auth.timeout_seconds = 60;
	srv->secret = srv->password;
	if (srv->tmp == NULL)
		srv->tmp = ecl_test_tmpdir("feeds_scratch");
	*state = srv;
	return srv->tmp == NULL ? -1 : 0;
}

static int group_teardown(void **state)
{
	server *srv = *state;

	/* A server's folder is its wrapper's to remove; file's is in tmp. */
	ecl_test_rmtree(srv->tmp);
	free(srv->url);
	free(srv->dir);
	free(srv->abs_base);
	free(srv->tmp);
	free(srv->key);
	free(srv->wrong_key);
	free(srv->known_hosts);
	free(srv->known_hosts_wrong);
	free(srv->known_hosts_unknown);
	free(srv->user);
	free(srv->password);
	free(srv->ca);
	return 0;
}

/* The common tests then the scheme's own, as one group. */
static int run(const char *scheme, const struct CMUnitTest *extra, size_t extra_count)
{
	size_t count = feeds_common_count + extra_count;
	struct CMUnitTest *tests = calloc(count, sizeof(*tests));
	int failed;

	if (tests == NULL)
		return 1;
	memcpy(tests, feeds_common_tests, feeds_common_count * sizeof(*tests));
	if (extra_count > 0)
		memcpy(tests + feeds_common_count, extra, extra_count * sizeof(*tests));
	the_server.scheme = scheme;
	failed = _cmocka_run_group_tests(scheme, tests, count, group_setup, group_teardown);
	free(tests);
	return failed;
}

int main(int argc, char **argv)
{
	const char *scheme = argc > 1 ? argv[1] : "";

	if (strcmp(scheme, "local") == 0)
		return _cmocka_run_group_tests("local", feeds_local_tests, feeds_local_count, NULL, NULL)
			|| run("file", NULL, 0);
	if (strcmp(scheme, "sftp") == 0)
		return run("sftp", feeds_sftp_faults, feeds_sftp_fault_count);
	if (strcmp(scheme, "ftp") == 0 || strcmp(scheme, "ftps") == 0)
		return run(scheme, feeds_ftp_faults, feeds_ftp_fault_count);
	if (strcmp(scheme, "https") == 0)
		return run("https", feeds_https_faults, feeds_https_fault_count);
	fprintf(stderr, "usage: %s local|sftp|ftp|ftps|https\n", argv[0]);
	return 2;
}
