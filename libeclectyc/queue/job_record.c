/* Job records: freeing them, and the names of their enumerations. */
#include <stdlib.h>
#include <string.h>

#include "eclectyc/job.h"
#include "eclectyc/sys/backend.h"
#include "util/strutil.h"

static const char *const status_names[] = {
	"queued", "processing", "completed", "failed", "cancelled"
};
static const char *const priority_names[] = { "low", "normal", "high", "critical" };
static const char *const import_type_names[] = { "hh", "daily", "sites" };

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

void ecl_job_clear(ecl_job *job)
{
	if (job == NULL)
		return;
	free(job->filename);
	free(job->file_path);
	free(job->error_message);
	free(job->summary);
	free(job->last_error);
	free(job->notes);
	free(job->tags);
	free(job->metadata);
	free(job->worker_id);
	free(job->file_sha256);
	free(job->error_class);
	free(job->import_profile);
	free(job->import_meter);
	memset(job, 0, sizeof(*job));
}

void ecl_job_free(ecl_job *job)
{
	ecl_job_clear(job);
	free(job);
}

void ecl_job_array_free(ecl_job_array *array)
{
	size_t i;

	if (array == NULL)
		return;
	for (i = 0; i < array->count; i++)
		ecl_job_clear(&array->jobs[i]);
	free(array->jobs);
	free(array);
}

static const char *name_of(const char *const *names, size_t count, int value)
{
	return (value >= 0 && (size_t)value < count) ? names[value] : NULL;
}

static int parse_name(int *out, const char *const *names, size_t count,
                      const char *what, const char *text)
{
	size_t i;

	if (out == NULL)
		return ecl_error_set(ECL_EINVALID, "output pointer for the %s is NULL", what);
	for (i = 0; text != NULL && i < count; i++) {
		if (strcmp(text, names[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	}
	return ecl_error_set(ECL_EINVALID, "unknown %s \"%s\"", what, text ? text : "(null)");
}

const char *ecl_job_status_name(ecl_job_status status)
{
	return name_of(status_names, COUNT(status_names), (int)status);
}

int ecl_job_status_parse(ecl_job_status *out, const char *name)
{
	int value = 0;
	int rc = parse_name(out ? &value : NULL, status_names, COUNT(status_names),
		"job status (expected queued, processing, completed, failed or cancelled)", name);

	if (rc == 0)
		*out = (ecl_job_status)value;
	return rc;
}

const char *ecl_priority_name(ecl_priority priority)
{
	return name_of(priority_names, COUNT(priority_names), (int)priority);
}

int ecl_priority_parse(ecl_priority *out, const char *name)
{
	int value = 0;
	int rc = parse_name(out ? &value : NULL, priority_names, COUNT(priority_names),
		"priority (expected low, normal or high)", name);

	if (rc == 0)
		*out = (ecl_priority)value;
	return rc;
}

const char *ecl_clock_mode_name(ecl_clock_mode clock)
{
	return clock == ECL_CLOCK_LONDON ? "london" : clock == ECL_CLOCK_UTC ? "utc" : NULL;
}

int ecl_clock_mode_parse(ecl_clock_mode *out, const char *name)
{
	static const char *const names[] = { "profile", "london", "utc" };
	int value = 0;
	int rc = parse_name(out ? &value : NULL, names, COUNT(names),
		"clock (expected london, utc or profile)", name);

	if (rc == 0)
		*out = (ecl_clock_mode)value;
	return rc;
}

const char *ecl_import_type_name(ecl_import_type type)
{
	return name_of(import_type_names, COUNT(import_type_names), (int)type);
}

int ecl_import_type_parse(ecl_import_type *out, const char *name)
{
	int value = 0;
	int rc = parse_name(out ? &value : NULL, import_type_names, COUNT(import_type_names),
		"import type (expected hh or daily)", name);

	if (rc == 0)
		*out = (ecl_import_type)value;
	return rc;
}
