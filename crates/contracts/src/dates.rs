//! Calendar arithmetic and date wording shared by the module.
//!
//! Months are counted as the Code de procédure civile (art. 641) counts them: the same day
//! number in the target month, or that month's last day when the day does not exist. Callers
//! always add a *total* number of months to one anchor date (start + n × term), never one
//! period at a time: chaining would drift (31 Jan → 28 Feb → 28 Mar instead of 31 Mar).

use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use kernel::Lang;

/// The number of days in `month` (1–12) of `year` in the proleptic Gregorian calendar.
pub fn days_in_month(year: i16, month: i8) -> i8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 31,
    }
}

pub fn is_leap_year(year: i16) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// `date` plus `months` calendar months (negative to go back), clamped to the target month's
/// last day (CPC 641): 31 January + 1 month = 28 or 29 February, 31 October − 1 month =
/// 30 September. Saturates at the ends of the supported calendar (years −9999 to 9999).
pub fn add_months(date: Date, months: i32) -> Date {
    let index = i64::from(date.year()) * 12 + i64::from(date.month() - 1) + i64::from(months);
    let year = index.div_euclid(12);
    let Ok(year) = i16::try_from(year) else {
        return if months < 0 { Date::MIN } else { Date::MAX };
    };
    // rem_euclid(12) is 0..=11, so the month fits an i8.
    let month = (index.rem_euclid(12) + 1) as i8;
    let day = date.day().min(days_in_month(year, month));
    Date::new(year, month, day).unwrap_or(if months < 0 { Date::MIN } else { Date::MAX })
}

/// `date` plus `days` calendar days, saturating at the ends of the supported calendar.
pub fn add_days(date: Date, days: i32) -> Date {
    date.saturating_add(i64::from(days).days())
}

/// Whole days from `from` to `to` (negative when `to` is earlier).
pub fn days_between(from: Date, to: Date) -> i32 {
    from.until(to).map(|span| span.get_days()).unwrap_or(0)
}

/// The Monday of the ISO week `date` belongs to.
pub fn week_start(date: Date) -> Date {
    add_days(date, -i32::from(date.weekday().to_monday_zero_offset()))
}

const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A weekday's name as it appears inside a sentence (`samedi`, `Saturday`).
pub fn weekday_name(weekday: Weekday, lang: Lang) -> &'static str {
    let index = usize::from(weekday.to_monday_zero_offset().unsigned_abs());
    match lang {
        Lang::Fr => ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"][index],
        Lang::En => [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ][index],
    }
}

/// A date written out: `31 janvier 2027` (with `1er` for the first, as French usage has it),
/// `31 January 2027`.
pub fn format_date(date: Date, lang: Lang) -> String {
    let month_index = usize::from((date.month() - 1).unsigned_abs());
    match lang {
        Lang::Fr => {
            let day = if date.day() == 1 {
                "1er".to_string()
            } else {
                date.day().to_string()
            };
            format!("{day} {} {}", MONTHS_FR[month_index], date.year())
        }
        Lang::En => format!("{} {} {}", date.day(), MONTHS_EN[month_index], date.year()),
    }
}

/// A date with its weekday: `vendredi 30 octobre 2026`, `Friday 30 October 2026`.
pub fn format_date_long(date: Date, lang: Lang) -> String {
    format!("{} {}", weekday_name(date.weekday(), lang), format_date(date, lang))
}

/// `3 mois`, `1 jour`, `90 days`: a count with its unit, singular or plural.
pub(crate) fn count_unit(count: u32, unit: Unit, lang: Lang) -> String {
    let word = match (unit, lang, count > 1) {
        (Unit::Month, Lang::Fr, _) => "mois",
        (Unit::Month, Lang::En, false) => "month",
        (Unit::Month, Lang::En, true) => "months",
        (Unit::Day, Lang::Fr, false) => "jour",
        (Unit::Day, Lang::Fr, true) => "jours",
        (Unit::Day, Lang::En, false) => "day",
        (Unit::Day, Lang::En, true) => "days",
        (Unit::WorkingDay, Lang::Fr, false) => "jour ouvré",
        (Unit::WorkingDay, Lang::Fr, true) => "jours ouvrés",
        (Unit::WorkingDay, Lang::En, false) => "working day",
        (Unit::WorkingDay, Lang::En, true) => "working days",
    };
    format!("{count} {word}")
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Unit {
    Month,
    Day,
    WorkingDay,
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn month_end_clamps_from_the_anchor() {
        let start = date(2026, 1, 31);
        assert_eq!(add_months(start, 1), date(2026, 2, 28));
        assert_eq!(add_months(start, 2), date(2026, 3, 31));
        assert_eq!(add_months(start, 13), date(2027, 2, 28));
        assert_eq!(add_months(date(2027, 1, 31), 1), date(2027, 2, 28));
        assert_eq!(add_months(date(2028, 1, 31), 1), date(2028, 2, 29));
        assert_eq!(add_months(date(2027, 1, 31), -3), date(2026, 10, 31));
        assert_eq!(add_months(date(2026, 12, 31), -1), date(2026, 11, 30));
        assert_eq!(add_months(date(2026, 3, 15), -15), date(2024, 12, 15));
    }

    #[test]
    fn dates_are_written_out() {
        assert_eq!(format_date(date(2027, 1, 31), Lang::Fr), "31 janvier 2027");
        assert_eq!(format_date(date(2027, 3, 1), Lang::Fr), "1er mars 2027");
        assert_eq!(
            format_date_long(date(2026, 10, 30), Lang::Fr),
            "vendredi 30 octobre 2026"
        );
        assert_eq!(format_date_long(date(2026, 10, 30), Lang::En), "Friday 30 October 2026");
        assert_eq!(week_start(date(2026, 11, 1)), date(2026, 10, 26));
        assert_eq!(week_start(date(2026, 10, 26)), date(2026, 10, 26));
        assert_eq!(days_between(date(2026, 1, 1), date(2026, 3, 1)), 59);
    }
}
