-- Custom association labels are USER_DEFINED association definitions with a label (and, for
-- a paired label, the text read from the other side); a schema's own types have none.
ALTER TABLE association_definitions ADD COLUMN label TEXT;
ALTER TABLE association_definitions ADD COLUMN inverse_label TEXT;

-- Per-portal association limits (HubSpot's definition configurations): at most
-- `max_to_object_ids` records of `to_type` per `from_type` record through the directional
-- type `type_id`.
CREATE TABLE association_limits (
    portal_id INTEGER NOT NULL REFERENCES portals(id),
    from_type TEXT NOT NULL,
    to_type TEXT NOT NULL,
    type_id INTEGER NOT NULL,
    max_to_object_ids INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (portal_id, from_type, to_type, type_id)
) WITHOUT ROWID;

-- A deleted list keeps its row (and members) so it can be restored; its name is free for
-- a new list meanwhile, as on HubSpot.
ALTER TABLE lists ADD COLUMN deleted_at INTEGER;
ALTER TABLE lists ADD COLUMN folder_id INTEGER;
DROP INDEX lists_name;
CREATE UNIQUE INDEX lists_name ON lists (portal_id, object_type, name COLLATE NOCASE)
    WHERE deleted_at IS NULL;
-- Members are also read by record (which lists hold this record), in join order by list.
CREATE INDEX list_members_record ON list_members (record_id, list_id);

-- List folders: a tree per portal under the root (parent 0, which is not stored).
CREATE TABLE list_folders (
    id INTEGER PRIMARY KEY,
    portal_id INTEGER NOT NULL REFERENCES portals(id),
    name TEXT NOT NULL,
    parent_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX list_folders_parent ON list_folders (portal_id, parent_id);
