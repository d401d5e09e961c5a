<?php
declare(strict_types=1);

use Eclectyc\ImportJobService;
use PHPUnit\Framework\TestCase;

/** The reference's ImportJobService API, over a store URI. */
final class ImportJobServiceTest extends TestCase
{
    public function testCreateJobWithEveryParameter(): void
    {
        $dir = TestEnv::dir();
        $svc = new ImportJobService(TestEnv::uri($dir));
        $id = $svc->createJob(filename: 'hh.csv', filePath: TestEnv::dailyCsv($dir), importType: 'daily',
            userId: 42, dryRun: true, notes: 'monthly upload', priority: 'high',
            tags: ['monthly', 'site-7'], metadata: ['default_site_id' => 7], maxRetries: 5);
        $this->assertSame(36, strlen($id));
        $job = $svc->getJob($id);
        ReferenceWorkflowTest::assertReferenceRow($job);
        // The reference's PDO row: dry_run 0/1, tags and metadata JSON text.
        $this->assertSame(['hh.csv', 'daily', 42, 1, 'monthly upload', 'high', '["monthly","site-7"]',
                           '{"default_site_id":7}', 5, 'queued', 0, null, null, 0.0],
            [$job['filename'], $job['import_type'], $job['user_id'], $job['dry_run'], $job['notes'],
             $job['priority'], $job['tags'], $job['metadata'], $job['max_retries'], $job['status'],
             $job['retry_count'], $job['user_name'], $job['user_email'], $job['progress_percent']]);
        $this->assertMatchesRegularExpression('/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/', $job['queued_at']);
    }

    public function testDefaultsAndEmptyTagsAreNull(): void
    {
        $dir = TestEnv::dir();
        $svc = new ImportJobService(new Eclectyc\Store(TestEnv::uri($dir)));
        $job = $svc->getJob($svc->createJob('a.csv', TestEnv::dailyCsv($dir), 'hh', tags: [], metadata: []));
        $this->assertSame([null, 0, null, 'normal', null, null, 3],
            [$job['user_id'], $job['dry_run'], $job['notes'], $job['priority'], $job['tags'],
             $job['metadata'], $job['max_retries']]);
    }

    public function testInvalidArguments(): void
    {
        $dir = TestEnv::dir();
        $svc = new ImportJobService(TestEnv::uri($dir));
        $csv = TestEnv::dailyCsv($dir);
        foreach ([fn() => $svc->createJob('a', $csv, 'sites'), fn() => $svc->createJob('a', $csv, 'hh', priority: 'urgent'),
                  fn() => $svc->createJob('a', $csv, 'hh', maxRetries: -1)] as $call) {
            try {
                $call();
                $this->fail('no exception');
            } catch (Eclectyc\InvalidException $e) {
                $this->assertSame(EINVALID, $e->getCode());
            }
        }
        $this->expectException(InvalidArgumentException::class);
        $svc->createJob('a', $csv, 'hh', tags: ['k' => 'v']);
    }

    public function testGetJobOfAnUnknownIdIsNull(): void
    {
        $svc = new ImportJobService('sqlite::memory:');
        $this->assertNull($svc->getJob('00000000-0000-4000-8000-000000000000'));
        $this->assertNull($svc->getJob(''));
    }

    public function testRecentJobsLimitStatusAndOrder(): void
    {
        $dir = TestEnv::dir();
        $svc = new ImportJobService(TestEnv::uri($dir));
        $csv = TestEnv::dailyCsv($dir);
        $ids = [];
        for ($i = 0; $i < 5; $i++) {
            $ids[] = $svc->createJob("f$i.csv", $csv, 'daily');
        }
        $svc->cancelJob($ids[1]);
        $recent = $svc->getRecentJobs();
        $this->assertCount(5, $recent);
        $this->assertSame(array_reverse($ids), array_column($recent, 'batch_id'), 'newest first');
        $this->assertCount(2, $svc->getRecentJobs(2));
        $this->assertSame([$ids[1]], array_column($svc->getRecentJobs(20, 'cancelled'), 'batch_id'));
        $this->assertCount(4, $svc->getRecentJobs(20, 'queued'));
        $this->assertSame([], $svc->getRecentJobs(20, 'bogus'), 'unknown status: empty, as the reference');
        $high = $svc->createJob('high.csv', $csv, 'daily', priority: 'high');
        $this->assertSame([$high], array_column($svc->getRecentJobs(20, null, 'high'), 'batch_id'));
        $this->assertSame([$high], array_column($svc->getRecentJobs(priority: 'high', status: 'queued'), 'batch_id'));
        $this->assertSame([], $svc->getRecentJobs(20, 'cancelled', 'high'));
        $this->assertCount(5, $svc->getRecentJobs(20, '', 'normal'));
        $this->assertCount(6, $svc->getRecentJobs(20, null, ''), "'' is any");
        $this->assertSame([], $svc->getRecentJobs(20, null, 'urgent'), 'unknown priority: empty');
        $this->assertSame(['queued' => 5, 'processing' => 0, 'completed' => 0, 'failed' => 0, 'cancelled' => 1,
                           'total' => 6], $svc->jobCounts());
        $this->assertArrayHasKey('user_email', $recent[0]);
    }

    public function testRetryNowAndLater(): void
    {
        $dir = TestEnv::dir();
        $uri = TestEnv::uri($dir);
        $svc = new ImportJobService($uri);
        $id = $svc->createJob('bad.csv', TestEnv::badCsv($dir), 'daily', maxRetries: 2);
        $worker = new Eclectyc\Worker($svc->store(), 'w', false);
        $worker->process();
        $failed = $svc->getJob($id);
        $this->assertSame('failed', $failed['status']);
        $this->assertNotNull($failed['error_message']);
        $this->assertSame(['failed'], array_column($svc->getRecentJobs(20, 'failed'), 'status'));

        $this->assertTrue($svc->retryJob($id));                       // now
        $job = $svc->getJob($id);
        $this->assertSame(['queued', 1, null], [$job['status'], $job['retry_count'], $job['retry_at']]);

        $worker->process();
        $before = time();
        $this->assertTrue($svc->retryJob($id, 600));                  // in 10 minutes
        $job = $svc->getJob($id);
        $this->assertSame(['queued', 2], [$job['status'], $job['retry_count']]);
        $due = strtotime($job['retry_at'] . ' UTC');
        $this->assertGreaterThanOrEqual($before + 600, $due);
        $this->assertLessThanOrEqual(time() + 601, $due);
        $this->assertSame(0, $worker->process()['claimed'], 'not runnable before retry_at');

        $this->assertFalse($svc->retryJob('00000000-0000-4000-8000-000000000000'), 'unknown: false');
        $this->assertFalse($svc->retryJob($id), 'queued, not failed: false');
    }

    public function testRetriesExhaustedIsFalse(): void
    {
        $dir = TestEnv::dir();
        $svc = new ImportJobService(TestEnv::uri($dir));
        $id = $svc->createJob('bad.csv', TestEnv::badCsv($dir), 'daily', maxRetries: 0);
        (new Eclectyc\Worker($svc->store()))->process();
        $this->assertSame('failed', $svc->getJob($id)['status']);
        $this->assertFalse($svc->retryJob($id));
    }

    public function testCancel(): void
    {
        $dir = TestEnv::dir();
        $svc = new ImportJobService(TestEnv::uri($dir));
        $id = $svc->createJob('a.csv', TestEnv::dailyCsv($dir), 'daily');
        $this->assertTrue($svc->cancelJob($id));
        $job = $svc->getJob($id);
        $this->assertSame('cancelled', $job['status']);
        $this->assertNotNull($job['completed_at']);
        $this->assertFalse($svc->cancelJob($id), 'already ended');
        $this->assertFalse($svc->cancelJob('nope'), 'unknown');
        $this->assertFalse($svc->retryJob($id), 'cancelled is terminal');
    }

    public function testCompletedJobSummaryIsDecoded(): void
    {
        $dir = TestEnv::dir();
        $svc = new ImportJobService(TestEnv::uri($dir));
        $id = $svc->createJob('a.csv', TestEnv::dailyCsv($dir, 40), 'daily');
        (new Eclectyc\Worker($svc->store()))->process();
        $job = $svc->getJob($id);
        $this->assertSame('completed', $job['status']);
        $this->assertSame(40, $job['summary']['records_imported']);
        $this->assertSame($id, $job['summary']['batch_id']);
        $this->assertSame(40, $job['imported_rows']);
        $this->assertSame(0, $svc->cleanupOldJobs(30));
    }

    /**
     * SQLite holds no users table: every row is referenceRow() of the
     * library's job, user_name and user_email null, whatever its user_id.
     */
    public function testRowsUnchangedOnSqlite(): void
    {
        $dir = TestEnv::dir();
        $svc = new ImportJobService(TestEnv::uri($dir));
        $store = $svc->store();
        $csv = TestEnv::dailyCsv($dir);
        $withUser = $svc->createJob('a.csv', $csv, 'daily', userId: 1);
        $without = $svc->createJob('b.csv', $csv, 'daily');
        $failed = $svc->createJob('c.csv', $csv, 'daily', userId: 1, maxRetries: 0);
        $this->assertTrue($svc->updateStatus($failed, 'failed', 'boom'));
        $this->assertNull($store->hostUser(1));
        $expected = fn (string $id): array => ImportJobService::referenceRow($store->getJob($id));
        foreach ([$withUser, $without, $failed] as $id) {
            $this->assertSame($expected($id), $svc->getJob($id));
            $this->assertSame($expected($id), $svc->getJobById($store->getJob($id)['id']));
        }
        $this->assertSame(array_map($expected, [$failed, $without, $withUser]), $svc->getRecentJobs());
        $this->assertSame(array_map($expected, [$withUser, $without]), $svc->getQueuedJobs());
        $this->assertSame([$expected($failed)], $svc->getFailedJobsNeedingAlerts());
        $this->assertSame([1, null, null], [$svc->getJob($withUser)['user_id'],
            $svc->getJob($withUser)['user_name'], $svc->getJob($withUser)['user_email']]);
    }

    public function testHostUserOfAnInvalidIdThrows(): void
    {
        $store = new Eclectyc\Store('sqlite::memory:');
        $this->expectException(Eclectyc\InvalidException::class);
        $store->hostUser(0);
    }

    /** Each distinct user id is looked up once per call, and again on the next call. */
    public function testEachUserLookedUpOncePerCall(): void
    {
        $dir = TestEnv::dir();
        $svc = new CountingImportJobService(TestEnv::uri($dir));
        $csv = TestEnv::dailyCsv($dir);
        foreach ([1, 2, 1, null, 2, 1] as $i => $user) {
            $svc->createJob("f$i.csv", $csv, 'daily', userId: $user);
        }
        $rows = $svc->getRecentJobs();
        $this->assertCount(6, $rows);
        $this->assertSame([1, 2], $svc->lookups);
        // The overridden lookup fills the rows (a host whose users live elsewhere).
        $this->assertSame(['user-1', 'user-2', null, 'user-1', 'user-2', 'user-1'],
            array_column($rows, 'user_name'));
        $this->assertSame('u1@example.com', $rows[0]['user_email']);
        $svc->lookups = [];
        $svc->getQueuedJobs(3);
        $this->assertSame([1, 2], $svc->lookups, 'looked up again on the next call');
        $svc->lookups = [];
        $svc->getJob($rows[2]['batch_id']);
        $this->assertSame([], $svc->lookups, 'a job without a user needs no lookup');
    }
}

/** An ImportJobService whose users come from elsewhere, counting the lookups. */
final class CountingImportJobService extends ImportJobService
{
    /** @var int[] */
    public array $lookups = [];

    protected function hostUser(int $userId): ?array
    {
        $this->lookups[] = $userId;
        return ['name' => "user-$userId", 'email' => "u$userId@example.com"];
    }
}
