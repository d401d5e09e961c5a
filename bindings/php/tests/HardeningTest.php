<?php
declare(strict_types=1);

use PHPUnit\Framework\TestCase;

/**
 * Findings of the security pass (issue 15) the PHP binding answers for: a
 * URI's password in messages and dumps, calls made from callbacks, handles
 * made without their constructor, and JSON nested too deep.
 */
final class HardeningTest extends TestCase
{
    private const MISSING = '00000000-0000-4000-8000-000000000000';

    // ---- a URI's password never reaches a message or a dump -------------------

    /** @return array<string,array{string,string}> */
    public static function secretUris(): array
    {
        return [
            'bad percent'   => ['postgresql://app:Pa%ss@localhost/energy',
                                '"postgresql://app:***@localhost/energy"'],
            'IPv6 bracket'  => ['postgresql://app:S3cret@[::1/energy', '"postgresql://app:***@[::1/energy"'],
            'slash'         => ['postgres://app:S3c/ret@localhost/energy', 'percent-encode'],
            'keyword space' => ['postgresql:host=localhost password=S3c ret', 'not shown'],
        ];
    }

    /** @dataProvider secretUris */
    public function testPgsqlUriErrorHidesPassword(string $uri, string $says): void
    {
        try {
            new Eclectyc\Store($uri);
            $this->fail("opened $uri");
        } catch (Eclectyc\NotSupportedException $e) {
            $this->markTestSkipped('built without PostgreSQL');
        } catch (Eclectyc\InvalidException $e) {
            $this->assertStringContainsString($says, $e->getMessage());
            foreach (['Pa%ss', 'S3c', 'cret', 'ret@'] as $fragment) {
                $this->assertStringNotContainsString($fragment, $e->getMessage());
                // Nor in the trace (the URI argument is a #[\SensitiveParameter]).
                $this->assertStringNotContainsString($fragment, (string)$e);
            }
        }
    }

    public function testMaskUri(): void
    {
        $this->assertSame('postgresql://app:***@db:5432/energy?password=***',
            Eclectyc\Store::maskUri('postgresql://app:S3cret@db:5432/energy?password=x'));
        $this->assertSame('postgresql://app@db/energy', Eclectyc\Store::maskUri('postgresql://app@db/energy'));
        $this->assertSame('sqlite::memory:', Eclectyc\Store::maskUri('sqlite::memory:'));
    }

    public function testDumpsMaskPassword(): void
    {
        // An SQLite file named like credentials stands in for a PostgreSQL
        // store (no server needed): what is shown is masked alike.
        $uri = 'sqlite://' . TestEnv::dir() . '/app:S3cret@store.db';
        $store = new Eclectyc\Store($uri);
        $this->assertStringEndsWith('app:***@store.db', $store->maskedUri());
        $this->assertSame($uri, $store->uri());
        foreach ([print_r($store, true), var_export($store->__debugInfo(), true)] as $dump) {
            $this->assertStringNotContainsString('S3cret', $dump);
            $this->assertStringContainsString('app:***@store.db', $dump);
        }
        ob_start();
        var_dump($store);
        $dump = (string)ob_get_clean();
        $this->assertStringNotContainsString('S3cret', $dump);
    }

    public function testWorkerLoopExampleMasksPassword(): void
    {
        $uri = 'sqlite://' . TestEnv::dir() . '/app:S3cret@loop.db';
        new Eclectyc\Store($uri);
        $src = getenv('ECL_SOURCE_DIR') ?: dirname(__DIR__, 3);
        [$rc, $out, $err] = TestEnv::run([...TestEnv::phpCommand(), "$src/examples/php/worker_loop.php",
            '--once'], ['ECLECTYC_DB' => $uri, 'ECLECTYC_PHP_LIB' => dirname(__DIR__) . '/lib']);
        $this->assertSame(0, $rc, $out . $err);
        $this->assertStringContainsString('app:***@loop.db', $out);
        $this->assertStringNotContainsString('S3cret', $out . $err);
    }

    // ---- calls made from a callback keep their own status ----------------------

    public function testFailedCallCaughtInProgressCallback(): void
    {
        $dir = TestEnv::dir();
        $store = new Eclectyc\Store(TestEnv::uri($dir));
        $caught = 0;
        $r = $store->ingest(TestEnv::dailyCsv($dir, 300), 'daily', batchSize: 100,
            progress: function () use ($store, &$caught) {
                try {
                    $store->getJob(self::MISSING);
                } catch (Eclectyc\NotFoundException $e) {
                    $caught++;
                }
            });
        $this->assertSame(300, $r['records_imported']);
        $this->assertGreaterThan(0, $caught);
    }

    public function testFailedCallCaughtInLogCallback(): void
    {
        $dir = TestEnv::dir();
        $holder = new ArrayObject();
        $caught = 0;
        $store = new Eclectyc\Store(TestEnv::uri($dir), log: function (int $level, string $message)
                use ($holder, &$caught) {
            if (isset($holder['store'])) {
                try {
                    $holder['store']->cancelJob(self::MISSING);
                } catch (Eclectyc\NotFoundException $e) {
                    $caught++;
                }
            }
        }, logLevel: Eclectyc\Store::LOG_DEBUG);
        $holder['store'] = $store;
        $id = $store->createJob('daily.csv', TestEnv::dailyCsv($dir, 20), 'daily');
        $report = (new Eclectyc\Worker($store, aggregateAfterImport: false))->process(1);
        $this->assertSame(1, $report['completed']);
        $this->assertSame('completed', $store->getJob($id)['status']);
        $this->assertGreaterThan(0, $caught);
    }

    public function testFailingOuterCallKeepsItsOwnError(): void
    {
        $dir = TestEnv::dir();
        $store = new Eclectyc\Store(TestEnv::uri($dir));
        $this->expectException(Eclectyc\CancelledException::class);
        $store->ingest(TestEnv::dailyCsv($dir, 300), 'daily', batchSize: 100,
            progress: function () use ($store) {
                $store->jobCounts();
                return true;
            });
    }

    // ---- handles made without their constructor ---------------------------------

    public function testStoreAndWorkerRefuseSerialization(): void
    {
        $dir = TestEnv::dir();
        $native = new EclectycStore(TestEnv::uri($dir));
        $worker = new EclectycWorker($native);
        foreach ([$native, $worker] as $object) {
            try {
                serialize($object);
                $this->fail('serialized ' . get_class($object));
            } catch (Exception $e) {
                $this->assertStringContainsString('is not allowed', $e->getMessage());
            }
        }
        foreach (['O:13:"EclectycStore":0:{}', 'O:14:"EclectycWorker":0:{}'] as $text) {
            try {
                unserialize($text);
                $this->fail("unserialized $text");
            } catch (Exception $e) {
                $this->assertStringContainsString('Unserialization of', $e->getMessage());
            }
        }
        $store = new Eclectyc\Store(TestEnv::uri($dir));
        foreach ([$store, new Eclectyc\Worker($store)] as $object) {
            try {
                serialize($object);
                $this->fail('serialized ' . get_class($object));
            } catch (LogicException $e) {
                $this->assertStringContainsString('cannot be serialized', $e->getMessage());
            }
        }
        $this->expectException(LogicException::class);
        unserialize('O:14:"Eclectyc\Store":0:{}');
    }

    /** Built without a constructor, a handle is inert: every use throws, nothing crashes. */
    public function testHandlesWithoutConstructorAreInert(): void
    {
        $store = (new ReflectionClass(EclectycStore::class))->newInstanceWithoutConstructor();
        $worker = (new ReflectionClass(EclectycWorker::class))->newInstanceWithoutConstructor();
        $calls = [
            fn() => new EclectycWorker($store),
            fn() => $store->migrate(),
            fn() => $store->list_jobs(),
            fn() => $worker->process(1),
        ];
        foreach ($calls as $i => $call) {
            try {
                $call();
                $this->fail("call $i did not throw");
            } catch (TypeError | EclectycException $e) {
                $this->assertNotSame('', $e->getMessage());
            }
        }
        $this->assertFalse((bool)$store->is_open());
    }

    /** The reported crash, in a child process so a regression fails this test, not the suite. */
    public function testWorkerOnUnserializedStoreDoesNotCrash(): void
    {
        $code = 'try { $s = unserialize(\'O:13:"EclectycStore":0:{}\'); new EclectycWorker($s); echo "made"; }'
            . ' catch (Throwable $e) { echo "refused: ", get_class($e); }';
        [$rc, $out, $err] = TestEnv::run([...TestEnv::phpCommand(), '-r', $code]);
        $this->assertSame(0, $rc, $out . $err);
        $this->assertSame('refused: Exception', $out);
    }

    // ---- JSON nesting ------------------------------------------------------------

    public function testMetadataNestingIsBounded(): void
    {
        $dir = TestEnv::dir();
        $store = new Eclectyc\Store(TestEnv::uri($dir));
        $csv = TestEnv::dailyCsv($dir, 5);
        $nested = static function (int $depth): array {
            $value = ['a' => 1];
            for ($i = 1; $i < $depth; $i++) {
                $value = ['a' => $value];
            }
            return $value;
        };
        $store->createJob('ok.csv', $csv, 'daily', metadata: $nested(32));
        foreach ([33, 500] as $depth) {
            try {
                $store->createJob('deep.csv', $csv, 'daily', metadata: $nested($depth));
                $this->fail("metadata $depth deep was accepted");
            } catch (Eclectyc\InvalidException $e) {
                $this->assertStringContainsString('metadata nests arrays and objects more than 32 levels',
                    $e->getMessage());
            }
        }
        $this->assertCount(1, $store->listJobs());
    }
}
