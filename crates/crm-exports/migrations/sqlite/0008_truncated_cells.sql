-- The cells a finished export cut at its format's cell limit and the properties they belong
-- to (a JSON array of names), shown as `truncatedCellCount` and `truncatedProperties` on
-- the export's details (this service's extension).
ALTER TABLE exports ADD COLUMN truncated_cell_count INTEGER;
ALTER TABLE exports ADD COLUMN truncated_properties TEXT;
