<?php
namespace EclectycAdmin;

/** @var ?string $error @var string $next @var string $csrf */
?>
<h1>Sign in</h1>
<?php if ($error !== null): ?>
<p class="flash flash-error" id="login-error" role="alert"><?= e($error) ?></p>
<?php endif; ?>
<form method="post" action="/admin/login" class="login" id="login-form">
  <input type="hidden" name="_csrf" value="<?= e($csrf) ?>">
  <input type="hidden" name="next" value="<?= e($next) ?>">
  <label>User name <input type="text" name="user" id="login-user" autocomplete="username" required autofocus></label>
  <label>Password <input type="password" name="password" id="login-password" autocomplete="current-password" required></label>
  <button type="submit" id="login-submit">Sign in</button>
</form>
