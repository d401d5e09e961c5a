/**
 * @file eclectyc/store.h
 * @brief Opening a storage backend by URI, migrating and checking its schema.
 *
 * | URI                                   | backend                  |
 * |---------------------------------------|--------------------------|
 * | `sqlite:///abs/path.db`               | SQLite file (absolute)   |
 * | `sqlite://relative.db`                | SQLite file (relative)   |
 * | `sqlite::memory:`                     | SQLite in memory         |
 * | `postgresql://user@host:port/db`      | PostgreSQL (libpq URI)   |
 * | `postgresql:host=h dbname=db …`       | PostgreSQL (key=value)   |
 *
 * A store handle is used by one thread at a time; many handles, in threads or
 * processes, may share one database.
 */
#ifndef ECLECTYC_STORE_H
#define ECLECTYC_STORE_H

#include "buffer.h"
#include "common.h"
#include "clock.h"
#include "config.h"
#include "log.h"

ECL_BEGIN_DECL

/** An open connection to a storage backend. */
typedef struct ecl_store ecl_store;

/** Options for ecl_store_open(). Fields are only ever appended. */
typedef struct ecl_store_options {
	unsigned int version;      /**< ECL_STORE_OPTIONS_VERSION */
	ecl_clock_cb clock;        /**< time source; NULL = ecl_clock_system */
	void *clock_payload;       /**< passed to `clock` */
	ecl_log_cb log;            /**< log sink; NULL = stderr */
	void *log_payload;         /**< passed to `log` */
	ecl_log_level log_level;   /**< minimum level delivered (default WARN) */
	int busy_timeout_ms;       /**< how long to wait for a locked database (default 10000) */
	int retry_base_seconds;    /**< backoff base: delay n = base * 2^n (default 60) */
	int retry_cap_seconds;     /**< backoff ceiling (default 3600) */
	int retry_jitter_percent;  /**< subtract up to this % of each delay at random (default 0) */
	/** When set, the directory every job's file must lie in: ecl_job_create()
	 *  and the worker resolve the file's real path (symbolic links and ".."
	 *  followed) and refuse one outside it (ECL_EINVALID at create, a
	 *  permanent failure in the worker). The directory must exist; it is
	 *  resolved and copied at open. NULL (the default) = no confinement. */
	const char *storage_root;
} ecl_store_options;

#define ECL_STORE_OPTIONS_VERSION 1
#define ECL_STORE_OPTIONS_INIT \
	{ ECL_STORE_OPTIONS_VERSION, NULL, NULL, NULL, NULL, ECL_LOG_WARN, 10000, 60, 3600, 0, NULL }

/**
 * Initialise an options struct to the defaults (for bindings and callers that
 * cannot use the macro).
 *
 * @return 0, or ECL_EINVALID when `version` is not one this library knows
 */
ECL_EXTERN int ecl_store_options_init(ecl_store_options *opts, unsigned int version);

/**
 * Fill store options from configuration, as the `eclectyc` command line and
 * the bindings do: ECLECTYC_LOG_LEVEL (debug, info, warn, error, none),
 * ECLECTYC_BUSY_TIMEOUT_MS, ECLECTYC_RETRY_BASE_SECONDS and
 * ECLECTYC_RETRY_CAP_SECONDS (0 to INT_MAX), ECLECTYC_RETRY_JITTER_PERCENT
 * (0 to 100) and ECLECTYC_STORAGE_DIR as `storage_root`, but only when it
 * was set (in a file, the environment or a setter) and is not empty: the
 * built-in default is relative to the working directory and often missing.
 * Keys without a value leave the member as it is, so `opts` must be
 * initialised first (ECL_STORE_OPTIONS_INIT or ecl_store_options_init()).
 * The store URI (ECLECTYC_DB) is not an option: read it with
 * ecl_config_get().
 *
 * `storage_root` points into `config`; ecl_store_open() copies it, so the
 * configuration need only live until the store is open.
 *
 * @return 0; ECL_EINVALID for a NULL argument, or naming the key and value
 *         ("configuration ECLECTYC_RETRY_JITTER_PERCENT=150 is out of range
 *         (0 to 100)"); members already filled are left filled.
 */
ECL_EXTERN int ecl_store_options_from_config(ecl_store_options *opts, const ecl_config *config);

/**
 * Open a store by URI.
 *
 * Opening does not change the schema; call ecl_store_migrate() first on a new
 * database. Operations that need tables fail with ECL_ESCHEMA until then.
 *
 * @param out  receives the handle; free with ecl_store_free()
 * @param uri  a URI from the table above
 * @param opts options, or NULL for the defaults
 * @return 0; ECL_EINVALID for a malformed URI or options (an empty
 *         storage_root); ECL_ENOTSUPPORTED naming an unknown scheme; ECL_EIO
 *         naming the storage root when it does not exist or is not a
 *         directory; ECL_EIO/ECL_EDB when the database cannot be opened.
 *         Nothing is allocated on failure.
 */
ECL_EXTERN int ecl_store_open(ecl_store **out, const char *uri, const ecl_store_options *opts);

/** Close a store and free it. Accepts NULL. */
ECL_EXTERN void ecl_store_free(ecl_store *store);

/**
 * Copy `uri` into `out` with its password masked: the user:password part
 * ("postgresql://app:***@db/energy") and password= / sslpassword= values (a
 * URI's query or a key=value string) become "***". What every library
 * message shows of a store URI; for hosts that log or print one.
 *
 * @return 0; ECL_EINVALID for a NULL argument; ECL_ENOMEM
 */
ECL_EXTERN int ecl_store_uri_mask(ecl_buf *out, const char *uri);

/** The name of the store's backend ("sqlite", …). */
ECL_EXTERN const char *ecl_store_backend_name(const ecl_store *store);

/**
 * Apply every pending schema migration, each in its own transaction, and
 * record it in `schema_migrations`. Idempotent; safe while other processes use
 * or migrate the same database.
 *
 * @return 0, ECL_EBUSY, ECL_EDB, or ECL_ESCHEMA when the database holds a
 *         newer schema than this library knows.
 */
ECL_EXTERN int ecl_store_migrate(ecl_store *store);

/**
 * What ecl_store_migrate() would do now, without doing it: the SQL of every
 * pending migration, in order, each headed by a comment line
 * ("-- migration N"), so an operator can read (or a DBA apply) the
 * statements before they run on a database other applications share.
 * Empty when the schema is current. Changes nothing, and creates nothing.
 *
 * @return 0; ECL_EINVALID for a NULL argument; ECL_ESCHEMA when the database
 *         holds a newer schema than this library knows; ECL_ENOTSUPPORTED
 *         (a backend without the plan); ECL_EDB; ECL_ENOMEM
 */
ECL_EXTERN int ecl_store_migrate_plan(ecl_buf *out, ecl_store *store);

/**
 * The schema version the database has and the one this library expects.
 *
 * @return 0 or ECL_EDB
 */
ECL_EXTERN int ecl_store_schema_version(int *current, int *expected, ecl_store *store);

/** What ecl_store_check() found. Free with ecl_schema_report_free(). */
typedef struct ecl_schema_report {
	int current_version;   /**< the highest migration recorded (0 for none) */
	int expected_version;  /**< the highest migration this library has */
	size_t count;          /**< number of problems; 0 means no drift */
	char **problems;       /**< one sentence each, e.g. "missing column import_jobs.worker_id" */
} ecl_schema_report;

/**
 * Compare the live schema with the expected one (tables, columns, primary
 * keys, unique keys, pending migrations) without changing anything.
 *
 * @param out receives the report, also when problems are found
 * @return 0 when the check ran (inspect `count`), ECL_EDB or ECL_ENOMEM
 */
ECL_EXTERN int ecl_store_check(ecl_schema_report **out, ecl_store *store);

/** Free a schema report. Accepts NULL. */
ECL_EXTERN void ecl_schema_report_free(ecl_schema_report *report);

/** Set `out` to {"current": n, "expected": n, "problems": [...]}.
 *  @return 0, ECL_EINVALID or ECL_ENOMEM */
ECL_EXTERN int ecl_schema_report_to_json(ecl_buf *out, const ecl_schema_report *report);

/** The current instant by the store's clock (the system clock for a NULL store). */
ECL_EXTERN int64_t ecl_store_now(ecl_store *store);

/* ---- the host application's users ------------------------------------------ */

/**
 * A user of the host application: a row of the `users` table (id, name,
 * email) that an application keeps in the database the store opened (the
 * PHP application's own MySQL database, adopted in place), which its job
 * rows name by `import_jobs.user_id`. The library keeps no users of its
 * own. Free with ecl_host_user_free().
 */
typedef struct ecl_host_user {
	int64_t id;       /**< users.id */
	char *name;       /**< users.name; NULL when the row holds NULL */
	char *email;      /**< users.email; NULL when the row holds NULL */
} ecl_host_user;

/**
 * Look up the host application's user `id` (users.id, as a job's
 * `user_id`), for the job rows a host shows (the reference's user_name and
 * user_email). Implemented by the MySQL/MariaDB backend on a database that
 * has a `users` table with columns id, name and email; whether the table is
 * there is asked once per store.
 *
 * @param out receives the user; free with ecl_host_user_free()
 * @param id  the user's id, 1 or more
 * @return 0; ECL_EINVALID for a NULL argument or an id below 1;
 *         ECL_ENOTFOUND when no row has that id; ECL_ENOTSUPPORTED when the
 *         store's database has no such users table, or its backend does not
 *         look users up (SQLite, PostgreSQL): callers show no user then;
 *         ECL_EIO, ECL_EBUSY, ECL_EDB, ECL_ENOMEM
 */
ECL_EXTERN int ecl_host_user_lookup(ecl_host_user **out, ecl_store *store, int64_t id);

/** Free a user and its strings. Accepts NULL. */
ECL_EXTERN void ecl_host_user_free(ecl_host_user *user);

ECL_END_DECL

#endif
