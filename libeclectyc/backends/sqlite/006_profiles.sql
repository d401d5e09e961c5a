-- Migration 6: how a job's file is read (docs/profiles.md). The import
-- profile forced for it (a name or a path; NULL = detect), the one meter a
-- file without a meter column belongs to, and the clock its times are in
-- (NULL = the profile's), so the worker imports it as the job was created.
ALTER TABLE import_jobs ADD COLUMN import_profile TEXT NULL;
ALTER TABLE import_jobs ADD COLUMN import_meter TEXT NULL;
ALTER TABLE import_jobs ADD COLUMN import_clock TEXT NULL
    CHECK (import_clock IS NULL OR import_clock IN ('london', 'utc'));
