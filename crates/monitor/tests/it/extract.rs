use monitor::Url;
use monitor::extract::{
    BacklinkFetch, BacklinkState, ExtractOptions, HtmlExtractor, IndexabilityInput, NotIndexable,
    canonical_from_link_headers, check_backlink, directives_for, extract_html, indexability, parse_x_robots_tag,
};

const PAGE: &str = r#"<!DOCTYPE html>
<html lang="fr"><head>
<meta charset="utf-8">
<title>  Caf&eacute; &amp; cr&egrave;me
  &#8211; Paris </title>
<meta name="Description" content="Le meilleur caf&eacute; &quot;bio&quot;">
<meta name="robots" content="index, follow">
<meta property="og:title" content="OG &amp; title">
<meta property="og:description" content="OG description">
<link rel="canonical" href="/produits/cafe?ref=1">
<link rel="alternate" hreflang="en" href="https://www.example.fr/en/coffee">
<link rel="alternate" hreflang="FR" href="/produits/cafe">
<link rel="alternate" hreflang="x-default" href="https://www.example.fr/">
<style>body { color: red }</style>
<script>var x = "<h1>not a heading</h1>";</script>
</head>
<body>
<h1>  Notre   <em>caf&eacute;</em>
 du jour </h1>
<p>Texte&nbsp;visible <b>ici</b>.</p>
<noscript>Activez JavaScript</noscript>
<h1></h1>
<h1>Second &lt;titre&gt;</h1>
<svg><title>icon</title></svg>
</body></html>"#;

fn page_url() -> Url {
    Url::parse("https://www.example.fr/produits/cafe").expect("test URL")
}

#[test]
fn extracts_seo_elements_with_entities_decoded() {
    let p = extract_html(
        PAGE.as_bytes(),
        Some("text/html"),
        &page_url(),
        &ExtractOptions::default(),
    );
    assert_eq!(p.title.as_deref(), Some("Café & crème – Paris"));
    assert_eq!(p.meta_description.as_deref(), Some("Le meilleur café \"bio\""));
    assert_eq!(p.meta_robots.as_deref(), Some("index, follow"));
    assert_eq!(
        p.canonical.as_deref(),
        Some("https://www.example.fr/produits/cafe?ref=1")
    );
    assert_eq!(p.canonical_count, 1);
    assert_eq!(p.og_title.as_deref(), Some("OG & title"));
    assert_eq!(p.og_description.as_deref(), Some("OG description"));
    assert_eq!(
        p.h1,
        vec!["Notre café du jour".to_string(), "Second <titre>".to_string()]
    );
    let langs: Vec<(&str, &str)> = p.hreflang.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(
        langs,
        [
            ("en", "https://www.example.fr/en/coffee"),
            ("fr", "https://www.example.fr/produits/cafe"),
            ("x-default", "https://www.example.fr/")
        ]
    );
    assert_eq!(p.encoding, "UTF-8");
    assert!(!p.truncated);
    assert_eq!(p.text_hash.len(), 64);
}

#[test]
fn visible_text_hash_ignores_scripts_styles_and_whitespace() {
    let opts = ExtractOptions::default();
    let url = page_url();
    let a = extract_html(
        b"<p>Hello   <b>world</b></p><script>var a=1</script>",
        None,
        &url,
        &opts,
    );
    let b = extract_html(
        b"<p>Hello\n<b>world</b></p>\n<style>p{}</style><script>var a=2</script><noscript>x</noscript>",
        None,
        &url,
        &opts,
    );
    let c = extract_html(b"<p>Hello <b>world!</b></p>", None, &url, &opts);
    assert_eq!(a.text_hash, b.text_hash);
    assert_ne!(a.text_hash, c.text_hash);
    // The hash of "Hello world" itself.
    assert_eq!(
        a.text_hash,
        "64ec88ca00b268e5ba1a35678a1b5316d212f4f366b2477232534a8aeca37f3c"
    );
}

#[test]
fn chunked_input_gives_the_same_result_even_inside_entities() {
    let opts = ExtractOptions::default();
    let whole = extract_html(PAGE.as_bytes(), None, &page_url(), &opts);
    for size in [1, 2, 3, 7, 64] {
        let mut x = HtmlExtractor::new(None, &page_url(), &opts);
        for chunk in PAGE.as_bytes().chunks(size) {
            x.write(chunk);
        }
        let p = x.finish();
        assert_eq!(p, whole, "chunk size {size}");
    }
}

#[test]
fn charset_from_header_meta_and_bom() {
    let url = page_url();
    let opts = ExtractOptions::default();
    // windows-1252 from the header.
    let body = b"<title>Caf\xe9</title><h1>\x80 5</h1>";
    let p = extract_html(body, Some("text/html; charset=ISO-8859-1"), &url, &opts);
    assert_eq!(p.title.as_deref(), Some("Café"));
    assert_eq!(p.h1, vec!["€ 5".to_string()]);
    assert_eq!(p.encoding, "windows-1252");
    // From <meta charset>, when the header has none.
    let body = b"<meta charset=\"windows-1252\"><title>Caf\xe9</title>";
    let p = extract_html(body, Some("text/html"), &url, &opts);
    assert_eq!(p.title.as_deref(), Some("Café"));
    assert_eq!(p.encoding, "windows-1252");
    // http-equiv form.
    let body = b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\"><title>Caf\xe9</title>";
    let p = extract_html(body, None, &url, &opts);
    assert_eq!(p.title.as_deref(), Some("Café"));
    // UTF-16 with a BOM.
    let mut body = vec![0xff, 0xfe];
    for u in "<title>Café ☕</title>".encode_utf16() {
        body.extend_from_slice(&u.to_le_bytes());
    }
    let p = extract_html(&body, Some("text/html; charset=utf-8"), &url, &opts);
    assert_eq!(p.title.as_deref(), Some("Café ☕"));
    assert_eq!(p.encoding, "UTF-16LE");
    // Invalid UTF-8 gives replacement characters, not an error.
    let p = extract_html(
        b"<title>a\xff\xfeb</title>",
        Some("text/html; charset=utf-8"),
        &url,
        &opts,
    );
    assert_eq!(p.title.as_deref(), Some("a\u{fffd}\u{fffd}b"));
}

#[test]
fn body_cap_truncates_without_error() {
    let opts = ExtractOptions {
        max_body_bytes: 40,
        ..ExtractOptions::default()
    };
    let mut body = String::from("<title>Early</title>");
    body.push_str(&"<p>padding</p>".repeat(1000));
    body.push_str("<h1>Late</h1>");
    let p = extract_html(body.as_bytes(), None, &page_url(), &opts);
    assert_eq!(p.title.as_deref(), Some("Early"));
    assert!(p.h1.is_empty());
    assert!(p.truncated);
    assert_eq!(p.bytes_read, 40);
}

#[test]
fn malformed_and_binary_input_do_not_crash() {
    let url = page_url();
    let opts = ExtractOptions::default();
    let inputs: Vec<Vec<u8>> = vec![
        b"<html><head><title>Unclosed".to_vec(),
        b"<h1><h1>nested</h1>".to_vec(),
        b"<<<>>><a href=\"\x00\">&#0;&#xD800;&#99999999;</a>".to_vec(),
        (0..=255u8).cycle().take(10_000).collect(),
        Vec::new(),
    ];
    for input in inputs {
        extract_html(&input, None, &url, &opts);
    }
    let p = extract_html(b"<title>&#0;&#x80;&ampx &notit;</title>", None, &url, &opts);
    assert_eq!(p.title.as_deref(), Some("\u{fffd}\u{20ac}&x ¬it;"));
}

#[test]
fn x_robots_tag_with_user_agents() {
    let tags = parse_x_robots_tag([
        "noarchive",
        "googlebot: noindex, nofollow",
        "otherbot: none",
        "unavailable_after: 25 Jun 2030 15:00:00 PST",
    ]);
    assert_eq!(
        directives_for(&tags, &["googlebot"]),
        [
            "noarchive",
            "noindex",
            "nofollow",
            "unavailable_after:25 jun 2030 15:00:00 pst"
        ]
    );
    assert_eq!(
        directives_for(&tags, &["comptoir-monitor"]),
        ["noarchive", "unavailable_after:25 jun 2030 15:00:00 pst"]
    );
    assert_eq!(
        directives_for(&tags, &["OtherBot"]),
        ["noarchive", "none", "unavailable_after:25 jun 2030 15:00:00 pst"]
    );
    let tags = parse_x_robots_tag(["NoIndex"]);
    assert_eq!(directives_for(&tags, &[]), ["noindex"]);
}

#[test]
fn canonical_from_link_header() {
    let url = page_url();
    let v = [r#"<https://cdn.example.fr/style.css>; rel=preload, </produits/cafe>; rel="canonical""#];
    assert_eq!(
        canonical_from_link_headers(v, &url).as_deref(),
        Some("https://www.example.fr/produits/cafe")
    );
    assert_eq!(
        canonical_from_link_headers(["<https://x.fr/a,b>; rel=\"alternate canonical\""], &url).as_deref(),
        Some("https://x.fr/a,b")
    );
    assert_eq!(canonical_from_link_headers(["<https://x.fr/>; rel=next"], &url), None);
}

#[test]
fn indexability_combines_every_signal_with_reasons() {
    let url = page_url();
    let base = IndexabilityInput {
        url: &url,
        status: 200,
        robots_txt_allowed: Some(true),
        meta_robots: Some("index, follow"),
        x_robots: &[],
        canonical: Some("https://www.example.fr/produits/cafe#top"),
    };
    assert!(indexability(base).indexable);
    let r = indexability(IndexabilityInput {
        robots_txt_allowed: Some(false),
        ..base
    });
    assert_eq!(r.reasons, [NotIndexable::RobotsTxt]);
    let r = indexability(IndexabilityInput {
        meta_robots: Some("NONE"),
        ..base
    });
    assert_eq!(r.reasons, [NotIndexable::MetaNoindex]);
    let r = indexability(IndexabilityInput {
        x_robots: &["noindex"],
        ..base
    });
    assert_eq!(r.reasons, [NotIndexable::HeaderNoindex]);
    let r = indexability(IndexabilityInput { status: 301, ..base });
    assert_eq!(r.reasons, [NotIndexable::Status(301)]);
    let r = indexability(IndexabilityInput {
        canonical: Some("https://www.example.fr/other"),
        status: 404,
        ..base
    });
    assert!(!r.indexable);
    assert_eq!(r.reasons.len(), 2);
    assert_eq!(r.reasons[1].code(), "canonical_elsewhere");
}

fn link_page(body: &str, target: &str) -> monitor::extract::PageElements {
    let opts = ExtractOptions {
        link_target: Some(Url::parse(target).expect("test URL")),
        ..ExtractOptions::default()
    };
    let url = Url::parse("https://blog.third.org/post/1").expect("test URL");
    extract_html(body.as_bytes(), None, &url, &opts)
}

// clause: OSX-LINK
#[test]
fn link_tool_finds_the_backlink_its_anchor_and_rel() {
    let body = r#"<html><head><base href="https://blog.third.org/"></head><body>
        <a href="https://other.fr/">other</a>
        <a href="HTTPS://WWW.CLIENT.FR:443/offre#tarifs" rel="nofollow ugc">Nos <b>offres</b> &amp; prix</a>
        <a href="//www.client.fr/offre"><img src="x.png" alt="Logo client"></a>
        <a href="https://www.client.fr/offre?x=1">not the target</a>
        </body></html>"#;
    let p = link_page(body, "https://www.client.fr/offre");
    assert_eq!(p.links.len(), 2);
    assert_eq!(p.links[0].anchor, "Nos offres & prix");
    assert!(p.links[0].rel.nofollow && p.links[0].rel.ugc && !p.links[0].rel.sponsored);
    assert_eq!(p.links[0].rel_raw.as_deref(), Some("nofollow ugc"));
    assert_eq!(p.links[1].anchor, "Logo client");
    assert!(p.links[1].rel.is_follow());

    let url = Url::parse("https://blog.third.org/post/1").unwrap();
    let check = check_backlink(BacklinkFetch::Answered {
        url: &url,
        status: 200,
        page: Some(&p),
        x_robots: &[],
        header_canonical: None,
    });
    assert_eq!(check.state, BacklinkState::Present { follow: true });
    assert!(check.page_indexability.unwrap().indexable);

    // Only sponsored: present but not followed; the page says noindex: not indexable.
    let p = link_page(
        r#"<meta name="robots" content="noindex"><a href="/x" rel="sponsored">ad</a><a href="https://www.client.fr/" rel="sponsored">ad</a>"#,
        "https://www.client.fr/",
    );
    let check = check_backlink(BacklinkFetch::Answered {
        url: &url,
        status: 200,
        page: Some(&p),
        x_robots: &[],
        header_canonical: None,
    });
    assert_eq!(check.state, BacklinkState::Present { follow: false });
    assert_eq!(check.page_indexability.unwrap().reasons, [NotIndexable::MetaNoindex]);
}

// clause: OSX-LINK
#[test]
fn link_tool_tells_missing_from_blocked() {
    let url = Url::parse("https://blog.third.org/post/1").unwrap();
    let p = link_page("<a href='https://else.fr/'>x</a>", "https://www.client.fr/");
    let check = check_backlink(BacklinkFetch::Answered {
        url: &url,
        status: 200,
        page: Some(&p),
        x_robots: &["nofollow"],
        header_canonical: None,
    });
    assert_eq!(check.state, BacklinkState::Missing);
    assert_eq!(
        check_backlink(BacklinkFetch::Blocked).state,
        BacklinkState::BlockedByRobots
    );
    assert_eq!(
        check_backlink(BacklinkFetch::Unanswered).state,
        BacklinkState::Unanswered
    );
    let check = check_backlink(BacklinkFetch::Answered {
        url: &url,
        status: 404,
        page: None,
        x_robots: &[],
        header_canonical: None,
    });
    assert_eq!(check.state, BacklinkState::HttpError { status: 404 });
    // Page nofollow by header: the link is there but not followed.
    let p = link_page("<a href='https://www.client.fr/'>x</a>", "https://www.client.fr/");
    let check = check_backlink(BacklinkFetch::Answered {
        url: &url,
        status: 200,
        page: Some(&p),
        x_robots: &["nofollow"],
        header_canonical: None,
    });
    assert_eq!(check.state, BacklinkState::Present { follow: false });
}

// clause: OSX-LINK
#[test]
fn link_match_modes() {
    use monitor::extract::LinkMatch;
    let body = r#"<a href="http://client.fr/offre">a</a><a href="https://www.client.fr/autre">b</a><a href="https://www.client.fr/offre">c</a>"#;
    let url = Url::parse("https://blog.third.org/").expect("url");
    let count = |mode| {
        let opts = ExtractOptions {
            link_target: Url::parse("https://www.client.fr/offre").ok(),
            link_match: mode,
            ..ExtractOptions::default()
        };
        extract_html(body.as_bytes(), None, &url, &opts).links.len()
    };
    assert_eq!(count(LinkMatch::Exact), 1);
    assert_eq!(count(LinkMatch::IgnoreSchemeAndWww), 2);
    assert_eq!(count(LinkMatch::AnyPageOfHost), 3);
}

#[test]
fn unclosed_headings_and_anchors_do_not_swallow_the_page() {
    let url = page_url();
    let p = extract_html(
        b"<h1>Title<h2>Sub</h2><p>Body text</p><h1>Other</h1>",
        None,
        &url,
        &ExtractOptions::default(),
    );
    assert_eq!(p.h1, vec!["Title".to_string(), "Other".to_string()]);
    let long = format!("<h1>{}</h1>", "word ".repeat(5000));
    let p = extract_html(long.as_bytes(), None, &url, &ExtractOptions::default());
    assert!(p.h1[0].len() <= 2048);
    let opts = ExtractOptions {
        link_target: Url::parse("https://t.fr/").ok(),
        ..ExtractOptions::default()
    };
    let p = extract_html(
        b"<a href='https://t.fr/'>anchor<a href='/x'>other</a> rest",
        None,
        &url,
        &opts,
    );
    assert_eq!(p.links[0].anchor, "anchor");
}

/// The extractor can be held across `.await` in a multi-threaded tokio task.
#[test]
fn the_extractor_is_send() {
    fn assert_send<T: Send>() {}
    assert_send::<HtmlExtractor>();
    assert_send::<monitor::extract::PageElements>();
}
