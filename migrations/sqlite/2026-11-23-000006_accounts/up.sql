-- Who may write, what they asked for, and what was done.

-- Bearer tokens. Only a SHA-256 hash of each secret is kept (the secret is shown once,
-- at creation); revoked tokens stay so the audit trail keeps naming them.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'reviewer', 'district', 'analyst')),
    -- the one district a district steering committee's token speaks for
    district_id BIGINT REFERENCES districts (id),
    secret_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    created_by BIGINT REFERENCES api_tokens (id),
    revoked_at TIMESTAMP,
    CHECK ((role = 'district') = (district_id IS NOT NULL))
);

-- Registrations, amendments and dissolutions proposed by a district, decided once by
-- the provincial office. The payload is the JSON body the direct write would take.
CREATE TABLE submissions (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('registration', 'amendment', 'dissolution')),
    unit TEXT NOT NULL CHECK (unit IN ('cooperative', 'union', 'group')),
    -- the record amended or dissolved; for a registration, the record its approval created
    target_id BIGINT,
    district_id BIGINT NOT NULL REFERENCES districts (id),
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn')),
    submitted_by BIGINT NOT NULL REFERENCES api_tokens (id),
    submitted_at TIMESTAMP NOT NULL,
    decided_by BIGINT REFERENCES api_tokens (id),
    decided_at TIMESTAMP,
    reason TEXT,
    version INTEGER NOT NULL,
    CHECK (kind = 'registration' OR target_id IS NOT NULL),
    CHECK ((status = 'pending') = (decided_at IS NULL)),
    CHECK (status <> 'rejected' OR reason IS NOT NULL)
);
CREATE INDEX submissions_district ON submissions (district_id, id);
CREATE INDEX submissions_status ON submissions (status, id);

-- Append-only: the triggers below refuse any change or removal.
CREATE TABLE audit_entries (
    id INTEGER PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    -- NULL when the change came from the command line
    actor_id BIGINT REFERENCES api_tokens (id),
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id BIGINT NOT NULL,
    -- JSON objects of the fields that changed, before and after
    before TEXT,
    after TEXT,
    request_id TEXT
);
CREATE INDEX audit_entries_object ON audit_entries (object_type, object_id, id);
CREATE INDEX audit_entries_actor ON audit_entries (actor_id, id);
CREATE INDEX audit_entries_at ON audit_entries (at, id);
CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
BEGIN
    SELECT RAISE(ABORT, 'audit entries are append-only');
END;
CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
BEGIN
    SELECT RAISE(ABORT, 'audit entries are append-only');
END;

-- Responses to POSTs sent with an Idempotency-Key, replayed to retries. `owner` names
-- the caller's token, so keys of different callers never meet.
CREATE TABLE idempotency_keys (
    owner TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    -- NULL while the first request with the key is being handled
    status INTEGER,
    headers TEXT,
    body BLOB,
    PRIMARY KEY (owner, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
