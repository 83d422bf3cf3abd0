//! Invoices: administrators read their account's, as a page and as a PDF; operator staff list
//! every invoice (administrative data).

use super::{Page, Pager, admin_account, error_page, forbidden, not_found};
use crate::WebState;
use crate::auth::{Client, CsrfToken, PageUser};
use app::invoicing::money;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kernel::{InvoiceId, Lang};
use minijinja::{Value, context};
use serde::Deserialize;
use store::invoices::{StoredInvoice, StoredLine};

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/settings/invoices", get(list))
        .route("/settings/invoices/{id}", get(show))
        .route("/settings/invoices/{id}/pdf", get(pdf))
        .route("/operator/invoices", get(operator_list))
        .route("/operator/accounts/{account}/invoices/{id}", get(operator_show))
        .route(
            "/operator/accounts/{account}/invoices/{id}/credit",
            axum::routing::post(operator_credit),
        )
        .route(
            "/operator/accounts/{account}/invoices/{id}/finalize",
            axum::routing::post(operator_finalize),
        )
}

pub fn invoice_row(i: &StoredInvoice, lang: Lang) -> Value {
    context! {
        id => i.id.to_string(), account_id => i.account_id.to_string(), number => i.display_number(),
        kind => i.kind.clone(), status => i.status.clone(), issued_on => i.issued_on.clone(), due_on => i.due_on.clone(),
        billing_date => i.billing_date.clone(), buyer => i.buyer["legal_name"].as_str().unwrap_or_default().to_string(),
        total_excl => money(i.total_excl, lang), total_vat => money(i.total_vat, lang), total_incl => money(i.total_incl, lang),
    }
}

fn line_row(l: &StoredLine, lang: Lang) -> Value {
    context! {
        description => l.description.clone(), kind => l.kind.clone(), quantity => l.quantity,
        unit_price => money(billing::UnitPrice::from_micros(l.unit_price_micros).line_total(1).0, lang),
        vat_rate => format!("{} %", l.vat_rate_bp as f64 / 100.0), amount => money(l.amount, lang),
        period_start => l.period_start.clone(), period_end => l.period_end.clone(),
    }
}

async fn list(State(s): State<WebState>, client: Client, csrf: CsrfToken, PageUser(p): PageUser) -> Response {
    let page = Page::new(client.lang, &csrf, "/settings/invoices", Some(&p)).nav("invoices");
    let Some(account) = admin_account(&p) else {
        return forbidden(&page, &s, "admin_required");
    };
    let (list, orders, subscriptions) = match (
        s.app.invoices(account).await,
        s.app.amounts_per_order(account).await,
        s.app.subscriptions(account).await,
    ) {
        (Ok(l), Ok(o), Ok(v)) => (l, o, v),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return error_page(&page, &s, &e),
    };
    let rows: Vec<Value> = list.iter().map(|i| invoice_row(i, page.lang)).collect();
    let orders: Vec<Value> = orders
        .iter()
        .map(|o| {
            let view = subscriptions.iter().find(|v| v.subscription.id == o.subscription);
            context! {
                id => o.subscription.to_string(),
                offer => view.map(|v| v.offer.name.clone()),
                plan => view.and_then(|v| v.offer.plan(&v.subscription.selection.plan).ok()).map(|p| p.name.clone()),
                excl_vat => money(o.excl_vat, page.lang), incl_vat => money(o.incl_vat, page.lang),
            }
        })
        .collect();
    page.render(&s, "invoices.html", context! { invoices => rows, orders => orders })
        .into_response()
}

async fn show(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/settings/invoices", Some(&p)).nav("invoices");
    let Some(account) = admin_account(&p) else {
        return forbidden(&page, &s, "admin_required");
    };
    let Ok(id) = id.parse::<InvoiceId>() else {
        return not_found(&page, &s);
    };
    match s.app.invoice(account, id).await {
        Ok((invoice, lines)) => render_invoice(&s, &page, &invoice, &lines, None),
        Err(e) => error_page(&page, &s, &e),
    }
}

/// The invoice page; operator staff also get the corrective credit note form.
fn render_invoice(
    s: &WebState,
    page: &Page,
    invoice: &StoredInvoice,
    lines: &[StoredLine],
    operator: Option<Value>,
) -> Response {
    let vat: Vec<Value> = invoice
        .vat_breakdown
        .as_array()
        .map(|rates| {
            rates
                .iter()
                .map(|r| {
                    context! {
                        rate => format!("{} %", r["rate_bp"].as_i64().unwrap_or_default() as f64 / 100.0),
                        base => money(r["base"].as_i64().unwrap_or_default(), page.lang),
                        tax => money(r["tax"].as_i64().unwrap_or_default(), page.lang),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let rows: Vec<Value> = lines.iter().map(|l| line_row(l, page.lang)).collect();
    page.render(
        s,
        "invoice.html",
        context! {
            invoice => invoice_row(invoice, page.lang), lines => rows, vat => vat,
            seller => super::ser(&invoice.seller), buyer => super::ser(&invoice.buyer),
            mentions => super::ser(&invoice.mentions), operator => operator,
        },
    )
    .into_response()
}

fn operator_ids(account: &str, id: &str) -> Option<(kernel::AccountId, InvoiceId)> {
    Some((account.parse().ok()?, id.parse().ok()?))
}

async fn operator_show(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path((account, id)): Path<(String, String)>,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/operator/invoices", Some(&p)).nav("op_invoices");
    let (true, Some((account, id))) = (p.is_operator(), operator_ids(&account, &id)) else {
        return not_found(&page, &s);
    };
    operator_view(&s, &page, account, id, q.notice.as_deref(), None).await
}

async fn operator_view(
    s: &WebState,
    page: &Page,
    account: kernel::AccountId,
    id: InvoiceId,
    notice: Option<&str>,
    error: Option<String>,
) -> Response {
    match s.app.operator_invoice(account, id).await {
        Ok((invoice, lines)) => {
            let credited = s.app.credited_positions(account, id).await.unwrap_or_default();
            let creditable: Vec<i64> = lines
                .iter()
                .map(|l| l.position)
                .filter(|p| !credited.contains(p))
                .collect();
            let operator = context! {
                account_id => account.to_string(), creditable => creditable,
                positions => lines.iter().map(|l| context! { position => l.position, description => l.description.clone() }).collect::<Vec<_>>(),
                notice => notice.map(|n| crate::i18n::message(page.lang, n).to_string()), error => error,
            };
            render_invoice(s, page, &invoice, &lines, Some(operator))
        }
        Err(e) => error_page(page, s, &e),
    }
}

async fn operator_finalize(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path((account, id)): Path<(String, String)>,
    crate::auth::CsrfForm(_): crate::auth::CsrfForm<Vec<(String, String)>>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/operator/invoices", Some(&p)).nav("op_invoices");
    let (true, Some((account, id))) = (p.is_operator(), operator_ids(&account, &id)) else {
        return not_found(&page, &s);
    };
    match s.app.finalize_invoice(account, id, &client.actor(&p)).await {
        Ok(_) => super::see_other(&format!(
            "/operator/accounts/{account}/invoices/{id}?notice=notice.invoice_finalized"
        )),
        Err(app::AppError::NotFound) => not_found(&page, &s),
        Err(e) => {
            let message = crate::i18n::message(page.lang, e.code()).to_string();
            let mut response = operator_view(&s, &page, account, id, None, Some(message)).await;
            *response.status_mut() = axum::http::StatusCode::CONFLICT;
            response
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NoticeQuery {
    notice: Option<String>,
}

async fn operator_credit(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path((account, id)): Path<(String, String)>,
    crate::auth::CsrfForm(form): crate::auth::CsrfForm<Vec<(String, String)>>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/operator/invoices", Some(&p)).nav("op_invoices");
    let (true, Some((account, id))) = (p.is_operator(), operator_ids(&account, &id)) else {
        return not_found(&page, &s);
    };
    let reason = form
        .iter()
        .find(|(k, _)| k == "reason")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let positions: Vec<i64> = form
        .iter()
        .filter(|(k, _)| k == "line")
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect();
    match s
        .app
        .credit_invoice(account, id, &positions, &reason, &client.actor(&p))
        .await
    {
        Ok(_) => super::see_other(&format!(
            "/operator/accounts/{account}/invoices/{id}?notice=notice.credit_note_issued"
        )),
        Err(app::AppError::NotFound) => not_found(&page, &s),
        Err(e) => {
            let message = crate::i18n::message(page.lang, e.code()).to_string();
            let mut response = operator_view(&s, &page, account, id, None, Some(message)).await;
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            response
        }
    }
}

async fn pdf(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/settings/invoices", Some(&p)).nav("invoices");
    let Some(account) = admin_account(&p) else {
        return forbidden(&page, &s, "admin_required");
    };
    let Ok(id) = id.parse::<InvoiceId>() else {
        return not_found(&page, &s);
    };
    match s.app.invoice(account, id).await {
        Ok((invoice, lines)) => pdf_response(&invoice, &lines, page.lang),
        Err(e) => error_page(&page, &s, &e),
    }
}

/// The invoice's PDF as a download named after its number.
pub fn pdf_response(invoice: &StoredInvoice, lines: &[StoredLine], lang: Lang) -> Response {
    let bytes = app::invoicing::invoice_pdf(invoice, lines, lang);
    let name = invoice.display_number().unwrap_or_else(|| "draft".into());
    crate::attachment("application/pdf", &format!("{name}.pdf"), bytes)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OperatorQuery {
    page: Option<i64>,
    q: String,
    kind: String,
    status: String,
    from: String,
    to: String,
}

async fn operator_list(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Query(q): Query<OperatorQuery>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/operator/invoices", Some(&p)).nav("op_invoices");
    if !p.is_operator() {
        return not_found(&page, &s);
    }
    let pager = Pager::new(q.page);
    let filter = app::invoicing::InvoiceFilter {
        search: q.q.clone(),
        kind: q.kind.clone(),
        status: q.status.clone(),
        from: Some(q.from.clone()).filter(|v| !v.is_empty()),
        to: Some(q.to.clone()).filter(|v| !v.is_empty()),
    };
    let (list, error) = match s.app.all_invoices(&filter, pager.limit(), pager.offset()).await {
        Ok(list) => (list, None),
        Err(e @ app::AppError::Invalid(_)) => (Vec::new(), Some(crate::i18n::message(page.lang, e.code()).to_string())),
        Err(e) => return error_page(&page, &s, &e),
    };
    let mut list = list;
    let params = [
        ("q", q.q.as_str()),
        ("kind", q.kind.as_str()),
        ("from", q.from.as_str()),
        ("to", q.to.as_str()),
    ];
    let links = pager.finish(&mut list, "/operator/invoices", &params);
    let rows: Vec<Value> = list.iter().map(|i| invoice_row(i, page.lang)).collect();
    let status = if error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    let html = page.render(
        &s,
        "op_invoices.html",
        context! {
            invoices => rows, pager => links, q => q.q, kind => q.kind, status => q.status, from => q.from, to => q.to,
            error => error,
        },
    );
    (status, html).into_response()
}
