//! Public pages around an account: forgotten password, password reset, invitation acceptance,
//! the terms of service (public reading and acceptance).

use super::{Page, error_page, form_failure, not_found, see_other};
use crate::WebState;
use crate::auth::{Client, CsrfForm, CsrfToken, MaybeUser, PageUserAnyTerms};
use crate::i18n::message;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minijinja::{Value, context};
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/forgot-password", get(forgot_page).post(forgot))
        .route("/reset-password", get(reset_page).post(reset))
        .route("/invitations/accept", get(invitation_page).post(accept_invitation))
        .route("/terms", get(terms_in_force))
        .route("/terms/accept", get(accept_page).post(accept_terms))
        .route("/terms/{id}", get(terms_version))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EmailForm {
    email: String,
}

async fn forgot_page(State(s): State<WebState>, client: Client, csrf: CsrfToken, MaybeUser(p): MaybeUser) -> Response {
    let page = Page::new(client.lang, &csrf, "/forgot-password", p.as_ref());
    page.render(
        &s,
        "forgot_password.html",
        context! { form => context! { email => "" } },
    )
    .into_response()
}

/// Always the same answer, whether the address is known or not.
async fn forgot(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<EmailForm>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/forgot-password", None);
    let key = format!("reset:{}", client.ip.as_deref().unwrap_or("-"));
    if s.limiter.allow(&key) {
        if let Err(e) = s.app.request_password_reset(&form.email, &client.visitor()).await
            && matches!(e, app::AppError::Store(_) | app::AppError::Unexpected(_))
        {
            tracing::error!(error = %e, "password reset request failed");
        }
    } else {
        let html = page.render(
            &s,
            "forgot_password.html",
            context! { form => context! { email => form.email }, error => message(page.lang, "rate_limited") },
        );
        return (StatusCode::TOO_MANY_REQUESTS, html).into_response();
    }
    page.message(
        &s,
        StatusCode::OK,
        "forgot.done_title",
        message(page.lang, "forgot.done"),
        Some(("/login", "login.title")),
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TokenQuery {
    token: String,
}

async fn reset_page(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    Query(q): Query<TokenQuery>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/reset-password", None);
    page.render(
        &s,
        "reset_password.html",
        context! { token => q.token, errors => BTreeMap::<String, String>::new() },
    )
    .into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ResetForm {
    token: String,
    password: String,
}

async fn reset(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<ResetForm>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/reset-password", None);
    let key = format!("reset:{}", client.ip.as_deref().unwrap_or("-"));
    let result = if s.limiter.allow(&key) {
        s.app
            .reset_password(&form.token, &form.password, &client.visitor())
            .await
    } else {
        Err(app::AppError::Unauthorized("rate_limited"))
    };
    match result {
        Ok(()) => see_other("/login?notice=notice.password_reset"),
        Err(app::AppError::Token(code)) => page.message(
            &s,
            StatusCode::BAD_REQUEST,
            "reset.failed_title",
            message(page.lang, code),
            Some(("/forgot-password", "login.forgot")),
        ),
        Err(e) => {
            let (mut errors, error) = form_failure(page.lang, &e);
            if let Some(v) = errors.remove("new_password") {
                errors.insert("password".into(), v);
            }
            let html = page.render(
                &s,
                "reset_password.html",
                context! { token => form.token, errors => errors, error => error },
            );
            (StatusCode::UNPROCESSABLE_ENTITY, html).into_response()
        }
    }
}

async fn invitation_page(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    Query(q): Query<TokenQuery>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/invitations/accept", None);
    match s.app.invitation_by_token(&q.token).await {
        Ok((inv, company)) => page
            .render(
                &s,
                "invitation_accept.html",
                context! {
                    token => q.token, company => company, email => inv.email,
                    form => context! { name => "" }, errors => BTreeMap::<String, String>::new(),
                },
            )
            .into_response(),
        Err(e) => invitation_failed(&page, &s, &e),
    }
}

fn invitation_failed(page: &Page, s: &WebState, e: &app::AppError) -> Response {
    match e {
        app::AppError::Token(code) => page.message(
            s,
            StatusCode::BAD_REQUEST,
            "invite.failed_title",
            message(page.lang, code),
            Some(("/login", "login.title")),
        ),
        other => error_page(page, s, other),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AcceptForm {
    token: String,
    name: String,
    password: String,
}

async fn accept_invitation(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<AcceptForm>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/invitations/accept", None);
    let input = app::users::AcceptInvitationInput {
        token: form.token.clone(),
        name: form.name.clone(),
        password: form.password.clone(),
    };
    match s.app.accept_invitation(input, client.lang, &client.visitor()).await {
        Ok(_) => page.message(
            &s,
            StatusCode::OK,
            "invite.done_title",
            message(page.lang, "invite.done"),
            Some(("/login", "login.title")),
        ),
        Err(e @ app::AppError::Token(_)) => invitation_failed(&page, &s, &e),
        Err(e) => {
            let (errors, error) = form_failure(page.lang, &e);
            let (email, company) = match s.app.invitation_by_token(&form.token).await {
                Ok((inv, company)) => (inv.email, company),
                Err(e) => return invitation_failed(&page, &s, &e),
            };
            let html = page.render(
                &s,
                "invitation_accept.html",
                context! {
                    token => form.token, company => company, email => email,
                    form => context! { name => form.name }, errors => errors, error => error,
                },
            );
            (StatusCode::UNPROCESSABLE_ENTITY, html).into_response()
        }
    }
}

/// Markdown to HTML; raw HTML in the source is shown as text, never passed through.
pub fn markdown(src: &str) -> String {
    use pulldown_cmark::{Event, Parser};
    let events = Parser::new(src).map(|ev| match ev {
        Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
        other => other,
    });
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, events);
    out
}

fn terms_context(t: &platform::model::TermsVersion) -> Value {
    context! {
        id => t.id.to_string(), version => t.version.clone(), effective_at => t.effective_at.to_string(),
        published_at => t.published_at.to_string(), html => Value::from_safe_string(markdown(&t.body_md)),
    }
}

async fn terms_in_force(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    MaybeUser(p): MaybeUser,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/terms", p.as_ref());
    match s.app.current_terms().await {
        Ok(Some(t)) => page
            .render(&s, "terms.html", context! { terms => terms_context(&t) })
            .into_response(),
        Ok(None) => not_found(&page, &s),
        Err(e) => error_page(&page, &s, &e),
    }
}

async fn terms_version(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    MaybeUser(p): MaybeUser,
    Path(id): Path<String>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/terms", p.as_ref());
    let Ok(id) = id.parse::<kernel::TermsVersionId>() else {
        return not_found(&page, &s);
    };
    match s.app.terms_version(id).await {
        Ok(t) => page
            .render(&s, "terms.html", context! { terms => terms_context(&t) })
            .into_response(),
        Err(e) => error_page(&page, &s, &e),
    }
}

async fn accept_page(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUserAnyTerms(p): PageUserAnyTerms,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/terms/accept", Some(&p));
    match s.app.current_terms().await {
        Ok(Some(t)) => page
            .render(
                &s,
                "terms_accept.html",
                context! { terms => terms_context(&t), required => p.terms_required },
            )
            .into_response(),
        Ok(None) => not_found(&page, &s),
        Err(e) => error_page(&page, &s, &e),
    }
}

async fn accept_terms(
    State(s): State<WebState>,
    client: Client,
    csrf: CsrfToken,
    PageUserAnyTerms(p): PageUserAnyTerms,
    CsrfForm(_): CsrfForm<BTreeMap<String, String>>,
) -> Response {
    let page = Page::new(client.lang, &csrf, "/terms/accept", Some(&p));
    match s.app.accept_terms(&p, &client.actor(&p)).await {
        Ok(_) => see_other("/dashboard?notice=notice.terms_accepted"),
        Err(e) => error_page(&page, &s, &e),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn markdown_escapes_raw_html() {
        let html = super::markdown("# T\n\n<script>alert(1)</script>\n\nok <b>x</b>");
        assert!(html.contains("<h1>T</h1>"));
        assert!(!html.contains("<script>"));
        assert!(!html.contains("<b>"));
        assert!(html.contains("&lt;script&gt;"));
    }
}
