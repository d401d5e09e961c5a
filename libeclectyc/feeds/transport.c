/*
 * The transports' entry points (feeds/transport.h): the arguments checked,
 * the URL parsed, the call handed to the scheme's transport; and what every
 * download shares: the sink that writes and hashes it, and the check that
 * the file held still while it was read.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "eclectyc/sys/errors.h"
#include "feeds/transport_internal.h"

/* ---- the download sink ---- */

void ecl__fetch_sink_init(ecl__fetch_sink *sink, int fd)
{
	memset(sink, 0, sizeof(*sink));
	sink->fd = fd;
	ecl__sha256_init(&sink->sha);
}

int ecl__fetch_sink_write(ecl__fetch_sink *sink, const void *data, size_t len)
{
	const char *p = data;
	size_t left = len;

	while (left > 0) {
		ssize_t n = write(sink->fd, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			sink->write_errno = n < 0 ? errno : EIO;
			return -1;
		}
		p += n;
		left -= (size_t)n;
	}
	ecl__sha256_update(&sink->sha, data, len);
	sink->bytes += (int64_t)len;
	return 0;
}

int ecl__fetch_check(const ecl__remote_url *url, const char *name, int64_t received,
                     int64_t announced, int64_t mtime_before, int after_rc,
                     const ecl__remote_file *after)
{
	const char *shown = url->shown;

	if (announced >= 0 && received < announced)
		return ecl_error_set(ECL_EIO, "%s: fetching %s: the transfer was cut short: %" PRId64
			" of %" PRId64 " bytes received", shown, name, received, announced);
	if (announced >= 0 && received > announced)
		return ecl_error_set(ECL_EIO, "%s: fetching %s: the file grew during the download: %"
			PRId64 " bytes received, %" PRId64 " announced", shown, name, received, announced);
	if (after_rc == ECL_ENOTFOUND)
		return ecl_error_set(ECL_EIO, "%s: fetching %s: the file was removed during the download",
			shown, name);
	if (after_rc != 0)
		return ecl_error_set(ECL_EIO, "%s: fetching %s: looking at the file again failed: %s",
			shown, name, ecl_error_last());
	if (after->size >= 0 && after->size != received)
		return ecl_error_set(ECL_EIO, "%s: fetching %s: the file changed during the download: %"
			PRId64 " bytes received, it now has %" PRId64, shown, name, received, after->size);
	if (mtime_before != 0 && after->mtime != 0 && after->mtime != mtime_before)
		return ecl_error_set(ECL_EIO, "%s: fetching %s: the file changed during the download "
			"(modified at %" PRId64 ", now at %" PRId64 ")", shown, name, mtime_before, after->mtime);
	return 0;
}

/* ---- arguments ---- */

static int check_name(const ecl__remote_url *url, const char *name)
{
	if (!ecl__remote_name_ok(name))
		return ecl_error_set(ECL_EINVALID, "%s: \"%s\" is not the name of a file in the folder",
			url->shown, name ? name : "");
	if (url->single_file && strcmp(name, url->file_name) != 0)
		return ecl_error_set(ECL_EINVALID, "%s: the URL is the one file %s, not %s", url->shown,
			url->file_name, name);
	return 0;
}

static int check_dir(const ecl__remote_url *url, const char *dir)
{
	const char *p;

	if (dir == NULL || dir[0] == '\0')
		return ecl_error_set(ECL_EINVALID, "%s: no folder to move the file to", url->shown);
	for (p = dir; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return ecl_error_set(ECL_EINVALID, "%s: the folder to move files to holds a control "
				"character", url->shown);
	return 0;
}

static int refuse_https(const ecl__remote_url *url, const char *what)
{
	return ecl_error_set(ECL_ENOTSUPPORTED, "%s: an https:// source cannot %s files on the server",
		url->shown, what);
}

/* ---- entry points ---- */

static int list_remote(const ecl__remote_url *url, const ecl__remote_auth *auth, ecl__file_list *out)
{
	ecl__rsession s;
	int rc = ecl__rsession_open(&s, url, auth);

	if (rc == 0) {
		rc = url->scheme == ECL__SCHEME_HTTPS ? ecl__https_list(&s, out) : ecl__folder_list(&s, out);
		ecl__rsession_close(&s);
	}
	return rc;
}

int ecl__remote_list(const char *url, const ecl__remote_auth *auth, ecl__remote_file **files,
                     size_t *count)
{
	ecl__file_list list = { NULL, 0, 0 };
	ecl__remote_url u;
	int rc;

	if (files == NULL || count == NULL)
		return ecl_error_set(ECL_EINVALID, "listing a folder needs somewhere to put the files");
	*files = NULL;
	*count = 0;
	rc = ecl__remote_url_parse(&u, url);
	if (rc == 0) {
		rc = u.scheme == ECL__SCHEME_FILE ? ecl__file_list_folder(&u, &list)
			: list_remote(&u, auth, &list);
		ecl__remote_url_dispose(&u);
	}
	if (rc == 0)
		ecl__file_list_finish(&list, files, count);
	else
		ecl__file_list_dispose(&list);
	return rc;
}

int ecl__remote_stat(const char *url, const char *name, const ecl__remote_auth *auth,
                     ecl__remote_file *out)
{
	ecl__remote_url u;
	ecl__rsession s;
	int rc;

	if (out == NULL)
		return ecl_error_set(ECL_EINVALID, "reading a file's size needs somewhere to put it");
	rc = ecl__remote_url_parse(&u, url);
	if (rc != 0)
		return rc;
	rc = check_name(&u, name);
	if (rc == 0 && u.scheme == ECL__SCHEME_FILE) {
		rc = ecl__file_stat(&u, name, out);
	} else if (rc == 0 && (rc = ecl__rsession_open(&s, &u, auth)) == 0) {
		rc = ecl__rsession_stat(&s, name, out);
		ecl__rsession_close(&s);
	}
	ecl__remote_url_dispose(&u);
	return rc;
}

/* Download over libcurl, then look at the file again on the same login. */
static int fetch_remote(const ecl__remote_url *url, const char *name, const ecl__remote_auth *auth,
                        ecl__fetch_sink *sink)
{
	ecl__remote_file after = { NULL, -1, 0 };
	int64_t announced = -1, mtime = 0;
	ecl__rsession s;
	int rc = ecl__rsession_open(&s, url, auth);

	if (rc != 0)
		return rc;
	rc = ecl__rsession_fetch(&s, name, sink, &announced, &mtime);
	if (rc == 0)
		rc = ecl__fetch_check(url, name, sink->bytes, announced, mtime,
			ecl__rsession_stat(&s, name, &after), &after);
	ecl__rsession_close(&s);
	return rc;
}

int ecl__remote_fetch(const char *url, const char *name, const ecl__remote_auth *auth, int fd,
                      int64_t *bytes, char sha256_hex[65])
{
	unsigned char digest[ECL_SHA256_SIZE];
	ecl__fetch_sink sink;
	ecl__remote_url u;
	int rc;

	if (fd < 0 || bytes == NULL || sha256_hex == NULL)
		return ecl_error_set(ECL_EINVALID, "fetching a file needs a file descriptor to write to");
	*bytes = 0;
	sha256_hex[0] = '\0';
	rc = ecl__remote_url_parse(&u, url);
	if (rc != 0)
		return rc;
	ecl__fetch_sink_init(&sink, fd);
	rc = check_name(&u, name);
	if (rc == 0)
		rc = u.scheme == ECL__SCHEME_FILE ? ecl__file_fetch(&u, name, &sink)
			: fetch_remote(&u, name, auth, &sink);
	*bytes = sink.bytes;
	if (rc == 0) {
		ecl__sha256_final(&sink.sha, digest);
		ecl__sha256_hex(digest, sha256_hex);
	}
	ecl__remote_url_dispose(&u);
	return rc;
}

/* Delete (dir NULL) or move into dir. */
static int change(const char *url, const char *name, const char *dir, const ecl__remote_auth *auth)
{
	ecl__remote_url u;
	ecl__rsession s;
	int rc = ecl__remote_url_parse(&u, url);

	if (rc != 0)
		return rc;
	if (u.scheme == ECL__SCHEME_HTTPS)
		rc = refuse_https(&u, dir ? "move" : "delete");
	if (rc == 0)
		rc = check_name(&u, name);
	if (rc == 0 && dir != NULL)
		rc = check_dir(&u, dir);
	if (rc == 0 && u.scheme == ECL__SCHEME_FILE) {
		rc = dir ? ecl__file_move(&u, name, dir) : ecl__file_delete(&u, name);
	} else if (rc == 0 && (rc = ecl__rsession_open(&s, &u, auth)) == 0) {
		rc = dir ? ecl__folder_move(&s, name, dir) : ecl__folder_delete(&s, name);
		ecl__rsession_close(&s);
	}
	ecl__remote_url_dispose(&u);
	return rc;
}

int ecl__remote_delete(const char *url, const char *name, const ecl__remote_auth *auth)
{
	return change(url, name, NULL, auth);
}

int ecl__remote_move(const char *url, const char *name, const char *dir,
                     const ecl__remote_auth *auth)
{
	if (dir == NULL)
		return ecl_error_set(ECL_EINVALID, "moving a file needs the folder to move it to");
	return change(url, name, dir, auth);
}
