use jiff::{SignedDuration, Timestamp};
use monitor::changes::Element;
use monitor::export::{
    DEFAULT_EXPORT_NOTICE, Export, ExportObservation, ExportSite, ExportUrl, LifecycleStep, lifecycle_step,
};
use monitor::site::Tool;
use monitor::{SiteId, UrlId};

fn ts(s: &str) -> Timestamp {
    s.parse().expect("test instant")
}

// clause: OSX-NO-ARCHIVE
#[test]
fn export_is_offered_before_the_end_and_data_deleted_at_the_end() {
    let end = ts("2026-12-31T23:00:00Z");
    let n = DEFAULT_EXPORT_NOTICE;
    assert_eq!(lifecycle_step(end, None, n, false), LifecycleStep::Keep);
    assert_eq!(
        lifecycle_step(end - SignedDuration::from_hours(8 * 24), Some(end), n, false),
        LifecycleStep::Keep
    );
    assert_eq!(
        lifecycle_step(end - SignedDuration::from_hours(7 * 24), Some(end), n, false),
        LifecycleStep::OfferExport { deletion_at: end }
    );
    assert_eq!(
        lifecycle_step(end - SignedDuration::from_hours(24), Some(end), n, true),
        LifecycleStep::Keep
    );
    assert_eq!(
        lifecycle_step(end, Some(end), n, true),
        LifecycleStep::Delete { notify_first: false }
    );
    // Ended without notice (free pack ended by the operator): notify with the export, then delete.
    assert_eq!(
        lifecycle_step(end + SignedDuration::from_secs(1), Some(end), n, false),
        LifecycleStep::Delete { notify_first: true }
    );
}

// clause: OSX-NO-ARCHIVE
#[test]
fn export_as_csv_and_json() {
    let site_id = SiteId::new();
    let url_id = UrlId::new();
    let at = ts("2026-11-23T10:00:00Z");
    let export = Export {
        sites: vec![ExportSite {
            site_id,
            site: "https://www.example.fr".into(),
            created_at: at,
        }],
        urls: vec![ExportUrl {
            url_id,
            site_id,
            url: "https://www.example.fr/a,b".into(),
            tool: Tool::Http,
            cadence_minutes: 60,
        }],
        history: vec![ExportObservation {
            url_id,
            url: "https://www.example.fr/a,b".into(),
            observed_at: at,
            element: Element::Title,
            value: Some("Café \"bio\"".into()),
        }],
    };
    assert_eq!(
        export.sites_csv().expect("csv"),
        format!("site_id,site,created_at\n{site_id},https://www.example.fr,2026-11-23T10:00:00Z\n")
    );
    assert!(
        export
            .urls_csv()
            .expect("csv")
            .contains("\"https://www.example.fr/a,b\",http,60")
    );
    assert!(
        export
            .history_csv()
            .expect("csv")
            .contains(",title,\"Café \"\"bio\"\"\"")
    );
    let json = serde_json::to_value(&export).expect("json");
    assert_eq!(json["history"][0]["element"], "title");
    let back: Export = serde_json::from_value(json).expect("round trip");
    assert_eq!(back, export);
}
