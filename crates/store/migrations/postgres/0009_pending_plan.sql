-- A move to a cheaper plan waits for the next period (the current one is paid for); it is
-- kept beside the pending quantities and applied with them when that period is billed.
ALTER TABLE subscriptions ADD COLUMN pending_plan TEXT;

-- The amount invoiced per order (OSX-LIABILITY-CAP) sums an account's lines per subscription.
CREATE INDEX invoice_lines_account_subscription ON invoice_lines(account_id, subscription_id);
-- Operator staff search invoices by series and number, and list them newest first.
CREATE INDEX invoices_created ON invoices(created_at);

-- Each line of an issued invoice is credited at most once, whether by a withdrawal or by a
-- corrective credit note: the primary key refuses a second credit even under concurrent runs.
CREATE TABLE credited_lines (
    invoice_id TEXT NOT NULL REFERENCES invoices(id),
    position BIGINT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    credit_note_id TEXT NOT NULL REFERENCES invoices(id),
    PRIMARY KEY (invoice_id, position)
);
ALTER TABLE credited_lines ENABLE ROW LEVEL SECURITY;
ALTER TABLE credited_lines FORCE ROW LEVEL SECURITY;
CREATE POLICY credited_lines_tenant ON credited_lines USING (comptoir_tenant_visible(account_id)) WITH CHECK (comptoir_tenant_visible(account_id));
