/* Filling, checking and copying versioned options structs (see options.h). */
#include "util/options.h"

#include <string.h>

#include "eclectyc/sys/errors.h"

int ecl__options_check_version(unsigned int version, unsigned int known, const char *type)
{
	if (version == 0 || version > known)
		return ecl_error_set(ECL_EINVALID, "unsupported %s version %u", type, version);
	return 0;
}

int ecl__options_init(void *opts, const void *defaults, size_t size, unsigned int version,
                      unsigned int known, const char *type)
{
	int rc = 0;

	if (opts == NULL)
		rc = ecl_error_set(ECL_EINVALID, "%s pointer is NULL", type);
	if (rc == 0)
		rc = ecl__options_check_version(version, known, type);
	if (rc == 0) {
		memcpy(opts, defaults, size);
		/* `version` is every options struct's first member. */
		memcpy(opts, &version, sizeof(version));
	}
	return rc;
}

int ecl__options_copy(void *out, const void *given, const size_t *sizes, unsigned int known,
                      const char *type)
{
	unsigned int version = 0;
	int rc = 0;

	if (given == NULL)
		return 0;
	memcpy(&version, given, sizeof(version));
	rc = ecl__options_check_version(version, known, type);
	if (rc == 0) {
		memcpy(out, given, sizes[version]);
		memcpy(out, &known, sizeof(known));
	}
	return rc;
}
