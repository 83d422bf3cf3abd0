//! End-to-end test in a real browser through WebDriver: sign-up, email verification, login,
//! subscribing, invoices, a watched site whose changed page is emailed, API key creation and
//! use, invitation and acceptance by a second person; once by a French browser and once by an
//! English one, on SQLite and (with `TEST_DATABASE_URL`) PostgreSQL.
//!
//! Skipped unless `CHROMEDRIVER` names a chromedriver binary (`CHROME_BINARY` overrides the
//! browser, `/usr/bin/chromium` by default). On a failing step a screenshot is saved to
//! `test-artifacts/<step>.png`.

use fantoccini::{Client, ClientBuilder, Locator};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use store::testkit::TestDatabase;

mod support;

type Step<T> = Result<T, String>;

struct Server {
    addr: SocketAddr,
    app: app::App,
    shutdown: tokio::sync::watch::Sender<bool>,
    database: TestDatabase,
}

async fn start_server(database: TestDatabase) -> Server {
    let db = database.db.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = app::App::new(
        db.clone(),
        app::AppConfig {
            public_url: format!("http://{addr}"),
            ..Default::default()
        },
        mail::Transport::Outbox,
    );
    app.load_demo().await.expect("demo");
    let (shutdown, shutdown_rx) = tokio::sync::watch::channel(false);
    let runner = jobs::Runner::new(db, app.registry.clone(), jobs::WorkerConfig::default());
    tokio::spawn(runner.run(shutdown_rx.clone()));
    let router = web::router(web::WebState::new(app.clone(), false));
    let mut stop = shutdown_rx;
    tokio::spawn(async move {
        let _ = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                let _ = stop.wait_for(|v| *v).await;
            })
            .await;
    });
    Server {
        addr,
        app,
        shutdown,
        database,
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Kills chromedriver however the test ends.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn connect(port: u16, profile: &std::path::Path, lang: &str) -> Client {
    let binary = std::env::var("CHROME_BINARY").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let caps = serde_json::json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": binary,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", format!("--user-data-dir={}", profile.display()),
                format!("--lang={lang}"),
            ],
            // What the browser sends as Accept-Language, as a person's browser set to `lang` would.
            "prefs": { "intl.accept_languages": lang }
        }
    });
    let caps = match caps {
        serde_json::Value::Object(m) => m,
        _ => unreachable!(),
    };
    let url = format!("http://127.0.0.1:{port}");
    let mut last = String::new();
    for _ in 0..50 {
        match ClientBuilder::rustls()
            .expect("rustls")
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(c) => return c,
            Err(e) => {
                last = e.to_string();
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
    panic!("could not start a browser session: {last}");
}

async fn fill(c: &Client, css: &str, value: &str) -> Step<()> {
    let el = c.find(Locator::Css(css)).await.map_err(|e| format!("{css}: {e}"))?;
    el.clear().await.map_err(|e| format!("{css}: {e}"))?;
    el.send_keys(value).await.map_err(|e| format!("{css}: {e}"))
}

async fn click(c: &Client, css: &str) -> Step<()> {
    c.find(Locator::Css(css))
        .await
        .map_err(|e| format!("{css}: {e}"))?
        .click()
        .await
        .map_err(|e| format!("{css}: {e}"))
}

/// Clicks `button` and waits for `css` on the page the click leads to. Elements matching `css`
/// already on the page are removed first: a notice left by the previous form would otherwise
/// satisfy the wait at once, and the next navigation would race the form's own.
async fn click_and_wait_for_new(c: &Client, button: &str, css: &str) -> Step<()> {
    c.execute(
        "document.querySelectorAll(arguments[0]).forEach(e => e.remove());",
        vec![serde_json::Value::from(css)],
    )
    .await
    .map_err(|e| format!("clearing {css}: {e}"))?;
    click(c, button).await?;
    wait_for(c, css).await
}

async fn text(c: &Client, css: &str) -> Step<String> {
    c.find(Locator::Css(css))
        .await
        .map_err(|e| format!("{css}: {e}"))?
        .text()
        .await
        .map_err(|e| format!("{css}: {e}"))
}

async fn goto(c: &Client, url: &str) -> Step<()> {
    c.goto(url).await.map_err(|e| format!("goto {url}: {e}"))
}

/// The first link to `path` in the latest email to `to` (the outbox is in-process).
async fn link_from_outbox(app: &app::App, to: &str, path: &str) -> Step<String> {
    for _ in 0..50 {
        let mails = app.outbox(Some(to), 20, 0).await.map_err(|e| e.to_string())?;
        for m in &mails {
            if let Some(i) = m.body_text.find(path) {
                let start = m.body_text[..i].rfind("http").unwrap_or(i);
                let end = m.body_text[i..]
                    .find(char::is_whitespace)
                    .map(|e| i + e)
                    .unwrap_or(m.body_text.len());
                return Ok(m.body_text[start..end].to_string());
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("no email to {to} with a link to {path}"))
}

async fn login(c: &Client, base: &str, email: &str, password: &str) -> Step<()> {
    goto(c, &format!("{base}/login")).await?;
    fill(c, "#email", email).await?;
    fill(c, "#password", password).await?;
    click(c, "#login-submit").await?;
    wait_for(c, "#current-email").await
}

async fn wait_for(c: &Client, css: &str) -> Step<()> {
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .map(|_| ())
        .map_err(|e| format!("waiting for {css}: {e}"))
}

/// The page's language, as the `lang` attribute of its root element says.
async fn page_lang(c: &Client) -> Step<String> {
    let v = c
        .execute("return document.documentElement.lang;", vec![])
        .await
        .map_err(|e| format!("reading the page language: {e}"))?;
    Ok(v.as_str().unwrap_or_default().to_string())
}

async fn expect_lang(c: &Client, lang: &str) -> Step<()> {
    let shown = page_lang(c).await?;
    if shown != lang {
        return Err(format!("the page is in {shown:?}, the browser asked for {lang:?}"));
    }
    Ok(())
}

async fn flow(c: &Client, server: &Server, lang: &str, step: &mut &'static str) -> Step<()> {
    let base = format!("http://{}", server.addr);
    let admin_email = "gerante@exemple-navigateur.test";
    let admin_password = "navigateur-secret-2026";

    *step = "signup";
    goto(c, &format!("{base}/signup")).await?;
    expect_lang(c, lang).await?;
    fill(c, "#legal_name", "Navigateur Exemple SAS").await?;
    fill(c, "#siren", "552032534").await?;
    fill(c, "#address_line", "1 rue de l'Essai").await?;
    fill(c, "#postal_code", "75001").await?;
    fill(c, "#city", "Paris").await?;
    fill(c, "#country", "FR").await?;
    fill(c, "#admin_name", "Gérante Essai").await?;
    fill(c, "#admin_email", admin_email).await?;
    fill(c, "#password", admin_password).await?;
    click(c, "#accept_terms").await?;
    click(c, "#certify_authority").await?;
    click(c, "#signup-submit").await?;
    wait_for(c, "#message").await?;

    *step = "verify_email";
    let verify = link_from_outbox(&server.app, admin_email, "/verify-email?token=").await?;
    let mails = server
        .app
        .outbox(Some(admin_email), 5, 0)
        .await
        .map_err(|e| e.to_string())?;
    let expected_subject = if lang == "fr" { "Confirmez" } else { "Confirm" };
    if !mails.iter().any(|m| m.subject.starts_with(expected_subject)) {
        let subjects: Vec<_> = mails.iter().map(|m| m.subject.clone()).collect();
        return Err(format!("the verification email is not in {lang}: {subjects:?}"));
    }
    goto(c, &verify).await?;
    wait_for(c, "#message").await?;

    *step = "login_admin";
    login(c, &base, admin_email, admin_password).await?;
    expect_lang(c, lang).await?;

    *step = "subscribe";
    goto(c, &format!("{base}/settings/subscriptions")).await?;
    c.execute(
        "document.querySelector('#plan-oseox').value = 's'; \
         document.querySelector('#period-oseox').value = 'monthly';",
        vec![],
    )
    .await
    .map_err(|e| format!("choosing the plan: {e}"))?;
    click(c, "#subscribe-oseox").await?;
    wait_for(c, "[id^='plan-submit-']").await?;
    server
        .app
        .billing_run(None, |_, _| {})
        .await
        .map_err(|e| e.to_string())?;

    *step = "change_plan";
    c.execute(
        "document.querySelector(\"form[action$='/plan'] select[name=plan]\").value = 'l';",
        vec![],
    )
    .await
    .map_err(|e| format!("choosing the new plan: {e}"))?;
    click_and_wait_for_new(c, "[id^='plan-submit-']", ".notice").await?;

    *step = "invoices";
    goto(c, &format!("{base}/settings/invoices")).await?;
    let listed = text(c, "#invoices").await?;
    if listed.matches("F-20").count() != 2 {
        return Err(format!("expected the first invoice and the upgrade's: {listed}"));
    }
    wait_for(c, "#orders").await?;
    click(c, "#invoices a[href^='/settings/invoices/']:not([href$='/pdf'])").await?;
    wait_for(c, "#invoice-total").await?;

    *step = "monitor_add_site";
    let site = support::start_site().await;
    goto(c, &format!("{base}/monitor")).await?;
    wait_for(c, "#quota-http").await?;
    fill(c, "#site", &site.origin).await?;
    click(c, "#add-site").await?;
    wait_for(c, "#site-summary").await?;

    *step = "monitor_first_check";
    // The scheduler every serve and worker process runs, driven here at chosen instants.
    let t0 = jiff::Timestamp::now() + jiff::SignedDuration::from_mins(1);
    let run = |at: jiff::Timestamp| {
        let app = server.app.clone();
        async move { app.monitor_run_due("browser", at, 500).await.map_err(|e| e.to_string()) }
    };
    run(t0).await?;
    c.refresh().await.map_err(|e| e.to_string())?;
    click(c, "#urls a[href^='/monitor/urls/']").await?;
    wait_for(c, "#el-title").await?;
    let seen = text(c, "#el-title").await?;
    if !seen.contains("Boulangerie Exemple") {
        return Err(format!("the title is not shown: {seen:?}"));
    }
    let home = c.current_url().await.map_err(|e| e.to_string())?;

    *step = "monitor_change";
    site.set_title("Boulangerie Exemple — nouveautés");
    run(t0 + jiff::SignedDuration::from_hours(2)).await?;
    run(t0 + jiff::SignedDuration::from_hours(4)).await?;
    let mails = server
        .app
        .outbox(Some(admin_email), 20, 0)
        .await
        .map_err(|e| e.to_string())?;
    let expected = if lang == "fr" { "détecté" } else { "detected" };
    let Some(alert) = mails.iter().find(|m| m.subject.contains(expected)) else {
        let subjects: Vec<_> = mails.iter().map(|m| m.subject.clone()).collect();
        return Err(format!("no change email in {lang}: {subjects:?}"));
    };
    if !alert.body_text.contains("Boulangerie Exemple — nouveautés") || !alert.body_text.contains("Title") {
        return Err(format!("the email does not name the change: {}", alert.body_text));
    }
    goto(c, home.as_str()).await?;
    let changes = text(c, "#changes").await?;
    if !changes.contains("nouveautés") {
        return Err(format!("the change is not on the URL's page: {changes:?}"));
    }
    goto(c, &format!("{base}/monitor/alerts")).await?;
    let alerts = text(c, "#alerts").await?;
    if !alerts.contains("nouveautés") {
        return Err(format!("the alert is not listed: {alerts:?}"));
    }

    *step = "cancel";
    goto(c, &format!("{base}/settings/subscriptions")).await?;
    click(c, "[id^='untick-']").await?;
    wait_for(c, ".state-ending").await?;

    *step = "contract";
    goto(c, &format!("{base}/contracts/new")).await?;
    fill(c, "#counterparty_name", "Télécom Exemple SAS").await?;
    fill(c, "#counterparty_address", "1 rue de la Paix, 75002 Paris").await?;
    fill(c, "#reference", "FIB-42").await?;
    c.execute(
        "document.querySelector('#category').value = 'telecom'; \
         document.querySelector('#start_date').value = '2026-01-31';",
        vec![],
    )
    .await
    .map_err(|e| format!("setting the category and start: {e}"))?;
    fill(c, "#term_months", "12").await?;
    fill(c, "#notice", "3").await?;
    click(c, "#contract-submit").await?;
    wait_for(c, "#deadlines").await?;
    let explanation = text(c, "#explanation").await?;
    if !explanation.contains("2026") {
        return Err(format!("no explained deadline: {explanation:?}"));
    }
    wait_for(c, "#letter-download").await?;

    *step = "calendar";
    goto(c, &format!("{base}/contracts/settings")).await?;
    click(c, "#calendar-renew").await?;
    wait_for(c, "#calendar-url").await?;
    let feed = text(c, "#calendar-url").await?;
    let ics = reqwest::get(feed.trim())
        .await
        .map_err(|e| e.to_string())?
        .text()
        .await
        .map_err(|e| e.to_string())?;
    if !ics.contains("-last-day@comptoir") {
        return Err(format!("the feed has no last day: {ics}"));
    }

    *step = "api_key";
    goto(c, &format!("{base}/settings/api-keys")).await?;
    fill(c, "#name", "navigateur").await?;
    click(c, "#create-key").await?;
    wait_for(c, "#new-api-key-token").await?;
    let token = text(c, "#new-api-key-token").await?.trim().to_string();
    if token.is_empty() {
        return Err("empty API key".into());
    }

    *step = "api_call";
    let resp = reqwest::Client::new()
        .get(format!("{base}/api/v1/account"))
        .bearer_auth(&token)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if resp.status() != reqwest::StatusCode::OK {
        return Err(format!("GET /api/v1/account: {}", resp.status()));
    }
    let body: serde_json::Value = resp.json().await.map_err(|e| e.to_string())?;
    if body["legal_name"] != "Navigateur Exemple SAS" {
        return Err(format!("unexpected account: {body}"));
    }

    *step = "invite";
    let member_email = "vendeur@exemple-navigateur.test";
    goto(c, &format!("{base}/settings/users")).await?;
    fill(c, "#invite-email", member_email).await?;
    click_and_wait_for_new(c, "#invite-submit", ".notice").await?;
    let invitation = link_from_outbox(&server.app, member_email, "/invitations/accept?token=").await?;

    *step = "logout";
    click(c, "#logout").await?;
    wait_for(c, "#login-submit").await?;

    *step = "accept_invitation";
    goto(c, &invitation).await?;
    fill(c, "#name", "Vendeur Essai").await?;
    fill(c, "#password", "vendeur-secret-2026").await?;
    click(c, "#accept-submit").await?;
    wait_for(c, "#message").await?;

    *step = "login_member";
    login(c, &base, member_email, "vendeur-secret-2026").await?;
    let shown = text(c, "#current-email").await?;
    if shown.trim() != member_email {
        return Err(format!("dashboard shows {shown:?}"));
    }
    expect_lang(c, lang).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signup_to_invited_member_in_a_browser() {
    let Ok(chromedriver) = std::env::var("CHROMEDRIVER") else {
        println!("skipped: set CHROMEDRIVER to the chromedriver binary to run the browser test");
        return;
    };
    let port = free_port();
    let driver = Driver(
        Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver"),
    );
    for lang in ["fr", "en"] {
        for database in TestDatabase::every_backend().await {
            let label = database.label;
            eprintln!("browser journey on {label} in {lang}");
            let server = start_server(database).await;
            let profile = tempfile::tempdir().expect("profile dir");
            let client = connect(port, profile.path(), lang).await;
            let mut step = "start";
            let result = flow(&client, &server, lang, &mut step).await;
            if let Err(e) = &result {
                let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-artifacts");
                let _ = std::fs::create_dir_all(&dir);
                if let Ok(png) = client.screenshot().await {
                    let _ = std::fs::write(dir.join(format!("{label}-{lang}-{step}.png")), png);
                }
                eprintln!("step {step} failed: {e}");
            }
            let _ = client.close().await;
            let _ = server.shutdown.send(true);
            server.database.finish().await;
            if let Err(e) = result {
                drop(driver);
                panic!("browser flow on {label} in {lang} failed at {step}: {e}");
            }
        }
    }
    drop(driver);
}
