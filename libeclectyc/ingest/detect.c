#include "detect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/csv.h"
#include "eclectyc/sys/errors.h"
#include "ingest/ingest_columns.h"

#define CELL_MAX 96
static const char delimiters[] = { ',', ';', '\t', '|' };
#define DELIMITER_COUNT 4
/* Detection reads a bounded sample whatever the file: at most this many
 * cells of a record (a header wider than that is matched on its first
 * ones) and this many bytes of text per delimiter. */
#define SAMPLE_CELLS 512
#define SAMPLE_BYTES (256 * 1024)

/* The first records of the file, split by each candidate delimiter. */
typedef struct sample_record {
	ecl_csv_record view;          /* fields point into `cells` */
	char **cells;
	size_t *lengths;
	char **norm;                  /* each cell normalised (a-z0-9, at most CELL_MAX - 1) */
} sample_record;

typedef struct sample {
	sample_record records[DELIMITER_COUNT][ECL_DETECT_LINES];
	size_t count[DELIMITER_COUNT];
	size_t bytes[DELIMITER_COUNT];  /* cell text sampled */
	int error[DELIMITER_COUNT];   /* the tokenizer's refusal that ended a sample, or 0 */
	char message[DELIMITER_COUNT][256];
	char sep;                     /* from a first line "sep=X", or 0 */
} sample;

static void free_record(sample_record *r)
{
	size_t i;

	for (i = 0; i < r->view.count; i++) {
		free(r->cells[i]);
		free(r->norm[i]);
	}
	free(r->cells);
	free(r->lengths);
	free(r->norm);
	memset(r, 0, sizeof(*r));
}

static void free_sample(sample *s)
{
	size_t d, i;

	for (d = 0; d < DELIMITER_COUNT; d++)
		for (i = 0; i < s->count[d]; i++)
			free_record(&s->records[d][i]);
}

static int copy_record(sample_record *r, const ecl_csv_record *rec, size_t *bytes)
{
	size_t i, n = rec->count < SAMPLE_CELLS ? rec->count : SAMPLE_CELLS;
	char norm[CELL_MAX];

	r->cells = calloc(n, sizeof(*r->cells));
	r->lengths = calloc(n, sizeof(*r->lengths));
	r->norm = calloc(n, sizeof(*r->norm));
	if (r->cells == NULL || r->lengths == NULL || r->norm == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory sampling a file");
	r->view = *rec;
	r->view.fields = r->cells;
	r->view.lengths = r->lengths;
	r->view.count = 0;
	for (i = 0; i < n; i++) {
		ecl__normalise_name(norm, sizeof(norm), rec->fields[i]);
		r->cells[i] = strdup(rec->fields[i]);
		r->norm[i] = strdup(norm);
		if (r->cells[i] == NULL || r->norm[i] == NULL) {
			free(r->cells[i]);
			free(r->norm[i]);
			return ecl_error_set(ECL_ENOMEM, "out of memory sampling a file");
		}
		r->lengths[i] = rec->lengths[i];
		*bytes += rec->lengths[i] + strlen(norm) + 2;
		r->view.count++;
	}
	return 0;
}

/* Up to ECL_DETECT_LINES records by one delimiter. A record the tokenizer
 * refuses ends the sample there: the import itself will report it. */
static int sample_by(sample *s, const char *path, int d)
{
	ecl_csv_options o = ECL_CSV_OPTIONS_INIT;
	const ecl_csv_record *rec;
	ecl_csv *csv = NULL;
	int rc, next = 1;

	o.delimiter = delimiters[d];
	rc = ecl__csv_open_file(&csv, path, &o);
	while (rc == 0 && s->count[d] < ECL_DETECT_LINES && s->bytes[d] < SAMPLE_BYTES
	       && (next = ecl__csv_next(csv, &rec)) == 1)
		rc = copy_record(&s->records[d][s->count[d]++], rec, &s->bytes[d]);
	if (rc == 0 && next < 0) {
		s->error[d] = next;
		snprintf(s->message[d], sizeof(s->message[d]), "%s", ecl_error_last());
	}
	ecl__csv_free(csv);
	return rc;
}

static int take_sample(sample *s, const char *path)
{
	int d, rc = 0;

	memset(s, 0, sizeof(*s));
	for (d = 0; rc == 0 && d < DELIMITER_COUNT; d++)
		rc = sample_by(s, path, d);
	if (rc == 0 && s->count[0] > 0 && s->records[0][0].view.count == 1) {
		const char *line = s->records[0][0].cells[0];
		if (strncmp(line, "sep=", 4) == 0 && strlen(line) == 5 && strchr(",;\t|", line[4]) != NULL)
			s->sep = line[4];
	}
	return rc;
}

static int delimiter_index(char c)
{
	int d;

	for (d = 0; d < DELIMITER_COUNT; d++) {
		if (delimiters[d] == c)
			return d;
	}
	return 0;
}

/* The delimiter to read record i with: the profile's, the sep= line's, or
 * whichever splits that record into the most fields. */
static int record_delimiter(const sample *s, const ecl_profile *p, size_t i)
{
	int d, best = 0;

	if (p != NULL && p->delimiter)
		return delimiter_index(p->delimiter);
	if (s->sep)
		return delimiter_index(s->sep);
	for (d = 1; d < DELIMITER_COUNT; d++) {
		if (i < s->count[d] && (i >= s->count[best]
		    || s->records[d][i].view.count > s->records[best][i].view.count))
			best = d;
	}
	return best;
}

static const sample_record *record_at(const sample *s, int d, size_t i)
{
	return i < s->count[d] ? &s->records[d][i] : NULL;
}

/* Signature cells of `p` present in a record. */
static size_t matched_cells(const ecl_profile *p, const sample_record *r, const char **first_missing)
{
	size_t i, j, n = 0;

	*first_missing = NULL;
	for (i = 0; i < p->signature.count; i++) {
		for (j = 0; j < r->view.count && strcmp(r->norm[j], p->signature.items[i]) != 0; j++)
			;
		if (j < r->view.count)
			n++;
		else if (*first_missing == NULL)
			*first_missing = p->signature_text.items[i];
	}
	return n;
}

/* ---- a profile against the sample ----------------------------------------- */

typedef struct fit {
	size_t record;        /* index of the header record */
	int delimiter;        /* index into delimiters */
	size_t matched;       /* signature cells found there */
	const char *missing;  /* the first not found, on the best record */
} fit;

/* The records where a profile's header may be. */
static void candidate_range(const sample *s, const ecl_profile *p, size_t *from, size_t *to)
{
	size_t start = s->sep ? 1 : 0;

	*from = start + (size_t)p->skip_lines;
	*to = p->find_header || p->layout == ECL_LAYOUT_AUTO ? ECL_DETECT_LINES : *from + 1;
}

/* Does the profile's layout map onto the record? Signatures can be short;
 * the mapping is what the import will really need. */
static int maps(const ecl_profile *p, const sample_record *r, const ecl_detect_request *req)
{
	ecl_columns c;
	int rc = ecl__columns_map(&c, &r->view, p, req->type, req->clock, req->meter_given);

	if (rc == 0)
		ecl__columns_dispose(&c);
	return rc == 0;
}

/* The best record for `p`: 1 when one holds its whole signature and maps. */
static int fit_profile(fit *out, const sample *s, const ecl_profile *p, const ecl_detect_request *req)
{
	size_t i, from, to;

	memset(out, 0, sizeof(*out));
	candidate_range(s, p, &from, &to);
	for (i = from; i < to; i++) {
		int d = record_delimiter(s, p, i);
		const sample_record *r = record_at(s, d, i);
		const char *missing = NULL;
		size_t n;

		if (r == NULL)
			break;
		n = matched_cells(p, r, &missing);
		if (n == p->signature.count && maps(p, r, req)) {
			out->record = i;
			out->delimiter = d;
			out->matched = n;
			out->missing = NULL;
			return 1;
		}
		if (n > out->matched || out->missing == NULL) {
			out->matched = n;
			out->missing = missing;
			out->record = i;
		}
	}
	return 0;
}

static void choose(ecl_detection *out, const sample *s, ecl_profile *p, const fit *f)
{
	out->profile = p;
	out->delimiter = s->sep ? s->sep : delimiters[f->delimiter];
	out->header_ordinal = p->no_header ? 0 : record_at(s, f->delimiter, f->record)->view.ordinal;
}

/* ---- industry flows --------------------------------------------------------- */

static int flow_of(ecl_detection *out, const sample *s)
{
	const sample_record *r = record_at(s, 3, 0);
	const char *want = NULL;
	size_t i;

	if (r == NULL)
		return 0;
	if (strncmp(r->cells[0], "#F2", 3) == 0)
		want = "df2";
	else if (strcmp(r->cells[0], "ZHV") == 0 && r->view.count > 2) {
		const char *flow = r->cells[2];
		if (strncmp(flow, "D0036", 5) == 0)
			want = "d0036";
		else if (strncmp(flow, "D0275", 5) == 0)
			want = "d0275";
		else
			return ecl_error_set(ECL_EINVALID, "the file is an industry flow %.12s%s", flow,
				strncmp(flow, "D0010", 5) == 0
				? " (meter register reads): it holds register readings, not half-hourly consumption, "
				  "so there is nothing to import"
				: ", which holds no half-hourly consumption this library reads "
				  "(D0036, D0275 and Stark DF2 do)");
	}
	for (i = 0; want != NULL && i < out->set.count; i++) {
		if (out->set.items[i]->layout == ECL_LAYOUT_READER && strcmp(out->set.items[i]->name, want) == 0) {
			out->profile = out->set.items[i];
			out->delimiter = want[0] == 'd' && want[1] == 'f' ? ',' : '|';
			out->header_ordinal = 0;
			snprintf(out->reason, sizeof(out->reason), "the first record is %s: the %s reader",
				want[1] == 'f' ? "#F2" : "ZHV of an industry flow", want);
			return 1;
		}
	}
	return 0;
}

/* ---- choosing ------------------------------------------------------------------- */

static int forced(ecl_detection *out, const sample *s, const ecl_detect_request *req)
{
	ecl_profile *p = ecl__profile_set_find(&out->set, req->profile);
	fit f;

	if (p == NULL)
		return ecl_error_set(ECL_ENOTFOUND, "no import profile is named \"%s\" (eclectyc profiles "
			"lists them)", req->profile);
	if (p->layout == ECL_LAYOUT_READER) {
		out->profile = p;
		out->delimiter = p->reader == ECL_READER_DF2 ? ',' : '|';
		snprintf(out->reason, sizeof(out->reason), "forced: the %s reader", p->name);
		return 0;
	}
	if (p->no_header) {
		memset(&f, 0, sizeof(f));
		f.delimiter = record_delimiter(s, p, s->sep ? 1 : 0);
		f.record = s->sep ? 1 : 0;
		choose(out, s, p, &f);
		out->header_ordinal = s->sep ? 1 : 0;   /* the sep= line, skipped as a header */
		snprintf(out->reason, sizeof(out->reason), "forced: profile %s (no header line)", p->name);
		return 0;
	}
	if (!fit_profile(&f, s, p, req)) {
		const sample_record *r = record_at(s, record_delimiter(s, p, f.record), f.record);
		ecl_columns c;

		if (r == NULL)
			return ecl_error_set(ECL_EINVALID, "profile %s does not fit the file: it has no header line "
				"where the profile expects one", p->name);
		if (f.missing != NULL)
			return ecl_error_set(ECL_EINVALID, "profile %s does not fit the file: its header has no "
				"column \"%s\" (line %lld)", p->name, f.missing, (long long)r->view.line);
		if (ecl__columns_map(&c, &r->view, p, req->type, req->clock, req->meter_given) == 0) {
			ecl__columns_dispose(&c);
			return ecl_error_set(ECL_EINVALID, "profile %s does not fit the file", p->name);
		}
		return ecl_error_set(ECL_EINVALID, "%s (line %lld)", ecl_error_last(), (long long)r->view.line);
	}
	choose(out, s, p, &f);
	snprintf(out->reason, sizeof(out->reason), "forced: profile %s; header on line %lld", p->name,
		(long long)record_at(s, f.delimiter, f.record)->view.line);
	return 0;
}

/* The closest profiles (most signature cells found), for the message when
 * nothing fits: up to three, each with a cell it did not find. */
static void closest(char *out, size_t size, const ecl_detection *det, const sample *s,
                    const ecl_detect_request *req)
{
	size_t taken[3] = { 0 }, listed = 0, used = 0, i, k;

	out[0] = '\0';
	for (k = 0; k < 3; k++) {
		const ecl_profile *best = NULL;
		fit f, best_fit;

		memset(&best_fit, 0, sizeof(best_fit));
		for (i = 0; i < det->set.count; i++) {
			const ecl_profile *p = det->set.items[i];
			size_t j;
			int seen = 0;

			for (j = 0; j < listed; j++)
				seen |= taken[j] == i + 1;
			if (seen || p->layout == ECL_LAYOUT_READER || p->no_header)
				continue;
			fit_profile(&f, s, p, req);
			if (f.matched > best_fit.matched) {
				best = p;
				best_fit = f;
				taken[listed] = i + 1;
			}
		}
		if (best == NULL)
			break;
		i = (size_t)snprintf(out + used, size - used, "%s%s (%zu of %zu cells; no \"%s\")",
			listed ? ", " : "", best->name, best_fit.matched, best->signature.count,
			best_fit.missing ? best_fit.missing : "?");
		if (i >= size - used)
			break;
		used += i;
		listed++;
	}
}

/* Why nothing reads the file: the profile whose whole signature is there
 * but whose columns do not map (a one-meter file without --meter), the
 * tokenizer's refusal, or the generic reader's complaint and the closest
 * profiles. */
static int explain_no_match(ecl_detection *out, const sample *s, const ecl_detect_request *req)
{
	char near[400];
	size_t i;
	fit f;

	for (i = 0; i < out->set.count; i++) {
		ecl_profile *p = out->set.items[i];
		const sample_record *r;
		ecl_columns c;

		if (p->layout == ECL_LAYOUT_READER || p->no_header || fit_profile(&f, s, p, req)
		    || f.missing != NULL || f.matched != p->signature.count)
			continue;
		r = record_at(s, record_delimiter(s, p, f.record), f.record);
		if (r == NULL)
			continue;
		if (ecl__columns_map(&c, &r->view, p, req->type, req->clock, req->meter_given) == 0) {
			ecl__columns_dispose(&c);
			continue;
		}
		return ecl_error_set(ECL_EINVALID, "the header on line %lld matches profile %s, but %s",
			(long long)r->view.line, p->name, ecl_error_last());
	}
	/* A file the tokenizer refuses before its first lines are read: its
	 * complaint ("line 1: NUL byte") is the one that helps. */
	f.record = s->sep ? 1 : 0;
	for (i = 0; i < DELIMITER_COUNT; i++) {
		if (s->error[i] != 0 && s->count[i] <= f.record)
			return ecl_error_set(s->error[i], "%s", s->message[i]);
	}
	/* The generic reader's own complaint about the first line, as the
	 * reference gave it, then the profiles that came closest. */
	f.delimiter = record_delimiter(s, NULL, f.record);
	if (record_at(s, f.delimiter, f.record) == NULL)
		return ecl_error_set(ECL_EINVALID, "CSV file must include a header row (the file is empty)");
	{
		ecl_columns c;
		char message[600];

		if (ecl__columns_map(&c, &record_at(s, f.delimiter, f.record)->view, out->generic, req->type,
		                     req->clock, req->meter_given) == 0) {
			ecl__columns_dispose(&c);
			return ecl_error_set(ECL_EINVALID, "no import profile matches the file");
		}
		snprintf(message, sizeof(message), "%s", ecl_error_last());
		closest(near, sizeof(near), out, s, req);
		return ecl_error_set(ECL_EINVALID, "%s%s%s%s", message, near[0] ? ". No import profile matches "
			"either; the closest: " : "", near, near[0] ? " (eclectyc detect FILE shows more)" : "");
	}
}

static int automatic(ecl_detection *out, const sample *s, const ecl_detect_request *req)
{
	ecl_profile *best = NULL, *tie = NULL;
	fit f, best_fit;
	size_t i;

	memset(&best_fit, 0, sizeof(best_fit));
	for (i = 0; i < out->set.count; i++) {
		ecl_profile *p = out->set.items[i];

		if (p->layout == ECL_LAYOUT_READER || p->no_header || !fit_profile(&f, s, p, req))
			continue;
		if (best == NULL || f.matched > best_fit.matched) {
			best = p;
			best_fit = f;
			tie = NULL;
		} else if (f.matched == best_fit.matched) {
			tie = p;
		}
	}
	if (tie != NULL)
		return ecl_error_set(ECL_EINVALID, "the file matches the import profiles %s and %s equally "
			"(%zu header cells each): choose one with --profile", best->name, tie->name, best_fit.matched);
	if (best != NULL) {
		choose(out, s, best, &best_fit);
		snprintf(out->reason, sizeof(out->reason), "the header on line %lld has all %zu cells of "
			"profile %s's signature", (long long)record_at(s, best_fit.delimiter, best_fit.record)->view.line,
			best_fit.matched, best->name);
		return 0;
	}
	if (fit_profile(&f, s, out->generic, req)) {
		choose(out, s, out->generic, &f);
		snprintf(out->reason, sizeof(out->reason), "no profile's signature matches; the generic reader "
			"reads the header on line %lld", (long long)record_at(s, f.delimiter, f.record)->view.line);
		return 0;
	}
	return explain_no_match(out, s, req);
}

int ecl__detect(ecl_detection *out, const ecl_detect_request *req)
{
	sample *s = calloc(1, sizeof(*s));
	ecl_profile *single = NULL;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory detecting a file's layout");
	if (req->profile != NULL && ecl__profile_is_path(req->profile)) {
		rc = ecl__profile_load_file(&single, req->profile);
		if (rc == 0 && (out->set.items = malloc(sizeof(*out->set.items))) == NULL) {
			ecl__profile_free(single);
			rc = ecl_error_set(ECL_ENOMEM, "out of memory loading a profile");
		}
		if (rc == 0) {
			out->set.items[0] = single;
			out->set.count = 1;
		}
	} else {
		rc = ecl__profile_set_load(&out->set, req->profile_dir);
	}
	if (rc == 0)
		rc = ecl__profile_generic(&out->generic);
	if (rc == 0)
		rc = take_sample(s, req->path);
	if (rc == 0 && req->profile != NULL) {
		ecl_detect_request named = *req;
		if (single != NULL)
			named.profile = single->name;
		rc = forced(out, s, &named);
	} else if (rc == 0 && (rc = flow_of(out, s)) == 0) {
		rc = automatic(out, s, req);
	} else if (rc == 1) {
		rc = 0;
	}
	free_sample(s);
	free(s);
	return rc;
}

void ecl__detection_dispose(ecl_detection *d)
{
	ecl__profile_set_dispose(&d->set);
	ecl__profile_free(d->generic);
	d->generic = NULL;
	d->profile = NULL;
}
