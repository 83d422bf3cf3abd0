//! Discount and referral codes over the web (OSX-CODES, OSX-NO-DISCOUNT): the operator's page
//! and API, the code field of the subscribe form and of a subscription, on every backend.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use store::testkit::TestDatabase;
use tower::ServiceExt;

/// A browser session (cookies) or an API client (a bearer key) on the router.
struct Client {
    router: axum::Router,
    cookies: std::collections::BTreeMap<String, String>,
    key: Option<String>,
    lang: &'static str,
}

impl Client {
    fn new(router: &axum::Router, lang: &'static str) -> Client {
        Client {
            router: router.clone(),
            cookies: Default::default(),
            key: None,
            lang,
        }
    }

    async fn send(&mut self, req: Request<Body>) -> (StatusCode, String, Option<String>) {
        let resp = self.router.clone().oneshot(req).await.expect("response");
        for v in resp.headers().get_all(header::SET_COOKIE) {
            if let Some((kv, _)) = v.to_str().unwrap_or_default().split_once(';')
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

    fn request(&self, method: &str, path: &str) -> axum::http::request::Builder {
        let cookies: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::COOKIE, cookies.join("; "))
            .header(header::ACCEPT_LANGUAGE, self.lang);
        if let Some(key) = &self.key {
            req = req.header(header::AUTHORIZATION, format!("Bearer {key}"));
        }
        req
    }

    async fn get(&mut self, path: &str) -> (StatusCode, String, Option<String>) {
        let req = self.request("GET", path).body(Body::empty()).expect("request");
        self.send(req).await
    }

    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String, Option<String>) {
        let csrf = self.cookies.get("comptoir_csrf").cloned().unwrap_or_default();
        let mut all: Vec<(&str, &str)> = vec![("csrf", &csrf)];
        all.extend_from_slice(fields);
        let req = self
            .request("POST", path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(serde_urlencoded::to_string(&all).expect("form")))
            .expect("request");
        self.send(req).await
    }

    async fn json(&mut self, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let req = match body {
            Some(b) => self
                .request(method, path)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.to_string())),
            None => self.request(method, path).body(Body::empty()),
        }
        .expect("request");
        let (status, text, _) = self.send(req).await;
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn login(&mut self, email: &str, password: &str) {
        self.get("/login").await;
        let (status, _, _) = self.post("/login", &[("email", email), ("password", password)]).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "login {email}");
        let lang = self.lang;
        self.post("/lang", &[("lang", lang), ("next", "/dashboard")]).await;
    }
}

const OPERATOR: (&str, &str) = ("operator@comptoir.test", "operateur-demo-2026");
const ADMIN: (&str, &str) = ("admin@boulangerie-exemple.test", "admin-demo-2026");

async fn api_key(app: &app::App, (email, password): (&str, &str)) -> String {
    let s = app.login(email, password, &app::Actor::system()).await.expect("login");
    app.create_api_key(&s.principal, "codes", &app::Actor::system())
        .await
        .expect("key")
        .1
}

/// Runs `test` on every backend, on a fresh database with the demo loaded.
async fn on_every_backend(test: impl AsyncFn(axum::Router, app::App)) {
    for database in TestDatabase::every_backend().await {
        eprintln!("codes on {}", database.label);
        let app = app::App::new(
            database.db.clone(),
            app::AppConfig {
                public_url: "http://localhost".into(),
                ..Default::default()
            },
            mail::Transport::Outbox,
        );
        app.load_demo().await.expect("demo");
        let router = web::router(web::WebState::new(app.clone(), false));
        test(router, app).await;
        database.finish().await;
    }
}

/// No template error and no message key left untranslated on a page.
fn assert_translated(path: &str, status: StatusCode, body: &str) {
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    for key in ["codes.", "subs.", "nav.", "notice."] {
        for around in [">", "\"", " "] {
            let raw = format!("{around}{key}");
            if let Some(i) = body.find(&raw) {
                let next = body[i + raw.len()..].chars().next();
                assert!(
                    !next.is_some_and(|c| c.is_ascii_lowercase()),
                    "{path}: untranslated {key}"
                );
            }
        }
    }
}

// clause: OSX-CODES
#[tokio::test]
async fn codes_over_the_api() {
    on_every_backend(async |router, app| {
        let mut op = Client::new(&router, "en");
        op.key = Some(api_key(&app, OPERATOR).await);
        let mut admin = Client::new(&router, "en");
        admin.key = Some(api_key(&app, ADMIN).await);

        let (status, body) = op
            .json(
                "POST",
                "/api/v1/operator/codes",
                Some(json!({"code": "bienvenue", "percent": "100", "duration": "periods", "periods": 2,
                    "offers": ["oseox"], "max_redemptions": 10, "description": "Salon 2026"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["code"], "BIENVENUE");
        assert_eq!(body["percent"], "100%");
        assert_eq!(body["status"], "active");
        // Bad input: a problem naming the field; a taken code: 409.
        let (status, body) = op
            .json(
                "POST",
                "/api/v1/operator/codes",
                Some(json!({"code": "x", "amount": "5", "duration": "once"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!((body["code"].as_str(), body["field"].as_str()), (Some("code_length"), Some("code")));
        let (status, body) = op
            .json(
                "POST",
                "/api/v1/operator/codes",
                Some(json!({"code": "BIENVENUE", "amount": "5", "duration": "once"})),
            )
            .await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("code_taken")));
        // Customers cannot manage codes.
        let (status, _) = admin.json("GET", "/api/v1/operator/codes", None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // Subscribing with a code in the body; an offer without codes refuses it.
        let (status, body) = admin
            .json(
                "POST",
                "/api/v1/subscriptions",
                Some(json!({"offer": "ines", "plan": "standard", "period": "quarterly", "units": {"users": 1}, "code": "BIENVENUE"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!((body["code"].as_str(), body["field"].as_str()), (Some("offer_refuses_codes"), Some("code")));
        let (status, body) = admin
            .json(
                "POST",
                "/api/v1/subscriptions",
                Some(json!({"offer": "oseox", "plan": "s", "period": "monthly", "code": "Bienvenue"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (status, body) = admin
            .json(
                "POST",
                "/api/v1/subscriptions",
                Some(json!({"offer": "oseox", "plan": "l", "period": "monthly"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let other = body["id"].as_str().expect("id").to_string();
        // Once per account.
        let (status, body) = admin
            .json(
                "POST",
                &format!("/api/v1/subscriptions/{other}/code"),
                Some(json!({"code": "BIENVENUE"})),
            )
            .await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("code_already_used")));
        let (_, body) = op
            .json(
                "POST",
                "/api/v1/operator/codes",
                Some(json!({"code": "FIXE5", "amount": "5", "duration": "forever"})),
            )
            .await;
        assert_eq!(body["amount"], "5.00");
        let (status, body) = admin
            .json(
                "POST",
                &format!("/api/v1/subscriptions/{other}/code"),
                Some(json!({"code": "fixe5"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!((body["code"].as_str(), body["running"].as_bool()), (Some("FIXE5"), Some(true)));

        // The operator's list: search, status filter, counters; disabling.
        let (status, body) = op.json("GET", "/api/v1/operator/codes?q=bienv", None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body.as_array().map(Vec::len), Some(1));
        assert_eq!(body[0]["redemptions"], 1);
        let (status, body) = op.json("POST", "/api/v1/operator/codes/fixe5/disable", None).await;
        assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("disabled")));
        let (status, _) = op.json("POST", "/api/v1/operator/codes/FIXE5/disable", None).await;
        assert_eq!(status, StatusCode::CONFLICT);
        let (status, _) = op.json("POST", "/api/v1/operator/codes/NOPE-NOPE/disable", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, body) = op.json("GET", "/api/v1/operator/codes?status=active", None).await;
        let active: Vec<&str> = body
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|c| c["code"].as_str())
            .collect();
        assert_eq!(active, vec!["BIENVENUE"]);
        let (status, body) = op.json("GET", "/api/v1/operator/codes?status=nope", None).await;
        assert_eq!((status, body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("status")));

    })
    .await;
}

// clause: OSX-CODES, OSX-NO-DISCOUNT
#[tokio::test]
async fn codes_on_the_pages_and_the_invoice() {
    for lang in ["fr", "en"] {
        on_every_backend(async |router, app| {
            let mut op = Client::new(&router, lang);
            op.login(OPERATOR.0, OPERATOR.1).await;
            let (status, body, _) = op.get("/operator/codes").await;
            assert_translated("/operator/codes", status, &body);
            assert!(
                body.contains("href=\"/operator/codes\" aria-current=\"page\""),
                "linked from the nav"
            );
            let (status, body, _) = op
                .post(
                    "/operator/codes",
                    &[("code", "bien venue"), ("duration", "once"), ("percent", "")],
                )
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(body.contains("aria-invalid=\"true\""), "{body}");
            let (status, _, location) = op
                .post(
                    "/operator/codes",
                    &[
                        ("code", "bienvenue"),
                        ("kind", "discount"),
                        ("percent", "100"),
                        ("duration", "periods"),
                        ("periods", "2"),
                        ("offers", "oseox"),
                        ("description", "Salon"),
                    ],
                )
                .await;
            assert_eq!(status, StatusCode::SEE_OTHER);
            let location = location.expect("location");
            let (status, body, _) = op.get(&location).await;
            assert_translated(&location, status, &body);
            assert!(body.contains("id=\"code-BIENVENUE\""), "{body}");
            let (status, _, _) = op
                .post(
                    "/operator/codes",
                    &[
                        ("code", "EXPIRE"),
                        ("amount", "5"),
                        ("duration", "once"),
                        ("valid_until", "2020-01-01"),
                    ],
                )
                .await;
            assert_eq!(status, StatusCode::SEE_OTHER);
            let (status, body, _) = op.get("/operator/codes?q=bien&status=active").await;
            assert_translated("/operator/codes?status=active", status, &body);
            assert!(body.contains("BIENVENUE") && !body.contains("EXPIRE<"), "{body}");
            let (status, body, _) = op.get("/operator/codes?status=expired").await;
            assert_translated("/operator/codes?status=expired", status, &body);
            assert!(body.contains("id=\"code-EXPIRE\""));
            let (status, _, _) = op.post("/operator/codes/EXPIRE/disable", &[]).await;
            assert_eq!(status, StatusCode::SEE_OTHER);

            let mut admin = Client::new(&router, lang);
            admin.login(ADMIN.0, ADMIN.1).await;
            let (status, body, _) = admin.get("/settings/subscriptions").await;
            assert_translated("/settings/subscriptions", status, &body);
            // A code field where the offer takes codes, none where it does not (OSX-NO-DISCOUNT).
            assert!(body.contains("id=\"oseox-code\""));
            assert!(!body.contains("id=\"ines-code\""));
            let subscribe =
                |code: &'static str| vec![("offer", "oseox"), ("plan", "s"), ("period", "monthly"), ("code", code)];
            let (status, body, _) = admin.post("/settings/subscriptions", &subscribe("PASUNCODE")).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
            assert!(body.contains("field-error"), "{body}");
            let (status, _, _) = admin.post("/settings/subscriptions", &subscribe("bienvenue")).await;
            assert_eq!(status, StatusCode::SEE_OTHER);
            let (status, _, _) = admin.post("/settings/subscriptions", &subscribe("")).await;
            assert_eq!(status, StatusCode::SEE_OTHER);
            let (status, body, _) = admin.get("/settings/subscriptions").await;
            assert_translated("/settings/subscriptions", status, &body);
            assert!(body.contains("class=\"code-BIENVENUE\""), "{body}");
            // The subscription without a code offers the field; a refused code says why.
            let account = app
                .login(ADMIN.0, ADMIN.1, &app::Actor::system())
                .await
                .expect("login")
                .principal
                .user
                .account_id
                .expect("account");
            let plain = app
                .subscriptions(account)
                .await
                .expect("subscriptions")
                .into_iter()
                .find(|v| {
                    v.subscription.selection.plan == "s"
                        && body.contains(&format!("id=\"redeem-{}\"", v.subscription.id))
                })
                .expect("a subscription without a code");
            let path = format!("/settings/subscriptions/{}/code", plain.subscription.id);
            let (status, body, _) = admin.post(&path, &[("code", "EXPIRE")]).await;
            assert_eq!(status, StatusCode::CONFLICT);
            assert!(body.contains("id=\"form-error\""), "{body}");

            // The invoice shows the negative line, on the page and in the PDF.
            app.billing_run(None, |_, _| {}).await.expect("billing run");
            let invoices = app.invoices(account).await.expect("invoices");
            assert_eq!(invoices.len(), 1, "one invoice for both subscriptions billed today");
            let path = format!("/settings/invoices/{}", invoices[0].id);
            let (status, body, _) = admin.get(&path).await;
            assert_eq!(status, StatusCode::OK);
            assert!(body.contains("BIENVENUE"), "{body}");
            let minus = if lang == "fr" { "-19,90" } else { "-€19.90" };
            assert_eq!(body.matches(minus).count(), 2, "unit price and amount: {body}");
            let (status, pdf, _) = admin.get(&format!("{path}/pdf")).await;
            assert_eq!(status, StatusCode::OK);
            assert!(pdf.starts_with("%PDF"));
        })
        .await;
    }
}
