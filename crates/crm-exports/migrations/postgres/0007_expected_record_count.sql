-- How many records an export will hold, counted by the worker before it streams them and
-- shown as `expectedRecordCount` on the export's details (this service's extension).
ALTER TABLE exports ADD COLUMN expected_record_count BIGINT;
