-- A change of quantities (licences, users…) waits for the period it applies from
-- (CLX-LICENCE-20TH: asked before the 20th, next period; later, one period after).
ALTER TABLE subscriptions ADD COLUMN pending_units TEXT;
ALTER TABLE subscriptions ADD COLUMN pending_from TEXT;
