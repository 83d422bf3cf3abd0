-- The trigram index of migration 0013 is never used: row-level security keeps an operator that
-- is not leakproof, LIKE among them, out of index scans, and every role the application runs
-- as is bound by the policies. Searches walk the site's URLs in URL order, then read this
-- narrow table whole for rarer needles (store::monitor::list_urls); the index only cost each
-- URL added and each new title.
DROP INDEX IF EXISTS monitor_url_search_trigrams;
