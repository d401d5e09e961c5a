<?php
declare(strict_types=1);

use Eclectyc\ImportJobService;
use Eclectyc\Store;
use Eclectyc\Worker;
use PHPUnit\Framework\TestCase;

/** Counts live instances: a handler capturing one shows when the extension released it. */
final class HandlerProbe
{
    public static int $alive = 0;

    public function __construct()
    {
        self::$alive++;
    }

    public function __destruct()
    {
        self::$alive--;
    }
}

/**
 * Job types the host runs ('sites'): a PHP callable registered with
 * Store::setJobHandler() runs the jobs the binding's Worker claims, and what
 * it returns or throws becomes the job's outcome; the 'critical' priority
 * through the ImportJobService drop-in.
 */
final class JobHandlersTest extends TestCase
{
    private string $dir;
    private string $sites;
    private Store $store;

    protected function setUp(): void
    {
        $this->dir = TestEnv::dir();
        $this->sites = "$this->dir/sites.csv";
        file_put_contents($this->sites, "name,postcode\nHead Office,BS1 1AA\nDepot,\n");
        $this->store = new Store(TestEnv::uri($this->dir), useConfig: false, logLevel: Store::LOG_NONE);
    }

    /** Handlers here capture the test case, which holds the store: close() breaks the cycle. */
    protected function tearDown(): void
    {
        $this->store->close();
    }

    private function worker(?Store $store = null): Worker
    {
        return new Worker($store ?? $this->store, 'w1', false);
    }

    /** A sites job queued through the drop-in. */
    private function queueSites(?Store $store = null, int $maxRetries = 3): string
    {
        return (new ImportJobService($store ?? $this->store))->createJob('sites.csv', $this->sites,
            'sites', maxRetries: $maxRetries);
    }

    public function testASitesJobIsRunByItsHandlerAndCompletedWithItsReport(): void
    {
        $jobs = new ImportJobService($this->store);
        try {
            $jobs->createJob('sites.csv', $this->sites, 'sites');
            $this->fail('created without a handler');
        } catch (Eclectyc\InvalidException $e) {
            $this->assertSame(EINVALID, $e->getCode());
            $this->assertStringContainsString('job type sites', $e->getMessage());
        }
        $this->assertSame(0, $this->store->jobCounts()['total'], 'nothing written');

        $seen = [];
        $this->store->setJobHandler('sites', function (array $job) use (&$seen): ?array {
            $seen[] = $job;
            return ['processed' => 2, 'imported' => 1, 'failed' => 1, 'total' => 2,
                    'summary' => ['sites_created' => 1, 'errors' => ['Row 3, column postcode: required']]];
        });
        $batch = $jobs->createJob('sites.csv', $this->sites, 'sites', priority: 'high');
        $this->assertSame(['claimed' => 1, 'completed' => 1, 'failed' => 0, 'requeued' => 0,
                           'cancelled' => 0, 'released' => 0], $this->worker()->process(5));

        $this->assertCount(1, $seen);
        $this->assertSame([$batch, 'processing', 'w1', 'sites', $this->sites],
            [$seen[0]['batch_id'], $seen[0]['status'], $seen[0]['worker_id'], $seen[0]['import_type'],
             $seen[0]['file_path']]);
        $job = $jobs->getJob($batch);
        $this->assertSame(['completed', 2, 1, 1, 2],
            [$job['status'], $job['processed_rows'], $job['imported_rows'], $job['failed_rows'],
             $job['total_rows']]);
        $this->assertSame(['sites_created' => 1, 'errors' => ['Row 3, column postcode: required']],
            $job['summary']);
        $this->assertSame('completed', $this->store->jobAttempts($batch)[0]['outcome']);
    }

    public function testNullAndAnEmptySummaryAreAReportToo(): void
    {
        $this->store->setJobHandler('sites', fn (array $job): ?array => null);
        $first = $this->queueSites();
        $this->worker()->process(1);
        $this->store->setJobHandler('sites', fn (array $job): array => ['processed' => 3, 'summary' => []]);
        $second = $this->queueSites();
        $this->worker()->process(1);

        $a = $this->store->getJob($first);
        $b = $this->store->getJob($second);
        $this->assertSame(['completed', 0, null], [$a['status'], $a['processed_rows'], $a['summary']]);
        $this->assertSame(['completed', 3, []], [$b['status'], $b['processed_rows'], $b['summary']]);
    }

    /** @return iterable<string, array{\Throwable}> */
    public static function permanentFaults(): iterable
    {
        yield 'InvalidArgumentException' => [new InvalidArgumentException('Row 3, column postcode: required')];
        yield 'Eclectyc\InvalidException' => [new Eclectyc\InvalidException('bad site list', EINVALID)];
        yield 'Eclectyc\ParseException' => [new Eclectyc\ParseException('not a CSV', EPARSE)];
        yield 'Eclectyc\NotFoundException' => [new Eclectyc\NotFoundException('no such file', ENOTFOUND)];
        yield 'Eclectyc\ParseException without a code' => [new Eclectyc\ParseException('row 4: 3 fields')];
    }

    /** @dataProvider permanentFaults */
    public function testBadInputFailsTheJobForGood(\Throwable $fault): void
    {
        $this->store->setJobHandler('sites', function (array $job) use ($fault): array {
            throw $fault;
        });
        $batch = $this->queueSites();
        $report = $this->worker()->process(5);

        $job = $this->store->getJob($batch);
        $this->assertSame([1, 1, 0], [$report['claimed'], $report['failed'], $report['requeued']]);
        $this->assertSame(['failed', $fault->getMessage(), 0],
            [$job['status'], $job['error_message'], $job['retry_count']]);
    }

    /** @return iterable<string, array{\Throwable}> */
    public static function transientFaults(): iterable
    {
        yield 'RuntimeException' => [new RuntimeException('SQLSTATE[HY000]: MySQL server has gone away')];
        yield 'TypeError' => [new TypeError('a bug in the handler')];
        yield 'Eclectyc\IOException' => [new Eclectyc\IOException('disk full', EIO)];
    }

    /** @dataProvider transientFaults */
    public function testAnyOtherThrowableIsRetriedWithBackoff(\Throwable $fault): void
    {
        $this->store->setJobHandler('sites', function (array $job) use ($fault): array {
            throw $fault;
        });
        $batch = $this->queueSites(maxRetries: 1);
        $report = $this->worker()->process(5);

        $job = $this->store->getJob($batch);
        $this->assertSame([1, 0, 1], [$report['claimed'], $report['failed'], $report['requeued']]);
        $this->assertSame(['queued', $fault->getMessage(), 1],
            [$job['status'], $job['error_message'], $job['retry_count']]);
        $this->assertNotNull($job['retry_at'], 'requeued with a backoff');
    }

    public function testWithNoRetriesLeftATransientFaultFailsNamedByItsClass(): void
    {
        $this->store->setJobHandler('sites', function (array $job): array {
            throw new RuntimeException('');
        });
        $batch = $this->queueSites(maxRetries: 0);
        $this->worker()->process(5);
        $job = $this->store->getJob($batch);
        $this->assertSame(['failed', 'RuntimeException'], [$job['status'], $job['error_message']],
            'no retries: failed, named by the class when the message is empty');
    }

    public function testCancelledExceptionHandsTheJobBackAndStopsTheWorker(): void
    {
        $calls = 0;
        $this->store->setJobHandler('sites', function (array $job) use (&$calls): array {
            $calls++;
            throw new Eclectyc\CancelledException('shutting down', ECANCELLED);
        });
        $first = $this->queueSites();
        $this->queueSites();
        $totals = $this->worker()->run(0.0, 5, 10);

        $this->assertSame([1, 1, 1], [$totals['cycles'], $totals['released'], $calls], 'stopped after one');
        $job = $this->store->getJob($first);
        $this->assertSame(['queued', 0, null], [$job['status'], $job['retry_count'], $job['worker_id']]);
    }

    public function testAnExceptionEscapingTheNativeCallablePropagatesAndHandsTheJobBack(): void
    {
        // Below Store::setJobHandler(): the extension's own protocol (JSON in,
        // JSON out). A throw there is not the job's failure: the worker stops
        // and the exception surfaces from process(), as from a progress callback.
        $this->store->native()->set_job_handler('sites', function (string $job): string {
            throw new LogicException('raw handler threw');
        });
        $batch = $this->queueSites();
        try {
            $this->worker()->process(5);
            $this->fail('no exception');
        } catch (LogicException $e) {
            $this->assertSame('raw handler threw', $e->getMessage());
        }
        $job = $this->store->getJob($batch);
        $this->assertSame(['queued', 0], [$job['status'], $job['retry_count']]);

        $this->store->native()->set_job_handler('sites', fn (string $job) => 42);
        $this->worker()->process(5);
        $job = $this->store->getJob($batch);
        $this->assertSame('failed', $job['status'], 'a report that is not JSON text fails for good');
        $this->assertStringContainsString('sites handler', $job['error_message']);
    }

    /** @return iterable<string, array{mixed, string}> */
    public static function badReports(): iterable
    {
        yield 'a string' => ['done', 'must return null or an array'];
        yield 'a list' => [[1, 2, 3], 'must return null or an array'];
        yield 'an unknown key' => [['rows' => 3], "unknown key 'rows'"];
        yield 'a float count' => [['processed' => 1.5], "'processed' must be an int"];
        yield 'a list summary' => [['summary' => ['a', 'b']], 'summary must be an associative array'];
        yield 'a negative count' => [['processed' => -1], 'sites'];
    }

    /**
     * @dataProvider badReports
     * @param mixed $report
     */
    public function testAReportOfTheWrongShapeFailsTheJobForGoodNamingTheFault($report, string $why): void
    {
        $this->store->setJobHandler('sites', fn (array $job) => $report);
        $batch = $this->queueSites();
        $this->worker()->process(5);

        $job = $this->store->getJob($batch);
        $this->assertSame(['failed', 0], [$job['status'], $job['retry_count']]);
        $this->assertStringContainsString($why, $job['error_message']);
    }

    public function testAStoreWithoutTheHandlerLeavesTheJobToOneWithIt(): void
    {
        $this->store->setJobHandler('sites', fn (array $job): array => ['processed' => 2]);
        $sites = $this->queueSites();
        $plain = new Store(TestEnv::uri($this->dir), useConfig: false, logLevel: Store::LOG_NONE);
        $daily = (new ImportJobService($plain))->createJob('d.csv', TestEnv::dailyCsv($this->dir, 10), 'daily');

        $report = $this->worker($plain)->process(5);
        $this->assertSame([1, 1], [$report['claimed'], $report['completed']], 'the daily job only');
        $this->assertSame('completed', $plain->getJob($daily)['status']);
        $this->assertSame('queued', $plain->getJob($sites)['status']);
        $this->assertNull($plain->claimJob('w2'), 'its claims skip the sites job');
        $this->assertSame('queued', $plain->getJob($sites)['status']);

        $this->assertSame(1, $this->worker()->process(5)['completed']);
        $this->assertSame('completed', $plain->getJob($sites)['status']);
    }

    public function testReplacingAndRemovingAHandler(): void
    {
        $probe = new HandlerProbe();
        $this->store->setJobHandler('sites', function (array $job) use ($probe): array {
            return ['processed' => 1];
        });
        unset($probe);
        $this->assertSame(1, HandlerProbe::$alive, 'the store keeps the handler alive');
        $this->store->setJobHandler('sites', fn (array $job): array => ['processed' => 2]);
        $this->assertSame(0, HandlerProbe::$alive, 'the replaced handler is released');

        $batch = $this->queueSites();
        $this->worker()->process(5);
        $this->assertSame(2, $this->store->getJob($batch)['processed_rows'], 'the new one ran');

        $this->store->setJobHandler('sites', null);
        $this->expectException(Eclectyc\InvalidException::class);
        $this->expectExceptionMessage('job type sites');
        $this->queueSites();
    }

    public function testAHandlerRemovedWhileItRunsFinishesItsJob(): void
    {
        $probe = new HandlerProbe();
        $store = $this->store;
        $this->store->setJobHandler('sites', function (array $job) use ($probe, $store): array {
            $store->setJobHandler('sites', null);   // released when this run ends
            return ['processed' => 4, 'summary' => ['alive' => HandlerProbe::$alive]];
        });
        unset($probe);
        $batch = $this->queueSites();
        $this->queueSites();
        $report = $this->worker()->process(5);

        $this->assertSame([1, 1], [$report['claimed'], $report['completed']], 'the second stays queued');
        $job = $this->store->getJob($batch);
        $this->assertSame([4, ['alive' => 1]], [$job['processed_rows'], $job['summary']]);
        $this->assertSame(0, HandlerProbe::$alive, 'released once its run ended');
    }

    public function testClosingTheStoreReleasesItsHandlers(): void
    {
        $probe = new HandlerProbe();
        $store = $this->store;
        // A handler capturing its own store: a cycle through the extension,
        // broken by close().
        $this->store->setJobHandler('sites', function (array $job) use ($probe, $store): ?array {
            return null;
        });
        unset($probe, $store);
        $this->assertSame(1, HandlerProbe::$alive);
        $this->store->close();
        $this->assertSame(0, HandlerProbe::$alive);
        $this->expectException(Eclectyc\InvalidException::class);
        $this->store->setJobHandler('sites', fn (array $job) => null);
    }

    public function testOnlyHostTypesTakeAHandler(): void
    {
        foreach (['hh', 'daily', 'bogus', ''] as $type) {
            try {
                $this->store->setJobHandler($type, fn (array $job) => null);
                $this->fail("accepted $type");
            } catch (Eclectyc\InvalidException $e) {
                $this->assertSame(EINVALID, $e->getCode());
            }
        }
        $this->expectException(TypeError::class);
        $this->store->native()->set_job_handler('sites', 'not a callable');
    }

    public function testCriticalIsKeptAndClaimedFirst(): void
    {
        $jobs = new ImportJobService($this->store);
        $csv = TestEnv::dailyCsv($this->dir, 10);
        $high = $jobs->createJob('high.csv', $csv, 'daily', priority: 'high');
        $normal = $jobs->createJob('normal.csv', $csv, 'daily');
        $critical = $jobs->createJob('critical.csv', $csv, 'daily', priority: 'critical');

        $this->assertSame('critical', $jobs->getJob($critical)['priority']);
        $this->assertSame([$critical, $high, $normal], array_column($jobs->getQueuedJobs(), 'batch_id'));
        $this->assertSame([$critical], array_column($jobs->getRecentJobs(priority: 'critical'), 'batch_id'));
        $this->assertContains('critical', ImportJobService::PRIORITIES);
        // The library's claim agrees with the listed order.
        $this->assertSame($critical, $this->store->claimJob('w1')['batch_id']);
        $this->assertSame($high, $this->store->claimJob('w1')['batch_id']);
    }
}
