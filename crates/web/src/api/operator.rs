//! Operator staff routes: accounts (administrative data only), outbox, test clocks, terms
//! versions, failed jobs and the platform's audit trail.

use super::account::AuditQuery;
use super::schema::*;
use super::{ApiJson, ApiQuery, created, e, ok, page_params, parse};
use crate::WebState;
use crate::auth::{ApiUser, Client};
use crate::error::ApiError;
use app::auth::Principal;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use kernel::{AccountId, ClockId, EmailId, JobId, Lang};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(list_accounts))
        .routes(routes!(get_account))
        .routes(routes!(end_account))
        .routes(routes!(break_glass))
        .routes(routes!(support_view))
        .routes(routes!(attach_clock))
        .routes(routes!(list_emails))
        .routes(routes!(get_email))
        .routes(routes!(list_clocks, create_clock))
        .routes(routes!(advance_clock))
        .routes(routes!(list_terms, publish_terms))
        .routes(routes!(list_jobs))
        .routes(routes!(retry_job))
        .routes(routes!(platform_audit))
}

pub(super) fn operator(p: &Principal) -> Result<Lang, ApiError> {
    if p.is_operator() {
        Ok(p.user.lang)
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "operator_required",
            None,
            p.user.lang,
        ))
    }
}

#[derive(Serialize, ToSchema)]
pub struct AccountSummaryBody {
    account: AccountBody,
    /// Active users.
    users: i64,
    terms_version: Option<String>,
    /// Support access the customer granted, if any is in force.
    support_access_until: Option<String>,
    /// Whether the registry extract and bank details are on file (INES-KYC).
    kyc_complete: bool,
    /// The registry extract's date of issue.
    registry_issued_on: Option<String>,
    /// The bank account, masked (`FR76 •••• 0189`).
    bank_account: Option<String>,
}

impl From<&app::accounts::AccountSummary> for AccountSummaryBody {
    fn from(s: &app::accounts::AccountSummary) -> Self {
        AccountSummaryBody {
            account: AccountBody::from(&s.account),
            users: s.users,
            terms_version: s.terms_version.clone(),
            support_access_until: s.support_access_until.map(|t| t.to_string()),
            kyc_complete: s.kyc.complete,
            registry_issued_on: s.kyc.registry_issued_on.clone(),
            bank_account: s.kyc.bank_account.clone(),
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// A fragment of the name or SIREN (accounts) or the recipient (emails).
    q: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/operator/accounts", tag = "operator", security(("bearer" = [])), params(ListQuery), responses((status = 200, body = Vec<AccountSummaryBody>), (status = 403, body = crate::error::Problem)))]
async fn list_accounts(
    State(s): State<WebState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let lang = operator(&p)?;
    let (limit, offset) = page_params(q.limit, q.offset);
    let list = s
        .app
        .operator_accounts(q.q.as_deref(), limit, offset)
        .await
        .map_err(e(lang))?;
    Ok(ok(list.iter().map(AccountSummaryBody::from).collect::<Vec<_>>()))
}

#[utoipa::path(get, path = "/api/v1/operator/accounts/{id}", tag = "operator", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 200, body = AccountSummaryBody), (status = 404, body = crate::error::Problem)))]
async fn get_account(
    State(s): State<WebState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let lang = operator(&p)?;
    let summary = s
        .app
        .operator_account(parse::<AccountId>(&id, lang)?)
        .await
        .map_err(e(lang))?;
    Ok(ok(AccountSummaryBody::from(&summary)))
}

#[derive(Deserialize, ToSchema)]
pub struct EndRequest {
    /// The breach, as notified to the customer by email.
    reason: String,
}

#[utoipa::path(post, path = "/api/v1/operator/accounts/{id}/end", tag = "operator", security(("bearer" = [])), params(("id" = String, Path)), request_body = EndRequest,
    responses((status = 200, body = AccountSummaryBody), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn end_account(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EndRequest>,
) -> Result<Response, ApiError> {
    let lang = operator(&p)?;
    let id = parse::<AccountId>(&id, lang)?;
    s.app
        .end_account_for_breach(id, &body.reason, &client.actor(&p))
        .await
        .map_err(e(lang))?;
    let summary = s.app.operator_account(id).await.map_err(e(lang))?;
    Ok(ok(AccountSummaryBody::from(&summary)))
}

#[derive(Deserialize, ToSchema)]
pub struct BreakGlassRequest {
    reason: String,
    /// The legal basis of the official request (e.g. `CPP art. 60-1`).
    legal_reference: String,
    /// 1 to 72 hours.
    hours: i64,
}

#[utoipa::path(post, path = "/api/v1/operator/accounts/{id}/break-glass", tag = "operator", security(("bearer" = [])), params(("id" = String, Path)), request_body = BreakGlassRequest,
    responses((status = 201, body = GrantBody), (status = 422, body = crate::error::Problem)))]
async fn break_glass(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<BreakGlassRequest>,
) -> Result<Response, ApiError> {
    let lang = operator(&p)?;
    let id = parse::<AccountId>(&id, lang)?;
    let g = s
        .app
        .open_break_glass(
            &p,
            id,
            &body.reason,
            &body.legal_reference,
            body.hours,
            &client.actor(&p),
        )
        .await
        .map_err(e(lang))?;
    Ok(created(GrantBody::from(&g)))
}

#[derive(Serialize, ToSchema)]
pub struct SupportViewBody {
    account: AccountBody,
    users: Vec<UserBody>,
    grant: GrantBody,
}

#[utoipa::path(get, path = "/api/v1/operator/accounts/{id}/support-view", tag = "operator", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = SupportViewBody), (status = 403, body = crate::error::Problem)))]
async fn support_view(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let lang = operator(&p)?;
    let id = parse::<AccountId>(&id, lang)?;
    let v = s.app.support_view(&p, id, &client.actor(&p)).await.map_err(e(lang))?;
    Ok(ok(SupportViewBody {
        account: AccountBody::from(&v.account),
        users: v.users.iter().map(UserBody::from).collect(),
        grant: GrantBody::from(&v.grant),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct AttachClock {
    /// The test clock the sandbox account runs on; null for the system clock.
    clock_id: Option<String>,
}

#[utoipa::path(put, path = "/api/v1/operator/accounts/{id}/clock", tag = "operator", security(("bearer" = [])), params(("id" = String, Path)), request_body = AttachClock,
    responses((status = 200, body = AccountSummaryBody), (status = 404, body = crate::error::Problem)))]
async fn attach_clock(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AttachClock>,
) -> Result<Response, ApiError> {
    let lang = operator(&p)?;
    let id = parse::<AccountId>(&id, lang)?;
    let clock = match body.clock_id.as_deref() {
        Some(c) => Some(parse::<ClockId>(c, lang)?),
        None => None,
    };
    s.app
        .attach_clock(id, clock, &client.actor(&p))
        .await
        .map_err(e(lang))?;
    let summary = s.app.operator_account(id).await.map_err(e(lang))?;
    Ok(ok(AccountSummaryBody::from(&summary)))
}

#[derive(Serialize, ToSchema)]
pub struct EmailBody {
    id: String,
    account_id: Option<String>,
    to: String,
    lang: String,
    template: String,
    subject: String,
    body: String,
    /// `queued`, `outbox` (kept, no SMTP configured), `sent` or `failed`.
    status: String,
    error: Option<String>,
    created_at: String,
    sent_at: Option<String>,
}

impl From<&store::emails::StoredEmail> for EmailBody {
    fn from(m: &store::emails::StoredEmail) -> Self {
        EmailBody {
            id: m.id.to_string(),
            account_id: m.account_id.map(|a| a.to_string()),
            to: m.to_addr.clone(),
            lang: m.lang.clone(),
            template: m.template.clone(),
            subject: m.subject.clone(),
            body: m.body_text.clone(),
            status: m.status.clone(),
            error: m.error.clone(),
            created_at: m.created_at.to_string(),
            sent_at: m.sent_at.map(|t| t.to_string()),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/operator/emails", tag = "operator", security(("bearer" = [])), params(ListQuery), responses((status = 200, body = Vec<EmailBody>)))]
async fn list_emails(
    State(s): State<WebState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let lang = operator(&p)?;
    let (limit, offset) = page_params(q.limit, q.offset);
    let to =
        q.q.as_deref()
            .map(|t| t.trim().to_lowercase())
            .filter(|t| !t.is_empty());
    let list = s.app.outbox(to.as_deref(), limit, offset).await.map_err(e(lang))?;
    Ok(ok(list.iter().map(EmailBody::from).collect::<Vec<_>>()))
}

#[utoipa::path(get, path = "/api/v1/operator/emails/{id}", tag = "operator", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 200, body = EmailBody), (status = 404, body = crate::error::Problem)))]
async fn get_email(
    State(s): State<WebState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let lang = operator(&p)?;
    let m = s.app.email(parse::<EmailId>(&id, lang)?).await.map_err(e(lang))?;
    Ok(ok(EmailBody::from(&m)))
}

#[derive(Serialize, ToSchema)]
pub struct ClockBody {
    id: String,
    name: String,
    now: String,
    accounts: i64,
    /// Jobs that ran during the advance (only in the advance response).
    #[serde(skip_serializing_if = "Option::is_none")]
    jobs_run: Option<usize>,
}

impl From<&store::clocks::TestClock> for ClockBody {
    fn from(c: &store::clocks::TestClock) -> Self {
        ClockBody {
            id: c.id.to_string(),
            name: c.name.clone(),
            now: c.now.to_string(),
            accounts: c.accounts,
            jobs_run: None,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/operator/clocks", tag = "operator", security(("bearer" = [])), responses((status = 200, body = Vec<ClockBody>)))]
async fn list_clocks(State(s): State<WebState>, ApiUser(p): ApiUser) -> Result<Response, ApiError> {
    let lang = operator(&p)?;
    let list = s.app.clocks().await.map_err(e(lang))?;
    Ok(ok(list.iter().map(ClockBody::from).collect::<Vec<_>>()))
}

#[derive(Deserialize, ToSchema)]
pub struct CreateClock {
    name: String,
    /// The clock's starting time (RFC 3339 or a date); now when absent.
    start: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/operator/clocks", tag = "operator", security(("bearer" = [])), request_body = CreateClock, responses((status = 201, body = ClockBody), (status = 422, body = crate::error::Problem)))]
async fn create_clock(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    ApiJson(body): ApiJson<CreateClock>,
) -> Result<Response, ApiError> {
    let lang = operator(&p)?;
    let c = s
        .app
        .create_clock(&body.name, body.start.as_deref().unwrap_or(""), &client.actor(&p))
        .await
        .map_err(e(lang))?;
    Ok(created(ClockBody::from(&c)))
}

#[derive(Deserialize, ToSchema)]
pub struct AdvanceClock {
    /// The new time (RFC 3339 or a date); every job due until then runs before the response.
    to: String,
}

#[utoipa::path(post, path = "/api/v1/operator/clocks/{id}/advance", tag = "operator", security(("bearer" = [])), params(("id" = String, Path)), request_body = AdvanceClock,
    responses((status = 200, body = ClockBody), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn advance_clock(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AdvanceClock>,
) -> Result<Response, ApiError> {
    let lang = operator(&p)?;
    let id = parse::<ClockId>(&id, lang)?;
    let (c, n) = s
        .app
        .advance_clock(id, &body.to, &client.actor(&p))
        .await
        .map_err(e(lang))?;
    let mut body = ClockBody::from(&c);
    body.jobs_run = Some(n);
    Ok(ok(body))
}

#[utoipa::path(get, path = "/api/v1/operator/terms", tag = "operator", security(("bearer" = [])), responses((status = 200, body = Vec<TermsBody>)))]
async fn list_terms(State(s): State<WebState>, ApiUser(p): ApiUser) -> Result<Response, ApiError> {
    let lang = operator(&p)?;
    let list = s.app.terms_versions().await.map_err(e(lang))?;
    Ok(ok(list.iter().map(TermsBody::from).collect::<Vec<_>>()))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct PublishTerms {
    version: String,
    /// Markdown.
    body_md: String,
    /// RFC 3339 or a date (midnight, Paris time).
    effective_at: String,
}

#[utoipa::path(post, path = "/api/v1/operator/terms", tag = "operator", security(("bearer" = [])), request_body = PublishTerms,
    responses((status = 201, body = TermsBody), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn publish_terms(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    ApiJson(body): ApiJson<app::terms::PublishTermsInput>,
) -> Result<Response, ApiError> {
    let lang = operator(&p)?;
    let t = s.app.publish_terms(body, &client.actor(&p)).await.map_err(e(lang))?;
    Ok(created(TermsBody::from(&t)))
}

#[derive(Serialize, ToSchema)]
pub struct JobBody {
    id: String,
    kind: String,
    state: String,
    run_at: String,
    attempts: i64,
    max_attempts: i64,
    last_error: Option<String>,
    clock_id: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobQuery {
    /// `failed` (default), `available`, `running` or `completed`.
    state: Option<String>,
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/operator/jobs", tag = "operator", security(("bearer" = [])), params(JobQuery), responses((status = 200, body = Vec<JobBody>)))]
async fn list_jobs(
    State(s): State<WebState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<JobQuery>,
) -> Result<Response, ApiError> {
    let lang = operator(&p)?;
    let state = q.state.unwrap_or_else(|| "failed".into());
    let mut tx = s.app.db.read().await.map_err(|x| ApiError::from_app(x.into(), lang))?;
    let jobs = store::jobs::list_by_state(&mut tx, &state, page_params(q.limit, None).0)
        .await
        .map_err(|x| ApiError::from_app(x.into(), lang))?;
    let _ = tx.commit().await;
    Ok(ok(jobs
        .iter()
        .map(|j| JobBody {
            id: j.id.to_string(),
            kind: j.kind.clone(),
            state: j.state.clone(),
            run_at: j.run_at.to_string(),
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            last_error: j.last_error.clone(),
            clock_id: j.clock_id.map(|c| c.to_string()),
        })
        .collect::<Vec<_>>()))
}

#[utoipa::path(post, path = "/api/v1/operator/jobs/{id}/retry", tag = "operator", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 204), (status = 404, body = crate::error::Problem)))]
async fn retry_job(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let lang = operator(&p)?;
    let id = parse::<JobId>(&id, lang)?;
    s.app.retry_job(id, &client.actor(&p)).await.map_err(e(lang))?;
    Ok(axum::response::IntoResponse::into_response(StatusCode::NO_CONTENT))
}

#[utoipa::path(get, path = "/api/v1/operator/audit", tag = "operator", security(("bearer" = [])), params(AuditQuery), responses((status = 200, body = Vec<AuditEntryBody>)))]
async fn platform_audit(
    State(s): State<WebState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Response, ApiError> {
    let lang = operator(&p)?;
    let list = s.app.audit_trail(None, &q.filter(lang)?).await.map_err(e(lang))?;
    Ok(ok(list.iter().map(AuditEntryBody::from).collect::<Vec<_>>()))
}
