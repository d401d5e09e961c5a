-- Migration 2: meters and readings.
-- Half-hour readings are keyed by their UTC start (never by local date and
-- time, which repeats in the autumn hour); daily totals live in their own
-- table so they can never collide with period 1. Values are DOUBLE: the
-- interface hands over C doubles, and "equal to the stored value" then
-- means what it means on SQLite (REAL) and PostgreSQL (float8).
CREATE TABLE meters (
    id               BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    mpan             VARCHAR(64) NOT NULL CHECK (char_length(mpan) BETWEEN 1 AND 64),
    meter_type       VARCHAR(16) NOT NULL DEFAULT 'electricity'
                     CHECK (meter_type IN ('electricity', 'gas', 'water', 'heat')),
    is_half_hourly   TINYINT     NOT NULL DEFAULT 1 CHECK (is_half_hourly IN (0, 1)),
    is_active        TINYINT     NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    mpan_check       VARCHAR(16) NULL CHECK (mpan_check IS NULL OR mpan_check IN ('valid', 'invalid', 'not_mpan')),
    created_by_batch CHAR(36)    NULL,
    created_at       BIGINT      NOT NULL,
    UNIQUE KEY uq_meters_mpan (mpan)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- One row per import batch that wrote readings: readings refer to it by a
-- small integer instead of repeating a 36-character UUID per reading.
CREATE TABLE import_batches (
    id         BIGINT   NOT NULL AUTO_INCREMENT PRIMARY KEY,
    batch_id   CHAR(36) NOT NULL,
    created_at BIGINT   NOT NULL,
    UNIQUE KEY uq_import_batches_batch_id (batch_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Half-hour readings, kept narrow (an import writes millions of rows),
-- clustered by (meter, instant): the upsert key and the order aggregation
-- reads in. As on SQLite, no foreign keys: the library writes a reading
-- only in the transaction that creates or finds its meter and batch.
CREATE TABLE hh_readings (
    meter_id      BIGINT   NOT NULL,
    period_start  BIGINT   NOT NULL,   -- UTC instant, Unix seconds
    reading_date  DATE     NOT NULL,   -- settlement date (Europe/London)
    local_minutes SMALLINT NOT NULL,   -- local start, minutes after local midnight
    period_number TINYINT  NOT NULL CHECK (period_number BETWEEN 1 AND 50),
    reading_value DOUBLE   NOT NULL,   -- kWh
    estimated     TINYINT  NOT NULL,   -- 0 actual, 1 estimated
    import_batch  BIGINT   NULL,
    updated_at    BIGINT   NULL,       -- NULL until a later import changes the reading
    PRIMARY KEY (meter_id, period_start)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The reference's meter_readings, column for column (plus period_start).
CREATE VIEW meter_readings AS
SELECT r.meter_id,
       r.reading_date,
       CONCAT(LPAD(r.local_minutes DIV 60, 2, '0'), ':', LPAD(r.local_minutes MOD 60, 2, '0'), ':00') AS reading_time,
       r.period_number,
       r.period_start,
       r.reading_value,
       CASE r.estimated WHEN 1 THEN 'estimated' ELSE 'actual' END AS reading_type,
       b.batch_id AS import_batch_id,
       r.updated_at
FROM hh_readings r
LEFT JOIN import_batches b ON b.id = r.import_batch;

CREATE TABLE daily_readings (
    meter_id        BIGINT      NOT NULL,
    reading_date    DATE        NOT NULL,
    reading_value   DOUBLE      NOT NULL,
    reading_type    VARCHAR(16) NOT NULL DEFAULT 'actual' CHECK (reading_type IN ('actual', 'estimated')),
    import_batch_id CHAR(36)    NULL,
    created_at      BIGINT      NOT NULL,
    updated_at      BIGINT      NULL,
    PRIMARY KEY (meter_id, reading_date),
    CONSTRAINT fk_daily_readings_meter FOREIGN KEY (meter_id) REFERENCES meters (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
