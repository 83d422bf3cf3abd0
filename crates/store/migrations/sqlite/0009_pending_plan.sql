-- A move to a cheaper plan waits for the next period (the current one is paid for); it is
-- kept beside the pending quantities and applied with them when that period is billed.
ALTER TABLE subscriptions ADD COLUMN pending_plan TEXT;

-- The amount invoiced per order (OSX-LIABILITY-CAP) sums an account's lines per subscription.
CREATE INDEX invoice_lines_account_subscription ON invoice_lines(account_id, subscription_id);
-- Operator staff search invoices by series and number, and list them newest first.
CREATE INDEX invoices_created ON invoices(created_at);
