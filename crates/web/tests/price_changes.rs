//! Price changes over HTTP: the operator's page and API (list, filter, schedule, refusals
//! naming the field), the subscription's announced changes in the API and on the customer's
//! page, and the refusal by button and by API — in French and English, on every backend.
//!
//! Amounts in cents read as euros_cents: 150_00 is 150.00 €.
#![allow(clippy::inconsistent_digit_grouping)]

use app::{Actor, App};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use store::testkit::TestDatabase;
use tower::ServiceExt;

const OPERATOR: (&str, &str) = ("operator@comptoir.test", "operateur-demo-2026");
const ADMIN: (&str, &str) = ("admin@boulangerie-exemple.test", "admin-demo-2026");

struct Client {
    router: axum::Router,
    cookies: std::collections::BTreeMap<String, String>,
    lang: &'static str,
}

impl Client {
    async fn send(&mut self, req: Request<Body>) -> (StatusCode, String, Option<String>) {
        let resp = self.router.clone().oneshot(req).await.expect("response");
        for v in resp.headers().get_all(header::SET_COOKIE) {
            let raw = v.to_str().unwrap_or_default();
            if let Some((kv, _)) = raw.split_once(';')
                && let Some((k, v)) = kv.split_once('=')
            {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
        let status = resp.status();
        let location = resp
            .headers()
            .get(header::LOCATION)
            .map(|l| l.to_str().unwrap_or_default().to_string());
        let bytes = axum::body::to_bytes(resp.into_body(), 4 << 20).await.expect("body");
        (status, String::from_utf8_lossy(&bytes).into_owned(), location)
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn get(&mut self, path: &str) -> (StatusCode, String, Option<String>) {
        let req = Request::get(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::ACCEPT_LANGUAGE, self.lang)
            .body(Body::empty())
            .expect("request");
        self.send(req).await
    }

    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String, Option<String>) {
        let csrf = self.cookies.get("comptoir_csrf").cloned().unwrap_or_default();
        let mut all: Vec<(&str, &str)> = vec![("csrf", &csrf)];
        all.extend_from_slice(fields);
        let req = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT_LANGUAGE, self.lang)
            .body(Body::from(serde_urlencoded::to_string(&all).expect("form")))
            .expect("request");
        self.send(req).await
    }

    async fn login(&mut self, (email, password): (&str, &str)) {
        self.get("/login").await;
        let (status, _, _) = self.post("/login", &[("email", email), ("password", password)]).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "login {email}");
        let lang = self.lang;
        self.post("/lang", &[("lang", lang), ("next", "/dashboard")]).await;
    }

    /// A JSON API call with a bearer key.
    async fn api(&mut self, method: &str, path: &str, key: &str, body: Option<Value>) -> (StatusCode, Value) {
        let builder = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {key}"));
        let req = match body {
            Some(b) => builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.to_string())),
            None => builder.body(Body::empty()),
        }
        .expect("request");
        let (status, text, _) = self.send(req).await;
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

/// A page that rendered, with every message translated.
fn assert_page(path: &str, (status, body, _): &(StatusCode, String, Option<String>)) {
    assert_eq!(*status, StatusCode::OK, "{path}: {body}");
    for prefix in ["prices.", "nav.", "notice.", "subs.", "ui."] {
        for around in [">", "\"", " "] {
            let raw = format!("{around}{prefix}");
            if let Some(i) = body.find(&raw) {
                let next = body[i + raw.len()..].chars().next();
                assert!(
                    !next.is_some_and(|c| c.is_ascii_lowercase()),
                    "{path}: untranslated key near {:?}",
                    &body[i..(i + 40).min(body.len())]
                );
            }
        }
    }
}

async fn key_for(app: &App, (email, password): (&str, &str)) -> String {
    let s = app.login(email, password, &Actor::system()).await.expect("login");
    let (_, token) = app
        .create_api_key(&s.principal, "test", &Actor::system())
        .await
        .expect("key");
    token
}

/// Two INES subscriptions of the demo account, activated on 15 March 2026 on a test clock now
/// at 1 April.
async fn ines_account(app: &App) -> (kernel::AccountId, Vec<String>) {
    let admin = app
        .login(ADMIN.0, ADMIN.1, &Actor::system())
        .await
        .expect("admin")
        .principal;
    let account = admin.user.account_id.expect("account");
    let clock = app
        .create_clock("prices", "2026-03-15T09:00:00+01:00[Europe/Paris]", &Actor::system())
        .await
        .expect("clock");
    app.attach_clock(account, Some(clock.id), &Actor::system())
        .await
        .expect("attach");
    let mut ids = Vec::new();
    for _ in 0..2 {
        let input = app::subscriptions::SubscribeInput {
            offer: "ines".into(),
            plan: "standard".into(),
            period: "quarterly".into(),
            units: [("users".to_string(), 1)].into(),
            options: Default::default(),
            code: None,
        };
        let v = app
            .subscribe(account, input, &Actor::system())
            .await
            .expect("subscribe");
        app.activate_subscription(account, v.subscription.id, &Actor::system())
            .await
            .expect("activate");
        ids.push(v.subscription.id.to_string());
    }
    app.advance_clock(clock.id, "2026-04-01", &Actor::system())
        .await
        .expect("advance");
    (account, ids)
}

#[tokio::test]
async fn price_changes_over_the_api_and_the_pages() {
    for lang in ["fr", "en"] {
        for database in TestDatabase::every_backend().await {
            eprintln!("price changes on {} in {lang}", database.label);
            let app = App::new(
                database.db.clone(),
                app::AppConfig {
                    public_url: "http://localhost".into(),
                    ..Default::default()
                },
                mail::Transport::Outbox,
            );
            app.load_demo().await.expect("demo");
            let (_, subs) = ines_account(&app).await;
            let router = web::router(web::WebState::new(app.clone(), false));
            let mut c = Client {
                router,
                cookies: Default::default(),
                lang,
            };
            let op_key = key_for(&app, OPERATOR).await;
            let admin_key = key_for(&app, ADMIN).await;

            // API: operator only; refusals name the field; nothing written.
            let (status, body) = c.api("GET", "/api/v1/operator/price-changes", &admin_key, None).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
            let (status, body) = c.api("GET", "/api/v1/operator/price-changes", &op_key, None).await;
            assert_eq!((status, body.clone()), (StatusCode::OK, json!([])));
            let bad = [
                (
                    json!({"offer": "claralex", "plan": "standard", "period": "monthly", "price": "50", "reason": "r"}),
                    "offer",
                    "price_change_not_allowed",
                ),
                (
                    json!({"offer": "ines", "plan": "gold", "period": "quarterly", "price": "150", "reason": "r"}),
                    "plan",
                    "plan_unknown",
                ),
                (
                    json!({"offer": "ines", "plan": "standard", "period": "quarterly", "price": "-1", "reason": "r"}),
                    "price",
                    "price_negative",
                ),
                (
                    json!({"offer": "ines", "plan": "standard", "period": "quarterly", "price": "1.234", "reason": "r"}),
                    "price",
                    "price_invalid",
                ),
                (
                    json!({"offer": "ines", "plan": "standard", "period": "quarterly", "price": "135", "reason": "r"}),
                    "price",
                    "price_unchanged",
                ),
                (
                    json!({"offer": "ines", "plan": "standard", "period": "quarterly", "price": "150", "reason": " "}),
                    "reason",
                    "required",
                ),
            ];
            for (body, field, code) in bad {
                let (status, problem) = c
                    .api("POST", "/api/v1/operator/price-changes", &op_key, Some(body))
                    .await;
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
                assert_eq!(
                    (problem["field"].as_str(), problem["code"].as_str()),
                    (Some(field), Some(code))
                );
            }
            let (_, list) = c.api("GET", "/api/v1/operator/price-changes", &op_key, None).await;
            assert_eq!(list, json!([]), "nothing written");

            let (status, done) = c
                .api(
                    "POST",
                    "/api/v1/operator/price-changes",
                    &op_key,
                    Some(json!({"offer": "ines", "plan": "standard", "period": "quarterly", "price": "150", "reason": "Indexation"})),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{done}");
            assert_eq!(done["change"]["new_price"], 150_00);
            assert_eq!(done["notices"].as_array().map(Vec::len), Some(2));
            let (_, list) = c
                .api("GET", "/api/v1/operator/price-changes?offer=ines", &op_key, None)
                .await;
            assert_eq!(list.as_array().map(Vec::len), Some(1));
            let (_, list) = c
                .api("GET", "/api/v1/operator/price-changes?offer=oseox", &op_key, None)
                .await;
            assert_eq!(list, json!([]));

            // The subscription shows what was announced; the administrator refuses by API.
            let (status, sub) = c
                .api("GET", &format!("/api/v1/subscriptions/{}", subs[0]), &admin_key, None)
                .await;
            assert_eq!(status, StatusCode::OK, "{sub}");
            let notice = &sub["price_changes"][0];
            assert_eq!(notice["refusal_deadline"], "2026-05-01");
            assert_eq!(notice["applies_from"], "2026-06-15");
            assert_eq!(
                (notice["old_price"].as_i64(), notice["new_price"].as_i64()),
                (Some(135_00), Some(150_00))
            );
            let path = format!("/api/v1/subscriptions/{}/refuse-price-change", subs[0]);
            let (status, refused) = c.api("POST", &path, &admin_key, None).await;
            assert_eq!(status, StatusCode::OK, "{refused}");
            assert_eq!(refused["ends_on"], "2026-06-15");
            assert_eq!(refused["subscription"]["state"], "ending");
            let (status, again) = c.api("POST", &path, &admin_key, None).await;
            assert_eq!(status, StatusCode::CONFLICT, "{again}");
            assert_eq!(again["code"], "no_price_change_to_refuse");
            let (status, _) = c.api("POST", &path, &op_key, None).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "operator staff administer no account");

            // Pages: the operator's list, filter, form errors, the links to it.
            c.login(OPERATOR).await;
            for path in [
                "/operator/price-changes",
                "/operator/price-changes?offer=ines",
                "/operator/offers/ines",
            ] {
                let r = c.get(path).await;
                assert_page(path, &r);
                assert!(
                    r.1.contains("href=\"/operator/price-changes\""),
                    "{path}: the operator menu links to it"
                );
            }
            let (_, page, _) = c.get("/operator/offers/ines").await;
            assert!(
                page.contains("/operator/price-changes?offer=ines"),
                "the offer page links to its changes"
            );
            let (_, page, _) = c.get("/operator/price-changes?offer=ines").await;
            assert!(page.contains("Indexation"));
            let (status, page, _) = c
                .post(
                    "/operator/price-changes",
                    &[
                        ("offer", "ines"),
                        ("plan", "standard"),
                        ("period", "quarterly"),
                        ("price", "abc"),
                        ("reason", "x"),
                    ],
                )
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(page.contains("price-error"), "the price field carries its error");
            let (status, _, location) = c
                .post(
                    "/operator/price-changes",
                    &[
                        ("offer", "ines"),
                        ("plan", "standard"),
                        ("period", "annual"),
                        ("price", "600"),
                        ("reason", "Indexation annuelle"),
                    ],
                )
                .await;
            assert_eq!(status, StatusCode::SEE_OTHER);
            assert!(location.is_some_and(|l| l.contains("notice.price_change_scheduled")));

            // The customer's page shows the announced change and refuses it by button.
            let mut admin = Client {
                router: c.router.clone(),
                cookies: Default::default(),
                lang,
            };
            admin.login(ADMIN).await;
            let r = admin.get("/settings/subscriptions").await;
            assert_page("/settings/subscriptions", &r);
            assert!(r.1.contains(&format!("refuse-price-{}", subs[1])), "a refuse button");
            assert!(!r.1.contains(&format!("refuse-price-{}\"", subs[0])), "already refused");
            let (status, _, location) = admin
                .post(&format!("/settings/subscriptions/{}/refuse-price", subs[1]), &[])
                .await;
            assert_eq!(status, StatusCode::SEE_OTHER);
            assert!(location.is_some_and(|l| l.contains("notice.price_change_refused")));
            let r = admin
                .get("/settings/subscriptions?notice=notice.price_change_refused")
                .await;
            assert_page("/settings/subscriptions", &r);
            assert!(
                !r.1.contains(&format!("refuse-price-{}", subs[1])),
                "nothing left to refuse"
            );

            // INES-EARLY-TERM: a third INES subscription shows what ending early costs, and ends.
            let account = app
                .login(ADMIN.0, ADMIN.1, &Actor::system())
                .await
                .expect("admin")
                .principal
                .user
                .account_id
                .expect("account");
            let input = app::subscriptions::SubscribeInput {
                offer: "ines".into(),
                plan: "standard".into(),
                period: "quarterly".into(),
                units: [("users".to_string(), 1)].into(),
                ..Default::default()
            };
            let third = app.subscribe(account, input, &Actor::system()).await.expect("third");
            let third = third.subscription.id;
            app.activate_subscription(account, third, &Actor::system())
                .await
                .expect("activate");
            let r = admin.get("/settings/subscriptions").await;
            assert_page("/settings/subscriptions with an early termination", &r);
            assert!(r.1.contains(&format!("terminate-early-{third}")));
            let (status, _, location) = admin
                .post(&format!("/settings/subscriptions/{third}/terminate-early"), &[])
                .await;
            assert_eq!(status, StatusCode::SEE_OTHER);
            assert!(location.is_some_and(|l| l.contains("notice.terminated_early")));
            let r = admin.get("/settings/subscriptions").await;
            assert!(!r.1.contains(&format!("terminate-early-{third}")), "ending now");
            database.finish().await;
        }
    }
}
