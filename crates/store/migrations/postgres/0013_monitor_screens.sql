-- The sites screen's counts and the URL search, kept as URLs change so that neither reads every
-- URL of a site: at 200,000 URLs the grouped count and a substring search each read them all.

-- One row per site with URLs. Triggers keep the counts and the last change as URLs are added,
-- removed or change state; a check that changes nothing counted fires nothing, and the last
-- check instant is written once per site by each batch of checks (store::monitor::save_checks),
-- which also takes the batch's rows here in site order first, so that two workers' batches never
-- wait on each other's sites crosswise.
CREATE TABLE monitor_site_counts (
    site_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    http_urls BIGINT NOT NULL DEFAULT 0,
    ping_urls BIGINT NOT NULL DEFAULT 0,
    backlinks BIGINT NOT NULL DEFAULT 0,
    -- Last check unanswered or failed (outcome other than answered and deferred), or status ≥ 400.
    errors BIGINT NOT NULL DEFAULT 0,
    non_indexable BIGINT NOT NULL DEFAULT 0,
    down BIGINT NOT NULL DEFAULT 0,
    last_check_at BIGINT,
    last_change_at BIGINT,
    FOREIGN KEY (account_id, site_id) REFERENCES monitor_sites(account_id, id) ON DELETE CASCADE
);

-- What one URL adds to its site's counts, in the column order of monitor_site_counts.
CREATE FUNCTION monitor_url_counts(tool TEXT, outcome TEXT, status INTEGER, indexable BOOLEAN, up BOOLEAN,
    OUT http BIGINT, OUT ping BIGINT, OUT link BIGINT, OUT errors BIGINT, OUT non_indexable BIGINT,
    OUT down BIGINT)
LANGUAGE sql IMMUTABLE AS $$
    SELECT (tool = 'http')::int::bigint, (tool = 'ping')::int::bigint, (tool = 'link')::int::bigint,
        COALESCE(outcome IS NOT NULL AND (outcome <> 'answered' OR status >= 400) AND outcome <> 'deferred', FALSE)::int::bigint,
        COALESCE(tool = 'http' AND indexable = FALSE, FALSE)::int::bigint,
        COALESCE(up = FALSE, FALSE)::int::bigint
$$;

INSERT INTO monitor_site_counts
SELECT u.site_id, u.account_id, SUM(c.http), SUM(c.ping), SUM(c.link), SUM(c.errors), SUM(c.non_indexable),
    SUM(c.down), MAX(u.checked_at), MAX(u.last_change_at)
FROM monitor_urls u, LATERAL monitor_url_counts(u.tool, u.outcome, u.status, u.indexable, u.up) c
GROUP BY u.account_id, u.site_id;

-- URLs added and removed are counted once per statement, from the statement's rows: a row
-- trigger would update the site's row once per URL, and PostgreSQL keeps each of those versions
-- until the transaction ends (an import adds 200 URLs per statement).
CREATE FUNCTION monitor_urls_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO monitor_site_counts AS s (site_id, account_id, http_urls, ping_urls, backlinks, errors,
        non_indexable, down, last_check_at, last_change_at)
    SELECT u.site_id, u.account_id, SUM(c.http), SUM(c.ping), SUM(c.link), SUM(c.errors), SUM(c.non_indexable),
        SUM(c.down), MAX(u.checked_at), MAX(u.last_change_at)
    FROM added u, LATERAL monitor_url_counts(u.tool, u.outcome, u.status, u.indexable, u.up) c
    GROUP BY u.account_id, u.site_id
    ORDER BY u.site_id
    ON CONFLICT (site_id) DO UPDATE SET
        http_urls = s.http_urls + EXCLUDED.http_urls,
        ping_urls = s.ping_urls + EXCLUDED.ping_urls,
        backlinks = s.backlinks + EXCLUDED.backlinks,
        errors = s.errors + EXCLUDED.errors,
        non_indexable = s.non_indexable + EXCLUDED.non_indexable,
        down = s.down + EXCLUDED.down,
        last_check_at = GREATEST(s.last_check_at, EXCLUDED.last_check_at),
        last_change_at = GREATEST(s.last_change_at, EXCLUDED.last_change_at);
    INSERT INTO monitor_url_search (url_id, account_id, haystack)
    SELECT id, account_id, LOWER(url) || E'\n' || LOWER(COALESCE(title, '')) FROM added;
    RETURN NULL;
END
$$;

-- Only an update (the insert made the row): URLs removed with their site find its row already
-- gone, and must not make it again.
CREATE FUNCTION monitor_urls_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE monitor_site_counts s SET http_urls = s.http_urls - d.http, ping_urls = s.ping_urls - d.ping,
        backlinks = s.backlinks - d.link, errors = s.errors - d.errors,
        non_indexable = s.non_indexable - d.non_indexable, down = s.down - d.down
    FROM (
        SELECT u.site_id, SUM(c.http) AS http, SUM(c.ping) AS ping, SUM(c.link) AS link, SUM(c.errors) AS errors,
            SUM(c.non_indexable) AS non_indexable, SUM(c.down) AS down
        FROM removed u, LATERAL monitor_url_counts(u.tool, u.outcome, u.status, u.indexable, u.up) c
        GROUP BY u.site_id
    ) d
    WHERE s.site_id = d.site_id;
    DELETE FROM monitor_url_search WHERE url_id IN (SELECT id FROM removed);
    RETURN NULL;
END
$$;

-- A URL whose state changed, one at a time: checks write one URL per statement, and most change
-- nothing counted, which the trigger's WHEN tells without calling anything.
CREATE FUNCTION monitor_url_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n RECORD;
    o RECORD;
BEGIN
    SELECT * INTO n FROM monitor_url_counts(NEW.tool, NEW.outcome, NEW.status, NEW.indexable, NEW.up);
    SELECT * INTO o FROM monitor_url_counts(OLD.tool, OLD.outcome, OLD.status, OLD.indexable, OLD.up);
    UPDATE monitor_site_counts SET http_urls = http_urls + n.http - o.http, ping_urls = ping_urls + n.ping - o.ping,
        backlinks = backlinks + n.link - o.link, errors = errors + n.errors - o.errors,
        non_indexable = non_indexable + n.non_indexable - o.non_indexable, down = down + n.down - o.down,
        last_change_at = GREATEST(last_change_at, NEW.last_change_at)
    WHERE site_id = NEW.site_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER monitor_urls_added AFTER INSERT ON monitor_urls
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION monitor_urls_added();
CREATE TRIGGER monitor_urls_removed AFTER DELETE ON monitor_urls
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION monitor_urls_removed();
CREATE TRIGGER monitor_url_changed AFTER UPDATE OF tool, outcome, status, indexable, up, last_change_at ON monitor_urls
    FOR EACH ROW
    WHEN (OLD.tool IS DISTINCT FROM NEW.tool OR OLD.outcome IS DISTINCT FROM NEW.outcome
        OR OLD.status IS DISTINCT FROM NEW.status OR OLD.indexable IS DISTINCT FROM NEW.indexable
        OR OLD.up IS DISTINCT FROM NEW.up OR OLD.last_change_at IS DISTINCT FROM NEW.last_change_at)
    EXECUTE FUNCTION monitor_url_changed();

-- The URL search: each URL and its title, lower-cased, under a trigram index that finds any
-- substring of three characters or more without reading every URL. A table of its own, written
-- only when a URL or its title changes: on monitor_urls itself the index would be written again
-- by every check, whose new due time already moves the row.
-- pg_trgm is a trusted extension: the database's owner may create it without being superuser.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE monitor_url_search (
    url_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    -- No foreign key: its check, planned while monitor_urls looked empty, scanned the whole
    -- table for each URL added (an import of 60,000 URLs took 152 s against 2 s without it).
    -- monitor_urls_removed removes the rows of removed URLs.
    haystack TEXT NOT NULL
);
CREATE INDEX monitor_url_search_trigrams ON monitor_url_search USING gin (haystack gin_trgm_ops);

INSERT INTO monitor_url_search
SELECT id, account_id, LOWER(url) || E'\n' || LOWER(COALESCE(title, '')) FROM monitor_urls;

CREATE FUNCTION monitor_url_search_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE monitor_url_search SET haystack = LOWER(NEW.url) || E'\n' || LOWER(COALESCE(NEW.title, ''))
    WHERE url_id = NEW.id;
    RETURN NULL;
END
$$;

-- Added URLs are indexed by monitor_urls_added, once per statement.
CREATE TRIGGER monitor_url_search_update AFTER UPDATE OF url, title ON monitor_urls
    FOR EACH ROW WHEN (OLD.url IS DISTINCT FROM NEW.url OR OLD.title IS DISTINCT FROM NEW.title)
    EXECUTE FUNCTION monitor_url_search_track();

ALTER TABLE monitor_site_counts ENABLE ROW LEVEL SECURITY;
ALTER TABLE monitor_site_counts FORCE ROW LEVEL SECURITY;
CREATE POLICY monitor_site_counts_tenant ON monitor_site_counts USING (comptoir_tenant_visible(account_id)) WITH CHECK (comptoir_tenant_visible(account_id));

ALTER TABLE monitor_url_search ENABLE ROW LEVEL SECURITY;
ALTER TABLE monitor_url_search FORCE ROW LEVEL SECURITY;
CREATE POLICY monitor_url_search_tenant ON monitor_url_search USING (comptoir_tenant_visible(account_id)) WITH CHECK (comptoir_tenant_visible(account_id));
