<?php
declare(strict_types=1);

use PHPUnit\Framework\TestCase;

/** examples/php/create_job.php and worker_loop.php run as documented. */
final class ExamplesTest extends TestCase
{
    private function example(string $name, array $args, string $uri): array
    {
        $src = getenv('ECL_SOURCE_DIR') ?: dirname(__DIR__, 3);
        return TestEnv::run([...TestEnv::phpCommand(), "$src/examples/php/$name", ...$args],
            ['ECLECTYC_DB' => $uri, 'ECLECTYC_PHP_LIB' => dirname(__DIR__) . '/lib']);
    }

    public function testCreateJobRetryAndWorkerLoop(): void
    {
        $dir = TestEnv::dir();
        $uri = TestEnv::uri($dir);
        $svc = new Eclectyc\ImportJobService($uri);
        $bad = $svc->createJob('bad.csv', TestEnv::badCsv($dir), 'daily', maxRetries: 3);
        (new Eclectyc\Worker($uri))->process();
        $this->assertSame('failed', $svc->getJob($bad)['status']);

        [$rc, $out, $err] = $this->example('create_job.php', [TestEnv::dailyCsv($dir, 30), 'daily'], $uri);
        $this->assertSame(0, $rc, $out . $err);
        $this->assertMatchesRegularExpression('/queued ([0-9a-f-]{36})/', $out);
        preg_match('/queued ([0-9a-f-]{36})/', $out, $m);
        $job = $svc->getJob($m[1]);
        $this->assertSame(['high', '["monthly","site-7"]', '{"default_site_id":7,"source":"sftp"}', 5,
                           'Monthly HH data for site 7'],
            [$job['priority'], $job['tags'], $job['metadata'], $job['max_retries'], $job['notes']]);
        $this->assertStringContainsString("retry $bad now: requeued", $out);
        $this->assertSame(1, $svc->getJob($bad)['retry_count']);

        [$rc, $out, $err] = $this->example('worker_loop.php', ['--once', '--id=example-worker'], $uri);
        $this->assertSame(0, $rc, $out . $err);
        $this->assertStringContainsString('claimed 2, completed 1, failed 1', $out);
        $this->assertSame('completed', $svc->getJob($m[1])['status']);

        // Retry in 10 minutes: requeued with retry_at ~ now + 600.
        [$rc, $out, $err] = $this->example('create_job.php', [TestEnv::dailyCsv($dir, 5, 'x.csv'), 'daily', $bad], $uri);
        $this->assertSame(0, $rc, $out . $err);
        $this->assertStringContainsString("retry $bad in 10 minutes: requeued", $out);
        $later = $svc->getJob($bad);
        $this->assertSame('queued', $later['status']);
        $this->assertEqualsWithDelta(time() + 600, strtotime($later['retry_at'] . ' UTC'), 5);
    }

    public function testWorkerLoopStopsOnSigterm(): void
    {
        if (!function_exists('pcntl_signal')) {
            $this->markTestSkipped('pcntl is not available');
        }
        $dir = TestEnv::dir();
        $uri = TestEnv::uri($dir);
        new Eclectyc\Store($uri);
        $src = getenv('ECL_SOURCE_DIR') ?: dirname(__DIR__, 3);
        $proc = proc_open([...TestEnv::phpCommand(), "$src/examples/php/worker_loop.php"],
            [0 => ['file', '/dev/null', 'r'], 1 => ['file', "$dir/out", 'w'], 2 => ['file', "$dir/err", 'w']],
            $pipes, null, ['ECLECTYC_DB' => $uri, 'ECLECTYC_PHP_LIB' => dirname(__DIR__) . '/lib'] + getenv());
        for ($i = 0; $i < 50 && !str_contains((string)@file_get_contents("$dir/out"), 'worker '); $i++) {
            usleep(100000);
        }
        usleep(300000);
        proc_terminate($proc, SIGTERM);
        $start = microtime(true);
        $rc = proc_close($proc);
        $this->assertLessThan(3.0, microtime(true) - $start, 'stopped within seconds');
        $this->assertSame(0, $rc, file_get_contents("$dir/err"));
        $this->assertStringContainsString('stopped after', file_get_contents("$dir/out"));
    }
}
