-- Owners: the users records are assigned to through `hubspot_owner_id`, with ids from the
-- server-wide record id sequence. Emails are unique per portal, ignoring ASCII case.
CREATE TABLE owners (
    id BIGINT PRIMARY KEY,
    portal_id BIGINT NOT NULL REFERENCES portals(id),
    user_id BIGINT NOT NULL,
    email TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    archived BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX owners_email ON owners (portal_id, lower(email COLLATE "C"));
