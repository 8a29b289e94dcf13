-- Exports: each row is both the export and its job. A worker claims a row by taking a
-- lease (worker_id, lease_expires_at, attempt); every later write is fenced on the
-- attempt it claimed, so a worker that lost its lease cannot overwrite a newer result.
CREATE TABLE exports (
    id INTEGER PRIMARY KEY,
    portal_id INTEGER NOT NULL REFERENCES portals(id),
    request TEXT NOT NULL,
    state TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 0,
    run_at INTEGER NOT NULL,
    worker_id TEXT,
    lease_expires_at INTEGER,
    record_count INTEGER,
    file_key TEXT,
    file_size INTEGER,
    last_error TEXT,
    requested_at INTEGER NOT NULL,
    started_at INTEGER,
    completed_at INTEGER,
    updated_at INTEGER NOT NULL
);
CREATE INDEX exports_by_state ON exports (state, run_at);
CREATE INDEX exports_by_portal ON exports (portal_id, requested_at);
