//! Invoices over the API: an administrator's, with lines and PDF; every invoice for operators.

use super::{ApiQuery, admin_account, created, e, ok, page_params, parse};
use crate::WebState;
use crate::auth::ApiUser;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::response::Response;
use kernel::InvoiceId;
use serde::{Deserialize, Serialize};
use store::invoices::{StoredInvoice, StoredLine};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get_one))
        .routes(routes!(get_pdf))
        .routes(routes!(operator_list))
        .routes(routes!(orders))
        .routes(routes!(operator_credit))
        .routes(routes!(operator_finalize))
}

/// Finalizes a draft under review now: numbered, dated and sent to the account.
#[utoipa::path(post, path = "/api/v1/operator/accounts/{account}/invoices/{id}/finalize", tag = "operator", security(("bearer" = [])),
    params(("account" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = InvoiceBody), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
async fn operator_finalize(
    State(s): State<WebState>,
    client: crate::auth::Client,
    ApiUser(p): ApiUser,
    Path((account, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let lang = super::operator::operator(&p)?;
    let account: kernel::AccountId = parse(&account, lang)?;
    let id: InvoiceId = parse(&id, lang)?;
    s.app
        .finalize_invoice(account, id, &client.actor(&p))
        .await
        .map_err(e(lang))?;
    let (invoice, lines) = s.app.invoice(account, id).await.map_err(e(lang))?;
    Ok(ok(body(&invoice, Some(&lines))))
}

#[derive(Deserialize, ToSchema)]
pub struct CreditBody {
    /// Positions of the invoice's lines to cancel (1 for the first); empty: every line not yet
    /// credited.
    #[serde(default)]
    lines: Vec<i64>,
    /// Why, printed on the credit note.
    reason: String,
}

/// A corrective credit note: lines of an issued invoice cancelled in a document of their own
/// (series `A-YYYY`); the invoice is never edited, and each line is credited once.
#[utoipa::path(post, path = "/api/v1/operator/accounts/{account}/invoices/{id}/credit-note", tag = "operator", security(("bearer" = [])),
    params(("account" = String, Path), ("id" = String, Path)), request_body = CreditBody,
    responses((status = 201, body = InvoiceBody), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn operator_credit(
    State(s): State<WebState>,
    client: crate::auth::Client,
    ApiUser(p): ApiUser,
    Path((account, id)): Path<(String, String)>,
    super::ApiJson(input): super::ApiJson<CreditBody>,
) -> Result<Response, ApiError> {
    let lang = super::operator::operator(&p)?;
    let account: kernel::AccountId = parse(&account, lang)?;
    let id: InvoiceId = parse(&id, lang)?;
    let note = s
        .app
        .credit_invoice(account, id, &input.lines, &input.reason, &client.actor(&p))
        .await
        .map_err(e(lang))?;
    let (note, lines) = s.app.invoice(account, note.id).await.map_err(e(lang))?;
    Ok(created(body(&note, Some(&lines))))
}

/// What one order (subscription) was invoiced net of credit notes, in cents.
#[derive(Serialize, ToSchema)]
pub struct OrderAmountBody {
    subscription_id: String,
    excl_vat: i64,
    incl_vat: i64,
}

/// The amount paid per order, net of credit notes: the cap of the operator's liability
/// (OSX-LIABILITY-CAP).
#[utoipa::path(get, path = "/api/v1/invoices/orders", tag = "invoices", security(("bearer" = [])),
    responses((status = 200, body = Vec<OrderAmountBody>), (status = 403, body = crate::error::Problem)))]
async fn orders(State(s): State<WebState>, ApiUser(p): ApiUser) -> Result<Response, ApiError> {
    let account = admin_account(&p)?;
    let list = s.app.amounts_per_order(account).await.map_err(e(p.user.lang))?;
    Ok(ok(list
        .iter()
        .map(|o| OrderAmountBody {
            subscription_id: o.subscription.to_string(),
            excl_vat: o.excl_vat,
            incl_vat: o.incl_vat,
        })
        .collect::<Vec<_>>()))
}

/// An invoice; amounts in cents.
#[derive(Serialize, ToSchema)]
pub struct InvoiceBody {
    id: String,
    account_id: String,
    /// `F-2026-000042`; absent for a draft.
    number: Option<String>,
    kind: String,
    status: String,
    issued_on: Option<String>,
    due_on: Option<String>,
    total_excl: i64,
    total_vat: i64,
    total_incl: i64,
    #[schema(value_type = Object)]
    seller: serde_json::Value,
    #[schema(value_type = Object)]
    buyer: serde_json::Value,
    #[schema(value_type = Object)]
    mentions: serde_json::Value,
    #[schema(value_type = Object)]
    vat_breakdown: serde_json::Value,
    /// Present on a single invoice.
    #[serde(skip_serializing_if = "Option::is_none")]
    lines: Option<Vec<LineBody>>,
}

#[derive(Serialize, ToSchema)]
pub struct LineBody {
    description: String,
    kind: String,
    subscription_id: Option<String>,
    quantity: i64,
    /// Millionths of a euro.
    unit_price_micros: i64,
    /// Basis points (2000 = 20 %).
    vat_rate_bp: i64,
    amount: i64,
    period_start: Option<String>,
    period_end: Option<String>,
}

fn body(i: &StoredInvoice, lines: Option<&[StoredLine]>) -> InvoiceBody {
    InvoiceBody {
        id: i.id.to_string(),
        account_id: i.account_id.to_string(),
        number: i.display_number(),
        kind: i.kind.clone(),
        status: i.status.clone(),
        issued_on: i.issued_on.clone(),
        due_on: i.due_on.clone(),
        total_excl: i.total_excl,
        total_vat: i.total_vat,
        total_incl: i.total_incl,
        seller: i.seller.clone(),
        buyer: i.buyer.clone(),
        mentions: i.mentions.clone(),
        vat_breakdown: i.vat_breakdown.clone(),
        lines: lines.map(|ls| {
            ls.iter()
                .map(|l| LineBody {
                    description: l.description.clone(),
                    kind: l.kind.clone(),
                    subscription_id: l.subscription_id.map(|s| s.to_string()),
                    quantity: l.quantity,
                    unit_price_micros: l.unit_price_micros,
                    vat_rate_bp: l.vat_rate_bp,
                    amount: l.amount,
                    period_start: l.period_start.clone(),
                    period_end: l.period_end.clone(),
                })
                .collect()
        }),
    }
}

#[utoipa::path(get, path = "/api/v1/invoices", tag = "invoices", security(("bearer" = [])),
    responses((status = 200, body = Vec<InvoiceBody>), (status = 403, body = crate::error::Problem)))]
async fn list(State(s): State<WebState>, ApiUser(p): ApiUser) -> Result<Response, ApiError> {
    let account = admin_account(&p)?;
    let list = s.app.invoices(account).await.map_err(e(p.user.lang))?;
    Ok(ok(list.iter().map(|i| body(i, None)).collect::<Vec<_>>()))
}

#[utoipa::path(get, path = "/api/v1/invoices/{id}", tag = "invoices", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = InvoiceBody), (status = 404, body = crate::error::Problem)))]
async fn get_one(State(s): State<WebState>, ApiUser(p): ApiUser, Path(id): Path<String>) -> Result<Response, ApiError> {
    let account = admin_account(&p)?;
    let id: InvoiceId = parse(&id, p.user.lang)?;
    let (invoice, lines) = s.app.invoice(account, id).await.map_err(e(p.user.lang))?;
    Ok(ok(body(&invoice, Some(&lines))))
}

#[utoipa::path(get, path = "/api/v1/invoices/{id}/pdf", tag = "invoices", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, description = "The invoice as PDF", content_type = "application/pdf"), (status = 404, body = crate::error::Problem)))]
async fn get_pdf(State(s): State<WebState>, ApiUser(p): ApiUser, Path(id): Path<String>) -> Result<Response, ApiError> {
    let account = admin_account(&p)?;
    let id: InvoiceId = parse(&id, p.user.lang)?;
    let (invoice, lines) = s.app.invoice(account, id).await.map_err(e(p.user.lang))?;
    Ok(crate::pages::invoice_pdf_response(&invoice, &lines, p.user.lang))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    limit: Option<i64>,
    offset: Option<i64>,
    /// A number (`F-2026-000042`) or part of the buyer's name.
    search: Option<String>,
    /// `invoice` or `credit_note`.
    kind: Option<String>,
    /// `draft` (under review) or `issued`.
    status: Option<String>,
    /// Billing dates from and to, inclusive (`YYYY-MM-DD`).
    from: Option<String>,
    to: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/operator/invoices", tag = "operator", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = Vec<InvoiceBody>), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn operator_list(
    State(s): State<WebState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let lang = super::operator::operator(&p)?;
    let (limit, offset) = page_params(q.limit, q.offset);
    let filter = app::invoicing::InvoiceFilter {
        search: q.search.unwrap_or_default(),
        kind: q.kind.unwrap_or_default(),
        status: q.status.unwrap_or_default(),
        from: q.from.filter(|v| !v.is_empty()),
        to: q.to.filter(|v| !v.is_empty()),
    };
    let list = s.app.all_invoices(&filter, limit, offset).await.map_err(e(lang))?;
    Ok(ok(list.iter().map(|i| body(i, None)).collect::<Vec<_>>()))
}
