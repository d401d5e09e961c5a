<?php
/*
 * HTML output of the operators' pages: every value goes through e()
 * (htmlspecialchars, ENT_QUOTES | ENT_SUBSTITUTE, UTF-8), in text and in
 * attributes alike; the helpers below return HTML built only from escaped
 * values.
 */
declare(strict_types=1);

namespace EclectycAdmin;

/** Escape for HTML text and quoted attributes. */
function e(mixed $value): string
{
    if (is_bool($value)) {
        $value = $value ? 'yes' : 'no';
    } elseif (is_array($value)) {
        $value = json_encode($value, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PARTIAL_OUTPUT_ON_ERROR);
    }
    return htmlspecialchars((string)$value, ENT_QUOTES | ENT_SUBSTITUTE | ENT_HTML5, 'UTF-8');
}

/** A number with thousands separators; an em dash for null. */
function num(int|float|null $value, int $decimals = 0): string
{
    return $value === null ? '—' : e(number_format((float)$value, $decimals, '.', ','));
}

/** A library instant ('Y-m-d H:i:s', UTC) as a <time> element; an em dash for null. */
function instant(?string $value, bool $zone = true): string
{
    if ($value === null || $value === '') {
        return '<span class="none">—</span>';
    }
    $iso = str_replace(' ', 'T', $value) . 'Z';
    return '<time datetime="' . e($iso) . '">' . e($value) . ($zone ? ' UTC' : '') . '</time>';
}

/** Seconds as "1 h 02 min", "3 min 05 s", "42 s"; an em dash for null. */
function duration(int|float|null $seconds): string
{
    if ($seconds === null) {
        return '—';
    }
    $s = (int)round($seconds);
    if ($s >= 3600) {
        return e(sprintf('%d h %02d min', intdiv($s, 3600), intdiv($s % 3600, 60)));
    }
    if ($s >= 60) {
        return e(sprintf('%d min %02d s', intdiv($s, 60), $s % 60));
    }
    return e($s . ' s');
}

/** A status badge (healthy/degraded/critical, or a job status). */
function badge(string $status, string $id = ''): string
{
    $class = preg_replace('/[^a-z_-]/', '', strtolower($status));
    return '<span class="badge badge-' . e($class) . '"' . ($id !== '' ? ' id="' . e($id) . '"' : '') . '>'
        . e($status) . '</span>';
}

/** Pretty JSON, escaped for a <pre>. */
function json(mixed $value): string
{
    return e(json_encode($value, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE
        | JSON_PARTIAL_OUTPUT_ON_ERROR));
}

final class View
{
    public function __construct(private string $templates)
    {
    }

    /**
     * Send a page: the template's HTML inside the layout.
     * @param array<string,mixed> $vars the template's variables; the layout's
     *        are title, user (null when not signed in), csrf, nav, flash
     */
    public function page(string $template, array $vars, int $status = 200): void
    {
        $vars += ['title' => 'Eclectyc', 'user' => null, 'csrf' => '', 'nav' => '', 'flash' => null];
        $content = $this->fragment($template, $vars);
        http_response_code($status);
        header('Content-Type: text/html; charset=utf-8');
        echo $this->fragment('layout', ['content' => $content] + $vars);
    }

    /** @param array<string,mixed> $vars */
    public function fragment(string $template, array $vars): string
    {
        $file = $this->templates . '/' . $template . '.php';
        ob_start();
        try {
            (static function (string $__file, array $__vars): void {
                extract($__vars, EXTR_SKIP);
                require $__file;
            })($file, $vars);
            return (string)ob_get_clean();
        } catch (\Throwable $t) {
            ob_end_clean();
            throw $t;
        }
    }
}
