use jiff::{SignedDuration, Timestamp};
use kernel::Lang;
use monitor::SiteId;
use monitor::changes::{
    Availability, AvailabilityAlert, AvailabilityPolicy, AvailabilityTracker, Change, ChangeTracker, Confirmation,
    Element, MaintenanceWindow, SeoSnapshot, TlsWarning, UrlChange, diff, group_for_email, in_maintenance,
    tls_warnings_crossed,
};

fn ts(s: &str) -> Timestamp {
    s.parse().expect("test instant")
}

fn snap(title: &str) -> SeoSnapshot {
    SeoSnapshot {
        status: Some(200),
        title: Some(title.to_string()),
        h1: vec!["Bienvenue".into()],
        indexable: Some(true),
        ..SeoSnapshot::default()
    }
}

#[test]
fn diff_names_element_before_after() {
    let a = snap("Old");
    let mut b = snap("New");
    b.meta_description = Some("desc".into());
    b.hreflang.insert("en".into(), "https://x.fr/en".into());
    b.indexable = Some(false);
    let changes = diff(&a, &b);
    let elements: Vec<Element> = changes.iter().map(|c| c.element).collect();
    assert_eq!(
        elements,
        [
            Element::Title,
            Element::MetaDescription,
            Element::Hreflang,
            Element::Indexable
        ]
    );
    assert_eq!(changes[0].before.as_deref(), Some("Old"));
    assert_eq!(changes[0].after.as_deref(), Some("New"));
    assert_eq!(changes[1].before, None);
    assert_eq!(changes[3].after.as_deref(), Some("no"));
    assert!(diff(&a, &a).is_empty());
}

#[test]
fn a_change_is_reported_once_a_second_check_confirms_it() {
    let mut t = ChangeTracker::default();
    let c = Confirmation::default();
    assert!(t.observe(&snap("A"), c).is_empty()); // baseline
    assert!(t.observe(&snap("B"), c).is_empty()); // seen once: pending
    assert_eq!(t.pending().collect::<Vec<_>>(), [Element::Title]);
    let changes = t.observe(&snap("B"), c);
    assert_eq!(
        changes,
        [Change {
            element: Element::Title,
            before: Some("A".into()),
            after: Some("B".into())
        }]
    );
    assert_eq!(t.confirmed(Element::Title), Some("B"));
    assert!(t.observe(&snap("B"), c).is_empty());

    // A blip that goes back is never reported.
    assert!(t.observe(&snap("C"), c).is_empty());
    assert!(t.observe(&snap("B"), c).is_empty());
    assert!(t.observe(&snap("B"), c).is_empty());
    assert_eq!(t.pending().count(), 0);

    // Flapping between two new values restarts the count.
    assert!(t.observe(&snap("D"), c).is_empty());
    assert!(t.observe(&snap("E"), c).is_empty());
    assert_eq!(t.observe(&snap("E"), c).len(), 1);

    // Configurable: 1 reports at once, 3 needs three checks.
    let mut t = ChangeTracker::default();
    t.observe(&snap("A"), c);
    assert_eq!(t.observe(&snap("B"), Confirmation { checks: 1 }).len(), 1);
    let three = Confirmation { checks: 3 };
    assert!(t.observe(&snap("C"), three).is_empty());
    assert!(t.observe(&snap("C"), three).is_empty());
    assert_eq!(t.observe(&snap("C"), three).len(), 1);
}

#[test]
fn confirmation_is_per_element() {
    let mut t = ChangeTracker::default();
    let c = Confirmation::default();
    let mut s = snap("A");
    s.text_hash = Some("h0".into());
    t.observe(&s, c);
    // The title changes for good while the text hash changes at every check.
    for (i, h) in ["h1", "h2"].iter().enumerate() {
        let mut s = snap("B");
        s.text_hash = Some(h.to_string());
        let changes = t.observe(&s, c);
        if i == 1 {
            assert_eq!(changes.len(), 1);
            assert_eq!(changes[0].element, Element::Title);
        }
    }
}

#[test]
fn availability_alerts_on_state_changes_with_reminders() {
    let policy = AvailabilityPolicy {
        failures_to_alert: 2,
        successes_to_recover: 1,
        reminder_every: Some(SignedDuration::from_hours(1)),
    };
    let mut t = AvailabilityTracker::default();
    let t0 = ts("2026-11-23T10:00:00Z");
    let m = |n: i64| t0 + SignedDuration::from_mins(n);
    assert_eq!(t.observe(m(0), true, &policy, false), None);
    assert!(matches!(t.state, Availability::Up { .. }));
    assert_eq!(t.observe(m(5), false, &policy, false), None); // not confirmed yet
    assert_eq!(
        t.observe(m(10), false, &policy, false),
        Some(AvailabilityAlert::Down { since: m(5) })
    );
    assert_eq!(t.observe(m(15), false, &policy, false), None);
    assert_eq!(t.observe(m(69), false, &policy, false), None);
    assert_eq!(
        t.observe(m(70), false, &policy, false),
        Some(AvailabilityAlert::StillDown { since: m(5), at: m(70) })
    );
    assert_eq!(t.observe(m(75), false, &policy, false), None);
    assert_eq!(
        t.observe(m(80), true, &policy, false),
        Some(AvailabilityAlert::Recovered {
            down_since: m(5),
            at: m(80)
        })
    );
    assert_eq!(t.observe(m(85), true, &policy, false), None);
    // A single failure between successes alerts nothing.
    assert_eq!(t.observe(m(90), false, &policy, false), None);
    assert_eq!(t.observe(m(95), true, &policy, false), None);

    // Without reminders.
    let quiet = AvailabilityPolicy {
        reminder_every: None,
        failures_to_alert: 1,
        ..policy
    };
    let mut t = AvailabilityTracker::default();
    assert!(t.observe(m(0), false, &quiet, false).is_some());
    assert_eq!(t.observe(m(600), false, &quiet, false), None);
}

#[test]
fn maintenance_windows_pause_alerts() {
    let t0 = ts("2026-11-23T02:00:00Z");
    let m = |n: i64| t0 + SignedDuration::from_mins(n);
    let windows = [MaintenanceWindow {
        start: m(0),
        end: m(30),
    }];
    assert!(in_maintenance(&windows, m(0)));
    assert!(in_maintenance(&windows, m(29)));
    assert!(!in_maintenance(&windows, m(30)));
    let policy = AvailabilityPolicy {
        failures_to_alert: 1,
        ..AvailabilityPolicy::default()
    };
    // Down and back up inside the window: nothing at all.
    let mut t = AvailabilityTracker::default();
    t.observe(m(-5), true, &policy, false);
    assert_eq!(t.observe(m(5), false, &policy, in_maintenance(&windows, m(5))), None);
    assert_eq!(t.observe(m(10), true, &policy, in_maintenance(&windows, m(10))), None);
    // Down inside the window and still down after it: told after the window.
    assert_eq!(t.observe(m(20), false, &policy, true), None);
    assert_eq!(
        t.observe(m(35), false, &policy, false),
        Some(AvailabilityAlert::Down { since: m(20) })
    );
}

#[test]
fn tls_expiry_warnings_at_21_14_and_7_days() {
    let not_after = ts("2026-12-31T00:00:00Z");
    let day = |d: i64| not_after - SignedDuration::from_hours(24 * d);
    assert!(tls_warnings_crossed(not_after, Some(day(30)), day(22)).is_empty());
    assert_eq!(
        tls_warnings_crossed(not_after, Some(day(22)), day(21)),
        [TlsWarning::ExpiresWithin { days: 21 }]
    );
    assert!(tls_warnings_crossed(not_after, Some(day(21)), day(20)).is_empty());
    // A long gap crosses several thresholds.
    assert_eq!(
        tls_warnings_crossed(not_after, Some(day(22)), day(6)),
        [
            TlsWarning::ExpiresWithin { days: 21 },
            TlsWarning::ExpiresWithin { days: 14 },
            TlsWarning::ExpiresWithin { days: 7 }
        ]
    );
    assert_eq!(
        tls_warnings_crossed(not_after, Some(day(1)), day(-1)),
        [TlsWarning::Expired]
    );
    // First check: only the most urgent threshold passed.
    assert_eq!(
        tls_warnings_crossed(not_after, None, day(10)),
        [TlsWarning::ExpiresWithin { days: 14 }]
    );
    assert!(tls_warnings_crossed(not_after, None, day(40)).is_empty());
}

// clause: OSX-ALERT-EMAIL
#[test]
fn one_email_per_site_names_element_before_after_url_and_time() {
    let s1 = SiteId::new();
    let s2 = SiteId::new();
    let at = ts("2026-11-23T10:05:00Z");
    let ch = |site: SiteId, name: &str, url: &str, element: Element, before: &str, after: &str| UrlChange {
        site_id: site,
        site: name.to_string(),
        url: url.to_string(),
        change: Change {
            element,
            before: Some(before.to_string()),
            after: (!after.is_empty()).then(|| after.to_string()),
        },
        observed_at: at,
    };
    let changes = [
        ch(
            s1,
            "https://www.a.fr",
            "https://www.a.fr/b",
            Element::Title,
            "Old",
            "New",
        ),
        ch(s2, "https://c.fr", "https://c.fr/", Element::H1, "x", "y"),
        ch(
            s1,
            "https://www.a.fr",
            "https://www.a.fr/a",
            Element::MetaDescription,
            "d1",
            "",
        ),
        ch(
            s1,
            "https://www.a.fr",
            "https://www.a.fr/b",
            Element::Status,
            "200",
            "404",
        ),
    ];
    let emails = group_for_email(&changes, at, Lang::Fr);
    assert_eq!(emails.len(), 2);
    let e = &emails[0];
    assert_eq!(e.site_id, s1);
    let order: Vec<(&str, Element)> = e.items.iter().map(|i| (i.url.as_str(), i.element)).collect();
    assert_eq!(
        order,
        [
            ("https://www.a.fr/a", Element::MetaDescription),
            ("https://www.a.fr/b", Element::Status),
            ("https://www.a.fr/b", Element::Title)
        ]
    );
    assert_eq!(e.subject(), "https://www.a.fr : 3 changements SEO détectés");
    let body = e.text_body();
    assert!(
        body.contains("Title — https://www.a.fr/b le 2026-11-23 10:05 UTC"),
        "{body}"
    );
    assert!(body.contains("Avant : Old"));
    assert!(body.contains("Après : New"));
    assert!(body.contains("Après : (absent)"));
    assert!(body.contains("Code HTTP"));

    let en = group_for_email(&changes[1..2], at, Lang::En);
    assert_eq!(en[0].subject(), "https://c.fr: 1 SEO change detected");
    assert!(en[0].text_body().contains("Before: x"));
}

#[test]
fn an_error_page_changes_the_status_not_the_content() {
    let mut t = ChangeTracker::default();
    let c = Confirmation { checks: 1 };
    t.observe(&snap("A"), c);
    let error = SeoSnapshot {
        status: Some(503),
        title: Some("Service Unavailable".into()),
        ..SeoSnapshot::default()
    };
    let changes = t.observe(&error, c);
    let elements: Vec<Element> = changes.iter().map(|c| c.element).collect();
    assert_eq!(elements, [Element::Status, Element::Indexable]);
    assert_eq!(t.confirmed(Element::Title), Some("A"));
    // Back to normal with the same content: only the status and indexability come back.
    let changes = t.observe(&snap("A"), c);
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[0].after.as_deref(), Some("200"));
}

#[test]
fn trackers_round_trip_through_json_for_storage() {
    let mut t = ChangeTracker::default();
    let c = Confirmation::default();
    t.observe(&snap("A"), c);
    t.observe(&snap("B"), c);
    let json = serde_json::to_string(&t).expect("json");
    let mut back: ChangeTracker = serde_json::from_str(&json).expect("back");
    assert_eq!(back, t);
    assert_eq!(back.observe(&snap("B"), c).len(), 1);

    let mut a = AvailabilityTracker::default();
    a.observe(ts("2026-11-23T10:00:00Z"), false, &AvailabilityPolicy::default(), false);
    let json = serde_json::to_string(&a).expect("json");
    assert_eq!(serde_json::from_str::<AvailabilityTracker>(&json).expect("back"), a);
}

#[test]
fn trackers_of_a_url_that_stays_the_same_stay_the_same() {
    // The store rewrites a URL's trackers only when they change: a URL that stays up, or stays
    // down, or keeps its values, must leave them as they were.
    let t0 = ts("2026-11-23T10:00:00Z");
    let m = |n: i64| t0 + SignedDuration::from_mins(n);
    let policy = AvailabilityPolicy::default();
    for up in [true, false] {
        let mut a = AvailabilityTracker::default();
        for n in 0..3 {
            a.observe(m(n), up, &policy, false);
        }
        let settled = a.clone();
        for n in 3..50 {
            a.observe(m(n), up, &policy, false);
            assert_eq!(a, settled, "up {up}, check {n}");
        }
    }
    let mut c = ChangeTracker::default();
    c.observe(&snap("A"), Confirmation::default());
    let settled = c.clone();
    for _ in 0..10 {
        assert!(c.observe(&snap("A"), Confirmation::default()).is_empty());
        assert_eq!(c, settled);
    }
    // Counting no further than the policy looks changes no decision: one failure after a long
    // run of successes alerts nothing, and a recovery still takes `successes_to_recover`.
    let strict = AvailabilityPolicy {
        failures_to_alert: 3,
        successes_to_recover: 2,
        reminder_every: None,
    };
    let mut a = AvailabilityTracker::default();
    for n in 0..20 {
        a.observe(m(n), true, &strict, false);
    }
    assert_eq!(a.observe(m(20), false, &strict, false), None);
    assert_eq!(a.observe(m(21), false, &strict, false), None);
    assert_eq!(
        a.observe(m(22), false, &strict, false),
        Some(AvailabilityAlert::Down { since: m(20) })
    );
    for n in 23..40 {
        assert_eq!(a.observe(m(n), false, &strict, false), None);
    }
    assert_eq!(a.observe(m(40), true, &strict, false), None);
    assert_eq!(
        a.observe(m(41), true, &strict, false),
        Some(AvailabilityAlert::Recovered {
            down_since: m(20),
            at: m(41)
        })
    );
}

#[test]
fn sitemap_presence_learnt_or_lost_for_a_while_is_not_a_change() {
    let mut tracker = ChangeTracker::default();
    let once = Confirmation { checks: 1 };
    let mut s = snap("Accueil");
    assert!(tracker.observe(&s, once).is_empty(), "baseline, sitemap not read yet");
    s.in_sitemap = Some(true);
    assert!(
        tracker.observe(&s, once).is_empty(),
        "unknown → listed is learning, not a change"
    );
    s.in_sitemap = None;
    assert!(
        tracker.observe(&s, once).is_empty(),
        "the sitemap could not be read: keep what was known"
    );
    assert_eq!(tracker.confirmed(Element::InSitemap), Some("yes"));
    s.in_sitemap = Some(false);
    let changes = tracker.observe(&s, once);
    assert_eq!(
        changes,
        [Change {
            element: Element::InSitemap,
            before: Some("yes".into()),
            after: Some("no".into()),
        }]
    );
}
