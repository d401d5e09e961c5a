<?php
declare(strict_types=1);

use Eclectyc\ImportJobService;
use Eclectyc\Store;
use Eclectyc\Worker;
use PHPUnit\Framework\TestCase;

/**
 * A PHP host, a Python host and the `eclectyc` command line given the same
 * .env run with the same configuration: the library reads it for all three
 * (ecl_*_options_from_config), so the store, the retry policy, the storage
 * root, the job defaults and the alert channels agree. And a host can opt
 * out (useConfig: false).
 */
final class ConfigTest extends TestCase
{
    /** The .env of these tests, in a fresh directory with imports/ and a file outside it. */
    private function setUpEnv(): array
    {
        $dir = TestEnv::dir();
        mkdir("$dir/imports");
        $inside = TestEnv::dailyCsv("$dir/imports", 20, 'inside.csv');
        $outside = TestEnv::dailyCsv($dir, 20, 'outside.csv');
        // A loopback port with nothing listening: the Slack channel fails at once.
        $sock = stream_socket_server('tcp://127.0.0.1:0');
        $port = (int)substr(strrchr(stream_socket_get_name($sock, false), ':'), 1);
        fclose($sock);
        $env = "$dir/test.env";
        file_put_contents($env, implode("\n", [
            "ECLECTYC_DB=sqlite://$dir/configured.db",
            'ECLECTYC_LOG_LEVEL=debug',
            "ECLECTYC_STORAGE_DIR=$dir/imports",
            'ECLECTYC_MAX_RETRIES=7',
            'ECLECTYC_RETRY_BASE_SECONDS=5',
            'ECLECTYC_RETRY_CAP_SECONDS=40',
            'ECLECTYC_RETRY_JITTER_PERCENT=10',
            'ECLECTYC_BUSY_TIMEOUT_MS=2500',
            'ECLECTYC_BATCH_SIZE=123',
            'ECLECTYC_WORKER_POLL_MS=750',
            'ECLECTYC_AGGREGATE_AFTER_IMPORT=0',
            'ECLECTYC_PEAK_START=08:30',
            'ECLECTYC_PEAK_END=20:00',
            'ECLECTYC_STUCK_MINUTES=15',
            'ECLECTYC_FAILURE_RATE_WARNING=10.5',
            'ECLECTYC_FAILURE_RATE_CRITICAL=40',
            'ECLECTYC_BACKLOG_THRESHOLD=9',
            'ECLECTYC_ALERT_COOLDOWN_SECONDS=60',
            "SLACK_WEBHOOK_URL=http://127.0.0.1:$port/services/T0/B0/hook",
        ]) . "\n");
        return [$dir, $env, $inside, $outside];
    }

    /** The caller's own ECLECTYC_* and alert settings must not leak into the comparison. */
    private static function cleanEnv(): array
    {
        $env = [];
        foreach (array_keys(getenv()) as $key) {
            if (str_starts_with($key, 'ECLECTYC_') || str_starts_with($key, 'MAIL_')
                || in_array($key, ['ADMIN_EMAIL', 'SLACK_WEBHOOK_URL'], true)) {
                $env[$key] = false;
            }
        }
        return $env;
    }

    private function cli(array $args): array
    {
        $cli = getenv('ECL_CLI');
        if (!$cli || !is_executable($cli)) {
            $this->markTestSkipped('ECL_CLI is not set to the eclectyc command line');
        }
        $env = array_filter(getenv(), fn($k) => !array_key_exists($k, self::cleanEnv()), ARRAY_FILTER_USE_KEY);
        $spec = [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']];
        $proc = proc_open([$cli, ...$args], $spec, $pipes, null, $env);
        $out = stream_get_contents($pipes[1]);
        $err = stream_get_contents($pipes[2]);
        fclose($pipes[1]);
        fclose($pipes[2]);
        return [proc_close($proc), (string)$out, (string)$err];
    }

    private function python(string $code, string ...$args): array
    {
        $why = null;
        $py = TestEnv::python($why);
        if ($py === null) {
            $this->markTestSkipped("Python binding not available: $why");
        }
        $env = array_filter(getenv(), fn($k) => !array_key_exists($k, self::cleanEnv()), ARRAY_FILTER_USE_KEY);
        $env['PYTHONPATH'] = $py[1];
        $spec = [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']];
        $proc = proc_open([$py[0], '-c', $code, ...$args], $spec, $pipes, null, $env);
        $out = stream_get_contents($pipes[1]);
        $err = stream_get_contents($pipes[2]);
        fclose($pipes[1]);
        fclose($pipes[2]);
        $this->assertSame(0, proc_close($proc), "python failed: $err");
        return json_decode(trim((string)$out), true, 512, JSON_THROW_ON_ERROR);
    }

    public function testPhpPythonAndTheCliGetTheSameConfigurationFromOneEnvFile(): void
    {
        foreach (array_keys(self::cleanEnv()) as $key) {
            $this->assertFalse(getenv($key), "the test's own environment sets $key");
        }
        [$dir, $env, $inside, $outside] = $this->setUpEnv();

        // The command line: ECLECTYC_DB names the store it creates; the job
        // takes ECLECTYC_MAX_RETRIES; a file outside ECLECTYC_STORAGE_DIR is refused.
        [$rc, , $err] = $this->cli(['--env-file', $env, 'migrate']);
        $this->assertSame(0, $rc, $err);
        $this->assertFileExists("$dir/configured.db");
        [$rc, $out, $err] = $this->cli(['--env-file', $env, '--json', 'import', $inside, '--type', 'daily']);
        $this->assertSame(0, $rc, $err);
        $cliJob = json_decode($out, true)['batch_id'];
        [$rc, , $err] = $this->cli(['--env-file', $env, 'import', $outside, '--type', 'daily']);
        $this->assertSame(1, $rc);
        $this->assertStringContainsString('outside the storage root', $err);
        [$rc, $out] = $this->cli(['--env-file', $env, '--json', 'alert-test']);
        $this->assertSame(1, $rc, 'the dead webhook fails the test alert');
        $cliChannels = array_column(array_filter(json_decode($out, true)['channels'],
            fn($c) => $c['configured']), 'channel');

        // PHP: no URI given, the same .env.
        $store = new Store(envFile: $env);
        $this->assertSame("sqlite://$dir/configured.db", $store->uri());
        $cliRow = $store->getJob($cliJob);
        $this->assertSame(7, $cliRow['max_retries']);
        $phpJob = $store->createJob('inside.csv', $inside, 'daily');
        $this->assertSame(7, $store->getJob($phpJob)['max_retries']);
        try {
            $store->createJob('outside.csv', $outside);
            $this->fail('a file outside the storage root was queued');
        } catch (Eclectyc\InvalidException $e) {
            $this->assertStringContainsString('outside the storage root', $e->getMessage());
        }
        $phpChannels = array_column($store->sendAlert('test', 'info', 'from php', 'body')['channels'], 'name');
        $phpSettings = $store->settings();
        $this->assertSame([
            'configured' => true, 'uri' => "sqlite://$dir/configured.db", 'log_level' => 'debug',
            'busy_timeout_ms' => 2500, 'retry_base_seconds' => 5, 'retry_cap_seconds' => 40,
            'retry_jitter_percent' => 10, 'storage_root' => "$dir/imports", 'max_retries' => 7,
            'batch_size' => 123, 'worker_poll_ms' => 750, 'aggregate_after_import' => false,
            'peak_start' => '08:30', 'peak_end' => '20:00', 'stuck_minutes' => 15,
            'failure_rate_warning' => 10.5, 'failure_rate_critical' => 40.0, 'backlog_threshold' => 9,
            'cleanup_days' => 30, 'cleanup_storage_dir' => "$dir/imports", 'alert_email' => false,
            'alert_slack' => true, 'alert_cooldown_seconds' => 60,
        ], $phpSettings);

        // Python: the same .env, the same store and the same settings.
        $py = $this->python('import eclectyc, json, sys
s = eclectyc.Store(env_file=sys.argv[1])
job = s.create_job(file_path=sys.argv[2], import_type="daily")
try:
    s.create_job(file_path=sys.argv[3])
    outside = "queued"
except eclectyc.InvalidError as e:
    outside = str(e)
channels = [c["name"] for c in s.send_alert("test", "info", "from python", "body")["channels"]]
print(json.dumps({"uri": s.uri, "settings": s.settings(), "max_retries": s.get_job(job).max_retries,
                  "cli_job": s.get_job(sys.argv[4]).max_retries, "outside": outside,
                  "channels": channels}))', $env, $inside, $outside, $cliJob);
        $this->assertSame("sqlite://$dir/configured.db", $py['uri']);
        $this->assertEquals($phpSettings, $py['settings']);
        $this->assertSame([7, 7], [$py['max_retries'], $py['cli_job']]);
        $this->assertStringContainsString('outside the storage root', $py['outside']);
        // The same channels everywhere: Slack (failing) and the log.
        $this->assertSame(['slack', 'log'], $cliChannels);
        $this->assertSame($cliChannels, $phpChannels);
        $this->assertSame($cliChannels, $py['channels']);

        // A worker takes the store's configuration: no re-aggregation here.
        $report = (new Worker($store, 'config-worker'))->process(10);
        $this->assertSame(3, $report['completed']);
        $summary = $store->getJob($phpJob)['summary'];
        $this->assertArrayNotHasKey('aggregation', $summary);
    }

    /* The reference's cleanupOldJobs() deletes jobs only: with a storage
     * directory configured, an orphaned file there is left to the cleanup
     * command (Store::cleanup()), which removes it. */
    public function testCleanupOldJobsLeavesFilesToTheCleanupCommand(): void
    {
        [$dir, $env] = $this->setUpEnv();
        $orphan = "$dir/imports/orphan.csv";
        file_put_contents($orphan, "MPAN,Date\n");
        touch($orphan, time() - 40 * 86400);
        $store = new Store(envFile: $env);
        $svc = new ImportJobService($store);
        $this->assertSame(0, $svc->cleanupOldJobs(30));
        $this->assertFileExists($orphan);
        $this->assertSame(1, $store->cleanup(30, dryRun: true)['files_deleted']);
        $this->assertSame(0, $store->cleanup(30, files: false)['files_deleted']);
        $this->assertFileExists($orphan);
        $this->assertSame(1, $store->cleanup(30)['files_deleted']);
        $this->assertFileDoesNotExist($orphan);
    }

    public function testUseConfigFalseTakesTheLibraryDefaultsOnly(): void
    {
        [$dir, $env, , $outside] = $this->setUpEnv();
        $uri = TestEnv::uri($dir);
        $store = new Store($uri, useConfig: false);
        $settings = $store->settings();
        $this->assertSame([false, 'warn', null, 3, 5000, 60, 3600, true, '07:00', '23:00', null, false],
            [$settings['configured'], $settings['log_level'], $settings['storage_root'],
             $settings['max_retries'], $settings['batch_size'], $settings['retry_base_seconds'],
             $settings['retry_cap_seconds'], $settings['aggregate_after_import'],
             $settings['peak_start'], $settings['peak_end'], $settings['cleanup_storage_dir'],
             $settings['alert_slack']]);
        $this->assertSame(3, $store->getJob($store->createJob('o.csv', $outside))['max_retries']);
        try {
            new Store($uri, useConfig: false, envFile: $env);
            $this->fail('an env file was accepted with the configuration off');
        } catch (Eclectyc\InvalidException $e) {
            $this->assertStringContainsString('switched off', $e->getMessage());
        }
    }

    public function testExplicitArgumentsBeatTheConfiguration(): void
    {
        [$dir, $env, $inside] = $this->setUpEnv();
        $store = new Store(TestEnv::uri($dir), logLevel: Store::LOG_ERROR, envFile: $env);
        $this->assertSame('error', $store->settings()['log_level']);
        $this->assertSame(1, $store->getJob($store->createJob('i.csv', $inside, maxRetries: 1))['max_retries']);
    }

    public function testABadValueIsRefusedAtOpenNamingTheKey(): void
    {
        $dir = TestEnv::dir();
        file_put_contents("$dir/bad.env", "ECLECTYC_PEAK_START=25:00\n");
        try {
            new Store(TestEnv::uri($dir), envFile: "$dir/bad.env");
            $this->fail('a bad ECLECTYC_PEAK_START was accepted');
        } catch (Eclectyc\InvalidException $e) {
            $this->assertStringContainsString('ECLECTYC_PEAK_START=25:00 is not a time of day', $e->getMessage());
        }
    }
}
