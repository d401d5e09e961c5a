-- Migration 1: the import-job queue (MySQL 8.0+ / MariaDB 10.6+, InnoDB,
-- utf8mb4 with binary collation so text compares exactly, as on the other
-- backends). Columns keep the PHP system's names (docs/compatibility.md).
-- Instants are BIGINT Unix seconds (UTC), as on SQLite: the interface
-- passes seconds, and no session time zone can shift them (docs/mysql.md).
-- JSON columns are LONGTEXT with a JSON check, not MySQL's JSON type,
-- which rewrites the text (key order, spaces): the text comes back as written.
CREATE TABLE import_jobs (
    id               BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    batch_id         CHAR(36)     NOT NULL,
    user_id          BIGINT       NULL CHECK (user_id IS NULL OR user_id > 0),
    filename         VARCHAR(1024) NOT NULL,
    file_path        VARCHAR(3072) NULL,
    import_type      VARCHAR(16)  NOT NULL DEFAULT 'hh' CHECK (import_type IN ('hh', 'daily')),
    status           VARCHAR(16)  NOT NULL DEFAULT 'queued'
                     CHECK (status IN ('queued', 'processing', 'completed', 'failed', 'cancelled')),
    dry_run          TINYINT      NOT NULL DEFAULT 0 CHECK (dry_run IN (0, 1)),
    total_rows       BIGINT       NULL,
    processed_rows   BIGINT       NOT NULL DEFAULT 0,
    imported_rows    BIGINT       NOT NULL DEFAULT 0,
    failed_rows      BIGINT       NOT NULL DEFAULT 0,
    queued_at        BIGINT       NOT NULL,
    started_at       BIGINT       NULL,
    completed_at     BIGINT       NULL,
    error_message    LONGTEXT     NULL,
    summary          LONGTEXT     NULL CHECK (summary IS NULL OR (JSON_VALID(summary) AND JSON_TYPE(summary) = 'OBJECT')),
    retry_count      INT          NOT NULL DEFAULT 0 CHECK (retry_count >= 0),
    max_retries      INT          NOT NULL DEFAULT 3 CHECK (max_retries >= 0),
    retry_at         BIGINT       NULL,
    last_error       LONGTEXT     NULL,
    notes            LONGTEXT     NULL,
    priority         VARCHAR(8)   NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high')),
    tags             LONGTEXT     NULL CHECK (tags IS NULL OR (JSON_VALID(tags) AND JSON_TYPE(tags) = 'ARRAY')),
    metadata         LONGTEXT     NULL CHECK (metadata IS NULL OR (JSON_VALID(metadata) AND JSON_TYPE(metadata) = 'OBJECT')),
    alert_sent       TINYINT      NOT NULL DEFAULT 0 CHECK (alert_sent IN (0, 1)),
    alert_sent_at    BIGINT       NULL,
    worker_id        VARCHAR(255) NULL,
    heartbeat_at     BIGINT       NULL,
    cancel_requested TINYINT      NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
    checkpoint       BIGINT       NOT NULL DEFAULT 0 CHECK (checkpoint >= 0),
    file_sha256      CHAR(64)     NULL,
    error_class      VARCHAR(16)  NULL CHECK (error_class IS NULL OR error_class IN ('transient', 'permanent')),
    -- The claim order as a column, so one index serves the claim: MySQL has
    -- no partial indexes, and MariaDB no expression indexes.
    priority_rank    TINYINT AS (CASE priority WHEN 'high' THEN 0 WHEN 'normal' THEN 1 ELSE 2 END) STORED,
    UNIQUE KEY uq_import_jobs_batch_id (batch_id),
    KEY idx_import_jobs_claim (status, priority_rank, queued_at, id),
    KEY idx_import_jobs_status (status, completed_at),
    KEY idx_import_jobs_queued_at (queued_at),
    KEY idx_import_jobs_heartbeat (status, heartbeat_at),
    KEY idx_import_jobs_user_id (user_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
