<?php
/*
 * Who may use the operators' pages: one account from the environment
 * (ECLECTYC_ADMIN_USER, ECLECTYC_ADMIN_PASSWORD), given with HTTP Basic on
 * every request or once through the login form (a session). A session holds
 * the CSRF token every POST must carry, whichever way the user signed in.
 */
declare(strict_types=1);

namespace EclectycAdmin;

final class Auth
{
    public const SESSION_NAME = 'eclectyc_admin';

    /**
     * @param int $idleSeconds a session login ends after this long without a request
     */
    public function __construct(private string $user, private string $password,
                                private int $idleSeconds = 3600, private ?string $sessionDir = null)
    {
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
     * rescued by a session), else the session's login.
     */
    public function authenticate(): ?string
    {
        if (self::hasAuthorizationHeader()) {
            $credentials = self::basicCredentials();
            if ($credentials === null || !$this->check($credentials[0], $credentials[1])) {
                return null;
            }
            $this->startSession();
            $_SESSION['seen'] = time();
            return $credentials[0];
        }
        if (!$this->hasSessionCookie()) {
            return null;
        }
        $this->startSession();
        $user = $_SESSION['user'] ?? null;
        if (!is_string($user) || !hash_equals($this->user, $user)) {
            return null;
        }
        if (time() - (int)($_SESSION['seen'] ?? 0) > $this->idleSeconds) {
            $this->logout();
            return null;
        }
        $_SESSION['seen'] = time();
        return $user;
    }

    /** After a successful login form: a fresh session id and CSRF token. */
    public function login(string $user): void
    {
        $this->startSession();
        session_regenerate_id(true);
        $_SESSION = ['user' => $user, 'seen' => time(), 'csrf' => bin2hex(random_bytes(32))];
    }

    public function logout(): void
    {
        $this->startSession();
        $_SESSION = [];
        session_regenerate_id(true);
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
     * (hash_equals), and a browser's Origin, when sent, is this site.
     */
    public function checkCsrf(): bool
    {
        $origin = $_SERVER['HTTP_ORIGIN'] ?? null;
        if (is_string($origin) && $origin !== 'null' && $origin !== self::origin()) {
            return false;
        }
        if (($_SERVER['HTTP_SEC_FETCH_SITE'] ?? 'same-origin') === 'cross-site') {
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
        session_start(['use_strict_mode' => 1, 'use_only_cookies' => 1, 'use_trans_sid' => 0,
                       'cache_limiter' => '', 'gc_maxlifetime' => max(1440, $this->idleSeconds)]);
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
