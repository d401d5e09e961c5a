/*
 * Retention (the reference's scripts/cleanup_import_jobs.php, with its faults
 * fixed): old finished jobs, then orphaned import files.
 *
 * Jobs go first, in batches of batch_size, one transaction each, so the
 * database is never locked for long and a file whose jobs have just been
 * deleted is an orphan in the same run. Files are then judged against the
 * jobs that remain: an old regular file under the storage root is removed
 * unless a job still refers to it. The walk never follows a symbolic link
 * (nor leaves the root through one), skips hidden entries and anything that
 * is not a regular file or a directory, and works relative to open directory
 * descriptors, so a directory swapped for a link mid-walk is not followed.
 *
 * A dry run lists every job the real run would delete (all of them in one
 * read, since nothing is deleted to page by) and judges files as if those
 * jobs were gone.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "eclectyc/cleanup.h"
#include "eclectyc/sys/backend.h"
#include "store/store_internal.h"
#include "util/options.h"
#include "util/strutil.h"

#define SECONDS_PER_DAY 86400
#define MAX_BATCH_SIZE 100000
/* Deeper trees are not walked (each level holds a descriptor open). */
#define MAX_DEPTH 64
/* Messages kept in a report; further errors are counted, not listed. */
#define MAX_MESSAGES 100

static const ecl_cleanup_options default_options = ECL_CLEANUP_OPTIONS_INIT;

int ecl_cleanup_options_init(ecl_cleanup_options *opts, unsigned int version)
{
	return ecl__options_init(opts, &default_options, sizeof(*opts), version, ECL_CLEANUP_OPTIONS_VERSION,
		"ecl_cleanup_options");
}

static int check_options(const ecl_cleanup_options *o)
{
	if (ecl__options_check_version(o->version, ECL_CLEANUP_OPTIONS_VERSION, "ecl_cleanup_options") != 0)
		return ecl_error_last_code();
	if (o->days < 1)
		return ecl_error_set(ECL_EINVALID, "cleanup days must be at least 1, got %d", o->days);
	if (o->batch_size < 1 || o->batch_size > MAX_BATCH_SIZE)
		return ecl_error_set(ECL_EINVALID, "cleanup batch_size must be 1..%d, got %d",
			MAX_BATCH_SIZE, o->batch_size);
	if (o->storage_dir != NULL && *o->storage_dir == '\0')
		return ecl_error_set(ECL_EINVALID,
			"cleanup storage_dir is empty (NULL means no file cleanup)");
	return 0;
}

/* ---- the run ------------------------------------------------------------- */

typedef struct run {
	ecl_store *store;
	const ecl_cleanup_options *o;
	ecl_cleanup_report *r;
	int64_t now;
	size_t job_cap, file_cap;
	int64_t unlisted_errors;      /* errors beyond MAX_MESSAGES */
	char *path;                   /* the walk's current path */
	size_t path_len, path_cap;
} run;

/* Append a message the report takes over (freed here on failure). */
static int push_message(run *x, char *text)
{
	ecl_cleanup_report *r = x->r;
	char **grown;

	if (text == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory recording a cleanup message");
	grown = realloc(r->messages, (r->message_count + 1) * sizeof(*grown));
	if (grown == NULL) {
		free(text);
		return ecl_error_set(ECL_ENOMEM, "out of memory recording a cleanup message");
	}
	r->messages = grown;
	r->messages[r->message_count++] = text;
	ecl__log(&x->store->logger, ECL_LOG_WARN, "cleanup: %s", text);
	return 0;
}

static int add_message(run *x, const char *format, ...)
#ifdef __GNUC__
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* Record (and log) a problem that does not stop the run; past MAX_MESSAGES
 * problems are only counted. */
static int add_message(run *x, const char *format, ...)
{
	char *text = NULL;
	va_list ap;
	int n;

	if (x->r->message_count >= MAX_MESSAGES) {
		x->unlisted_errors++;
		return 0;
	}
	va_start(ap, format);
	n = vasprintf(&text, format, ap);
	va_end(ap);
	return push_message(x, n < 0 ? NULL : text);
}

/* ---- jobs ---------------------------------------------------------------- */

static int take_job(run *x, const ecl_job *job)
{
	ecl_cleanup_report *r = x->r;
	ecl_cleanup_job *entry;
	const char *status = ecl_job_status_name(job->status);

	if (r->job_count == x->job_cap) {
		size_t cap = x->job_cap ? x->job_cap * 2 : 64;
		ecl_cleanup_job *grown = realloc(r->jobs, cap * sizeof(*grown));
		if (grown == NULL)
			return ecl_error_set(ECL_ENOMEM, "out of memory listing %zu deleted jobs", cap);
		r->jobs = grown;
		x->job_cap = cap;
	}
	entry = &r->jobs[r->job_count];
	memset(entry, 0, sizeof(*entry));
	ecl__strlcpy(entry->batch_id, job->batch_id, sizeof(entry->batch_id));
	ecl__strlcpy(entry->status, status ? status : "", sizeof(entry->status));
	entry->completed_at = job->completed_at;
	if (job->filename != NULL && (entry->filename = ecl__strdup(job->filename)) == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory listing deleted jobs");
	r->job_count++;
	r->jobs_deleted++;
	if (job->status == ECL_JOB_COMPLETED)
		r->completed_deleted++;
	else if (job->status == ECL_JOB_FAILED)
		r->failed_deleted++;
	else if (job->status == ECL_JOB_CANCELLED)
		r->cancelled_deleted++;
	return 0;
}

static void array_dispose(ecl_job_array *a)
{
	size_t i;

	for (i = 0; i < a->count; i++)
		ecl_job_clear(&a->jobs[i]);
	free(a->jobs);
	a->jobs = NULL;
	a->count = 0;
}

/*
 * A real run deletes batch after batch until one comes back short. A dry
 * run cannot page (nothing it lists goes away), so it reads every candidate
 * at once; it needs them all in the report anyway.
 */
static int expire_jobs(run *x, int64_t cutoff)
{
	const ecl_backend *b = x->store->backend;
	size_t limit = x->o->dry_run ? SIZE_MAX : (size_t)x->o->batch_size;
	int rc = 0;

	for (;;) {
		ecl_job_array batch = { NULL, 0 };
		size_t i, got;

		rc = b->jobs_expired(x->store->conn, cutoff, limit, !x->o->dry_run, &batch);
		for (i = 0; rc == 0 && i < batch.count; i++)
			rc = take_job(x, &batch.jobs[i]);
		got = batch.count;
		array_dispose(&batch);
		if (rc != 0 || x->o->dry_run || got < limit)
			break;
	}
	return rc;
}

/* ---- files --------------------------------------------------------------- */

static int path_push(run *x, const char *name, size_t *saved)
{
	size_t name_len = strlen(name);
	size_t need = x->path_len + 1 + name_len + 1;

	if (need > x->path_cap) {
		size_t cap = x->path_cap ? x->path_cap : 256;
		char *grown;
		while (cap < need)
			cap *= 2;
		if ((grown = realloc(x->path, cap)) == NULL)
			return ecl_error_set(ECL_ENOMEM, "out of memory walking the storage directory");
		x->path = grown;
		x->path_cap = cap;
	}
	*saved = x->path_len;
	if (x->path_len == 0 || x->path[x->path_len - 1] != '/')
		x->path[x->path_len++] = '/';
	memcpy(x->path + x->path_len, name, name_len + 1);
	x->path_len += name_len;
	return 0;
}

static void path_pop(run *x, size_t saved)
{
	x->path_len = saved;
	x->path[saved] = '\0';
}

static int has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), s = strlen(suffix);

	return n >= s && strcmp(name + n - s, suffix) == 0;
}

/*
 * A file the cleanup never removes whatever its age: a SQLite database or
 * its journal (a storage root that also holds the store's database must not
 * lose it because the database was idle for longer than the retention).
 */
static int is_protected(int dir_fd, const char *name)
{
	static const char sqlite_magic[16] = "SQLite format 3";
	char head[16];
	ssize_t n = 0;
	int fd;

	if (has_suffix(name, "-wal") || has_suffix(name, "-shm") || has_suffix(name, "-journal"))
		return 1;
	fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, head, sizeof(head));
		close(fd);
	}
	return n == (ssize_t)sizeof(head) && memcmp(head, sqlite_magic, sizeof(head)) == 0;
}

static int add_file(run *x, int64_t age_days)
{
	ecl_cleanup_report *r = x->r;
	char *copy;

	if (r->file_count == x->file_cap) {
		size_t cap = x->file_cap ? x->file_cap * 2 : 64;
		ecl_cleanup_file *grown = realloc(r->files, cap * sizeof(*grown));
		if (grown == NULL)
			return ecl_error_set(ECL_ENOMEM, "out of memory listing %zu deleted files", cap);
		r->files = grown;
		x->file_cap = cap;
	}
	if ((copy = ecl__strdup(x->path)) == NULL)
		return ecl_error_set(ECL_ENOMEM, "out of memory listing deleted files");
	r->files[r->file_count].path = copy;
	r->files[r->file_count].age_days = age_days;
	r->file_count++;
	r->files_deleted++;
	return 0;
}

/*
 * For tests only: called where a job created by another process would race
 * the cleanup, with `claimed` 0 after a file was judged an orphan (before it
 * is claimed) and 1 once it is claimed (renamed aside, before the store is
 * asked again). Per thread, like the handles that run cleanups.
 */
void ecl__cleanup_set_race_hook(void (*hook)(const char *path, int claimed, void *payload), void *payload);
static __thread void (*race_hook)(const char *path, int claimed, void *payload);
static __thread void *race_payload;

void ecl__cleanup_set_race_hook(void (*hook)(const char *path, int claimed, void *payload), void *payload)
{
	race_hook = hook;
	race_payload = payload;
}

/* The name a file has while a cleanup holds it: hidden, beside it. */
#define CLAIM_SUFFIX ".eclectyc-cleanup"

static int claim_name(char *out, size_t size, const char *name)
{
	return (size_t)snprintf(out, size, ".%s" CLAIM_SUFFIX, name) < size ? 0 : -1;
}

/*
 * Remove an orphan without racing a job created for it meanwhile: the file
 * is first renamed aside, so that job creation, which checks the file again
 * after its insert (job.c), finds it missing and waits; only then is the
 * store asked. A job that refers to it now gets its file back; otherwise it
 * is gone. 1 when removed, 0 when kept, or a negative code.
 */
static int claim_and_remove(run *x, int dir_fd, const char *name)
{
	char claimed[NAME_MAX + 32];
	int referenced = 0, rc;

	if (claim_name(claimed, sizeof(claimed), name) != 0)
		return 0;   /* a name too long to claim is kept */
	if (renameat(dir_fd, name, dir_fd, claimed) != 0) {
		int err = errno;
		if (err == ENOENT)   /* removed by someone else meanwhile */
			return 0;
		x->r->file_errors++;
		return add_message(x, "cannot delete %s: %s", x->path, strerror(err));
	}
	if (race_hook != NULL)
		race_hook(x->path, 1, race_payload);
	rc = ECL__BACKEND(x->store, file_referenced, x->path, ECL_TIME_NONE, &referenced);
	if (rc != 0 || referenced) {
		if (renameat(dir_fd, claimed, dir_fd, name) != 0) {
			x->r->file_errors++;
			return add_message(x, "cannot put %s back after it was claimed: %s", x->path,
				strerror(errno));
		}
		if (rc == 0)
			x->r->files_kept_referenced++;
		return rc;
	}
	if (unlinkat(dir_fd, claimed, 0) != 0 && errno != ENOENT) {
		x->r->file_errors++;
		return add_message(x, "cannot delete %s: %s", x->path, strerror(errno));
	}
	return 1;
}

/* A file a cleanup claimed and never settled (it was killed meanwhile):
 * put back when a job refers to it, else removed. */
static int settle_claimed(run *x, int dir_fd, const char *name)
{
	size_t len = strlen(name), suffix = strlen(CLAIM_SUFFIX), saved = 0;
	char original[NAME_MAX + 1];
	int referenced = 0, rc;

	if (x->o->dry_run || len <= suffix + 1 || len - suffix - 1 > NAME_MAX)
		return 0;
	memcpy(original, name + 1, len - suffix - 1);
	original[len - suffix - 1] = '\0';
	/* The store knows the file by its own name. */
	if ((rc = path_push(x, original, &saved)) != 0)
		return rc;
	rc = ECL__BACKEND(x->store, file_referenced, x->path, ECL_TIME_NONE, &referenced);
	if (rc == 0 && referenced && renameat(dir_fd, name, dir_fd, original) != 0) {
		x->r->file_errors++;
		rc = add_message(x, "cannot put %s back: %s", x->path, strerror(errno));
	} else if (rc == 0 && !referenced && unlinkat(dir_fd, name, 0) != 0 && errno != ENOENT) {
		x->r->file_errors++;
		rc = add_message(x, "cannot delete the claimed copy of %s: %s", x->path, strerror(errno));
	}
	path_pop(x, saved);
	return rc;
}

/* One regular file, x->path, entry `name` of `dir_fd`. */
static int judge_file(run *x, int dir_fd, const char *name, const struct stat *st)
{
	int64_t mtime = (int64_t)st->st_mtime;
	int referenced = 0;
	int rc;

	if (mtime >= x->r->cutoff)
		return 0;
	/* A dry run predicts the real one, which judges after deleting the
	 * expired jobs: so it does not count their references. */
	rc = ECL__BACKEND(x->store, file_referenced, x->path,
		x->o->dry_run ? x->r->cutoff : ECL_TIME_NONE, &referenced);
	if (rc != 0)
		return rc;
	if (referenced) {
		x->r->files_kept_referenced++;
		return 0;
	}
	if (is_protected(dir_fd, name))
		return 0;
	if (x->o->dry_run)
		return add_file(x, (x->now - mtime) / SECONDS_PER_DAY);
	if (race_hook != NULL)
		race_hook(x->path, 0, race_payload);
	rc = claim_and_remove(x, dir_fd, name);
	if (rc != 1)
		return rc;
	return add_file(x, (x->now - mtime) / SECONDS_PER_DAY);
}

/* Walk the directory open on `fd` (taken over and closed), path x->path. */
static int walk(run *x, int fd, int depth)
{
	DIR *dir = fdopendir(fd);
	struct dirent *e;
	int rc = 0;

	if (dir == NULL) {
		int err = errno;
		close(fd);
		x->r->file_errors++;
		return add_message(x, "cannot read directory %s: %s", x->path, strerror(err));
	}
	for (;;) {
		const char *name;
		struct stat st;
		size_t saved = 0;

		errno = 0;
		if ((e = readdir(dir)) == NULL) {
			if (errno != 0) {
				x->r->file_errors++;
				rc = add_message(x, "cannot read directory %s: %s", x->path, strerror(errno));
			}
			break;
		}
		name = e->d_name;
		if (name[0] == '.' && has_suffix(name, CLAIM_SUFFIX)
		    && fstatat(dirfd(dir), name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) {
			if ((rc = settle_claimed(x, dirfd(dir), name)) != 0)
				break;
			continue;
		}
		if (name[0] == '.')   /* ".", "..", and hidden entries (.htaccess, .gitkeep) */
			continue;
		if ((rc = path_push(x, name, &saved)) != 0)
			break;
		if (fstatat(dirfd(dir), name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			int err = errno;
			if (err != ENOENT) {
				x->r->file_errors++;
				rc = add_message(x, "cannot inspect %s: %s", x->path, strerror(err));
			}
		} else if (S_ISREG(st.st_mode)) {
			rc = judge_file(x, dirfd(dir), name, &st);
		} else if (S_ISDIR(st.st_mode) && depth >= MAX_DEPTH) {
			rc = add_message(x, "not descending into %s: deeper than %d levels", x->path,
				MAX_DEPTH);
		} else if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd(dir), name,
				O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				int err = errno;
				if (err != ENOENT) {
					x->r->file_errors++;
					rc = add_message(x, "cannot open directory %s: %s", x->path,
						strerror(err));
				}
			} else {
				rc = walk(x, sub, depth + 1);
			}
		}
		/* Symbolic links, sockets, FIFOs and devices are left alone. */
		path_pop(x, saved);
		if (rc != 0)
			break;
	}
	closedir(dir);
	return rc;
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const ecl_cleanup_file *)a)->path, ((const ecl_cleanup_file *)b)->path);
}

/* The storage root, resolved (it may itself be a link) and opened before any
 * job is deleted, so a wrong path fails the run before it changes anything. */
static int open_root(run *x, int *fd)
{
	const char *dir = x->o->storage_dir;
	char *real = realpath(dir, NULL);
	int err;

	*fd = -1;
	if (real == NULL) {
		err = errno;
		return ecl_error_set(err == ENOMEM ? ECL_ENOMEM : ECL_EIO,
			"cleanup storage directory \"%s\": %s", dir, strerror(err));
	}
	*fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0) {
		err = errno;
		free(real);
		return ecl_error_set(ECL_EIO, "cleanup storage directory \"%s\": %s", dir,
			err == ENOTDIR ? "not a directory" : strerror(err));
	}
	x->path = real;
	x->path_len = strlen(real);
	x->path_cap = x->path_len + 1;
	return 0;
}

static int sweep_files(run *x, int root_fd)
{
	int rc = walk(x, root_fd, 0);

	if (rc == 0 && x->unlisted_errors > 0) {
		char *text = NULL;
		if (asprintf(&text, "%lld further problem(s) not listed",
		             (long long)x->unlisted_errors) < 0)
			text = NULL;
		rc = push_message(x, text);
	}
	if (rc == 0 && x->r->file_count > 1)
		qsort(x->r->files, x->r->file_count, sizeof(*x->r->files), cmp_file);
	return rc;
}

static void log_summary(const run *x)
{
	const ecl_cleanup_report *r = x->r;
	char cutoff[32] = "";
	time_t t = (time_t)r->cutoff;
	struct tm tm;

	if (gmtime_r(&t, &tm) != NULL)
		strftime(cutoff, sizeof(cutoff), "%Y-%m-%d %H:%M:%S", &tm);
	ecl__log(&x->store->logger, ECL_LOG_INFO,
		"cleanup%s (retention %d days, finished before %s UTC): %s %lld job(s) "
		"(%lld completed, %lld failed, %lld cancelled); %s %lld orphaned file(s), "
		"%lld old file(s) kept as referenced, %lld file error(s)%s",
		r->dry_run ? " dry run" : "", r->days, cutoff,
		r->dry_run ? "would delete" : "deleted", (long long)r->jobs_deleted,
		(long long)r->completed_deleted, (long long)r->failed_deleted,
		(long long)r->cancelled_deleted, r->dry_run ? "would delete" : "deleted",
		(long long)r->files_deleted, (long long)r->files_kept_referenced,
		(long long)r->file_errors, x->o->storage_dir ? "" : " (no storage directory given)");
}

int ecl_cleanup(ecl_cleanup_report **out, ecl_store *store, const ecl_cleanup_options *opts)
{
	const ecl_cleanup_options *o = opts ? opts : &default_options;
	run x;
	int root_fd = -1;
	int rc;

	memset(&x, 0, sizeof(x));
	if (out != NULL)
		*out = NULL;
	if (out == NULL || store == NULL)
		return ecl_error_set(ECL_EINVALID, "cleanup report pointer or store is NULL");
	rc = check_options(o);
	if (rc == 0)
		rc = ecl__store_require(store, ECL__BACKEND_HAS(store, jobs_expired)
			&& ECL__BACKEND_HAS(store, file_referenced), "cleanup");
	x.store = store;
	x.o = o;
	if (rc == 0 && (x.r = calloc(1, sizeof(*x.r))) == NULL)
		rc = ecl_error_set(ECL_ENOMEM, "out of memory allocating a cleanup report");
	if (rc == 0) {
		x.now = ecl_store_now(store);
		x.r->dry_run = o->dry_run ? 1 : 0;
		x.r->days = o->days;
		x.r->cutoff = x.now - (int64_t)o->days * SECONDS_PER_DAY;
		if (o->storage_dir != NULL)
			rc = open_root(&x, &root_fd);
	}
	if (rc == 0)
		rc = expire_jobs(&x, x.r->cutoff);
	if (rc == 0 && root_fd >= 0) {
		rc = sweep_files(&x, root_fd);
		root_fd = -1;   /* the walk closed it */
	}
	/* What a failed run had already done stays done: say so. */
	if (rc != 0 && x.r != NULL && !o->dry_run && (x.r->jobs_deleted > 0 || x.r->files_deleted > 0))
		ecl__log(&store->logger, ECL_LOG_WARN,
			"cleanup stopped after deleting %lld job(s) and %lld file(s): %s",
			(long long)x.r->jobs_deleted, (long long)x.r->files_deleted, ecl_error_last());
	if (root_fd >= 0)
		close(root_fd);
	free(x.path);
	if (rc == 0) {
		log_summary(&x);
		*out = x.r;
	} else {
		ecl_cleanup_report_free(x.r);
	}
	return rc;
}
