-- Migration 3 (MySQL): aggregation, run telemetry and data quality.
-- The aggregate tables keep the reference's names and columns
-- (docs/compatibility.md, Tables); dates are DATE (settlement
-- dates, Europe/London), instants BIGINT Unix seconds. Peak and off-peak are NULL when the split
-- is unknown: a day known only by its daily total.

-- The meters and date span each import batch wrote, kept in the transaction
-- that writes the readings, so the worker can re-aggregate exactly what an
-- import touched, also after a crash and resume.
CREATE TABLE import_batch_meters (
    import_batch BIGINT  NOT NULL,
    meter_id     BIGINT  NOT NULL,
    first_date   DATE    NOT NULL,
    last_date    DATE    NOT NULL,
    PRIMARY KEY (import_batch, meter_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE daily_aggregations (
    meter_id             BIGINT  NOT NULL,
    date                 DATE    NOT NULL,
    total_consumption    DOUBLE  NOT NULL,
    peak_consumption     DOUBLE  NULL,
    off_peak_consumption DOUBLE  NULL,
    min_reading          DOUBLE  NULL,   -- smallest half-hour value
    max_reading          DOUBLE  NULL,
    reading_count        BIGINT  NOT NULL,
    expected_periods     BIGINT  NOT NULL,   -- 46/48/50, or 1 for a daily total
    actual_count         BIGINT  NOT NULL,
    estimated_count      BIGINT  NOT NULL,
    source               VARCHAR(32)    NOT NULL CHECK (source IN ('hh', 'daily')),
    created_at           BIGINT  NOT NULL,
    updated_at           BIGINT  NULL,       -- NULL until a re-run changes the row
    PRIMARY KEY (meter_id, date)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX idx_daily_aggregations_date ON daily_aggregations (date);

CREATE TABLE weekly_aggregations (
    meter_id              BIGINT  NOT NULL,
    week_start            DATE    NOT NULL,   -- Monday (ISO week)
    week_end              DATE    NOT NULL,
    total_consumption     DOUBLE  NOT NULL,
    peak_consumption      DOUBLE  NULL,
    off_peak_consumption  DOUBLE  NULL,
    min_daily_consumption DOUBLE  NOT NULL,
    max_daily_consumption DOUBLE  NOT NULL,
    day_count             BIGINT  NOT NULL,   -- days with data
    reading_count         BIGINT  NOT NULL,
    created_at            BIGINT  NOT NULL,
    updated_at            BIGINT  NULL,
    PRIMARY KEY (meter_id, week_start)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX idx_weekly_aggregations_start ON weekly_aggregations (week_start);

CREATE TABLE monthly_aggregations (
    meter_id              BIGINT  NOT NULL,
    month_start           DATE    NOT NULL,
    month_end             DATE    NOT NULL,
    total_consumption     DOUBLE  NOT NULL,
    peak_consumption      DOUBLE  NULL,
    off_peak_consumption  DOUBLE  NULL,
    min_daily_consumption DOUBLE  NOT NULL,
    max_daily_consumption DOUBLE  NOT NULL,
    day_count             BIGINT  NOT NULL,
    reading_count         BIGINT  NOT NULL,
    created_at            BIGINT  NOT NULL,
    updated_at            BIGINT  NULL,
    PRIMARY KEY (meter_id, month_start)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX idx_monthly_aggregations_start ON monthly_aggregations (month_start);

CREATE TABLE annual_aggregations (
    meter_id              BIGINT  NOT NULL,
    year_start            DATE    NOT NULL,
    year_end              DATE    NOT NULL,
    total_consumption     DOUBLE  NOT NULL,
    peak_consumption      DOUBLE  NULL,
    off_peak_consumption  DOUBLE  NULL,
    min_daily_consumption DOUBLE  NOT NULL,
    max_daily_consumption DOUBLE  NOT NULL,
    day_count             BIGINT  NOT NULL,
    reading_count         BIGINT  NOT NULL,
    created_at            BIGINT  NOT NULL,
    updated_at            BIGINT  NULL,
    PRIMARY KEY (meter_id, year_start)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX idx_annual_aggregations_start ON annual_aggregations (year_start);

-- One row per aggregation run (the reference's columns,
-- plus the span covered and what triggered the run).
CREATE TABLE scheduler_executions (
    id               BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    execution_id     VARCHAR(64) NOT NULL UNIQUE,
    range_type       VARCHAR(32)    NOT NULL CHECK (range_type IN ('daily', 'weekly', 'monthly', 'annual')),
    target_date      DATE    NOT NULL,
    period_start     DATE    NULL,
    period_end       DATE    NULL,
    trigger_source   VARCHAR(32)    NOT NULL DEFAULT 'manual',
    status           VARCHAR(32)    NOT NULL DEFAULT 'running'
                     CHECK (status IN ('running', 'completed', 'partial', 'failed')),
    started_at       BIGINT  NOT NULL,
    completed_at     BIGINT  NULL,
    duration_seconds DOUBLE  NULL,
    meters_processed BIGINT  NOT NULL DEFAULT 0,
    error_count      BIGINT  NOT NULL DEFAULT 0,
    warning_count    BIGINT  NOT NULL DEFAULT 0,
    error_message    LONGTEXT    NULL,
    telemetry_data   LONGTEXT    NULL CHECK (telemetry_data IS NULL OR (JSON_VALID(telemetry_data) AND JSON_TYPE(telemetry_data) = 'OBJECT'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX idx_scheduler_executions_started ON scheduler_executions (started_at);

-- One row per meter, day and issue type: re-runs update, never duplicate
-- (the reference had no unique key).
CREATE TABLE data_quality_issues (
    id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    meter_id    BIGINT  NOT NULL,
    issue_date  DATE    NOT NULL,
    issue_type  VARCHAR(32)    NOT NULL
                CHECK (issue_type IN ('missing_data', 'anomaly', 'outlier', 'negative_value', 'zero_reading')),
    severity    VARCHAR(32)    NOT NULL DEFAULT 'medium' CHECK (severity IN ('low', 'medium', 'high')),
    description LONGTEXT    NOT NULL,
    issue_data  LONGTEXT    NULL CHECK (issue_data IS NULL OR (JSON_VALID(issue_data) AND JSON_TYPE(issue_data) = 'OBJECT')),
    is_resolved BIGINT  NOT NULL DEFAULT 0 CHECK (is_resolved IN (0, 1)),
    resolved_at BIGINT  NULL,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NULL,
    UNIQUE (meter_id, issue_date, issue_type)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX idx_data_quality_issues_date ON data_quality_issues (issue_date);
