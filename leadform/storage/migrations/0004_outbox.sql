-- The notification outbox: one row per new lead and channel target, written in the
-- same transaction as the lead, delivered (at least once) by the delivery task.

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    delivery_id TEXT NOT NULL UNIQUE,   -- the idempotency key receivers see
    lead_id INTEGER NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    channel TEXT NOT NULL CHECK (channel IN ('webhook', 'email')),
    target TEXT NOT NULL,               -- the webhook URL, or the email recipients
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    created_at TEXT NOT NULL,           -- UTC, ISO 8601, like every time below
    window_started_at TEXT NOT NULL,    -- retries give up a set time after this
    next_attempt_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,                   -- the delivery task holding the row, until
    lease_until TEXT,
    last_error TEXT NOT NULL DEFAULT '', -- an outcome such as "HTTP 503", never lead data
    finished_at TEXT,                   -- delivered or failed at
    UNIQUE (lead_id, channel, target)
);

CREATE INDEX notifications_due ON notifications (status, next_attempt_at);
CREATE INDEX notifications_lead ON notifications (lead_id);
