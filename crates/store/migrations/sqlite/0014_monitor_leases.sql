-- The scheduler's leases leave the URLs' rows. A URL's row carries its last snapshot and
-- trackers (2-3 KB, a page of its own), so a lease written there rewrote one page per claimed
-- URL, then the check's results rewrote it again. Here a claim of 250 URLs writes a few pages of
-- a table that only ever holds the checks in flight.
-- claim: the claiming transaction's token, to read back what it took; leased_by: the worker.
CREATE TABLE monitor_leases (
    url_id TEXT PRIMARY KEY,
    claim TEXT NOT NULL,
    leased_by TEXT NOT NULL,
    lease_until BIGINT NOT NULL
) WITHOUT ROWID;

INSERT INTO monitor_leases (url_id, claim, leased_by, lease_until)
SELECT id, 'migrated', leased_by, lease_until FROM monitor_urls
WHERE lease_until IS NOT NULL AND leased_by IS NOT NULL;

ALTER TABLE monitor_urls DROP COLUMN lease_until;
ALTER TABLE monitor_urls DROP COLUMN leased_by;
