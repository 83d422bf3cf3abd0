//! Subscriptions: administrators subscribe from the catalogue, activate, cancel or untick
//! renewal; operator staff see every subscription, activate and record letters.

use super::offers::{money, offer_view};
use super::{NoticeQuery, Page, Pager, admin_account, error_page, forbidden, form_failure, not_found, see_other, ser};
use crate::WebState;
use crate::auth::{Client, CsrfForm, CsrfToken, PageUser};
use app::subscriptions::{SubscribeInput, SubscriptionView};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use billing::subscription::SubscriptionState;
use kernel::{AccountId, Lang, SubscriptionId};
use minijinja::{Value, context};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/settings/subscriptions", get(subscriptions_page).post(subscribe))
        .route("/settings/subscriptions/{id}/activate", post(activate))
        .route("/settings/subscriptions/{id}/cancel", post(cancel))
        .route("/settings/subscriptions/{id}/untick", post(untick))
        .route("/settings/subscriptions/{id}/withdraw", post(withdraw))
        .route("/settings/subscriptions/{id}/units", post(change_units))
        .route("/settings/subscriptions/{id}/plan", post(change_plan))
        .route("/settings/subscriptions/{id}/terminate-early", post(terminate_early))
        .route("/settings/subscriptions/{id}/code", post(redeem_code))
        .route("/operator/subscriptions", get(operator_list))
        .route(
            "/operator/accounts/{account}/subscriptions/{id}/activate",
            post(operator_activate),
        )
        .route(
            "/operator/accounts/{account}/subscriptions/{id}/letter",
            post(operator_letter),
        )
}

/// One subscription for templates.
pub fn subscription_row(v: &SubscriptionView, lang: Lang) -> Value {
    let s = &v.subscription;
    let plan = v.offer.plan(&s.selection.plan).ok();
    let price = plan
        .filter(|p| !p.periods().is_empty())
        .and_then(|p| v.offer.price(&p.id, s.selection.period).ok())
        .map(|p| money(p.current.0, lang));
    let in_app = v.offer.notice.ways.contains(&billing::offer::NoticeWay::InApp);
    context! {
        id => s.id.to_string(), account_id => s.account_id.to_string(),
        offer => v.offer.name.clone(), offer_key => s.offer_key.clone(), version => s.offer_version,
        plan => plan.map(|p| p.name.clone()).unwrap_or_else(|| s.selection.plan.clone()),
        period => plan.filter(|p| !p.periods().is_empty()).map(|_| s.selection.period.as_str()),
        price => price, units => ser(&s.selection.units), state => v.state.as_str(),
        subscribed_at => s.subscribed_at.to_string(), activated_at => s.activated_at.map(|t| t.to_string()),
        billing_starts_on => s.billing_starts_on.map(|d| d.to_string()),
        next_renewal => v.next_renewal.map(|d| d.to_string()), ends_on => s.ends_on.map(|d| d.to_string()),
        auto_renew => s.auto_renew,
        can_activate => v.state == SubscriptionState::PendingActivation,
        can_cancel => in_app && matches!(v.state, SubscriptionState::Active | SubscriptionState::PendingActivation),
        can_untick => v.state == SubscriptionState::Active && s.auto_renew,
        can_withdraw => v.offer.withdrawal.is_some() && v.state.grants_access(),
        entitlements => plan.map(|p| p.entitlements.keys().cloned().collect::<Vec<_>>()).unwrap_or_default(),
        cancel_ways => v.offer.notice.ways.iter().map(ToString::to_string).collect::<Vec<_>>(),
        other_plans => other_plans(v, lang),
        from_free => plan.is_some_and(|p| p.is_free()),
        pending_plan => s.pending.as_ref().and_then(|c| c.plan.as_deref()).map(|id| {
            v.offer.plan(id).map(|p| p.name.clone()).unwrap_or_else(|_| id.to_string())
        }),
        pending_from => s.pending.as_ref().map(|c| c.from.to_string()),
        takes_codes => v.offer.discount_codes && matches!(v.state, SubscriptionState::Active | SubscriptionState::PendingActivation),
    }
}

/// A code redeemed on a subscription, for templates.
fn code_of(r: &app::codes::RedemptionView, lang: Lang) -> Value {
    let reduction = match r.code.reduction {
        billing::codes::Reduction::Percent(rate) => rate.to_string(),
        billing::codes::Reduction::Fixed(cents) => money(cents.0, lang),
    };
    context! {
        code => r.redemption.code.clone(), reduction => reduction, running => r.running,
        periods_used => r.redemption.periods_used, periods => r.code.duration.periods(),
    }
}

/// The plans a subscription may move to, each with its price for the subscription's period
/// (or, from a free plan, its cheapest period).
fn other_plans(v: &SubscriptionView, lang: Lang) -> Vec<Value> {
    let s = &v.subscription;
    v.offer
        .plans
        .iter()
        .filter(|p| p.id != s.selection.plan && !matches!(p.pricing, billing::offer::PlanPricing::OnQuote))
        .map(|p| {
            let period = if p.periods().contains(&s.selection.period) {
                Some(s.selection.period)
            } else {
                p.periods().first().copied()
            };
            let price = period
                .and_then(|per| v.offer.price(&p.id, per).ok())
                .map(|x| money(x.current.0, lang));
            context! { id => p.id.clone(), name => p.name.clone(), price => price }
        })
        .collect()
}

#[derive(Default)]
struct SubscribeForm {
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, String>,
    error: Option<String>,
}

async fn page_view(s: &WebState, page: &Page, account: AccountId, form: SubscribeForm, status: StatusCode) -> Response {
    let (list, catalogue, redemptions) = match (
        s.app.subscriptions(account).await,
        s.app.catalogue().await,
        s.app.redemptions(account).await,
    ) {
        (Ok(l), Ok(c), Ok(r)) => (l, c, r),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return error_page(page, s, &e),
    };
    // What ending early would cost, for the subscriptions whose offer charges it (INES-EARLY-TERM).
    let mut early: BTreeMap<String, Value> = BTreeMap::new();
    for v in &list {
        if v.state == SubscriptionState::Active && v.offer.early_termination.remaining_fees_due {
            match s.app.early_termination_quote(account, v.subscription.id).await {
                Ok(q) => {
                    early.insert(
                        v.subscription.id.to_string(),
                        context! { ends_on => q.ends_on.to_string(), amount_due => money(q.amount_due.0, page.lang) },
                    );
                }
                Err(e) => return error_page(page, s, &e),
            }
        }
    }
    let rows: Vec<Value> = list
        .iter()
        .map(|v| {
            let early = early.get(&v.subscription.id.to_string()).cloned();
            let codes: Vec<Value> = redemptions
                .iter()
                .filter(|r| r.redemption.subscription_id == v.subscription.id)
                .map(|r| code_of(r, page.lang))
                .collect();
            let has_running_code = redemptions
                .iter()
                .any(|r| r.running && r.redemption.subscription_id == v.subscription.id);
            context! {
                codes => codes, has_running_code => has_running_code, early => early,
                ..subscription_row(v, page.lang)
            }
        })
        .collect();
    let notices = match (
        s.app.price_notices(account, None).await,
        s.app.now_for(Some(account)).await,
    ) {
        (Ok(n), Ok(now)) => {
            super::price_changes::notices_by_subscription(&n, kernel::clock::paris_date(now), page.lang)
        }
        (Err(e), _) | (_, Err(e)) => return error_page(page, s, &e),
    };
    let offers: Vec<Value> = catalogue
        .iter()
        .map(|o| {
            let units: Vec<Value> = o
                .offer
                .plans
                .iter()
                .flat_map(|p| p.entitlements.iter().map(|(k, e)| (k.clone(), e.minimum)))
                .collect::<BTreeMap<String, u32>>()
                .into_iter()
                .map(|(k, min)| context! { key => k, minimum => min })
                .collect();
            context! { offer => offer_view(&o.offer, page.lang), units => units }
        })
        .collect();
    let html = page.render(
        s,
        "subscriptions.html",
        context! {
            subscriptions => rows, offers => offers, price_notices => notices,
            form => ser(&form.values), errors => form.errors, error => form.error,
        },
    );
    (status, html).into_response()
}

async fn subscriptions_page(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/settings/subscriptions", Some(&p))
        .nav("subscriptions")
        .notice(q.key());
    let Some(account) = admin_account(&p) else {
        return forbidden(&page, &s, "admin_required");
    };
    page_view(&s, &page, account, SubscribeForm::default(), StatusCode::OK).await
}

/// The subscribe form: `offer`, `plan`, `period` and `units.<name>` fields.
async fn subscribe(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/settings/subscriptions", Some(&p)).nav("subscriptions");
    let Some(account) = admin_account(&p) else {
        return forbidden(&page, &s, "admin_required");
    };
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    let mut units = BTreeMap::new();
    let mut errors = BTreeMap::new();
    for (k, v) in &form {
        if let Some(name) = k.strip_prefix("units.")
            && !v.trim().is_empty()
        {
            match v.trim().parse::<u32>() {
                Ok(n) => {
                    units.insert(name.to_string(), n);
                }
                Err(_) => {
                    errors.insert(k.clone(), crate::i18n::message(page.lang, "number_invalid").to_string());
                }
            }
        }
    }
    let values: BTreeMap<String, String> = form
        .iter()
        .filter(|(k, _)| *k != "csrf")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !errors.is_empty() {
        let form = SubscribeForm {
            values,
            errors,
            error: None,
        };
        return page_view(&s, &page, account, form, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let input = SubscribeInput {
        offer: field("offer"),
        plan: field("plan"),
        period: field("period"),
        units,
        options: BTreeMap::new(),
        code: Some(field("code")),
    };
    match s.app.subscribe(account, input, &client.actor(&p)).await {
        Ok(_) => see_other("/settings/subscriptions?notice=notice.subscribed"),
        Err(e) => {
            let (errors, error) = form_failure(page.lang, &e);
            let form = SubscribeForm { values, errors, error };
            page_view(&s, &page, account, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[derive(Deserialize, Default)]
struct Empty {}

/// What to tell after a cancellation: when it ends, and whether it came too late for the
/// coming renewal.
fn cancellation_notice(c: &app::subscriptions::Cancellation) -> &'static str {
    if c.for_a_later_renewal {
        "notice.cancelled_later"
    } else {
        "notice.cancelled"
    }
}

/// Shared by the per-subscription actions: parse the id, run, redirect with a notice or show
/// the page again with the reason.
async fn act<F, Fut>(s: &WebState, page: &Page, account: AccountId, id: &str, run: F) -> Response
where
    F: FnOnce(SubscriptionId) -> Fut,
    Fut: std::future::Future<Output = Result<&'static str, app::AppError>>,
{
    let Ok(id) = id.parse::<SubscriptionId>() else {
        return not_found(page, s);
    };
    match run(id).await {
        Ok(notice) => see_other(&format!("/settings/subscriptions?notice={notice}")),
        Err(app::AppError::NotFound) => not_found(page, s),
        Err(e) => {
            let (errors, error) = form_failure(page.lang, &e);
            let error = error.or_else(|| errors.into_values().next());
            let form = SubscribeForm {
                error,
                ..SubscribeForm::default()
            };
            page_view(s, page, account, form, StatusCode::CONFLICT).await
        }
    }
}

async fn activate(
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
    let actor = client.actor(&p);
    act(&s, &page, account, &id, async |id| {
        s.app
            .activate_subscription(account, id, &actor)
            .await
            .map(|_| "notice.subscription_activated")
    })
    .await
}

async fn cancel(
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
    let actor = client.actor(&p);
    act(&s, &page, account, &id, async |id| {
        s.app
            .cancel_subscription(account, id, &actor)
            .await
            .map(|c| cancellation_notice(&c))
    })
    .await
}

async fn untick(
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
    let actor = client.actor(&p);
    act(&s, &page, account, &id, async |id| {
        s.app
            .untick_renewal(account, id, &actor)
            .await
            .map(|c| cancellation_notice(&c))
    })
    .await
}

async fn withdraw(
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
    let actor = client.actor(&p);
    act(&s, &page, account, &id, async |id| {
        s.app.withdraw(account, id, &actor).await.map(|_| "notice.withdrawn")
    })
    .await
}

async fn change_units(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/settings/subscriptions", Some(&p)).nav("subscriptions");
    let Some(account) = admin_account(&p) else {
        return forbidden(&page, &s, "admin_required");
    };
    let mut units = BTreeMap::new();
    for (k, v) in &form {
        if let Some(name) = k.strip_prefix("units.") {
            match v.trim().parse::<u32>() {
                Ok(n) => {
                    units.insert(name.to_string(), n);
                }
                Err(_) => {
                    let error = Some(crate::i18n::message(page.lang, "number_invalid").to_string());
                    let form = SubscribeForm {
                        error,
                        ..SubscribeForm::default()
                    };
                    return page_view(&s, &page, account, form, StatusCode::UNPROCESSABLE_ENTITY).await;
                }
            }
        }
    }
    let actor = client.actor(&p);
    act(&s, &page, account, &id, async |id| {
        s.app
            .change_units(account, id, units, &actor)
            .await
            .map(|_| "notice.units_changed")
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PlanForm {
    plan: String,
    period: String,
}

async fn change_plan(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<PlanForm>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/settings/subscriptions", Some(&p)).nav("subscriptions");
    let Some(account) = admin_account(&p) else {
        return forbidden(&page, &s, "admin_required");
    };
    let actor = client.actor(&p);
    let input = app::subscriptions::PlanChangeInput {
        plan: form.plan,
        period: form.period,
        units: BTreeMap::new(),
    };
    act(&s, &page, account, &id, async |id| {
        s.app.change_plan(account, id, input, &actor).await.map(|c| {
            if c.immediate {
                "notice.plan_changed"
            } else {
                "notice.plan_change_scheduled"
            }
        })
    })
    .await
}

async fn terminate_early(
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
    let actor = client.actor(&p);
    act(&s, &page, account, &id, async |id| {
        s.app
            .terminate_early(account, id, &actor)
            .await
            .map(|_| "notice.terminated_early")
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CodeForm {
    code: String,
}

/// Redeems a discount or referral code on a subscription (OSX-CODES).
async fn redeem_code(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/settings/subscriptions", Some(&p)).nav("subscriptions");
    let Some(account) = admin_account(&p) else {
        return forbidden(&page, &s, "admin_required");
    };
    let actor = client.actor(&p);
    act(&s, &page, account, &id, async |id| {
        s.app
            .redeem_code(account, id, &form.code, &actor)
            .await
            .map(|_| "notice.code_redeemed")
    })
    .await
}

// ---- Operator ----

#[derive(Deserialize, Default)]
#[serde(default)]
struct OperatorQuery {
    state: String,
    offer: String,
    q: String,
    page: Option<i64>,
    notice: Option<String>,
}

async fn operator_list(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Query(q): Query<OperatorQuery>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/operator/subscriptions", Some(&p))
        .nav("op_subscriptions")
        .notice(q.notice.as_deref().filter(|n| n.starts_with("notice.")));
    if !p.is_operator() {
        return not_found(&page, &s);
    }
    let pager = Pager::new(q.page);
    let filter = store::subscriptions::SubscriptionFilter {
        state: Some(q.state.trim().to_string()).filter(|s| !s.is_empty()),
        offer: Some(q.offer.trim().to_string()).filter(|s| !s.is_empty()),
        customer: Some(q.q.trim().to_string()).filter(|s| !s.is_empty()),
    };
    match s.app.all_subscriptions(&filter, pager.limit(), pager.offset()).await {
        Ok(mut list) => {
            let params = [
                ("state", q.state.as_str()),
                ("offer", q.offer.as_str()),
                ("q", q.q.as_str()),
            ];
            let links = pager.finish(&mut list, "/operator/subscriptions", &params);
            let rows: Vec<Value> = list
                .iter()
                .map(|(account, v)| context! { account => account, s => subscription_row(v, page.lang) })
                .collect();
            page.render(
                &s,
                "op_subscriptions.html",
                context! { rows => rows, state => q.state, offer => q.offer, q => q.q, pager => links },
            )
            .into_response()
        }
        Err(e) => error_page(&page, &s, &e),
    }
}

fn operator_ids(account: &str, id: &str) -> Option<(AccountId, SubscriptionId)> {
    Some((account.parse().ok()?, id.parse().ok()?))
}

async fn operator_activate(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path((account, id)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/operator/subscriptions", Some(&p)).nav("op_subscriptions");
    let (true, Some((account, id))) = (p.is_operator(), operator_ids(&account, &id)) else {
        return not_found(&page, &s);
    };
    match s.app.activate_subscription(account, id, &client.actor(&p)).await {
        Ok(_) => see_other("/operator/subscriptions?notice=notice.subscription_activated"),
        Err(e) => error_page(&page, &s, &e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LetterForm {
    registered: Option<String>,
    postmarked_on: String,
    delivered_on: String,
}

async fn operator_letter(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path((account, id)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<LetterForm>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/operator/subscriptions", Some(&p)).nav("op_subscriptions");
    let (true, Some((account, id))) = (p.is_operator(), operator_ids(&account, &id)) else {
        return not_found(&page, &s);
    };
    let Ok(postmarked) = form.postmarked_on.trim().parse::<jiff::civil::Date>() else {
        let e = app::AppError::Invalid(kernel::FieldErrors::single("postmarked_on", "date_invalid"));
        return error_page(&page, &s, &e);
    };
    let delivered = form.delivered_on.trim().parse::<jiff::civil::Date>().ok();
    match s
        .app
        .record_termination_letter(
            account,
            id,
            form.registered.is_some(),
            postmarked,
            delivered,
            &client.actor(&p),
        )
        .await
    {
        Ok(c) => see_other(&format!("/operator/subscriptions?notice={}", cancellation_notice(&c))),
        Err(e) => error_page(&page, &s, &e),
    }
}
