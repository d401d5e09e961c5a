<?php
declare(strict_types=1);

use PHPUnit\Framework\TestCase;

/** Host callbacks: progress, stop, exceptions thrown inside them, loggers. */
final class CallbacksTest extends TestCase
{
    public function testProgressIsReported(): void
    {
        $dir = TestEnv::dir();
        $store = new Eclectyc\Store(TestEnv::uri($dir));
        $seen = [];
        $r = $store->ingest(TestEnv::dailyCsv($dir, 500), 'daily', batchSize: 100,
            progress: function (int $processed, int $total, int $imported, int $failed) use (&$seen) {
                $seen[] = [$processed, $imported, $failed];
            });
        $this->assertSame(500, $r['records_imported']);
        $this->assertNotEmpty($seen);
        $last = end($seen);
        $this->assertSame(500, $last[0]);
    }

    public function testAnExceptionInProgressPropagatesAndStopsTheImport(): void
    {
        $dir = TestEnv::dir();
        $store = new Eclectyc\Store(TestEnv::uri($dir));
        $calls = 0;
        try {
            $store->ingest(TestEnv::dailyCsv($dir, 1000), 'daily', batchSize: 100,
                progress: function (int $processed) use (&$calls) {
                    $calls++;
                    if ($processed >= 300) {
                        throw new DomainException("enough at $processed");
                    }
                });
            $this->fail('no exception');
        } catch (DomainException $e) {
            $this->assertSame('enough at 300', $e->getMessage(), 'the callback\'s own exception');
        }
        $this->assertSame(3, $calls, 'no further callbacks after the throw');
        // The store is still usable and consistent: the import stopped at a batch boundary.
        $this->assertSame([], $store->listJobs());
        $again = $store->ingest("$dir/daily.csv", 'daily');
        $this->assertSame(1000, $again['records_processed']);
        $this->assertTrue($again['successful']);
    }

    public function testATruthyReturnCancels(): void
    {
        $dir = TestEnv::dir();
        $store = new Eclectyc\Store(TestEnv::uri($dir));
        $this->expectException(Eclectyc\CancelledException::class);
        $store->ingest(TestEnv::dailyCsv($dir, 300), 'daily', batchSize: 50, progress: fn() => 'stop');
    }

    public function testAnExceptionInAWorkersCallbackHandsTheJobBack(): void
    {
        $dir = TestEnv::dir();
        $uri = TestEnv::uri($dir);
        $svc = new Eclectyc\ImportJobService($uri);
        $id = $svc->createJob('d.csv', TestEnv::dailyCsv($dir, 600), 'daily');
        $w = new Eclectyc\Worker($uri, 'thrower', false, function (int $processed) {
            throw new LogicException('callback failed');
        });
        try {
            $w->process();
            $this->fail('no exception');
        } catch (LogicException $e) {
            $this->assertSame('callback failed', $e->getMessage());
        }
        $job = $svc->getJob($id);
        $this->assertNotSame('processing', $job['status'], 'not left processing');
        $this->assertNotSame('completed', $job['status']);
        // Another worker finishes it.
        $fresh = new Eclectyc\Worker($uri, 'finisher', false);
        for ($i = 0; $i < 3 && $svc->getJob($id)['status'] !== 'completed'; $i++) {
            $svc->retryJob($id);
            $fresh->process();
        }
        $this->assertSame('completed', $svc->getJob($id)['status']);
        $this->assertSame(600, $svc->getJob($id)['imported_rows'] + 0 ?: $svc->getJob($id)['summary']['records_processed']);
    }

    public function testALoggerThatThrowsIsIgnored(): void
    {
        $dir = TestEnv::dir();
        $lines = [];
        $store = new Eclectyc\Store(TestEnv::uri($dir), true, function (int $level, string $message) use (&$lines) {
            $lines[] = [$level, $message];
            throw new RuntimeException('logger broke');
        }, Eclectyc\Store::LOG_DEBUG);
        $r = $store->ingest(TestEnv::dailyCsv($dir, 50), 'daily');
        $this->assertSame(50, $r['records_imported']);
        $this->assertNotEmpty($lines, 'the logger was called');
        $this->assertIsInt($lines[0][0]);
    }

    public function testCallbacksMayUseTheStore(): void
    {
        $dir = TestEnv::dir();
        $store = new Eclectyc\Store(TestEnv::uri($dir));
        $counts = [];
        $store->ingest(TestEnv::dailyCsv($dir, 200), 'daily', batchSize: 50,
            progress: function () use ($store, &$counts) {
                $counts[] = count($store->listJobs());
            });
        $this->assertNotEmpty($counts);
    }

    public function testAFailingCallInsideACallbackPropagates(): void
    {
        $dir = TestEnv::dir();
        $store = new Eclectyc\Store(TestEnv::uri($dir));
        $this->expectException(Eclectyc\NotFoundException::class);
        $store->ingest(TestEnv::dailyCsv($dir, 200), 'daily', batchSize: 50,
            progress: function () use ($store) {
                $store->getJob('no-such-job');
            });
    }

    public function testClosingTheStoreFromACallbackIsSafe(): void
    {
        $dir = TestEnv::dir();
        $store = new Eclectyc\Store(TestEnv::uri($dir));
        try {
            $store->ingest(TestEnv::dailyCsv($dir, 300), 'daily', batchSize: 50,
                progress: function () use ($store) {
                    $store->close();
                });
        } catch (EclectycException $e) {
            // either the import finishes or it stops; it must not crash
        }
        $this->assertFalse($store->isOpen());
        $this->expectException(Eclectyc\InvalidException::class);
        $store->listJobs();
    }
}
