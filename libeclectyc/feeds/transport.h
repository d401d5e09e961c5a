/*
 * The transports of data feeds (docs/feeds.md): listing a source's folder,
 * reading a file's size and time, streaming it to a file descriptor with
 * its SHA-256, deleting or moving it on the server. One interface over
 * libcurl for sftp://, ftps://, ftp:// (always with explicit TLS) and
 * https://, and over the file system for file:///.
 *
 * A folder URL ends in '/' (an sftp, ftp(s) or file URL without one names
 * a folder too); `name` is a file's name within it (no '/', no control
 * character: ECL_EINVALID).
 * An https:// URL ending in '/' is a listing page whose links name its
 * files; any other https:// URL is one file, listed as its last path
 * component. Messages name the URL without any password.
 */
#ifndef ECL_FEEDS_TRANSPORT_H
#define ECL_FEEDS_TRANSPORT_H

#include <stdint.h>
#include <stddef.h>

#include "eclectyc/errors.h"

/* Who the transport is, to the server. Any member may be NULL. */
typedef struct ecl__remote_auth {
	const char *user;
	const char *password;     /* or an SSH key's passphrase */
	const char *ssh_key;      /* private key file (sftp) */
	const char *known_hosts;  /* the server's key must be in it (sftp: required) */
	const char *ca_file;      /* CA bundle for ftps/https instead of the system's */
	long timeout_seconds;     /* whole transfer; 0 = 300 */
} ecl__remote_auth;

/* A file in a folder. */
typedef struct ecl__remote_file {
	char *name;
	int64_t size;             /* -1 when the server does not say */
	int64_t mtime;            /* Unix seconds; 0 when the server does not say */
} ecl__remote_file;

/* The regular files of folder `url` (not subfolders, nor "." and "..").
 * ECL_EINVALID for an unsupported URL; ECL_EIO when the server cannot be
 * reached, refuses the login, presents a host key not in known_hosts, or
 * the folder cannot be read; each naming the URL and the cause. */
int ecl__remote_list(const char *url, const ecl__remote_auth *auth, ecl__remote_file **files,
                     size_t *count);
void ecl__remote_files_free(ecl__remote_file *files, size_t count);

/* Size and mtime of file `name` of `url` now (out->name is set to NULL);
 * ECL_ENOTFOUND when it is gone. */
int ecl__remote_stat(const char *url, const char *name, const ecl__remote_auth *auth,
                     ecl__remote_file *out);

/* Stream file `name` of `url` to `fd`, setting `*bytes` and `sha256_hex`
 * (65 bytes). ECL_EIO when the transfer fails or is cut short (fewer bytes
 * than the server announced): the caller discards what was written. */
int ecl__remote_fetch(const char *url, const char *name, const ecl__remote_auth *auth, int fd,
                      int64_t *bytes, char sha256_hex[65]);

/* Delete file `name`, or move it into folder `dir` (absolute on the server,
 * or relative to the folder of `url`) keeping its name. ECL_ENOTSUPPORTED
 * for https://; ECL_ENOTFOUND when it is gone; ECL_EIO otherwise. */
int ecl__remote_delete(const char *url, const char *name, const ecl__remote_auth *auth);
int ecl__remote_move(const char *url, const char *name, const char *dir,
                     const ecl__remote_auth *auth);

#endif
