/*
 * Block reader over a file or a memory buffer, inflating gzip on the fly.
 *
 * Memory is fixed at open: one read buffer and, for gzip, one output buffer
 * of the block size plus zlib's inflate state (its 32 KiB window included).
 * Nothing grows with the input, so a multi-gigabyte file costs what a small
 * one does.
 */
#include "ingest/input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "eclectyc/sys/errors.h"
#include "util/sha256.h"
#include "util/strutil.h"

#define GZIP_MAGIC0 0x1f
#define GZIP_MAGIC1 0x8b
/* windowBits 15 plus 16: the gzip wrapper only (the magic has been seen). */
#define GZIP_WINDOW_BITS (15 + 16)

struct ecl_input {
	char *name;
	int fd;                          /* -1 for memory */
	const unsigned char *mem;
	size_t mem_len;
	size_t mem_pos;
	size_t block;                    /* most bytes handed out per call */
	unsigned char *raw;              /* file read buffer */
	size_t raw_cap;
	size_t raw_pending;              /* bytes read at open, not yet handed out */
	int raw_eof;
	uint64_t raw_total;              /* bytes taken from the file or buffer */
	uint64_t size;
	int gzip;
	int z_ready;                     /* inflateInit2 succeeded */
	z_stream z;
	unsigned char *out;              /* inflate output */
	int member_done;                 /* a gzip member ended; another may follow */
	int padding;                     /* only zero bytes may follow */
	int zerror;                      /* inflate failed after handing out data */
	int done;
};

static int alloc_input(ecl_input **out, const char *name, size_t block)
{
	ecl_input *in = calloc(1, sizeof(*in));
	int rc = 0;

	*out = NULL;
	if (in == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory opening \"%s\"", name);
	in->fd = -1;
	in->block = block;
	in->name = ecl__strdup(name);
	if (in->name == NULL)
		rc = ECL_ENOMEM;
	if (rc == 0)
		*out = in;
	else
		free(in);
	return rc;
}

/* read(2) until `cap` bytes or end of file: a short read from a pipe must not
 * look like the end. */
static int read_full(ecl_input *in, unsigned char *buf, size_t cap, size_t *got)
{
	size_t done = 0;
	int rc = 0;

	while (rc == 0 && done < cap) {
		ssize_t n = read(in->fd, buf + done, cap - done);
		if (n > 0)
			done += (size_t)n;
		else if (n == 0)
			break;
		else if (errno != EINTR)
			rc = ecl_error_set(ECL_EIO, "cannot read \"%s\": %s", in->name, strerror(errno));
	}
	in->raw_total += done;
	*got = done;
	return rc;
}

/* The next raw (possibly compressed) chunk: 1, 0 at the end, or an error. */
static int raw_next(ecl_input *in, const unsigned char **data, size_t *len)
{
	size_t n = 0;
	int rc = 0;

	if (in->fd < 0) {
		n = in->mem_len - in->mem_pos;
		if (in->block != 0 && n > in->block)
			n = in->block;
		/* No arithmetic on a NULL buffer of length 0. */
		*data = n > 0 ? in->mem + in->mem_pos : in->mem;
		in->mem_pos += n;
		in->raw_total += n;
	} else if (in->raw_pending > 0) {
		n = in->raw_pending;
		in->raw_pending = 0;
		*data = in->raw;
	} else {
		rc = read_full(in, in->raw, in->raw_cap, &n);
		*data = in->raw;
	}
	*len = n;
	return rc < 0 ? rc : n > 0;
}

static int start_gzip(ecl_input *in)
{
	int zrc;

	in->gzip = 1;
	in->out = malloc(in->block);
	if (in->out == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory opening \"%s\"", in->name);
	zrc = inflateInit2(&in->z, GZIP_WINDOW_BITS);
	if (zrc != Z_OK)
		return ecl_error_set(zrc == Z_MEM_ERROR ? ECL_ENOMEM : ECL_EIO,
			"\"%s\": cannot start gzip decompression (zlib error %d)", in->name, zrc);
	in->z_ready = 1;
	return 0;
}

static int is_gzip_magic(const unsigned char *data, size_t len)
{
	return len >= 2 && data[0] == GZIP_MAGIC0 && data[1] == GZIP_MAGIC1;
}

/* What a file that is not a regular one is, for messages. */
static const char *file_kind(mode_t mode)
{
	if (S_ISFIFO(mode))
		return "a FIFO (named pipe)";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a regular file";
}

/*
 * open(2) without blocking, then refuse what is not a regular file. A plain
 * open of a FIFO waits for a writer, for ever and deaf to signals the host
 * handles (a stopping worker); a device may never end. O_NONBLOCK returns
 * at once, and is cleared again for the regular file that is kept.
 */
static int open_regular(int *out, struct stat *st, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	int flags, rc = 0;

	*out = -1;
	if (fd < 0)
		return ecl_error_set(ECL_EIO, "cannot open \"%s\": %s", path, strerror(errno));
	if (fstat(fd, st) != 0)
		rc = ecl_error_set(ECL_EIO, "cannot stat \"%s\": %s", path, strerror(errno));
	/* read(2) on a directory fails with EISDIR later; say it plainly now. */
	else if (S_ISDIR(st->st_mode))
		rc = ecl_error_set(ECL_EIO, "cannot read \"%s\": %s", path, strerror(EISDIR));
	else if (!S_ISREG(st->st_mode))
		rc = ecl_error_set(ECL_EINVALID, "cannot import \"%s\": it is %s, not a regular file",
			path, file_kind(st->st_mode));
	else if ((flags = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0)
		rc = ecl_error_set(ECL_EIO, "cannot open \"%s\": %s", path, strerror(errno));
	if (rc == 0)
		*out = fd;
	else
		close(fd);
	return rc;
}

static int open_fd(ecl_input *in, const char *path)
{
	struct stat st;
	int rc = open_regular(&in->fd, &st, path);

	/* The tokenizer reports ECL_EIO for a file it cannot read, whatever it is. */
	if (rc == ECL_EINVALID)
		rc = ecl_error_set(ECL_EIO, "%s", ecl_error_last());
	if (rc == 0)
		in->size = (uint64_t)st.st_size;
	return rc;
}

int ecl__input_open_file(ecl_input **out, const char *path, size_t block_size)
{
	ecl_input *in = NULL;
	int rc;

	if (out == NULL || path == NULL)
		return ecl_error_set(ECL_EINVALID, "input: NULL argument");
	*out = NULL;
	/* Two bytes at least, so the first read can show the gzip magic. */
	if (block_size == 0)
		block_size = ECL_INPUT_BLOCK_SIZE;
	else if (block_size < 2)
		block_size = 2;
	rc = alloc_input(&in, path, block_size);
	if (rc == 0)
		rc = open_fd(in, path);
	if (rc == 0) {
		in->raw_cap = block_size;
		in->raw = malloc(in->raw_cap);
		if (in->raw == NULL)
			rc = ecl_error_set(ECL_ENOMEM, "out of memory opening \"%s\"", path);
	}
	if (rc == 0)
		rc = read_full(in, in->raw, in->raw_cap, &in->raw_pending);
	if (rc == 0 && is_gzip_magic(in->raw, in->raw_pending))
		rc = start_gzip(in);
	if (rc == 0)
		*out = in;
	else
		ecl__input_free(in);
	return rc;
}

int ecl__input_open_memory(ecl_input **out, const void *data, size_t len, size_t block_size)
{
	ecl_input *in = NULL;
	int rc;

	if (out == NULL || (data == NULL && len > 0))
		return ecl_error_set(ECL_EINVALID, "input: NULL argument");
	*out = NULL;
	rc = alloc_input(&in, "<memory>", block_size);
	if (rc == 0) {
		in->mem = data;
		in->mem_len = len;
		if (is_gzip_magic(in->mem, len)) {
			/* Inflate output needs a real block size. */
			if (in->block == 0)
				in->block = ECL_INPUT_BLOCK_SIZE;
			rc = start_gzip(in);
		}
	}
	if (rc == 0)
		*out = in;
	else
		ecl__input_free(in);
	return rc;
}

/* ---- gzip --------------------------------------------------------------- */

static int gz_feed(ecl_input *in)
{
	const unsigned char *data = NULL;
	size_t len = 0;
	int rc = raw_next(in, &data, &len);

	if (rc > 0) {
		in->z.next_in = (Bytef *)data;
		in->z.avail_in = (uInt)len;
		rc = 0;
	} else if (rc == 0) {
		in->raw_eof = 1;
	}
	return rc;
}

static int trailing_garbage(ecl_input *in)
{
	return ecl_error_set(ECL_EIO, "\"%s\": unexpected data after the end of the gzip stream",
		in->name);
}

/*
 * After a member's trailer: another member (as `cat a.gz b.gz` makes), zero
 * padding (tape blocks; gzip(1) ignores it too), or the end. Anything else is
 * an error rather than silently dropped data.
 */
static int gz_between_members(ecl_input *in)
{
	int rc = 0;

	if (in->z.avail_in == 0) {
		in->done = 1;
	} else if (in->padding || in->z.next_in[0] == 0) {
		in->padding = 1;
		for (; rc == 0 && in->z.avail_in > 0; in->z.avail_in--, in->z.next_in++) {
			if (in->z.next_in[0] != 0)
				rc = trailing_garbage(in);
		}
	} else if (in->z.next_in[0] == GZIP_MAGIC0) {
		/* inflate checks the rest of the header and reports a bad one. */
		inflateReset(&in->z);
		in->member_done = 0;
	} else {
		rc = trailing_garbage(in);
	}
	return rc;
}

static int gz_error(ecl_input *in, int zrc)
{
	if (zrc == Z_MEM_ERROR)
		return ecl_error_set(ECL_ENOMEM, "\"%s\": out of memory decompressing gzip", in->name);
	return ecl_error_set(ECL_EIO, "\"%s\": corrupt gzip data: %s", in->name,
		in->z.msg != NULL ? in->z.msg : zError(zrc));
}

static int gz_inflate(ecl_input *in, const char **data, size_t *len)
{
	size_t produced;
	int zrc;
	int rc = 0;

	in->z.next_out = in->out;
	in->z.avail_out = (uInt)in->block;
	zrc = inflate(&in->z, Z_NO_FLUSH);
	produced = in->block - in->z.avail_out;
	if (zrc == Z_STREAM_END)
		in->member_done = 1;
	else if (zrc != Z_OK && !(zrc == Z_BUF_ERROR && in->z.avail_in == 0))
		in->zerror = zrc;
	else if (produced == 0 && in->z.avail_in == 0 && in->raw_eof)
		rc = ecl_error_set(ECL_EIO, "\"%s\": truncated gzip stream "
			"(the file ends inside the compressed data)", in->name);
	/* What was inflated before a fault is good data: hand it out and
	 * report the fault next time, so the outcome does not depend on how
	 * the input was cut into blocks. */
	if (rc == 0 && produced > 0) {
		*data = (const char *)in->out;
		*len = produced;
		rc = 1;
	} else if (rc == 0 && in->zerror != 0) {
		rc = gz_error(in, in->zerror);
	}
	return rc;
}

static int gz_next(ecl_input *in, const char **data, size_t *len)
{
	int rc = 0;

	while (rc == 0 && !in->done) {
		if (in->zerror != 0)
			rc = gz_error(in, in->zerror);
		else if (in->z.avail_in == 0 && !in->raw_eof)
			rc = gz_feed(in);
		else if (in->member_done)
			rc = gz_between_members(in);
		else
			rc = gz_inflate(in, data, len);
	}
	return rc;
}

/* ---- the reader ----------------------------------------------------------- */

int ecl__input_next(ecl_input *in, const char **data, size_t *len)
{
	const unsigned char *raw = NULL;
	int rc = 0;

	*data = NULL;
	*len = 0;
	if (in->gzip) {
		rc = gz_next(in, data, len);
	} else if (!in->done) {
		rc = raw_next(in, &raw, len);
		if (rc > 0)
			*data = (const char *)raw;
		else if (rc == 0)
			in->done = 1;
	}
	return rc;
}

uint64_t ecl__input_bytes_read(const ecl_input *in)
{
	uint64_t held = in->raw_pending;

	if (in->gzip)
		held += in->z.avail_in;
	return in->raw_total - held;
}

uint64_t ecl__input_file_size(const ecl_input *in)
{
	return in->size;
}

int ecl__input_is_gzip(const ecl_input *in)
{
	return in->gzip;
}

const char *ecl__input_name(const ecl_input *in)
{
	return in->name;
}

size_t ecl__input_footprint(const ecl_input *in)
{
	return sizeof(*in) + in->raw_cap + (in->gzip ? in->block : 0);
}

void ecl__input_free(ecl_input *in)
{
	if (in == NULL)
		return;
	if (in->z_ready)
		inflateEnd(&in->z);
	if (in->fd >= 0)
		close(in->fd);
	free(in->out);
	free(in->raw);
	free(in->name);
	free(in);
}

/* ---- a file's identity ------------------------------------------------------ */

static void identity_of(ecl_file_identity *id, const struct stat *st)
{
	id->size = (uint64_t)st->st_size;
	id->mtime = (int64_t)st->st_mtim.tv_sec;
	id->mtime_nsec = st->st_mtim.tv_nsec;
	id->inode = (uint64_t)st->st_ino;
	id->device = (uint64_t)st->st_dev;
}

/* The SHA-256 of the bytes open on `fd`, read from offset 0 (pread leaves
 * the descriptor's own offset alone). */
static int hash_file(ecl_file_identity *id, int fd, const char *path)
{
	unsigned char digest[ECL_SHA256_SIZE];
	unsigned char *buf = malloc(ECL_INPUT_BLOCK_SIZE);
	ecl_sha256 ctx;
	off_t at = 0;
	int rc = 0;

	if (buf == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory fingerprinting \"%s\"", path);
	ecl__sha256_init(&ctx);
	for (;;) {
		ssize_t n = pread(fd, buf, ECL_INPUT_BLOCK_SIZE, at);
		if (n > 0) {
			ecl__sha256_update(&ctx, buf, (size_t)n);
			at += n;
		} else if (n == 0) {
			break;
		} else if (errno != EINTR) {
			rc = ecl_error_set(ECL_EIO, "cannot read \"%s\": %s", path, strerror(errno));
			break;
		}
	}
	free(buf);
	if (rc == 0) {
		ecl__sha256_final(&ctx, digest);
		ecl__sha256_hex(digest, id->sha256);
	}
	return rc;
}

int ecl__file_identify(int *fd, ecl_file_identity *id, const char *path, int hash)
{
	struct stat st;
	int rc;

	if (fd == NULL || id == NULL || path == NULL)
		return ecl_error_set(ECL_EINVALID, "file identity: NULL argument");
	memset(id, 0, sizeof(*id));
	rc = open_regular(fd, &st, path);
	if (rc == 0)
		identity_of(id, &st);
	if (rc == 0 && hash)
		rc = hash_file(id, *fd, path);
	/* Read while being written: the fingerprint is of no single version. */
	if (rc == 0 && hash)
		rc = ecl__file_unchanged(*fd, path, id);
	if (rc != 0 && *fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	return rc;
}

static int changed(const char *path, const char *how, unsigned long long before, unsigned long long after)
{
	return ecl_error_set(ECL_EIO, "\"%s\" changed during the import: %s (%llu, now %llu); "
		"nothing read after the change is kept", path, how, before, after);
}

int ecl__file_unchanged(int fd, const char *path, const ecl_file_identity *id)
{
	ecl_file_identity now;
	struct stat st;

	if (fstat(fd, &st) != 0)
		return ecl_error_set(ECL_EIO, "cannot stat \"%s\": %s", path, strerror(errno));
	identity_of(&now, &st);
	if (now.size != id->size)
		return changed(path, "its size in bytes differs", (unsigned long long)id->size,
			(unsigned long long)now.size);
	if (now.mtime != id->mtime || now.mtime_nsec != id->mtime_nsec)
		return changed(path, "it was written to (modification time, Unix seconds)",
			(unsigned long long)id->mtime, (unsigned long long)now.mtime);
	/* The descriptor still shows the file it was opened on; the path may
	 * name another one by now (renamed over, or removed), which the
	 * tokenizer, opening the path itself, may have read instead. */
	if (stat(path, &st) != 0)
		return ecl_error_set(ECL_EIO, "\"%s\" changed during the import: %s", path,
			errno == ENOENT ? "it was removed" : strerror(errno));
	if ((uint64_t)st.st_ino != id->inode || (uint64_t)st.st_dev != id->device)
		return changed(path, "it was replaced by another file (inode)",
			(unsigned long long)id->inode, (unsigned long long)st.st_ino);
	return 0;
}
