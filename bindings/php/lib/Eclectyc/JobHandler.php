<?php
declare(strict_types=1);

namespace Eclectyc;

/**
 * @internal A host's job handler (Store::setJobHandler()) as the extension
 * calls it: the job's JSON text in, the handler's report as JSON text out.
 *
 * The handler gets the job row (as Store::getJob() returns it) and returns
 * null (nothing counted) or ['processed' => int, 'imported' => int,
 * 'failed' => int, 'total' => ?int, 'summary' => ?array], every key
 * optional. What it throws is the job's failure, its message the job's
 * error_message:
 * - an \EclectycException by its code (by its class when made without
 *   one): Eclectyc\InvalidException,
 *   ParseException and NotFoundException fail the job for good,
 *   Eclectyc\CancelledException hands it back (no retry spent) and stops
 *   the worker, the others are retried with backoff;
 * - \InvalidArgumentException (bad input): for good;
 * - any other \Throwable: retried with backoff while retries are left.
 * A report of the wrong shape fails the job for good, naming the fault.
 * Nothing thrown crosses the extension: only exit() does, which hands the
 * job back and ends the script as usual.
 */
final class JobHandler
{
    private const KEYS = ['processed', 'imported', 'failed', 'total', 'summary'];

    /** The extension's callable for $handler, which runs jobs of $type. */
    public static function wrap(string $type, callable $handler): \Closure
    {
        return static function (string $job) use ($type, $handler): string {
            try {
                return (string)Json::encodeObject(self::report($type, $handler(Json::decode($job))), 'report');
            } catch (\Throwable $e) {
                return self::failure($e);
            }
        };
    }

    /**
     * @param mixed $report what the handler returned
     * @return array<string,mixed>
     */
    private static function report(string $type, $report): array
    {
        if ($report === null) {
            return [];
        }
        if (!is_array($report) || ($report !== [] && array_is_list($report))) {
            throw new InvalidException("the $type handler must return null or an array with "
                . implode(', ', self::KEYS) . ', not ' . get_debug_type($report));
        }
        foreach ($report as $key => $value) {
            $fine = match ($key) {
                'processed', 'imported', 'failed' => is_int($value),
                'total' => $value === null || is_int($value),
                'summary' => $value === null || is_array($value),
                default => throw new InvalidException("the $type handler returned an unknown key "
                    . "'$key' (" . implode(', ', self::KEYS) . ')'),
            };
            if (!$fine) {
                throw new InvalidException("the $type handler's '$key' must be "
                    . ($key === 'summary' ? 'an array or null' : 'an int') . ', not '
                    . get_debug_type($value));
            }
        }
        if (isset($report['summary']) && $report['summary'] !== [] && array_is_list($report['summary'])) {
            throw new InvalidException("the $type handler's summary must be an associative array");
        }
        if (($report['summary'] ?? null) === []) {
            $report['summary'] = new \stdClass();   // stored as {}
        }
        return $report;
    }

    /** What a \Throwable without a library code means (one made with `new`). */
    private static function codeOf(\Throwable $e): int
    {
        return match (true) {
            $e instanceof InvalidException, $e instanceof \InvalidArgumentException => \EINVALID,
            $e instanceof ParseException => \EPARSE,
            $e instanceof NotFoundException => \ENOTFOUND,
            $e instanceof CancelledException => \ECANCELLED,
            default => \ERROR,
        };
    }

    /** The failure report for what the handler threw. */
    private static function failure(\Throwable $e): string
    {
        $code = $e->getCode();
        if (!($e instanceof \EclectycException) || !is_int($code) || $code > \ERROR || $code < \EPARSE) {
            $code = self::codeOf($e);
        }
        $message = $e->getMessage() !== '' ? $e->getMessage() : get_class($e);
        return json_encode(['error' => $code, 'message' => $message],
            JSON_INVALID_UTF8_SUBSTITUTE | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
    }
}
