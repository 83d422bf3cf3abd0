//! Sitemaps: indexes, gzip, and clear errors.

use std::io::Write;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::routing::get;
use probe::SitemapFetchError;

use crate::support::{closed_port, html, now, probe, serve, url};

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("gzip");
    e.finish().expect("gzip")
}

#[tokio::test]
async fn a_sitemap_index_with_a_gzipped_child_gives_every_url() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let base = format!("http://{addr}");
    let index = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
         <sitemap><loc>{base}/sitemap-pages.xml</loc></sitemap>\
         <sitemap><loc>{base}/sitemap-posts.xml.gz</loc><lastmod>2026-11-01</lastmod></sitemap>\
         <sitemap><loc>{base}/sitemap-pages.xml</loc></sitemap>\
         </sitemapindex>"
    );
    let pages = format!(
        "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
         <url><loc>{base}/</loc></url><url><loc>{base}/a?x=1&amp;y=2</loc></url>\
         <url><loc>not a url</loc></url></urlset>"
    );
    let posts = gzip(
        format!(
            "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
             <url><loc>{base}/post/1</loc></url><url><loc>{base}/</loc></url></urlset>"
        )
        .as_bytes(),
    );
    let router = Router::new()
        .route("/sitemap.xml", get(move || async move { index }))
        .route("/sitemap-pages.xml", get(move || async move { pages }))
        .route(
            "/sitemap-posts.xml.gz",
            get(move || async move { ([(header::CONTENT_TYPE, "application/gzip")], posts) }),
        );
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let urls = probe().sitemap_urls(&url(addr, "/sitemap.xml"), now()).await.unwrap();
    let urls: Vec<String> = urls.into_iter().map(|u| u.to_string()).collect();
    assert_eq!(
        urls,
        vec![
            format!("{base}/"),
            format!("{base}/a?x=1&y=2"),
            format!("{base}/post/1"),
        ]
    );
}

#[tokio::test]
async fn sitemap_failures_are_typed() {
    let addr = serve(
        Router::new()
            .route("/missing.xml", get(|| async { StatusCode::NOT_FOUND }))
            .route("/page.xml", get(|| async { html("<html><body>Hello</body></html>") }))
            .route("/bad.xml.gz", get(|| async { b"\x1f\x8b\x08\x00garbage".to_vec() }))
            .route(
                "/loop.xml",
                get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/loop.xml")]) }),
            ),
    )
    .await;
    let probe = probe();
    let err = probe.sitemap_urls(&url(addr, "/missing.xml"), now()).await.unwrap_err();
    assert_eq!(err.code(), "sitemap_http_status");
    assert!(matches!(err, SitemapFetchError::Status { status: 404, .. }));

    let err = probe.sitemap_urls(&url(addr, "/page.xml"), now()).await.unwrap_err();
    assert_eq!(err.code(), "sitemap_not_a_sitemap");

    let err = probe.sitemap_urls(&url(addr, "/bad.xml.gz"), now()).await.unwrap_err();
    assert_eq!(err.code(), "sitemap_gzip");

    let err = probe.sitemap_urls(&url(addr, "/loop.xml"), now()).await.unwrap_err();
    assert_eq!(err.code(), "redirect_loop");

    let port = closed_port().await;
    let err = probe
        .sitemap_urls(
            &url::Url::parse(&format!("http://127.0.0.1:{port}/sitemap.xml")).unwrap(),
            now(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "sitemap_unreachable");
    let SitemapFetchError::Unreachable { failure, .. } = err else {
        panic!()
    };
    assert_eq!(failure.code(), "connection_refused");
}

#[tokio::test]
async fn a_failing_child_fails_the_whole_walk() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let index = format!(
        "<sitemapindex><sitemap><loc>http://{addr}/ok.xml</loc></sitemap>\
         <sitemap><loc>http://{addr}/gone.xml</loc></sitemap></sitemapindex>"
    );
    let ok = format!("<urlset><url><loc>http://{addr}/x</loc></url></urlset>");
    let router = Router::new()
        .route("/index.xml", get(move || async move { index }))
        .route("/ok.xml", get(move || async move { ok }))
        .route("/gone.xml", get(|| async { StatusCode::GONE }));
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let err = probe().sitemap_urls(&url(addr, "/index.xml"), now()).await.unwrap_err();
    match err {
        SitemapFetchError::Status { url: u, status } => {
            assert_eq!(status, 410);
            assert!(u.ends_with("/gone.xml"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn indexes_nested_too_deep_are_refused() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = Router::new().route(
        "/idx/{n}",
        get(move |axum::extract::Path(n): axum::extract::Path<u32>| async move {
            format!(
                "<sitemapindex><sitemap><loc>http://{addr}/idx/{}</loc></sitemap></sitemapindex>",
                n + 1
            )
        }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let err = probe().sitemap_urls(&url(addr, "/idx/0"), now()).await.unwrap_err();
    assert_eq!(err.code(), "sitemap_too_deep");
}
