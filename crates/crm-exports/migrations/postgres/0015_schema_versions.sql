-- Which transaction last changed each portal's schemas (property groups, properties,
-- custom objects, association types, pipelines), so a process that keeps schemas in memory
-- asks for one number per request instead of reading them again. Triggers stamp the row,
-- so no write path (another process, the CLI, an import) can forget to. The value is the
-- changing transaction's id: never reused, so an unchanged value means an unchanged
-- schema. Emptying a table (a snapshot restore) stamps portal 0, which stands for all.
-- The `crm_` prefix keeps the table out of snapshots: a restore must not set it back.
CREATE TABLE crm_schema_versions (
    portal_id BIGINT PRIMARY KEY,
    version BIGINT NOT NULL
);

CREATE FUNCTION crm_stamp_schema_versions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO crm_schema_versions VALUES (0, txid_current())
            ON CONFLICT (portal_id) DO UPDATE SET version = EXCLUDED.version;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO crm_schema_versions
            SELECT DISTINCT portal_id, txid_current() FROM changed_before
            ON CONFLICT (portal_id) DO UPDATE SET version = EXCLUDED.version;
    ELSE
        INSERT INTO crm_schema_versions
            SELECT DISTINCT portal_id, txid_current() FROM changed_after
            ON CONFLICT (portal_id) DO UPDATE SET version = EXCLUDED.version;
    END IF;
    RETURN NULL;
END
$$;

DO $$
DECLARE
    schema_table TEXT;
BEGIN
    FOREACH schema_table IN ARRAY ARRAY['property_groups', 'properties', 'custom_objects',
                                        'association_definitions', 'pipelines'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS changed_after '
            'FOR EACH STATEMENT EXECUTE FUNCTION crm_stamp_schema_versions()',
            schema_table || '_inserted', schema_table);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING NEW TABLE AS changed_after '
            'FOR EACH STATEMENT EXECUTE FUNCTION crm_stamp_schema_versions()',
            schema_table || '_updated', schema_table);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS changed_before '
            'FOR EACH STATEMENT EXECUTE FUNCTION crm_stamp_schema_versions()',
            schema_table || '_deleted', schema_table);
        EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I '
            'FOR EACH STATEMENT EXECUTE FUNCTION crm_stamp_schema_versions()',
            schema_table || '_emptied', schema_table);
    END LOOP;
END
$$;
