-- Migration 5: each job's attempts (its retry history).
--
-- One row per time a job ran: opened when the job becomes processing,
-- closed when it leaves processing, with what it became (queued again,
-- completed, failed, cancelled), its error and its counters at that moment.
-- A trigger writes them, so every transition records its attempt in its own
-- transaction whoever makes it (a worker, stuck-job recovery, an operator's
-- cancel, another process), and none can forget to. The instant of each
-- change is the library's clock (status_changed_at, set with every status
-- change), not the database's, so an injected clock dates attempts too.
-- Creating a trigger needs the TRIGGER privilege (and, with binary logging
-- on, SUPER or log_bin_trust_function_creators).
ALTER TABLE import_jobs ADD COLUMN status_changed_at BIGINT NULL;

CREATE TABLE import_job_attempts (
    job_id         BIGINT       NOT NULL,
    attempt        INT          NOT NULL CHECK (attempt >= 1),
    worker_id      VARCHAR(255) NULL,
    started_at     BIGINT       NOT NULL,
    ended_at       BIGINT       NULL,
    outcome        VARCHAR(16)  NULL
                   CHECK (outcome IS NULL OR outcome IN ('queued', 'completed', 'failed', 'cancelled')),
    error_message  LONGTEXT     NULL,
    error_class    VARCHAR(16)  NULL,
    processed_rows BIGINT       NOT NULL DEFAULT 0,
    imported_rows  BIGINT       NOT NULL DEFAULT 0,
    failed_rows    BIGINT       NOT NULL DEFAULT 0,
    PRIMARY KEY (job_id, attempt)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The error class belongs to the failure that ended the attempt, if one
-- did: the job keeps an earlier failure's class after a retry, which a later
-- completion, cancel or hand-back must not inherit.
CREATE TRIGGER import_job_attempts_track AFTER UPDATE ON import_jobs FOR EACH ROW
BEGIN
    IF OLD.status = 'processing' AND NEW.status <> 'processing' THEN
        UPDATE import_job_attempts
           SET ended_at = coalesce(NEW.status_changed_at, NEW.completed_at, OLD.heartbeat_at),
               outcome = NEW.status,
               error_message = NEW.error_message,
               error_class = CASE WHEN NEW.status = 'failed'
                                   OR (NEW.status = 'queued' AND NEW.error_message IS NOT NULL)
                                  THEN NEW.error_class END,
               processed_rows = NEW.processed_rows,
               imported_rows = NEW.imported_rows,
               failed_rows = NEW.failed_rows
         WHERE job_id = NEW.id AND ended_at IS NULL;
    END IF;
    IF NEW.status = 'processing' AND OLD.status <> 'processing' THEN
        INSERT INTO import_job_attempts (job_id, attempt, worker_id, started_at)
        VALUES (NEW.id, (SELECT count(*) + 1 FROM import_job_attempts WHERE job_id = NEW.id),
                NEW.worker_id, coalesce(NEW.status_changed_at, NEW.started_at, 0));
    END IF;
END;

-- No foreign key: InnoDB refuses the attempt's insert from the trigger of
-- its own job's update (the parent row is being changed by that statement).
-- A job's attempts go with it by this trigger instead.
CREATE TRIGGER import_job_attempts_drop AFTER DELETE ON import_jobs FOR EACH ROW
    DELETE FROM import_job_attempts WHERE job_id = OLD.id;

-- A job running while the store is upgraded gets its open attempt now.
INSERT INTO import_job_attempts (job_id, attempt, worker_id, started_at)
SELECT id, retry_count + 1, worker_id, coalesce(started_at, queued_at)
FROM import_jobs WHERE status = 'processing';
