//! Properties over generated input: nothing panics, normalisation is stable, chunking changes
//! nothing, and the robots.txt matcher agrees with a regular-expression reference.

use monitor::Url;
use monitor::extract::{ExtractOptions, HtmlExtractor, extract_html, words};
use monitor::robots::RobotsTxt;
use monitor::site::{Site, parse_url_list};
use monitor::urls::{normalize, normalize_percent, parse_http_url};
use proptest::prelude::*;

fn page_url() -> Url {
    Url::parse("https://www.example.fr/p").expect("url")
}

/// The reference: `*` is `.*`, a final `$` anchors, the rest is literal, matched from the start.
fn reference_match(pattern: &str, path: &str) -> bool {
    let (body, anchored) = match pattern.strip_suffix('$') {
        Some(b) => (b, true),
        None => (pattern, false),
    };
    let mut re = String::from("^");
    for part in body.split('*').enumerate() {
        if part.0 > 0 {
            re.push_str(".*");
        }
        re.push_str(&regex::escape(part.1));
    }
    if anchored {
        re.push('$');
    }
    regex::Regex::new(&re).expect("regex").is_match(path)
}

/// Text mixing ASCII, accented letters, every Unicode White_Space character and characters
/// whose lead bytes are those of the spaces (U+1681, U+2010, U+3001) but are not spaces.
fn spaced_text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        "[a-zé&;]{1,6}",
        Just(" ".to_string()),
        Just("\t\n\u{b}\u{c}\r".to_string()),
        Just("\u{85}\u{a0}\u{1680}\u{2000}\u{200a}\u{2028}\u{2029}\u{202f}\u{205f}\u{3000}".to_string()),
        Just("\u{a1}\u{1681}\u{2010}\u{200b}\u{3001}\u{1f600}".to_string()),
        "\\PC{0,4}",
    ];
    proptest::collection::vec(pieces, 0..12).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The text hash's word splitter is `split_whitespace` made fast: the same words, always
    /// (a difference would change every stored hash and report every page as changed).
    #[test]
    fn words_are_split_as_split_whitespace_does(text in spaced_text()) {
        let ours: Vec<&str> = words(&text).collect();
        let std: Vec<&str> = text.split_whitespace().collect();
        prop_assert_eq!(ours, std);
    }

    #[test]
    fn robots_matcher_agrees_with_the_reference(
        pattern in "/[ab/*.]{0,6}\\$?",
        path in "/[ab/.]{0,8}",
    ) {
        let robots = format!("user-agent: *\ndisallow: {pattern}\n");
        let r = RobotsTxt::parse(robots.as_bytes());
        let expected_disallowed = reference_match(&pattern, &path);
        prop_assert_eq!(!r.is_allowed_path("bot", &path), expected_disallowed, "pattern {} path {}", pattern, path);
    }

    #[test]
    fn robots_parser_never_panics(body in proptest::collection::vec(any::<u8>(), 0..400), path in "\\PC{0,20}") {
        let r = RobotsTxt::parse(&body);
        let _ = r.is_allowed_path("bot", &path);
    }

    #[test]
    fn url_normalisation_is_idempotent(input in "(https?://)?[a-zA-Z0-9.%~/?#&=:@\\-]{0,40}") {
        if let Ok(u) = parse_http_url(&input) {
            let again = normalize(u.clone());
            prop_assert_eq!(again.as_str(), u.as_str());
            let s = u.to_string();
            let reparsed = parse_http_url(&s).expect("reparse");
            prop_assert_eq!(reparsed.as_str(), s.as_str());
        }
        let once = normalize_percent(&input);
        prop_assert_eq!(normalize_percent(&once), once.clone());
    }

    #[test]
    fn url_lists_never_panic(text in "\\PC{0,200}") {
        let site = Site::parse("https://www.example.fr").expect("site");
        let _ = parse_url_list(&site, &text);
        let _ = Site::parse(&text);
        let _ = site.parse_url(&text);
    }

    #[test]
    fn extraction_never_panics_on_bytes(body in proptest::collection::vec(any::<u8>(), 0..2000)) {
        extract_html(&body, None, &page_url(), &ExtractOptions::default());
    }

    #[test]
    fn chunking_changes_nothing(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("<title>".to_string()), Just("</title>".to_string()),
                Just("<h1>".to_string()), Just("</h1>".to_string()),
                Just("<script>".to_string()), Just("</script>".to_string()),
                Just("<a href=\"https://t.fr/\">".to_string()), Just("</a>".to_string()),
                Just("&amp;".to_string()), Just("&eacute;".to_string()), Just("&#8364;".to_string()),
                Just("<meta name=\"description\" content=\"d&amp;d\">".to_string()),
                Just(" ".to_string()), Just("\n".to_string()), Just("é".to_string()),
                "[a-z]{1,5}",
            ],
            0..40,
        ),
        chunk in 1usize..17,
    ) {
        let html = parts.concat();
        let options = ExtractOptions {
            link_target: Url::parse("https://t.fr/").ok(),
            ..ExtractOptions::default()
        };
        let whole = extract_html(html.as_bytes(), None, &page_url(), &options);
        let mut x = HtmlExtractor::new(None, &page_url(), &options);
        for c in html.as_bytes().chunks(chunk) {
            x.write(c);
        }
        let chunked = x.finish();
        prop_assert_eq!(whole, chunked);
    }
}
