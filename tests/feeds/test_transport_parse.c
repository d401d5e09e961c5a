/*
 * What the transports read and build without a server: long listing lines,
 * HTML listing pages, source URLs (the file URLs, the paths of server
 * commands, the form messages show), and the arguments they refuse.
 */
#include "feeds_test.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "feeds/transport_internal.h"

static void expect_line(const char *line, const char *name)
{
	char got[64] = "";
	int taken = ecl__listing_line(line, strlen(line), got, sizeof(got));

	if (name == NULL && taken)
		fail_msg("\"%s\" taken as the file \"%s\"", line, got);
	if (name != NULL && !taken)
		fail_msg("\"%s\" not taken as the file \"%s\"", line, name);
	if (name != NULL)
		assert_string_equal(got, name);
}

static void test_listing_lines(void **state)
{
	(void)state;
	/* OpenSSH's SFTP long names and vsftpd's LIST */
	expect_line("-rw-r--r--    1 root     root            6 Dec  7 22:52 a.csv", "a.csv");
	expect_line("-rw-r--r--    1 0        0               6 Dec 07 23:05 two  spaces.csv\r\n",
		"two  spaces.csv");
	expect_line("-rw-r--r--    1 1000     1000       12345 Jan 01  2023 old.csv", "old.csv");
	expect_line("drwxr-xr-x    2 root     root         4096 Dec  7 22:52 sub", NULL);
	expect_line("lrwxrwxrwx    1 root     root            5 Dec  7 22:52 link -> a.csv", NULL);
	expect_line("drwxr-xr-x    3 root     root         4096 Dec  7 22:52 .", NULL);
	expect_line("-rw-r--r--    1 root     root            6 Dec  7 22:52 ..", NULL);
	expect_line("-rw-r--r--    1 root     root            6 Dec  7 22:52", NULL);
	expect_line("-rw-r--r--    1 root     root            6 Dec  7 22:52 ", NULL);
	expect_line("total 12", NULL);
	expect_line("", NULL);
	/* the DOS format (IIS) */
	expect_line("12-01-20  10:00AM       <DIR>          folder", NULL);
	expect_line("12-01-20  10:00AM                 1234 report 1.csv\r", "report 1.csv");
	/* a name longer than the caller's buffer is not cut */
	expect_line("-rw-r--r-- 1 a b 6 Dec 7 22:52 "
		"a-name-far-longer-than-the-sixty-four-bytes-the-caller-has-for-it.csv", NULL);
}

static void test_html_links(void **state)
{
	static const char page[] =
		"<html><body><ul>\n"
		"<li><a href=\"a.csv\">a</a></li>\n"
		"<li><a href='b%20b.csv'>b b</a>\n"
		"<li><a class=x href=c.csv>c</a>\n"
		"<li><a href=\"sub/\">sub/</a> <a href=\"../up.csv\">up</a>\n"
		"<li><a href=\"/feeds/d.csv\">d</a> <a href=\"/other/e.csv\">e</a>\n"
		"<li><a href=\"https://127.0.0.1:8443/feeds/f.csv\">f</a>\n"
		"<li><a href=\"https://elsewhere.example/feeds/g.csv\">g</a>\n"
		"<li><a href=\"?C=M;O=A\">sort</a> <a href=\"#top\">top</a>\n"
		"<li><a href=\"h.csv?download=1\">h</a> <a href=\"mailto:x@example.com\">mail</a>\n"
		"<li><a href=\"a.csv\">a again</a> <a href=\"x%2Fy.csv\">slash</a>\n"
		"<li><a href=\"q&amp;a.csv\">q&amp;a</a> <a href=\"./i.csv\">i</a>\n"
		"<li><A HREF=\"j.csv\">j</A> <abbr href=\"k.csv\">k</abbr> <a name=\"n\">anchor</a>\n"
		"<li><a href=\"/feeds/10:30.csv\">t</a> <a href=\"./11:30.csv\">t</a> <a href=\"ftp:x.csv\">f</a>\n"
		"</ul></body></html>\n";
	static const char *const expected[] = { "a.csv", "b b.csv", "c.csv", "d.csv", "f.csv",
		"h.csv", "q&a.csv", "i.csv", "j.csv", "10:30.csv", "11:30.csv" };
	ecl__file_list list = { NULL, 0, 0 };
	size_t i;

	(void)state;
	ecl_assert_ok(ecl__html_links(page, "https://127.0.0.1:8443", "/feeds/", &list));
	for (i = 0; i < list.count && i < sizeof(expected) / sizeof(expected[0]); i++) {
		assert_string_equal(list.files[i].name, expected[i]);
		assert_int_equal(list.files[i].size, -1);
	}
	assert_int_equal(list.count, sizeof(expected) / sizeof(expected[0]));
	ecl__file_list_dispose(&list);
}

static char *file_url(const ecl__remote_url *url, const char *name)
{
	char *out = NULL, *copy;

	ecl_assert_ok(ecl__remote_url_file(url, name, &out));
	copy = strdup(out);
	curl_free(out);
	return copy;
}

static void expect_path(const ecl__remote_url *url, const char *dir, const char *name, const char *want)
{
	char *path = ecl__remote_path(url, dir, name);

	assert_non_null(path);
	assert_string_equal(path, want);
	free(path);
}

/* SFTP: the password is kept for libcurl but never shown, the folder gets
 * its '/', names are escaped in URLs and plain in paths. */
static void test_url_sftp(void **state)
{
	ecl__remote_url url;
	char *text;

	(void)state;
	ecl_assert_ok(ecl__remote_url_parse(&url, "sftp://me:p%40ss@example.com:2222/in%20box"));
	assert_string_equal(url.shown, "sftp://me@example.com:2222/in%20box");
	assert_string_equal(url.password, "p@ss");
	assert_string_equal(url.path, "/in box/");
	assert_false(url.single_file);
	text = file_url(&url, "x y&z.csv");
	assert_string_equal(text, "sftp://me:p%40ss@example.com:2222/in%20box/x%20y%26z.csv");
	free(text);
	text = file_url(&url, NULL);
	assert_string_equal(text, "sftp://me:p%40ss@example.com:2222/");
	free(text);
	expect_path(&url, NULL, "x y.csv", "/in box/x y.csv");
	expect_path(&url, "done", "x.csv", "/in box/done/x.csv");
	expect_path(&url, "/var/archive/", "x.csv", "/var/archive/x.csv");
	ecl__remote_url_dispose(&url);

	ecl_assert_ok(ecl__remote_url_parse(&url, "sftp://me@example.com/~/drop/"));
	expect_path(&url, NULL, "x.csv", "drop/x.csv");
	ecl__remote_url_dispose(&url);
}

/* FTP paths are relative to the login folder; "//" starts an absolute one. */
static void test_url_ftp(void **state)
{
	ecl__remote_url url;

	(void)state;
	ecl_assert_ok(ecl__remote_url_parse(&url, "ftp://example.com/in/"));
	assert_null(url.password);
	expect_path(&url, NULL, "x y.csv", "in/x y.csv");
	expect_path(&url, "done", "x.csv", "in/done/x.csv");
	expect_path(&url, "/archive", "x.csv", "/archive/x.csv");
	ecl__remote_url_dispose(&url);
	ecl_assert_ok(ecl__remote_url_parse(&url, "ftps://example.com/"));
	expect_path(&url, NULL, "x.csv", "x.csv");
	expect_path(&url, "done/", "x.csv", "done/x.csv");
	ecl__remote_url_dispose(&url);
	ecl_assert_ok(ecl__remote_url_parse(&url, "ftp://example.com//srv/in/"));
	expect_path(&url, NULL, "x.csv", "/srv/in/x.csv");
	ecl__remote_url_dispose(&url);
}

/* https: a folder's files replace its query; a file URL stays itself. */
static void test_url_https(void **state)
{
	ecl__remote_url url;
	char *text;

	(void)state;
	ecl_assert_ok(ecl__remote_url_parse(&url, "https://example.com/list/?page=2"));
	assert_false(url.single_file);
	text = file_url(&url, "a.csv");
	assert_string_equal(text, "https://example.com/list/a.csv");
	free(text);
	ecl__remote_url_dispose(&url);

	ecl_assert_ok(ecl__remote_url_parse(&url, "https://example.com/r/daily%20report.csv?token=1"));
	assert_true(url.single_file);
	assert_string_equal(url.file_name, "daily report.csv");
	assert_string_equal(url.path, "/r/");
	text = file_url(&url, "daily report.csv");
	assert_string_equal(text, "https://example.com/r/daily%20report.csv?token=1");
	free(text);
	ecl__remote_url_dispose(&url);
}

static void test_bad_urls(void **state)
{
	ecl__remote_file *files = NULL;
	size_t count = 0;

	(void)state;
	ecl_assert_fails(ECL_EINVALID, ecl__remote_list(NULL, NULL, &files, &count));
	ecl_assert_fails(ECL_EINVALID, ecl__remote_list("http://u:hunter2x@example.com/", NULL, &files, &count));
	ecl_assert_error_contains("https://");
	ecl_assert_error_contains("http://u@example.com/");
	assert_null(strstr(ecl_error_last(), "hunter2x"));
	ecl_assert_fails(ECL_EINVALID, ecl__remote_list("gopher://u:hunter2x@example.com/", NULL, &files, &count));
	assert_null(strstr(ecl_error_last(), "hunter2x"));
	ecl_assert_fails(ECL_EINVALID, ecl__remote_list("/just/a/path/", NULL, &files, &count));
	ecl_assert_fails(ECL_EINVALID, ecl__remote_list("file://otherhost/x/", NULL, &files, &count));
	ecl_assert_error_contains("otherhost");
	ecl_assert_fails(ECL_EINVALID, ecl__remote_list("ftp://example.com/a%0d%0aDELE%20x/", NULL, &files, &count));
	ecl_assert_error_contains("control character");
	ecl_assert_fails(ECL_EINVALID, ecl__remote_list("file:///tmp/", NULL, NULL, &count));
	assert_null(files);
}

/* Names that are not a file of the folder, and missing arguments. */
static void test_bad_arguments(void **state)
{
	static const char *const names[] = { "", ".", "..", "a/b.csv", "a.csv\r\nDELE b.csv", "tab\t" };
	ecl__remote_file file;
	char hex[65];
	int64_t bytes;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ecl_assert_fails(ECL_EINVALID, ecl__remote_stat("file:///tmp/", names[i], NULL, &file));
		ecl_assert_fails(ECL_EINVALID, ecl__remote_delete("ftp://example.com/", names[i], NULL));
	}
	ecl_assert_fails(ECL_EINVALID, ecl__remote_stat("file:///tmp/", NULL, NULL, &file));
	ecl_assert_fails(ECL_EINVALID, ecl__remote_stat("file:///tmp/", "a.csv", NULL, NULL));
	ecl_assert_fails(ECL_EINVALID, ecl__remote_fetch("file:///tmp/", "a.csv", NULL, -1, &bytes, hex));
	ecl_assert_fails(ECL_EINVALID, ecl__remote_fetch("file:///tmp/", "a.csv", NULL, 1, NULL, hex));
	ecl_assert_fails(ECL_EINVALID, ecl__remote_move("file:///tmp/", "a.csv", NULL, NULL));
	ecl_assert_fails(ECL_EINVALID, ecl__remote_move("file:///tmp/", "a.csv", "", NULL));
	ecl_assert_fails(ECL_EINVALID, ecl__remote_move("ftp://example.com/", "a.csv", "done\r\nDELE x", NULL));
	/* sftp without a known_hosts file never connects */
	ecl_assert_fails(ECL_EINVALID, ecl__remote_stat("sftp://example.invalid/", "a.csv", NULL, &file));
	ecl_assert_error_contains("known_hosts");
}

/* Moving refuses to replace a file of that name in the target folder. */
static void test_file_move_keeps_existing(void **state)
{
	char *root = ecl_test_tmpdir("feeds_move");
	char *url = NULL, *path = NULL;

	(void)state;
	assert_non_null(root);
	assert_true(asprintf(&url, "file://%s/", root) > 0);
	assert_true(asprintf(&path, "%s/done", root) > 0);
	assert_int_equal(mkdir(path, 0700), 0);
	free(ecl_test_write_file(root, "a.csv", "new"));
	free(ecl_test_write_file(path, "a.csv", "earlier"));
	ecl_assert_fails(ECL_EIO, ecl__remote_move(url, "a.csv", "done", NULL));
	ecl_assert_error_contains("already exists");
	ecl_assert_ok(ecl__remote_delete(url, "a.csv", NULL));
	ecl_assert_fails(ECL_EIO, ecl__remote_delete(url, "done", NULL));
	ecl_test_rmtree(root);
	free(root);
	free(url);
	free(path);
}

const struct CMUnitTest feeds_local_tests[] = {
	cmocka_unit_test(test_listing_lines),
	cmocka_unit_test(test_html_links),
	cmocka_unit_test(test_url_sftp),
	cmocka_unit_test(test_url_ftp),
	cmocka_unit_test(test_url_https),
	cmocka_unit_test(test_bad_urls),
	cmocka_unit_test(test_bad_arguments),
	cmocka_unit_test(test_file_move_keeps_existing),
};
const size_t feeds_local_count = sizeof(feeds_local_tests) / sizeof(feeds_local_tests[0]);
