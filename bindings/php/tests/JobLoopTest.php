<?php
declare(strict_types=1);

use Eclectyc\NotFoundException;
use Eclectyc\StateException;
use Eclectyc\Store;
use PHPUnit\Framework\TestCase;

/** A host's own loop over the queue: Store::claimJob() … releaseJob(). */
final class JobLoopTest extends TestCase
{
    private function storeWithJob(int $maxRetries = 3): array
    {
        $dir = TestEnv::dir();
        $store = new Store(TestEnv::uri($dir), logLevel: Store::LOG_ERROR, useConfig: false);
        $id = $store->createJob('a.csv', TestEnv::dailyCsv($dir), 'daily', maxRetries: $maxRetries);
        return [$store, $id];
    }

    /** @return callable[] every call that needs the job processing and held by $worker */
    private static function transitions(Store $store, string $id, string $worker): array
    {
        return [
            'heartbeat' => fn() => $store->heartbeat($id, $worker),
            'progress' => fn() => $store->updateProgress($id, $worker, 1, 1, 0),
            'complete' => fn() => $store->completeJob($id, $worker, ['ok' => true]),
            'fail' => fn() => $store->failJob($id, $worker, 'boom'),
            'release' => fn() => $store->releaseJob($id, $worker),
        ];
    }

    private function assertRefused(callable $call, string $class, string $pattern, string $what): void
    {
        try {
            $call();
            $this->fail("$what: no exception");
        } catch (\EclectycException $e) {
            $this->assertInstanceOf($class, $e, $what);
            $this->assertMatchesRegularExpression($pattern, $e->getMessage(), $what);
        }
    }

    public function testClaimProgressComplete(): void
    {
        [$store, $id] = $this->storeWithJob();
        $job = $store->claimJob('host-a:1');
        $this->assertSame([$id, 'processing', 'host-a:1'], [$job['batch_id'], $job['status'], $job['worker_id']]);
        $this->assertNotNull($job['started_at']);
        $this->assertNull($store->claimJob('host-b:2'), 'nothing else is runnable');

        $store->heartbeat($id, 'host-a:1');
        $store->updateProgress($id, 'host-a:1', 40, 38, 2, 100);
        $row = $store->getJob($id);
        $this->assertSame([40, 38, 2, 100, 40.0], [$row['processed_rows'], $row['imported_rows'],
            $row['failed_rows'], $row['total_rows'], $row['progress_percent']]);

        $store->completeJob($id, 'host-a:1', ['records_imported' => 98], 100, 98, 2);
        $row = $store->getJob($id);
        $this->assertSame(['completed', 100, 98, 2, ['records_imported' => 98]],
            [$row['status'], $row['processed_rows'], $row['imported_rows'], $row['failed_rows'],
             $row['summary']]);
        $this->assertNotNull($row['completed_at']);
    }

    public function testCompleteKeepsTheLastProgressWhenNoCountersAreGiven(): void
    {
        [$store, $id] = $this->storeWithJob();
        $store->claimJob('w');
        $store->updateProgress($id, 'w', 7, 6, 1);
        $store->completeJob($id, 'w');
        $row = $store->getJob($id);
        $this->assertSame(['completed', 7, 6, 1], [$row['status'], $row['processed_rows'],
            $row['imported_rows'], $row['failed_rows']]);
    }

    public function testFailureRuleTransientThenExhausted(): void
    {
        [$store, $id] = $this->storeWithJob(1);
        $store->claimJob('w');
        $this->assertSame('queued', $store->failJob($id, 'w', 'database went away'));
        $row = $store->getJob($id);
        $this->assertSame(['queued', 1, 'database went away', 'transient'],
            [$row['status'], $row['retry_count'], $row['last_error'], $row['error_class']]);
        $this->assertNotNull($row['retry_at'], 'requeued with a backoff');
        $this->assertNull($store->claimJob('w'), 'not due before retry_at');
    }

    public function testPermanentFailureAndExhaustedRetriesFail(): void
    {
        [$store, $id] = $this->storeWithJob(0);
        $store->claimJob('w');
        $this->assertSame('failed', $store->failJob($id, 'w', 'no retries left'));
        [$store, $id] = $this->storeWithJob(3);
        $store->claimJob('w');
        $this->assertSame('failed', $store->failJob($id, 'w', 'bad file', permanent: true));
        $row = $store->getJob($id);
        $this->assertSame(['failed', 0, 'permanent', 'bad file'],
            [$row['status'], $row['retry_count'], $row['error_class'], $row['error_message']]);
    }

    public function testReleaseKeepsTheRetries(): void
    {
        [$store, $id] = $this->storeWithJob();
        $store->claimJob('w');
        $store->releaseJob($id, 'w');
        $row = $store->getJob($id);
        $this->assertSame(['queued', 0, null], [$row['status'], $row['retry_count'], $row['worker_id']]);
        $this->assertSame($id, $store->claimJob('w2')['batch_id'], 'runnable again at once');
    }

    public function testAnotherWorkersJobIsRefused(): void
    {
        [$store, $id] = $this->storeWithJob();
        $store->claimJob('owner');
        foreach (self::transitions($store, $id, 'intruder') as $what => $call) {
            $this->assertRefused($call, StateException::class, '/held by worker "owner", not "intruder"/', $what);
        }
        $row = $store->getJob($id);
        $this->assertSame(['processing', 'owner', 0], [$row['status'], $row['worker_id'], $row['processed_rows']]);
    }

    public function testAJobNotProcessingIsRefused(): void
    {
        [$store, $id] = $this->storeWithJob();
        foreach (self::transitions($store, $id, 'w') as $what => $call) {
            $this->assertRefused($call, StateException::class, '/status is queued, expected processing/', $what);
        }
        $store->claimJob('w');
        $store->cancelJob($id);
        foreach (self::transitions($store, $id, 'w') as $what => $call) {
            $this->assertRefused($call, StateException::class, '/status is cancelled/', $what);
        }
        $this->assertSame('cancelled', $store->getJob($id)['status'], 'a cancelled job stays cancelled');
    }

    public function testUnknownJobAndBadArguments(): void
    {
        [$store] = $this->storeWithJob();
        foreach (self::transitions($store, '00000000-0000-4000-8000-000000000000', 'w') as $what => $call) {
            $this->assertRefused($call, NotFoundException::class, '/00000000-0000-4000-8000-000000000000/', $what);
        }
        $this->assertRefused(fn() => $store->claimJob(''), Eclectyc\InvalidException::class, '/worker id/', 'claim');
        [$store, $id] = $this->storeWithJob();
        $store->claimJob('w');
        $this->assertRefused(fn() => $store->updateProgress($id, 'w', -1, 0, 0), Eclectyc\InvalidException::class,
            '/must not be negative/', 'negative counter');
        $this->assertRefused(fn() => $store->failJob($id, 'w', ''), Eclectyc\InvalidException::class,
            '/needs a message/', 'empty message');
        $this->assertRefused(fn() => $store->completeJob($id, 'w', ['a', 'b']), Eclectyc\InvalidException::class,
            '/JSON object/', 'summary not an object');
        $this->assertSame('processing', $store->getJob($id)['status'], 'nothing written by a refused call');
    }
}
