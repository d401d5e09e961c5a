-- Migration 6: how a job's file is read (docs/profiles.md). The import
-- profile forced for it (a name or a path; NULL = detect), the one meter a
-- file without a meter column belongs to, and the clock its times are in
-- (NULL = the profile's), so the worker imports it as the job was created.
ALTER TABLE import_jobs ADD COLUMN import_profile VARCHAR(4096) NULL,
    ADD COLUMN import_meter VARCHAR(255) NULL,
    ADD COLUMN import_clock VARCHAR(8) NULL CHECK (import_clock IS NULL OR import_clock IN ('london', 'utc'));
