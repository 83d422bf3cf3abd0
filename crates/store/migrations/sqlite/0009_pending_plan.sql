-- A move to a cheaper plan waits for the next period (the current one is paid for); it is
-- kept beside the pending quantities and applied with them when that period is billed.
ALTER TABLE subscriptions ADD COLUMN pending_plan TEXT;
