-- Where a subscription's status links point: the export path family it was created on
-- (`/crm/v3/exports`, `/crm/exports/2026-03`, ...) and the origin (`http://host:port`) the
-- creating request was addressed to. Subscriptions made before this keep the numbered
-- family and no origin (their links then take the server's public URL or bound address).
ALTER TABLE webhook_subscriptions ADD COLUMN export_family TEXT NOT NULL DEFAULT '/crm/v3/exports';
ALTER TABLE webhook_subscriptions ADD COLUMN request_origin TEXT;
