-- Associations between records of one portal, each edge stored in both directions (with
-- the inverse type id on the reverse row) so reads from either side use the primary key.
CREATE TABLE associations (
    portal_id BIGINT NOT NULL,
    from_type TEXT NOT NULL,
    from_id BIGINT NOT NULL,
    to_type TEXT NOT NULL,
    to_id BIGINT NOT NULL,
    type_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (portal_id, from_type, from_id, to_type, to_id, type_id)
);
