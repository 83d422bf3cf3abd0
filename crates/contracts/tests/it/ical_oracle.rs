//! The iCalendar feed parsed back by an independent parser: PyPI `icalendar`.

use crate::oracle::run_python;
use contracts::ical::{CalendarEvent, DateKind, contract_events, event_uid, write_calendar};
use contracts::{ContractTerms, Notice, Renewal, SendingWay, TermsDraft, deadlines, holidays::Region};
use jiff::civil::date;
use kernel::Lang;

const SCRIPT: &str = r#"
import sys, json, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
assert str(cal.get("PRODID")).startswith("-//Comptoir//")
assert str(cal.get("VERSION")) == "2.0"
for ev in cal.walk("VEVENT"):
    print(json.dumps({
        "uid": str(ev.get("UID")),
        "start": ev.decoded("DTSTART").isoformat(),
        "end": ev.decoded("DTEND").isoformat(),
        "summary": str(ev.get("SUMMARY")),
        "description": str(ev.get("DESCRIPTION")),
        "dtstamp": ev.decoded("DTSTAMP").isoformat(),
    }))
"#;

fn parse_back(ics: &str) -> Option<Vec<serde_json::Value>> {
    let out = run_python("icalendar", SCRIPT, ics)?;
    Some(
        out.lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("json line {l}: {e}")))
            .collect(),
    )
}

// clause: CTR-REMINDERS (iCalendar feed: stable UIDs, all-day events ending the next day)
#[test]
fn feed_parses_back_with_pypi_icalendar() {
    let terms = ContractTerms::new(TermsDraft {
        start: date(2026, 1, 31),
        term_months: Some(12),
        end: None,
        renewal: Renewal::Tacit { months: 12 },
        notice: Notice::Months(3),
        ways: vec![SendingWay::RegisteredLetter.into(), SendingWay::Email.into()],
    })
    .unwrap();
    let id = "0195d3c4-7a1e-7000-8000-000000000001";
    // Commas, semicolons, a backslash, a newline and accents, long enough to be folded.
    let title = "Télécom Ouest, S.A.S.; réf. \\ 2026/01\nligne fixe + fibre — contrat « pro » numéro 42";
    let d = deadlines(&terms, date(2026, 3, 1), Region::Metropole);
    let mut events = contract_events(&id, title, &d, Lang::Fr);
    events.push(CalendarEvent {
        uid: "custom@comptoir".into(),
        date: date(2026, 12, 31),
        summary: "é".repeat(80),
        description: String::new(),
    });
    let stamp: jiff::Timestamp = "2026-03-01T08:30:00Z".parse().unwrap();
    let ics = write_calendar("Contrats, échéances", stamp, &events);

    // The wire format itself: CRLF everywhere, no line over 75 octets.
    assert!(ics.ends_with("END:VCALENDAR\r\n"));
    assert!(!ics.replace("\r\n", "").contains('\n'));
    assert!(ics.split("\r\n").all(|l| l.len() <= 75));
    assert!(ics.contains("DTSTART;VALUE=DATE:20261030\r\n"));
    assert!(ics.contains("DTEND;VALUE=DATE:20261031\r\n"));

    let Some(parsed) = parse_back(&ics) else { return };
    assert_eq!(parsed.len(), events.len());
    for (ours, theirs) in events.iter().zip(&parsed) {
        assert_eq!(theirs["uid"], ours.uid.as_str());
        assert_eq!(theirs["start"], ours.date.to_string());
        assert_eq!(theirs["end"], ours.date.tomorrow().unwrap().to_string());
        assert_eq!(theirs["summary"], ours.summary.as_str());
        assert_eq!(theirs["description"], ours.description.as_str());
        assert_eq!(theirs["dtstamp"], "2026-03-01T08:30:00+00:00");
    }
    let uids: Vec<&str> = parsed.iter().map(|e| e["uid"].as_str().unwrap()).collect();
    assert_eq!(
        &uids[..4],
        [
            event_uid(&id, DateKind::TermEnd),
            event_uid(&id, DateKind::LastDay),
            event_uid(&id, DateKind::SendBy(SendingWay::RegisteredLetter)),
            event_uid(&id, DateKind::SendBy(SendingWay::Email)),
        ]
    );
    assert_eq!(parsed[1]["start"], "2026-10-30");
    assert_eq!(parsed[2]["start"], "2026-10-27");
}

// clause: CTR-REMINDERS (a re-import updates rather than duplicates)
#[test]
fn uids_stay_when_the_term_rolls() {
    let terms = ContractTerms::new(TermsDraft {
        start: date(2026, 1, 31),
        term_months: Some(12),
        end: None,
        renewal: Renewal::Tacit { months: 12 },
        notice: Notice::Months(3),
        ways: vec![SendingWay::Email.into()],
    })
    .unwrap();
    let before = contract_events(
        &"c1",
        "X",
        &deadlines(&terms, date(2026, 3, 1), Region::Metropole),
        Lang::En,
    );
    let after = contract_events(
        &"c1",
        "X",
        &deadlines(&terms, date(2027, 3, 1), Region::Metropole),
        Lang::En,
    );
    let uids = |e: &[CalendarEvent]| e.iter().map(|e| e.uid.clone()).collect::<Vec<_>>();
    assert_eq!(uids(&before), uids(&after));
    assert_ne!(before[1].date, after[1].date, "same UID, new date");
}
