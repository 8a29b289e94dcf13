-- Owners: the users records are assigned to through `hubspot_owner_id`. Owner ids come
-- from the server-wide record id sequence, so they never collide across portals.
CREATE TABLE owners (
    id INTEGER PRIMARY KEY,
    portal_id INTEGER NOT NULL REFERENCES portals(id),
    user_id INTEGER NOT NULL,
    email TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    archived INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX owners_email ON owners (portal_id, email COLLATE NOCASE);
