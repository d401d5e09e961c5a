<?php
namespace EclectycAdmin;

/** @var array $health @var list<array> $executions */
$m = is_array($health['metrics'] ?? null) ? $health['metrics'] : [];
$pct = static fn ($v): string => is_numeric($v) ? num((float)$v, 1) . ' %' : '—';
$flat = [];
foreach ($m as $key => $value) {
    if (is_array($value)) {
        foreach ($value as $k => $v) {
            $flat["$key.$k"] = $v;
        }
    } else {
        $flat[$key] = $value;
    }
}
?>
<h1>Import system health <?= badge((string)($health['status'] ?? 'unknown'), 'health-status') ?></h1>
<p class="muted">Checked at <?= instant($health['timestamp'] ?? null) ?>; figures over the last 24 hours.</p>

<section class="kpis" id="kpis">
  <div class="kpi"><span class="kpi-label">Success rate</span><span class="kpi-value" id="kpi-success-rate"><?= $pct($m['import_success_rate'] ?? null) ?></span></div>
  <div class="kpi"><span class="kpi-label">Average duration</span><span class="kpi-value" id="kpi-avg-duration"><?= is_numeric($m['avg_duration_seconds'] ?? null) ? num((float)$m['avg_duration_seconds'], 1) . ' s' : '—' ?></span></div>
  <div class="kpi"><span class="kpi-label">Queue depth</span><span class="kpi-value" id="kpi-queue-depth"><?= num(is_numeric($m['queue_depth'] ?? null) ? (int)$m['queue_depth'] : null) ?></span></div>
  <div class="kpi"><span class="kpi-label">Retry rate</span><span class="kpi-value" id="kpi-retry-rate"><?= $pct($m['retry_rate'] ?? null) ?></span></div>
</section>

<section id="alerts">
  <h2>Alerts</h2>
<?php if (empty($health['alerts'])): ?>
  <p class="muted" id="no-alerts">No alerts.</p>
<?php else: ?>
  <table class="compact" id="alerts-table">
    <thead><tr><th>Severity</th><th>Type</th><th>Message</th><th class="num">Value</th></tr></thead>
    <tbody>
<?php foreach ($health['alerts'] as $a): ?>
      <tr><td><?= badge((string)($a['severity'] ?? '')) ?></td><td><?= e($a['type'] ?? '') ?></td><td><?= e($a['message'] ?? '') ?></td>
        <td class="num"><?= num(is_numeric($a['value'] ?? null) ? (float)$a['value'] : null, 1) ?></td></tr>
<?php endforeach; ?>
    </tbody>
  </table>
<?php endif; ?>
</section>

<section id="stuck">
  <h2>Stuck jobs</h2>
<?php if (empty($health['stuck_jobs'])): ?>
  <p class="muted" id="no-stuck">None: no processing job has gone without a heartbeat for too long.</p>
<?php else: ?>
  <table class="compact" id="stuck-table">
    <thead><tr><th>File</th><th>Worker</th><th>Started</th><th>Heartbeat</th><th class="num">Minutes stuck</th><th>Retries</th></tr></thead>
    <tbody>
<?php foreach ($health['stuck_jobs'] as $s): ?>
      <tr><td><a href="/admin/imports/status/<?= e(rawurlencode((string)($s['batch_id'] ?? ''))) ?>"><?= e($s['filename'] ?? '') ?></a></td>
        <td><?= e($s['worker_id'] ?? '—') ?></td><td><?= instant($s['started_at'] ?? null) ?></td><td><?= instant($s['heartbeat_at'] ?? null) ?></td>
        <td class="num"><?= e($s['minutes_stuck'] ?? '') ?></td><td><?= e($s['retry_count'] ?? '') ?> / <?= e($s['max_retries'] ?? '') ?></td></tr>
<?php endforeach; ?>
    </tbody>
  </table>
<?php endif; ?>
</section>

<section id="metrics">
  <h2>Metrics</h2>
  <table class="compact" id="metrics-table">
    <tbody>
<?php foreach ($flat as $key => $value): ?>
      <tr><th><?= e($key) ?></th><td class="num" id="metric-<?= e(preg_replace('/[^a-z0-9_.-]/', '', (string)$key)) ?>"><?= is_float($value) ? num($value, 2) : (is_int($value) ? num($value) : e($value)) ?></td></tr>
<?php endforeach; ?>
    </tbody>
  </table>
</section>

<section id="executions">
  <h2>Latest scheduler executions</h2>
<?php if (!$executions): ?>
  <p class="muted" id="no-executions">No aggregation has run yet.</p>
<?php else: ?>
  <div class="table-wrap">
  <table class="compact" id="executions-table">
    <thead><tr><th>Started</th><th>Range</th><th>Target date</th><th>Period</th><th>Trigger</th><th>Status</th>
      <th class="num">Duration</th><th class="num">Meters</th><th class="num">Errors</th><th class="num">Warnings</th><th>Message</th></tr></thead>
    <tbody>
<?php foreach ($executions as $x): ?>
      <tr><td><?= instant($x['started_at'] ?? null) ?></td><td><?= e($x['range_type'] ?? '') ?></td><td><?= e($x['target_date'] ?? '') ?></td>
        <td><?= e($x['period_start'] ?? '') ?> – <?= e($x['period_end'] ?? '') ?></td><td><?= e($x['trigger'] ?? '') ?></td>
        <td><?= badge((string)($x['status'] ?? '')) ?></td><td class="num"><?= duration(is_numeric($x['duration_seconds'] ?? null) ? $x['duration_seconds'] + 0 : null) ?></td>
        <td class="num"><?= e($x['meters_processed'] ?? '') ?></td><td class="num"><?= e($x['error_count'] ?? '') ?></td>
        <td class="num"><?= e($x['warning_count'] ?? '') ?></td><td><?= e($x['error_message'] ?? '') ?></td></tr>
<?php endforeach; ?>
    </tbody>
  </table>
  </div>
<?php endif; ?>
</section>
