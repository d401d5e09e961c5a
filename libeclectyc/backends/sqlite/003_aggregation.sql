-- Migration 3: aggregation, run telemetry and data quality.
-- The aggregate tables keep the reference's names and columns
-- (docs/compatibility.md, Tables); dates are TEXT YYYY-MM-DD (settlement
-- dates, Europe/London), instants INTEGER Unix seconds. Peak and off-peak are NULL when the split
-- is unknown: a day known only by its daily total.

-- The meters and date span each import batch wrote, kept in the transaction
-- that writes the readings, so the worker can re-aggregate exactly what an
-- import touched, also after a crash and resume.
CREATE TABLE import_batch_meters (
    import_batch INTEGER NOT NULL,
    meter_id     INTEGER NOT NULL,
    first_date   TEXT    NOT NULL,
    last_date    TEXT    NOT NULL,
    PRIMARY KEY (import_batch, meter_id)
) WITHOUT ROWID;

CREATE TABLE daily_aggregations (
    meter_id             INTEGER NOT NULL,
    date                 TEXT    NOT NULL,
    total_consumption    REAL    NOT NULL,
    peak_consumption     REAL    NULL,
    off_peak_consumption REAL    NULL,
    min_reading          REAL    NULL,   -- smallest half-hour value
    max_reading          REAL    NULL,
    reading_count        INTEGER NOT NULL,
    expected_periods     INTEGER NOT NULL,   -- 46/48/50, or 1 for a daily total
    actual_count         INTEGER NOT NULL,
    estimated_count      INTEGER NOT NULL,
    source               TEXT    NOT NULL CHECK (source IN ('hh', 'daily')),
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NULL,       -- NULL until a re-run changes the row
    PRIMARY KEY (meter_id, date)
) WITHOUT ROWID;
CREATE INDEX idx_daily_aggregations_date ON daily_aggregations (date);

CREATE TABLE weekly_aggregations (
    meter_id              INTEGER NOT NULL,
    week_start            TEXT    NOT NULL,   -- Monday (ISO week)
    week_end              TEXT    NOT NULL,
    total_consumption     REAL    NOT NULL,
    peak_consumption      REAL    NULL,
    off_peak_consumption  REAL    NULL,
    min_daily_consumption REAL    NOT NULL,
    max_daily_consumption REAL    NOT NULL,
    day_count             INTEGER NOT NULL,   -- days with data
    reading_count         INTEGER NOT NULL,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NULL,
    PRIMARY KEY (meter_id, week_start)
) WITHOUT ROWID;
CREATE INDEX idx_weekly_aggregations_start ON weekly_aggregations (week_start);

CREATE TABLE monthly_aggregations (
    meter_id              INTEGER NOT NULL,
    month_start           TEXT    NOT NULL,
    month_end             TEXT    NOT NULL,
    total_consumption     REAL    NOT NULL,
    peak_consumption      REAL    NULL,
    off_peak_consumption  REAL    NULL,
    min_daily_consumption REAL    NOT NULL,
    max_daily_consumption REAL    NOT NULL,
    day_count             INTEGER NOT NULL,
    reading_count         INTEGER NOT NULL,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NULL,
    PRIMARY KEY (meter_id, month_start)
) WITHOUT ROWID;
CREATE INDEX idx_monthly_aggregations_start ON monthly_aggregations (month_start);

CREATE TABLE annual_aggregations (
    meter_id              INTEGER NOT NULL,
    year_start            TEXT    NOT NULL,
    year_end              TEXT    NOT NULL,
    total_consumption     REAL    NOT NULL,
    peak_consumption      REAL    NULL,
    off_peak_consumption  REAL    NULL,
    min_daily_consumption REAL    NOT NULL,
    max_daily_consumption REAL    NOT NULL,
    day_count             INTEGER NOT NULL,
    reading_count         INTEGER NOT NULL,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NULL,
    PRIMARY KEY (meter_id, year_start)
) WITHOUT ROWID;
CREATE INDEX idx_annual_aggregations_start ON annual_aggregations (year_start);

-- One row per aggregation run (the reference's columns,
-- plus the span covered and what triggered the run).
CREATE TABLE scheduler_executions (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    execution_id     TEXT    NOT NULL UNIQUE,
    range_type       TEXT    NOT NULL CHECK (range_type IN ('daily', 'weekly', 'monthly', 'annual')),
    target_date      TEXT    NOT NULL,
    period_start     TEXT    NULL,
    period_end       TEXT    NULL,
    trigger_source   TEXT    NOT NULL DEFAULT 'manual',
    status           TEXT    NOT NULL DEFAULT 'running'
                     CHECK (status IN ('running', 'completed', 'partial', 'failed')),
    started_at       INTEGER NOT NULL,
    completed_at     INTEGER NULL,
    duration_seconds REAL    NULL,
    meters_processed INTEGER NOT NULL DEFAULT 0,
    error_count      INTEGER NOT NULL DEFAULT 0,
    warning_count    INTEGER NOT NULL DEFAULT 0,
    error_message    TEXT    NULL,
    telemetry_data   TEXT    NULL CHECK (telemetry_data IS NULL OR json_type(telemetry_data) = 'object')
);
CREATE INDEX idx_scheduler_executions_started ON scheduler_executions (started_at);

-- One row per meter, day and issue type: re-runs update, never duplicate
-- (the reference had no unique key).
CREATE TABLE data_quality_issues (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    meter_id    INTEGER NOT NULL,
    issue_date  TEXT    NOT NULL,
    issue_type  TEXT    NOT NULL
                CHECK (issue_type IN ('missing_data', 'anomaly', 'outlier', 'negative_value', 'zero_reading')),
    severity    TEXT    NOT NULL DEFAULT 'medium' CHECK (severity IN ('low', 'medium', 'high')),
    description TEXT    NOT NULL,
    issue_data  TEXT    NULL CHECK (issue_data IS NULL OR json_type(issue_data) = 'object'),
    is_resolved INTEGER NOT NULL DEFAULT 0 CHECK (is_resolved IN (0, 1)),
    resolved_at INTEGER NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NULL,
    UNIQUE (meter_id, issue_date, issue_type)
);
CREATE INDEX idx_data_quality_issues_date ON data_quality_issues (issue_date);
