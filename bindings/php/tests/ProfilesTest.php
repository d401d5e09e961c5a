<?php
declare(strict_types=1);

use Eclectyc\ImportJobService;
use Eclectyc\Store;
use PHPUnit\Framework\TestCase;

/** Import profiles from PHP: the list, a preview, and a job that names a profile and a meter. */
final class ProfilesTest extends TestCase
{
    private static function fixture(string $case): string
    {
        $dir = dirname(__DIR__, 3) . '/tests/profiles/' . $case;
        $spec = json_decode((string)file_get_contents($dir . '/case.json'), true);
        return $dir . '/' . $spec['input'];
    }

    public function testTheListAndAPreview(): void
    {
        $names = array_column(Store::profiles(), 'layout', 'name');
        $this->assertGreaterThanOrEqual(30, count($names));
        $this->assertSame('wide', $names['crown-hh']);
        $preview = Store::detect(self::fixture('bryt-hh'), rows: 2);
        $this->assertSame('bryt-hh', $preview['profile']);
        $this->assertCount(2, $preview['readings']);
        $this->assertSame(['meter', 'start_utc', 'settlement_date', 'period', 'kwh', 'estimated'],
            array_keys($preview['readings'][0]));
    }

    public function testAFileThatNoProfileReads(): void
    {
        $dir = TestEnv::dir();
        file_put_contents("$dir/odd.csv", "Foo,Bar\n1,2\n");
        $this->expectException(EclectycException::class);
        $this->expectExceptionMessage('meter identifier');
        Store::detect("$dir/odd.csv");
    }

    public function testCreateJobWithAProfileAndAMeter(): void
    {
        $dir = TestEnv::dir();
        $svc = new ImportJobService(TestEnv::uri($dir));
        $path = self::fixture('n3rgy-consumption');
        $id = $svc->createJob('n3rgy.csv', $path, 'hh', profile: 'n3rgy-consumption', meter: '1900012345671');
        $job = $svc->getJob($id);
        $this->assertSame(['n3rgy-consumption', '1900012345671'], [$job['import_profile'], $job['import_meter']]);
        $store = new Store(TestEnv::uri($dir));
        (new Eclectyc\Worker($store))->process(1);
        $done = $svc->getJob($id);
        $this->assertSame('completed', $done['status']);
        $this->assertSame('n3rgy-consumption', $done['summary']['profile']);
    }
}
