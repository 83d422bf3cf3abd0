-- The scheduler's leases leave the URLs' rows. A URL's row carries its last snapshot and
-- trackers (2-3 KB), so a lease written there made a new version of the whole row per claimed
-- URL, then the check's results made another. Here a claim of 250 URLs writes 250 small rows of
-- a table that only ever holds the checks in flight.
-- claim: the claiming transaction's token, to read back what it took; leased_by: the worker.
CREATE TABLE monitor_leases (
    url_id TEXT PRIMARY KEY,
    claim TEXT NOT NULL,
    leased_by TEXT NOT NULL,
    lease_until BIGINT NOT NULL
);
CREATE INDEX monitor_leases_claim ON monitor_leases(claim);

INSERT INTO monitor_leases (url_id, claim, leased_by, lease_until)
SELECT id, 'migrated', leased_by, lease_until FROM monitor_urls
WHERE lease_until IS NOT NULL AND leased_by IS NOT NULL;

ALTER TABLE monitor_urls DROP COLUMN lease_until, DROP COLUMN leased_by;

-- Scheduling is the platform's business: no tenant reads or writes a lease.
ALTER TABLE monitor_leases ENABLE ROW LEVEL SECURITY;
ALTER TABLE monitor_leases FORCE ROW LEVEL SECURITY;
CREATE POLICY monitor_leases_platform ON monitor_leases USING (comptoir_tenant_visible(NULL)) WITH CHECK (comptoir_tenant_visible(NULL));
