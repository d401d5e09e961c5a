/*
 * A block reader for the ingestion module: a file (plain, or gzip detected by
 * its magic bytes 1f 8b) or a memory buffer, handed out in blocks of a fixed
 * size so memory stays constant whatever the size of the input.
 */
#ifndef ECL_INPUT_H
#define ECL_INPUT_H

#include <stddef.h>
#include <stdint.h>

/* Default block size: big enough to amortise read(2), small enough to stay
 * in the CPU caches while the tokenizer scans it. */
#define ECL_INPUT_BLOCK_SIZE 65536

typedef struct ecl_input ecl_input;

/*
 * Open `path` for reading. A file starting with 1f 8b is inflated with zlib
 * (concatenated members allowed); anything else is read as is. block_size 0
 * means ECL_INPUT_BLOCK_SIZE. 0, or ECL_EIO naming the path and the reason,
 * ECL_ENOMEM, ECL_EINVALID.
 */
int ecl__input_open_file(ecl_input **out, const char *path, size_t block_size);

/*
 * Read from `len` bytes at `data`, which the caller keeps alive and unchanged
 * until ecl__input_free(). Gzip is detected as for files. block_size 0 hands
 * out plain data in one block (no copy); otherwise blocks are at most
 * block_size bytes, which lets tests and fuzzers exercise block boundaries.
 */
int ecl__input_open_memory(ecl_input **out, const void *data, size_t len, size_t block_size);

/*
 * The next block of (decompressed) data: 1 with *data and *len (> 0) set,
 * valid until the next call; 0 at the end of the input (and on every later
 * call); or a negative ECL_E* code: ECL_EIO for a read error or a truncated
 * or corrupt gzip stream (the message names the file), ECL_ENOMEM.
 */
int ecl__input_next(ecl_input *in, const char **data, size_t *len);

/* Bytes of the underlying (compressed) file consumed so far. */
uint64_t ecl__input_bytes_read(const ecl_input *in);

/* The size of the underlying file, 0 for memory or when unknown (a pipe). */
uint64_t ecl__input_file_size(const ecl_input *in);

/* 1 when the input is gzip-compressed, 0 otherwise. */
int ecl__input_is_gzip(const ecl_input *in);

/* The path given to open, or "<memory>". */
const char *ecl__input_name(const ecl_input *in);

/* Bytes held by the reader's own buffers (zlib's state excluded: a constant
 * of about 40 KiB). For tests that prove memory stays bounded. */
size_t ecl__input_footprint(const ecl_input *in);

/* Close and release; accepts NULL. */
void ecl__input_free(ecl_input *in);

/* ---- a file's identity ----------------------------------------------------- */

/* What says that a file is still the one an import started on. */
typedef struct ecl_file_identity {
	uint64_t size;
	int64_t mtime;                /* Unix seconds */
	long mtime_nsec;
	uint64_t inode;
	uint64_t device;
	char sha256[65];              /* lower-case hex, "" when not computed */
} ecl_file_identity;

/*
 * Open `path` for an import and describe it, never blocking: opened with
 * O_NONBLOCK, so a FIFO with no writer or a device returns at once, and
 * anything that is not a regular file is refused before a byte is read.
 * With `hash`, the whole file is read for its SHA-256. On success *fd holds
 * the open descriptor (the caller closes it), which the import keeps to
 * notice the file changing under it. 0; ECL_EINVALID when `path` is not a
 * regular file (naming it and what it is: retrying cannot help); ECL_EIO when
 * it cannot be opened or read (path and reason); ECL_ENOMEM.
 */
int ecl__file_identify(int *fd, ecl_file_identity *id, const char *path, int hash);

/*
 * 0 when the file open on `fd` still has the size, mtime and inode of `id`,
 * and `path` still names it; otherwise ECL_EIO, the message naming the path
 * and what changed ("changed during the import: ...").
 */
int ecl__file_unchanged(int fd, const char *path, const ecl_file_identity *id);

#endif
