/* Opens an in-memory store, migrates it and prints the library version. */
#include <eclectyc.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	ecl_store *store = NULL;
	int current = 0, expected = 0;
	int rc = ecl_store_open(&store, "sqlite::memory:", NULL);

	if (rc == 0)
		rc = ecl_store_migrate(store);
	if (rc == 0)
		rc = ecl_store_schema_version(&current, &expected, store);
	if (rc != 0) {
		fprintf(stderr, "consumer: %s\n", ecl_error_last());
		ecl_store_free(store);
		return 1;
	}
	printf("eclectyc %s (header %s) schema %d/%d\n", ecl_version(NULL, NULL, NULL), ECL_VERSION,
	       current, expected);
	ecl_store_free(store);
	return strcmp(ecl_version(NULL, NULL, NULL), ECL_VERSION) == 0 && current == expected ? 0 : 1;
}
