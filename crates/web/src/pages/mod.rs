//! Server-rendered pages. Each module holds the pages of one area; they share [`Page`], which
//! builds the context every template expects (language, user, CSRF token, current path).

mod account;
mod codes;
pub mod contracts;
mod invoices;
mod monitor;
mod offers;
mod operator;
mod price_changes;
mod public;
mod settings;
mod subscriptions;

use crate::WebState;
use crate::auth::{CsrfToken, build_cookie};
use app::auth::Principal;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use kernel::{FieldErrors, Lang};
use minijinja::Value;
use std::collections::BTreeMap;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/static/app.css", get(css))
        .merge(public::router())
        .merge(account::router())
        .merge(settings::router())
        .merge(operator::router())
        .merge(offers::router())
        .merge(subscriptions::router())
        .merge(invoices::router())
        .merge(price_changes::router())
        .merge(contracts::router())
        .merge(codes::router())
        .merge(monitor::router())
}

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/app.css"),
    )
        .into_response()
}

/// The context shared by every page.
pub struct Page {
    pub lang: Lang,
    pub csrf: String,
    pub path: String,
    pub user: Option<Value>,
    pub nav: &'static str,
    pub notice: Option<String>,
}

impl Page {
    pub fn new(lang: Lang, csrf: &CsrfToken, path: &str, principal: Option<&Principal>) -> Page {
        Page {
            // A logged-in user's own choice wins over the browser's.
            lang: principal.map(|p| p.user.lang).unwrap_or(lang),
            csrf: csrf.0.clone(),
            path: path.to_string(),
            user: principal.map(|p| Value::from(minijinja::value::Serde(&p.user))),
            nav: "",
            notice: None,
        }
    }

    pub fn nav(mut self, nav: &'static str) -> Page {
        self.nav = nav;
        self
    }

    pub fn notice(mut self, key: Option<&str>) -> Page {
        self.notice = key.map(|k| crate::i18n::message(self.lang, k).to_string());
        self
    }

    /// Renders `template` with the shared context plus `extra`.
    pub fn render(&self, state: &WebState, template: &str, extra: Value) -> Html<String> {
        let base = minijinja::context! {
            lang => self.lang.code(),
            csrf => self.csrf.clone(),
            path => self.path.clone(),
            user => self.user.clone(),
            nav => self.nav,
            notice => self.notice.clone(),
        };
        state.views.render(template, minijinja::context! { ..extra, ..base })
    }

    /// A page with a title and a message (confirmations, errors of links).
    pub fn message(
        &self,
        state: &WebState,
        status: StatusCode,
        title_key: &str,
        message: &str,
        link: Option<(&str, &str)>,
    ) -> Response {
        let (href, label) = link
            .map(|(h, l)| {
                (
                    Some(h.to_string()),
                    Some(crate::i18n::message(self.lang, l).to_string()),
                )
            })
            .unwrap_or((None, None));
        let html = self.render(
            state,
            "message.html",
            minijinja::context! { title => crate::i18n::message(self.lang, title_key), message => message, link => href, link_label => label },
        );
        (status, html).into_response()
    }
}

/// Field errors as `{field: message}` for templates, in the page's language.
pub fn field_errors(lang: Lang, errors: &FieldErrors) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for e in &errors.0 {
        out.entry(e.field.clone())
            .or_insert_with(|| crate::i18n::message(lang, e.code).to_string());
    }
    out
}

/// Turns a use-case error into form errors: field errors go next to their field, the rest
/// into a message at the top of the form.
pub fn form_failure(lang: Lang, err: &app::AppError) -> (BTreeMap<String, String>, Option<String>) {
    match err {
        app::AppError::Invalid(fields) => (field_errors(lang, fields), None),
        app::AppError::Conflict { field, code } => {
            let mut m = BTreeMap::new();
            m.insert(field.to_string(), crate::i18n::message(lang, code).to_string());
            (m, None)
        }
        app::AppError::Limit { field, key, limit } => {
            let mut m = BTreeMap::new();
            m.insert(field.to_string(), limit_message(lang, key, *limit));
            (m, None)
        }
        other => {
            if matches!(other, app::AppError::Store(_) | app::AppError::Unexpected(_)) {
                tracing::error!(error = %other, "form failure");
            }
            (
                BTreeMap::new(),
                Some(crate::i18n::message(lang, other.code()).to_string()),
            )
        }
    }
}

/// A redirect after a successful POST (Post/Redirect/Get).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// A redirect that also sets a cookie.
pub fn see_other_with_cookie(to: &str, cookie: cookie::Cookie<'static>) -> Response {
    let mut resp = Redirect::to(to).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie.to_string()) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// Only local paths are accepted as `next`, so a crafted link cannot send a user elsewhere.
pub fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        "/"
    }
}

/// The page a CSRF refusal shows.
pub fn csrf_failed_page() -> Html<String> {
    Html(format!(
        "<!doctype html><meta charset=utf-8><title>403</title><link rel=stylesheet href=/static/app.css><main><section class=\"card narrow\"><h1>403</h1><p>{}</p><p>{}</p></section></main>",
        crate::i18n::message(Lang::Fr, "csrf_failed"),
        crate::i18n::message(Lang::En, "csrf_failed")
    ))
}

/// Builds the session cookie.
pub fn session_cookie(state: &WebState, token: String) -> cookie::Cookie<'static> {
    build_cookie(crate::auth::SESSION_COOKIE, token, state.secure_cookies, None)
}

/// Any serializable value for a template.
pub fn ser<T: serde::Serialize>(v: &T) -> Value {
    Value::from(minijinja::value::Serde(v))
}

/// `?notice=notice.xxx` after a Post/Redirect/Get.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct NoticeQuery {
    pub notice: Option<String>,
}

impl NoticeQuery {
    pub fn key(&self) -> Option<&str> {
        self.notice.as_deref().filter(|n| n.starts_with("notice."))
    }
}

/// The page shown for unknown (or hidden) things.
pub fn not_found(page: &Page, state: &WebState) -> Response {
    page.message(
        state,
        StatusCode::NOT_FOUND,
        "error.not_found_title",
        crate::i18n::message(page.lang, "not_found"),
        Some(("/", "nav.home")),
    )
}

/// The page shown when the user may not do this.
pub fn forbidden(page: &Page, state: &WebState, code: &str) -> Response {
    page.message(
        state,
        StatusCode::FORBIDDEN,
        "error.forbidden_title",
        crate::i18n::message(page.lang, code),
        Some(("/", "nav.home")),
    )
}

/// A use-case error on a page without a form: a message page with the right status.
pub fn error_page(page: &Page, state: &WebState, err: &app::AppError) -> Response {
    match err {
        app::AppError::NotFound => not_found(page, state),
        app::AppError::Forbidden(code) => forbidden(page, state, code),
        other => {
            let (errors, error) = form_failure(page.lang, other);
            let msg = error.or_else(|| errors.into_values().next()).unwrap_or_default();
            page.message(
                state,
                StatusCode::UNPROCESSABLE_ENTITY,
                "error.title",
                &msg,
                Some(("/", "nav.home")),
            )
        }
    }
}

/// Offset paging for operator lists: 50 rows a page, one more fetched to know whether a next
/// page exists, and links that keep the list's other parameters.
pub struct Pager {
    /// 1-based page number.
    pub page: i64,
}

impl Pager {
    pub const SIZE: i64 = 50;

    pub fn new(page: Option<i64>) -> Pager {
        Pager {
            page: page.unwrap_or(1).clamp(1, 100_000),
        }
    }

    /// How many rows to fetch: one page and one row more.
    pub fn limit(&self) -> i64 {
        Pager::SIZE + 1
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1) * Pager::SIZE
    }

    /// Trims the extra row and returns the template's `pager` value: page, previous and next
    /// links (`path?params&page=N`).
    pub fn finish<T>(&self, rows: &mut Vec<T>, path: &str, params: &[(&str, &str)]) -> Value {
        let has_next = rows.len() as i64 > Pager::SIZE;
        rows.truncate(Pager::SIZE as usize);
        let href = |page: i64| {
            let mut pairs: Vec<(&str, String)> = params
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (*k, v.to_string()))
                .collect();
            pairs.push(("page", page.to_string()));
            format!("{path}?{}", serde_urlencoded::to_string(&pairs).unwrap_or_default())
        };
        minijinja::context! {
            page => self.page,
            prev_href => (self.page > 1).then(|| href(self.page - 1)),
            next_href => has_next.then(|| href(self.page + 1)),
        }
    }
}

/// The message of a reached limit, with the limit and what it counts.
pub fn limit_message(lang: Lang, key: &str, limit: u64) -> String {
    let colon = if lang == Lang::Fr { "\u{a0}:" } else { ":" };
    format!("{} ({key}{colon} {limit})", crate::i18n::message(lang, "limit_reached"))
}

pub use invoices::pdf_response as invoice_pdf_response;

/// The caller's account when the caller is one of its administrators.
pub fn admin_account(p: &app::auth::Principal) -> Option<kernel::AccountId> {
    p.user.account_id.filter(|_| p.is_admin())
}
