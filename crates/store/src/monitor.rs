//! The monitor module's data (seed 003): sites, watched URLs with their due times (the
//! scheduler's index), observed values, alerts, maintenance windows and alert settings.
//!
//! Snapshots and trackers are stored as JSON of the monitor crate's types; the columns beside
//! them (`status`, `indexable`, `title`…) are copies kept for filtering and sorting lists of
//! hundreds of thousands of URLs through indexes.

use crate::{
    Backend, Result, corrupt, get_bool, get_i64, get_id, get_opt_str, get_opt_ts, get_str, get_ts, rows_for_ids, us,
    us_opt,
};
use futures::TryStreamExt;
use jiff::Timestamp;
use kernel::AccountId;
use monitor::changes::Element;
use monitor::site::Tool;
use monitor::{AlertId, MaintenanceId, ObservationId, SiteId, UrlId};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::BTreeMap;

/// A watched site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteRow {
    pub id: SiteId,
    pub account_id: AccountId,
    /// `https://www.example.fr` (monitor::site::Site::origin).
    pub origin: String,
    pub host: String,
    pub domain: String,
    pub created_at: Timestamp,
    pub sitemap_read_at: Option<Timestamp>,
}

/// A site with counts for the sites screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteSummary {
    pub site: SiteRow,
    pub http_urls: i64,
    pub ping_urls: i64,
    pub backlinks: i64,
    /// URLs whose last check failed: unanswered, broken redirect chain, or a status ≥ 400.
    pub errors: i64,
    pub non_indexable: i64,
    /// PING targets (and HTTP URLs) down at their last check.
    pub down: i64,
    pub last_check_at: Option<Timestamp>,
    pub last_change_at: Option<Timestamp>,
}

/// What a default or added HTTP URL is to its site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UrlRole {
    Home,
    Robots,
    Sitemap,
    Page,
}

impl UrlRole {
    pub const ALL: [UrlRole; 4] = [UrlRole::Home, UrlRole::Robots, UrlRole::Sitemap, UrlRole::Page];

    pub fn code(self) -> &'static str {
        match self {
            UrlRole::Home => "home",
            UrlRole::Robots => "robots",
            UrlRole::Sitemap => "sitemap",
            UrlRole::Page => "page",
        }
    }

    pub fn from_code(code: &str) -> Option<UrlRole> {
        UrlRole::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// A watched URL, with what its last check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchedUrl {
    pub id: UrlId,
    pub account_id: AccountId,
    pub site_id: SiteId,
    pub tool: Tool,
    pub role: UrlRole,
    pub url: String,
    /// LINK: the client's URL the backlink points to; PING: `tcp:PORT` for a TCP connect.
    pub target: String,
    pub cadence_minutes: u32,
    pub next_due_at: Timestamp,
    pub created_at: Timestamp,
    pub last: LastCheck,
    /// JSON of the app's trackers (confirmation, availability, TLS warnings).
    pub tracker: Option<String>,
}

/// What the last check of a URL found (all empty before the first).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LastCheck {
    pub checked_at: Option<Timestamp>,
    /// A stable outcome code: `answered`, `unanswered`, a redirect error, `deferred`…
    pub outcome: Option<String>,
    pub status: Option<u16>,
    pub response_ms: Option<i64>,
    pub redirected: bool,
    pub indexable: Option<bool>,
    pub up: Option<bool>,
    pub title: Option<String>,
    /// JSON of what the check saw (HTTP: the snapshot with hops and notes; LINK: the backlink).
    pub snapshot: Option<String>,
    pub tls_not_after: Option<Timestamp>,
    pub last_change_at: Option<Timestamp>,
}

/// A URL to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUrl {
    pub id: UrlId,
    pub site_id: SiteId,
    pub tool: Tool,
    pub role: UrlRole,
    pub url: String,
    pub target: String,
    pub cadence_minutes: u32,
    pub next_due_at: Timestamp,
}

// Booleans are read through `(col = TRUE)`: the Any driver refuses SQLite's declared BOOLEAN
// type, and the comparison is typed as an integer there (a bool on PostgreSQL).
const URL_COLUMNS: &str = "id, account_id, site_id, tool, role, url, target, cadence_minutes, next_due_at, created_at, \
     checked_at, outcome, status, response_ms, (redirected = TRUE) AS redirected, (indexable = TRUE) AS indexable, \
     (up = TRUE) AS up, title, snapshot, tracker, tls_not_after, last_change_at";

fn opt_bool(row: &AnyRow, col: &str) -> Result<Option<bool>> {
    match row.try_get::<Option<bool>, _>(col) {
        Ok(b) => Ok(b),
        Err(_) => Ok(row.try_get::<Option<i64>, _>(col)?.map(|v| v != 0)),
    }
}

fn url_from_row(row: &AnyRow) -> Result<WatchedUrl> {
    let tool = get_str(row, "tool")?;
    let role = get_str(row, "role")?;
    let status: Option<i64> = row.try_get("status")?;
    Ok(WatchedUrl {
        id: get_id(row, "id")?,
        account_id: get_id(row, "account_id")?,
        site_id: get_id(row, "site_id")?,
        tool: Tool::from_code(&tool).ok_or_else(|| corrupt("monitor tool", &tool))?,
        role: UrlRole::from_code(&role).ok_or_else(|| corrupt("monitor role", &role))?,
        url: get_str(row, "url")?,
        target: get_str(row, "target")?,
        cadence_minutes: u32::try_from(get_i64(row, "cadence_minutes")?).unwrap_or(u32::MAX),
        next_due_at: get_ts(row, "next_due_at")?,
        created_at: get_ts(row, "created_at")?,
        last: LastCheck {
            checked_at: get_opt_ts(row, "checked_at")?,
            outcome: get_opt_str(row, "outcome")?,
            status: status.and_then(|s| u16::try_from(s).ok()),
            response_ms: row.try_get("response_ms")?,
            redirected: get_bool(row, "redirected")?,
            indexable: opt_bool(row, "indexable")?,
            up: opt_bool(row, "up")?,
            title: get_opt_str(row, "title")?,
            snapshot: get_opt_str(row, "snapshot")?,
            tls_not_after: get_opt_ts(row, "tls_not_after")?,
            last_change_at: get_opt_ts(row, "last_change_at")?,
        },
        tracker: get_opt_str(row, "tracker")?,
    })
}

fn site_from_row(row: &AnyRow) -> Result<SiteRow> {
    Ok(SiteRow {
        id: get_id(row, "id")?,
        account_id: get_id(row, "account_id")?,
        origin: get_str(row, "origin")?,
        host: get_str(row, "host")?,
        domain: get_str(row, "domain")?,
        created_at: get_ts(row, "created_at")?,
        sitemap_read_at: get_opt_ts(row, "sitemap_read_at")?,
    })
}

// ---------------------------------------------------------------------------------------------
// Sites

pub async fn insert_site(conn: &mut AnyConnection, site: &SiteRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO monitor_sites (id, account_id, origin, host, domain, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(site.id.to_string())
    .bind(site.account_id.to_string())
    .bind(&site.origin)
    .bind(&site.host)
    .bind(&site.domain)
    .bind(us(site.created_at))
    .execute(conn)
    .await?;
    Ok(())
}

const SITE_COLUMNS: &str = "id, account_id, origin, host, domain, created_at, sitemap_read_at";

pub async fn get_site(conn: &mut AnyConnection, account: AccountId, id: SiteId) -> Result<Option<SiteRow>> {
    let sql = format!("SELECT {SITE_COLUMNS} FROM monitor_sites WHERE account_id = $1 AND id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.to_string())
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(site_from_row).transpose()
}

/// Every site of an account, by origin.
pub async fn sites(conn: &mut AnyConnection, account: AccountId) -> Result<Vec<SiteRow>> {
    let sql = format!("SELECT {SITE_COLUMNS} FROM monitor_sites WHERE account_id = $1 ORDER BY origin");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.to_string())
        .fetch_all(conn)
        .await?;
    rows.iter().map(site_from_row).collect()
}

/// Sites by id, any account (the scheduler's batches).
pub async fn sites_by_ids(conn: &mut AnyConnection, ids: &[SiteId]) -> Result<Vec<SiteRow>> {
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let sql = format!("SELECT {SITE_COLUMNS} FROM monitor_sites WHERE id IN ({{ids}})");
    let rows = rows_for_ids(conn, &sql, &ids).await?;
    rows.iter().map(site_from_row).collect()
}

/// The sites screen: each site with its counts, as the triggers of `monitor_site_counts` keep
/// them (migration 0013), so the screen costs one row per site however many URLs it watches.
pub async fn site_summaries(conn: &mut AnyConnection, account: AccountId) -> Result<Vec<SiteSummary>> {
    let columns = SITE_COLUMNS
        .split(", ")
        .map(|c| format!("s.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {columns}, c.http_urls, c.ping_urls, c.backlinks, c.errors, c.non_indexable, c.down, \
            c.last_check_at, c.last_change_at \
         FROM monitor_sites s LEFT JOIN monitor_site_counts c ON c.site_id = s.id \
         WHERE s.account_id = $1 ORDER BY s.origin"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.to_string())
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            // A site that never had a URL has no row of counts.
            let n = |col: &str| -> Result<i64> { Ok(r.try_get::<Option<i64>, _>(col)?.unwrap_or(0)) };
            Ok(SiteSummary {
                site: site_from_row(r)?,
                http_urls: n("http_urls")?,
                ping_urls: n("ping_urls")?,
                backlinks: n("backlinks")?,
                errors: n("errors")?,
                non_indexable: n("non_indexable")?,
                down: n("down")?,
                last_check_at: get_opt_ts(r, "last_check_at")?,
                last_change_at: get_opt_ts(r, "last_change_at")?,
            })
        })
        .collect()
}

/// Deletes a site and, by cascade, its URLs, observations, alerts and windows.
pub async fn delete_site(conn: &mut AnyConnection, account: AccountId, id: SiteId) -> Result<bool> {
    let done = sqlx::query("DELETE FROM monitor_sites WHERE account_id = $1 AND id = $2")
        .bind(account.to_string())
        .bind(id.to_string())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

// ---------------------------------------------------------------------------------------------
// Sitemap entries

/// Replaces what a site's sitemap lists.
pub async fn replace_sitemap_entries(
    conn: &mut AnyConnection,
    account: AccountId,
    site: SiteId,
    urls: &[String],
    read_at: Timestamp,
) -> Result<()> {
    sqlx::query("DELETE FROM monitor_sitemap_entries WHERE account_id = $1 AND site_id = $2")
        .bind(account.to_string())
        .bind(site.to_string())
        .execute(&mut *conn)
        .await?;
    for chunk in urls.chunks(300) {
        let mut sql = String::from("INSERT INTO monitor_sitemap_entries (account_id, site_id, url) VALUES ");
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("($1, $2, ${})", i + 3));
        }
        sql.push_str(" ON CONFLICT DO NOTHING");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(account.to_string())
            .bind(site.to_string());
        for u in chunk {
            q = q.bind(u.as_str());
        }
        q.execute(&mut *conn).await?;
    }
    sqlx::query("UPDATE monitor_sites SET sitemap_read_at = $3 WHERE account_id = $1 AND id = $2")
        .bind(account.to_string())
        .bind(site.to_string())
        .bind(us(read_at))
        .execute(conn)
        .await?;
    Ok(())
}

/// Of `urls`, those listed in some site's sitemap, as (site, url) pairs.
pub async fn in_sitemaps(conn: &mut AnyConnection, urls: &[String]) -> Result<Vec<(SiteId, String)>> {
    let rows = rows_for_ids(
        conn,
        "SELECT site_id, url FROM monitor_sitemap_entries WHERE url IN ({ids})",
        urls,
    )
    .await?;
    rows.iter()
        .map(|r| Ok((get_id(r, "site_id")?, get_str(r, "url")?)))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// URLs

/// Adds URLs, skipping those already watched by the same tool; returns how many were added.
pub async fn insert_urls(conn: &mut AnyConnection, account: AccountId, urls: &[NewUrl], now: Timestamp) -> Result<u64> {
    let mut added = 0;
    for chunk in urls.chunks(200) {
        let mut sql = String::from(
            "INSERT INTO monitor_urls (id, account_id, site_id, tool, role, url, target, cadence_minutes, next_due_at, created_at) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            let b = 3 + i * 8;
            sql.push_str(&format!(
                "(${}, $1, ${}, ${}, ${}, ${}, ${}, ${}, ${}, $2)",
                b,
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7
            ));
        }
        sql.push_str(" ON CONFLICT DO NOTHING");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(account.to_string())
            .bind(us(now));
        for u in chunk {
            q = q
                .bind(u.id.to_string())
                .bind(u.site_id.to_string())
                .bind(u.tool.code())
                .bind(u.role.code())
                .bind(u.url.as_str())
                .bind(u.target.as_str())
                .bind(i64::from(u.cadence_minutes))
                .bind(us(u.next_due_at));
        }
        added += q.execute(&mut *conn).await?.rows_affected();
    }
    Ok(added)
}

/// How many URLs an account watches with a tool (the quota's "in use").
pub async fn count_urls(conn: &mut AnyConnection, account: AccountId, tool: Tool) -> Result<u64> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM monitor_urls WHERE account_id = $1 AND tool = $2")
        .bind(account.to_string())
        .bind(tool.code())
        .fetch_one(conn)
        .await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Of `urls`, those the account already watches with `tool` (and `target`).
pub async fn already_watched(
    conn: &mut AnyConnection,
    account: AccountId,
    tool: Tool,
    target: &str,
    urls: &[String],
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for chunk in urls.chunks(500) {
        let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 4)).collect();
        let sql = format!(
            "SELECT url FROM monitor_urls WHERE account_id = $1 AND tool = $2 AND target = $3 AND url IN ({})",
            marks.join(", ")
        );
        let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql))
            .bind(account.to_string())
            .bind(tool.code())
            .bind(target);
        for u in chunk {
            q = q.bind(u.as_str());
        }
        out.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(out)
}

pub async fn get_url(conn: &mut AnyConnection, account: AccountId, id: UrlId) -> Result<Option<WatchedUrl>> {
    let sql = format!("SELECT {URL_COLUMNS} FROM monitor_urls WHERE account_id = $1 AND id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.to_string())
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(url_from_row).transpose()
}

pub async fn delete_url(conn: &mut AnyConnection, account: AccountId, id: UrlId) -> Result<bool> {
    let done = sqlx::query("DELETE FROM monitor_urls WHERE account_id = $1 AND id = $2")
        .bind(account.to_string())
        .bind(id.to_string())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Changes the cadence of a site's URLs of one tool; the next check moves to `next_due_at`
/// when that is sooner than the one planned.
pub async fn set_cadence(
    conn: &mut AnyConnection,
    account: AccountId,
    site: SiteId,
    tool: Tool,
    cadence_minutes: u32,
) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE monitor_urls SET cadence_minutes = $4 WHERE account_id = $1 AND site_id = $2 AND tool = $3",
    )
    .bind(account.to_string())
    .bind(site.to_string())
    .bind(tool.code())
    .bind(i64::from(cadence_minutes))
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// When each of a site's URLs of one tool is next due.
pub async fn due_times(
    conn: &mut AnyConnection,
    account: AccountId,
    site: SiteId,
    tool: Tool,
) -> Result<Vec<(UrlId, Timestamp)>> {
    let rows =
        sqlx::query("SELECT id, next_due_at FROM monitor_urls WHERE account_id = $1 AND site_id = $2 AND tool = $3")
            .bind(account.to_string())
            .bind(site.to_string())
            .bind(tool.code())
            .fetch_all(conn)
            .await?;
    rows.iter()
        .map(|r| Ok((get_id(r, "id")?, get_ts(r, "next_due_at")?)))
        .collect()
}

/// Sets URLs' next due times, a few hundred rows per statement.
pub async fn reschedule(conn: &mut AnyConnection, due: &[(UrlId, Timestamp)]) -> Result<()> {
    for chunk in due.chunks(400) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
            .collect();
        // A CTE of VALUES reads the same on SQLite and PostgreSQL, unlike UPDATE … FROM.
        let sql = format!(
            "WITH due(id, at) AS (VALUES {}) \
             UPDATE monitor_urls SET next_due_at = (SELECT at FROM due WHERE due.id = monitor_urls.id) \
             WHERE id IN (SELECT id FROM due)",
            values.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (id, at) in chunk {
            q = q.bind(id.to_string()).bind(us(*at));
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Up to this many candidates of the trigram index, a search on SQLite looks them up by id;
/// beyond, it reads the site in URL order, where a page of matches comes early (at 200,000 URLs
/// both a search with 111 matches and one with 44,000 took 14-18 ms).
const SEARCH_CANDIDATES_BY_ID: i64 = 2_000;

/// How many of a site's URLs, in URL order, a search on PostgreSQL reads for a page of matches
/// before it reads the whole search table (see [`list_urls`]).
const SEARCH_WALK: u32 = 2_000;

/// Filters of a site's URL list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UrlFilter {
    pub tool: Option<Tool>,
    /// Part of the URL or of its title, case-insensitive.
    pub search: Option<String>,
    pub non_indexable: bool,
    pub redirected: bool,
    pub errors: bool,
    /// Changed at or after this instant ("changed this week").
    pub changed_since: Option<Timestamp>,
    /// Keyset paging: URLs strictly after this one, in URL order.
    pub after: Option<String>,
    pub limit: u32,
}

/// One page of a site's URLs, in URL order. Fetches one more than the limit so the caller knows
/// whether a next page exists.
pub async fn list_urls(
    conn: &mut AnyConnection,
    backend: Backend,
    account: AccountId,
    site: SiteId,
    filter: &UrlFilter,
) -> Result<Vec<WatchedUrl>> {
    let search = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|search| {
            // LIKE's wildcards typed by a person are taken as text, not patterns; a line break
            // is in no URL, and joins URL and title in PostgreSQL's search haystack.
            search.to_lowercase().replace(['%', '_', '\n', '\r'], "")
        });
    // Three characters or more: the trigram index of migration 0013 names the candidates. On
    // SQLite the LIKE below keeps the answer what it is without the index; on PostgreSQL the
    // index's own table holds the text, and its LIKE is the test. Shorter needles have no
    // trigram to look up.
    let indexed = search.as_ref().filter(|needle| needle.chars().count() >= 3);
    // An FTS5 string: the needle as one phrase, its quotes doubled.
    let phrase = indexed.map(|needle| format!("\"{}\"", needle.replace('"', "\"\"")));
    // SQLite plans the search by the site's URL order whatever the needle, and reads the whole
    // site when the matches sort late (556 ms at 200,000 URLs): when the index names few
    // candidates, they are looked up by id instead (the unary `+` keeps the site's index out),
    // and when it names many, URL order finds a page of them at once.
    let by_candidates = match (&phrase, backend) {
        (Some(phrase), Backend::Sqlite) => {
            let candidates: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM (SELECT rowid FROM monitor_url_search WHERE monitor_url_search MATCH $1 \
                 UNION SELECT rowid FROM monitor_title_search WHERE monitor_title_search MATCH $1 LIMIT $2) AS c",
            )
            .bind(phrase.as_str())
            .bind(SEARCH_CANDIDATES_BY_ID)
            .fetch_one(&mut *conn)
            .await?;
            candidates < SEARCH_CANDIDATES_BY_ID
        }
        _ => false,
    };
    // The filters other than the search, numbered after the account ($1) and the site ($2).
    let mut values: Vec<Value> = Vec::new();
    let mut conds = String::new();
    let mut push = |clause: &str, clause_values: Vec<Value>| {
        conds.push_str(&numbered(clause, values.len() + 3));
        values.extend(clause_values);
    };
    if let Some(tool) = filter.tool {
        push(" AND tool = ?", vec![Value::Text(tool.code().to_string())]);
    }
    if filter.non_indexable {
        push(" AND indexable = FALSE", vec![]);
    }
    if filter.redirected {
        push(" AND redirected = TRUE", vec![]);
    }
    if filter.errors {
        push(
            " AND outcome IS NOT NULL AND outcome <> 'deferred' AND (outcome <> 'answered' OR status >= 400)",
            vec![],
        );
    }
    if let Some(since) = filter.changed_since {
        push(" AND last_change_at >= ?", vec![Value::Int(us(since))]);
    }
    if let Some(after) = &filter.after {
        push(" AND url > ?", vec![Value::Text(after.clone())]);
    }
    let limit = filter.limit.clamp(1, 1000) + 1;
    let next = values.len() + 3;
    let Some(needle) = &search else {
        let sql = format!(
            "SELECT {URL_COLUMNS} FROM monitor_urls WHERE account_id = $1 AND site_id = $2{conds} \
             ORDER BY url LIMIT {limit}"
        );
        return fetch_urls(conn, sql, account, site, values, true).await;
    };
    let pattern = format!("%{needle}%");
    let like = numbered(" AND (LOWER(url) LIKE ? OR LOWER(COALESCE(title, '')) LIKE ?)", next);
    let with_like = || {
        let mut v = values.clone();
        v.extend([Value::Text(pattern.clone()), Value::Text(pattern.clone())]);
        v
    };
    // Searches are planned for their needle each time (not prepared once for all), and on
    // PostgreSQL do not use the trigram index through a LIKE at all: row-level security keeps
    // an operator that is not leakproof, LIKE among them, out of index scans, so the index's
    // table is read whole (100 ms at 200,000 URLs). The site's URLs are first walked in URL
    // order, as far as SEARCH_WALK of them: a page found there is the answer (a needle a fifth
    // of the URLs hold, 330 ms before); a rarer needle then reads the search table.
    match (backend, &phrase) {
        (Backend::Postgres, Some(_)) => {
            let sql = format!(
                "SELECT {URL_COLUMNS} FROM (SELECT * FROM monitor_urls WHERE account_id = $1 AND site_id = $2{conds} \
                 ORDER BY url LIMIT {SEARCH_WALK}) AS walked WHERE TRUE{like} ORDER BY url LIMIT {limit}"
            );
            let found = fetch_urls(conn, sql, account, site, with_like(), false).await?;
            if found.len() as u32 >= limit {
                return Ok(found);
            }
            let sql = format!(
                "SELECT {URL_COLUMNS} FROM monitor_urls WHERE account_id = $1 AND site_id = $2{conds} \
                 AND id IN (SELECT url_id FROM monitor_url_search WHERE haystack LIKE ${next}) ORDER BY url LIMIT {limit}"
            );
            let mut v = values;
            v.push(Value::Text(pattern));
            fetch_urls(conn, sql, account, site, v, false).await
        }
        (Backend::Sqlite, Some(phrase)) if by_candidates => {
            // The unary `+` keeps the site's index out: the candidates are looked up by id. The
            // phrase's mark comes after the LIKE's two.
            let sql = format!(
                "SELECT {URL_COLUMNS} FROM monitor_urls WHERE +account_id = $1 AND +site_id = $2{conds}{like} \
                 AND id IN (SELECT k.url_id FROM (SELECT rowid AS found FROM monitor_url_search \
                   WHERE monitor_url_search MATCH ${m} UNION SELECT rowid FROM monitor_title_search \
                   WHERE monitor_title_search MATCH ${m}) AS m CROSS JOIN monitor_url_search_keys k ON k.id = m.found) \
                 ORDER BY url LIMIT {limit}",
                m = next + 2,
            );
            let mut v = with_like();
            v.push(Value::Text(phrase.clone()));
            fetch_urls(conn, sql, account, site, v, false).await
        }
        _ => {
            let sql = format!(
                "SELECT {URL_COLUMNS} FROM monitor_urls WHERE account_id = $1 AND site_id = $2{conds}{like} \
                 ORDER BY url LIMIT {limit}"
            );
            fetch_urls(conn, sql, account, site, with_like(), false).await
        }
    }
}

/// A value bound to a filter of [`list_urls`].
#[derive(Clone)]
enum Value {
    Text(String),
    Int(i64),
}

/// `clause` with each `?` replaced by the next numbered mark, from `$first`.
fn numbered(clause: &str, first: usize) -> String {
    let mut out = String::with_capacity(clause.len() + 8);
    let mut n = first;
    for part in clause.split_inclusive('?') {
        match part.strip_suffix('?') {
            Some(text) => {
                out.push_str(text);
                out.push('$');
                out.push_str(&n.to_string());
                n += 1;
            }
            None => out.push_str(part),
        }
    }
    out
}

/// Runs one of [`list_urls`]' queries: the account and the site, then `values`.
async fn fetch_urls(
    conn: &mut AnyConnection,
    sql: String,
    account: AccountId,
    site: SiteId,
    values: Vec<Value>,
    persistent: bool,
) -> Result<Vec<WatchedUrl>> {
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .persistent(persistent)
        .bind(account.to_string())
        .bind(site.to_string());
    for v in values {
        q = match v {
            Value::Text(t) => q.bind(t),
            Value::Int(i) => q.bind(i),
        };
    }
    let rows = q.fetch_all(conn).await?;
    rows.iter().map(url_from_row).collect()
}

/// Every URL of an account (the export), streamed.
pub async fn all_urls(conn: &mut AnyConnection, account: AccountId) -> Result<Vec<WatchedUrl>> {
    let sql = format!("SELECT {URL_COLUMNS} FROM monitor_urls WHERE account_id = $1 ORDER BY site_id, tool, url");
    let mut out = Vec::new();
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.to_string())
        .fetch(conn);
    while let Some(row) = rows.try_next().await? {
        out.push(url_from_row(&row)?);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// The scheduler

/// Claims up to `limit` URLs due at `now` (or whose lease expired) for `worker` until
/// `lease_until`, earliest first. Runs on platform scope: checks are shared by every account.
///
/// The leases live in `monitor_leases` (migration 0014), not on the URLs' rows: a URL's row is
/// a page of its own, and the check rewrites it once anyway.
pub async fn claim_due(
    conn: &mut AnyConnection,
    backend: Backend,
    worker: &str,
    now: Timestamp,
    lease_until: Timestamp,
    limit: u32,
) -> Result<Vec<WatchedUrl>> {
    // Expired leases (a worker that stopped mid-check) and leases of URLs deleted since.
    sqlx::query("DELETE FROM monitor_leases WHERE lease_until <= $1")
        .bind(us(now))
        .execute(&mut *conn)
        .await?;
    // SKIP LOCKED lets several PostgreSQL workers take different URLs without waiting; a URL
    // another worker leased and committed after this statement's snapshot is left to it by the
    // conflict clause. SQLite has one writer at a time, so the write transaction already
    // serialises claims.
    let lock = match backend {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let claim = uuid::Uuid::now_v7().to_string();
    let sql = format!(
        "INSERT INTO monitor_leases (url_id, claim, leased_by, lease_until) \
         SELECT id, $1, $2, $3 FROM monitor_urls WHERE next_due_at <= $4 \
             AND id NOT IN (SELECT url_id FROM monitor_leases) ORDER BY next_due_at LIMIT {limit} {lock} \
         ON CONFLICT (url_id) DO NOTHING"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(claim.as_str())
        .bind(worker)
        .bind(us(lease_until))
        .bind(us(now))
        .execute(&mut *conn)
        .await?;
    let sql = format!(
        "SELECT {URL_COLUMNS} FROM monitor_urls WHERE id IN (SELECT url_id FROM monitor_leases WHERE claim = $1)"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(claim.as_str())
        .fetch_all(&mut *conn)
        .await?;
    let mut urls: Vec<WatchedUrl> = rows.iter().map(url_from_row).collect::<Result<_>>()?;
    urls.sort_by_key(|u| u.next_due_at);
    Ok(urls)
}

/// Frees the leases of URLs whose checks are written (or put back).
async fn release(conn: &mut AnyConnection, backend: Backend, ids: &[UrlId]) -> Result<()> {
    for chunk in ids.chunks(crate::IDS_PER_STATEMENT) {
        let marks = crate::marks(backend, 1, chunk.len());
        let sql = format!("DELETE FROM monitor_leases WHERE url_id IN ({marks})");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(id.to_string());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The earliest due time of any URL (the worker sleeps until then).
pub async fn next_due(conn: &mut AnyConnection) -> Result<Option<Timestamp>> {
    let t: Option<i64> = sqlx::query_scalar("SELECT MIN(next_due_at) FROM monitor_urls")
        .fetch_one(conn)
        .await?;
    Ok(t.map(kernel::clock::from_micros))
}

/// What a check leaves on its URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckWrite {
    pub id: UrlId,
    pub site_id: SiteId,
    pub last: LastCheck,
    pub tracker: Option<String>,
    pub next_due_at: Timestamp,
    /// The check left the URL's state and trackers as they were (see [`LastCheck::same_state`]):
    /// only its instant, response time, snapshot and next due time are written.
    pub steady: bool,
}

impl LastCheck {
    /// Whether `other` holds the same state: outcome, status, redirection, indexability,
    /// availability, title, TLS expiry and last change. The check's instant, response time and
    /// snapshot are not state: they differ at every check.
    pub fn same_state(&self, other: &LastCheck) -> bool {
        self.outcome == other.outcome
            && self.status == other.status
            && self.redirected == other.redirected
            && self.indexable == other.indexable
            && self.up == other.up
            && self.title == other.title
            && self.tls_not_after == other.tls_not_after
            && self.last_change_at == other.last_change_at
    }
}

/// URLs written by one statement of [`save_checks`].
const CHECKS_PER_STATEMENT: usize = 8;

/// Records checks: the last values, the trackers and the next due time, and frees the leases.
pub async fn save_checks(conn: &mut AnyConnection, backend: Backend, checks: &[CheckWrite]) -> Result<()> {
    // Each site's last check, once per batch rather than by a trigger on every row; done first
    // and in site order, so the counts rows the triggers below may update are already held, and
    // two batches on PostgreSQL take the sites they share in the same order.
    let mut last_check: BTreeMap<SiteId, Timestamp> = BTreeMap::new();
    for c in checks {
        if let Some(at) = c.last.checked_at {
            let latest = last_check.entry(c.site_id).or_insert(at);
            *latest = (*latest).max(at);
        }
    }
    for (site, at) in last_check {
        sqlx::query(
            "UPDATE monitor_site_counts SET last_check_at = \
             CASE WHEN last_check_at IS NULL OR last_check_at < $2 THEN $2 ELSE last_check_at END WHERE site_id = $1",
        )
        .bind(site.to_string())
        .bind(us(at))
        .execute(&mut *conn)
        .await?;
    }
    // A steady check (most of them) sets four columns: the columns it leaves out keep SQLite
    // from updating the last-change index, and from running the site counts' and the title
    // search's triggers, for values that did not change.
    let (steady, changed): (Vec<&CheckWrite>, Vec<&CheckWrite>) = checks.iter().partition(|c| c.steady);
    // Several URLs per statement: each statement is a round trip to SQLite's worker thread
    // (two thread wake-ups), which cost more than the update itself.
    for chunk in steady.chunks(CHECKS_PER_STATEMENT) {
        let sql = format!(
            "UPDATE monitor_urls SET checked_at = v.column2, response_ms = v.column3, snapshot = v.column4, \
             next_due_at = v.column5 FROM (VALUES {}) AS v WHERE monitor_urls.id = v.column1",
            crate::value_tuples_for(backend, chunk.len(), 5)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for c in chunk {
            q = q
                .bind(c.id.to_string())
                .bind(us_opt(c.last.checked_at))
                .bind(c.last.response_ms)
                .bind(c.last.snapshot.as_deref())
                .bind(us(c.next_due_at));
        }
        q.execute(&mut *conn).await?;
    }
    for chunk in changed.chunks(CHECKS_PER_STATEMENT) {
        let sql = format!(
            "UPDATE monitor_urls SET checked_at = v.column2, outcome = v.column3, status = v.column4, \
             response_ms = v.column5, redirected = v.column6, indexable = v.column7, up = v.column8, \
             title = v.column9, snapshot = v.column10, tracker = v.column11, tls_not_after = v.column12, \
             last_change_at = v.column13, next_due_at = v.column14 FROM (VALUES {}) AS v \
             WHERE monitor_urls.id = v.column1",
            crate::value_tuples_for(backend, chunk.len(), 14)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for c in chunk {
            q = q
                .bind(c.id.to_string())
                .bind(us_opt(c.last.checked_at))
                .bind(c.last.outcome.as_deref())
                .bind(c.last.status.map(i64::from))
                .bind(c.last.response_ms)
                .bind(c.last.redirected)
                .bind(c.last.indexable)
                .bind(c.last.up)
                .bind(c.last.title.as_deref())
                .bind(c.last.snapshot.as_deref())
                .bind(c.tracker.as_deref())
                .bind(us_opt(c.last.tls_not_after))
                .bind(us_opt(c.last.last_change_at))
                .bind(us(c.next_due_at));
        }
        q.execute(&mut *conn).await?;
    }
    let ids: Vec<UrlId> = checks.iter().map(|c| c.id).collect();
    release(conn, backend, &ids).await
}

/// Puts claimed URLs back for later without a check (their host asked to wait).
pub async fn defer(conn: &mut AnyConnection, backend: Backend, deferrals: &[(UrlId, Timestamp)]) -> Result<()> {
    for (id, until) in deferrals {
        sqlx::query("UPDATE monitor_urls SET next_due_at = $2 WHERE id = $1")
            .bind(id.to_string())
            .bind(us(*until))
            .execute(&mut *conn)
            .await?;
    }
    let ids: Vec<UrlId> = deferrals.iter().map(|(id, _)| *id).collect();
    release(conn, backend, &ids).await
}

// ---------------------------------------------------------------------------------------------
// Observations (history)

/// One observed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    pub url_id: UrlId,
    pub observed_at: Timestamp,
    pub element: Element,
    pub value: Option<String>,
}

pub async fn insert_observations(
    conn: &mut AnyConnection,
    backend: Backend,
    account_of: &[(AccountId, Observation)],
) -> Result<()> {
    for chunk in account_of.chunks(50) {
        let sql = format!(
            "INSERT INTO monitor_observations (id, account_id, url_id, observed_at, element, value) VALUES {}",
            crate::value_tuples_for(backend, chunk.len(), 6)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (account, o) in chunk {
            q = q
                .bind(ObservationId::new().to_string())
                .bind(account.to_string())
                .bind(o.url_id.to_string())
                .bind(us(o.observed_at))
                .bind(o.element.code())
                .bind(o.value.as_deref());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

fn observation_from_row(row: &AnyRow) -> Result<Observation> {
    let element = get_str(row, "element")?;
    Ok(Observation {
        url_id: get_id(row, "url_id")?,
        observed_at: get_ts(row, "observed_at")?,
        element: Element::from_code(&element).ok_or_else(|| corrupt("monitor element", &element))?,
        value: get_opt_str(row, "value")?,
    })
}

/// A URL's timeline, newest first, at most `limit` values.
pub async fn timeline(
    conn: &mut AnyConnection,
    account: AccountId,
    url: UrlId,
    limit: u32,
) -> Result<Vec<Observation>> {
    let sql = format!(
        "SELECT url_id, observed_at, element, value FROM monitor_observations \
         WHERE account_id = $1 AND url_id = $2 ORDER BY observed_at DESC, element LIMIT {}",
        limit.clamp(1, 10_000)
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.to_string())
        .bind(url.to_string())
        .fetch_all(conn)
        .await?;
    rows.iter().map(observation_from_row).collect()
}

/// The last response times (ms) of an account's checked URLs, fastest first: latency
/// percentiles without reading every URL's snapshot.
pub async fn response_times(conn: &mut AnyConnection, account: AccountId) -> Result<Vec<i64>> {
    let times: Vec<i64> = sqlx::query_scalar(
        "SELECT response_ms FROM monitor_urls WHERE account_id = $1 AND response_ms IS NOT NULL ORDER BY response_ms",
    )
    .bind(account.to_string())
    .fetch_all(conn)
    .await?;
    Ok(times)
}

/// How many observed values an account's history keeps.
pub async fn count_observations(conn: &mut AnyConnection, account: AccountId) -> Result<i64> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM monitor_observations WHERE account_id = $1")
        .bind(account.to_string())
        .fetch_one(conn)
        .await?;
    Ok(n)
}

/// Every observation of an account, oldest first (the export).
pub async fn all_observations(conn: &mut AnyConnection, account: AccountId) -> Result<Vec<Observation>> {
    let mut out = Vec::new();
    let mut rows = sqlx::query(
        "SELECT url_id, observed_at, element, value FROM monitor_observations WHERE account_id = $1 \
         ORDER BY url_id, observed_at, element",
    )
    .bind(account.to_string())
    .fetch(conn);
    while let Some(row) = rows.try_next().await? {
        out.push(observation_from_row(&row)?);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Alerts

/// What an alert is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A confirmed change of an SEO element.
    Change,
    Down,
    StillDown,
    Recovered,
    /// A TLS certificate nearing or past its expiry.
    Tls,
    /// A backlink's state changed (lost, found, rel, anchor, blocked).
    Backlink,
}

impl AlertKind {
    pub const ALL: [AlertKind; 6] = [
        AlertKind::Change,
        AlertKind::Down,
        AlertKind::StillDown,
        AlertKind::Recovered,
        AlertKind::Tls,
        AlertKind::Backlink,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AlertKind::Change => "change",
            AlertKind::Down => "down",
            AlertKind::StillDown => "still_down",
            AlertKind::Recovered => "recovered",
            AlertKind::Tls => "tls",
            AlertKind::Backlink => "backlink",
        }
    }

    pub fn from_code(code: &str) -> Option<AlertKind> {
        AlertKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// An alert, with the URL it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub id: AlertId,
    pub account_id: AccountId,
    pub site_id: SiteId,
    pub url_id: UrlId,
    pub url: String,
    pub kind: AlertKind,
    /// The element code for changes (`title`…), the threshold for TLS (`21`, `expired`).
    pub element: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub observed_at: Timestamp,
    pub emailed_at: Option<Timestamp>,
}

pub async fn insert_alerts(conn: &mut AnyConnection, alerts: &[Alert]) -> Result<()> {
    for a in alerts {
        sqlx::query(
            "INSERT INTO monitor_alerts (id, account_id, site_id, url_id, kind, element, before_value, after_value, \
             observed_at, emailed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(a.id.to_string())
        .bind(a.account_id.to_string())
        .bind(a.site_id.to_string())
        .bind(a.url_id.to_string())
        .bind(a.kind.code())
        .bind(a.element.as_deref())
        .bind(a.before.as_deref())
        .bind(a.after.as_deref())
        .bind(us(a.observed_at))
        .bind(us_opt(a.emailed_at))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

fn alert_from_row(row: &AnyRow) -> Result<Alert> {
    let kind = get_str(row, "kind")?;
    Ok(Alert {
        id: get_id(row, "id")?,
        account_id: get_id(row, "account_id")?,
        site_id: get_id(row, "site_id")?,
        url_id: get_id(row, "url_id")?,
        url: get_str(row, "url")?,
        kind: AlertKind::from_code(&kind).ok_or_else(|| corrupt("monitor alert kind", &kind))?,
        element: get_opt_str(row, "element")?,
        before: get_opt_str(row, "before_value")?,
        after: get_opt_str(row, "after_value")?,
        observed_at: get_ts(row, "observed_at")?,
        emailed_at: get_opt_ts(row, "emailed_at")?,
    })
}

/// An account's alerts, newest first; `site` narrows to one site, `url` to one URL.
pub async fn alerts(
    conn: &mut AnyConnection,
    account: AccountId,
    site: Option<SiteId>,
    url: Option<UrlId>,
    limit: u32,
) -> Result<Vec<Alert>> {
    let sql = format!(
        "SELECT a.id, a.account_id, a.site_id, a.url_id, u.url, a.kind, a.element, a.before_value, a.after_value, \
         a.observed_at, a.emailed_at FROM monitor_alerts a JOIN monitor_urls u ON u.id = a.url_id \
         WHERE a.account_id = $1 AND ($2 = '' OR a.site_id = $2) AND ($3 = '' OR a.url_id = $3) \
         ORDER BY a.observed_at DESC, a.id LIMIT {}",
        limit.clamp(1, 1000)
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.to_string())
        .bind(site.map(|s| s.to_string()).unwrap_or_default())
        .bind(url.map(|u| u.to_string()).unwrap_or_default())
        .fetch_all(conn)
        .await?;
    rows.iter().map(alert_from_row).collect()
}

// ---------------------------------------------------------------------------------------------
// Maintenance windows

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Maintenance {
    pub id: MaintenanceId,
    pub account_id: AccountId,
    pub site_id: SiteId,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub note: String,
}

pub async fn insert_maintenance(conn: &mut AnyConnection, m: &Maintenance) -> Result<()> {
    sqlx::query(
        "INSERT INTO monitor_maintenance (id, account_id, site_id, starts_at, ends_at, note) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(m.id.to_string())
    .bind(m.account_id.to_string())
    .bind(m.site_id.to_string())
    .bind(us(m.starts_at))
    .bind(us(m.ends_at))
    .bind(m.note.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete_maintenance(conn: &mut AnyConnection, account: AccountId, id: MaintenanceId) -> Result<bool> {
    let done = sqlx::query("DELETE FROM monitor_maintenance WHERE account_id = $1 AND id = $2")
        .bind(account.to_string())
        .bind(id.to_string())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

fn maintenance_from_row(row: &AnyRow) -> Result<Maintenance> {
    Ok(Maintenance {
        id: get_id(row, "id")?,
        account_id: get_id(row, "account_id")?,
        site_id: get_id(row, "site_id")?,
        starts_at: get_ts(row, "starts_at")?,
        ends_at: get_ts(row, "ends_at")?,
        note: get_str(row, "note")?,
    })
}

/// A site's windows that have not ended by `now`, soonest first.
pub async fn site_maintenance(
    conn: &mut AnyConnection,
    account: AccountId,
    site: SiteId,
    now: Timestamp,
) -> Result<Vec<Maintenance>> {
    let rows = sqlx::query(
        "SELECT id, account_id, site_id, starts_at, ends_at, note FROM monitor_maintenance \
         WHERE account_id = $1 AND site_id = $2 AND ends_at > $3 ORDER BY starts_at",
    )
    .bind(account.to_string())
    .bind(site.to_string())
    .bind(us(now))
    .fetch_all(conn)
    .await?;
    rows.iter().map(maintenance_from_row).collect()
}

/// Windows of any of `sites` in force at `now` (the scheduler's batches).
pub async fn maintenance_in_force(
    conn: &mut AnyConnection,
    sites: &[SiteId],
    now: Timestamp,
) -> Result<Vec<Maintenance>> {
    let ids: Vec<String> = sites.iter().map(ToString::to_string).collect();
    let sql = format!(
        "SELECT id, account_id, site_id, starts_at, ends_at, note FROM monitor_maintenance \
         WHERE starts_at <= {n} AND ends_at > {n} AND site_id IN ({{ids}})",
        n = us(now)
    );
    let rows = rows_for_ids(conn, &sql, &ids).await?;
    rows.iter().map(maintenance_from_row).collect()
}

// ---------------------------------------------------------------------------------------------
// Settings

/// An account's alert settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorSettings {
    /// Who receives alerts; empty: the account's administrators.
    pub recipients: Vec<String>,
    /// Checks that must see a change before it is reported (1: at once).
    pub confirm_checks: u8,
    /// "Still down" reminders every this many minutes; `None`: none.
    pub reminder_minutes: Option<u32>,
    /// When the end-of-data notice (OSX-NO-ARCHIVE) went out.
    pub export_offered_at: Option<Timestamp>,
}

impl Default for MonitorSettings {
    fn default() -> Self {
        MonitorSettings {
            recipients: Vec::new(),
            confirm_checks: 2,
            reminder_minutes: Some(24 * 60),
            export_offered_at: None,
        }
    }
}

fn settings_from_row(row: &AnyRow) -> Result<MonitorSettings> {
    let recipients = get_str(row, "recipients")?;
    let reminder: Option<i64> = row.try_get("reminder_minutes")?;
    Ok(MonitorSettings {
        recipients: recipients
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        confirm_checks: u8::try_from(get_i64(row, "confirm_checks")?).unwrap_or(2),
        reminder_minutes: reminder.and_then(|m| u32::try_from(m).ok()),
        export_offered_at: get_opt_ts(row, "export_offered_at")?,
    })
}

pub async fn settings(conn: &mut AnyConnection, account: AccountId) -> Result<MonitorSettings> {
    let row = sqlx::query(
        "SELECT recipients, confirm_checks, reminder_minutes, export_offered_at FROM monitor_settings WHERE account_id = $1",
    )
    .bind(account.to_string())
    .fetch_optional(conn)
    .await?;
    Ok(match row {
        Some(r) => settings_from_row(&r)?,
        None => MonitorSettings::default(),
    })
}

/// Settings of several accounts (absent ones get the defaults).
pub async fn settings_of(
    conn: &mut AnyConnection,
    accounts: &[AccountId],
) -> Result<std::collections::HashMap<AccountId, MonitorSettings>> {
    let ids: Vec<String> = accounts.iter().map(ToString::to_string).collect();
    let rows = rows_for_ids(
        conn,
        "SELECT account_id, recipients, confirm_checks, reminder_minutes, export_offered_at FROM monitor_settings \
         WHERE account_id IN ({ids})",
        &ids,
    )
    .await?;
    let mut out: std::collections::HashMap<AccountId, MonitorSettings> =
        accounts.iter().map(|a| (*a, MonitorSettings::default())).collect();
    for r in &rows {
        out.insert(get_id(r, "account_id")?, settings_from_row(r)?);
    }
    Ok(out)
}

pub async fn save_settings(
    conn: &mut AnyConnection,
    account: AccountId,
    s: &MonitorSettings,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO monitor_settings (account_id, recipients, confirm_checks, reminder_minutes, export_offered_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id) DO UPDATE SET recipients = $2, confirm_checks = $3, \
         reminder_minutes = $4, export_offered_at = $5, updated_at = $6",
    )
    .bind(account.to_string())
    .bind(s.recipients.join(","))
    .bind(i64::from(s.confirm_checks))
    .bind(s.reminder_minutes.map(i64::from))
    .bind(us_opt(s.export_offered_at))
    .bind(us(now))
    .execute(conn)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// End of data (OSX-NO-ARCHIVE)

/// Accounts holding any monitoring data.
pub async fn accounts_with_data(conn: &mut AnyConnection) -> Result<Vec<AccountId>> {
    let rows = sqlx::query("SELECT DISTINCT account_id FROM monitor_sites")
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| get_id(r, "account_id")).collect()
}

/// Deletes every site, URL, observation, alert, window and setting of an account; nothing is
/// archived. Returns the number of sites deleted.
pub async fn delete_all(conn: &mut AnyConnection, account: AccountId) -> Result<u64> {
    let a = account.to_string();
    for table in [
        "monitor_alerts",
        "monitor_observations",
        "monitor_maintenance",
        "monitor_sitemap_entries",
        "monitor_urls",
    ] {
        let sql = format!("DELETE FROM {table} WHERE account_id = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(a.as_str())
            .execute(&mut *conn)
            .await?;
    }
    let sites = sqlx::query("DELETE FROM monitor_sites WHERE account_id = $1")
        .bind(a.as_str())
        .execute(&mut *conn)
        .await?
        .rows_affected();
    sqlx::query("DELETE FROM monitor_settings WHERE account_id = $1")
        .bind(a.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(sites)
}
