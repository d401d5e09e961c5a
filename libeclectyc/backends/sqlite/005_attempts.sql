-- Migration 5: each job's attempts (its retry history).
--
-- One row per time a job ran: opened when the job becomes processing,
-- closed when it leaves processing, with what it became (queued again,
-- completed, failed, cancelled), its error and its counters at that moment.
-- Triggers write them, so every transition records its attempt in its own
-- transaction whoever makes it (a worker, stuck-job recovery, an operator's
-- cancel, another process), and none can forget to. The instant of each
-- change is the library's clock (status_changed_at, set with every status
-- change), not the database's, so an injected clock dates attempts too.
ALTER TABLE import_jobs ADD COLUMN status_changed_at INTEGER NULL;

CREATE TABLE import_job_attempts (
    job_id         INTEGER NOT NULL REFERENCES import_jobs (id) ON DELETE CASCADE,
    attempt        INTEGER NOT NULL CHECK (attempt >= 1),
    worker_id      TEXT    NULL,
    started_at     INTEGER NOT NULL,
    ended_at       INTEGER NULL,
    outcome        TEXT    NULL
                   CHECK (outcome IS NULL OR outcome IN ('queued', 'completed', 'failed', 'cancelled')),
    error_message  TEXT    NULL,
    error_class    TEXT    NULL,
    processed_rows INTEGER NOT NULL DEFAULT 0,
    imported_rows  INTEGER NOT NULL DEFAULT 0,
    failed_rows    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (job_id, attempt)
) WITHOUT ROWID;

CREATE TRIGGER import_job_attempt_opens AFTER UPDATE OF status ON import_jobs
WHEN NEW.status = 'processing' AND OLD.status <> 'processing'
BEGIN
    INSERT INTO import_job_attempts (job_id, attempt, worker_id, started_at)
    VALUES (NEW.id,
            (SELECT count(*) + 1 FROM import_job_attempts WHERE job_id = NEW.id),
            NEW.worker_id, coalesce(NEW.status_changed_at, NEW.started_at, 0));
END;

-- The error class belongs to the failure that ended the attempt, if one
-- did: the job keeps an earlier failure's class after a retry, which a later
-- completion, cancel or hand-back must not inherit. (Comments inside a
-- trigger would be stored in its schema text.)
CREATE TRIGGER import_job_attempt_closes AFTER UPDATE OF status ON import_jobs
WHEN OLD.status = 'processing' AND NEW.status <> 'processing'
BEGIN
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
END;

-- A job running while the store is upgraded gets its open attempt now.
INSERT INTO import_job_attempts (job_id, attempt, worker_id, started_at)
SELECT id, retry_count + 1, worker_id, coalesce(started_at, queued_at)
FROM import_jobs WHERE status = 'processing';
