//! The JSON API at `/api/v1`: everything the UI does, described by the OpenAPI document at
//! `/api/v1/openapi.json` and readable at `/api/v1/docs`.

mod account;
mod codes;
pub(crate) mod contracts;
mod docs;
mod idempotency;
mod invoices;
pub(crate) mod monitor;
mod offers;
mod operator;
mod price_changes;
mod public;
mod schema;
mod subscriptions;

use crate::WebState;
use crate::auth::Client;
use crate::error::ApiError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use axum::routing::{any, get};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

#[derive(OpenApi)]
#[openapi(
    info(title = "Comptoir API", version = "1", description = "The Comptoir platform API. Authenticate with `Authorization: Bearer <API key>` (create keys in the web UI or at POST /api/v1/api-keys). Errors are RFC 9457 problem documents with a stable `code` and the offending `field`. POST requests accept an `Idempotency-Key` header."),
    components(schemas(crate::error::Problem, crate::error::FieldProblem)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The OpenAPI document, built from the routes themselves so it cannot drift from them.
pub fn openapi() -> serde_json::Value {
    let (_, doc) = api_routes().split_for_parts();
    with_problem_responses(doc)
}

/// Every operation can answer with a problem document: the statuses any route may give
/// (bad JSON, missing credentials, an id of another account…) are declared on each, and every
/// error response is `application/problem+json`.
fn with_problem_responses(doc: utoipa::openapi::OpenApi) -> serde_json::Value {
    let mut doc = serde_json::to_value(doc).unwrap_or_default();
    let problem = serde_json::json!({
        "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } }
    });
    let reasons = [
        ("400", "Malformed request"),
        ("401", "Missing or invalid credentials"),
        ("403", "Not allowed, or terms to accept first"),
        ("404", "Not found, or belongs to another account"),
        ("413", "Body too large"),
        ("415", "Body is not JSON"),
        ("422", "A field was refused"),
        ("429", "Too many attempts"),
    ];
    let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) else {
        return doc;
    };
    for item in paths.values_mut() {
        let Some(ops) = item.as_object_mut() else { continue };
        for op in ops.values_mut() {
            let has_body = op.get("requestBody").is_some();
            let authenticated = op.get("security").is_some();
            let Some(responses) = op.get_mut("responses").and_then(|r| r.as_object_mut()) else {
                continue;
            };
            for (status, description) in reasons {
                let applies = match status {
                    "401" | "403" => authenticated,
                    "413" | "415" => has_body,
                    _ => true,
                };
                if applies && !responses.contains_key(status) {
                    responses.insert(status.into(), serde_json::json!({ "description": description }));
                }
            }
            for (status, response) in responses.iter_mut() {
                if status.starts_with('4') || status.starts_with('5') {
                    response["content"] = problem.clone();
                }
            }
        }
    }
    doc
}

fn api_routes() -> OpenApiRouter<WebState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(public::routes())
        .merge(account::routes())
        .merge(operator::routes())
        .merge(offers::routes())
        .merge(subscriptions::routes())
        .merge(invoices::routes())
        .merge(price_changes::routes())
        .merge(contracts::routes())
        .merge(codes::routes())
        .merge(monitor::routes())
}

pub fn router(state: WebState) -> Router<WebState> {
    let (routes, doc) = api_routes().split_for_parts();
    let doc = with_problem_responses(doc);
    let doc_json = serde_json::to_string(&doc).unwrap_or_default();
    let docs_html = docs::render(&doc);
    routes
        .route(
            "/api/v1/openapi.json",
            get(move || async move { ([(axum::http::header::CONTENT_TYPE, "application/json")], doc_json) }),
        )
        .route("/api/v1/docs", get(move || async move { Html(docs_html) }))
        .route("/api/v1", any(not_found))
        .route("/api/v1/{*rest}", any(not_found))
        .layer(axum::middleware::from_fn_with_state(state, idempotency::layer))
}

async fn not_found(client: Client) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", None, client.lang)
}

/// Query parameters whose refusal is a problem document naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(rejection) => {
                let text = rejection.body_text();
                // `Failed to deserialize query string: limit: number too large…`
                let field = text
                    .split_once("query string: ")
                    .and_then(|(_, rest)| rest.split_once(": "))
                    .map(|(f, _)| f.to_string())
                    .filter(|f| !f.contains(' '));
                let mut err = ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_input",
                    field.as_deref(),
                    kernel::Lang::En,
                );
                err.problem.detail = text;
                Err(err)
            }
        }
    }
}

/// A JSON body whose refusal is a problem document naming what was wrong.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(json_problem(rejection)),
        }
    }
}

fn json_problem(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            None,
            kernel::Lang::En,
        ),
        JsonRejection::BytesRejection(_) => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", None, kernel::Lang::En)
        }
        JsonRejection::JsonDataError(e) => {
            let text = e.body_text();
            let mut err = ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "malformed_json",
                json_error_field(&text).as_deref(),
                kernel::Lang::En,
            );
            err.problem.detail = text;
            err
        }
        other => {
            let mut err = ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", None, kernel::Lang::En);
            err.problem.detail = other.body_text();
            err
        }
    }
}

/// The field serde names in a data error: `missing field `name``, or the path before
/// `: invalid type…`.
fn json_error_field(text: &str) -> Option<String> {
    let rest = text
        .trim_start_matches("Failed to deserialize the JSON body into the target type:")
        .trim();
    if let Some(after) = rest.strip_prefix("missing field `") {
        return after.split('`').next().map(str::to_string);
    }
    let (path, _) = rest.split_once(": ")?;
    (!path.is_empty() && !path.contains(' ')).then(|| path.to_string())
}

/// Maps a use-case error to a problem document in the caller's language.
pub(crate) fn e(lang: kernel::Lang) -> impl Fn(app::AppError) -> ApiError {
    move |err| ApiError::from_app(err, lang)
}

/// Parses an id from a path. A malformed id cannot name anything: same answer as an unknown one.
pub(crate) fn parse<T: std::str::FromStr>(raw: &str, lang: kernel::Lang) -> Result<T, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "not_found", None, lang))
}

/// A page of results with the cursor for the next one.
pub fn page_params(limit: Option<i64>, offset: Option<i64>) -> (i64, i64) {
    (limit.unwrap_or(50).clamp(1, 200), offset.unwrap_or(0).max(0))
}

pub(crate) fn ok<T: serde::Serialize>(v: T) -> axum::response::Response {
    Json(v).into_response()
}

pub(crate) fn created<T: serde::Serialize>(v: T) -> axum::response::Response {
    (StatusCode::CREATED, Json(v)).into_response()
}

/// The caller's account when the caller is one of its administrators; 403 `admin_required`
/// otherwise (operator staff included: they administer no account).
pub(crate) fn admin_account(p: &app::auth::Principal) -> Result<kernel::AccountId, ApiError> {
    match (p.user.account_id, p.is_admin()) {
        (Some(account), true) => Ok(account),
        _ => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "admin_required",
            None,
            p.user.lang,
        )),
    }
}
