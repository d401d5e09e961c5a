-- Migration 8: the PHP system's job type 'sites' (imported by a handler the
-- host registers, docs/job-types.md) and its priority 'critical' (claimed
-- before 'high'). SQLite cannot alter a CHECK constraint, and rebuilding
-- import_jobs would cascade into its attempts; widening a CHECK changes no
-- stored row, so the table's definition is edited in place, the way
-- sqlite.org/lang_altertable.html describes for constraint changes that do
-- not touch the data. The guard aborts the migration if the definition was
-- not the one migration 1 wrote.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(replace(sql,
       'CHECK (import_type IN (''hh'', ''daily''))',
       'CHECK (import_type IN (''hh'', ''daily'', ''sites''))'),
       'CHECK (priority IN (''low'', ''normal'', ''high''))',
       'CHECK (priority IN (''low'', ''normal'', ''high'', ''critical''))')
 WHERE type = 'table' AND name = 'import_jobs';
PRAGMA writable_schema = RESET;
PRAGMA writable_schema = OFF;
CREATE TEMP TABLE migration_8_guard (applied INTEGER NOT NULL CHECK (applied = 2));
INSERT INTO migration_8_guard
SELECT (instr(sql, '(''hh'', ''daily'', ''sites'')') > 0) + (instr(sql, '''high'', ''critical'')') > 0)
  FROM sqlite_schema WHERE type = 'table' AND name = 'import_jobs';
DROP TABLE migration_8_guard;

-- The claim order gains a rank: critical, high, normal, low.
DROP INDEX idx_import_jobs_claim;
CREATE INDEX idx_import_jobs_claim ON import_jobs (
    (CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END), queued_at, id
) WHERE status = 'queued';
