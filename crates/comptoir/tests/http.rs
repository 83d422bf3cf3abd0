//! End-to-end tests of the HTTP surface and of worker processes, against a real server on
//! 127.0.0.1 (SQLite always; PostgreSQL too when TEST_DATABASE_URL is set).

use app::{Actor, App, AppConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::process::{Child, Command};
use std::time::{Duration, Instant};
use store::testkit::TestDatabase;

mod support;

struct Server {
    base: String,
    app: App,
    /// Kept until the test ends (a SQLite file's directory, or a PostgreSQL database).
    _database: TestDatabase,
    stop: tokio::sync::watch::Sender<bool>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

async fn start(database: TestDatabase) -> Server {
    let db = database.db.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let base = format!("http://{addr}");
    let app = App::new(
        db,
        AppConfig {
            public_url: base.clone(),
            ..AppConfig::default()
        },
        mail::Transport::Outbox,
    );
    app.load_demo().await.expect("demo");
    let router = web::router(web::WebState::new(app.clone(), false));
    let (stop, mut rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                let _ = rx.changed().await;
            })
            .await
            .ok();
    });
    Server {
        base,
        app,
        _database: database,
        stop,
    }
}

async fn servers() -> Vec<Server> {
    let mut out = Vec::new();
    for database in TestDatabase::every_backend().await {
        out.push(start(database).await);
    }
    out
}

/// An API key for a demo login.
async fn key_for(app: &App, email: &str, password: &str) -> String {
    let s = app.login(email, password, &Actor::system()).await.expect("login");
    let (_, token) = app
        .create_api_key(&s.principal, "test", &Actor::system())
        .await
        .expect("key");
    token
}

/// Signs up and verifies a second company, returning its admin's API key.
async fn second_company(app: &App) -> String {
    let input = platform::signup::SignupInput {
        legal_name: "Autre Société SAS".into(),
        siren: "552032534".into(),
        address_line: "1 place Bellecour".into(),
        postal_code: "69002".into(),
        city: "Lyon".into(),
        country: "FR".into(),
        admin_name: "Bob Autre".into(),
        admin_email: "bob@autre.test".into(),
        password: "mot de passe de bob".into(),
        accept_terms: true,
        certify_authority: true,
        ..Default::default()
    };
    app.signup(input, &Actor::system()).await.expect("signup");
    let mail = app
        .outbox(Some("bob@autre.test"), 1, 0)
        .await
        .expect("outbox")
        .remove(0);
    let token = mail
        .body_text
        .split("token=")
        .nth(1)
        .expect("link")
        .split_whitespace()
        .next()
        .expect("token");
    app.verify_email(token, &Actor::system()).await.expect("verify");
    key_for(app, "bob@autre.test", "mot de passe de bob").await
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

#[tokio::test]
async fn operations_endpoints() {
    for s in servers().await {
        let c = client();
        assert_eq!(
            c.get(format!("{}/healthz", s.base))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
            "ok"
        );
        assert_eq!(
            c.get(format!("{}/readyz", s.base)).send().await.unwrap().status(),
            StatusCode::OK
        );
        let metrics = c
            .get(format!("{}/metrics", s.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            metrics.contains("comptoir_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"),
            "{metrics}"
        );
        assert!(metrics.contains("comptoir_jobs{state="), "{metrics}");
        let doc: Value = c
            .get(format!("{}/api/v1/openapi.json", s.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(doc["paths"]["/api/v1/account"]["get"].is_object());
    }
}

// clause: DGT-IDENTIFIERS
#[tokio::test]
async fn api_key_authenticates_and_revocation_stops_it() {
    for s in servers().await {
        let c = client();
        let r = c.get(format!("{}/api/v1/account", s.base)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let key = key_for(&s.app, "admin@boulangerie-exemple.test", "admin-demo-2026").await;
        let r = c
            .get(format!("{}/api/v1/account", s.base))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let account: Value = r.json().await.unwrap();
        assert_eq!(account["legal_name"], "Boulangerie Exemple SARL");
        let keys: Value = c
            .get(format!("{}/api/v1/api-keys", s.base))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = keys[0]["id"].as_str().unwrap().to_string();
        assert!(keys[0].get("token").is_none(), "secrets are never listed");
        let r = c
            .delete(format!("{}/api/v1/api-keys/{id}", s.base))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        let r = c
            .get(format!("{}/api/v1/account", s.base))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn bad_input_is_refused_with_the_field_and_nothing_written() {
    for s in servers().await {
        let c = client();
        let url = format!("{}/api/v1/signup", s.base);
        let before = s.app.operator_accounts(None, 100, 0).await.unwrap().len();
        let body = json!({
            "legal_name": "X", "siren": "123456789", "address_line": "a", "postal_code": "1", "city": "c",
            "country": "FR", "admin_name": "n", "admin_email": "x@y.test", "password": "long enough password",
            "accept_terms": true, "certify_authority": true
        });
        let r = c.post(&url).json(&body).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["code"], "siren_checksum");
        assert_eq!(p["field"], "siren");

        let mut dup = body.clone();
        dup["siren"] = json!("552032534");
        dup["admin_email"] = json!("admin@boulangerie-exemple.test");
        let r = c.post(&url).json(&dup).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::CONFLICT);
        let p: Value = r.json().await.unwrap();
        assert_eq!(
            (p["code"].as_str(), p["field"].as_str()),
            (Some("email_taken"), Some("admin_email"))
        );

        let mut missing = body.clone();
        missing["siren"] = json!("552032534");
        missing["accept_terms"] = json!(false);
        let p: Value = c.post(&url).json(&missing).send().await.unwrap().json().await.unwrap();
        assert_eq!(p["field"], "accept_terms");

        let r = c
            .post(&url)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert_eq!(r.json::<Value>().await.unwrap()["code"], "malformed_json");

        let huge = "x".repeat(web::MAX_BODY_BYTES + 10);
        let r = c
            .post(&url)
            .header("content-type", "application/json")
            .body(huge)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);

        assert_eq!(
            s.app.operator_accounts(None, 100, 0).await.unwrap().len(),
            before,
            "nothing was written"
        );
    }
}

#[tokio::test]
async fn idempotency_key_replays_and_refuses_another_body() {
    for s in servers().await {
        let c = client();
        let key = key_for(&s.app, "admin@boulangerie-exemple.test", "admin-demo-2026").await;
        let url = format!("{}/api/v1/api-keys", s.base);
        let first = c
            .post(&url)
            .bearer_auth(&key)
            .header("Idempotency-Key", "k-1")
            .json(&json!({"name": "ci"}))
            .send()
            .await
            .unwrap();
        assert_eq!(first.status(), StatusCode::CREATED);
        let first: Value = first.json().await.unwrap();
        let again = c
            .post(&url)
            .bearer_auth(&key)
            .header("Idempotency-Key", "k-1")
            .json(&json!({"name": "ci"}))
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::CREATED);
        assert_eq!(again.headers()["idempotent-replayed"], "true");
        assert_eq!(again.json::<Value>().await.unwrap()["token"], first["token"]);
        let other = c
            .post(&url)
            .bearer_auth(&key)
            .header("Idempotency-Key", "k-1")
            .json(&json!({"name": "other"}))
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(other.json::<Value>().await.unwrap()["code"], "idempotency_key_reused");
        let keys: Value = c
            .get(&url)
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(keys.as_array().unwrap().len(), 2, "the replay created nothing");
    }
}

/// Account B, whose rows account A's walks aim at.
struct OtherTenant {
    key: String,
    account: String,
    user: String,
    key_id: String,
    invitation: String,
    grant: String,
}

async fn json_of(req: reqwest::RequestBuilder) -> Value {
    req.send().await.expect("request").json().await.expect("json body")
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

/// Signs up account B and gives it a key, a pending invitation and a support grant.
async fn other_tenant(s: &Server) -> OtherTenant {
    let c = client();
    let key = second_company(&s.app).await;
    let me = json_of(c.get(format!("{}/api/v1/me", s.base)).bearer_auth(&key)).await;
    let keys = json_of(c.get(format!("{}/api/v1/api-keys", s.base)).bearer_auth(&key)).await;
    let invitation = json_of(
        c.post(format!("{}/api/v1/invitations", s.base))
            .bearer_auth(&key)
            .json(&json!({"email": "carol@autre.test"})),
    )
    .await;
    let grant = json_of(
        c.post(format!("{}/api/v1/support-access", s.base))
            .bearer_auth(&key)
            .json(&json!({"hours": 4})),
    )
    .await;
    OtherTenant {
        account: me["account"]["id"].as_str().expect("account").to_string(),
        user: id_of(&me["user"]),
        key_id: id_of(&keys[0]),
        invitation: id_of(&invitation),
        grant: id_of(&grant),
        key,
    }
}

/// B's key works, its admin is still an active admin, its invitation and grant stand.
async fn assert_unchanged(s: &Server, b: &OtherTenant) {
    let c = client();
    let me = json_of(c.get(format!("{}/api/v1/me", s.base)).bearer_auth(&b.key)).await;
    assert_eq!(
        (me["user"]["role"].as_str(), me["user"]["status"].as_str()),
        (Some("admin"), Some("active"))
    );
    let invs = json_of(c.get(format!("{}/api/v1/invitations", s.base)).bearer_auth(&b.key)).await;
    assert_eq!(invs.as_array().map(Vec::len), Some(1));
    let grants = json_of(c.get(format!("{}/api/v1/support-access", s.base)).bearer_auth(&b.key)).await;
    assert!(grants[0]["revoked_at"].is_null());
}

/// Walks every route that names an id with another account's ids: 404, and nothing changes.
// clause: CLOG-NO-STAFF-ACCESS, INES-NO-READ
#[tokio::test]
async fn tenant_isolation_on_every_route() {
    for s in servers().await {
        let c = client();
        let a_key = key_for(&s.app, "admin@boulangerie-exemple.test", "admin-demo-2026").await;
        let b = other_tenant(&s).await;
        let (b_user, b_key_id, b_inv, b_grant) = (&b.user, &b.key_id, &b.invitation, &b.grant);

        let walk: Vec<(reqwest::Method, String, Option<Value>)> = vec![
            (reqwest::Method::GET, format!("/api/v1/users/{b_user}"), None),
            (
                reqwest::Method::PUT,
                format!("/api/v1/users/{b_user}/role"),
                Some(json!({"role": "member"})),
            ),
            (reqwest::Method::POST, format!("/api/v1/users/{b_user}/disable"), None),
            (reqwest::Method::POST, format!("/api/v1/users/{b_user}/enable"), None),
            (reqwest::Method::DELETE, format!("/api/v1/invitations/{b_inv}"), None),
            (reqwest::Method::DELETE, format!("/api/v1/api-keys/{b_key_id}"), None),
            (
                reqwest::Method::DELETE,
                format!("/api/v1/support-access/{b_grant}"),
                None,
            ),
        ];
        for (method, path, body) in walk {
            let mut req = c
                .request(method.clone(), format!("{}{path}", s.base))
                .bearer_auth(&a_key);
            if let Some(b) = body {
                req = req.json(&b);
            }
            let r = req.send().await.unwrap();
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{method} {path}");
        }
        // Lists show only the caller's own rows.
        let users: Value = c
            .get(format!("{}/api/v1/users", s.base))
            .bearer_auth(&a_key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(users.as_array().unwrap().iter().all(|u| u["id"] != b_user.as_str()));
        let audit: Value = c
            .get(format!("{}/api/v1/audit", s.base))
            .bearer_auth(&a_key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            audit
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["target_id"] != b_user.as_str())
        );
        // Customers never reach operator routes.
        let r = c
            .get(format!("{}/api/v1/operator/accounts", s.base))
            .bearer_auth(&a_key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_unchanged(&s, &b).await;
    }
}

fn comptoir(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_comptoir"));
    cmd.args(args).env("RUST_LOG", "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

async fn probe_runs(db: &store::Db) -> (Vec<(String, String, bool)>, Vec<store::jobs::Job>) {
    let mut tx = db.read().await.expect("tx");
    let runs = store::jobs::diagnostic_runs(&mut tx).await.expect("runs");
    let mut jobs = store::jobs::list_by_state(&mut tx, "completed", 10_000)
        .await
        .expect("jobs");
    jobs.retain(|j| j.kind == app::handlers::DIAGNOSTIC_PROBE);
    tx.commit().await.ok();
    (runs, jobs)
}

struct Kill(Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Two worker processes share a batch and no job runs twice; a worker killed mid-job leaves its
/// job to another once the lease expires, and the job completes once.
#[tokio::test]
async fn worker_processes_share_jobs_and_survive_a_kill() {
    for database in TestDatabase::every_backend().await {
        let owned_env = database.env();
        let env: Vec<(&str, &str)> = owned_env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert!(comptoir(&["migrate"], &env).status().expect("migrate").success());
        assert!(
            comptoir(&["probe", "--count", "120"], &env)
                .status()
                .expect("probe")
                .success()
        );
        let _w1 = Kill(
            comptoir(&["worker", "--id", "w1", "--concurrency", "3"], &env)
                .spawn()
                .expect("w1"),
        );
        let _w2 = Kill(
            comptoir(&["worker", "--id", "w2", "--concurrency", "3"], &env)
                .spawn()
                .expect("w2"),
        );
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let (_, done) = probe_runs(&database.db).await;
            if done.len() == 120 || Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        drop((_w1, _w2));
        let (runs, done) = probe_runs(&database.db).await;
        assert_eq!(done.len(), 120, "every job completed");
        assert!(done.iter().all(|j| j.attempts == 1), "no job ran twice");
        let mut ids: Vec<_> = runs.iter().map(|r| r.0.clone()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!((runs.len(), ids.len()), (120, 120));
        let workers: std::collections::BTreeSet<_> = runs
            .iter()
            .map(|r| r.1.split('#').next().unwrap_or("").to_string())
            .collect();
        assert!(workers.len() == 2, "both processes took part: {workers:?}");

        // Kill a worker mid-job.
        assert!(
            comptoir(&["probe", "--count", "1", "--hold-ms", "4000"], &env)
                .status()
                .expect("probe")
                .success()
        );
        let mut a = comptoir(&["worker", "--id", "doomed", "--lease-secs", "2"], &env)
            .spawn()
            .expect("a");
        let deadline = Instant::now() + Duration::from_secs(30);
        while probe_runs(&database.db).await.0.len() < 121 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        a.kill().expect("kill");
        a.wait().ok();
        let _b = Kill(
            comptoir(&["worker", "--id", "rescuer", "--lease-secs", "2"], &env)
                .spawn()
                .expect("b"),
        );
        let deadline = Instant::now() + Duration::from_secs(60);
        while probe_runs(&database.db).await.1.len() < 121 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let (runs, done) = probe_runs(&database.db).await;
        assert_eq!(done.len(), 121, "the abandoned job completed");
        let last: Vec<_> = runs.iter().skip(120).collect();
        assert_eq!(last.len(), 2, "started by the killed worker, then by the rescuer");
        assert!(last[0].1.starts_with("doomed") && !last[0].2, "{last:?}");
        assert!(last[1].1.starts_with("rescuer") && last[1].2, "{last:?}");
        let rescued = done.iter().find(|j| j.payload["hold_ms"] == 4000).expect("held job");
        assert_eq!(rescued.attempts, 2);
    }
}

/// A real SMTP server (aiosmtpd) on 127.0.0.1 writing what it receives to a maildir.
struct SmtpSink {
    child: Child,
    port: u16,
    maildir: tempfile::TempDir,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

async fn smtp_sink() -> Option<SmtpSink> {
    let available = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .status()
        .is_ok_and(|s| s.success());
    if !available {
        assert!(std::env::var("CI").is_err(), "CI must install aiosmtpd (.ci/run)");
        eprintln!("skipping: PyPI aiosmtpd is not installed (pip install aiosmtpd)");
        return None;
    }
    let maildir = tempfile::tempdir().expect("maildir");
    let port = free_port();
    let child = Command::new("python3")
        .args([
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            &format!("127.0.0.1:{port}"),
            "-c",
            "aiosmtpd.handlers.Mailbox",
        ])
        .arg(maildir.path().join("Maildir"))
        .spawn()
        .expect("start aiosmtpd");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "aiosmtpd did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Some(SmtpSink { child, port, maildir })
}

fn received(sink: &SmtpSink) -> Vec<String> {
    let new = sink.maildir.path().join("Maildir").join("new");
    let Ok(entries) = std::fs::read_dir(new) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .collect()
}

/// Emails leave over real SMTP, each in its recipient's language; a failed delivery is retried.
#[tokio::test]
async fn emails_are_delivered_over_smtp() {
    let Some(sink) = smtp_sink().await else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let db = store::Db::connect(&format!("sqlite:{}/t.db?mode=rwc", dir.path().display()))
        .await
        .expect("db");
    db.migrate().await.expect("migrate");
    let settings = mail::SmtpSettings {
        host: "127.0.0.1".into(),
        port: sink.port,
        security: mail::SmtpSecurity::None,
        from: "Comptoir <no-reply@comptoir.test>".into(),
        ..Default::default()
    };
    let transport = mail::Transport::from_settings(&settings).expect("transport");
    let app = App::new(db.clone(), AppConfig::default(), transport);
    app.load_demo().await.expect("demo");
    app.request_password_reset("admin@boulangerie-exemple.test", &Actor::system())
        .await
        .expect("reset fr");
    let s = app
        .login(
            "user@boulangerie-exemple.test",
            "utilisateur-demo-2026",
            &Actor::system(),
        )
        .await
        .expect("login");
    app.set_own_lang(&s.principal, kernel::Lang::En, &Actor::system())
        .await
        .expect("lang");
    app.request_password_reset("user@boulangerie-exemple.test", &Actor::system())
        .await
        .expect("reset en");
    let runner = jobs::Runner::new(db.clone(), app.registry.clone(), jobs::WorkerConfig::default());
    assert_eq!(runner.drain().await.expect("drain"), 2);

    let messages = received(&sink);
    assert_eq!(messages.len(), 2, "{messages:?}");
    let fr = messages
        .iter()
        .find(|m| m.contains("To: admin@boulangerie-exemple.test"))
        .expect("french email");
    assert!(fr.contains("Subject: =?utf-8?") || fr.contains("Subject: R"), "{fr}");
    assert!(fr.contains("/reset-password?token="), "{fr}");
    let en = messages
        .iter()
        .find(|m| m.contains("To: user@boulangerie-exemple.test"))
        .expect("english email");
    assert!(en.contains("Subject: Reset your Comptoir password"), "{en}");
    for m in app.outbox(None, 10, 0).await.expect("outbox") {
        assert_eq!((m.status.as_str(), m.transport.as_deref()), ("sent", Some("smtp")));
    }

    // The server goes away: the delivery fails, stays queued and is scheduled again.
    drop(sink);
    app.request_password_reset("admin@boulangerie-exemple.test", &Actor::system())
        .await
        .expect("reset");
    assert_eq!(runner.drain().await.expect("drain"), 1);
    let latest = app
        .outbox(Some("admin@boulangerie-exemple.test"), 1, 0)
        .await
        .expect("outbox")
        .remove(0);
    assert_eq!(latest.status, "queued");
    let mut tx = db.read().await.expect("tx");
    let retrying = store::jobs::list_by_state(&mut tx, "available", 10)
        .await
        .expect("jobs");
    tx.commit().await.ok();
    let job = retrying
        .iter()
        .find(|j| j.kind == "email.deliver")
        .expect("retry scheduled");
    assert_eq!(job.attempts, 1);
    assert!(
        job.last_error.as_deref().is_some_and(|e| e.contains("SMTP")),
        "{:?}",
        job.last_error
    );
}

/// A browser session: the cookies to send and the CSRF token forms carry.
struct PageSession {
    cookies: String,
    csrf: String,
}

fn cookie_value(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| {
            c.split(';')
                .next()
                .and_then(|kv| kv.strip_prefix(&format!("{name}=")))
                .map(str::to_string)
        })
}

async fn page_login(c: &reqwest::Client, base: &str, email: &str, password: &str) -> PageSession {
    let r = c.get(format!("{base}/login")).send().await.expect("request");
    let csrf = cookie_value(&r, "comptoir_csrf").expect("csrf cookie");
    let r = c
        .post(format!("{base}/login"))
        .header("cookie", format!("comptoir_csrf={csrf}"))
        .form(&[("email", email), ("password", password), ("csrf", &csrf), ("next", "")])
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "login of {email}");
    let session = cookie_value(&r, "comptoir_session").expect("session cookie");
    PageSession {
        cookies: format!("comptoir_csrf={csrf}; comptoir_session={session}"),
        csrf,
    }
}

/// The same walk through the pages: every form naming another account's id answers 404 and
/// changes nothing; a form without its CSRF token is refused.
// clause: CLOG-NO-STAFF-ACCESS
#[tokio::test]
async fn tenant_isolation_on_every_page() {
    for s in servers().await {
        let c = client();
        let b = other_tenant(&s).await;
        let (b_account, b_user, b_key_id, b_inv, b_grant) = (&b.account, &b.user, &b.key_id, &b.invitation, &b.grant);

        let a = page_login(&c, &s.base, "admin@boulangerie-exemple.test", "admin-demo-2026").await;
        let posts = [
            (format!("/settings/users/{b_user}/role"), vec![("role", "member")]),
            (format!("/settings/users/{b_user}/status"), vec![("status", "disabled")]),
            (format!("/settings/api-keys/{b_key_id}/revoke"), vec![]),
            (format!("/settings/invitations/{b_inv}/revoke"), vec![]),
            (format!("/settings/support/{b_grant}/revoke"), vec![]),
        ];
        for (path, fields) in &posts {
            let mut form: Vec<(&str, &str)> = fields.clone();
            form.push(("csrf", &a.csrf));
            let r = c
                .post(format!("{}{path}", s.base))
                .header("cookie", &a.cookies)
                .form(&form)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "POST {path}");
            // Without the CSRF token the form is refused before anything else.
            let r = c
                .post(format!("{}{path}", s.base))
                .header("cookie", &a.cookies)
                .form(fields)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "POST {path} without CSRF");
        }
        for path in [
            format!("/operator/accounts/{b_account}"),
            format!("/operator/accounts/{b_account}/support"),
        ] {
            let r = c
                .get(format!("{}{path}", s.base))
                .header("cookie", &a.cookies)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "GET {path}");
        }
        let users = c
            .get(format!("{}/settings/users", s.base))
            .header("cookie", &a.cookies)
            .send()
            .await
            .unwrap();
        assert!(!users.text().await.unwrap().contains("bob@autre.test"));

        assert_unchanged(&s, &b).await;
    }
}

/// A PDF of about `size` bytes: the header makes it a PDF, the rest is padding.
fn pdf_of(size: usize) -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n".to_vec();
    pdf.resize(size, b' ');
    pdf
}

/// The holder's documents over the API (INES-KYC): bank details checked field by field, a
/// registry extract of a few megabytes accepted though other routes stop at 1 MB, one beyond
/// 5 MB refused, and each account reaching only its own.
// clause: INES-KYC
#[tokio::test]
async fn kyc_documents_over_the_api() {
    for s in servers().await {
        let c = client();
        let a_key = key_for(&s.app, "admin@boulangerie-exemple.test", "admin-demo-2026").await;
        let b = other_tenant(&s).await;
        let today = jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()
            .to_string();

        let kyc = json_of(c.get(format!("{}/api/v1/account/kyc", s.base)).bearer_auth(&a_key)).await;
        assert_eq!(kyc["complete"], false);
        assert_eq!(kyc["missing"].as_array().map(Vec::len), Some(2));

        let r = c
            .put(format!("{}/api/v1/account/bank-details", s.base))
            .bearer_auth(&a_key)
            .json(&json!({"holder": "Boulangerie Exemple SARL", "iban": "FR76 3000 6000 0112 3456 7890 188"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let problem: Value = r.json().await.unwrap();
        assert_eq!(problem["code"], "iban_checksum");
        assert_eq!(problem["field"], "iban");
        let kyc = json_of(
            c.put(format!("{}/api/v1/account/bank-details", s.base))
                .bearer_auth(&a_key)
                .json(&json!({"holder": "Boulangerie Exemple SARL", "iban": "FR76 3000 6000 0112 3456 7890 189"})),
        )
        .await;
        assert_eq!(kyc["bank_details"]["iban"], "FR7630006000011234567890189");

        // Three megabytes: more than any JSON route takes, within what a scanned extract needs.
        let upload = |key: &str, body: Vec<u8>, issued_on: &str| {
            c.put(format!(
                "{}/api/v1/account/registry-extract?issued_on={issued_on}&file_name=kbis.pdf",
                s.base
            ))
            .bearer_auth(key)
            .header("content-type", "application/pdf")
            .body(body)
        };
        let r = upload(&a_key, pdf_of(3 << 20), "2001-01-01").send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json::<Value>().await.unwrap()["code"], "registry_extract_too_old");
        let r = upload(&a_key, pdf_of(6 << 20), &today).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let r = upload(&a_key, pdf_of(3 << 20), &today).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let kyc: Value = r.json().await.unwrap();
        assert_eq!(kyc["complete"], true);
        assert_eq!(kyc["registry_extract"]["issued_on"], today.as_str());

        let r = c
            .get(format!("{}/api/v1/account/registry-extract", s.base))
            .bearer_auth(&a_key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "application/pdf");
        assert_eq!(r.bytes().await.unwrap().len(), 3 << 20);

        // The other account has provided nothing, and cannot reach the first one's document.
        let r = c
            .get(format!("{}/api/v1/account/registry-extract", s.base))
            .bearer_auth(&b.key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let kyc = json_of(c.get(format!("{}/api/v1/account/kyc", s.base)).bearer_auth(&b.key)).await;
        assert_eq!(kyc["complete"], false);
        assert!(kyc["bank_details"].is_null());
        assert_unchanged(&s, &b).await;
    }
}

/// Subscriptions over the API: subscribe, errors naming the field, untick renewal; another
/// account's subscription is 404 on every route and stays as it was.
// clause: OSX-RENEW-48H, INES-GROUPEMENT
#[tokio::test]
async fn subscriptions_over_the_api_and_isolated_between_accounts() {
    for s in servers().await {
        let c = client();
        let a_key = key_for(&s.app, "admin@boulangerie-exemple.test", "admin-demo-2026").await;
        let b = other_tenant(&s).await;

        let offers = json_of(c.get(format!("{}/api/v1/offers", s.base)).bearer_auth(&a_key)).await;
        assert_eq!(offers.as_array().map(Vec::len), Some(5));
        let oseox = json_of(c.get(format!("{}/api/v1/offers/oseox", s.base)).bearer_auth(&a_key)).await;
        assert_eq!(
            oseox["offer"]["plans"][1]["pricing"]["priced"]["monthly"]["current"],
            1990
        );

        let r = c
            .post(format!("{}/api/v1/subscriptions", s.base))
            .bearer_auth(&a_key)
            .json(&json!({"offer": "oseox", "plan": "xxl", "period": "monthly"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let problem: Value = r.json().await.unwrap();
        assert_eq!(
            (problem["code"].as_str(), problem["field"].as_str()),
            (Some("plan_unknown"), Some("plan"))
        );

        let r = c
            .post(format!("{}/api/v1/subscriptions", s.base))
            .bearer_auth(&a_key)
            .json(&json!({"offer": "oseox", "plan": "s", "period": "monthly"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let sub: Value = r.json().await.unwrap();
        assert_eq!(sub["state"], "active");
        assert_eq!(sub["auto_renew"], true);
        let id = sub["id"].as_str().unwrap().to_string();
        let untick = json_of(
            c.post(format!("{}/api/v1/subscriptions/{id}/untick-renewal", s.base))
                .bearer_auth(&a_key),
        )
        .await;
        assert_eq!(untick["subscription"]["state"], "ending");
        assert_eq!(untick["subscription"]["auto_renew"], false);

        // The other account's subscription: invisible and untouchable.
        let theirs: Value = c
            .post(format!("{}/api/v1/subscriptions", s.base))
            .bearer_auth(&b.key)
            .json(&json!({"offer": "clog", "plan": "free"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let their_id = theirs["id"].as_str().unwrap().to_string();
        for (method, path) in [
            (reqwest::Method::GET, format!("/api/v1/subscriptions/{their_id}")),
            (
                reqwest::Method::POST,
                format!("/api/v1/subscriptions/{their_id}/activate"),
            ),
            (
                reqwest::Method::POST,
                format!("/api/v1/subscriptions/{their_id}/cancel"),
            ),
            (
                reqwest::Method::POST,
                format!("/api/v1/subscriptions/{their_id}/untick-renewal"),
            ),
        ] {
            let r = c
                .request(method.clone(), format!("{}{path}", s.base))
                .bearer_auth(&a_key)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{method} {path}");
        }
        let mine = json_of(c.get(format!("{}/api/v1/subscriptions", s.base)).bearer_auth(&a_key)).await;
        assert!(mine.as_array().unwrap().iter().all(|x| x["id"] != their_id.as_str()));
        let still = json_of(
            c.get(format!("{}/api/v1/subscriptions/{their_id}", s.base))
                .bearer_auth(&b.key),
        )
        .await;
        assert_eq!(still["state"], "active");
        let r = c
            .get(format!("{}/api/v1/operator/subscriptions", s.base))
            .bearer_auth(&a_key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);

        // Invoices: the first account's, readable by it as JSON and PDF, 404 for the other.
        s.app.billing_run(None, |_, _| {}).await.expect("billing run");
        let invoices = json_of(c.get(format!("{}/api/v1/invoices", s.base)).bearer_auth(&a_key)).await;
        let invoice = invoices[0]["id"].as_str().expect("an invoice").to_string();
        let one = json_of(
            c.get(format!("{}/api/v1/invoices/{invoice}", s.base))
                .bearer_auth(&a_key),
        )
        .await;
        assert_eq!(one["total_excl"], 1990);
        assert_eq!(one["lines"].as_array().map(Vec::len), Some(1));
        let pdf = c
            .get(format!("{}/api/v1/invoices/{invoice}/pdf", s.base))
            .bearer_auth(&a_key)
            .send()
            .await
            .unwrap();
        assert_eq!(pdf.headers()["content-type"], "application/pdf");
        for path in [
            format!("/api/v1/invoices/{invoice}"),
            format!("/api/v1/invoices/{invoice}/pdf"),
        ] {
            let r = c
                .get(format!("{}{path}", s.base))
                .bearer_auth(&b.key)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        }
    }
}

/// A plan change over the API: a dearer plan at once with the paid period prorated on an
/// invoice issued now; errors name the field; another account's subscription is 404.
#[tokio::test]
async fn plan_changes_over_the_api() {
    for s in servers().await {
        let c = client();
        let a_key = key_for(&s.app, "admin@boulangerie-exemple.test", "admin-demo-2026").await;
        let b = other_tenant(&s).await;
        let sub: Value = c
            .post(format!("{}/api/v1/subscriptions", s.base))
            .bearer_auth(&a_key)
            .json(&json!({"offer": "oseox", "plan": "s", "period": "monthly"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = sub["id"].as_str().unwrap().to_string();
        let plan_url = format!("{}/api/v1/subscriptions/{id}/plan", s.base);
        let r = c
            .put(&plan_url)
            .bearer_auth(&a_key)
            .json(&json!({"plan": "xxl"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let problem: Value = r.json().await.unwrap();
        assert_eq!(
            (problem["code"].as_str(), problem["field"].as_str()),
            (Some("plan_unknown"), Some("plan"))
        );
        let r = c
            .put(&plan_url)
            .bearer_auth(&b.key)
            .json(&json!({"plan": "l"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);

        let r = c
            .put(&plan_url)
            .bearer_auth(&a_key)
            .json(&json!({"plan": "l"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let changed: Value = r.json().await.unwrap();
        assert_eq!(changed["immediate"], true);
        let invoice = changed["invoice_id"].as_str().expect("a proration invoice").to_string();
        let one = json_of(
            c.get(format!("{}/api/v1/invoices/{invoice}", s.base))
                .bearer_auth(&a_key),
        )
        .await;
        // Changed on the first day of the period: the whole of S credited, the whole of L charged.
        let amounts: Vec<i64> = one["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["amount"].as_i64().unwrap())
            .collect();
        assert_eq!(amounts, vec![-1990, 4990]);
        assert_eq!(one["total_excl"], 3000);
        let now = json_of(
            c.get(format!("{}/api/v1/subscriptions/{id}", s.base))
                .bearer_auth(&a_key),
        )
        .await;
        assert_eq!(now["plan"], "l");

        // Back down to S: from the next period, shown as pending.
        let down = json_of(c.put(&plan_url).bearer_auth(&a_key).json(&json!({"plan": "s"}))).await;
        assert_eq!(down["immediate"], false);
        assert!(down["invoice_id"].is_null());
        let now = json_of(
            c.get(format!("{}/api/v1/subscriptions/{id}", s.base))
                .bearer_auth(&a_key),
        )
        .await;
        assert_eq!(now["plan"], "l");
        assert_eq!(now["pending_change"]["plan"], "s");
        assert_eq!(now["pending_change"]["applies_from"], down["applies_on"]);

        // Oseox has no paid early termination: its ordinary cancellation applies.
        let r = c
            .post(format!("{}/api/v1/subscriptions/{id}/terminate-early", s.base))
            .bearer_auth(&a_key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CONFLICT);
        let problem: Value = r.json().await.unwrap();
        assert_eq!(problem["code"], "early_termination_not_offered");
        let quote = json_of(
            c.get(format!("{}/api/v1/subscriptions/{id}/early-termination", s.base))
                .bearer_auth(&a_key),
        )
        .await;
        assert_eq!(quote["amount_due"], 0);

        // clause: OSX-LIABILITY-CAP
        let orders = json_of(c.get(format!("{}/api/v1/invoices/orders", s.base)).bearer_auth(&a_key)).await;
        let order = orders
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["subscription_id"] == id.as_str())
            .expect("the order");
        assert_eq!(order["excl_vat"], 1990 + 3000);
        // Operator staff find the proration invoice by its number, and not by another's.
        let op_key = key_for(&s.app, "operator@comptoir.test", "operateur-demo-2026").await;
        let number = one["number"].as_str().unwrap().to_string();
        let found = json_of(
            c.get(format!("{}/api/v1/operator/invoices?search={number}", s.base))
                .bearer_auth(&op_key),
        )
        .await;
        assert!(found.as_array().unwrap().iter().any(|i| i["id"] == invoice.as_str()));
        assert!(found.as_array().unwrap().iter().all(|i| i["number"] == number.as_str()));
        let r = c
            .get(format!("{}/api/v1/operator/invoices?from=yesterday", s.base))
            .bearer_auth(&op_key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

        // Operator staff filter subscriptions by offer and customer.
        let found = json_of(
            c.get(format!(
                "{}/api/v1/operator/subscriptions?offer=oseox&search=boulangerie",
                s.base
            ))
            .bearer_auth(&op_key),
        )
        .await;
        assert!(found.as_array().unwrap().iter().any(|x| x["id"] == id.as_str()));
        assert!(found.as_array().unwrap().iter().all(|x| x["offer"] == "oseox"));
        let none = json_of(
            c.get(format!(
                "{}/api/v1/operator/subscriptions?search=nobody-by-that-name",
                s.base
            ))
            .bearer_auth(&op_key),
        )
        .await;
        assert_eq!(none.as_array().map(Vec::len), Some(0));

        // A corrective credit note by operator staff; customers cannot issue one.
        let account = one["account_id"].as_str().unwrap().to_string();
        let credit_url = format!(
            "{}/api/v1/operator/accounts/{account}/invoices/{invoice}/credit-note",
            s.base
        );
        let r = c
            .post(&credit_url)
            .bearer_auth(&a_key)
            .json(&json!({"lines": [1], "reason": "mine"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = c
            .post(&credit_url)
            .bearer_auth(&op_key)
            .json(&json!({"lines": [2], "reason": ""}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let r = c
            .post(&credit_url)
            .bearer_auth(&op_key)
            .json(&json!({"lines": [2], "reason": "upgrade granted free of charge"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let note: Value = r.json().await.unwrap();
        assert_eq!(note["kind"], "credit_note");
        assert_eq!(note["total_excl"], -4990);
        let r = c
            .post(&credit_url)
            .bearer_auth(&op_key)
            .json(&json!({"lines": [2], "reason": "twice"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CONFLICT);
    }
}

/// The contracts module over HTTP (CLOG-SERVICE, CTR-LETTER, CTR-REMINDERS): account B registers
/// a contract with a document; account A reaches none of it through any contract route or page
/// (404, nothing changed); B downloads its letter and reads its calendar feed.
// clause: CLOG-SERVICE, CLOG-NO-STAFF-ACCESS
#[tokio::test]
async fn contracts_over_the_api_and_isolated() {
    for s in servers().await {
        let c = client();
        let a_key = key_for(&s.app, "admin@boulangerie-exemple.test", "admin-demo-2026").await;
        let b = other_tenant(&s).await;
        let input = json!({
            "reference": "B-1", "counterparty_name": "Fournisseur B", "counterparty_siren": "732829320",
            "counterparty_address": "1 rue de la Paix, 75002 Paris", "category": "software",
            "start_date": "2026-01-31", "term_months": "12", "renewal": "tacit", "notice": "3",
            "notice_unit": "months", "ways": ["registered_letter", "email"], "price": "49.90",
            "currency": "EUR", "billing_period": "monthly", "tags": ["saas"]
        });
        // Bad input: the field named, nothing written.
        let mut bad = input.clone();
        bad["counterparty_siren"] = json!("732829321");
        let r = c
            .post(format!("{}/api/v1/contracts", s.base))
            .bearer_auth(&b.key)
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let problem: Value = r.json().await.unwrap();
        assert_eq!(problem["field"], "counterparty_siren");
        let r = c
            .post(format!("{}/api/v1/contracts", s.base))
            .bearer_auth(&b.key)
            .json(&input)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let created: Value = r.json().await.unwrap();
        let id = id_of(&created);
        assert!(created["deadlines"]["explanation"].as_str().unwrap().contains("31"));
        let r = c
            .post(format!(
                "{}/api/v1/contracts/{id}/documents?file_name=contrat.pdf",
                s.base
            ))
            .bearer_auth(&b.key)
            .header("content-type", "application/octet-stream")
            .body(pdf_of(2000))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let doc: Value = r.json().await.unwrap();
        let doc_id = id_of(&doc);

        // A walks every contract route with B's ids.
        let walk: Vec<(reqwest::Method, String, Option<Value>)> = vec![
            (reqwest::Method::GET, format!("/api/v1/contracts/{id}"), None),
            (
                reqwest::Method::PUT,
                format!("/api/v1/contracts/{id}"),
                Some(input.clone()),
            ),
            (reqwest::Method::DELETE, format!("/api/v1/contracts/{id}"), None),
            (reqwest::Method::GET, format!("/api/v1/contracts/{id}/letter"), None),
            (
                reqwest::Method::GET,
                format!("/api/v1/contracts/{id}/documents/{doc_id}"),
                None,
            ),
            (
                reqwest::Method::DELETE,
                format!("/api/v1/contracts/{id}/documents/{doc_id}"),
                None,
            ),
            (reqwest::Method::POST, format!("/api/v1/contracts/{id}/documents"), None),
            (
                reqwest::Method::POST,
                format!("/api/v1/contracts/{id}/steps?step=terminated&on=2026-02-01"),
                None,
            ),
        ];
        for (method, path, body) in walk {
            let mut req = c
                .request(method.clone(), format!("{}{path}", s.base))
                .bearer_auth(&a_key);
            req = match body {
                Some(b) => req.json(&b),
                None if method == reqwest::Method::POST => {
                    req.header("content-type", "application/octet-stream").body(pdf_of(100))
                }
                None => req,
            };
            let r = req.send().await.unwrap();
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{method} {path}");
        }
        let listed = json_of(c.get(format!("{}/api/v1/contracts", s.base)).bearer_auth(&a_key)).await;
        assert!(listed.as_array().unwrap().iter().all(|x| x["id"] != id.as_str()));

        // And every contract page.
        let a = page_login(&c, &s.base, "admin@boulangerie-exemple.test", "admin-demo-2026").await;
        for path in [
            format!("/contracts/{id}"),
            format!("/contracts/{id}/edit"),
            format!("/contracts/{id}/letter.pdf"),
            format!("/contracts/{id}/documents/{doc_id}"),
        ] {
            let r = c
                .get(format!("{}{path}", s.base))
                .header("cookie", &a.cookies)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "GET {path}");
        }
        for (path, fields) in [
            (format!("/contracts/{id}"), vec![("counterparty_name", "Pris")]),
            (format!("/contracts/{id}/delete"), vec![]),
            (format!("/contracts/{id}/documents/{doc_id}/delete"), vec![]),
        ] {
            let mut form: Vec<(&str, &str)> = fields.clone();
            form.push(("csrf", &a.csrf));
            let r = c
                .post(format!("{}{path}", s.base))
                .header("cookie", &a.cookies)
                .form(&form)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "POST {path}");
        }
        for path in [format!("/contracts/{id}/documents"), format!("/contracts/{id}/steps")] {
            let boundary = "xyz";
            let body = format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"step\"\r\n\r\nterminated\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"on\"\r\n\r\n2026-02-01\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.4\r\n--{boundary}--\r\n",
                a.csrf
            );
            let r = c
                .post(format!("{}{path}", s.base))
                .header("cookie", &a.cookies)
                .header("content-type", format!("multipart/form-data; boundary={boundary}"))
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "POST {path}");
        }

        // B's contract is as it was.
        let detail = json_of(c.get(format!("{}/api/v1/contracts/{id}", s.base)).bearer_auth(&b.key)).await;
        assert_eq!(detail["contract"]["counterparty"]["name"], "Fournisseur B");
        assert_eq!(detail["contract"]["status"], "active");
        assert_eq!(detail["documents"].as_array().map(Vec::len), Some(1));
        // The document's bytes are no PDF text: attached all the same, and said so.
        assert_eq!(detail["documents"][0]["text_status"], "unreadable");

        // The registered letter's transit (CTR-SEND-BY): 0 to 15 working days, the field named.
        assert_eq!(detail["contract"]["letter_transit_days"], 3);
        let mut slow = input.clone();
        slow["letter_transit_days"] = json!("16");
        let r = c
            .put(format!("{}/api/v1/contracts/{id}", s.base))
            .bearer_auth(&b.key)
            .json(&slow)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let problem: Value = r.json().await.unwrap();
        assert_eq!(problem["field"], "letter_transit_days");
        slow["letter_transit_days"] = json!("5");
        let updated = json_of(
            c.put(format!("{}/api/v1/contracts/{id}", s.base))
                .bearer_auth(&b.key)
                .json(&slow),
        )
        .await;
        assert_eq!(updated["letter_transit_days"], 5, "{updated}");

        // B deletes its document: 204, then gone (404 the second time).
        for expected in [StatusCode::NO_CONTENT, StatusCode::NOT_FOUND] {
            let r = c
                .delete(format!("{}/api/v1/contracts/{id}/documents/{doc_id}", s.base))
                .bearer_auth(&b.key)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), expected);
        }
        let detail = json_of(c.get(format!("{}/api/v1/contracts/{id}", s.base)).bearer_auth(&b.key)).await;
        assert_eq!(detail["documents"].as_array().map(Vec::len), Some(0));

        // The letter (CTR-LETTER) and the calendar feed (CTR-REMINDERS).
        let r = c
            .get(format!("{}/api/v1/contracts/{id}/letter?way=email&lang=en", s.base))
            .bearer_auth(&b.key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "application/pdf");
        assert!(r.bytes().await.unwrap().starts_with(b"%PDF-"));
        let cal = json_of(
            c.post(format!("{}/api/v1/contracts/calendar", s.base))
                .bearer_auth(&b.key),
        )
        .await;
        let url = cal["url"].as_str().unwrap();
        let path = &url[url.find("/calendar/").unwrap()..];
        let r = c.get(format!("{}{path}", s.base)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let ics = r.text().await.unwrap();
        assert!(ics.contains(&format!("UID:{id}-last-day@comptoir")), "{ics}");
        // Terms assist (beyond every anchor): proposals with their sentences, and fields to confirm.
        let text = "Le contrat est conclu pour une durée de 12 mois. Il est renouvelé par tacite reconduction.\n\
                    Il peut être résilié par lettre recommandée avec accusé de réception moyennant un préavis de deux mois.";
        let assisted = json_of(
            c.post(format!("{}/api/v1/contracts/assist", s.base))
                .bearer_auth(&b.key)
                .json(&json!({ "text": text })),
        )
        .await;
        assert_eq!(assisted["fields"]["term_months"], "12", "{assisted}");
        assert_eq!(assisted["fields"]["notice"], "2", "{assisted}");
        assert!(
            assisted["proposal"]["notice"][0]["sentence"]
                .as_str()
                .unwrap()
                .contains("préavis")
        );
        let r = c.get(format!("{}/calendar/nope.ics", s.base)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_unchanged(&s, &b).await;
    }
}

/// Every byte but letters and digits percent-encoded, for a query value.
fn percent(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Sends a request and returns its status and JSON body (null when there is none).
async fn call(req: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let r = req.send().await.expect("request");
    let status = r.status();
    let text = r.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The monitor over the API: sites, URLs in every way, quotas, PING, LINK, cadence,
/// maintenance, the scheduler's results, alerts, settings and the export; bad input names its
/// field and writes nothing; another account's ids are 404 on every route and page.
// clause: OSX-SITE, OSX-PACKS, OSX-CADENCE, OSX-NO-ARCHIVE
#[tokio::test]
async fn monitor_over_the_api_and_isolated() {
    let site = support::start_site().await;
    for s in servers().await {
        site.set_title("Boulangerie Exemple");
        let c = client();
        let a_key = key_for(&s.app, "admin@boulangerie-exemple.test", "admin-demo-2026").await;
        let b = other_tenant(&s).await;
        let api = |path: &str| format!("{}/api/v1/monitor{path}", s.base);

        let (status, problem) = call(c.get(api("/sites")).bearer_auth(&b.key)).await;
        assert_eq!(status, StatusCode::OK, "listing needs no subscription: {problem}");
        let (status, problem) = call(
            c.post(api("/sites"))
                .bearer_auth(&b.key)
                .json(&json!({"site": site.origin})),
        )
        .await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("monitor_not_subscribed"))
        );
        for key in [&a_key, &b.key] {
            let (status, body) = call(
                c.post(format!("{}/api/v1/subscriptions", s.base))
                    .bearer_auth(key)
                    .json(&json!({"offer": "oseox", "plan": "free"})),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
        }
        let usage = json_of(c.get(api("/usage")).bearer_auth(&b.key)).await;
        assert_eq!(usage["enabled"], true);
        let limits: Vec<_> = usage["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["limit"].clone())
            .collect();
        assert_eq!(limits, [json!(20), json!(1), json!(5)], "the Free pack (OSX-PACKS)");

        let (status, problem) = call(
            c.post(api("/sites"))
                .bearer_auth(&b.key)
                .json(&json!({"site": "ftp://exemple.fr"})),
        )
        .await;
        assert_eq!(
            (status, problem["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("site"))
        );
        let (status, created) = call(
            c.post(api("/sites"))
                .bearer_auth(&b.key)
                .json(&json!({"site": site.origin})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let site_id = created["site"]["id"].as_str().unwrap().to_string();
        assert_eq!(created["site"]["http_urls"], 3, "home, robots.txt and sitemap");
        let (status, problem) = call(
            c.post(api("/sites"))
                .bearer_auth(&b.key)
                .json(&json!({"site": site.origin})),
        )
        .await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (StatusCode::CONFLICT, Some("site_already_watched"))
        );

        let urls = |site: &str| api(&format!("/sites/{site}/urls"));
        // A list is all or nothing, each faulty URL named.
        let (status, problem) =
            call(c.post(urls(&site_id)).bearer_auth(&b.key).json(
                &json!({"urls": [format!("{}/pains", site.origin), "https://ailleurs.example/x", "mailto:x@y.fr"]}),
            ))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<_> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].clone())
            .collect();
        assert_eq!(fields, [json!("urls[2]"), json!("urls[3]")], "{problem}");
        let (status, problem) = call(c.post(urls(&site_id)).bearer_auth(&b.key).json(&json!({}))).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("one_source_required"))
        );
        let page = json_of(c.get(urls(&site_id)).bearer_auth(&b.key)).await;
        assert_eq!(page["urls"].as_array().map(Vec::len), Some(3), "nothing written");

        let (status, added) = call(
            c.post(urls(&site_id))
                .bearer_auth(&b.key)
                .json(&json!({"sitemap": true})),
        )
        .await;
        assert_eq!(
            (status, added["added"].as_u64(), added["already_watched"].as_u64()),
            (StatusCode::CREATED, Some(1), Some(1)),
            "{added}"
        );
        let csv = format!("url\n{}/contact\n{}/horaires\n", site.origin, site.origin);
        let (status, added) = call(
            c.post(urls(&site_id))
                .bearer_auth(&b.key)
                .header("content-type", "text/csv")
                .body(csv),
        )
        .await;
        assert_eq!(
            (status, added["added"].as_u64()),
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, None),
            "the CSV goes to /import"
        );
        let csv = format!("url\n{}/contact\n{}/horaires\n", site.origin, site.origin);
        let (status, added) = call(
            c.post(format!("{}/import", urls(&site_id)))
                .bearer_auth(&b.key)
                .header("content-type", "text/csv")
                .body(csv),
        )
        .await;
        assert_eq!(
            (status, added["added"].as_u64()),
            (StatusCode::CREATED, Some(2)),
            "{added}"
        );
        // 6 of 20 in use: 15 more is beyond the Free pack, refused whole with the limit said.
        let many: Vec<String> = (0..15).map(|i| format!("{}/p{i}", site.origin)).collect();
        let (status, problem) = call(c.post(urls(&site_id)).bearer_auth(&b.key).json(&json!({"urls": many}))).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("limit_reached"))
        );
        assert!(problem["detail"].as_str().unwrap().contains("20"), "{problem}");
        assert_eq!(
            json_of(c.get(urls(&site_id)).bearer_auth(&b.key)).await["urls"]
                .as_array()
                .map(Vec::len),
            Some(6)
        );

        let host = site.origin.trim_start_matches("http://");
        let (status, ping) = call(
            c.post(api(&format!("/sites/{site_id}/pings")))
                .bearer_auth(&b.key)
                .json(&json!({"target": format!("tcp://{host}")})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{ping}");
        let (status, problem) = call(
            c.post(api(&format!("/sites/{site_id}/pings")))
                .bearer_auth(&b.key)
                .json(&json!({"target": format!("{}/", site.origin)})),
        )
        .await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("limit_reached")),
            "one PING on Free"
        );
        let (status, problem) = call(
            c.post(api(&format!("/sites/{site_id}/backlinks")))
                .bearer_auth(&b.key)
                .json(&json!({"page": format!("{}/pains", site.origin), "target": "/"})),
        )
        .await;
        assert_eq!(
            (status, problem["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("page"))
        );
        let (status, problem) = call(
            c.put(api(&format!("/sites/{site_id}/cadence")))
                .bearer_auth(&b.key)
                .json(&json!({"tool": "http", "minutes": 4})),
        )
        .await;
        assert_eq!(
            (status, problem["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("cadence_minutes"))
        );
        let (status, set) = call(
            c.put(api(&format!("/sites/{site_id}/cadence")))
                .bearer_auth(&b.key)
                .json(&json!({"tool": "http", "minutes": 15})),
        )
        .await;
        assert_eq!((status, set["urls"].as_u64()), (StatusCode::OK, Some(6)));
        let (status, problem) = call(
            c.post(api(&format!("/sites/{site_id}/maintenance")))
                .bearer_auth(&b.key)
                .json(&json!({"starts_at": "demain", "ends_at": "2030-01-01T02:00:00Z"})),
        )
        .await;
        assert_eq!(
            (status, problem["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("starts_at"))
        );
        let (status, window) = call(
            c.post(api(&format!("/sites/{site_id}/maintenance")))
                .bearer_auth(&b.key)
                .json(&json!({"starts_at": "2030-01-01T00:00:00Z", "ends_at": "2030-01-01T02:00:00Z", "note": "migration"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let window_id = id_of(&window);

        // The scheduler checks them; the API shows what it saw.
        let t0 = jiff::Timestamp::now() + jiff::SignedDuration::from_mins(1);
        let run = s.app.monitor_run_due("api", t0, 100).await.expect("run");
        assert_eq!(run.checked, 7);
        let page = json_of(
            c.get(format!("{}?tool=http&q=exemple", urls(&site_id)))
                .bearer_auth(&b.key),
        )
        .await;
        let home = page["urls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["role"] == "home")
            .expect("the home page")
            .clone();
        assert_eq!(
            (home["status"].as_u64(), home["title"].as_str()),
            (Some(200), Some("Boulangerie Exemple"))
        );
        let home_id = id_of(&home);
        let detail = json_of(c.get(api(&format!("/urls/{home_id}"))).bearer_auth(&b.key)).await;
        let title = detail["elements"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["element"] == "title")
            .expect("title")
            .clone();
        assert_eq!(title["value"], "Boulangerie Exemple");
        let page = json_of(c.get(format!("{}?limit=2", urls(&site_id))).bearer_auth(&b.key)).await;
        let after = page["next_after"].as_str().expect("a next page").to_string();
        let next = json_of(
            c.get(format!("{}?limit=2&after={}", urls(&site_id), percent(&after)))
                .bearer_auth(&b.key),
        )
        .await;
        assert!(
            next["urls"][0]["url"].as_str().unwrap() > after.as_str(),
            "keyset pages follow each other"
        );
        let (status, _) = call(c.get(format!("{}?tool=ftp", urls(&site_id))).bearer_auth(&b.key)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

        let (status, problem) = call(
            c.put(api("/settings"))
                .bearer_auth(&b.key)
                .json(&json!({"recipients": ["pas-une-adresse"], "confirm_checks": 2})),
        )
        .await;
        assert_eq!(
            (status, problem["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("recipients"))
        );
        let (status, settings) = call(
            c.put(api("/settings"))
                .bearer_auth(&b.key)
                .json(&json!({"recipients": ["seo@autre.test"], "confirm_checks": 1, "reminder_minutes": 30})),
        )
        .await;
        assert_eq!((status, settings["confirm_checks"].as_u64()), (StatusCode::OK, Some(1)));
        let export = json_of(c.get(api("/export")).bearer_auth(&b.key)).await;
        assert_eq!(export["sites"].as_array().map(Vec::len), Some(1));
        assert!(
            export["history"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h["value"] == "Boulangerie Exemple")
        );
        let r = c
            .get(api("/export/history.csv"))
            .bearer_auth(&b.key)
            .send()
            .await
            .unwrap();
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        assert!(
            r.text()
                .await
                .unwrap()
                .starts_with("url_id,url,observed_at,element,value")
        );

        // A walks every monitor route with B's ids: 404, and nothing changes.
        let walk: Vec<(reqwest::Method, String, Option<Value>)> = vec![
            (reqwest::Method::GET, format!("/sites/{site_id}"), None),
            (reqwest::Method::DELETE, format!("/sites/{site_id}"), None),
            (reqwest::Method::GET, format!("/sites/{site_id}/urls"), None),
            (
                reqwest::Method::POST,
                format!("/sites/{site_id}/urls"),
                Some(json!({"url": "/x"})),
            ),
            (
                reqwest::Method::POST,
                format!("/sites/{site_id}/pings"),
                Some(json!({"target": "/"})),
            ),
            (
                reqwest::Method::POST,
                format!("/sites/{site_id}/backlinks"),
                Some(json!({"page": "https://ailleurs.example/", "target": "/"})),
            ),
            (
                reqwest::Method::PUT,
                format!("/sites/{site_id}/cadence"),
                Some(json!({"tool": "http", "minutes": 5})),
            ),
            (reqwest::Method::GET, format!("/sites/{site_id}/maintenance"), None),
            (
                reqwest::Method::POST,
                format!("/sites/{site_id}/maintenance"),
                Some(json!({"starts_at": "2030-01-01T00:00:00Z", "ends_at": "2030-01-01T02:00:00Z"})),
            ),
            (reqwest::Method::DELETE, format!("/maintenance/{window_id}"), None),
            (reqwest::Method::GET, format!("/urls/{home_id}"), None),
            (reqwest::Method::DELETE, format!("/urls/{home_id}"), None),
        ];
        for (method, path, body) in walk {
            let mut req = c.request(method.clone(), api(&path)).bearer_auth(&a_key);
            if let Some(b) = body {
                req = req.json(&b);
            }
            let (status, _) = call(req).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}");
        }
        let r = c
            .post(format!("{}/import", urls(&site_id)))
            .bearer_auth(&a_key)
            .header("content-type", "text/csv")
            .body("url\n/x\n")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let alerts = json_of(c.get(api(&format!("/alerts?site={site_id}"))).bearer_auth(&a_key)).await;
        assert_eq!(alerts.as_array().map(Vec::len), Some(0));
        let a_sites = json_of(c.get(api("/sites")).bearer_auth(&a_key)).await;
        assert_eq!(a_sites.as_array().map(Vec::len), Some(0));
        let a_export = json_of(c.get(api("/export")).bearer_auth(&a_key)).await;
        assert_eq!(a_export["history"].as_array().map(Vec::len), Some(0));
        let a = page_login(&c, &s.base, "admin@boulangerie-exemple.test", "admin-demo-2026").await;
        for path in [format!("/monitor/sites/{site_id}"), format!("/monitor/urls/{home_id}")] {
            let r = c
                .get(format!("{}{path}", s.base))
                .header("cookie", &a.cookies)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "GET {path}");
        }
        for path in [
            format!("/monitor/sites/{site_id}/delete"),
            format!("/monitor/urls/{home_id}/delete"),
            format!("/monitor/maintenance/{window_id}/delete"),
        ] {
            let r = c
                .post(format!("{}{path}", s.base))
                .header("cookie", &a.cookies)
                .form(&[("csrf", a.csrf.as_str())])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "POST {path}");
        }
        let detail = json_of(c.get(api(&format!("/sites/{site_id}"))).bearer_auth(&b.key)).await;
        assert_eq!(
            (
                detail["site"]["http_urls"].as_u64(),
                detail["maintenance"].as_array().map(Vec::len)
            ),
            (Some(6), Some(1))
        );

        // Deleting a URL, a window, then the site.
        let (status, _) = call(c.delete(api(&format!("/urls/{home_id}"))).bearer_auth(&b.key)).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = call(c.delete(api(&format!("/maintenance/{window_id}"))).bearer_auth(&b.key)).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = call(c.delete(api(&format!("/sites/{site_id}"))).bearer_auth(&b.key)).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let export = json_of(c.get(api("/export")).bearer_auth(&b.key)).await;
        assert_eq!(
            (
                export["sites"].as_array().map(Vec::len),
                export["history"].as_array().map(Vec::len)
            ),
            (Some(0), Some(0))
        );
    }
}
