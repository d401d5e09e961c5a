<?php
declare(strict_types=1);

namespace Eclectyc;

/** @internal JSON text from the extension to PHP arrays, and back. */
final class Json
{
    /** @return mixed */
    public static function decode(?string $text)
    {
        if ($text === null) {
            return null;
        }
        return json_decode($text, true, 512, JSON_THROW_ON_ERROR | JSON_BIGINT_AS_STRING);
    }

    /** A list of tags or a metadata map as JSON text; null when empty. */
    public static function encodeOptional(?array $value, string $what): ?string
    {
        if ($value === null || $value === []) {
            return null;
        }
        return self::encode($value, $what);
    }

    /** A map as JSON object text ([] as {}); null for null. */
    public static function encodeObject(?array $value, string $what): ?string
    {
        if ($value === null) {
            return null;
        }
        return $value === [] ? '{}' : self::encode($value, $what);
    }

    /** @param mixed $value */
    public static function encode($value, string $what): string
    {
        try {
            return json_encode($value, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
        } catch (\JsonException $e) {
            throw new \InvalidArgumentException("$what cannot be encoded as JSON: " . $e->getMessage(), 0, $e);
        }
    }
}
