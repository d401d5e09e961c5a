<?php
declare(strict_types=1);

use Eclectyc\ImportJobService;
use Eclectyc\ImportMonitoringService;
use PHPUnit\Framework\TestCase;

/**
 * Eclectyc\ImportMonitoringService against a real SQLite store: the
 * reference's shapes (reference-behaviour.md §4.1–4.3), the library's
 * meanings (stuck = no heartbeat; handling requeues).
 */
final class ImportMonitoringServiceTest extends TestCase
{
    private const METRIC_KEYS = ['jobs_completed', 'avg_duration_seconds', 'max_duration_seconds',
        'min_duration_seconds', 'total_rows_imported', 'avg_rows_per_job', 'queued_count', 'processing_count'];

    private ImportJobService $jobs;
    private ImportMonitoringService $monitor;
    private string $csv;

    protected function setUp(): void
    {
        $dir = TestEnv::dir();
        $store = new Eclectyc\Store(TestEnv::uri($dir), logLevel: Eclectyc\Store::LOG_NONE, useConfig: false);
        $this->jobs = new ImportJobService($store, 'reference-worker:100');
        $this->monitor = new ImportMonitoringService($store);
        $this->csv = TestEnv::dailyCsv($dir, 10);
    }

    private function running(string $name, int $maxRetries = 3): string
    {
        $batch = $this->jobs->createJob($name, $this->csv, 'daily', maxRetries: $maxRetries);
        $this->assertTrue($this->jobs->updateStatus($batch, 'processing'));
        return $batch;
    }

    public function testHealthyShape(): void
    {
        $this->jobs->createJob('waiting.csv', $this->csv, 'daily');
        $done = $this->running('done.csv');
        $this->jobs->completeJob($done, ['records_processed' => 10, 'records_imported' => 10]);
        $this->running('busy.csv');

        $health = $this->monitor->getSystemHealth();
        $this->assertSame(['status', 'metrics', 'alerts'], array_keys($health));
        $this->assertSame(['healthy', []], [$health['status'], $health['alerts']]);
        foreach (self::METRIC_KEYS as $key) {
            $this->assertArrayHasKey($key, $health['metrics']);
        }
        $m = $health['metrics'];
        $this->assertSame([1, 10, 1, 1], [$m['jobs_completed'], $m['total_rows_imported'], $m['queued_count'],
            $m['processing_count']], 'queued_count no longer counts the processing job');
        $this->assertEquals(10.0, $m['avg_rows_per_job']);
        $this->assertSame([], $this->monitor->getStuckJobs());
        $this->assertSame(['total_with_retries' => 0, 'avg_retries' => 0.0, 'max_retries' => 0,
                           'eventually_succeeded' => 0, 'permanently_failed' => 0],
            $this->monitor->getRetryStatistics());
    }

    public function testStuckIsNoHeartbeatAndHandlingRequeues(): void
    {
        $dead = $this->running('dead.csv');
        $slow = $this->running('slow.csv');
        // Both started two hours ago; only the slow one kept reporting.
        ReferenceWorkflowTest::age($this->jobs, $dead, ['started_at', 'heartbeat_at'], 7200);
        ReferenceWorkflowTest::age($this->jobs, $slow, ['started_at'], 7200);
        $this->jobs->updateProgress($slow, 50, 50, 0);

        $stuck = $this->monitor->getStuckJobs(60);
        $this->assertSame([$dead], array_column($stuck, 'batch_id'), 'a long import that reports is not stuck');
        $this->assertSame('dead.csv', $stuck[0]['filename']);
        $this->assertMatchesRegularExpression('/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/', $stuck[0]['started_at']);
        $this->assertGreaterThanOrEqual(119, $stuck[0]['minutes_stuck']);
        $this->assertSame([], $this->monitor->getStuckJobs(180), 'under a longer threshold');

        $health = $this->monitor->getSystemHealth();
        $this->assertSame('degraded', $health['status']);
        $this->assertSame([['type' => 'stuck_jobs', 'severity' => 'warning',
                            'message' => '1 job(s) stuck in processing state', 'count' => 1]], $health['alerts']);

        // --handle-stuck: requeued, spending a retry (the reference marked it
        // failed and re-ran it at once without spending one).
        $this->assertSame(1, $this->monitor->handleStuckJobs(60));
        $row = $this->jobs->getJob($dead);
        $this->assertSame(['queued', 1, null], [$row['status'], $row['retry_count'], $row['worker_id']]);
        $this->assertNotNull($row['retry_at']);
        $this->assertSame('processing', $this->jobs->getJob($slow)['status']);
        $this->assertSame([], $this->monitor->getStuckJobs(60));
        $this->assertSame(0, $this->monitor->handleStuckJobs(60));

        // A stuck job with no retries left fails for good.
        $last = $this->running('last.csv', 0);
        ReferenceWorkflowTest::age($this->jobs, $last, ['started_at', 'heartbeat_at'], 7200);
        $this->assertSame(1, $this->monitor->handleStuckJobs());
        $this->assertSame('failed', $this->jobs->getJob($last)['status']);
        $this->assertSame([$last], array_column($this->jobs->getFailedJobsNeedingAlerts(), 'batch_id'),
            'its failure alert is the application\'s to send');
        // The stale holder's writes are refused from now on.
        $this->expectException(Eclectyc\StateException::class);
        $this->jobs->updateProgress($dead, 60, 60, 0);
    }

    public function testFailureRateAndRetryStatistics(): void
    {
        $ok = $this->running('ok.csv');
        $this->jobs->updateStatus($ok, 'failed', 'transient trouble');   // requeued, a retry spent
        ReferenceWorkflowTest::age($this->jobs, $ok, ['retry_at'], 3600);
        $this->assertTrue($this->jobs->updateStatus($ok, 'processing'));
        $this->jobs->completeJob($ok, ['records_processed' => 10, 'records_imported' => 10]);
        foreach (['bad1.csv', 'bad2.csv'] as $name) {
            $batch = $this->running($name, 0);
            $this->jobs->updateStatus($batch, 'failed', 'broken file');
        }

        $health = $this->monitor->getSystemHealth();
        $this->assertSame('critical', $health['status']);
        $this->assertSame([['type' => 'high_failure_rate', 'severity' => 'critical',
                            'message' => 'High failure rate: 66.7% in last 24h', 'rate' => 66.7]],
            $health['alerts']);
        $this->assertSame(['total_with_retries' => 1, 'avg_retries' => 1.0, 'max_retries' => 1,
                           'eventually_succeeded' => 1, 'permanently_failed' => 0],
            $this->monitor->getRetryStatistics(24));
        $this->assertSame(1, $this->monitor->getRetryStatistics(1)['total_with_retries']);

        $this->expectException(InvalidArgumentException::class);
        $this->monitor->getRetryStatistics(0);
    }

    public function testBacklogAlertCarriesACount(): void
    {
        $store = new Eclectyc\Store(TestEnv::uri(TestEnv::dir()), logLevel: Eclectyc\Store::LOG_NONE,
            useConfig: false);
        $svc = new ImportJobService($store);
        for ($i = 0; $i < 101; $i++) {
            $svc->createJob("f$i.csv", $this->csv, 'daily');
        }
        $health = (new ImportMonitoringService($store->uri()))->getSystemHealth();
        $this->assertSame('degraded', $health['status']);
        $this->assertSame([['type' => 'queue_backlog', 'severity' => 'warning',
                            'message' => 'Queue backlog: 101 jobs waiting', 'count' => 101]], $health['alerts']);
        $this->assertSame(101, $health['metrics']['queued_count']);
    }
}
