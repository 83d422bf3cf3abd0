//! Lengths of time as the terms state them: "3 months", "48 hours", "30 days",
//! "1 calendar month", "15 working days".
//!
//! A month is a calendar month counted by day number, as the Code de procédure civile (art. 641)
//! counts it: 15 March + 1 month is 15 April; 31 January + 1 month is the last day of February.
//! Each date is computed from its own starting point, never by adding one month at a time, so a
//! 31st never drifts to a 28th.

use jiff::civil::Date;
use jiff::{Span, Zoned};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A length of time from the terms, parsed from text such as `"3 months"`.
///
/// `Months` and `CalendarMonths` move a date the same way (same day number, clamped to the
/// month's end). They differ only where the terms speak of a *full* calendar month, as a
/// minimum term does (see [`crate::lifecycle::minimum_term_end`]): "at least one calendar month"
/// means one whole month from the 1st to its last day.
///
/// It serializes as the same text it is parsed from (`"3 months"`), so the API shows what the
/// offer file says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Delay {
    Hours(u32),
    Days(u32),
    /// Monday to Friday minus public holidays. Billing keeps it as data: counting it needs the
    /// holiday calendar, which the application layer owns.
    WorkingDays(u32),
    Months(u32),
    CalendarMonths(u32),
    Years(u32),
}

/// Why a text is not a length of time, or why a length cannot be applied to a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DelayError {
    #[error(
        "`{0}` is not a length of time: write a number and a unit, such as \"48 hours\", \"30 days\", \
         \"15 working days\", \"3 months\", \"1 calendar month\" or \"2 years\""
    )]
    Syntax(String),
    #[error("`{0}` counts hours, which a calendar date cannot hold; use an instant")]
    NotInDays(Delay),
    #[error("`{0}` counts working days, which need the public-holiday calendar")]
    NeedsWorkingDayCalendar(Delay),
    #[error("the date is out of the supported range")]
    OutOfRange,
}

impl Delay {
    /// Parses `"<number> <unit>"`; units in English, singular or plural, any case.
    pub fn parse(text: &str) -> Result<Delay, DelayError> {
        let syntax = || DelayError::Syntax(text.trim().to_owned());
        let lower = text.trim().to_ascii_lowercase();
        let mut words = lower.split_whitespace();
        let count: u32 = words.next().and_then(|n| n.parse().ok()).ok_or_else(syntax)?;
        let unit: Vec<&str> = words.collect();
        let unit = unit.join(" ");
        let delay = match unit.as_str() {
            "hour" | "hours" => Delay::Hours(count),
            "day" | "days" => Delay::Days(count),
            "working day" | "working days" => Delay::WorkingDays(count),
            "month" | "months" => Delay::Months(count),
            "calendar month" | "calendar months" => Delay::CalendarMonths(count),
            "year" | "years" => Delay::Years(count),
            _ => return Err(syntax()),
        };
        Ok(delay)
    }

    /// The number of units.
    pub fn count(self) -> u32 {
        match self {
            Delay::Hours(n)
            | Delay::Days(n)
            | Delay::WorkingDays(n)
            | Delay::Months(n)
            | Delay::CalendarMonths(n)
            | Delay::Years(n) => n,
        }
    }

    pub fn is_zero(self) -> bool {
        self.count() == 0
    }

    /// Whether this length is counted in months or years (moves the day number) rather than in
    /// days or hours.
    pub fn is_monthly(self) -> bool {
        matches!(self, Delay::Months(_) | Delay::CalendarMonths(_) | Delay::Years(_))
    }

    /// A rough length in hours, only to compare two lengths stated in different units (is a
    /// warning before the closure it announces?). A month counts 28 days and a year 365, the
    /// shortest they can be, so "1 month" is never taken as longer than "30 days" by mistake.
    pub fn shortest_hours(self) -> u64 {
        let n = u64::from(self.count());
        match self {
            Delay::Hours(_) => n,
            Delay::Days(_) | Delay::WorkingDays(_) => n * 24,
            Delay::Months(_) | Delay::CalendarMonths(_) => n * 28 * 24,
            Delay::Years(_) => n * 365 * 24,
        }
    }

    fn calendar_span(self) -> Result<Span, DelayError> {
        let n = i64::from(self.count());
        let span = match self {
            Delay::Days(_) => Span::new().try_days(n),
            Delay::Months(_) | Delay::CalendarMonths(_) => Span::new().try_months(n),
            Delay::Years(_) => Span::new().try_years(n),
            Delay::Hours(_) => return Err(DelayError::NotInDays(self)),
            Delay::WorkingDays(_) => return Err(DelayError::NeedsWorkingDayCalendar(self)),
        };
        span.map_err(|_| DelayError::OutOfRange)
    }

    /// The date this length after `date` (15 March + 3 months = 15 June; 31 January + 1 month =
    /// 28 or 29 February).
    pub fn after(self, date: Date) -> Result<Date, DelayError> {
        date.checked_add(self.calendar_span()?)
            .map_err(|_| DelayError::OutOfRange)
    }

    /// The date this length before `date` (15 March 2028 − 3 months = 15 December 2027).
    pub fn before(self, date: Date) -> Result<Date, DelayError> {
        date.checked_sub(self.calendar_span()?)
            .map_err(|_| DelayError::OutOfRange)
    }

    fn zoned_span(self) -> Result<Span, DelayError> {
        match self {
            Delay::Hours(n) => Span::new().try_hours(i64::from(n)).map_err(|_| DelayError::OutOfRange),
            _ => self.calendar_span(),
        }
    }

    /// The instant this length after `at`. Hours are exact elapsed hours; days and months are
    /// calendar days and months at the same wall-clock time (a day across a DST change is 23
    /// or 25 hours).
    pub fn after_instant(self, at: &Zoned) -> Result<Zoned, DelayError> {
        at.checked_add(self.zoned_span()?).map_err(|_| DelayError::OutOfRange)
    }

    /// The instant this length before `at` (48 hours before a renewal at midnight).
    pub fn before_instant(self, at: &Zoned) -> Result<Zoned, DelayError> {
        at.checked_sub(self.zoned_span()?).map_err(|_| DelayError::OutOfRange)
    }
}

impl From<Delay> for String {
    fn from(delay: Delay) -> String {
        delay.to_string()
    }
}

impl TryFrom<String> for Delay {
    type Error = DelayError;
    fn try_from(text: String) -> Result<Delay, DelayError> {
        Delay::parse(&text)
    }
}

impl fmt::Display for Delay {
    /// The same text the parser reads: `3 months`, `1 calendar month`, `48 hours`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.count();
        let plural = if n == 1 { "" } else { "s" };
        let unit = match self {
            Delay::Hours(_) => "hour",
            Delay::Days(_) => "day",
            Delay::WorkingDays(_) => "working day",
            Delay::Months(_) => "month",
            Delay::CalendarMonths(_) => "calendar month",
            Delay::Years(_) => "year",
        };
        write!(f, "{n} {unit}{plural}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use jiff::tz::TimeZone;

    #[test]
    fn parses_the_units_of_the_terms() {
        assert_eq!(Delay::parse("3 months"), Ok(Delay::Months(3)));
        assert_eq!(Delay::parse("48 hours"), Ok(Delay::Hours(48)));
        assert_eq!(Delay::parse("30 days"), Ok(Delay::Days(30)));
        assert_eq!(Delay::parse("1 Calendar Month"), Ok(Delay::CalendarMonths(1)));
        assert_eq!(Delay::parse("15  working days"), Ok(Delay::WorkingDays(15)));
        assert_eq!(Delay::parse("1 day"), Ok(Delay::Days(1)));
        assert_eq!(Delay::parse("24 months"), Ok(Delay::Months(24)));
        assert_eq!(Delay::parse("2 years"), Ok(Delay::Years(2)));
        for bad in ["", "months", "3", "three months", "3 fortnights", "-3 days", "3.5 days"] {
            assert!(matches!(Delay::parse(bad), Err(DelayError::Syntax(_))), "{bad}");
        }
    }

    #[test]
    fn displays_as_it_parses() {
        for text in [
            "3 months",
            "1 calendar month",
            "48 hours",
            "1 day",
            "15 working days",
            "2 years",
        ] {
            assert_eq!(Delay::parse(text).expect("valid").to_string(), text);
        }
    }

    #[test]
    fn serializes_as_its_text() {
        let value = toml::Value::try_from(Delay::CalendarMonths(1)).expect("serializable");
        assert_eq!(value, toml::Value::String("1 calendar month".to_owned()));
        let back: Delay = value.try_into().expect("deserializable");
        assert_eq!(back, Delay::CalendarMonths(1));
        let bad: Result<Delay, _> = toml::Value::String("soon".to_owned()).try_into();
        assert!(bad.is_err());
    }

    #[test]
    fn months_clamp_to_the_end_of_the_month() {
        assert_eq!(Delay::Months(1).after(date(2026, 1, 31)), Ok(date(2026, 2, 28)));
        assert_eq!(Delay::Months(1).after(date(2028, 1, 31)), Ok(date(2028, 2, 29)));
        assert_eq!(Delay::Months(3).before(date(2028, 3, 15)), Ok(date(2027, 12, 15)));
        assert_eq!(Delay::Years(1).after(date(2028, 2, 29)), Ok(date(2029, 2, 28)));
        assert_eq!(Delay::CalendarMonths(1).after(date(2026, 3, 17)), Ok(date(2026, 4, 17)));
        assert_eq!(
            Delay::Hours(48).after(date(2026, 1, 1)),
            Err(DelayError::NotInDays(Delay::Hours(48)))
        );
        assert!(matches!(
            Delay::WorkingDays(15).after(date(2026, 1, 1)),
            Err(DelayError::NeedsWorkingDayCalendar(_))
        ));
    }

    #[test]
    fn hours_are_exact_across_a_dst_change() {
        let paris = TimeZone::get("Europe/Paris").expect("tzdb bundled");
        // Clocks go forward on 29 March 2026 at 02:00: 48 hours before 31 March 00:00 is
        // 29 March 00:00 minus one hour of wall clock, that is 28 March 23:00.
        let renewal = date(2026, 3, 31).to_zoned(paris).expect("valid");
        let deadline = Delay::Hours(48).before_instant(&renewal).expect("in range");
        assert_eq!(deadline.datetime(), date(2026, 3, 28).at(23, 0, 0, 0));
    }
}
