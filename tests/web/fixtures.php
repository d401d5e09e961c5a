<?php
/*
 * Jobs for the web tests, made through the PHP layer in ECLECTYC_DB:
 *   php fixtures.php http|browser WORKDIR
 * Writes WORKDIR/ids.sh (NAME_id=<batch id> lines) and, for the browser
 * test, WORKDIR/ids.json.
 *   failed     a file with no meter column, max_retries 0: failed for good, retries spent
 *   xss        '<script>' in its filename, notes and tags; completed with row errors
 *   completed  (http) a low-priority completed import
 *   queued     (http) a high-priority queued job
 *   cancelled  (http) a cancelled job
 *   big        (browser) a queued daily import of BIG_ROWS rows (default 60,000)
 */
declare(strict_types=1);
require getenv('ECLECTYC_PHP_LIB') . '/autoload.php';

[$mode, $dir] = [$argv[1] ?? '', $argv[2] ?? ''];
if (!in_array($mode, ['http', 'browser'], true) || !is_dir($dir)) {
    fwrite(STDERR, "usage: fixtures.php http|browser WORKDIR\n");
    exit(2);
}

/** A daily CSV: $rows rows over 100 meters, one day per 100 rows. */
function daily_csv(string $path, int $rows, bool $withErrors = false): string
{
    $out = fopen($path, 'wb');
    fwrite($out, "mpan,date,value\n");
    $day = new DateTimeImmutable('2020-01-01', new DateTimeZone('UTC'));
    for ($i = 0; $i < $rows; $i++) {
        fprintf($out, "%d,%s,%.2f\n", 1900000000000 + $i % 100,
            $day->modify('+' . intdiv($i, 100) . ' days')->format('Y-m-d'), 1 + ($i % 13) / 4);
    }
    if ($withErrors) {
        fwrite($out, "1900000000001,not-a-date,1.0\n,2020-01-01,2.0\n");
    }
    fclose($out);
    return $path;
}

$svc = new Eclectyc\ImportJobService(getenv('ECLECTYC_DB'));
file_put_contents("$dir/bad.csv", "a,b\n1,2\n");
$ids = [];
$ids['failed'] = $svc->createJob('bad.csv', "$dir/bad.csv", 'daily', maxRetries: 0,
    notes: 'no meter column');
$ids['xss'] = $svc->createJob('<script>window.xssFilename=1</script>.csv', daily_csv("$dir/xss.csv", 50, true),
    'daily', notes: '<img src=x onerror="window.xssNotes=1"> & "quotes"', tags: ['<b>bold</b>', 'monthly'],
    metadata: ['note' => '</pre><script>window.xssMeta=1</script>']);
if ($mode === 'http') {
    $ids['completed'] = $svc->createJob('low.csv', daily_csv("$dir/low.csv", 20), 'daily', priority: 'low');
}
$report = (new Eclectyc\Worker($svc->store(), 'fixtures'))->process(10);
if ($report['failed'] !== 1 || $report['completed'] !== count($ids) - 1) {
    fwrite(STDERR, 'unexpected worker report: ' . json_encode($report) . "\n");
    exit(1);
}
if ($mode === 'http') {
    $ids['cancelled'] = $svc->createJob('cancelled.csv', "$dir/low.csv", 'daily');
    $svc->cancelJob($ids['cancelled']);
    $ids['queued'] = $svc->createJob('queued.csv', "$dir/low.csv", 'daily', priority: 'high');
} else {
    $rows = (int)(getenv('BIG_ROWS') ?: 60000);
    $ids['big'] = $svc->createJob('big.csv', daily_csv("$dir/big.csv", $rows), 'daily',
        notes: "$rows daily readings", tags: ['browser-test']);
}
$sh = '';
foreach ($ids as $name => $id) {
    $sh .= "{$name}_id=$id\n";
}
file_put_contents("$dir/ids.sh", $sh);
file_put_contents("$dir/ids.json", json_encode($ids, JSON_PRETTY_PRINT) . "\n");
echo $sh;
