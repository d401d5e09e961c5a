-- Migration 1: the import-job queue.
-- Columns keep the PHP system's names (docs/compatibility.md); the last
-- six are what a correct queue needs. Instants are INTEGER Unix seconds (UTC).
CREATE TABLE import_jobs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id         TEXT    NOT NULL UNIQUE CHECK (length(batch_id) = 36),
    user_id          INTEGER NULL CHECK (user_id IS NULL OR user_id > 0),
    filename         TEXT    NOT NULL,
    file_path        TEXT    NULL,
    import_type      TEXT    NOT NULL DEFAULT 'hh' CHECK (import_type IN ('hh', 'daily')),
    status           TEXT    NOT NULL DEFAULT 'queued'
                     CHECK (status IN ('queued', 'processing', 'completed', 'failed', 'cancelled')),
    dry_run          INTEGER NOT NULL DEFAULT 0 CHECK (dry_run IN (0, 1)),
    total_rows       INTEGER NULL,
    processed_rows   INTEGER NOT NULL DEFAULT 0,
    imported_rows    INTEGER NOT NULL DEFAULT 0,
    failed_rows      INTEGER NOT NULL DEFAULT 0,
    queued_at        INTEGER NOT NULL,
    started_at       INTEGER NULL,
    completed_at     INTEGER NULL,
    error_message    TEXT    NULL,
    summary          TEXT    NULL CHECK (summary IS NULL OR json_type(summary) = 'object'),
    retry_count      INTEGER NOT NULL DEFAULT 0 CHECK (retry_count >= 0),
    max_retries      INTEGER NOT NULL DEFAULT 3 CHECK (max_retries >= 0),
    retry_at         INTEGER NULL,
    last_error       TEXT    NULL,
    notes            TEXT    NULL,
    priority         TEXT    NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high')),
    tags             TEXT    NULL CHECK (tags IS NULL OR json_type(tags) = 'array'),
    metadata         TEXT    NULL CHECK (metadata IS NULL OR json_type(metadata) = 'object'),
    alert_sent       INTEGER NOT NULL DEFAULT 0 CHECK (alert_sent IN (0, 1)),
    alert_sent_at    INTEGER NULL,
    worker_id        TEXT    NULL,
    heartbeat_at     INTEGER NULL,
    cancel_requested INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
    checkpoint       INTEGER NOT NULL DEFAULT 0 CHECK (checkpoint >= 0),
    file_sha256      TEXT    NULL,
    error_class      TEXT    NULL CHECK (error_class IS NULL OR error_class IN ('transient', 'permanent'))
);

-- The claim scans this partial index in claim order and stops at the first
-- due job; the expression must match the ORDER BY of the claim exactly.
CREATE INDEX idx_import_jobs_claim ON import_jobs (
    (CASE priority WHEN 'high' THEN 0 WHEN 'normal' THEN 1 ELSE 2 END), queued_at, id
) WHERE status = 'queued';
CREATE INDEX idx_import_jobs_status ON import_jobs (status, completed_at);
CREATE INDEX idx_import_jobs_queued_at ON import_jobs (queued_at);
CREATE INDEX idx_import_jobs_heartbeat ON import_jobs (heartbeat_at) WHERE status = 'processing';
CREATE INDEX idx_import_jobs_user_id ON import_jobs (user_id);
