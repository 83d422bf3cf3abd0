//! Operator pages: accounts (administrative data only), break-glass, the outbox, test clocks,
//! terms versions, failed jobs and the platform trail. Anyone else gets the not-found page.

use super::settings::{AuditQuery, audit_view, grant_rows};
use super::{NoticeQuery, Page, Pager, error_page, form_failure, not_found, see_other, ser};
use crate::WebState;
use crate::auth::{Client, CsrfForm, CsrfToken, PageUser};
use app::auth::Principal;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/operator/accounts", get(accounts))
        .route("/operator/accounts/{id}", get(account))
        .route("/operator/accounts/{id}/end", post(end_account))
        .route("/operator/accounts/{id}/break-glass", post(break_glass))
        .route("/operator/accounts/{id}/clock", post(attach_clock))
        .route("/operator/accounts/{id}/support", get(support))
        .route("/operator/outbox", get(outbox))
        .route("/operator/outbox/{id}", get(email))
        .route("/operator/clocks", get(clocks).post(create_clock))
        .route("/operator/clocks/{id}/advance", post(advance_clock))
        .route("/operator/terms", get(terms).post(publish_terms))
        .route("/operator/jobs", get(jobs))
        .route("/operator/jobs/{id}/retry", post(retry_job))
        .route("/operator/audit", get(audit))
}

type Errors = BTreeMap<String, String>;

/// The page of an operator area; handlers check the role with `require_operator!`.
fn op_page(client: &Client, csrf: &CsrfToken, path: &str, p: &Principal, nav: &'static str) -> Page {
    Page::new(client.lang, csrf, path, Some(p)).nav(nav)
}

macro_rules! require_operator {
    ($p:expr, $page:expr, $s:expr) => {
        if !$p.is_operator() {
            return not_found(&$page, &$s);
        }
    };
}

// ---- Accounts ----

#[derive(Deserialize, Default)]
#[serde(default)]
struct SearchQuery {
    q: String,
    notice: Option<String>,
    page: Option<i64>,
}

fn summary(sm: &app::accounts::AccountSummary) -> Value {
    context! {
        account => ser(&sm.account), users => sm.users, terms_version => sm.terms_version.clone(),
        support_access_until => sm.support_access_until.map(|t| t.to_string()), kyc => ser(&sm.kyc),
    }
}

async fn accounts(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Query(q): Query<SearchQuery>,
) -> Response {
    let page = op_page(&client, &csrf, "/operator/accounts", &p, "op_accounts")
        .notice(q.notice.as_deref().filter(|n| n.starts_with("notice.")));
    require_operator!(p, page, s);
    let pager = Pager::new(q.page);
    match s
        .app
        .operator_accounts(Some(q.q.as_str()), pager.limit(), pager.offset())
        .await
    {
        Ok(mut list) => {
            let links = pager.finish(&mut list, "/operator/accounts", &[("q", q.q.as_str())]);
            let rows: Vec<Value> = list.iter().map(summary).collect();
            page.render(
                &s,
                "op_accounts.html",
                context! { accounts => rows, q => q.q, pager => links },
            )
            .into_response()
        }
        Err(e) => error_page(&page, &s, &e),
    }
}

async fn account_view(s: &WebState, page: &Page, id: kernel::AccountId, extra: Value, status: StatusCode) -> Response {
    let sm = match s.app.operator_account(id).await {
        Ok(sm) => sm,
        Err(e) => return error_page(page, s, &e),
    };
    let clocks = s.app.clocks().await.unwrap_or_default();
    let grants = s.app.grants(id).await.unwrap_or_default();
    let now = s.app.now_for(Some(id)).await.unwrap_or_else(|_| jiff::Timestamp::now());
    let html = page.render(
        s,
        "op_account.html",
        context! {
            s => summary(&sm), clocks => ser(&clocks), grants => grant_rows(&grants, now),
            hours_options => [4, 24, 72, 168], ..extra
        },
    );
    (status, html).into_response()
}

fn empty_account_forms() -> Value {
    context! { errors => Errors::new(), form => Errors::new() }
}

async fn account(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let path = format!("/operator/accounts/{id}");
    let page = op_page(&client, &csrf, &path, &p, "op_accounts").notice(q.key());
    require_operator!(p, page, s);
    let Ok(id) = id.parse::<kernel::AccountId>() else {
        return not_found(&page, &s);
    };
    account_view(&s, &page, id, empty_account_forms(), StatusCode::OK).await
}

async fn account_failed(s: &WebState, page: &Page, id: kernel::AccountId, e: &app::AppError, form: Errors) -> Response {
    if matches!(e, app::AppError::NotFound) {
        return not_found(page, s);
    }
    let (errors, error) = form_failure(page.lang, e);
    account_view(
        s,
        page,
        id,
        context! { errors => errors, error => error, form => form },
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReasonForm {
    reason: String,
}

async fn end_account(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> Response {
    let path = format!("/operator/accounts/{id}");
    let page = op_page(&client, &csrf, &path, &p, "op_accounts");
    require_operator!(p, page, s);
    let Ok(id) = id.parse::<kernel::AccountId>() else {
        return not_found(&page, &s);
    };
    match s.app.end_account_for_breach(id, &form.reason, &client.actor(&p)).await {
        Ok(()) => see_other(&format!("{path}?notice=notice.account_ended")),
        Err(e) => {
            let kept = Errors::from([("end_reason".to_string(), form.reason)]);
            let e = rename_field(e, "reason", "end_reason");
            account_failed(&s, &page, id, &e, kept).await
        }
    }
}

/// Two forms of the page share a field name; errors of one go next to its own field.
fn rename_field(e: app::AppError, from: &str, to: &'static str) -> app::AppError {
    match e {
        app::AppError::Invalid(mut fields) => {
            for f in &mut fields.0 {
                if f.field == from {
                    f.field = to.to_string();
                }
            }
            app::AppError::Invalid(fields)
        }
        other => other,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct BreakGlassForm {
    reason: String,
    legal_reference: String,
    hours: String,
}

async fn break_glass(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<BreakGlassForm>,
) -> Response {
    let path = format!("/operator/accounts/{id}");
    let page = op_page(&client, &csrf, &path, &p, "op_accounts");
    require_operator!(p, page, s);
    let Ok(id) = id.parse::<kernel::AccountId>() else {
        return not_found(&page, &s);
    };
    let hours = form.hours.trim().parse::<i64>().unwrap_or(0);
    match s
        .app
        .open_break_glass(&p, id, &form.reason, &form.legal_reference, hours, &client.actor(&p))
        .await
    {
        Ok(_) => see_other(&format!("{path}?notice=notice.break_glass_opened")),
        Err(e) => {
            let kept = Errors::from([
                ("bg_reason".to_string(), form.reason),
                ("legal_reference".to_string(), form.legal_reference),
                ("hours".to_string(), form.hours),
            ]);
            let e = rename_field(e, "reason", "bg_reason");
            account_failed(&s, &page, id, &e, kept).await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ClockForm {
    clock_id: String,
}

async fn attach_clock(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ClockForm>,
) -> Response {
    let path = format!("/operator/accounts/{id}");
    let page = op_page(&client, &csrf, &path, &p, "op_accounts");
    require_operator!(p, page, s);
    let Ok(id) = id.parse::<kernel::AccountId>() else {
        return not_found(&page, &s);
    };
    let clock = if form.clock_id.trim().is_empty() {
        None
    } else {
        match form.clock_id.trim().parse::<kernel::ClockId>() {
            Ok(c) => Some(c),
            Err(_) => return not_found(&page, &s),
        }
    };
    match s.app.attach_clock(id, clock, &client.actor(&p)).await {
        Ok(()) => see_other(&format!("{path}?notice=notice.clock_attached")),
        Err(e) => account_failed(&s, &page, id, &e, Errors::new()).await,
    }
}

async fn support(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
) -> Response {
    let path = format!("/operator/accounts/{id}/support");
    let page = op_page(&client, &csrf, &path, &p, "op_accounts");
    require_operator!(p, page, s);
    let Ok(id) = id.parse::<kernel::AccountId>() else {
        return not_found(&page, &s);
    };
    match s.app.support_view(&p, id, &client.actor(&p)).await {
        Ok(v) => {
            let now = s.app.now_for(Some(id)).await.unwrap_or_else(|_| jiff::Timestamp::now());
            let grant = grant_rows(std::slice::from_ref(&v.grant), now).pop();
            page.render(
                &s,
                "op_support.html",
                context! { account => ser(&v.account), users => ser(&v.users), grant => grant },
            )
            .into_response()
        }
        Err(e) => error_page(&page, &s, &e),
    }
}

// ---- Outbox ----

#[derive(Deserialize, Default)]
#[serde(default)]
struct OutboxQuery {
    to: String,
    page: Option<i64>,
}

async fn outbox(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Query(q): Query<OutboxQuery>,
) -> Response {
    let page = op_page(&client, &csrf, "/operator/outbox", &p, "op_outbox");
    require_operator!(p, page, s);
    let to = Some(q.to.trim()).filter(|t| !t.is_empty());
    let pager = Pager::new(q.page);
    match s.app.outbox(to, pager.limit(), pager.offset()).await {
        Ok(mut list) => {
            let links = pager.finish(&mut list, "/operator/outbox", &[("to", q.to.as_str())]);
            page.render(
                &s,
                "op_outbox.html",
                context! { emails => ser(&list), to => q.to, pager => links },
            )
            .into_response()
        }
        Err(e) => error_page(&page, &s, &e),
    }
}

/// Escapes text for HTML and makes its http(s) URLs clickable.
pub fn linkify(text: &str) -> String {
    fn escape(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                c => out.push(c),
            }
        }
        out
    }
    let mut out = String::new();
    let mut rest = text;
    loop {
        let next = [rest.find("https://"), rest.find("http://")]
            .into_iter()
            .flatten()
            .min();
        let Some(start) = next else {
            out.push_str(&escape(rest));
            break;
        };
        out.push_str(&escape(&rest[..start]));
        let tail = &rest[start..];
        let mut end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\''))
            .unwrap_or(tail.len());
        while end > 0 && matches!(tail.as_bytes()[end - 1], b'.' | b',' | b';' | b':' | b')' | b'!' | b'?') {
            end -= 1;
        }
        let url = escape(&tail[..end]);
        if end <= "https://".len() {
            out.push_str(&url);
        } else {
            out.push_str(&format!("<a href=\"{url}\">{url}</a>"));
        }
        rest = &tail[end..];
    }
    out
}

async fn email(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
) -> Response {
    let page = op_page(&client, &csrf, "/operator/outbox", &p, "op_outbox");
    require_operator!(p, page, s);
    let Ok(id) = id.parse::<kernel::EmailId>() else {
        return not_found(&page, &s);
    };
    match s.app.email(id).await {
        Ok(m) => {
            let body = Value::from_safe_string(linkify(&m.body_text));
            page.render(&s, "op_email.html", context! { email => ser(&m), body => body })
                .into_response()
        }
        Err(e) => error_page(&page, &s, &e),
    }
}

// ---- Clocks ----

async fn clocks_view(s: &WebState, page: &Page, extra: Value, status: StatusCode) -> Response {
    match s.app.clocks().await {
        Ok(list) => {
            let html = page.render(s, "op_clocks.html", context! { clocks => ser(&list), ..extra });
            (status, html).into_response()
        }
        Err(e) => error_page(page, s, &e),
    }
}

async fn clocks(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let page = op_page(&client, &csrf, "/operator/clocks", &p, "op_clocks").notice(q.key());
    require_operator!(p, page, s);
    clocks_view(
        &s,
        &page,
        context! { errors => Errors::new(), form => Errors::new() },
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewClockForm {
    name: String,
    start: String,
}

async fn create_clock(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    CsrfForm(form): CsrfForm<NewClockForm>,
) -> Response {
    let page = op_page(&client, &csrf, "/operator/clocks", &p, "op_clocks");
    require_operator!(p, page, s);
    match s.app.create_clock(&form.name, &form.start, &client.actor(&p)).await {
        Ok(_) => see_other("/operator/clocks?notice=notice.clock_created"),
        Err(e) => {
            let (errors, error) = form_failure(page.lang, &e);
            let kept = Errors::from([("name".to_string(), form.name), ("start".to_string(), form.start)]);
            clocks_view(
                &s,
                &page,
                context! { errors => errors, error => error, form => kept },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AdvanceForm {
    to: String,
}

async fn advance_clock(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<AdvanceForm>,
) -> Response {
    let page = op_page(&client, &csrf, "/operator/clocks", &p, "op_clocks");
    require_operator!(p, page, s);
    let Ok(id) = id.parse::<kernel::ClockId>() else {
        return not_found(&page, &s);
    };
    match s.app.advance_clock(id, &form.to, &client.actor(&p)).await {
        Ok(_) => see_other("/operator/clocks?notice=notice.clock_advanced"),
        Err(e) => {
            let (errors, error) = form_failure(page.lang, &e);
            let error = error.or_else(|| errors.values().next().cloned());
            clocks_view(
                &s,
                &page,
                context! { errors => Errors::new(), error => error, form => Errors::new() },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

// ---- Terms ----

async fn terms_view(s: &WebState, page: &Page, extra: Value, status: StatusCode) -> Response {
    match s.app.terms_versions().await {
        Ok(list) => {
            let rows: Vec<Value> = list
                .iter()
                .map(|t| {
                    context! {
                        id => t.id.to_string(), version => t.version.clone(),
                        effective_at => t.effective_at.to_string(), published_at => t.published_at.to_string(),
                    }
                })
                .collect();
            let html = page.render(s, "op_terms.html", context! { versions => rows, ..extra });
            (status, html).into_response()
        }
        Err(e) => error_page(page, s, &e),
    }
}

async fn terms(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let page = op_page(&client, &csrf, "/operator/terms", &p, "op_terms").notice(q.key());
    require_operator!(p, page, s);
    terms_view(
        &s,
        &page,
        context! { errors => Errors::new(), form => Errors::new() },
        StatusCode::OK,
    )
    .await
}

async fn publish_terms(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    CsrfForm(form): CsrfForm<app::terms::PublishTermsInput>,
) -> Response {
    let page = op_page(&client, &csrf, "/operator/terms", &p, "op_terms");
    require_operator!(p, page, s);
    match s.app.publish_terms(form.clone(), &client.actor(&p)).await {
        Ok(_) => see_other("/operator/terms?notice=notice.terms_published"),
        Err(e) => {
            let (errors, error) = form_failure(page.lang, &e);
            let kept = Errors::from([
                ("version".to_string(), form.version),
                ("effective_at".to_string(), form.effective_at),
                ("body_md".to_string(), form.body_md),
            ]);
            terms_view(
                &s,
                &page,
                context! { errors => errors, error => error, form => kept },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

// ---- Jobs ----

async fn jobs(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let page = op_page(&client, &csrf, "/operator/jobs", &p, "op_jobs").notice(q.key());
    require_operator!(p, page, s);
    let list = async {
        let mut tx = s.app.db.read().await?;
        let jobs = store::jobs::list_by_state(&mut tx, "failed", 200).await?;
        tx.commit().await?;
        Ok::<_, app::AppError>(jobs)
    }
    .await;
    match list {
        Ok(list) => {
            let rows: Vec<Value> = list
                .iter()
                .map(|j| {
                    context! {
                        id => j.id.to_string(), kind => j.kind.clone(), attempts => j.attempts,
                        max_attempts => j.max_attempts, run_at => j.run_at.to_string(),
                        error => j.last_error.clone(), account_id => j.account_id.map(|a| a.to_string()),
                    }
                })
                .collect();
            page.render(&s, "op_jobs.html", context! { jobs => rows })
                .into_response()
        }
        Err(e) => error_page(&page, &s, &e),
    }
}

async fn retry_job(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<BTreeMap<String, String>>,
) -> Response {
    let page = op_page(&client, &csrf, "/operator/jobs", &p, "op_jobs");
    require_operator!(p, page, s);
    let Ok(id) = id.parse::<kernel::JobId>() else {
        return not_found(&page, &s);
    };
    match s.app.retry_job(id, &client.actor(&p)).await {
        Ok(()) => see_other("/operator/jobs?notice=notice.job_retried"),
        Err(e) => error_page(&page, &s, &e),
    }
}

// ---- Platform trail ----

async fn audit(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Query(q): Query<AuditQuery>,
) -> Response {
    let page = op_page(&client, &csrf, "/operator/audit", &p, "op_audit");
    require_operator!(p, page, s);
    audit_view(&s, &page, None, q).await
}

#[cfg(test)]
mod tests {
    use super::linkify;

    #[test]
    fn linkify_escapes_then_links() {
        let out = linkify("Hi <b>\nOpen https://x.test/a?token=1&b=2.\nhttp://");
        assert!(out.contains("&lt;b&gt;"));
        assert!(out.contains("<a href=\"https://x.test/a?token=1&amp;b=2\">https://x.test/a?token=1&amp;b=2</a>."));
        assert!(out.ends_with("http://"));
    }
}
