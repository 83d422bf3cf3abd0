//! robots.txt: indexability of the HTTP tool and the cache, driven by the `now` passed in.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use jiff::ToSpan;
use monitor::extract::NotIndexable;
use monitor::robots::RobotsPolicy;

use crate::support::{Counter, html, now, page, probe, serve, url};

fn robots_server(body: &'static str, status: StatusCode, robots_hits: Counter) -> Router {
    Router::new()
        .route(
            "/robots.txt",
            get(move || {
                let hits = robots_hits.clone();
                async move {
                    hits.hit();
                    (status, body)
                }
            }),
        )
        .fallback(|| async { html(page("Page", "text")) })
}

#[tokio::test]
async fn a_page_disallowed_by_robots_txt_is_not_indexable_with_the_reason() {
    let hits = Counter::default();
    let addr = serve(robots_server(
        "User-agent: *\nDisallow: /private\n\nUser-agent: Googlebot\nDisallow: /secret\n",
        StatusCode::OK,
        hits.clone(),
    ))
    .await;
    let probe = probe();
    // Googlebot has its own group: /secret is disallowed for it, /private is not.
    let check = probe.check_http(&url(addr, "/secret/page"), None, now()).await;
    let idx = check.result.indexability.unwrap();
    assert!(!idx.indexable);
    assert_eq!(idx.reasons, vec![NotIndexable::RobotsTxt]);
    assert_eq!(check.result.snapshot.unwrap().indexable, Some(false));
    // The page itself was still fetched: the client owns it.
    assert_eq!(check.hops.len(), 1);

    let check = probe.check_http(&url(addr, "/private"), None, now()).await;
    assert!(check.result.indexability.unwrap().indexable);
    assert_eq!(hits.get(), 1, "robots.txt fetched once for both checks");
}

#[tokio::test]
async fn robots_404_allows_everything() {
    let hits = Counter::default();
    let addr = serve(robots_server("nope", StatusCode::NOT_FOUND, hits.clone())).await;
    let probe = probe();
    let check = probe.check_http(&url(addr, "/any"), None, now()).await;
    assert!(check.result.indexability.unwrap().indexable);
    assert_eq!(
        probe.robots(&url(addr, "/"), now()).await.policy,
        RobotsPolicy::AllowAll
    );
    assert_eq!(hits.get(), 1);
}

#[tokio::test]
async fn robots_5xx_disallows_everything() {
    let hits = Counter::default();
    let addr = serve(robots_server("oops", StatusCode::INTERNAL_SERVER_ERROR, hits.clone())).await;
    let probe = probe();
    let check = probe.check_http(&url(addr, "/any"), None, now()).await;
    assert_eq!(
        check.result.indexability.unwrap().reasons,
        vec![NotIndexable::RobotsTxt]
    );
    assert_eq!(
        probe.robots(&url(addr, "/"), now()).await.policy,
        RobotsPolicy::DisallowAll
    );
}

#[tokio::test]
async fn the_cache_is_reused_within_24_hours_and_refetched_after() {
    let hits = Counter::default();
    let addr = serve(robots_server(
        "User-agent: *\nDisallow: /x\n",
        StatusCode::OK,
        hits.clone(),
    ))
    .await;
    let probe = probe();
    let origin = url(addr, "/");
    let first = probe.robots(&origin, now()).await;
    assert_eq!(first.fetched_at, now());
    assert_eq!(first.expires_at, now() + 24.hours());
    assert!(matches!(first.policy, RobotsPolicy::Rules(_)));
    assert_eq!(hits.get(), 1);

    probe.robots(&origin, now() + 1.hours()).await;
    probe.check_http(&url(addr, "/page"), None, now() + 23.hours()).await;
    probe
        .robots(&url(addr, "/other/path?q=1"), now() + 23.hours() + 59.minutes())
        .await;
    assert_eq!(hits.get(), 1, "reused within 24 hours");

    let refetched = probe.robots(&origin, now() + 24.hours()).await;
    assert_eq!(hits.get(), 2, "refetched at 24 hours");
    assert_eq!(refetched.fetched_at, now() + 24.hours());
    probe.robots(&origin, now() + 30.hours()).await;
    assert_eq!(hits.get(), 2);
}

#[tokio::test]
async fn cache_control_max_age_shortens_the_cache() {
    let hits = Counter::default();
    let h = hits.clone();
    let addr = serve(Router::new().route(
        "/robots.txt",
        get(move || {
            let h = h.clone();
            async move {
                h.hit();
                (
                    [(axum::http::header::CACHE_CONTROL, "public, max-age=3600")],
                    "User-agent: *\nAllow: /\n",
                )
            }
        }),
    ))
    .await;
    let probe = probe();
    let c = probe.robots(&url(addr, "/"), now()).await;
    assert_eq!(c.expires_at, now() + 1.hours());
    probe.robots(&url(addr, "/"), now() + 2.hours()).await;
    assert_eq!(hits.get(), 2);
}

#[tokio::test]
async fn an_unreachable_robots_txt_is_kept_for_an_hour_only() {
    let port = crate::support::closed_port().await;
    let origin = url::Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    let probe = probe();
    let c = probe.robots(&origin, now()).await;
    assert_eq!(c.policy, RobotsPolicy::DisallowAll);
    assert_eq!(c.expires_at, now() + 1.hours());
}

#[tokio::test]
async fn checks_of_one_site_started_together_fetch_robots_txt_once() {
    let hits = Counter::default();
    let h = hits.clone();
    let addr = serve(
        Router::new()
            .route(
                "/robots.txt",
                get(move || {
                    let h = h.clone();
                    async move {
                        h.hit();
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                        "User-agent: *\nAllow: /\n"
                    }
                }),
            )
            .fallback(|| async { html(page("P", "")) }),
    )
    .await;
    let probe = crate::support::probe_with(|c| c.per_host_limit = 100);
    let mut tasks = Vec::new();
    for i in 0..10 {
        let p = probe.clone();
        let u = url(addr, &format!("/p{i}"));
        tasks.push(tokio::spawn(async move { p.check_http(&u, None, now()).await }));
    }
    for t in tasks {
        assert!(t.await.unwrap().result.indexability.unwrap().indexable);
    }
    assert_eq!(hits.get(), 1);
}

#[tokio::test]
async fn robots_txt_redirects_are_followed() {
    let addr = serve(
        Router::new()
            .route(
                "/robots.txt",
                get(|| async {
                    (
                        StatusCode::MOVED_PERMANENTLY,
                        [(axum::http::header::LOCATION, "/real-robots")],
                    )
                }),
            )
            .route("/real-robots", get(|| async { "User-agent: *\nDisallow: /\n" })),
    )
    .await;
    let c = probe().robots(&url(addr, "/"), now()).await;
    assert!(!c.policy.is_allowed("googlebot", &url(addr, "/page")));
}
