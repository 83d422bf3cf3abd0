use std::time::Duration;

use monitor::Url;
use monitor::redirects::{Deadline, FetchOutcome, Next, RedirectChain, RedirectError};

fn u(s: &str) -> Url {
    Url::parse(s).expect("test URL")
}

const MS: Duration = Duration::from_millis(100);

#[test]
fn chain_records_hops_and_resolves_relative_locations() {
    let mut c = RedirectChain::new(10);
    let start = u("http://www.example.fr/old");
    let n = c.record(&start, 301, Some("https://www.example.fr/new"), MS).unwrap();
    let Next::Follow(next) = n else {
        panic!("expected a redirect")
    };
    let n = c.record(&next, 302, Some("../final?x=1#frag"), MS).unwrap();
    assert_eq!(n, Next::Follow(u("https://www.example.fr/final?x=1")));
    let n = c.record(&u("https://www.example.fr/final?x=1"), 200, None, MS).unwrap();
    assert_eq!(n, Next::Done);
    assert_eq!(c.hops().len(), 3);
    assert_eq!(c.redirects(), 2);
    assert_eq!(c.final_url().unwrap().as_str(), "https://www.example.fr/final?x=1");
    assert_eq!(c.final_status(), Some(200));
    assert_eq!(
        c.hops()[0].location.as_ref().unwrap().as_str(),
        "https://www.example.fr/new"
    );
    match FetchOutcome::of(&c, None, Deadline::default()) {
        FetchOutcome::Answered { status, elapsed, .. } => {
            assert_eq!(status, 200);
            assert_eq!(elapsed, Duration::from_millis(300));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn loops_and_too_many_hops_are_errors() {
    let mut c = RedirectChain::new(10);
    let a = u("http://x.fr/a");
    let b = u("http://x.fr/b");
    assert_eq!(c.record(&a, 301, Some("/b"), MS).unwrap(), Next::Follow(b.clone()));
    let err = c.record(&b, 302, Some("/a"), MS).unwrap_err();
    assert_eq!(err, RedirectError::Loop { url: a.to_string() });
    assert_eq!(err.code(), "redirect_loop");

    let mut c = RedirectChain::new(3);
    let mut url = u("http://x.fr/0");
    let mut result = Ok(Next::Done);
    for i in 1..=4 {
        result = c.record(&url, 301, Some(&format!("/{i}")), MS);
        match &result {
            Ok(Next::Follow(n)) => url = n.clone(),
            _ => break,
        }
    }
    assert_eq!(result.unwrap_err(), RedirectError::TooManyRedirects { max: 3 });
    assert_eq!(c.redirects(), 4);

    let mut c = RedirectChain::new(3);
    assert_eq!(c.record(&url, 301, None, MS).unwrap_err(), RedirectError::BadLocation);
    assert_eq!(c.record(&url, 304, None, MS).unwrap(), Next::Done);
}

// clause: OSX-TIMEOUT-10S
#[test]
fn more_than_ten_seconds_in_total_is_unanswered() {
    let d = Deadline::default();
    assert_eq!(d.total, Duration::from_secs(10));
    assert!(!d.is_exceeded([Duration::from_secs(4), Duration::from_secs(6)]));
    assert!(d.is_exceeded([Duration::from_secs(4), Duration::from_secs(6), Duration::from_millis(1)]));
    assert!(d.is_exceeded([Duration::from_secs(11)]));
    assert_eq!(d.remaining(Duration::from_secs(7)), Some(Duration::from_secs(3)));
    assert_eq!(d.remaining(Duration::from_secs(10)), None);

    let mut c = RedirectChain::new(10);
    let a = u("http://slow.fr/");
    c.record(&a, 301, Some("/b"), Duration::from_secs(6)).unwrap();
    c.record(&u("http://slow.fr/b"), 200, None, Duration::from_secs(5))
        .unwrap();
    assert!(c.is_unanswered(d));
    assert!(matches!(FetchOutcome::of(&c, None, d), FetchOutcome::Unanswered { .. }));
}
