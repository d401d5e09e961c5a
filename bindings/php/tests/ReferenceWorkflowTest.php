<?php
declare(strict_types=1);

use Eclectyc\ImportJobService;
use Eclectyc\StateException;
use PHPUnit\Framework\TestCase;

/**
 * The reference application's calls, in its order, against
 * Eclectyc\ImportJobService on a real SQLite store: the upload and admin
 * controllers (createJob, getRecentJobs, getJob, cancelJob, delete), the
 * worker (reference-behaviour.md §3.4–3.8: getQueuedJobs, updateStatus
 * processing, updateProgress, completeJob; the failure path canRetry →
 * retryJob(delay) or updateStatus failed → getFailedJobsNeedingAlerts →
 * markAlertSent). Each step asserts the reference's result shape and the
 * library's fixed behaviour (docs/migration-guide.md).
 */
final class ReferenceWorkflowTest extends TestCase
{
    /** Every import_jobs column the reference's views and API read, plus its computed keys. */
    public const REFERENCE_KEYS = ['id', 'batch_id', 'user_id', 'filename', 'file_path', 'import_type',
        'status', 'dry_run', 'total_rows', 'processed_rows', 'imported_rows', 'failed_rows', 'queued_at',
        'started_at', 'completed_at', 'error_message', 'summary', 'retry_count', 'max_retries', 'retry_at',
        'last_error', 'notes', 'priority', 'tags', 'metadata', 'alert_sent', 'alert_sent_at', 'user_name',
        'user_email', 'progress_percent'];

    private const UUID_V4 = '/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/';
    private const INSTANT = '/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/';

    private string $dir;
    private ImportJobService $jobs;

    protected function setUp(): void
    {
        $this->dir = TestEnv::dir();
        mkdir("$this->dir/app/storage/imports", 0777, true);
        $store = new Eclectyc\Store(TestEnv::uri($this->dir), logLevel: Eclectyc\Store::LOG_NONE,
            useConfig: false);
        $this->jobs = new ImportJobService($store, 'reference-worker:100');
    }

    /** The async upload's createJob (ImportController::upload, §3.2–3.3). */
    private function upload(string $name, array $extra = []): string
    {
        $path = "$this->dir/app/storage/imports/" . time() . '_' . preg_replace('/[^A-Za-z0-9_.-]/', '_', $name);
        file_put_contents($path, "MPAN,Date,Reading\n1900000000001,2025-11-03,12.5\n");
        return $this->jobs->createJob(...($extra + ['filename' => $name, 'filePath' => $path,
            'importType' => 'hh', 'userId' => 7, 'dryRun' => false, 'notes' => null,
            'priority' => 'normal', 'tags' => null,
            'metadata' => ['default_site_id' => 3, 'default_tariff_id' => 9], 'maxRetries' => 3]));
    }

    /** The same service in another process (another worker id). */
    private function otherProcess(): ImportJobService
    {
        return new ImportJobService($this->jobs->store(), 'other-host:200');
    }

    public static function assertReferenceRow(array $row): void
    {
        foreach (self::REFERENCE_KEYS as $key) {
            self::assertArrayHasKey($key, $row);
        }
        self::assertContains($row['dry_run'], [0, 1]);
        self::assertContains($row['alert_sent'], [0, 1]);
        foreach (['tags', 'metadata'] as $json) {
            self::assertTrue($row[$json] === null || is_string($row[$json]), "$json is JSON text or null");
        }
        self::assertTrue($row['summary'] === null || is_array($row['summary']), 'summary decoded');
        self::assertIsFloat($row['progress_percent']);
        self::assertNull($row['user_name']);
        self::assertNull($row['user_email']);
        self::assertMatchesRegularExpression(self::INSTANT, $row['queued_at']);
        // The production table's columns nothing wrote, as every production row held them.
        self::assertSame([0, 0, null, null, null], [$row['progress'], $row['successful_rows'],
            $row['parent_job_id'], $row['default_site_id'], $row['default_tariff_id']]);
    }

    /** Move a job's instants back by $seconds, as if that much time had passed (python3's sqlite3). */
    public static function age(ImportJobService $jobs, string $batchId, array $columns, int $seconds): void
    {
        $db = substr($jobs->store()->uri(), strlen('sqlite://'));
        $set = implode(', ', array_map(fn (string $c): string => "$c = $c - $seconds", $columns));
        [$rc, , $err] = TestEnv::run([getenv('ECL_PYTHON') ?: 'python3', '-c',
            'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); '
            . 'n = c.execute(sys.argv[2], (sys.argv[3],)).rowcount; c.commit(); sys.exit(n != 1)',
            $db, "UPDATE import_jobs SET $set WHERE batch_id = ?", $batchId]);
        self::assertSame(0, $rc, "aging $batchId: $err");
    }

    public function testUploadThenAdminPages(): void
    {
        $id = $this->upload('HH data (Nov).csv');
        $this->assertMatchesRegularExpression(self::UUID_V4, $id);

        $job = $this->jobs->getJob($id);
        self::assertReferenceRow($job);
        $this->assertSame(['queued', 'HH data (Nov).csv', 'hh', 7, 0, null, '{"default_site_id":3,"default_tariff_id":9}',
                           null, 0, 3, 0, 'normal', null, null, 0.0],
            [$job['status'], $job['filename'], $job['import_type'], $job['user_id'], $job['dry_run'], $job['tags'],
             $job['metadata'], $job['summary'], $job['retry_count'], $job['max_retries'], $job['alert_sent'],
             $job['priority'], $job['started_at'], $job['total_rows'], $job['progress_percent']]);
        $this->assertStringEndsWith('_HH_data__Nov_.csv', $job['file_path']);

        // GET /admin/imports/jobs and /api/import/jobs: newest first, exact status.
        $second = $this->upload('second.csv', ['tags' => ['sftp', 'monthly']]);
        $recent = $this->jobs->getRecentJobs();
        $this->assertSame([$second, $id], array_column($recent, 'batch_id'));
        array_map([self::class, 'assertReferenceRow'], $recent);
        $this->assertSame('["sftp","monthly"]', $recent[0]['tags']);
        $this->assertSame([$second], array_column($this->jobs->getRecentJobs(1), 'batch_id'));
        $this->assertCount(2, $this->jobs->getRecentJobs(20, 'queued'));
        $this->assertSame([], $this->jobs->getRecentJobs(20, 'processing'));
        $this->assertSame([], $this->jobs->getRecentJobs(20, 'nonsense'));

        // GET /api/import/jobs/{batchId}: 404 for an unknown id, never an exception.
        $this->assertNull($this->jobs->getJob('00000000-0000-4000-8000-000000000000'));
        $this->assertNull($this->jobs->getJob('not-a-batch-id'));
        $this->assertNull($this->jobs->getJob(str_repeat('a', 40)));
        $this->assertNull($this->jobs->getJob(''));

        // The admin routes address jobs by numeric id.
        $this->assertSame($id, $this->jobs->getJobById($job['id'])['batch_id']);
        $this->assertSame($id, $this->jobs->getJobById((string)$job['id'])['batch_id']);
        self::assertReferenceRow($this->jobs->getJobById($job['id']));
        foreach ([0, -1, '0', '-1', 'abc', '', '1.5', ' 1', str_repeat('9', 40), str_repeat('a', 40),
                  '99999999999999999999', PHP_INT_MAX, 999] as $bad) {
            $this->assertNull($this->jobs->getJobById($bad), var_export($bad, true));
        }

        // An id from a URL that cannot name a job is an unknown job: false, never an exception.
        foreach ([str_repeat('a', 40), "a\0b", ''] as $bad) {
            $this->assertSame([false, false, false, false, false, false, null],
                [$this->jobs->cancelJob($bad), $this->jobs->deleteJob($bad), $this->jobs->markAlertSent($bad),
                 $this->jobs->retryJob($bad), $this->jobs->canRetry($bad),
                 $this->jobs->updateStatus($bad, 'processing'), $this->jobs->getJob($bad)], bin2hex($bad));
        }

        // POST /admin/imports/jobs/{id}/cancel.
        $this->assertTrue($this->jobs->cancelJob($second));
        $cancelled = $this->jobs->getJob($second);
        $this->assertSame(['cancelled', 'Job cancelled by user'], [$cancelled['status'], $cancelled['error_message']]);
        $this->assertMatchesRegularExpression(self::INSTANT, $cancelled['completed_at']);
        $this->assertFalse($this->jobs->cancelJob($second), 'already ended');
        $this->assertFalse($this->jobs->cancelJob('00000000-0000-4000-8000-000000000000'));
        // Fixed: a cancelled job is never resurrected (the reference's unconditional updates did).
        $this->assertFalse($this->jobs->updateStatus($second, 'processing'));
        $this->assertFalse($this->jobs->retryJob($second));
        $this->assertSame('cancelled', $this->jobs->getJob($second)['status']);

        // POST /admin/imports/jobs/{id}/delete: refused while processing.
        $this->assertTrue($this->jobs->updateStatus($id, 'processing'));
        $this->assertFalse($this->jobs->deleteJob($id), 'processing: refused');
        $this->assertSame('processing', $this->jobs->getJob($id)['status']);
        $this->assertTrue($this->jobs->deleteJob($second));
        $this->assertNull($this->jobs->getJob($second));
        $this->assertFalse($this->jobs->deleteJob($second), 'gone');
        $this->assertSame([$id], array_column($this->jobs->getRecentJobs(), 'batch_id'));
    }

    public function testWorkerHappyPath(): void
    {
        $low = $this->upload('low.csv', ['priority' => 'low']);
        $normal = $this->upload('normal.csv');
        $high = $this->upload('high.csv', ['priority' => 'high']);
        $normal2 = $this->upload('normal2.csv');

        // process_import_jobs.php: fetch, then run each in turn.
        $queued = $this->jobs->getQueuedJobs(10);
        $this->assertSame([$high, $normal, $normal2, $low], array_column($queued, 'batch_id'),
            'priority DESC, queued_at ASC');
        array_map([self::class, 'assertReferenceRow'], $queued);
        $this->assertSame([$high, $normal], array_column($this->jobs->getQueuedJobs(2), 'batch_id'));
        $this->assertSame([], $this->jobs->getQueuedJobs(0));

        $batch = $queued[0]['batch_id'];
        $this->assertTrue($this->jobs->updateStatus($batch, 'processing'));
        $running = $this->jobs->getJob($batch);
        $this->assertSame(['processing', null, 'reference-worker:100'],
            [$running['status'], $running['error_message'], $running['worker_id']]);
        $this->assertMatchesRegularExpression(self::INSTANT, $running['started_at']);
        $this->assertTrue($this->jobs->updateStatus($batch, 'processing'), 'the holder asking again');

        // Fixed: the claim is atomic. A second process gets false, and its
        // writes are refused if it ignores that.
        $other = $this->otherProcess();
        $this->assertFalse($other->updateStatus($batch, 'processing'));
        $this->assertNotContains($batch, array_column($other->getQueuedJobs(), 'batch_id'));
        try {
            $other->updateProgress($batch, 1, 1, 0);
            $this->fail('a process that does not hold the job wrote its progress');
        } catch (StateException $e) {
            $this->assertStringContainsString('held by worker "reference-worker:100"', $e->getMessage());
        }

        // The progress callback, per row: failed = processed - imported, total never known.
        $this->assertTrue($this->jobs->updateProgress($batch, 10, 9, 1));
        $row = $this->jobs->getJob($batch);
        $this->assertSame([10, 9, 1, null, 0.0], [$row['processed_rows'], $row['imported_rows'],
            $row['failed_rows'], $row['total_rows'], $row['progress_percent']]);
        $this->assertTrue($this->jobs->updateProgress($batch, 15, 14, 1, 45));
        $this->assertSame(33.33, $this->jobs->getJob($batch)['progress_percent'], 'round(15/45*100, 2)');
        $this->assertTrue($this->jobs->updateProgress($batch, 20, 19, 1));
        $this->assertSame(45, $this->jobs->getJob($batch)['total_rows'], 'total = COALESCE(arg, total)');

        // completeJob(batch, $result->toArray(), 'completed').
        $summary = ['records_processed' => 20, 'records_imported' => 19, 'records_failed' => 1,
                    'errors' => ['Row 3: Invalid date'], 'successful' => false, 'batch_id' => $batch,
                    'dry_run' => false, 'meta' => ['format' => 'hh-interval', 'unit_counts' => ['kWh' => 19]]];
        $this->assertTrue($this->jobs->completeJob($batch, $summary, 'completed'));
        $done = $this->jobs->getJob($batch);
        self::assertReferenceRow($done);
        $this->assertSame(['completed', 20, 19, 1, $summary, null],
            [$done['status'], $done['processed_rows'], $done['imported_rows'], $done['failed_rows'],
             $done['summary'], $done['error_message']]);
        $this->assertMatchesRegularExpression(self::INSTANT, $done['completed_at']);
        $this->assertSame([$normal, $normal2, $low], array_column($this->jobs->getQueuedJobs(), 'batch_id'));

        // Fixed: nothing overwrites a finished job.
        $this->assertFalse($this->jobs->updateStatus($batch, 'processing'));
        $this->assertFalse($this->jobs->updateStatus($batch, 'failed', 'late'));
        $this->assertFalse($this->jobs->cancelJob($batch));
        $this->assertSame('completed', $this->jobs->getJob($batch)['status']);

        // updateStatus() with the other statuses.
        $this->assertTrue($this->jobs->updateStatus($normal, 'processing'));
        $this->assertTrue($this->jobs->updateStatus($normal, 'queued'), 'handed back');
        $this->assertSame(['queued', 0], [$this->jobs->getJob($normal)['status'], $this->jobs->getJob($normal)['retry_count']]);
        $this->assertTrue($this->jobs->updateStatus($normal, 'processing'));
        $this->assertTrue($this->jobs->updateStatus($normal, 'completed'));
        $this->assertSame('completed', $this->jobs->getJob($normal)['status']);
        $this->assertTrue($this->jobs->updateStatus($low, 'cancelled'));
        $this->assertFalse($this->jobs->updateStatus('00000000-0000-4000-8000-000000000000', 'processing'));
        $this->expectException(InvalidArgumentException::class);
        $this->jobs->updateStatus($normal2, 'paused');
    }

    public function testWorkerFailurePathRetryWithDelayThenFailForGood(): void
    {
        $batch = $this->upload('flaky.csv', ['maxRetries' => 1]);
        $job = $this->jobs->getQueuedJobs()[0];
        $this->assertTrue($this->jobs->updateStatus($batch, 'processing'));
        $this->jobs->updateProgress($batch, 5, 5, 0);

        // catch (Throwable): canRetry → retryJob(batch, min(2^retry_count * 60, 3600)).
        $this->assertTrue($this->jobs->canRetry($batch));
        $delay = min(2 ** $job['retry_count'] * 60, 3600);
        $before = time();
        $this->assertTrue($this->jobs->retryJob($batch, $delay));
        $row = $this->jobs->getJob($batch);
        $this->assertSame(['queued', 1, null, null, null], [$row['status'], $row['retry_count'],
            $row['error_message'], $row['started_at'], $row['completed_at']]);
        $due = strtotime($row['retry_at'] . ' UTC');
        $this->assertGreaterThanOrEqual($before + 60, $due);
        $this->assertLessThanOrEqual(time() + 60, $due);
        // Fixed: the delay is honoured (the reference re-ran it on the next loop).
        $this->assertSame([], $this->jobs->getQueuedJobs());
        $this->assertFalse($this->jobs->updateStatus($batch, 'processing'), 'not due yet');

        self::age($this->jobs, $batch, ['retry_at', 'queued_at'], 61);
        $this->assertSame([$batch], array_column($this->jobs->getQueuedJobs(), 'batch_id'));
        $this->assertTrue($this->jobs->updateStatus($batch, 'processing'));

        // Retries spent: canRetry false → updateStatus failed → alert → markAlertSent.
        $this->assertFalse($this->jobs->canRetry($batch));
        $this->assertFalse($this->jobs->retryJob($batch, 120), 'retries spent');
        try {
            $this->jobs->retryJob($batch, -1);
            $this->fail('a negative delay was taken');
        } catch (InvalidArgumentException $e) {
            $this->assertSame('processing', $this->jobs->getJob($batch)['status'], 'nothing changed');
        }
        $this->assertTrue($this->jobs->updateStatus($batch, 'failed', 'SQLSTATE[HY000]: gone away'));
        $failed = $this->jobs->getJob($batch);
        self::assertReferenceRow($failed);
        $this->assertSame(['failed', 'SQLSTATE[HY000]: gone away', 'SQLSTATE[HY000]: gone away', 1, 0],
            [$failed['status'], $failed['error_message'], $failed['last_error'], $failed['retry_count'],
             $failed['alert_sent']]);
        $this->assertMatchesRegularExpression(self::INSTANT, $failed['completed_at']);
        // Fixed: failed is final, not picked again.
        $this->assertSame([], $this->jobs->getQueuedJobs());

        $pending = $this->jobs->getFailedJobsNeedingAlerts();
        $this->assertSame([$batch], array_column($pending, 'batch_id'));
        self::assertReferenceRow($pending[0]);
        $this->assertTrue($this->jobs->markAlertSent($batch));
        $this->assertFalse($this->jobs->markAlertSent($batch), 'once only');
        $this->assertFalse($this->otherProcess()->markAlertSent($batch), 'nor by another sender');
        $marked = $this->jobs->getJob($batch);
        $this->assertSame(1, $marked['alert_sent']);
        $this->assertMatchesRegularExpression(self::INSTANT, $marked['alert_sent_at']);
        $this->assertSame([], $this->jobs->getFailedJobsNeedingAlerts());
        $this->assertFalse($this->jobs->markAlertSent('00000000-0000-4000-8000-000000000000'));
        $this->assertSame(0, $this->jobs->cleanupOldJobs(), 'nothing 30 days old');
    }

    public function testFailedUnderTheLibrarysRule(): void
    {
        // The reference's "File not found" check fails a job that is still
        // queued, leaving it runnable: picked again on every cycle forever.
        // Here the job is claimed and failed under the library's rule: a
        // retry spent, after the backoff, then failed for good.
        $missing = $this->upload('gone.csv', ['maxRetries' => 1]);
        $this->assertTrue($this->jobs->updateStatus($missing, 'failed', "File not found: $this->dir/gone.csv"));
        $row = $this->jobs->getJob($missing);
        $this->assertSame(['queued', 1, "File not found: $this->dir/gone.csv"],
            [$row['status'], $row['retry_count'], $row['last_error']]);
        $this->assertNotNull($row['retry_at'], 'waits out the backoff');
        $this->assertNotContains($missing, array_column($this->jobs->getQueuedJobs(), 'batch_id'));

        // completeJob(..., 'failed') fails it the same way, with the summary's first error.
        $batch = $this->upload('bad.csv', ['maxRetries' => 0]);
        $this->assertTrue($this->jobs->updateStatus($batch, 'processing'));
        $this->assertTrue($this->jobs->completeJob($batch, ['errors' => ['Row 1: no MPAN']], 'failed'));
        $this->assertSame(['failed', 'Row 1: no MPAN'],
            [$this->jobs->getJob($batch)['status'], $this->jobs->getJob($batch)['error_message']]);
        $this->assertFalse($this->jobs->updateStatus('00000000-0000-4000-8000-000000000000', 'failed', 'x'));
    }

    public function testCancelledWhileRunningStopsTheRun(): void
    {
        $batch = $this->upload('long.csv');
        $this->assertTrue($this->jobs->updateStatus($batch, 'processing'));
        $this->assertTrue($this->jobs->updateProgress($batch, 100, 100, 0));
        // An operator cancels it from the admin page (another process).
        $this->assertTrue($this->otherProcess()->cancelJob($batch));
        // Fixed: the worker's next write throws, so the run stops; nothing
        // it does afterwards brings the job back.
        foreach ([fn () => $this->jobs->updateProgress($batch, 200, 200, 0),
                  fn () => $this->jobs->completeJob($batch, ['records_processed' => 300])] as $write) {
            try {
                $write();
                $this->fail('a cancelled job took a write');
            } catch (StateException $e) {
                $this->assertStringContainsString('status is cancelled', $e->getMessage());
            }
        }
        // The reference worker's catch: canRetry → retryJob (refused).
        $this->assertTrue($this->jobs->canRetry($batch));
        $this->assertFalse($this->jobs->retryJob($batch, 60));
        $row = $this->jobs->getJob($batch);
        $this->assertSame(['cancelled', 100, 0], [$row['status'], $row['processed_rows'], $row['retry_count']]);
        $this->assertTrue($this->jobs->deleteJob($batch), 'no longer processing: deletable');
    }

    public function testCleanupOldJobs(): void
    {
        $old = $this->upload('old.csv');
        $recent = $this->upload('recent.csv');
        $queued = $this->upload('queued.csv');
        foreach ([$old, $recent] as $batch) {
            $this->jobs->updateStatus($batch, 'processing');
            $this->jobs->completeJob($batch, ['records_processed' => 1, 'records_imported' => 1]);
        }
        self::age($this->jobs, $old, ['queued_at', 'started_at', 'completed_at'], 31 * 86400);
        self::age($this->jobs, $queued, ['queued_at'], 90 * 86400);
        $this->assertSame(1, $this->jobs->cleanupOldJobs(30));
        $this->assertNull($this->jobs->getJob($old));
        $this->assertNotNull($this->jobs->getJob($recent));
        $this->assertNotNull($this->jobs->getJob($queued), 'queued jobs are never deleted');
        $this->assertSame(0, $this->jobs->cleanupOldJobs(daysOld: 30));
    }
    /**
     * The sites upload (ImportController::upload with import_type sites) once
     * the application registers its site importer as the store's handler
     * (docs/migration-guide.md, Sites uploads), and a critical upload claimed first.
     */
    public function testSitesUploadRunByTheApplicationsHandler(): void
    {
        $path = "$this->dir/app/storage/imports/sites.csv";
        file_put_contents($path, "name,postcode\nHead Office,BS1 1AA\n");
        $args = ['filename' => 'sites.csv', 'filePath' => $path, 'importType' => 'sites', 'userId' => 7,
                 'metadata' => ['default_site_id' => 3]];
        try {
            $this->jobs->createJob(...$args);
            $this->fail('a sites job without a handler');
        } catch (Eclectyc\InvalidException $e) {
            $this->assertStringContainsString('sites', $e->getMessage());
        }
        $critical = null;
        $criticalWhenRun = null;
        $this->jobs->store()->setJobHandler('sites',
            function (array $job) use (&$critical, &$criticalWhenRun): array {
                $criticalWhenRun = $this->jobs->getJob($critical)['status'];
                $n = count(array_slice(file($job['file_path'], FILE_IGNORE_NEW_LINES), 1));
                return ['processed' => $n, 'imported' => $n, 'failed' => 0, 'total' => $n,
                        'summary' => ['records_processed' => $n, 'records_imported' => $n,
                                      'records_failed' => 0, 'errors' => [], 'batch_id' => $job['batch_id'],
                                      'dry_run' => false, 'meta' => ['format' => 'sites']]];
            });
        $sites = $this->jobs->createJob(...$args);
        $critical = $this->upload('urgent.csv', ['priority' => 'critical', 'importType' => 'daily']);
        $this->assertSame([$critical, $sites], array_column($this->jobs->getQueuedJobs(), 'batch_id'));

        $report = (new Eclectyc\Worker($this->jobs->store(), 'reference-worker:100', false))->process(10);
        $this->assertSame([2, 2], [$report['claimed'], $report['completed']]);
        $row = $this->jobs->getJob($sites);
        self::assertReferenceRow($row);
        $this->assertSame(['sites', 'completed', 1, 1, 100.0, 'sites'],
            [$row['import_type'], $row['status'], $row['processed_rows'], $row['imported_rows'],
             $row['progress_percent'], $row['summary']['meta']['format']]);
        $this->assertSame('completed', $criticalWhenRun, 'the critical upload ran first');
    }
}
