<?php
declare(strict_types=1);

namespace Eclectyc;

/**
 * Health of the import system (the reference's ImportMonitoringService and
 * monitor_import_system.php), data-quality checks and cleanup.
 */
final class Monitor
{
    /** The CLI's exit codes per health status. */
    public const EXIT_CODES = ['healthy' => 0, 'degraded' => 1, 'critical' => 2];

    private Store $store;

    /**
     * @param int $stuckMinutes     "stuck" = processing with a heartbeat older than this (0: 60)
     * @param int $backlogThreshold queued jobs above this are a warning (0: 100)
     */
    public function __construct(Store|string $store, private int $stuckMinutes = 0,
                                private int $backlogThreshold = 0)
    {
        $this->store = Store::of($store);
    }

    /** ['status' => healthy|degraded|critical, 'metrics' => [...], 'alerts' => [...]] */
    public function getSystemHealth(): array
    {
        return $this->check();
    }

    /** The health report; optionally fail stuck jobs and send the alerts it raises. */
    public function check(bool $handleStuck = false, bool $sendAlerts = false): array
    {
        return $this->store->health($this->stuckMinutes, $this->backlogThreshold, $handleStuck,
            $sendAlerts);
    }

    /** 0 healthy, 1 degraded, 2 critical (3 is left for errors). */
    public static function exitCode(array $health): int
    {
        return self::EXIT_CODES[$health['status'] ?? ''] ?? 3;
    }

    /** Data-quality checks for a day (default yesterday), optionally one meter. */
    public function quality(?string $date = null, ?string $mpan = null, bool $record = true): array
    {
        return $this->store->quality($date, $mpan, $record);
    }

    /** Delete finished jobs older than $days (null: 30) and orphaned files under $storageDir. */
    public function cleanup(?int $days = null, bool $dryRun = false, ?string $storageDir = null): array
    {
        return $this->store->cleanup($days, $dryRun, $storageDir);
    }
}
