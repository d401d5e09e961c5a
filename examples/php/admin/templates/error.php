<?php
namespace EclectycAdmin;

/** @var int $status @var string $message @var ?string $user */
?>
<h1>Error <?= e($status) ?></h1>
<p class="error-message" id="error-message"><?= e($message) ?></p>
<?php if ($status === 401): ?>
<p><a href="/admin/login">Sign in</a></p>
<?php elseif ($status !== 503): ?>
<p><a href="/admin/imports/jobs">Back to the import jobs</a></p>
<?php endif; ?>
