-- Migration 8: the PHP system's job type 'sites' (imported by a handler the
-- host registers, docs/job-types.md) and its priority 'critical' (claimed
-- before 'high').
ALTER TABLE import_jobs
    DROP CONSTRAINT import_jobs_import_type_check,
    ADD CONSTRAINT import_jobs_import_type_check CHECK (import_type IN ('hh', 'daily', 'sites')),
    DROP CONSTRAINT import_jobs_priority_check,
    ADD CONSTRAINT import_jobs_priority_check CHECK (priority IN ('low', 'normal', 'high', 'critical'));

-- The claim order gains a rank: critical, high, normal, low.
DROP INDEX idx_import_jobs_claim;
CREATE INDEX idx_import_jobs_claim ON import_jobs (
    (CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END), queued_at, id
) WHERE status = 'queued';
