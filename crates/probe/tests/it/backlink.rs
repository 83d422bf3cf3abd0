//! The LINK tool on third-party pages (OSX-LINK).

use axum::Router;
use axum::http::{StatusCode, header};
use axum::routing::get;
use jiff::ToSpan;
use monitor::extract::BacklinkState;

use crate::support::{Counter, html, now, probe, serve, url};

const TARGET: &str = "https://client.example/offre";

fn third_party(robots: &'static str, robots_status: StatusCode, page_hits: Counter) -> Router {
    Router::new()
        .route("/robots.txt", get(move || async move { (robots_status, robots) }))
        .route(
            "/with-link",
            get(|| async {
                html(
                    "<html><head><title>Partners</title></head><body>\
                     <p>See <a href=\"https://www.client.example/other\">other</a> and \
                     <a href=\"https://client.example/offre#top\">la meilleure <b>offre</b></a></p></body></html>",
                )
            }),
        )
        .route(
            "/nofollow",
            get(|| async {
                html(
                    "<html><body><a rel=\"nofollow sponsored\" href=\"https://client.example/offre\">\
                     <img src=x.png alt=\"Client logo\"></a></body></html>",
                )
            }),
        )
        .route(
            "/noindex-page",
            get(|| async {
                html(
                    "<html><head><meta name=robots content=\"noindex, nofollow\"></head><body>\
                     <a href=\"https://client.example/offre\">offre</a></body></html>",
                )
            }),
        )
        .route(
            "/without",
            get(|| async { html("<html><body><a href=\"https://elsewhere.example/\">x</a></body></html>") }),
        )
        .route("/gone", get(|| async { StatusCode::NOT_FOUND }))
        .route(
            "/private/page",
            get(move || {
                let hits = page_hits.clone();
                async move {
                    hits.hit();
                    html("<a href=\"https://client.example/offre\">offre</a>")
                }
            }),
        )
}

// clause: OSX-LINK
#[tokio::test]
async fn a_present_link_gives_its_anchor_rel_and_the_page_indexability() {
    let addr = serve(third_party(
        "User-agent: *\nDisallow:\n",
        StatusCode::OK,
        Counter::default(),
    ))
    .await;
    let target = url::Url::parse(TARGET).unwrap();
    let r = probe().check_backlink(&url(addr, "/with-link"), &target, now()).await;
    assert_eq!(r.check.state, BacklinkState::Present { follow: true });
    assert_eq!(r.check.links.len(), 1);
    assert_eq!(r.check.links[0].anchor, "la meilleure offre");
    assert_eq!(r.check.links[0].href, TARGET);
    assert!(r.check.links[0].rel.is_follow());
    assert!(r.check.page_indexability.as_ref().unwrap().indexable);
    assert_eq!(r.status, Some(200));
    assert_eq!(r.final_url, Some(url(addr, "/with-link")));
}

// clause: OSX-LINK
#[tokio::test]
async fn nofollow_missing_and_error_pages() {
    let addr = serve(third_party("", StatusCode::NOT_FOUND, Counter::default())).await;
    let target = url::Url::parse(TARGET).unwrap();
    let probe = probe();

    let r = probe.check_backlink(&url(addr, "/nofollow"), &target, now()).await;
    assert_eq!(r.check.state, BacklinkState::Present { follow: false });
    assert_eq!(r.check.links[0].anchor, "Client logo");
    assert!(r.check.links[0].rel.nofollow && r.check.links[0].rel.sponsored);

    let r = probe.check_backlink(&url(addr, "/noindex-page"), &target, now()).await;
    assert_eq!(r.check.state, BacklinkState::Present { follow: false });
    assert!(!r.check.page_indexability.unwrap().indexable);

    let r = probe.check_backlink(&url(addr, "/without"), &target, now()).await;
    assert_eq!(r.check.state, BacklinkState::Missing);
    assert!(r.check.links.is_empty());

    let r = probe.check_backlink(&url(addr, "/gone"), &target, now()).await;
    assert_eq!(r.check.state, BacklinkState::HttpError { status: 404 });
}

// clause: OSX-LINK
#[tokio::test]
async fn a_page_blocked_by_robots_txt_is_reported_blocked_and_not_fetched() {
    let hits = Counter::default();
    let addr = serve(third_party(
        "User-agent: *\nDisallow: /private\n",
        StatusCode::OK,
        hits.clone(),
    ))
    .await;
    let target = url::Url::parse(TARGET).unwrap();
    let r = probe()
        .check_backlink(&url(addr, "/private/page"), &target, now())
        .await;
    assert_eq!(r.check.state, BacklinkState::BlockedByRobots);
    assert!(r.outcome.is_none());
    assert!(r.hops.is_empty());
    assert_eq!(hits.get(), 0, "the page was not requested");
}

// clause: OSX-LINK
#[tokio::test]
async fn robots_txt_naming_our_bot_applies_to_it() {
    let hits = Counter::default();
    let addr = serve(third_party(
        "User-agent: Googlebot\nAllow: /\n\nUser-agent: Comptoir-Monitor\nDisallow: /private\n",
        StatusCode::OK,
        hits.clone(),
    ))
    .await;
    let target = url::Url::parse(TARGET).unwrap();
    let r = probe()
        .check_backlink(&url(addr, "/private/page"), &target, now())
        .await;
    assert_eq!(r.check.state, BacklinkState::BlockedByRobots);
    assert_eq!(hits.get(), 0);
}

// clause: OSX-LINK
#[tokio::test]
async fn robots_500_disallows_the_link_check_and_is_retried_later() {
    let hits = Counter::default();
    let robots_hits = Counter::default();
    let rh = robots_hits.clone();
    let h = hits.clone();
    let addr = serve(
        Router::new()
            .route(
                "/robots.txt",
                get(move || {
                    let rh = rh.clone();
                    async move {
                        if rh.hit() == 1 {
                            (StatusCode::INTERNAL_SERVER_ERROR, "")
                        } else {
                            (StatusCode::OK, "User-agent: *\nAllow: /\n")
                        }
                    }
                }),
            )
            .route(
                "/page",
                get(move || {
                    let h = h.clone();
                    async move {
                        h.hit();
                        html("<a href=\"https://client.example/offre\">offre</a>")
                    }
                }),
            ),
    )
    .await;
    let target = url::Url::parse(TARGET).unwrap();
    let probe = probe();
    let r = probe.check_backlink(&url(addr, "/page"), &target, now()).await;
    assert_eq!(r.check.state, BacklinkState::BlockedByRobots);
    assert_eq!(hits.get(), 0);
    // Still blocked from the cache a little later, then fetched again once the error expired.
    let r = probe
        .check_backlink(&url(addr, "/page"), &target, now() + 30.minutes())
        .await;
    assert_eq!(r.check.state, BacklinkState::BlockedByRobots);
    assert_eq!(robots_hits.get(), 1);
    let r = probe
        .check_backlink(&url(addr, "/page"), &target, now() + 2.hours())
        .await;
    assert_eq!(r.check.state, BacklinkState::Present { follow: true });
    assert_eq!(robots_hits.get(), 2);
    assert_eq!(hits.get(), 1);
}

// clause: OSX-LINK
#[tokio::test]
async fn a_redirect_to_a_disallowed_page_is_blocked_before_it_is_requested() {
    let hits = Counter::default();
    let mut router = third_party("User-agent: *\nDisallow: /private\n", StatusCode::OK, hits.clone());
    router = router.route(
        "/go",
        get(|| async { (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, "/private/page")]) }),
    );
    let addr = serve(router).await;
    let target = url::Url::parse(TARGET).unwrap();
    let r = probe().check_backlink(&url(addr, "/go"), &target, now()).await;
    assert_eq!(r.check.state, BacklinkState::BlockedByRobots);
    assert_eq!(r.hops.len(), 1);
    assert_eq!(hits.get(), 0);
}

#[tokio::test]
async fn an_unreachable_page_is_unanswered_not_lost() {
    let port = crate::support::closed_port().await;
    let page = url::Url::parse(&format!("http://127.0.0.1:{port}/page")).unwrap();
    let target = url::Url::parse(TARGET).unwrap();
    let r = probe().check_backlink(&page, &target, now()).await;
    // robots.txt unreachable means disallowed (RFC 9309): reported as blocked, not as lost.
    assert_eq!(r.check.state, BacklinkState::BlockedByRobots);
}
