<?php
/*
 * The operations guide's job snippets with the PHP layer:
 *   php -d extension=eclectyc create_job.php FILE.csv [hh|daily] [BATCH_ID]
 * BATCH_ID: a failed job to retry in 10 minutes (other failed jobs are retried now).
 * ECLECTYC_DB names the store (default sqlite://eclectyc.db).
 */
declare(strict_types=1);
require __DIR__ . '/bootstrap.php';

use Eclectyc\ImportJobService;

$file = $argv[1] ?? exit("usage: php create_job.php FILE.csv [hh|daily]\n");
$type = $argv[2] ?? 'hh';

// Existing code changes its constructor (a store URI instead of a PDO) and nothing else.
$jobs = new ImportJobService(eclectyc_store_uri());

// A job with notes, priority, tags, metadata and max retries.
$batchId = $jobs->createJob(
    filename: basename($file),
    filePath: realpath($file) ?: $file,
    importType: $type,
    userId: 1,
    notes: 'Monthly HH data for site 7',
    priority: 'high',
    tags: ['monthly', 'site-7'],
    metadata: ['default_site_id' => 7, 'source' => 'sftp'],
    maxRetries: 5,
);
echo "queued $batchId\n";

$job = $jobs->getJob($batchId);
printf("status=%s priority=%s tags=%s max_retries=%d\n", $job['status'], $job['priority'],
    implode(',', json_decode($job['tags'] ?? '[]', true)), $job['max_retries']);

// Retry a job in 10 minutes, and every other failed job now (each returns
// false when the job cannot be retried: unknown, not failed, retries spent).
$later = $argv[3] ?? '';
if ($later !== '') {
    $ok = $jobs->retryJob($later, 600);
    echo "retry $later in 10 minutes: " . ($ok ? 'requeued' : 'not retryable') . "\n";
}
foreach ($jobs->getRecentJobs(20, 'failed') as $failed) {
    if ($failed['batch_id'] === $later) {
        continue;
    }
    $ok = $jobs->retryJob($failed['batch_id']);
    echo "retry {$failed['batch_id']} now: " . ($ok ? 'requeued' : 'not retryable') . "\n";
}
