<?php
/*
 * Shared by the examples: load the Eclectyc\ layer from ECLECTYC_PHP_LIB,
 * the installed layout (share/eclectyc/php/{lib,examples}) or the source
 * tree (examples/php -> bindings/php/lib).
 */
declare(strict_types=1);

(static function (): void {
    $candidates = array_filter([
        getenv('ECLECTYC_PHP_LIB') ?: null,
        __DIR__ . '/../lib',
        __DIR__ . '/../../bindings/php/lib',
        __DIR__ . '/../../../bindings/php/lib',
    ]);
    foreach ($candidates as $dir) {
        if (is_file("$dir/autoload.php")) {
            require_once "$dir/autoload.php";
            return;
        }
    }
    throw new RuntimeException('cannot find the Eclectyc PHP layer: set ECLECTYC_PHP_LIB');
})();

/** The store URI: ECLECTYC_DB, else sqlite://eclectyc.db (as the CLI). */
function eclectyc_store_uri(): string
{
    return getenv('ECLECTYC_DB') ?: 'sqlite://eclectyc.db';
}
