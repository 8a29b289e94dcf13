-- Custom object schemas (`2-<n>`, with n unique across the server so one portal's type id
-- never names another's) and the association types they define. Their properties live in
-- `properties` and their records in a table per portal and type, as for standard objects.
CREATE SEQUENCE custom_object_numbers START 1;
CREATE TABLE custom_objects (
    type_number BIGINT PRIMARY KEY,
    portal_id BIGINT NOT NULL REFERENCES portals(id),
    name TEXT NOT NULL,
    settings TEXT NOT NULL,
    archived BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- An archived schema keeps its name, as HubSpot's does until it is purged.
CREATE UNIQUE INDEX custom_objects_name ON custom_objects (portal_id, lower(name));

-- One row per definition, in the direction it was defined; `inverse_id` is the type id
-- read from the other side. Custom type ids start well above HubSpot's own (below 1,000).
CREATE SEQUENCE association_type_ids START 100001;
CREATE TABLE association_definitions (
    type_id BIGINT PRIMARY KEY,
    inverse_id BIGINT NOT NULL,
    portal_id BIGINT NOT NULL REFERENCES portals(id),
    from_type TEXT NOT NULL,
    to_type TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX association_definitions_portal ON association_definitions (portal_id);
