-- Lists of records of one object type. MANUAL and SNAPSHOT lists keep their members in
-- list_members; DYNAMIC lists keep only their filters and are evaluated when read.
CREATE TABLE lists (
    id INTEGER PRIMARY KEY,
    portal_id INTEGER NOT NULL REFERENCES portals(id),
    name TEXT NOT NULL,
    object_type TEXT NOT NULL,
    processing_type TEXT NOT NULL,
    filter_branch TEXT,
    filter_groups TEXT NOT NULL,
    list_version INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX lists_name ON lists (portal_id, object_type, name COLLATE NOCASE);
CREATE TABLE list_members (
    list_id INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    record_id INTEGER NOT NULL,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (list_id, record_id)
) WITHOUT ROWID;
