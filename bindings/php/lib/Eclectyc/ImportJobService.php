<?php
declare(strict_types=1);

namespace Eclectyc;

/**
 * Drop-in for the reference application's App\Domain\Ingestion\ImportJobService:
 * its 13 public methods with the same parameters, defaults and results,
 * constructed from a store URI (or an Eclectyc\Store) instead of a PDO.
 *
 *     $jobs = new \Eclectyc\ImportJobService('sqlite:///var/lib/eclectyc/eclectyc.db');
 *     $batchId = $jobs->createJob(filename: 'hh.csv', filePath: $path, importType: 'hh',
 *                                 priority: 'high', tags: ['monthly'], maxRetries: 5);
 *
 * Rows are the reference's: every import_jobs column as PDO returned it
 * (dry_run and alert_sent 0/1, tags and metadata JSON text or null),
 * summary decoded to an array, progress_percent (float), user_name and
 * user_email (the job's user from the host's users table where the store's
 * database has one, as the reference's LEFT JOIN users: the PHP
 * application's MySQL database adopted in place; else null), plus the
 * library's own columns (worker_id, heartbeat_at, ...).
 *
 * What the library fixes stays fixed (docs/migration-guide.md): a job is
 * claimed atomically (updateStatus($id, 'processing') is true for one
 * caller only), a retry waits for its retry_at, every transition is
 * conditional on the status (a cancelled job is never resurrected or
 * completed), and a process writes only to the job it holds: progress or
 * completion of a job it does not hold (cancelled, requeued as stuck,
 * claimed elsewhere) throws Eclectyc\StateException, which stops that run.
 */
class ImportJobService
{
    public const STATUSES = ['queued', 'processing', 'completed', 'failed', 'cancelled'];
    public const PRIORITIES = ['low', 'normal', 'high', 'critical'];
    /** Ranks for getQueuedJobs()'s order, highest first: the library's claim
     * order (production's 'critical' first, then the reference's ENUM order). */
    private const PRIORITY_RANK = ['critical' => 0, 'high' => 1, 'normal' => 2, 'low' => 3];
    /**
     * Columns only the production table had, which nothing ever wrote (§1.1):
     * present with the values every production row held, so a view that
     * reads them finds them.
     */
    private const PRODUCTION_ONLY = ['progress' => 0, 'successful_rows' => 0, 'parent_job_id' => null,
                                     'default_site_id' => null, 'default_tariff_id' => null];
    /** The longest batch id the library takes (ECL_BATCH_ID_SIZE - 1). */
    private const BATCH_ID_MAX = 36;
    /** The longest worker id the library takes (ECL_WORKER_ID_MAX). */
    private const WORKER_ID_MAX = 127;

    private Store $store;
    private string $workerId;

    /**
     * @param Store|string $store    a Store or a store URI
     * @param string|null  $workerId this process's identity as the holder of
     *                               the jobs it runs (default host:pid, as Worker)
     */
    public function __construct(#[\SensitiveParameter] Store|string $store, ?string $workerId = null)
    {
        $this->store = Store::of($store);
        $this->workerId = $workerId ?? ((gethostname() ?: 'localhost') . ':' . getmypid());
        if ($this->workerId === '' || strlen($this->workerId) > self::WORKER_ID_MAX) {
            throw new \InvalidArgumentException('workerId must be 1 to ' . self::WORKER_ID_MAX . ' bytes');
        }
    }

    public function store(): Store
    {
        return $this->store;
    }

    /** The worker id this service claims and runs jobs as. */
    public function workerId(): string
    {
        return $this->workerId;
    }

    // ---- creating and reading ----------------------------------------------

    /**
     * Queue an import job; returns its batch id (UUID v4).
     *
     * @param string      $importType 'hh', 'daily', or 'sites' once the store has a
     *                                handler for it (Store::setJobHandler(); without
     *                                one, Eclectyc\InvalidException naming the type)
     * @param string|null $priority   'low', 'normal', 'high' or 'critical' (null: normal);
     *                                critical is claimed first
     * @param string[]|null $tags     stored as a JSON array (NULL when empty)
     * @param array|null  $metadata   stored as a JSON object (NULL when empty)
     * @param int|null    $maxRetries retries after a failure (attempts = maxRetries + 1),
     *                                3 as in the reference; null = ECLECTYC_MAX_RETRIES, else 3
     * @throws \EclectycException (Eclectyc\InvalidException for a bad type or
     *         priority, Eclectyc\IOException when the file cannot be read)
     */
    public function createJob(
        string $filename,
        string $filePath,
        string $importType,
        ?int $userId = null,
        bool $dryRun = false,
        ?string $notes = null,
        ?string $priority = 'normal',
        ?array $tags = null,
        ?array $metadata = null,
        ?int $maxRetries = 3,
        ?string $profile = null,
        ?string $meter = null
    ): string {
        return $this->store->createJob($filename, $filePath, $importType, $userId, $dryRun, $notes,
            $priority, $tags, $metadata, $maxRetries, $profile, $meter);
    }

    /** The job, or null when there is none. */
    public function getJob(string $batchId): ?array
    {
        $job = $this->find($batchId);
        return $job === null ? null : $this->rows([$job])[0];
    }

    /**
     * The job with this numeric id (import_jobs.id), or null: an id that is
     * not a positive whole number that fits (a 40-character id, 'abc', '0',
     * '-1') gives null, never an exception.
     */
    public function getJobById(int|string $id): ?array
    {
        $number = self::positiveId($id);
        if ($number === null) {
            return null;
        }
        try {
            return $this->rows([$this->store->getJobById($number)])[0];
        } catch (NotFoundException $e) {
            return null;
        }
    }

    /**
     * The next jobs to run, as the reference's worker fetches them: queued
     * and due (retry_at unset or past: a retry waits out its delay),
     * critical then high priority first, then oldest queued_at, then id (the
     * order the library claims them in). Failed jobs are final
     * here (a failure with retries left is requeued instead), so none is
     * listed. Nothing is claimed: updateStatus($id, 'processing') does that.
     */
    public function getQueuedJobs(int $limit = 10): array
    {
        if ($limit <= 0) {
            return [];
        }
        $now = gmdate('Y-m-d H:i:s');
        $due = array_filter($this->store->listJobs('queued', 0),
            static fn (array $job): bool => $job['retry_at'] === null || $job['retry_at'] <= $now);
        usort($due, static fn (array $a, array $b): int =>
            [self::PRIORITY_RANK[$a['priority']] ?? 4, $a['queued_at'], $a['id']]
            <=> [self::PRIORITY_RANK[$b['priority']] ?? 4, $b['queued_at'], $b['id']]);
        return $this->rows(array_slice($due, 0, $limit));
    }

    /**
     * The most recent jobs, newest first (queued_at DESC). An unknown status
     * gives an empty list, as in the reference; so does an unknown priority
     * (low, normal, high, critical; an addition to the reference's parameters).
     */
    public function getRecentJobs(int $limit = 20, ?string $status = null, ?string $priority = null): array
    {
        if ($status !== null && $status !== '' && !in_array($status, self::STATUSES, true)) {
            return [];
        }
        if ($priority !== null && $priority !== '' && !in_array($priority, self::PRIORITIES, true)) {
            return [];
        }
        if ($limit <= 0) {
            return [];
        }
        return $this->rows($this->store->listJobs($status ?: null, $limit, $priority ?: null));
    }

    /**
     * Failed jobs whose failure alert has not gone out, for a host that sends
     * its own alerts (then markAlertSent()). Failed is final here, so every
     * failed job qualifies (the reference's retry_count >= max_retries).
     */
    public function getFailedJobsNeedingAlerts(int $limit = 10): array
    {
        if ($limit <= 0) {
            return [];
        }
        return $this->rows($this->store->listAlertPending($limit));
    }

    // ---- running a job (the reference worker's calls) -------------------------

    /**
     * Move a job to $status, as the reference's worker and controllers do,
     * through the library's conditional transitions. True when the change
     * was made; false when the job does not exist or is not in a state that
     * allows it (then nothing changes):
     *
     * - 'processing': claims that job for this service's worker id,
     *   atomically: true for one caller only, and only while it is queued and
     *   due (true again for the holder itself);
     * - 'failed': records a failed attempt under the library's failure rule
     *   (retries left: requeued after the backoff, a retry spent; none
     *   left: failed, error_message = last_error = $errorMessage). A queued
     *   job is claimed first (the reference's "file not found" check runs
     *   before the claim);
     * - 'completed': completes the job this process holds (keeping its counters);
     * - 'cancelled': cancelJob();
     * - 'queued': hands the job this process holds back without spending a retry.
     *
     * @throws \InvalidArgumentException for a status that is not one of STATUSES
     */
    public function updateStatus(string $batchId, string $status, ?string $errorMessage = null): bool
    {
        return match ($status) {
            'processing' => $this->claim($batchId),
            'failed' => $this->failAttempt($batchId, $errorMessage ?: 'Job failed'),
            'completed' => $this->refusedAsFalse($batchId,
                fn () => $this->store->completeJob($batchId, $this->workerId)),
            'cancelled' => $this->cancelJob($batchId),
            'queued' => $this->refusedAsFalse($batchId,
                fn () => $this->store->releaseJob($batchId, $this->workerId)),
            default => throw new \InvalidArgumentException(sprintf('unknown job status "%s" (%s)',
                $status, implode(', ', self::STATUSES))),
        };
    }

    /**
     * Store the running job's counters (and so its heartbeat: a job is
     * stuck when its holder stops reporting). $total null keeps the total
     * as it is. True when stored.
     *
     * @throws StateException when this process no longer holds the job
     *         (cancelled, requeued as stuck, claimed by another worker):
     *         the run should stop, and the reference worker's catch does so
     * @throws NotFoundException for an unknown batch id
     */
    public function updateProgress(string $batchId, int $processed, int $imported, int $failed,
                                   ?int $total = null): bool
    {
        $this->store->updateProgress($batchId, $this->workerId, $processed, $imported, $failed, $total);
        return true;
    }

    /**
     * Finish the job this process runs with the import's summary (the
     * ingestion result's array: records_processed, records_imported and
     * records_failed become the counters). $status 'completed' (the
     * reference's only use) completes it; 'failed' fails it as
     * updateStatus($id, 'failed') does, with the summary's first error.
     *
     * @throws StateException when this process no longer holds the job (as updateProgress())
     * @throws \InvalidArgumentException for another $status
     */
    public function completeJob(string $batchId, array $summary, string $status = 'completed'): bool
    {
        if ($status === 'failed') {
            $errors = $summary['errors'] ?? [];
            return $this->failAttempt($batchId, is_array($errors) && is_string($errors[0] ?? null)
                ? $errors[0] : 'Import failed');
        }
        if ($status !== 'completed') {
            throw new \InvalidArgumentException(sprintf('completeJob(): status must be completed or '
                . 'failed, not "%s"', $status));
        }
        $processed = (int)($summary['records_processed'] ?? 0);
        $imported = (int)($summary['records_imported'] ?? 0);
        $this->store->completeJob($batchId, $this->workerId, $summary, $processed, $imported,
            (int)($summary['records_failed'] ?? max(0, $processed - $imported)));
        return true;
    }

    /** True while the job has retries left (retry_count < max_retries); false for an unknown job. */
    public function canRetry(string $batchId): bool
    {
        $job = $this->find($batchId);
        return $job !== null && $job['retry_count'] < $job['max_retries'];
    }

    /**
     * Requeue a job after $delaySeconds (0: at once), spending one retry:
     * retry_count + 1, retry_at = now + delay (honoured: it is not claimed
     * before), error_message, started_at and completed_at cleared. Takes a
     * failed job, or the job this process is running (the reference
     * worker's catch: its attempt ends and the job waits). False, like the
     * reference, when the job does not exist or its retries are spent; also
     * for a job in any other state (queued, completed, cancelled, or held
     * by another worker), which the reference would have requeued anyway.
     *
     * @throws \InvalidArgumentException for a negative delay
     */
    public function retryJob(string $batchId, int $delaySeconds = 0): bool
    {
        if ($delaySeconds < 0) {
            throw new \InvalidArgumentException("delaySeconds must be 0 or more, got $delaySeconds");
        }
        $job = $this->find($batchId);
        if ($job === null || $job['retry_count'] >= $job['max_retries']) {
            return false;
        }
        return $this->refusedAsFalse($batchId, function () use ($job, $batchId, $delaySeconds): void {
            if ($job['status'] === 'processing') {
                // The attempt ends as failed (not spending a retry), so that
                // the retry below sets the delay the caller asked for rather
                // than the library's backoff.
                $this->store->failJob($batchId, $this->workerId,
                    "Attempt failed; requeued by retryJob() with a delay of {$delaySeconds} s", true);
            }
            $this->store->retryJob($batchId, $delaySeconds);
        });
    }

    /** Cancel a queued or processing job; false when it does not exist or already ended. */
    public function cancelJob(string $batchId): bool
    {
        return $this->refusedAsFalse($batchId, fn () => $this->store->cancelJob($batchId));
    }

    /**
     * Record that the failure alert of a failed job went out (alert_sent = 1,
     * alert_sent_at = now). Once only: false when it was marked already, is
     * not failed, or does not exist — so two senders never both send.
     */
    public function markAlertSent(string $batchId): bool
    {
        return $this->refusedAsFalse($batchId, fn () => $this->store->markAlertSent($batchId));
    }

    /**
     * Delete one job (not while it is processing) and its attempts; its
     * readings stay, and its file is left to the retention cleanup. False
     * when it does not exist or is processing.
     */
    public function deleteJob(string $batchId): bool
    {
        return $this->refusedAsFalse($batchId, fn () => $this->store->deleteJob($batchId));
    }

    // ---- library additions ---------------------------------------------------

    /**
     * How many jobs are in each status (exact): every status of STATUSES
     * and 'total'.
     *
     * @return array<string,int>
     */
    public function jobCounts(): array
    {
        return $this->store->jobCounts();
    }

    /**
     * Each time the job ran, oldest first (Store::jobAttempts()); null when
     * there is no such job, like getJob().
     */
    public function jobAttempts(string $batchId): ?array
    {
        return $this->readOrNull($batchId, fn (): array => $this->store->jobAttempts($batchId));
    }

    /** Delete finished jobs whose completed_at is older than $daysOld days; returns how many went. */
    public function cleanupOldJobs(int $daysOld = 30): int
    {
        // The reference's method deletes jobs only; orphaned files are the
        // cleanup command's (Store::cleanup()).
        $report = $this->store->cleanup($daysOld, files: false);
        return (int)($report['jobs_deleted'] ?? 0);
    }

    // ---- rows ------------------------------------------------------------------

    /**
     * The host application's user $userId, as ['name' => ..., 'email' =>
     * ...], or null: what fills user_name and user_email. By default
     * Store::hostUser(), the users table of the store's database; a host
     * whose users live elsewhere overrides this. Called once per distinct
     * user id per call of this service, so a renamed user shows at once.
     *
     * @return array{name:?string,email:?string}|null
     */
    protected function hostUser(int $userId): ?array
    {
        return $this->store->hostUser($userId);
    }

    /**
     * Library job arrays as reference rows (referenceRow()) with user_name
     * and user_email filled from hostUser(), each distinct user id looked up
     * once: null where the job has no user or its user is not found.
     *
     * @param array<int,array> $jobs
     * @return array<int,array>
     */
    private function rows(array $jobs): array
    {
        $users = [];
        $rows = [];
        foreach ($jobs as $job) {
            $row = self::referenceRow($job);
            $id = $row['user_id'] ?? null;
            if (is_int($id) && $id > 0) {
                if (!array_key_exists($id, $users)) {
                    $users[$id] = $this->hostUser($id);
                }
                $row['user_name'] = $users[$id]['name'] ?? null;
                $row['user_email'] = $users[$id]['email'] ?? null;
            }
            $rows[] = $row;
        }
        return $rows;
    }

    /**
     * A library job array with user_name/user_email (null here: the
     * service's methods fill them) before
     * progress_percent (float): the shape Eclectyc\JobBoard and the admin
     * pages use (tags and metadata decoded, flags as booleans).
     */
    public static function row(array $job): array
    {
        $row = [];
        foreach ($job as $key => $value) {
            if ($key === 'progress_percent') {
                $row['user_name'] = null;
                $row['user_email'] = null;
            }
            $row[$key] = $value;
        }
        $row += ['user_name' => null, 'user_email' => null];
        $row['progress_percent'] = (float)($job['progress_percent'] ?? 0.0);
        return $row;
    }

    /**
     * A library job array as the reference's PDO row: dry_run and
     * alert_sent 0/1, tags and metadata JSON text (or null), summary
     * decoded, progress_percent = round(processed / total * 100, 2) (0 when
     * the total is unknown or 0), user_name and user_email (null here: the
     * service's methods fill them), and the
     * production table's never-written columns (progress, successful_rows,
     * parent_job_id, default_site_id, default_tariff_id).
     */
    public static function referenceRow(array $job): array
    {
        $row = self::row($job);
        foreach (['dry_run', 'alert_sent'] as $flag) {
            $row[$flag] = (int)(bool)($row[$flag] ?? false);
        }
        foreach (['tags', 'metadata'] as $json) {
            $value = $row[$json] ?? null;
            $row[$json] = $value === null || $value === [] ? null
                : (is_string($value) ? $value : Json::encode($value, $json));
        }
        $total = (int)($row['total_rows'] ?? 0);
        $row['progress_percent'] = $total > 0
            ? round((int)$row['processed_rows'] / $total * 100, 2) : 0.0;
        return $row + self::PRODUCTION_ONLY;
    }

    // ---- internals --------------------------------------------------------------

    /** Whether $batchId could name a job: not empty, at most 36 bytes, no NUL. */
    private static function wellFormed(string $batchId): bool
    {
        return $batchId !== '' && strlen($batchId) <= self::BATCH_ID_MAX && !str_contains($batchId, "\0");
    }

    /** The library's job array, or null when there is none. */
    private function find(string $batchId): ?array
    {
        return $this->readOrNull($batchId, fn (): array => $this->store->getJob($batchId));
    }

    /** What $read reads about the job; null when there is no such job (or the id cannot name one). */
    private function readOrNull(string $batchId, callable $read): ?array
    {
        if (!self::wellFormed($batchId)) {
            return null;
        }
        try {
            return $read();
        } catch (NotFoundException $e) {
            return null;
        }
    }

    /** Claim that job; true when this process holds it afterwards. */
    private function claim(string $batchId): bool
    {
        if (!self::wellFormed($batchId)) {
            return false;
        }
        try {
            if ($this->store->claimBatch($batchId, $this->workerId) !== null) {
                return true;
            }
        } catch (NotFoundException $e) {
            return false;
        }
        $job = $this->find($batchId);
        return $job !== null && $job['status'] === 'processing' && $job['worker_id'] === $this->workerId;
    }

    /** A failed attempt of the job this process holds (claiming a queued one first). */
    private function failAttempt(string $batchId, string $message): bool
    {
        $job = $this->find($batchId);
        if ($job === null || ($job['status'] === 'queued' && !$this->claim($batchId))) {
            return false;
        }
        return $this->refusedAsFalse($batchId, fn () => $this->store->failJob($batchId, $this->workerId, $message));
    }

    /**
     * Run $change on the job; false (nothing changed) when the library
     * refuses it or the job is unknown, a malformed id (from a URL) included.
     */
    private function refusedAsFalse(string $batchId, callable $change): bool
    {
        if (!self::wellFormed($batchId)) {
            return false;
        }
        try {
            $change();
            return true;
        } catch (NotFoundException | StateException $e) {
            return false;
        }
    }

    /** A positive whole number that fits in an int, from an int or a string of digits; else null. */
    private static function positiveId(int|string $id): ?int
    {
        if (is_int($id)) {
            return $id > 0 ? $id : null;
        }
        if (!preg_match('/^[0-9]{1,19}$/', $id)) {
            return null;
        }
        $number = filter_var($id, FILTER_VALIDATE_INT, ['options' => ['min_range' => 1]]);
        return $number === false ? null : $number;
    }
}
