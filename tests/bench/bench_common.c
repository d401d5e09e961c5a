#include "bench_common.h"

#include <limits.h>

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static void cpu_model(char *out, size_t size)
{
	char line[512];
	FILE *f = fopen("/proc/cpuinfo", "r");

	snprintf(out, size, "unknown");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		char *colon = strchr(line, ':');
		if (strncmp(line, "model name", 10) == 0 && colon != NULL) {
			snprintf(out, size, "%s", colon + 2);
			out[strcspn(out, "\n")] = '\0';
			break;
		}
	}
	if (f != NULL)
		fclose(f);
}

void bench_print_machine(void)
{
	struct utsname u;
	char model[256];

	cpu_model(model, sizeof(model));
	if (uname(&u) != 0)
		memset(&u, 0, sizeof(u));
	printf("machine:  %s %s %s\n", u.sysname, u.release, u.machine);
	printf("cpus:     %ld online (nproc)\n", sysconf(_SC_NPROCESSORS_ONLN));
	printf("cpu:      %s\n", model);
	printf("sqlite:   %s (library, compiled against %s)\n", sqlite3_libversion(), SQLITE_VERSION);
	fflush(stdout);
}

void bench_remove_db(const char *dir, const char *name)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	char path[PATH_MAX + 16];
	size_t i;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s%s", dir, name, suffixes[i]);
		unlink(path);
	}
}
