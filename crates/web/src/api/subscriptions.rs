//! Subscriptions over the API: an administrator's group, subscribing, activating, cancelling,
//! unticking renewal; operator staff's list, activation and recorded letters.

use super::{ApiJson, ApiQuery, admin_account, created, e, ok, page_params, parse};
use crate::WebState;
use crate::auth::{ApiUser, Client};
use crate::error::ApiError;
use app::subscriptions::{Cancellation, SubscribeInput, SubscriptionView};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use kernel::{AccountId, SubscriptionId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(list, subscribe))
        .routes(routes!(get_one))
        .routes(routes!(activate))
        .routes(routes!(cancel))
        .routes(routes!(untick))
        .routes(routes!(withdraw))
        .routes(routes!(change_units))
        .routes(routes!(change_plan))
        .routes(routes!(early_termination_quote))
        .routes(routes!(terminate_early))
        .routes(routes!(operator_list))
        .routes(routes!(operator_activate))
        .routes(routes!(operator_letter))
}

#[derive(Serialize, ToSchema)]
pub struct SubscriptionBody {
    id: String,
    account_id: String,
    offer: String,
    offer_version: u32,
    plan: String,
    /// `monthly`, `quarterly` or `annual`; absent for a free plan.
    period: Option<String>,
    units: BTreeMap<String, u32>,
    options: BTreeMap<String, u32>,
    /// `pending_activation`, `active`, `ending`, `ended` or `withdrawn`, as of today.
    state: String,
    auto_renew: bool,
    subscribed_at: String,
    activated_at: Option<String>,
    billing_starts_on: Option<String>,
    next_renewal: Option<String>,
    ends_on: Option<String>,
    /// A change waiting for the period it applies from.
    pending_change: Option<PendingChangeBody>,
    /// The price changes announced to it, oldest first (only on `GET /api/v1/subscriptions/{id}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    price_changes: Option<Vec<super::price_changes::PriceNoticeBody>>,
}

#[derive(Serialize, ToSchema)]
pub struct PendingChangeBody {
    /// The plan it moves to, when the plan changes.
    plan: Option<String>,
    units: BTreeMap<String, u32>,
    /// The first period it applies to.
    applies_from: String,
}

impl From<&SubscriptionView> for SubscriptionBody {
    fn from(v: &SubscriptionView) -> Self {
        let s = &v.subscription;
        let priced = v.offer.plan(&s.selection.plan).is_ok_and(|p| !p.periods().is_empty());
        SubscriptionBody {
            id: s.id.to_string(),
            account_id: s.account_id.to_string(),
            offer: s.offer_key.clone(),
            offer_version: s.offer_version,
            plan: s.selection.plan.clone(),
            period: priced.then(|| s.selection.period.as_str().to_string()),
            units: s.selection.units.clone(),
            options: s.selection.options.clone(),
            state: v.state.as_str().to_string(),
            auto_renew: s.auto_renew,
            subscribed_at: s.subscribed_at.to_string(),
            activated_at: s.activated_at.map(|t| t.to_string()),
            billing_starts_on: s.billing_starts_on.map(|d| d.to_string()),
            next_renewal: v.next_renewal.map(|d| d.to_string()),
            ends_on: s.ends_on.map(|d| d.to_string()),
            pending_change: s.pending.as_ref().map(|c| PendingChangeBody {
                plan: c.plan.clone(),
                units: c.units.clone(),
                applies_from: c.from.to_string(),
            }),
            price_changes: None,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CancellationBody {
    subscription: SubscriptionBody,
    /// The first day without service.
    ends_on: String,
    /// Received after the deadline: accepted, but for the following renewal.
    for_a_later_renewal: bool,
}

impl From<&Cancellation> for CancellationBody {
    fn from(c: &Cancellation) -> Self {
        CancellationBody {
            subscription: SubscriptionBody::from(&c.view),
            ends_on: c.ends_on.to_string(),
            for_a_later_renewal: c.for_a_later_renewal,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct SubscribeBody {
    /// The offer's key (`oseox`); its latest version is taken.
    offer: String,
    plan: String,
    /// Required unless the plan is free.
    period: Option<String>,
    #[serde(default)]
    units: BTreeMap<String, u32>,
    #[serde(default)]
    options: BTreeMap<String, u32>,
    /// A discount or referral code to redeem on the new subscription (OSX-CODES); refused
    /// with the field `code` when it may not be.
    code: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/subscriptions", tag = "subscriptions", security(("bearer" = [])),
    responses((status = 200, body = Vec<SubscriptionBody>), (status = 403, body = crate::error::Problem)))]
async fn list(State(s): State<WebState>, ApiUser(p): ApiUser) -> Result<Response, ApiError> {
    let account = admin_account(&p)?;
    let list = s.app.subscriptions(account).await.map_err(e(p.user.lang))?;
    Ok(ok(list.iter().map(SubscriptionBody::from).collect::<Vec<_>>()))
}

#[utoipa::path(post, path = "/api/v1/subscriptions", tag = "subscriptions", security(("bearer" = [])), request_body = SubscribeBody,
    responses((status = 201, body = SubscriptionBody), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn subscribe(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    ApiJson(body): ApiJson<SubscribeBody>,
) -> Result<Response, ApiError> {
    let account = admin_account(&p)?;
    let input = SubscribeInput {
        offer: body.offer,
        plan: body.plan,
        period: body.period.unwrap_or_default(),
        units: body.units,
        options: body.options,
        code: body.code,
    };
    let view = s
        .app
        .subscribe(account, input, &client.actor(&p))
        .await
        .map_err(e(p.user.lang))?;
    Ok(created(SubscriptionBody::from(&view)))
}

#[utoipa::path(get, path = "/api/v1/subscriptions/{id}", tag = "subscriptions", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = SubscriptionBody), (status = 404, body = crate::error::Problem)))]
async fn get_one(State(s): State<WebState>, ApiUser(p): ApiUser, Path(id): Path<String>) -> Result<Response, ApiError> {
    let account = admin_account(&p)?;
    let id: SubscriptionId = parse(&id, p.user.lang)?;
    let view = s.app.subscription(account, id).await.map_err(e(p.user.lang))?;
    let notices = s.app.price_notices(account, Some(id)).await.map_err(e(p.user.lang))?;
    let mut body = SubscriptionBody::from(&view);
    body.price_changes = Some(notices.iter().map(Into::into).collect());
    Ok(ok(body))
}

#[utoipa::path(post, path = "/api/v1/subscriptions/{id}/activate", tag = "subscriptions", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = SubscriptionBody), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
async fn activate(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let account = admin_account(&p)?;
    let id: SubscriptionId = parse(&id, p.user.lang)?;
    let view = s
        .app
        .activate_subscription(account, id, &client.actor(&p))
        .await
        .map_err(e(p.user.lang))?;
    Ok(ok(SubscriptionBody::from(&view)))
}

#[utoipa::path(post, path = "/api/v1/subscriptions/{id}/cancel", tag = "subscriptions", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = CancellationBody), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn cancel(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let account = admin_account(&p)?;
    let id: SubscriptionId = parse(&id, p.user.lang)?;
    let c = s
        .app
        .cancel_subscription(account, id, &client.actor(&p))
        .await
        .map_err(e(p.user.lang))?;
    Ok(ok(CancellationBody::from(&c)))
}

#[utoipa::path(post, path = "/api/v1/subscriptions/{id}/untick-renewal", tag = "subscriptions", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = CancellationBody), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
async fn untick(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let account = admin_account(&p)?;
    let id: SubscriptionId = parse(&id, p.user.lang)?;
    let c = s
        .app
        .untick_renewal(account, id, &client.actor(&p))
        .await
        .map_err(e(p.user.lang))?;
    Ok(ok(CancellationBody::from(&c)))
}

#[derive(Deserialize, ToSchema)]
pub struct UnitsBody {
    /// The new quantity per entitlement (`licences` → 3).
    units: BTreeMap<String, u32>,
}

#[derive(Serialize, ToSchema)]
pub struct UnitsChanged {
    /// The first period the new quantities are billed for (CLX-LICENCE-20TH).
    applies_from: String,
}

#[utoipa::path(put, path = "/api/v1/subscriptions/{id}/units", tag = "subscriptions", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = UnitsBody,
    responses((status = 200, body = UnitsChanged), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn change_units(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UnitsBody>,
) -> Result<Response, ApiError> {
    let account = admin_account(&p)?;
    let id: SubscriptionId = parse(&id, p.user.lang)?;
    let from = s
        .app
        .change_units(account, id, body.units, &client.actor(&p))
        .await
        .map_err(e(p.user.lang))?;
    Ok(ok(UnitsChanged {
        applies_from: from.to_string(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct PlanBody {
    /// A plan of the subscription's offer version.
    plan: String,
    /// The billing period; needed only when leaving a free plan.
    period: Option<String>,
    /// Units per entitlement; unmentioned: the current ones the new plan knows of.
    #[serde(default)]
    units: BTreeMap<String, u32>,
}

#[derive(Serialize, ToSchema)]
pub struct PlanChanged {
    /// The first day under the new plan.
    applies_on: String,
    /// At once (a dearer plan, or leaving a free one), or from the next period (a cheaper one).
    immediate: bool,
    /// The invoice issued for it (the rest of the current period, prorated), if any.
    invoice_id: Option<String>,
}

/// Moves the subscription to another plan: a dearer one at once, the current period prorated
/// to the day on an invoice issued now; a cheaper one from the next period.
#[utoipa::path(put, path = "/api/v1/subscriptions/{id}/plan", tag = "subscriptions", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = PlanBody,
    responses((status = 200, body = PlanChanged), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn change_plan(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PlanBody>,
) -> Result<Response, ApiError> {
    let account = admin_account(&p)?;
    let id: SubscriptionId = parse(&id, p.user.lang)?;
    let input = app::subscriptions::PlanChangeInput {
        plan: body.plan,
        period: body.period.unwrap_or_default(),
        units: body.units,
    };
    let change = s
        .app
        .change_plan(account, id, input, &client.actor(&p))
        .await
        .map_err(e(p.user.lang))?;
    Ok(ok(PlanChanged {
        applies_on: change.applies_on.to_string(),
        immediate: change.immediate,
        invoice_id: change.invoice.map(|i| i.to_string()),
    }))
}

/// Ending before the end of the commitment (INES-EARLY-TERM); amounts in cents excluding VAT.
#[derive(Serialize, ToSchema)]
pub struct EarlyTerminationBody {
    /// The first day without service: the end of the period already paid.
    ends_on: String,
    /// The fees of the periods left in the commitment.
    remaining_fees: Option<i64>,
    /// What falls due at once: the remaining fees, or nothing when waived.
    amount_due: i64,
    /// Waived because a price increase is announced and not yet in force.
    follows_price_increase: bool,
    /// The invoice issued for it (after a termination, when something was due).
    invoice_id: Option<String>,
}

/// What terminating before the end of the commitment would cost today.
#[utoipa::path(get, path = "/api/v1/subscriptions/{id}/early-termination", tag = "subscriptions", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = EarlyTerminationBody), (status = 404, body = crate::error::Problem)))]
async fn early_termination_quote(
    State(s): State<WebState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let account = admin_account(&p)?;
    let id: SubscriptionId = parse(&id, p.user.lang)?;
    let q = s
        .app
        .early_termination_quote(account, id)
        .await
        .map_err(e(p.user.lang))?;
    Ok(ok(EarlyTerminationBody {
        ends_on: q.ends_on.to_string(),
        remaining_fees: Some(q.remaining_fees.0),
        amount_due: q.amount_due.0,
        follows_price_increase: q.follows_price_increase,
        invoice_id: None,
    }))
}

/// Terminates before the end of the commitment: service stops at the end of the period paid
/// for, the fees left fall due at once on an invoice issued now (INES-EARLY-TERM).
#[utoipa::path(post, path = "/api/v1/subscriptions/{id}/terminate-early", tag = "subscriptions", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = EarlyTerminationBody), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
async fn terminate_early(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let account = admin_account(&p)?;
    let id: SubscriptionId = parse(&id, p.user.lang)?;
    let t = s
        .app
        .terminate_early(account, id, &client.actor(&p))
        .await
        .map_err(e(p.user.lang))?;
    Ok(ok(EarlyTerminationBody {
        ends_on: t.ends_on.to_string(),
        remaining_fees: None,
        amount_due: t.amount_due.0,
        follows_price_increase: t.waived_after_price_increase,
        invoice_id: t.invoice.map(|i| i.to_string()),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct CreditNoteBody {
    id: String,
    /// `A-2026-000001`.
    number: Option<String>,
    /// Negative: what is credited, in cents.
    total_incl: i64,
    /// When the refund falls due.
    refund_due_on: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/subscriptions/{id}/withdraw", tag = "subscriptions", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = CreditNoteBody), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
async fn withdraw(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let account = admin_account(&p)?;
    let id: SubscriptionId = parse(&id, p.user.lang)?;
    let note = s
        .app
        .withdraw(account, id, &client.actor(&p))
        .await
        .map_err(e(p.user.lang))?;
    Ok(ok(CreditNoteBody {
        id: note.id.to_string(),
        number: note.display_number(),
        total_incl: note.total_incl,
        refund_due_on: note.mentions["refund_due_on"].as_str().map(str::to_string),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OperatorListQuery {
    /// Only subscriptions in this state.
    state: Option<String>,
    /// Only subscriptions to this offer (`oseox`).
    offer: Option<String>,
    /// Part of the customer's legal name.
    search: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/operator/subscriptions", tag = "operator", security(("bearer" = [])), params(OperatorListQuery),
    responses((status = 200, body = Vec<SubscriptionBody>), (status = 403, body = crate::error::Problem)))]
async fn operator_list(
    State(s): State<WebState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<OperatorListQuery>,
) -> Result<Response, ApiError> {
    let lang = super::operator::operator(&p)?;
    let (limit, offset) = page_params(q.limit, q.offset);
    let list = s
        .app
        .all_subscriptions(
            &store::subscriptions::SubscriptionFilter {
                state: q.state.filter(|s| !s.is_empty()),
                offer: q.offer.filter(|s| !s.is_empty()),
                customer: q.search.filter(|s| !s.trim().is_empty()),
            },
            limit,
            offset,
        )
        .await
        .map_err(e(lang))?;
    Ok(ok(list
        .iter()
        .map(|(_, v)| SubscriptionBody::from(v))
        .collect::<Vec<_>>()))
}

#[utoipa::path(post, path = "/api/v1/operator/accounts/{account}/subscriptions/{id}/activate", tag = "operator", security(("bearer" = [])),
    params(("account" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = SubscriptionBody), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
async fn operator_activate(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path((account, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let lang = super::operator::operator(&p)?;
    let account: AccountId = parse(&account, lang)?;
    let id: SubscriptionId = parse(&id, lang)?;
    let view = s
        .app
        .activate_subscription(account, id, &client.actor(&p))
        .await
        .map_err(e(lang))?;
    Ok(ok(SubscriptionBody::from(&view)))
}

#[derive(Deserialize, ToSchema)]
pub struct LetterBody {
    /// A registered letter (lettre recommandée) rather than an ordinary one.
    registered: bool,
    /// The postmark's day (YYYY-MM-DD).
    postmarked_on: String,
    /// The day it was delivered, when known (YYYY-MM-DD).
    delivered_on: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/operator/accounts/{account}/subscriptions/{id}/letter", tag = "operator", security(("bearer" = [])),
    params(("account" = String, Path), ("id" = String, Path)), request_body = LetterBody,
    responses((status = 200, body = CancellationBody), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn operator_letter(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path((account, id)): Path<(String, String)>,
    ApiJson(body): ApiJson<LetterBody>,
) -> Result<Response, ApiError> {
    let lang = super::operator::operator(&p)?;
    let account: AccountId = parse(&account, lang)?;
    let id: SubscriptionId = parse(&id, lang)?;
    let date = |field: &'static str, raw: &str| {
        raw.trim()
            .parse::<jiff::civil::Date>()
            .map_err(|_| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "date_invalid", Some(field), lang))
    };
    let postmarked = date("postmarked_on", &body.postmarked_on)?;
    let delivered = match body.delivered_on.as_deref().filter(|d| !d.trim().is_empty()) {
        Some(d) => Some(date("delivered_on", d)?),
        None => None,
    };
    let c = s
        .app
        .record_termination_letter(account, id, body.registered, postmarked, delivered, &client.actor(&p))
        .await
        .map_err(e(lang))?;
    Ok(ok(CancellationBody::from(&c)))
}
