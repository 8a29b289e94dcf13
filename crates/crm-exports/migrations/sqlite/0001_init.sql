-- Portals, their API tokens (stored as SHA-256 hashes), and per-portal schemas.
-- Record tables are created per portal and object type at portal creation
-- (see store/sqlite/columns.rs), with one column per property.
CREATE TABLE portals (
    id INTEGER PRIMARY KEY,
    created_at INTEGER NOT NULL
);

CREATE TABLE tokens (
    id INTEGER PRIMARY KEY,
    portal_id INTEGER NOT NULL REFERENCES portals(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

CREATE TABLE property_groups (
    portal_id INTEGER NOT NULL REFERENCES portals(id),
    object_type TEXT NOT NULL,
    name TEXT NOT NULL,
    definition TEXT NOT NULL,
    PRIMARY KEY (portal_id, object_type, name)
);

CREATE TABLE properties (
    portal_id INTEGER NOT NULL REFERENCES portals(id),
    object_type TEXT NOT NULL,
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    definition TEXT NOT NULL,
    PRIMARY KEY (portal_id, object_type, name)
);

-- Record ids are unique across the whole server, so one portal's id never names a record
-- of another portal.
CREATE TABLE sequences (
    name TEXT PRIMARY KEY,
    next_value INTEGER NOT NULL
);
INSERT INTO sequences (name, next_value) VALUES ('record_id', 1001);
