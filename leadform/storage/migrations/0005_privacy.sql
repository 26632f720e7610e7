-- Privacy duties (issue 14): administrators, withdrawn marketing consent, erasure
-- receipts, purge records, and the lease that lets one instance run the daily purge.

-- Only administrators may erase a person's data; other staff read and export.
ALTER TABLE staff ADD COLUMN admin INTEGER NOT NULL DEFAULT 0;

-- Set when the person pressed the opt-out link's button; consent_marketing keeps
-- what the form recorded, so earlier exports can still be matched as they ran.
ALTER TABLE leads ADD COLUMN marketing_withdrawn_at TEXT;

-- One row per erasure: who, when, how many leads, and a keyed hash of the identifier
-- (so a repeated request can be recognised without keeping the identifier itself).
CREATE TABLE erasures (
    id INTEGER PRIMARY KEY,
    erased_at TEXT NOT NULL,
    actor TEXT NOT NULL,            -- staff email or OS user, as it was then
    actor_kind TEXT NOT NULL,       -- staff | command
    identifier_kind TEXT NOT NULL,  -- phone | email | reference
    identifier_hash TEXT NOT NULL,  -- HMAC-SHA256 under the secret key, hex
    lead_count INTEGER NOT NULL
);

CREATE INDEX erasures_identifier ON erasures (identifier_hash);

-- The exports made before an erasure that included the erased leads: the files
-- staff should destroy.
CREATE TABLE erasure_exports (
    erasure_id INTEGER NOT NULL REFERENCES erasures (id),
    export_id INTEGER NOT NULL REFERENCES exports (id),
    lead_count INTEGER NOT NULL,
    PRIMARY KEY (erasure_id, export_id)
) WITHOUT ROWID;

-- One row per retention purge: counts and the cut-off, no personal data.
CREATE TABLE purges (
    id INTEGER PRIMARY KEY,
    purged_at TEXT NOT NULL,
    cutoff_day TEXT NOT NULL,       -- clinic date: leads submitted before it were deleted
    actor_kind TEXT NOT NULL,       -- schedule | command
    leads INTEGER NOT NULL,
    notifications INTEGER NOT NULL,
    rate_hits INTEGER NOT NULL,
    consent_wordings INTEGER NOT NULL
);

-- Jobs one instance at a time may run (the daily purge): a lease with an end, and
-- the clinic day of the last completed run.
CREATE TABLE job_leases (
    name TEXT PRIMARY KEY,
    owner TEXT,
    lease_until TEXT,
    last_day TEXT
);
