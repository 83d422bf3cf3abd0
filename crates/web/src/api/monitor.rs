//! The monitor module over the API (seed 003, OSX-*): sites and their state, the URLs three
//! tools watch (HTTP for SEO elements, PING for availability, LINK for backlinks), a URL's
//! timeline and before/after changes, alerts, maintenance windows, settings and the export.
//! Another account's id is 404. The pages render these same bodies, so the screens and the API
//! cannot tell two stories.

use super::{ApiJson, ApiQuery, admin_account, created, e, ok, parse};
use crate::WebState;
use crate::auth::{ApiUser, Client};
use crate::error::ApiError;
use app::auth::Principal;
use app::monitor::{Added, ElementChange, NewMaintenance, UrlDetail, UrlSource};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::{SignedDuration, Timestamp};
use kernel::{AccountId, Lang};
use monitor::changes::Element;
use monitor::site::Tool;
use monitor::{MaintenanceId, SiteId, UrlId};
use serde::{Deserialize, Serialize};
use store::monitor::{Alert, Maintenance, MonitorSettings, SiteSummary, UrlFilter, WatchedUrl};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(usage))
        .routes(routes!(list_sites, add_site))
        .routes(routes!(get_site, delete_site))
        .routes(routes!(list_urls, add_urls))
        .routes(routes!(add_ping))
        .routes(routes!(add_backlink))
        .routes(routes!(set_cadence))
        .routes(routes!(list_maintenance, add_maintenance))
        .routes(routes!(delete_maintenance))
        .routes(routes!(get_url, delete_url))
        .routes(routes!(list_alerts))
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(export_json))
        .routes(routes!(export_csv))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(import_urls))
                .layer(crate::upload_limit()),
        )
}

fn account_of(p: &Principal) -> Result<AccountId, ApiError> {
    p.user
        .account_id
        .ok_or_else(|| ApiError::new(StatusCode::FORBIDDEN, "account_required", None, p.user.lang))
}

/// The caller's account, language, and the instant the account lives at (test clocks apply).
async fn scope(s: &WebState, p: &Principal) -> Result<(AccountId, Lang, Timestamp), ApiError> {
    let account = account_of(p)?;
    let lang = p.user.lang;
    let now = s.app.now_for(Some(account)).await.map_err(e(lang))?;
    Ok((account, lang, now))
}

fn ts(t: Timestamp) -> String {
    t.to_string()
}

// ---- Bodies ----

/// What one tool may still watch.
#[derive(Serialize, ToSchema)]
pub struct ToolUsageBody {
    /// `http`, `ping` or `link`.
    pub tool: String,
    /// URLs (or targets, or backlinks) watched now.
    pub used: u64,
    /// The plan's quota; absent when unlimited (OSX-PACKS).
    pub limit: Option<u64>,
}

/// Whether the account may use the module, and its quotas.
#[derive(Serialize, ToSchema)]
pub struct UsageBody {
    /// True when a subscription of the account grants the monitor module.
    pub enabled: bool,
    pub tools: Vec<ToolUsageBody>,
}

/// A watched site with its counts.
#[derive(Serialize, ToSchema)]
pub struct SiteBody {
    pub id: String,
    /// `https://www.example.fr`.
    pub origin: String,
    pub host: String,
    /// The registrable domain (`example.fr`).
    pub domain: String,
    pub created_at: String,
    /// When the sitemap was last read for the URLs' presence in it.
    pub sitemap_read_at: Option<String>,
    pub http_urls: i64,
    pub ping_urls: i64,
    pub backlinks: i64,
    /// URLs whose last check failed: unanswered, a broken redirect chain, or a status ≥ 400.
    pub errors: i64,
    pub non_indexable: i64,
    /// PING targets (and HTTP URLs) down at their last check.
    pub down: i64,
    pub last_check_at: Option<String>,
    pub last_change_at: Option<String>,
    /// `pending` (never checked), `down`, `errors` or `ok`.
    pub state: String,
}

impl From<&SiteSummary> for SiteBody {
    fn from(s: &SiteSummary) -> SiteBody {
        let state = if s.last_check_at.is_none() {
            "pending"
        } else if s.down > 0 {
            "down"
        } else if s.errors > 0 {
            "errors"
        } else {
            "ok"
        };
        SiteBody {
            id: s.site.id.to_string(),
            origin: s.site.origin.clone(),
            host: s.site.host.clone(),
            domain: s.site.domain.clone(),
            created_at: ts(s.site.created_at),
            sitemap_read_at: s.site.sitemap_read_at.map(ts),
            http_urls: s.http_urls,
            ping_urls: s.ping_urls,
            backlinks: s.backlinks,
            errors: s.errors,
            non_indexable: s.non_indexable,
            down: s.down,
            last_check_at: s.last_check_at.map(ts),
            last_change_at: s.last_change_at.map(ts),
            state: state.into(),
        }
    }
}

/// A window during which the site's alerts are kept but not emailed.
#[derive(Serialize, ToSchema)]
pub struct MaintenanceBody {
    pub id: String,
    pub site_id: String,
    pub starts_at: String,
    pub ends_at: String,
    pub note: String,
}

impl From<&Maintenance> for MaintenanceBody {
    fn from(m: &Maintenance) -> MaintenanceBody {
        MaintenanceBody {
            id: m.id.to_string(),
            site_id: m.site_id.to_string(),
            starts_at: ts(m.starts_at),
            ends_at: ts(m.ends_at),
            note: m.note.clone(),
        }
    }
}

/// How often each tool checks the site's URLs, in minutes.
#[derive(Serialize, ToSchema)]
pub struct CadencesBody {
    pub http: u32,
    pub ping: u32,
    pub link: u32,
}

/// A site with its cadences and its maintenance windows still to come or in force.
#[derive(Serialize, ToSchema)]
pub struct SiteDetailBody {
    pub site: SiteBody,
    pub cadences: CadencesBody,
    pub maintenance: Vec<MaintenanceBody>,
}

/// A watched URL and what its last check saw.
#[derive(Serialize, ToSchema)]
pub struct UrlBody {
    pub id: String,
    pub site_id: String,
    /// `http`, `ping` or `link`.
    pub tool: String,
    /// `home`, `robots`, `sitemap` (watched with every site) or `page`.
    pub role: String,
    pub url: String,
    /// LINK: the client's URL the page must link to; PING: `tcp:PORT` for a TCP connect.
    pub target: String,
    pub cadence_minutes: u32,
    pub next_due_at: String,
    pub created_at: String,
    pub checked_at: Option<String>,
    /// `answered`, `unanswered` (no answer within 10 s), `redirect_loop`, `too_many_redirects`,
    /// a connection failure code, or `deferred`.
    pub outcome: Option<String>,
    /// The first response's status.
    pub status: Option<u16>,
    pub response_ms: Option<i64>,
    pub redirected: bool,
    pub indexable: Option<bool>,
    /// PING: up at the last check.
    pub up: Option<bool>,
    pub title: Option<String>,
    /// When the TLS certificate expires (https URLs).
    pub tls_not_after: Option<String>,
    pub last_change_at: Option<String>,
    /// LINK: the backlink's state at the last check (`present`, `missing`,
    /// `blocked_by_robots`, `http_error`, `unanswered`).
    pub backlink: Option<String>,
}

impl From<&WatchedUrl> for UrlBody {
    fn from(u: &WatchedUrl) -> UrlBody {
        let l = &u.last;
        UrlBody {
            id: u.id.to_string(),
            site_id: u.site_id.to_string(),
            tool: u.tool.code().into(),
            role: u.role.code().into(),
            url: u.url.clone(),
            target: u.target.clone(),
            cadence_minutes: u.cadence_minutes,
            next_due_at: ts(u.next_due_at),
            created_at: ts(u.created_at),
            checked_at: l.checked_at.map(ts),
            outcome: l.outcome.clone(),
            status: l.status,
            response_ms: l.response_ms,
            redirected: l.redirected,
            indexable: l.indexable,
            up: l.up,
            title: l.title.clone(),
            tls_not_after: l.tls_not_after.map(ts),
            last_change_at: l.last_change_at.map(ts),
            backlink: (u.tool == Tool::Link)
                .then_some(l.snapshot.as_deref())
                .flatten()
                .and_then(|s| serde_json::from_str::<app::monitor::Seen>(s).ok())
                .and_then(|seen| seen.link.map(|link| link.state)),
        }
    }
}

/// A page of URLs with the cursor of the next one.
#[derive(Serialize, ToSchema)]
pub struct UrlPageBody {
    pub urls: Vec<UrlBody>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<String>,
}

/// One response of a redirect chain.
#[derive(Serialize, ToSchema)]
pub struct HopBody {
    pub url: String,
    pub status: u16,
    /// Where a redirect pointed.
    pub location: Option<String>,
    pub elapsed_ms: i64,
}

/// One SEO element as the last check saw it.
#[derive(Serialize, ToSchema)]
pub struct ElementBody {
    /// `status`, `final_url`, `title`, `meta_description`, `meta_robots`, `x_robots_tag`,
    /// `canonical`, `canonical_header`, `hreflang`, `h1`, `indexable`, `in_sitemap`,
    /// `text_hash`, `og_title` or `og_description`.
    pub element: String,
    /// Its name in the caller's language.
    pub label: String,
    /// Absent when the page has none. Hreflang as `lang=url` lines, H1s one per line.
    pub value: Option<String>,
}

/// A backlink as the last check saw it (OSX-LINK).
#[derive(Serialize, ToSchema)]
pub struct BacklinkBody {
    /// `present`, `missing`, `blocked_by_robots` (the page's robots.txt forbids it: not a lost
    /// link), `http_error` or `unanswered`.
    pub state: String,
    /// False when every link to the target is `nofollow`, `sponsored` or `ugc`.
    pub follow: Option<bool>,
    pub anchors: Vec<String>,
    pub rels: Vec<String>,
    pub page_indexable: Option<bool>,
}

/// One value change: before → after.
#[derive(Serialize, ToSchema)]
pub struct ChangeBody {
    pub element: String,
    pub label: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub at: String,
}

impl ChangeBody {
    fn new(c: &ElementChange, lang: Lang) -> ChangeBody {
        ChangeBody {
            element: c.element.code().into(),
            label: c.element.label(lang).into(),
            before: c.before.clone(),
            after: c.after.clone(),
            at: ts(c.at),
        }
    }
}

/// A value observed at an instant (the history keeps a value when it differs from the last).
#[derive(Serialize, ToSchema)]
pub struct ObservationBody {
    pub element: String,
    pub label: String,
    pub value: Option<String>,
    pub observed_at: String,
}

/// An alert: a confirmed change, an outage, a recovery, a TLS expiry warning or a backlink's
/// change.
#[derive(Serialize, ToSchema)]
pub struct AlertBody {
    pub id: String,
    pub site_id: String,
    pub url_id: String,
    pub url: String,
    /// `change`, `down`, `still_down`, `recovered`, `tls` or `backlink`.
    pub kind: String,
    /// The element for changes (`title`…), the threshold in days for TLS (`21`, `expired`).
    pub element: Option<String>,
    /// What the element is called, in the caller's language.
    pub label: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub observed_at: String,
    /// When the email telling it went out; absent while kept back (maintenance) or not sent yet.
    pub emailed_at: Option<String>,
}

impl AlertBody {
    pub fn new(a: &Alert, lang: Lang) -> AlertBody {
        let label = a
            .element
            .as_deref()
            .and_then(Element::from_code)
            .map(|e| e.label(lang).to_string());
        AlertBody {
            id: a.id.to_string(),
            site_id: a.site_id.to_string(),
            url_id: a.url_id.to_string(),
            url: a.url.clone(),
            kind: a.kind.code().into(),
            element: a.element.clone(),
            label,
            before: readable(a, a.before.as_deref(), lang),
            after: readable(a, a.after.as_deref(), lang),
            observed_at: ts(a.observed_at),
            emailed_at: a.emailed_at.map(ts),
        }
    }
}

/// A backlink alert keeps both states as JSON; people and clients read them described.
fn readable(a: &Alert, value: Option<&str>, lang: Lang) -> Option<String> {
    let value = value?;
    if a.kind == store::monitor::AlertKind::Backlink
        && let Ok(state) = serde_json::from_str::<app::monitor::LinkState>(value)
    {
        return Some(state.describe(lang));
    }
    Some(value.to_string())
}

/// A URL with what its last check saw, its changes, its timeline and its alerts.
#[derive(Serialize, ToSchema)]
pub struct UrlDetailBody {
    pub url: UrlBody,
    /// The site's origin.
    pub site: String,
    /// HTTP: every SEO element of the last check.
    pub elements: Vec<ElementBody>,
    /// The redirect chain, first request first.
    pub hops: Vec<HopBody>,
    /// Why the page is not indexable: `robots_txt`, `meta_noindex`, `header_noindex`,
    /// `canonical_elsewhere`, `status`…
    pub not_indexable: Vec<String>,
    /// A note on the body (`body_truncated`, `body_not_html`…).
    pub note: Option<String>,
    /// Why the last check failed, when it did.
    pub failure: Option<String>,
    pub backlink: Option<BacklinkBody>,
    /// Each value change, newest first.
    pub changes: Vec<ChangeBody>,
    /// Every value kept, newest first.
    pub timeline: Vec<ObservationBody>,
    pub alerts: Vec<AlertBody>,
}

impl UrlDetailBody {
    pub fn new(d: &UrlDetail, lang: Lang) -> UrlDetailBody {
        let elements = match &d.seen.snapshot {
            Some(snapshot) if d.url.tool == Tool::Http => Element::ALL
                .iter()
                .map(|&el| ElementBody {
                    element: el.code().into(),
                    label: el.label(lang).into(),
                    value: snapshot.value(el),
                })
                .collect(),
            _ => Vec::new(),
        };
        UrlDetailBody {
            url: UrlBody::from(&d.url),
            site: d.site.origin.clone(),
            elements,
            hops: d
                .seen
                .hops
                .iter()
                .map(|h| HopBody {
                    url: h.url.to_string(),
                    status: h.status,
                    location: h.location.as_ref().map(|l| l.to_string()),
                    elapsed_ms: h.elapsed.as_millis().min(i64::MAX as u128) as i64,
                })
                .collect(),
            not_indexable: d.seen.not_indexable.clone(),
            note: d.seen.note.clone(),
            failure: d.seen.failure.clone(),
            backlink: d.seen.link.as_ref().map(|l| BacklinkBody {
                state: l.state.clone(),
                follow: l.follow,
                anchors: l.anchors.clone(),
                rels: l.rels.clone(),
                page_indexable: l.page_indexable,
            }),
            changes: d.changes().iter().map(|c| ChangeBody::new(c, lang)).collect(),
            timeline: d
                .timeline
                .iter()
                .map(|o| ObservationBody {
                    element: o.element.code().into(),
                    label: o.element.label(lang).into(),
                    value: o.value.clone(),
                    observed_at: ts(o.observed_at),
                })
                .collect(),
            alerts: d.alerts.iter().map(|a| AlertBody::new(a, lang)).collect(),
        }
    }
}

/// What an addition of URLs did.
#[derive(Serialize, ToSchema)]
pub struct AddedBody {
    pub added: u64,
    /// Lines repeated in the input.
    pub duplicates: u64,
    /// URLs the site already watched, left as they were.
    pub already_watched: u64,
}

impl From<Added> for AddedBody {
    fn from(a: Added) -> AddedBody {
        AddedBody {
            added: a.added,
            duplicates: a.duplicates,
            already_watched: a.already_watched,
        }
    }
}

/// Who is told, and how.
#[derive(Serialize, ToSchema)]
pub struct MonitorSettingsBody {
    /// Who receives alerts; empty: the account's administrators.
    pub recipients: Vec<String>,
    /// Checks that must see a change before it is reported (1: at once; default 2).
    pub confirm_checks: u8,
    /// "Still down" reminders every this many minutes; absent: none.
    pub reminder_minutes: Option<u32>,
}

impl From<&MonitorSettings> for MonitorSettingsBody {
    fn from(s: &MonitorSettings) -> MonitorSettingsBody {
        MonitorSettingsBody {
            recipients: s.recipients.clone(),
            confirm_checks: s.confirm_checks,
            reminder_minutes: s.reminder_minutes,
        }
    }
}

// ---- Inputs ----

#[derive(Deserialize, ToSchema)]
pub struct NewSiteBody {
    /// A scheme, an optional subdomain and a domain: `https://www.example.fr` (`www.example.fr`
    /// means https). A path is ignored.
    site: String,
}

/// Exactly one of `url`, `urls` and `sitemap`.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct NewUrlsBody {
    /// One URL, absolute or a path of the site (`/contact`).
    url: Option<String>,
    /// Several URLs; all or nothing, each faulty one named as `urls[N]` (N from 1).
    urls: Option<Vec<String>>,
    /// True: every URL of the site's sitemap (index sitemaps and gzip included; other hosts'
    /// URLs skipped).
    sitemap: Option<bool>,
}

#[derive(Deserialize, ToSchema)]
pub struct NewPingBody {
    /// An http(s) URL of the site (up when it answers 200–399 within 10 s) or
    /// `tcp://host:port` (up when the connection opens).
    target: String,
}

#[derive(Deserialize, ToSchema)]
pub struct NewBacklinkBody {
    /// A page of a site the client does not own.
    page: String,
    /// The client's URL (of this site) the page must link to.
    target: String,
}

#[derive(Deserialize, ToSchema)]
pub struct CadenceBody {
    /// `http`, `ping` or `link`.
    tool: String,
    /// From 5 (every five minutes) to 1440 (daily).
    minutes: u32,
}

#[derive(Deserialize, ToSchema)]
pub struct NewMaintenanceBody {
    /// RFC 3339 instant (`2026-12-05T22:00:00+01:00`).
    starts_at: String,
    /// RFC 3339 instant, after `starts_at` and not past.
    ends_at: String,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize, ToSchema)]
pub struct MonitorSettingsInput {
    /// Email addresses (20 at most); empty: the account's administrators.
    #[serde(default)]
    recipients: Vec<String>,
    /// 1 to 5.
    confirm_checks: u8,
    /// 5 to 10080 minutes; absent or null: no reminder.
    #[serde(default)]
    reminder_minutes: Option<u32>,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct UrlListParams {
    /// `http`, `ping` or `link`; absent: every tool.
    tool: Option<String>,
    /// Part of the URL or of its title.
    q: Option<String>,
    /// Only URLs not indexable at their last check.
    non_indexable: Option<bool>,
    /// Only URLs whose last check was redirected.
    redirected: Option<bool>,
    /// Only URLs whose last check failed (no answer, broken chain, status ≥ 400).
    errors: Option<bool>,
    /// Only URLs changed within this many days (7: this week).
    changed_within_days: Option<u16>,
    /// The previous page's `next_after`.
    after: Option<String>,
    /// 1 to 1000, 100 by default.
    limit: Option<u32>,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct AlertParams {
    /// Only this site's alerts.
    site: Option<String>,
    /// 1 to 500, 100 by default.
    limit: Option<u32>,
}

// ---- Shared with the pages ----

/// A tool from its code, refused naming `field`.
pub fn tool_of(raw: &str, field: &str, lang: Lang) -> Result<Tool, ApiError> {
    Tool::from_code(raw.trim())
        .ok_or_else(|| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "tool_unknown", Some(field), lang))
}

/// The list filters the page and the API share; `changed_within_days` counts back from `now`.
#[allow(clippy::too_many_arguments)]
pub fn url_filter(
    tool: Option<Tool>,
    q: Option<String>,
    non_indexable: bool,
    redirected: bool,
    errors: bool,
    changed_within_days: Option<u16>,
    after: Option<String>,
    limit: u32,
    now: Timestamp,
) -> UrlFilter {
    UrlFilter {
        tool,
        search: q.filter(|s| !s.trim().is_empty()),
        non_indexable,
        redirected,
        errors,
        changed_since: changed_within_days
            .and_then(|d| now.checked_sub(SignedDuration::from_hours(24 * i64::from(d))).ok()),
        after: after.filter(|a| !a.is_empty()),
        limit: limit.clamp(1, 1000),
    }
}

pub async fn usage_body(s: &WebState, account: AccountId) -> Result<UsageBody, app::AppError> {
    let enabled = s.app.monitor_enabled(account).await?;
    let tools = s
        .app
        .monitor_usage(account)
        .await?
        .into_iter()
        .map(|(tool, used, limit)| ToolUsageBody {
            tool: tool.code().into(),
            used,
            limit,
        })
        .collect();
    Ok(UsageBody { enabled, tools })
}

pub async fn site_detail(
    s: &WebState,
    account: AccountId,
    id: SiteId,
    now: Timestamp,
) -> Result<SiteDetailBody, app::AppError> {
    let v = s.app.monitor_site(account, id, now).await?;
    let cadence = |tool: Tool| v.cadences.get(tool.code()).copied().unwrap_or(60);
    Ok(SiteDetailBody {
        site: SiteBody::from(&v.summary),
        cadences: CadencesBody {
            http: cadence(Tool::Http),
            ping: cadence(Tool::Ping),
            link: cadence(Tool::Link),
        },
        maintenance: v.maintenance.iter().map(MaintenanceBody::from).collect(),
    })
}

/// A maintenance window from what a person or a client sent: RFC 3339 instants, or local
/// date-times of the Paris zone as a browser's `datetime-local` field sends them.
pub fn maintenance_input(starts_at: &str, ends_at: &str, note: &str) -> Result<NewMaintenance, kernel::FieldErrors> {
    let starts = app::terms::parse_instant("starts_at", starts_at);
    let ends = app::terms::parse_instant("ends_at", ends_at);
    let mut errors = kernel::FieldErrors::new();
    for r in [&starts, &ends] {
        if let Err(e) = r {
            errors.0.extend(e.0.iter().cloned());
        }
    }
    if note.chars().count() > 200 {
        errors.push("note", "too_long");
    }
    errors.into_result()?;
    Ok(NewMaintenance {
        starts_at: starts.unwrap_or_default(),
        ends_at: ends.unwrap_or_default(),
        note: note.to_string(),
    })
}

/// The CSV files of the export.
pub const EXPORT_FILES: [&str; 3] = ["sites.csv", "urls.csv", "history.csv"];

/// One CSV file of the export, by name; `None` for an unknown name.
pub fn export_file(export: &monitor::export::Export, name: &str) -> Option<Result<String, app::AppError>> {
    let csv = match name {
        "sites.csv" => export.sites_csv(),
        "urls.csv" => export.urls_csv(),
        "history.csv" => export.history_csv(),
        _ => return None,
    };
    Some(csv.map_err(|e| app::AppError::Unexpected(anyhow::anyhow!(e))))
}

// ---- Handlers ----

#[utoipa::path(get, path = "/api/v1/monitor/usage", tag = "monitor", security(("bearer" = [])),
    responses((status = 200, body = UsageBody), (status = 403, body = crate::error::Problem)))]
async fn usage(State(s): State<WebState>, ApiUser(p): ApiUser) -> Result<Response, ApiError> {
    let account = account_of(&p)?;
    Ok(ok(usage_body(&s, account).await.map_err(e(p.user.lang))?))
}

#[utoipa::path(get, path = "/api/v1/monitor/sites", tag = "monitor", security(("bearer" = [])),
    responses((status = 200, body = Vec<SiteBody>), (status = 403, body = crate::error::Problem)))]
async fn list_sites(State(s): State<WebState>, ApiUser(p): ApiUser) -> Result<Response, ApiError> {
    let account = account_of(&p)?;
    let sites = s.app.monitor_sites(account).await.map_err(e(p.user.lang))?;
    Ok(ok(sites.iter().map(SiteBody::from).collect::<Vec<_>>()))
}

#[utoipa::path(post, path = "/api/v1/monitor/sites", tag = "monitor", security(("bearer" = [])), request_body = NewSiteBody,
    responses((status = 201, body = SiteDetailBody), (status = 403, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn add_site(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    ApiJson(body): ApiJson<NewSiteBody>,
) -> Result<Response, ApiError> {
    let (account, lang, now) = scope(&s, &p).await?;
    let site = s
        .app
        .monitor_add_site(&client.actor(&p), account, &body.site, now)
        .await
        .map_err(e(lang))?;
    Ok(created(site_detail(&s, account, site.id, now).await.map_err(e(lang))?))
}

#[utoipa::path(get, path = "/api/v1/monitor/sites/{id}", tag = "monitor", security(("bearer" = [])),
    params(("id" = String, Path, description = "The site's id")),
    responses((status = 200, body = SiteDetailBody), (status = 404, body = crate::error::Problem)))]
async fn get_site(
    State(s): State<WebState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (account, lang, now) = scope(&s, &p).await?;
    let id: SiteId = parse(&id, lang)?;
    Ok(ok(site_detail(&s, account, id, now).await.map_err(e(lang))?))
}

#[utoipa::path(delete, path = "/api/v1/monitor/sites/{id}", tag = "monitor", security(("bearer" = [])),
    params(("id" = String, Path, description = "The site's id")),
    responses((status = 204, description = "No longer watched: its URLs, history and alerts deleted"),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
async fn delete_site(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let account = admin_account(&p)?;
    let lang = p.user.lang;
    let id: SiteId = parse(&id, lang)?;
    let now = s.app.now_for(Some(account)).await.map_err(e(lang))?;
    s.app
        .monitor_delete_site(&client.actor(&p), account, id, now)
        .await
        .map_err(e(lang))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(get, path = "/api/v1/monitor/sites/{id}/urls", tag = "monitor", security(("bearer" = [])),
    params(("id" = String, Path, description = "The site's id"), UrlListParams),
    responses((status = 200, body = UrlPageBody), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn list_urls(
    State(s): State<WebState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<UrlListParams>,
) -> Result<Response, ApiError> {
    let account = account_of(&p)?;
    let lang = p.user.lang;
    let id: SiteId = parse(&id, lang)?;
    let tool = match q.tool.as_deref().filter(|t| !t.trim().is_empty()) {
        Some(t) => Some(tool_of(t, "tool", lang)?),
        None => None,
    };
    let now = s.app.now_for(Some(account)).await.map_err(e(lang))?;
    let filter = url_filter(
        tool,
        q.q,
        q.non_indexable.unwrap_or(false),
        q.redirected.unwrap_or(false),
        q.errors.unwrap_or(false),
        q.changed_within_days,
        q.after,
        q.limit.unwrap_or(100),
        now,
    );
    let page = s.app.monitor_urls(account, id, &filter).await.map_err(e(lang))?;
    Ok(ok(UrlPageBody {
        urls: page.urls.iter().map(UrlBody::from).collect(),
        next_after: page.next_after,
    }))
}

#[utoipa::path(post, path = "/api/v1/monitor/sites/{id}/urls", tag = "monitor", security(("bearer" = [])),
    params(("id" = String, Path, description = "The site's id")), request_body = NewUrlsBody,
    responses((status = 201, body = AddedBody), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 422, description = "A faulty URL (each named `urls[N]`), an unreadable sitemap, or the quota reached (`limit_reached`, the limit in `detail`)", body = crate::error::Problem)))]
async fn add_urls(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewUrlsBody>,
) -> Result<Response, ApiError> {
    let account = account_of(&p)?;
    let lang = p.user.lang;
    let id: SiteId = parse(&id, lang)?;
    let source = match (body.url, body.urls, body.sitemap.unwrap_or(false)) {
        (Some(url), None, false) => UrlSource::One(url),
        (None, Some(urls), false) => UrlSource::List(urls.join("\n")),
        (None, None, true) => UrlSource::Sitemap,
        _ => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "one_source_required",
                Some("url"),
                lang,
            ));
        }
    };
    let now = s.app.now_for(Some(account)).await.map_err(e(lang))?;
    let added = s
        .app
        .monitor_add_urls(&client.actor(&p), account, id, source, now)
        .await
        .map_err(e(lang))?;
    Ok(created(AddedBody::from(added)))
}

#[utoipa::path(post, path = "/api/v1/monitor/sites/{id}/urls/import", tag = "monitor", security(("bearer" = [])),
    params(("id" = String, Path, description = "The site's id")),
    request_body(content = String, description = "A CSV file with a `url` column (`;` or `,`); all or nothing", content_type = "text/csv"),
    responses((status = 201, body = AddedBody), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 422, description = "Each faulty line named `file[N]`, or the quota reached", body = crate::error::Problem)))]
async fn import_urls(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let (account, lang, now) = scope(&s, &p).await?;
    let id: SiteId = parse(&id, lang)?;
    let added = s
        .app
        .monitor_add_urls(&client.actor(&p), account, id, UrlSource::Csv(body.to_vec()), now)
        .await
        .map_err(e(lang))?;
    Ok(created(AddedBody::from(added)))
}

/// The id of a URL just added, with the URL.
#[derive(Serialize, ToSchema)]
pub struct AddedUrlBody {
    pub id: String,
}

#[utoipa::path(post, path = "/api/v1/monitor/sites/{id}/pings", tag = "monitor", security(("bearer" = [])),
    params(("id" = String, Path, description = "The site's id")), request_body = NewPingBody,
    responses((status = 201, body = AddedUrlBody), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn add_ping(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewPingBody>,
) -> Result<Response, ApiError> {
    let (account, lang, now) = scope(&s, &p).await?;
    let id: SiteId = parse(&id, lang)?;
    let url = s
        .app
        .monitor_add_ping(&client.actor(&p), account, id, &body.target, now)
        .await
        .map_err(e(lang))?;
    Ok(created(AddedUrlBody { id: url.to_string() }))
}

#[utoipa::path(post, path = "/api/v1/monitor/sites/{id}/backlinks", tag = "monitor", security(("bearer" = [])),
    params(("id" = String, Path, description = "The site's id")), request_body = NewBacklinkBody,
    responses((status = 201, body = AddedUrlBody), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn add_backlink(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewBacklinkBody>,
) -> Result<Response, ApiError> {
    let (account, lang, now) = scope(&s, &p).await?;
    let id: SiteId = parse(&id, lang)?;
    let url = s
        .app
        .monitor_add_backlink(&client.actor(&p), account, id, &body.page, &body.target, now)
        .await
        .map_err(e(lang))?;
    Ok(created(AddedUrlBody { id: url.to_string() }))
}

/// How many URLs took the new cadence.
#[derive(Serialize, ToSchema)]
pub struct CadenceSetBody {
    pub urls: u64,
}

#[utoipa::path(put, path = "/api/v1/monitor/sites/{id}/cadence", tag = "monitor", security(("bearer" = [])),
    params(("id" = String, Path, description = "The site's id")), request_body = CadenceBody,
    responses((status = 200, body = CadenceSetBody), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn set_cadence(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CadenceBody>,
) -> Result<Response, ApiError> {
    let (account, lang, now) = scope(&s, &p).await?;
    let id: SiteId = parse(&id, lang)?;
    let tool = tool_of(&body.tool, "tool", lang)?;
    let urls = s
        .app
        .monitor_set_cadence(&client.actor(&p), account, id, tool, body.minutes, now)
        .await
        .map_err(e(lang))?;
    Ok(ok(CadenceSetBody { urls }))
}

#[utoipa::path(get, path = "/api/v1/monitor/sites/{id}/maintenance", tag = "monitor", security(("bearer" = [])),
    params(("id" = String, Path, description = "The site's id")),
    responses((status = 200, body = Vec<MaintenanceBody>), (status = 404, body = crate::error::Problem)))]
async fn list_maintenance(
    State(s): State<WebState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (account, lang, now) = scope(&s, &p).await?;
    let id: SiteId = parse(&id, lang)?;
    let detail = site_detail(&s, account, id, now).await.map_err(e(lang))?;
    Ok(ok(detail.maintenance))
}

#[utoipa::path(post, path = "/api/v1/monitor/sites/{id}/maintenance", tag = "monitor", security(("bearer" = [])),
    params(("id" = String, Path, description = "The site's id")), request_body = NewMaintenanceBody,
    responses((status = 201, body = AddedUrlBody, description = "The window's id"), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn add_maintenance(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewMaintenanceBody>,
) -> Result<Response, ApiError> {
    let account = account_of(&p)?;
    let lang = p.user.lang;
    let id: SiteId = parse(&id, lang)?;
    let window = maintenance_input(&body.starts_at, &body.ends_at, &body.note)
        .map_err(|f| ApiError::from_app(f.into(), lang))?;
    let now = s.app.now_for(Some(account)).await.map_err(e(lang))?;
    let m = s
        .app
        .monitor_add_maintenance(&client.actor(&p), account, id, &window, now)
        .await
        .map_err(e(lang))?;
    Ok(created(AddedUrlBody { id: m.to_string() }))
}

#[utoipa::path(delete, path = "/api/v1/monitor/maintenance/{id}", tag = "monitor", security(("bearer" = [])),
    params(("id" = String, Path, description = "The window's id")),
    responses((status = 204, description = "Deleted"), (status = 404, body = crate::error::Problem)))]
async fn delete_maintenance(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (account, lang, now) = scope(&s, &p).await?;
    let id: MaintenanceId = parse(&id, lang)?;
    s.app
        .monitor_delete_maintenance(&client.actor(&p), account, id, now)
        .await
        .map_err(e(lang))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(get, path = "/api/v1/monitor/urls/{id}", tag = "monitor", security(("bearer" = [])),
    params(("id" = String, Path, description = "The URL's id")),
    responses((status = 200, body = UrlDetailBody), (status = 404, body = crate::error::Problem)))]
async fn get_url(State(s): State<WebState>, ApiUser(p): ApiUser, Path(id): Path<String>) -> Result<Response, ApiError> {
    let account = account_of(&p)?;
    let lang = p.user.lang;
    let id: UrlId = parse(&id, lang)?;
    let d = s.app.monitor_url(account, id).await.map_err(e(lang))?;
    Ok(ok(UrlDetailBody::new(&d, lang)))
}

#[utoipa::path(delete, path = "/api/v1/monitor/urls/{id}", tag = "monitor", security(("bearer" = [])),
    params(("id" = String, Path, description = "The URL's id")),
    responses((status = 204, description = "No longer watched, its history deleted"), (status = 404, body = crate::error::Problem)))]
async fn delete_url(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (account, lang, now) = scope(&s, &p).await?;
    let id: UrlId = parse(&id, lang)?;
    s.app
        .monitor_delete_url(&client.actor(&p), account, id, now)
        .await
        .map_err(e(lang))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(get, path = "/api/v1/monitor/alerts", tag = "monitor", security(("bearer" = [])), params(AlertParams),
    responses((status = 200, body = Vec<AlertBody>), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
async fn list_alerts(
    State(s): State<WebState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<AlertParams>,
) -> Result<Response, ApiError> {
    let account = account_of(&p)?;
    let lang = p.user.lang;
    let site: Option<SiteId> = match q.site.as_deref().filter(|s| !s.is_empty()) {
        Some(raw) => Some(parse(raw, lang)?),
        None => None,
    };
    let alerts = s
        .app
        .monitor_alerts(account, site, q.limit.unwrap_or(100).clamp(1, 500))
        .await
        .map_err(e(lang))?;
    Ok(ok(alerts.iter().map(|a| AlertBody::new(a, lang)).collect::<Vec<_>>()))
}

#[utoipa::path(get, path = "/api/v1/monitor/settings", tag = "monitor", security(("bearer" = [])),
    responses((status = 200, body = MonitorSettingsBody), (status = 403, body = crate::error::Problem)))]
async fn get_settings(State(s): State<WebState>, ApiUser(p): ApiUser) -> Result<Response, ApiError> {
    let account = account_of(&p)?;
    let settings = s.app.monitor_settings(account).await.map_err(e(p.user.lang))?;
    Ok(ok(MonitorSettingsBody::from(&settings)))
}

#[utoipa::path(put, path = "/api/v1/monitor/settings", tag = "monitor", security(("bearer" = [])), request_body = MonitorSettingsInput,
    responses((status = 200, body = MonitorSettingsBody), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn put_settings(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    ApiJson(body): ApiJson<MonitorSettingsInput>,
) -> Result<Response, ApiError> {
    let account = admin_account(&p)?;
    let lang = p.user.lang;
    let now = s.app.now_for(Some(account)).await.map_err(e(lang))?;
    let settings = s
        .app
        .monitor_save_settings(
            &client.actor(&p),
            account,
            &body.recipients.join("\n"),
            body.confirm_checks,
            body.reminder_minutes,
            now,
        )
        .await
        .map_err(e(lang))?;
    Ok(ok(MonitorSettingsBody::from(&settings)))
}

/// Every site, URL and observed value of the account (OSX-NO-ARCHIVE's export).
#[derive(Serialize, ToSchema)]
pub struct ExportBody {
    #[schema(value_type = Vec<Object>)]
    sites: serde_json::Value,
    #[schema(value_type = Vec<Object>)]
    urls: serde_json::Value,
    #[schema(value_type = Vec<Object>)]
    history: serde_json::Value,
}

#[utoipa::path(get, path = "/api/v1/monitor/export", tag = "monitor", security(("bearer" = [])),
    responses((status = 200, body = ExportBody, description = "Sites, URLs and history: `sites[]` (site_id, site, created_at), `urls[]` (url_id, site_id, url, tool, cadence_minutes), `history[]` (url_id, url, observed_at, element, value)"),
        (status = 403, body = crate::error::Problem)))]
async fn export_json(State(s): State<WebState>, ApiUser(p): ApiUser) -> Result<Response, ApiError> {
    let account = account_of(&p)?;
    let export = s.app.monitor_export(account).await.map_err(e(p.user.lang))?;
    let v = serde_json::to_value(&export).unwrap_or_default();
    Ok(ok(ExportBody {
        sites: v["sites"].clone(),
        urls: v["urls"].clone(),
        history: v["history"].clone(),
    }))
}

#[utoipa::path(get, path = "/api/v1/monitor/export/{file}", tag = "monitor", security(("bearer" = [])),
    params(("file" = String, Path, description = "`sites.csv`, `urls.csv` or `history.csv`")),
    responses((status = 200, description = "The CSV file", content((String = "text/csv"))),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
async fn export_csv(
    State(s): State<WebState>,
    ApiUser(p): ApiUser,
    Path(file): Path<String>,
) -> Result<Response, ApiError> {
    let account = account_of(&p)?;
    let lang = p.user.lang;
    if !EXPORT_FILES.contains(&file.as_str()) {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", None, lang));
    }
    let export = s.app.monitor_export(account).await.map_err(e(lang))?;
    let csv = export_file(&export, &file)
        .unwrap_or_else(|| Err(app::AppError::NotFound))
        .map_err(e(lang))?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response())
}
