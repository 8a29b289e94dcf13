-- Custom object schemas (`2-<n>`, with n unique across the server so one portal's type id
-- never names another's) and the association types they define. Their properties live in
-- `properties` and their records in a table per portal and type, as for standard objects.
CREATE TABLE custom_objects (
    type_number INTEGER PRIMARY KEY,
    portal_id INTEGER NOT NULL REFERENCES portals(id),
    name TEXT NOT NULL,
    settings TEXT NOT NULL,
    archived INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
-- An archived schema keeps its name, as HubSpot's does until it is purged.
CREATE UNIQUE INDEX custom_objects_name ON custom_objects (portal_id, name COLLATE NOCASE);

-- One row per definition, in the direction it was defined; `inverse_id` is the type id
-- read from the other side.
CREATE TABLE association_definitions (
    type_id INTEGER PRIMARY KEY,
    inverse_id INTEGER NOT NULL,
    portal_id INTEGER NOT NULL REFERENCES portals(id),
    from_type TEXT NOT NULL,
    to_type TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX association_definitions_portal ON association_definitions (portal_id);

-- Custom association type ids start well above HubSpot's own (which stay below 1,000).
INSERT INTO sequences (name, next_value) VALUES ('custom_object', 1), ('association_type', 100001);
