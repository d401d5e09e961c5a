<?php
namespace EclectycAdmin;

/**
 * @var array $job @var array $progress @var array $history @var string $csrf @var int $maxDelay
 * @var int $resumedAt the row the last attempt started at (0: the first row)
 * @var int $lastAttempt the last attempt's number (0: none)
 * @var ?string $fileHidden why nothing read from the job's file is shown (null: it is)
 */
$id = $job['batch_id'];
$status = (string)$job['status'];
$summary = is_array($job['summary'] ?? null) ? $job['summary'] : null;
$meta = is_array($summary['meta'] ?? null) ? $summary['meta'] : [];
$live = !$progress['final'];
// Same wording as admin.js's render().
$rowsText = static function (array $p): string {
    if ($p['total_rows'] !== null) {
        return num($p['processed_rows']) . ' of ' . num($p['total_rows']) . ' rows';
    }
    return num($p['processed_rows']) . ' rows ' . ($p['final'] ? '(the file\'s rows were never counted)' : '(total not counted yet)');
};
$hidden = static function (string $what) use ($fileHidden): string {
    return '<span class="muted hidden-text">' . e($what) . ' not shown: it may quote the job\'s file, and '
        . e($fileHidden) . '.</span>';
};
$resumed = $summary !== null && $resumedAt > 0;
?>
<p class="crumbs"><a href="/admin/imports/jobs">Import jobs</a> › job</p>
<h1 class="job-title"><span id="job-filename"><?= e($job['filename']) ?></span></h1>
<p class="muted">Batch <code id="job-batch-id"><?= e($id) ?></code></p>

<section class="progress-box" id="progress" data-url="/admin/imports/status/<?= e(rawurlencode($id)) ?>/progress"
         data-final="<?= $live ? '0' : '1' ?>" aria-live="polite">
  <div class="progress-head">
    <?= badge($job['status'], 'job-status') ?>
    <span class="percent" id="progress-percent"><?= e(number_format($progress['percent'], 1)) ?> %</span>
  </div>
  <progress id="progress-bar" max="100" value="<?= e($progress['percent']) ?>"><?= e(number_format($progress['percent'], 1)) ?> %</progress>
  <dl class="figures">
    <div><dt>Rows</dt><dd id="progress-rows"><?= $rowsText($progress) ?></dd></div>
    <div><dt>Imported</dt><dd id="progress-imported"><?= num($progress['imported_rows']) ?></dd></div>
    <div><dt>Failed</dt><dd id="progress-failed"><?= num($progress['failed_rows']) ?></dd></div>
    <div><dt>Rate</dt><dd id="progress-rate"><?= $progress['rows_per_second'] !== null ? num($progress['rows_per_second'], 1) . ' rows/s' : '—' ?></dd></div>
    <div><dt>ETA</dt><dd id="progress-eta"><?= duration($progress['eta_seconds']) ?></dd></div>
    <div><dt>Elapsed</dt><dd id="progress-elapsed"><?= duration($progress['elapsed_seconds']) ?></dd></div>
  </dl>
  <p class="muted small" id="progress-note"><?= $live
      ? 'Updates every second while the job is queued or processing.'
      : 'The job has finished.' ?></p>
</section>

<section class="actions" id="actions">
<?php if ($job['status'] === 'failed'): ?>
  <form method="post" action="/admin/imports/jobs/<?= e(rawurlencode($id)) ?>/retry" id="retry-form" class="inline">
    <input type="hidden" name="_csrf" value="<?= e($csrf) ?>">
    <label>Delay (seconds)
      <input type="number" name="delay" id="retry-delay" min="0" max="<?= e($maxDelay) ?>" step="1" value="0">
    </label>
    <button type="submit" id="retry-button">Retry</button>
  </form>
<?php if ($history['exhausted']): ?>
  <p class="muted small">Its retries are spent (<?= e($history['retries_spent']) ?> of <?= e($history['max_retries']) ?>):
    an operator's retry requeues it anyway and spends one more.</p>
<?php elseif (($job['error_class'] ?? null) === 'permanent'): ?>
  <p class="muted small" id="failed-for-good">It failed for good: the error is permanent (the file is at fault), so
    no retry runs by itself. An operator's retry requeues it and spends one retry.</p>
<?php endif; ?>
<?php endif; ?>
<?php if (in_array($job['status'], ['queued', 'processing'], true)): ?>
  <form method="post" action="/admin/imports/jobs/<?= e(rawurlencode($id)) ?>/cancel" id="cancel-form" class="inline"
        data-confirm="Cancel this import job? Rows already imported stay in the store: cancelling stops the import at its next batch, it does not remove what was imported.">
    <input type="hidden" name="_csrf" value="<?= e($csrf) ?>">
    <button type="submit" class="danger" id="cancel-button">Cancel job</button>
  </form>
<?php endif; ?>
<?php if (in_array($job['status'], ['completed', 'cancelled'], true)): ?>
  <p class="muted small">A <?= e($job['status']) ?> job can be neither retried nor cancelled.</p>
<?php endif; ?>
</section>

<?php if (($job['error_message'] ?? '') !== ''): ?>
<section>
  <h2>Error</h2>
<?php if ($fileHidden === null): ?>
  <pre class="error-text" id="job-error"><?= e($job['error_message']) ?></pre>
<?php else: ?>
  <p id="job-error-hidden"><?= $hidden('The error text is') ?></p>
<?php endif; ?>
</section>
<?php endif; ?>

<section>
  <h2>Job</h2>
  <dl class="details" id="job-details">
    <div><dt>Type</dt><dd><?= e($job['import_type']) ?><?= $job['dry_run'] ? ' (dry run)' : '' ?></dd></div>
    <div><dt>Priority</dt><dd id="job-priority"><?= e($job['priority']) ?></dd></div>
    <div><dt>Tags</dt><dd><?php foreach ($job['tags'] ?? [] as $tag): ?><span class="tag"><?= e($tag) ?></span> <?php endforeach; ?><?= $job['tags'] ? '' : '—' ?></dd></div>
    <div><dt>Notes</dt><dd id="job-notes"><?= ($job['notes'] ?? '') !== '' ? e($job['notes']) : '—' ?></dd></div>
    <div><dt>File</dt><dd><code><?= e($job['file_path'] ?? '') ?></code></dd></div>
    <div><dt>Queued</dt><dd><?= instant($job['queued_at']) ?></dd></div>
    <div><dt>Started</dt><dd><?= instant($job['started_at']) ?></dd></div>
    <div><dt>Completed</dt><dd><?= instant($job['completed_at']) ?></dd></div>
    <div><dt>Worker</dt><dd><?= e($job['worker_id'] ?? '—') ?></dd></div>
    <div><dt>Heartbeat</dt><dd><?= instant($job['heartbeat_at']) ?></dd></div>
    <div><dt>User id</dt><dd><?= e($job['user_id'] ?? '—') ?></dd></div>
<?php if (!empty($job['metadata'])): ?>
    <div class="wide"><dt>Metadata</dt><dd><pre id="job-metadata"><?= json($job['metadata']) ?></pre></dd></div>
<?php endif; ?>
  </dl>
</section>

<section id="summary">
  <h2>Summary</h2>
<?php if ($summary === null): ?>
  <p class="muted" id="no-summary"><?= e(match ($status) {
      'queued', 'processing' => 'No summary yet: the worker stores it when the import finishes.',
      'failed' => 'No summary: the job failed before its import finished (a summary is stored only when an import completes).',
      'cancelled' => 'No summary: the job was cancelled before its import finished (a summary is stored only when an import completes).',
      default => 'No summary was stored for this job.',
  }) ?></p>
<?php else: ?>
<?php if ($resumed): ?>
  <p class="note" id="summary-resumed">Attempt <?= e($lastAttempt) ?> resumed at row <?= num($resumedAt) ?>, where the
    attempt before it stopped: the readings, values, units, meters created, negative values and errors below are that
    last attempt's only (rows <?= num($resumedAt + 1) ?> to <?= num($job['processed_rows']) ?>); those of the rows
    before are not itemised. The records are the whole job's.</p>
<?php endif; ?>
  <dl class="details">
    <div><dt>Format</dt><dd id="summary-format"><?= e($meta['format'] ?? '—') ?></dd></div>
    <div><dt>Records</dt><dd id="summary-records"><?= num($job['processed_rows'] ?? null) ?> processed,
      <?= num($job['imported_rows'] ?? null) ?> imported, <?= num($job['failed_rows'] ?? null) ?> failed</dd></div>
    <div><dt><?= $resumed ? 'Readings (last attempt)' : 'Readings' ?></dt><dd id="summary-readings"><?= num($summary['inserted'] ?? null) ?> inserted,
      <?= num($summary['updated'] ?? null) ?> updated, <?= num($summary['unchanged'] ?? null) ?> unchanged<?= $resumed
        ? ' in rows ' . num($resumedAt + 1) . ' to ' . num($job['processed_rows']) . ' (attempt ' . e($lastAttempt) . ')' : '' ?></dd></div>
    <div><dt>Values</dt><dd><?= num($meta['total_values_processed'] ?? null) ?></dd></div>
    <div><dt>Meters created</dt><dd><?= num($summary['meters_created'] ?? null) ?></dd></div>
    <div><dt>Negative values</dt><dd><?= num($summary['negative_values'] ?? null) ?></dd></div>
    <div><dt>Successful</dt><dd><?= e($summary['successful'] ?? '—') ?></dd></div>
  </dl>

  <div class="columns">
    <div>
      <h3>Column mapping</h3>
<?php if ($fileHidden !== null): ?>
      <p id="column-mapping-hidden"><?= $hidden('The column mapping is') ?></p>
<?php elseif (!empty($meta['column_mapping']) && is_array($meta['column_mapping'])): ?>
      <table class="compact" id="column-mapping">
        <thead><tr><th>Field</th><th>Header in the file</th></tr></thead>
        <tbody>
<?php foreach ($meta['column_mapping'] as $field => $header): ?>
          <tr><td><?= e($field) ?></td><td><?= e(is_array($header) ? implode(', ', array_map('strval', $header)) : $header) ?></td></tr>
<?php endforeach; ?>
        </tbody>
      </table>
<?php else: ?>
      <p class="muted">—</p>
<?php endif; ?>
    </div>
    <div>
      <h3>Units</h3>
<?php if ($fileHidden !== null): ?>
      <p><?= $hidden('The units are') ?></p>
<?php elseif (!empty($meta['unit_counts']) && is_array($meta['unit_counts'])): ?>
      <table class="compact" id="unit-counts">
        <thead><tr><th>Unit</th><th class="num">Values</th></tr></thead>
        <tbody>
<?php foreach ($meta['unit_counts'] as $unit => $n): ?>
          <tr><td><?= e($unit) ?></td><td class="num"><?= num(is_numeric($n) ? $n + 0 : null) ?></td></tr>
<?php endforeach; ?>
        </tbody>
      </table>
<?php else: ?>
      <p class="muted">—</p>
<?php endif; ?>
    </div>
<?php if (!empty($summary['aggregation']) && is_array($summary['aggregation'])): ?>
    <div>
      <h3>Re-aggregation</h3>
      <table class="compact" id="aggregation">
        <thead><tr><th>Range</th><th>Status</th><th class="num">Rows written</th></tr></thead>
        <tbody>
<?php foreach ($summary['aggregation'] as $range => $a): ?>
          <tr><td><?= e($range) ?></td><td><?= e(is_array($a) ? ($a['status'] ?? '') : $a) ?></td>
            <td class="num"><?= num(is_array($a) && is_numeric($a['rows_written'] ?? null) ? $a['rows_written'] + 0 : null) ?></td></tr>
<?php endforeach; ?>
        </tbody>
      </table>
    </div>
<?php endif; ?>
  </div>

  <h3>Errors<?= isset($summary['error_count']) ? ' (' . num($summary['error_count']) . ')' : '' ?></h3>
<?php $details = is_array($summary['error_details'] ?? null) ? array_slice($summary['error_details'], 0, 20) : []; ?>
<?php if ($fileHidden !== null): ?>
  <p id="summary-errors-hidden"><?= $hidden('The row errors are') ?></p>
<?php elseif ($details): ?>
  <table class="compact" id="summary-errors">
    <thead><tr><th class="num">Row</th><th class="num">Line</th><th>Message</th></tr></thead>
    <tbody>
<?php foreach ($details as $d): ?>
      <tr><td class="num"><?= e($d['row'] ?? '') ?></td><td class="num"><?= e($d['line'] ?? '') ?></td><td><?= e($d['message'] ?? '') ?></td></tr>
<?php endforeach; ?>
    </tbody>
  </table>
<?php if (($summary['error_count'] ?? 0) > count($details)): ?>
  <p class="muted small">The first <?= e(count($details)) ?> shown.</p>
<?php endif; ?>
<?php elseif (!empty($summary['errors']) && is_array($summary['errors'])): ?>
  <ul id="summary-errors"><?php foreach (array_slice($summary['errors'], 0, 20) as $err): ?><li><?= e($err) ?></li><?php endforeach; ?></ul>
<?php else: ?>
  <p class="muted" id="summary-no-errors">None.</p>
<?php endif; ?>
<?php if ($fileHidden === null): ?>
  <details><summary>The whole summary (JSON)</summary><pre><?= json($summary) ?></pre></details>
<?php endif; ?>
<?php endif; ?>
</section>

<section id="retry-history">
  <h2>Attempts and retries</h2>
  <dl class="details">
    <div><dt>Retries spent</dt><dd id="retries-spent"><?= e($history['retries_spent']) ?> of <?= e($history['max_retries']) ?>
      <?= e(match (true) {
          // Only a queued or running job has retries that can still run by themselves.
          in_array($status, ['queued', 'processing'], true) => '(' . $history['retries_left'] . ' left)',
          $status === 'failed' && ($job['error_class'] ?? null) === 'permanent'
              => '(none will run: the error is permanent; an operator\'s retry still can)',
          $status === 'failed' => '(none left; an operator\'s retry still can)',
          default => '',                // completed or cancelled: nothing is left to retry
      }) ?></dd></div>
    <div><dt>Next attempt</dt><dd id="next-attempt"><?= $history['next_attempt_at'] !== null
        ? instant($history['next_attempt_at']) . ($history['waiting'] ? ' (waiting)' : ' (due)')
        : ($job['status'] === 'queued' ? 'as soon as a worker is free' : '—') ?></dd></div>
    <div><dt>Error class</dt><dd><?= e($history['error_class'] ?? '—') ?></dd></div>
    <div class="wide"><dt>Last error</dt><dd id="last-error"><?= ($history['last_error'] ?? '') === '' ? '—'
        : ($fileHidden === null ? '<pre class="error-text">' . e($history['last_error']) . '</pre>' : $hidden('The error text is')) ?></dd></div>
  </dl>
  <h3>Attempts (<span id="attempt-count"><?= e(count($history['attempts'])) ?></span>)</h3>
<?php if (!$history['attempts']): ?>
  <p class="muted" id="no-attempts">None yet: the job has not run.</p>
<?php else: ?>
  <div class="table-wrap">
  <table class="compact attempts" id="attempts-table">
    <thead>
      <tr><th class="num">#</th><th>Worker</th><th>Started (UTC)</th><th>Ended</th><th>Outcome</th>
        <th class="num">Processed</th><th class="num">Imported</th><th class="num">Failed</th><th>Error</th></tr>
    </thead>
    <tbody>
<?php foreach ($history['attempts'] as $a): ?>
      <tr data-attempt="<?= e($a['attempt']) ?>" data-outcome="<?= e($a['outcome']) ?>">
        <td class="num"><?= e($a['attempt']) ?></td>
        <td class="worker"><?= e($a['worker_id'] ?? '—') ?></td>
        <td class="when"><?= instant($a['started_at'], false) ?></td>
        <td class="when ended"><?= $a['running']
            ? '<em>running</em> (' . duration($a['duration_seconds']) . ')'
            : instant($a['ended_at'], false) . ' (' . duration($a['duration_seconds']) . ')' ?></td>
        <td class="outcome"><?= badge($a['outcome']) ?><?= $a['outcome'] === 'queued' ? ' <span class="muted small">requeued</span>' : '' ?></td>
        <td class="num"><?= num($a['processed_rows']) ?></td>
        <td class="num"><?= num($a['imported_rows']) ?></td>
        <td class="num"><?= num($a['failed_rows']) ?></td>
        <td class="attempt-error"><?php if (($a['error_message'] ?? '') !== ''): ?><span class="error-class"><?= e($a['error_class'] ?? 'error') ?></span>: <?= $fileHidden === null ? e($a['error_message']) : '<span class="muted hidden-text">(not shown)</span>' ?><?php else: ?>—<?php endif; ?></td>
      </tr>
<?php endforeach; ?>
    </tbody>
  </table>
  </div>
<?php endif; ?>
  <p class="muted small">One row each time a worker ran the job, recorded by the store at every transition:
    the outcome is the status the job went to (<em>queued</em>: requeued for a retry, handed back by a
    stopping worker, or recovered after it got stuck); the rows and the error are the job's when the attempt ended.
    An operator's retry is not an attempt until a worker runs the job again.</p>
</section>
