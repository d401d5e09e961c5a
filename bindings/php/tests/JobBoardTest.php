<?php
declare(strict_types=1);

use Eclectyc\JobBoard;
use PHPUnit\Framework\TestCase;

/** Eclectyc\JobBoard: what the operators' pages (examples/php/admin) read and do. */
final class JobBoardTest extends TestCase
{
    public function testJobsFilteredByStatusAndPriorityNewestFirst(): void
    {
        $dir = TestEnv::dir();
        $board = new JobBoard(TestEnv::uri($dir));
        $svc = new Eclectyc\ImportJobService($board->store());
        $csv = TestEnv::dailyCsv($dir, 10);
        $ids = [];
        foreach (['low', 'high', 'normal', 'high', 'low'] as $i => $priority) {
            $ids[] = $svc->createJob("f$i.csv", $csv, 'daily', priority: $priority);
        }
        $svc->cancelJob($ids[3]);

        $this->assertSame(array_reverse($ids), array_column($board->jobs(), 'batch_id'));
        $this->assertSame([$ids[3], $ids[1]], array_column($board->jobs(priority: 'high'), 'batch_id'));
        $this->assertSame([$ids[1]], array_column($board->jobs('queued', 'high'), 'batch_id'));
        $this->assertSame([$ids[3]], array_column($board->jobs('cancelled'), 'batch_id'));
        $this->assertSame([$ids[4]], array_column($board->jobs(priority: 'low', limit: 1), 'batch_id'));
        $this->assertSame([$ids[4]], array_column($board->jobs(limit: 1), 'batch_id'));
        $this->assertSame(array_reverse($ids), array_column($board->jobs('', ''), 'batch_id'), "'' is any");
        $this->assertSame([], $board->jobs('bogus'));
        $this->assertSame([], $board->jobs(null, 'urgent'));
        $this->assertSame([], $board->jobs(limit: 0));
        // The store filters by priority before the limit: the newest high job, not the newest job.
        $this->assertSame([$ids[3]], array_column($board->jobs(priority: 'high', limit: 1), 'batch_id'));
        $this->assertSame([$ids[2]], array_column($board->jobs('queued', 'normal', 1), 'batch_id'));
        // Exactly the jobs of each priority, whatever their number.
        for ($i = 0; $i < 30; $i++) {
            $svc->createJob("n$i.csv", $csv, 'daily');
        }
        $all = $board->store()->listJobs(null, 0);
        foreach (JobBoard::PRIORITIES as $priority) {
            $want = array_column(array_filter($all, fn (array $j): bool => $j['priority'] === $priority), 'batch_id');
            $this->assertSame(array_values($want), array_column($board->jobs(priority: $priority, limit: 500), 'batch_id'), $priority);
        }
        $this->assertSame([$ids[1]], array_column($board->jobs('queued', 'high', 500), 'batch_id'));
        // Rows have ImportJobService's shape.
        $row = $board->jobs()[0];
        $this->assertArrayHasKey('user_email', $row);
        $this->assertIsFloat($row['progress_percent']);
    }

    public function testCountByStatus(): void
    {
        $dir = TestEnv::dir();
        $board = new JobBoard(TestEnv::uri($dir));
        $this->assertSame(['queued' => 0, 'processing' => 0, 'completed' => 0, 'failed' => 0,
                           'cancelled' => 0, 'total' => 0], $board->countByStatus());
        $svc = new Eclectyc\ImportJobService($board->store());
        $csv = TestEnv::dailyCsv($dir, 10);
        $svc->createJob('bad.csv', TestEnv::badCsv($dir), 'daily', priority: 'high');
        $svc->createJob('a.csv', $csv, 'daily');
        (new Eclectyc\Worker($board->store(), 'count', false))->process(2);
        $svc->cancelJob($svc->createJob('b.csv', $csv, 'daily'));
        for ($i = 0; $i < 3; $i++) {
            $svc->createJob("q$i.csv", $csv, 'daily');
        }
        $counts = $board->countByStatus();
        $this->assertSame(['queued' => 3, 'processing' => 0, 'completed' => 1, 'failed' => 1,
                           'cancelled' => 1, 'total' => 6], $counts);
        // Exact, whatever the number: the same as listing every job of each status.
        for ($i = 0; $i < 1200; $i++) {
            $svc->createJob("m$i.csv", $csv, 'daily');
        }
        (new Eclectyc\Worker($board->store(), 'count', false))->process(1);
        $counts = $board->countByStatus();
        $this->assertSame(['queued' => 1202, 'processing' => 0, 'completed' => 2, 'failed' => 1,
                           'cancelled' => 1, 'total' => 1206], $counts);
        foreach (JobBoard::STATUSES as $status) {
            $this->assertCount($counts[$status], $board->store()->listJobs($status, 0), $status);
        }
        $this->assertSame($counts, $svc->jobCounts());
    }

    public function testAttemptsOfARetriedJob(): void
    {
        $dir = TestEnv::dir();
        $board = new JobBoard(TestEnv::uri($dir));
        $svc = new Eclectyc\ImportJobService($board->store());
        $bad = TestEnv::badCsv($dir);
        $id = $svc->createJob('bad.csv', $bad, 'daily', maxRetries: 1);
        $this->assertSame([], $board->attempts($id), 'never ran');
        (new Eclectyc\Worker($board->store(), 'first-worker', false))->process();
        file_put_contents($bad, file_get_contents(TestEnv::dailyCsv($dir, 10)));
        $this->assertTrue($svc->retryJob($id));
        $this->assertCount(1, $board->attempts($id), 'a retry is not an attempt until the job runs');
        (new Eclectyc\Worker($board->store(), 'second-worker', false))->process();

        $job = $board->job($id);
        $this->assertSame('completed', $job['status']);
        $attempts = $board->attempts($id);
        $this->assertSame([[1, 'first-worker', 'failed', 'permanent'], [2, 'second-worker', 'completed', 10]],
            array_map(fn (array $a): array => [$a['attempt'], $a['worker_id'], $a['outcome'],
                $a['outcome'] === 'failed' ? $a['error_class'] : $a['imported_rows']], $attempts));
        $this->assertStringContainsString('meter identifier', $attempts[0]['error_message']);
        $this->assertNull($attempts[1]['error_message']);
        $this->assertSame($job['started_at'], $attempts[1]['started_at']);
        $this->assertSame($job['completed_at'], $attempts[1]['ended_at']);

        $history = JobBoard::retryHistory($job, $attempts);
        $this->assertSame([1, 1, 0, true, false], [$history['retries_spent'], $history['max_retries'],
            $history['retries_left'], $history['exhausted'], $history['retryable']]);
        $this->assertCount(2, $history['attempts']);
        $this->assertSame([false, false], array_column($history['attempts'], 'running'));
        $this->assertGreaterThanOrEqual(0, $history['attempts'][0]['duration_seconds']);
        $events = array_column($history['events'], 'event');
        $this->assertEqualsCanonicalizing(['queued', 'started', 'failed', 'failure alert sent', 'attempt 2 started',
            'completed'], $events);
        $this->assertSame(['queued', 'started', 'failed', 'attempt 2 started', 'completed'],
            array_values(array_diff($events, ['failure alert sent'])), 'in time order');
        $at = array_column($history['events'], 'at');
        $sorted = $at;
        sort($sorted);
        $this->assertSame($sorted, $at);
        $this->assertSame('second-worker', $history['events'][array_search('attempt 2 started', $events, true)]['detail']);

        // The service: null for an unknown job, like getJob().
        $this->assertSame($attempts, $svc->jobAttempts($id));
        $this->assertNull($svc->jobAttempts('00000000-0000-4000-8000-000000000000'));
        $this->assertNull($svc->jobAttempts(''));
        $this->assertSame([], $board->attempts('00000000-0000-4000-8000-000000000000'));
        $this->assertSame([], $board->attempts(''));
    }

    public function testHistoryOfARunningAndACancelledJob(): void
    {
        $t = fn (int $s): string => gmdate('Y-m-d H:i:s', 1_700_000_000 + $s);
        $job = ['status' => 'processing', 'retry_count' => 1, 'max_retries' => 3, 'queued_at' => $t(0),
                'started_at' => $t(100)];
        $attempts = [
            ['attempt' => 1, 'worker_id' => 'a', 'started_at' => $t(10), 'ended_at' => $t(40), 'outcome' => 'queued',
             'error_message' => 'database is locked', 'error_class' => 'transient'],
            ['attempt' => 2, 'worker_id' => 'b', 'started_at' => $t(100), 'ended_at' => null, 'outcome' => 'processing',
             'error_message' => null, 'error_class' => null],
        ];
        $h = JobBoard::retryHistory($job, $attempts, 1_700_000_130);
        $this->assertSame([[false, 30], [true, 30]], array_map(fn (array $a): array => [$a['running'],
            $a['duration_seconds']], $h['attempts']));
        $this->assertSame(['queued', 'started', 'requeued', 'attempt 2 started'], array_column($h['events'], 'event'));
        $this->assertSame('database is locked', $h['events'][2]['detail']);

        // Cancelled while queued after a failed attempt: the cancellation is an event of its own.
        $cancelled = ['status' => 'cancelled', 'completed_at' => $t(500), 'error_message' => 'Job cancelled by user'] + $job;
        $attempts[1] = ['ended_at' => $t(200), 'outcome' => 'failed', 'error_message' => 'x'] + $attempts[1];
        $h = JobBoard::retryHistory($cancelled, $attempts, 1_700_000_600);
        $this->assertSame(['queued', 'started', 'requeued', 'attempt 2 started', 'failed', 'cancelled'],
            array_column($h['events'], 'event'));
        // Cancelled while processing: the attempt's end is the cancellation.
        $attempts[1]['outcome'] = 'cancelled';
        $h = JobBoard::retryHistory($cancelled, $attempts, 1_700_000_600);
        $this->assertSame(1, count(array_keys(array_column($h['events'], 'event'), 'cancelled')));
    }

    public function testOperatorRetryAndCancel(): void
    {
        $dir = TestEnv::dir();
        $board = new JobBoard(TestEnv::uri($dir));
        $svc = new Eclectyc\ImportJobService($board->store());
        $id = $svc->createJob('bad.csv', TestEnv::badCsv($dir), 'daily', maxRetries: 0);
        (new Eclectyc\Worker($board->store(), 'retry', false))->process();
        $job = $board->job($id);
        $this->assertSame('failed', $job['status']);
        $this->assertFalse($svc->retryJob($id), "the reference's rule: retries spent");

        $history = JobBoard::retryHistory($job, $board->attempts($id));
        $this->assertSame([0, 0, 0, true, true, 'permanent'], [$history['retries_spent'],
            $history['max_retries'], $history['retries_left'], $history['exhausted'],
            $history['retryable'], $history['error_class']]);
        $this->assertStringContainsString('meter identifier', $history['last_error']);
        $this->assertSame(['queued', 'started', 'failed', 'failure alert sent'],
            array_unique(array_column($history['events'], 'event')));

        $before = time();
        $job = $board->retry($id, 120);        // the library's rule: an operator may requeue
        $this->assertSame(['queued', 1], [$job['status'], $job['retry_count']]);
        $due = JobBoard::instant($job['retry_at']);
        $this->assertGreaterThanOrEqual($before + 120, $due);
        $history = JobBoard::retryHistory($job, $board->attempts($id));
        $this->assertSame([1, $job['retry_at'], true, false], [$history['retries_spent'],
            $history['next_attempt_at'], $history['waiting'], $history['retryable']]);
        $this->assertSame('retry due', end($history['events'])['event']);
        $this->assertSame([[1, 'retry', 'failed']], array_map(fn (array $a): array => [$a['attempt'],
            $a['worker_id'], $a['outcome']], $history['attempts']), 'one attempt: the retry has not run yet');
        $this->assertStringContainsString('meter identifier', $history['last_error'], 'kept across retries');

        try {
            $board->retry($id);
            $this->fail('a queued job was retried');
        } catch (Eclectyc\StateException $e) {
            $this->assertStringContainsString('queued', $e->getMessage());
        }
        $this->assertSame('cancelled', $board->cancel($id)['status']);
        try {
            $board->cancel($id);
            $this->fail('a cancelled job was cancelled');
        } catch (Eclectyc\StateException $e) {
            $this->assertStringContainsString('cancelled', $e->getMessage());
        }
        $this->expectException(Eclectyc\NotFoundException::class);
        $board->retry('00000000-0000-4000-8000-000000000000');
    }

    public function testRetryDelayOutOfRange(): void
    {
        $board = new JobBoard('sqlite::memory:');
        $this->assertNull($board->job('00000000-0000-4000-8000-000000000000'));
        $this->assertNull($board->job(''));
        $this->expectException(InvalidArgumentException::class);
        $board->retry('00000000-0000-4000-8000-000000000000', -1);
    }

    public function testProgressFigures(): void
    {
        $t0 = gmdate('Y-m-d H:i:s', 1_700_000_000);
        $queued = ['batch_id' => 'b', 'status' => 'queued', 'total_rows' => null, 'processed_rows' => 0,
                   'imported_rows' => 0, 'failed_rows' => 0, 'started_at' => null, 'completed_at' => null];
        $p = JobBoard::progress($queued, 1_700_000_100);
        $this->assertSame(['queued', false, 0.0, null, null, null, null], [$p['status'], $p['final'],
            $p['percent'], $p['total_rows'], $p['elapsed_seconds'], $p['rows_per_second'], $p['eta_seconds']]);

        $running = ['status' => 'processing', 'total_rows' => 10000, 'processed_rows' => 2500,
                    'imported_rows' => 2400, 'failed_rows' => 100, 'started_at' => $t0] + $queued;
        $p = JobBoard::progress($running, 1_700_000_010);
        $this->assertSame([25.0, 10, 250.0, 30, 2400, 100], [$p['percent'], $p['elapsed_seconds'],
            $p['rows_per_second'], $p['eta_seconds'], $p['imported_rows'], $p['failed_rows']]);
        $this->assertSame(99.9, JobBoard::progress(['processed_rows' => 9999] + $running, 1_700_000_010)['percent'],
            'never 100 before it is done');
        $this->assertNull(JobBoard::progress($running, 1_700_000_000)['rows_per_second'], 'no time yet');
        $this->assertSame(0.0, JobBoard::progress(['total_rows' => 0] + $running)['percent']);

        $done = ['status' => 'completed', 'processed_rows' => 10000,
                 'completed_at' => gmdate('Y-m-d H:i:s', 1_700_000_020)] + $running;
        $p = JobBoard::progress($done, 1_800_000_000);
        $this->assertSame([true, 100.0, 20, 500.0, null], [$p['final'], $p['percent'], $p['elapsed_seconds'],
            $p['rows_per_second'], $p['eta_seconds']]);
        $this->assertSame(100.0, JobBoard::progress(['total_rows' => null] + $done)['percent']);

        $failed = ['status' => 'failed', 'processed_rows' => 0, 'total_rows' => null] + $done;
        $p = JobBoard::progress($failed);
        $this->assertSame([true, 0.0, null], [$p['final'], $p['percent'], $p['rows_per_second']]);

        $this->assertSame(1_700_000_000, JobBoard::instant($t0));
        $this->assertNull(JobBoard::instant('yesterday'));
        $this->assertNull(JobBoard::instant(null));
    }

    public function testProgressOfARealImport(): void
    {
        $dir = TestEnv::dir();
        $board = new JobBoard(TestEnv::uri($dir));
        $svc = new Eclectyc\ImportJobService($board->store());
        $id = $svc->createJob('a.csv', TestEnv::dailyCsv($dir, 12000), 'daily');
        $seen = [];
        $worker = new Eclectyc\Worker($board->store(), 'progress', false,
            function () use ($board, $id, &$seen): void {
                $seen[] = JobBoard::progress($board->job($id));
            });
        $worker->process();
        $this->assertNotEmpty($seen);
        $first = $seen[0];
        $this->assertSame(['processing', false, 12000], [$first['status'], $first['final'], $first['total_rows']],
            'the worker counts the rows first');
        $this->assertGreaterThan(0.0, $first['percent']);
        $this->assertLessThan(100.0, $first['percent']);
        $this->assertSame(array_column($seen, 'processed_rows'), array_values(array_unique(array_column($seen, 'processed_rows'))));
        $p = JobBoard::progress($board->job($id));
        $this->assertSame(['completed', true, 100.0, 12000], [$p['status'], $p['final'], $p['percent'],
            $p['processed_rows']]);
    }
}
