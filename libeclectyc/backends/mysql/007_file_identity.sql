-- Migration 7: the identity of a job's file, taken by the worker before it
-- reads the first row (docs/reliability.md): its size in bytes, mtime (Unix
-- seconds), inode, and (in file_sha256, from migration 1) the SHA-256 of its
-- bytes. An attempt that finds other bytes restarts from row 0 instead of
-- resuming at a checkpoint that counted the rows of another file.
ALTER TABLE import_jobs ADD COLUMN file_size BIGINT NULL CHECK (file_size IS NULL OR file_size >= 0),
    ADD COLUMN file_mtime BIGINT NULL,
    ADD COLUMN file_inode BIGINT NULL;
