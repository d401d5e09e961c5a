<?php
/*
 * Bootstrap of the PHP binding's PHPUnit suite. Run under
 *   php -n -d extension=/abs/eclectyc.so /usr/bin/phpunit -c bindings/php/phpunit.xml
 * Environment (set by ctest): ECL_TEST_TMPDIR, ECL_CLI, ECL_PYTHON,
 * ECL_PYTHONPATH, ECL_PHP_EXTENSION, ECL_SOURCE_DIR.
 */
declare(strict_types=1);

require __DIR__ . '/../lib/autoload.php';

final class TestEnv
{
    private static ?string $root = null;
    private static int $seq = 0;

    /** A fresh directory for one test, under ECL_TEST_TMPDIR (removed at exit). */
    public static function dir(): string
    {
        if (self::$root === null) {
            $base = getenv('ECL_TEST_TMPDIR') ?: sys_get_temp_dir();
            @mkdir($base, 0777, true);
            self::$root = $base . '/php-' . getmypid() . '-' . bin2hex(random_bytes(3));
            mkdir(self::$root, 0777, true);
            register_shutdown_function([self::class, 'cleanup']);
        }
        $dir = self::$root . '/t' . (++self::$seq);
        mkdir($dir);
        return $dir;
    }

    public static function cleanup(): void
    {
        if (self::$root !== null && getenv('ECL_TEST_KEEP') === false) {
            exec('rm -rf ' . escapeshellarg(self::$root));
        }
    }

    /** A fresh SQLite store URI in a fresh directory. */
    public static function uri(?string $dir = null): string
    {
        return 'sqlite://' . ($dir ?? self::dir()) . '/eclectyc.db';
    }

    /** A daily CSV (mpan,date,value) of $rows rows over 10 meters. */
    public static function dailyCsv(string $dir, int $rows = 100, string $name = 'daily.csv'): string
    {
        $path = "$dir/$name";
        $out = "mpan,date,value\n";
        $day = new DateTimeImmutable('2024-01-01');
        for ($i = 0; $i < $rows; $i++) {
            $date = $day->modify('+' . intdiv($i, 10) . ' days')->format('Y-m-d');
            $out .= sprintf("%d,%s,%.1f\n", 1900000000000 + $i % 10, $date, 1 + $i % 7);
        }
        file_put_contents($path, $out);
        return $path;
    }

    /** A CSV the importer rejects permanently (no meter column). */
    public static function badCsv(string $dir, string $name = 'bad.csv'): string
    {
        $path = "$dir/$name";
        file_put_contents($path, "a,b\n1,2\n");
        return $path;
    }

    /** php -n with the extension loaded, as the suite itself runs. */
    public static function phpCommand(): array
    {
        $ext = getenv('ECL_PHP_EXTENSION') ?: self::loadedExtensionPath();
        return [PHP_BINARY, '-n', '-d', 'extension=' . $ext];
    }

    private static function loadedExtensionPath(): string
    {
        foreach (explode("\n", (string)ini_get('extension')) as $e) {
            if (str_contains($e, 'eclectyc')) {
                return $e;
            }
        }
        return 'eclectyc';
    }

    /**
     * Run a command; returns [exit code, stdout, stderr].
     * @param array<string,string> $env added to the environment
     */
    public static function run(array $cmd, array $env = [], ?string $cwd = null, int $timeout = 120): array
    {
        $spec = [0 => ['file', '/dev/null', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']];
        $proc = proc_open($cmd, $spec, $pipes, $cwd, $env + getenv());
        if (!is_resource($proc)) {
            throw new RuntimeException('cannot start ' . implode(' ', $cmd));
        }
        $out = stream_get_contents($pipes[1]);
        $err = stream_get_contents($pipes[2]);
        fclose($pipes[1]);
        fclose($pipes[2]);
        return [proc_close($proc), (string)$out, (string)$err];
    }

    /** The Python interpreter and package path, or null (with the reason) when not usable. */
    public static function python(?string &$why = null): ?array
    {
        $python = getenv('ECL_PYTHON') ?: '/usr/bin/python3';
        $path = getenv('ECL_PYTHONPATH') ?: '';
        if (!is_executable($python)) {
            $why = "no Python interpreter at $python";
            return null;
        }
        if ($path === '' || !is_dir("$path/eclectyc")) {
            $why = "the Python package is not built (expected $path/eclectyc)";
            return null;
        }
        [$rc, , $err] = self::run([$python, '-c', 'import eclectyc'], ['PYTHONPATH' => $path]);
        if ($rc !== 0) {
            $why = "import eclectyc failed: $err";
            return null;
        }
        return [$python, $path];
    }

    /** Resident set size of this process, bytes (/proc/self/statm). */
    public static function rss(): int
    {
        $statm = explode(' ', trim((string)file_get_contents('/proc/self/statm')));
        return (int)$statm[1] * 4096;
    }
}
