//! Routes of an account's own users: the account, its users, keys, audit, terms, support access.
//! Every id in a path is looked up within the caller's account: another account's id is 404.

use super::schema::*;
use super::{ApiJson, ApiQuery, created, e, ok, page_params, parse};
use crate::WebState;
use crate::auth::{ApiUser, ApiUserAnyTerms, Client};
use crate::error::ApiError;
use app::auth::Principal;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kernel::{AccessGrantId, AccountId, ApiKeyId, InvitationId, Lang, UserId};
use platform::roles::UserStatus;
use serde::Deserialize;
use store::audit::AuditFilter;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The holder's documents (INES-KYC): what is on file and what is missing.
#[derive(serde::Serialize, ToSchema)]
pub struct KycBody {
    /// True when both the registry extract and the bank details are on file.
    complete: bool,
    /// Message keys of what is missing (`kyc.missing_registry_extract`, `kyc.missing_bank_details`).
    missing: Vec<String>,
    registry_extract: Option<RegistryExtractBody>,
    bank_details: Option<BankDetailsBody>,
}

#[derive(serde::Serialize, ToSchema)]
pub struct RegistryExtractBody {
    file_name: String,
    /// The date printed on the extract (YYYY-MM-DD).
    issued_on: String,
    uploaded_at: String,
    /// Where to download the document.
    href: String,
}

#[derive(serde::Serialize, ToSchema)]
pub struct BankDetailsBody {
    holder: String,
    iban: String,
    bic: Option<String>,
    updated_at: String,
}

impl From<&platform::kyc::Kyc> for KycBody {
    fn from(k: &platform::kyc::Kyc) -> KycBody {
        KycBody {
            complete: k.is_complete(),
            missing: k.missing().into_iter().map(str::to_string).collect(),
            registry_extract: k.registry_extract.as_ref().map(|r| RegistryExtractBody {
                file_name: r.file_name.clone(),
                issued_on: r.issued_on.to_string(),
                uploaded_at: r.uploaded_at.to_string(),
                href: "/api/v1/account/registry-extract".into(),
            }),
            bank_details: k.bank_details.as_ref().map(|b| BankDetailsBody {
                holder: b.holder.clone(),
                iban: b.iban.to_string(),
                bic: b.bic.clone(),
                updated_at: b.updated_at.to_string(),
            }),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/account/kyc", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = KycBody), (status = 403, body = crate::error::Problem)))]
async fn get_kyc(State(s): State<WebState>, ApiUser(p): ApiUser) -> Result<Response, ApiError> {
    let account = admin_account(&p)?;
    let kyc = s.app.kyc(account).await.map_err(e(p.user.lang))?;
    Ok(ok(KycBody::from(&kyc)))
}

#[derive(Deserialize, ToSchema)]
pub struct BankDetailsInput {
    /// The account holder's name.
    holder: String,
    /// An IBAN of a SEPA country; spaces allowed.
    iban: String,
    /// Optional BIC (8 or 11 characters).
    bic: Option<String>,
}

#[utoipa::path(put, path = "/api/v1/account/bank-details", tag = "account", security(("bearer" = [])), request_body = BankDetailsInput,
    responses((status = 200, body = KycBody), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn put_bank_details(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    ApiJson(body): ApiJson<BankDetailsInput>,
) -> Result<Response, ApiError> {
    let account = admin_account(&p)?;
    let input = app::kyc::BankInput {
        holder: body.holder,
        iban: body.iban,
        bic: body.bic.unwrap_or_default(),
    };
    let kyc = s
        .app
        .set_bank_details(account, input, &client.actor(&p))
        .await
        .map_err(e(p.user.lang))?;
    Ok(ok(KycBody::from(&kyc)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegistryExtractParams {
    /// The date printed on the extract (YYYY-MM-DD), less than 3 months ago.
    issued_on: String,
    /// The document's file name, kept for downloads.
    file_name: Option<String>,
}

#[utoipa::path(put, path = "/api/v1/account/registry-extract", tag = "account", security(("bearer" = [])), params(RegistryExtractParams),
    request_body(content = Vec<u8>, description = "The document's bytes: PDF, PNG or JPEG (recognised from the bytes), 5 MB at most", content_type = "application/octet-stream"),
    responses((status = 200, body = KycBody), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn put_registry_extract(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<RegistryExtractParams>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let account = admin_account(&p)?;
    let upload = app::kyc::RegistryExtractUpload {
        file_name: q.file_name.unwrap_or_default(),
        issued_on: q.issued_on,
        content: body.to_vec(),
    };
    let kyc = s
        .app
        .upload_registry_extract(account, upload, &client.actor(&p))
        .await
        .map_err(e(p.user.lang))?;
    Ok(ok(KycBody::from(&kyc)))
}

#[utoipa::path(get, path = "/api/v1/account/registry-extract", tag = "account", security(("bearer" = [])),
    responses((status = 200, description = "The document, with the type its bytes were recognised as",
        content((Vec<u8> = "application/pdf"), (Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"))),
        (status = 404, body = crate::error::Problem)))]
async fn get_registry_extract(State(s): State<WebState>, ApiUser(p): ApiUser) -> Result<Response, ApiError> {
    let account = admin_account(&p)?;
    let (meta, bytes) = s.app.registry_extract_file(account).await.map_err(e(p.user.lang))?;
    Ok(crate::download(&meta, bytes))
}

pub fn routes() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(get_me, update_me))
        .routes(routes!(get_account, update_account))
        .routes(routes!(set_reference_optout))
        .routes(routes!(get_kyc))
        .routes(routes!(put_bank_details))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(get_registry_extract, put_registry_extract))
                .layer(crate::upload_limit()),
        )
        .routes(routes!(list_users))
        .routes(routes!(get_user))
        .routes(routes!(set_user_role))
        .routes(routes!(disable_user))
        .routes(routes!(enable_user))
        .routes(routes!(list_invitations, invite))
        .routes(routes!(revoke_invitation))
        .routes(routes!(list_keys, create_key))
        .routes(routes!(revoke_key))
        .routes(routes!(account_audit))
        .routes(routes!(current_terms))
        .routes(routes!(accept_terms))
        .routes(routes!(terms_acceptances))
        .routes(routes!(list_grants, grant_support))
        .routes(routes!(revoke_grant))
}

fn account_of(p: &Principal) -> Result<AccountId, ApiError> {
    p.user
        .account_id
        .ok_or_else(|| ApiError::new(StatusCode::FORBIDDEN, "account_required", None, p.user.lang))
}

#[utoipa::path(get, path = "/api/v1/me", tag = "account", security(("bearer" = [])), responses((status = 200, body = MeBody), (status = 401, body = crate::error::Problem)))]
async fn get_me(ApiUserAnyTerms(p): ApiUserAnyTerms) -> Response {
    ok(MeBody {
        user: UserBody::from(&p.user),
        account: p.account.as_ref().map(AccountBody::from),
        terms_acceptance_required: p.terms_required,
    })
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateMe {
    /// `fr` or `en`: the language of the interface and of emails.
    lang: String,
}

#[utoipa::path(patch, path = "/api/v1/me", tag = "account", security(("bearer" = [])), request_body = UpdateMe, responses((status = 204), (status = 422, body = crate::error::Problem)))]
async fn update_me(
    State(s): State<WebState>,
    client: Client,
    ApiUserAnyTerms(p): ApiUserAnyTerms,
    ApiJson(body): ApiJson<UpdateMe>,
) -> Result<Response, ApiError> {
    let lang = Lang::from_code(&body.lang).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            Some("lang"),
            p.user.lang,
        )
    })?;
    s.app
        .set_own_lang(&p, lang, &client.actor(&p))
        .await
        .map_err(e(p.user.lang))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(get, path = "/api/v1/account", tag = "account", security(("bearer" = [])), responses((status = 200, body = AccountBody), (status = 401, body = crate::error::Problem)))]
async fn get_account(ApiUserAnyTerms(p): ApiUserAnyTerms) -> Result<Response, ApiError> {
    let account = p
        .account
        .as_ref()
        .ok_or_else(|| ApiError::new(StatusCode::FORBIDDEN, "account_required", None, p.user.lang))?;
    Ok(ok(AccountBody::from(account)))
}

#[utoipa::path(patch, path = "/api/v1/account", tag = "account", security(("bearer" = [])), request_body = inline(serde_json::Value),
    responses((status = 200, body = AccountBody), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn update_account(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    ApiJson(body): ApiJson<app::accounts::CompanyInput>,
) -> Result<Response, ApiError> {
    let account = admin_account(&p)?;
    let updated = s
        .app
        .update_company(account, body, &client.actor(&p))
        .await
        .map_err(e(p.user.lang))?;
    Ok(ok(AccountBody::from(&updated)))
}

fn admin_account(p: &Principal) -> Result<AccountId, ApiError> {
    let account = account_of(p)?;
    if !p.is_admin() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "admin_required",
            None,
            p.user.lang,
        ));
    }
    Ok(account)
}

#[derive(Deserialize, ToSchema)]
pub struct ReferenceOptout {
    /// True: the account refuses to be listed as a reference.
    optout: bool,
}

#[utoipa::path(put, path = "/api/v1/account/reference-optout", tag = "account", security(("bearer" = [])), request_body = ReferenceOptout, responses((status = 204), (status = 403, body = crate::error::Problem)))]
async fn set_reference_optout(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    ApiJson(body): ApiJson<ReferenceOptout>,
) -> Result<Response, ApiError> {
    let account = admin_account(&p)?;
    s.app
        .set_reference_optout(account, body.optout, &client.actor(&p))
        .await
        .map_err(e(p.user.lang))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])), responses((status = 200, body = Vec<UserBody>)))]
async fn list_users(State(s): State<WebState>, ApiUser(p): ApiUser) -> Result<Response, ApiError> {
    let users = s.app.users(account_of(&p)?).await.map_err(e(p.user.lang))?;
    Ok(ok(users.iter().map(UserBody::from).collect::<Vec<_>>()))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 200, body = UserBody), (status = 404, body = crate::error::Problem)))]
async fn get_user(
    State(s): State<WebState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let user = s
        .app
        .user(account_of(&p)?, parse::<UserId>(&id, p.user.lang)?)
        .await
        .map_err(e(p.user.lang))?;
    Ok(ok(UserBody::from(&user)))
}

#[derive(Deserialize, ToSchema)]
pub struct RoleBody {
    /// `admin` or `member`.
    role: String,
}

#[utoipa::path(put, path = "/api/v1/users/{id}/role", tag = "users", security(("bearer" = [])), params(("id" = String, Path)), request_body = RoleBody,
    responses((status = 200, body = UserBody), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn set_user_role(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RoleBody>,
) -> Result<Response, ApiError> {
    let id = parse::<UserId>(&id, p.user.lang)?;
    let user = s
        .app
        .set_user_role(&p, id, &body.role, &client.actor(&p))
        .await
        .map_err(e(p.user.lang))?;
    Ok(ok(UserBody::from(&user)))
}

#[utoipa::path(post, path = "/api/v1/users/{id}/disable", tag = "users", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 200, body = UserBody), (status = 404, body = crate::error::Problem)))]
async fn disable_user(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse::<UserId>(&id, p.user.lang)?;
    let user = s
        .app
        .set_user_status(&p, id, UserStatus::Disabled, &client.actor(&p))
        .await
        .map_err(e(p.user.lang))?;
    Ok(ok(UserBody::from(&user)))
}

#[utoipa::path(post, path = "/api/v1/users/{id}/enable", tag = "users", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 200, body = UserBody), (status = 404, body = crate::error::Problem)))]
async fn enable_user(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse::<UserId>(&id, p.user.lang)?;
    let user = s
        .app
        .set_user_status(&p, id, UserStatus::Active, &client.actor(&p))
        .await
        .map_err(e(p.user.lang))?;
    Ok(ok(UserBody::from(&user)))
}

#[utoipa::path(get, path = "/api/v1/invitations", tag = "users", security(("bearer" = [])), responses((status = 200, body = Vec<InvitationBody>)))]
async fn list_invitations(State(s): State<WebState>, ApiUser(p): ApiUser) -> Result<Response, ApiError> {
    let list = s.app.invitations(account_of(&p)?).await.map_err(e(p.user.lang))?;
    Ok(ok(list.iter().map(InvitationBody::from).collect::<Vec<_>>()))
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct InviteBody {
    email: String,
    /// `admin` or `member` (default).
    role: Option<String>,
    /// Language of the invitation email.
    lang: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/invitations", tag = "users", security(("bearer" = [])), request_body = InviteBody,
    responses((status = 201, body = InvitationBody), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn invite(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    ApiJson(body): ApiJson<app::users::InviteInput>,
) -> Result<Response, ApiError> {
    let inv = s
        .app
        .invite(&p, body, &client.actor(&p))
        .await
        .map_err(e(p.user.lang))?;
    Ok(created(InvitationBody::from(&inv)))
}

#[utoipa::path(delete, path = "/api/v1/invitations/{id}", tag = "users", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 204), (status = 404, body = crate::error::Problem)))]
async fn revoke_invitation(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse::<InvitationId>(&id, p.user.lang)?;
    s.app
        .revoke_invitation(&p, id, &client.actor(&p))
        .await
        .map_err(e(p.user.lang))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(get, path = "/api/v1/api-keys", tag = "api keys", security(("bearer" = [])), responses((status = 200, body = Vec<ApiKeyBody>)))]
async fn list_keys(State(s): State<WebState>, ApiUserAnyTerms(p): ApiUserAnyTerms) -> Result<Response, ApiError> {
    let keys = s.app.api_keys(&p).await.map_err(e(p.user.lang))?;
    Ok(ok(keys.iter().map(ApiKeyBody::from).collect::<Vec<_>>()))
}

#[derive(Deserialize, ToSchema)]
pub struct CreateKey {
    name: String,
}

#[utoipa::path(post, path = "/api/v1/api-keys", tag = "api keys", security(("bearer" = [])), request_body = CreateKey, responses((status = 201, body = NewApiKeyBody), (status = 422, body = crate::error::Problem)))]
async fn create_key(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    ApiJson(body): ApiJson<CreateKey>,
) -> Result<Response, ApiError> {
    let (key, token) = s
        .app
        .create_api_key(&p, &body.name, &client.actor(&p))
        .await
        .map_err(e(p.user.lang))?;
    Ok(created(NewApiKeyBody {
        key: ApiKeyBody::from(&key),
        token,
    }))
}

#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "api keys", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 204), (status = 404, body = crate::error::Problem)))]
async fn revoke_key(
    State(s): State<WebState>,
    client: Client,
    ApiUserAnyTerms(p): ApiUserAnyTerms,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse::<ApiKeyId>(&id, p.user.lang)?;
    s.app
        .revoke_api_key(&p, id, &client.actor(&p))
        .await
        .map_err(e(p.user.lang))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Filters of the audit trail.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Actions starting with this text, e.g. `user.`.
    pub action: Option<String>,
    pub actor_id: Option<String>,
    pub target_id: Option<String>,
    /// RFC 3339 or a date.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Entries before this sequence number (the next page).
    pub before_seq: Option<i64>,
    pub limit: Option<i64>,
}

impl AuditQuery {
    pub fn filter(&self, lang: Lang) -> Result<AuditFilter, ApiError> {
        let instant = |field: &str, raw: &Option<String>| -> Result<Option<jiff::Timestamp>, ApiError> {
            match raw.as_deref().filter(|s| !s.trim().is_empty()) {
                Some(s) => app::terms::parse_instant(field, s)
                    .map(Some)
                    .map_err(|_| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "date_invalid", Some(field), lang)),
                None => Ok(None),
            }
        };
        Ok(AuditFilter {
            action_prefix: self.action.clone().filter(|s| !s.is_empty()),
            actor_id: self.actor_id.clone().filter(|s| !s.is_empty()),
            target_id: self.target_id.clone().filter(|s| !s.is_empty()),
            from: instant("from", &self.from)?,
            to: instant("to", &self.to)?,
            before_seq: self.before_seq,
            limit: page_params(self.limit, None).0,
        })
    }
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("bearer" = [])), params(AuditQuery), responses((status = 200, body = Vec<AuditEntryBody>), (status = 403, body = crate::error::Problem)))]
async fn account_audit(
    State(s): State<WebState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Response, ApiError> {
    let account = admin_account(&p)?;
    let list = s
        .app
        .audit_trail(Some(account), &q.filter(p.user.lang)?)
        .await
        .map_err(e(p.user.lang))?;
    Ok(ok(list.iter().map(AuditEntryBody::from).collect::<Vec<_>>()))
}

#[utoipa::path(get, path = "/api/v1/terms/current", tag = "terms", responses((status = 200, body = TermsBody), (status = 404, body = crate::error::Problem)))]
async fn current_terms(State(s): State<WebState>, client: Client) -> Result<Response, ApiError> {
    let t = s
        .app
        .current_terms()
        .await
        .map_err(e(client.lang))?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not_found", None, client.lang))?;
    Ok(ok(TermsBody::from(&t)))
}

#[utoipa::path(post, path = "/api/v1/terms/accept", tag = "terms", security(("bearer" = [])), responses((status = 200, body = TermsBody), (status = 403, body = crate::error::Problem)))]
async fn accept_terms(
    State(s): State<WebState>,
    client: Client,
    ApiUserAnyTerms(p): ApiUserAnyTerms,
) -> Result<Response, ApiError> {
    let t = s
        .app
        .accept_terms(&p, &client.actor(&p))
        .await
        .map_err(e(p.user.lang))?;
    Ok(ok(TermsBody::from(&t)))
}

#[derive(serde::Serialize, ToSchema)]
pub struct AcceptanceBody {
    version: String,
    user_id: String,
    accepted_at: String,
    ip: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/terms/acceptances", tag = "terms", security(("bearer" = [])), responses((status = 200, body = Vec<AcceptanceBody>)))]
async fn terms_acceptances(
    State(s): State<WebState>,
    ApiUserAnyTerms(p): ApiUserAnyTerms,
) -> Result<Response, ApiError> {
    let list = s.app.terms_acceptances(account_of(&p)?).await.map_err(e(p.user.lang))?;
    Ok(ok(list
        .into_iter()
        .map(|a| AcceptanceBody {
            version: a.version,
            user_id: a.user_id,
            accepted_at: a.accepted_at.to_string(),
            ip: a.ip,
        })
        .collect::<Vec<_>>()))
}

#[utoipa::path(get, path = "/api/v1/support-access", tag = "support access", security(("bearer" = [])), responses((status = 200, body = Vec<GrantBody>)))]
async fn list_grants(State(s): State<WebState>, ApiUser(p): ApiUser) -> Result<Response, ApiError> {
    let list = s.app.grants(account_of(&p)?).await.map_err(e(p.user.lang))?;
    Ok(ok(list.iter().map(GrantBody::from).collect::<Vec<_>>()))
}

#[derive(Deserialize, ToSchema)]
pub struct GrantRequest {
    /// How long support staff may open the account's pages, 1 to 720 hours.
    hours: i64,
}

#[utoipa::path(post, path = "/api/v1/support-access", tag = "support access", security(("bearer" = [])), request_body = GrantRequest,
    responses((status = 201, body = GrantBody), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn grant_support(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    ApiJson(body): ApiJson<GrantRequest>,
) -> Result<Response, ApiError> {
    let g = s
        .app
        .grant_support(&p, body.hours, &client.actor(&p))
        .await
        .map_err(e(p.user.lang))?;
    Ok(created(GrantBody::from(&g)))
}

#[utoipa::path(delete, path = "/api/v1/support-access/{id}", tag = "support access", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 204), (status = 404, body = crate::error::Problem), (status = 409, description = "Already revoked", body = crate::error::Problem)))]
async fn revoke_grant(
    State(s): State<WebState>,
    client: Client,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse::<AccessGrantId>(&id, p.user.lang)?;
    s.app
        .revoke_grant(&p, id, &client.actor(&p))
        .await
        .map_err(e(p.user.lang))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
