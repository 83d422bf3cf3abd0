-- Discount and referral codes (OSX-CODES): the operator's codes, and which account redeemed
-- which code on which subscription. `redemptions` is the code's counter row: a redemption
-- raises it with a conditional update, so a limit holds under concurrent redemptions.

CREATE TABLE discount_codes (
    code TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    referrer_account_id TEXT REFERENCES accounts(id),
    percent_bp BIGINT,
    amount_cents BIGINT,
    duration TEXT NOT NULL,
    duration_periods BIGINT,
    valid_until TEXT,
    max_redemptions BIGINT,
    redemptions BIGINT NOT NULL DEFAULT 0,
    offers TEXT NOT NULL,
    plans TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT,
    disabled_at BIGINT,
    disabled_by TEXT,
    CHECK (redemptions >= 0),
    CHECK (max_redemptions IS NULL OR redemptions <= max_redemptions)
);

-- One account redeems a code once (the primary key); `periods_used` counts the billed periods
-- the code reduced, up to its duration.
CREATE TABLE code_redemptions (
    code TEXT NOT NULL REFERENCES discount_codes(code),
    account_id TEXT NOT NULL REFERENCES accounts(id),
    subscription_id TEXT NOT NULL REFERENCES subscriptions(id),
    redeemed_at BIGINT NOT NULL,
    redeemed_by TEXT,
    periods_used BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (code, account_id)
);
CREATE INDEX code_redemptions_subscription ON code_redemptions(account_id, subscription_id);

-- Codes are the operator's (no account, like `offers`); redemptions are each account's own.
ALTER TABLE code_redemptions ENABLE ROW LEVEL SECURITY;
ALTER TABLE code_redemptions FORCE ROW LEVEL SECURITY;
CREATE POLICY code_redemptions_tenant ON code_redemptions USING (comptoir_tenant_visible(account_id)) WITH CHECK (comptoir_tenant_visible(account_id));
