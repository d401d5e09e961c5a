<?php
/*
 * The operators' pages over the PHP binding (Eclectyc\JobBoard, Monitor,
 * Store):
 *
 *   GET  /admin                               303 -> /admin/imports/jobs
 *   GET  /admin/login, POST /admin/login      the session login (form with CSRF token)
 *   POST /admin/logout
 *   GET  /admin/imports/jobs[?status=&priority=&limit=]   the job list, counts per status
 *   GET  /admin/imports/status/{batchId}      one job: progress, summary, attempts and retries, actions
 *   GET  /admin/imports/status/{batchId}/progress         its progress as JSON (polled by admin.js)
 *   POST /admin/imports/jobs/{batchId}/retry  (_csrf, delay) 303 -> the status page
 *   POST /admin/imports/jobs/{batchId}/cancel (_csrf)       303 -> the status page
 *   GET  /admin/health                        the monitor report and scheduler_executions
 *   GET  /admin/assets/admin.css|admin.js     static, no credentials needed
 *
 * Every other /admin path is 404; a known path with another method 405.
 * Without ECLECTYC_ADMIN_USER and ECLECTYC_ADMIN_PASSWORD every page is 503,
 * and so is every page when the eclectyc extension is not loaded (saying so).
 * Five failed sign-ins from one address within five minutes: its sign-ins
 * are refused with 429 and Retry-After for the rest of those five minutes.
 * Without credentials: a browser's page request is sent to the login form
 * (303), anything else gets 401 (HTTP Basic challenge). See
 * docs/operations.md, "Web pages for operators".
 */
declare(strict_types=1);

namespace EclectycAdmin;

require_once __DIR__ . '/Throttle.php';
require_once __DIR__ . '/Auth.php';
require_once __DIR__ . '/View.php';

use Eclectyc\JobBoard;
use Eclectyc\Monitor;
use Eclectyc\NotFoundException;
use Eclectyc\StateException;
use Eclectyc\Store;

/** An HTTP error answer: the code is the status. */
final class HttpError extends \RuntimeException
{
    /** @param string[] $headers */
    public function __construct(int $status, string $message, public array $headers = [])
    {
        parent::__construct($message, $status);
    }
}

final class App
{
    public const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        . "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    public const LIMIT_DEFAULT = 50;
    public const LIMIT_MAX = 500;
    public const MAX_DELAY = 604800;
    private const ASSETS = ['admin.css' => 'text/css; charset=utf-8', 'admin.js' => 'text/javascript; charset=utf-8'];
    private const UUID = '/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/';
    public const NO_EXTENSION = 'The eclectyc PHP extension is not loaded, so these pages cannot reach the job store. '
        . 'Add this line to the php.ini this PHP reads (or to an .ini file in its conf.d directory: '
        . '`php --ini` lists them), then restart PHP-FPM or the web server: extension=eclectyc '
        . '(with eclectyc.so in PHP\'s extension_dir, `php-config --extension-dir`; else give its full path: '
        . 'extension=/full/path/to/eclectyc.so).';

    private ?JobBoard $board = null;
    private View $view;
    private string $method = 'GET';
    private string $path = '/';
    private ?string $user = null;
    private bool $json = false;

    public function __construct(private ?Auth $auth, private string $storeUri)
    {
        $this->view = new View(__DIR__ . '/templates');
    }

    public static function fromEnvironment(): self
    {
        // eclectyc_store_uri() is bootstrap.php's, which needs the extension.
        return new self(Auth::fromEnvironment(), function_exists('eclectyc_store_uri')
            ? eclectyc_store_uri() : (getenv('ECLECTYC_DB') ?: 'sqlite://eclectyc.db'));
    }

    public function run(): void
    {
        $this->method = strtoupper((string)($_SERVER['REQUEST_METHOD'] ?? 'GET'));
        $this->path = (string)(parse_url((string)($_SERVER['REQUEST_URI'] ?? '/'), PHP_URL_PATH) ?: '/');
        self::securityHeaders();
        try {
            $this->dispatch();
        } catch (HttpError $e) {
            $this->error($e->getCode(), $e->getMessage(), $e->headers);
        } catch (Throttled $e) {
            $this->error(429, $e->getMessage(), ['Retry-After: ' . $e->retryAfter]);
        } catch (\EclectycException $e) {
            error_log('eclectyc admin: ' . $e->getMessage());
            $this->error(500, 'The job store is unavailable: see the server log.');
        } catch (\Throwable $e) {
            error_log('eclectyc admin: ' . get_class($e) . ': ' . $e->getMessage() . ' at '
                . $e->getFile() . ':' . $e->getLine());
            while (ob_get_level() > 0) {
                ob_end_clean();
            }
            $this->error(500, 'Internal error: see the server log.');
        }
    }

    public static function securityHeaders(): void
    {
        header('Content-Security-Policy: ' . self::CSP);
        header('X-Content-Type-Options: nosniff');
        header('X-Frame-Options: DENY');
        header('Referrer-Policy: same-origin');
        header('Cross-Origin-Opener-Policy: same-origin');
        header('Cache-Control: no-store');
    }

    /** @return list<array{0:string,1:array<string,string>,2:bool}> pattern, method => handler, needs sign-in */
    private static function routes(): array
    {
        return [
            ['#^/admin/?$#', ['GET' => 'home'], true],
            ['#^/admin/login$#', ['GET' => 'loginForm', 'POST' => 'login'], false],
            ['#^/admin/logout$#', ['POST' => 'logout'], true],
            ['#^/admin/imports/jobs$#', ['GET' => 'jobs'], true],
            ['#^/admin/imports/status/([^/]+)$#', ['GET' => 'status'], true],
            ['#^/admin/imports/status/([^/]+)/progress$#', ['GET' => 'progress'], true],
            ['#^/admin/imports/jobs/([^/]+)/retry$#', ['POST' => 'retry'], true],
            ['#^/admin/imports/jobs/([^/]+)/cancel$#', ['POST' => 'cancel'], true],
            ['#^/admin/health$#', ['GET' => 'health'], true],
        ];
    }

    private function dispatch(): void
    {
        if (preg_match('#^/admin/assets/([^/]+)$#', $this->path, $m)) {
            $this->asset($m[1]);
            return;
        }
        if (!preg_match('#^/admin(/|$)#', $this->path)) {
            throw new HttpError(404, 'Not found.');
        }
        $this->json = str_ends_with($this->path, '/progress');
        if (!extension_loaded('eclectyc')) {
            error_log('eclectyc admin: the eclectyc extension is not loaded (php.ini: '
                . (php_ini_loaded_file() ?: 'none') . ', extension_dir: ' . ini_get('extension_dir')
                . '): add extension=eclectyc');
            throw new HttpError(503, self::NO_EXTENSION);
        }
        if ($this->auth === null) {
            error_log('eclectyc admin: refused: ECLECTYC_ADMIN_USER and ECLECTYC_ADMIN_PASSWORD are not set');
            throw new HttpError(503, 'The admin pages are disabled: set ECLECTYC_ADMIN_USER and '
                . 'ECLECTYC_ADMIN_PASSWORD in the server\'s environment (there is no default password).');
        }
        $method = $this->method === 'HEAD' ? 'GET' : $this->method;
        foreach (self::routes() as [$pattern, $handlers, $needsUser]) {
            if (!preg_match($pattern, $this->path, $m)) {
                continue;
            }
            if ($needsUser) {
                $this->user = $this->auth->authenticate();
                if ($this->user === null) {
                    $this->refuse();
                    return;
                }
            }
            if (!isset($handlers[$method])) {
                $allow = implode(', ', array_keys($handlers));
                throw new HttpError(405, 'Method not allowed: use ' . $allow . '.',
                    ['Allow: ' . (isset($handlers['GET']) ? "$allow, HEAD" : $allow)]);
            }
            $this->{$handlers[$method]}(...array_slice($m, 1));
            return;
        }
        // Unknown /admin path: only the signed-in learn that it does not exist.
        $this->user = $this->auth->authenticate();
        if ($this->user === null) {
            $this->refuse();
            return;
        }
        throw new HttpError(404, 'Not found.');
    }

    /** No valid credentials: a browser's page request goes to the login form, the rest get 401. */
    private function refuse(): void
    {
        $accept = (string)($_SERVER['HTTP_ACCEPT'] ?? '');
        if (!Auth::hasAuthorizationHeader() && !$this->json && in_array($this->method, ['GET', 'HEAD'], true)
            && str_contains($accept, 'text/html')) {
            $next = (string)($_SERVER['REQUEST_URI'] ?? '/admin/imports/jobs');
            $this->redirect('/admin/login?next=' . rawurlencode($next));
            return;
        }
        $headers = [];
        // A script's fetch() gets no challenge, so the browser shows no password prompt over the page.
        if (!in_array($_SERVER['HTTP_SEC_FETCH_MODE'] ?? '', ['cors', 'same-origin'], true)) {
            $headers[] = 'WWW-Authenticate: Basic realm="eclectyc admin", charset="UTF-8"';
        }
        throw new HttpError(401, 'Sign in to see this page.', $headers);
    }

    private function board(): JobBoard
    {
        return $this->board ??= new JobBoard(new Store($this->storeUri));
    }

    // ---- pages --------------------------------------------------------------------

    private function home(): void
    {
        $this->redirect('/admin/imports/jobs');
    }

    private function loginForm(): void
    {
        if ($this->auth->authenticate() !== null) {
            $this->redirect(self::safeNext($_GET['next'] ?? null));
            return;
        }
        $this->loginPage(200, null);
    }

    private function login(): void
    {
        if (!$this->auth->checkLoginCsrf()) {
            throw new HttpError(403, 'The form has expired or did not come from this site: reload the login page.');
        }
        $user = $_POST['user'] ?? '';
        if (!$this->auth->checkLogin($user, $_POST['password'] ?? '')) {
            $this->loginPage(401, 'Wrong user name or password.');
            return;
        }
        $this->auth->login((string)$user);
        $this->redirect(self::safeNext($_POST['next'] ?? null));
    }

    private function loginPage(int $status, ?string $error): void
    {
        $next = self::safeNext($_GET['next'] ?? $_POST['next'] ?? null);
        $this->view->page('login', ['title' => 'Sign in', 'error' => $error, 'next' => $next,
                                    'csrf' => $this->auth->loginToken()], $status);
    }

    private function logout(): void
    {
        $this->requireCsrf();
        $this->auth->logout();
        $this->redirect('/admin/login');
    }

    private function jobs(): void
    {
        $status = self::query('status');
        $priority = self::query('priority');
        if ($status !== null && !in_array($status, JobBoard::STATUSES, true)) {
            throw new HttpError(400, 'Unknown status: use one of ' . implode(', ', JobBoard::STATUSES) . '.');
        }
        if ($priority !== null && !in_array($priority, JobBoard::PRIORITIES, true)) {
            throw new HttpError(400, 'Unknown priority: use one of ' . implode(', ', JobBoard::PRIORITIES) . '.');
        }
        $limit = filter_var(self::query('limit') ?? self::LIMIT_DEFAULT, FILTER_VALIDATE_INT);
        $limit = max(1, min(self::LIMIT_MAX, $limit === false ? self::LIMIT_DEFAULT : $limit));
        $board = $this->board();
        $this->page('jobs', [
            'title' => 'Import jobs', 'nav' => 'jobs',
            'jobs' => $board->jobs($status, $priority, $limit),
            'counts' => $board->countByStatus(),
            'status' => $status, 'priority' => $priority, 'limit' => $limit,
        ]);
    }

    private function status(string $batchId): void
    {
        $job = $this->job($batchId);
        $history = JobBoard::retryHistory($job, $this->board()->attempts($job['batch_id']));
        // The row the last attempt started at: where the attempt before it left the job
        // (its checkpoint). The summary's readings, values, units and errors are that
        // attempt's only.
        $attempts = $history['attempts'];
        $resumedAt = count($attempts) >= 2 ? max(0, (int)($attempts[count($attempts) - 2]['processed_rows'] ?? 0)) : 0;
        $this->page('status', [
            'title' => 'Job ' . $job['filename'], 'nav' => 'jobs', 'job' => $job,
            'progress' => JobBoard::progress($job),
            'history' => $history,
            'resumedAt' => $resumedAt,
            'lastAttempt' => $attempts ? (int)$attempts[count($attempts) - 1]['attempt'] : 0,
            'fileHidden' => self::fileHidden($job),
            'maxDelay' => self::MAX_DELAY,
        ]);
    }

    private function progress(string $batchId): void
    {
        $job = $this->job($batchId);
        $this->sendJson(200, JobBoard::progress($job));
    }

    private function retry(string $batchId): void
    {
        $this->requireCsrf();
        $job = $this->job($batchId);
        $delay = $_POST['delay'] ?? '0';
        if (!is_string($delay)) {
            throw new HttpError(400, 'The delay must be a whole number of seconds from 0 to ' . self::MAX_DELAY
                . ', given once (not a list). Nothing was changed.');
        }
        $delay = trim($delay);
        $delay = $delay === '' ? 0 : filter_var($delay, FILTER_VALIDATE_INT,
            ['options' => ['min_range' => 0, 'max_range' => self::MAX_DELAY]]);
        if ($delay === false) {
            throw new HttpError(400, 'The delay must be a whole number of seconds from 0 to ' . self::MAX_DELAY . '.');
        }
        try {
            $after = $this->board()->retry($job['batch_id'], $delay);
            $this->auth->flash('ok', sprintf('Requeued (retry %d of %d spent)%s.', $after['retry_count'],
                $after['max_retries'], $delay > 0 ? ', to run after ' . $after['retry_at'] . ' UTC' : ', to run now'));
        } catch (StateException $e) {
            $this->auth->flash('error', 'Not retried: ' . $e->getMessage() . '.');
        } catch (NotFoundException $e) {
            throw new HttpError(404, 'No such import job.');
        }
        $this->redirect('/admin/imports/status/' . $job['batch_id']);
    }

    private function cancel(string $batchId): void
    {
        $this->requireCsrf();
        $job = $this->job($batchId);
        try {
            $after = $this->board()->cancel($job['batch_id']);
            $this->auth->flash('ok', $after['status'] === 'cancelled' ? 'Cancelled.'
                : 'Cancellation requested: the worker stops at its next batch.');
        } catch (StateException $e) {
            $this->auth->flash('error', 'Not cancelled: ' . $e->getMessage() . '.');
        } catch (NotFoundException $e) {
            throw new HttpError(404, 'No such import job.');
        }
        $this->redirect('/admin/imports/status/' . $job['batch_id']);
    }

    private function health(): void
    {
        $store = $this->board()->store();
        $this->page('health', [
            'title' => 'Import system health', 'nav' => 'health',
            'health' => (new Monitor($store))->getSystemHealth(),
            'executions' => $store->executions(20),
        ]);
    }

    // ---- helpers ------------------------------------------------------------------

    /** The job of a batch id in the path: 404 when malformed or unknown. */
    private function job(string $batchId): array
    {
        $batchId = strtolower(rawurldecode($batchId));
        $job = preg_match(self::UUID, $batchId) ? $this->board()->job($batchId) : null;
        if ($job === null) {
            throw new HttpError(404, 'No such import job.');
        }
        return $job;
    }

    /**
     * Why the page must show nothing read from the job's file (error texts
     * that quote its header or rows, the column mapping, units, row errors),
     * or null when it may: only when the file's real path (realpath) lies
     * inside the storage root ECLECTYC_STORAGE_DIR and is a regular file.
     * Else a job whose path is (or has become) a link could make the worker
     * quote any file it can read, and this page show it.
     */
    public static function fileHidden(array $job): ?string
    {
        $root = getenv('ECLECTYC_STORAGE_DIR');
        if (!is_string($root) || $root === '') {
            return 'no storage root is set (ECLECTYC_STORAGE_DIR)';
        }
        $realRoot = realpath($root);
        if ($realRoot === false || !is_dir($realRoot)) {
            return 'the storage root (ECLECTYC_STORAGE_DIR) is not a directory';
        }
        $path = (string)($job['file_path'] ?? '');
        $real = $path !== '' && $path[0] === '/' ? realpath($path) : false;
        if ($real === false) {
            return 'the job\'s file cannot be found';
        }
        if (!str_starts_with($real, rtrim($realRoot, '/') . '/')) {
            return 'the job\'s file is not inside the storage root (ECLECTYC_STORAGE_DIR)';
        }
        if (!is_file($real)) {
            return 'the job\'s file is not a regular file';
        }
        return null;
    }

    private function requireCsrf(): void
    {
        if (!$this->auth->checkCsrf()) {
            throw new HttpError(403, 'Refused: the form\'s security token is missing or wrong '
                . '(reload the page and try again). Nothing was changed.');
        }
    }

    /** @param array<string,mixed> $vars */
    private function page(string $template, array $vars, int $status = 200): void
    {
        $vars += ['user' => $this->user, 'csrf' => $this->auth?->csrfToken() ?? '',
                  'flash' => $this->auth?->takeFlash()];
        $this->view->page($template, $vars, $status);
    }

    /** @param string[] $headers */
    private function error(int $status, string $message, array $headers = []): void
    {
        foreach ($headers as $h) {
            header($h);
        }
        if ($this->json) {
            $this->sendJson($status, ['error' => $message]);
            return;
        }
        $vars = ['title' => 'Error ' . $status, 'status' => $status, 'message' => $message];
        if ($this->user !== null && $this->auth !== null) {
            $this->page('error', $vars, $status);
        } else {
            $this->view->page('error', $vars, $status);
        }
    }

    private function sendJson(int $status, array $body): void
    {
        http_response_code($status);
        header('Content-Type: application/json; charset=utf-8');
        echo json_encode($body, JSON_UNESCAPED_SLASHES | JSON_PRESERVE_ZERO_FRACTION | JSON_HEX_TAG
            | JSON_HEX_AMP | JSON_PARTIAL_OUTPUT_ON_ERROR), "\n";
    }

    private function redirect(string $location): void
    {
        http_response_code(303);
        header('Location: ' . $location);
    }

    private function asset(string $name): void
    {
        if (!isset(self::ASSETS[$name]) || $this->method !== 'GET' && $this->method !== 'HEAD') {
            throw new HttpError(isset(self::ASSETS[$name]) ? 405 : 404, 'Not found.',
                isset(self::ASSETS[$name]) ? ['Allow: GET, HEAD'] : []);
        }
        header('Content-Type: ' . self::ASSETS[$name]);
        header('Cache-Control: public, max-age=86400');
        readfile(__DIR__ . '/assets/' . $name);
    }

    /** The URL of an asset, versioned by its content. */
    public static function assetUrl(string $name): string
    {
        return '/admin/assets/' . $name . '?v=' . substr((string)md5_file(__DIR__ . '/assets/' . $name), 0, 10);
    }

    /** A query parameter: a non-empty string or null. */
    private static function query(string $name): ?string
    {
        $value = $_GET[$name] ?? null;
        if (is_array($value)) {
            throw new HttpError(400, "Bad parameter $name.");
        }
        return $value === null || $value === '' ? null : (string)$value;
    }

    /** Where to go after signing in: a path under /admin of this site, else the job list. */
    private static function safeNext(mixed $next): string
    {
        if (is_string($next) && preg_match('#^/admin(/[A-Za-z0-9._~!$&\'()*+,;=:@%/?-]*)?$#', $next)
            && !str_starts_with($next, '//') && !str_contains($next, '\\') && !preg_match('#^/admin/log(in|out)#', $next)) {
            return $next;
        }
        return '/admin/imports/jobs';
    }
}
