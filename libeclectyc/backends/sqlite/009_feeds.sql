-- Migration 9: data feeds (include/eclectyc/source.h, docs/feeds.md). A
-- source is a place supplier files arrive, with how its files are queued
-- and what becomes of them on the server; a lease (lease_owner until
-- lease_until) lets one collector at a time poll it. Credentials are never
-- stored: a source names the environment variables and files that hold them.
CREATE TABLE feed_sources (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT    NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),
    url             TEXT    NOT NULL,
    pattern         TEXT    NOT NULL DEFAULT '*',
    import_profile  TEXT    NULL,
    import_meter    TEXT    NULL,
    import_type     TEXT    NOT NULL DEFAULT 'hh' CHECK (import_type IN ('hh', 'daily', 'sites')),
    priority        TEXT    NOT NULL DEFAULT 'normal'
                    CHECK (priority IN ('low', 'normal', 'high', 'critical')),
    tags            TEXT    NULL CHECK (tags IS NULL OR json_type(tags) = 'array'),
    every_seconds   INTEGER NOT NULL DEFAULT 900 CHECK (every_seconds >= 1),
    after_action    TEXT    NOT NULL DEFAULT 'keep' CHECK (after_action IN ('keep', 'delete', 'move')),
    after_dir       TEXT    NULL,
    ssh_key         TEXT    NULL,
    known_hosts     TEXT    NULL,
    ca_file         TEXT    NULL,
    user_env        TEXT    NULL,
    password_env    TEXT    NULL,
    stale_days      INTEGER NOT NULL DEFAULT 0 CHECK (stale_days >= 0),
    paused          INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    created_at      INTEGER NOT NULL,
    next_poll_at    INTEGER NULL,      -- NULL: due now
    last_poll_at    INTEGER NULL,
    last_success_at INTEGER NULL,
    last_file_at    INTEGER NULL,
    last_error      TEXT    NULL,
    files_taken     INTEGER NOT NULL DEFAULT 0 CHECK (files_taken >= 0),
    lease_owner     TEXT    NULL,
    lease_until     INTEGER NULL,
    CHECK (after_action <> 'move' OR after_dir IS NOT NULL),
    CHECK ((lease_owner IS NULL) = (lease_until IS NULL))
);

-- Every file a source offered, once per (name, size, mtime): size -1 and
-- mtime 0 stand for "the server did not say", so the key still matches.
-- A source's files and polls go with it (foreign keys are on).
CREATE TABLE feed_files (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id   INTEGER NOT NULL REFERENCES feed_sources (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    size        INTEGER NOT NULL CHECK (size >= -1),
    mtime       INTEGER NOT NULL,
    sha256      TEXT    NULL CHECK (sha256 IS NULL OR length(sha256) = 64),
    state       TEXT    NOT NULL
                CHECK (state IN ('queued', 'skipped', 'done', 'kept', 'after_failed')),
    batch_id    TEXT    NULL CHECK (batch_id IS NULL OR length(batch_id) = 36),
    reason      TEXT    NULL,
    stored_path TEXT    NULL,
    seen_at     INTEGER NOT NULL,
    handled_at  INTEGER NULL,
    UNIQUE (source_id, name, size, mtime)
);
-- The same bytes under another name; the files whose job may have ended;
-- a source's latest files.
CREATE INDEX idx_feed_files_sha256 ON feed_files (source_id, sha256) WHERE sha256 IS NOT NULL;
CREATE INDEX idx_feed_files_queued ON feed_files (source_id, id) WHERE state = 'queued';
CREATE INDEX idx_feed_files_seen ON feed_files (source_id, seen_at);

CREATE TABLE feed_polls (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id  INTEGER NOT NULL REFERENCES feed_sources (id) ON DELETE CASCADE,
    worker_id  TEXT    NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at   INTEGER NOT NULL,
    seen       INTEGER NOT NULL DEFAULT 0 CHECK (seen >= 0),
    taken      INTEGER NOT NULL DEFAULT 0 CHECK (taken >= 0),
    skipped    INTEGER NOT NULL DEFAULT 0 CHECK (skipped >= 0),
    error      TEXT    NULL
);
CREATE INDEX idx_feed_polls_source ON feed_polls (source_id, started_at);
