<?php
declare(strict_types=1);

namespace Eclectyc;

/**
 * Aggregation of readings into daily, weekly (ISO), monthly and annual
 * tables, recorded in scheduler_executions (the reference's aggregate_cron.php).
 */
final class Aggregator
{
    public const RANGES = ['daily', 'weekly', 'monthly', 'annual'];

    private Store $store;

    public function __construct(Store|string $store)
    {
        $this->store = Store::of($store);
    }

    /**
     * Aggregate one range for the period containing $date (YYYY-MM-DD;
     * default yesterday in Europe/London), or every period from $date to $until.
     */
    public function aggregate(string $range = 'daily', ?string $date = null, ?string $until = null): array
    {
        return $this->store->aggregate($range, $date, $until);
    }

    /** Every range for $date, keyed by range (like `eclectyc aggregate --all`). */
    public function all(?string $date = null): array
    {
        $reports = [];
        foreach (self::RANGES as $range) {
            $reports[$range] = $this->store->aggregate($range, $date);
        }
        return $reports;
    }

    public function daily(?string $date = null): array
    {
        return $this->aggregate('daily', $date);
    }

    public function weekly(?string $date = null): array
    {
        return $this->aggregate('weekly', $date);
    }

    public function monthly(?string $date = null): array
    {
        return $this->aggregate('monthly', $date);
    }

    public function annual(?string $date = null): array
    {
        return $this->aggregate('annual', $date);
    }

    /** Recent runs (scheduler_executions), newest first. */
    public function executions(int $limit = 50): array
    {
        return $this->store->executions($limit);
    }
}
