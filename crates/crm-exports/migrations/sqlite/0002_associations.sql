-- Associations between records of one portal. Each edge is stored in both directions
-- (with the inverse type id on the reverse row), so reads from either side use the primary
-- key: all associations of a batch of records to one object type are one range scan each.
CREATE TABLE associations (
    portal_id INTEGER NOT NULL,
    from_type TEXT NOT NULL,
    from_id INTEGER NOT NULL,
    to_type TEXT NOT NULL,
    to_id INTEGER NOT NULL,
    type_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (portal_id, from_type, from_id, to_type, to_id, type_id)
) WITHOUT ROWID;
