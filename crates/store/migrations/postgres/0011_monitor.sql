-- Monitor (seed 003, OSX-SITE, OSX-PACKS, OSX-CADENCE, OSX-ALERT-EMAIL, OSX-LINK, OSX-NO-ARCHIVE):
-- the sites an account watches, the URLs its three tools check (HTTP, PING, LINK) with their
-- due times, the values each check observed, the alerts, and the account's alert settings.

-- A site: a scheme, an optional subdomain and a domain (monitor::site::Site), kept as its origin.
CREATE TABLE monitor_sites (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    origin TEXT NOT NULL,
    host TEXT NOT NULL,
    domain TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- When the site's sitemap was last read into monitor_sitemap_entries (NULL: never).
    sitemap_read_at BIGINT,
    UNIQUE (account_id, origin),
    UNIQUE (account_id, id)
);

-- The URLs a site's sitemap listed at its last reading: "present in the sitemap".
CREATE TABLE monitor_sitemap_entries (
    account_id TEXT NOT NULL,
    site_id TEXT NOT NULL,
    url TEXT NOT NULL,
    PRIMARY KEY (site_id, url),
    FOREIGN KEY (account_id, site_id) REFERENCES monitor_sites(account_id, id) ON DELETE CASCADE
);

-- A watched URL. tool: http, ping, link. role (http): home, robots, sitemap, page.
-- target: LINK, the client's URL the backlink must point to; PING, 'tcp:PORT' for a TCP
-- connect (empty for HTTP). The due time is the scheduler's index: workers claim due rows with
-- a lease, so several `comptoir worker` processes share the checks and a restart loses nothing.
CREATE TABLE monitor_urls (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    site_id TEXT NOT NULL,
    tool TEXT NOT NULL,
    role TEXT NOT NULL,
    url TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    cadence_minutes INTEGER NOT NULL,
    next_due_at BIGINT NOT NULL,
    lease_until BIGINT,
    leased_by TEXT,
    created_at BIGINT NOT NULL,
    -- The last check: when, how it ended (monitor outcome code), the final status, time taken.
    checked_at BIGINT,
    outcome TEXT,
    status INTEGER,
    response_ms BIGINT,
    redirected BOOLEAN NOT NULL DEFAULT FALSE,
    indexable BOOLEAN,
    up BOOLEAN,
    title TEXT,
    -- JSON: the last snapshot (HTTP: monitor::changes::SeoSnapshot, with hops and notes; LINK:
    -- the backlink check), and the trackers (confirmation, availability, TLS warnings).
    snapshot TEXT,
    tracker TEXT,
    tls_not_after BIGINT,
    last_change_at BIGINT,
    UNIQUE (account_id, tool, url, target),
    FOREIGN KEY (account_id, site_id) REFERENCES monitor_sites(account_id, id) ON DELETE CASCADE,
    UNIQUE (account_id, id)
);
CREATE INDEX monitor_urls_due ON monitor_urls(next_due_at);
CREATE INDEX monitor_urls_site ON monitor_urls(account_id, site_id, tool, url);
-- The URL list of a site in URL order, every tool together (keyset paging on url).
CREATE INDEX monitor_urls_site_url ON monitor_urls(account_id, site_id, url);
CREATE INDEX monitor_urls_changed ON monitor_urls(account_id, site_id, last_change_at);

-- Every observed value, kept when it differs from the previous one of the same element
-- (monitor::export::ExportObservation): a URL's timeline and the before/after diff.
CREATE TABLE monitor_observations (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    url_id TEXT NOT NULL,
    observed_at BIGINT NOT NULL,
    element TEXT NOT NULL,
    value TEXT,
    FOREIGN KEY (account_id, url_id) REFERENCES monitor_urls(account_id, id) ON DELETE CASCADE
);
CREATE INDEX monitor_observations_url ON monitor_observations(url_id, observed_at);
CREATE INDEX monitor_observations_account ON monitor_observations(account_id);

-- Alerts: confirmed changes (kind change, element set), availability (down, still_down,
-- recovered), TLS expiry (tls), backlinks (backlink). emailed_at: when its site's email left.
CREATE TABLE monitor_alerts (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    site_id TEXT NOT NULL,
    url_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    element TEXT,
    before_value TEXT,
    after_value TEXT,
    observed_at BIGINT NOT NULL,
    emailed_at BIGINT,
    FOREIGN KEY (account_id, url_id) REFERENCES monitor_urls(account_id, id) ON DELETE CASCADE
);
CREATE INDEX monitor_alerts_account ON monitor_alerts(account_id, observed_at);
CREATE INDEX monitor_alerts_pending ON monitor_alerts(account_id, emailed_at);

-- Maintenance windows pause a site's alerts (checks go on).
CREATE TABLE monitor_maintenance (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    site_id TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    FOREIGN KEY (account_id, site_id) REFERENCES monitor_sites(account_id, id) ON DELETE CASCADE
);
CREATE INDEX monitor_maintenance_site ON monitor_maintenance(site_id, ends_at);

-- The account's alert settings: recipients (comma-separated; empty: its administrators),
-- checks needed to confirm a change, "still down" reminders (minutes, NULL: none), and the
-- end-of-data notice (OSX-NO-ARCHIVE) already sent.
CREATE TABLE monitor_settings (
    account_id TEXT PRIMARY KEY REFERENCES accounts(id),
    recipients TEXT NOT NULL DEFAULT '',
    confirm_checks INTEGER NOT NULL DEFAULT 2,
    reminder_minutes INTEGER,
    export_offered_at BIGINT,
    updated_at BIGINT NOT NULL
);

ALTER TABLE monitor_sites ENABLE ROW LEVEL SECURITY;
ALTER TABLE monitor_sites FORCE ROW LEVEL SECURITY;
CREATE POLICY monitor_sites_tenant ON monitor_sites USING (comptoir_tenant_visible(account_id)) WITH CHECK (comptoir_tenant_visible(account_id));

ALTER TABLE monitor_sitemap_entries ENABLE ROW LEVEL SECURITY;
ALTER TABLE monitor_sitemap_entries FORCE ROW LEVEL SECURITY;
CREATE POLICY monitor_sitemap_entries_tenant ON monitor_sitemap_entries USING (comptoir_tenant_visible(account_id)) WITH CHECK (comptoir_tenant_visible(account_id));

ALTER TABLE monitor_urls ENABLE ROW LEVEL SECURITY;
ALTER TABLE monitor_urls FORCE ROW LEVEL SECURITY;
CREATE POLICY monitor_urls_tenant ON monitor_urls USING (comptoir_tenant_visible(account_id)) WITH CHECK (comptoir_tenant_visible(account_id));

ALTER TABLE monitor_observations ENABLE ROW LEVEL SECURITY;
ALTER TABLE monitor_observations FORCE ROW LEVEL SECURITY;
CREATE POLICY monitor_observations_tenant ON monitor_observations USING (comptoir_tenant_visible(account_id)) WITH CHECK (comptoir_tenant_visible(account_id));

ALTER TABLE monitor_alerts ENABLE ROW LEVEL SECURITY;
ALTER TABLE monitor_alerts FORCE ROW LEVEL SECURITY;
CREATE POLICY monitor_alerts_tenant ON monitor_alerts USING (comptoir_tenant_visible(account_id)) WITH CHECK (comptoir_tenant_visible(account_id));

ALTER TABLE monitor_maintenance ENABLE ROW LEVEL SECURITY;
ALTER TABLE monitor_maintenance FORCE ROW LEVEL SECURITY;
CREATE POLICY monitor_maintenance_tenant ON monitor_maintenance USING (comptoir_tenant_visible(account_id)) WITH CHECK (comptoir_tenant_visible(account_id));

ALTER TABLE monitor_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE monitor_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY monitor_settings_tenant ON monitor_settings USING (comptoir_tenant_visible(account_id)) WITH CHECK (comptoir_tenant_visible(account_id));
