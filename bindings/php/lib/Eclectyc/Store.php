<?php
declare(strict_types=1);

namespace Eclectyc;

/**
 * A connection to an eclectyc store: `sqlite:///abs/path.db`,
 * `sqlite://relative.db`, `sqlite::memory:` or `postgresql://user@host/db`.
 *
 * Failures throw \EclectycException (a \RuntimeException whose getCode() is
 * the library's ECL_E* code) or one of its subclasses per code:
 * Eclectyc\InvalidException, NotFoundException, StateException, IOException,
 * BusyException, SchemaException, DatabaseException, CancelledException ...
 * Records and reports come back as arrays.
 *
 * By default a Store applies the ECLECTYC_* configuration the way the
 * `eclectyc` command line does ($envFile, like `eclectyc --env-file`, then
 * the process environment; docs/configuration.md), read by the library's
 * own ecl_*_options_from_config(): the store URI (ECLECTYC_DB when $uri is
 * null), log level, storage root, retry policy, alert channels, and the
 * defaults of every call that leaves a value out (max retries, batch size,
 * the worker's, the peak window, health thresholds, cleanup's directory).
 * `useConfig: false` opts out: only the library's built-in defaults apply.
 * settings() shows what was applied.
 */
final class Store
{
    public const LOG_DEBUG = 0;
    public const LOG_INFO = 1;
    public const LOG_WARN = 2;
    public const LOG_ERROR = 3;

    private \EclectycStore $native;
    private string $uri;

    public const LOG_NONE = 4;

    /**
     * @param string|null   $uri       the store URI; null = ECLECTYC_DB
     * @param bool          $migrate   apply pending schema migrations on open
     * @param callable|null $log       fn(int $level, string $message): void, or null
     *                                 (stderr); exceptions it throws are ignored
     * @param int|null      $logLevel  the lowest level logged (LOG_*); null =
     *                                 ECLECTYC_LOG_LEVEL, else LOG_WARN
     * @param bool          $useConfig apply the ECLECTYC_* configuration (false: the
     *                                 library's defaults only, nothing read from the environment)
     * @param string|null   $envFile   a .env file read before the environment
     *                                 (as `eclectyc --env-file`)
     */
    public function __construct(#[\SensitiveParameter] ?string $uri = null, bool $migrate = true,
                                ?callable $log = null, ?int $logLevel = null,
                                bool $useConfig = true, ?string $envFile = null)
    {
        $this->native = new \EclectycStore($uri, (int)$migrate, $log, $logLevel ?? -1,
            (int)$useConfig, $envFile);
        $this->uri = (string)$this->native->uri();
    }

    /**
     * What this store's calls use when a value is left out, as the library
     * read it from the configuration (or its defaults): ['configured', 'uri'
     * (masked), 'log_level', 'busy_timeout_ms', 'retry_base_seconds',
     * 'retry_cap_seconds', 'retry_jitter_percent', 'storage_root',
     * 'max_retries', 'batch_size', 'worker_poll_ms', 'aggregate_after_import',
     * 'peak_start', 'peak_end', 'stuck_minutes', 'failure_rate_warning',
     * 'failure_rate_critical', 'backlog_threshold', 'cleanup_days',
     * 'cleanup_storage_dir', 'alert_email', 'alert_slack', 'alert_cooldown_seconds'].
     *
     * @return array<string,mixed>
     */
    public function settings(): array
    {
        return Json::decode($this->native->settings());
    }

    /** A Store as given, or one opened from a URI. */
    public static function of(#[\SensitiveParameter] Store|string $store): Store
    {
        return $store instanceof Store ? $store : new Store($store);
    }

    /**
     * $uri with its password replaced by "***" (postgresql://app:***@db/energy):
     * what the library's own messages show; use it wherever a URI is printed or logged.
     */
    public static function maskUri(#[\SensitiveParameter] string $uri): string
    {
        return (string)\eclb_uri_mask($uri);
    }

    /** This store's URI, password masked (see maskUri()). */
    public function maskedUri(): string
    {
        return self::maskUri($this->uri);
    }

    /** var_dump()/print_r() show the masked URI, never the password. */
    public function __debugInfo(): array
    {
        return ['uri' => $this->maskedUri(), 'open' => $this->isOpen()];
    }

    /** A store is an open connection: serialize its URI (and open it again) instead. */
    public function __serialize(): array
    {
        throw new \LogicException('an Eclectyc\\Store holds an open connection and cannot be '
            . 'serialized; keep its URI and open a new Store instead');
    }

    /** @param array<mixed> $data */
    public function __unserialize(array $data): void
    {
        throw new \LogicException('an Eclectyc\\Store cannot be unserialized; open a new Store '
            . 'from its URI instead');
    }

    /** The library version, e.g. "0.1.0". */
    public static function version(): string
    {
        return (string)\eclb_version();
    }

    /** @internal the extension's object */
    public function native(): \EclectycStore
    {
        return $this->native;
    }

    /** The URI as given, password included: print maskedUri() instead. */
    public function uri(): string
    {
        return $this->uri;
    }

    /** Close now (later calls throw Eclectyc\InvalidException); workers keep it alive. */
    public function close(): void
    {
        $this->native->close();
    }

    public function isOpen(): bool
    {
        return (bool)$this->native->is_open();
    }

    /** "sqlite" or "postgresql"; null once closed. */
    public function backend(): ?string
    {
        return $this->native->backend();
    }

    public function migrate(): void
    {
        $this->native->migrate();
    }

    /** ['current' => int, 'expected' => int, 'problems' => string[]] */
    public function schema(): array
    {
        return Json::decode($this->native->schema());
    }

    // ---- jobs ---------------------------------------------------------------

    /**
     * Queue an import; returns its batch id (a UUID v4). Empty tags/metadata
     * are stored as NULL, like the reference. $importType null = hh ('sites'
     * needs a handler: setJobHandler()), $priority (low, normal, high,
     * critical) null = normal, $maxRetries null = ECLECTYC_MAX_RETRIES (else 3).
     */
    public function createJob(string $filename, string $filePath, ?string $importType = null,
                              ?int $userId = null, bool $dryRun = false, ?string $notes = null,
                              ?string $priority = null, ?array $tags = null,
                              ?array $metadata = null, ?int $maxRetries = null,
                              ?string $profile = null, ?string $meter = null,
                              ?string $clock = null): string
    {
        if ($tags !== null && !array_is_list($tags)) {
            throw new \InvalidArgumentException('tags must be a list of strings');
        }
        foreach ($tags ?? [] as $tag) {
            if (!is_string($tag)) {
                throw new \InvalidArgumentException('tags must be a list of strings');
            }
        }
        if ($metadata !== null && $metadata !== [] && array_is_list($metadata)) {
            throw new \InvalidArgumentException('metadata must be an associative array');
        }
        return $this->native->create_job($filename, $filePath, $importType, $userId ?? 0,
            (int)$dryRun, $notes, $priority, Json::encodeOptional($tags, 'tags'),
            Json::encodeOptional($metadata, 'metadata'), $maxRetries ?? \ECLB_DEFAULT, $profile,
            $meter, $clock);
    }

    /** The job row (summary, tags and metadata decoded); NotFoundException when there is none. */
    public function getJob(string $batchId): array
    {
        return Json::decode($this->native->get_job($batchId));
    }

    /**
     * Jobs newest first.
     * @param string|null $status   queued|processing|completed|failed|cancelled, or null for any
     * @param int|null    $limit    0 = no limit; null = the library's default (20)
     * @param string|null $priority low|normal|high, or null for any (filtered by the store,
     *                              before the limit)
     */
    public function listJobs(?string $status = null, ?int $limit = null, ?string $priority = null): array
    {
        return Json::decode($this->native->list_jobs($status, $limit ?? \ECLB_DEFAULT, $priority));
    }

    /**
     * How many jobs are in each status, exactly, in one read:
     * ['queued' => int, 'processing' => int, 'completed' => int, 'failed' => int,
     *  'cancelled' => int, 'total' => int] (queued includes jobs waiting for a retry).
     *
     * @return array<string,int>
     */
    public function jobCounts(): array
    {
        return Json::decode($this->native->job_counts());
    }

    /**
     * Each time the job ran, oldest first ([] for a job that never ran):
     * ['attempt' => int, 'worker_id' => ?string, 'started_at' => string,
     *  'ended_at' => ?string (null while it runs), 'outcome' => string (the status the job
     *  became: completed, failed, cancelled, or queued when it was requeued; processing
     *  while it runs), 'error_message' => ?string, 'error_class' => ?string,
     *  'processed_rows' => int, 'imported_rows' => int, 'failed_rows' => int].
     * Instants are 'Y-m-d H:i:s' UTC. NotFoundException for an unknown batch id.
     *
     * @return list<array<string,mixed>>
     */
    public function jobAttempts(string $batchId): array
    {
        return Json::decode($this->native->job_attempts($batchId));
    }

    /** Requeue a failed job (spends a retry); $delaySeconds before it may run again. */
    public function retryJob(string $batchId, int $delaySeconds = 0): void
    {
        $this->native->retry_job($batchId, $delaySeconds);
    }

    public function cancelJob(string $batchId): void
    {
        $this->native->cancel_job($batchId);
    }

    /**
     * Run jobs of $type ('sites': the types the library does not import
     * itself) with $handler, or with null stop running them. With a handler,
     * createJob() takes jobs of that type and this store's workers (Worker)
     * claim and run them; without one, creating such a job throws
     * Eclectyc\InvalidException naming the type, and this store's workers
     * leave them queued for a process that has the handler. A new handler
     * replaces the old; close() drops them all.
     *
     * The handler, fn(array $job): ?array, gets the claimed job's row (as
     * getJob(), status 'processing') and returns null or ['processed' =>
     * int, 'imported' => int, 'failed' => int, 'total' => ?int, 'summary' =>
     * ?array] (every key optional): the job is completed with them. To fail
     * it, throw; the message becomes the job's error_message:
     * Eclectyc\InvalidException, ParseException, NotFoundException and
     * \InvalidArgumentException fail it for good (bad input);
     * Eclectyc\CancelledException hands it back (no retry spent) and stops
     * the worker; anything else is retried with backoff while retries are
     * left. Exceptions never propagate from the worker. A handler that
     * captures this Store keeps it open until close() (a cycle PHP's
     * collector cannot see through the extension).
     *
     * @param callable(array<string,mixed>):(array<string,mixed>|null)|null $handler
     */
    public function setJobHandler(string $type, ?callable $handler): void
    {
        $this->native->set_job_handler($type,
            $handler === null ? null : JobHandler::wrap($type, $handler));
    }

    // ---- a host's own loop: claim, heartbeat, progress, finish ------------------
    //
    // For a host that runs jobs itself instead of with a Worker. Every call
    // but claimJob() is one conditional transition of a processing job held
    // by $workerId: a job that is not processing (cancelled meanwhile,
    // requeued by stuck-job recovery) or is held by another worker throws
    // Eclectyc\StateException naming the status or holder found; an unknown
    // batch id Eclectyc\NotFoundException.

    /**
     * Claim the next runnable job for $workerId atomically (no other caller,
     * in any process, gets it): the job row (as getJob()), or null when none is due.
     */
    public function claimJob(string $workerId): ?array
    {
        return Json::decode($this->native->claim_job($workerId));
    }

    /** Record that $workerId is still running the job (stuck = no heartbeat). */
    public function heartbeat(string $batchId, string $workerId): void
    {
        $this->native->heartbeat($batchId, $workerId);
    }

    /**
     * Store the running job's counters (also a heartbeat). $total null keeps
     * it unknown; $checkpoint (rows durably committed) null means $processed.
     */
    public function updateProgress(string $batchId, string $workerId, int $processed, int $imported,
                                   int $failed, ?int $total = null, ?int $checkpoint = null): void
    {
        $this->native->update_progress($batchId, $workerId, $processed, $imported, $failed,
            $total ?? -1, $checkpoint ?? -1);
    }

    /**
     * Finish the job as completed with its summary and final counters
     * ($processed null: keep the last progress).
     *
     * @param array<string,mixed>|null $summary stored as a JSON object
     */
    public function completeJob(string $batchId, string $workerId, ?array $summary = null,
                                ?int $processed = null, int $imported = 0, int $failed = 0,
                                ?int $total = null): void
    {
        $this->native->complete_job($batchId, $workerId, Json::encodeObject($summary, 'summary'),
            $processed ?? -1, $imported, $failed, $total ?? -1);
    }

    /**
     * Record a failed attempt; returns the job's new status: 'queued' (a
     * transient failure with retries left, requeued after the backoff with a
     * retry spent) or 'failed' (permanent, or no retries left).
     */
    public function failJob(string $batchId, string $workerId, string $message,
                            bool $permanent = false): string
    {
        return (string)$this->native->fail_job($batchId, $workerId, $message, (int)$permanent);
    }

    /** Hand the job back to the queue without spending a retry (it resumes from its checkpoint). */
    public function releaseJob(string $batchId, string $workerId): void
    {
        $this->native->release_job($batchId, $workerId);
    }

    /**
     * Claim that one job for $workerId, atomically, as claimJob() claims the
     * next: the job row, or null when it is not claimable now (not queued, a
     * retry not yet due, claimed meanwhile). NotFoundException when absent.
     */
    public function claimBatch(string $batchId, string $workerId): ?array
    {
        return Json::decode($this->native->claim_batch($batchId, $workerId));
    }

    /** The job with this numeric id (import_jobs.id); NotFoundException when there is none. */
    public function getJobById(int $id): array
    {
        return Json::decode($this->native->get_job_by_id($id));
    }

    /**
     * Delete one job and its attempts (StateException while it is processing;
     * NotFoundException). Its readings stay; its file is left to cleanup().
     */
    public function deleteJob(string $batchId): void
    {
        $this->native->delete_job($batchId);
    }

    /**
     * Record that a failed job's alert went out (alert_sent = 1, alert_sent_at
     * = now), once: StateException when it is not failed or was marked already.
     */
    public function markAlertSent(string $batchId): void
    {
        $this->native->mark_alert_sent($batchId);
    }

    /** Failed jobs whose alert has not gone out, the longest failed first (at most $limit >= 1). */
    public function listAlertPending(int $limit = 10): array
    {
        return Json::decode($this->native->list_alert_pending($limit));
    }

    /**
     * The host application's user $id (a job's user_id) from the `users`
     * table it keeps in the store's database (the PHP application's MySQL
     * database, adopted in place): ['id', 'name', 'email'], null for a NULL
     * column. Null when no row has that id, or when the store has no such
     * table to read (SQLite and PostgreSQL never do). InvalidException for an
     * id below 1.
     *
     * @return array{id:int,name:?string,email:?string}|null
     */
    public function hostUser(int $id): ?array
    {
        return Json::decode($this->native->host_user($id));
    }

    // ---- ingestion, aggregation, quality, monitoring, cleanup -----------------

    /**
     * Import a CSV file now, in this process (no job). Returns the report:
     * counts plus 'summary' (the reference's summary keys). Null policies
     * are the library's (create, accept); $batchSize 0 = ECLECTYC_BATCH_SIZE, else 5000.
     *
     * @param callable|null $progress fn(int $processed, int $total, int $imported, int $failed):
     *                                a truthy return stops the import (CancelledException);
     *                                an exception it throws stops it and propagates
     */
    public function ingest(string $path, ?string $importType = null, bool $dryRun = false,
                           ?string $unknownMeters = null, ?string $negatives = null,
                           bool $overwriteActual = false, bool $monthFirst = false,
                           bool $intervalEnd = false, int $batchSize = 0,
                           ?callable $progress = null, ?string $profile = null,
                           ?string $meter = null, ?string $clock = null): array
    {
        return Json::decode($this->native->ingest($path, $importType, (int)$dryRun, $unknownMeters,
            $negatives, (int)$overwriteActual, (int)$monthFirst, (int)$intervalEnd, $batchSize,
            $progress, $profile, $meter, $clock));
    }

    /**
     * The import profiles (built in, and those of $profileDir, default
     * ECLECTYC_PROFILE_DIR): a list of ['name', 'description', 'source',
     * 'layout', 'origin', 'header_example'].
     */
    public static function profiles(?string $profileDir = null): array
    {
        return Json::decode(\eclb_profiles($profileDir));
    }

    /**
     * How a file would be imported, writing nothing: the profile and why,
     * the column mapping and the first $rows readings as they would be stored.
     */
    public static function detect(string $path, ?string $profile = null, ?string $meter = null,
                                  ?string $clock = null, int $rows = 10, ?string $profileDir = null): array
    {
        return Json::decode(\eclb_detect($path, $profile, $meter, $clock, $rows, 0, 0, $profileDir));
    }

    /** @param string $range daily|weekly|monthly|annual; $date YYYY-MM-DD (default yesterday, London) */
    public function aggregate(string $range = 'daily', ?string $date = null, ?string $until = null): array
    {
        return Json::decode($this->native->aggregate($range, $date, $until));
    }

    public function quality(?string $date = null, ?string $mpan = null, bool $record = true): array
    {
        return Json::decode($this->native->quality($date, $mpan, (int)$record));
    }

    /** ['status' => healthy|degraded|critical, 'metrics' => [...], 'alerts' => [...], ...] */
    /** $windowHours: the span of the metrics, failure rate and retry statistics (0: 24). */
    public function health(int $stuckMinutes = 0, int $backlogThreshold = 0, bool $handleStuck = false,
                           bool $sendAlerts = false, int $windowHours = 0): array
    {
        return Json::decode($this->native->health($stuckMinutes, $backlogThreshold, (int)$handleStuck,
            (int)$sendAlerts, $windowHours));
    }

    /**
     * Delete finished jobs older than $days (null: the library's 30) and, unless
     * $files is false, orphaned files under $storageDir (null:
     * ECLECTYC_STORAGE_DIR as `eclectyc cleanup` takes it; none with
     * useConfig: false).
     */
    public function cleanup(?int $days = null, bool $dryRun = false, ?string $storageDir = null,
                            bool $files = true): array
    {
        return Json::decode($this->native->cleanup($days ?? \ECLB_DEFAULT, (int)$dryRun, $storageDir,
            (int)$files));
    }

    /** Recent scheduler_executions rows (aggregation telemetry), newest first. */
    public function executions(int $limit = 50): array
    {
        return Json::decode($this->native->executions($limit));
    }

    /** Alert channels from a .env file (or null) and the environment (MAIL_*, SLACK_WEBHOOK_URL ...). */
    public function configureAlerting(?string $envFile = null): void
    {
        $this->native->configure_alerting($envFile);
    }

    /** Send an alert through the configured channels; returns the delivery report. */
    public function sendAlert(string $type, string $severity, string $subject, string $body,
                              ?string $key = null): array
    {
        return Json::decode($this->native->alert_send($type, $severity, $subject, $body, $key));
    }
}
