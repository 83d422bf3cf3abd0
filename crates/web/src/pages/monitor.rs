//! The monitor module's pages (seed 003, OSX-*): the sites with their state and the plan's
//! quotas, a site's URLs with their current SEO elements, filters and search, the forms that add
//! URLs (one, a pasted list, a CSV file, the sitemap), PING targets and backlinks, cadences and
//! maintenance windows; a URL's elements, redirect chain, changes and timeline; alerts;
//! settings; the export. Every account user works here; settings and deleting a site are the
//! administrators'. The pages render the API's own bodies (`api::monitor`).

use super::{NoticeQuery, Page, admin_account, error_page, forbidden, form_failure, not_found, see_other, ser};
use crate::WebState;
use crate::api::monitor::{
    AlertBody, MonitorSettingsBody, SiteBody, UrlBody, UrlDetailBody, export_file, maintenance_input, site_detail,
    url_filter, usage_body,
};
use crate::auth::{Client, CsrfForm, CsrfToken, CsrfUpload, MaybeUser, PageUser};
use app::auth::Principal;
use app::monitor::UrlSource;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kernel::{AccountId, Lang};
use minijinja::{Value, context};
use monitor::site::Tool;
use monitor::{MaintenanceId, SiteId, UrlId};
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/monitor", get(sites_page))
        .route("/monitor/sites", post(add_site))
        .route("/monitor/sites/{id}", get(site_page))
        .route("/monitor/sites/{id}/urls", post(add_urls))
        .route(
            "/monitor/sites/{id}/import",
            post(import_urls).layer(crate::upload_limit()),
        )
        .route("/monitor/sites/{id}/pings", post(add_ping))
        .route("/monitor/sites/{id}/backlinks", post(add_backlink))
        .route("/monitor/sites/{id}/cadence", post(set_cadence))
        .route("/monitor/sites/{id}/maintenance", post(add_maintenance))
        .route("/monitor/sites/{id}/delete", post(delete_site))
        .route("/monitor/maintenance/{id}/delete", post(delete_maintenance))
        .route("/monitor/urls/{id}", get(url_page))
        .route("/monitor/urls/{id}/delete", post(delete_url))
        .route("/monitor/alerts", get(alerts_page))
        .route("/monitor/settings", get(settings_page).post(save_settings))
        .route("/monitor/export", get(export_page))
        .route("/monitor/export.json", get(export_json))
        .route("/monitor/export/{file}", get(export_csv))
        .route("/bot", get(bot_page))
}

type Errors = BTreeMap<String, String>;

/// The cadences a person chooses from (OSX-CADENCE: every 5 minutes to daily).
const CADENCES: [u32; 7] = [5, 15, 30, 60, 360, 720, 1440];

fn page(client: &Client, csrf: &CsrfToken, path: &str, p: &Principal) -> Page {
    Page::new(client.lang, csrf, path, Some(p)).nav("monitor")
}

fn account_of(p: &Principal) -> Option<AccountId> {
    p.user.account_id
}

fn cadences(lang: Lang) -> Vec<Value> {
    CADENCES
        .iter()
        .map(|&m| context! { minutes => m, label => cadence_label(m, lang) })
        .collect()
}

fn cadence_label(minutes: u32, lang: Lang) -> String {
    match (minutes, lang) {
        (1440, Lang::Fr) => "Chaque jour".into(),
        (1440, Lang::En) => "Daily".into(),
        (60, Lang::Fr) => "Toutes les heures".into(),
        (m, Lang::Fr) if m % 60 == 0 => format!("Toutes les {} heures", m / 60),
        (60, Lang::En) => "Hourly".into(),
        (m, Lang::En) if m % 60 == 0 => format!("Every {} hours", m / 60),
        (m, Lang::Fr) => format!("Toutes les {m} min"),
        (m, Lang::En) => format!("Every {m} minutes"),
    }
}

// ---- Sites ----

async fn sites_page(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Query(n): Query<NoticeQuery>,
) -> Response {
    let page = page(&client, &csrf, "/monitor", &p).notice(n.key());
    sites_view(&s, &page, &p, Errors::new(), None, "", StatusCode::OK).await
}

async fn sites_view(
    s: &WebState,
    page: &Page,
    p: &Principal,
    errors: Errors,
    error: Option<String>,
    typed: &str,
    status: StatusCode,
) -> Response {
    let Some(account) = account_of(p) else {
        return forbidden(page, s, "account_required");
    };
    let usage = match usage_body(s, account).await {
        Ok(u) => u,
        Err(e) => return error_page(page, s, &e),
    };
    let sites = match s.app.monitor_sites(account).await {
        Ok(list) => list,
        Err(e) => return error_page(page, s, &e),
    };
    let alerts = s.app.monitor_alerts(account, None, 10).await.unwrap_or_default();
    let sites: Vec<SiteBody> = sites.iter().map(SiteBody::from).collect();
    let alerts: Vec<AlertBody> = alerts.iter().map(|a| AlertBody::new(a, page.lang)).collect();
    let html = page.render(
        s,
        "monitor.html",
        context! {
            usage => ser(&usage), sites => ser(&sites), alerts => ser(&alerts),
            errors => errors, error => error, typed => typed, is_admin => p.is_admin(),
        },
    );
    (status, html).into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SiteForm {
    site: String,
}

async fn add_site(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    CsrfForm(form): CsrfForm<SiteForm>,
) -> Response {
    let page = page(&client, &csrf, "/monitor", &p);
    let Some(account) = account_of(&p) else {
        return forbidden(&page, &s, "account_required");
    };
    let result = match s.app.now_for(Some(account)).await {
        Ok(now) => {
            s.app
                .monitor_add_site(&client.actor(&p), account, &form.site, now)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(site) => see_other(&format!("/monitor/sites/{}?notice=notice.monitor_site_added", site.id)),
        Err(e) => {
            let (errors, error) = form_failure(page.lang, &e);
            sites_view(
                &s,
                &page,
                &p,
                errors,
                error,
                &form.site,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

// ---- A site ----

#[derive(Deserialize, Default, serde::Serialize, Clone)]
#[serde(default)]
struct UrlQuery {
    tool: String,
    q: String,
    /// `non_indexable`, `redirected`, `errors` or `changed` (this week).
    only: String,
    after: String,
    notice: Option<String>,
}

/// Which form of the site page failed, so its errors show beside it.
#[derive(Default)]
struct SiteFormState {
    form: &'static str,
    errors: Errors,
    error: Option<String>,
    /// What the person typed, to show it back.
    values: BTreeMap<String, String>,
}

async fn site_page(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    Query(q): Query<UrlQuery>,
) -> Response {
    let path = format!("/monitor/sites/{id}");
    let page = page(&client, &csrf, &path, &p).notice(q.notice.as_deref().filter(|n| n.starts_with("notice.")));
    site_view(&s, &page, &p, &id, &q, SiteFormState::default(), StatusCode::OK).await
}

async fn site_view(
    s: &WebState,
    page: &Page,
    p: &Principal,
    id: &str,
    q: &UrlQuery,
    state: SiteFormState,
    status: StatusCode,
) -> Response {
    let Some(account) = account_of(p) else {
        return forbidden(page, s, "account_required");
    };
    let Ok(site_id) = id.parse::<SiteId>() else {
        return not_found(page, s);
    };
    let now = match s.app.now_for(Some(account)).await {
        Ok(n) => n,
        Err(e) => return error_page(page, s, &e),
    };
    let detail = match site_detail(s, account, site_id, now).await {
        Ok(d) => d,
        Err(e) => return error_page(page, s, &e),
    };
    let tool = Tool::from_code(&q.tool).unwrap_or(Tool::Http);
    let filter = url_filter(
        Some(tool),
        Some(q.q.clone()),
        q.only == "non_indexable",
        q.only == "redirected",
        q.only == "errors",
        (q.only == "changed").then_some(7),
        Some(q.after.clone()),
        100,
        now,
    );
    let urls = match s.app.monitor_urls(account, site_id, &filter).await {
        Ok(u) => u,
        Err(e) => return error_page(page, s, &e),
    };
    let alerts = s
        .app
        .monitor_alerts(account, Some(site_id), 20)
        .await
        .unwrap_or_default();
    let usage = match usage_body(s, account).await {
        Ok(u) => u,
        Err(e) => return error_page(page, s, &e),
    };
    let next = urls.next_after.as_ref().map(|after| {
        let query = serde_urlencoded::to_string([
            ("tool", tool.code()),
            ("q", q.q.as_str()),
            ("only", q.only.as_str()),
            ("after", after.as_str()),
        ])
        .unwrap_or_default();
        format!("/monitor/sites/{id}?{query}")
    });
    let rows: Vec<UrlBody> = urls.urls.iter().map(UrlBody::from).collect();
    let alerts: Vec<AlertBody> = alerts.iter().map(|a| AlertBody::new(a, page.lang)).collect();
    let html = page.render(
        s,
        "monitor_site.html",
        context! {
            d => ser(&detail), urls => ser(&rows), next => next, alerts => ser(&alerts),
            usage => ser(&usage), tool => tool.code(), q => ser(q), paged => !q.after.is_empty(),
            cadences => cadences(page.lang), is_admin => p.is_admin(),
            form => state.form, errors => state.errors, error => state.error, values => state.values,
        },
    );
    (status, html).into_response()
}

/// A request to one of the site page's forms.
struct SiteRequest<'a> {
    s: &'a WebState,
    client: &'a Client,
    csrf: &'a CsrfToken,
    p: &'a Principal,
    /// The site's id as the path gave it.
    id: &'a str,
}

impl<'a> SiteRequest<'a> {
    fn new(s: &'a WebState, client: &'a Client, csrf: &'a CsrfToken, p: &'a Principal, id: &'a str) -> Self {
        SiteRequest { s, client, csrf, p, id }
    }
}

/// Runs one of the site page's forms: on success back to the page with a notice, on failure
/// the page again with the errors beside the form that failed.
async fn site_form<T, F>(r: SiteRequest<'_>, form: &'static str, values: BTreeMap<String, String>, run: F) -> Response
where
    F: AsyncFnOnce(AccountId, SiteId, jiff::Timestamp) -> Result<T, app::AppError>,
    T: SiteNotice,
{
    let SiteRequest { s, client, csrf, p, id } = r;
    let path = format!("/monitor/sites/{id}");
    let page = page(client, csrf, &path, p);
    let Some(account) = account_of(p) else {
        return forbidden(&page, s, "account_required");
    };
    let Ok(site_id) = id.parse::<SiteId>() else {
        return not_found(&page, s);
    };
    let result = match s.app.now_for(Some(account)).await {
        Ok(now) => run(account, site_id, now).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(done) => see_other(&format!("{path}?{}", done.query())),
        Err(e @ (app::AppError::NotFound | app::AppError::Forbidden(_))) => error_page(&page, s, &e),
        Err(e) => {
            let (errors, error) = form_failure(page.lang, &e);
            let state = SiteFormState {
                form,
                errors,
                error,
                values,
            };
            let q = UrlQuery {
                tool: form_tool(form).into(),
                ..UrlQuery::default()
            };
            site_view(s, &page, p, id, &q, state, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// The tool tab a form belongs to, so its errors show on the tab it was sent from.
fn form_tool(form: &str) -> &'static str {
    match form {
        "ping" => "ping",
        "backlink" => "link",
        _ => "http",
    }
}

/// What the site page says after a form succeeded.
trait SiteNotice {
    fn query(&self) -> String;
}

impl SiteNotice for app::monitor::Added {
    fn query(&self) -> String {
        format!(
            "notice=notice.monitor_urls_added&added={}&already={}",
            self.added, self.already_watched
        )
    }
}

impl SiteNotice for UrlId {
    fn query(&self) -> String {
        "notice=notice.monitor_url_added".into()
    }
}

impl SiteNotice for MaintenanceId {
    fn query(&self) -> String {
        "notice=notice.monitor_maintenance_added".into()
    }
}

impl SiteNotice for u64 {
    fn query(&self) -> String {
        "notice=notice.monitor_cadence_set".into()
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct UrlsForm {
    url: String,
    urls: String,
    /// `one`, `list` or `sitemap`: which button was pressed.
    source: String,
}

async fn add_urls(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<UrlsForm>,
) -> Response {
    let (source, name) = match form.source.as_str() {
        "sitemap" => (UrlSource::Sitemap, "sitemap"),
        "list" => (UrlSource::List(form.urls.clone()), "list"),
        _ => (UrlSource::One(form.url.clone()), "one"),
    };
    let values = BTreeMap::from([("url".to_string(), form.url), ("urls".to_string(), form.urls)]);
    let actor = client.actor(&p);
    site_form(
        SiteRequest::new(&s, &client, &csrf, &p, &id),
        name,
        values,
        async |account, site, now| s.app.monitor_add_urls(&actor, account, site, source, now).await,
    )
    .await
}

async fn import_urls(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    upload: CsrfUpload,
) -> Response {
    let actor = client.actor(&p);
    site_form(
        SiteRequest::new(&s, &client, &csrf, &p, &id),
        "csv",
        BTreeMap::new(),
        async |account, site, now| {
            s.app
                .monitor_add_urls(&actor, account, site, UrlSource::Csv(upload.content), now)
                .await
        },
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PingForm {
    target: String,
}

async fn add_ping(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<PingForm>,
) -> Response {
    let actor = client.actor(&p);
    let values = BTreeMap::from([("target".to_string(), form.target.clone())]);
    site_form(
        SiteRequest::new(&s, &client, &csrf, &p, &id),
        "ping",
        values,
        async |account, site, now| s.app.monitor_add_ping(&actor, account, site, &form.target, now).await,
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct BacklinkForm {
    page: String,
    target: String,
}

async fn add_backlink(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<BacklinkForm>,
) -> Response {
    let actor = client.actor(&p);
    let values = BTreeMap::from([
        ("page".to_string(), form.page.clone()),
        ("target".to_string(), form.target.clone()),
    ]);
    site_form(
        SiteRequest::new(&s, &client, &csrf, &p, &id),
        "backlink",
        values,
        async |account, site, now| {
            s.app
                .monitor_add_backlink(&actor, account, site, &form.page, &form.target, now)
                .await
        },
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CadenceForm {
    tool: String,
    minutes: String,
}

async fn set_cadence(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<CadenceForm>,
) -> Response {
    let actor = client.actor(&p);
    let name = match form.tool.as_str() {
        "ping" => "cadence_ping",
        "link" => "cadence_link",
        _ => "cadence_http",
    };
    site_form(
        SiteRequest::new(&s, &client, &csrf, &p, &id),
        name,
        BTreeMap::new(),
        async |account, site, now| {
            let tool =
                Tool::from_code(&form.tool).ok_or_else(|| kernel::FieldErrors::single("tool", "tool_unknown"))?;
            let minutes: u32 = form
                .minutes
                .trim()
                .parse()
                .map_err(|_| kernel::FieldErrors::single("cadence_minutes", "cadence_out_of_range"))?;
            s.app
                .monitor_set_cadence(&actor, account, site, tool, minutes, now)
                .await
        },
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MaintenanceForm {
    starts_at: String,
    ends_at: String,
    note: String,
}

async fn add_maintenance(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<MaintenanceForm>,
) -> Response {
    let actor = client.actor(&p);
    let values = BTreeMap::from([
        ("starts_at".to_string(), form.starts_at.clone()),
        ("ends_at".to_string(), form.ends_at.clone()),
        ("note".to_string(), form.note.clone()),
    ]);
    site_form(
        SiteRequest::new(&s, &client, &csrf, &p, &id),
        "maintenance",
        values,
        async |account, site, now| {
            let window = maintenance_input(&form.starts_at, &form.ends_at, &form.note)?;
            s.app.monitor_add_maintenance(&actor, account, site, &window, now).await
        },
    )
    .await
}

async fn delete_site(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<BTreeMap<String, String>>,
) -> Response {
    let page = page(&client, &csrf, "/monitor", &p);
    let Some(account) = admin_account(&p) else {
        return forbidden(&page, &s, "admin_required");
    };
    let Ok(site) = id.parse::<SiteId>() else {
        return not_found(&page, &s);
    };
    let result = match s.app.now_for(Some(account)).await {
        Ok(now) => s.app.monitor_delete_site(&client.actor(&p), account, site, now).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => see_other("/monitor?notice=notice.monitor_site_deleted"),
        Err(e) => error_page(&page, &s, &e),
    }
}

async fn delete_maintenance(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<BTreeMap<String, String>>,
) -> Response {
    let page = page(&client, &csrf, "/monitor", &p);
    let Some(account) = account_of(&p) else {
        return forbidden(&page, &s, "account_required");
    };
    let Ok(window) = id.parse::<MaintenanceId>() else {
        return not_found(&page, &s);
    };
    let result = match s.app.now_for(Some(account)).await {
        Ok(now) => {
            s.app
                .monitor_delete_maintenance(&client.actor(&p), account, window, now)
                .await
        }
        Err(e) => Err(e),
    };
    let back = form
        .get("site")
        .filter(|site| site.parse::<SiteId>().is_ok())
        .map(|site| format!("/monitor/sites/{site}?notice=notice.monitor_maintenance_deleted"))
        .unwrap_or_else(|| "/monitor".into());
    match result {
        Ok(()) => see_other(&back),
        Err(e) => error_page(&page, &s, &e),
    }
}

// ---- A URL ----

async fn url_page(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
) -> Response {
    let page = page(&client, &csrf, &format!("/monitor/urls/{id}"), &p);
    let Some(account) = account_of(&p) else {
        return forbidden(&page, &s, "account_required");
    };
    let Ok(url) = id.parse::<UrlId>() else {
        return not_found(&page, &s);
    };
    match s.app.monitor_url(account, url).await {
        Ok(d) => {
            let body = UrlDetailBody::new(&d, page.lang);
            page.render(&s, "monitor_url.html", context! { d => ser(&body) })
                .into_response()
        }
        Err(e) => error_page(&page, &s, &e),
    }
}

async fn delete_url(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<BTreeMap<String, String>>,
) -> Response {
    let page = page(&client, &csrf, "/monitor", &p);
    let Some(account) = account_of(&p) else {
        return forbidden(&page, &s, "account_required");
    };
    let Ok(url) = id.parse::<UrlId>() else {
        return not_found(&page, &s);
    };
    // The site to go back to, read before the URL is gone.
    let site = match s.app.monitor_url(account, url).await {
        Ok(d) => d.site.id,
        Err(e) => return error_page(&page, &s, &e),
    };
    let result = match s.app.now_for(Some(account)).await {
        Ok(now) => s.app.monitor_delete_url(&client.actor(&p), account, url, now).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => see_other(&format!("/monitor/sites/{site}?notice=notice.monitor_url_deleted")),
        Err(e) => error_page(&page, &s, &e),
    }
}

// ---- Alerts, settings, export ----

#[derive(Deserialize, Default)]
#[serde(default)]
struct AlertsQuery {
    site: String,
}

async fn alerts_page(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Query(q): Query<AlertsQuery>,
) -> Response {
    let page = page(&client, &csrf, "/monitor/alerts", &p);
    let Some(account) = account_of(&p) else {
        return forbidden(&page, &s, "account_required");
    };
    let site = q.site.parse::<SiteId>().ok();
    let sites = match s.app.monitor_sites(account).await {
        Ok(list) => list,
        Err(e) => return error_page(&page, &s, &e),
    };
    match s.app.monitor_alerts(account, site, 300).await {
        Ok(list) => {
            let alerts: Vec<AlertBody> = list.iter().map(|a| AlertBody::new(a, page.lang)).collect();
            let sites: Vec<SiteBody> = sites.iter().map(SiteBody::from).collect();
            page.render(
                &s,
                "monitor_alerts.html",
                context! { alerts => ser(&alerts), sites => ser(&sites), site => q.site },
            )
            .into_response()
        }
        Err(e) => error_page(&page, &s, &e),
    }
}

async fn settings_page(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Query(n): Query<NoticeQuery>,
) -> Response {
    let page = page(&client, &csrf, "/monitor/settings", &p).notice(n.key());
    let Some(account) = admin_account(&p) else {
        return forbidden(&page, &s, "admin_required");
    };
    match s.app.monitor_settings(account).await {
        Ok(settings) => {
            let body = MonitorSettingsBody::from(&settings);
            let form = SettingsForm {
                recipients: body.recipients.join("\n"),
                confirm_checks: body.confirm_checks.to_string(),
                reminder_minutes: body.reminder_minutes.map(|m| m.to_string()).unwrap_or_default(),
            };
            settings_view(&s, &page, &form, Errors::new(), None, StatusCode::OK)
        }
        Err(e) => error_page(&page, &s, &e),
    }
}

#[derive(Deserialize, Default, serde::Serialize)]
#[serde(default)]
struct SettingsForm {
    recipients: String,
    confirm_checks: String,
    /// Empty: no "still down" reminder.
    reminder_minutes: String,
}

fn settings_view(
    s: &WebState,
    page: &Page,
    form: &SettingsForm,
    errors: Errors,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let html = page.render(
        s,
        "monitor_settings.html",
        context! { form => ser(form), errors => errors, error => error },
    );
    (status, html).into_response()
}

async fn save_settings(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    CsrfForm(form): CsrfForm<SettingsForm>,
) -> Response {
    let page = page(&client, &csrf, "/monitor/settings", &p);
    let Some(account) = admin_account(&p) else {
        return forbidden(&page, &s, "admin_required");
    };
    let mut errors = Errors::new();
    let confirm_checks = form.confirm_checks.trim().parse::<u8>().unwrap_or(0);
    let reminder_minutes = match form.reminder_minutes.trim() {
        "" => None,
        raw => match raw.parse::<u32>() {
            Ok(m) => Some(m),
            Err(_) => {
                errors.insert(
                    "reminder_minutes".into(),
                    crate::i18n::message(page.lang, "out_of_range").into(),
                );
                None
            }
        },
    };
    if !errors.is_empty() {
        return settings_view(&s, &page, &form, errors, None, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let result = match s.app.now_for(Some(account)).await {
        Ok(now) => {
            s.app
                .monitor_save_settings(
                    &client.actor(&p),
                    account,
                    &form.recipients,
                    confirm_checks,
                    reminder_minutes,
                    now,
                )
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => see_other("/monitor/settings?notice=notice.monitor_settings_saved"),
        Err(e) => {
            let (errors, error) = form_failure(page.lang, &e);
            settings_view(&s, &page, &form, errors, error, StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

async fn export_page(State(s): State<WebState>, client: Client, csrf: CsrfToken, PageUser(p): PageUser) -> Response {
    let page = page(&client, &csrf, "/monitor/export", &p);
    let Some(account) = account_of(&p) else {
        return forbidden(&page, &s, "account_required");
    };
    let sites = match s.app.monitor_sites(account).await {
        Ok(list) => list,
        Err(e) => return error_page(&page, &s, &e),
    };
    let urls: i64 = sites.iter().map(|s| s.http_urls + s.ping_urls + s.backlinks).sum();
    let settings = s.app.monitor_settings(account).await.ok();
    page.render(
        &s,
        "monitor_export.html",
        context! {
            sites => sites.len(), urls => urls,
            offered_at => settings.and_then(|s| s.export_offered_at).map(|t| t.to_string()),
        },
    )
    .into_response()
}

async fn export_json(State(s): State<WebState>, client: Client, csrf: CsrfToken, PageUser(p): PageUser) -> Response {
    let page = page(&client, &csrf, "/monitor/export", &p);
    let Some(account) = account_of(&p) else {
        return forbidden(&page, &s, "account_required");
    };
    match s.app.monitor_export(account).await {
        Ok(export) => crate::attachment(
            "application/json",
            "monitor.json",
            serde_json::to_vec_pretty(&export).unwrap_or_default(),
        ),
        Err(e) => error_page(&page, &s, &e),
    }
}

async fn export_csv(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(file): Path<String>,
) -> Response {
    let page = page(&client, &csrf, "/monitor/export", &p);
    let Some(account) = account_of(&p) else {
        return forbidden(&page, &s, "account_required");
    };
    let export = match s.app.monitor_export(account).await {
        Ok(export) => export,
        Err(e) => return error_page(&page, &s, &e),
    };
    match export_file(&export, &file) {
        Some(Ok(csv)) => crate::attachment("text/csv; charset=utf-8", &format!("monitor-{file}"), csv.into_bytes()),
        Some(Err(e)) => error_page(&page, &s, &e),
        None => not_found(&page, &s),
    }
}

/// What the monitor's User-Agent points to: who checks, what, how often, and how to stop it.
async fn bot_page(State(s): State<WebState>, client: Client, csrf: CsrfToken, MaybeUser(p): MaybeUser) -> Response {
    let page = Page::new(client.lang, &csrf, "/bot", p.as_ref());
    let agent = app::monitor::probe_config_for(&s.app.config.public_url).user_agent;
    page.render(&s, "bot.html", context! { agent => agent.header() })
        .into_response()
}
