<?php
/*
 * Who may use the operators' pages: one account from the environment
 * (ECLECTYC_ADMIN_USER, ECLECTYC_ADMIN_PASSWORD), given with HTTP Basic on
 * every request or once through the login form (a session). A session holds
 * the CSRF token every POST must carry, whichever way the user signed in.
 *
 * A session is started only when one is needed: a successful login, a page
 * with a form for a Basic user, or a request that carries the session
 * cookie. The login form's own CSRF token is a cookie of its own (double
 * submit, path /admin/login), so an anonymous visit stores nothing on the
 * server. Failed sign-ins are logged (address and user name, never the
 * password) and throttled per address (Throttle.php).
 */
declare(strict_types=1);

namespace EclectycAdmin;

final class Auth
{
    public const SESSION_NAME = 'eclectyc_admin';
    /** The login form's CSRF cookie (path /admin/login): no server-side state. */
    public const LOGIN_COOKIE = 'eclectyc_login';

    private Throttle $throttle;

    /**
     * @param int $idleSeconds a session login ends after this long without a request
     */
    public function __construct(private string $user, private string $password,
                                private int $idleSeconds = 3600, private ?string $sessionDir = null,
                                ?Throttle $throttle = null)
    {
        $this->throttle = $throttle ?? Throttle::inDirectory($sessionDir);
    }

    /**
     * From ECLECTYC_ADMIN_USER and ECLECTYC_ADMIN_PASSWORD; null when either
     * is unset or empty (the pages are then refused: there is no default).
     * ECLECTYC_ADMIN_IDLE_SECONDS (default 3600) and ECLECTYC_ADMIN_SESSION_DIR
     * (default: PHP's session.save_path) are optional.
     */
    public static function fromEnvironment(): ?self
    {
        $user = getenv('ECLECTYC_ADMIN_USER');
        $password = getenv('ECLECTYC_ADMIN_PASSWORD');
        if (!is_string($user) || $user === '' || !is_string($password) || $password === '') {
            return null;
        }
        $idle = filter_var(getenv('ECLECTYC_ADMIN_IDLE_SECONDS') ?: 3600, FILTER_VALIDATE_INT,
            ['options' => ['min_range' => 60, 'max_range' => 7 * 86400]]);
        $dir = getenv('ECLECTYC_ADMIN_SESSION_DIR');
        return new self($user, $password, $idle === false ? 3600 : $idle,
            is_string($dir) && $dir !== '' ? $dir : null);
    }

    /** Both compared in constant time, and both always compared. */
    public function check(string $user, string $password): bool
    {
        $userOk = hash_equals($this->user, $user);
        $passwordOk = hash_equals($this->password, $password);
        return $userOk && $passwordOk;
    }

    /** Basic credentials of this request: [user, password], or null when there are none. */
    public static function basicCredentials(): ?array
    {
        $header = $_SERVER['HTTP_AUTHORIZATION'] ?? $_SERVER['REDIRECT_HTTP_AUTHORIZATION'] ?? '';
        if (is_string($header) && preg_match('/^Basic\s+([A-Za-z0-9+\/=]+)\s*$/i', $header, $m)) {
            $decoded = base64_decode($m[1], true);
            if ($decoded !== false && str_contains($decoded, ':')) {
                return explode(':', $decoded, 2);
            }
            return ['', ''];            // malformed: present, and wrong
        }
        if (is_string($header) && preg_match('/^Basic(\s|$)/i', $header)) {
            return ['', ''];            // malformed too
        }
        if (isset($_SERVER['PHP_AUTH_USER'])) {
            return [(string)$_SERVER['PHP_AUTH_USER'], (string)($_SERVER['PHP_AUTH_PW'] ?? '')];
        }
        return null;
    }

    /** Whether the request carries an Authorization header at all (then it is never redirected). */
    public static function hasAuthorizationHeader(): bool
    {
        return isset($_SERVER['HTTP_AUTHORIZATION']) || isset($_SERVER['REDIRECT_HTTP_AUTHORIZATION'])
            || isset($_SERVER['PHP_AUTH_USER']);
    }

    /**
     * The signed-in user of this request, or null: HTTP Basic when the
     * request carries an Authorization header (wrong credentials are not
     * rescued by a session), else the session's login. Basic credentials
     * from an address with too many recent failures are not even checked.
     *
     * @throws Throttled
     */
    public function authenticate(): ?string
    {
        if (self::hasAuthorizationHeader()) {
            $credentials = self::basicCredentials();
            if ($credentials === null) {
                return null;                // another scheme (Bearer ...): not a sign-in attempt
            }
            $this->throttleCheck();
            if (!$this->check($credentials[0], $credentials[1])) {
                $this->failed('HTTP Basic', $credentials[0]);
                return null;
            }
            $this->throttle->success(self::client());
            if ($this->hasSessionCookie()) {
                $this->startSession();
                $_SESSION['seen'] = time();
            }
            return $credentials[0];
        }
        if (!$this->hasSessionCookie()) {
            return null;
        }
        $this->startSession();
        $user = $_SESSION['user'] ?? null;
        if (!is_string($user) || !hash_equals($this->user, $user)
            || time() - (int)($_SESSION['seen'] ?? 0) > $this->idleSeconds) {
            $this->logout();            // unknown, signed out or idle: nothing kept
            return null;
        }
        $_SESSION['seen'] = time();
        return $user;
    }

    /**
     * The login form's check of the user name and password, throttled and
     * logged like HTTP Basic.
     *
     * @throws Throttled
     */
    public function checkLogin(mixed $user, mixed $password): bool
    {
        $this->throttleCheck();
        if (is_string($user) && is_string($password) && $this->check($user, $password)) {
            $this->throttle->success(self::client());
            return true;
        }
        $this->failed('login form', is_string($user) ? $user : '(not a string)');
        return false;
    }

    /** @throws Throttled */
    private function throttleCheck(): void
    {
        $wait = $this->throttle->retryAfter(self::client());
        if ($wait > 0) {
            throw new Throttled($wait);
        }
    }

    /** One log line per failed attempt: how, from where, as whom (never the password). */
    private function failed(string $how, string $user): void
    {
        $client = self::client();
        error_log(sprintf('eclectyc admin: failed sign-in (%s) from %s as user %s', $how,
            self::printable($client), json_encode(self::printable($user), JSON_INVALID_UTF8_SUBSTITUTE)));
        $wait = $this->throttle->failure($client);
        if ($wait > 0) {
            error_log(sprintf('eclectyc admin: %d failed sign-ins from %s within %d s: its sign-ins are '
                . 'refused for %d s', Throttle::MAX_FAILURES, self::printable($client), Throttle::WINDOW, $wait));
        }
    }

    /** At most 64 characters, control characters and non-UTF-8 bytes replaced (for log lines). */
    private static function printable(string $text): string
    {
        $text = preg_match('//u', $text) === 1 ? $text : (string)preg_replace('/[^\x20-\x7e]/', '?', $text);
        $text = (string)preg_replace('/[\x00-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xa8\xa9]/', '?', $text);
        return strlen($text) > 64 ? substr($text, 0, 64) . '...' : $text;
    }

    /** The client's address, as the web server gives it. */
    public static function client(): string
    {
        return (string)($_SERVER['REMOTE_ADDR'] ?? 'unknown');
    }

    /** After a successful login form: a fresh session id and CSRF token. */
    public function login(string $user): void
    {
        $this->startSession();
        session_regenerate_id(true);
        $_SESSION = ['user' => $user, 'seen' => time(), 'csrf' => bin2hex(random_bytes(32))];
        self::setCookie(self::LOGIN_COOKIE, '', '/admin/login', time() - 86400);
    }

    /** End the session: its file removed, its cookie expired. */
    public function logout(): void
    {
        if (session_status() !== PHP_SESSION_ACTIVE && !$this->hasSessionCookie()) {
            return;
        }
        $this->startSession();
        $_SESSION = [];
        session_destroy();
        self::setCookie(self::SESSION_NAME, '', '/admin', time() - 86400);
        unset($_COOKIE[self::SESSION_NAME]);
    }

    /**
     * The login form's CSRF token: the value of its own cookie (set here when
     * missing), which the POST must send back in _csrf. Nothing is stored on
     * the server: an anonymous visit to the form creates no session.
     */
    public function loginToken(): string
    {
        $token = $_COOKIE[self::LOGIN_COOKIE] ?? null;
        if (!is_string($token) || !preg_match('/^[0-9a-f]{64}$/', $token)) {
            $token = bin2hex(random_bytes(32));
            self::setCookie(self::LOGIN_COOKIE, $token, '/admin/login', 0);
            $_COOKIE[self::LOGIN_COOKIE] = $token;
        }
        return $token;
    }

    /** The login POST's CSRF check: same-site, and _csrf equals the login cookie. */
    public function checkLoginCsrf(): bool
    {
        if (!self::sameSite()) {
            return false;
        }
        $given = $_POST['_csrf'] ?? null;
        $cookie = $_COOKIE[self::LOGIN_COOKIE] ?? null;
        return is_string($given) && is_string($cookie) && preg_match('/^[0-9a-f]{64}$/', $cookie) === 1
            && hash_equals($cookie, $given);
    }

    private static function setCookie(string $name, string $value, string $path, int $expires): void
    {
        if (headers_sent()) {
            return;
        }
        setcookie($name, $value, ['expires' => $expires, 'path' => $path, 'secure' => self::https(),
                                  'httponly' => true, 'samesite' => 'Strict']);
    }

    /** This session's CSRF token (made on first use). */
    public function csrfToken(): string
    {
        $this->startSession();
        if (!isset($_SESSION['csrf']) || !is_string($_SESSION['csrf']) || strlen($_SESSION['csrf']) !== 64) {
            $_SESSION['csrf'] = bin2hex(random_bytes(32));
        }
        return $_SESSION['csrf'];
    }

    /**
     * A POST's CSRF check: the form's _csrf equals the session's token
     * (hash_equals), and the request is same-site (sameSite()).
     */
    public function checkCsrf(): bool
    {
        if (!self::sameSite()) {
            return false;
        }
        $given = $_POST['_csrf'] ?? null;
        if (!is_string($given) || $given === '' || !$this->hasSessionCookie()) {
            return false;
        }
        $this->startSession();
        $expected = $_SESSION['csrf'] ?? null;
        return is_string($expected) && $expected !== '' && hash_equals($expected, $given);
    }

    /**
     * A browser's Origin, when sent, is this site ("null", sent by sandboxed
     * frames, data: URLs and privacy redirects, is not), and the browser does
     * not mark the request cross-site.
     */
    public static function sameSite(): bool
    {
        $origin = $_SERVER['HTTP_ORIGIN'] ?? null;
        if ($origin !== null && $origin !== self::origin()) {
            return false;
        }
        return ($_SERVER['HTTP_SEC_FETCH_SITE'] ?? 'same-origin') !== 'cross-site';
    }

    /** A one-shot message for the next page of this session. */
    public function flash(string $kind, string $text): void
    {
        $this->startSession();
        $_SESSION['flash'] = ['kind' => $kind, 'text' => $text];
    }

    /** @return array{kind:string,text:string}|null */
    public function takeFlash(): ?array
    {
        if (!$this->hasSessionCookie()) {
            return null;
        }
        $this->startSession();
        $flash = $_SESSION['flash'] ?? null;
        unset($_SESSION['flash']);
        return is_array($flash) ? $flash : null;
    }

    public function hasSessionCookie(): bool
    {
        return session_status() === PHP_SESSION_ACTIVE
            || (isset($_COOKIE[self::SESSION_NAME]) && is_string($_COOKIE[self::SESSION_NAME]));
    }

    /** The session: cookie HttpOnly, SameSite=Strict, Secure over HTTPS, path /admin, strict ids. */
    public function startSession(): void
    {
        if (session_status() === PHP_SESSION_ACTIVE) {
            return;
        }
        if ($this->sessionDir !== null) {
            session_save_path($this->sessionDir);
        }
        session_name(self::SESSION_NAME);
        session_set_cookie_params(['lifetime' => 0, 'path' => '/admin', 'secure' => self::https(),
                                   'httponly' => true, 'samesite' => 'Strict']);
        // PHP's own garbage collection removes expired session files now and then (Debian's
        // default, gc_probability 0, leaves that to a cron job that never looks in a directory
        // of the app's own).
        session_start(['use_strict_mode' => 1, 'use_only_cookies' => 1, 'use_trans_sid' => 0,
                       'cache_limiter' => '', 'gc_maxlifetime' => max(1440, $this->idleSeconds),
                       'gc_probability' => 1, 'gc_divisor' => 100]);
    }

    public static function https(): bool
    {
        return (!empty($_SERVER['HTTPS']) && $_SERVER['HTTPS'] !== 'off')
            || ($_SERVER['REQUEST_SCHEME'] ?? '') === 'https';
    }

    /** scheme://host[:port] of this request, as a browser's Origin header gives it. */
    public static function origin(): string
    {
        return (self::https() ? 'https' : 'http') . '://' . ($_SERVER['HTTP_HOST'] ?? '');
    }
}
