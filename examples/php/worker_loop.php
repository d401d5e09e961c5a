<?php
/*
 * A queue worker in PHP, like `eclectyc worker`:
 *   php -d extension=eclectyc worker_loop.php [--once] [--limit=N]
 * Stops cleanly on SIGTERM/SIGINT (with pcntl) after the current batch.
 */
declare(strict_types=1);
require __DIR__ . '/bootstrap.php';

$opts = getopt('', ['once', 'limit:', 'id:']);
$limit = (int)($opts['limit'] ?? 10);

$store = new Eclectyc\Store(eclectyc_store_uri());
$worker = new Eclectyc\Worker($store, $opts['id'] ?? null, true,
    function (int $processed, int $total, int $imported, int $failed): void {
        fprintf(STDERR, "  %d rows (%d imported, %d failed)\n", $processed, $imported, $failed);
    });
echo 'worker ', $worker->id(), ' on ', $store->uri(), "\n";

if (isset($opts['once'])) {
    $r = $worker->process($limit);
    printf("claimed %d, completed %d, failed %d, requeued %d\n", $r['claimed'], $r['completed'],
        $r['failed'], $r['requeued']);
    exit(0);
}
$totals = $worker->run(pollInterval: 5.0, limit: $limit);
printf("stopped after %d cycles: %d completed, %d failed\n", $totals['cycles'], $totals['completed'],
    $totals['failed']);
