#include "util/random.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "eclectyc/sys/errors.h"

int ecl__random_bytes(void *buf, size_t len)
{
	unsigned char *p = buf;
	int rc = 0;

	while (rc == 0 && len > 0) {
		ssize_t got = getrandom(p, len, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			rc = ecl_error_set(ECL_EIO, "reading the OS random source failed: %s",
				got < 0 ? strerror(errno) : "no bytes");
		else {
			p += got;
			len -= (size_t)got;
		}
	}
	return rc;
}
