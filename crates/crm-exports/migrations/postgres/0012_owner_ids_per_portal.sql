-- Owner ids are unique per portal rather than per server, so that a fixture's owners load
-- into any number of portals with the ids the file gives them. Created owners still take
-- their ids from the server-wide record sequence, so theirs never collide anyway.
ALTER TABLE owners DROP CONSTRAINT owners_pkey;
ALTER TABLE owners ADD PRIMARY KEY (portal_id, id);
