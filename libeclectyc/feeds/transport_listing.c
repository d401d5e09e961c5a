/*
 * Reading what servers list: the lines of a long folder listing (SFTP's,
 * and FTP's LIST in the two formats servers use) and the links of an HTML
 * listing page; and the growing list of files the transports hand back.
 * Pure text work, no I/O, so it is tested without a server.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "eclectyc/sys/errors.h"
#include "feeds/transport_internal.h"
#include "util/strutil.h"

/* ---- the list of files ---- */

int ecl__file_list_add(ecl__file_list *list, const char *name, int64_t size, int64_t mtime)
{
	ecl__remote_file *file;

	if (list->count == list->capacity) {
		size_t capacity = list->capacity ? list->capacity * 2 : 16;
		ecl__remote_file *grown = realloc(list->files, capacity * sizeof(*grown));

		if (grown == NULL)
			return ecl_error_set(ECL_ENOMEM, "out of memory listing files");
		list->files = grown;
		list->capacity = capacity;
	}
	file = &list->files[list->count];
	file->name = ecl__strdup(name);
	if (file->name == NULL)
		return ECL_ENOMEM;
	file->size = size;
	file->mtime = mtime;
	list->count++;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const ecl__remote_file *)a)->name, ((const ecl__remote_file *)b)->name);
}

void ecl__file_list_finish(ecl__file_list *list, ecl__remote_file **files, size_t *count)
{
	if (list->count > 1)
		qsort(list->files, list->count, sizeof(*list->files), by_name);
	*files = list->count ? list->files : NULL;
	*count = list->count;
	if (list->count == 0)
		free(list->files);
	memset(list, 0, sizeof(*list));
}

void ecl__file_list_dispose(ecl__file_list *list)
{
	ecl__remote_files_free(list->files, list->count);
	memset(list, 0, sizeof(*list));
}

void ecl__remote_files_free(ecl__remote_file *files, size_t count)
{
	size_t i;

	for (i = 0; files != NULL && i < count; i++)
		free(files[i].name);
	free(files);
}

int ecl__remote_name_ok(const char *name)
{
	const char *p;

	if (name == NULL || name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return 0;
	for (p = name; *p; p++)
		if (*p == '/' || (unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* ---- long listings ---- */

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Past `n` blank-separated fields and the blanks after them; NULL when the
 * line has fewer. */
static const char *skip_fields(const char *p, const char *end, int n)
{
	while (n-- > 0) {
		while (p < end && is_space(*p))
			p++;
		if (p == end)
			return NULL;
		while (p < end && !is_space(*p))
			p++;
	}
	while (p < end && is_space(*p))
		p++;
	return p;
}

/* "-rw-r--r--": a type letter and nine permission letters. */
static int unix_mode(const char *line, size_t len)
{
	size_t i;

	if (len < 10 || strchr("-dlcbps", line[0]) == NULL)
		return 0;
	for (i = 1; i < 10; i++)
		if (strchr("rwxsStTl-", line[i]) == NULL)
			return 0;
	return 1;
}

/* "12-01-20  10:00AM  <DIR>  name" or "... 1234 name" (IIS and others). */
static int dos_date(const char *line, size_t len)
{
	return len > 8 && line[0] >= '0' && line[0] <= '9' && line[1] >= '0' && line[1] <= '9'
		&& line[2] == '-';
}

static int copy_name(const char *from, const char *end, char *name, size_t name_size)
{
	size_t n = (size_t)(end - from);

	if (n == 0 || n >= name_size)
		return 0;
	memcpy(name, from, n);
	name[n] = '\0';
	return ecl__remote_name_ok(name);
}

int ecl__listing_line(const char *line, size_t len, char *name, size_t name_size)
{
	const char *end = line + len, *rest;

	while (end > line && (end[-1] == '\r' || end[-1] == '\n'))
		end--;
	len = (size_t)(end - line);
	if (unix_mode(line, len)) {
		/* mode links owner group size month day time-or-year name */
		rest = skip_fields(line, end, 8);
		return line[0] == '-' && rest != NULL && copy_name(rest, end, name, name_size);
	}
	if (dos_date(line, len)) {
		const char *size = skip_fields(line, end, 2);

		if (size == NULL || size == end || *size < '0' || *size > '9')
			return 0;     /* <DIR> */
		rest = skip_fields(line, end, 3);
		return rest != NULL && copy_name(rest, end, name, name_size);
	}
	return 0;
}

/* ---- HTML listing pages ---- */

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode in place the few character references a URL in an href holds. */
static void decode_entities(char *text)
{
	static const struct {
		const char *name;
		char c;
	} named[] = { { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' },
		{ "&apos;", '\'' }, { "&#39;", '\'' }, { "&#x27;", '\'' }, { "&#38;", '&' } };
	char *in = text, *out = text;
	size_t i;

	while (*in) {
		for (i = 0; *in == '&' && i < sizeof(named) / sizeof(named[0]); i++) {
			if (strncasecmp(in, named[i].name, strlen(named[i].name)) == 0)
				break;
		}
		if (*in == '&' && i < sizeof(named) / sizeof(named[0])) {
			*out++ = named[i].c;
			in += strlen(named[i].name);
		} else {
			*out++ = *in++;
		}
	}
	*out = '\0';
}

/* Decode %XX in place; 0, or -1 for a malformed escape or a %00. */
static int percent_decode(char *text)
{
	char *in = text, *out = text;

	while (*in) {
		if (*in == '%') {
			int hi = hex_value(in[1]), lo = hi < 0 ? -1 : hex_value(in[2]);

			if (lo < 0 || (hi == 0 && lo == 0))
				return -1;
			*out++ = (char)(hi * 16 + lo);
			in += 3;
		} else {
			*out++ = *in++;
		}
	}
	*out = '\0';
	return 0;
}

/* The value of the href attribute of the tag [tag, end), copied into *out
 * (caller frees; NULL when there is none). 0 or ECL_ENOMEM. */
static int href_of(const char *tag, const char *end, char **out)
{
	const char *p = tag, *value;
	size_t n;

	*out = NULL;
	while ((p = strcasestr(p, "href")) != NULL && p < end) {
		const char *q = p + 4;

		if (is_space(p[-1]) || p[-1] == '\n' || p[-1] == '\r') {
			while (q < end && (is_space(*q) || *q == '\n' || *q == '\r'))
				q++;
			if (q < end && *q == '=') {
				q++;
				while (q < end && (is_space(*q) || *q == '\n' || *q == '\r'))
					q++;
				if (q < end && (*q == '"' || *q == '\'')) {
					const char *close = memchr(q + 1, *q, (size_t)(end - q - 1));

					value = q + 1;
					n = close ? (size_t)(close - value) : 0;
				} else {
					value = q;
					for (n = 0; value + n < end && !is_space(value[n]) && value[n] != '>'; n++)
						;
				}
				*out = strndup(value, n);
				return *out ? 0 : ecl_error_set(ECL_ENOMEM, "out of memory reading a listing page");
			}
		}
		p += 4;
	}
	return 0;
}

/* Whether a URL starts with a scheme ("mailto:", "https:"): RFC 3986's
 * letters, digits, '+', '-' and '.' after a letter, then ':'. A relative
 * link whose first segment holds a ':' is written "./a:b" for that reason. */
static int has_scheme(const char *href)
{
	const char *p = href;

	if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
		return 0;
	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')
		|| *p == '+' || *p == '-' || *p == '.')
		p++;
	return *p == ':';
}

/* The name an href gives a file of the folder, in place; NULL when it does
 * not name one. */
static char *link_name(char *href, const char *origin, const char *folder_path)
{
	size_t origin_len = strlen(origin), folder_len = strlen(folder_path);
	char *path = href;

	decode_entities(href);
	href[strcspn(href, "?#")] = '\0';
	if (strncasecmp(href, origin, origin_len) == 0 && href[origin_len] == '/')
		path = href + origin_len;
	else if (has_scheme(href) || strncmp(href, "//", 2) == 0)
		return NULL;   /* another scheme or host (mailto:, javascript: …) */
	if (percent_decode(path) != 0)
		return NULL;
	if (path[0] == '/') {
		if (strncmp(path, folder_path, folder_len) != 0)
			return NULL;
		path += folder_len;
	} else if (strncmp(path, "./", 2) == 0) {
		path += 2;
	}
	return ecl__remote_name_ok(path) ? path : NULL;
}

static int listed(const ecl__file_list *list, const char *name)
{
	size_t i;

	for (i = 0; i < list->count; i++)
		if (strcmp(list->files[i].name, name) == 0)
			return 1;
	return 0;
}

/* The next "<a " tag at or after p; NULL when there is none. */
static const char *next_anchor(const char *p)
{
	while ((p = strchr(p, '<')) != NULL) {
		if ((p[1] == 'a' || p[1] == 'A') && (is_space(p[2]) || p[2] == '\n' || p[2] == '\r'))
			return p;
		p++;
	}
	return NULL;
}

int ecl__html_links(const char *html, const char *origin, const char *folder_path,
                    ecl__file_list *out)
{
	const char *tag = html;
	int rc = 0;

	while (rc == 0 && (tag = next_anchor(tag)) != NULL) {
		const char *end = strchr(tag, '>');
		char *href = NULL, *name;

		if (end == NULL)
			break;
		rc = href_of(tag, end, &href);
		name = href ? link_name(href, origin, folder_path) : NULL;
		if (rc == 0 && name != NULL && !listed(out, name))
			rc = ecl__file_list_add(out, name, -1, 0);
		free(href);
		tag = end;
	}
	return rc;
}
