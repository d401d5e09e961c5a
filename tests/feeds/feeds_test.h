/*
 * What the transport tests share: the server a group runs against (a
 * throwaway one started by tests/feeds/with-*.sh, or a local folder), its
 * folder on this machine where the tests put files, and helpers to make
 * files and fetch them.
 */
#ifndef ECL_FEEDS_TEST_H
#define ECL_FEEDS_TEST_H

#include "ecl_test.h"

#include <stdint.h>

#include "feeds/transport.h"

typedef struct server {
	const char *scheme;   /* "file", "sftp", "ftp", "ftps", "https" */
	char *url;            /* the folder's URL, ending in '/' */
	char *dir;            /* the same folder on this machine */
	ecl__remote_auth auth;
	char *secret;         /* the password no message may show; NULL: none */
	char *abs_base;       /* an absolute folder on the server is this + "/x":
	                         the local folder (sftp, file) or "" (ftp's chroot) */
	char *tmp;            /* scratch: fetched copies, keys */
	char *key, *known_hosts, *known_hosts_wrong, *known_hosts_unknown, *wrong_key;
	char *user, *password, *ca;
} server;

/* The folder emptied (and left writable by the FTP server's account). */
void feeds_reset(const server *srv);
/* A file of `size` bytes (feeds_content) with mtime `mtime` (0: now) in
 * the folder, or in its subfolder `sub` when not NULL. */
void feeds_put(const server *srv, const char *sub, const char *name, size_t size, int64_t mtime);
/* A subfolder the server may write in. */
void feeds_mkdir(const server *srv, const char *name);
/* Whether dir/sub/name exists on this machine (sub may be NULL). */
int feeds_exists(const server *srv, const char *sub, const char *name);
/* The deterministic bytes of a file of `size` bytes (caller frees). */
unsigned char *feeds_content(size_t size);
/* Fetch `name` into a scratch file; its bytes in *data (caller frees). */
int feeds_fetch(const server *srv, const char *url, const char *name, int64_t *bytes,
                char hex[65], unsigned char **data, size_t *len);
/* Fetch `name` of the folder into a pipe; `hook` runs once the first bytes
 * came out of it, while the transfer is still under way (the pipe holds
 * less than the file, so the download cannot finish before). */
int feeds_fetch_during(const server *srv, const char *name, void (*hook)(const server *srv, const char *name));
/* The folder URL with its port replaced (caller frees). */
char *feeds_url_with_port(const char *url, int port);
/* Fail the test when the last message shows the server's password. */
void feeds_no_secret(const server *srv);

#define feeds_expect(srv, code, expr) do { \
	ecl_assert_fails(code, expr); \
	feeds_no_secret(srv); \
} while (0)

/* The tests of every scheme (test_transport.c) and of each scheme's faults
 * (test_transport_faults.c), for cmocka_run_group_tests. */
extern const struct CMUnitTest feeds_common_tests[];
extern const size_t feeds_common_count;
extern const struct CMUnitTest feeds_sftp_faults[];
extern const size_t feeds_sftp_fault_count;
extern const struct CMUnitTest feeds_ftp_faults[];
extern const size_t feeds_ftp_fault_count;
extern const struct CMUnitTest feeds_https_faults[];
extern const size_t feeds_https_fault_count;
extern const struct CMUnitTest feeds_local_tests[];
extern const size_t feeds_local_count;

#endif
