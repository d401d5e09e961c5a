<?php
/*
 * A queue worker in PHP, like `eclectyc worker`:
 *   php -d extension=eclectyc worker_loop.php [--once] [--limit=N] [--id=NAME] [--throttle-ms=MS]
 * Stops cleanly on SIGTERM/SIGINT (with pcntl) after the current batch.
 * --throttle-ms pauses after each committed batch (5,000 readings), to keep
 * the load of a big import down (the web pages' test uses it to watch one).
 */
declare(strict_types=1);
require __DIR__ . '/bootstrap.php';

$opts = getopt('', ['once', 'limit:', 'id:', 'throttle-ms:']);
$limit = (int)($opts['limit'] ?? 10);
$throttleMs = max(0, (int)($opts['throttle-ms'] ?? 0));

$store = new Eclectyc\Store(eclectyc_store_uri());
$worker = new Eclectyc\Worker($store, $opts['id'] ?? null, true,
    function (int $processed, int $total, int $imported, int $failed) use ($throttleMs): void {
        fprintf(STDERR, "  %d of %d rows (%d imported, %d failed)\n", $processed, $total, $imported, $failed);
        if ($throttleMs > 0) {
            usleep($throttleMs * 1000);     // this batch is committed: readers see its progress
        }
    });
// The masked URI: a PostgreSQL password must not reach the terminal or a log.
echo 'worker ', $worker->id(), ' on ', $store->maskedUri(), "\n";

if (isset($opts['once'])) {
    $r = $worker->process($limit);
    printf("claimed %d, completed %d, failed %d, requeued %d\n", $r['claimed'], $r['completed'],
        $r['failed'], $r['requeued']);
    exit(0);
}
$totals = $worker->run(pollInterval: 5.0, limit: $limit);
printf("stopped after %d cycles: %d completed, %d failed\n", $totals['cycles'], $totals['completed'],
    $totals['failed']);
