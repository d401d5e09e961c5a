-- Migration 2: meters and readings.
-- Half-hour readings are keyed by their UTC start (never by local date and
-- time, which repeats in the autumn hour); daily totals live in their own
-- table so they can never collide with period 1 (docs/compatibility.md, Tables).
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

-- One row per import batch that wrote readings: readings refer to it by a
-- small integer instead of repeating a 36-character UUID 1.44 million times.
CREATE TABLE import_batches (
    id         INTEGER PRIMARY KEY,
    batch_id   TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

-- Storage of half-hour readings, kept narrow because an import writes
-- millions of rows (docs/benchmarks.md). WITHOUT ROWID: one B-tree
-- clustered by (meter, instant), the upsert key and the order aggregation
-- reads in. The reference's columns are served by the meter_readings view.
-- No FOREIGN KEY clauses: checking them costs a lookup per reading (a fifth
-- of the import time); the library writes a reading only in the transaction
-- that creates or finds its meter and batch, and removes readings itself.
CREATE TABLE hh_readings (
    meter_id      INTEGER NOT NULL,
    period_start  INTEGER NOT NULL,   -- UTC
    reading_date  TEXT    NOT NULL,   -- settlement date (Europe/London)
    local_minutes INTEGER NOT NULL,   -- local start, minutes after local midnight
    period_number INTEGER NOT NULL,   -- 1..50
    reading_value REAL    NOT NULL,   -- kWh
    estimated     INTEGER NOT NULL,   -- 0 actual, 1 estimated
    import_batch  INTEGER NULL,
    updated_at    INTEGER NULL,       -- NULL until a later import changes the reading
    PRIMARY KEY (meter_id, period_start)
) WITHOUT ROWID;

-- The reference's meter_readings, column for column (plus period_start).
CREATE VIEW meter_readings AS
SELECT r.meter_id,
       r.reading_date,
       printf('%02d:%02d:00', r.local_minutes / 60, r.local_minutes % 60) AS reading_time,
       r.period_number,
       r.period_start,
       r.reading_value,
       CASE r.estimated WHEN 1 THEN 'estimated' ELSE 'actual' END AS reading_type,
       b.batch_id AS import_batch_id,
       r.updated_at
FROM hh_readings r
LEFT JOIN import_batches b ON b.id = r.import_batch;

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
