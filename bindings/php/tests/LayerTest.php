<?php
declare(strict_types=1);

use PHPUnit\Framework\TestCase;

/** Eclectyc\Store, Worker, Aggregator and Monitor. */
final class LayerTest extends TestCase
{
    public function testStore(): void
    {
        $dir = TestEnv::dir();
        $store = new Eclectyc\Store(TestEnv::uri($dir));
        $this->assertSame(TestEnv::uri($dir), $store->uri());
        $this->assertTrue($store->isOpen());
        $this->assertSame('sqlite', $store->backend());
        $store->migrate();
        $this->assertSame([], $store->schema()['problems']);
        $this->assertSame($store, Eclectyc\Store::of($store));
        $store->configureAlerting();
        $this->assertArrayHasKey('channels', $store->sendAlert('test', 'info', 's', 'b'));
        $this->assertSame([], $store->executions());
        $this->assertSame(['queued' => 0, 'processing' => 0, 'completed' => 0, 'failed' => 0, 'cancelled' => 0,
                           'total' => 0], $store->jobCounts());
        $csv = TestEnv::dailyCsv($dir, 20);
        $low = $store->createJob('low.csv', $csv, 'daily', priority: 'low');
        $high = $store->createJob('high.csv', $csv, 'daily', priority: 'high');
        $this->assertSame([$low], array_column($store->listJobs(priority: 'low'), 'batch_id'));
        $this->assertSame([$high], array_column($store->listJobs('queued', 1, 'high'), 'batch_id'));
        $this->assertSame([$high, $low], array_column($store->listJobs(), 'batch_id'), 'no priority: any');
        $this->assertSame([], $store->jobAttempts($low));
        (new Eclectyc\Worker($store, 'layer', false))->process(1);
        $attempts = $store->jobAttempts($high);
        $this->assertSame([[1, 'layer', 'completed', null, 20, 20, 0]], array_map(fn (array $a): array => [
            $a['attempt'], $a['worker_id'], $a['outcome'], $a['error_message'], $a['processed_rows'],
            $a['imported_rows'], $a['failed_rows']], $attempts));
        $this->assertSame($store->getJob($high)['completed_at'], $attempts[0]['ended_at']);
        $this->assertSame(['queued' => 1, 'processing' => 0, 'completed' => 1, 'failed' => 0, 'cancelled' => 0,
                           'total' => 2], $store->jobCounts());
        try {
            $store->jobAttempts('00000000-0000-4000-8000-000000000000');
            $this->fail('no exception');
        } catch (Eclectyc\NotFoundException $e) {
            $this->assertStringContainsString('00000000-0000-4000-8000-000000000000', $e->getMessage());
        }
        try {
            $store->listJobs(priority: 'urgent');
            $this->fail('no exception');
        } catch (Eclectyc\InvalidException $e) {
            $this->assertStringContainsString('urgent', $e->getMessage());
        }
        $store->close();
        foreach ([fn () => $store->jobCounts(), fn () => $store->jobAttempts($high)] as $call) {
            try {
                $call();
                $this->fail('no exception');
            } catch (Eclectyc\InvalidException $e) {
                $this->assertStringContainsString('closed', $e->getMessage());
            }
        }
        $this->assertFalse($store->isOpen());
        $this->expectException(Eclectyc\InvalidException::class);
        $store->listJobs();
    }

    public function testWorkerRunLoop(): void
    {
        $dir = TestEnv::dir();
        $svc = new Eclectyc\ImportJobService(TestEnv::uri($dir));
        $ids = [$svc->createJob('a.csv', TestEnv::dailyCsv($dir, 30, 'a.csv'), 'daily', priority: 'low'),
                $svc->createJob('b.csv', TestEnv::dailyCsv($dir, 30, 'b.csv'), 'daily', priority: 'high')];
        $w = new Eclectyc\Worker($svc->store(), 'loop');
        $this->assertSame('loop', $w->id());
        $this->assertSame($svc->store(), $w->store());
        $totals = $w->run(pollInterval: 0.1, limit: 1, maxCycles: 3);
        $this->assertSame(3, $totals['cycles']);
        $this->assertSame(2, $totals['completed']);
        foreach ($ids as $id) {
            $this->assertSame('completed', $svc->getJob($id)['status']);
            $this->assertSame('loop', $svc->getJob($id)['worker_id']);
        }
        $w->stop();
        $this->assertSame(0, $w->run(0.1)['cycles'], 'a stopped worker stays stopped');
    }

    public function testAggregatorAndMonitor(): void
    {
        $dir = TestEnv::dir();
        $store = new Eclectyc\Store(TestEnv::uri($dir));
        $store->ingest(TestEnv::dailyCsv($dir, 100), 'daily');
        $agg = new Eclectyc\Aggregator($store);
        $this->assertIsArray($agg->daily('2024-01-03'));
        $this->assertIsArray($agg->weekly('2024-01-03'));
        $this->assertIsArray($agg->monthly('2024-01-03'));
        $this->assertIsArray($agg->annual('2024-01-03'));
        $this->assertSame(Eclectyc\Aggregator::RANGES, array_keys($agg->all('2024-01-03')));
        $this->assertIsArray($agg->aggregate('daily', '2024-01-01', '2024-01-05'));
        $this->assertNotEmpty($agg->executions(10));
        try {
            $agg->aggregate('hourly');
            $this->fail('no exception');
        } catch (Eclectyc\InvalidException $e) {
            $this->assertStringContainsString('hourly', $e->getMessage());
        }

        $mon = new Eclectyc\Monitor($store, 60, 100);
        $health = $mon->getSystemHealth();
        $this->assertSame('healthy', $health['status']);
        $this->assertArrayHasKey('metrics', $health);
        $this->assertArrayHasKey('alerts', $health);
        $this->assertSame(0, Eclectyc\Monitor::exitCode($health));
        $this->assertSame(2, Eclectyc\Monitor::exitCode(['status' => 'critical']));
        $this->assertSame(3, Eclectyc\Monitor::exitCode([]));
        $this->assertArrayHasKey('actions', $mon->check(true, false));
        $this->assertSame('2024-01-03', $mon->quality('2024-01-03')['date']);
        $this->assertTrue($mon->cleanup(30, true)['dry_run']);
    }
}
