<?php
declare(strict_types=1);

namespace Eclectyc;

/**
 * Drop-in for the reference application's
 * App\Domain\Ingestion\ImportMonitoringService, over the library's health
 * check (ecl_health_check(); docs/monitoring.md), constructed from a store
 * URI (or an Eclectyc\Store) instead of a PDO.
 *
 *     $monitor = new \Eclectyc\ImportMonitoringService('sqlite:///var/lib/eclectyc/eclectyc.db');
 *     $health = $monitor->getSystemHealth();   // ['status' => 'healthy', 'metrics' => [...], 'alerts' => []]
 *
 * The shapes are the reference's; what some keys mean is the library's
 * (docs/migration-guide.md, "Monitoring"): a job is stuck when its holder
 * has not reported for the threshold (no heartbeat: progress and claims
 * beat), not when it started long ago; handling a stuck job requeues it,
 * spending a retry (failed when none is left), instead of marking it
 * failed; the failure rate counts jobs by when they finished; queued_count
 * no longer includes processing jobs.
 */
class ImportMonitoringService
{
    /** Alert types whose figure is a rate (percent); the others carry a count. */
    private const RATE_ALERTS = ['high_failure_rate', 'elevated_failure_rate'];

    private Store $store;

    public function __construct(#[\SensitiveParameter] Store|string $store)
    {
        $this->store = Store::of($store);
    }

    public function store(): Store
    {
        return $this->store;
    }

    /**
     * ['status' => healthy|degraded|critical, 'metrics' => [...], 'alerts' => [...]].
     *
     * metrics: the reference's jobs_completed, avg_duration_seconds,
     * min_duration_seconds, max_duration_seconds, total_rows_imported,
     * avg_rows_per_job (jobs completed in the last 24 hours), queued_count
     * (queued, due or waiting for a retry), processing_count; and the
     * library's: rows_processed, rows_failed, row_failure_ratio,
     * jobs_failed, failure_rate, import_success_rate, retry_rate,
     * queue_depth (due now), waiting_retry_count, retry_stats.
     * alerts: ['type', 'severity', 'message', 'count'] for stuck_jobs and
     * queue_backlog, ['type', 'severity', 'message', 'rate'] for
     * high_failure_rate and elevated_failure_rate.
     * Thresholds are the store's (ECLECTYC_STUCK_MINUTES ...; else the reference's).
     */
    public function getSystemHealth(): array
    {
        $report = $this->store->health();
        return [
            'status' => $report['status'],
            'metrics' => $report['metrics'],
            'alerts' => array_map([self::class, 'alert'], $report['alerts']),
        ];
    }

    /**
     * Processing jobs with no heartbeat for more than $thresholdMinutes,
     * oldest start first: batch_id, filename, started_at, minutes_stuck
     * (since the last heartbeat), and worker_id, heartbeat_at, retry_count,
     * max_retries.
     */
    public function getStuckJobs(int $thresholdMinutes = 60): array
    {
        $stuck = array_map(static function (array $job): array {
            unset($job['action']);
            return $job;
        }, $this->store->health(self::positive($thresholdMinutes, 'thresholdMinutes'))['stuck_jobs']);
        usort($stuck, static fn (array $a, array $b): int =>
            [$a['started_at'], $a['batch_id']] <=> [$b['started_at'], $b['batch_id']]);
        return $stuck;
    }

    /**
     * Jobs that needed a retry and finished in the last $hours hours:
     * ['total_with_retries', 'avg_retries', 'max_retries' (the highest
     * retry_count), 'eventually_succeeded', 'permanently_failed'].
     */
    public function getRetryStatistics(int $hours = 24): array
    {
        return $this->store->health(windowHours: self::positive($hours, 'hours'))['metrics']['retry_stats'];
    }

    /**
     * Recover the jobs getStuckJobs($thresholdMinutes) lists: each is
     * requeued with the backoff, spending a retry (failed when none is
     * left: it then waits in getFailedJobsNeedingAlerts() like any failed
     * job); a job whose holder reported meanwhile is left alone. Returns how
     * many were requeued or failed.
     */
    public function handleStuckJobs(int $thresholdMinutes = 60): int
    {
        $actions = $this->store->health(self::positive($thresholdMinutes, 'thresholdMinutes'),
            handleStuck: true)['actions'];
        return (int)$actions['requeued'] + (int)$actions['failed'];
    }

    /** A library alert in the reference's shape (a rate is a percentage to one place). */
    private static function alert(array $alert): array
    {
        $figure = in_array($alert['type'], self::RATE_ALERTS, true)
            ? ['rate' => (float)$alert['value']]
            : ['count' => (int)$alert['value']];
        return ['type' => $alert['type'], 'severity' => $alert['severity'],
                'message' => $alert['message']] + $figure;
    }

    private static function positive(int $value, string $name): int
    {
        if ($value < 1) {
            throw new \InvalidArgumentException("$name must be 1 or more, got $value");
        }
        return $value;
    }
}
