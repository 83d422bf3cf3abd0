//! The monitor module (seed 003, Oseox): sites and the URLs three tools watch (HTTP for SEO
//! elements, PING for availability, LINK for backlinks), the scheduler that checks them when
//! due, the history of observed values, alerts and their grouped emails, and the end of the
//! data when the subscription ends (OSX-NO-ARCHIVE).
//!
//! The rules live in the `monitor` crate and the network in `probe`; this layer stores, decides
//! when, and tells people. Quotas come from billing's entitlements (OSX-PACKS) through
//! [`App::allowance`], under the keys `monitor.http_urls`, `monitor.ping_urls` and
//! `monitor.link_backlinks`.

use crate::trail::record;
use crate::{Actor, App, AppError};
use jiff::{SignedDuration, Timestamp};
use kernel::{AccountId, FieldErrors, Lang};
use monitor::changes::{
    AvailabilityAlert, AvailabilityPolicy, AvailabilityTracker, ChangeTracker, Confirmation, Element,
    MaintenanceWindow, SeoSnapshot, TlsWarning, UrlChange, group_for_email, tls_warnings_crossed,
};
use monitor::check::UpRule;
use monitor::extract::BacklinkState;
use monitor::politeness::{Cadence, next_due};
use monitor::redirects::{FetchOutcome, Hop};
use monitor::site::{Site, Tool, UrlImport, parse_url_csv, parse_url_list};
use monitor::urls::parse_http_url;
use monitor::{AlertId, MaintenanceId, SiteId, UrlId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use store::monitor::{
    Alert, AlertKind, CheckWrite, LastCheck, Maintenance, MonitorSettings, NewUrl, Observation, SiteRow, SiteSummary,
    UrlFilter, UrlRole, WatchedUrl,
};

/// The recurring job that applies the end-of-data rule (OSX-NO-ARCHIVE).
pub const TICK: &str = "monitor.tick";

/// How many URLs a worker claims at a time.
pub const CLAIM_BATCH: u32 = 250;

/// Checks a worker keeps started: its [`DEFAULT_CONCURRENCY`] slots busy and as many queued, so
/// that the slots stay busy while the worker claims or writes.
pub const IN_FLIGHT: usize = 2 * DEFAULT_CONCURRENCY;

/// Finished checks written together (one transaction, one alert email per site).
pub const WRITE_BATCH: usize = 250;

/// How long finished checks wait for more before they are written anyway.
pub const WRITE_WAIT: std::time::Duration = std::time::Duration::from_millis(200);

/// How long a worker waits before it looks again when nothing was due.
pub const IDLE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Checks due URLs until `stop` changes: every `comptoir serve` and `comptoir worker` runs this
/// beside its job runner, and they share the checks through leased claims. The loop is the
/// edge where real time enters: each claim reads the system clock and passes it down as `now`.
pub async fn run_checks(app: App, worker: String, stop: tokio::sync::watch::Receiver<bool>) {
    tracing::info!(%worker, in_flight = IN_FLIGHT, "monitor checks started");
    loop {
        match app
            .monitor_check_stream(&worker, &crate::system_now, false, Some(stop.clone()))
            .await
        {
            Ok(report) => {
                tracing::info!(
                    checked = report.checked,
                    deferred = report.deferred,
                    alerts = report.alerts,
                    emails = report.emails,
                    "monitor checks stopped"
                );
                return;
            }
            // A failed claim or write (the database went away): the leases make the URLs due
            // again later; try again after a pause.
            Err(e) => {
                tracing::warn!(error = %e, "monitor checks failed");
                if *stop.borrow() {
                    return;
                }
                tokio::time::sleep(IDLE_WAIT).await;
            }
        }
    }
}

/// The default cadence of new URLs: hourly.
pub const DEFAULT_CADENCE_MINUTES: u32 = 60;

/// How long a worker holds the URLs it claimed before another may take them again: longer than
/// a check can last (the 10-second deadline, robots.txt and a sitemap read).
pub const CLAIM_LEASE: SignedDuration = SignedDuration::from_mins(5);

/// How many checks run at once in one process (each host still gets at most its own cap).
pub const DEFAULT_CONCURRENCY: usize = 256;

/// The probe's default settings for an instance: its requests name Comptoir and this instance's
/// page about the bot (`/bot`), so a site owner knows who checks them and how to stop it.
pub fn probe_config_for(public_url: &str) -> probe::ProbeConfig {
    let header = format!(
        "Comptoir-Monitor/{} (+{}/bot)",
        env!("CARGO_PKG_VERSION"),
        public_url.trim_end_matches('/')
    );
    probe::ProbeConfig {
        user_agent: monitor::UserAgent::new(header).unwrap_or_default(),
        ..probe::ProbeConfig::default()
    }
}

/// The entitlement key of a tool's quota.
pub fn quota_key(tool: Tool) -> &'static str {
    match tool {
        Tool::Http => "monitor.http_urls",
        Tool::Ping => "monitor.ping_urls",
        Tool::Link => "monitor.link_backlinks",
    }
}

/// What is stored as a URL's trackers between checks.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Trackers {
    pub changes: ChangeTracker,
    pub availability: AvailabilityTracker,
    /// LINK: the confirmed backlink state, and a different state seen but not yet confirmed.
    pub link: Option<LinkState>,
    pub link_pending: Option<(LinkState, u8)>,
}

/// A backlink's state as compared between checks (OSX-LINK).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkState {
    /// `present`, `missing`, `blocked_by_robots`, `http_error`, `unanswered`.
    pub state: String,
    pub follow: Option<bool>,
    pub anchors: Vec<String>,
    pub rels: Vec<String>,
    pub page_indexable: Option<bool>,
}

impl LinkState {
    /// The state as a person reads it: `present, nofollow — « anchor »`.
    pub fn describe(&self, lang: Lang) -> String {
        let state = match (self.state.as_str(), lang) {
            ("present", Lang::Fr) => "présent",
            ("present", Lang::En) => "present",
            ("missing", Lang::Fr) => "absent",
            ("missing", Lang::En) => "missing",
            ("blocked_by_robots", Lang::Fr) => "page interdite par robots.txt",
            ("blocked_by_robots", Lang::En) => "page blocked by robots.txt",
            ("unanswered", Lang::Fr) => "page sans réponse",
            ("unanswered", Lang::En) => "page unanswered",
            (_, Lang::Fr) => "erreur HTTP",
            (_, Lang::En) => "HTTP error",
        };
        let mut out = state.to_string();
        if let Some(follow) = self.follow {
            out.push_str(if follow { ", follow" } else { ", nofollow" });
        }
        if !self.anchors.is_empty() {
            out.push_str(&format!(" — « {} »", self.anchors.join(" », « ")));
        }
        if self.page_indexable == Some(false) {
            out.push_str(match lang {
                Lang::Fr => " (page non indexable)",
                Lang::En => " (page not indexable)",
            });
        }
        out
    }
}

/// What the last check saw, as kept on the URL (the `snapshot` column).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Seen {
    pub snapshot: Option<SeoSnapshot>,
    pub hops: Vec<Hop>,
    /// Why the page is not indexable (monitor::extract::NotIndexable codes).
    pub not_indexable: Vec<String>,
    /// A note on the body (truncated, not HTML…) or the failure's code.
    pub note: Option<String>,
    pub failure: Option<String>,
    pub link: Option<LinkState>,
}

/// A site with its counts and its maintenance windows.
#[derive(Debug, Clone)]
pub struct SiteView {
    pub summary: SiteSummary,
    pub maintenance: Vec<Maintenance>,
    /// Cadence per tool, in minutes, as set on the site's URLs (the most common one).
    pub cadences: BTreeMap<&'static str, u32>,
}

/// How URLs are given to the HTTP tool.
#[derive(Debug, Clone)]
pub enum UrlSource {
    /// One URL, absolute or a path of the site.
    One(String),
    /// A pasted list, one per line.
    List(String),
    /// A CSV file with a `url` column.
    Csv(Vec<u8>),
    /// The site's sitemap (index and gzip included).
    Sitemap,
}

/// What an import added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Added {
    pub added: u64,
    /// Repeated lines of the input.
    pub duplicates: u64,
    /// URLs the site already watched.
    pub already_watched: u64,
}

/// A maintenance window to plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMaintenance {
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub note: String,
}

/// A page of a site's URLs.
#[derive(Debug, Clone)]
pub struct UrlPage {
    pub urls: Vec<WatchedUrl>,
    /// The URL to pass as `after` for the next page, when there is one.
    pub next_after: Option<String>,
}

/// A URL with its history.
#[derive(Debug, Clone)]
pub struct UrlDetail {
    pub url: WatchedUrl,
    pub site: SiteRow,
    pub seen: Seen,
    pub timeline: Vec<Observation>,
    pub alerts: Vec<Alert>,
}

/// One before/after pair of the diff view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ElementChange {
    pub element: Element,
    pub before: Option<String>,
    pub after: Option<String>,
    pub at: Timestamp,
}

impl UrlDetail {
    /// Each value change of the timeline as before → after, newest first.
    pub fn changes(&self) -> Vec<ElementChange> {
        // The timeline is newest first; walk it oldest first to pair each value with the one
        // it replaced.
        let mut last: HashMap<Element, Option<String>> = HashMap::new();
        let mut out = Vec::new();
        for o in self.timeline.iter().rev() {
            if let Some(before) = last.insert(o.element, o.value.clone()) {
                out.push(ElementChange {
                    element: o.element,
                    before,
                    after: o.value.clone(),
                    at: o.observed_at,
                });
            }
        }
        out.reverse();
        out
    }
}

/// What one scheduler run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RunReport {
    pub checked: usize,
    pub deferred: usize,
    pub alerts: usize,
    pub emails: usize,
}

impl std::ops::AddAssign for RunReport {
    fn add_assign(&mut self, other: RunReport) {
        self.checked += other.checked;
        self.deferred += other.deferred;
        self.alerts += other.alerts;
        self.emails += other.emails;
    }
}

/// A ping target: `https://…` for an HTTP ping, `tcp://host:port` for a TCP connect.
fn parse_ping_target(site: &Site, raw: &str) -> Result<(String, String), FieldErrors> {
    let raw = raw.trim();
    if let Some(rest) = raw.strip_prefix("tcp://") {
        let (host, port) = rest
            .trim_end_matches('/')
            .rsplit_once(':')
            .ok_or_else(|| FieldErrors::single("url", "tcp_port_required"))?;
        let port: u16 = port
            .parse()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| FieldErrors::single("url", "tcp_port_invalid"))?;
        let host = host.to_ascii_lowercase();
        if host != site.host() {
            return Err(FieldErrors::single("url", "url_outside_site"));
        }
        return Ok((format!("tcp://{host}:{port}"), format!("tcp:{port}")));
    }
    let url = site
        .parse_url(raw)
        .map_err(|e| FieldErrors(vec![e.field_error("url")]))?;
    Ok((url.to_string(), String::new()))
}

fn forbidden_without_module() -> AppError {
    AppError::Forbidden("monitor_not_subscribed")
}

impl App {
    /// The probe the checks go through, built on first use from [`App::set_probe_config`]'s
    /// settings (defaults: 10-second deadline, 2 requests per host).
    pub fn probe(&self) -> Result<&probe::Probe, AppError> {
        if let Some(p) = self.probe.get() {
            return Ok(p);
        }
        let config = self.probe_config.lock().map(|c| c.clone()).unwrap_or_default();
        let built = probe::Probe::new(config).map_err(|e| anyhow::anyhow!("monitor probe: {e}"))?;
        Ok(self.probe.get_or_init(|| built))
    }

    /// Sets the probe's settings; only before the first check (tests trust their own TLS
    /// authority this way, the benchmark lifts the per-host cap).
    pub fn set_probe_config(&self, config: probe::ProbeConfig) {
        if let Ok(mut c) = self.probe_config.lock() {
            *c = config;
        }
    }

    /// The quota of a tool, `None` when no subscription grants the monitor module.
    async fn monitor_quota(&self, account: AccountId, tool: Tool) -> Result<Option<billing::Quota>, AppError> {
        self.allowance(account, quota_key(tool)).await
    }

    async fn ensure_monitor_quota(&self, account: AccountId, tool: Tool, adding: u64) -> Result<(), AppError> {
        let quota = self
            .monitor_quota(account, tool)
            .await?
            .ok_or_else(forbidden_without_module)?;
        if let billing::Quota::Limited(limit) = quota {
            let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
            let current = store::monitor::count_urls(&mut tx, account, tool).await?;
            tx.commit().await?;
            if let Err(e) = monitor::site::check_quota(tool, limit, current, adding) {
                return Err(AppError::Limit {
                    field: "urls",
                    key: quota_key(tool).to_string(),
                    limit: e.limit,
                });
            }
        }
        Ok(())
    }

    /// What the account may watch, per tool: (in use, limit; `None` limit for unlimited).
    pub async fn monitor_usage(&self, account: AccountId) -> Result<Vec<(Tool, u64, Option<u64>)>, AppError> {
        let mut out = Vec::new();
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        let mut counts = Vec::new();
        for tool in Tool::ALL {
            counts.push(store::monitor::count_urls(&mut tx, account, tool).await?);
        }
        tx.commit().await?;
        for (tool, used) in Tool::ALL.into_iter().zip(counts) {
            let limit = match self.monitor_quota(account, tool).await? {
                Some(billing::Quota::Limited(l)) => Some(l),
                Some(billing::Quota::Unlimited) => None,
                None => Some(0),
            };
            out.push((tool, used, limit));
        }
        Ok(out)
    }

    /// Whether a subscription of the account grants the monitor module.
    pub async fn monitor_enabled(&self, account: AccountId) -> Result<bool, AppError> {
        Ok(self.monitor_quota(account, Tool::Http).await?.is_some())
    }

    /// Adds a site (OSX-SITE): its home page, robots.txt and sitemap are watched at once, and
    /// count in the HTTP quota.
    pub async fn monitor_add_site(
        &self,
        actor: &Actor,
        account: AccountId,
        input: &str,
        now: Timestamp,
    ) -> Result<SiteRow, AppError> {
        let site = Site::parse(input).map_err(|e| FieldErrors(vec![e.field_error("site")]))?;
        self.ensure_monitor_quota(account, Tool::Http, 3).await?;
        let row = SiteRow {
            id: SiteId::new(),
            account_id: account,
            origin: site.origin(),
            host: site.host().to_string(),
            domain: site.domain().to_string(),
            created_at: now,
            sitemap_read_at: None,
        };
        let [home, robots, sitemap] = site.default_urls();
        let urls: Vec<NewUrl> = [
            (home, UrlRole::Home),
            (robots, UrlRole::Robots),
            (sitemap, UrlRole::Sitemap),
        ]
        .into_iter()
        .map(|(url, role)| new_url(row.id, Tool::Http, role, url.to_string(), String::new(), now))
        .collect();
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Write).await?;
        if let Err(e) = store::monitor::insert_site(&mut tx, &row).await {
            if e.is_unique_violation() {
                return Err(AppError::Conflict {
                    field: "site",
                    code: "site_already_watched",
                });
            }
            return Err(e.into());
        }
        store::monitor::insert_urls(&mut tx, account, &urls, now).await?;
        record(
            &mut tx,
            actor,
            Some(account),
            "monitor.site_add",
            Some(("monitor_site", row.id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The account's sites with their counts.
    pub async fn monitor_sites(&self, account: AccountId) -> Result<Vec<SiteSummary>, AppError> {
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        let out = store::monitor::site_summaries(&mut tx, account).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// One site with its counts and windows.
    pub async fn monitor_site(&self, account: AccountId, id: SiteId, now: Timestamp) -> Result<SiteView, AppError> {
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        let summary = store::monitor::site_summaries(&mut tx, account)
            .await?
            .into_iter()
            .find(|s| s.site.id == id)
            .ok_or(AppError::NotFound)?;
        let maintenance = store::monitor::site_maintenance(&mut tx, account, id, now).await?;
        let mut cadences = BTreeMap::new();
        for tool in Tool::ALL {
            let page = store::monitor::list_urls(
                &mut tx,
                self.db.backend(),
                account,
                id,
                &UrlFilter {
                    tool: Some(tool),
                    limit: 1,
                    ..UrlFilter::default()
                },
            )
            .await?;
            cadences.insert(
                tool.code(),
                page.first().map_or(DEFAULT_CADENCE_MINUTES, |u| u.cadence_minutes),
            );
        }
        tx.commit().await?;
        Ok(SiteView {
            summary,
            maintenance,
            cadences,
        })
    }

    async fn site_of(&self, account: AccountId, id: SiteId) -> Result<(SiteRow, Site), AppError> {
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        let row = store::monitor::get_site(&mut tx, account, id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        let site = Site::parse(&row.origin).map_err(|e| anyhow::anyhow!("stored site {}: {e}", row.origin))?;
        Ok((row, site))
    }

    /// Stops watching a site: its URLs, history and alerts go with it.
    pub async fn monitor_delete_site(
        &self,
        actor: &Actor,
        account: AccountId,
        id: SiteId,
        now: Timestamp,
    ) -> Result<(), AppError> {
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Write).await?;
        if !store::monitor::delete_site(&mut tx, account, id).await? {
            return Err(AppError::NotFound);
        }
        record(
            &mut tx,
            actor,
            Some(account),
            "monitor.site_delete",
            Some(("monitor_site", id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds URLs to the HTTP tool: each must belong to the site; an import is all or nothing
    /// with every faulty line listed (`urls[LINE]`), and refused whole beyond the quota.
    pub async fn monitor_add_urls(
        &self,
        actor: &Actor,
        account: AccountId,
        site_id: SiteId,
        source: UrlSource,
        now: Timestamp,
    ) -> Result<Added, AppError> {
        let (row, site) = self.site_of(account, site_id).await?;
        let import: UrlImport = match &source {
            UrlSource::One(raw) => {
                let url = site
                    .parse_url(raw)
                    .map_err(|e| FieldErrors(vec![e.field_error("url")]))?;
                UrlImport {
                    urls: vec![url],
                    duplicates: 0,
                }
            }
            UrlSource::List(text) => parse_url_list(&site, text).map_err(|e| e.field_errors("urls"))?,
            UrlSource::Csv(data) => parse_url_csv(&site, data).map_err(|e| e.field_errors("file"))?,
            UrlSource::Sitemap => {
                let sitemap = site.default_sitemap_url();
                let urls = self
                    .probe()?
                    .sitemap_urls(&sitemap, now)
                    .await
                    .map_err(|e| FieldErrors::single("sitemap", e.code()))?;
                let mut seen = HashSet::new();
                let mut import = UrlImport::default();
                for u in urls {
                    let u = monitor::urls::normalize(u);
                    if !monitor::site::belongs_to(&site, &u) {
                        continue;
                    }
                    if seen.insert(u.to_string()) {
                        import.urls.push(u);
                    } else {
                        import.duplicates += 1;
                    }
                }
                if import.urls.is_empty() {
                    return Err(FieldErrors::single("sitemap", "sitemap_no_url").into());
                }
                import
            }
        };
        let wanted: Vec<String> = import.urls.iter().map(|u| u.to_string()).collect();
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        let already: HashSet<String> = store::monitor::already_watched(&mut tx, account, Tool::Http, "", &wanted)
            .await?
            .into_iter()
            .collect();
        tx.commit().await?;
        let fresh: Vec<NewUrl> = wanted
            .into_iter()
            .filter(|u| !already.contains(u))
            .map(|u| new_url(row.id, Tool::Http, UrlRole::Page, u, String::new(), now))
            .collect();
        self.ensure_monitor_quota(account, Tool::Http, fresh.len() as u64)
            .await?;
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Write).await?;
        let added = store::monitor::insert_urls(&mut tx, account, &fresh, now).await?;
        record(
            &mut tx,
            actor,
            Some(account),
            "monitor.urls_add",
            Some(("monitor_site", row.id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Added {
            added,
            duplicates: import.duplicates as u64,
            already_watched: already.len() as u64,
        })
    }

    /// Watches a site's availability (PING): an http(s) URL of the site, or `tcp://host:port`.
    pub async fn monitor_add_ping(
        &self,
        actor: &Actor,
        account: AccountId,
        site_id: SiteId,
        target: &str,
        now: Timestamp,
    ) -> Result<UrlId, AppError> {
        let (row, site) = self.site_of(account, site_id).await?;
        let (url, kind) = parse_ping_target(&site, target)?;
        self.add_one(actor, account, &row, Tool::Ping, url, kind, now).await
    }

    /// Watches a backlink (OSX-LINK): a page of a site the client does not own, and the
    /// client's URL (of this site) it should link to.
    pub async fn monitor_add_backlink(
        &self,
        actor: &Actor,
        account: AccountId,
        site_id: SiteId,
        page: &str,
        target: &str,
        now: Timestamp,
    ) -> Result<UrlId, AppError> {
        let (row, site) = self.site_of(account, site_id).await?;
        let mut errors = FieldErrors::new();
        let page = match parse_http_url(page) {
            Ok(p) if monitor::site::belongs_to(&site, &p) => {
                errors.push("page", "page_on_own_site");
                None
            }
            Ok(p) => Some(p),
            Err(e) => {
                errors.0.push(e.field_error("page"));
                None
            }
        };
        let target = match site.parse_url(target) {
            Ok(t) => Some(t),
            Err(e) => {
                errors.0.push(e.field_error("target"));
                None
            }
        };
        errors.into_result()?;
        let (Some(page), Some(target)) = (page, target) else {
            return Err(FieldErrors::single("page", "invalid").into());
        };
        self.add_one(
            actor,
            account,
            &row,
            Tool::Link,
            page.to_string(),
            target.to_string(),
            now,
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn add_one(
        &self,
        actor: &Actor,
        account: AccountId,
        site: &SiteRow,
        tool: Tool,
        url: String,
        target: String,
        now: Timestamp,
    ) -> Result<UrlId, AppError> {
        self.ensure_monitor_quota(account, tool, 1).await?;
        let new = new_url(site.id, tool, UrlRole::Page, url, target, now);
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Write).await?;
        if store::monitor::insert_urls(&mut tx, account, std::slice::from_ref(&new), now).await? == 0 {
            return Err(AppError::Conflict {
                field: "url",
                code: "url_already_watched",
            });
        }
        record(
            &mut tx,
            actor,
            Some(account),
            &format!("monitor.{}_add", tool.code()),
            Some(("monitor_url", new.id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(new.id)
    }

    /// One page of a site's URLs.
    pub async fn monitor_urls(
        &self,
        account: AccountId,
        site: SiteId,
        filter: &UrlFilter,
    ) -> Result<UrlPage, AppError> {
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        if store::monitor::get_site(&mut tx, account, site).await?.is_none() {
            return Err(AppError::NotFound);
        }
        let mut urls = store::monitor::list_urls(&mut tx, self.db.backend(), account, site, filter).await?;
        tx.commit().await?;
        let limit = filter.limit.clamp(1, 1000) as usize;
        let next_after = (urls.len() > limit).then(|| {
            urls.truncate(limit);
            urls.last().map(|u| u.url.clone()).unwrap_or_default()
        });
        Ok(UrlPage { urls, next_after })
    }

    /// A URL with its timeline and alerts.
    pub async fn monitor_url(&self, account: AccountId, id: UrlId) -> Result<UrlDetail, AppError> {
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        let url = store::monitor::get_url(&mut tx, account, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let site = store::monitor::get_site(&mut tx, account, url.site_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let timeline = store::monitor::timeline(&mut tx, account, id, 2000).await?;
        let alerts = store::monitor::alerts(&mut tx, account, None, Some(id), 200).await?;
        tx.commit().await?;
        let seen = url
            .last
            .snapshot
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default();
        Ok(UrlDetail {
            url,
            site,
            seen,
            timeline,
            alerts,
        })
    }

    /// Stops watching one URL.
    pub async fn monitor_delete_url(
        &self,
        actor: &Actor,
        account: AccountId,
        id: UrlId,
        now: Timestamp,
    ) -> Result<(), AppError> {
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Write).await?;
        if !store::monitor::delete_url(&mut tx, account, id).await? {
            return Err(AppError::NotFound);
        }
        record(
            &mut tx,
            actor,
            Some(account),
            "monitor.url_delete",
            Some(("monitor_url", id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets how often a tool checks a site's URLs (OSX-CADENCE: every 5 minutes to daily).
    pub async fn monitor_set_cadence(
        &self,
        actor: &Actor,
        account: AccountId,
        site: SiteId,
        tool: Tool,
        minutes: u32,
        now: Timestamp,
    ) -> Result<u64, AppError> {
        let cadence =
            Cadence::from_minutes(minutes).map_err(|e| FieldErrors(vec![e.field_error("cadence_minutes")]))?;
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Write).await?;
        if store::monitor::get_site(&mut tx, account, site).await?.is_none() {
            return Err(AppError::NotFound);
        }
        let n = store::monitor::set_cadence(&mut tx, account, site, tool, cadence.minutes()).await?;
        // A shorter cadence applies within one new period, each URL at its own spread place,
        // not after the due time the old cadence had set.
        let sooner: Vec<(UrlId, Timestamp)> = store::monitor::due_times(&mut tx, account, site, tool)
            .await?
            .into_iter()
            .filter_map(|(id, due)| {
                let next = next_due(id.to_string().as_bytes(), cadence, now);
                (next < due).then_some((id, next))
            })
            .collect();
        store::monitor::reschedule(&mut tx, &sooner).await?;
        record(
            &mut tx,
            actor,
            Some(account),
            "monitor.cadence_set",
            Some(("monitor_site", site.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Plans a maintenance window: the site's alerts pause from `starts_at` to `ends_at`.
    pub async fn monitor_add_maintenance(
        &self,
        actor: &Actor,
        account: AccountId,
        site: SiteId,
        window: &NewMaintenance,
        now: Timestamp,
    ) -> Result<MaintenanceId, AppError> {
        let NewMaintenance {
            starts_at,
            ends_at,
            note,
        } = window;
        let (starts_at, ends_at) = (*starts_at, *ends_at);
        if ends_at <= starts_at {
            return Err(FieldErrors::single("ends_at", "ends_before_start").into());
        }
        if ends_at <= now {
            return Err(FieldErrors::single("ends_at", "in_the_past").into());
        }
        let m = Maintenance {
            id: MaintenanceId::new(),
            account_id: account,
            site_id: site,
            starts_at,
            ends_at,
            note: note.trim().chars().take(200).collect(),
        };
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Write).await?;
        if store::monitor::get_site(&mut tx, account, site).await?.is_none() {
            return Err(AppError::NotFound);
        }
        store::monitor::insert_maintenance(&mut tx, &m).await?;
        record(
            &mut tx,
            actor,
            Some(account),
            "monitor.maintenance_add",
            Some(("monitor_site", site.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(m.id)
    }

    pub async fn monitor_delete_maintenance(
        &self,
        actor: &Actor,
        account: AccountId,
        id: MaintenanceId,
        now: Timestamp,
    ) -> Result<(), AppError> {
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Write).await?;
        if !store::monitor::delete_maintenance(&mut tx, account, id).await? {
            return Err(AppError::NotFound);
        }
        record(
            &mut tx,
            actor,
            Some(account),
            "monitor.maintenance_delete",
            Some(("monitor_maintenance", id.to_string())),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The account's alerts, newest first.
    pub async fn monitor_alerts(
        &self,
        account: AccountId,
        site: Option<SiteId>,
        limit: u32,
    ) -> Result<Vec<Alert>, AppError> {
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        let out = store::monitor::alerts(&mut tx, account, site, None, limit).await?;
        tx.commit().await?;
        Ok(out)
    }

    pub async fn monitor_settings(&self, account: AccountId) -> Result<MonitorSettings, AppError> {
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        let out = store::monitor::settings(&mut tx, account).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Saves who receives alerts, how many checks confirm a change, and "still down" reminders.
    pub async fn monitor_save_settings(
        &self,
        actor: &Actor,
        account: AccountId,
        recipients: &str,
        confirm_checks: u8,
        reminder_minutes: Option<u32>,
        now: Timestamp,
    ) -> Result<MonitorSettings, AppError> {
        let mut errors = FieldErrors::new();
        let mut list = Vec::new();
        for r in recipients
            .split([',', ';', '\n'])
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            match kernel::values::Email::parse("recipients", r) {
                Ok(e) => list.push(e.as_str().to_string()),
                Err(e) => errors.0.push(e),
            }
        }
        if list.len() > 20 {
            errors.push("recipients", "too_many");
        }
        if !(1..=5).contains(&confirm_checks) {
            errors.push("confirm_checks", "out_of_range");
        }
        if let Some(m) = reminder_minutes
            && !(5..=7 * 24 * 60).contains(&m)
        {
            errors.push("reminder_minutes", "out_of_range");
        }
        errors.into_result()?;
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Write).await?;
        let mut settings = store::monitor::settings(&mut tx, account).await?;
        settings.recipients = list;
        settings.confirm_checks = confirm_checks;
        settings.reminder_minutes = reminder_minutes;
        store::monitor::save_settings(&mut tx, account, &settings, now).await?;
        record(&mut tx, actor, Some(account), "monitor.settings_save", None, now).await?;
        tx.commit().await?;
        Ok(settings)
    }

    /// Everything the account's monitor holds (OSX-NO-ARCHIVE's export): sites, URLs, history.
    pub async fn monitor_export(&self, account: AccountId) -> Result<monitor::export::Export, AppError> {
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        let sites = store::monitor::sites(&mut tx, account).await?;
        let urls = store::monitor::all_urls(&mut tx, account).await?;
        let history = store::monitor::all_observations(&mut tx, account).await?;
        tx.commit().await?;
        let url_of: HashMap<UrlId, String> = urls.iter().map(|u| (u.id, u.url.clone())).collect();
        Ok(monitor::export::Export {
            sites: sites
                .into_iter()
                .map(|s| monitor::export::ExportSite {
                    site_id: s.id,
                    site: s.origin,
                    created_at: s.created_at,
                })
                .collect(),
            urls: urls
                .iter()
                .map(|u| monitor::export::ExportUrl {
                    url_id: u.id,
                    site_id: u.site_id,
                    url: u.url.clone(),
                    tool: u.tool,
                    cadence_minutes: u.cadence_minutes,
                })
                .collect(),
            history: history
                .into_iter()
                .map(|o| monitor::export::ExportObservation {
                    url: url_of.get(&o.url_id).cloned().unwrap_or_default(),
                    url_id: o.url_id,
                    observed_at: o.observed_at,
                    element: o.element,
                    value: o.value,
                })
                .collect(),
        })
    }

    // -----------------------------------------------------------------------------------------
    // The scheduler

    /// Claims up to `limit` URLs due at `now`, checks them (at most [`DEFAULT_CONCURRENCY`] at
    /// once in this process, each host within its cap), records what they saw, and sends one
    /// email per site with the run's alerts. Claims are leased rows of the due-time index, so
    /// workers share the checks and a crash only delays them. Workers run
    /// [`App::monitor_check_stream`], which does the same without waiting for a whole batch.
    pub async fn monitor_run_due(&self, worker: &str, now: Timestamp, limit: u32) -> Result<RunReport, AppError> {
        let probe = self.probe()?.clone();
        let Some(batch) = self.claim_batch(worker, now, limit).await? else {
            return Ok(RunReport::default());
        };
        let mut checks = tokio::task::JoinSet::new();
        self.spawn_checks(&probe, batch, &mut checks);
        let mut done = Vec::new();
        while let Some(task) = checks.join_next().await {
            done.extend(finished(task));
        }
        self.write_checks(done).await
    }

    /// Claims up to `limit` URLs due at `now` and reads, once, what their checks need.
    async fn claim_batch(&self, worker: &str, now: Timestamp, limit: u32) -> Result<Option<Batch>, AppError> {
        let lease_until = now.checked_add(CLAIM_LEASE).unwrap_or(now);
        let mut tx = self.db.write().await?;
        let due = store::monitor::claim_due(&mut tx, self.db.backend(), worker, now, lease_until, limit).await?;
        tx.commit().await?;
        if due.is_empty() {
            return Ok(None);
        }
        let site_ids: Vec<SiteId> = due
            .iter()
            .map(|u| u.site_id)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let accounts: Vec<AccountId> = due
            .iter()
            .map(|u| u.account_id)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut tx = self.db.read().await?;
        let sites: HashMap<SiteId, SiteRow> = store::monitor::sites_by_ids(&mut tx, &site_ids)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let windows = store::monitor::maintenance_in_force(&mut tx, &site_ids, now).await?;
        let settings = store::monitor::settings_of(&mut tx, &accounts).await?;
        // Presence in the sitemap is only known, and looked up, for sites whose sitemap was read.
        let http_urls: Vec<String> = due
            .iter()
            .filter(|u| u.tool == Tool::Http)
            .filter(|u| sites.get(&u.site_id).is_some_and(|s| s.sitemap_read_at.is_some()))
            .map(|u| u.url.clone())
            .collect();
        let listed: HashSet<(SiteId, String)> = store::monitor::in_sitemaps(&mut tx, &http_urls)
            .await?
            .into_iter()
            .collect();
        tx.commit().await?;
        let in_maintenance: HashSet<SiteId> = windows
            .iter()
            .filter(|w| {
                monitor::changes::in_maintenance(
                    &[MaintenanceWindow {
                        start: w.starts_at,
                        end: w.ends_at,
                    }],
                    now,
                )
            })
            .map(|w| w.site_id)
            .collect();
        Ok(Some(Batch {
            due,
            listed,
            context: Arc::new(BatchContext {
                now,
                sites,
                settings,
                in_maintenance,
            }),
        }))
    }

    /// Starts the batch's checks. Each is a task of its own, folded into its URL's trackers
    /// there too, so that parsing bodies and comparing snapshots spread over every core.
    fn spawn_checks(&self, probe: &probe::Probe, batch: Batch, into: &mut tokio::task::JoinSet<Option<Done>>) {
        let Batch { due, listed, context } = batch;
        for url in due {
            let probe = probe.clone();
            let slots = self.check_slots.clone();
            let context = context.clone();
            let site = context.sites.get(&url.site_id).cloned();
            let in_sitemap = site
                .as_ref()
                .and_then(|s| s.sitemap_read_at)
                .map(|_| listed.contains(&(url.site_id, url.url.clone())));
            into.spawn(async move {
                let now = context.now;
                let done = {
                    // The semaphore is never closed; without a permit the check still runs.
                    let _slot = slots.acquire_owned().await.ok();
                    check_one(&probe, url, site, in_sitemap, now).await
                };
                let CheckDone { url, observed, sitemap } = done;
                let folded = match observed? {
                    Observed::Deferred(until) => Folded::Deferred(url.id, until),
                    Observed::Checked(checked) => {
                        let settings = context.settings.get(&url.account_id).cloned().unwrap_or_default();
                        let paused = context.in_maintenance.contains(&url.site_id);
                        let applied = apply(&url, checked, &settings, paused, now);
                        let sitemap = sitemap.map(|urls| (url.site_id, urls));
                        Folded::Checked(Box::new(applied), url.account_id, sitemap)
                    }
                };
                Some(Done { folded, context })
            });
        }
    }

    /// Records finished checks, of one batch or several, in one transaction: the URLs' last
    /// values and trackers, the history, sitemaps read, and the alerts, emailed as one message
    /// per site and recipient unless a maintenance window holds them back (OSX-ALERT-EMAIL).
    async fn write_checks(&self, done: Vec<Done>) -> Result<RunReport, AppError> {
        let mut report = RunReport::default();
        if done.is_empty() {
            return Ok(report);
        }
        let mut writes = Vec::new();
        let mut deferrals = Vec::new();
        let mut observations = Vec::new();
        let mut to_email: Vec<Alert> = Vec::new();
        let mut held: Vec<Alert> = Vec::new();
        let mut sitemaps = Vec::new();
        let mut sites: HashMap<SiteId, SiteRow> = HashMap::new();
        let mut settings: HashMap<AccountId, MonitorSettings> = HashMap::new();
        let mut now = Timestamp::UNIX_EPOCH;
        for Done { folded, context } in done {
            now = now.max(context.now);
            match folded {
                Folded::Deferred(id, until) => {
                    report.deferred += 1;
                    deferrals.push((id, until));
                }
                Folded::Checked(applied, account, sitemap) => {
                    report.checked += 1;
                    let Applied {
                        write,
                        observations: seen,
                        alerts: raised,
                    } = *applied;
                    observations.extend(seen.into_iter().map(|o| (account, o)));
                    report.alerts += raised.len();
                    for alert in raised {
                        if let Some(site) = context.sites.get(&alert.site_id) {
                            sites.entry(site.id).or_insert_with(|| site.clone());
                        }
                        if let Some(s) = context.settings.get(&alert.account_id) {
                            settings.entry(alert.account_id).or_insert_with(|| s.clone());
                        }
                        // Alerts held back by a maintenance window are kept, not emailed.
                        if context.in_maintenance.contains(&alert.site_id) {
                            held.push(alert);
                        } else {
                            to_email.push(alert);
                        }
                    }
                    writes.push(write);
                    if let Some((site_id, urls)) = sitemap {
                        sitemaps.push((account, site_id, urls));
                    }
                }
            }
        }
        let backend = self.db.backend();
        let mut tx = self.db.write().await?;
        store::monitor::defer(&mut tx, backend, &deferrals).await?;
        store::monitor::save_checks(&mut tx, backend, &writes).await?;
        store::monitor::insert_observations(&mut tx, backend, &observations).await?;
        for (account, site, urls) in sitemaps {
            store::monitor::replace_sitemap_entries(&mut tx, account, site, &urls, now).await?;
        }
        store::monitor::insert_alerts(&mut tx, &held).await?;
        let mut emailed = Vec::new();
        let mut by_account: BTreeMap<AccountId, Vec<Alert>> = BTreeMap::new();
        for a in to_email {
            by_account.entry(a.account_id).or_default().push(a);
        }
        for (account, mut list) in by_account {
            let s = settings.get(&account).cloned().unwrap_or_default();
            report.emails += self.email_alerts(&mut tx, account, &s, &sites, &list, now).await?;
            for a in &mut list {
                a.emailed_at = Some(now);
            }
            emailed.extend(list);
        }
        store::monitor::insert_alerts(&mut tx, &emailed).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Checks due URLs as a stream, what every worker runs: claims keep about [`IN_FLIGHT`]
    /// checks started (the process's [`DEFAULT_CONCURRENCY`] slots busy and as many waiting), and
    /// finished checks are written [`WRITE_BATCH`] at a time, or after [`WRITE_WAIT`] without a
    /// new one. Neither the slowest check of a batch nor the writing of another leaves the
    /// cores idle. Each claim's instant comes from `clock`. With `until_idle`, returns once nothing
    /// is due and everything started is written; otherwise goes on, looking again every
    /// [`IDLE_WAIT`] when nothing is due, until `stop` turns true, then finishes what it started.
    /// One write is one run for the alert emails: one email per site and write.
    pub async fn monitor_check_stream(
        &self,
        worker: &str,
        clock: &(dyn Fn() -> Timestamp + Sync),
        until_idle: bool,
        mut stop: Option<tokio::sync::watch::Receiver<bool>>,
    ) -> Result<RunReport, AppError> {
        let probe = self.probe()?.clone();
        let mut checks = tokio::task::JoinSet::new();
        let mut done: Vec<Done> = Vec::new();
        let mut total = RunReport::default();
        // When the last claim found nothing due.
        let mut found_none: Option<tokio::time::Instant> = None;
        let stopping = |stop: &Option<tokio::sync::watch::Receiver<bool>>| stop.as_ref().is_some_and(|s| *s.borrow());
        loop {
            let may_claim = !stopping(&stop)
                && match found_none {
                    None => true,
                    Some(at) => !until_idle && at.elapsed() >= IDLE_WAIT,
                };
            if may_claim {
                found_none = None;
                while checks.len() < IN_FLIGHT {
                    match self.claim_batch(worker, clock(), CLAIM_BATCH).await? {
                        Some(batch) => self.spawn_checks(&probe, batch, &mut checks),
                        None => {
                            found_none = Some(tokio::time::Instant::now());
                            break;
                        }
                    }
                }
            }
            if checks.is_empty() {
                total += self.write_checks(std::mem::take(&mut done)).await?;
                if until_idle || stopping(&stop) {
                    return Ok(total);
                }
                match stop.as_mut() {
                    Some(s) => {
                        tokio::select! {
                            _ = s.changed() => {}
                            _ = tokio::time::sleep(IDLE_WAIT) => {}
                        }
                    }
                    None => tokio::time::sleep(IDLE_WAIT).await,
                }
                continue;
            }
            let waited = tokio::time::timeout(WRITE_WAIT, checks.join_next()).await;
            let quiet = waited.is_err();
            if let Ok(Some(task)) = waited {
                done.extend(finished(task));
            }
            while let Some(task) = checks.try_join_next() {
                done.extend(finished(task));
            }
            if done.len() >= WRITE_BATCH || (quiet && !done.is_empty()) {
                total += self.write_checks(std::mem::take(&mut done)).await?;
            }
        }
    }

    /// Checks everything due at `now` and returns the totals: the worker's stream at a fixed
    /// instant, for catching up (the benchmark, a test clock's jump).
    pub async fn monitor_run_all_due(&self, worker: &str, now: Timestamp) -> Result<RunReport, AppError> {
        self.monitor_check_stream(worker, &move || now, true, None).await
    }

    /// Queues one email per site of the run's alerts to each recipient, in their language
    /// (OSX-ALERT-EMAIL). Returns the number of emails queued.
    async fn email_alerts(
        &self,
        conn: &mut sqlx::AnyConnection,
        account: AccountId,
        settings: &MonitorSettings,
        sites: &HashMap<SiteId, SiteRow>,
        alerts: &[Alert],
        now: Timestamp,
    ) -> Result<usize, AppError> {
        let users = store::users::list_for_account(&mut *conn, account).await?;
        let active: Vec<_> = users
            .iter()
            .filter(|u| u.status == platform::roles::UserStatus::Active)
            .collect();
        let default_lang = active.first().map_or(Lang::Fr, |u| u.lang);
        let recipients: Vec<(String, Lang)> = if settings.recipients.is_empty() {
            active
                .iter()
                .filter(|u| u.role == platform::roles::Role::Admin)
                .map(|u| (u.email.clone(), u.lang))
                .collect()
        } else {
            settings
                .recipients
                .iter()
                .map(|r| {
                    let lang = active
                        .iter()
                        .find(|u| u.email.eq_ignore_ascii_case(r))
                        .map_or(default_lang, |u| u.lang);
                    (r.clone(), lang)
                })
                .collect()
        };
        let mut sent = 0;
        for (to, lang) in recipients {
            for email in alert_emails(alerts, sites, lang, now) {
                let link = self.link(&format!("/monitor/sites/{}", email.site_id));
                self.queue_email(
                    &mut *conn,
                    Some(account),
                    &to,
                    lang,
                    "monitor_alert",
                    &serde_json::json!({
                        "site": email.site, "count": email.items.len(), "items": email.items, "link": link,
                    }),
                    now,
                )
                .await?;
                sent += 1;
            }
        }
        Ok(sent)
    }

    // -----------------------------------------------------------------------------------------
    // The end of the data (OSX-NO-ARCHIVE)

    /// For each account with monitoring data: when no subscription grants the module any more,
    /// deletes it all (after sending the export notice if it was never sent); when the last one
    /// is ending, tells the account a week before and offers the export. Returns the accounts
    /// whose data was deleted.
    pub async fn monitor_lifecycle(&self, now: Timestamp) -> Result<Vec<AccountId>, AppError> {
        let mut tx = self.db.read().await?;
        let accounts = store::monitor::accounts_with_data(&mut tx).await?;
        tx.commit().await?;
        let mut deleted = Vec::new();
        for account in accounts {
            let ends_at = self.monitor_ends_at(account).await?;
            let mut tx = self.db.write().await?;
            let mut settings = store::monitor::settings(&mut tx, account).await?;
            let step = monitor::export::lifecycle_step(
                now,
                ends_at,
                monitor::export::DEFAULT_EXPORT_NOTICE,
                settings.export_offered_at.is_some(),
            );
            match step {
                monitor::export::LifecycleStep::Keep => {}
                monitor::export::LifecycleStep::OfferExport { deletion_at } => {
                    self.email_end_of_data(&mut tx, account, Some(deletion_at), now).await?;
                    settings.export_offered_at = Some(now);
                    store::monitor::save_settings(&mut tx, account, &settings, now).await?;
                    record(
                        &mut tx,
                        &Actor::system(),
                        Some(account),
                        "monitor.export_offered",
                        None,
                        now,
                    )
                    .await?;
                }
                monitor::export::LifecycleStep::Delete { notify_first } => {
                    if notify_first {
                        self.email_end_of_data(&mut tx, account, None, now).await?;
                    }
                    store::monitor::delete_all(&mut tx, account).await?;
                    record(
                        &mut tx,
                        &Actor::system(),
                        Some(account),
                        "monitor.data_deleted",
                        None,
                        now,
                    )
                    .await?;
                    deleted.push(account);
                }
            }
            tx.commit().await?;
        }
        Ok(deleted)
    }

    /// When the account's monitor access ends: `None` while a subscription grants it with no
    /// end planned; the latest planned end otherwise; the past when none grants it any more.
    async fn monitor_ends_at(&self, account: AccountId) -> Result<Option<Timestamp>, AppError> {
        let views = self.subscriptions(account).await?;
        let monitor: Vec<_> = views
            .iter()
            .filter(|v| v.offer.modules.contains(&billing::offer::Module::Monitor))
            .collect();
        let mut latest: Option<Timestamp> = None;
        for v in monitor.iter().filter(|v| v.state.grants_access()) {
            match v.subscription.ends_on {
                None => return Ok(None),
                Some(end) => {
                    let at = end
                        .to_zoned(kernel::clock::paris())
                        .map(|z| z.timestamp())
                        .map_err(|e| anyhow::anyhow!("end date {end}: {e}"))?;
                    latest = Some(latest.map_or(at, |l: Timestamp| l.max(at)));
                }
            }
        }
        if latest.is_some() {
            return Ok(latest);
        }
        // No subscription grants the module: the data ends now (at the latest end recorded).
        Ok(Some(
            monitor
                .iter()
                .filter_map(|v| v.subscription.ended_at)
                .max()
                .unwrap_or(Timestamp::UNIX_EPOCH),
        ))
    }

    async fn email_end_of_data(
        &self,
        conn: &mut sqlx::AnyConnection,
        account: AccountId,
        deletion_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<(), AppError> {
        let users = store::users::list_for_account(&mut *conn, account).await?;
        let export = self.export_attachment_summary(conn, account).await?;
        for u in users
            .iter()
            .filter(|u| u.status == platform::roles::UserStatus::Active && u.role == platform::roles::Role::Admin)
        {
            self.queue_email(
                &mut *conn,
                Some(account),
                &u.email,
                u.lang,
                "monitor_data_end",
                &serde_json::json!({
                    "name": u.name,
                    "deletion": deletion_at.map(|d| kernel::clock::paris_date(d).to_string()),
                    "sites": export.0, "urls": export.1,
                    "link": self.link("/monitor/export"),
                }),
                now,
            )
            .await?;
        }
        Ok(())
    }

    async fn export_attachment_summary(
        &self,
        conn: &mut sqlx::AnyConnection,
        account: AccountId,
    ) -> Result<(usize, u64), AppError> {
        let sites = store::monitor::sites(&mut *conn, account).await?.len();
        let mut urls = 0;
        for tool in Tool::ALL {
            urls += store::monitor::count_urls(&mut *conn, account, tool).await?;
        }
        Ok((sites, urls))
    }
}

fn new_url(site: SiteId, tool: Tool, role: UrlRole, url: String, target: String, now: Timestamp) -> NewUrl {
    let id = UrlId::new();
    NewUrl {
        id,
        site_id: site,
        tool,
        role,
        url,
        target,
        cadence_minutes: DEFAULT_CADENCE_MINUTES,
        // The first check runs at once; the following ones spread over the cadence.
        next_due_at: now,
    }
}

/// What the network said about one URL.
enum Observed {
    Checked(Checked),
    /// The host asked to wait (429/503 with Retry-After): no check, due again then.
    Deferred(Timestamp),
}

/// A check that took place.
enum Checked {
    Http(Box<probe::HttpCheck>),
    Ping(probe::Ping),
    Link(Box<probe::BacklinkResult>),
}

/// A claimed batch: its URLs, those listed in their site's sitemap, and the shared context.
struct Batch {
    due: Vec<WatchedUrl>,
    listed: HashSet<(SiteId, String)>,
    context: Arc<BatchContext>,
}

/// What the checks of a batch share, read once at its claim.
struct BatchContext {
    now: Timestamp,
    sites: HashMap<SiteId, SiteRow>,
    settings: HashMap<AccountId, MonitorSettings>,
    in_maintenance: HashSet<SiteId>,
}

/// A finished check and its batch's context.
struct Done {
    folded: Folded,
    context: Arc<BatchContext>,
}

/// The finished check of a task, if it gave one (a panicked check stays leased and is checked
/// again when its lease ends).
fn finished(task: Result<Option<Done>, tokio::task::JoinError>) -> Option<Done> {
    task.unwrap_or_else(|e| {
        tracing::error!(error = %e, "a monitor check panicked");
        None
    })
}

/// A check folded into its URL's trackers, in its own task.
enum Folded {
    Deferred(UrlId, Timestamp),
    /// What to write, the URL's account, and the sitemap's URLs when it was read.
    Checked(Box<Applied>, AccountId, Option<(SiteId, Vec<String>)>),
}

struct CheckDone {
    url: WatchedUrl,
    observed: Option<Observed>,
    /// The URLs of the site's sitemap, when this was the sitemap and it was read.
    sitemap: Option<Vec<String>>,
}

async fn check_one(
    probe: &probe::Probe,
    url: WatchedUrl,
    site: Option<SiteRow>,
    in_sitemap: Option<bool>,
    now: Timestamp,
) -> CheckDone {
    let Ok(parsed) = monitor::Url::parse(&url.url) else {
        // Stored URLs were parsed when added; a TCP ping's `tcp://host:port` parses too.
        return CheckDone {
            url,
            observed: None,
            sitemap: None,
        };
    };
    let mut sitemap = None;
    let observed = match url.tool {
        Tool::Http => {
            let check = probe.check_http(&parsed, in_sitemap, now).await;
            if let Some(until) = check.deferred_until {
                Observed::Deferred(until)
            } else {
                let read_sitemap = url.role == UrlRole::Sitemap
                    && matches!(check.outcome, FetchOutcome::Answered { status, .. } if (200..300).contains(&status));
                if read_sitemap && site.is_some() {
                    sitemap = probe.sitemap_urls(&parsed, now).await.ok().map(|urls| {
                        urls.into_iter()
                            .map(|u| monitor::urls::normalize(u).to_string())
                            .collect()
                    });
                }
                Observed::Checked(Checked::Http(Box::new(check)))
            }
        }
        Tool::Ping => {
            let ping = match url.target.strip_prefix("tcp:").and_then(|p| p.parse::<u16>().ok()) {
                Some(port) => probe.ping_tcp(parsed.host_str().unwrap_or_default(), port).await,
                None => probe.ping_http(&parsed, &UpRule::default()).await,
            };
            Observed::Checked(Checked::Ping(ping))
        }
        Tool::Link => match monitor::Url::parse(&url.target) {
            Ok(target) => {
                let r = probe.check_backlink(&parsed, &target, now).await;
                match r.deferred_until {
                    Some(until) => Observed::Deferred(until),
                    None => Observed::Checked(Checked::Link(Box::new(r))),
                }
            }
            Err(_) => {
                return CheckDone {
                    url,
                    observed: None,
                    sitemap: None,
                };
            }
        },
    };
    CheckDone {
        url,
        observed: Some(observed),
        sitemap,
    }
}

struct Applied {
    write: CheckWrite,
    observations: Vec<Observation>,
    alerts: Vec<Alert>,
}

fn outcome_code(outcome: &FetchOutcome) -> &'static str {
    match outcome {
        FetchOutcome::Answered { .. } => "answered",
        FetchOutcome::Unanswered { .. } => "unanswered",
        FetchOutcome::RedirectError { error } => error.code(),
    }
}

/// Folds one check into the URL's trackers: the values to keep as history, the alerts, and what
/// the URL row keeps.
fn apply(url: &WatchedUrl, observed: Checked, settings: &MonitorSettings, paused: bool, now: Timestamp) -> Applied {
    let mut trackers: Trackers = url
        .tracker
        .as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default();
    let previous: Seen = url
        .last
        .snapshot
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default();
    let policy = AvailabilityPolicy {
        reminder_every: settings
            .reminder_minutes
            .map(|m| SignedDuration::from_mins(i64::from(m))),
        ..AvailabilityPolicy::default()
    };
    let confirmation = Confirmation {
        checks: settings.confirm_checks.max(1),
    };
    let mut alerts = Vec::new();
    let mut observations = Vec::new();
    let mut alert = |kind: AlertKind, element: Option<String>, before: Option<String>, after: Option<String>| {
        alerts.push(Alert {
            id: AlertId::new(),
            account_id: url.account_id,
            site_id: url.site_id,
            url_id: url.id,
            url: url.url.clone(),
            kind,
            element,
            before,
            after,
            observed_at: now,
            emailed_at: None,
        });
    };
    let mut last = LastCheck {
        checked_at: Some(now),
        last_change_at: url.last.last_change_at,
        ..LastCheck::default()
    };
    let mut seen = Seen::default();
    let up;
    match observed {
        Checked::Http(check) => {
            let outcome = outcome_code(&check.outcome);
            last.outcome = Some(outcome.to_string());
            last.response_ms = Some(check.response_time.as_millis() as i64);
            last.redirected = check.hops.len() > 1;
            last.tls_not_after = check.tls_not_after;
            seen.hops = check.hops.clone();
            seen.note = check.body_note.as_ref().map(|n| n.code().to_string());
            seen.failure = check.failure.as_ref().map(|f| f.code().to_string());
            up = matches!(check.outcome, FetchOutcome::Answered { status, .. } if status < 500);
            match &check.result.snapshot {
                Some(snapshot) => {
                    last.status = snapshot.status;
                    last.indexable = snapshot.indexable;
                    last.title = snapshot.title.clone();
                    seen.not_indexable = check
                        .result
                        .indexability
                        .as_ref()
                        .map(|i| i.reasons.iter().map(|r| r.code().to_string()).collect())
                        .unwrap_or_default();
                    // History: every value that differs from the one seen before.
                    let before = previous.snapshot.as_ref().map(SeoSnapshot::values);
                    for (element, value) in snapshot.values() {
                        let was = before.as_ref().map(|b| b.get(&element).cloned().flatten());
                        if was.as_ref() != Some(&value) {
                            observations.push(Observation {
                                url_id: url.id,
                                observed_at: now,
                                element,
                                value,
                            });
                        }
                    }
                    for change in trackers.changes.observe(snapshot, confirmation) {
                        last.last_change_at = Some(now);
                        alert(
                            AlertKind::Change,
                            Some(change.element.code().to_string()),
                            change.before,
                            change.after,
                        );
                    }
                    seen.snapshot = Some(snapshot.clone());
                }
                None => {
                    // Nothing to compare: the status element says why in the history.
                    if previous.snapshot.is_some() || previous.failure.as_deref() != Some(outcome) {
                        observations.push(Observation {
                            url_id: url.id,
                            observed_at: now,
                            element: Element::Status,
                            value: Some(outcome.to_string()),
                        });
                    }
                    seen.failure = Some(outcome.to_string());
                }
            }
            if let Some(not_after) = check.tls_not_after {
                for w in tls_warnings_crossed(not_after, url.last.checked_at, now) {
                    let label = match w {
                        TlsWarning::ExpiresWithin { days } => days.to_string(),
                        TlsWarning::Expired => "expired".to_string(),
                    };
                    alert(
                        AlertKind::Tls,
                        Some(label),
                        None,
                        Some(kernel::clock::paris_date(not_after).to_string()),
                    );
                }
            }
        }
        Checked::Ping(ping) => {
            up = ping.up;
            last.outcome = Some(if ping.up { "answered" } else { "unanswered" }.to_string());
            if let Some(e) = &ping.error {
                last.outcome = Some(e.code().to_string());
            }
            last.status = ping.status;
            last.response_ms = Some(ping.response_time.as_millis() as i64);
            let value = Some(if ping.up { "up" } else { "down" }.to_string());
            let was = previous.failure.clone().or(Some("unknown".into()));
            if was != value {
                observations.push(Observation {
                    url_id: url.id,
                    observed_at: now,
                    element: Element::Status,
                    value: value.clone(),
                });
            }
            seen.failure = value;
        }
        Checked::Link(result) => {
            up = !matches!(result.check.state, BacklinkState::Unanswered);
            last.outcome = result.outcome.as_ref().map(|o| outcome_code(o).to_string());
            last.status = result.status;
            last.response_ms = Some(result.response_time.as_millis() as i64);
            let state = link_state(&result.check);
            last.indexable = state.page_indexable;
            // A state is reported once a second check confirms it, as for SEO elements.
            match &trackers.link {
                None => trackers.link = Some(state.clone()),
                Some(confirmed) if *confirmed == state => trackers.link_pending = None,
                Some(confirmed) => {
                    let seen_n = match &trackers.link_pending {
                        Some((pending, n)) if *pending == state => n.saturating_add(1),
                        _ => 1,
                    };
                    if seen_n >= confirmation.checks.max(1) {
                        alert(
                            AlertKind::Backlink,
                            Some(state.state.clone()),
                            Some(serde_json::to_string(confirmed).unwrap_or_default()),
                            Some(serde_json::to_string(&state).unwrap_or_default()),
                        );
                        last.last_change_at = Some(now);
                        trackers.link = Some(state.clone());
                        trackers.link_pending = None;
                    } else {
                        trackers.link_pending = Some((state.clone(), seen_n));
                    }
                }
            }
            let value = Some(state.describe(Lang::En));
            if previous.link.as_ref().map(|l| l.describe(Lang::En)) != value {
                observations.push(Observation {
                    url_id: url.id,
                    observed_at: now,
                    element: Element::Status,
                    value,
                });
            }
            seen.link = Some(state);
        }
    }
    last.up = Some(up);
    if let Some(a) = trackers.availability.observe(now, up, &policy, paused) {
        let (kind, before, after) = match a {
            AvailabilityAlert::Down { since } => (AlertKind::Down, None, Some(since.to_string())),
            AvailabilityAlert::StillDown { since, .. } => (AlertKind::StillDown, None, Some(since.to_string())),
            AvailabilityAlert::Recovered { down_since, at } => {
                (AlertKind::Recovered, Some(down_since.to_string()), Some(at.to_string()))
            }
        };
        alert(kind, None, before, after);
    }
    last.snapshot = serde_json::to_string(&seen).ok();
    let cadence = Cadence::from_minutes(url.cadence_minutes)
        .or_else(|_| Cadence::from_minutes(DEFAULT_CADENCE_MINUTES))
        .ok();
    let next = match cadence {
        Some(c) => next_due(url.id.to_string().as_bytes(), c, now),
        None => now.checked_add(SignedDuration::from_hours(1)).unwrap_or(now),
    };
    let tracker = serde_json::to_string(&trackers).ok();
    let steady = tracker == url.tracker && last.same_state(&url.last);
    Applied {
        write: CheckWrite {
            id: url.id,
            site_id: url.site_id,
            last,
            tracker,
            next_due_at: next,
            steady,
        },
        observations,
        alerts,
    }
}

fn link_state(check: &monitor::extract::BacklinkCheck) -> LinkState {
    let (state, follow) = match &check.state {
        BacklinkState::Present { follow } => ("present", Some(*follow)),
        BacklinkState::Missing => ("missing", None),
        BacklinkState::BlockedByRobots => ("blocked_by_robots", None),
        BacklinkState::HttpError { .. } => ("http_error", None),
        BacklinkState::Unanswered => ("unanswered", None),
    };
    let mut anchors: Vec<String> = check.links.iter().map(|l| l.anchor.clone()).collect();
    anchors.sort();
    anchors.dedup();
    let mut rels: Vec<String> = check.links.iter().map(|l| format!("{:?}", l.rel)).collect();
    rels.sort();
    rels.dedup();
    LinkState {
        state: state.to_string(),
        follow,
        anchors,
        rels,
        page_indexable: check.page_indexability.as_ref().map(|i| i.indexable),
    }
}

/// One line of an alert email.
#[derive(Debug, Clone, Serialize)]
pub struct AlertLine {
    pub label: String,
    pub url: String,
    pub before: String,
    pub after: String,
    pub at: String,
}

/// One email: a site's alerts of a run.
#[derive(Debug, Clone, Serialize)]
pub struct AlertEmail {
    pub site_id: SiteId,
    pub site: String,
    pub items: Vec<AlertLine>,
}

/// The run's alerts as one email per site, SEO changes first (grouped and ordered by the
/// domain's rule), then availability, TLS and backlinks.
pub fn alert_emails(
    alerts: &[Alert],
    sites: &HashMap<SiteId, SiteRow>,
    lang: Lang,
    run_at: Timestamp,
) -> Vec<AlertEmail> {
    let none = match lang {
        Lang::Fr => "(absent)",
        Lang::En => "(none)",
    };
    let site_name = |id: SiteId| sites.get(&id).map(|s| s.origin.clone()).unwrap_or_default();
    let changes: Vec<UrlChange> = alerts
        .iter()
        .filter(|a| a.kind == AlertKind::Change)
        .filter_map(|a| {
            Some(UrlChange {
                site_id: a.site_id,
                site: site_name(a.site_id),
                url: a.url.clone(),
                change: monitor::changes::Change {
                    element: Element::from_code(a.element.as_deref()?)?,
                    before: a.before.clone(),
                    after: a.after.clone(),
                },
                observed_at: a.observed_at,
            })
        })
        .collect();
    let mut emails: Vec<AlertEmail> = group_for_email(&changes, run_at, lang)
        .into_iter()
        .map(|e| AlertEmail {
            site_id: e.site_id,
            site: e.site,
            items: e
                .items
                .into_iter()
                .map(|i| AlertLine {
                    label: i.element_label,
                    url: i.url,
                    before: i.before.unwrap_or_else(|| none.to_string()),
                    after: i.after.unwrap_or_else(|| none.to_string()),
                    at: i.at.strftime("%Y-%m-%d %H:%M UTC").to_string(),
                })
                .collect(),
        })
        .collect();
    for a in alerts.iter().filter(|a| a.kind != AlertKind::Change) {
        let (label, before, after) = other_alert_line(a, lang);
        let line = AlertLine {
            label,
            url: a.url.clone(),
            before,
            after,
            at: a.observed_at.strftime("%Y-%m-%d %H:%M UTC").to_string(),
        };
        match emails.iter_mut().find(|e| e.site_id == a.site_id) {
            Some(e) => e.items.push(line),
            None => emails.push(AlertEmail {
                site_id: a.site_id,
                site: site_name(a.site_id),
                items: vec![line],
            }),
        }
    }
    emails
}

fn other_alert_line(a: &Alert, lang: Lang) -> (String, String, String) {
    let fr = lang == Lang::Fr;
    let t = |en: &str, fr_text: &str| if fr { fr_text.to_string() } else { en.to_string() };
    match a.kind {
        AlertKind::Down => (
            t("Availability", "Disponibilité"),
            t("up", "en ligne"),
            t("down", "hors ligne"),
        ),
        AlertKind::StillDown => (
            t("Availability (reminder)", "Disponibilité (rappel)"),
            t("down", "hors ligne"),
            t("still down", "toujours hors ligne"),
        ),
        AlertKind::Recovered => (
            t("Availability", "Disponibilité"),
            t("down", "hors ligne"),
            t("up again", "de nouveau en ligne"),
        ),
        AlertKind::Tls => {
            let when = a.after.clone().unwrap_or_default();
            let what = match a.element.as_deref() {
                Some("expired") => t("expired", "expiré"),
                Some(days) => {
                    if fr {
                        format!("expire dans moins de {days} jours")
                    } else {
                        format!("expires within {days} days")
                    }
                }
                None => String::new(),
            };
            (t("TLS certificate", "Certificat TLS"), when, what)
        }
        AlertKind::Backlink => {
            let parse = |v: &Option<String>| {
                v.as_deref()
                    .and_then(|s| serde_json::from_str::<LinkState>(s).ok())
                    .map(|l| l.describe(lang))
                    .unwrap_or_default()
            };
            (t("Backlink", "Lien entrant"), parse(&a.before), parse(&a.after))
        }
        AlertKind::Change => (a.element.clone().unwrap_or_default(), String::new(), String::new()),
    }
}
