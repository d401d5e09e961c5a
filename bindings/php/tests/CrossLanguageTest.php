<?php
declare(strict_types=1);

use PHPUnit\Framework\TestCase;

/**
 * One SQLite file, three languages: jobs created in PHP are processed by a
 * Python worker and by the `eclectyc` CLI, and the reverse.
 */
final class CrossLanguageTest extends TestCase
{
    private function python(string $code, string ...$args): array
    {
        $why = null;
        $py = TestEnv::python($why);
        if ($py === null) {
            $this->markTestSkipped("Python binding not available: $why");
        }
        [$rc, $out, $err] = TestEnv::run([$py[0], '-c', $code, ...$args], ['PYTHONPATH' => $py[1]]);
        $this->assertSame(0, $rc, "python failed: $err");
        return json_decode(trim($out), true, 512, JSON_THROW_ON_ERROR);
    }

    public function testPhpJobProcessedByAPythonWorker(): void
    {
        $dir = TestEnv::dir();
        $uri = TestEnv::uri($dir);
        $svc = new Eclectyc\ImportJobService($uri);
        $id = $svc->createJob('from-php.csv', TestEnv::dailyCsv($dir, 70), 'daily', notes: 'php',
            tags: ['php'], metadata: ['lang' => 'php']);
        $r = $this->python('import eclectyc, json, sys
s = eclectyc.Store(sys.argv[1])
w = eclectyc.Worker(s, "python-worker")
r = w.process(10)
j = s.get_job(sys.argv[2]).as_dict()
print(json.dumps({"completed": r.completed, "status": j["status"], "tags": j["tags"], "metadata": j["metadata"]}))',
            $uri, $id);
        $this->assertSame(['completed' => 1, 'status' => 'completed', 'tags' => ['php'],
                           'metadata' => ['lang' => 'php']], $r);
        $job = $svc->getJob($id);
        $this->assertSame(['completed', 'python-worker', 70], [$job['status'], $job['worker_id'],
            $job['imported_rows']]);
    }

    public function testPythonJobProcessedByAPhpWorker(): void
    {
        $dir = TestEnv::dir();
        $uri = TestEnv::uri($dir);
        $csv = TestEnv::dailyCsv($dir, 80);
        $r = $this->python('import eclectyc, json, sys
s = eclectyc.Store(sys.argv[1])
print(json.dumps({"id": s.create_job("from-python.csv", sys.argv[2], import_type="daily", priority="high",
                  tags=["py"], metadata={"lang": "python"}, max_retries=4)}))', $uri, $csv);
        $svc = new Eclectyc\ImportJobService($uri);
        $job = $svc->getJob($r['id']);
        // The service's rows are the reference's PDO rows: tags and metadata as JSON text.
        $this->assertSame(['queued', 'high', '["py"]', '{"lang":"python"}', 4],
            [$job['status'], $job['priority'], $job['tags'], $job['metadata'], $job['max_retries']]);
        $report = (new Eclectyc\Worker($uri, 'php-worker'))->process();
        $this->assertSame(1, $report['completed']);
        $back = $this->python('import eclectyc, json, sys
j = eclectyc.Store(sys.argv[1]).get_job(sys.argv[2]).as_dict()
print(json.dumps({"status": j["status"], "worker_id": j["worker_id"], "imported": j["imported_rows"]}))',
            $uri, $r['id']);
        $this->assertSame(['status' => 'completed', 'worker_id' => 'php-worker', 'imported' => 80], $back);
    }

    private function cli(): string
    {
        $cli = getenv('ECL_CLI');
        if (!$cli || !is_executable($cli)) {
            $this->markTestSkipped('ECL_CLI (the eclectyc command line) is not set');
        }
        return $cli;
    }

    public function testPhpJobProcessedByTheCli(): void
    {
        $cli = $this->cli();
        $dir = TestEnv::dir();
        $uri = TestEnv::uri($dir);
        $svc = new Eclectyc\ImportJobService($uri);
        $id = $svc->createJob('cli.csv', TestEnv::dailyCsv($dir, 25), 'daily');
        [$rc, $out, $err] = TestEnv::run([$cli, '--db', $uri, 'worker', '--once']);
        $this->assertSame(0, $rc, $out . $err);
        $this->assertSame('completed', $svc->getJob($id)['status']);
    }

    public function testCliJobProcessedByPhp(): void
    {
        $cli = $this->cli();
        $dir = TestEnv::dir();
        $uri = TestEnv::uri($dir);
        [$rc, $out, $err] = TestEnv::run([$cli, '--db', $uri, 'migrate']);
        $this->assertSame(0, $rc, $out . $err);
        [$rc, $out, $err] = TestEnv::run([$cli, '--db', $uri, 'import', TestEnv::dailyCsv($dir, 25),
            '--type', 'daily', '--priority', 'high', '--notes', 'from cli']);
        $this->assertSame(0, $rc, $out . $err);
        $svc = new Eclectyc\ImportJobService($uri);
        $jobs = $svc->getRecentJobs();
        $this->assertCount(1, $jobs);
        $this->assertSame(['queued', 'high', 'from cli'], [$jobs[0]['status'], $jobs[0]['priority'],
            $jobs[0]['notes']]);
        (new Eclectyc\Worker($uri))->process();
        $this->assertSame('completed', $svc->getJob($jobs[0]['batch_id'])['status']);
        [$rc, $out] = TestEnv::run([$cli, '--db', $uri, 'job', $jobs[0]['batch_id']]);
        $this->assertSame(0, $rc);
        $this->assertStringContainsString('completed', $out);
    }
}
