/*
 * sftp:// and ftp(s):// folders: listing (the server's long listing says
 * which entries are regular files; a look at each gives its exact size and
 * time, which the listing rounds to the minute or worse), and deleting or
 * moving a file with the protocol's own commands (SFTP "rm" and "rename",
 * FTP DELE and RNFR/RNTO), sent at the server's root so that no change of
 * folder can fail after the command succeeded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eclectyc/sys/errors.h"
#include "feeds/transport_internal.h"

/* Longer names are not listed (no file system allows them). */
#define NAME_MAX_BYTES 1024

/* The regular files the listing in s->text names, in `names`. */
static int listed_names(const ecl__rsession *s, ecl__file_list *names)
{
	const char *line = s->text.ptr ? s->text.ptr : "";
	char name[NAME_MAX_BYTES];
	int rc = 0;

	while (rc == 0 && *line) {
		size_t len = strcspn(line, "\n");

		if (ecl__listing_line(line, len, name, sizeof(name)))
			rc = ecl__file_list_add(names, name, -1, 0);
		line += len + (line[len] == '\n');
	}
	return rc;
}

int ecl__folder_list(ecl__rsession *s, ecl__file_list *out)
{
	ecl__file_list names = { NULL, 0, 0 };
	int rc = ecl__rsession_list(s);

	if (rc == 0)
		rc = listed_names(s, &names);
	if (rc == 0)
		rc = ecl__rsession_stat_all(s, &names, out);
	ecl__file_list_dispose(&names);
	return rc;
}

/* `path` as an SFTP quote command's argument: in double quotes, with '"',
 * '\'' and '\\' escaped by a backslash (libcurl's reading of them). */
static char *sftp_quoted(const char *path)
{
	char *out = malloc(strlen(path) * 2 + 3);
	size_t n = 0;

	if (out == NULL)
		return NULL;
	out[n++] = '"';
	for (; *path; path++) {
		if (*path == '"' || *path == '\'' || *path == '\\')
			out[n++] = '\\';
		out[n++] = *path;
	}
	out[n++] = '"';
	out[n] = '\0';
	return out;
}

/* "<verb> <argument>" as a new string; the argument quoted for SFTP. */
static char *command(const ecl__rsession *s, const char *verb, const char *path, const char *path2)
{
	int sftp = s->url->scheme == ECL__SCHEME_SFTP;
	char *a = sftp ? sftp_quoted(path) : strdup(path);
	char *b = path2 == NULL ? NULL : sftp ? sftp_quoted(path2) : strdup(path2);
	char *out = NULL;
	size_t size;

	if (a != NULL && (path2 == NULL || b != NULL)) {
		size = strlen(verb) + strlen(a) + (b ? strlen(b) : 0) + 3;
		out = malloc(size);
		if (out != NULL)
			snprintf(out, size, "%s %s%s%s", verb, a, b ? " " : "", b ? b : "");
	}
	free(a);
	free(b);
	return out;
}

/* The file must be there: ECL_ENOTFOUND for `what` when it is not. */
static int check_present(ecl__rsession *s, const char *name, const char *what)
{
	ecl__remote_file file;
	int rc = ecl__rsession_stat(s, name, &file);

	if (rc == ECL_ENOTFOUND)
		rc = ecl_error_set(ECL_ENOTFOUND, "%s: %s %s: no such file", s->url->shown, what, name);
	return rc;
}

/* "<what> <name>[ to <dir>]" for messages. */
static char *describe(const char *what, const char *name, const char *dir)
{
	size_t size = strlen(what) + strlen(name) + (dir ? strlen(dir) : 0) + 8;
	char *out = malloc(size);

	if (out != NULL)
		snprintf(out, size, "%s %s%s%s", what, name, dir ? " to " : "", dir ? dir : "");
	return out;
}

int ecl__folder_delete(ecl__rsession *s, const char *name)
{
	int sftp = s->url->scheme == ECL__SCHEME_SFTP;
	char *path = NULL, *cmd = NULL, *what = describe("deleting", name, NULL);
	int rc = check_present(s, name, "deleting");

	if (rc == 0) {
		path = ecl__remote_path(s->url, NULL, name);
		cmd = path ? command(s, sftp ? "rm" : "DELE", path, NULL) : NULL;
		if (cmd == NULL || what == NULL)
			rc = ecl_error_set(ECL_ENOMEM, "out of memory deleting %s", name);
	}
	if (rc == 0)
		rc = ecl__rsession_quote(s, (const char *const *)&cmd, 1, what);
	free(path);
	free(cmd);
	free(what);
	return rc;
}

int ecl__folder_move(ecl__rsession *s, const char *name, const char *dir)
{
	int sftp = s->url->scheme == ECL__SCHEME_SFTP;
	char *from = NULL, *to = NULL, *cmds[2] = { NULL, NULL };
	char *what = describe("moving", name, dir);
	int rc = check_present(s, name, "moving");

	if (rc == 0) {
		from = ecl__remote_path(s->url, NULL, name);
		to = ecl__remote_path(s->url, dir, name);
		if (from != NULL && to != NULL && sftp) {
			cmds[0] = command(s, "rename", from, to);
		} else if (from != NULL && to != NULL) {
			cmds[0] = command(s, "RNFR", from, NULL);
			cmds[1] = command(s, "RNTO", to, NULL);
		}
		if (cmds[0] == NULL || (!sftp && cmds[1] == NULL) || what == NULL)
			rc = ecl_error_set(ECL_ENOMEM, "out of memory moving %s", name);
	}
	if (rc == 0)
		rc = ecl__rsession_quote(s, (const char *const *)cmds, sftp ? 1 : 2, what);
	free(from);
	free(to);
	free(cmds[0]);
	free(cmds[1]);
	free(what);
	return rc;
}
