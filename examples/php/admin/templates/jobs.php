<?php
namespace EclectycAdmin;

use Eclectyc\JobBoard;

/**
 * @var list<array> $jobs @var array<string,int> $counts (exact, Store::jobCounts())
 * @var ?string $status @var ?string $priority @var int $limit
 */
$listUrl = static function (?string $s) use ($priority, $limit): string {
    $q = array_filter(['status' => $s, 'priority' => $priority,
                       'limit' => $limit === App::LIMIT_DEFAULT ? null : $limit], fn ($v) => $v !== null);
    return '/admin/imports/jobs' . ($q ? '?' . http_build_query($q) : '');
};
$excerpt = static function (?string $text, int $max = 80): string {
    $text = (string)$text;
    if (preg_match('/^.{' . $max . '}/su', $text, $m) && strlen($m[0]) < strlen($text)) {
        return $m[0] . '…';
    }
    return $text;
};
?>
<h1>Import jobs</h1>

<ul class="counts" id="status-counts">
  <li><a href="<?= e($listUrl(null)) ?>" class="count<?= $status === null ? ' active' : '' ?>" data-status="all">
    <span>all</span> <strong><?= num($counts['total']) ?></strong></a></li>
<?php foreach (JobBoard::STATUSES as $s): ?>
  <li><a href="<?= e($listUrl($s)) ?>" class="count count-<?= e($s) ?><?= $status === $s ? ' active' : '' ?>" data-status="<?= e($s) ?>">
    <span><?= e($s) ?></span> <strong><?= num($counts[$s]) ?></strong></a></li>
<?php endforeach; ?>
</ul>

<form method="get" action="/admin/imports/jobs" class="filters" id="filters">
  <label>Status
    <select name="status" id="filter-status">
      <option value="">any</option>
<?php foreach (JobBoard::STATUSES as $s): ?>
      <option value="<?= e($s) ?>"<?= $status === $s ? ' selected' : '' ?>><?= e($s) ?></option>
<?php endforeach; ?>
    </select>
  </label>
  <label>Priority
    <select name="priority" id="filter-priority">
      <option value="">any</option>
<?php foreach (JobBoard::PRIORITIES as $p): ?>
      <option value="<?= e($p) ?>"<?= $priority === $p ? ' selected' : '' ?>><?= e($p) ?></option>
<?php endforeach; ?>
    </select>
  </label>
  <label>Limit <input type="number" name="limit" id="filter-limit" min="1" max="<?= e(App::LIMIT_MAX) ?>" value="<?= e($limit) ?>"></label>
  <button type="submit" id="filter-submit">Filter</button>
  <a href="/admin/imports/jobs">Clear</a>
</form>

<p class="muted" id="jobs-shown"><?= num(count($jobs)) ?> job<?= count($jobs) === 1 ? '' : 's' ?> shown, newest first<?= $status !== null ? ', status ' . e($status) : '' ?><?= $priority !== null ? ', priority ' . e($priority) : '' ?>.</p>

<?php if (!$jobs): ?>
<p class="empty" id="no-jobs">No jobs match.</p>
<?php else: ?>
<div class="table-wrap">
<table class="jobs" id="jobs-table">
  <thead>
    <tr>
      <th>File</th><th>Status</th><th>Priority</th><th>Tags</th>
      <th>Queued (UTC)</th><th>Started</th><th>Completed</th>
      <th class="num">Processed</th><th class="num">Imported</th><th class="num">Failed</th><th class="num">Retries</th>
    </tr>
  </thead>
  <tbody>
<?php foreach ($jobs as $job): ?>
    <tr data-batch-id="<?= e($job['batch_id']) ?>" data-status="<?= e($job['status']) ?>">
      <td class="file">
        <a class="job-link" href="/admin/imports/status/<?= e(rawurlencode($job['batch_id'])) ?>"><?= e($job['filename']) ?></a>
<?php if (($job['notes'] ?? '') !== ''): ?>
        <div class="notes muted"><?= e($excerpt($job['notes'])) ?></div>
<?php endif; ?>
      </td>
      <td class="status"><?= badge($job['status']) ?></td>
      <td><?= e($job['priority']) ?></td>
      <td class="tags"><?php foreach ($job['tags'] ?? [] as $tag): ?><span class="tag"><?= e($tag) ?></span> <?php endforeach; ?></td>
      <td class="when"><?= instant($job['queued_at'], false) ?></td>
      <td class="when"><?= instant($job['started_at'], false) ?></td>
      <td class="when"><?= instant($job['completed_at'], false) ?></td>
      <td class="num"><?= num($job['processed_rows']) ?><?= $job['total_rows'] !== null && $job['status'] === 'processing' ? ' / ' . num($job['total_rows']) : '' ?></td>
      <td class="num"><?= num($job['imported_rows']) ?></td>
      <td class="num"><?= num($job['failed_rows']) ?></td>
      <td class="num"><?= e($job['retry_count']) ?> / <?= e($job['max_retries']) ?></td>
    </tr>
<?php endforeach; ?>
  </tbody>
</table>
</div>
<?php endif; ?>
