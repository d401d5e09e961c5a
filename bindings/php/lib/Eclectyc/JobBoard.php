<?php
declare(strict_types=1);

namespace Eclectyc;

/**
 * What operators' pages need from the queue (examples/php/admin): jobs
 * filtered by status and priority, exact counts per status, progress
 * figures (percent, rows/s, ETA), a job's attempts and retries, and an
 * operator's retry and cancel.
 *
 *     $board = new Eclectyc\JobBoard('sqlite:///var/lib/eclectyc/eclectyc.db');
 *     $failed = $board->jobs(status: 'failed', priority: 'high', limit: 50);
 *     $p = Eclectyc\JobBoard::progress($board->job($batchId));   // percent, rows_per_second, eta_seconds ...
 *     $h = Eclectyc\JobBoard::retryHistory($job, $board->attempts($batchId));
 *
 * Job arrays have ImportJobService's row shape. The filters and the counts
 * are the store's own (Store::listJobs(), Store::jobCounts()).
 */
final class JobBoard
{
    public const STATUSES = ImportJobService::STATUSES;
    public const PRIORITIES = ImportJobService::PRIORITIES;
    /** Statuses a job never leaves by itself (an operator may still retry a failed one). */
    public const FINAL_STATUSES = ['completed', 'failed', 'cancelled'];

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
     * Jobs newest first (queued_at, then id, descending), at most $limit,
     * filtered by the store on status and priority ('' or null: any). An
     * unknown status or priority gives [] (as getRecentJobs).
     */
    public function jobs(?string $status = null, ?string $priority = null, int $limit = 50): array
    {
        $status = $status === '' ? null : $status;
        $priority = $priority === '' ? null : $priority;
        if (($status !== null && !in_array($status, self::STATUSES, true))
            || ($priority !== null && !in_array($priority, self::PRIORITIES, true)) || $limit <= 0) {
            return [];
        }
        return array_map([ImportJobService::class, 'row'], $this->store->listJobs($status, $limit, $priority));
    }

    /**
     * How many jobs are in each status, exactly (Store::jobCounts(), one
     * read): every status of STATUSES, in that order, then 'total'.
     *
     * @return array<string,int>
     */
    public function countByStatus(): array
    {
        $counts = $this->store->jobCounts();
        $out = [];
        foreach ([...self::STATUSES, 'total'] as $key) {
            $out[$key] = (int)($counts[$key] ?? 0);
        }
        return $out;
    }

    /**
     * Each time the job ran, oldest first (Store::jobAttempts()); [] for a
     * job that never ran or does not exist.
     */
    public function attempts(string $batchId): array
    {
        if ($batchId === '') {
            return [];
        }
        try {
            return $this->store->jobAttempts($batchId);
        } catch (NotFoundException $e) {
            return [];
        }
    }

    /** The job in ImportJobService's row shape, or null when there is none. */
    public function job(string $batchId): ?array
    {
        if ($batchId === '') {
            return null;
        }
        try {
            return ImportJobService::row($this->store->getJob($batchId));
        } catch (NotFoundException $e) {
            return null;
        }
    }

    /**
     * An operator's retry: requeue a failed job now or after $delaySeconds
     * (0..604800), spending one retry. Unlike ImportJobService::retryJob()
     * (the reference's rule), a job whose retries are spent may be requeued
     * by hand — the library's own rule. Returns the job as it is now.
     *
     * @throws NotFoundException no such job
     * @throws StateException    the job is not failed
     */
    public function retry(string $batchId, int $delaySeconds = 0): array
    {
        if ($delaySeconds < 0 || $delaySeconds > 604800) {
            throw new \InvalidArgumentException('delay must be 0..604800 seconds');
        }
        $this->store->retryJob($batchId, $delaySeconds);
        return ImportJobService::row($this->store->getJob($batchId));
    }

    /**
     * Cancel a queued or processing job (a processing one stops at its next
     * batch). Returns the job as it is now.
     *
     * @throws NotFoundException no such job
     * @throws StateException    the job has already ended
     */
    public function cancel(string $batchId): array
    {
        $this->store->cancelJob($batchId);
        return ImportJobService::row($this->store->getJob($batchId));
    }

    /**
     * Progress figures of a job: status, final, percent (0..100, 1 decimal;
     * 100 once completed), processed/total/imported/failed rows (total null
     * while unknown: the worker counts the file's rows when it claims it),
     * elapsed_seconds since this attempt started (to completed_at once
     * finished), rows_per_second (the average over the attempt; null before
     * a second has passed) and eta_seconds (while processing, when total and
     * rate are known).
     *
     * @param int|null $now Unix time (default: now)
     */
    public static function progress(array $job, ?int $now = null): array
    {
        $now ??= time();
        $status = (string)($job['status'] ?? '');
        $final = in_array($status, self::FINAL_STATUSES, true);
        $total = isset($job['total_rows']) && (int)$job['total_rows'] >= 0 ? (int)$job['total_rows'] : null;
        $processed = (int)($job['processed_rows'] ?? 0);
        if ($status === 'completed') {
            $percent = 100.0;
        } elseif ($total !== null && $total > 0) {
            $percent = min(100.0, floor($processed * 1000 / $total) / 10);
        } else {
            $percent = 0.0;
        }
        $started = self::instant($job['started_at'] ?? null);
        $ended = $final ? self::instant($job['completed_at'] ?? null) : $now;
        $elapsed = $started !== null && $ended !== null ? max(0, $ended - $started) : null;
        $rate = $elapsed !== null && $elapsed > 0 && $processed > 0 ? round($processed / $elapsed, 1) : null;
        $eta = null;
        if ($status === 'processing' && $rate !== null && $rate > 0 && $total !== null) {
            $eta = (int)ceil(max(0, $total - $processed) / $rate);
        }
        return [
            'batch_id' => (string)($job['batch_id'] ?? ''),
            'status' => $status,
            'final' => $final,
            'percent' => (float)$percent,
            'processed_rows' => $processed,
            'total_rows' => $total,
            'imported_rows' => (int)($job['imported_rows'] ?? 0),
            'failed_rows' => (int)($job['failed_rows'] ?? 0),
            'elapsed_seconds' => $elapsed,
            'rows_per_second' => $rate,
            'eta_seconds' => $eta,
            'started_at' => $job['started_at'] ?? null,
            'completed_at' => $job['completed_at'] ?? null,
            'heartbeat_at' => $job['heartbeat_at'] ?? null,
            'worker_id' => $job['worker_id'] ?? null,
        ];
    }

    /**
     * A job's attempts and retries: the retries spent, allowed and left, the
     * next due time, the last error (kept across retries) and its class;
     * 'attempts', each attempt of $attempts (Store::jobAttempts()) with
     * 'running' and 'duration_seconds' (to now while it runs) added; and
     * 'events', the job's instants in time order — queued, each attempt's
     * start ("started", then "attempt N started", with the worker) and end
     * (the outcome: completed, failed, cancelled or "requeued", with the
     * error), a cancellation without an attempt, the failure alert and the
     * retry due.
     *
     * @param list<array> $attempts the job's attempts, oldest first
     * @param int|null    $now      Unix time (default: now)
     */
    public static function retryHistory(array $job, array $attempts = [], ?int $now = null): array
    {
        $now ??= time();
        $spent = (int)($job['retry_count'] ?? 0);
        $allowed = (int)($job['max_retries'] ?? 0);
        $status = (string)($job['status'] ?? '');
        $retryAt = $status === 'queued' ? ($job['retry_at'] ?? null) : null;
        $due = self::instant($retryAt);
        $events = [];
        $add = function (?string $at, string $event, ?string $detail = null) use (&$events): void {
            if ($at !== null && $at !== '') {
                $events[] = ['at' => $at, 'event' => $event, 'detail' => $detail];
            }
        };
        $add($job['queued_at'] ?? null, 'queued');
        $rows = [];
        $lastOutcome = null;
        foreach ($attempts as $a) {
            $n = (int)($a['attempt'] ?? 0);
            $started = self::instant($a['started_at'] ?? null);
            $ended = self::instant($a['ended_at'] ?? null);
            $running = ($a['ended_at'] ?? null) === null;
            $rows[] = $a + [
                'running' => $running,
                'duration_seconds' => $started !== null ? max(0, ($running ? $now : ($ended ?? $now)) - $started) : null,
            ];
            $add($a['started_at'] ?? null, $n > 1 ? "attempt $n started" : 'started', $a['worker_id'] ?? null);
            if (!$running) {
                $outcome = (string)($a['outcome'] ?? '');
                $add($a['ended_at'] ?? null, $outcome === 'queued' ? 'requeued' : $outcome,
                    $outcome === 'completed' ? null : ($a['error_message'] ?? null));
            }
            $lastOutcome = $running ? 'processing' : ($a['outcome'] ?? null);
        }
        // Finished without an attempt ending that way (cancelled while queued).
        if (in_array($status, self::FINAL_STATUSES, true) && $lastOutcome !== $status) {
            $add($job['completed_at'] ?? null, $status, $status === 'completed' ? null : ($job['error_message'] ?? null));
        }
        $add($job['alert_sent_at'] ?? null, 'failure alert sent');
        $add($retryAt, 'retry due');
        usort($events, fn (array $a, array $b): int => strcmp($a['at'], $b['at']));
        return [
            'retries_spent' => $spent,
            'max_retries' => $allowed,
            'retries_left' => max(0, $allowed - $spent),
            'exhausted' => $spent >= $allowed,
            'retryable' => $status === 'failed',
            'next_attempt_at' => $retryAt,
            'waiting' => $due !== null && $due > $now,
            'last_error' => $job['last_error'] ?? null,
            'error_class' => $job['error_class'] ?? null,
            'error_message' => $job['error_message'] ?? null,
            'attempts' => $rows,
            'events' => $events,
        ];
    }

    /** A 'Y-m-d H:i:s' UTC instant as Unix time; null for null or a malformed value. */
    public static function instant(?string $text): ?int
    {
        if ($text === null || $text === '') {
            return null;
        }
        $t = \DateTimeImmutable::createFromFormat('!Y-m-d H:i:s', $text, new \DateTimeZone('UTC'));
        return $t === false ? null : $t->getTimestamp();
    }
}
