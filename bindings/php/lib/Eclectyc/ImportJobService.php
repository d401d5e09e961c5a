<?php
declare(strict_types=1);

namespace Eclectyc;

/**
 * Drop-in for the reference application's App\Domain\Ingestion\ImportJobService:
 * the same methods, parameters and results, constructed from a store URI (or
 * an Eclectyc\Store) instead of a PDO.
 *
 *     $jobs = new \Eclectyc\ImportJobService('sqlite:///var/lib/eclectyc/eclectyc.db');
 *     $batchId = $jobs->createJob(filename: 'hh.csv', filePath: $path, importType: 'hh',
 *                                 priority: 'high', tags: ['monthly'], maxRetries: 5);
 *
 * Job arrays are shaped like the reference's row: every import_jobs column,
 * plus user_name and user_email (null: the library keeps no users), summary,
 * tags and metadata decoded to arrays, and progress_percent.
 */
class ImportJobService
{
    public const STATUSES = ['queued', 'processing', 'completed', 'failed', 'cancelled'];
    public const PRIORITIES = ['low', 'normal', 'high'];

    private Store $store;

    public function __construct(Store|string $store)
    {
        $this->store = Store::of($store);
    }

    public function store(): Store
    {
        return $this->store;
    }

    /**
     * Queue an import job; returns its batch id (UUID v4).
     *
     * @param string      $importType 'hh' or 'daily'
     * @param string      $priority   'low', 'normal' or 'high'
     * @param string[]|null $tags     stored as a JSON array (NULL when empty)
     * @param array|null  $metadata   stored as a JSON object (NULL when empty)
     * @param int|null    $maxRetries retries after a failure (attempts = maxRetries + 1);
     *                                null = ECLECTYC_MAX_RETRIES, else 3
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
        ?string $priority = null,
        ?array $tags = null,
        ?array $metadata = null,
        ?int $maxRetries = null,
        ?string $profile = null,
        ?string $meter = null
    ): string {
        return $this->store->createJob($filename, $filePath, $importType, $userId, $dryRun, $notes,
            $priority, $tags, $metadata, $maxRetries, $profile, $meter);
    }

    /**
     * Requeue a failed job now (delay 0) or after $delaySeconds; spends one
     * retry. False, like the reference, when the job does not exist or cannot
     * be retried (retries exhausted, or not in a retryable state).
     */
    public function retryJob(string $batchId, int $delaySeconds = 0): bool
    {
        try {
            // The reference refuses once retry_count reaches max_retries (the
            // library itself lets an operator requeue by hand beyond that).
            $job = $this->store->getJob($batchId);
            if ($job['retry_count'] >= $job['max_retries']) {
                return false;
            }
            $this->store->retryJob($batchId, $delaySeconds);
            return true;
        } catch (NotFoundException | StateException $e) {
            return false;
        }
    }

    /** Cancel a queued or processing job; false when it does not exist or already ended. */
    public function cancelJob(string $batchId): bool
    {
        try {
            $this->store->cancelJob($batchId);
            return true;
        } catch (NotFoundException | StateException $e) {
            return false;
        }
    }

    /** The job, or null when there is none. */
    public function getJob(string $batchId): ?array
    {
        if ($batchId === '') {
            return null;
        }
        try {
            return self::row($this->store->getJob($batchId));
        } catch (NotFoundException $e) {
            return null;
        }
    }

    /**
     * The most recent jobs, newest first (queued_at DESC). An unknown status
     * gives an empty list, as in the reference; so does an unknown priority
     * (low, normal, high; an addition to the reference's parameters).
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
        return array_map([self::class, 'row'],
            $this->store->listJobs($status ?: null, $limit, $priority ?: null));
    }

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
        if ($batchId === '') {
            return null;
        }
        try {
            return $this->store->jobAttempts($batchId);
        } catch (NotFoundException $e) {
            return null;
        }
    }

    /** Delete finished jobs older than $days (null: 30); returns how many went. */
    public function cleanupOldJobs(?int $days = null): int
    {
        // The reference's method deletes jobs only; orphaned files are the
        // cleanup command's (Store::cleanup()).
        $report = $this->store->cleanup($days, files: false);
        return (int)($report['jobs_deleted'] ?? 0);
    }

    /** A library job array in the reference's row shape. */
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
}
