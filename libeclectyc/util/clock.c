#include "eclectyc/clock.h"

#include <time.h>

int64_t ecl_clock_system(void *payload)
{
	struct timespec now;

	(void)payload;
	clock_gettime(CLOCK_REALTIME, &now);
	return (int64_t)now.tv_sec;
}
