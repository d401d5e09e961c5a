<?php
declare(strict_types=1);

use PHPUnit\Framework\TestCase;

/** Every function and method the extension binds, called directly. */
final class ExtensionTest extends TestCase
{
    public function testModuleFunctionsAndConstants(): void
    {
        $this->assertTrue(extension_loaded('eclectyc'));
        $this->assertMatchesRegularExpression('/^\d+\.\d+\.\d+/', eclb_version());
        $this->assertSame(eclb_version(), Eclectyc::eclb_version());
        $this->assertSame(eclb_version(), Eclectyc\Store::version());
        $codes = ['ERROR' => -1, 'EINVALID' => -2, 'ENOMEM' => -3, 'ENOTFOUND' => -4, 'EEXISTS' => -5,
                  'ESTATE' => -6, 'ENOTSUPPORTED' => -7, 'EIO' => -8, 'EBUSY' => -9,
                  'ESCHEMA' => -10, 'EDB' => -11, 'ECANCELLED' => -12, 'EPARSE' => -13];
        foreach ($codes as $name => $value) {
            $this->assertSame($value, constant($name), $name);
        }
    }

    public function testStoreMethods(): void
    {
        $dir = TestEnv::dir();
        $s = new EclectycStore(TestEnv::uri($dir));
        $this->assertSame(1, $s->is_open());
        $this->assertSame('sqlite', $s->backend());
        $this->assertNull($s->migrate());
        $schema = json_decode($s->schema(), true);
        $this->assertSame($schema['expected'], $schema['current']);
        $this->assertSame([], $schema['problems']);

        $csv = TestEnv::dailyCsv($dir, 50);
        $id = $s->create_job('daily.csv', $csv, 'daily', 7, 0, 'note', 'high', '["t1"]', '{"k":"v"}', 4);
        $this->assertMatchesRegularExpression('/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/', $id);
        $job = json_decode($s->get_job($id), true);
        $this->assertSame(['queued', 7, 'high', ['t1'], ['k' => 'v'], 4, 'note'],
            [$job['status'], $job['user_id'], $job['priority'], $job['tags'], $job['metadata'],
             $job['max_retries'], $job['notes']]);
        $this->assertCount(1, json_decode($s->list_jobs(), true));
        $this->assertCount(1, json_decode($s->list_jobs('queued', 0), true));
        $this->assertCount(0, json_decode($s->list_jobs('failed'), true));
        $this->assertNull($s->cancel_job($id));
        $this->assertSame('cancelled', json_decode($s->get_job($id), true)['status']);

        $report = json_decode($s->ingest($csv, 'daily', 0, 'create', 'accept', 0, 0, 0, 10, null), true);
        $this->assertSame(50, $report['records_imported']);
        $this->assertTrue($report['successful']);
        $this->assertSame(50, $report['summary']['records_processed']);
        $agg = json_decode($s->aggregate('daily', '2024-01-02'), true);
        $this->assertIsArray($agg);
        $quality = json_decode($s->quality('2024-01-02', null, 1), true);
        $this->assertSame('2024-01-02', $quality['date']);
        $health = json_decode($s->health(60, 100, 0, 0), true);
        $this->assertContains($health['status'], ['healthy', 'degraded', 'critical']);
        $clean = json_decode($s->cleanup(30, 1, null), true);
        $this->assertTrue($clean['dry_run']);
        $this->assertIsArray(json_decode($s->executions(5), true));
        $this->assertNull($s->configure_alerting(null));
        $sent = json_decode($s->alert_send('test', 'info', 'subject', 'body', 'key-1'), true);
        $this->assertArrayHasKey('channels', $sent);

        $retry = $s->create_job('bad.csv', TestEnv::badCsv($dir), 'daily');
        $w = new EclectycWorker($s, 'ext-worker', 0, null);
        $this->assertSame('ext-worker', $w->id());
        $r = json_decode($w->process(5), true);
        $this->assertSame(1, $r['claimed']);
        $this->assertSame('failed', json_decode($s->get_job($retry), true)['status']);
        $this->assertNull($s->retry_job($retry, 0));
        $this->assertSame('queued', json_decode($s->get_job($retry), true)['status']);
        $attempts = json_decode($s->job_attempts($retry), true);
        $this->assertSame([[1, 'ext-worker', 'failed', 'permanent']], array_map(fn (array $a): array =>
            [$a['attempt'], $a['worker_id'], $a['outcome'], $a['error_class']], $attempts));
        $this->assertMatchesRegularExpression('/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/', $attempts[0]['ended_at']);
        $this->assertSame('[]', $s->job_attempts($id), 'cancelled before it ran');
        $this->assertSame(['queued' => 1, 'processing' => 0, 'completed' => 0, 'failed' => 0, 'cancelled' => 1,
                           'total' => 2], json_decode($s->job_counts(), true));
        $this->assertCount(1, json_decode($s->list_jobs(null, 0, 'high'), true));
        $this->assertCount(1, json_decode($s->list_jobs('cancelled', 0, 'high'), true));
        $this->assertCount(0, json_decode($s->list_jobs('queued', 0, 'high'), true));
        $this->assertCount(1, json_decode($s->list_jobs('queued', 0, 'normal'), true));
        $this->assertCount(2, json_decode($s->list_jobs(null, 0, null), true));
        $this->assertNull($w->stop());

        $this->assertNull($s->close());
        $this->assertSame(0, $s->is_open());
        $this->assertNull($s->backend());
    }

    public function testDefaultsOfOptionalArguments(): void
    {
        $dir = TestEnv::dir();
        $s = new EclectycStore(TestEnv::uri($dir));
        $id = $s->create_job('x.csv', TestEnv::dailyCsv($dir, 5));
        $job = json_decode($s->get_job($id), true);
        $this->assertSame(['hh', 'normal', 3, false, null], [$job['import_type'], $job['priority'],
            $job['max_retries'], $job['dry_run'], $job['tags']]);
        $w = new EclectycWorker($s);
        $this->assertNotSame('', $w->id());
    }

    public function testObjectsCannotBeClonedOrGrowProperties(): void
    {
        $s = new EclectycStore('sqlite::memory:');
        $this->expectException(Error::class);
        $c = clone $s;
    }

    public function testAStoreClosedUnderAWorker(): void
    {
        $s = new EclectycStore('sqlite::memory:');
        $w = new EclectycWorker($s);
        $s->close();
        $this->expectException(Eclectyc\InvalidException::class);
        $w->process();
    }

    public function testAWorkerKeepsItsStoreAlive(): void
    {
        $w = new EclectycWorker(new EclectycStore('sqlite::memory:'), 'orphan');
        gc_collect_cycles();
        $this->assertSame(0, json_decode($w->process(), true)['claimed']);
        $this->assertSame('orphan', $w->id());
    }
}
