//! Bodies: malformed HTML and entities, the size cap, binary bodies, encodings.

use axum::Router;
use axum::http::header;
use axum::routing::get;
use monitor::redirects::FetchOutcome;
use probe::BodyNote;

use crate::support::{html, now, probe, probe_with, serve, url};

#[tokio::test]
async fn malformed_html_and_entities_are_read_as_browsers_do() {
    let addr = serve(Router::new().route(
        "/bad",
        get(|| async {
            html(
                "<html><head><title>Caf&eacute; &amp; cr&egrave;me &#8212; &#x263A; &notanentity;</title>\
                 <meta name=description content='L&apos;&eacute;t&eacute; &lt;chaud&gt;'>\
                 <meta property=\"og:title\" content=\"OG &quot;titre&quot;\">\
                 <link rel=canonical href=\"/canon?a=1&amp;b=2\">\
                 <link rel=alternate hreflang=EN-gb href=\"/en\">\
                 </head><body><h1>Un <b>deux<h1>trois</b></h1>\
                 <div><p>unclosed <span>tags &amp more <table><tr><td>cell</div>\
                 <script>var x = '<h1>not a heading</h1>';</script></body",
            )
        }),
    ))
    .await;
    let check = probe().check_http(&url(addr, "/bad"), None, now()).await;
    assert_eq!(check.body_note, None);
    let snap = check.result.snapshot.unwrap();
    // HTML5: `&not` is a legacy entity that needs no semicolon, in text as browsers show it.
    assert_eq!(snap.title.as_deref(), Some("Café & crème — ☺ ¬anentity;"));
    assert_eq!(snap.meta_description.as_deref(), Some("L'été <chaud>"));
    assert_eq!(snap.og_title.as_deref(), Some("OG \"titre\""));
    assert_eq!(snap.canonical.as_deref(), Some(url(addr, "/canon?a=1&b=2").as_str()));
    assert_eq!(
        snap.hreflang.get("en-gb").map(String::as_str),
        Some(url(addr, "/en").as_str())
    );
    assert_eq!(snap.h1, vec!["Un deux".to_string(), "trois".to_string()]);
    assert!(snap.text_hash.is_some());
}

#[tokio::test]
async fn a_huge_body_is_cut_at_the_cap_and_marked_truncated() {
    let addr = serve(Router::new().route(
        "/huge",
        get(|| async {
            let mut body = String::from("<html><head><title>Big</title></head><body><h1>Top</h1>");
            while body.len() < 8 * 1024 * 1024 {
                body.push_str("<p>lorem ipsum dolor sit amet</p>");
            }
            body.push_str("<h1>Bottom</h1></body></html>");
            html(body)
        }),
    ))
    .await;
    let cap = 256 * 1024;
    let check = probe_with(|c| c.max_body_bytes = cap)
        .check_http(&url(addr, "/huge"), None, now())
        .await;
    assert!(matches!(check.outcome, FetchOutcome::Answered { status: 200, .. }));
    assert_eq!(check.body_note, Some(BodyNote::Truncated { cap }));
    assert_eq!(check.body_note.as_ref().unwrap().code(), "body_truncated");
    let snap = check.result.snapshot.unwrap();
    assert_eq!(snap.title.as_deref(), Some("Big"));
    // The heading past the cap was not read.
    assert_eq!(snap.h1, vec!["Top".to_string()]);
}

#[tokio::test]
async fn a_binary_body_is_recorded_not_parsed() {
    let png: &'static [u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00";
    let addr = serve(
        Router::new()
            .route(
                "/image",
                get(move || async move { ([(header::CONTENT_TYPE, "image/png")], png) }),
            )
            .route(
                "/lying",
                get(move || async move { ([(header::CONTENT_TYPE, "text/html")], png) }),
            )
            .route("/untyped", get(move || async move { axum::body::Body::from(png) })),
    )
    .await;
    let probe = probe();
    let check = probe.check_http(&url(addr, "/image"), None, now()).await;
    assert_eq!(
        check.body_note,
        Some(BodyNote::NotHtml {
            content_type: "image/png".to_string()
        })
    );
    let snap = check.result.snapshot.unwrap();
    assert_eq!(snap.status, Some(200));
    assert_eq!(snap.title, None);

    for path in ["/lying", "/untyped"] {
        let check = probe.check_http(&url(addr, path), None, now()).await;
        assert_eq!(check.body_note, Some(BodyNote::Binary), "{path}");
        assert_eq!(check.body_note.as_ref().unwrap().code(), "body_binary");
        assert!(check.result.snapshot.is_some(), "{path}");
    }
}

#[tokio::test]
async fn invalid_utf8_is_decoded_lossily_and_noted() {
    let addr = serve(
        Router::new()
            .route(
                "/broken",
                get(|| async {
                    (
                        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                        b"<html><head><title>Caf\xc3\xa9 \xff\xfe bad</title></head><body><h1>ok</h1></body></html>"
                            .to_vec(),
                    )
                }),
            )
            .route(
                "/latin1",
                get(|| async {
                    (
                        [(header::CONTENT_TYPE, "text/html; charset=iso-8859-1")],
                        b"<html><head><title>Caf\xe9</title></head></html>".to_vec(),
                    )
                }),
            )
            .route(
                "/utf16",
                get(|| async {
                    let mut body = vec![0xFF, 0xFE];
                    for u in "<html><head><title>Seize</title></head></html>".encode_utf16() {
                        body.extend_from_slice(&u.to_le_bytes());
                    }
                    ([(header::CONTENT_TYPE, "text/html")], body)
                }),
            ),
    )
    .await;
    let probe = probe();
    let check = probe.check_http(&url(addr, "/broken"), None, now()).await;
    assert_eq!(check.body_note, Some(BodyNote::InvalidUtf8));
    let snap = check.result.snapshot.unwrap();
    assert_eq!(snap.title.as_deref(), Some("Café \u{fffd}\u{fffd} bad"));
    assert_eq!(snap.h1, vec!["ok".to_string()]);

    // Other encodings are not invalid UTF-8.
    let check = probe.check_http(&url(addr, "/latin1"), None, now()).await;
    assert_eq!(check.body_note, None);
    assert_eq!(check.result.snapshot.unwrap().title.as_deref(), Some("Café"));
    let check = probe.check_http(&url(addr, "/utf16"), None, now()).await;
    assert_eq!(check.body_note, None);
    assert_eq!(check.result.snapshot.unwrap().title.as_deref(), Some("Seize"));
}

#[tokio::test]
async fn an_empty_body_is_a_page_without_elements() {
    let addr = serve(Router::new().route("/empty", get(|| async { html("") }))).await;
    let check = probe().check_http(&url(addr, "/empty"), None, now()).await;
    assert_eq!(check.body_note, None);
    let snap = check.result.snapshot.unwrap();
    assert_eq!(snap.title, None);
    assert_eq!(snap.status, Some(200));
}
