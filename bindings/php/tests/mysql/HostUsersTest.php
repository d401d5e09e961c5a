<?php
declare(strict_types=1);

use Eclectyc\ImportJobService;
use Eclectyc\Store;
use PHPUnit\Framework\TestCase;

/**
 * ImportJobService's rows on the PHP application's own MySQL database,
 * adopted in place (tests/mysql/host_app: production's schema and rows, its
 * users table among them): user_name and user_email are the job's user, as
 * the reference's LEFT JOIN users gave them, in every method that returns
 * rows; null for a job without a user or whose user has no row.
 *
 * Needs a server: ctest runs it as php_mysql (bindings/php/CMakeLists.txt,
 * phpunit-mysql.xml) only when ECL_TEST_MYSQL_URI names one at configure
 * time (tests/mysql/with-mariadb.sh). It works in a database of its own,
 * dropped at the end.
 */
final class HostUsersTest extends TestCase
{
    /** The application's jobs (production_rows.sql). */
    private const APP_COMPLETED = '6f1c2b1e-8d7a-4c1e-9b1a-0d3f5e7a9c11';
    private const APP_FAILED = '0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d';
    private const APP_QUEUED = '5e4d3c2b-1a09-4f8e-b7d6-c5b4a3928170';
    private const MANAGER = ['Energy Manager', 'manager@example.com'];
    /** "Zoë Ångström", a user the test adds. */
    private const ZOE = ["Zo\u{eb} \u{c5}ngstr\u{f6}m", 'zoe@example.com'];

    private static ?string $uri = null;
    private static string $dir;

    public static function setUpBeforeClass(): void
    {
        $server = getenv('ECL_TEST_MYSQL_URI');
        if ($server === false || $server === '') {
            throw new RuntimeException('ECL_TEST_MYSQL_URI is not set: this suite runs as ctest php_mysql'
                . ' (configured inside tests/mysql/with-mariadb.sh)');
        }
        $db = sprintf('ecl_php_users_%d_%s', getmypid(), bin2hex(random_bytes(3)));
        self::$uri = preg_replace('#^([a-z]+://[^/?]*)(/[^?]*)?#', '$1/' . $db, $server);
        self::$dir = TestEnv::dir();
        // The application's database as production has it, users included.
        self::shell(['bash', self::source('tests/mysql/host_db.sh'), self::$uri]);
        self::sql(file_get_contents(self::source('tests/mysql/host_app/production_rows.sql'))
            . "\nINSERT INTO users (id, name, email) VALUES (2, '" . self::ZOE[0] . "', '" . self::ZOE[1] . "');");
        // Adopted in place by the library's migrate.
        new Store(self::$uri, migrate: true, useConfig: false);
    }

    public static function tearDownAfterClass(): void
    {
        if (self::$uri !== null) {
            self::sql('DROP DATABASE `' . substr(strrchr(self::$uri, '/'), 1) . '`');
        }
    }

    private static function source(string $path): string
    {
        return (getenv('ECL_SOURCE_DIR') ?: dirname(__DIR__, 4)) . '/' . $path;
    }

    private static function shell(array $cmd): string
    {
        [$rc, $out, $err] = TestEnv::run($cmd);
        if ($rc !== 0) {
            throw new RuntimeException(basename($cmd[1]) . " failed ($rc): $err");
        }
        return $out;
    }

    /** SQL in the test's database (tests/mysql/sql.sh); its rows as text. */
    private static function sql(string $sql): string
    {
        $file = self::$dir . '/' . bin2hex(random_bytes(4)) . '.sql';
        file_put_contents($file, "SET NAMES utf8mb4;\n$sql\n");
        return self::shell(['bash', self::source('tests/mysql/sql.sh'), self::$uri, $file]);
    }

    private function service(): ImportJobService
    {
        return new ImportJobService(new Store(self::$uri, migrate: false, useConfig: false));
    }

    /** [user_name, user_email] of a row. */
    private static function user(?array $row): array
    {
        return [$row['user_name'], $row['user_email']];
    }

    /** The application's own jobs show their user in every method that returns rows. */
    public function testTheApplicationsJobsShowTheirUser(): void
    {
        $svc = $this->service();
        $this->assertSame('mysql', $svc->store()->backend());
        $completed = $svc->getJob(self::APP_COMPLETED);
        $this->assertSame(1, $completed['user_id']);
        $this->assertSame(self::MANAGER, self::user($completed));
        $this->assertSame(self::MANAGER, self::user($svc->getJobById($completed['id'])));
        $this->assertSame(self::MANAGER, self::user($svc->getJobById((string)$completed['id'])));

        $failed = $svc->getFailedJobsNeedingAlerts();
        $this->assertContains(self::APP_FAILED, array_column($failed, 'batch_id'));
        foreach ($failed as $row) {
            if ($row['batch_id'] === self::APP_FAILED) {
                $this->assertSame(self::MANAGER, self::user($row));
            }
        }
        // The queued job has no user.
        $queued = array_values(array_filter($svc->getQueuedJobs(50),
            static fn (array $row): bool => $row['batch_id'] === self::APP_QUEUED));
        $this->assertCount(1, $queued);
        $this->assertSame([null, null, null], [$queued[0]['user_id'], ...self::user($queued[0])]);
        $recent = array_column($svc->getRecentJobs(50), null, 'batch_id');
        $this->assertSame(self::MANAGER, self::user($recent[self::APP_COMPLETED]));
        $this->assertSame(self::MANAGER, self::user($recent[self::APP_FAILED]));
        $this->assertSame([null, null], self::user($recent[self::APP_QUEUED]));
    }

    /**
     * The library's jobs: the user with a row (UTF-8 kept), null without a
     * user or for an id without a row; every other column as referenceRow().
     */
    public function testNewJobsWithAndWithoutAUser(): void
    {
        $svc = $this->service();
        $store = $svc->store();
        $csv = TestEnv::dailyCsv(self::$dir);
        $zoe = $svc->createJob('zoe.csv', $csv, 'daily', userId: 2);
        $nobody = $svc->createJob('nobody.csv', $csv, 'daily');
        $unknown = $svc->createJob('unknown.csv', $csv, 'daily', userId: 999);
        $this->assertSame(self::ZOE, self::user($svc->getJob($zoe)));
        $this->assertSame([null, null], self::user($svc->getJob($nobody)));
        $this->assertSame([999, null, null], [$svc->getJob($unknown)['user_id'],
            ...self::user($svc->getJob($unknown))]);
        $recent = array_column($svc->getRecentJobs(3), null, 'batch_id');
        $this->assertSame([$unknown, $nobody, $zoe], array_keys($recent));
        $this->assertSame(self::ZOE, self::user($recent[$zoe]));
        foreach ([$zoe, $nobody, $unknown] as $id) {
            $row = $svc->getJob($id);
            $plain = ImportJobService::referenceRow($store->getJob($id));
            $this->assertSame(array_keys($plain), array_keys($row), 'the same keys, in order');
            unset($row['user_name'], $row['user_email'], $plain['user_name'], $plain['user_email']);
            $this->assertSame($plain, $row, 'only the user differs');
        }
        $queued = array_column($svc->getQueuedJobs(50), null, 'batch_id');
        $this->assertSame(self::ZOE, self::user($queued[$zoe]));
        $this->assertSame([null, null], self::user($queued[$unknown]));

        // A failed job of Zoë's awaits its alert with her name on it.
        $failed = $svc->createJob('failed.csv', $csv, 'daily', userId: 2, maxRetries: 0);
        $this->assertTrue($svc->updateStatus($failed, 'failed', 'boom'));
        $pending = array_column($svc->getFailedJobsNeedingAlerts(50), null, 'batch_id');
        $this->assertSame(self::ZOE, self::user($pending[$failed]));
        $this->assertTrue($svc->markAlertSent($failed));
    }

    /** Store::hostUser(): the row as stored; null for an id without one. */
    public function testStoreHostUser(): void
    {
        $store = new Store(self::$uri, migrate: false, useConfig: false);
        $this->assertSame(['id' => 1, 'name' => self::MANAGER[0], 'email' => self::MANAGER[1]],
            $store->hostUser(1));
        $this->assertSame(['id' => 2, 'name' => self::ZOE[0], 'email' => self::ZOE[1]], $store->hostUser(2));
        $this->assertNull($store->hostUser(999));
        try {
            $store->hostUser(-1);
            $this->fail('no exception for id -1');
        } catch (Eclectyc\InvalidException $e) {
            $this->assertSame(EINVALID, $e->getCode());
        }
    }

    /** Looked up per call: a user renamed in the application shows at once. */
    public function testARenamedUserShowsAtOnce(): void
    {
        $svc = $this->service();
        $id = $svc->createJob('renamed.csv', TestEnv::dailyCsv(self::$dir), 'daily', userId: 3);
        $this->assertSame([null, null], self::user($svc->getJob($id)), 'no user 3 yet');
        self::sql("INSERT INTO users (id, name, email) VALUES (3, 'Site Lead', 'lead@example.com')");
        $this->assertSame(['Site Lead', 'lead@example.com'], self::user($svc->getJob($id)));
        self::sql("UPDATE users SET name = 'Head of Estates' WHERE id = 3");
        $this->assertSame(['Head of Estates', 'lead@example.com'], self::user($svc->getJob($id)));
    }

    /** The Python binding reads the same users (Store.host_user). */
    public function testPythonStoreHostUser(): void
    {
        $python = TestEnv::python($why);
        if ($python === null) {
            $this->fail("the Python binding is needed here: $why");
        }
        [$interpreter, $path] = $python;
        $code = 'import eclectyc, json, sys; s = eclectyc.Store(sys.argv[1], migrate=False, config=False);'
            . ' print(json.dumps([s.host_user(2), s.host_user(999)], ensure_ascii=False))';
        [$rc, $out, $err] = TestEnv::run([$interpreter, '-c', $code, self::$uri], ['PYTHONPATH' => $path]);
        $this->assertSame(0, $rc, $err);
        $this->assertSame([['id' => 2, 'name' => self::ZOE[0], 'email' => self::ZOE[1]], null],
            json_decode($out, true, 8, JSON_THROW_ON_ERROR));
    }
}
