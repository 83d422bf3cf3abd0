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

-- The append-only rule is enforced by the database, not by good manners: only the erasable
-- context (ip, user_agent) may be cleared.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'audit_log is append-only';
    END IF;
    IF (NEW.chain, NEW.seq, NEW.account_id, NEW.actor_id, NEW.actor_kind, NEW.action,
        NEW.target_type, NEW.target_id, NEW.at, NEW.context_digest, NEW.prev_hash, NEW.hash)
       IS DISTINCT FROM
       (OLD.chain, OLD.seq, OLD.account_id, OLD.actor_id, OLD.actor_kind, OLD.action,
        OLD.target_type, OLD.target_id, OLD.at, OLD.context_digest, OLD.prev_hash, OLD.hash) THEN
        RAISE EXCEPTION 'audit_log is append-only';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- Row-level security: a second wall behind the account id every query carries. Each
-- transaction states its scope with set_config: `comptoir.account_id` for one tenant, or
-- `comptoir.scope = platform` for the administrative data operator staff may see. FORCE makes
-- the policies bind the tables' owner too, so the application role cannot step around them.
CREATE FUNCTION comptoir_tenant_visible(row_account TEXT) RETURNS BOOLEAN LANGUAGE sql STABLE AS $$
    SELECT current_setting('comptoir.scope', true) = 'platform'
        OR (row_account IS NOT NULL AND row_account = current_setting('comptoir.account_id', true))
$$;
ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
ALTER TABLE accounts FORCE ROW LEVEL SECURITY;
CREATE POLICY accounts_tenant ON accounts USING (comptoir_tenant_visible(id)) WITH CHECK (comptoir_tenant_visible(id));
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY users_tenant ON users USING (comptoir_tenant_visible(account_id)) WITH CHECK (comptoir_tenant_visible(account_id));
ALTER TABLE terms_acceptances ENABLE ROW LEVEL SECURITY;
ALTER TABLE terms_acceptances FORCE ROW LEVEL SECURITY;
CREATE POLICY terms_acceptances_tenant ON terms_acceptances USING (comptoir_tenant_visible(account_id)) WITH CHECK (comptoir_tenant_visible(account_id));
ALTER TABLE email_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE email_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY email_tokens_tenant ON email_tokens USING (comptoir_tenant_visible(account_id)) WITH CHECK (comptoir_tenant_visible(account_id));
ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY sessions_tenant ON sessions USING (comptoir_tenant_visible(account_id)) WITH CHECK (comptoir_tenant_visible(account_id));
ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY api_keys_tenant ON api_keys USING (comptoir_tenant_visible(account_id)) WITH CHECK (comptoir_tenant_visible(account_id));
ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY invitations_tenant ON invitations USING (comptoir_tenant_visible(account_id)) WITH CHECK (comptoir_tenant_visible(account_id));
ALTER TABLE access_grants ENABLE ROW LEVEL SECURITY;
ALTER TABLE access_grants FORCE ROW LEVEL SECURITY;
CREATE POLICY access_grants_tenant ON access_grants USING (comptoir_tenant_visible(account_id)) WITH CHECK (comptoir_tenant_visible(account_id));
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_log_tenant ON audit_log USING (comptoir_tenant_visible(account_id)) WITH CHECK (comptoir_tenant_visible(account_id));
ALTER TABLE emails ENABLE ROW LEVEL SECURITY;
ALTER TABLE emails FORCE ROW LEVEL SECURITY;
CREATE POLICY emails_tenant ON emails USING (comptoir_tenant_visible(account_id)) WITH CHECK (comptoir_tenant_visible(account_id));
ALTER TABLE jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE jobs FORCE ROW LEVEL SECURITY;
CREATE POLICY jobs_tenant ON jobs USING (comptoir_tenant_visible(account_id)) WITH CHECK (comptoir_tenant_visible(account_id));
