//! Account settings: API keys (every user), users, company, audit trail and support access
//! (administrators).

use super::{NoticeQuery, Page, admin_account, error_page, forbidden, form_failure, not_found, see_other, ser};
use crate::WebState;
use crate::auth::{Client, CsrfForm, CsrfToken, CsrfUpload, PageUser};
use app::auth::Principal;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/settings/api-keys", get(keys_page).post(create_key))
        .route("/settings/api-keys/{id}/revoke", post(revoke_key))
        .route("/settings/users", get(users_page))
        .route("/settings/users/invite", post(invite))
        .route("/settings/users/{id}/role", post(set_role))
        .route("/settings/users/{id}/status", post(set_status))
        .route("/settings/invitations/{id}/revoke", post(revoke_invitation))
        .route("/settings/company", get(company_page).post(update_company))
        .route("/settings/company/reference", post(reference_optout))
        .route("/settings/company/bank", post(update_bank))
        .route(
            "/settings/company/registry-extract",
            get(download_registry_extract)
                .post(upload_registry_extract)
                .layer(crate::upload_limit()),
        )
        .route("/settings/audit", get(audit_page))
        .route("/settings/support", get(support_page).post(grant_support))
        .route("/settings/support/{id}/revoke", post(revoke_grant))
}

type Errors = BTreeMap<String, String>;

// ---- API keys ----

async fn keys_view(s: &WebState, page: &Page, p: &Principal, extra: Value, status: StatusCode) -> Response {
    match s.app.api_keys(p).await {
        Ok(keys) => {
            let html = page.render(s, "api_keys.html", context! { keys => ser(&keys), ..extra });
            (status, html).into_response()
        }
        Err(e) => error_page(page, s, &e),
    }
}

async fn keys_page(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/settings/api-keys", Some(&p))
        .nav("keys")
        .notice(q.key());
    keys_view(&s, &page, &p, context! { errors => Errors::new() }, StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NameForm {
    name: String,
}

/// The token is shown once, on the page that answers the creation (no redirect).
async fn create_key(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    CsrfForm(form): CsrfForm<NameForm>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/settings/api-keys", Some(&p)).nav("keys");
    match s.app.create_api_key(&p, &form.name, &client.actor(&p)).await {
        Ok((key, token)) => {
            let page = page.notice(Some("notice.key_created"));
            let extra = context! { errors => Errors::new(), new_token => token, new_key => ser(&key) };
            keys_view(&s, &page, &p, extra, StatusCode::CREATED).await
        }
        Err(e) => {
            let (errors, error) = form_failure(page.lang, &e);
            let extra = context! { errors => errors, error => error, form => context! { name => form.name } };
            keys_view(&s, &page, &p, extra, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

async fn revoke_key(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<BTreeMap<String, String>>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/settings/api-keys", Some(&p)).nav("keys");
    let Ok(id) = id.parse::<kernel::ApiKeyId>() else {
        return not_found(&page, &s);
    };
    match s.app.revoke_api_key(&p, id, &client.actor(&p)).await {
        Ok(()) => see_other("/settings/api-keys?notice=notice.key_revoked"),
        Err(e) => error_page(&page, &s, &e),
    }
}

// ---- Users ----

async fn users_view(
    s: &WebState,
    page: &Page,
    account: kernel::AccountId,
    extra: Value,
    status: StatusCode,
) -> Response {
    let users = match s.app.users(account).await {
        Ok(u) => u,
        Err(e) => return error_page(page, s, &e),
    };
    let invitations = match s.app.invitations(account).await {
        Ok(i) => i,
        Err(e) => return error_page(page, s, &e),
    };
    let html = page.render(
        s,
        "users.html",
        context! { users => ser(&users), invitations => ser(&invitations), ..extra },
    );
    (status, html).into_response()
}

fn empty_invite() -> Value {
    context! { errors => Errors::new(), form => context! { email => "", role => "member" } }
}

async fn users_page(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/settings/users", Some(&p))
        .nav("users")
        .notice(q.key());
    let Some(account) = admin_account(&p) else {
        return forbidden(&page, &s, "admin_required");
    };
    users_view(&s, &page, account, empty_invite(), StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct InviteForm {
    email: String,
    role: String,
}

async fn invite(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    CsrfForm(form): CsrfForm<InviteForm>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/settings/users", Some(&p)).nav("users");
    let Some(account) = admin_account(&p) else {
        return forbidden(&page, &s, "admin_required");
    };
    let input = app::users::InviteInput {
        email: form.email.clone(),
        role: form.role.clone(),
        lang: None,
    };
    match s.app.invite(&p, input, &client.actor(&p)).await {
        Ok(_) => see_other("/settings/users?notice=notice.invited"),
        Err(e) => {
            let (errors, error) = form_failure(page.lang, &e);
            let extra = context! { errors => errors, error => error, form => context! { email => form.email, role => form.role } };
            users_view(&s, &page, account, extra, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// A failed action on a row of the users page: the page again, with the message on top.
async fn users_action_failed(s: &WebState, page: &Page, account: kernel::AccountId, e: &app::AppError) -> Response {
    if matches!(e, app::AppError::NotFound | app::AppError::Forbidden(_)) {
        return error_page(page, s, e);
    }
    let (errors, error) = form_failure(page.lang, e);
    let error = error.or_else(|| errors.values().next().cloned());
    let mut extra = empty_invite();
    extra = context! { action_error => error, ..extra };
    users_view(s, page, account, extra, StatusCode::UNPROCESSABLE_ENTITY).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RoleForm {
    role: String,
}

async fn set_role(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<RoleForm>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/settings/users", Some(&p)).nav("users");
    let Some(account) = admin_account(&p) else {
        return forbidden(&page, &s, "admin_required");
    };
    let Ok(id) = id.parse::<kernel::UserId>() else {
        return not_found(&page, &s);
    };
    match s.app.set_user_role(&p, id, &form.role, &client.actor(&p)).await {
        Ok(_) => see_other("/settings/users?notice=notice.role_changed"),
        Err(e) => users_action_failed(&s, &page, account, &e).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StatusForm {
    status: String,
}

async fn set_status(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<StatusForm>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/settings/users", Some(&p)).nav("users");
    let Some(account) = admin_account(&p) else {
        return forbidden(&page, &s, "admin_required");
    };
    let (Ok(id), Some(status)) = (
        id.parse::<kernel::UserId>(),
        platform::roles::UserStatus::parse(&form.status),
    ) else {
        return not_found(&page, &s);
    };
    match s.app.set_user_status(&p, id, status, &client.actor(&p)).await {
        Ok(_) => see_other("/settings/users?notice=notice.status_changed"),
        Err(e) => users_action_failed(&s, &page, account, &e).await,
    }
}

async fn revoke_invitation(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<BTreeMap<String, String>>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/settings/users", Some(&p)).nav("users");
    let Some(account) = admin_account(&p) else {
        return forbidden(&page, &s, "admin_required");
    };
    let Ok(id) = id.parse::<kernel::InvitationId>() else {
        return not_found(&page, &s);
    };
    match s.app.revoke_invitation(&p, id, &client.actor(&p)).await {
        Ok(()) => see_other("/settings/users?notice=notice.invitation_revoked"),
        Err(e) => users_action_failed(&s, &page, account, &e).await,
    }
}

// ---- Company ----

/// What the company page shows besides the account: the forms' typed values and errors.
#[derive(Default)]
struct CompanyForms {
    company: Option<BTreeMap<&'static str, String>>,
    company_errors: BTreeMap<String, String>,
    company_error: Option<String>,
    bank: BTreeMap<&'static str, String>,
    bank_errors: BTreeMap<String, String>,
    registry_errors: BTreeMap<String, String>,
    issued_on: String,
}

async fn company_view(
    s: &WebState,
    page: &Page,
    account: kernel::AccountId,
    forms: CompanyForms,
    status: StatusCode,
) -> Response {
    let (a, kyc) = match (s.app.account(account).await, s.app.kyc(account).await) {
        (Ok(a), Ok(k)) => (a, k),
        (Err(e), _) | (_, Err(e)) => return error_page(page, s, &e),
    };
    let company = forms.company.unwrap_or_else(|| {
        BTreeMap::from([
            ("legal_name", a.legal_name.clone()),
            ("vat_number", a.vat_number.clone().unwrap_or_default()),
            ("address_line", a.address_line.clone()),
            ("postal_code", a.postal_code.clone()),
            ("city", a.city.clone()),
            ("country", a.country.clone()),
        ])
    });
    let registry = kyc.registry_extract.as_ref().map(|r| {
        context! { file_name => r.file_name.clone(), issued_on => r.issued_on.to_string(), uploaded_at => app::human_time(r.uploaded_at, page.lang) }
    });
    let bank = kyc.bank_details.as_ref().map(|b| {
        context! { holder => b.holder.clone(), iban => b.iban.grouped(), bic => b.bic.clone(), updated_at => app::human_time(b.updated_at, page.lang) }
    });
    let missing: Vec<&str> = kyc.missing();
    let html = page.render(
        s,
        "company.html",
        context! {
            siren => a.siren, optout => a.reference_optout,
            form => ser(&company), errors => forms.company_errors, error => forms.company_error,
            registry => registry, bank => bank, missing => missing,
            bank_form => ser(&forms.bank), bank_errors => forms.bank_errors,
            registry_errors => forms.registry_errors, issued_on => forms.issued_on,
        },
    );
    (status, html).into_response()
}

async fn company_page(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/settings/company", Some(&p))
        .nav("company")
        .notice(q.key());
    let Some(account) = admin_account(&p) else {
        return forbidden(&page, &s, "admin_required");
    };
    company_view(&s, &page, account, CompanyForms::default(), StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CompanyForm {
    legal_name: String,
    vat_number: String,
    address_line: String,
    postal_code: String,
    city: String,
    country: String,
}

async fn update_company(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    CsrfForm(form): CsrfForm<CompanyForm>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/settings/company", Some(&p)).nav("company");
    let Some(account) = admin_account(&p) else {
        return forbidden(&page, &s, "admin_required");
    };
    let input = app::accounts::CompanyInput {
        legal_name: form.legal_name.clone(),
        vat_number: form.vat_number.clone(),
        address_line: form.address_line.clone(),
        postal_code: form.postal_code.clone(),
        city: form.city.clone(),
        country: form.country.clone(),
    };
    match s.app.update_company(account, input, &client.actor(&p)).await {
        Ok(_) => see_other("/settings/company?notice=notice.company_saved"),
        Err(e) => {
            let (errors, error) = form_failure(page.lang, &e);
            let forms = CompanyForms {
                company: Some(form_map(&form)),
                company_errors: errors,
                company_error: error,
                ..CompanyForms::default()
            };
            company_view(&s, &page, account, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

async fn update_bank(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    CsrfForm(form): CsrfForm<app::kyc::BankInput>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/settings/company", Some(&p)).nav("company");
    let Some(account) = admin_account(&p) else {
        return forbidden(&page, &s, "admin_required");
    };
    match s.app.set_bank_details(account, form.clone(), &client.actor(&p)).await {
        Ok(_) => see_other("/settings/company?notice=notice.bank_saved"),
        Err(e) => {
            let (errors, _) = form_failure(page.lang, &e);
            let forms = CompanyForms {
                bank: BTreeMap::from([("holder", form.holder), ("iban", form.iban), ("bic", form.bic)]),
                bank_errors: errors,
                ..CompanyForms::default()
            };
            company_view(&s, &page, account, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

async fn upload_registry_extract(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    upload: CsrfUpload,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/settings/company", Some(&p)).nav("company");
    let Some(account) = admin_account(&p) else {
        return forbidden(&page, &s, "admin_required");
    };
    let issued_on = upload.fields.get("issued_on").cloned().unwrap_or_default();
    let input = app::kyc::RegistryExtractUpload {
        file_name: upload.file_name,
        issued_on: issued_on.clone(),
        content: upload.content,
    };
    match s.app.upload_registry_extract(account, input, &client.actor(&p)).await {
        Ok(_) => see_other("/settings/company?notice=notice.registry_saved"),
        Err(e) => {
            let (errors, _) = form_failure(page.lang, &e);
            let forms = CompanyForms {
                registry_errors: errors,
                issued_on,
                ..CompanyForms::default()
            };
            company_view(&s, &page, account, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

async fn download_registry_extract(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/settings/company", Some(&p)).nav("company");
    let Some(account) = admin_account(&p) else {
        return forbidden(&page, &s, "admin_required");
    };
    match s.app.registry_extract_file(account).await {
        Ok((meta, bytes)) => crate::download(&meta, bytes),
        Err(e) => error_page(&page, &s, &e),
    }
}

fn form_map(f: &CompanyForm) -> BTreeMap<&'static str, String> {
    BTreeMap::from([
        ("legal_name", f.legal_name.clone()),
        ("vat_number", f.vat_number.clone()),
        ("address_line", f.address_line.clone()),
        ("postal_code", f.postal_code.clone()),
        ("city", f.city.clone()),
        ("country", f.country.clone()),
    ])
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OptoutForm {
    optout: Option<String>,
}

async fn reference_optout(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    CsrfForm(form): CsrfForm<OptoutForm>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/settings/company", Some(&p)).nav("company");
    let Some(account) = admin_account(&p) else {
        return forbidden(&page, &s, "admin_required");
    };
    match s
        .app
        .set_reference_optout(account, form.optout.is_some(), &client.actor(&p))
        .await
    {
        Ok(()) => see_other("/settings/company?notice=notice.reference_saved"),
        Err(e) => error_page(&page, &s, &e),
    }
}

// ---- Audit ----

#[derive(Deserialize, Default, Clone, serde::Serialize)]
#[serde(default)]
pub struct AuditQuery {
    pub action: String,
    /// A user's id: the actions this person took.
    pub actor: String,
    /// An id the actions were about (a user, a key, a file…).
    pub target: String,
    pub from: String,
    pub to: String,
    pub before_seq: Option<i64>,
}

pub const AUDIT_PAGE: i64 = 50;

/// Renders a trail page (the account's, or the platform's with `None`).
pub async fn audit_view(s: &WebState, page: &Page, account: Option<kernel::AccountId>, q: AuditQuery) -> Response {
    let mut errors = Errors::new();
    let mut instant = |field: &str, raw: &str| -> Option<jiff::Timestamp> {
        if raw.trim().is_empty() {
            return None;
        }
        match app::terms::parse_instant(field, raw) {
            Ok(t) => Some(t),
            Err(_) => {
                errors.insert(
                    field.to_string(),
                    crate::i18n::message(page.lang, "date_invalid").to_string(),
                );
                None
            }
        }
    };
    let from = instant("from", &q.from);
    let to = instant("to", &q.to);
    let filter = store::audit::AuditFilter {
        action_prefix: Some(q.action.trim().to_string()).filter(|s| !s.is_empty()),
        actor_id: Some(q.actor.trim().to_string()).filter(|s| !s.is_empty()),
        target_id: Some(q.target.trim().to_string()).filter(|s| !s.is_empty()),
        from,
        to,
        before_seq: q.before_seq,
        limit: AUDIT_PAGE,
    };
    let entries = if errors.is_empty() {
        match s.app.audit_trail(account, &filter).await {
            Ok(e) => e,
            Err(e) => return error_page(page, s, &e),
        }
    } else {
        Vec::new()
    };
    // People are shown by name and email, not by id; an actor outside the list (operator staff
    // in an account's trail, the system) keeps its kind and id.
    let people = s.app.trail_actors(account).await.unwrap_or_default();
    let name_of = |id: &Option<String>| {
        id.as_deref().and_then(|id| {
            people
                .iter()
                .find(|u| u.id.to_string() == id)
                .map(|u| format!("{} <{}>", u.name, u.email))
        })
    };
    let actors: Vec<Value> = people
        .iter()
        .map(|u| context! { id => u.id.to_string(), label => format!("{} <{}>", u.name, u.email) })
        .collect();
    let next = (entries.len() as i64 == AUDIT_PAGE)
        .then(|| entries.last().map(|e| e.seq))
        .flatten();
    let rows: Vec<Value> = entries
        .iter()
        .map(|e| {
            let at = jiff::Timestamp::from_microsecond(e.at_micros)
                .map(|t| t.to_string())
                .unwrap_or_default();
            context! {
                seq => e.seq, at => at, actor_kind => e.actor_kind.clone(), actor_id => e.actor_id.clone(),
                actor_name => name_of(&e.actor_id),
                action => e.action.clone(), target_type => e.target_type.clone(), target_id => e.target_id.clone(),
            }
        })
        .collect();
    let mut next_query = q.clone();
    next_query.before_seq = next;
    let next_href = next.map(|_| {
        format!(
            "{}?{}",
            page.path,
            serde_urlencoded::to_string(&next_query).unwrap_or_default()
        )
    });
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = page.render(
        s,
        "audit.html",
        context! { entries => rows, q => ser(&q), errors => errors, next_href => next_href, actors => actors },
    );
    (status, html).into_response()
}

async fn audit_page(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Query(q): Query<AuditQuery>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/settings/audit", Some(&p)).nav("audit");
    let Some(account) = admin_account(&p) else {
        return forbidden(&page, &s, "admin_required");
    };
    audit_view(&s, &page, Some(account), q).await
}

// ---- Support access ----

pub fn grant_rows(grants: &[platform::model::AccessGrant], now: jiff::Timestamp) -> Vec<Value> {
    grants
        .iter()
        .map(|g| {
            context! {
                id => g.id.to_string(), kind => g.kind.as_str(), reason => g.reason.clone(),
                legal_reference => g.legal_reference.clone(), starts_at => g.starts_at.to_string(),
                ends_at => g.ends_at.to_string(), revoked_at => g.revoked_at.map(|t| t.to_string()),
                active => g.is_active(now),
            }
        })
        .collect()
}

async fn support_view(
    s: &WebState,
    page: &Page,
    account: kernel::AccountId,
    extra: Value,
    status: StatusCode,
) -> Response {
    let grants = match s.app.grants(account).await {
        Ok(g) => g,
        Err(e) => return error_page(page, s, &e),
    };
    let now = s
        .app
        .now_for(Some(account))
        .await
        .unwrap_or_else(|_| jiff::Timestamp::now());
    let html = page.render(
        s,
        "support.html",
        context! { grants => grant_rows(&grants, now), hours_options => [4, 24, 72, 168], ..extra },
    );
    (status, html).into_response()
}

async fn support_page(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/settings/support", Some(&p))
        .nav("support")
        .notice(q.key());
    let Some(account) = admin_account(&p) else {
        return forbidden(&page, &s, "admin_required");
    };
    support_view(&s, &page, account, context! {}, StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct HoursForm {
    hours: String,
}

async fn grant_support(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    CsrfForm(form): CsrfForm<HoursForm>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/settings/support", Some(&p)).nav("support");
    let Some(account) = admin_account(&p) else {
        return forbidden(&page, &s, "admin_required");
    };
    let hours = form.hours.trim().parse::<i64>().unwrap_or(0);
    match s.app.grant_support(&p, hours, &client.actor(&p)).await {
        Ok(_) => see_other("/settings/support?notice=notice.support_granted"),
        Err(e) => {
            let (errors, error) = form_failure(page.lang, &e);
            let error = error.or_else(|| errors.values().next().cloned());
            support_view(
                &s,
                &page,
                account,
                context! { error => error },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

async fn revoke_grant(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<BTreeMap<String, String>>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/settings/support", Some(&p)).nav("support");
    let Some(account) = admin_account(&p) else {
        return forbidden(&page, &s, "admin_required");
    };
    let Ok(id) = id.parse::<kernel::AccessGrantId>() else {
        return not_found(&page, &s);
    };
    match s.app.revoke_grant(&p, id, &client.actor(&p)).await {
        Ok(()) => see_other("/settings/support?notice=notice.support_revoked"),
        Err(app::AppError::NotFound) => not_found(&page, &s),
        Err(e) => {
            let (errors, error) = form_failure(page.lang, &e);
            let error = error.or_else(|| errors.values().next().cloned());
            support_view(
                &s,
                &page,
                account,
                context! { error => error },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}
