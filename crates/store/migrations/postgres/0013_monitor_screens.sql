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
CREATE FUNCTION monitor_url_counts(u monitor_urls, OUT http BIGINT, OUT ping BIGINT, OUT link BIGINT,
    OUT errors BIGINT, OUT non_indexable BIGINT, OUT down BIGINT)
LANGUAGE sql IMMUTABLE AS $$
    SELECT (u.tool = 'http')::int::bigint, (u.tool = 'ping')::int::bigint, (u.tool = 'link')::int::bigint,
        COALESCE(u.outcome IS NOT NULL AND (u.outcome <> 'answered' OR u.status >= 400) AND u.outcome <> 'deferred', FALSE)::int::bigint,
        COALESCE(u.tool = 'http' AND u.indexable = FALSE, FALSE)::int::bigint,
        COALESCE(u.up = FALSE, FALSE)::int::bigint
$$;

INSERT INTO monitor_site_counts
SELECT u.site_id, u.account_id, SUM(c.http), SUM(c.ping), SUM(c.link), SUM(c.errors), SUM(c.non_indexable),
    SUM(c.down), MAX(u.checked_at), MAX(u.last_change_at)
FROM monitor_urls u, LATERAL monitor_url_counts(u) c GROUP BY u.account_id, u.site_id;

CREATE FUNCTION monitor_site_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n RECORD;
    o RECORD;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT * INTO n FROM monitor_url_counts(NEW);
        INSERT INTO monitor_site_counts AS s (site_id, account_id, http_urls, ping_urls, backlinks, errors,
            non_indexable, down, last_check_at, last_change_at)
        VALUES (NEW.site_id, NEW.account_id, n.http, n.ping, n.link, n.errors, n.non_indexable, n.down,
            NEW.checked_at, NEW.last_change_at)
        ON CONFLICT (site_id) DO UPDATE SET
            http_urls = s.http_urls + EXCLUDED.http_urls,
            ping_urls = s.ping_urls + EXCLUDED.ping_urls,
            backlinks = s.backlinks + EXCLUDED.backlinks,
            errors = s.errors + EXCLUDED.errors,
            non_indexable = s.non_indexable + EXCLUDED.non_indexable,
            down = s.down + EXCLUDED.down,
            last_check_at = GREATEST(s.last_check_at, EXCLUDED.last_check_at),
            last_change_at = GREATEST(s.last_change_at, EXCLUDED.last_change_at);
    ELSIF TG_OP = 'DELETE' THEN
        -- Only an update (the insert made the row): a URL removed with its site finds its
        -- site's row already gone, and must not make it again.
        SELECT * INTO o FROM monitor_url_counts(OLD);
        UPDATE monitor_site_counts SET http_urls = http_urls - o.http, ping_urls = ping_urls - o.ping,
            backlinks = backlinks - o.link, errors = errors - o.errors,
            non_indexable = non_indexable - o.non_indexable, down = down - o.down
        WHERE site_id = OLD.site_id;
    ELSE
        SELECT * INTO n FROM monitor_url_counts(NEW);
        SELECT * INTO o FROM monitor_url_counts(OLD);
        UPDATE monitor_site_counts SET http_urls = http_urls + n.http - o.http, ping_urls = ping_urls + n.ping - o.ping,
            backlinks = backlinks + n.link - o.link, errors = errors + n.errors - o.errors,
            non_indexable = non_indexable + n.non_indexable - o.non_indexable, down = down + n.down - o.down,
            last_change_at = GREATEST(last_change_at, NEW.last_change_at)
        WHERE site_id = NEW.site_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER monitor_site_counts_insert AFTER INSERT ON monitor_urls
    FOR EACH ROW EXECUTE FUNCTION monitor_site_counts_track();
CREATE TRIGGER monitor_site_counts_delete AFTER DELETE ON monitor_urls
    FOR EACH ROW EXECUTE FUNCTION monitor_site_counts_track();
CREATE TRIGGER monitor_site_counts_update AFTER UPDATE OF tool, outcome, status, indexable, up, last_change_at ON monitor_urls
    FOR EACH ROW
    WHEN (OLD.tool IS DISTINCT FROM NEW.tool OR OLD.outcome IS DISTINCT FROM NEW.outcome
        OR OLD.status IS DISTINCT FROM NEW.status OR OLD.indexable IS DISTINCT FROM NEW.indexable
        OR OLD.up IS DISTINCT FROM NEW.up OR OLD.last_change_at IS DISTINCT FROM NEW.last_change_at)
    EXECUTE FUNCTION monitor_site_counts_track();

-- The URL search: each URL and its title, lower-cased, under a trigram index that finds any
-- substring of three characters or more without reading every URL. A table of its own, written
-- only when a URL or its title changes: on monitor_urls itself the index would be written again
-- by every check, whose new due time already moves the row.
-- pg_trgm is a trusted extension: the database's owner may create it without being superuser.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE monitor_url_search (
    url_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    haystack TEXT NOT NULL,
    FOREIGN KEY (account_id, url_id) REFERENCES monitor_urls(account_id, id) ON DELETE CASCADE
);
CREATE INDEX monitor_url_search_trigrams ON monitor_url_search USING gin (haystack gin_trgm_ops);

INSERT INTO monitor_url_search
SELECT id, account_id, LOWER(url) || E'\n' || LOWER(COALESCE(title, '')) FROM monitor_urls;

CREATE FUNCTION monitor_url_search_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO monitor_url_search (url_id, account_id, haystack)
    VALUES (NEW.id, NEW.account_id, LOWER(NEW.url) || E'\n' || LOWER(COALESCE(NEW.title, '')))
    ON CONFLICT (url_id) DO UPDATE SET haystack = EXCLUDED.haystack;
    RETURN NULL;
END
$$;

CREATE TRIGGER monitor_url_search_insert AFTER INSERT ON monitor_urls
    FOR EACH ROW EXECUTE FUNCTION monitor_url_search_track();
CREATE TRIGGER monitor_url_search_update AFTER UPDATE OF url, title ON monitor_urls
    FOR EACH ROW WHEN (OLD.url IS DISTINCT FROM NEW.url OR OLD.title IS DISTINCT FROM NEW.title)
    EXECUTE FUNCTION monitor_url_search_track();

ALTER TABLE monitor_site_counts ENABLE ROW LEVEL SECURITY;
ALTER TABLE monitor_site_counts FORCE ROW LEVEL SECURITY;
CREATE POLICY monitor_site_counts_tenant ON monitor_site_counts USING (comptoir_tenant_visible(account_id)) WITH CHECK (comptoir_tenant_visible(account_id));

ALTER TABLE monitor_url_search ENABLE ROW LEVEL SECURITY;
ALTER TABLE monitor_url_search FORCE ROW LEVEL SECURITY;
CREATE POLICY monitor_url_search_tenant ON monitor_url_search USING (comptoir_tenant_visible(account_id)) WITH CHECK (comptoir_tenant_visible(account_id));
