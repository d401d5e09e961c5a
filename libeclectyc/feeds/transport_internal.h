/*
 * What the transports of feeds/transport.h share: the parsed source URL,
 * the sink a download streams into, the growing list of files, the
 * listing parsers, and the libcurl session of one call. transport.c checks
 * the arguments and dispatches: file:/// to transport_file.c, sftp:// and
 * ftp(s):// to transport_folder.c, https:// to transport_https.c, each over
 * the session of transport_curl.c.
 */
#ifndef ECL_FEEDS_TRANSPORT_INTERNAL_H
#define ECL_FEEDS_TRANSPORT_INTERNAL_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

#include "eclectyc/buffer.h"
#include "feeds/transport.h"
#include "ops/alert_curl.h"
#include "util/sha256.h"

typedef enum ecl__scheme {
	ECL__SCHEME_FILE,
	ECL__SCHEME_SFTP,
	ECL__SCHEME_FTP,     /* explicit TLS, always required */
	ECL__SCHEME_FTPS,    /* implicit TLS */
	ECL__SCHEME_HTTPS
} ecl__scheme;

/* ---- the source URL (transport_url.c) ---- */

typedef struct ecl__remote_url {
	ecl__scheme scheme;
	CURLU *parsed;
	char *shown;         /* the URL without its password, for messages */
	char *path;          /* the folder's path, percent-decoded, ending in '/'
	                        (https: the path up to its last '/') */
	char *password;      /* a password written in the URL; NULL when none */
	int single_file;     /* https:// not ending in '/': the URL is the file */
	char *file_name;     /* single_file: its name, the last path component */
} ecl__remote_url;

/* Parse `url`; a folder URL of sftp, ftp(s) or file that lacks its final
 * '/' gets one. 0, ECL_EINVALID (unsupported scheme, not a URL, a control
 * character in the path, a file:// URL of another host) or ECL_ENOMEM. */
int ecl__remote_url_parse(ecl__remote_url *out, const char *url);
void ecl__remote_url_dispose(ecl__remote_url *url);

/* The URL of file `name` of the folder (the URL itself for a single-file
 * https URL), or, with name NULL, of the server's root "/" (where quote
 * commands run without changing folder). Caller frees with curl_free(). */
int ecl__remote_url_file(const ecl__remote_url *url, const char *name, char **out);

/* `text` with a URL's password removed ("sftp://u:pw@h/" -> "sftp://u@h/"),
 * for messages about a URL that did not parse. Caller frees. */
char *ecl__url_redact(const char *text);

/* The path of `name` in the folder as the server's commands read it: the
 * file system's, SFTP's absolute ("/~/" paths relative to the home
 * folder), FTP's relative to the login folder ("//abs" absolute). `dir`
 * (NULL for the folder itself) is a folder absolute on the server or
 * relative to the source's. Caller frees; NULL with ECL_ENOMEM set. */
char *ecl__remote_path(const ecl__remote_url *url, const char *dir, const char *name);

/* ---- a download being streamed (transport.c) ---- */

typedef struct ecl__fetch_sink {
	int fd;
	ecl_sha256 sha;
	int64_t bytes;
	int write_errno;     /* why writing to fd failed; 0 while it has not */
} ecl__fetch_sink;

void ecl__fetch_sink_init(ecl__fetch_sink *sink, int fd);
/* Write all of data to the fd and hash it: 0, or -1 with write_errno set. */
int ecl__fetch_sink_write(ecl__fetch_sink *sink, const void *data, size_t len);

/* After the download: the bytes received and what the server announced
 * (-1: nothing) at the start, with the file's mtime then (0: unknown), and
 * a fresh look at it (`after_rc` 0, ECL_ENOTFOUND or another code). 0 when
 * they agree; else ECL_EIO naming the URL and how the file changed. */
int ecl__fetch_check(const ecl__remote_url *url, const char *name, int64_t received,
                     int64_t announced, int64_t mtime_before, int after_rc,
                     const ecl__remote_file *after);

/* ---- lists of files and the listing parsers (transport_listing.c) ---- */

typedef struct ecl__file_list {
	ecl__remote_file *files;
	size_t count;
	size_t capacity;
} ecl__file_list;

/* Append a copy of `name`. 0 or ECL_ENOMEM. */
int ecl__file_list_add(ecl__file_list *list, const char *name, int64_t size, int64_t mtime);
/* Sort by name and hand the array over (an empty list gives NULL, 0). */
void ecl__file_list_finish(ecl__file_list *list, ecl__remote_file **files, size_t *count);
void ecl__file_list_dispose(ecl__file_list *list);

/* A name a file of a folder may have: not empty, ".", "..", nor holding
 * '/' or a control character (a CR or LF would end an FTP command). */
int ecl__remote_name_ok(const char *name);

/* One line of a long folder listing (SFTP's, or an FTP server's LIST in the
 * Unix "ls -l" or the DOS format): 1 with the name of a regular file in
 * name (name_size bytes), 0 for anything else (a folder, a link, "total"). */
int ecl__listing_line(const char *line, size_t len, char *name, size_t name_size);

/* The files an HTML listing page links to in its own folder: each href,
 * entities and percent-escapes decoded, that names a file directly inside
 * `folder_path` (the page's decoded path, ending in '/'), relative or
 * absolute ("/dir/name", "https://host/dir/name" of `origin`, the page's
 * "https://host[:port]"). Names are appended once each, size -1, mtime 0. */
int ecl__html_links(const char *html, const char *origin, const char *folder_path,
                    ecl__file_list *out);

/* ---- the file system (transport_file.c) ---- */

int ecl__file_list_folder(const ecl__remote_url *url, ecl__file_list *out);
int ecl__file_stat(const ecl__remote_url *url, const char *name, ecl__remote_file *out);
int ecl__file_fetch(const ecl__remote_url *url, const char *name, ecl__fetch_sink *sink);
int ecl__file_delete(const ecl__remote_url *url, const char *name);
int ecl__file_move(const ecl__remote_url *url, const char *name, const char *dir);

/* ---- one libcurl session (transport_curl.c) ---- */

/* The handle of one transport call: every request of the call goes over it,
 * so a listing and its per-file looks share one login. */
typedef struct ecl__rsession {
	ecl__curl_call call;
	const ecl__remote_url *url;
	const ecl__remote_auth *auth;
	int host_key;            /* the last enum curl_khmatch seen; -1 none */
	long http_code;          /* https: the last response's status */
	ecl_buf text;            /* a listing's body */
	int text_too_long;
	ecl__fetch_sink *sink;   /* a download's destination; NULL: into text */
} ecl__rsession;

/* Open a session for `url` with `auth` (NULL: none): the scheme's TLS or
 * SSH settings, credentials and timeouts. 0, ECL_EINVALID (sftp without a
 * known_hosts file), ECL_EIO (a key or known_hosts file unreadable) or
 * ECL_ENOMEM. */
int ecl__rsession_open(ecl__rsession *s, const ecl__remote_url *url, const ecl__remote_auth *auth);
void ecl__rsession_close(ecl__rsession *s);

/* The body of the folder URL into s->text. 0 or ECL_EIO ("listing the
 * folder: <cause>"). */
int ecl__rsession_list(ecl__rsession *s);

/* Size and mtime of `name` (NULL: the single-file https URL itself), without
 * its body. 0, ECL_ENOTFOUND or ECL_EIO. */
int ecl__rsession_stat(ecl__rsession *s, const char *name, ecl__remote_file *out);

/* Each of `names` with its size and mtime into `out`, leaving out those
 * gone since they were listed. 0 or the first other failure's code. */
int ecl__rsession_stat_all(ecl__rsession *s, const ecl__file_list *names, ecl__file_list *out);

/* Stream `name` into the sink, giving what the server announced (-1: not
 * said) and the file's mtime (0: not said). 0, ECL_ENOTFOUND or ECL_EIO. */
int ecl__rsession_fetch(ecl__rsession *s, const char *name, ecl__fetch_sink *sink,
                        int64_t *announced, int64_t *mtime);

/* Run quote commands (SFTP's "rm", FTP's "DELE" …) at the server's root.
 * `what` names the operation for the message. 0 or ECL_EIO. */
int ecl__rsession_quote(ecl__rsession *s, const char *const *commands, size_t count,
                        const char *what);

/* ---- sftp:// and ftp(s):// folders (transport_folder.c) ---- */

int ecl__folder_list(ecl__rsession *s, ecl__file_list *out);
int ecl__folder_delete(ecl__rsession *s, const char *name);
int ecl__folder_move(ecl__rsession *s, const char *name, const char *dir);

/* ---- https:// (transport_https.c) ---- */

int ecl__https_list(ecl__rsession *s, ecl__file_list *out);

#endif
