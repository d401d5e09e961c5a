/*
 * https:// sources. A URL ending in '/' is a listing page (a web server's
 * folder index, or any page): the files are its links into that folder,
 * each looked at with a HEAD for its Content-Length and Last-Modified. Any
 * other URL is one file, listed under its last path component, and listed
 * as nothing while the server says 404 (a report not published yet).
 * Deleting and moving are not HTTP's: transport.c refuses them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eclectyc/sys/errors.h"
#include "feeds/transport_internal.h"

/* "https://host[:port]", as the page's absolute links start. Caller frees. */
static char *origin_of(const ecl__remote_url *url)
{
	char *host = NULL, *port = NULL, *out = NULL;
	size_t size;

	if (curl_url_get(url->parsed, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		if (curl_url_get(url->parsed, CURLUPART_PORT, &port, 0) != CURLUE_OK)
			port = NULL;
		size = strlen(host) + (port ? strlen(port) : 0) + 16;
		out = malloc(size);
		if (out != NULL)
			snprintf(out, size, "https://%s%s%s", host, port ? ":" : "", port ? port : "");
	}
	curl_free(host);
	curl_free(port);
	return out;
}

static int list_page(ecl__rsession *s, ecl__file_list *out)
{
	ecl__file_list names = { NULL, 0, 0 };
	char *origin = NULL;
	int rc = ecl__rsession_list(s);

	if (rc == 0 && (origin = origin_of(s->url)) == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory reading a listing page");
	if (rc == 0)
		rc = ecl__html_links(s->text.ptr ? s->text.ptr : "", origin, s->url->path, &names);
	if (rc == 0)
		rc = ecl__rsession_stat_all(s, &names, out);
	free(origin);
	ecl__file_list_dispose(&names);
	return rc;
}

static int list_single(ecl__rsession *s, ecl__file_list *out)
{
	const char *name = s->url->file_name;
	ecl__remote_file file;
	int rc = ecl__rsession_stat(s, name, &file);

	if (rc == 0)
		rc = ecl__file_list_add(out, name, file.size, file.mtime);
	else if (rc == ECL_ENOTFOUND)
		rc = 0;
	return rc;
}

int ecl__https_list(ecl__rsession *s, ecl__file_list *out)
{
	return s->url->single_file ? list_single(s, out) : list_page(s, out);
}
