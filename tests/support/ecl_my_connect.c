/* A connection to the server of a mysql:// URI: see ecl_my_connect.h. */
#include "ecl_my_connect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The parts of a mysql:// URI, percent-decoded (each allocated). */
typedef struct my_uri {
	char *user, *password, *host, *socket;
	unsigned int port;
} my_uri;

static char *decode(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;
	size_t i;

	if (out == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned int byte;

		if (s[i] == '%' && i + 2 < n && sscanf(s + i + 1, "%2x", &byte) == 1) {
			*o++ = (char)byte;
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

/* Returns 0, or -1 when the URI has no "://" or memory runs out. */
static int parse_uri(my_uri *u, const char *uri)
{
	const char *a = strstr(uri, "://"), *end, *at, *colon, *q;

	memset(u, 0, sizeof(*u));
	if (a == NULL)
		return -1;
	a += 3;
	end = a + strcspn(a, "/?");
	at = memchr(a, '@', (size_t)(end - a));
	if (at != NULL) {
		colon = memchr(a, ':', (size_t)(at - a));
		u->user = decode(a, (size_t)((colon != NULL ? colon : at) - a));
		if (colon != NULL && (u->password = decode(colon + 1, (size_t)(at - colon - 1))) == NULL)
			return -1;
		if (u->user == NULL)
			return -1;
		a = at + 1;
	}
	colon = memchr(a, ':', (size_t)(end - a));
	if ((u->host = decode(a, (size_t)((colon != NULL ? colon : end) - a))) == NULL)
		return -1;
	if (colon != NULL)
		u->port = (unsigned int)strtoul(colon + 1, NULL, 10);
	q = strchr(end, '?');
	if (q != NULL && strncmp(q + 1, "socket=", 7) == 0 && (u->socket = decode(q + 8, strlen(q + 8))) == NULL)
		return -1;
	return 0;
}

static void free_uri(my_uri *u)
{
	free(u->user);
	free(u->password);
	free(u->host);
	free(u->socket);
}

MYSQL *ecl_my_connect(const char *uri, char *error)
{
	MYSQL *my = NULL;
	my_uri u;
	my_bool on = 1;

	if (parse_uri(&u, uri) != 0) {
		snprintf(error, 256, "cannot read the MySQL URI (or out of memory)");
	} else if ((my = mysql_init(NULL)) == NULL) {
		snprintf(error, 256, "out of memory");
	} else {
		mysql_options(my, MYSQL_OPT_LOCAL_INFILE, &on);
		if (mysql_real_connect(my, u.host[0] != '\0' ? u.host : "localhost", u.user, u.password, NULL,
		                       u.port, u.socket, CLIENT_MULTI_STATEMENTS) == NULL) {
			snprintf(error, 256, "%s", mysql_error(my));
			mysql_close(my);
			my = NULL;
		}
	}
	free_uri(&u);
	return my;
}
