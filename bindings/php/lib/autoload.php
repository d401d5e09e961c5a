<?php
/*
 * The libeclectyc PHP layer (namespace Eclectyc\). Include this file once:
 *
 *     require '/usr/local/share/eclectyc/php/lib/autoload.php';
 *
 * The `eclectyc` extension must be loaded (extension=eclectyc in an ini
 * file, or `php -d extension=/abs/path/eclectyc.so`).
 */
declare(strict_types=1);

if (!extension_loaded('eclectyc')) {
    throw new \RuntimeException(
        'The eclectyc PHP extension is not loaded: add extension=eclectyc to php.ini '
        . '(see eclectyc.ini) or run php -d extension=/path/to/eclectyc.so');
}

spl_autoload_register(static function (string $class): void {
    if (strncmp($class, 'Eclectyc\\', 9) !== 0) {
        return;
    }
    $file = __DIR__ . '/Eclectyc/' . str_replace('\\', '/', substr($class, 9)) . '.php';
    if (is_file($file)) {
        require $file;
    }
});
