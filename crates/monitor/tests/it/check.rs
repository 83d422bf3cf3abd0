use std::time::Duration;

use monitor::Url;
use monitor::changes::{ChangeTracker, Confirmation, Element};
use monitor::check::{HttpCheckInput, evaluate};
use monitor::extract::{ExtractOptions, NotIndexable, extract_html};
use monitor::redirects::{FetchOutcome, RedirectError};

fn answered(url: &Url, status: u16) -> FetchOutcome {
    FetchOutcome::Answered {
        status,
        final_url: url.clone(),
        elapsed: Duration::from_millis(120),
    }
}

#[test]
fn a_check_gives_the_snapshot_and_indexability() {
    let url = Url::parse("https://www.example.fr/page").expect("url");
    let body = br#"<title>Page</title><meta name="robots" content="index"><h1>Hi</h1>"#;
    let page = extract_html(body, Some("text/html"), &url, &ExtractOptions::default());
    let outcome = answered(&url, 200);
    let headers = [
        ("Content-Type", "text/html"),
        ("X-Robots-Tag", "googlebot: noindex"),
        ("x-robots-tag", "noarchive"),
        ("Link", "</page?v=2>; rel=\"canonical\""),
    ];
    let r = evaluate(HttpCheckInput {
        outcome: &outcome,
        headers: &headers,
        page: Some(&page),
        robots_txt_allowed: Some(true),
        in_sitemap: Some(true),
        search_agents: &["googlebot"],
    });
    let s = r.snapshot.expect("snapshot");
    assert_eq!(s.status, Some(200));
    assert_eq!(s.title.as_deref(), Some("Page"));
    assert_eq!(s.x_robots_tag.as_deref(), Some("googlebot: noindex, noarchive"));
    assert_eq!(s.canonical_header.as_deref(), Some("https://www.example.fr/page?v=2"));
    assert_eq!(s.indexable, Some(false));
    let reasons = r.indexability.expect("indexability").reasons;
    assert_eq!(
        reasons,
        [
            NotIndexable::HeaderNoindex,
            NotIndexable::CanonicalElsewhere("https://www.example.fr/page?v=2".into())
        ]
    );
    // Another engine's view: the googlebot-scoped noindex does not apply.
    let r = evaluate(HttpCheckInput {
        outcome: &outcome,
        headers: &headers,
        page: Some(&page),
        robots_txt_allowed: Some(true),
        in_sitemap: None,
        search_agents: &["bingbot"],
    });
    assert_eq!(r.indexability.expect("indexability").reasons.len(), 1);
}

// clause: OSX-ALERT-EMAIL (a page changed between two checks: confirmed, then named)
#[test]
fn a_page_that_changes_between_checks() {
    let url = Url::parse("https://www.example.fr/").expect("url");
    let mut tracker = ChangeTracker::default();
    let mut reported = Vec::new();
    for title in ["Old", "New", "New"] {
        let body = format!("<title>{title}</title>");
        let page = extract_html(body.as_bytes(), None, &url, &ExtractOptions::default());
        let outcome = answered(&url, 200);
        let r = evaluate(HttpCheckInput {
            outcome: &outcome,
            headers: &[],
            page: Some(&page),
            robots_txt_allowed: Some(true),
            in_sitemap: None,
            search_agents: &["googlebot"],
        });
        reported.push(tracker.observe(&r.snapshot.expect("snapshot"), Confirmation::default()));
    }
    assert!(reported[0].is_empty() && reported[1].is_empty());
    let elements: Vec<Element> = reported[2].iter().map(|c| c.element).collect();
    assert_eq!(elements, [Element::Title]); // the title is not part of the visible text
    assert_eq!(reported[2][0].before.as_deref(), Some("Old"));
}

// clause: OSX-TIMEOUT-10S
#[test]
fn unanswered_and_broken_chains_give_no_snapshot() {
    for outcome in [
        FetchOutcome::Unanswered {
            elapsed: Duration::from_secs(11),
        },
        FetchOutcome::RedirectError {
            error: RedirectError::Loop {
                url: "http://x/".into(),
            },
        },
    ] {
        let r = evaluate(HttpCheckInput {
            outcome: &outcome,
            headers: &[],
            page: None,
            robots_txt_allowed: None,
            in_sitemap: None,
            search_agents: &[],
        });
        assert!(r.snapshot.is_none());
    }
}

#[test]
fn ping_up_rules() {
    use monitor::check::{UpRule, http_is_up, tcp_is_up};
    use monitor::redirects::Deadline;
    let url = Url::parse("https://www.example.fr/").expect("url");
    let rule = UpRule::default();
    assert!(http_is_up(&answered(&url, 200), &rule));
    assert!(http_is_up(&answered(&url, 301), &rule));
    assert!(!http_is_up(&answered(&url, 404), &rule));
    assert!(!http_is_up(&answered(&url, 503), &rule));
    let strict = UpRule {
        min_status: 200,
        max_status: 299,
    };
    assert!(!http_is_up(&answered(&url, 301), &strict));
    assert!(!http_is_up(
        &FetchOutcome::Unanswered {
            elapsed: Duration::from_secs(10)
        },
        &rule
    ));
    // clause: OSX-TIMEOUT-10S
    assert!(tcp_is_up(true, Duration::from_millis(30), Deadline::default()));
    assert!(!tcp_is_up(true, Duration::from_millis(10_001), Deadline::default()));
    assert!(!tcp_is_up(false, Duration::from_millis(30), Deadline::default()));
}
