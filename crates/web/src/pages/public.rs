//! Pages before and around login: sign-up, email verification, login, logout, language,
//! the dashboard.

use super::{Page, form_failure, safe_next, see_other, see_other_with_cookie, session_cookie};
use crate::WebState;
use crate::auth::{Client, CsrfForm, CsrfToken, LANG_COOKIE, MaybeUser, PageUser, PageUserAnyTerms, build_cookie};
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kernel::Lang;
use minijinja::context;
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/signup", get(signup_page).post(signup))
        .route("/verify-email", get(verify_email))
        .route("/dashboard", get(dashboard))
        .route("/lang", post(set_lang))
}

async fn home(MaybeUser(p): MaybeUser) -> Response {
    match p {
        Some(p) if p.is_operator() => see_other("/operator/accounts"),
        Some(_) => see_other("/dashboard"),
        None => see_other("/login"),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginQuery {
    next: String,
    notice: Option<String>,
}

async fn login_page(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    uri: Uri,
    MaybeUser(p): MaybeUser,
    Query(q): Query<LoginQuery>,
) -> Response {
    if p.is_some() {
        return see_other("/");
    }
    let notice = q.notice.as_deref().filter(|n| n.starts_with("notice."));
    let page = Page::new(client.lang, &csrf, uri.path(), None).notice(notice);
    page.render(
        &s,
        "login.html",
        context! { next => q.next, form => context! { email => "" } },
    )
    .into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginForm {
    email: String,
    password: String,
    next: String,
}

async fn login(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/login", None);
    let key = format!("login:{}", client.ip.as_deref().unwrap_or("-"));
    let result = if s.limiter.allow(&key) {
        s.app.login(&form.email, &form.password, &client.visitor()).await
    } else {
        Err(app::AppError::Unauthorized("rate_limited"))
    };
    match result {
        Ok(session) => {
            let to = if session.principal.terms_required {
                "/terms/accept".to_string()
            } else if session.principal.is_operator() && form.next.is_empty() {
                "/operator/accounts".to_string()
            } else {
                safe_next(if form.next.is_empty() { "/dashboard" } else { &form.next }).to_string()
            };
            let mut resp = see_other_with_cookie(&to, session_cookie(&s, session.token));
            let lang = build_cookie(
                LANG_COOKIE,
                session.principal.user.lang.code().to_string(),
                s.secure_cookies,
                Some(365 * 86400),
            );
            if let Ok(v) = lang.to_string().parse() {
                resp.headers_mut().append(axum::http::header::SET_COOKIE, v);
            }
            resp
        }
        Err(e) => {
            let (_, error) = form_failure(client.lang, &e);
            let status = if matches!(e, app::AppError::Unauthorized("rate_limited")) {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNAUTHORIZED
            };
            let html = page.render(
                &s,
                "login.html",
                context! { next => form.next, error => error, form => context! { email => form.email } },
            );
            (status, html).into_response()
        }
    }
}

async fn logout(
    State(s): State<WebState>,
    client: Client,
    PageUserAnyTerms(p): PageUserAnyTerms,
    CsrfForm(_): CsrfForm<BTreeMap<String, String>>,
) -> Response {
    if let Err(e) = s.app.logout(&p, &client.actor(&p)).await {
        tracing::error!(error = %e, "logout failed");
    }
    let gone = build_cookie(crate::auth::SESSION_COOKIE, String::new(), s.secure_cookies, Some(0));
    see_other_with_cookie("/login?notice=notice.logged_out", gone)
}

async fn signup_page(State(s): State<WebState>, client: Client, csrf: CsrfToken, MaybeUser(p): MaybeUser) -> Response {
    let page = Page::new(client.lang, &csrf, "/signup", p.as_ref());
    let terms = s.app.current_terms().await.ok().flatten();
    page.render(&s, "signup.html", context! { form => BTreeMap::<String, String>::new(), errors => BTreeMap::<String, String>::new(), terms_version => terms.map(|t| t.version) })
        .into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SignupForm {
    legal_name: String,
    siren: String,
    vat_number: String,
    address_line: String,
    postal_code: String,
    city: String,
    country: String,
    admin_name: String,
    admin_email: String,
    password: String,
    accept_terms: Option<String>,
    certify_authority: Option<String>,
}

async fn signup(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<SignupForm>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/signup", None);
    let key = format!("signup:{}", client.ip.as_deref().unwrap_or("-"));
    let input = platform::signup::SignupInput {
        legal_name: form.legal_name.clone(),
        siren: form.siren.clone(),
        vat_number: form.vat_number.clone(),
        address_line: form.address_line.clone(),
        postal_code: form.postal_code.clone(),
        city: form.city.clone(),
        country: form.country.clone(),
        admin_name: form.admin_name.clone(),
        admin_email: form.admin_email.clone(),
        password: form.password.clone(),
        accept_terms: form.accept_terms.is_some(),
        certify_authority: form.certify_authority.is_some(),
        lang: Some(client.lang),
    };
    let result = if s.limiter.allow(&key) {
        s.app.signup(input, &client.visitor()).await
    } else {
        Err(app::AppError::Unauthorized("rate_limited"))
    };
    match result {
        Ok(_) => page.message(
            &s,
            StatusCode::CREATED,
            "signup.done_title",
            crate::i18n::message(client.lang, "signup.done"),
            Some(("/login", "login.title")),
        ),
        Err(e) => {
            let (errors, error) = form_failure(client.lang, &e);
            let terms = s.app.current_terms().await.ok().flatten();
            let kept = context! {
                legal_name => form.legal_name, siren => form.siren, vat_number => form.vat_number,
                address_line => form.address_line, postal_code => form.postal_code, city => form.city,
                country => form.country, admin_name => form.admin_name, admin_email => form.admin_email,
                accept_terms => form.accept_terms.is_some(), certify_authority => form.certify_authority.is_some(),
            };
            let html = page.render(
                &s,
                "signup.html",
                context! { form => kept, errors => errors, error => error, terms_version => terms.map(|t| t.version) },
            );
            (StatusCode::UNPROCESSABLE_ENTITY, html).into_response()
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenQuery {
    token: String,
}

async fn verify_email(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    Query(q): Query<TokenQuery>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/verify-email", None);
    match s.app.verify_email(&q.token, &client.visitor()).await {
        Ok(_) => page.message(
            &s,
            StatusCode::OK,
            "verify.done_title",
            crate::i18n::message(client.lang, "verify.done"),
            Some(("/login", "login.title")),
        ),
        Err(e) => page.message(
            &s,
            StatusCode::BAD_REQUEST,
            "verify.failed_title",
            crate::i18n::message(client.lang, e.code()),
            Some(("/login", "login.title")),
        ),
    }
}

async fn dashboard(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUser(p): PageUser,
    Query(q): Query<super::NoticeQuery>,
) -> Response {
    if p.is_operator() {
        return see_other("/operator/accounts");
    }
    let page = Page::new(client.lang, &csrf, "/dashboard", Some(&p))
        .nav("dashboard")
        .notice(q.key());
    let Some(account) = p.account.as_ref() else {
        return see_other("/login");
    };
    let users_count = s.app.users(account.id).await.map(|u| u.len()).unwrap_or(0);
    let terms_version = match account.terms_version_id {
        Some(t) => s.app.terms_version(t).await.ok().map(|t| t.version),
        None => None,
    };
    // What the holder still owes the platform (INES-KYC), shown to those who can provide it.
    let kyc_missing: Vec<&str> = if p.is_admin() {
        s.app.kyc(account.id).await.map(|k| k.missing()).unwrap_or_default()
    } else {
        Vec::new()
    };
    page.render(
        &s,
        "dashboard.html",
        context! {
            account => minijinja::Value::from(minijinja::value::Serde(account)), users_count => users_count,
            terms_version => terms_version, kyc_missing => kyc_missing,
        },
    )
    .into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LangForm {
    lang: String,
    next: String,
}

/// Changes the language: stored on the user when logged in, and in a cookie for visitors.
async fn set_lang(
    State(s): State<WebState>,
    client: Client,
    MaybeUser(p): MaybeUser,
    CsrfForm(form): CsrfForm<LangForm>,
) -> Response {
    let lang = Lang::from_code(&form.lang).unwrap_or(client.lang);
    if let Some(p) = &p
        && let Err(e) = s.app.set_own_lang(p, lang, &client.actor(p)).await
    {
        tracing::error!(error = %e, "language change failed");
    }
    let cookie = build_cookie(
        LANG_COOKIE,
        lang.code().to_string(),
        s.secure_cookies,
        Some(365 * 86400),
    );
    see_other_with_cookie(safe_next(&form.next), cookie)
}
