-- A portal's own pipelines of one object type, each with its stages, as JSON. An object
-- type without rows here still has HubSpot's default pipelines; its first pipeline write
-- copies the defaults in, and from then on the rows are all its pipelines (archived ones
-- included).
CREATE TABLE pipelines (
    portal_id INTEGER NOT NULL REFERENCES portals(id),
    object_type TEXT NOT NULL,
    pipeline_id TEXT NOT NULL,
    definition TEXT NOT NULL,
    PRIMARY KEY (portal_id, object_type, pipeline_id)
);

-- What happened to each pipeline and stage, oldest first: `stage_id` is '' for the
-- pipeline's own events; `raw_object` is the pipeline or stage as the event left it.
CREATE TABLE pipeline_audits (
    id INTEGER PRIMARY KEY,
    portal_id INTEGER NOT NULL REFERENCES portals(id),
    object_type TEXT NOT NULL,
    pipeline_id TEXT NOT NULL,
    stage_id TEXT NOT NULL,
    action TEXT NOT NULL,
    at INTEGER NOT NULL,
    raw_object TEXT NOT NULL
);
CREATE INDEX pipeline_audits_subject
    ON pipeline_audits (portal_id, object_type, pipeline_id, stage_id, id);

-- Records merged into another record: the merged id keeps resolving to the record that
-- absorbed it (after later merges, the last one).
CREATE TABLE merged_records (
    portal_id INTEGER NOT NULL REFERENCES portals(id),
    object_type TEXT NOT NULL,
    merged_id INTEGER NOT NULL,
    primary_id INTEGER NOT NULL,
    merged_at INTEGER NOT NULL,
    PRIMARY KEY (portal_id, object_type, merged_id)
);
CREATE INDEX merged_records_primary ON merged_records (portal_id, object_type, primary_id);
