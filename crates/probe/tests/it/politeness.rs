//! Per-host politeness: Retry-After pauses and the cap on requests in flight.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::routing::get;
use jiff::ToSpan;
use monitor::redirects::FetchOutcome;

use crate::support::{Counter, html, now, page, probe, probe_with, serve, url};

#[tokio::test]
async fn a_429_with_retry_after_defers_the_host_without_sending_requests() {
    let hits = Counter::default();
    let h = hits.clone();
    let addr = serve(
        Router::new()
            .route("/robots.txt", get(|| async { StatusCode::NOT_FOUND }))
            .fallback(move || {
                let h = h.clone();
                async move {
                    if h.hit() == 1 {
                        (
                            StatusCode::TOO_MANY_REQUESTS,
                            [(header::RETRY_AFTER, "120")],
                            String::new(),
                        )
                    } else {
                        (StatusCode::OK, [(header::CONTENT_TYPE, "text/html")], page("Back", ""))
                    }
                }
            }),
    )
    .await;
    let probe = probe();
    let first = probe.check_http(&url(addr, "/a"), None, now()).await;
    let until = first.deferred_until.expect("deferred");
    assert!(
        until >= now() + 120.seconds() && until <= now() + 125.seconds(),
        "{until}"
    );
    assert!(matches!(first.outcome, FetchOutcome::Answered { status: 429, .. }));
    assert!(first.result.snapshot.is_none(), "nothing to compare");
    assert_eq!(hits.get(), 1);

    // Another URL of the same host while paused: deferred at once, no request.
    let second = probe.check_http(&url(addr, "/b"), None, now() + 60.seconds()).await;
    assert_eq!(second.deferred_until, Some(until));
    assert!(second.hops.is_empty());
    assert_eq!(hits.get(), 1, "no request sent while paused");

    // After the pause the host is asked again.
    let third = probe.check_http(&url(addr, "/a"), None, now() + 200.seconds()).await;
    assert_eq!(third.deferred_until, None);
    assert_eq!(third.result.snapshot.unwrap().title.as_deref(), Some("Back"));
    assert_eq!(hits.get(), 2);
}

#[tokio::test]
async fn a_503_with_an_http_date_retry_after_defers_too_and_without_it_does_not() {
    let addr = serve(
        Router::new()
            .route("/robots.txt", get(|| async { StatusCode::NOT_FOUND }))
            .route("/plain", get(|| async { StatusCode::SERVICE_UNAVAILABLE }))
            .route(
                "/dated",
                get(|| async {
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        [(header::RETRY_AFTER, "Fri, 20 Nov 2026 11:00:00 GMT")],
                    )
                }),
            ),
    )
    .await;
    let probe = probe();
    let plain = probe.check_http(&url(addr, "/plain"), None, now()).await;
    assert_eq!(plain.deferred_until, None);
    assert!(matches!(plain.outcome, FetchOutcome::Answered { status: 503, .. }));
    assert!(plain.result.snapshot.is_some());

    let dated = probe.check_http(&url(addr, "/dated"), None, now()).await;
    assert_eq!(dated.deferred_until, Some("2026-11-20T11:00:00Z".parse().unwrap()));
}

#[tokio::test]
async fn at_most_two_requests_are_in_flight_per_host() {
    let current = Arc::new(AtomicUsize::new(0));
    let max = Arc::new(AtomicUsize::new(0));
    let (c, m) = (current.clone(), max.clone());
    let addr = serve(
        Router::new()
            .route("/robots.txt", get(|| async { StatusCode::NOT_FOUND }))
            .fallback(move || {
                let (c, m) = (c.clone(), m.clone());
                async move {
                    let now_in = c.fetch_add(1, Ordering::SeqCst) + 1;
                    m.fetch_max(now_in, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(150)).await;
                    c.fetch_sub(1, Ordering::SeqCst);
                    html(page("Slow", ""))
                }
            }),
    )
    .await;
    let probe = probe();
    assert_eq!(probe.config().per_host_limit, 2);
    let mut tasks = Vec::new();
    for i in 0..8 {
        let p = probe.clone();
        let u = url(addr, &format!("/p{i}"));
        tasks.push(tokio::spawn(async move { p.check_http(&u, None, now()).await }));
    }
    for t in tasks {
        // Callers wait for a slot: every check is answered.
        assert!(t.await.unwrap().result.snapshot.is_some());
    }
    assert_eq!(max.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn the_cap_is_per_host_and_can_be_lifted() {
    let current = Arc::new(AtomicUsize::new(0));
    let max = Arc::new(AtomicUsize::new(0));
    let (c, m) = (current.clone(), max.clone());
    let router = Router::new()
        .route("/robots.txt", get(|| async { StatusCode::NOT_FOUND }))
        .fallback(move || {
            let (c, m) = (c.clone(), m.clone());
            async move {
                let now_in = c.fetch_add(1, Ordering::SeqCst) + 1;
                m.fetch_max(now_in, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(200)).await;
                c.fetch_sub(1, Ordering::SeqCst);
                html(page("Slow", ""))
            }
        });
    // Two "hosts" (two ports) sharing one counter: 2 + 2 in flight.
    let a = serve(router.clone()).await;
    let b = serve(router).await;
    let probe = probe();
    let mut tasks = Vec::new();
    for i in 0..6 {
        for addr in [a, b] {
            let p = probe.clone();
            let u = url(addr, &format!("/p{i}"));
            tasks.push(tokio::spawn(async move { p.check_http(&u, None, now()).await }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(max.load(Ordering::SeqCst), 4);

    max.store(0, Ordering::SeqCst);
    let lifted = probe_with(|c| c.per_host_limit = usize::MAX);
    let mut tasks = Vec::new();
    for i in 0..6 {
        let p = lifted.clone();
        let u = url(a, &format!("/q{i}"));
        tasks.push(tokio::spawn(async move { p.check_http(&u, None, now()).await }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert!(max.load(Ordering::SeqCst) > 2);
}
