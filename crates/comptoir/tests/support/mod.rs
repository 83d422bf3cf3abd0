//! What the end-to-end tests share: a small website on 127.0.0.1 for the monitor to check.

use axum::http::header;
use axum::routing::get;
use std::sync::{Arc, Mutex};

/// A site served on 127.0.0.1: a home page whose title the test changes, a second page, a
/// robots.txt and a sitemap listing both pages.
pub struct TestSite {
    /// `http://127.0.0.1:PORT`.
    pub origin: String,
    pub title: Arc<Mutex<String>>,
}

impl TestSite {
    pub fn set_title(&self, title: &str) {
        *self.title.lock().expect("title") = title.to_string();
    }
}

fn page(title: &str) -> String {
    format!(
        "<!doctype html><html lang=\"fr\"><head><title>{title}</title>\
         <meta name=\"description\" content=\"Pains au levain et viennoiseries\">\
         <meta property=\"og:title\" content=\"{title}\"></head>\
         <body><h1>Boulangerie</h1><p>Du pain tous les jours.</p><a href=\"/pains\">Nos pains</a></body></html>"
    )
}

pub async fn start_site() -> TestSite {
    let title = Arc::new(Mutex::new("Boulangerie Exemple".to_string()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let origin = format!("http://{}", listener.local_addr().expect("addr"));
    let shown = title.clone();
    let sitemap = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
         <url><loc>{origin}/</loc></url><url><loc>{origin}/pains</loc></url></urlset>"
    );
    let router = axum::Router::new()
        .route(
            "/",
            get(move || {
                let body = page(&shown.lock().expect("title"));
                async move { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body) }
            }),
        )
        .route(
            "/pains",
            get(|| async { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page("Nos pains")) }),
        )
        .route("/robots.txt", get(|| async { "User-agent: *\nDisallow: /prive\n" }))
        .route(
            "/sitemap.xml",
            get(move || {
                let body = sitemap.clone();
                async move { ([(header::CONTENT_TYPE, "application/xml")], body) }
            }),
        );
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    TestSite { origin, title }
}
