-- Rate-limit counts. They live in the database, not in a process, so every
-- instance serving this database shares them and a limit means the same with one
-- worker or four. Rows older than the longest window are pruned as new ones arrive.

CREATE TABLE rate_hits (
    key TEXT NOT NULL,       -- keyed hash of a client address or phone number, never the value
    token_id TEXT NOT NULL,  -- the form token admitted: a resubmission counts once
    at double precision NOT NULL, -- Unix seconds
    PRIMARY KEY (key, token_id)
);

CREATE INDEX rate_hits_key_at ON rate_hits (key, at);
CREATE INDEX rate_hits_at ON rate_hits (at);
