-- Migration 4: operations. Every alert raised, with the channels that took
-- it; cleanup looks jobs up by file path.
CREATE TABLE alerts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_key       TEXT    NULL,      -- cooldown key of a condition alert
    alert_type      TEXT    NOT NULL,
    severity        TEXT    NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    subject         TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    channels_ok     TEXT    NOT NULL DEFAULT '',
    channels_failed TEXT    NOT NULL DEFAULT '',
    failure_detail  TEXT    NULL,
    suppressed      INTEGER NOT NULL DEFAULT 0 CHECK (suppressed IN (0, 1)),
    created_at      INTEGER NOT NULL
);
CREATE INDEX idx_alerts_key ON alerts (alert_key, created_at) WHERE suppressed = 0;
CREATE INDEX idx_alerts_created ON alerts (created_at);
CREATE INDEX idx_import_jobs_file_path ON import_jobs (file_path);
