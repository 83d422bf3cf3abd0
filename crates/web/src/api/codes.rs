//! Discount and referral codes over the API (OSX-CODES): operator staff create, list and
//! disable codes; an administrator redeems one on a subscription.

use super::operator::operator;
use super::{ApiJson, ApiQuery, admin_account, created, e, ok, page_params, parse};
use crate::WebState;
use crate::auth::{ApiUser, Client};
use crate::error::ApiError;
use app::codes::{CodeView, NewCodeInput, RedemptionView};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use billing::codes::{CodeKind, Reduction};
use kernel::SubscriptionId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(list_codes, create_code))
        .routes(routes!(disable_code))
        .routes(routes!(redeem))
}

#[derive(Serialize, ToSchema)]
pub struct CodeBody {
    /// The text customers type, upper-case.
    code: String,
    /// `discount` or `referral`.
    kind: String,
    /// The referring account (referral codes).
    referrer: Option<String>,
    /// A percentage of each period (`"100%"`), when the code takes one.
    percent: Option<String>,
    /// A fixed amount per period excluding VAT (`"50.00"`), when the code takes one.
    amount: Option<String>,
    /// `once`, `periods` or `forever`.
    duration: String,
    /// How many billed periods, with `duration = periods`.
    periods: Option<u32>,
    /// The last day it may be redeemed.
    valid_until: Option<String>,
    max_redemptions: Option<u32>,
    /// Redemptions so far, every account together.
    redemptions: u64,
    /// Offer keys it is restricted to; empty: every offer that takes codes.
    offers: Vec<String>,
    /// Plan ids it is restricted to; empty: every plan.
    plans: Vec<String>,
    description: String,
    /// `active`, `expired` or `disabled`, as of today.
    status: String,
    created_at: String,
    disabled_at: Option<String>,
}

impl From<&CodeView> for CodeBody {
    fn from(v: &CodeView) -> Self {
        let c = &v.stored.code;
        let (percent, amount) = match c.reduction {
            Reduction::Percent(rate) => (Some(rate.to_string()), None),
            Reduction::Fixed(cents) => (None, Some(cents.to_string())),
        };
        CodeBody {
            code: c.text.to_string(),
            kind: c.kind.as_str().to_string(),
            referrer: match c.kind {
                CodeKind::Referral { referrer } => Some(referrer.to_string()),
                CodeKind::Discount => None,
            },
            percent,
            amount,
            duration: c.duration.as_str().to_string(),
            periods: match c.duration {
                billing::codes::CodeDuration::Periods(n) => Some(n),
                _ => None,
            },
            valid_until: c.valid_until.map(|d| d.to_string()),
            max_redemptions: c.max_redemptions,
            redemptions: v.stored.redemptions,
            offers: c.offers.clone(),
            plans: c.plans.clone(),
            description: v.stored.description.clone(),
            status: v.status.as_str().to_string(),
            created_at: v.stored.created_at.to_string(),
            disabled_at: v.stored.disabled_at.map(|t| t.to_string()),
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CodesQuery {
    /// A fragment of the code's text.
    q: Option<String>,
    /// `active`, `expired` or `disabled`; absent: every code.
    status: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/operator/codes", tag = "operator", security(("bearer" = [])), params(CodesQuery),
    responses((status = 200, body = Vec<CodeBody>), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn list_codes(
    State(s): State<WebState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<CodesQuery>,
) -> Result<Response, ApiError> {
    let lang = operator(&p)?;
    let status =
        match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => Some(store::codes::CodeStatus::parse(raw).ok_or_else(|| {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "status_unknown", Some("status"), lang)
            })?),
        };
    let (limit, offset) = page_params(q.limit, q.offset);
    let list = s
        .app
        .codes(q.q.as_deref(), status, limit, offset)
        .await
        .map_err(e(lang))?;
    Ok(ok(list.iter().map(CodeBody::from).collect::<Vec<_>>()))
}

#[derive(Deserialize, ToSchema)]
pub struct NewCodeBody {
    /// 3 to 32 letters, digits, `-` or `_`; stored upper-case.
    code: String,
    /// `discount` (default) or `referral`.
    kind: Option<String>,
    /// The referring account's id (required for a referral code).
    referrer: Option<String>,
    /// A percentage of each period, above 0 and at most 100: `"20"` or `"12.5%"`. Exactly one
    /// of `percent` and `amount`.
    percent: Option<String>,
    /// A fixed amount per period excluding VAT: `"50"` or `"9.90"`.
    amount: Option<String>,
    /// `once`, `periods` (with `periods`) or `forever`.
    duration: String,
    /// How many billed periods (at least 1), with `duration = periods`.
    periods: Option<u32>,
    /// The last day it may be redeemed (YYYY-MM-DD), today or later.
    valid_until: Option<String>,
    /// At most this many redemptions, every account together (at least 1).
    max_redemptions: Option<u32>,
    /// Offer keys it is restricted to.
    #[serde(default)]
    offers: Vec<String>,
    /// Plan ids it is restricted to.
    #[serde(default)]
    plans: Vec<String>,
    /// For the operator: what the code is for (200 characters at most).
    description: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/operator/codes", tag = "operator", security(("bearer" = [])), request_body = NewCodeBody,
    responses((status = 201, body = CodeBody), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn create_code(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    ApiJson(body): ApiJson<NewCodeBody>,
) -> Result<Response, ApiError> {
    let lang = operator(&p)?;
    let input = NewCodeInput {
        code: body.code,
        kind: body.kind.unwrap_or_default(),
        referrer: body.referrer,
        percent: body.percent,
        amount: body.amount,
        duration: body.duration,
        periods: body.periods,
        valid_until: body.valid_until,
        max_redemptions: body.max_redemptions,
        offers: body.offers,
        plans: body.plans,
        description: body.description.unwrap_or_default(),
    };
    let view = s.app.create_code(input, &client.actor(&p)).await.map_err(e(lang))?;
    Ok(created(CodeBody::from(&view)))
}

#[utoipa::path(post, path = "/api/v1/operator/codes/{code}/disable", tag = "operator", security(("bearer" = [])), params(("code" = String, Path)),
    responses((status = 200, body = CodeBody), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
async fn disable_code(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let lang = operator(&p)?;
    let view = s.app.disable_code(&code, &client.actor(&p)).await.map_err(e(lang))?;
    Ok(ok(CodeBody::from(&view)))
}

#[derive(Deserialize, ToSchema)]
pub struct RedeemBody {
    /// The code's text, in any case.
    code: String,
}

#[derive(Serialize, ToSchema)]
pub struct RedemptionBody {
    code: String,
    subscription_id: String,
    redeemed_at: String,
    /// Billed periods the code reduced so far.
    periods_used: u32,
    /// Whether it still reduces coming periods.
    running: bool,
    /// `"100%"` of each period, or a fixed amount (`"50.00"`).
    percent: Option<String>,
    amount: Option<String>,
    /// `once`, `periods` or `forever`.
    duration: String,
    periods: Option<u32>,
}

impl From<&RedemptionView> for RedemptionBody {
    fn from(v: &RedemptionView) -> Self {
        let (percent, amount) = match v.code.reduction {
            Reduction::Percent(rate) => (Some(rate.to_string()), None),
            Reduction::Fixed(cents) => (None, Some(cents.to_string())),
        };
        RedemptionBody {
            code: v.redemption.code.clone(),
            subscription_id: v.redemption.subscription_id.to_string(),
            redeemed_at: v.redemption.redeemed_at.to_string(),
            periods_used: v.redemption.periods_used,
            running: v.running,
            percent,
            amount,
            duration: v.code.duration.as_str().to_string(),
            periods: v
                .code
                .duration
                .periods()
                .filter(|_| v.code.duration.as_str() == "periods"),
        }
    }
}

#[utoipa::path(post, path = "/api/v1/subscriptions/{id}/code", tag = "subscriptions", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = RedeemBody,
    responses((status = 201, body = RedemptionBody), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn redeem(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RedeemBody>,
) -> Result<Response, ApiError> {
    let account = admin_account(&p)?;
    let id: SubscriptionId = parse(&id, p.user.lang)?;
    let view = s
        .app
        .redeem_code(account, id, &body.code, &client.actor(&p))
        .await
        .map_err(e(p.user.lang))?;
    Ok(created(RedemptionBody::from(&view)))
}
