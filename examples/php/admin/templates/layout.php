<?php
namespace EclectycAdmin;

/** @var string $title @var ?string $user @var string $csrf @var string $nav @var ?array $flash @var string $content */
?><!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title><?= e($title) ?> · Eclectyc</title>
<link rel="stylesheet" href="<?= e(App::assetUrl('admin.css')) ?>">
<script src="<?= e(App::assetUrl('admin.js')) ?>" defer></script>
</head>
<body>
<header class="top">
  <a class="brand" href="/admin/imports/jobs">Eclectyc imports</a>
<?php if ($user !== null): ?>
  <nav>
    <a href="/admin/imports/jobs"<?= $nav === 'jobs' ? ' aria-current="page"' : '' ?>>Jobs</a>
    <a href="/admin/health"<?= $nav === 'health' ? ' aria-current="page"' : '' ?>>Health</a>
  </nav>
  <form method="post" action="/admin/logout" class="signout">
    <input type="hidden" name="_csrf" value="<?= e($csrf) ?>">
    <span class="muted">Signed in as <span id="signed-in-user"><?= e($user) ?></span></span>
    <button type="submit">Sign out</button>
  </form>
<?php endif; ?>
</header>
<main>
<?php if (is_array($flash)): ?>
  <p class="flash flash-<?= e(preg_replace('/[^a-z]/', '', (string)$flash['kind'])) ?>" id="flash" role="status"><?= e($flash['text']) ?></p>
<?php endif; ?>
<?= $content /* built by the page's template, every value escaped there */ ?>
</main>
</body>
</html>
