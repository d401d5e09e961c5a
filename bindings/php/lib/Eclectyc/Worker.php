<?php
declare(strict_types=1);

namespace Eclectyc;

/**
 * A queue worker: claims runnable jobs atomically (many workers, in any
 * process or language, may share one store), imports them, retries with
 * backoff, heartbeats, honours cancellation. Jobs of a type the host runs
 * ('sites') are claimed only when the store has a handler for it
 * (Store::setJobHandler()), which the worker then calls.
 */
final class Worker
{
    private \EclectycWorker $native;
    private Store $store;

    /**
     * @param Store|string  $store    a Store or a store URI
     * @param string|null   $workerId shown in import_jobs.worker_id (default host:pid)
     * @param bool|null     $aggregateAfterImport re-aggregate what each import wrote;
     *                                null = ECLECTYC_AGGREGATE_AFTER_IMPORT (else true)
     * @param callable|null $progress fn(int $processed, int $total, int $imported, int $failed)
     *                                per batch of the running import; truthy return or an
     *                                exception stops that import (it is handed back)
     *
     * The worker takes the store's configured options (batch size, peak window ...).
     */
    public function __construct(#[\SensitiveParameter] Store|string $store, ?string $workerId = null,
                                ?bool $aggregateAfterImport = null, ?callable $progress = null)
    {
        $this->store = Store::of($store);
        $this->native = new \EclectycWorker($this->store->native(), $workerId,
            $aggregateAfterImport === null ? \ECLB_DEFAULT : (int)$aggregateAfterImport, $progress);
    }

    public function id(): string
    {
        return (string)$this->native->id();
    }

    /** A worker holds an open store: create a new one where it is needed instead. */
    public function __serialize(): array
    {
        throw new \LogicException('an Eclectyc\\Worker holds an open store and cannot be '
            . 'serialized; create a new Worker instead');
    }

    /** @param array<mixed> $data */
    public function __unserialize(array $data): void
    {
        throw new \LogicException('an Eclectyc\\Worker cannot be unserialized; create a new '
            . 'Worker instead');
    }

    public function store(): Store
    {
        return $this->store;
    }

    /**
     * One cycle: claim and process up to $limit jobs.
     * @return array{claimed:int, completed:int, failed:int, requeued:int, cancelled:int, released:int}
     */
    public function process(int $limit = 10): array
    {
        return Json::decode($this->native->process($limit));
    }

    /** Ask the running (or next) cycle to stop after the current batch. */
    public function stop(): void
    {
        $this->stopping = true;
        $this->native->stop();
    }

    private bool $stopping = false;

    /**
     * Process until stop() (or SIGTERM/SIGINT when pcntl is available; a
     * stopped worker stays stopped), like
     * `eclectyc worker`: after a cycle with jobs wait 1 s, when idle
     * $pollInterval seconds. Returns the totals.
     *
     * @param int|null $maxCycles stop after this many cycles (null: forever)
     */
    public function run(float $pollInterval = 5.0, int $limit = 10, ?int $maxCycles = null): array
    {
        $totals = ['cycles' => 0, 'claimed' => 0, 'completed' => 0, 'failed' => 0,
                   'requeued' => 0, 'cancelled' => 0, 'released' => 0];
        $signals = function_exists('pcntl_signal') && function_exists('pcntl_async_signals');
        if ($signals) {
            $previousAsync = pcntl_async_signals(true);
            $handler = function (): void {
                $this->stop();
            };
            pcntl_signal(SIGTERM, $handler);
            pcntl_signal(SIGINT, $handler);
        }
        try {
            while (!$this->stopping && ($maxCycles === null || $totals['cycles'] < $maxCycles)) {
                $r = $this->process($limit);
                $totals['cycles']++;
                foreach ($r as $k => $v) {
                    $totals[$k] = ($totals[$k] ?? 0) + $v;
                }
                // A job handed back means the library stopped this worker (its
                // progress callback or a job handler asked to): it stays stopped.
                if ($r['released'] > 0) {
                    $this->stopping = true;
                }
                if ($this->stopping || ($maxCycles !== null && $totals['cycles'] >= $maxCycles)) {
                    break;
                }
                $wait = $r['claimed'] > 0 ? 1.0 : $pollInterval;
                for ($t = 0.0; $t < $wait && !$this->stopping; $t += 0.1) {
                    usleep(100000);
                }
            }
        } finally {
            if ($signals) {
                pcntl_signal(SIGTERM, SIG_DFL);
                pcntl_signal(SIGINT, SIG_DFL);
                pcntl_async_signals($previousAsync);
            }
        }
        return $totals;
    }
}
