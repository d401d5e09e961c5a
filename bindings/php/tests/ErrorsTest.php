<?php
declare(strict_types=1);

use PHPUnit\Framework\TestCase;

/** Every error class: the hierarchy, and each code the library can reach raised as its class. */
final class ErrorsTest extends TestCase
{
    private const CLASSES = [
        -1 => 'Eclectyc\GenericException', -2 => 'Eclectyc\InvalidException',
        -3 => 'Eclectyc\MemoryException', -4 => 'Eclectyc\NotFoundException',
        -5 => 'Eclectyc\ExistsException', -6 => 'Eclectyc\StateException',
        -7 => 'Eclectyc\NotSupportedException', -8 => 'Eclectyc\IOException',
        -9 => 'Eclectyc\BusyException', -10 => 'Eclectyc\SchemaException',
        -11 => 'Eclectyc\DatabaseException', -12 => 'Eclectyc\CancelledException',
        -13 => 'Eclectyc\ParseException',
    ];

    public function testHierarchy(): void
    {
        $this->assertTrue(is_subclass_of('EclectycException', RuntimeException::class));
        $this->assertSame('EclectycException', (new ReflectionClass('Eclectyc\EclectycException'))->getName());
        foreach (self::CLASSES as $code => $class) {
            $this->assertTrue(class_exists($class), $class);
            $this->assertTrue(is_subclass_of($class, 'EclectycException'), $class);
        }
        $e = new Eclectyc\NotFoundException('m', -4);
        $this->assertInstanceOf(RuntimeException::class, $e);
    }

    /** @return iterable<string, array{int, callable}> */
    public function reachable(): iterable
    {
        yield 'EINVALID: unknown priority' => [-2, fn() => (new EclectycStore('sqlite::memory:'))
            ->create_job('a', __FILE__, 'hh', 0, 0, null, 'urgent')];
        yield 'EINVALID: empty URI' => [-2, fn() => new EclectycStore('')];
        // null is ECLECTYC_DB; with the configuration off there is no URI at all.
        yield 'EINVALID: null URI' => [-2, fn() => new EclectycStore(null, 1, null, -1, 0)];
        yield 'EINVALID: env file without the configuration' =>
            [-2, fn() => new EclectycStore('sqlite::memory:', 1, null, -1, 0, '/nonexistent/.env')];
        yield 'EIO: a missing env file' =>
            [-8, fn() => new EclectycStore('sqlite::memory:', 1, null, -1, 1, '/nonexistent/.env')];
        yield 'EINVALID: closed store' => [-2, function () {
            $s = new EclectycStore('sqlite::memory:');
            $s->close();
            $s->list_jobs();
        }];
        yield 'EINVALID: unknown priority filter' => [-2, fn() => (new EclectycStore('sqlite::memory:'))
            ->list_jobs(null, 20, 'urgent')];
        yield 'EINVALID: empty batch id for attempts' => [-2, fn() => (new EclectycStore('sqlite::memory:'))
            ->job_attempts('')];
        yield 'EINVALID: null batch id for attempts' => [-2, fn() => (new EclectycStore('sqlite::memory:'))
            ->job_attempts(null)];
        yield 'ENOTFOUND: unknown batch' => [-4, fn() => (new EclectycStore('sqlite::memory:'))->get_job('nope')];
        yield 'ENOTFOUND: attempts of an unknown batch' => [-4, fn() => (new EclectycStore('sqlite::memory:'))
            ->job_attempts('00000000-0000-4000-8000-000000000000')];
        yield 'ESCHEMA: counts, not migrated' => [-10, fn() => (new EclectycStore(TestEnv::uri(), 0))->job_counts()];
        yield 'ESTATE: cancel a cancelled job' => [-6, function () {
            $s = new EclectycStore('sqlite::memory:');
            $id = $s->create_job('a', __FILE__, 'daily');
            $s->cancel_job($id);
            $s->cancel_job($id);
        }];
        yield 'ENOTSUPPORTED: scheme' => [-7, fn() => new EclectycStore('nosuch://localhost/x')];
        yield 'EIO: missing file' => [-8, fn() => (new EclectycStore('sqlite::memory:'))->ingest('/nonexistent/x.csv')];
        yield 'EIO: not a database' => [-8, function () {
            $path = TestEnv::dir() . '/garbage.db';
            file_put_contents($path, random_bytes(8192));
            new EclectycStore("sqlite://$path");
        }];
        yield 'ESCHEMA: not migrated' => [-10, fn() => (new EclectycStore(TestEnv::uri(), 0))->list_jobs()];
        yield 'ECANCELLED: progress returns true' => [-12, function () {
            $dir = TestEnv::dir();
            (new EclectycStore(TestEnv::uri($dir)))->ingest(TestEnv::dailyCsv($dir, 300), 'daily', 0,
                'create', 'accept', 0, 0, 0, 50, fn() => true);
        }];
        yield 'EPARSE: malformed .env' => [-13, function () {
            $path = TestEnv::dir() . '/bad.env';
            file_put_contents($path, "SLACK_WEBHOOK_URL=\"unterminated\n");
            (new EclectycStore('sqlite::memory:'))->configure_alerting($path);
        }];
    }

    /** @dataProvider reachable */
    public function testCodeRaisesItsClass(int $code, callable $call): void
    {
        try {
            $call();
            $this->fail('no exception');
        } catch (EclectycException $e) {
            $this->assertSame($code, $e->getCode());
            $this->assertInstanceOf(self::CLASSES[$code], $e);
            $this->assertNotSame('', $e->getMessage());
        }
    }

    public function testMessageIsTheLibrarysText(): void
    {
        try {
            (new EclectycStore('sqlite::memory:'))->get_job('abc');
            $this->fail('no exception');
        } catch (Eclectyc\NotFoundException $e) {
            $this->assertSame('no job with batch id "abc"', $e->getMessage());
        }
    }

    public function testBusyWhenAnotherProcessHoldsTheLock(): void
    {
        $why = null;
        $py = TestEnv::python($why);
        $python = $py[0] ?? (getenv('ECL_PYTHON') ?: '/usr/bin/python3');
        if (!is_executable($python)) {
            $this->markTestSkipped('no python3 to hold a lock');
        }
        $dir = TestEnv::dir();
        $db = "$dir/eclectyc.db";
        $s = new EclectycStore("sqlite://$db");
        $ready = "$dir/locked";
        $holder = proc_open([$python, '-c', 'import sqlite3,sys,time,os
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN EXCLUSIVE")
open(sys.argv[2], "w").close()
time.sleep(30)', $db, $ready], [0 => ['file', '/dev/null', 'r'], 1 => ['file', '/dev/null', 'w'],
            2 => ['file', "$dir/holder.err", 'w']], $pipes);
        try {
            for ($i = 0; $i < 100 && !file_exists($ready); $i++) {
                usleep(100000);
            }
            $this->assertFileExists($ready);
            $start = microtime(true);
            try {
                $s->create_job('a', __FILE__, 'daily');
                $this->fail('no exception');
            } catch (Eclectyc\BusyException $e) {
                $this->assertSame(EBUSY, $e->getCode());
                $this->assertGreaterThan(5, microtime(true) - $start, 'waited the busy timeout');
            }
        } finally {
            proc_terminate($holder);
            proc_close($holder);
        }
        $this->assertNotEmpty($s->create_job('a', __FILE__, 'daily'), 'usable once released');
    }
}
