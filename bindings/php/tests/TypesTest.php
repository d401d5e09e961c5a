<?php
declare(strict_types=1);

use PHPUnit\Framework\TestCase;

/**
 * Null and wrong types, in every argument of every bound method: a
 * TypeError/ValueError/EclectycException or a result, never a crash (a crash
 * would end this process, and the suite with it). Run with valgrind, it also
 * shows no invalid reads: arguments are never converted in place.
 */
final class TypesTest extends TestCase
{
    private function values(): array
    {
        $refcounted = range(1, 3);
        return [null, [], $refcounted, new stdClass(), STDERR, 1.5, NAN, INF, PHP_INT_MAX, -1,
                true, "a\0b", str_repeat('x', 100000), '', 'daily', fn() => 1,
                new ArrayObject([1])];
    }

    public function testEveryArgumentOfEveryMethod(): void
    {
        $dir = TestEnv::dir();
        $csv = TestEnv::dailyCsv($dir, 20);
        $store = new EclectycStore(TestEnv::uri($dir), 1, fn() => null, 3);
        $valid = [
            'EclectycStore' => [
                'configure_alerting' => [null], 'alert_send' => ['t', 'info', 's', 'b', null],
                'create_job' => ['f', $csv, 'daily', 0, 0, null, 'normal', null, null, 3],
                'get_job' => ['x'], 'list_jobs' => [null, 5, null], 'retry_job' => ['x', 0],
                'job_counts' => [], 'job_attempts' => ['x'],
                'cancel_job' => ['x'],
                'ingest' => [$csv, 'daily', 1, 'create', 'accept', 0, 0, 0, 0, null],
                'aggregate' => ['daily', '2024-01-01', null], 'quality' => ['2024-01-01', null, 0],
                'health' => [0, 0, 0, 0], 'cleanup' => [30, 1, null], 'executions' => [5],
            ],
            'EclectycWorker' => ['process' => [1]],
        ];
        $calls = 0;
        foreach ($valid as $class => $methods) {
            foreach ($methods as $method => $args) {
                foreach (array_keys($args) as $i) {
                    foreach ($this->values() as $bad) {
                        $try = $args;
                        $try[$i] = $bad;
                        $target = $class === 'EclectycStore' ? $store : new EclectycWorker($store, 'w', 0);
                        try {
                            $target->$method(...$try);
                        } catch (Throwable $e) {
                            $this->assertExpected($e, "$class::$method arg $i");
                        }
                        $calls++;
                    }
                }
            }
        }
        foreach ([[], [null], [1, null, 2], [1, 2, 3, 4, 5]] as $args) {
            foreach ($this->values() as $bad) {
                foreach ([fn() => new EclectycStore($bad, ...$args),
                          fn() => new EclectycStore('sqlite::memory:', $bad, ...$args),
                          fn() => new EclectycWorker($bad, ...$args),
                          fn() => new EclectycWorker($store, $bad, ...$args)] as $make) {
                    try {
                        $make();
                    } catch (Throwable $e) {
                        $this->assertExpected($e, 'constructor');
                    }
                    $calls++;
                }
            }
        }
        $this->assertGreaterThan(500, $calls);
        $this->assertSame(1, $store->is_open(), 'the store survived it all');
        $this->assertIsString($store->list_jobs());
    }

    private function assertExpected(Throwable $e, string $where): void
    {
        $this->assertTrue($e instanceof TypeError || $e instanceof ValueError
            || $e instanceof EclectycException, "$where: " . get_class($e) . ' ' . $e->getMessage());
    }

    public function testArgumentsAreNotConsumed(): void
    {
        $s = new EclectycStore('sqlite::memory:');
        $array = range(1, 5);
        $object = new stdClass();
        $object->payload = str_repeat('p', 64);
        foreach ([$array, $object] as $value) {
            try {
                $s->get_job($value);
                $this->fail('no TypeError');
            } catch (TypeError $e) {
                $this->assertStringContainsString('must be of type ?string', $e->getMessage());
            }
        }
        $array[] = 6;
        $this->assertSame([1, 2, 3, 4, 5, 6], $array);
        $this->assertSame(str_repeat('p', 64), $object->payload);
    }

    public function testScalarsAreConvertedAndRangesChecked(): void
    {
        $s = new EclectycStore('sqlite::memory:');
        $this->assertSame('[]', $s->list_jobs(null, '5'));
        $this->assertSame('[]', $s->list_jobs(null, 5.0));
        $this->expectException(ValueError::class);
        $s->list_jobs(null, 2 ** 40);
    }

    public function testNullBytesAreRejected(): void
    {
        $this->expectException(ValueError::class);
        (new EclectycStore('sqlite::memory:'))->get_job("abc\0def");
    }

    public function testWrongArgumentCounts(): void
    {
        $s = new EclectycStore('sqlite::memory:');
        $this->expectException(ArgumentCountError::class);
        $s->get_job();
    }

    public function testNonCallableCallbackIsATypeError(): void
    {
        $this->expectException(TypeError::class);
        $this->expectExceptionMessage('must be a callable or null');
        new EclectycWorker(new EclectycStore('sqlite::memory:'), 'w', 1, 'no_such_function');
    }

    public function testNewMethodsArgumentCounts(): void
    {
        $s = new EclectycStore('sqlite::memory:');
        $this->assertSame('[]', $s->list_jobs(null, 5, 'low'));
        foreach ([fn () => $s->job_counts(1), fn () => $s->job_attempts(), fn () => $s->list_jobs(null, 5, null, 1)] as $call) {
            try {
                $call();
                $this->fail('no ArgumentCountError');
            } catch (ArgumentCountError $e) {
                $this->assertNotSame('', $e->getMessage());
            }
        }
    }

    public function testPhpLayerIsStrictlyTyped(): void
    {
        $svc = new Eclectyc\ImportJobService('sqlite::memory:');
        $this->expectException(TypeError::class);
        $svc->getJob(null);
    }
}
