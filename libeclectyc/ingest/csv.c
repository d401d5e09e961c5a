/*
 * Streaming RFC 4180 tokenizer (see csv.h for the accepted dialect).
 *
 * The input arrives in blocks; a record may span any number of them, so the
 * tokenizer is a small state machine whose state survives between blocks.
 * Field bytes are copied into one record buffer, each field followed by a
 * NUL, and the field pointers are computed once the record is complete (the
 * buffer may move while it grows). Unquoted and quoted runs are scanned with
 * a byte-class table and copied with one memcpy per run, so the cost per
 * byte is one table look-up.
 *
 * Every buffer grows on demand up to a ceiling derived from the limits, and
 * a limit is checked before the bytes that would break it are stored, so a
 * hostile input (a 100 MB line, a million fields) cannot make it allocate
 * more than the limits allow.
 */
#include "ingest/csv.h"

#include <stdlib.h>
#include <string.h>

#include "eclectyc/sys/errors.h"
#include "ingest/input.h"
#include "util/strutil.h"

#define BOM "\xEF\xBB\xBF"
#define BOM_LEN 3
#define MIN_BUFFER 4096
#define MIN_FIELDS 64
#define MESSAGE_MAX 1024

enum state {
	ST_FIELD_START,   /* before the first byte of a field */
	ST_UNQUOTED,      /* inside an unquoted field */
	ST_QUOTED,        /* inside a quoted field */
	ST_QUOTE,         /* just after a quote inside a quoted field */
	ST_QUOTE_CR       /* a closing quote then CR: only LF may follow */
};

struct ecl_csv {
	ecl_input *in;
	ecl_csv_options opts;
	char delim;
	const char *p;               /* unread part of the current block */
	const char *end;
	/* Blocks kept while looking for the end of the header, parsed first. */
	char *prologue;
	size_t prologue_len;
	size_t prologue_cap;
	/* The record being built. */
	char *buf;                   /* field bytes, each field NUL-terminated */
	size_t buf_len;
	size_t buf_cap;
	size_t buf_max;              /* ceiling implied by the limits */
	size_t rec_bytes;            /* field bytes of the record, NULs excluded */
	size_t field_start;          /* offset of the current field in buf */
	int field_quoted;
	int64_t field_line;
	size_t *lengths;
	char **fields;
	size_t field_cap;
	size_t count;                /* fields completed */
	enum state state;
	int64_t line;                /* current physical line */
	int64_t record_line;
	int64_t ordinal;
	int have_record;             /* `record` was handed out: reset on next call */
	int at_end;                  /* the input is exhausted */
	int error;                   /* sticky error code */
	int deferred;                /* a read error met while sniffing, reported
	                              * once the bytes before it are parsed */
	ecl_csv_record record;
	unsigned char stop[256];     /* bytes that end an unquoted run */
	unsigned char qstop[256];    /* bytes that end a quoted run */
	char message[MESSAGE_MAX];
};

/* ---- errors ------------------------------------------------------------- */

static int field_too_long(ecl_csv *csv)
{
	return ecl_error_set(ECL_EINVALID, "line %lld: field %zu is longer than the limit of %zu bytes",
		(long long)csv->field_line, csv->count + 1, csv->opts.max_field_bytes);
}

static int record_too_long(ecl_csv *csv)
{
	return ecl_error_set(ECL_EINVALID, "line %lld: record is longer than the limit of %zu bytes",
		(long long)csv->record_line, csv->opts.max_record_bytes);
}

static int too_many_fields(ecl_csv *csv)
{
	return ecl_error_set(ECL_EINVALID, "line %lld: record has more than the limit of %zu fields",
		(long long)csv->record_line, csv->opts.max_fields);
}

static int nul_byte(ecl_csv *csv)
{
	return ecl_error_set(ECL_EINVALID, "line %lld: NUL byte in the input",
		(long long)csv->line);
}

static int text_after_quote(ecl_csv *csv)
{
	return ecl_error_set(ECL_EINVALID, "line %lld: unexpected character after closing quote",
		(long long)csv->line);
}

static int unterminated_quote(ecl_csv *csv)
{
	return ecl_error_set(ECL_EINVALID,
		"line %lld: quoted field is never closed (the input ends inside it)",
		(long long)csv->field_line);
}

/* ---- buffers -------------------------------------------------------------- */

static size_t add_saturating(size_t a, size_t b)
{
	return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

static int grow_buffer(ecl_csv *csv, size_t needed)
{
	size_t cap = csv->buf_cap ? csv->buf_cap : MIN_BUFFER;
	char *grown;

	/* The limit checks keep `needed` under the ceiling; this is the guard. */
	if (needed > csv->buf_max)
		return record_too_long(csv);
	while (cap < needed && cap <= SIZE_MAX / 2)
		cap *= 2;
	if (cap > csv->buf_max || cap < needed)
		cap = csv->buf_max;
	grown = realloc(csv->buf, cap);
	if (grown == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory growing a CSV record to %zu bytes", cap);
	csv->buf = grown;
	csv->buf_cap = cap;
	return 0;
}

static int grow_fields(ecl_csv *csv)
{
	size_t cap = csv->field_cap ? csv->field_cap * 2 : MIN_FIELDS;
	size_t *lengths;
	char **fields;

	if (cap > csv->opts.max_fields)
		cap = csv->opts.max_fields;
	lengths = realloc(csv->lengths, cap * sizeof(*lengths));
	if (lengths != NULL)
		csv->lengths = lengths;
	fields = lengths != NULL ? realloc(csv->fields, cap * sizeof(*fields)) : NULL;
	if (fields == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory growing a CSV record to %zu fields", cap);
	csv->fields = fields;
	csv->field_cap = cap;
	return 0;
}

/*
 * Over a limit, except by one trailing CR: an unquoted last field's CR is
 * part of the line end and dropped, so a field of exactly the limit ending a
 * CRLF line must pass. end_field() checks strictly once the CR's fate is known.
 */
static int over_limit(size_t len, size_t max, char last)
{
	return len > max && !(len - 1 == max && last == '\r');
}

static size_t room(size_t used, size_t max)
{
	return used < max ? max - used : 0;
}

/* Add `len` (> 0) bytes to the current field. */
static int append(ecl_csv *csv, const char *data, size_t len)
{
	size_t field_len = csv->buf_len - csv->field_start;
	char last = data[len - 1];
	int field_over = over_limit(field_len + len, csv->opts.max_field_bytes, last);
	int record_over = over_limit(csv->rec_bytes + len, csv->opts.max_record_bytes, last);
	int rc = 0;

	/* When a run breaks both limits, name the one its earlier byte breaks,
	 * as a byte-by-byte reading would: the error must not depend on where
	 * the blocks happen to split the input. */
	if (field_over && (!record_over || room(field_len, csv->opts.max_field_bytes)
			<= room(csv->rec_bytes, csv->opts.max_record_bytes)))
		rc = field_too_long(csv);
	else if (record_over)
		rc = record_too_long(csv);
	else if (csv->buf_len + len + 1 > csv->buf_cap)
		rc = grow_buffer(csv, csv->buf_len + len + 1);
	if (rc == 0) {
		memcpy(csv->buf + csv->buf_len, data, len);
		csv->buf_len += len;
		csv->rec_bytes += len;
	}
	return rc;
}

/* ---- records -------------------------------------------------------------- */

static void start_record(ecl_csv *csv)
{
	csv->buf_len = 0;
	csv->rec_bytes = 0;
	csv->field_start = 0;
	csv->count = 0;
	csv->state = ST_FIELD_START;
	csv->record_line = csv->line;
	csv->have_record = 0;
}

/* Close the current field; strip_cr drops the CR of a CRLF line end. */
static int end_field(ecl_csv *csv, int strip_cr)
{
	size_t len = csv->buf_len - csv->field_start;
	int rc = 0;

	if (strip_cr && len > 0 && csv->buf[csv->buf_len - 1] == '\r') {
		csv->buf_len--;
		csv->rec_bytes--;
		len--;
	}
	if (len > csv->opts.max_field_bytes)
		rc = field_too_long(csv);
	else if (csv->rec_bytes > csv->opts.max_record_bytes)
		rc = record_too_long(csv);
	else if (csv->count == csv->opts.max_fields)
		rc = too_many_fields(csv);
	else if (csv->count == csv->field_cap)
		rc = grow_fields(csv);
	if (rc == 0 && csv->buf_len + 1 > csv->buf_cap)
		rc = grow_buffer(csv, csv->buf_len + 1);
	if (rc == 0) {
		csv->buf[csv->buf_len++] = '\0';
		csv->lengths[csv->count++] = len;
		csv->field_start = csv->buf_len;
		csv->state = ST_FIELD_START;
	}
	return rc;
}

static void publish(ecl_csv *csv)
{
	size_t i;
	size_t offset = 0;

	for (i = 0; i < csv->count; i++) {
		csv->fields[i] = csv->buf + offset;
		offset += csv->lengths[i] + 1;
	}
	csv->ordinal++;
	csv->record.count = csv->count;
	csv->record.fields = csv->fields;
	csv->record.lengths = csv->lengths;
	csv->record.line = csv->record_line;
	csv->record.ordinal = csv->ordinal;
	csv->have_record = 1;
}

/* 1 when a record is ready, 0 when the line was blank (skipped), or an error. */
static int end_record(ecl_csv *csv, int strip_cr)
{
	int rc = end_field(csv, strip_cr);

	if (rc == 0 && csv->count == 1 && csv->lengths[0] == 0 && !csv->field_quoted) {
		start_record(csv);
	} else if (rc == 0) {
		publish(csv);
		rc = 1;
	}
	return rc;
}

static int end_line(ecl_csv *csv, int strip_cr)
{
	csv->line++;
	return end_record(csv, strip_cr);
}

/* ---- the state machine ---------------------------------------------------- */

static void begin_field(ecl_csv *csv)
{
	csv->field_line = csv->line;
	csv->field_quoted = *csv->p == '"';
	if (csv->field_quoted) {
		csv->p++;
		csv->state = ST_QUOTED;
	} else {
		csv->state = ST_UNQUOTED;
	}
}

static int scan_unquoted(ecl_csv *csv)
{
	const unsigned char *q = (const unsigned char *)csv->p;
	const unsigned char *end = (const unsigned char *)csv->end;
	int rc = 0;

	while (q < end && !csv->stop[*q])
		q++;
	if ((const char *)q != csv->p)
		rc = append(csv, csv->p, (size_t)((const char *)q - csv->p));
	csv->p = (const char *)q;
	if (rc == 0 && q < end) {
		csv->p++;
		if (*q == '\n')
			rc = end_line(csv, 1);
		else if (*q == '\0')
			rc = nul_byte(csv);
		else
			rc = end_field(csv, 0);
	}
	return rc;
}

static int scan_quoted(ecl_csv *csv)
{
	const unsigned char *q = (const unsigned char *)csv->p;
	const unsigned char *end = (const unsigned char *)csv->end;
	int newline = 0;
	int rc = 0;

	while (q < end && !csv->qstop[*q])
		q++;
	/* A newline is data here: keep it in the run and count the line. */
	if (q < end && *q == '\n') {
		q++;
		newline = 1;
	}
	if ((const char *)q != csv->p)
		rc = append(csv, csv->p, (size_t)((const char *)q - csv->p));
	csv->p = (const char *)q;
	if (rc == 0 && newline) {
		csv->line++;
	} else if (rc == 0 && q < end) {
		csv->p++;
		if (*q == '"')
			csv->state = ST_QUOTE;
		else
			rc = nul_byte(csv);
	}
	return rc;
}

/* After a quote in a quoted field: an escaped quote, or the field's end. */
static int after_quote(ecl_csv *csv)
{
	char c = *csv->p++;
	int rc = 0;

	if (c == '"') {
		rc = append(csv, "\"", 1);
		csv->state = ST_QUOTED;
	} else if (c == csv->delim) {
		rc = end_field(csv, 0);
	} else if (c == '\n') {
		rc = end_line(csv, 0);
	} else if (c == '\r') {
		csv->state = ST_QUOTE_CR;
	} else {
		rc = c == '\0' ? nul_byte(csv) : text_after_quote(csv);
	}
	return rc;
}

static int after_quote_cr(ecl_csv *csv)
{
	char c = *csv->p++;
	int rc;

	if (c == '\n')
		rc = end_line(csv, 0);
	else
		rc = c == '\0' ? nul_byte(csv) : text_after_quote(csv);
	return rc;
}

/* Consume the current block: 1 when a record is complete, 0 when the block is
 * used up, or an error. */
static int parse(ecl_csv *csv)
{
	int rc = 0;

	while (rc == 0 && csv->p != csv->end) {
		switch (csv->state) {
		case ST_FIELD_START:
			begin_field(csv);
			break;
		case ST_UNQUOTED:
			rc = scan_unquoted(csv);
			break;
		case ST_QUOTED:
			rc = scan_quoted(csv);
			break;
		case ST_QUOTE:
			rc = after_quote(csv);
			break;
		case ST_QUOTE_CR:
			rc = after_quote_cr(csv);
			break;
		}
	}
	return rc;
}

/* The input is exhausted: close the last record, which needs no line end. */
static int finish(ecl_csv *csv)
{
	int rc = 0;

	if (csv->state == ST_QUOTED)
		rc = unterminated_quote(csv);
	else if (csv->state != ST_FIELD_START || csv->count > 0)
		rc = end_record(csv, csv->state == ST_UNQUOTED);
	return rc;
}

static void release_prologue(ecl_csv *csv)
{
	free(csv->prologue);
	csv->prologue = NULL;
	csv->prologue_len = 0;
	csv->prologue_cap = 0;
}

static int fill(ecl_csv *csv)
{
	const char *data = NULL;
	size_t len = 0;
	int rc;

	/* The prologue, if any, was the block just consumed. */
	release_prologue(csv);
	if (csv->deferred != 0)
		return ecl_error_set(csv->deferred, "%s", csv->message);
	rc = ecl__input_next(csv->in, &data, &len);
	if (rc > 0) {
		csv->p = data;
		csv->end = data + len;
		rc = 0;
	} else if (rc == 0) {
		csv->at_end = 1;
	}
	return rc;
}

static int advance(ecl_csv *csv)
{
	int rc = 0;

	while (rc == 0 && !csv->at_end) {
		if (csv->p != csv->end)
			rc = parse(csv);
		else
			rc = fill(csv);
	}
	if (rc == 0)
		rc = finish(csv);
	return rc;
}

int ecl__csv_next(ecl_csv *csv, const ecl_csv_record **record)
{
	int rc;

	if (csv == NULL || record == NULL)
		return ecl_error_set(ECL_EINVALID, "csv: NULL argument");
	*record = NULL;
	if (csv->error != 0)
		return ecl_error_set(csv->error, "%s", csv->message);
	if (csv->have_record)
		start_record(csv);
	rc = advance(csv);
	if (rc > 0) {
		*record = &csv->record;
	} else if (rc < 0) {
		csv->error = rc;
		ecl__strlcpy(csv->message, ecl_error_last(), sizeof(csv->message));
	}
	return rc;
}

/* ---- opening: BOM and delimiter sniffing ---------------------------------- */

static const char candidates[] = { ',', ';', '\t', '|' };
#define CANDIDATES (sizeof(candidates) / sizeof(candidates[0]))

/*
 * Counts candidate delimiters outside quotes in the first non-blank record.
 * Since the delimiter is unknown, a quote opens a quoted field where any
 * candidate could have ended the previous field: at the start of a line or
 * right after a candidate.
 */
typedef struct sniffer {
	enum { SN_FIELD, SN_PLAIN, SN_QUOTED, SN_QUOTE } state;
	int content;                 /* the record has a byte other than CR */
	int done;                    /* its end has been seen */
	size_t counts[CANDIDATES];
} sniffer;

static int candidate_index(char c)
{
	size_t i;

	for (i = 0; i < CANDIDATES; i++) {
		if (candidates[i] == c)
			return (int)i;
	}
	return -1;
}

static void sniff_unquoted(sniffer *sn, char c)
{
	int i = candidate_index(c);

	if (i >= 0) {
		sn->counts[i]++;
		sn->content = 1;
		sn->state = SN_FIELD;
	} else if (c == '\n') {
		/* A blank line comes before the header: keep looking. */
		sn->done = sn->content;
		sn->state = SN_FIELD;
	} else {
		sn->content |= c != '\r';
		sn->state = SN_PLAIN;
	}
}

static void sniff(sniffer *sn, const char *data, size_t len)
{
	size_t i;

	for (i = 0; i < len && !sn->done; i++) {
		char c = data[i];

		if (sn->state == SN_QUOTED) {
			if (c == '"')
				sn->state = SN_QUOTE;
		} else if (c == '"' && (sn->state == SN_FIELD || sn->state == SN_QUOTE)) {
			/* An opening quote, or the second of a doubled one. */
			sn->state = SN_QUOTED;
			sn->content = 1;
		} else {
			sniff_unquoted(sn, c);
		}
	}
}

static char sniffed_delimiter(const sniffer *sn)
{
	size_t best = 0;
	size_t i;

	/* Strictly more wins, so ties go to the earlier candidate. */
	for (i = 1; i < CANDIDATES; i++) {
		if (sn->counts[i] > sn->counts[best])
			best = i;
	}
	return candidates[best];
}

static int keep_prologue(ecl_csv *csv, const char *data, size_t len)
{
	size_t needed = csv->prologue_len + len;

	if (needed > csv->prologue_cap) {
		/* prologue() stops before the kept bytes pass the sniffing limit,
		 * so this block is the last that can arrive beyond it: doubling
		 * need not overshoot that ceiling. */
		size_t ceiling = add_saturating(add_saturating(csv->opts.max_record_bytes, BOM_LEN), len);
		size_t cap = csv->prologue_cap ? csv->prologue_cap : MIN_BUFFER;
		char *grown;

		while (cap < needed)
			cap = add_saturating(cap, cap);
		if (cap > ceiling)
			cap = ceiling > needed ? ceiling : needed;
		grown = realloc(csv->prologue, cap);
		if (grown == NULL)
			return ecl_error_set(ECL_ENOMEM, "out of memory reading a CSV header");
		csv->prologue = grown;
		csv->prologue_cap = cap;
	}
	memcpy(csv->prologue + csv->prologue_len, data, len);
	csv->prologue_len += len;
	return 0;
}

static size_t bom_length(const char *data, size_t len)
{
	return len >= BOM_LEN && memcmp(data, BOM, BOM_LEN) == 0 ? BOM_LEN : 0;
}

/*
 * Read until the BOM question is settled (3 bytes) and, when sniffing, until
 * the header's end or max_record_bytes of it, whichever comes first. One
 * block usually suffices and is parsed in place; otherwise the blocks are
 * copied into the prologue buffer, because the reader reuses its block.
 */
static int prologue(ecl_csv *csv)
{
	sniffer sn;
	const char *data = NULL;
	size_t len = 0, start = 0, scanned = 0;
	size_t limit = csv->opts.max_record_bytes;
	int sniffing = csv->opts.delimiter == 0;
	int bom_known = 0, eof = 0, done = 0, rc = 0;

	memset(&sn, 0, sizeof(sn));
	while (rc == 0 && !done) {
		const char *block = NULL;
		size_t n = 0;

		rc = ecl__input_next(csv->in, &block, &n);
		if (rc < 0) {
			/* A data fault belongs to next(), after the records before it. */
			csv->deferred = rc;
			ecl__strlcpy(csv->message, ecl_error_last(), sizeof(csv->message));
			rc = 0;
		}
		eof = rc == 0;
		if (rc > 0 && len == 0) {
			data = block;
			len = n;
			rc = 0;
		} else if (rc > 0) {
			rc = keep_prologue(csv, block, n);
			data = csv->prologue;
			len += n;
		}
		if (rc == 0 && !bom_known && (eof || len >= BOM_LEN)) {
			start = bom_length(data, len);
			scanned = start;
			bom_known = 1;
		}
		if (rc == 0 && bom_known && sniffing) {
			size_t upto = len - start > limit ? start + limit : len;

			if (upto > scanned)
				sniff(&sn, data + scanned, upto - scanned);
			scanned = upto;
		}
		done = rc != 0 || eof
			|| (bom_known && (!sniffing || sn.done || scanned - start >= limit));
		if (!done && data != csv->prologue)
			rc = keep_prologue(csv, data, len);
		if (!done && rc == 0)
			data = csv->prologue;
	}
	csv->delim = sniffing ? sniffed_delimiter(&sn) : csv->opts.delimiter;
	if (len > 0) {
		csv->p = data + start;
		csv->end = data + len;
	}
	return rc;
}

/* ---- life cycle ------------------------------------------------------------ */

static int check_options(const ecl_csv_options *opts)
{
	char d = opts->delimiter;

	if (opts->max_field_bytes == 0 || opts->max_record_bytes == 0 || opts->max_fields == 0)
		return ecl_error_set(ECL_EINVALID, "CSV limits must be positive");
	if (d == '"' || d == '\n' || d == '\r')
		return ecl_error_set(ECL_EINVALID, "CSV delimiter cannot be a quote, CR or LF");
	return 0;
}

static void build_tables(ecl_csv *csv)
{
	csv->stop[(unsigned char)csv->delim] = 1;
	csv->stop['\n'] = 1;
	csv->stop['\0'] = 1;
	csv->qstop['"'] = 1;
	csv->qstop['\n'] = 1;
	csv->qstop['\0'] = 1;
}

static int csv_new(ecl_csv **out, ecl_csv **csv, const ecl_csv_options *opts)
{
	static const ecl_csv_options defaults = ECL_CSV_OPTIONS_INIT;
	int rc;

	if (out == NULL)
		return ecl_error_set(ECL_EINVALID, "csv: NULL output pointer");
	*out = NULL;
	if (opts == NULL)
		opts = &defaults;
	rc = check_options(opts);
	if (rc == 0) {
		*csv = calloc(1, sizeof(**csv));
		if (*csv == NULL)
			rc = ecl_error_set(ECL_ENOMEM, "out of memory opening a CSV reader");
	}
	if (rc == 0) {
		(*csv)->opts = *opts;
		/* Field bytes, a pending CR, and one NUL per field. */
		(*csv)->buf_max = add_saturating(add_saturating(opts->max_record_bytes, 2),
			opts->max_fields);
		(*csv)->line = 1;
		start_record(*csv);
	}
	return rc;
}

static int csv_start(ecl_csv **out, ecl_csv *csv, int rc)
{
	if (rc == 0)
		rc = prologue(csv);
	if (rc == 0) {
		build_tables(csv);
		*out = csv;
	} else {
		ecl__csv_free(csv);
	}
	return rc;
}

int ecl__csv_open_file(ecl_csv **out, const char *path, const ecl_csv_options *opts)
{
	ecl_csv *csv = NULL;
	int rc = csv_new(out, &csv, opts);

	if (rc == 0 && path == NULL)
		rc = ecl_error_set(ECL_EINVALID, "csv: NULL path");
	if (rc == 0)
		rc = ecl__input_open_file(&csv->in, path, csv->opts.block_size);
	return csv_start(out, csv, rc);
}

int ecl__csv_open_memory(ecl_csv **out, const void *data, size_t len, const ecl_csv_options *opts)
{
	ecl_csv *csv = NULL;
	int rc = csv_new(out, &csv, opts);

	if (rc == 0)
		rc = ecl__input_open_memory(&csv->in, data, len, csv->opts.block_size);
	return csv_start(out, csv, rc);
}

char ecl__csv_delimiter(const ecl_csv *csv)
{
	return csv->delim;
}

uint64_t ecl__csv_bytes_read(const ecl_csv *csv)
{
	return ecl__input_bytes_read(csv->in);
}

uint64_t ecl__csv_file_size(const ecl_csv *csv)
{
	return ecl__input_file_size(csv->in);
}

int ecl__csv_is_gzip(const ecl_csv *csv)
{
	return ecl__input_is_gzip(csv->in);
}

size_t ecl__csv_footprint(const ecl_csv *csv)
{
	return sizeof(*csv) + csv->buf_cap + csv->prologue_cap
		+ csv->field_cap * (sizeof(*csv->lengths) + sizeof(*csv->fields))
		+ ecl__input_footprint(csv->in);
}

void ecl__csv_free(ecl_csv *csv)
{
	if (csv == NULL)
		return;
	ecl__input_free(csv->in);
	release_prologue(csv);
	free(csv->buf);
	free(csv->lengths);
	free(csv->fields);
	free(csv);
}
