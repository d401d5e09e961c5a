-- Migration 4: operations. Every alert raised, with the channels that took
-- it; cleanup looks jobs up by file path.
CREATE TABLE alerts (
    id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    alert_key       VARCHAR(255) NULL,      -- cooldown key of a condition alert
    alert_type      VARCHAR(64)  NOT NULL,
    severity        VARCHAR(16)  NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    subject         LONGTEXT     NOT NULL,
    body            LONGTEXT     NOT NULL,
    channels_ok     VARCHAR(255) NOT NULL DEFAULT '',
    channels_failed VARCHAR(255) NOT NULL DEFAULT '',
    failure_detail  LONGTEXT     NULL,
    suppressed      TINYINT      NOT NULL DEFAULT 0 CHECK (suppressed IN (0, 1)),
    created_at      BIGINT       NOT NULL,
    KEY idx_alerts_key (alert_key, suppressed, created_at),
    KEY idx_alerts_created (created_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
-- An index holds at most 3072 bytes: the path's first 768 characters,
-- which is where paths differ; equality is still checked on the row.
CREATE INDEX idx_import_jobs_file_path ON import_jobs (file_path(768));
