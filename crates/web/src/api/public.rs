//! Routes open without credentials: sign-up, email verification, password reset, invitations.

use super::schema::UserBody;
use super::{ApiJson, created};
use crate::WebState;
use crate::auth::Client;
use crate::error::ApiError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(signup))
        .routes(routes!(verify_email))
        .routes(routes!(request_reset))
        .routes(routes!(confirm_reset))
        .routes(routes!(accept_invitation))
}

/// Sign-up of a company and its first administrator.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct SignupRequest {
    legal_name: String,
    /// Nine digits, Luhn-checked.
    siren: String,
    /// Optional intra-community VAT number (FR numbers must match the SIREN).
    vat_number: Option<String>,
    address_line: String,
    postal_code: String,
    city: String,
    /// ISO 3166-1 alpha-2.
    country: String,
    admin_name: String,
    admin_email: String,
    /// At least 12 characters.
    password: String,
    /// Must be true: the current terms are accepted in full.
    accept_terms: bool,
    /// Must be true: the person is of age and may bind the company.
    certify_authority: bool,
    /// `fr` or `en`.
    lang: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SignupResponse {
    account_id: String,
    user_id: String,
    terms_version: String,
    /// A verification link was emailed; login works once it is opened.
    verification_sent: bool,
}

fn limited(state: &WebState, client: &Client, what: &str) -> Result<(), ApiError> {
    let key = format!("{what}:{}", client.ip.as_deref().unwrap_or("-"));
    if state.limiter.allow(&key) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            None,
            client.lang,
        ))
    }
}

#[utoipa::path(post, path = "/api/v1/signup", tag = "accounts", request_body = SignupRequest,
    responses((status = 201, body = SignupResponse), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn signup(
    State(state): State<WebState>,
    client: Client,
    ApiJson(input): ApiJson<platform::signup::SignupInput>,
) -> Result<Response, ApiError> {
    limited(&state, &client, "signup")?;
    let lang = input.lang.unwrap_or(client.lang);
    let input = platform::signup::SignupInput {
        lang: Some(lang),
        ..input
    };
    let done = state
        .app
        .signup(input, &client.visitor())
        .await
        .map_err(|e| ApiError::from_app(e, lang))?;
    Ok(created(SignupResponse {
        account_id: done.account_id.to_string(),
        user_id: done.user_id.to_string(),
        terms_version: done.terms_version,
        verification_sent: true,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct TokenRequest {
    token: String,
}

#[utoipa::path(post, path = "/api/v1/verify-email", tag = "accounts", request_body = TokenRequest,
    responses((status = 204), (status = 400, body = crate::error::Problem)))]
async fn verify_email(
    State(state): State<WebState>,
    client: Client,
    ApiJson(body): ApiJson<TokenRequest>,
) -> Result<Response, ApiError> {
    state
        .app
        .verify_email(&body.token, &client.visitor())
        .await
        .map_err(|e| ApiError::from_app(e, client.lang))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct ResetRequest {
    email: String,
}

/// Always 202, whether or not the email is registered.
#[utoipa::path(post, path = "/api/v1/password-reset", tag = "accounts", request_body = ResetRequest, responses((status = 202)))]
async fn request_reset(
    State(state): State<WebState>,
    client: Client,
    ApiJson(body): ApiJson<ResetRequest>,
) -> Result<Response, ApiError> {
    limited(&state, &client, "reset")?;
    state
        .app
        .request_password_reset(&body.email, &client.visitor())
        .await
        .map_err(|e| ApiError::from_app(e, client.lang))?;
    Ok(StatusCode::ACCEPTED.into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct ConfirmResetRequest {
    token: String,
    password: String,
}

#[utoipa::path(post, path = "/api/v1/password-reset/confirm", tag = "accounts", request_body = ConfirmResetRequest,
    responses((status = 204), (status = 400, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn confirm_reset(
    State(state): State<WebState>,
    client: Client,
    ApiJson(body): ApiJson<ConfirmResetRequest>,
) -> Result<Response, ApiError> {
    state
        .app
        .reset_password(&body.token, &body.password, &client.visitor())
        .await
        .map_err(|e| ApiError::from_app(e, client.lang))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct AcceptInvitationRequest {
    token: String,
    name: String,
    password: String,
}

#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "users", request_body = AcceptInvitationRequest,
    responses((status = 201, body = UserBody), (status = 400, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn accept_invitation(
    State(state): State<WebState>,
    client: Client,
    ApiJson(body): ApiJson<app::users::AcceptInvitationInput>,
) -> Result<Response, ApiError> {
    let user = state
        .app
        .accept_invitation(body, client.lang, &client.visitor())
        .await
        .map_err(|e| ApiError::from_app(e, client.lang))?;
    Ok(created(UserBody::from(&user)))
}
