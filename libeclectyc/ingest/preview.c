/*
 * The public face of import profiles: listing them, showing one, and
 * previewing how a file would be imported. A preview is a dry run against a
 * private in-memory store, so it goes through exactly the code an import
 * does and still writes nothing anywhere.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "util/buffer_internal.h"
#include "eclectyc/profile.h"
#include "eclectyc/store.h"
#include "ingest/ingest_internal.h"
#include "util/json_util.h"
#include "profile_set.h"

static json_t *describe(const ecl_profile *p)
{
	json_t *root = json_loads(p->json, 0, NULL);
	json_t *o = json_object();
	int failed = 0;
	json_t *example;

	ecl__json_put(o, "name", ecl__json_text(p->name), &failed);
	ecl__json_put(o, "description", ecl__json_text(p->description), &failed);
	ecl__json_put(o, "source", ecl__json_text(p->source), &failed);
	ecl__json_put(o, "layout", ecl__json_text(p->layout == ECL_LAYOUT_READER ? "flow"
		: ecl__layout_name(p->layout)), &failed);
	ecl__json_put(o, "origin", ecl__json_text(p->origin), &failed);
	example = json_object_get(root, "header_example");
	ecl__json_put(o, "header_example", example ? json_incref(example) : json_null(), &failed);
	json_decref(root);
	return ecl__json_done(o, failed);
}

int ecl_profile_list(ecl_buf *out, const char *profile_dir)
{
	ecl_profile_set set;
	json_t *list;
	size_t i;
	int rc, failed = 0;

	if (out == NULL)
		return ecl_error_set(ECL_EINVALID, "output buffer is NULL");
	rc = ecl__profile_set_load(&set, profile_dir);
	if (rc != 0)
		return rc;
	list = json_array();
	for (i = 0; i < set.count; i++)
		ecl__json_append(list, describe(set.items[i]), &failed);
	ecl__profile_set_dispose(&set);
	return ecl__json_to_buf(out, ecl__json_done(list, failed), "the profile list");
}

int ecl_profile_show(ecl_buf *out, const char *name, const char *profile_dir)
{
	ecl_profile_set set;
	ecl_profile *p = NULL;
	int rc;

	if (out == NULL || name == NULL || *name == '\0')
		return ecl_error_set(ECL_EINVALID, "output buffer or profile name is missing");
	if (ecl__profile_is_path(name)) {
		rc = ecl__profile_load_file(&p, name);
		if (rc == 0)
			rc = ecl__buf_set(out, p->json);
		ecl__profile_free(p);
		return rc;
	}
	rc = ecl__profile_set_load(&set, profile_dir);
	if (rc != 0)
		return rc;
	p = ecl__profile_set_find(&set, name);
	if (p == NULL)
		rc = ecl_error_set(ECL_ENOTFOUND, "no import profile is named \"%s\" (eclectyc profiles lists them)",
			name);
	else
		rc = ecl__buf_set(out, p->json);
	ecl__profile_set_dispose(&set);
	return rc;
}

/* The report's summary, decoded, for the parts a preview shows. */
static json_t *summary_part(const ecl_ingest_report *r, const char *key, const char *inner)
{
	json_t *summary = json_loads(r->summary, 0, NULL);
	json_t *part = json_object_get(summary, key);

	if (inner != NULL)
		part = json_object_get(part, inner);
	part = part ? json_incref(part) : json_null();
	json_decref(summary);
	return part;
}

static json_t *preview_object(const ecl_ingest_report *r, ecl_ingest_capture *cap, const char *path,
                              const ecl_ingest_options *opts)
{
	ecl_profile_set set;
	const ecl_profile *p = NULL;
	json_t *o = json_object();
	char delimiter[3] = { cap->delimiter, '\0', '\0' };
	int failed = 0;

	if (cap->delimiter == '\t')
		memcpy(delimiter, "\\t", 3);
	memset(&set, 0, sizeof(set));
	if (strcmp(r->profile, "generic") != 0 && ecl__profile_set_load(&set, opts->profile_dir) == 0)
		p = ecl__profile_set_find(&set, r->profile);
	ecl__json_put(o, "file", ecl__json_text(path), &failed);
	ecl__json_put(o, "profile", ecl__json_text(r->profile), &failed);
	ecl__json_put(o, "description", p ? ecl__json_text(p->description) : json_null(), &failed);
	ecl__json_put(o, "source", p ? ecl__json_text(p->source) : json_null(), &failed);
	ecl__json_put(o, "reason", ecl__json_text(cap->reason), &failed);
	ecl__json_put(o, "delimiter", ecl__json_text(delimiter), &failed);
	ecl__json_put(o, "header_line", cap->header_line > 0 ? json_integer(cap->header_line) : json_null(),
		&failed);
	ecl__json_put(o, "format", ecl__json_text(r->format), &failed);
	ecl__json_put(o, "column_mapping", summary_part(r, "meta", "column_mapping"), &failed);
	ecl__json_put(o, "readings", json_incref(cap->readings), &failed);
	ecl__json_put(o, "rows_read", json_integer(r->records_processed), &failed);
	ecl__json_put(o, "rows_failed", json_integer(r->records_failed), &failed);
	ecl__json_put(o, "rows_skipped", json_integer(r->records_skipped), &failed);
	ecl__json_put(o, "errors", summary_part(r, "errors", NULL), &failed);
	ecl__profile_set_dispose(&set);
	return ecl__json_done(o, failed);
}

int ecl_ingest_detect(ecl_buf *out, const char *path, const ecl_ingest_options *opts, int sample)
{
	ecl_ingest_options o = ECL_INGEST_OPTIONS_INIT;
	ecl_ingest_capture cap;
	ecl_ingest_report *r = NULL;
	ecl_store *store = NULL;
	int rc;

	if (out == NULL || path == NULL || *path == '\0')
		return ecl_error_set(ECL_EINVALID, "output buffer or path is missing");
	if (sample < 1 || sample > 10000)
		return ecl_error_set(ECL_EINVALID, "sample must be 1..10000, got %d", sample);
	if (opts != NULL)
		o = *opts;
	o.dry_run = 1;
	o.progress = NULL;
	o.batch_size = sample;
	memset(&cap, 0, sizeof(cap));
	cap.max = (size_t)sample;
	cap.readings = json_array();
	rc = cap.readings ? ecl_store_open(&store, "sqlite::memory:", NULL)
		: ecl_error_set(ECL_ENOMEM, "out of memory");
	if (rc == 0)
		rc = ecl_store_migrate(store);
	if (rc == 0)
		rc = ecl__ingest_preview(&r, store, path, &o, &cap);
	if (rc == 0)
		rc = ecl__json_to_buf(out, preview_object(r, &cap, path, &o), "a preview");
	ecl_ingest_report_free(r);
	ecl_store_free(store);
	json_decref(cap.readings);
	return rc;
}
