-- Owner ids are unique per portal rather than per server, so that a fixture's owners load
-- into any number of portals with the ids the file gives them. Created owners still take
-- their ids from the server-wide record sequence, so theirs never collide anyway.
CREATE TABLE owners_by_portal (
    portal_id INTEGER NOT NULL REFERENCES portals(id),
    id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    email TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    archived INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (portal_id, id)
);
INSERT INTO owners_by_portal (portal_id, id, user_id, email, first_name, last_name, archived,
    created_at, updated_at)
SELECT portal_id, id, user_id, email, first_name, last_name, archived, created_at, updated_at
FROM owners;
DROP TABLE owners;
ALTER TABLE owners_by_portal RENAME TO owners;
CREATE UNIQUE INDEX owners_email ON owners (portal_id, email COLLATE NOCASE);
