<?php
/*
 * The reference's import-job JSON API over libeclectyc:
 *
 *   GET /api/import/jobs[?status=S&limit=N]   200 {"jobs": [...], "count": n}
 *   GET /api/import/jobs/{batchId}            200 <job> | 404 (unknown, or not a batch id)
 *                                             | 400 (no id: /api/import/jobs/)
 *
 * Without the eclectyc extension every request is 503 with a JSON error
 * saying what to add to php.ini.
 *
 * Unlike the reference, every request must carry the configured bearer token
 * (Authorization: Bearer $ECLECTYC_API_TOKEN), else 401. Responses are
 * pretty-printed JSON with CORS *, as the reference's. Run it with
 *
 *   ECLECTYC_DB=sqlite:///var/lib/eclectyc/eclectyc.db ECLECTYC_API_TOKEN=secret \
 *     php -d extension=eclectyc -S 127.0.0.1:8080 examples/php/api/index.php
 *
 * or behind PHP-FPM with every /api/ path routed to this file.
 */
declare(strict_types=1);

use Eclectyc\ImportJobService;

if (!extension_loaded('eclectyc')) {
    error_log('eclectyc API: the eclectyc extension is not loaded (php.ini: ' . (php_ini_loaded_file() ?: 'none')
        . ', extension_dir: ' . ini_get('extension_dir') . '): add extension=eclectyc');
    http_response_code(503);
    header('Content-Type: application/json');
    header('Access-Control-Allow-Origin: *');
    header('Retry-After: 300');
    echo json_encode(['error' => 'The eclectyc PHP extension is not loaded: add extension=eclectyc to php.ini '
        . '(or extension=/full/path/to/eclectyc.so) and restart PHP'], JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES), "\n";
    return;
}
require __DIR__ . '/../bootstrap.php';

/** @param array<mixed> $body */
function respond(int $status, array $body, array $headers = []): void
{
    http_response_code($status);
    header('Content-Type: application/json');
    header('Access-Control-Allow-Origin: *');
    foreach ($headers as $h) {
        header($h);
    }
    echo json_encode($body, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_PRESERVE_ZERO_FRACTION), "\n";
}

/** The job as the reference's API returned it: tags and metadata stay JSON text. */
function api_job(array $job): array
{
    foreach (['tags', 'metadata'] as $key) {
        if (isset($job[$key]) && is_array($job[$key])) {
            $job[$key] = json_encode($job[$key], JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
        }
    }
    return $job;
}

function authorised(): bool
{
    $token = getenv('ECLECTYC_API_TOKEN');
    if ($token === false || $token === '') {
        return false;    // no token configured: nobody gets in
    }
    $header = $_SERVER['HTTP_AUTHORIZATION'] ?? '';
    if (!preg_match('/^Bearer\s+(\S+)\s*$/', $header, $m)) {
        return false;
    }
    return hash_equals($token, $m[1]);
}

$method = $_SERVER['REQUEST_METHOD'] ?? 'GET';
$path = rawurldecode((string)parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH));

if ($method === 'OPTIONS') {
    http_response_code(204);
    header('Access-Control-Allow-Origin: *');
    header('Access-Control-Allow-Headers: Authorization, Content-Type');
    header('Access-Control-Allow-Methods: GET, OPTIONS');
    return;
}
if (!authorised()) {
    respond(401, ['error' => 'Unauthorized'], ['WWW-Authenticate: Bearer realm="eclectyc"']);
    return;
}
if (!preg_match('#^/api/import/jobs(?:/(.*))?/?$#', $path, $route)) {
    respond(404, ['error' => 'Not found']);
    return;
}
if ($method !== 'GET') {
    respond(405, ['error' => 'Method not allowed'], ['Allow: GET, OPTIONS']);
    return;
}

try {
    $jobs = new ImportJobService(eclectyc_store_uri());
} catch (\EclectycException $e) {
    error_log('eclectyc API: ' . $e->getMessage());
    respond(500, ['error' => 'Database connection unavailable']);
    return;
}

try {
    if (!array_key_exists(1, $route)) {
        // GET /api/import/jobs?status=&limit= : limit clamped to 1..100 (default 20);
        // status is an exact match (an unknown one gives an empty list).
        $limit = filter_var($_GET['limit'] ?? 20, FILTER_VALIDATE_INT);
        $limit = max(1, min(100, $limit === false ? 20 : $limit));
        $status = isset($_GET['status']) && is_string($_GET['status']) && $_GET['status'] !== ''
            ? $_GET['status'] : null;
        $list = array_map('api_job', $jobs->getRecentJobs($limit, $status));
        respond(200, ['jobs' => $list, 'count' => count($list)]);
        return;
    }
    // GET /api/import/jobs/{batchId}: 400 only when the id is missing; an id that is not
    // a batch id names no job, like an unknown one (404).
    $batchId = trim($route[1], '/');
    if ($batchId === '') {
        respond(400, ['error' => 'Batch ID is required']);
        return;
    }
    $job = preg_match('/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/', $batchId)
        ? $jobs->getJob(strtolower($batchId)) : null;
    if ($job === null) {
        respond(404, ['error' => 'Import job not found']);
        return;
    }
    respond(200, api_job($job));
} catch (\EclectycException $e) {
    error_log('eclectyc API: ' . $e->getMessage());
    respond(500, ['error' => 'Database connection unavailable']);
}
