-- Price changes: the operator announces a new plan price for one offer, plan and period
-- (operator data, no account), and each running or pending subscription it reaches gets a
-- notice of its own, dated on its account's clock, that billing reads (OSX-PRICE-30D,
-- DGT-PRICE-NOTICE, INES-PRICE-1M).

CREATE TABLE price_changes (
    id TEXT PRIMARY KEY,
    offer_key TEXT NOT NULL,
    plan_id TEXT NOT NULL,
    period TEXT NOT NULL,
    -- The price in force before the change, and the new one, per period excl. VAT, in cents.
    old_price BIGINT NOT NULL,
    new_price BIGINT NOT NULL,
    reason TEXT NOT NULL,
    -- How many subscriptions were told.
    notices BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT
);
CREATE INDEX price_changes_offer ON price_changes(offer_key, created_at);

CREATE TABLE price_change_notices (
    price_change_id TEXT NOT NULL REFERENCES price_changes(id),
    subscription_id TEXT NOT NULL REFERENCES subscriptions(id),
    account_id TEXT NOT NULL REFERENCES accounts(id),
    old_price BIGINT NOT NULL,
    new_price BIGINT NOT NULL,
    -- The email's day on the account's clock.
    announced_on TEXT NOT NULL,
    -- The start of the first period billed at the new price.
    applies_from TEXT NOT NULL,
    -- The last day to refuse (INES-PRICE-1M), when the offer grants that right.
    refusal_deadline TEXT,
    customer_may_terminate BOOLEAN NOT NULL,
    refused_at BIGINT,
    PRIMARY KEY (price_change_id, subscription_id)
);
CREATE INDEX price_change_notices_subscription ON price_change_notices(account_id, subscription_id);
