#include "ecl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
