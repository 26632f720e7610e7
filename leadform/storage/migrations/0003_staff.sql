-- Staff sign-in, API tokens for scripts, login throttling and the export audit log.

CREATE TABLE staff (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,     -- lower-cased
    password_hash TEXT NOT NULL,    -- argon2id, PHC string; never the password
    created_at TEXT NOT NULL,
    password_changed_at TEXT NOT NULL,
    disabled_at TEXT                -- NULL while the account may sign in
);

-- Server-side sessions, so signing out, disabling an account or changing its
-- password ends every session at once. Only a hash of the cookie's id is kept.
CREATE TABLE staff_sessions (
    id_hash TEXT PRIMARY KEY,       -- sha256 of the random session id
    staff_id INTEGER NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    public_id TEXT NOT NULL UNIQUE, -- the token's visible part, used to find it
    secret_hash TEXT NOT NULL,      -- sha256 of the secret part; the token is shown once
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

-- Sign-in attempts per throttling key (account or address, as an HMAC so the table
-- holds no email or IP). A row is a failure unless the attempt succeeded, in which
-- case it is deleted; attempts being checked count as failures, so several
-- instances on one database cannot let more than the limit through between them.
CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY,
    key_hash TEXT NOT NULL,
    attempted_at TEXT NOT NULL
);

CREATE INDEX login_attempts_key ON login_attempts (key_hash, attempted_at);

-- Every export: who (a staff member, an API token or the command line), when,
-- which filters and format, the lead ids it covered and how many rows it sent.
CREATE TABLE exports (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,               -- NULL while streaming (or if the process died)
    staff_id INTEGER REFERENCES staff (id),
    api_token_id INTEGER REFERENCES api_tokens (id),
    actor TEXT NOT NULL,            -- staff email, token name or OS user, as it was then
    actor_kind TEXT NOT NULL,       -- staff | token | command
    format TEXT NOT NULL,           -- csv | xlsx
    filters TEXT NOT NULL,          -- JSON of the filters as applied
    after_id INTEGER NOT NULL,      -- exclusive lower bound (the cursor passed in)
    upto_id INTEGER NOT NULL,       -- inclusive upper bound (the cursor handed back)
    row_count INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL            -- streaming | complete | interrupted
);

CREATE INDEX exports_staff ON exports (staff_id, id);
