-- Leads and the consent wording each visitor saw.

CREATE TABLE consent_wordings (
    hash TEXT PRIMARY KEY,          -- sha256 of locale and text
    locale TEXT NOT NULL,
    text TEXT NOT NULL,             -- the sentences as shown, links included
    first_seen_at TEXT NOT NULL
);

CREATE TABLE leads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,  -- commit order, never reused: export cursors rely on it
    reference TEXT NOT NULL UNIQUE,
    token_id TEXT NOT NULL UNIQUE,  -- the form token's id: the idempotency key
    created_at TEXT NOT NULL,       -- UTC, ISO 8601
    locale TEXT NOT NULL,
    name TEXT NOT NULL,
    phone TEXT NOT NULL,            -- E.164
    email TEXT NOT NULL,
    treatment TEXT NOT NULL,
    preferred_date TEXT NOT NULL,   -- YYYY-MM-DD
    consent_terms_at TEXT NOT NULL,
    consent_marketing INTEGER NOT NULL,
    consent_wording_hash TEXT NOT NULL REFERENCES consent_wordings (hash),
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    -- where the visitor came from (the embedding page passes these in)
    utm_source TEXT NOT NULL DEFAULT '',
    utm_medium TEXT NOT NULL DEFAULT '',
    utm_campaign TEXT NOT NULL DEFAULT '',
    utm_term TEXT NOT NULL DEFAULT '',
    utm_content TEXT NOT NULL DEFAULT '',
    gclid TEXT NOT NULL DEFAULT '',
    fbclid TEXT NOT NULL DEFAULT '',
    page_url TEXT NOT NULL DEFAULT '',
    referrer TEXT NOT NULL DEFAULT ''
);

CREATE INDEX leads_created_at ON leads (created_at);
