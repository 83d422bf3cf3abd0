-- Billing I: the offer catalogue (offer files as the operator loaded them, every version kept)
-- and the subscriptions accounts take to them.

CREATE TABLE offers (
    id TEXT PRIMARY KEY,
    offer_key TEXT NOT NULL,
    version BIGINT NOT NULL,
    name TEXT NOT NULL,
    file_name TEXT NOT NULL,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    loaded_at BIGINT NOT NULL,
    loaded_by TEXT,
    UNIQUE (offer_key, version)
);

CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    offer_key TEXT NOT NULL,
    offer_version BIGINT NOT NULL,
    plan_id TEXT NOT NULL,
    period TEXT,
    quantities TEXT NOT NULL,
    options TEXT NOT NULL,
    state TEXT NOT NULL,
    auto_renew BOOLEAN NOT NULL,
    subscribed_at BIGINT NOT NULL,
    subscribed_by TEXT,
    activated_at BIGINT,
    activated_by TEXT,
    billing_starts_on TEXT,
    ends_on TEXT,
    ended_at BIGINT,
    cancel_requested_at BIGINT,
    cancel_way TEXT,
    FOREIGN KEY (offer_key, offer_version) REFERENCES offers(offer_key, version)
);
CREATE INDEX subscriptions_account ON subscriptions(account_id, state);

ALTER TABLE subscriptions ENABLE ROW LEVEL SECURITY;
ALTER TABLE subscriptions FORCE ROW LEVEL SECURITY;
CREATE POLICY subscriptions_tenant ON subscriptions USING (comptoir_tenant_visible(account_id)) WITH CHECK (comptoir_tenant_visible(account_id));
