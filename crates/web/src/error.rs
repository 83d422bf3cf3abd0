//! API errors as RFC 9457 problem details, with a stable `code` and the offending field.
//!
//! One table ([`status_of`]) maps every code to its HTTP status, so a new error is one line.

use app::AppError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kernel::Lang;
use serde::Serialize;
use utoipa::ToSchema;

/// One refused field.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub code: String,
    pub message: String,
}

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the error type: the documentation of its code.
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The stable machine code (`siren_checksum`, `not_found`…).
    pub code: String,
    /// The first offending field, when the error is about input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every offending field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// The HTTP status of each error code.
pub fn status_of(e: &AppError) -> StatusCode {
    match e {
        AppError::Invalid(_) | AppError::InvalidOffer(_) | AppError::Limit { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Conflict { .. } => StatusCode::CONFLICT,
        AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) | AppError::TermsAcceptanceRequired => StatusCode::FORBIDDEN,
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Token(_) => StatusCode::BAD_REQUEST,
        AppError::Store(_) | AppError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An error on its way out of the API.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// Boxed: errors travel in `Result`s everywhere, and a small `Err` keeps them cheap.
    pub problem: Box<Problem>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, field: Option<&str>, lang: Lang) -> ApiError {
        let detail = crate::i18n::message(lang, code).to_string();
        let errors = field
            .map(|f| {
                vec![FieldProblem {
                    field: f.to_string(),
                    code: code.to_string(),
                    message: detail.clone(),
                }]
            })
            .unwrap_or_default();
        ApiError {
            status,
            problem: Box::new(Problem {
                type_uri: format!("/api/v1/docs#error-{code}"),
                title: status.canonical_reason().unwrap_or("Error").to_string(),
                status: status.as_u16(),
                detail,
                code: code.to_string(),
                field: field.map(str::to_string),
                errors,
            }),
        }
    }

    pub fn from_app(e: AppError, lang: Lang) -> ApiError {
        let status = status_of(&e);
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            // The cause is logged here, once; the client gets an opaque code.
            tracing::error!(error = %e, "internal error");
        }
        let mut err = match &e {
            AppError::Conflict { field, code } => ApiError::new(status, code, Some(field), lang),
            AppError::Invalid(fields) => {
                let first = fields.first();
                let mut api = ApiError::new(
                    status,
                    first.map(|f| f.code).unwrap_or("invalid_input"),
                    first.map(|f| f.field.as_str()),
                    lang,
                );
                api.problem.errors = fields
                    .0
                    .iter()
                    .map(|f| FieldProblem {
                        field: f.field.clone(),
                        code: f.code.to_string(),
                        message: crate::i18n::message(lang, f.code).to_string(),
                    })
                    .collect();
                api
            }
            AppError::InvalidOffer(problems) => {
                // Each problem of the file as a field error: the field is its path in the file
                // and the message says the file, the line and what is wrong.
                let mut api = ApiError::new(status, "offer_invalid", Some("source"), lang);
                api.problem.detail = problems.to_string();
                api.problem.errors = problems
                    .iter()
                    .map(|p| FieldProblem {
                        field: p.path.clone(),
                        code: "offer_invalid".into(),
                        message: p.to_string(),
                    })
                    .collect();
                api
            }
            AppError::Limit { field, key, limit } => {
                let mut api = ApiError::new(status, "limit_reached", Some(field), lang);
                api.problem.detail = crate::pages::limit_message(lang, key, *limit);
                api
            }
            other => ApiError::new(status, other.code(), None, lang),
        };
        if matches!(e, AppError::Token(_)) {
            err.problem.field = Some("token".into());
        }
        err
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError::from_app(e, Lang::En)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&*self.problem).unwrap_or_default();
        let mut resp = (self.status, body).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        resp
    }
}
