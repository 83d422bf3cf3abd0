//! Discount and referral codes for operator staff (OSX-CODES): the list with its search and
//! status filter, the form that creates a code, and disabling.

use super::offers::money;
use super::{Page, Pager, error_page, form_failure, not_found, see_other};
use crate::WebState;
use crate::auth::{Client, CsrfForm, CsrfToken, PageUser};
use app::codes::{CodeView, NewCodeInput};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use billing::codes::{CodeDuration, CodeKind, Reduction};
use kernel::Lang;
use minijinja::{Value, context};
use serde::Deserialize;
use std::collections::BTreeMap;
use store::codes::CodeStatus;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/operator/codes", get(list).post(create))
        .route("/operator/codes/{code}/disable", post(disable))
}

/// One code for templates.
fn code_row(v: &CodeView, lang: Lang) -> Value {
    let c = &v.stored.code;
    let reduction = match c.reduction {
        Reduction::Percent(rate) => format!("{rate}"),
        Reduction::Fixed(cents) => money(cents.0, lang),
    };
    context! {
        code => c.text.to_string(), kind => c.kind.as_str(),
        referrer => match c.kind { CodeKind::Referral { referrer } => Some(referrer.to_string()), CodeKind::Discount => None },
        reduction => reduction, duration => c.duration.as_str(),
        periods => match c.duration { CodeDuration::Periods(n) => Some(n), _ => None },
        valid_until => c.valid_until.map(|d| d.to_string()), max_redemptions => c.max_redemptions,
        redemptions => v.stored.redemptions, offers => c.offers.clone(), plans => c.plans.clone(),
        description => v.stored.description.clone(), status => v.status.as_str(),
        can_disable => v.status != CodeStatus::Disabled,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    q: String,
    status: String,
    page: Option<i64>,
    notice: Option<String>,
}

type Errors = BTreeMap<String, String>;

async fn view(s: &WebState, page: &Page, q: &ListQuery, extra: Value, status: StatusCode) -> Response {
    let pager = Pager::new(q.page);
    let filter = CodeStatus::parse(q.status.trim());
    let search = Some(q.q.trim()).filter(|t| !t.is_empty());
    match s.app.codes(search, filter, pager.limit(), pager.offset()).await {
        Ok(mut list) => {
            let links = pager.finish(
                &mut list,
                "/operator/codes",
                &[("q", q.q.as_str()), ("status", q.status.as_str())],
            );
            let rows: Vec<Value> = list.iter().map(|v| code_row(v, page.lang)).collect();
            let html = page.render(
                s,
                "op_codes.html",
                context! { codes => rows, q => q.q.clone(), status => q.status.clone(), pager => links, ..extra },
            );
            (status, html).into_response()
        }
        Err(e) => error_page(page, s, &e),
    }
}

async fn list(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Query(q): Query<ListQuery>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/operator/codes", Some(&p))
        .nav("op_codes")
        .notice(q.notice.as_deref().filter(|n| n.starts_with("notice.")));
    if !p.is_operator() {
        return not_found(&page, &s);
    }
    let extra = context! { errors => Errors::new(), form => Errors::new() };
    view(&s, &page, &q, extra, StatusCode::OK).await
}

/// Offer keys or plan ids typed in one field, separated by commas or spaces.
fn words(text: &str) -> Vec<String> {
    text.split([',', ' '])
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

async fn create(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    CsrfForm(form): CsrfForm<BTreeMap<String, String>>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/operator/codes", Some(&p)).nav("op_codes");
    if !p.is_operator() {
        return not_found(&page, &s);
    }
    let field = |k: &str| form.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let optional = |k: &str| Some(field(k)).filter(|v| !v.is_empty());
    let mut errors = Errors::new();
    let mut number = |k: &str| match optional(k).map(|v| v.parse::<u32>()) {
        None => None,
        Some(Ok(n)) => Some(n),
        Some(Err(_)) => {
            errors.insert(
                k.to_string(),
                crate::i18n::message(page.lang, "number_invalid").to_string(),
            );
            None
        }
    };
    let periods = number("periods");
    let max_redemptions = number("max_redemptions");
    let kept: Errors = form
        .iter()
        .filter(|(k, _)| *k != "csrf")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let outcome = if errors.is_empty() {
        let input = NewCodeInput {
            code: field("code"),
            kind: field("kind"),
            referrer: optional("referrer"),
            percent: optional("percent"),
            amount: optional("amount"),
            duration: field("duration"),
            periods,
            valid_until: optional("valid_until"),
            max_redemptions,
            offers: words(&field("offers")),
            plans: words(&field("plans")),
            description: field("description"),
        };
        s.app
            .create_code(input, &client.actor(&p))
            .await
            .map_err(|e| form_failure(page.lang, &e))
    } else {
        Err((errors, None))
    };
    match outcome {
        Ok(_) => see_other("/operator/codes?notice=notice.code_created"),
        Err((errors, error)) => {
            let extra = context! { errors => errors, error => error, form => kept };
            view(
                &s,
                &page,
                &ListQuery::default(),
                extra,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Deserialize, Default)]
struct Empty {}

async fn disable(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(code): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/operator/codes", Some(&p)).nav("op_codes");
    if !p.is_operator() {
        return not_found(&page, &s);
    }
    match s.app.disable_code(&code, &client.actor(&p)).await {
        Ok(_) => see_other("/operator/codes?notice=notice.code_disabled"),
        Err(e) => error_page(&page, &s, &e),
    }
}
