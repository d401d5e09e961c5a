<?php
/*
 * The PHP example app's front controller:
 *   /api/...    the JSON API (../api/index.php, bearer token)
 *   /admin/...  the operators' pages (../admin/App.php, HTTP Basic or session login)
 *   /           303 -> /admin/imports/jobs
 *
 *   ECLECTYC_DB=sqlite:///var/lib/eclectyc/eclectyc.db \
 *   ECLECTYC_ADMIN_USER=ops ECLECTYC_ADMIN_PASSWORD='a long secret' ECLECTYC_API_TOKEN=... \
 *     php -d extension=eclectyc -S 127.0.0.1:8080 examples/php/public/index.php
 *
 * Behind Apache or nginx + PHP-FPM, send every request for a path that is
 * not a file to this script (docs/operations.md, "Web pages for operators").
 */
declare(strict_types=1);

$path = (string)(parse_url((string)($_SERVER['REQUEST_URI'] ?? '/'), PHP_URL_PATH) ?: '/');

if ($path === '/api' || str_starts_with($path, '/api/')) {
    require __DIR__ . '/../api/index.php';
    return;
}

// Without the extension the Eclectyc\ layer cannot load: the pages then answer
// 503 with the app's own page saying what to add to php.ini (App::NO_EXTENSION).
if (extension_loaded('eclectyc')) {
    require __DIR__ . '/../bootstrap.php';
}
require __DIR__ . '/../admin/App.php';

if ($path === '/') {
    EclectycAdmin\App::securityHeaders();
    http_response_code(303);
    header('Location: /admin/imports/jobs');
    return;
}
EclectycAdmin\App::fromEnvironment()->run();
