//! Price changes: operator staff list them (by offer) and schedule one; an administrator
//! refuses an announced one, or terminates before it applies, from the subscriptions page.

use super::offers::money;
use super::{Page, admin_account, error_page, forbidden, form_failure, not_found, see_other};
use crate::WebState;
use crate::auth::{Client, CsrfForm, CsrfToken, PageUser};
use app::price_changes::PriceChangeInput;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kernel::SubscriptionId;
use minijinja::{Value, context};
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/operator/price-changes", get(list).post(schedule))
        .route("/settings/subscriptions/{id}/refuse-price", post(refuse))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    offer: String,
    notice: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ScheduleForm {
    offer: String,
    plan: String,
    period: String,
    price: String,
    reason: String,
}

impl ScheduleForm {
    fn values(&self) -> BTreeMap<&'static str, String> {
        BTreeMap::from([
            ("offer", self.offer.clone()),
            ("plan", self.plan.clone()),
            ("period", self.period.clone()),
            ("price", self.price.clone()),
            ("reason", self.reason.clone()),
        ])
    }
}

async fn view(
    s: &WebState,
    page: &Page,
    filter: &str,
    form: &ScheduleForm,
    (errors, error): (BTreeMap<String, String>, Option<String>),
    status: StatusCode,
) -> Response {
    let filter = filter.trim();
    let (changes, catalogue) = match (
        s.app
            .price_changes(Some(filter).filter(|f| !f.is_empty()), 200, 0)
            .await,
        s.app.catalogue().await,
    ) {
        (Ok(c), Ok(o)) => (c, o),
        (Err(e), _) | (_, Err(e)) => return error_page(page, s, &e),
    };
    let lang = page.lang;
    let rows: Vec<Value> = changes
        .iter()
        .map(|c| {
            context! {
                offer => c.offer_key.clone(), plan => c.plan_id.clone(), period => c.period.clone(),
                old_price => money(c.old_price, lang), new_price => money(c.new_price, lang),
                reason => c.reason.clone(), notices => c.notices, created_at => c.created_at.to_string(),
            }
        })
        .collect();
    // The offers whose terms allow a price change, with their plans and prices in force.
    let offers: Vec<Value> = catalogue
        .iter()
        .map(|o| {
            let rule = o.offer.price_change.as_ref();
            let plans: Vec<String> = o
                .offer
                .plans
                .iter()
                .filter(|p| !p.periods().is_empty())
                .map(|p| p.id.clone())
                .collect();
            context! {
                key => o.offer.id.clone(), name => o.offer.name.clone(), plans => plans,
                notice => rule.map(|r| r.notice.to_string()),
                right => rule.map(|r| if r.right_to_refuse { "refuse" } else if r.customer_may_terminate { "terminate" } else { "none" }),
            }
        })
        .collect();
    let html = page.render(
        s,
        "op_price_changes.html",
        context! {
            changes => rows, offers => offers, filter => filter,
            form => form.values(), errors => errors, error => error,
        },
    );
    (status, html).into_response()
}

async fn list(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Query(q): Query<ListQuery>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/operator/price-changes", Some(&p))
        .nav("op_price_changes")
        .notice(q.notice.as_deref().filter(|n| n.starts_with("notice.")));
    if !p.is_operator() {
        return not_found(&page, &s);
    }
    let form = ScheduleForm {
        offer: q.offer.clone(),
        ..ScheduleForm::default()
    };
    view(&s, &page, &q.offer, &form, (BTreeMap::new(), None), StatusCode::OK).await
}

async fn schedule(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    CsrfForm(form): CsrfForm<ScheduleForm>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/operator/price-changes", Some(&p)).nav("op_price_changes");
    if !p.is_operator() {
        return not_found(&page, &s);
    }
    let input = PriceChangeInput {
        offer: form.offer.clone(),
        plan: form.plan.clone(),
        period: form.period.clone(),
        price: form.price.clone(),
        reason: form.reason.clone(),
    };
    match s.app.schedule_price_change(input, &client.actor(&p)).await {
        Ok(done) => see_other(&format!(
            "/operator/price-changes?offer={}&notice=notice.price_change_scheduled",
            done.change.offer_key
        )),
        Err(e) => {
            let failure = form_failure(page.lang, &e);
            view(&s, &page, "", &form, failure, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[derive(Deserialize, Default)]
struct Empty {}

async fn refuse(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/settings/subscriptions", Some(&p)).nav("subscriptions");
    let Some(account) = admin_account(&p) else {
        return forbidden(&page, &s, "admin_required");
    };
    let Ok(id) = id.parse::<SubscriptionId>() else {
        return not_found(&page, &s);
    };
    match s.app.refuse_price_change(account, id, &client.actor(&p)).await {
        Ok(_) => see_other("/settings/subscriptions?notice=notice.price_change_refused"),
        Err(app::AppError::NotFound) => not_found(&page, &s),
        Err(e) => error_page(&page, &s, &e),
    }
}

/// The announced price changes of an account's subscriptions, keyed by subscription id, for
/// the subscriptions page: prices, dates, and whether the customer may still answer `today`
/// (the account's day).
pub fn notices_by_subscription(
    notices: &[store::price_changes::StoredPriceNotice],
    today: jiff::civil::Date,
    lang: kernel::Lang,
) -> BTreeMap<String, Vec<Value>> {
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut with_action = std::collections::BTreeSet::new();
    for n in notices {
        let deadline = app::price_changes::answer_deadline(n);
        let open = app::price_changes::answerable(n, today);
        // One button per subscription: it answers the change that applies first.
        let action = open && with_action.insert(n.subscription_id);
        out.entry(n.subscription_id.to_string()).or_default().push(context! {
            old_price => money(n.old_price, lang), new_price => money(n.new_price, lang),
            announced_on => n.announced_on.to_string(), applies_from => n.applies_from.to_string(),
            deadline => deadline.map(|d| d.to_string()), refusable => n.refusal_deadline.is_some(),
            refused => n.refused_at.is_some(),
            open => open, action => action,
        });
    }
    out
}
