//! The iCalendar feed (RFC 5545) of an account's contract deadlines (CTR-REMINDERS).
//!
//! Each deadline is an all-day event whose UID is derived from the contract's id and the kind
//! of date, never from the date itself: when a term rolls over, a calendar application that
//! re-reads the feed moves the event instead of adding a second one.

use crate::deadlines::{Deadlines, Exit};
use crate::terms::SendingWay;
use jiff::Timestamp;
use jiff::civil::Date;
use kernel::Lang;
use std::fmt::Display;

/// The feed's product identifier.
pub const PRODID: &str = "-//Comptoir//Contracts 1.0//FR";

/// Which date of a contract an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateKind {
    /// The current term's end (renewal or end date).
    TermEnd,
    /// The last day a termination must be received.
    LastDay,
    /// The latest day to send by a given way.
    SendBy(SendingWay),
}

impl DateKind {
    fn slug(self) -> String {
        match self {
            DateKind::TermEnd => "term-end".into(),
            DateKind::LastDay => "last-day".into(),
            DateKind::SendBy(way) => format!("send-by-{}", way.code().replace('_', "-")),
        }
    }
}

/// The stable UID of a contract's date: `<contract id>-<kind>@comptoir`.
pub fn event_uid(contract_id: &impl Display, kind: DateKind) -> String {
    format!("{contract_id}-{}@comptoir", kind.slug())
}

/// One all-day event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEvent {
    pub uid: String,
    pub date: Date,
    pub summary: String,
    pub description: String,
}

/// The events of one contract's deadlines: its term's end, the last day to terminate and each
/// send-by date, described in `lang`. `title` names the contract (counterparty, reference).
pub fn contract_events(
    contract_id: &impl Display,
    title: &str,
    deadlines: &Deadlines,
    lang: Lang,
) -> Vec<CalendarEvent> {
    let mut events = Vec::new();
    if let Some(end) = &deadlines.term_end {
        events.push(CalendarEvent {
            uid: event_uid(contract_id, DateKind::TermEnd),
            date: end.date,
            summary: match lang {
                Lang::Fr => format!("Échéance : {title}"),
                Lang::En => format!("Term ends: {title}"),
            },
            description: end.explain(lang),
        });
    }
    if let Exit::Deadline { last_day, send_by, .. } = &deadlines.exit {
        events.push(CalendarEvent {
            uid: event_uid(contract_id, DateKind::LastDay),
            date: last_day.date,
            summary: match lang {
                Lang::Fr => format!("Dernier jour pour résilier : {title}"),
                Lang::En => format!("Last day to terminate: {title}"),
            },
            description: deadlines.explain(lang),
        });
        for w in send_by {
            events.push(CalendarEvent {
                uid: event_uid(contract_id, DateKind::SendBy(w.way)),
                date: w.send_by.date,
                summary: match lang {
                    Lang::Fr => format!("Envoyer la résiliation ({}) : {title}", w.way.label(lang)),
                    Lang::En => format!("Send the termination ({}): {title}", w.way.label(lang)),
                },
                description: w.send_by.explain(lang),
            });
        }
    }
    events
}

/// Escapes a TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' | '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets (RFC 5545 §3.1), never inside a UTF-8 character; each
/// continuation starts with a space, which counts toward its 75. Ends with CRLF.
pub fn fold_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3 + 2);
    let mut used = 0;
    for c in line.chars() {
        if used + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += c.len_utf8();
    }
    out.push_str("\r\n");
    out
}

fn ical_date(date: Date) -> String {
    format!("{:04}{:02}{:02}", date.year(), date.month(), date.day())
}

/// The whole feed: a VCALENDAR named `name`, one VEVENT per event. `dtstamp` is when the feed
/// is produced (an input: domain code never reads the clock).
pub fn write_calendar(name: &str, dtstamp: Timestamp, events: &[CalendarEvent]) -> String {
    let stamp = dtstamp.strftime("%Y%m%dT%H%M%SZ").to_string();
    let mut out = String::new();
    let mut line = |l: String| out.push_str(&fold_line(&l));
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line(format!("PRODID:{PRODID}"));
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:PUBLISH".into());
    line(format!("X-WR-CALNAME:{}", escape_text(name)));
    for e in events {
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}", e.uid));
        line(format!("DTSTAMP:{stamp}"));
        line(format!("DTSTART;VALUE=DATE:{}", ical_date(e.date)));
        // DTEND is exclusive: an all-day event ends the next day.
        line(format!(
            "DTEND;VALUE=DATE:{}",
            ical_date(crate::dates::add_days(e.date, 1))
        ));
        line(format!("SUMMARY:{}", escape_text(&e.summary)));
        line(format!("DESCRIPTION:{}", escape_text(&e.description)));
        line("TRANSP:TRANSPARENT".into());
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_folding() {
        assert_eq!(escape_text("a,b;c\\d\ne\r\nf"), "a\\,b\\;c\\\\d\\ne\\nf");
        let long = format!("DESCRIPTION:{}", "é".repeat(60));
        let folded = fold_line(&long);
        assert!(folded.ends_with("\r\n"));
        for l in folded.trim_end_matches("\r\n").split("\r\n") {
            assert!(l.len() <= 75, "{} octets", l.len());
        }
        assert_eq!(folded.replace("\r\n ", "").trim_end(), long);
    }
}
