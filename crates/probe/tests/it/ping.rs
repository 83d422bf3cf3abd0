//! The PING tool: HTTP and TCP, up and down.

use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use monitor::check::UpRule;

use crate::support::{closed_port, probe, probe_with, serve, url};

#[tokio::test]
async fn http_ping_up_down_and_refused() {
    let addr = serve(
        Router::new()
            .route("/ok", get(|| async { "ok" }))
            .route(
                "/moved",
                get(|| async { (StatusCode::FOUND, [(axum::http::header::LOCATION, "/ok")]) }),
            )
            .route("/error", get(|| async { StatusCode::INTERNAL_SERVER_ERROR })),
    )
    .await;
    let probe = probe();
    let rule = UpRule::default();
    let up = probe.ping_http(&url(addr, "/ok"), &rule).await;
    assert!(up.up);
    assert_eq!(up.status, Some(200));
    assert_eq!(up.error, None);

    let moved = probe.ping_http(&url(addr, "/moved"), &rule).await;
    assert!(moved.up, "an answered redirect is up by default");
    assert_eq!(moved.status, Some(302));

    let down = probe.ping_http(&url(addr, "/error"), &rule).await;
    assert!(!down.up);
    assert_eq!(down.status, Some(500));

    let strict = UpRule {
        min_status: 200,
        max_status: 299,
    };
    assert!(!probe.ping_http(&url(addr, "/moved"), &strict).await.up);

    let port = closed_port().await;
    let refused = probe
        .ping_http(&url::Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap(), &rule)
        .await;
    assert!(!refused.up);
    assert_eq!(refused.status, None);
    assert_eq!(refused.error.unwrap().code(), "connection_refused");
}

// clause: OSX-TIMEOUT-10S
#[tokio::test]
async fn http_ping_slower_than_the_deadline_is_down() {
    let addr = serve(Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(3)).await;
            "late"
        }),
    ))
    .await;
    let ping = probe_with(|c| c.deadline = Duration::from_millis(500))
        .ping_http(&url(addr, "/slow"), &UpRule::default())
        .await;
    assert!(!ping.up);
    assert_eq!(ping.error.unwrap().code(), "timeout");
    assert!(ping.response_time < Duration::from_secs(2));
}

#[tokio::test]
async fn tcp_ping_up_and_down() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let probe = probe();
    let up = probe.ping_tcp("127.0.0.1", port).await;
    assert!(up.up);
    assert_eq!(up.error, None);
    let up = probe.ping_tcp("localhost", port).await;
    assert!(up.up, "{:?}", up.error);
    drop(listener);

    let closed = closed_port().await;
    let down = probe.ping_tcp("127.0.0.1", closed).await;
    assert!(!down.up);
    assert_eq!(down.error.unwrap().code(), "connection_refused");
}
