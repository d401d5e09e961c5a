/* Data feed records: freeing them, and the names of their enumerations. */
#include <stdlib.h>
#include <string.h>

#include "eclectyc/source.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const after_names[] = { "keep", "delete", "move" };
static const char *const state_names[] = { "queued", "skipped", "done", "kept", "after_failed" };

const char *ecl_source_after_name(ecl_source_after after)
{
	return (unsigned)after < COUNT(after_names) ? after_names[after] : NULL;
}

const char *ecl_source_file_state_name(ecl_source_file_state state)
{
	return (unsigned)state < COUNT(state_names) ? state_names[state] : NULL;
}

/* Free the strings a source owns (the record itself stays). */
static void free_strings(ecl_source *s)
{
	char *owned[] = { s->name, s->url, s->pattern, s->import_profile, s->import_meter, s->tags,
		s->after_dir, s->ssh_key, s->known_hosts, s->ca_file, s->user_env, s->password_env,
		s->last_error, s->lease_owner };
	size_t i;

	for (i = 0; i < COUNT(owned); i++)
		free(owned[i]);
}

void ecl_source_clear(ecl_source *source)
{
	if (source == NULL)
		return;
	free_strings(source);
	memset(source, 0, sizeof(*source));
}

void ecl_source_free(ecl_source *source)
{
	if (source == NULL)
		return;
	ecl_source_clear(source);
	free(source);
}

void ecl_source_array_free(ecl_source_array *array)
{
	size_t i;

	if (array == NULL)
		return;
	for (i = 0; i < array->count; i++)
		ecl_source_clear(&array->sources[i]);
	free(array->sources);
	free(array);
}

void ecl_source_file_clear(ecl_source_file *file)
{
	if (file == NULL)
		return;
	free(file->name);
	free(file->reason);
	free(file->stored_path);
	memset(file, 0, sizeof(*file));
}

void ecl_source_file_array_free(ecl_source_file_array *array)
{
	size_t i;

	if (array == NULL)
		return;
	for (i = 0; i < array->count; i++)
		ecl_source_file_clear(&array->files[i]);
	free(array->files);
	free(array);
}

void ecl_source_poll_clear(ecl_source_poll *poll)
{
	if (poll == NULL)
		return;
	free(poll->worker_id);
	free(poll->error);
	memset(poll, 0, sizeof(*poll));
}

void ecl_source_poll_array_free(ecl_source_poll_array *array)
{
	size_t i;

	if (array == NULL)
		return;
	for (i = 0; i < array->count; i++)
		ecl_source_poll_clear(&array->polls[i]);
	free(array->polls);
	free(array);
}

void ecl_stale_meter_array_free(ecl_stale_meter_array *array)
{
	size_t i;

	if (array == NULL)
		return;
	for (i = 0; i < array->count; i++)
		free(array->meters[i].mpan);
	free(array->meters);
	free(array);
}
