//! Test servers and helpers.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use jiff::Timestamp;
use probe::{Probe, ProbeConfig};
use url::Url;

/// The scheduler's clock in these tests: no test reads the system clock for decisions.
pub fn now() -> Timestamp {
    "2026-11-20T10:00:00Z".parse().expect("test setup")
}

/// Serves `router` on 127.0.0.1, port 0. The listener is bound before this returns, so the
/// server accepts connections at once.
pub async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("test setup");
    let addr = listener.local_addr().expect("test setup");
    tokio::spawn(async move {
        axum::serve(listener, router).await.expect("test setup");
    });
    addr
}

pub fn url(addr: SocketAddr, path: &str) -> Url {
    Url::parse(&format!("http://{addr}{path}")).expect("test setup")
}

pub fn probe() -> Probe {
    Probe::new(ProbeConfig::default()).expect("test setup")
}

pub fn probe_with(f: impl FnOnce(&mut ProbeConfig)) -> Probe {
    let mut config = ProbeConfig::default();
    f(&mut config);
    Probe::new(config).expect("test setup")
}

/// A port nothing listens on: bound, then released.
pub async fn closed_port() -> u16 {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("test setup");
    l.local_addr().expect("test setup").port()
}

/// A shared request counter for handlers.
#[derive(Clone, Default)]
pub struct Counter(Arc<AtomicUsize>);

impl Counter {
    pub fn hit(&self) -> usize {
        self.0.fetch_add(1, Ordering::SeqCst) + 1
    }
    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// A page with the usual SEO elements.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html><head><title>{title}</title>\
         <meta name=\"description\" content=\"Desc of {title}\"></head>\
         <body><h1>{title}</h1><p>{body}</p></body></html>"
    )
}

pub fn html(body: impl Into<String>) -> ([(axum::http::HeaderName, &'static str); 1], String) {
    (
        [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body.into(),
    )
}
