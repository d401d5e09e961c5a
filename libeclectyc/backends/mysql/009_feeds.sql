-- Migration 9: data feeds (include/eclectyc/source.h, docs/feeds.md). A
-- source is a place supplier files arrive, with how its files are queued
-- and what becomes of them on the server; a lease (lease_owner until
-- lease_until) lets one collector at a time poll it. Credentials are never
-- stored: a source names the environment variables and files that hold them.
-- Types as in migration 1: instants BIGINT Unix seconds, JSON as checked text.
CREATE TABLE feed_sources (
    id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name            VARCHAR(64)  NOT NULL CHECK (char_length(name) BETWEEN 1 AND 64),
    url             TEXT         NOT NULL,
    pattern         VARCHAR(255) NOT NULL DEFAULT '*',
    import_profile  VARCHAR(4096) NULL,
    import_meter    VARCHAR(255) NULL,
    import_type     VARCHAR(16)  NOT NULL DEFAULT 'hh' CHECK (import_type IN ('hh', 'daily', 'sites')),
    priority        VARCHAR(8)   NOT NULL DEFAULT 'normal'
                    CHECK (priority IN ('low', 'normal', 'high', 'critical')),
    tags            LONGTEXT     NULL CHECK (tags IS NULL OR (JSON_VALID(tags) AND JSON_TYPE(tags) = 'ARRAY')),
    every_seconds   INT          NOT NULL DEFAULT 900 CHECK (every_seconds >= 1),
    after_action    VARCHAR(8)   NOT NULL DEFAULT 'keep' CHECK (after_action IN ('keep', 'delete', 'move')),
    after_dir       TEXT         NULL,
    ssh_key         TEXT         NULL,
    known_hosts     TEXT         NULL,
    ca_file         TEXT         NULL,
    user_env        VARCHAR(255) NULL,
    password_env    VARCHAR(255) NULL,
    stale_days      INT          NOT NULL DEFAULT 0 CHECK (stale_days >= 0),
    paused          TINYINT      NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    created_at      BIGINT       NOT NULL,
    next_poll_at    BIGINT       NULL,      -- NULL: due now
    last_poll_at    BIGINT       NULL,
    last_success_at BIGINT       NULL,
    last_file_at    BIGINT       NULL,
    last_error      LONGTEXT     NULL,
    files_taken     BIGINT       NOT NULL DEFAULT 0 CHECK (files_taken >= 0),
    lease_owner     VARCHAR(255) NULL,
    lease_until     BIGINT       NULL,
    CONSTRAINT feed_sources_move CHECK (after_action <> 'move' OR after_dir IS NOT NULL),
    CONSTRAINT feed_sources_lease CHECK ((lease_owner IS NULL) = (lease_until IS NULL)),
    UNIQUE KEY uq_feed_sources_name (name)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Every file a source offered, once per (name, size, mtime): size -1 and
-- mtime 0 stand for "the server did not say", so the key still matches.
-- A name is at most 512 characters (file names are at most 255 bytes), so
-- the key fits InnoDB's 3072 bytes.
CREATE TABLE feed_files (
    id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    source_id   BIGINT       NOT NULL,
    name        VARCHAR(512) NOT NULL,
    size        BIGINT       NOT NULL CHECK (size >= -1),
    mtime       BIGINT       NOT NULL,
    sha256      CHAR(64)     NULL,
    state       VARCHAR(16)  NOT NULL
                CHECK (state IN ('queued', 'skipped', 'done', 'kept', 'after_failed')),
    batch_id    CHAR(36)     NULL,
    reason      LONGTEXT     NULL,
    stored_path TEXT         NULL,
    seen_at     BIGINT       NOT NULL,
    handled_at  BIGINT       NULL,
    UNIQUE KEY uq_feed_files_identity (source_id, name, size, mtime),
    -- The same bytes under another name; the files whose job may have
    -- ended; a source's latest files.
    KEY idx_feed_files_sha256 (source_id, sha256),
    KEY idx_feed_files_queued (source_id, state, id),
    KEY idx_feed_files_seen (source_id, seen_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE feed_polls (
    id         BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    source_id  BIGINT       NOT NULL,
    worker_id  VARCHAR(255) NOT NULL,
    started_at BIGINT       NOT NULL,
    ended_at   BIGINT       NOT NULL,
    seen       INT          NOT NULL DEFAULT 0 CHECK (seen >= 0),
    taken      INT          NOT NULL DEFAULT 0 CHECK (taken >= 0),
    skipped    INT          NOT NULL DEFAULT 0 CHECK (skipped >= 0),
    error      LONGTEXT     NULL,
    KEY idx_feed_polls_source (source_id, started_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- No foreign keys: an adopted database gets these tables one by one in
-- name order (docs/adoption.md), feed_files before feed_sources. A source's
-- files and polls go with it by this trigger instead, as a job's attempts do.
CREATE TRIGGER feed_sources_drop AFTER DELETE ON feed_sources FOR EACH ROW
BEGIN
    DELETE FROM feed_files WHERE source_id = OLD.id;
    DELETE FROM feed_polls WHERE source_id = OLD.id;
END;
