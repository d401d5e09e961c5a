/*
 * A source's URL: its scheme, its folder, the URL of each file in it, the
 * paths quote commands use, and the form messages show (no password).
 * libcurl's URL parser does the parsing, so the transports and libcurl
 * read a URL the same way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "eclectyc/sys/errors.h"
#include "feeds/transport_internal.h"
#include "util/strutil.h"

static const struct {
	const char *prefix;
	ecl__scheme scheme;
} schemes[] = {
	{ "sftp://", ECL__SCHEME_SFTP },
	{ "ftps://", ECL__SCHEME_FTPS },
	{ "ftp://", ECL__SCHEME_FTP },
	{ "https://", ECL__SCHEME_HTTPS },
	{ "file://", ECL__SCHEME_FILE },
};

static int scheme_of(const char *url, ecl__scheme *out)
{
	size_t i;

	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		if (strncasecmp(url, schemes[i].prefix, strlen(schemes[i].prefix)) == 0) {
			*out = schemes[i].scheme;
			return 0;
		}
	}
	return -1;
}

char *ecl__url_redact(const char *text)
{
	char *copy = ecl__strdup(text);
	char *authority = copy ? strstr(copy, "://") : NULL;
	char *end, *at, *colon;

	if (authority == NULL)
		return copy;
	authority += 3;
	end = authority + strcspn(authority, "/?#");
	at = NULL;
	for (colon = authority; colon < end; colon++)
		if (*colon == '@')
			at = colon;
	colon = at ? memchr(authority, ':', (size_t)(at - authority)) : NULL;
	if (colon != NULL)
		memmove(colon, at, strlen(at) + 1);
	return copy;
}

static int has_control(const char *text)
{
	for (; *text; text++)
		if ((unsigned char)*text < 0x20 || *text == 0x7f)
			return 1;
	return 0;
}

/* A part of the parsed URL, percent-decoded when `flags` says, as a malloc'd
 * copy in *out; NULL when the URL has none. libcurl refuses to decode a
 * control character (%00, %0D …): ECL_EINVALID. */
static int url_part(CURLU *parsed, CURLUPart part, unsigned int flags, char **out)
{
	char *value = NULL;
	CURLUcode uc = curl_url_get(parsed, part, &value, flags);
	int rc = 0;

	*out = NULL;
	if (uc == CURLUE_OK) {
		*out = ecl__strdup(value);
		if (*out == NULL)
			rc = ECL_ENOMEM;
	} else if (uc == CURLUE_OUT_OF_MEMORY) {
		rc = ecl_error_set(ECL_ENOMEM, "out of memory reading a URL");
	} else if (uc == CURLUE_URLDECODE) {
		rc = ecl_error_set(ECL_EINVALID, "the URL holds an escaped control character");
	}
	curl_free(value);
	return rc;
}

/* A file:// URL names this machine's files: no host, or localhost. */
static int check_file_host(const ecl__remote_url *url)
{
	char *host = NULL;
	int rc = url_part(url->parsed, CURLUPART_HOST, 0, &host);

	if (rc == 0 && host != NULL && host[0] != '\0' && !ecl__strieq(host, "localhost"))
		rc = ecl_error_set(ECL_EINVALID, "%s: a file:// URL names a folder of this machine "
			"(file:///path), not of host %s", url->shown, host);
	free(host);
	return rc;
}

/* Give a folder URL its final '/', in the parsed URL and the path. */
static int end_with_slash(ecl__remote_url *url)
{
	char *encoded = NULL, *with = NULL, *path = NULL;
	int rc = url_part(url->parsed, CURLUPART_PATH, 0, &encoded);
	size_t len;

	if (rc == 0 && encoded == NULL)
		rc = ecl_error_set(ECL_EINVALID, "%s: the URL has no path", url->shown);
	if (rc == 0) {
		len = strlen(encoded);
		with = malloc(len + 2);
		path = malloc(strlen(url->path) + 2);
		if (with == NULL || path == NULL)
			rc = ecl_error_set(ECL_ENOMEM, "out of memory reading a URL");
	}
	if (rc == 0) {
		snprintf(with, strlen(encoded) + 2, "%s/", encoded);
		snprintf(path, strlen(url->path) + 2, "%s/", url->path);
		if (curl_url_set(url->parsed, CURLUPART_PATH, with, 0) != CURLUE_OK)
			rc = ecl_error_set(ECL_ENOMEM, "out of memory reading a URL");
	}
	if (rc == 0) {
		free(url->path);
		url->path = path;
		path = NULL;
	}
	free(encoded);
	free(with);
	free(path);
	return rc;
}

/* The decoded path: the folder, a single https file's folder, checked. */
static int read_path(ecl__remote_url *url)
{
	int rc = url_part(url->parsed, CURLUPART_PATH, CURLU_URLDECODE, &url->path);
	size_t len;

	if (rc == ECL_EINVALID)
		rc = ecl_error_set(ECL_EINVALID, "%s: the path holds a control character", url->shown);
	if (rc == 0 && (url->path == NULL || url->path[0] != '/'))
		rc = ecl_error_set(ECL_EINVALID, "%s: the URL has no path", url->shown);
	if (rc == 0 && has_control(url->path))
		rc = ecl_error_set(ECL_EINVALID, "%s: the path holds a control character", url->shown);
	if (rc != 0)
		return rc;
	len = strlen(url->path);
	if (url->path[len - 1] == '/')
		return 0;
	if (url->scheme != ECL__SCHEME_HTTPS)
		return end_with_slash(url);
	url->single_file = 1;
	url->file_name = ecl__strdup(strrchr(url->path, '/') + 1);
	if (url->file_name == NULL)
		return ECL_ENOMEM;
	strrchr(url->path, '/')[1] = '\0';
	if (!ecl__remote_name_ok(url->file_name))
		return ecl_error_set(ECL_EINVALID, "%s: the URL's last component is not a file name",
			url->shown);
	return 0;
}

static int unsupported(const char *url)
{
	char *shown = ecl__url_redact(url);
	const char *name = shown ? shown : "the source URL";
	int rc;

	if (strncasecmp(url, "http://", 7) == 0)
		rc = ecl_error_set(ECL_EINVALID, "%s: plain http:// is not supported, only https://", name);
	else
		rc = ecl_error_set(ECL_EINVALID, "%s: unsupported URL (sftp://, ftps://, ftp://, https:// "
			"or file:/// expected)", name);
	free(shown);
	return rc;
}

int ecl__remote_url_parse(ecl__remote_url *out, const char *url)
{
	CURLUcode uc;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (url == NULL || scheme_of(url, &out->scheme) != 0)
		return url == NULL ? ecl_error_set(ECL_EINVALID, "no source URL") : unsupported(url);
	out->shown = ecl__url_redact(url);
	out->parsed = curl_url();
	if (out->shown == NULL || out->parsed == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory reading a URL");
	if (rc == 0) {
		uc = curl_url_set(out->parsed, CURLUPART_URL, url, 0);
		if (uc == CURLUE_OUT_OF_MEMORY)
			rc = ecl_error_set(ECL_ENOMEM, "out of memory reading a URL");
		else if (uc != CURLUE_OK)
			rc = ecl_error_set(ECL_EINVALID, "%s: not a valid URL", out->shown);
	}
	if (rc == 0)
		rc = url_part(out->parsed, CURLUPART_PASSWORD, CURLU_URLDECODE, &out->password);
	if (rc == ECL_EINVALID)
		rc = ecl_error_set(ECL_EINVALID, "%s: the password holds a control character", out->shown);
	if (rc == 0)
		rc = read_path(out);
	if (rc == 0 && out->scheme == ECL__SCHEME_FILE)
		rc = check_file_host(out);
	if (rc != 0)
		ecl__remote_url_dispose(out);
	return rc;
}

void ecl__remote_url_dispose(ecl__remote_url *url)
{
	if (url == NULL)
		return;
	curl_url_cleanup(url->parsed);
	free(url->shown);
	free(url->path);
	free(url->password);
	free(url->file_name);
	memset(url, 0, sizeof(*url));
}

/* `name` percent-encoded: everything but RFC 3986's unreserved characters. */
static char *percent_encode(const char *name)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = malloc(strlen(name) * 3 + 1);
	size_t n = 0;

	if (out == NULL)
		return NULL;
	for (; *name; name++) {
		unsigned char c = (unsigned char)*name;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
			|| c == '-' || c == '.' || c == '_' || c == '~') {
			out[n++] = (char)c;
		} else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n] = '\0';
	return out;
}

/* The encoded path of the file: the folder's encoded path and the name. */
static char *file_path(CURLU *parsed, const char *name)
{
	char *folder = NULL, *encoded = percent_encode(name), *path = NULL, *slash;

	if (encoded != NULL && curl_url_get(parsed, CURLUPART_PATH, &folder, 0) == CURLUE_OK
		&& (slash = strrchr(folder, '/')) != NULL) {
		slash[1] = '\0';
		path = malloc(strlen(folder) + strlen(encoded) + 1);
		if (path != NULL)
			snprintf(path, strlen(folder) + strlen(encoded) + 1, "%s%s", folder, encoded);
	}
	curl_free(folder);
	free(encoded);
	return path;
}

int ecl__remote_url_file(const ecl__remote_url *url, const char *name, char **out)
{
	CURLU *copy = curl_url_dup(url->parsed);
	char *path = NULL;
	int ok = copy != NULL;

	*out = NULL;
	if (ok && !(url->single_file && name != NULL)) {
		path = name ? file_path(copy, name) : ecl__strdup("/");
		ok = path != NULL && curl_url_set(copy, CURLUPART_PATH, path, 0) == CURLUE_OK
			&& curl_url_set(copy, CURLUPART_QUERY, NULL, 0) == CURLUE_OK
			&& curl_url_set(copy, CURLUPART_FRAGMENT, NULL, 0) == CURLUE_OK;
	}
	ok = ok && curl_url_get(copy, CURLUPART_URL, out, 0) == CURLUE_OK;
	free(path);
	curl_url_cleanup(copy);
	return ok ? 0 : ecl_error_set(ECL_ENOMEM, "out of memory making a URL");
}

/* A URL's path as the server's commands read it. */
static const char *server_path(const ecl__remote_url *url, const char *path)
{
	if (url->scheme == ECL__SCHEME_SFTP)
		return strncmp(path, "/~/", 3) == 0 ? path + 3 : path;
	if (url->scheme == ECL__SCHEME_FILE)
		return path;
	/* FTP: "/in/" is "in/" of the login folder, "//abs/" is "/abs/". */
	return path[0] == '/' ? path + 1 : path;
}

char *ecl__remote_path(const ecl__remote_url *url, const char *dir, const char *name)
{
	const char *base = server_path(url, url->path);
	const char *sub = "";
	size_t size;
	char *out;
	int slash;

	if (dir != NULL && dir[0] == '/') {
		base = url->scheme == ECL__SCHEME_SFTP ? server_path(url, dir) : dir;
	} else if (dir != NULL) {
		sub = dir;
	}
	slash = (sub[0] != '\0' && sub[strlen(sub) - 1] != '/')
		|| (sub[0] == '\0' && base[0] != '\0' && base[strlen(base) - 1] != '/');
	size = strlen(base) + strlen(sub) + 1 + strlen(name) + 1;
	out = malloc(size);
	if (out == NULL)
		ecl_error_set(ECL_ENOMEM, "out of memory making a path");
	else
		snprintf(out, size, "%s%s%s%s", base, sub, slash ? "/" : "", name);
	return out;
}
