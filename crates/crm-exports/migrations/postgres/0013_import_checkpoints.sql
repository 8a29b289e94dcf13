-- How far an `import` from one source has come, one row per step (an object type's
-- records, its associations, the definitions, the lists): the cursor of the next page to
-- read, or 'done'. Written in the same transaction as the page it follows, so a restarted
-- import neither repeats nor skips a page.
CREATE TABLE import_checkpoints (
    portal_id BIGINT NOT NULL REFERENCES portals(id),
    source TEXT NOT NULL,
    step TEXT NOT NULL,
    cursor TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (portal_id, source, step)
);
