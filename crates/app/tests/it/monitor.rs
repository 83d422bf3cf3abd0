//! The monitor module end to end against a real site served on 127.0.0.1 by the test: sites and
//! quotas, imports, the scheduler driven by explicit instants (time is an input: no sleeping),
//! confirmation, grouped alert emails, maintenance windows, availability, shared claims, and
//! the end of the data.

use crate::{ADMIN, World, actor, code, count_rows, invalid_fields, on_every_backend};
use app::monitor::{NewMaintenance, UrlSource};
use app::subscriptions::SubscribeInput;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use jiff::{SignedDuration, Timestamp};
use kernel::AccountId;
use monitor::site::Tool;
use std::sync::{Arc, Mutex};
use store::monitor::{AlertKind, UrlFilter, UrlRole};

/// What the test site serves; tests change it between checks.
#[derive(Clone)]
struct SiteState {
    title: Arc<Mutex<String>>,
    healthy: Arc<Mutex<bool>>,
}

fn page(title: &str, links: &str) -> String {
    format!(
        "<!doctype html><html><head><title>{title}</title>\
         <meta name=\"description\" content=\"Pains et viennoiseries\">\
         <link rel=\"canonical\" href=\"/\"></head>\
         <body><h1>Boulangerie</h1><p>Du pain tous les jours.</p>{links}</body></html>"
    )
}

async fn home(State(s): State<SiteState>) -> impl IntoResponse {
    let title = s.title.lock().expect("title").clone();
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page(&title, ""))
}

async fn health(State(s): State<SiteState>) -> impl IntoResponse {
    if *s.healthy.lock().expect("healthy") {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "down")
    }
}

/// Starts the test site; returns its origin (`http://127.0.0.1:PORT`) and its controls.
async fn start_site() -> (String, SiteState) {
    let state = SiteState {
        title: Arc::new(Mutex::new("Boulangerie Exemple".into())),
        healthy: Arc::new(Mutex::new(true)),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let origin = format!("http://{}", listener.local_addr().expect("addr"));
    let sitemap = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
         <url><loc>{origin}/</loc></url><url><loc>{origin}/pains</loc></url>\
         <url><loc>{origin}/gateaux</loc></url><url><loc>https://elsewhere.example/x</loc></url></urlset>"
    );
    let app = Router::new()
        .route("/", get(home))
        .route("/health", get(health))
        .route("/robots.txt", get(|| async { "User-agent: *\nDisallow: /prive\n" }))
        .route(
            "/sitemap.xml",
            get(move || {
                let body = sitemap.clone();
                async move { ([(header::CONTENT_TYPE, "application/xml")], body) }
            }),
        )
        .route(
            "/pains",
            get(|| async { ([(header::CONTENT_TYPE, "text/html")], page("Nos pains", "")) }),
        )
        .route(
            "/gateaux",
            get(|| async { ([(header::CONTENT_TYPE, "text/html")], page("Nos gâteaux", "")) }),
        )
        .route(
            "/prive",
            get(|| async { ([(header::CONTENT_TYPE, "text/html")], page("Privé", "")) }),
        )
        .with_state(state.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (origin, state)
}

async fn subscribe(w: &World, account: AccountId, plan: &str) {
    let admin = w.principal(ADMIN).await;
    w.app
        .subscribe(
            account,
            SubscribeInput {
                offer: "oseox".into(),
                plan: plan.into(),
                period: if plan == "free" {
                    String::new()
                } else {
                    "monthly".into()
                },
                ..SubscribeInput::default()
            },
            &actor(&admin),
        )
        .await
        .expect("subscribe to oseox");
}

fn t(s: &str) -> Timestamp {
    s.parse().expect("instant")
}

fn hours(h: i64) -> SignedDuration {
    SignedDuration::from_hours(h)
}

// clause: OSX-SITE
#[tokio::test]
async fn a_site_watches_its_home_robots_and_sitemap_and_every_url_belongs_to_it() {
    let (origin, _site) = start_site().await;
    on_every_backend(async |db| {
        let w = World::new(db).await;
        subscribe(&w, w.account, "free").await;
        let admin = actor(&w.principal(ADMIN).await);
        let now = t("2026-11-23T09:00:00Z");
        assert_eq!(
            invalid_fields(w.app.monitor_add_site(&admin, w.account, "ftp://example.fr", now).await),
            ["site"]
        );
        let site = w
            .app
            .monitor_add_site(&admin, w.account, &format!("{origin}/ignored/path"), now)
            .await
            .expect("add site");
        assert_eq!(site.origin, origin);
        let page = w
            .app
            .monitor_urls(
                w.account,
                site.id,
                &UrlFilter {
                    limit: 50,
                    ..UrlFilter::default()
                },
            )
            .await
            .expect("urls");
        let mut roles: Vec<(UrlRole, String)> = page.urls.iter().map(|u| (u.role, u.url.clone())).collect();
        roles.sort_by_key(|(_, u)| u.clone());
        assert_eq!(
            roles,
            [
                (UrlRole::Home, format!("{origin}/")),
                (UrlRole::Robots, format!("{origin}/robots.txt")),
                (UrlRole::Sitemap, format!("{origin}/sitemap.xml")),
            ]
        );
        // The same site twice is refused.
        assert_eq!(
            code(w.app.monitor_add_site(&admin, w.account, &origin, now).await),
            "site_already_watched"
        );
        // A URL of another site, another scheme, or unparsable: refused with the field named.
        let outside = w
            .app
            .monitor_add_urls(
                &admin,
                w.account,
                site.id,
                UrlSource::One("https://other.example/x".into()),
                now,
            )
            .await;
        assert_eq!(code(outside), "url_outside_site");
        // A pasted list is all or nothing and names each faulty line.
        let list = format!("{origin}/pains\nhttps://other.example/\n/gateaux\nmailto:x@y.fr\n");
        let refused = w
            .app
            .monitor_add_urls(&admin, w.account, site.id, UrlSource::List(list), now)
            .await;
        assert_eq!(invalid_fields(refused), ["urls[2]", "urls[4]"]);
        assert_eq!(count_rows(&w.db, "monitor_urls").await, 3, "nothing half-written");
        // A path is read against the site; a CSV names its column.
        let added = w
            .app
            .monitor_add_urls(&admin, w.account, site.id, UrlSource::One("/pains".into()), now)
            .await
            .expect("one URL");
        assert_eq!(added.added, 1);
        let csv = format!("nom;url\nPains;{origin}/pains\nGâteaux;{origin}/gateaux\n").into_bytes();
        let added = w
            .app
            .monitor_add_urls(&admin, w.account, site.id, UrlSource::Csv(csv), now)
            .await
            .expect("csv");
        assert_eq!((added.added, added.already_watched), (1, 1));
        // The sitemap import keeps the site's own URLs only.
        let added = w
            .app
            .monitor_add_urls(&admin, w.account, site.id, UrlSource::Sitemap, now)
            .await
            .expect("sitemap import");
        assert_eq!((added.added, added.already_watched), (0, 3));
        // Members read, they do not watch more (the web layer refuses; the trail shows admins).
        assert_eq!(w.trail(Some(w.account), "monitor.site_add").await.len(), 1);
        assert_eq!(w.trail(Some(w.account), "monitor.urls_add").await.len(), 3);
    })
    .await;
}

// clause: OSX-PACKS
#[tokio::test]
async fn the_packs_quotas_are_enforced_with_the_limit_said() {
    let (origin, _site) = start_site().await;
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let admin = actor(&w.principal(ADMIN).await);
        let now = t("2026-11-23T09:00:00Z");
        // Without a subscription granting the module, nothing is watched.
        assert_eq!(
            code(w.app.monitor_add_site(&admin, w.account, &origin, now).await),
            "monitor_not_subscribed"
        );
        subscribe(&w, w.account, "free").await;
        let site = w
            .app
            .monitor_add_site(&admin, w.account, &origin, now)
            .await
            .expect("site");
        // Free: 20 HTTP URLs, the three defaults included.
        let eighteen: String = (0..18).map(|i| format!("/page-{i}\n")).collect();
        match w
            .app
            .monitor_add_urls(&admin, w.account, site.id, UrlSource::List(eighteen), now)
            .await
        {
            Err(app::AppError::Limit { key, limit, .. }) => {
                assert_eq!((key.as_str(), limit), ("monitor.http_urls", 20));
            }
            other => panic!("expected the quota, got {other:?}"),
        }
        assert_eq!(count_rows(&w.db, "monitor_urls").await, 3, "refused whole");
        let seventeen: String = (0..17).map(|i| format!("/page-{i}\n")).collect();
        w.app
            .monitor_add_urls(&admin, w.account, site.id, UrlSource::List(seventeen), now)
            .await
            .expect("up to the quota");
        // Free: one PING URL, five backlinks.
        w.app
            .monitor_add_ping(&admin, w.account, site.id, &format!("{origin}/health"), now)
            .await
            .expect("one ping");
        assert_eq!(
            code(w.app.monitor_add_ping(&admin, w.account, site.id, "/", now).await),
            "limit_reached"
        );
        let usage = w.app.monitor_usage(w.account).await.expect("usage");
        assert_eq!(
            usage,
            [
                (Tool::Http, 20, Some(20)),
                (Tool::Ping, 1, Some(1)),
                (Tool::Link, 0, Some(5))
            ]
        );
    })
    .await;
}

// clause: OSX-ALERT-EMAIL
#[tokio::test]
async fn a_change_confirmed_by_a_second_check_is_emailed_once_per_site_and_kept_in_history() {
    let (origin, site_state) = start_site().await;
    on_every_backend(async |db| {
        *site_state.title.lock().expect("title") = "Boulangerie Exemple".into();
        let w = World::new(db).await;
        subscribe(&w, w.account, "free").await;
        let admin = actor(&w.principal(ADMIN).await);
        let t0 = t("2026-11-23T09:00:00Z");
        let site = w
            .app
            .monitor_add_site(&admin, w.account, &origin, t0)
            .await
            .expect("site");
        w.app
            .monitor_add_urls(&admin, w.account, site.id, UrlSource::One("/prive".into()), t0)
            .await
            .expect("url");
        // The first run sets the baseline: nothing to tell.
        let first = w.app.monitor_run_due("w1", t0, 100).await.expect("run");
        assert_eq!((first.checked, first.alerts, first.emails), (4, 0, 0));
        let home = w
            .app
            .monitor_urls(
                w.account,
                site.id,
                &UrlFilter {
                    limit: 50,
                    search: Some("Boulangerie".into()),
                    ..UrlFilter::default()
                },
            )
            .await
            .expect("search by title")
            .urls;
        assert_eq!(home.len(), 1);
        let home = &home[0];
        assert_eq!(home.last.title.as_deref(), Some("Boulangerie Exemple"));
        assert_eq!(home.last.indexable, Some(true));
        // robots.txt disallows /prive: not indexable, and the list filter finds it.
        let blocked = w
            .app
            .monitor_urls(
                w.account,
                site.id,
                &UrlFilter {
                    limit: 50,
                    non_indexable: true,
                    ..UrlFilter::default()
                },
            )
            .await
            .expect("non-indexable")
            .urls;
        assert_eq!(
            blocked.iter().map(|u| u.url.as_str()).collect::<Vec<_>>(),
            [format!("{origin}/prive").as_str()]
        );

        // The page changes: the next check sees it, the one after confirms it.
        *site_state.title.lock().expect("title") = "Boulangerie Exemple — Lyon 3e".into();
        let seen = w.app.monitor_run_due("w1", t0 + hours(2), 100).await.expect("run");
        assert_eq!(seen.alerts, 0, "not yet confirmed");
        let confirmed = w.app.monitor_run_due("w1", t0 + hours(4), 100).await.expect("run");
        assert_eq!((confirmed.alerts, confirmed.emails), (1, 1));
        let email = w.last_email(ADMIN.0, "monitor_alert").await;
        assert!(email.subject.contains(&origin), "{}", email.subject);
        for part in [
            "Title",
            "Boulangerie Exemple",
            "Boulangerie Exemple — Lyon 3e",
            &format!("{origin}/"),
        ] {
            assert!(email.body_text.contains(part), "{part} missing in {}", email.body_text);
        }
        // A third check with the same title tells nothing more.
        let quiet = w.app.monitor_run_due("w1", t0 + hours(6), 100).await.expect("run");
        assert_eq!(quiet.emails, 0);
        assert_eq!(w.emails(ADMIN.0, "monitor_alert").await.len(), 1);

        // The history keeps both titles, and the diff pairs them.
        let detail = w.app.monitor_url(w.account, home.id).await.expect("detail");
        let titles: Vec<Option<String>> = detail
            .timeline
            .iter()
            .filter(|o| o.element == monitor::changes::Element::Title)
            .map(|o| o.value.clone())
            .collect();
        assert_eq!(
            titles,
            [
                Some("Boulangerie Exemple — Lyon 3e".to_string()),
                Some("Boulangerie Exemple".to_string())
            ]
        );
        let change = detail
            .changes()
            .into_iter()
            .find(|c| c.element == monitor::changes::Element::Title)
            .expect("title change");
        assert_eq!(change.before.as_deref(), Some("Boulangerie Exemple"));
        assert_eq!(change.at, t0 + hours(2));
        let alerts = w.app.monitor_alerts(w.account, None, 50).await.expect("alerts");
        assert_eq!(alerts.len(), 1);
        assert_eq!(
            (alerts[0].kind, alerts[0].element.as_deref()),
            (AlertKind::Change, Some("title"))
        );
        assert_eq!(alerts[0].emailed_at, Some(t0 + hours(4)));
        // The export holds sites, URLs and history.
        let export = w.app.monitor_export(w.account).await.expect("export");
        assert_eq!((export.sites.len(), export.urls.len()), (1, 4));
        assert!(export.history_csv().expect("csv").contains("Lyon 3e"));
    })
    .await;
}

// clause: OSX-CADENCE
#[tokio::test]
async fn checks_come_back_at_their_cadence_spread_over_it() {
    let (origin, _site) = start_site().await;
    on_every_backend(async |db| {
        let w = World::new(db).await;
        subscribe(&w, w.account, "free").await;
        let admin = actor(&w.principal(ADMIN).await);
        let t0 = t("2026-11-23T09:00:00Z");
        let site = w
            .app
            .monitor_add_site(&admin, w.account, &origin, t0)
            .await
            .expect("site");
        for bad in [0, 4, 1441] {
            assert_eq!(
                invalid_fields(
                    w.app
                        .monitor_set_cadence(&admin, w.account, site.id, Tool::Http, bad, t0)
                        .await
                ),
                ["cadence_minutes"]
            );
        }
        assert_eq!(
            w.app
                .monitor_set_cadence(&admin, w.account, site.id, Tool::Http, 5, t0)
                .await
                .expect("every 5 minutes"),
            3
        );
        w.app.monitor_run_due("w1", t0, 100).await.expect("run");
        let urls = w
            .app
            .monitor_urls(
                w.account,
                site.id,
                &UrlFilter {
                    limit: 50,
                    ..UrlFilter::default()
                },
            )
            .await
            .expect("urls")
            .urls;
        for u in &urls {
            assert!(
                u.next_due_at > t0 && u.next_due_at <= t0 + SignedDuration::from_mins(5),
                "{u:?}"
            );
        }
        // Not due yet: nothing runs; due: each runs once.
        let first_due = urls.iter().map(|u| u.next_due_at).min().expect("urls");
        let just_before = first_due - SignedDuration::from_micros(1);
        assert_eq!(
            w.app
                .monitor_run_due("w1", just_before, 100)
                .await
                .expect("run")
                .checked,
            0
        );
        let later = w
            .app
            .monitor_run_due("w1", t0 + SignedDuration::from_mins(5), 100)
            .await
            .expect("run");
        assert_eq!(later.checked, 3);
        // Daily, then back to every 5 minutes: the shorter cadence applies within 5 minutes,
        // not after the day the daily cadence had set.
        let t1 = t0 + SignedDuration::from_mins(5);
        w.app
            .monitor_set_cadence(&admin, w.account, site.id, Tool::Http, 1440, t1)
            .await
            .expect("daily");
        w.app
            .monitor_run_due("w1", t1 + SignedDuration::from_mins(10), 100)
            .await
            .expect("run");
        let t2 = t1 + SignedDuration::from_mins(30);
        w.app
            .monitor_set_cadence(&admin, w.account, site.id, Tool::Http, 5, t2)
            .await
            .expect("every 5 minutes again");
        let due: Vec<Timestamp> = w
            .app
            .monitor_urls(
                w.account,
                site.id,
                &UrlFilter {
                    limit: 50,
                    ..UrlFilter::default()
                },
            )
            .await
            .expect("urls")
            .urls
            .iter()
            .map(|u| u.next_due_at)
            .collect();
        assert!(due.iter().all(|d| *d <= t2 + SignedDuration::from_mins(5)), "{due:?}");
        assert!(
            due.iter().any(|d| *d != due[0]),
            "still spread over the cadence: {due:?}"
        );
        let soon = w
            .app
            .monitor_run_due("w1", t2 + SignedDuration::from_mins(5), 100)
            .await
            .expect("run");
        assert_eq!(soon.checked, 3);
    })
    .await;
}

#[tokio::test]
async fn a_site_down_is_told_once_confirmed_reminded_and_told_when_back_but_not_during_maintenance() {
    let (origin, site_state) = start_site().await;
    on_every_backend(async |db| {
        *site_state.healthy.lock().expect("healthy") = true;
        let w = World::new(db).await;
        subscribe(&w, w.account, "free").await;
        let admin = actor(&w.principal(ADMIN).await);
        let t0 = t("2026-11-23T09:00:00Z");
        let site = w
            .app
            .monitor_add_site(&admin, w.account, &origin, t0)
            .await
            .expect("site");
        w.app
            .monitor_add_ping(&admin, w.account, site.id, &format!("{origin}/health"), t0)
            .await
            .expect("ping");
        w.app
            .monitor_save_settings(&admin, w.account, "", 2, Some(60), t0)
            .await
            .expect("settings");
        // A window tomorrow morning.
        w.app
            .monitor_add_maintenance(
                &admin,
                w.account,
                site.id,
                &NewMaintenance {
                    starts_at: t0 + hours(24),
                    ends_at: t0 + hours(26),
                    note: "mise à jour".into(),
                },
                t0,
            )
            .await
            .expect("window");
        w.app.monitor_run_due("w1", t0, 100).await.expect("run");
        *site_state.healthy.lock().expect("healthy") = false;
        let once = w.app.monitor_run_due("w1", t0 + hours(2), 100).await.expect("run");
        assert_eq!(once.alerts, 0, "one failure is not yet down");
        let down = w.app.monitor_run_due("w1", t0 + hours(4), 100).await.expect("run");
        assert_eq!((down.alerts, down.emails), (1, 1));
        let email = w.last_email(ADMIN.0, "monitor_alert").await;
        assert!(email.body_text.contains("hors ligne"), "{}", email.body_text);
        // Still down an hour later: a reminder.
        let reminder = w.app.monitor_run_due("w1", t0 + hours(6), 100).await.expect("run");
        assert_eq!(reminder.alerts, 1);
        let kinds: Vec<AlertKind> = w
            .app
            .monitor_alerts(w.account, Some(site.id), 10)
            .await
            .expect("alerts")
            .iter()
            .map(|a| a.kind)
            .collect();
        assert_eq!(kinds, [AlertKind::StillDown, AlertKind::Down]);
        // Back up before the window: told.
        *site_state.healthy.lock().expect("healthy") = true;
        let back = w.app.monitor_run_due("w1", t0 + hours(8), 100).await.expect("run");
        assert_eq!((back.alerts, back.emails), (1, 1));
        // Down again during the window: nothing is told while it lasts...
        *site_state.healthy.lock().expect("healthy") = false;
        let before = w.emails(ADMIN.0, "monitor_alert").await.len();
        // More than the hourly cadence apart: a URL checked at one is due again at the next,
        // wherever its spread slot falls in the hour.
        for at in [
            t0 + hours(24) + SignedDuration::from_mins(30),
            t0 + hours(25) + SignedDuration::from_mins(31),
        ] {
            let run = w.app.monitor_run_due("w1", at, 100).await.expect("run");
            assert_eq!((run.checked > 0, run.emails), (true, 0));
        }
        assert_eq!(w.emails(ADMIN.0, "monitor_alert").await.len(), before);
        // ...and the outage still going on after it is told at the first check.
        let after = w.app.monitor_run_due("w1", t0 + hours(27), 100).await.expect("run");
        assert_eq!((after.alerts, after.emails), (1, 1));
        let kinds: Vec<AlertKind> = w
            .app
            .monitor_alerts(w.account, Some(site.id), 10)
            .await
            .expect("alerts")
            .iter()
            .map(|a| a.kind)
            .collect();
        assert_eq!(
            kinds,
            [
                AlertKind::Down,
                AlertKind::Recovered,
                AlertKind::StillDown,
                AlertKind::Down
            ]
        );
    })
    .await;
}

/// A Free subscription, a site on `origin` and `pages` pages of it added at `t0`.
async fn site_with_pages(w: &World, origin: &str, pages: usize, t0: Timestamp) -> store::monitor::SiteRow {
    subscribe(w, w.account, "free").await;
    let admin = actor(&w.principal(ADMIN).await);
    let site = w
        .app
        .monitor_add_site(&admin, w.account, origin, t0)
        .await
        .expect("site");
    let list: String = (0..pages).map(|i| format!("/page-{i}\n")).collect();
    w.app
        .monitor_add_urls(&admin, w.account, site.id, UrlSource::List(list), t0)
        .await
        .expect("urls");
    site
}

#[tokio::test]
async fn workers_share_the_due_urls_without_checking_one_twice() {
    let (origin, _site) = start_site().await;
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let t0 = t("2026-11-23T09:00:00Z");
        site_with_pages(&w, &origin, 9, t0).await;
        let other = w.app_with(app::AppConfig::default());
        let (a, b) = tokio::join!(
            w.app.monitor_run_due("worker-a", t0, 6),
            other.monitor_run_due("worker-b", t0, 6)
        );
        let (a, b) = (a.expect("a"), b.expect("b"));
        assert_eq!(a.checked + b.checked, 12, "{a:?} {b:?}");
        let again = w.app.monitor_run_due("worker-a", t0, 100).await.expect("run");
        assert_eq!(again.checked, 0, "every URL was checked once");
    })
    .await;
}

/// The stream every worker runs: two workers' streams at the same instant check each due URL
/// once between them, write every result, and a stream started in worker mode finishes what it
/// started when told to stop.
#[tokio::test]
async fn worker_streams_check_each_due_url_once_and_stop_cleanly() {
    let (origin, _site) = start_site().await;
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let t0 = t("2026-11-23T09:00:00Z");
        let site = site_with_pages(&w, &origin, 15, t0).await;
        let other = w.app_with(app::AppConfig::default());
        let (a, b) = tokio::join!(
            w.app.monitor_run_all_due("worker-a", t0),
            other.monitor_run_all_due("worker-b", t0)
        );
        let (a, b) = (a.expect("a"), b.expect("b"));
        // Home page, robots.txt, sitemap and the 15 pages.
        assert_eq!(a.checked + b.checked, 18, "{a:?} {b:?}");
        let urls = w
            .app
            .monitor_urls(
                w.account,
                site.id,
                &UrlFilter {
                    limit: 100,
                    ..UrlFilter::default()
                },
            )
            .await
            .expect("urls");
        assert!(
            urls.urls.iter().all(|u| u.last.checked_at == Some(t0)),
            "every result written"
        );
        assert_eq!(
            w.app.monitor_run_all_due("worker-a", t0).await.expect("again").checked,
            0
        );

        // Worker mode, its instant two hours later: everything is due again. The stream is
        // stopped once the results are written, and returns what it did.
        let t1 = t0 + hours(2);
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let app = w.app.clone();
        let worker = tokio::spawn(async move {
            app.monitor_check_stream("worker-a", &move || t1, false, Some(stopped))
                .await
        });
        let written = async {
            loop {
                let page = w
                    .app
                    .monitor_urls(
                        w.account,
                        site.id,
                        &UrlFilter {
                            limit: 100,
                            ..UrlFilter::default()
                        },
                    )
                    .await
                    .expect("urls");
                if page.urls.iter().all(|u| u.last.checked_at == Some(t1)) {
                    break;
                }
                tokio::task::yield_now().await;
            }
        };
        tokio::time::timeout(std::time::Duration::from_secs(30), written)
            .await
            .expect("the worker's stream writes every result");
        stop.send(true).expect("stop");
        let report = tokio::time::timeout(std::time::Duration::from_secs(30), worker)
            .await
            .expect("the stream stops")
            .expect("no panic")
            .expect("stream");
        assert_eq!(report.checked, 18);
    })
    .await;
}

#[tokio::test]
async fn another_tenant_never_sees_a_site_or_its_urls() {
    let (origin, _site) = start_site().await;
    on_every_backend(async |db| {
        let w = World::new(db).await;
        subscribe(&w, w.account, "free").await;
        let admin = actor(&w.principal(ADMIN).await);
        let now = t("2026-11-23T09:00:00Z");
        let site = w
            .app
            .monitor_add_site(&admin, w.account, &origin, now)
            .await
            .expect("site");
        let url = w
            .app
            .monitor_urls(
                w.account,
                site.id,
                &UrlFilter {
                    limit: 1,
                    ..UrlFilter::default()
                },
            )
            .await
            .expect("urls")
            .urls[0]
            .id;
        let stranger = AccountId::new();
        assert_eq!(code(w.app.monitor_site(stranger, site.id, now).await), "not_found");
        assert_eq!(code(w.app.monitor_url(stranger, url).await), "not_found");
        assert_eq!(
            code(
                w.app
                    .monitor_urls(
                        stranger,
                        site.id,
                        &UrlFilter {
                            limit: 5,
                            ..UrlFilter::default()
                        }
                    )
                    .await
            ),
            "not_found"
        );
        assert_eq!(
            code(w.app.monitor_delete_site(&admin, stranger, site.id, now).await),
            "not_found"
        );
        assert!(w.app.monitor_sites(stranger).await.expect("sites").is_empty());
    })
    .await;
}

// clause: OSX-NO-ARCHIVE
#[tokio::test]
async fn at_the_end_of_the_subscription_the_data_is_offered_for_export_then_deleted() {
    let (origin, _site) = start_site().await;
    on_every_backend(async |db| {
        let w = World::new(db).await;
        subscribe(&w, w.account, "s").await;
        let admin_p = w.principal(ADMIN).await;
        let admin = actor(&admin_p);
        let t0 = t("2026-11-23T09:00:00Z");
        let site = w
            .app
            .monitor_add_site(&admin, w.account, &origin, t0)
            .await
            .expect("site");
        w.app.monitor_run_due("w1", t0, 100).await.expect("run");
        assert!(
            w.app.monitor_lifecycle(t0).await.expect("lifecycle").is_empty(),
            "kept while subscribed"
        );
        let sub = w.app.subscriptions(w.account).await.expect("subscriptions")[0]
            .subscription
            .id;
        w.app.cancel_subscription(w.account, sub, &admin).await.expect("cancel");
        let view = w.app.subscription(w.account, sub).await.expect("view");
        let ends_on = view.subscription.ends_on.expect("an end date");
        let ends_at = ends_on.to_zoned(kernel::clock::paris()).expect("zoned").timestamp();
        // A week before: the export is offered, once.
        let week_before = ends_at - hours(24 * 7) + hours(1);
        assert!(
            w.app
                .monitor_lifecycle(week_before)
                .await
                .expect("lifecycle")
                .is_empty()
        );
        assert!(
            w.app
                .monitor_lifecycle(week_before + hours(1))
                .await
                .expect("lifecycle")
                .is_empty()
        );
        let notices = w.emails(ADMIN.0, "monitor_data_end").await;
        assert_eq!(notices.len(), 1);
        assert!(
            notices[0].body_text.contains(&ends_on.to_string()),
            "{}",
            notices[0].body_text
        );
        assert!(notices[0].body_text.contains("/monitor/export"));
        // At the end: everything goes, nothing is archived.
        let deleted = w.app.monitor_lifecycle(ends_at).await.expect("lifecycle");
        assert_eq!(deleted, [w.account]);
        for table in [
            "monitor_sites",
            "monitor_urls",
            "monitor_observations",
            "monitor_alerts",
            "monitor_settings",
        ] {
            assert_eq!(count_rows(&w.db, table).await, 0, "{table}");
        }
        assert_eq!(code(w.app.monitor_site(w.account, site.id, ends_at).await), "not_found");
        assert_eq!(w.trail(Some(w.account), "monitor.data_deleted").await.len(), 1);
    })
    .await;
}

/// A third-party site (another origin) whose article links to the client's page until the test
/// removes the link.
async fn start_third_party(target: String) -> (String, Arc<Mutex<bool>>) {
    let linked = Arc::new(Mutex::new(true));
    let state = linked.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let origin = format!("http://{}", listener.local_addr().expect("addr"));
    let app = Router::new()
        .route(
            "/article",
            get(move || {
                let on = *state.lock().expect("linked");
                let link = if on {
                    format!("<a href=\"{target}\" rel=\"sponsored\">la meilleure baguette</a>")
                } else {
                    String::new()
                };
                async move { ([(header::CONTENT_TYPE, "text/html")], page("Blog", &link)) }
            }),
        )
        .route("/robots.txt", get(|| async { "User-agent: *\nDisallow: /interdit\n" }));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (origin, linked)
}

// clause: OSX-LINK
#[tokio::test]
async fn a_backlink_lost_is_told_once_confirmed_and_a_blocked_page_is_not_a_lost_link() {
    let (origin, _site) = start_site().await;
    let (blog, linked) = start_third_party(format!("{origin}/pains")).await;
    on_every_backend(async |db| {
        *linked.lock().expect("linked") = true;
        let w = World::new(db).await;
        subscribe(&w, w.account, "free").await;
        let admin = actor(&w.principal(ADMIN).await);
        let t0 = t("2026-11-23T09:00:00Z");
        let site = w
            .app
            .monitor_add_site(&admin, w.account, &origin, t0)
            .await
            .expect("site");
        // The page must be on another site, the target on this one.
        assert_eq!(
            invalid_fields(
                w.app
                    .monitor_add_backlink(&admin, w.account, site.id, &format!("{origin}/x"), "/pains", t0)
                    .await
            ),
            ["page"]
        );
        assert_eq!(
            invalid_fields(
                w.app
                    .monitor_add_backlink(
                        &admin,
                        w.account,
                        site.id,
                        &format!("{blog}/article"),
                        "https://other.example/",
                        t0
                    )
                    .await
            ),
            ["target"]
        );
        let link = w
            .app
            .monitor_add_backlink(&admin, w.account, site.id, &format!("{blog}/article"), "/pains", t0)
            .await
            .expect("backlink");
        let blocked = w
            .app
            .monitor_add_backlink(&admin, w.account, site.id, &format!("{blog}/interdit"), "/pains", t0)
            .await
            .expect("backlink on a page robots.txt forbids");
        w.app.monitor_run_due("w1", t0, 100).await.expect("run");
        let seen = w.app.monitor_url(w.account, link).await.expect("detail").seen;
        let state = seen.link.expect("link state");
        assert_eq!(
            (state.state.as_str(), state.follow),
            ("present", Some(false)),
            "sponsored is not followed"
        );
        assert_eq!(state.anchors, ["la meilleure baguette"]);
        let seen = w.app.monitor_url(w.account, blocked).await.expect("detail").seen;
        assert_eq!(seen.link.expect("state").state, "blocked_by_robots");
        // The link goes: seen, confirmed, told once.
        *linked.lock().expect("linked") = false;
        let first = w.app.monitor_run_due("w1", t0 + hours(2), 100).await.expect("run");
        assert_eq!(first.alerts, 0);
        let second = w.app.monitor_run_due("w1", t0 + hours(4), 100).await.expect("run");
        assert_eq!((second.alerts, second.emails), (1, 1));
        let email = w.last_email(ADMIN.0, "monitor_alert").await;
        assert!(email.body_text.contains("Lien entrant"), "{}", email.body_text);
        assert!(email.body_text.contains("absent"), "{}", email.body_text);
        assert!(
            email.body_text.contains(&format!("{blog}/article")),
            "{}",
            email.body_text
        );
        let alerts = w.app.monitor_alerts(w.account, None, 10).await.expect("alerts");
        assert_eq!(alerts.len(), 1, "the blocked page never counts as lost");
        assert_eq!(alerts[0].kind, AlertKind::Backlink);
    })
    .await;
}
