-- Migration 2: meters and readings.
-- Half-hour readings are keyed by their UTC start (never by local date and
-- time, which repeats in the autumn hour); daily totals live in their own
-- table so they can never collide with period 1 (reference §1.4).
CREATE TABLE meters (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    mpan             TEXT    NOT NULL UNIQUE CHECK (length(mpan) BETWEEN 1 AND 64),
    meter_type       TEXT    NOT NULL DEFAULT 'electricity'
                     CHECK (meter_type IN ('electricity', 'gas', 'water', 'heat')),
    is_half_hourly   INTEGER NOT NULL DEFAULT 1 CHECK (is_half_hourly IN (0, 1)),
    is_active        INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    mpan_check       TEXT    NULL CHECK (mpan_check IS NULL OR mpan_check IN ('valid', 'invalid', 'not_mpan')),
    created_by_batch TEXT    NULL,
    created_at       INTEGER NOT NULL
);

-- WITHOUT ROWID: one B-tree clustered by (meter, instant), which is both
-- the upsert key and the order aggregation reads in.
CREATE TABLE meter_readings (
    meter_id        INTEGER NOT NULL REFERENCES meters (id) ON DELETE CASCADE,
    period_start    INTEGER NOT NULL,
    reading_date    TEXT    NOT NULL,
    reading_time    TEXT    NOT NULL,
    period_number   INTEGER NOT NULL CHECK (period_number BETWEEN 1 AND 50),
    reading_value   REAL    NOT NULL,
    reading_type    TEXT    NOT NULL DEFAULT 'actual' CHECK (reading_type IN ('actual', 'estimated')),
    import_batch_id TEXT    NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NULL,
    PRIMARY KEY (meter_id, period_start)
) WITHOUT ROWID;

CREATE TABLE daily_readings (
    meter_id        INTEGER NOT NULL REFERENCES meters (id) ON DELETE CASCADE,
    reading_date    TEXT    NOT NULL,
    reading_value   REAL    NOT NULL,
    reading_type    TEXT    NOT NULL DEFAULT 'actual' CHECK (reading_type IN ('actual', 'estimated')),
    import_batch_id TEXT    NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NULL,
    PRIMARY KEY (meter_id, reading_date)
) WITHOUT ROWID;
