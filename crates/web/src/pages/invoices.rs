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
    match s.app.invoices(account).await {
        Ok(list) => {
            let rows: Vec<Value> = list.iter().map(|i| invoice_row(i, page.lang)).collect();
            page.render(&s, "invoices.html", context! { invoices => rows })
                .into_response()
        }
        Err(e) => error_page(&page, &s, &e),
    }
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
        Ok((invoice, lines)) => {
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
                &s,
                "invoice.html",
                context! {
                    invoice => invoice_row(&invoice, page.lang), lines => rows, vat => vat,
                    seller => super::ser(&invoice.seller), buyer => super::ser(&invoice.buyer),
                    mentions => super::ser(&invoice.mentions),
                },
            )
            .into_response()
        }
        Err(e) => error_page(&page, &s, &e),
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
    match s.app.all_invoices(pager.limit(), pager.offset()).await {
        Ok(mut list) => {
            let links = pager.finish(&mut list, "/operator/invoices", &[]);
            let rows: Vec<Value> = list.iter().map(|i| invoice_row(i, page.lang)).collect();
            page.render(&s, "op_invoices.html", context! { invoices => rows, pager => links })
                .into_response()
        }
        Err(e) => error_page(&page, &s, &e),
    }
}
