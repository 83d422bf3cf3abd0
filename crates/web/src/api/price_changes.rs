//! Price changes over the API: operator staff schedule and list them; an administrator refuses
//! an announced one (INES-PRICE-1M) or terminates before it applies (DGT-PRICE-NOTICE).

use super::subscriptions::CancellationBody;
use super::{ApiJson, ApiQuery, admin_account, created, e, ok, page_params, parse};
use crate::WebState;
use crate::auth::{ApiUser, Client};
use crate::error::ApiError;
use app::price_changes::{PriceChangeInput, answer_deadline};
use axum::extract::{Path, State};
use axum::response::Response;
use kernel::SubscriptionId;
use serde::{Deserialize, Serialize};
use store::price_changes::{StoredPriceChange, StoredPriceNotice};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(list, schedule))
        .routes(routes!(refuse))
}

#[derive(Serialize, ToSchema)]
pub struct PriceChangeBody {
    id: String,
    offer: String,
    plan: String,
    /// `monthly`, `quarterly` or `annual`.
    period: String,
    /// The price in force before the change, per period excluding VAT, in cents.
    old_price: i64,
    /// The new price per period excluding VAT, in cents.
    new_price: i64,
    reason: String,
    /// How many subscriptions were told.
    notices: i64,
    created_at: String,
}

impl From<&StoredPriceChange> for PriceChangeBody {
    fn from(c: &StoredPriceChange) -> Self {
        PriceChangeBody {
            id: c.id.to_string(),
            offer: c.offer_key.clone(),
            plan: c.plan_id.clone(),
            period: c.period.clone(),
            old_price: c.old_price,
            new_price: c.new_price,
            reason: c.reason.clone(),
            notices: c.notices,
            created_at: c.created_at.to_string(),
        }
    }
}

/// A price change as one subscription was told about it.
#[derive(Serialize, ToSchema)]
pub struct PriceNoticeBody {
    price_change_id: String,
    /// Per period excluding VAT, in cents.
    old_price: i64,
    new_price: i64,
    /// The day the email was sent, on the account's clock.
    announced_on: String,
    /// The start of the first period billed at the new price.
    applies_from: String,
    /// The last day to refuse it (INES-PRICE-1M), when the offer grants that right.
    refusal_deadline: Option<String>,
    /// Whether the customer may terminate because of it (DGT-PRICE-NOTICE).
    customer_may_terminate: bool,
    /// The last day to answer it (refuse or terminate), if any answer is offered.
    answer_until: Option<String>,
    refused_at: Option<String>,
}

impl From<&StoredPriceNotice> for PriceNoticeBody {
    fn from(n: &StoredPriceNotice) -> Self {
        PriceNoticeBody {
            price_change_id: n.price_change_id.to_string(),
            old_price: n.old_price,
            new_price: n.new_price,
            announced_on: n.announced_on.to_string(),
            applies_from: n.applies_from.to_string(),
            refusal_deadline: n.refusal_deadline.map(|d| d.to_string()),
            customer_may_terminate: n.customer_may_terminate,
            answer_until: answer_deadline(n).map(|d| d.to_string()),
            refused_at: n.refused_at.map(|t| t.to_string()),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ScheduledBody {
    change: PriceChangeBody,
    /// The subscriptions told, with when the new price applies to each.
    notices: Vec<ScheduledNoticeBody>,
}

#[derive(Serialize, ToSchema)]
pub struct ScheduledNoticeBody {
    account_id: String,
    subscription_id: String,
    announced_on: String,
    applies_from: String,
    refusal_deadline: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct ScheduleBody {
    /// The offer's key (`oseox`).
    offer: String,
    plan: String,
    /// `monthly`, `quarterly` or `annual`.
    period: String,
    /// The new price per period excluding VAT, in euros (`"24.90"`).
    price: String,
    /// Why, as the customers will read it in the email.
    reason: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only the changes of this offer (its key).
    offer: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/operator/price-changes", tag = "operator", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = Vec<PriceChangeBody>), (status = 403, body = crate::error::Problem)))]
async fn list(
    State(s): State<WebState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let lang = super::operator::operator(&p)?;
    let (limit, offset) = page_params(q.limit, q.offset);
    let offer = q.offer.as_deref().map(str::trim).filter(|o| !o.is_empty());
    let list = s.app.price_changes(offer, limit, offset).await.map_err(e(lang))?;
    Ok(ok(list.iter().map(PriceChangeBody::from).collect::<Vec<_>>()))
}

#[utoipa::path(post, path = "/api/v1/operator/price-changes", tag = "operator", security(("bearer" = [])), request_body = ScheduleBody,
    responses((status = 201, body = ScheduledBody), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn schedule(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    ApiJson(body): ApiJson<ScheduleBody>,
) -> Result<Response, ApiError> {
    let lang = super::operator::operator(&p)?;
    let input = PriceChangeInput {
        offer: body.offer,
        plan: body.plan,
        period: body.period,
        price: body.price,
        reason: body.reason,
    };
    let done = s
        .app
        .schedule_price_change(input, &client.actor(&p))
        .await
        .map_err(e(lang))?;
    Ok(created(ScheduledBody {
        change: PriceChangeBody::from(&done.change),
        notices: done
            .notices
            .iter()
            .map(|n| ScheduledNoticeBody {
                account_id: n.account_id.to_string(),
                subscription_id: n.subscription_id.to_string(),
                announced_on: n.announced_on.to_string(),
                applies_from: n.applies_from.to_string(),
                refusal_deadline: n.refusal_deadline.map(|d| d.to_string()),
            })
            .collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/subscriptions/{id}/refuse-price-change", tag = "subscriptions", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = CancellationBody), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
async fn refuse(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let account = admin_account(&p)?;
    let id: SubscriptionId = parse(&id, p.user.lang)?;
    let c = s
        .app
        .refuse_price_change(account, id, &client.actor(&p))
        .await
        .map_err(e(p.user.lang))?;
    Ok(ok(CancellationBody::from(&c)))
}
