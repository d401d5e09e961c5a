-- Migration 8: the PHP system's job type 'sites' (imported by a handler the
-- host registers, docs/job-types.md) and its priority 'critical' (claimed
-- before 'high'). MariaDB names a column's CHECK after the column, and
-- MODIFY replaces it with the new one; the claim-order column gains a rank.
ALTER TABLE import_jobs
    MODIFY import_type VARCHAR(16) NOT NULL DEFAULT 'hh'
        CHECK (import_type IN ('hh', 'daily', 'sites')),
    MODIFY priority VARCHAR(8) NOT NULL DEFAULT 'normal'
        CHECK (priority IN ('low', 'normal', 'high', 'critical')),
    MODIFY priority_rank TINYINT
        AS (CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END) STORED;
