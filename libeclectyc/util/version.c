#include "eclectyc/version.h"

const char *ecl_version(int *major, int *minor, int *patch)
{
	if (major != NULL)
		*major = ECL_VERSION_MAJOR;
	if (minor != NULL)
		*minor = ECL_VERSION_MINOR;
	if (patch != NULL)
		*patch = ECL_VERSION_PATCH;
	return ECL_VERSION;
}
