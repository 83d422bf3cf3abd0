//! Who is calling: request context, API-key and session authentication, CSRF, rate limits.

use crate::WebState;
use crate::error::ApiError;
use app::auth::Principal;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use kernel::Lang;
use platform::credentials::constant_time_eq;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const SESSION_COOKIE: &str = "comptoir_session";
pub const CSRF_COOKIE: &str = "comptoir_csrf";
pub const LANG_COOKIE: &str = "comptoir_lang";

/// Where a request comes from and which language it prefers.
#[derive(Debug, Clone)]
pub struct Client {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// From the `comptoir_lang` cookie, else `Accept-Language`.
    pub lang: Lang,
}

impl Client {
    pub fn actor(&self, p: &Principal) -> app::Actor {
        p.actor(self.ip.clone(), self.user_agent.clone())
    }

    pub fn visitor(&self) -> app::Actor {
        app::Actor::visitor(self.ip.clone(), self.user_agent.clone())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string());
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(300).collect());
        let jar = CookieJar::from_headers(&parts.headers);
        let lang = jar
            .get(LANG_COOKIE)
            .and_then(|c| Lang::from_code(c.value()))
            .or_else(|| {
                parts
                    .headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .map(Lang::from_accept_language)
            })
            .unwrap_or_default();
        Ok(Client { ip, user_agent, lang })
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token.trim())
}

/// The caller of an API route, authenticated by `Authorization: Bearer <key>`. Refuses with 403
/// while the terms in force are not accepted (only `/account`, `/me` and terms routes stay open).
pub struct ApiUser(pub Principal);

/// Like [`ApiUser`] but also admits callers who still have to accept the terms.
pub struct ApiUserAnyTerms(pub Principal);

async fn api_principal(parts: &mut Parts, state: &WebState) -> Result<Principal, ApiError> {
    let lang = Client::from_request_parts(parts, state)
        .await
        .map(|c| c.lang)
        .unwrap_or_default();
    let Some(token) = bearer(parts) else {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", None, lang));
    };
    match state.app.authenticate_api_key(token).await {
        Ok(Some(p)) => Ok(p),
        Ok(None) => Err(ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", None, lang)),
        Err(e) => Err(ApiError::from_app(e, lang)),
    }
}

impl FromRequestParts<WebState> for ApiUserAnyTerms {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Self::Rejection> {
        api_principal(parts, state).await.map(ApiUserAnyTerms)
    }
}

impl FromRequestParts<WebState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Self::Rejection> {
        let p = api_principal(parts, state).await?;
        if p.terms_required {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "terms_acceptance_required",
                None,
                p.user.lang,
            ));
        }
        Ok(ApiUser(p))
    }
}

/// The logged-in user of a page. Without a session: redirect to the login page. With terms to
/// accept: redirect to the acceptance page.
pub struct PageUser(pub Principal);

/// A logged-in user who may still have terms to accept (the acceptance page itself, logout).
pub struct PageUserAnyTerms(pub Principal);

/// An optional session (public pages show the menu when logged in).
pub struct MaybeUser(pub Option<Principal>);

async fn page_principal(parts: &mut Parts, state: &WebState) -> Result<Option<Principal>, Response> {
    let jar = CookieJar::from_headers(&parts.headers);
    let Some(cookie) = jar.get(SESSION_COOKIE) else {
        return Ok(None);
    };
    state.app.authenticate_session(cookie.value()).await.map_err(|e| {
        tracing::error!(error = %e, "session lookup failed");
        StatusCode::INTERNAL_SERVER_ERROR.into_response()
    })
}

fn to_login(parts: &Parts) -> Response {
    let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let encoded: String = form_urlencoded_byte_serialize(next);
    Redirect::to(&format!("/login?next={encoded}")).into_response()
}

fn form_urlencoded_byte_serialize(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl FromRequestParts<WebState> for PageUserAnyTerms {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Self::Rejection> {
        match page_principal(parts, state).await? {
            Some(p) => Ok(PageUserAnyTerms(p)),
            None => Err(to_login(parts)),
        }
    }
}

impl FromRequestParts<WebState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Self::Rejection> {
        match page_principal(parts, state).await? {
            Some(p) if p.terms_required => Err(Redirect::to("/terms/accept").into_response()),
            Some(p) => Ok(PageUser(p)),
            None => Err(to_login(parts)),
        }
    }
}

impl FromRequestParts<WebState> for MaybeUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Self::Rejection> {
        page_principal(parts, state).await.map(MaybeUser)
    }
}

/// The CSRF token of this browser (double-submit: a cookie, echoed in every form). Pages put
/// it in a hidden field; [`CsrfForm`] checks it on every POST.
pub struct CsrfToken(pub String);

impl<S: Send + Sync> FromRequestParts<S> for CsrfToken {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let token = jar
            .get(CSRF_COOKIE)
            .map(|c| c.value().to_string())
            .or_else(|| parts.extensions.get::<NewCsrf>().map(|n| n.0.clone()))
            .unwrap_or_default();
        Ok(CsrfToken(token))
    }
}

/// A CSRF token minted for a browser that had none; the middleware sets its cookie.
#[derive(Clone)]
pub struct NewCsrf(pub String);

/// Ensures every browser has a CSRF cookie before it sees a form.
pub async fn ensure_csrf(
    state: axum::extract::State<WebState>,
    mut req: Request,
    next: axum::middleware::Next,
) -> Response {
    let jar = CookieJar::from_headers(req.headers());
    let minted = if jar.get(CSRF_COOKIE).is_none() {
        let token = platform::credentials::random_token();
        req.extensions_mut().insert(NewCsrf(token.clone()));
        Some(token)
    } else {
        None
    };
    let mut resp = next.run(req).await;
    if let Some(token) = minted {
        let cookie = build_cookie(CSRF_COOKIE, token, state.secure_cookies, None);
        if let Ok(v) = cookie.to_string().parse() {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

/// A cookie with the project's flags: HttpOnly, SameSite=Lax, Secure unless turned off.
/// `max_age_secs` of zero deletes it; `None` makes a browser-session cookie.
pub fn build_cookie(name: &'static str, value: String, secure: bool, max_age_secs: Option<i64>) -> Cookie<'static> {
    let mut c = Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure);
    if let Some(secs) = max_age_secs {
        c = c.max_age(cookie::time::Duration::seconds(secs));
    }
    c.build()
}

/// A form body whose CSRF field matched the cookie. Refusal: 403 with a page to reload.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<WebState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &WebState) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(req.headers());
        let cookie = jar.get(CSRF_COOKIE).map(|c| c.value().to_string());
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| (StatusCode::PAYLOAD_TOO_LARGE, "body too large").into_response())?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        let sent = pairs.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str());
        match (cookie.as_deref(), sent) {
            (Some(c), Some(s)) if !c.is_empty() && constant_time_eq(c, s) => {}
            _ => return Err((StatusCode::FORBIDDEN, crate::pages::csrf_failed_page()).into_response()),
        }
        let value = serde_urlencoded::from_bytes(&bytes)
            .map_err(|e| (StatusCode::UNPROCESSABLE_ENTITY, e.to_string()).into_response())?;
        Ok(CsrfForm(value))
    }
}

/// A `multipart/form-data` form (one with a file) whose CSRF field matched the cookie: its text
/// fields by name and its one file. Refusal: 403 with a page to reload, 413 when too large.
pub struct CsrfUpload {
    pub fields: HashMap<String, String>,
    /// The file's name as the browser gave it, and its bytes (empty when none was chosen).
    pub file_name: String,
    pub content: Vec<u8>,
}

impl FromRequest<WebState> for CsrfUpload {
    type Rejection = Response;

    async fn from_request(req: Request, state: &WebState) -> Result<Self, Self::Rejection> {
        let too_large = || (StatusCode::PAYLOAD_TOO_LARGE, "body too large").into_response();
        let jar = CookieJar::from_headers(req.headers());
        let cookie = jar.get(CSRF_COOKIE).map(|c| c.value().to_string());
        let mut multipart = axum::extract::Multipart::from_request(req, state)
            .await
            .map_err(|e| (StatusCode::BAD_REQUEST, e.body_text()).into_response())?;
        let mut upload = CsrfUpload {
            fields: HashMap::new(),
            file_name: String::new(),
            content: Vec::new(),
        };
        while let Some(field) = multipart.next_field().await.map_err(|_| too_large())? {
            let name = field.name().unwrap_or_default().to_string();
            if let Some(file_name) = field.file_name() {
                upload.file_name = file_name.to_string();
                upload.content = field.bytes().await.map_err(|_| too_large())?.to_vec();
            } else {
                let value = field.text().await.map_err(|_| too_large())?;
                upload.fields.insert(name, value);
            }
        }
        let sent = upload.fields.get("csrf").map(String::as_str);
        match (cookie.as_deref(), sent) {
            (Some(c), Some(s)) if !c.is_empty() && constant_time_eq(c, s) => Ok(upload),
            _ => Err((StatusCode::FORBIDDEN, crate::pages::csrf_failed_page()).into_response()),
        }
    }
}

/// A fixed-window limit per client address (login, sign-up, password reset).
pub struct RateLimiter {
    max: u32,
    window: Duration,
    hits: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn new(max: u32, window: Duration) -> RateLimiter {
        RateLimiter {
            max,
            window,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one attempt from `key`; false when over the limit.
    pub fn allow(&self, key: &str) -> bool {
        let now = Instant::now();
        let Ok(mut hits) = self.hits.lock() else { return true };
        if hits.len() > 100_000 {
            hits.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let entry = hits.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= self.max
    }
}
