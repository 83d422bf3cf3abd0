//! The JSON API at `/api/v1`: everything the UI does, described by the OpenAPI document at
//! `/api/v1/openapi.json` and readable at `/api/v1/docs`.

mod account;
mod idempotency;
mod operator;
mod public;
mod schema;

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
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, doc) = api_routes().split_for_parts();
    doc
}

fn api_routes() -> OpenApiRouter<WebState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(public::routes())
        .merge(account::routes())
        .merge(operator::routes())
}

pub fn router(state: WebState) -> Router<WebState> {
    let (routes, doc) = api_routes().split_for_parts();
    let doc_json = serde_json::to_string(&doc).unwrap_or_default();
    routes
        .route(
            "/api/v1/openapi.json",
            get(move || async move { ([(axum::http::header::CONTENT_TYPE, "application/json")], doc_json) }),
        )
        .route("/api/v1/docs", get(docs_page))
        .route("/api/v1", any(not_found))
        .route("/api/v1/{*rest}", any(not_found))
        .layer(axum::middleware::from_fn_with_state(state, idempotency::layer))
}

async fn not_found(client: Client) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", None, client.lang)
}

async fn docs_page() -> Html<&'static str> {
    Html(include_str!("../../templates/api_docs.html"))
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
            // serde names the path of the faulty field: `legal_name: invalid type…`.
            let text = e.body_text();
            let field = text.split(':').next().map(|s| {
                s.trim()
                    .trim_start_matches("Failed to deserialize the JSON body into the target type")
                    .trim()
                    .to_string()
            });
            let mut err = ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "malformed_json",
                field.as_deref().filter(|f| !f.is_empty() && !f.contains(' ')),
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
