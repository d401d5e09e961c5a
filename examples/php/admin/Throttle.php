<?php
/*
 * Failed sign-ins per client address, in one small JSON file shared by every
 * PHP process of the app (read and written under flock): after MAX_FAILURES
 * failed attempts (wrong HTTP Basic credentials or a wrong login form) from
 * one address within WINDOW seconds, that address's sign-ins are refused
 * (429 with Retry-After) until the oldest of those failures is WINDOW
 * seconds old. A successful sign-in clears the address's failures.
 *
 * The file holds at most MAX_FAILURES instants for at most MAX_CLIENTS
 * addresses (the stalest dropped first); instants older than WINDOW are
 * dropped at every write. It is never a session file: PHP's session garbage
 * collector removes only sess_* files.
 */
declare(strict_types=1);

namespace EclectycAdmin;

/** Sign-ins refused for now: try again after $retryAfter seconds. */
final class Throttled extends \RuntimeException
{
    public function __construct(public int $retryAfter)
    {
        parent::__construct('Too many failed sign-ins from this address: try again in '
            . $retryAfter . ' s.');
    }
}

final class Throttle
{
    public const MAX_FAILURES = 5;
    public const WINDOW = 300;
    public const MAX_CLIENTS = 5000;
    public const FILE = 'eclectyc-admin-throttle.json';

    /** @var bool whether an unusable file was already logged by this process */
    private static bool $logged = false;

    public function __construct(private string $file, private int $maxFailures = self::MAX_FAILURES,
                                private int $window = self::WINDOW)
    {
    }

    /**
     * The file in ECLECTYC_ADMIN_SESSION_DIR when set (the app's own
     * directory, mode 0700), else PHP's session.save_path, else the system's
     * temporary directory (then named per user).
     */
    public static function inDirectory(?string $sessionDir): self
    {
        if ($sessionDir !== null && $sessionDir !== '') {
            return new self(rtrim($sessionDir, '/') . '/' . self::FILE);
        }
        $save = (string)ini_get('session.save_path');
        $save = substr($save, (int)strrpos($save, ';') + (str_contains($save, ';') ? 1 : 0));
        if ($save !== '' && is_dir($save) && is_writable($save)) {
            return new self(rtrim($save, '/') . '/' . self::FILE);
        }
        $uid = function_exists('posix_geteuid') ? (string)posix_geteuid() : get_current_user();
        return new self(rtrim(sys_get_temp_dir(), '/') . '/eclectyc-admin-throttle-'
            . preg_replace('/[^A-Za-z0-9_-]/', '_', $uid) . '.json');
    }

    /** Seconds until $client may try to sign in again; 0: now. */
    public function retryAfter(string $client, ?int $now = null): int
    {
        $now ??= time();
        $failures = $this->locked(LOCK_SH, fn (array $all): array => [$all[$client] ?? [], false]);
        return $this->wait(is_array($failures) ? $failures : [], $now);
    }

    /**
     * Record a failed sign-in of $client; returns the seconds it must now
     * wait (0 while it is under the limit).
     */
    public function failure(string $client, ?int $now = null): int
    {
        $now ??= time();
        $failures = $this->locked(LOCK_EX, function (array $all) use ($client, $now): array {
            $mine = $all[$client] ?? [];
            $mine[] = $now;
            unset($all[$client]);
            $all[$client] = array_slice($mine, -$this->maxFailures);   // the newest last
            return [$all[$client], $this->prune($all, $now)];
        });
        return $this->wait(is_array($failures) ? $failures : [], $now);
    }

    /** A successful sign-in: forget $client's failures. */
    public function success(string $client, ?int $now = null): void
    {
        $now ??= time();
        // Most sign-ins have nothing to forget: look first, write only then.
        if ($this->locked(LOCK_SH, fn (array $all): array => [isset($all[$client]), false]) !== true) {
            return;
        }
        $this->locked(LOCK_EX, function (array $all) use ($client, $now): array {
            unset($all[$client]);
            return [null, $this->prune($all, $now)];
        });
    }

    /** @param list<int> $failures */
    private function wait(array $failures, int $now): int
    {
        $recent = array_values(array_filter($failures, fn ($t): bool => is_int($t) && $t > $now - $this->window));
        if (count($recent) < $this->maxFailures) {
            return 0;
        }
        return max(1, $recent[count($recent) - $this->maxFailures] + $this->window - $now);
    }

    /**
     * Drop what is older than the window and the stalest clients beyond MAX_CLIENTS.
     * @param array<string,list<int>> $all
     * @return array<string,list<int>>
     */
    private function prune(array $all, int $now): array
    {
        $kept = [];
        foreach ($all as $client => $times) {
            $times = is_array($times) ? array_values(array_filter($times,
                fn ($t): bool => is_int($t) && $t > $now - $this->window)) : [];
            if ($times) {
                $kept[(string)$client] = $times;
            }
        }
        if (count($kept) > self::MAX_CLIENTS) {
            uasort($kept, fn (array $a, array $b): int => end($b) <=> end($a));
            $kept = array_slice($kept, 0, self::MAX_CLIENTS, true);
        }
        return $kept;
    }

    /**
     * Run $fn on the file's contents under a lock: $fn returns [result,
     * new contents or false to leave the file as it is]. When the file
     * cannot be used (not writable, a link, not a regular file) the
     * throttle is off: logged once per process, and $fn's result is null.
     *
     * @param callable(array<string,list<int>>): array{0:mixed,1:array|false} $fn
     */
    private function locked(int $lock, callable $fn): mixed
    {
        $fh = @fopen($this->file, 'c+');
        if ($fh === false) {
            $this->unusable('cannot open it');
            return null;
        }
        try {
            // Refuse a file that is not ours to write: a link (opened through it) or not a regular file.
            $st = fstat($fh);
            $lst = @lstat($this->file);
            if ($st === false || $lst === false || $st['ino'] !== $lst['ino'] || $st['dev'] !== $lst['dev']
                || ($st['mode'] & 0170000) !== 0100000) {
                $this->unusable('it is not a regular file');
                return null;
            }
            if (($st['mode'] & 0077) !== 0) {
                @chmod($this->file, 0600);
            }
            if (!flock($fh, $lock)) {
                $this->unusable('cannot lock it');
                return null;
            }
            $text = stream_get_contents($fh, 1 << 20);
            $all = is_string($text) && $text !== '' ? json_decode($text, true) : [];
            [$result, $write] = $fn(is_array($all) ? $all : []);
            if ($write !== false && $lock === LOCK_EX) {
                ftruncate($fh, 0);
                rewind($fh);
                fwrite($fh, json_encode((object)$write, JSON_UNESCAPED_SLASHES));
                fflush($fh);
            }
            flock($fh, LOCK_UN);
            return $result;
        } finally {
            fclose($fh);
        }
    }

    private function unusable(string $why): void
    {
        if (!self::$logged) {
            self::$logged = true;
            error_log("eclectyc admin: failed sign-ins are not throttled: {$this->file}: $why");
        }
    }
}
