/*
 * The streaming RFC 4180 CSV tokenizer of the ingestion module (internal).
 *
 * - Fields may be quoted with '"'; a doubled quote inside is one quote, and
 *   delimiters, CR and LF inside quotes are data. A quote inside an unquoted
 *   field is an ordinary character (`12" pipe`).
 * - Records end at LF or CRLF (the CR of an unquoted last field is dropped);
 *   a lone CR elsewhere is data. The last record needs no line end.
 * - A UTF-8 BOM at the very start is skipped. Blank lines (empty, or a lone
 *   CR) are skipped but still counted, so every `line` is the physical line.
 * - Whitespace around fields is kept: trimming is the caller's business.
 * - Errors (ECL_EINVALID, message "line N: …"): text after a closing quote,
 *   a quote left open at the end (naming the line where it opened), a NUL
 *   byte, a field, record or field count over the limits. ECL_EIO for read
 *   and gzip failures, ECL_ENOMEM. Errors are sticky: every later call
 *   returns the same code and message.
 *
 * Memory is bounded by the limits whatever the input: buffers grow only up to
 * them, and the input is read in fixed blocks (see input.h).
 */
#ifndef ECL_CSV_H
#define ECL_CSV_H

#include <stddef.h>
#include <stdint.h>

typedef struct ecl_csv ecl_csv;

typedef struct ecl_csv_options {
	size_t max_field_bytes;    /* default 1 MiB */
	size_t max_record_bytes;   /* field bytes of one record, default 4 MiB */
	size_t max_fields;         /* default 10000 */
	char delimiter;            /* 0 = sniff from the first record: one of , ; \t | */
	size_t block_size;         /* read size; 0 = 64 KiB (memory: the whole buffer) */
} ecl_csv_options;

#define ECL_CSV_OPTIONS_INIT { 1048576, 4194304, 10000, 0, 0 }

typedef struct ecl_csv_record {
	size_t count;              /* number of fields, >= 1 */
	char **fields;             /* NUL-terminated field texts, valid until the next call;
	                            * writable, so a caller may trim in place */
	size_t *lengths;           /* byte lengths (a NUL byte in the input is an error) */
	int64_t line;              /* 1-based file line where the record starts */
	int64_t ordinal;           /* 1-based record number (header = 1) */
} ecl_csv_record;

/*
 * Open a CSV file (plain or gzip) and, unless opts->delimiter is set, sniff the
 * delimiter from the first non-blank record: the most frequent of , ; \t | outside
 * quotes, ties going to the earlier in that list, ',' when there is none.
 * opts may be NULL for the defaults. 0, ECL_EIO (the file cannot be opened or
 * read: path and reason), ECL_ENOMEM, ECL_EINVALID (a bad option). Faults in
 * the data itself, a corrupt gzip stream included, come from ecl__csv_next()
 * after the records before them.
 */
int ecl__csv_open_file(ecl_csv **out, const char *path, const ecl_csv_options *opts);

/* The same over `len` bytes at `data`, kept alive by the caller until free. */
int ecl__csv_open_memory(ecl_csv **out, const void *data, size_t len, const ecl_csv_options *opts);

/*
 * The next record: 1 with *record set (valid until the next call or free),
 * 0 at the end of the input, or a negative ECL_E* code with the message
 * naming the line and the problem.
 */
int ecl__csv_next(ecl_csv *csv, const ecl_csv_record **record);

/* The delimiter in use (given or sniffed). */
char ecl__csv_delimiter(const ecl_csv *csv);

/* Bytes of the underlying (compressed) file consumed so far, for progress. */
uint64_t ecl__csv_bytes_read(const ecl_csv *csv);

/* The size of the underlying file: 0 for memory or unknown. */
uint64_t ecl__csv_file_size(const ecl_csv *csv);

/* 1 when the input is gzip-compressed. */
int ecl__csv_is_gzip(const ecl_csv *csv);

/* Bytes held by the tokenizer and its reader, for tests of bounded memory. */
size_t ecl__csv_footprint(const ecl_csv *csv);

/* Release; accepts NULL. */
void ecl__csv_free(ecl_csv *csv);

#endif
