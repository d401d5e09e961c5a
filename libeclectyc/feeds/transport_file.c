/*
 * file:/// sources: a folder of this machine (a share mounted here, a
 * drop folder). Only regular files are listed (not links, folders or
 * devices); a file is read through one descriptor, so what is hashed is
 * what was opened, and looked at again afterwards by its name.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eclectyc/sys/errors.h"
#include "feeds/transport_internal.h"

#define READ_CHUNK 65536

/* ECL_ENOTFOUND for a missing file, else ECL_EIO, naming the URL and file. */
static int file_error(const ecl__remote_url *url, const char *name, const char *what, int err)
{
	if (err == ENOENT)
		return ecl_error_set(ECL_ENOTFOUND, "%s: %s %s: no such file", url->shown, what, name);
	return ecl_error_set(ECL_EIO, "%s: %s %s: %s", url->shown, what, name, strerror(err));
}

/* Add the entry `name` of the open folder when it is a regular file. */
static int add_entry(const ecl__remote_url *url, int dir_fd, const char *name, ecl__file_list *out)
{
	struct stat st;

	if (!ecl__remote_name_ok(name))
		return 0;
	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? 0 : file_error(url, name, "reading", errno);
	if (!S_ISREG(st.st_mode))
		return 0;
	return ecl__file_list_add(out, name, (int64_t)st.st_size, (int64_t)st.st_mtime);
}

int ecl__file_list_folder(const ecl__remote_url *url, ecl__file_list *out)
{
	DIR *dir = opendir(url->path);
	struct dirent *entry;
	int rc = 0;

	if (dir == NULL)
		return ecl_error_set(ECL_EIO, "%s: cannot read the folder: %s", url->shown,
			errno == ENOENT ? "no such folder" : strerror(errno));
	while (rc == 0) {
		errno = 0;
		entry = readdir(dir);
		if (entry == NULL) {
			if (errno != 0)
				rc = ecl_error_set(ECL_EIO, "%s: cannot read the folder: %s", url->shown,
					strerror(errno));
			break;
		}
		rc = add_entry(url, dirfd(dir), entry->d_name, out);
	}
	closedir(dir);
	return rc;
}

int ecl__file_stat(const ecl__remote_url *url, const char *name, ecl__remote_file *out)
{
	char *path = ecl__remote_path(url, NULL, name);
	struct stat st;
	int rc = path ? 0 : ECL_ENOMEM;

	if (rc == 0 && lstat(path, &st) != 0)
		rc = file_error(url, name, "reading", errno);
	else if (rc == 0 && !S_ISREG(st.st_mode))
		rc = ecl_error_set(ECL_ENOTFOUND, "%s: %s is not a regular file", url->shown, name);
	if (rc == 0) {
		out->name = NULL;
		out->size = (int64_t)st.st_size;
		out->mtime = (int64_t)st.st_mtime;
	}
	free(path);
	return rc;
}

/* Read the open file to its end into the sink. */
static int read_all(const ecl__remote_url *url, const char *name, int fd, ecl__fetch_sink *sink)
{
	char *chunk = malloc(READ_CHUNK);
	ssize_t n = 1;
	int rc = chunk ? 0 : ecl_error_set(ECL_ENOMEM, "out of memory reading %s", name);

	while (rc == 0 && n > 0) {
		n = read(fd, chunk, READ_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = file_error(url, name, "reading", errno);
		else if (n > 0 && ecl__fetch_sink_write(sink, chunk, (size_t)n) != 0)
			rc = ecl_error_set(ECL_EIO, "%s: fetching %s: writing the copy failed: %s",
				url->shown, name, strerror(sink->write_errno));
	}
	free(chunk);
	return rc;
}

int ecl__file_fetch(const ecl__remote_url *url, const char *name, ecl__fetch_sink *sink)
{
	char *path = ecl__remote_path(url, NULL, name);
	int fd = -1, rc = path ? 0 : ECL_ENOMEM;
	ecl__remote_file after = { NULL, -1, 0 };
	struct stat st;

	if (rc == 0 && (fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		rc = file_error(url, name, "fetching", errno);
	if (rc == 0 && fstat(fd, &st) != 0)
		rc = file_error(url, name, "fetching", errno);
	else if (rc == 0 && !S_ISREG(st.st_mode))
		rc = ecl_error_set(ECL_ENOTFOUND, "%s: %s is not a regular file", url->shown, name);
	if (rc == 0)
		rc = read_all(url, name, fd, sink);
	if (rc == 0)
		rc = ecl__fetch_check(url, name, sink->bytes, (int64_t)st.st_size, (int64_t)st.st_mtime,
			ecl__file_stat(url, name, &after), &after);
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

int ecl__file_delete(const ecl__remote_url *url, const char *name)
{
	char *path = ecl__remote_path(url, NULL, name);
	struct stat st;
	int rc = path ? 0 : ECL_ENOMEM;

	if (rc == 0 && lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
		rc = ecl_error_set(ECL_EIO, "%s: deleting %s: it is a folder", url->shown, name);
	if (rc == 0 && unlink(path) != 0)
		rc = file_error(url, name, "deleting", errno);
	free(path);
	return rc;
}

int ecl__file_move(const ecl__remote_url *url, const char *name, const char *dir)
{
	char *from = ecl__remote_path(url, NULL, name);
	char *to = from ? ecl__remote_path(url, dir, name) : NULL;
	struct stat st;
	int rc = to ? 0 : ECL_ENOMEM;

	if (rc == 0 && lstat(from, &st) != 0)
		rc = file_error(url, name, "moving", errno);
	/* rename() would replace a file of that name there: refuse instead, as
	 * an SFTP server does, so no earlier delivery is lost. */
	if (rc == 0 && lstat(to, &st) == 0)
		rc = ecl_error_set(ECL_EIO, "%s: moving %s to %s: %s already exists", url->shown, name,
			dir, to);
	if (rc == 0 && rename(from, to) != 0)
		rc = ecl_error_set(ECL_EIO, "%s: moving %s to %s: %s", url->shown, name, dir,
			errno == ENOENT ? "no such folder" : strerror(errno));
	free(from);
	free(to);
	return rc;
}
