//! The offer catalogue for operator staff: every offer's latest version, its plans, prices and
//! terms, and the import of a new offer file (or a new version of one).

use super::{NoticeQuery, Page, error_page, not_found, see_other, ser};
use crate::WebState;
use crate::auth::{Client, CsrfForm, CsrfToken, PageUser};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use billing::offer::PlanPricing;
use billing::{Offer, Quota};
use kernel::Lang;
use minijinja::{Value, context};
use serde::Deserialize;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/operator/offers", get(offers).post(import_offer))
        .route("/operator/offers/{key}", get(offer))
}

/// An amount in cents for people: `19,90 €` in French, `€19.90` in English.
pub fn money(cents: i64, lang: Lang) -> String {
    billing::money::format_euros(cents, lang, '\u{202f}')
}

fn quota_text(q: &Quota, lang: Lang) -> String {
    match q {
        Quota::Limited(n) => n.to_string(),
        Quota::Unlimited => crate::i18n::message(lang, "offers.unlimited").to_string(),
    }
}

/// What a template needs of an offer: plans with formatted prices and limits.
pub fn offer_view(offer: &Offer, lang: Lang) -> Value {
    let plans: Vec<Value> = offer
        .plans
        .iter()
        .map(|p| {
            let prices: Vec<Value> = match &p.pricing {
                PlanPricing::Priced(prices) => prices
                    .iter()
                    .map(|(period, price)| {
                        context! {
                            period => period.as_str(), current => money(price.current.0, lang),
                            list => (price.list != price.current).then(|| money(price.list.0, lang)),
                        }
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let quotas: Vec<Value> = p
                .quotas
                .iter()
                .map(|(k, q)| context! { key => k.clone(), value => quota_text(q, lang) })
                .collect();
            let entitlements: Vec<Value> = p
                .entitlements
                .iter()
                .map(|(k, e)| context! { key => k.clone(), included => quota_text(&e.included, lang), minimum => e.minimum, maximum => e.maximum })
                .collect();
            context! {
                id => p.id.clone(), name => p.name.clone(), description => p.description.clone(),
                free => p.is_free(), on_quote => matches!(p.pricing, PlanPricing::OnQuote),
                prices => prices, quotas => quotas, entitlements => entitlements,
            }
        })
        .collect();
    let modules: Vec<&str> = offer.modules.iter().map(|m| m.as_str()).collect();
    context! {
        id => offer.id.clone(), name => offer.name.clone(), version => offer.version, description => offer.description.clone(),
        vat_rate => offer.vat_rate.to_string(), modules => modules, plans => plans,
        discount_codes => offer.discount_codes,
    }
}

/// The terms of an offer as label/value rows, flattened from its structure (`notice › length` →
/// `48 hours`): complete by construction, whatever the offer states.
fn term_rows(offer: &Offer) -> Vec<(String, String)> {
    fn walk(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    // Shown as a breadcrumb (`notice › length`), the way the file nests it.
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix} › {k}")
                    };
                    walk(&key, v, out);
                }
            }
            serde_json::Value::Array(a) => {
                let items: Vec<String> = a
                    .iter()
                    .map(|i| i.as_str().map_or(i.to_string(), str::to_string))
                    .collect();
                out.push((prefix.to_string(), items.join(", ")));
            }
            serde_json::Value::Null => {}
            serde_json::Value::String(s) => out.push((prefix.to_string(), s.clone())),
            other => out.push((prefix.to_string(), other.to_string())),
        }
    }
    let mut out = Vec::new();
    if let Ok(serde_json::Value::Object(m)) = serde_json::to_value(offer) {
        for section in [
            "term",
            "notice",
            "activation",
            "billing",
            "payment",
            "price_change",
            "withdrawal",
            "early_termination",
            "inactivity",
            "licence_changes",
            "fees",
            "consumption",
            "options",
        ] {
            if let Some(v) = m.get(section) {
                walk(section, v, &mut out);
            }
        }
    }
    out
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ImportForm {
    file_name: String,
    source: String,
}

async fn catalogue_view(
    s: &WebState,
    page: &Page,
    form: &ImportForm,
    problems: Vec<String>,
    status: StatusCode,
) -> Response {
    match s.app.catalogue().await {
        Ok(list) => {
            let rows: Vec<Value> = list
                .iter()
                .map(|o| context! { offer => offer_view(&o.offer, page.lang), loaded_at => o.stored.loaded_at.to_string(), file_name => o.stored.file_name.clone() })
                .collect();
            let html = page.render(
                s,
                "op_offers.html",
                context! { offers => rows, form => context! { file_name => form.file_name.clone(), source => form.source.clone() }, problems => problems },
            );
            (status, html).into_response()
        }
        Err(e) => error_page(page, s, &e),
    }
}

async fn offers(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/operator/offers", Some(&p))
        .nav("op_offers")
        .notice(q.key());
    if !p.is_operator() {
        return not_found(&page, &s);
    }
    catalogue_view(&s, &page, &ImportForm::default(), Vec::new(), StatusCode::OK).await
}

async fn import_offer(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    CsrfForm(form): CsrfForm<ImportForm>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/operator/offers", Some(&p)).nav("op_offers");
    if !p.is_operator() {
        return not_found(&page, &s);
    }
    let name = if form.file_name.trim().is_empty() {
        "offer.toml"
    } else {
        form.file_name.trim()
    };
    match s.app.load_offer(name, &form.source, &client.actor(&p)).await {
        Ok((stored, _)) => see_other(&format!(
            "/operator/offers/{}?notice=notice.offer_loaded",
            stored.offer_key
        )),
        Err(app::AppError::InvalidOffer(problems)) => {
            let lines = app::offers::describe(&problems);
            catalogue_view(&s, &page, &form, lines, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => {
            let message = crate::i18n::message(page.lang, e.code()).to_string();
            let status = crate::error::status_of(&e);
            catalogue_view(&s, &page, &form, vec![message], status).await
        }
    }
}

async fn offer(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(key): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/operator/offers", Some(&p))
        .nav("op_offers")
        .notice(q.key());
    if !p.is_operator() {
        return not_found(&page, &s);
    }
    let versions = match s.app.offer_versions(&key).await {
        Ok(v) => v,
        Err(e) => return error_page(&page, &s, &e),
    };
    let latest = &versions[0];
    let parsed = match s.app.offer(&latest.offer_key, latest.version).await {
        Ok(o) => o,
        Err(e) => return error_page(&page, &s, &e),
    };
    let history: Vec<Value> = versions
        .iter()
        .map(|v| context! { version => v.version, loaded_at => v.loaded_at.to_string(), file_name => v.file_name.clone(), sha256 => v.sha256.clone() })
        .collect();
    page.render(
        &s,
        "op_offer.html",
        context! {
            offer => offer_view(&parsed, page.lang), terms => ser(&term_rows(&parsed)),
            source => latest.source.clone(), history => history,
        },
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_as_people_write_them() {
        assert_eq!(money(1990, Lang::Fr), "19,90\u{a0}€");
        assert_eq!(money(169_900, Lang::Fr), "1\u{202f}699,00\u{a0}€");
        assert_eq!(money(169_900, Lang::En), "€1,699.00");
        assert_eq!(money(-250, Lang::En), "-€2.50");
    }
}
