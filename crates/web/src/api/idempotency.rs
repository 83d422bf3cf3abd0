//! `Idempotency-Key` on POST: the first response is replayed for the same key and body; the
//! same key with a different body is refused with 422.

use crate::WebState;
use crate::error::ApiError;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use kernel::Lang;
use platform::credentials::sha256_hex;
use store::idempotency::StoredResponse;

/// Keys are scoped by credential: two callers never see each other's replays.
fn scope(req: &Request) -> String {
    let auth = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let ip = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    if auth.is_empty() {
        format!("anonymous:{}", ip.unwrap_or_default())
    } else {
        sha256_hex(auth)
    }
}

pub async fn layer(State(state): State<WebState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(key) = req.headers().get("idempotency-key").cloned() else {
        return next.run(req).await;
    };
    let Some(key) = key
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 255)
        .map(str::to_string)
    else {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            "idempotency_key_invalid",
            Some("Idempotency-Key"),
            Lang::En,
        )
        .into_response();
    };
    let scope_id = sha256_hex(scope(&req));
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, crate::MAX_BODY_BYTES).await else {
        return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", None, Lang::En).into_response();
    };
    // The raw bytes, not a lossy text: two binary bodies must never hash alike.
    let mut fingerprint = format!("{} {}\n", parts.method, parts.uri.path()).into_bytes();
    fingerprint.extend_from_slice(&bytes);
    let request_hash = sha256_hex(&fingerprint);

    let stored = match state.app.db.read().await {
        Ok(mut tx) => {
            let found = store::idempotency::find(&mut tx, &scope_id, &key).await;
            let _ = tx.commit().await;
            found.ok().flatten()
        }
        Err(_) => None,
    };
    if let Some(stored) = stored {
        if stored.request_hash != request_hash {
            return ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                Some("Idempotency-Key"),
                Lang::En,
            )
            .into_response();
        }
        let mut resp = (
            StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK),
            stored.body,
        )
            .into_response();
        let content_type = if stored.status >= 400 {
            "application/problem+json"
        } else {
            "application/json"
        };
        resp.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        resp.headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
        return resp;
    }

    let resp = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    // Server errors are not remembered: the client may retry them.
    if resp.status().is_server_error() {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let Ok(body_bytes) = to_bytes(body, 16 * 1024 * 1024).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let record = StoredResponse {
        request_hash,
        status: parts.status.as_u16(),
        body: String::from_utf8_lossy(&body_bytes).into_owned(),
    };
    // A failure to remember is logged, not fatal: the client still gets its answer, and a retry
    // would then run again as a new request.
    let remembered = async {
        let mut tx = state.app.db.write().await?;
        store::idempotency::store(&mut tx, &scope_id, &key, &record, Timestamp::now()).await?;
        tx.commit().await
    };
    if let Err(e) = remembered.await {
        tracing::warn!(error = %e, "idempotency key not stored");
    }
    Response::from_parts(parts, Body::from(body_bytes))
}
