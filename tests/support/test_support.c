#include "ecl_test.h"

#include <netinet/in.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

char *ecl_test_tmpdir(const char *name)
{
	const char *base = getenv("ECL_TEST_TMPDIR");
	char *path = NULL;
	char cmd[4096];

	if (base == NULL || *base == '\0')
		base = "/tmp";
	mkdir(base, 0700);
	if (asprintf(&path, "%s/%s.%ld", base, name, (long)getpid()) < 0)
		return NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0 || mkdir(path, 0700) != 0) {
		free(path);
		path = NULL;
	}
	return path;
}

int ecl_test_db_open(ecl_test_db *db, const char *name, int64_t *now, const ecl_store_options *opts)
{
	ecl_store_options o = ECL_STORE_OPTIONS_INIT;
	char *uri = NULL;
	int rc = -1;

	memset(db, 0, sizeof(*db));
	if (opts != NULL)
		o = *opts;
	o.clock = ecl_test_clock;
	o.clock_payload = now;
	db->dir = ecl_test_tmpdir(name);
	if (db->dir != NULL && asprintf(&db->path, "%s/%s.db", db->dir, name) >= 0
	    && asprintf(&uri, "sqlite://%s", db->path) >= 0
	    && ecl_store_open(&db->store, uri, &o) == 0 && ecl_store_migrate(db->store) == 0)
		rc = 0;
	if (rc != 0)
		fprintf(stderr, "test store %s: %s\n", name, ecl_error_last());
	free(uri);
	return rc;
}

void ecl_test_db_close(ecl_test_db *db)
{
	ecl_store_free(db->store);
	if (db->dir != NULL)
		ecl_test_rmtree(db->dir);
	free(db->path);
	free(db->dir);
	memset(db, 0, sizeof(*db));
}

char *ecl_test_write_file(const char *dir, const char *name, const char *content)
{
	char *path = NULL;
	FILE *f;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return NULL;
	f = fopen(path, "wb");
	if (f == NULL) {
		free(path);
		return NULL;
	}
	fputs(content, f);
	fclose(f);
	return path;
}

void ecl_test_rmtree(const char *dir)
{
	char cmd[4096];

	if (dir == NULL)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

int64_t ecl_test_clock(void *payload)
{
	return *(int64_t *)payload;
}

void ecl_test_count_log(ecl_log_level level, const char *message, void *payload)
{
	(void)level;
	(void)message;
	(*(int *)payload)++;
}

/* Runs `sql` and hands its first row to `take`. */
static void first_row(const char *db_path, const char *sql, void (*take)(sqlite3_stmt *, void *),
                      void *out)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;

	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		print_error("bad SQL \"%s\": %s\n", sql, sqlite3_errmsg(db));
	assert_non_null(s);
	if (sqlite3_step(s) == SQLITE_ROW)
		take(s, out);
	sqlite3_finalize(s);
	sqlite3_close(db);
}

static void take_number(sqlite3_stmt *s, void *out)
{
	*(double *)out = sqlite3_column_double(s, 0);
}

static void take_text(sqlite3_stmt *s, void *out)
{
	const unsigned char *text = sqlite3_column_text(s, 0);

	*(char **)out = text ? strdup((const char *)text) : NULL;
}

double ecl_test_sql_number(const char *db_path, const char *sql)
{
	double value = -999;

	first_row(db_path, sql, take_number, &value);
	return value;
}

char *ecl_test_sql_text(const char *db_path, const char *sql)
{
	char *text = NULL;

	first_row(db_path, sql, take_text, &text);
	return text;
}

void ecl_test_sql_exec(const char *db_path, const char *sql)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		print_error("SQL \"%s\" failed: %s\n", sql, sqlite3_errmsg(db));
	assert_int_equal(sqlite3_errcode(db), SQLITE_OK);
	sqlite3_close(db);
}

int ecl_test_closed_port(void)
{
	struct sockaddr_in addr;
	socklen_t len = sizeof(addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
	close(fd);
	return ntohs(addr.sin_port);
}
