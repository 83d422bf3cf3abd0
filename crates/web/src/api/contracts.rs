//! The contracts module over the API (CLOG-SERVICE, CTR-*): the register, a contract with its
//! deadlines explained, documents, the termination letter and its steps, the dashboard, CSV
//! import and export, settings and the calendar feed. Another account's id is 404.

use super::{ApiJson, ApiQuery, admin_account, created, e, ok, parse};
use crate::WebState;
use crate::auth::{ApiUser, Client};
use crate::error::{ApiError, FieldProblem};
use app::auth::Principal;
use app::contracts::{ContractFields, ContractView, ListQuery, key_date, yearly_minor};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use contracts::{Category, ContractId, Exit};
use kernel::{AccountId, FileId, Lang};
use serde::{Deserialize, Serialize};
use store::contracts::{Contract, ContractStatus};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

fn account_of(p: &Principal) -> Result<AccountId, ApiError> {
    p.user
        .account_id
        .ok_or_else(|| ApiError::new(StatusCode::FORBIDDEN, "account_required", None, p.user.lang))
}

#[derive(Serialize, ToSchema)]
pub struct CounterpartyBody {
    name: String,
    siren: Option<String>,
    registered_office: Option<String>,
    contact: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PriceBody {
    /// In minor units (cents).
    amount_minor: i64,
    currency: String,
    /// `monthly`, `quarterly`, `yearly` or `once`.
    period: String,
}

#[derive(Serialize, ToSchema)]
pub struct DeadlinesBody {
    /// The day they are computed for (the account's today, YYYY-MM-DD).
    today: String,
    /// `not_started`, `in_term`, `open_ended` or `ended`.
    status: String,
    /// The current term's end (its renewal date).
    term_end: Option<String>,
    /// The last day a termination must be received.
    last_day: Option<String>,
    /// The earliest send-by date over the accepted ways.
    send_by: Option<String>,
    /// `deadline`, `any_time`, `ends_by_itself` or `ended`.
    exit: String,
    /// How each date was computed, one sentence per date, in the caller's language.
    explanation: String,
}

#[derive(Serialize, ToSchema)]
pub struct LetterStepsBody {
    way: Option<String>,
    sent_on: Option<String>,
    delivered_on: Option<String>,
    /// The day the contract ends after the termination sent.
    ends_on: Option<String>,
    terminated_on: Option<String>,
    proof_file_id: Option<String>,
}

/// A contract of the register with its deadlines on the account's today.
#[derive(Serialize, ToSchema)]
pub struct ContractBody {
    id: String,
    reference: String,
    counterparty: CounterpartyBody,
    /// `software`, `telecom`, `lease`, `insurance`, `energy` or `other`.
    category: String,
    start_date: String,
    term_months: u16,
    /// `tacit`, `open_ended` or `ends`.
    renewal: String,
    renewal_months: Option<u16>,
    notice: u16,
    /// `days` or `months`.
    notice_unit: String,
    /// Accepted ways to terminate (`registered_letter`, `email`, `online_form`, `in_app`).
    ways: Vec<String>,
    /// Working days a registered letter takes to arrive (CTR-SEND-BY), when the contract
    /// accepts registered letters.
    letter_transit_days: Option<u8>,
    price: Option<PriceBody>,
    /// Yearly cost in minor units (0 for one-off or no price).
    yearly_minor: i64,
    owner: Option<String>,
    tags: Vec<String>,
    notes: String,
    /// `active`, `sent`, `delivered` or `terminated`.
    status: String,
    letter: LetterStepsBody,
    supplier_notice_on: Option<String>,
    deadlines: DeadlinesBody,
    created_at: String,
    updated_at: String,
}

impl ContractBody {
    pub fn from_view(v: &ContractView) -> ContractBody {
        ContractBody::new(&v.contract, &v.deadlines, Lang::Fr)
    }

    fn new(c: &Contract, d: &contracts::Deadlines, lang: Lang) -> ContractBody {
        let r = &c.record;
        let t = &r.terms;
        let (notice, notice_unit) = match t.notice() {
            contracts::Notice::Days(n) => (n, "days"),
            contracts::Notice::Months(n) => (n, "months"),
        };
        ContractBody {
            id: c.id.to_string(),
            reference: r.reference.clone(),
            counterparty: CounterpartyBody {
                name: r.counterparty.name.clone(),
                siren: r.counterparty.siren.as_ref().map(|s| s.as_str().to_string()),
                registered_office: r.counterparty.registered_office.clone(),
                contact: r.counterparty.contact.clone(),
            },
            category: r.category.code().into(),
            start_date: t.start().to_string(),
            term_months: t.term_months(),
            renewal: t.renewal().code().into(),
            renewal_months: match t.renewal() {
                contracts::Renewal::Tacit { months } => Some(months),
                _ => None,
            },
            notice,
            notice_unit: notice_unit.into(),
            ways: t.ways().iter().map(|w| w.way.code().to_string()).collect(),
            letter_transit_days: t
                .way(contracts::SendingWay::RegisteredLetter)
                .map(|w| w.transit_working_days),
            price: r.price.as_ref().map(|p| PriceBody {
                amount_minor: p.amount_minor,
                currency: p.currency.clone(),
                period: p.period.code().into(),
            }),
            yearly_minor: yearly_minor(r),
            owner: r.owner.clone(),
            tags: r.tags.clone(),
            notes: r.notes.clone(),
            status: c.status.code().into(),
            letter: LetterStepsBody {
                way: c.letter_way.map(|w| w.code().to_string()),
                sent_on: c.sent_on.map(|x| x.to_string()),
                delivered_on: c.delivered_on.map(|x| x.to_string()),
                ends_on: c.ends_on.map(|x| x.to_string()),
                terminated_on: c.terminated_on.map(|x| x.to_string()),
                proof_file_id: c.proof_file_id.map(|x| x.to_string()),
            },
            supplier_notice_on: c.supplier_notice_on.map(|x| x.to_string()),
            deadlines: DeadlinesBody {
                today: d.today.to_string(),
                status: match d.status {
                    contracts::Status::NotStarted => "not_started",
                    contracts::Status::InTerm { .. } => "in_term",
                    contracts::Status::OpenEnded => "open_ended",
                    contracts::Status::Ended => "ended",
                }
                .into(),
                term_end: d.term_end.map(|x| x.date.to_string()),
                last_day: d.last_day().map(|x| x.to_string()),
                send_by: key_date(d)
                    .filter(|_| d.earliest_send_by().is_some())
                    .map(|x| x.to_string()),
                exit: match d.exit {
                    Exit::Deadline { .. } => "deadline",
                    Exit::AnyTime { .. } => "any_time",
                    Exit::EndsByItself { .. } => "ends_by_itself",
                    Exit::Ended { .. } => "ended",
                }
                .into(),
                explanation: d.explain(lang),
            },
            created_at: c.created_at.to_string(),
            updated_at: c.updated_at.to_string(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DocumentBody {
    id: String,
    file_name: String,
    content_type: String,
    size_bytes: i64,
    uploaded_at: String,
    /// Where to download it.
    href: String,
    /// What became of its text: `indexed` (read from the PDF; the contract is found by its
    /// words), `empty` (a PDF without text, a scan for instance), `unreadable` (a PDF whose text
    /// could not be read), `image` (images are not read: no character recognition) or
    /// `not_read` (attached before documents were read).
    #[schema(example = "indexed")]
    text_status: String,
    /// Characters of its text kept for the search.
    text_chars: i64,
}

fn document_body(contract: ContractId, d: &store::contracts::ContractDocument) -> DocumentBody {
    let m = &d.meta;
    DocumentBody {
        id: m.id.to_string(),
        file_name: m.file_name.clone(),
        content_type: m.content_type.clone(),
        size_bytes: m.size_bytes,
        uploaded_at: m.uploaded_at.to_string(),
        href: format!("/api/v1/contracts/{contract}/documents/{}", m.id),
        text_status: d.text_status.code().to_string(),
        text_chars: d.text_chars,
    }
}

/// A contract with its documents, CTR-CHATEL and its termination.
#[derive(Serialize, ToSchema)]
pub struct ContractDetailBody {
    contract: ContractBody,
    documents: Vec<DocumentBody>,
    /// For a non-professional holder: what CTR-CHATEL says.
    chatel: Option<String>,
    /// What the termination sent does (too late or not).
    letter_effect: Option<String>,
    /// True when the termination sent arrives after the last day.
    letter_too_late: bool,
}

/// A contract's fields, named as the CSV template's columns.
#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct ContractInput {
    reference: String,
    counterparty_name: String,
    /// Nine digits; its check digit is verified.
    counterparty_siren: String,
    /// The registered office the letter is addressed to.
    counterparty_address: String,
    counterparty_contact: String,
    /// `software`, `telecom`, `lease`, `insurance`, `energy` or `other`.
    category: String,
    /// YYYY-MM-DD.
    start_date: String,
    term_months: String,
    /// YYYY-MM-DD, instead of `term_months`: the last day of the initial term.
    end_date: String,
    /// `tacit`, `open_ended` or `ends`.
    renewal: String,
    renewal_months: String,
    notice: String,
    /// `days` or `months`.
    notice_unit: String,
    /// `registered_letter`, `email`, `online_form`, `in_app`; `registered_letter:5` sets the transit in working days.
    ways: Vec<String>,
    /// A decimal amount (`49.90`).
    price: String,
    currency: String,
    /// `monthly`, `quarterly`, `yearly` or `once`.
    billing_period: String,
    owner: String,
    tags: Vec<String>,
    notes: String,
    /// When the supplier sent its L215-1 notice for the latest renewal (YYYY-MM-DD).
    supplier_notice_on: String,
    /// Working days a registered letter takes to arrive, 0 to 15 (empty: 3, or what `ways`
    /// says); the send-by date allows for it. Ignored unless `ways` has `registered_letter`.
    letter_transit_days: String,
}

impl ContractInput {
    fn fields(self) -> ContractFields {
        let pairs = [
            ("reference", self.reference),
            ("counterparty_name", self.counterparty_name),
            ("counterparty_siren", self.counterparty_siren),
            ("counterparty_address", self.counterparty_address),
            ("counterparty_contact", self.counterparty_contact),
            ("category", self.category),
            ("start_date", self.start_date),
            ("term_months", self.term_months),
            ("end_date", self.end_date),
            ("renewal", self.renewal),
            ("renewal_months", self.renewal_months),
            ("notice", self.notice),
            ("notice_unit", self.notice_unit),
            ("ways", self.ways.join("|")),
            ("price", self.price),
            ("currency", self.currency),
            ("billing_period", self.billing_period),
            ("owner", self.owner),
            ("tags", self.tags.join("|")),
            ("notes", self.notes),
            ("supplier_notice_on", self.supplier_notice_on),
            (app::contracts::LETTER_TRANSIT_DAYS, self.letter_transit_days),
        ];
        pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct ListParams {
    /// `active`, `sent`, `delivered` or `terminated`.
    status: Option<String>,
    category: Option<String>,
    /// Words to find in the counterparty, reference, notes, tags or owner.
    q: Option<String>,
    /// Only contracts whose send-by date (or end) falls within this many days.
    due_within_days: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/contracts", tag = "contracts", security(("bearer" = [])), params(ListParams),
    responses((status = 200, body = Vec<ContractBody>), (status = 403, body = crate::error::Problem)))]
async fn list_contracts(
    State(s): State<WebState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<ListParams>,
) -> Result<Response, ApiError> {
    let account = account_of(&p)?;
    let lang = p.user.lang;
    let query = ListQuery {
        status: q.status.as_deref().and_then(ContractStatus::parse),
        category: q.category.as_deref().and_then(|c| Category::parse("category", c).ok()),
        search: q.q,
        due_within_days: q.due_within_days,
    };
    let (_, list) = s.app.contracts(account, &query).await.map_err(e(lang))?;
    let body: Vec<ContractBody> = list
        .iter()
        .map(|v| ContractBody::new(&v.contract, &v.deadlines, lang))
        .collect();
    Ok(ok(body))
}

#[utoipa::path(post, path = "/api/v1/contracts", tag = "contracts", security(("bearer" = [])), request_body = ContractInput,
    responses((status = 201, body = ContractBody), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn create_contract(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    ApiJson(body): ApiJson<ContractInput>,
) -> Result<Response, ApiError> {
    let account = account_of(&p)?;
    let lang = p.user.lang;
    let c = s
        .app
        .create_contract(account, &body.fields(), &client.actor(&p))
        .await
        .map_err(e(lang))?;
    let d = s.app.contract(account, c.id).await.map_err(e(lang))?;
    Ok(created(ContractBody::new(&d.view.contract, &d.view.deadlines, lang)))
}

#[utoipa::path(get, path = "/api/v1/contracts/{id}", tag = "contracts", security(("bearer" = [])),
    params(("id" = String, Path, description = "The contract's id")),
    responses((status = 200, body = ContractDetailBody), (status = 404, body = crate::error::Problem)))]
async fn get_contract(
    State(s): State<WebState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let account = account_of(&p)?;
    let lang = p.user.lang;
    let id: ContractId = parse(&id, lang)?;
    let d = s.app.contract(account, id).await.map_err(e(lang))?;
    Ok(ok(ContractDetailBody {
        contract: ContractBody::new(&d.view.contract, &d.view.deadlines, lang),
        documents: d.documents.iter().map(|m| document_body(id, m)).collect(),
        chatel: d.chatel.as_ref().map(|c| c.explain(lang)),
        letter_effect: d.letter.as_ref().map(|l| l.explain(lang)),
        letter_too_late: d
            .letter
            .as_ref()
            .is_some_and(|l| matches!(l.outcome, contracts::LetterOutcome::TooLate { .. })),
    }))
}

#[utoipa::path(put, path = "/api/v1/contracts/{id}", tag = "contracts", security(("bearer" = [])), request_body = ContractInput,
    params(("id" = String, Path, description = "The contract's id")),
    responses((status = 200, body = ContractBody), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn update_contract(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ContractInput>,
) -> Result<Response, ApiError> {
    let account = account_of(&p)?;
    let lang = p.user.lang;
    let id: ContractId = parse(&id, lang)?;
    s.app
        .update_contract(account, id, &body.fields(), &client.actor(&p))
        .await
        .map_err(e(lang))?;
    let d = s.app.contract(account, id).await.map_err(e(lang))?;
    Ok(ok(ContractBody::new(&d.view.contract, &d.view.deadlines, lang)))
}

#[utoipa::path(delete, path = "/api/v1/contracts/{id}", tag = "contracts", security(("bearer" = [])),
    params(("id" = String, Path, description = "The contract's id")),
    responses((status = 204, description = "Deleted with its documents"), (status = 404, body = crate::error::Problem)))]
async fn delete_contract(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let account = account_of(&p)?;
    let lang = p.user.lang;
    let id: ContractId = parse(&id, lang)?;
    s.app
        .delete_contract(account, id, &client.actor(&p))
        .await
        .map_err(e(lang))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentParams {
    /// The document's file name, kept for downloads.
    file_name: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/contracts/{id}/documents", tag = "contracts", security(("bearer" = [])),
    params(("id" = String, Path, description = "The contract's id"), DocumentParams),
    request_body(content = Vec<u8>, description = "The document's bytes: PDF, PNG or JPEG (recognised from the bytes), 5 MB at most", content_type = "application/octet-stream"),
    responses((status = 201, body = DocumentBody), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn add_document(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DocumentParams>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let account = account_of(&p)?;
    let lang = p.user.lang;
    let id: ContractId = parse(&id, lang)?;
    let upload = app::contracts::DocumentUpload {
        file_name: q.file_name.unwrap_or_default(),
        content: body.to_vec(),
    };
    let doc = s
        .app
        .add_contract_document(account, id, upload, &client.actor(&p))
        .await
        .map_err(e(lang))?;
    Ok(created(document_body(id, &doc)))
}

#[utoipa::path(get, path = "/api/v1/contracts/{id}/documents/{file_id}", tag = "contracts", security(("bearer" = [])),
    params(("id" = String, Path, description = "The contract's id"), ("file_id" = String, Path, description = "The document's id")),
    responses((status = 200, description = "The document, with the type its bytes were recognised as",
        content((Vec<u8> = "application/pdf"), (Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"))),
        (status = 404, body = crate::error::Problem)))]
async fn get_document(
    State(s): State<WebState>,
    ApiUser(p): ApiUser,
    Path((id, file_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let account = account_of(&p)?;
    let lang = p.user.lang;
    let id: ContractId = parse(&id, lang)?;
    let file_id: FileId = parse(&file_id, lang)?;
    let (meta, bytes) = s.app.contract_document(account, id, file_id).await.map_err(e(lang))?;
    Ok(crate::download(&meta, bytes))
}

#[utoipa::path(delete, path = "/api/v1/contracts/{id}/documents/{file_id}", tag = "contracts", security(("bearer" = [])),
    params(("id" = String, Path, description = "The contract's id"), ("file_id" = String, Path, description = "The document's id")),
    responses((status = 204, description = "Deleted; its bytes no longer count in the account's storage"),
        (status = 404, body = crate::error::Problem)))]
async fn delete_document(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path((id, file_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let account = account_of(&p)?;
    let lang = p.user.lang;
    let id: ContractId = parse(&id, lang)?;
    let file_id: FileId = parse(&file_id, lang)?;
    s.app
        .delete_contract_document(account, id, file_id, &client.actor(&p))
        .await
        .map_err(e(lang))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LetterParams {
    /// The way of sending (one the contract accepts); default its first.
    way: Option<String>,
    /// The day it is sent (YYYY-MM-DD); default the account's today.
    sent_on: Option<String>,
    /// `fr` or `en`; default the caller's language.
    lang: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/contracts/{id}/letter", tag = "contracts", security(("bearer" = [])),
    params(("id" = String, Path, description = "The contract's id"), LetterParams),
    responses((status = 200, description = "The termination letter (CTR-LETTER)", content((Vec<u8> = "application/pdf"))),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn get_letter(
    State(s): State<WebState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<LetterParams>,
) -> Result<Response, ApiError> {
    let account = account_of(&p)?;
    let lang = p.user.lang;
    let id: ContractId = parse(&id, lang)?;
    let letter_lang = q.lang.as_deref().and_then(Lang::from_code).unwrap_or(lang);
    let (_, bytes) = s
        .app
        .termination_letter(
            account,
            id,
            q.way.as_deref().unwrap_or(""),
            q.sent_on.as_deref(),
            letter_lang,
            &p.user.name,
        )
        .await
        .map_err(e(lang))?;
    Ok(crate::pages::contracts::pdf_response(
        &format!("{}-{id}.pdf", crate::pages::contracts::letter_name(letter_lang)),
        bytes,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StepParams {
    /// `sent`, `delivered` or `terminated`.
    step: String,
    /// The day of the step (YYYY-MM-DD), not after today.
    on: String,
    /// For `sent`: the way it was sent.
    way: Option<String>,
    /// For `delivered`: the proof's file name.
    file_name: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/contracts/{id}/steps", tag = "contracts", security(("bearer" = [])),
    params(("id" = String, Path, description = "The contract's id"), StepParams),
    request_body(content = Vec<u8>, description = "For `delivered`: the proof of delivery (PDF, PNG or JPEG, 5 MB at most); empty otherwise", content_type = "application/octet-stream"),
    responses((status = 200, body = ContractBody), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn record_step(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<StepParams>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let account = account_of(&p)?;
    let lang = p.user.lang;
    let id: ContractId = parse(&id, lang)?;
    let input = app::contracts::StepInput {
        step: q.step,
        on: q.on,
        way: q.way.unwrap_or_default(),
    };
    let proof = (!body.is_empty()).then(|| app::contracts::DocumentUpload {
        file_name: q.file_name.unwrap_or_default(),
        content: body.to_vec(),
    });
    s.app
        .record_contract_step(account, id, input, proof, &client.actor(&p))
        .await
        .map_err(e(lang))?;
    let d = s.app.contract(account, id).await.map_err(e(lang))?;
    Ok(ok(ContractBody::new(&d.view.contract, &d.view.deadlines, lang)))
}

#[derive(Serialize, ToSchema)]
pub struct AmountBody {
    label: String,
    /// Yearly, in minor units.
    amount_minor: i64,
}

#[derive(Serialize, ToSchema)]
pub struct StatusCountBody {
    status: String,
    count: usize,
}

#[derive(Serialize, ToSchema)]
pub struct DashboardBody {
    today: String,
    /// Send-by dates or ends within 90 days, soonest first.
    due: Vec<ContractBody>,
    by_status: Vec<StatusCountBody>,
    spend_by_category: Vec<AmountBody>,
    spend_by_counterparty: Vec<AmountBody>,
}

#[utoipa::path(get, path = "/api/v1/contracts/dashboard", tag = "contracts", security(("bearer" = [])),
    responses((status = 200, body = DashboardBody), (status = 403, body = crate::error::Problem)))]
async fn dashboard(State(s): State<WebState>, ApiUser(p): ApiUser) -> Result<Response, ApiError> {
    let account = account_of(&p)?;
    let lang = p.user.lang;
    let d = s.app.contracts_dashboard(account).await.map_err(e(lang))?;
    Ok(ok(DashboardBody {
        today: d.today.to_string(),
        due: d
            .due
            .iter()
            .map(|v| ContractBody::new(&v.contract, &v.deadlines, lang))
            .collect(),
        by_status: d
            .by_status
            .iter()
            .map(|(st, n)| StatusCountBody {
                status: st.code().into(),
                count: *n,
            })
            .collect(),
        spend_by_category: d
            .spend_by_category
            .iter()
            .map(|(c, v)| AmountBody {
                label: c.code().into(),
                amount_minor: *v,
            })
            .collect(),
        spend_by_counterparty: d
            .spend_by_counterparty
            .iter()
            .map(|(c, v)| AmountBody {
                label: c.clone(),
                amount_minor: *v,
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ImportedBody {
    imported: usize,
}

#[utoipa::path(post, path = "/api/v1/contracts/import", tag = "contracts", security(("bearer" = [])),
    request_body(content = String, description = "A CSV file in the template's columns (GET /api/v1/contracts/template.csv); all or nothing", content_type = "text/csv"),
    responses((status = 201, body = ImportedBody), (status = 403, body = crate::error::Problem),
        (status = 422, description = "Every faulty value, as `line N: column` in `errors`", body = crate::error::Problem)))]
async fn import_csv(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let account = account_of(&p)?;
    let lang = p.user.lang;
    let Ok(text) = std::str::from_utf8(&body) else {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "csv_encoding",
            Some("file"),
            lang,
        ));
    };
    match s
        .app
        .import_contracts(account, text, &client.actor(&p))
        .await
        .map_err(e(lang))?
    {
        Ok(n) => Ok(created(ImportedBody { imported: n })),
        Err(errors) => {
            let mut err = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "csv_invalid", Some("file"), lang);
            err.problem.errors = errors
                .0
                .iter()
                .map(|l| FieldProblem {
                    field: format!("line {}: {}", l.line, l.field),
                    code: l.code.to_string(),
                    message: crate::i18n::message(lang, l.code).to_string(),
                })
                .collect();
            Err(err)
        }
    }
}

#[utoipa::path(get, path = "/api/v1/contracts/template.csv", tag = "contracts", security(("bearer" = [])),
    responses((status = 200, description = "The import template: header and an example line", content((String = "text/csv")))))]
async fn template(ApiUser(p): ApiUser) -> Response {
    let _ = p;
    (
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        contracts::csv_import::template(),
    )
        .into_response()
}

#[utoipa::path(get, path = "/api/v1/contracts/export.csv", tag = "contracts", security(("bearer" = [])),
    responses((status = 200, description = "Every contract in the template's columns", content((String = "text/csv"))),
        (status = 403, body = crate::error::Problem)))]
async fn export(State(s): State<WebState>, ApiUser(p): ApiUser) -> Result<Response, ApiError> {
    let account = account_of(&p)?;
    let csv = s.app.export_contracts_csv(account).await.map_err(e(p.user.lang))?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct SettingsBody {
    alsace_moselle: bool,
    /// `professional`, `association` or `co_ownership`.
    holder_kind: String,
    lead_days: Vec<u16>,
    weekly_digest: bool,
    /// When the calendar feed was made; absent when there is none.
    calendar_since: Option<String>,
}

impl From<&store::contracts::ContractSettings> for SettingsBody {
    fn from(s: &store::contracts::ContractSettings) -> SettingsBody {
        SettingsBody {
            alsace_moselle: s.alsace_moselle,
            holder_kind: s.holder_kind.code().into(),
            lead_days: s.lead_days.clone(),
            weekly_digest: s.weekly_digest,
            calendar_since: s.calendar_since.map(|t| t.to_string()),
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct SettingsInputBody {
    alsace_moselle: bool,
    /// `professional`, `association` or `co_ownership`.
    holder_kind: String,
    /// Days before the send-by date (1 to 366), at most 8.
    lead_days: Vec<u16>,
    weekly_digest: bool,
}

#[utoipa::path(get, path = "/api/v1/contracts/settings", tag = "contracts", security(("bearer" = [])),
    responses((status = 200, body = SettingsBody), (status = 403, body = crate::error::Problem)))]
async fn get_settings(State(s): State<WebState>, ApiUser(p): ApiUser) -> Result<Response, ApiError> {
    let account = account_of(&p)?;
    let st = s.app.contract_settings(account).await.map_err(e(p.user.lang))?;
    Ok(ok(SettingsBody::from(&st)))
}

#[utoipa::path(put, path = "/api/v1/contracts/settings", tag = "contracts", security(("bearer" = [])), request_body = SettingsInputBody,
    responses((status = 200, body = SettingsBody), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn put_settings(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    ApiJson(body): ApiJson<SettingsInputBody>,
) -> Result<Response, ApiError> {
    let account = admin_account(&p)?;
    let input = app::contracts::SettingsInput {
        alsace_moselle: body.alsace_moselle,
        holder_kind: body.holder_kind,
        lead_days: body.lead_days.iter().map(u16::to_string).collect::<Vec<_>>().join(","),
        weekly_digest: body.weekly_digest,
    };
    let st = s
        .app
        .set_contract_settings(account, input, &client.actor(&p))
        .await
        .map_err(e(p.user.lang))?;
    Ok(ok(SettingsBody::from(&st)))
}

#[derive(Serialize, ToSchema)]
pub struct CalendarBody {
    /// The secret feed URL, shown once; a new one revokes the previous.
    url: String,
}

#[utoipa::path(post, path = "/api/v1/contracts/calendar", tag = "contracts", security(("bearer" = [])),
    responses((status = 201, body = CalendarBody), (status = 403, body = crate::error::Problem)))]
async fn renew_calendar(State(s): State<WebState>, client: Client, ApiUser(p): ApiUser) -> Result<Response, ApiError> {
    let account = admin_account(&p)?;
    let token = s
        .app
        .renew_calendar_token(account, &client.actor(&p))
        .await
        .map_err(e(p.user.lang))?;
    Ok(created(CalendarBody {
        url: s.app.link(&format!("/calendar/{token}.ics")),
    }))
}

#[utoipa::path(delete, path = "/api/v1/contracts/calendar", tag = "contracts", security(("bearer" = [])),
    responses((status = 204, description = "The feed no longer answers"), (status = 403, body = crate::error::Problem)))]
async fn revoke_calendar(State(s): State<WebState>, client: Client, ApiUser(p): ApiUser) -> Result<Response, ApiError> {
    let account = admin_account(&p)?;
    s.app
        .revoke_calendar_token(account, &client.actor(&p))
        .await
        .map_err(e(p.user.lang))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct AssistInput {
    /// The contract's text, French or English.
    text: String,
}

#[derive(Serialize, ToSchema)]
pub struct AssistBody {
    /// Every finding per field (`term`, `renewal`, `notice`, `ways`, `price`), each with its
    /// `value`, the `sentence` it came from and that sentence's `lang`; the first is the best guess.
    #[schema(value_type = Object)]
    proposal: serde_json::Value,
    /// The best guesses as a contract's fields (the body of POST /api/v1/contracts, as strings,
    /// `ways` joined by `|`), starting on the account's today: to confirm or correct.
    #[schema(value_type = Object)]
    fields: serde_json::Value,
}

#[utoipa::path(post, path = "/api/v1/contracts/assist", tag = "contracts", security(("bearer" = [])), request_body = AssistInput,
    responses((status = 200, body = AssistBody), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn assist(
    State(s): State<WebState>,
    ApiUser(p): ApiUser,
    ApiJson(body): ApiJson<AssistInput>,
) -> Result<Response, ApiError> {
    let account = account_of(&p)?;
    let lang = p.user.lang;
    if body.text.trim().is_empty() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "required",
            Some("text"),
            lang,
        ));
    }
    let today = kernel::clock::paris_date(s.app.now_for(Some(account)).await.map_err(e(lang))?);
    let proposal = contracts::propose(&body.text);
    let fields = crate::pages::contracts::proposed_fields(&proposal, today);
    Ok(ok(AssistBody {
        proposal: serde_json::to_value(&proposal).unwrap_or_default(),
        fields: serde_json::to_value(&fields).unwrap_or_default(),
    }))
}

pub fn routes() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(list_contracts, create_contract))
        .routes(routes!(dashboard))
        .routes(routes!(assist))
        .routes(routes!(template))
        .routes(routes!(export))
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(renew_calendar, revoke_calendar))
        .routes(routes!(get_contract, update_contract, delete_contract))
        .routes(routes!(get_letter))
        .routes(routes!(get_document, delete_document))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(add_document))
                .routes(routes!(record_step))
                .routes(routes!(import_csv))
                .layer(crate::upload_limit()),
        )
}
