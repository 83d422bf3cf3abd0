//! Smoke test of the server-rendered pages: every page answers and renders (no template
//! error, no untranslated message), for a visitor, a demo administrator and the demo operator,
//! in French and in English, on SQLite and (with `TEST_DATABASE_URL`) on PostgreSQL.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use store::testkit::TestDatabase;
use tower::ServiceExt;

struct Browser {
    router: axum::Router,
    cookies: std::collections::BTreeMap<String, String>,
    /// The browser's language (`fr` or `en`), sent as Accept-Language and chosen after login.
    lang: &'static str,
}

impl Browser {
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

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

    async fn get(&mut self, path: &str) -> (StatusCode, String, Option<String>) {
        let req = Request::get(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::ACCEPT_LANGUAGE, self.lang)
            .body(Body::empty())
            .expect("request");
        let response = self.send(req).await;
        if response.0 == StatusCode::OK && response.1.contains("<html") {
            assert!(
                response.1.contains(&format!("<html lang=\"{}\"", self.lang)),
                "{path} is not in {}",
                self.lang
            );
        }
        response
    }

    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String, Option<String>) {
        let csrf = self.cookies.get("comptoir_csrf").cloned().unwrap_or_default();
        let mut all: Vec<(&str, &str)> = vec![("csrf", &csrf)];
        all.extend_from_slice(fields);
        let body = serde_urlencoded::to_string(&all).expect("form");
        let req = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT_LANGUAGE, self.lang)
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }

    /// A `multipart/form-data` POST with text fields and one file, as a browser sends it.
    async fn upload(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: (&str, &[u8]),
    ) -> (StatusCode, String, Option<String>) {
        let boundary = "----comptoir-test-boundary";
        let csrf = self.cookies.get("comptoir_csrf").cloned().unwrap_or_default();
        let mut body = Vec::new();
        for (name, value) in [("csrf", csrf.as_str())].iter().chain(fields) {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: application/pdf\r\n\r\n",
                file.0
            )
            .as_bytes(),
        );
        body.extend_from_slice(file.1);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header(header::ACCEPT_LANGUAGE, self.lang)
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }
}

/// Runs `test` in French and in English, on every backend, each time on a fresh database with
/// the demo loaded.
async fn in_every_setup(test: impl AsyncFn(Browser, app::App)) {
    for lang in ["fr", "en"] {
        for database in TestDatabase::every_backend().await {
            eprintln!("pages on {} in {lang}", database.label);
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
            let browser = Browser {
                router,
                cookies: Default::default(),
                lang,
            };
            test(browser, app).await;
            database.finish().await;
        }
    }
}

fn assert_page(path: &str, (status, body, _): &(StatusCode, String, Option<String>)) {
    assert_eq!(*status, StatusCode::OK, "{path}: {body}");
    assert!(!body.contains("Internal error."), "{path} failed to render");
    // A message key shown as such means it is missing from messages.toml.
    for prefix in [
        "nav.", "field.", "hint.", "ui.", "keys.", "users.", "op.", "grants.", "audit.", "terms.", "status.", "role.",
        "col.", "clocks.", "jobs.", "outbox.", "company.", "support.", "notice.", "signup.", "login.", "error.",
        "ctr.", "codes.", "mon.",
    ] {
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

async fn login(b: &mut Browser, email: &str, password: &str) {
    b.get("/login").await;
    let (status, _, location) = b.post("/login", &[("email", email), ("password", password)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "login {email}");
    assert!(location.is_some());
    // The demo users are French; the English pass switches like a person would.
    let lang = b.lang;
    let (status, _, _) = b.post("/lang", &[("lang", lang), ("next", "/dashboard")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "language change");
}

#[tokio::test]
async fn public_pages_render() {
    in_every_setup(async |mut b, _| {
        for path in [
            "/login",
            "/signup",
            "/forgot-password",
            "/reset-password?token=x",
            "/terms",
        ] {
            let r = b.get(path).await;
            assert_page(path, &r);
        }
        let (status, body, _) = b.get("/invitations/accept?token=nope").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let (status, body, _) = b.post("/forgot-password", &[("email", "nobody@example.test")]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, _, _) = b
            .post(
                "/reset-password",
                &[("token", "bad"), ("password", "long-enough-password-1")],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    })
    .await;
}

#[tokio::test]
async fn admin_pages_render() {
    in_every_setup(async |mut b, app| {
        login(&mut b, "admin@boulangerie-exemple.test", "admin-demo-2026").await;
        for path in [
            "/dashboard",
            "/settings/api-keys",
            "/settings/users",
            "/settings/company",
            "/settings/audit",
            "/settings/audit?action=user.&from=2020-01-01",
            "/settings/audit?actor=0190a0a0-0000-7000-8000-000000000000&target=x",
            "/settings/support",
            "/terms/accept",
        ] {
            let r = b.get(path).await;
            assert_page(path, &r);
        }
        let (status, body, _) = b.post("/settings/api-keys", &[("name", "ci")]).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert!(body.contains("id=\"new-api-key-token\""));
        let (status, body, _) = b
            .post("/settings/users/invite", &[("email", "bad"), ("role", "member")])
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("aria-invalid=\"true\""), "{body}");
        let (status, _, location) = b
            .post(
                "/settings/users/invite",
                &[("email", "new@boulangerie-exemple.test"), ("role", "member")],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let r = b.get(&location.expect("location")).await;
        assert_page("/settings/users?notice", &r);
        assert!(r.1.contains("new@boulangerie-exemple.test"));
        let (status, body, _) = b.post("/settings/company", &[("legal_name", "")]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        // Subscriptions: the catalogue with its prices, errors next to the field, then a
        // subscription that can be cancelled in the app.
        let r = b.get("/settings/subscriptions").await;
        assert_page("/settings/subscriptions", &r);
        assert!(r.1.contains("id=\"subscribe-oseox\"") && r.1.contains("<del>"));
        let (status, body, _) = b
            .post(
                "/settings/subscriptions",
                &[("offer", "oseox"), ("plan", "s"), ("period", "quarterly")],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.contains("field-error"), "error next to the period");
        let (status, _, _) = b
            .post(
                "/settings/subscriptions",
                &[("offer", "clog"), ("plan", "free"), ("period", "")],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, body, _) = b.get("/settings/subscriptions").await;
        let id = body
            .split("id=\"cancel-")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("a cancel button")
            .to_string();
        let (status, _, location) = b.post(&format!("/settings/subscriptions/{id}/cancel"), &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let r = b.get(&location.expect("location")).await;
        assert_page("/settings/subscriptions after cancel", &r);
        assert!(r.1.contains("state-ended"));

        // Invoices: an Oseox subscription bills at once; the invoice reads as a page and a PDF.
        let (status, _, _) = b
            .post(
                "/settings/subscriptions",
                &[("offer", "oseox"), ("plan", "s"), ("period", "monthly")],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        app.billing_run(None, |_, _| {}).await.expect("billing run");
        let r = b.get("/settings/invoices").await;
        assert_page("/settings/invoices", &r);
        let invoice =
            r.1.split("href=\"/settings/invoices/")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .expect("an invoice link")
                .to_string();
        let r = b.get(&format!("/settings/invoices/{invoice}")).await;
        assert_page("/settings/invoices/{id}", &r);
        assert!(r.1.contains("F-20") && r.1.contains("id=\"invoice-total\""));
        let (status, body, _) = b.get(&format!("/settings/invoices/{invoice}/pdf")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.starts_with("%PDF-"));

        // A move to a dearer plan from the page: applied at once, the prorated invoice issued.
        let (_, body, _) = b.get("/settings/subscriptions").await;
        let sub = body
            .split("id=\"plan-submit-")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("a change-plan form")
            .to_string();
        let (status, _, location) = b
            .post(&format!("/settings/subscriptions/{sub}/plan"), &[("plan", "l")])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let r = b.get(&location.expect("location")).await;
        assert_page("/settings/subscriptions after a plan change", &r);
        let (status, _, location) = b
            .post(&format!("/settings/subscriptions/{sub}/plan"), &[("plan", "s")])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let r = b.get(&location.expect("location")).await;
        assert!(
            r.1.contains(&format!("id=\"pending-{sub}\"")),
            "the scheduled change is shown"
        );

        // The holder's documents (INES-KYC): errors next to the fields, then saved.
        let (_, body, _) = b.get("/dashboard").await;
        assert!(
            body.contains("id=\"kyc-reminder\""),
            "the dashboard asks for the documents"
        );
        let (status, body, _) = b
            .post(
                "/settings/company/bank",
                &[("holder", "Boulangerie"), ("iban", "FR00 1234"), ("bic", "")],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            body.contains("id=\"iban-error\"") && body.contains("FR00 1234"),
            "error shown, value kept"
        );
        let (status, _, _) = b
            .post(
                "/settings/company/bank",
                &[
                    ("holder", "Boulangerie"),
                    ("iban", "FR7630006000011234567890189"),
                    ("bic", ""),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, body, _) = b
            .upload(
                "/settings/company/registry-extract",
                &[("issued_on", "2001-01-01")],
                ("kbis.pdf", b"%PDF-1.4\n"),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("id=\"issued_on-error\""), "{body}");
        let today = jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()
            .to_string();
        let (status, _, _) = b
            .upload(
                "/settings/company/registry-extract",
                &[("issued_on", &today)],
                ("kbis.pdf", b"%PDF-1.4\n"),
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let r = b.get("/settings/company").await;
        assert_page("/settings/company after KYC", &r);
        assert!(r.1.contains("id=\"kyc-complete\""));
        let (status, body, _) = b.get("/settings/company/registry-extract").await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "%PDF-1.4\n"));
        let (_, body, _) = b.get("/dashboard").await;
        assert!(!body.contains("id=\"kyc-reminder\""));
        let (status, _, _) = b.post("/settings/support", &[("hours", "24")]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let r = b.get("/settings/support").await;
        assert_page("/settings/support", &r);
        // Operator pages are hidden from account users.
        let (status, _, _) = b.get("/operator/accounts").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn operator_pages_render() {
    in_every_setup(async |mut b, app| {
        login(&mut b, "operator@comptoir.test", "operateur-demo-2026").await;
        for path in [
            "/operator/accounts",
            "/operator/accounts?q=boul",
            "/operator/outbox",
            "/operator/clocks",
            "/operator/terms",
            "/operator/jobs",
            "/operator/audit",
            "/operator/audit?actor=0190a0a0-0000-7000-8000-000000000000&target=x",
            "/operator/outbox?page=2",
            "/operator/offers",
            "/operator/offers/oseox",
            "/operator/offers/ines",
            "/operator/subscriptions",
            "/operator/subscriptions?state=active",
            "/operator/subscriptions?state=active&offer=oseox&q=boulangerie",
            "/operator/invoices?q=Boulangerie&kind=invoice&from=2026-01-01&to=2030-12-31",
            "/operator/invoices",
            "/operator/codes",
            "/operator/codes?q=x&status=expired",
        ] {
            let r = b.get(path).await;
            assert_page(path, &r);
        }
        // An invoice seen by operator staff, with the corrective credit note form.
        let admin = app
            .login(
                "admin@boulangerie-exemple.test",
                "admin-demo-2026",
                &app::Actor::system(),
            )
            .await
            .expect("admin")
            .principal;
        let account = admin.account.as_ref().expect("an account").id;
        let input = app::subscriptions::SubscribeInput {
            offer: "oseox".into(),
            plan: "s".into(),
            period: "monthly".into(),
            ..Default::default()
        };
        app.subscribe(account, input, &app::Actor::system())
            .await
            .expect("subscribe");
        app.billing_run(None, |_, _| {}).await.expect("billing run");
        let invoice = app.invoices(account).await.expect("invoices")[0].id;
        let path = format!("/operator/accounts/{account}/invoices/{invoice}");
        let r = b.get(&path).await;
        assert_page(&path, &r);
        assert!(r.1.contains("id=\"credit-submit\""));
        let (status, body, _) = b.post(&format!("{path}/credit"), &[("reason", "")]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let (status, _, location) = b
            .post(
                &format!("{path}/credit"),
                &[("line", "1"), ("reason", "geste commercial")],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let r = b.get(&location.expect("location")).await;
        assert_page("operator invoice after a credit note", &r);
        assert!(!r.1.contains("id=\"credit-submit\""), "nothing left to credit");
        let r = b.get("/operator/invoices?kind=credit_note").await;
        assert_page("/operator/invoices?kind=credit_note", &r);
        assert!(r.1.contains("A-20"));
        // Long lists come in pages of 50 that keep the search.
        let mut tx = app.db.write().await.expect("write");
        for n in 0..55 {
            let account = store::testkit::account(&format!("Pagination {n:02} SAS"), "552032534");
            store::accounts::insert(&mut tx, &account).await.expect("account");
        }
        tx.commit().await.expect("commit");
        let r = b.get("/operator/accounts?q=Pagination").await;
        assert_page("/operator/accounts page 1", &r);
        assert_eq!(r.1.matches("Pagination ").count(), 50);
        assert!(r.1.contains("id=\"pager-next\"") && !r.1.contains("id=\"pager-prev\""));
        let r = b.get("/operator/accounts?q=Pagination&page=2").await;
        assert_page("/operator/accounts page 2", &r);
        assert_eq!(r.1.matches("Pagination ").count(), 5);
        assert!(r.1.contains("id=\"pager-prev\"") && !r.1.contains("id=\"pager-next\""));

        let accounts = app.operator_accounts(Some("boul"), 10, 0).await.expect("accounts");
        let id = accounts[0].account.id.to_string();
        let r = b.get(&format!("/operator/accounts/{id}")).await;
        assert_page("/operator/accounts/{id}", &r);
        let (status, _, _) = b.get(&format!("/operator/accounts/{id}/support")).await;
        assert!(status == StatusCode::OK || status == StatusCode::FORBIDDEN, "{status}");
        let (status, body, _) = b
            .post(
                &format!("/operator/accounts/{id}/break-glass"),
                &[("reason", ""), ("hours", "24")],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let (status, _, _) = b
            .post(
                &format!("/operator/accounts/{id}/break-glass"),
                &[
                    ("reason", "Réquisition"),
                    ("legal_reference", "Art. 60-1 CPP"),
                    ("hours", "24"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let r = b.get(&format!("/operator/accounts/{id}/support")).await;
        assert_page("support view", &r);
        if let Some(m) = app.outbox(None, 1, 0).await.expect("outbox").first() {
            let path = format!("/operator/outbox/{}", m.id);
            let r = b.get(&path).await;
            assert_page(&path, &r);
            assert!(r.1.contains("id=\"email-body\""));
        }
        // Offers: the presets are listed with their prices; a broken file is refused with its
        // lines and kept in the form; a new version loads.
        let (_, body, _) = b.get("/operator/offers/oseox").await;
        assert!(
            body.contains("<del>") && body.contains("id=\"plan-oseox-xl\""),
            "list prices struck through"
        );
        let (status, body, _) = b
            .post(
                "/operator/offers",
                &[("file_name", "acme.toml"), ("source", "id = \"acme\"\nversion = 0\n")],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body.contains("id=\"offer-problems\"") && body.contains("acme.toml:"),
            "{body}"
        );
        assert!(body.contains("id = &quot;acme&quot;"), "what was typed is kept");
        let v2 = app::offers::PRESETS[0].1.replacen("version = 1", "version = 2", 1);
        let (status, _, location) = b
            .post("/operator/offers", &[("file_name", "clog-v2.toml"), ("source", &v2)])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let r = b.get(&location.expect("location")).await;
        assert_page("/operator/offers/clog", &r);
        assert!(r.1.contains("clog-v2.toml"));

        let (status, _, _) = b
            .post("/operator/clocks", &[("name", "ci"), ("start", "2026-01-01")])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let r = b.get("/operator/clocks").await;
        assert_page("/operator/clocks", &r);
    })
    .await;
}

/// The first contract's id on the list page.
fn first_contract(list: &str) -> String {
    let start = list
        .find("href=\"/contracts/0")
        .or_else(|| list.find("href=\"/contracts/"))
        .expect("a contract link");
    let rest = &list[start + "href=\"/contracts/".len()..];
    rest.chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect()
}

// clause: CLOG-SERVICE
#[tokio::test]
async fn contract_pages_render() {
    in_every_setup(async |mut b, _| {
        login(&mut b, "admin@boulangerie-exemple.test", "admin-demo-2026").await;
        let list = b.get("/contracts").await;
        assert_page("/contracts", &list);
        assert!(list.1.contains("Orange Business"), "the demo's contracts are listed");
        assert!(list.1.contains("id=\"nav-contracts\""));
        let id = first_contract(&list.1);
        for path in [
            "/contracts/new".to_string(),
            "/contracts/dashboard".to_string(),
            "/contracts/import".to_string(),
            "/contracts/settings".to_string(),
            "/contracts?q=assurances&status=active&category=insurance&due=365".to_string(),
            format!("/contracts/{id}"),
            format!("/contracts/{id}/edit"),
        ] {
            let r = b.get(&path).await;
            assert_page(&path, &r);
        }
        let dashboard = b.get("/contracts/dashboard").await;
        assert!(dashboard.1.contains("class=\"bar\""), "spend chart");

        // A bad form keeps the typed values and names the fields.
        let bad = [
            ("counterparty_name", "Énergie Locale"),
            ("counterparty_siren", "123456789"),
            ("category", "telecom"),
            ("start_date", "2026-01-31"),
            ("term_months", "12"),
            ("renewal", "tacit"),
            ("notice", "3"),
            ("notice_unit", "months"),
            ("letter_transit_days", "16"),
        ];
        let (status, body, _) = b.post("/contracts", &bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.contains("id=\"counterparty_siren-error\""), "{body}");
        // CTR-SEND-BY: the registered letter's transit is 0 to 15 working days.
        assert!(body.contains("id=\"letter_transit_days-error\""), "{body}");
        assert!(body.contains("id=\"ways-error\""), "{body}");
        assert!(body.contains("Énergie Locale"));
        let mut good = bad.to_vec();
        good[1] = ("counterparty_siren", "732829320");
        let last = good.len() - 1;
        good[last] = ("letter_transit_days", "5");
        good.push(("way_registered_letter", "on"));
        good.push(("reference", "EL-7"));
        let (status, _, location) = b.post("/contracts", &good).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let location = location.expect("location");
        let page = b.get(&location).await;
        assert_page(&location, &page);
        assert!(page.1.contains("class=\"last-day\""), "the last day is shown");
        let new_id = location
            .trim_start_matches("/contracts/")
            .split('?')
            .next()
            .expect("id")
            .to_string();

        // A document, the letter, a step.
        let (status, body, _) = b
            .upload(
                &format!("/contracts/{new_id}/documents"),
                &[],
                ("contrat.pdf", b"%PDF-1.4 test"),
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        let page = b.get(&format!("/contracts/{new_id}/edit")).await;
        let input = page.1.split("id=\"letter_transit_days\"").nth(1).unwrap_or_default();
        let input = input.split('>').next().unwrap_or_default();
        assert!(input.contains("value=\"5\""), "the transit set is shown back: {input}");
        // A second document, deleted with its button (CSRF form).
        let (status, _, _) = b
            .upload(
                &format!("/contracts/{new_id}/documents"),
                &[],
                ("devis.pdf", b"%PDF-1.4 devis"),
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let page = b.get(&format!("/contracts/{new_id}")).await;
        assert_page("contract with documents", &page);
        assert!(
            page.1.contains("id=\"delete-document-2\""),
            "a delete button per document"
        );
        let marker = format!("/contracts/{new_id}/documents/");
        // Attribute values come HTML-escaped (`/` as `&#x2f;`).
        let html = page.1.replace("&#x2f;", "/");
        let delete_path = html
            .match_indices(&marker)
            .map(|(i, _)| html[i..].split('"').next().unwrap_or_default().to_string())
            .filter(|p| p.ends_with("/delete"))
            .last()
            .expect("delete form");
        let (status, _, location) = b.post(&delete_path, &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(location.unwrap_or_default().contains("notice=notice.document_deleted"));
        let page = b.get(&format!("/contracts/{new_id}")).await;
        assert!(!page.1.contains("devis.pdf") && page.1.contains("contrat.pdf"));
        let (status, _, _) = b.post(&delete_path, &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "already deleted");
        let (status, body, _) = b
            .upload(&format!("/contracts/{new_id}/documents"), &[], ("x.pdf", b"<html>"))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("id=\"file-error\""));
        let (status, body, _) = b
            .get(&format!("/contracts/{new_id}/letter.pdf?way=registered_letter"))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.starts_with("%PDF-"));
        let (status, body, _) = b
            .upload(
                &format!("/contracts/{new_id}/steps"),
                &[("step", "delivered"), ("on", "2026-01-01"), ("way", "")],
                ("", b""),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let (status, _, _) = b
            .upload(
                &format!("/contracts/{new_id}/steps"),
                &[("step", "sent"), ("on", "2026-01-01"), ("way", "registered_letter")],
                ("", b""),
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let page = b.get(&format!("/contracts/{new_id}")).await;
        assert_page("contract after sending", &page);
        assert!(page.1.contains("id=\"letter-effect\""));

        // Settings and the calendar address, shown once.
        let (status, body, _) = b.post("/contracts/settings", &[("lead_days", "abc")]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let (status, body, _) = b.post("/contracts/calendar", &[]).await;
        assert_eq!(status, StatusCode::CREATED);
        assert!(body.contains("id=\"calendar-url\""));
        let start = body.find("id=\"calendar-url\">").expect("feed url") + "id=\"calendar-url\">".len();
        let url: String = body[start..].chars().take_while(|c| *c != '<').collect();
        let url = url.replace("&#x2f;", "/");
        let feed = url.trim_start_matches("http://localhost").to_string();
        let (status, ics, _) = b.get(&feed).await;
        assert_eq!(status, StatusCode::OK);
        assert!(ics.starts_with("BEGIN:VCALENDAR"));

        // CSV import: all or nothing, the faulty lines listed.
        let (status, body, _) = b
            .upload(
                "/contracts/import",
                &[],
                (
                    "c.csv",
                    b"counterparty_name,category,start_date,renewal,notice\nX,food,2026-01-01,tacit,1\n",
                ),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.contains("id=\"import-errors\""));
        // Terms assist: the proposals with their sentences, the form filled in.
        let r = b.get("/contracts/assist").await;
        assert_page("/contracts/assist", &r);
        let text = "Le présent contrat est conclu pour une durée de 24 mois. Il se renouvelle par tacite \
                    reconduction. Le client peut le résilier par lettre recommandée avec accusé de réception \
                    moyennant un préavis de 3 mois.";
        let r = b.post("/contracts/assist", &[("text", text)]).await;
        assert_page("POST /contracts/assist", &r);
        assert!(r.1.contains("id=\"proposal\""), "{}", r.1);
        assert!(
            r.1.contains("name=\"term_months\" type=\"text\"  value=\"24\"") || r.1.contains("value=\"24\""),
            "{}",
            r.1
        );
        let (status, _, _) = b.post("/contracts/assist", &[("text", " ")]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, csv, _) = b.get("/contracts/export.csv").await;
        assert_eq!(status, StatusCode::OK);
        assert!(csv.starts_with("reference,counterparty_name"));
        let (status, json, _) = b.get("/contracts/export.json").await;
        assert_eq!(status, StatusCode::OK);
        assert!(json.contains("EL-7"));
    })
    .await;
}

#[tokio::test]
async fn member_contract_pages_render() {
    in_every_setup(async |mut b, _| {
        login(&mut b, "user@boulangerie-exemple.test", "utilisateur-demo-2026").await;
        for path in ["/contracts", "/contracts/new", "/contracts/dashboard"] {
            let r = b.get(path).await;
            assert_page(path, &r);
        }
        let (status, _, _) = b.get("/contracts/settings").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "settings are the administrators'");
    })
    .await;
}

/// A small site on 127.0.0.1 for the monitor's checks; its home page's title can be changed.
async fn local_site() -> (String, std::sync::Arc<std::sync::Mutex<String>>) {
    use axum::routing::get;
    let title = std::sync::Arc::new(std::sync::Mutex::new("Boulangerie Exemple".to_string()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let origin = format!("http://{}", listener.local_addr().expect("addr"));
    let shown = title.clone();
    let html = |title: &str| {
        format!(
            "<!doctype html><html><head><title>{title}</title><meta name=\"description\" content=\"Pains au levain\">\
             </head><body><h1>Boulangerie</h1><p>Du pain tous les jours.</p></body></html>"
        )
    };
    let router = axum::Router::new()
        .route(
            "/",
            get(move || {
                let page = html(&shown.lock().expect("title"));
                async move { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page) }
            }),
        )
        .route(
            "/pains",
            get(move || async move { ([(header::CONTENT_TYPE, "text/html")], html("Nos pains")) }),
        )
        .route("/robots.txt", get(|| async { "User-agent: *\nDisallow: /prive\n" }));
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (origin, title)
}

/// The first `/monitor/urls/{id}` link of a page.
fn first_url_link(page: &str) -> String {
    let start = page.find("href=\"/monitor/urls/").expect("a URL link") + "href=\"".len();
    let end = start + page[start..].find('"').expect("end of link");
    page[start..end].to_string()
}

// clause: OSX-SITE, OSX-ALERT-EMAIL
#[tokio::test]
async fn monitor_pages_render() {
    in_every_setup(async |mut b, app| {
        let (origin, title) = local_site().await;
        login(&mut b, "admin@boulangerie-exemple.test", "admin-demo-2026").await;
        let r = b.get("/monitor").await;
        assert_page("/monitor", &r);
        assert!(
            r.1.contains("id=\"not-subscribed\""),
            "no offer granting the module yet"
        );
        assert!(r.1.contains("id=\"nav-monitor\""));

        let admin = app
            .login(
                "admin@boulangerie-exemple.test",
                "admin-demo-2026",
                &app::Actor::system(),
            )
            .await
            .expect("admin")
            .principal;
        let account = admin.account.as_ref().expect("an account").id;
        let input = app::subscriptions::SubscribeInput {
            offer: "oseox".into(),
            plan: "free".into(),
            ..Default::default()
        };
        app.subscribe(account, input, &app::Actor::system())
            .await
            .expect("subscribe");
        let r = b.get("/monitor").await;
        assert_page("/monitor", &r);
        assert!(
            r.1.contains("id=\"quota-http\"") && r.1.contains("0 / 20"),
            "the Free pack's quota"
        );

        // Bad input: the field named, nothing written.
        let (status, body, _) = b.post("/monitor/sites", &[("site", "ftp://exemple.fr")]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("aria-invalid=\"true\""), "{body}");
        assert!(app.monitor_sites(account).await.expect("sites").is_empty());

        let (status, _, location) = b.post("/monitor/sites", &[("site", &origin)]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let site_path = location.expect("location");
        let r = b.get(&site_path).await;
        assert_page(&site_path, &r);
        assert!(r.1.contains("robots.txt") && r.1.contains("sitemap.xml"), "{}", r.1);
        let site_path = site_path.split('?').next().expect("path").to_string();
        let (status, _, _) = b.post("/monitor/sites", &[("site", &origin)]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "the same site twice");

        // The first checks: the page shows what they saw.
        let t0 = jiff::Timestamp::now() + jiff::SignedDuration::from_mins(1);
        let run = app.monitor_run_due("pages", t0, 100).await.expect("run");
        assert_eq!(run.checked, 3);
        let r = b.get(&site_path).await;
        assert_page(&site_path, &r);
        assert!(r.1.contains("Boulangerie Exemple"), "the home page's title");
        let home = first_url_link(&r.1);
        let r = b.get(&home).await;
        assert_page(&home, &r);
        assert!(
            r.1.contains("id=\"el-title\"") && r.1.contains("Pains au levain"),
            "{}",
            r.1
        );

        for filter in ["non_indexable", "redirected", "errors", "changed"] {
            let path = format!("{site_path}?tool=http&only={filter}&q=exemple");
            let r = b.get(&path).await;
            assert_page(&path, &r);
        }
        for tool in ["ping", "link"] {
            let path = format!("{site_path}?tool={tool}");
            assert_page(&path, &b.get(&path).await);
        }

        // A pasted list is all or nothing, each faulty line named.
        let list = format!("{origin}/pains\nhttps://ailleurs.example/x\n");
        let (status, body, _) = b
            .post(&format!("{site_path}/urls"), &[("source", "list"), ("urls", &list)])
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("urls[2]"), "{body}");
        let (status, _, location) = b
            .post(&format!("{site_path}/urls"), &[("source", "one"), ("url", "/pains")])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_page("added", &b.get(&location.expect("location")).await);
        let host_port = origin.trim_start_matches("http://");
        let (status, _, _) = b
            .post(
                &format!("{site_path}/pings"),
                &[("target", &format!("tcp://{host_port}"))],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, body, _) = b
            .post(
                &format!("{site_path}/backlinks"),
                &[("page", &format!("{origin}/pains")), ("target", "/")],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("id=\"errors-backlink\""), "{body}");
        let (status, _, _) = b
            .post(&format!("{site_path}/cadence"), &[("tool", "http"), ("minutes", "3")])
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "OSX-CADENCE: 5 minutes at least"
        );
        let (status, _, _) = b
            .post(&format!("{site_path}/cadence"), &[("tool", "http"), ("minutes", "15")])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, _, _) = b
            .post(
                &format!("{site_path}/maintenance"),
                &[("starts_at", "2030-01-02T10:00"), ("ends_at", "2030-01-01T10:00")],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, _, location) = b
            .post(
                &format!("{site_path}/maintenance"),
                &[
                    ("starts_at", "2030-01-01T22:00"),
                    ("ends_at", "2030-01-02T02:00"),
                    ("note", "migration"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let r = b.get(&location.expect("location")).await;
        assert!(r.1.contains("migration"), "the window is listed");

        // The title changes; a second check confirms it; the alert and the email name it.
        *title.lock().expect("title") = "Boulangerie Exemple — nouveautés".into();
        app.monitor_run_due("pages", t0 + jiff::SignedDuration::from_mins(20), 100)
            .await
            .expect("run");
        app.monitor_run_due("pages", t0 + jiff::SignedDuration::from_mins(40), 100)
            .await
            .expect("run");
        let r = b.get("/monitor/alerts").await;
        assert_page("/monitor/alerts", &r);
        assert!(r.1.contains("nouveautés"), "{}", r.1);
        let r = b.get(&home).await;
        assert!(r.1.contains("<ins>Boulangerie Exemple — nouveautés</ins>"), "{}", r.1);
        let mails = app
            .outbox(Some("admin@boulangerie-exemple.test"), 20, 0)
            .await
            .expect("outbox");
        assert!(
            mails.iter().any(|m| m.body_text.contains("nouveautés")),
            "the change is emailed"
        );

        assert_page("/monitor/settings", &b.get("/monitor/settings").await);
        let (status, body, _) = b
            .post(
                "/monitor/settings",
                &[
                    ("recipients", "pas-une-adresse"),
                    ("confirm_checks", "2"),
                    ("reminder_minutes", ""),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("field-error"), "{body}");
        let (status, _, _) = b
            .post(
                "/monitor/settings",
                &[
                    ("recipients", "seo@boulangerie-exemple.test"),
                    ("confirm_checks", "1"),
                    ("reminder_minutes", "60"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.monitor_settings(account).await.expect("settings").recipients,
            ["seo@boulangerie-exemple.test"]
        );

        assert_page("/monitor/export", &b.get("/monitor/export").await);
        let (status, json, _) = b.get("/monitor/export.json").await;
        assert_eq!(status, StatusCode::OK);
        assert!(json.contains("nouveautés"), "the history is exported");
        let (status, csv, _) = b.get("/monitor/export/history.csv").await;
        assert_eq!(status, StatusCode::OK);
        assert!(csv.starts_with("url_id,url,observed_at,element,value"));
        let (status, _, _) = b.get("/monitor/export/passwords.csv").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, bot, _) = b.get("/bot").await;
        assert_eq!(status, StatusCode::OK);
        assert!(bot.contains("id=\"user-agent\">Comptoir-Monitor"), "{bot}");

        let (status, _, location) = b.post(&format!("{home}/delete"), &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(location.expect("location").starts_with(&site_path));
        let (status, _, _) = b.post(&format!("{site_path}/delete"), &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(app.monitor_sites(account).await.expect("sites").is_empty());
    })
    .await;
}

#[tokio::test]
async fn member_monitor_pages_render() {
    in_every_setup(async |mut b, _| {
        login(&mut b, "user@boulangerie-exemple.test", "utilisateur-demo-2026").await;
        for path in ["/monitor", "/monitor/alerts", "/monitor/export"] {
            let r = b.get(path).await;
            assert_page(path, &r);
        }
        let (status, _, _) = b.get("/monitor/settings").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "settings are the administrators'");
        let (status, _, _) = b.get("/monitor/sites/0190a0a0-0000-7000-8000-000000000000").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    })
    .await;
}
