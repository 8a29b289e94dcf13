-- Completion webhooks (an extension). A subscription is a portal's target URL, the export
-- events it wants (a JSON array of names) and the secret its deliveries are signed with.
CREATE TABLE webhook_subscriptions (
    id INTEGER PRIMARY KEY,
    portal_id INTEGER NOT NULL REFERENCES portals(id),
    target_url TEXT NOT NULL,
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX webhook_subscriptions_by_portal ON webhook_subscriptions (portal_id, id);

-- One event for one subscription, written in the transaction that changed the export's
-- state. `state` is PENDING until a 2xx answer (DELIVERED) or the last attempt (FAILED);
-- a delivery worker claims a due one under a lease and fences its result on `attempts`.
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL,
    portal_id INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    export_id INTEGER NOT NULL,
    export_state TEXT NOT NULL,
    record_count INTEGER,
    occurred_at INTEGER NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    lease_expires_at INTEGER,
    last_status INTEGER,
    last_error TEXT,
    completed_at INTEGER
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_by_subscription ON webhook_deliveries (subscription_id, id);

-- Each attempt of a delivery: when, and the status code or the reason it got none.
CREATE TABLE webhook_attempts (
    delivery_id INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    at INTEGER NOT NULL,
    status_code INTEGER,
    error TEXT,
    PRIMARY KEY (delivery_id, attempt)
);
