<?php
declare(strict_types=1);

use PHPUnit\Framework\TestCase;

/**
 * Ownership: objects and returned strings are freed exactly once, callables
 * handed to the C side are released with their owner. 100,000 of each kind
 * with flat memory (the PHP heap, memory_get_usage, and the process's RSS,
 * which also sees the C side's malloc).
 */
final class OwnershipTest extends TestCase
{
    private const N = 100000;

    /** Runs $body N times after a warm-up; returns [heap growth, RSS growth] in bytes. */
    private function measure(callable $body): array
    {
        for ($i = 0; $i < 2000; $i++) {
            $body($i);
        }
        gc_collect_cycles();
        $heap0 = memory_get_usage();
        $rss0 = TestEnv::rss();
        for ($i = 0; $i < self::N; $i++) {
            $body($i);
        }
        gc_collect_cycles();
        return [memory_get_usage() - $heap0, TestEnv::rss() - $rss0];
    }

    private function report(string $what, array $growth): void
    {
        fwrite(STDERR, sprintf("\n[ownership] %s x %d: heap %+d B, RSS %+d KiB", $what, self::N,
            $growth[0], intdiv($growth[1], 1024)));
        $this->assertLessThan(64 * 1024, $growth[0], "$what: PHP heap grew");
        $this->assertLessThan(4 * 1024 * 1024, $growth[1], "$what: RSS grew");
    }

    public function testStoresAndWorkersWithCallbacks(): void
    {
        $this->report('Store+Worker with callables', $this->measure(function (int $i): void {
            $payload = str_repeat('x', 100);
            $s = new EclectycStore('sqlite::memory:', 0, function ($l, $m) use ($payload) {
            }, 3);
            $w = new EclectycWorker($s, "w$i", 0, function () use ($payload) {
                return false;
            });
            unset($s);   // the worker holds the store
            unset($w);
        }));
    }

    public function testReturnedStringsAndExceptions(): void
    {
        $dir = TestEnv::dir();
        $s = new EclectycStore(TestEnv::uri($dir));
        $id = $s->create_job('f', TestEnv::dailyCsv($dir, 5), 'daily', 0, 0, str_repeat('n', 500));
        $this->report('get_job + NotFoundException', $this->measure(function () use ($s, $id): void {
            $text = $s->get_job($id);
            try {
                $s->get_job('missing');
            } catch (Eclectyc\NotFoundException $e) {
            }
            try {
                $s->get_job([]);   // TypeError before the call
            } catch (TypeError $e) {
            }
        }));
    }

    public function testAttemptsCountsAndPriorityLists(): void
    {
        $dir = TestEnv::dir();
        $s = new EclectycStore(TestEnv::uri($dir));
        $id = $s->create_job('bad.csv', TestEnv::badCsv($dir), 'daily', 0, 0, null, 'high');
        (new EclectycWorker($s, str_repeat('w', 60), 0))->process(1);
        $s->retry_job($id, 0);
        (new EclectycWorker($s, 'second', 0))->process(1);
        $this->assertCount(2, json_decode($s->job_attempts($id), true));
        $this->report('job_attempts + job_counts + list_jobs(priority)', $this->measure(function () use ($s, $id): void {
            $attempts = $s->job_attempts($id);
            $counts = $s->job_counts();
            $list = $s->list_jobs(null, 1, 'high');
            try {
                $s->job_attempts('00000000-0000-4000-8000-000000000000');
            } catch (Eclectyc\NotFoundException $e) {
            }
            try {
                $s->list_jobs(null, 1, 'urgent');
            } catch (Eclectyc\InvalidException $e) {
            }
        }));
    }

    public function testHostDrivenJobCalls(): void
    {
        $s = new EclectycStore('sqlite::memory:', 1, null, 4, 0);
        $csv = TestEnv::dailyCsv(TestEnv::dir(), 5);
        $this->report('a host-driven job, claimed to deleted, with refusals', $this->measure(
            function (int $i) use ($s, $csv): void {
                $id = $s->create_job('f.csv', $csv, 'daily', 0, 0, null, null, null, null, 0);
                $job = $s->claim_batch($id, 'w');
                $none = $s->claim_batch($id, 'other');
                $s->heartbeat($id, 'w');
                $s->update_progress($id, 'w', 3, 2, 1);
                try {
                    $s->complete_job($id, 'other', '{}');
                } catch (Eclectyc\StateException $e) {
                }
                if ($i % 2) {
                    $s->complete_job($id, 'w', '{"records_imported":2}', 3, 2, 1);
                } else {
                    $s->fail_job($id, 'w', 'broken', 1);
                    $pending = $s->list_alert_pending(1);
                    $s->mark_alert_sent($id);
                }
                $byId = $s->get_job_by_id((int)json_decode($job, true)['id']);
                $s->delete_job($id);
                try {
                    $s->get_job_by_id(1 << 40);
                } catch (Eclectyc\NotFoundException $e) {
                }
                $next = $s->claim_job('w');   // null: nothing queued
            }));
    }

    public function testPhpLayerObjects(): void
    {
        $this->report('Eclectyc\\Store + ImportJobService + Worker', $this->measure(function (): void {
            $store = new Eclectyc\Store('sqlite::memory:', false);
            $svc = new Eclectyc\ImportJobService($store);
            $w = new Eclectyc\Worker($store, 'w', false, fn() => false);
        }));
    }

    public function testCallablesAreReleased(): void
    {
        $tracked = new stdClass();
        $weak = WeakReference::create($tracked);
        $s = new EclectycStore('sqlite::memory:', 0, function () use ($tracked) {
        });
        $w = new EclectycWorker($s, 'w', 0, function () use ($tracked) {
        });
        unset($tracked);
        $this->assertNotNull($weak->get(), 'kept alive while the C side holds it');
        unset($s);
        $this->assertNotNull($weak->get(), 'the worker holds the store and its logger');
        unset($w);
        $this->assertNull($weak->get(), 'released with the last owner');

        // A callable passed for one call (ingest) is released when it returns,
        // and when a later argument fails before the call.
        $dir = TestEnv::dir();
        $csv = TestEnv::dailyCsv($dir, 20);
        $s = new EclectycStore(TestEnv::uri($dir));
        $tracked = new stdClass();
        $weak = WeakReference::create($tracked);
        $s->ingest($csv, 'daily', 1, 'create', 'accept', 0, 0, 0, 0, function () use ($tracked) {
        });
        unset($tracked);
        $this->assertNull($weak->get());

        $tracked = new stdClass();
        $weak = WeakReference::create($tracked);
        try {
            new EclectycStore('sqlite::memory:', 0, function () use ($tracked) {
            }, []);
            $this->fail('no TypeError');
        } catch (TypeError $e) {
            unset($e);   // its trace holds the arguments
        }
        unset($tracked);
        $this->assertNull($weak->get(), 'a callable taken before a failing argument is released');

        $tracked = new stdClass();
        $weak = WeakReference::create($tracked);
        try {
            new EclectycStore('bogus://', 0, function () use ($tracked) {
            });
        } catch (Eclectyc\NotSupportedException $e) {
            unset($e);
        }
        unset($tracked);
        $this->assertNull($weak->get(), 'released when the constructor fails');
    }
}
