//! The contracts module's pages (CLOG-SERVICE, CTR-*): the register with its filters, a
//! contract's page (deadlines explained, timeline, documents, letter), forms, the dashboard,
//! import and export, settings and the calendar feed. Every account user works here; the
//! settings are the administrators'.

use super::{NoticeQuery, Page, admin_account, error_page, forbidden, form_failure, not_found, see_other, ser};
use crate::WebState;
use crate::auth::{Client, CsrfForm, CsrfToken, CsrfUpload, PageUser};
use app::auth::Principal;
use app::contracts::{ContractDetail, ContractFields, ContractView, ListQuery, key_date, title, yearly_minor};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use contracts::csv_import::COLUMNS;
use contracts::dates::format_date;
use contracts::register::format_amount;
use contracts::{Category, ContractId, Exit, SendingWay};
use kernel::{AccountId, FileId, Lang};
use minijinja::{Value, context};
use serde::Deserialize;
use std::collections::BTreeMap;
use store::contracts::ContractStatus;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/contracts", get(list_page).post(create))
        .route("/contracts/new", get(new_page))
        .route("/contracts/assist", get(assist_page).post(assist))
        .route("/contracts/dashboard", get(dashboard_page))
        .route("/contracts/settings", get(settings_page).post(save_settings))
        .route("/contracts/calendar", post(renew_calendar))
        .route("/contracts/calendar/revoke", post(revoke_calendar))
        .route(
            "/contracts/import",
            get(import_page).post(import).layer(crate::upload_limit()),
        )
        .route("/contracts/template.csv", get(template_csv))
        .route("/contracts/export.csv", get(export_csv))
        .route("/contracts/export.json", get(export_json))
        .route("/contracts/{id}", get(contract_page).post(update))
        .route("/contracts/{id}/edit", get(edit_page))
        .route("/contracts/{id}/delete", post(delete))
        .route("/contracts/{id}/letter.pdf", get(letter_pdf))
        .route(
            "/contracts/{id}/documents",
            post(upload_document).layer(crate::upload_limit()),
        )
        .route("/contracts/{id}/documents/{file}", get(download_document))
        .route("/contracts/{id}/documents/{file}/delete", post(delete_document))
        .route("/contracts/{id}/steps", post(record_step).layer(crate::upload_limit()))
        .route("/calendar/{file}", get(calendar_feed))
}

type Errors = BTreeMap<String, String>;

fn account_of(p: &Principal) -> Option<AccountId> {
    p.user.account_id
}

fn page(client: &Client, csrf: &CsrfToken, path: &str, p: &Principal) -> Page {
    Page::new(client.lang, csrf, path, Some(p)).nav("contracts")
}

fn status_label(lang: Lang, s: ContractStatus) -> String {
    crate::i18n::message(lang, &format!("ctr.status.{}", s.code())).to_string()
}

fn money(minor: i64, currency: &str) -> String {
    format!("{} {currency}", format_amount(minor))
}

/// One row of a list.
fn row(v: &ContractView, lang: Lang) -> Value {
    let c = &v.contract;
    let d = &v.deadlines;
    context! {
        id => c.id.to_string(),
        counterparty => c.record.counterparty.name.clone(),
        reference => c.record.reference.clone(),
        category => c.record.category.label(lang),
        status => c.status.code(),
        status_label => status_label(lang, c.status),
        send_by => d.earliest_send_by().map(|x| format_date(x, lang)),
        last_day => d.last_day().map(|x| format_date(x, lang)),
        key_date => key_date(d).map(|x| format_date(x, lang)),
        ended => matches!(d.exit, Exit::Ended { .. }),
        any_time => matches!(d.exit, Exit::AnyTime { .. }),
        yearly => (yearly_minor(&c.record) > 0).then(|| money(yearly_minor(&c.record), c.record.price.as_ref().map(|p| p.currency.as_str()).unwrap_or("EUR"))),
        tags => c.record.tags.clone(),
    }
}

fn categories(lang: Lang) -> Vec<Value> {
    Category::ALL
        .into_iter()
        .map(|c| context! { code => c.code(), label => c.label(lang) })
        .collect()
}

fn statuses(lang: Lang) -> Vec<Value> {
    ContractStatus::ALL
        .into_iter()
        .map(|s| context! { code => s.code(), label => status_label(lang, s) })
        .collect()
}

fn ways(lang: Lang) -> Vec<Value> {
    SendingWay::ALL
        .into_iter()
        .map(|w| context! { code => w.code(), label => w.label(lang) })
        .collect()
}

// ---- List ----

#[derive(Deserialize, Default, serde::Serialize, Clone)]
#[serde(default)]
pub struct ListForm {
    pub q: String,
    pub status: String,
    pub category: String,
    /// Days ahead: contracts whose send-by date (or end) falls within.
    pub due: String,
    pub notice: Option<String>,
}

async fn list_page(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Query(q): Query<ListForm>,
) -> Response {
    let page = page(&client, &csrf, "/contracts", &p).notice(q.notice.as_deref().filter(|n| n.starts_with("notice.")));
    let Some(account) = account_of(&p) else {
        return forbidden(&page, &s, "account_required");
    };
    let query = ListQuery {
        status: ContractStatus::parse(&q.status),
        category: Category::parse("category", &q.category).ok(),
        search: Some(q.q.clone()),
        due_within_days: q.due.trim().parse::<i64>().ok(),
    };
    match s.app.contracts(account, &query).await {
        Ok((today, list)) => {
            let rows: Vec<Value> = list.iter().map(|v| row(v, page.lang)).collect();
            let html = page.render(
                &s,
                "contracts.html",
                context! {
                    rows => rows, q => ser(&q), today => format_date(today, page.lang),
                    categories => categories(page.lang), statuses => statuses(page.lang),
                },
            );
            html.into_response()
        }
        Err(e) => error_page(&page, &s, &e),
    }
}

// ---- Form ----

/// The form's fields: the template's columns, `supplier_notice_on`, and one checkbox per way.
fn fields_from_form(form: &BTreeMap<String, String>) -> ContractFields {
    let mut f: ContractFields = COLUMNS
        .iter()
        .map(|c| (c.to_string(), form.get(*c).cloned().unwrap_or_default()))
        .collect();
    // A way kept from before keeps its transit time (`registered_letter:5`).
    let before: Vec<&str> = form
        .get("ways_before")
        .map(|w| w.split('|').collect())
        .unwrap_or_default();
    let ways: Vec<String> = SendingWay::ALL
        .into_iter()
        .filter(|w| form.contains_key(&format!("way_{}", w.code())))
        .map(|w| {
            before
                .iter()
                .find(|b| b.split(':').next() == Some(w.code()))
                .map(|b| b.to_string())
                .unwrap_or_else(|| w.code().to_string())
        })
        .collect();
    f.insert("ways".into(), ways.join("|"));
    for extra in ["supplier_notice_on", app::contracts::LETTER_TRANSIT_DAYS] {
        f.insert(extra.into(), form.get(extra).cloned().unwrap_or_default());
    }
    f
}

fn form_view(
    s: &WebState,
    page: &Page,
    action: &str,
    fields: &ContractFields,
    errors: Errors,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    form_view_with(s, page, action, fields, errors, error, status, context! {})
}

#[allow(clippy::too_many_arguments)]
fn form_view_with(
    s: &WebState,
    page: &Page,
    action: &str,
    fields: &ContractFields,
    errors: Errors,
    error: Option<String>,
    status: StatusCode,
    extra: Value,
) -> Response {
    let checked: Vec<String> = fields
        .get("ways")
        .map(|w| {
            w.split('|')
                .map(|x| x.split(':').next().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default();
    let html = page.render(
        s,
        "contract_form.html",
        context! {
            action => action, form => ser(fields), errors => errors, error => error,
            checked => checked, categories => categories(page.lang), ways => ways(page.lang),
            periods => contracts::BillingPeriod::ALL.iter().map(|p| p.code()).collect::<Vec<_>>(),
            ..extra
        },
    );
    (status, html).into_response()
}

async fn new_page(State(s): State<WebState>, client: Client, csrf: CsrfToken, PageUser(p): PageUser) -> Response {
    let page = page(&client, &csrf, "/contracts/new", &p);
    if account_of(&p).is_none() {
        return forbidden(&page, &s, "account_required");
    }
    let mut fields: ContractFields = COLUMNS.iter().map(|c| (c.to_string(), String::new())).collect();
    fields.insert("renewal".into(), "tacit".into());
    fields.insert("notice_unit".into(), "months".into());
    fields.insert("currency".into(), "EUR".into());
    fields.insert("ways".into(), "registered_letter".into());
    form_view(&s, &page, "/contracts", &fields, Errors::new(), None, StatusCode::OK)
}

async fn create(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    CsrfForm(form): CsrfForm<BTreeMap<String, String>>,
) -> Response {
    let page = page(&client, &csrf, "/contracts/new", &p);
    let Some(account) = account_of(&p) else {
        return forbidden(&page, &s, "account_required");
    };
    let fields = fields_from_form(&form);
    match s.app.create_contract(account, &fields, &client.actor(&p)).await {
        Ok(c) => see_other(&format!("/contracts/{}?notice=notice.contract_saved", c.id)),
        Err(e) => {
            let (errors, error) = form_failure(page.lang, &e);
            form_view(
                &s,
                &page,
                "/contracts",
                &fields,
                errors,
                error,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

fn parse_id(raw: &str) -> Option<ContractId> {
    raw.parse().ok()
}

async fn edit_page(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
) -> Response {
    let path = format!("/contracts/{id}/edit");
    let page = page(&client, &csrf, &path, &p);
    let (Some(account), Some(id)) = (account_of(&p), parse_id(&id)) else {
        return not_found(&page, &s);
    };
    match s.app.contract(account, id).await {
        Ok(d) => {
            let fields = app::contracts::fields_of(&d.view.contract);
            form_view(
                &s,
                &page,
                &format!("/contracts/{id}"),
                &fields,
                Errors::new(),
                None,
                StatusCode::OK,
            )
        }
        Err(e) => error_page(&page, &s, &e),
    }
}

async fn update(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<BTreeMap<String, String>>,
) -> Response {
    let path = format!("/contracts/{id}/edit");
    let page = page(&client, &csrf, &path, &p);
    let (Some(account), Some(id)) = (account_of(&p), parse_id(&id)) else {
        return not_found(&page, &s);
    };
    let fields = fields_from_form(&form);
    match s.app.update_contract(account, id, &fields, &client.actor(&p)).await {
        Ok(c) => see_other(&format!("/contracts/{}?notice=notice.contract_saved", c.id)),
        Err(app::AppError::NotFound) => not_found(&page, &s),
        Err(e) => {
            let (errors, error) = form_failure(page.lang, &e);
            form_view(
                &s,
                &page,
                &format!("/contracts/{id}"),
                &fields,
                errors,
                error,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
    }
}

async fn delete(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<BTreeMap<String, String>>,
) -> Response {
    let page = page(&client, &csrf, "/contracts", &p);
    let (Some(account), Some(id)) = (account_of(&p), parse_id(&id)) else {
        return not_found(&page, &s);
    };
    match s.app.delete_contract(account, id, &client.actor(&p)).await {
        Ok(()) => see_other("/contracts?notice=notice.contract_deleted"),
        Err(e) => error_page(&page, &s, &e),
    }
}

// ---- A contract's page ----

fn detail_value(d: &ContractDetail, lang: Lang) -> Value {
    let c = &d.view.contract;
    let r = &c.record;
    let dl = &d.view.deadlines;
    let fd = |x| format_date(x, lang);
    let mut dates: Vec<Value> = Vec::new();
    if let Some(t) = &dl.term_end {
        dates.push(context! { label => crate::i18n::message(lang, "ctr.term_end"), date => fd(t.date), why => t.explain(lang) });
    }
    match &dl.exit {
        Exit::Deadline {
            ends_on,
            last_day,
            send_by,
            missed,
        } => {
            if let Some(m) = missed {
                dates.push(context! { label => crate::i18n::message(lang, "ctr.missed"), date => fd(m.last_day), why => m.explain(lang), warn => true });
            }
            if dl.term_end.map(|t| t.date) != Some(ends_on.date) {
                dates.push(context! { label => crate::i18n::message(lang, "ctr.ends_on"), date => fd(ends_on.date), why => ends_on.explain(lang) });
            }
            dates.push(context! { label => crate::i18n::message(lang, "ctr.last_day"), date => fd(last_day.date), why => last_day.explain(lang), strong => true });
            for w in send_by {
                dates.push(context! { label => format!("{} — {}", crate::i18n::message(lang, "ctr.send_by"), w.way.label(lang)), date => fd(w.send_by.date), why => w.send_by.explain(lang) });
            }
        }
        Exit::AnyTime { send_by, missed } => {
            if let Some(m) = missed {
                dates.push(context! { label => crate::i18n::message(lang, "ctr.missed"), date => fd(m.last_day), why => m.explain(lang), warn => true });
            }
            for w in send_by {
                dates.push(context! { label => format!("{} — {}", crate::i18n::message(lang, "ctr.any_time"), w.way.label(lang)), date => fd(w.ends_on), why => w.send_by.explain(lang) });
            }
        }
        Exit::EndsByItself { on } => {
            dates.push(context! { label => crate::i18n::message(lang, "ctr.ends_by_itself"), date => fd(on.date), why => on.explain(lang) });
        }
        Exit::Ended { on } => {
            dates.push(context! { label => crate::i18n::message(lang, "ctr.ended"), date => fd(*on), why => "" });
        }
    }
    let mut timeline: Vec<Value> = vec![context! {
        label => crate::i18n::message(lang, "ctr.tl_created"), date => app::human_time(c.created_at, lang),
    }];
    if let Some(sent) = c.sent_on {
        timeline.push(context! {
            label => crate::i18n::message(lang, "ctr.tl_sent"), date => fd(sent),
            detail => c.letter_way.map(|w| w.label(lang)),
        });
    }
    if let Some(del) = c.delivered_on {
        timeline.push(context! {
            label => crate::i18n::message(lang, "ctr.tl_delivered"), date => fd(del),
            proof => d.proof.as_ref().map(|m| context! { href => format!("/contracts/{}/documents/{}", c.id, m.id), name => m.file_name.clone() }),
        });
    }
    if let Some(t) = c.terminated_on {
        timeline.push(context! { label => crate::i18n::message(lang, "ctr.tl_terminated"), date => fd(t) });
    }
    let documents: Vec<Value> = d
        .documents
        .iter()
        .map(|d| {
            let m = &d.meta;
            context! {
                href => format!("/contracts/{}/documents/{}", c.id, m.id), name => m.file_name.clone(),
                delete => format!("/contracts/{}/documents/{}/delete", c.id, m.id),
                size_kb => (m.size_bytes + 1023) / 1024, uploaded_at => app::human_time(m.uploaded_at, lang),
                text => crate::i18n::message(lang, &format!("ctr.text_{}", d.text_status.code())),
            }
        })
        .collect();
    let accepted: Vec<Value> = r
        .terms
        .ways()
        .iter()
        .map(|w| context! { code => w.way.code(), label => w.way.label(lang) })
        .collect();
    context! {
        id => c.id.to_string(),
        title => title(c),
        counterparty => context! {
            name => r.counterparty.name.clone(),
            siren => r.counterparty.siren.as_ref().map(|s| s.as_str().to_string()),
            office => r.counterparty.registered_office.clone(),
            contact => r.counterparty.contact.clone(),
        },
        reference => r.reference.clone(),
        category => r.category.label(lang),
        status => c.status.code(),
        status_label => status_label(lang, c.status),
        start => fd(r.terms.start()),
        term_months => r.terms.term_months(),
        renewal => crate::i18n::message(lang, &format!("ctr.renewal.{}", r.terms.renewal().code())),
        renewal_months => match r.terms.renewal() { contracts::Renewal::Tacit { months } => Some(months), _ => None },
        notice => r.terms.notice().describe(lang),
        price => r.price.as_ref().map(|p| format!("{} · {}", money(p.amount_minor, &p.currency), crate::i18n::message(lang, &format!("ctr.period.{}", p.period.code())))),
        yearly => (yearly_minor(r) > 0).then(|| money(yearly_minor(r), r.price.as_ref().map(|p| p.currency.as_str()).unwrap_or("EUR"))),
        owner => r.owner.clone(),
        tags => r.tags.clone(),
        notes => r.notes.clone(),
        today => fd(d.view.today),
        explanation => dl.explain(lang),
        dates => dates,
        chatel => d.chatel.as_ref().map(|ch| ch.explain(lang)),
        letter => d.letter.as_ref().map(|l| context! {
            explain => l.explain(lang),
            too_late => matches!(l.outcome, contracts::LetterOutcome::TooLate { .. }),
        }),
        letter_today => d.letter_today.iter().map(|l| context! {
            way => l.way.label(lang), explain => l.explain(lang),
            too_late => matches!(l.outcome, contracts::LetterOutcome::TooLate { .. }),
        }).collect::<Vec<_>>(),
        timeline => timeline,
        documents => documents,
        accepted => accepted,
        today_iso => d.view.today.to_string(),
    }
}

async fn contract_view(
    s: &WebState,
    page: &Page,
    account: AccountId,
    id: ContractId,
    extra: Value,
    status: StatusCode,
) -> Response {
    match s.app.contract(account, id).await {
        Ok(d) => {
            let html = page.render(
                s,
                "contract.html",
                context! { c => detail_value(&d, page.lang), ways => ways(page.lang), ..extra },
            );
            (status, html).into_response()
        }
        Err(e) => error_page(page, s, &e),
    }
}

async fn contract_page(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let path = format!("/contracts/{id}");
    let page = page(&client, &csrf, &path, &p).notice(q.key());
    let (Some(account), Some(id)) = (account_of(&p), parse_id(&id)) else {
        return not_found(&page, &s);
    };
    contract_view(&s, &page, account, id, context! {}, StatusCode::OK).await
}

async fn upload_document(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    upload: CsrfUpload,
) -> Response {
    let path = format!("/contracts/{id}");
    let page = page(&client, &csrf, &path, &p);
    let (Some(account), Some(id)) = (account_of(&p), parse_id(&id)) else {
        return not_found(&page, &s);
    };
    let input = app::contracts::DocumentUpload {
        file_name: upload.file_name,
        content: upload.content,
    };
    match s.app.add_contract_document(account, id, input, &client.actor(&p)).await {
        Ok(_) => see_other(&format!("/contracts/{id}?notice=notice.document_added#documents")),
        Err(app::AppError::NotFound) => not_found(&page, &s),
        Err(e) => {
            let (errors, _) = form_failure(page.lang, &e);
            contract_view(
                &s,
                &page,
                account,
                id,
                context! { document_errors => errors },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

async fn download_document(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path((id, file)): Path<(String, String)>,
) -> Response {
    let page = page(&client, &csrf, "/contracts", &p);
    let (Some(account), Some(id), Ok(file)) = (account_of(&p), parse_id(&id), file.parse::<FileId>()) else {
        return not_found(&page, &s);
    };
    match s.app.contract_document(account, id, file).await {
        Ok((meta, bytes)) => crate::download(&meta, bytes),
        Err(e) => error_page(&page, &s, &e),
    }
}

async fn delete_document(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path((id, file)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<BTreeMap<String, String>>,
) -> Response {
    let page = page(&client, &csrf, "/contracts", &p);
    let (Some(account), Some(id), Ok(file)) = (account_of(&p), parse_id(&id), file.parse::<FileId>()) else {
        return not_found(&page, &s);
    };
    match s
        .app
        .delete_contract_document(account, id, file, &client.actor(&p))
        .await
    {
        Ok(()) => see_other(&format!("/contracts/{id}?notice=notice.document_deleted#documents")),
        Err(e) => error_page(&page, &s, &e),
    }
}

async fn record_step(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    upload: CsrfUpload,
) -> Response {
    let path = format!("/contracts/{id}");
    let page = page(&client, &csrf, &path, &p);
    let (Some(account), Some(id)) = (account_of(&p), parse_id(&id)) else {
        return not_found(&page, &s);
    };
    let field = |n: &str| upload.fields.get(n).cloned().unwrap_or_default();
    let input = app::contracts::StepInput {
        step: field("step"),
        on: field("on"),
        way: field("way"),
    };
    let proof = (!upload.content.is_empty()).then(|| app::contracts::DocumentUpload {
        file_name: upload.file_name.clone(),
        content: upload.content.clone(),
    });
    match s
        .app
        .record_contract_step(account, id, input.clone(), proof, &client.actor(&p))
        .await
    {
        Ok(_) => see_other(&format!("/contracts/{id}?notice=notice.step_recorded#timeline")),
        Err(app::AppError::NotFound) => not_found(&page, &s),
        Err(e) => {
            let (errors, error) = form_failure(page.lang, &e);
            let step_form = context! { step => input.step, on => input.on, way => input.way };
            contract_view(
                &s,
                &page,
                account,
                id,
                context! { step_errors => errors, step_error => error, step_form => step_form },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LetterQuery {
    way: String,
    sent_on: String,
    lang: String,
}

async fn letter_pdf(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    Query(q): Query<LetterQuery>,
) -> Response {
    let path = format!("/contracts/{id}");
    let page = page(&client, &csrf, &path, &p);
    let (Some(account), Some(id)) = (account_of(&p), parse_id(&id)) else {
        return not_found(&page, &s);
    };
    let lang = Lang::from_code(&q.lang).unwrap_or(page.lang);
    let sent_on = Some(q.sent_on.as_str()).filter(|x| !x.trim().is_empty());
    match s
        .app
        .termination_letter(account, id, &q.way, sent_on, lang, &p.user.name)
        .await
    {
        Ok((_, bytes)) => pdf_response(&format!("{}-{id}.pdf", letter_name(lang)), bytes),
        Err(app::AppError::Invalid(fields)) => {
            let (errors, _) = form_failure(page.lang, &app::AppError::Invalid(fields));
            contract_view(
                &s,
                &page,
                account,
                id,
                context! { letter_errors => errors, letter_form => context! { way => q.way, sent_on => q.sent_on } },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => error_page(&page, &s, &e),
    }
}

pub fn letter_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "resiliation",
        Lang::En => "termination",
    }
}

pub fn pdf_response(name: &str, bytes: Vec<u8>) -> Response {
    crate::attachment("application/pdf", name, bytes)
}

// ---- Dashboard ----

async fn dashboard_page(State(s): State<WebState>, client: Client, csrf: CsrfToken, PageUser(p): PageUser) -> Response {
    let page = page(&client, &csrf, "/contracts/dashboard", &p);
    let Some(account) = account_of(&p) else {
        return forbidden(&page, &s, "account_required");
    };
    let lang = page.lang;
    match s.app.contracts_dashboard(account).await {
        Ok(d) => {
            let bars = |items: Vec<(String, i64)>| -> Vec<Value> {
                let max = items.iter().map(|(_, v)| *v).max().unwrap_or(1).max(1);
                items
                    .into_iter()
                    .map(|(label, v)| {
                        context! { label => label, amount => money(v, "EUR"), pct => (v * 100 / max).max(1) }
                    })
                    .collect()
            };
            let by_category = bars(
                d.spend_by_category
                    .iter()
                    .map(|(c, v)| (c.label(lang).to_string(), *v))
                    .collect(),
            );
            let by_party = bars(d.spend_by_counterparty.clone());
            let by_status: Vec<Value> = d
                .by_status
                .iter()
                .map(|(st, n)| context! { code => st.code(), label => status_label(lang, *st), count => n })
                .collect();
            let due: Vec<Value> = d.due.iter().map(|v| row(v, lang)).collect();
            let total: i64 = d.spend_by_category.iter().map(|(_, v)| v).sum();
            let html = page.render(
                &s,
                "contracts_dashboard.html",
                context! {
                    today => format_date(d.today, lang), due => due, by_status => by_status,
                    by_category => by_category, by_party => by_party, total => money(total, "EUR"),
                },
            );
            html.into_response()
        }
        Err(e) => error_page(&page, &s, &e),
    }
}

// ---- Import and export ----

async fn import_view(s: &WebState, page: &Page, extra: Value, status: StatusCode) -> Response {
    let html = page.render(s, "contracts_import.html", context! { columns => COLUMNS, ..extra });
    (status, html).into_response()
}

async fn import_page(State(s): State<WebState>, client: Client, csrf: CsrfToken, PageUser(p): PageUser) -> Response {
    let page = page(&client, &csrf, "/contracts/import", &p);
    if account_of(&p).is_none() {
        return forbidden(&page, &s, "account_required");
    }
    import_view(&s, &page, context! {}, StatusCode::OK).await
}

async fn import(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    upload: CsrfUpload,
) -> Response {
    let page = page(&client, &csrf, "/contracts/import", &p);
    let Some(account) = account_of(&p) else {
        return forbidden(&page, &s, "account_required");
    };
    let Ok(text) = String::from_utf8(upload.content) else {
        let error = crate::i18n::message(page.lang, "csv_encoding");
        return import_view(&s, &page, context! { error => error }, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    match s.app.import_contracts(account, &text, &client.actor(&p)).await {
        Ok(Ok(n)) => see_other(&format!("/contracts?notice=notice.contracts_imported&imported={n}")),
        Ok(Err(errors)) => {
            let lines: Vec<Value> = errors
                .0
                .iter()
                .map(|e| context! { line => e.line, field => e.field.clone(), message => crate::i18n::message(page.lang, e.code) })
                .collect();
            import_view(&s, &page, context! { lines => lines }, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => error_page(&page, &s, &e),
    }
}

fn attachment(content_type: &str, name: &str, body: String) -> Response {
    crate::attachment(content_type, name, body.into_bytes())
}

async fn template_csv(PageUser(_): PageUser) -> Response {
    attachment(
        "text/csv; charset=utf-8",
        "contrats-modele.csv",
        contracts::csv_import::template(),
    )
}

async fn export_csv(State(s): State<WebState>, client: Client, csrf: CsrfToken, PageUser(p): PageUser) -> Response {
    let page = page(&client, &csrf, "/contracts", &p);
    let Some(account) = account_of(&p) else {
        return forbidden(&page, &s, "account_required");
    };
    match s.app.export_contracts_csv(account).await {
        Ok(csv) => attachment("text/csv; charset=utf-8", "contrats.csv", csv),
        Err(e) => error_page(&page, &s, &e),
    }
}

async fn export_json(State(s): State<WebState>, client: Client, csrf: CsrfToken, PageUser(p): PageUser) -> Response {
    let page = page(&client, &csrf, "/contracts", &p);
    let Some(account) = account_of(&p) else {
        return forbidden(&page, &s, "account_required");
    };
    match s.app.contracts(account, &ListQuery::default()).await {
        Ok((_, list)) => {
            let body: Vec<_> = list
                .iter()
                .map(crate::api::contracts::ContractBody::from_view)
                .collect();
            attachment(
                "application/json",
                "contrats.json",
                serde_json::to_string_pretty(&body).unwrap_or_default(),
            )
        }
        Err(e) => error_page(&page, &s, &e),
    }
}

// ---- Settings and calendar ----

async fn settings_view(s: &WebState, page: &Page, account: AccountId, extra: Value, status: StatusCode) -> Response {
    match s.app.contract_settings(account).await {
        Ok(st) => {
            let form = context! {
                alsace_moselle => st.alsace_moselle, holder_kind => st.holder_kind.code(),
                lead_days => st.lead_days.iter().map(u16::to_string).collect::<Vec<_>>().join(", "),
                weekly_digest => st.weekly_digest,
            };
            let html = page.render(
                s,
                "contracts_settings.html",
                context! {
                    form => form, errors => Errors::new(),
                    calendar_since => st.calendar_since.map(|t| app::human_time(t, page.lang)),
                    ..extra
                },
            );
            (status, html).into_response()
        }
        Err(e) => error_page(page, s, &e),
    }
}

async fn settings_page(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let page = page(&client, &csrf, "/contracts/settings", &p).notice(q.key());
    let Some(account) = admin_account(&p) else {
        return forbidden(&page, &s, "admin_required");
    };
    settings_view(&s, &page, account, context! {}, StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SettingsForm {
    alsace_moselle: Option<String>,
    holder_kind: String,
    lead_days: String,
    weekly_digest: Option<String>,
}

async fn save_settings(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    CsrfForm(form): CsrfForm<SettingsForm>,
) -> Response {
    let page = page(&client, &csrf, "/contracts/settings", &p);
    let Some(account) = admin_account(&p) else {
        return forbidden(&page, &s, "admin_required");
    };
    let input = app::contracts::SettingsInput {
        alsace_moselle: form.alsace_moselle.is_some(),
        holder_kind: form.holder_kind.clone(),
        lead_days: form.lead_days.clone(),
        weekly_digest: form.weekly_digest.is_some(),
    };
    match s.app.set_contract_settings(account, input, &client.actor(&p)).await {
        Ok(_) => see_other("/contracts/settings?notice=notice.contract_settings_saved"),
        Err(e) => {
            let (errors, error) = form_failure(page.lang, &e);
            let typed = context! {
                alsace_moselle => form.alsace_moselle.is_some(), holder_kind => form.holder_kind,
                lead_days => form.lead_days, weekly_digest => form.weekly_digest.is_some(),
            };
            settings_view(
                &s,
                &page,
                account,
                context! { form => typed, errors => errors, error => error },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

async fn renew_calendar(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    CsrfForm(_): CsrfForm<BTreeMap<String, String>>,
) -> Response {
    let page = page(&client, &csrf, "/contracts/settings", &p).notice(Some("notice.calendar_created"));
    let Some(account) = admin_account(&p) else {
        return forbidden(&page, &s, "admin_required");
    };
    match s.app.renew_calendar_token(account, &client.actor(&p)).await {
        Ok(token) => {
            let url = s.app.link(&format!("/calendar/{token}.ics"));
            settings_view(
                &s,
                &page,
                account,
                context! { calendar_url => url },
                StatusCode::CREATED,
            )
            .await
        }
        Err(e) => error_page(&page, &s, &e),
    }
}

async fn revoke_calendar(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    CsrfForm(_): CsrfForm<BTreeMap<String, String>>,
) -> Response {
    let page = page(&client, &csrf, "/contracts/settings", &p);
    let Some(account) = admin_account(&p) else {
        return forbidden(&page, &s, "admin_required");
    };
    match s.app.revoke_calendar_token(account, &client.actor(&p)).await {
        Ok(()) => see_other("/contracts/settings?notice=notice.calendar_revoked"),
        Err(e) => error_page(&page, &s, &e),
    }
}

/// The secret feed (no session: calendar applications fetch it). Unknown or revoked: 404.
async fn calendar_feed(State(s): State<WebState>, client: Client, Path(file): Path<String>) -> Response {
    let Some(token) = file.strip_suffix(".ics") else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    match s.app.calendar_feed(token, client.lang).await {
        Ok(ics) => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CACHE_CONTROL, "private, max-age=300"),
            ],
            ics,
        )
            .into_response(),
        Err(app::AppError::NotFound) => (StatusCode::NOT_FOUND, "not found").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "calendar feed");
            (StatusCode::INTERNAL_SERVER_ERROR, "error").into_response()
        }
    }
}

// ---- Terms assist ----

async fn assist_page(State(s): State<WebState>, client: Client, csrf: CsrfToken, PageUser(p): PageUser) -> Response {
    let page = page(&client, &csrf, "/contracts/assist", &p);
    if account_of(&p).is_none() {
        return forbidden(&page, &s, "account_required");
    }
    page.render(&s, "contracts_assist.html", context! { text => "" })
        .into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AssistForm {
    text: String,
}

/// What was found, for people: the value and the sentence it came from.
fn findings(p: &contracts::Proposal, lang: Lang) -> Vec<Value> {
    use contracts::assist::{NoticeValue, TermValue};
    let m = |k: &str| crate::i18n::message(lang, k).to_string();
    let mut out = Vec::new();
    for f in &p.term {
        let v = match f.value {
            TermValue::Months(n) => contracts::Notice::Months(n).describe(lang),
            TermValue::Indefinite => m("ctr.renewal.open_ended"),
        };
        out.push(context! { what => m("ctr.f_term_months"), value => v, sentence => f.sentence.clone() });
    }
    for f in &p.renewal {
        out.push(
            context! { what => m("ctr.f_renewal"), value => m("ctr.renewal.tacit"), sentence => f.sentence.clone() },
        );
    }
    for f in &p.notice {
        let v = match f.value {
            NoticeValue::Days(n) => contracts::Notice::Days(n).describe(lang),
            NoticeValue::Months(n) => contracts::Notice::Months(n).describe(lang),
            NoticeValue::Hours(h) => format!("{h} h"),
            NoticeValue::BeforeDayOfMonth(d) => format!("< {d}"),
        };
        out.push(context! { what => m("ctr.f_notice"), value => v, sentence => f.sentence.clone() });
    }
    for f in &p.ways {
        out.push(context! { what => m("ctr.f_ways"), value => f.value.label(lang), sentence => f.sentence.clone() });
    }
    for f in &p.price {
        let v = format!(
            "{} · {}",
            money(f.value.amount_minor, &f.value.currency),
            m(&format!("ctr.period.{}", f.value.period.code()))
        );
        out.push(context! { what => m("ctr.price"), value => v, sentence => f.sentence.clone() });
    }
    out
}

/// The best guesses as the form's fields, starting today, for the person to confirm or correct.
pub fn proposed_fields(p: &contracts::Proposal, today: jiff::civil::Date) -> ContractFields {
    let draft = p.draft(today);
    let mut f: ContractFields = COLUMNS.iter().map(|c| (c.to_string(), String::new())).collect();
    let mut set = |k: &str, v: String| {
        f.insert(k.to_string(), v);
    };
    set("start_date", today.to_string());
    set(
        "term_months",
        draft.term_months.map(|t| t.to_string()).unwrap_or_default(),
    );
    match draft.renewal {
        contracts::Renewal::Tacit { months } => {
            set("renewal", "tacit".into());
            set("renewal_months", months.to_string());
        }
        other => set("renewal", other.code().into()),
    }
    match draft.notice {
        contracts::Notice::Days(n) => {
            set("notice", n.to_string());
            set("notice_unit", "days".into());
        }
        contracts::Notice::Months(n) => {
            set("notice", n.to_string());
            set("notice_unit", "months".into());
        }
    }
    set(
        "ways",
        draft.ways.iter().map(|w| w.way.code()).collect::<Vec<_>>().join("|"),
    );
    if let Some(price) = p.price.first() {
        set("price", format_amount(price.value.amount_minor));
        set("currency", price.value.currency.clone());
        set("billing_period", price.value.period.code().into());
    } else {
        set("currency", "EUR".into());
    }
    f
}

async fn assist(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    CsrfForm(form): CsrfForm<AssistForm>,
) -> Response {
    let page = page(&client, &csrf, "/contracts/assist", &p);
    let Some(account) = account_of(&p) else {
        return forbidden(&page, &s, "account_required");
    };
    if form.text.trim().is_empty() {
        let errors = Errors::from([(
            "text".to_string(),
            crate::i18n::message(page.lang, "required").to_string(),
        )]);
        let html = page.render(&s, "contracts_assist.html", context! { text => "", errors => errors });
        return (StatusCode::UNPROCESSABLE_ENTITY, html).into_response();
    }
    let today = match s.app.now_for(Some(account)).await {
        Ok(now) => kernel::clock::paris_date(now),
        Err(e) => return error_page(&page, &s, &e),
    };
    let proposal = contracts::propose(&form.text);
    let fields = proposed_fields(&proposal, today);
    let found = findings(&proposal, page.lang);
    form_view_with(
        &s,
        &page,
        "/contracts",
        &fields,
        Errors::new(),
        None,
        StatusCode::OK,
        context! { proposal => found, assisted => true },
    )
}
