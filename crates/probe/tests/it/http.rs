//! The HTTP tool: snapshots, redirects, deadlines, request headers and failures.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::get;
use monitor::changes::{Element, diff};
use monitor::extract::NotIndexable;
use monitor::redirects::{FetchOutcome, RedirectError};
use probe::FailureKind;

use crate::support::{Counter, closed_port, html, now, page, probe, probe_with, serve, url};

#[tokio::test]
async fn a_page_that_changes_between_checks_gives_a_different_snapshot() {
    let content = Arc::new(Mutex::new(page("Before", "Some text")));
    let c = content.clone();
    let addr = serve(Router::new().route(
        "/page",
        get(move || {
            let c = c.clone();
            async move { html(c.lock().unwrap().clone()) }
        }),
    ))
    .await;
    let probe = probe();
    let first = probe.check_http(&url(addr, "/page"), Some(true), now()).await;
    let before = first.result.snapshot.clone().unwrap();
    assert_eq!(before.title.as_deref(), Some("Before"));
    assert_eq!(before.meta_description.as_deref(), Some("Desc of Before"));
    assert_eq!(before.h1, vec!["Before".to_string()]);
    assert_eq!(before.status, Some(200));
    assert_eq!(before.in_sitemap, Some(true));
    assert_eq!(before.indexable, Some(true));

    *content.lock().unwrap() = page("After", "Other text");
    let second = probe.check_http(&url(addr, "/page"), Some(true), now()).await;
    let after = second.result.snapshot.unwrap();
    let changed: Vec<Element> = diff(&before, &after).into_iter().map(|c| c.element).collect();
    assert_eq!(
        changed,
        vec![Element::Title, Element::MetaDescription, Element::H1, Element::TextHash]
    );

    // The same page again: nothing changed.
    let third = probe.check_http(&url(addr, "/page"), Some(true), now()).await;
    assert!(diff(&after, &third.result.snapshot.unwrap()).is_empty());
}

#[tokio::test]
async fn a_redirect_chain_records_each_hop_and_the_final_url() {
    let addr = serve(
        Router::new()
            .route(
                "/old",
                get(|| async { (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, "/moved")]) }),
            )
            // A relative Location without a leading slash, resolved against the hop's URL.
            .route(
                "/moved",
                get(|| async { (StatusCode::FOUND, [(header::LOCATION, "new")]) }),
            )
            .route("/new", get(|| async { html(page("New", "here")) })),
    )
    .await;
    let check = probe().check_http(&url(addr, "/old"), None, now()).await;
    let statuses: Vec<u16> = check.hops.iter().map(|h| h.status).collect();
    assert_eq!(statuses, vec![301, 302, 200]);
    assert_eq!(check.hops[0].location, Some(url(addr, "/moved")));
    assert_eq!(check.hops[1].location, Some(url(addr, "/new")));
    let FetchOutcome::Answered { status, final_url, .. } = &check.outcome else {
        panic!("{:?}", check.outcome)
    };
    assert_eq!(*status, 200);
    assert_eq!(*final_url, url(addr, "/new"));
    let snap = check.result.snapshot.unwrap();
    assert_eq!(snap.final_url.as_deref(), Some(url(addr, "/new").as_str()));
    assert_eq!(snap.title.as_deref(), Some("New"));
    assert!(check.response_time >= check.hops.iter().map(|h| h.elapsed).sum::<Duration>());
}

#[tokio::test]
async fn a_redirect_loop_is_a_recorded_error() {
    let addr = serve(
        Router::new()
            .route("/a", get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/b")]) }))
            .route(
                "/b",
                get(|| async { (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, "/a")]) }),
            ),
    )
    .await;
    let check = probe().check_http(&url(addr, "/a"), None, now()).await;
    assert_eq!(check.hops.len(), 2);
    let FetchOutcome::RedirectError { error } = &check.outcome else {
        panic!("{:?}", check.outcome)
    };
    assert!(matches!(error, RedirectError::Loop { .. }));
    assert_eq!(error.code(), "redirect_loop");
    assert!(check.result.snapshot.is_none());
}

#[tokio::test]
async fn too_many_redirects_stop_at_the_limit() {
    let addr = serve(Router::new().route(
        "/r/{n}",
        get(|axum::extract::Path(n): axum::extract::Path<u32>| async move {
            (StatusCode::FOUND, [(header::LOCATION, format!("/r/{}", n + 1))])
        }),
    ))
    .await;
    let check = probe_with(|c| c.max_redirects = 3)
        .check_http(&url(addr, "/r/0"), None, now())
        .await;
    assert_eq!(check.hops.len(), 4);
    let FetchOutcome::RedirectError { error } = &check.outcome else {
        panic!("{:?}", check.outcome)
    };
    assert_eq!(error.code(), "too_many_redirects");
}

#[tokio::test]
async fn broken_missing_and_non_http_locations_are_bad_locations() {
    let addr = serve(
        Router::new()
            .route("/missing", get(|| async { StatusCode::FOUND }))
            .route(
                "/broken",
                get(|| async { (StatusCode::FOUND, [(header::LOCATION, "http://[::1")]) }),
            )
            .route(
                "/ftp",
                get(|| async {
                    (
                        StatusCode::MOVED_PERMANENTLY,
                        [(header::LOCATION, "ftp://example.test/x")],
                    )
                }),
            )
            .route(
                "/js",
                get(|| async { (StatusCode::SEE_OTHER, [(header::LOCATION, "javascript:alert(1)")]) }),
            ),
    )
    .await;
    let probe = probe();
    for path in ["/missing", "/broken", "/ftp", "/js"] {
        let check = probe.check_http(&url(addr, path), None, now()).await;
        assert_eq!(check.hops.len(), 1, "{path}");
        match &check.outcome {
            FetchOutcome::RedirectError { error } => assert_eq!(error.code(), "redirect_bad_location", "{path}"),
            other => panic!("{path}: {other:?}"),
        }
    }
}

// clause: OSX-TIMEOUT-10S
#[tokio::test]
async fn a_server_slower_than_ten_seconds_is_unanswered_with_the_default_deadline() {
    let addr = serve(Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(13)).await;
            html(page("Too late", ""))
        }),
    ))
    .await;
    let probe = probe();
    assert_eq!(probe.config().deadline, Duration::from_secs(10));
    let started = std::time::Instant::now();
    let check = probe.check_http(&url(addr, "/slow"), None, now()).await;
    let waited = started.elapsed();
    assert!(
        matches!(check.outcome, FetchOutcome::Unanswered { .. }),
        "{:?}",
        check.outcome
    );
    assert_eq!(check.failure.as_ref().map(|f| f.kind), Some(FailureKind::Timeout));
    assert_eq!(check.failure.as_ref().unwrap().code(), "timeout");
    assert!(check.result.snapshot.is_none());
    // Given up at the deadline, not when the server finally answered.
    assert!(waited >= Duration::from_millis(9_500), "{waited:?}");
    assert!(waited < Duration::from_millis(12_500), "{waited:?}");
}

// clause: OSX-TIMEOUT-10S
#[tokio::test]
async fn the_deadline_covers_the_whole_chain_and_the_body() {
    let addr = serve(
        Router::new()
            .route(
                "/hop",
                get(|| async {
                    tokio::time::sleep(Duration::from_millis(400)).await;
                    (StatusCode::FOUND, [(header::LOCATION, "/hop2")])
                }),
            )
            .route(
                "/hop2",
                get(|| async {
                    tokio::time::sleep(Duration::from_millis(400)).await;
                    (StatusCode::FOUND, [(header::LOCATION, "/end")])
                }),
            )
            .route(
                "/end",
                get(|| async {
                    tokio::time::sleep(Duration::from_millis(400)).await;
                    html(page("End", ""))
                }),
            )
            .route(
                "/trickle",
                get(|| async {
                    // Headers at once, the body never ends.
                    ([(header::CONTENT_TYPE, "text/html")], trickle())
                }),
            ),
    )
    .await;
    let probe = probe_with(|c| c.deadline = Duration::from_millis(1_000));
    // Each hop is quick, the three together are not.
    let check = probe.check_http(&url(addr, "/hop"), None, now()).await;
    assert!(
        matches!(check.outcome, FetchOutcome::Unanswered { .. }),
        "{:?}",
        check.outcome
    );
    assert_eq!(check.hops.len(), 2);
    assert_eq!(check.failure.unwrap().kind, FailureKind::Timeout);

    let check = probe.check_http(&url(addr, "/trickle"), None, now()).await;
    assert!(
        matches!(check.outcome, FetchOutcome::Unanswered { .. }),
        "{:?}",
        check.outcome
    );
    assert_eq!(check.failure.unwrap().kind, FailureKind::Timeout);
    assert!(check.result.snapshot.is_none());
}

/// A body that sends its first bytes and then hangs.
fn trickle() -> axum::body::Body {
    use futures::StreamExt;
    let first = futures::stream::once(async {
        Ok::<_, std::convert::Infallible>(axum::body::Bytes::from_static(b"<html><head><title>Slow"))
    });
    axum::body::Body::from_stream(first.chain(futures::stream::pending()))
}

#[tokio::test]
async fn requests_name_comptoir_in_their_user_agent() {
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let s = seen.clone();
    let addr = serve(Router::new().fallback(move |headers: HeaderMap| {
        let s = s.clone();
        async move {
            let ua = headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            s.lock().unwrap().push(ua);
            html(page("UA", ""))
        }
    }))
    .await;
    probe().check_http(&url(addr, "/"), None, now()).await;
    let seen = seen.lock().unwrap().clone();
    // robots.txt then the page, both with the bot's User-Agent.
    assert_eq!(seen.len(), 2);
    for ua in seen {
        assert!(ua.contains("Comptoir"), "{ua}");
        assert!(ua.contains("+https://"), "{ua}");
    }
}

#[tokio::test]
async fn x_robots_tag_and_link_canonical_headers_count() {
    let addr = serve(
        Router::new()
            .route(
                "/noindex",
                get(|| async {
                    (
                        [
                            (header::CONTENT_TYPE, "text/html"),
                            (header::HeaderName::from_static("x-robots-tag"), "googlebot: noindex"),
                        ],
                        page("Hidden", ""),
                    )
                }),
            )
            .route(
                "/other-bot",
                get(|| async {
                    (
                        [
                            (header::CONTENT_TYPE, "text/html"),
                            (header::HeaderName::from_static("x-robots-tag"), "otherbot: noindex"),
                        ],
                        page("Shown", ""),
                    )
                }),
            )
            .route(
                "/canon",
                get(|| async {
                    (
                        [
                            (header::CONTENT_TYPE, "text/html"),
                            (header::LINK, "</main>; rel=\"canonical\""),
                        ],
                        page("Copy", ""),
                    )
                }),
            ),
    )
    .await;
    let probe = probe();
    let check = probe.check_http(&url(addr, "/noindex"), None, now()).await;
    let idx = check.result.indexability.unwrap();
    assert!(!idx.indexable);
    assert_eq!(idx.reasons, vec![NotIndexable::HeaderNoindex]);
    assert_eq!(
        check.result.snapshot.unwrap().x_robots_tag.as_deref(),
        Some("googlebot: noindex")
    );

    let check = probe.check_http(&url(addr, "/other-bot"), None, now()).await;
    assert!(check.result.indexability.unwrap().indexable);

    let check = probe.check_http(&url(addr, "/canon"), None, now()).await;
    let snap = check.result.snapshot.unwrap();
    assert_eq!(snap.canonical_header.as_deref(), Some(url(addr, "/main").as_str()));
    assert_eq!(
        check.result.indexability.unwrap().reasons,
        vec![NotIndexable::CanonicalElsewhere(url(addr, "/main").to_string())]
    );
}

#[tokio::test]
async fn an_error_status_is_answered_and_not_indexable() {
    let addr = serve(Router::new().route(
        "/gone",
        get(|| async { (StatusCode::NOT_FOUND, html(page("Not found", ""))) }),
    ))
    .await;
    let check = probe().check_http(&url(addr, "/gone"), None, now()).await;
    assert!(matches!(check.outcome, FetchOutcome::Answered { status: 404, .. }));
    let idx = check.result.indexability.unwrap();
    assert_eq!(idx.reasons, vec![NotIndexable::Status(404)]);
}

#[tokio::test]
async fn a_refused_connection_is_unanswered_with_its_code() {
    let port = closed_port().await;
    let u = url::Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    let check = probe().check_http(&u, None, now()).await;
    assert!(matches!(check.outcome, FetchOutcome::Unanswered { .. }));
    let failure = check.failure.unwrap();
    assert_eq!(failure.code(), "connection_refused", "{failure}");
    assert!(check.hops.is_empty());
    assert!(check.result.snapshot.is_none());
}

#[tokio::test]
async fn a_non_http_url_is_a_recorded_state() {
    let u = url::Url::parse("ftp://127.0.0.1/file").unwrap();
    let check = probe().check_http(&u, None, now()).await;
    assert_eq!(check.failure.unwrap().code(), "invalid_url");
    let ping = probe().ping_http(&u, &Default::default()).await;
    assert!(!ping.up);
    assert_eq!(ping.error.unwrap().code(), "invalid_url");
}

#[tokio::test]
async fn a_connection_closed_mid_headers_is_a_protocol_failure() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let served = Counter::default();
    let s = served.clone();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            s.hit();
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            let _ = sock.write_all(b"HTTP/1.1 200 OK\r\nContent-Len").await;
            drop(sock);
        }
    });
    let check = probe().check_http(&url(addr, "/"), None, now()).await;
    assert!(matches!(check.outcome, FetchOutcome::Unanswered { .. }));
    assert!(served.get() >= 1);
    let code = check.failure.unwrap().code();
    assert!(["protocol", "body"].contains(&code), "{code}");
}
