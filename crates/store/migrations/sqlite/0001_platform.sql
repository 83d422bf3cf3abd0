-- Platform foundation: accounts, users, credentials, terms, access grants, audit, jobs, email.
-- Instants are BIGINT microseconds since the Unix epoch; ids are UUIDv7 text.

CREATE TABLE clocks (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    now_us BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE terms_versions (
    id TEXT PRIMARY KEY,
    version TEXT NOT NULL UNIQUE,
    body_md TEXT NOT NULL,
    effective_at BIGINT NOT NULL,
    published_at BIGINT NOT NULL,
    published_by TEXT
);

CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    legal_name TEXT NOT NULL,
    siren TEXT NOT NULL,
    vat_number TEXT,
    address_line TEXT NOT NULL,
    postal_code TEXT NOT NULL,
    city TEXT NOT NULL,
    country TEXT NOT NULL,
    status TEXT NOT NULL,
    ended_at BIGINT,
    ended_reason TEXT,
    reference_optout BOOLEAN NOT NULL DEFAULT FALSE,
    reference_optout_at BIGINT,
    clock_id TEXT REFERENCES clocks(id),
    terms_version_id TEXT REFERENCES terms_versions(id),
    terms_accepted_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX accounts_created ON accounts(created_at);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    account_id TEXT REFERENCES accounts(id),
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT,
    role TEXT NOT NULL,
    lang TEXT NOT NULL,
    status TEXT NOT NULL,
    email_verified_at BIGINT,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    last_login_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX users_account ON users(account_id);

CREATE TABLE terms_acceptances (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    terms_version_id TEXT NOT NULL REFERENCES terms_versions(id),
    accepted_at BIGINT NOT NULL,
    ip TEXT
);
CREATE INDEX terms_acceptances_account ON terms_acceptances(account_id, accepted_at);

CREATE TABLE email_tokens (
    token_hash TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    account_id TEXT REFERENCES accounts(id),
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX email_tokens_user ON email_tokens(user_id, purpose);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    account_id TEXT REFERENCES accounts(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    ip TEXT,
    user_agent TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    account_id TEXT REFERENCES accounts(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    prefix TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_keys_user ON api_keys(user_id);

CREATE TABLE invitations (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    invited_by TEXT NOT NULL REFERENCES users(id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX invitations_account ON invitations(account_id);

CREATE TABLE access_grants (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    kind TEXT NOT NULL,
    granted_by TEXT NOT NULL REFERENCES users(id),
    reason TEXT,
    legal_reference TEXT,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    revoked_at BIGINT,
    revoked_by TEXT
);
CREATE INDEX access_grants_account ON access_grants(account_id, ends_at);

CREATE TABLE audit_heads (
    chain TEXT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE audit_log (
    chain TEXT NOT NULL,
    seq BIGINT NOT NULL,
    account_id TEXT,
    actor_id TEXT,
    actor_kind TEXT NOT NULL,
    action TEXT NOT NULL,
    target_type TEXT,
    target_id TEXT,
    at BIGINT NOT NULL,
    context_digest TEXT NOT NULL,
    ip TEXT,
    user_agent TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (chain, seq)
);
CREATE INDEX audit_log_account_at ON audit_log(account_id, at);

-- The append-only rule is enforced by the database, not by good manners: only the erasable
-- context (ip, user_agent) may be cleared.
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OF chain, seq, account_id, actor_id, actor_kind,
    action, target_type, target_id, at, context_digest, prev_hash, hash ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    account_id TEXT,
    clock_id TEXT REFERENCES clocks(id),
    unique_key TEXT UNIQUE,
    state TEXT NOT NULL,
    run_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    locked_by TEXT,
    locked_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX jobs_due ON jobs(state, clock_id, run_at);

CREATE TABLE emails (
    id TEXT PRIMARY KEY,
    account_id TEXT,
    to_addr TEXT NOT NULL,
    lang TEXT NOT NULL,
    template TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    status TEXT NOT NULL,
    transport TEXT,
    error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX emails_created ON emails(created_at);
CREATE INDEX emails_to ON emails(to_addr);

CREATE TABLE idempotency_keys (
    user_id TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status BIGINT NOT NULL,
    response_body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, key)
);

CREATE TABLE diagnostic_runs (
    id TEXT PRIMARY KEY,
    job_id TEXT NOT NULL,
    worker TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT
);
