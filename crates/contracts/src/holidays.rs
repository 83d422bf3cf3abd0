//! French public holidays and working days.
//!
//! Holidays are computed, not looked up: fixed days plus the three that follow Easter (Easter
//! Monday, Ascension, Whit Monday), Easter itself from the Gregorian computus. Alsace-Moselle
//! (Bas-Rhin, Haut-Rhin, Moselle) keeps two more under its local law: Good Friday and
//! 26 December. A working day is Monday to Friday minus these holidays, as `clauses.md` counts
//! working days.

use crate::dates::add_days;
use jiff::civil::{Date, Weekday};
use kernel::Lang;
use serde::{Deserialize, Serialize};

/// Which holiday calendar applies: the account's setting (CTR-DEADLINE's Alsace-Moselle option).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Region {
    /// Metropolitan France outside Alsace-Moselle.
    #[default]
    Metropole,
    /// Bas-Rhin, Haut-Rhin and Moselle: adds Good Friday and 26 December.
    AlsaceMoselle,
}

impl Region {
    pub fn code(self) -> &'static str {
        match self {
            Region::Metropole => "metropole",
            Region::AlsaceMoselle => "alsace_moselle",
        }
    }

    pub fn from_code(code: &str) -> Option<Region> {
        match code.trim() {
            "metropole" => Some(Region::Metropole),
            "alsace_moselle" => Some(Region::AlsaceMoselle),
            _ => None,
        }
    }
}

/// A French public holiday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Holiday {
    NewYear,
    /// Alsace-Moselle only.
    GoodFriday,
    EasterMonday,
    LabourDay,
    VictoryDay,
    Ascension,
    WhitMonday,
    BastilleDay,
    Assumption,
    AllSaints,
    Armistice,
    Christmas,
    /// 26 December, Alsace-Moselle only.
    SaintStephen,
}

impl Holiday {
    /// The holiday's usual name (`Assomption`, `Assumption Day`).
    pub fn name(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Holiday::NewYear, Lang::Fr) => "Jour de l'an",
            (Holiday::NewYear, Lang::En) => "New Year's Day",
            (Holiday::GoodFriday, Lang::Fr) => "Vendredi saint",
            (Holiday::GoodFriday, Lang::En) => "Good Friday",
            (Holiday::EasterMonday, Lang::Fr) => "lundi de Pâques",
            (Holiday::EasterMonday, Lang::En) => "Easter Monday",
            (Holiday::LabourDay, Lang::Fr) => "fête du Travail",
            (Holiday::LabourDay, Lang::En) => "Labour Day",
            (Holiday::VictoryDay, Lang::Fr) => "Victoire 1945",
            (Holiday::VictoryDay, Lang::En) => "Victory in Europe Day",
            (Holiday::Ascension, Lang::Fr) => "Ascension",
            (Holiday::Ascension, Lang::En) => "Ascension Day",
            (Holiday::WhitMonday, Lang::Fr) => "lundi de Pentecôte",
            (Holiday::WhitMonday, Lang::En) => "Whit Monday",
            (Holiday::BastilleDay, Lang::Fr) => "fête nationale",
            (Holiday::BastilleDay, Lang::En) => "Bastille Day",
            (Holiday::Assumption, Lang::Fr) => "Assomption",
            (Holiday::Assumption, Lang::En) => "Assumption Day",
            (Holiday::AllSaints, Lang::Fr) => "Toussaint",
            (Holiday::AllSaints, Lang::En) => "All Saints' Day",
            (Holiday::Armistice, Lang::Fr) => "Armistice 1918",
            (Holiday::Armistice, Lang::En) => "Armistice Day",
            (Holiday::Christmas, Lang::Fr) => "Noël",
            (Holiday::Christmas, Lang::En) => "Christmas Day",
            (Holiday::SaintStephen, Lang::Fr) => "Saint-Étienne",
            (Holiday::SaintStephen, Lang::En) => "St Stephen's Day",
        }
    }
}

/// Easter Sunday of `year` (Gregorian calendar), by the anonymous Gregorian computus
/// (Meeus/Jones/Butcher), valid for every Gregorian year.
pub fn easter_sunday(year: i16) -> Date {
    let y = i32::from(year);
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c.div_euclid(4);
    let k = c.rem_euclid(4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let month = (h + l - 7 * m + 114).div_euclid(31);
    let day = (h + l - 7 * m + 114).rem_euclid(31) + 1;
    // month is 3 or 4 and day 1..=31 by construction of the algorithm.
    Date::new(year, month as i8, day as i8).unwrap_or(Date::MIN)
}

/// The public holidays of `year` in `region`, in date order.
///
/// Whit Monday is left out in 2005–2007: the law of 30 June 2004 (journée de solidarité) made
/// it a worked day by default until the law of 16 April 2008 let each employer choose another
/// day. The independent oracle used in the tests (PyPI `holidays`) counts it the same way.
pub fn public_holidays(year: i16, region: Region) -> Vec<(Date, Holiday)> {
    let easter = easter_sunday(year);
    let fixed = |month: i8, day: i8| Date::new(year, month, day).unwrap_or(Date::MIN);
    let mut days = vec![
        (fixed(1, 1), Holiday::NewYear),
        (add_days(easter, 1), Holiday::EasterMonday),
        (fixed(5, 1), Holiday::LabourDay),
        (fixed(5, 8), Holiday::VictoryDay),
        (add_days(easter, 39), Holiday::Ascension),
        (fixed(7, 14), Holiday::BastilleDay),
        (fixed(8, 15), Holiday::Assumption),
        (fixed(11, 1), Holiday::AllSaints),
        (fixed(11, 11), Holiday::Armistice),
        (fixed(12, 25), Holiday::Christmas),
    ];
    if !(2005..=2007).contains(&year) {
        days.push((add_days(easter, 50), Holiday::WhitMonday));
    }
    if region == Region::AlsaceMoselle {
        days.push((add_days(easter, -2), Holiday::GoodFriday));
        days.push((fixed(12, 26), Holiday::SaintStephen));
    }
    // Ascension can fall on 1 or 8 May: both stay listed, sorted by date.
    days.sort_by_key(|(date, _)| *date);
    days
}

/// The holiday `date` is, if any. Computed without building the year's list, since deadline
/// searches call this on many dates.
pub fn holiday_on(date: Date, region: Region) -> Option<Holiday> {
    let fixed = match (date.month(), date.day()) {
        (1, 1) => Some(Holiday::NewYear),
        (5, 1) => Some(Holiday::LabourDay),
        (5, 8) => Some(Holiday::VictoryDay),
        (7, 14) => Some(Holiday::BastilleDay),
        (8, 15) => Some(Holiday::Assumption),
        (11, 1) => Some(Holiday::AllSaints),
        (11, 11) => Some(Holiday::Armistice),
        (12, 25) => Some(Holiday::Christmas),
        (12, 26) if region == Region::AlsaceMoselle => Some(Holiday::SaintStephen),
        _ => None,
    };
    if fixed.is_some() {
        return fixed;
    }
    // Movable feasts fall between 20 March (Good Friday) and 14 June (Whit Monday).
    if !(3..=6).contains(&date.month()) {
        return None;
    }
    let easter = easter_sunday(date.year());
    match crate::dates::days_between(easter, date) {
        -2 if region == Region::AlsaceMoselle => Some(Holiday::GoodFriday),
        1 => Some(Holiday::EasterMonday),
        39 => Some(Holiday::Ascension),
        50 if !(2005..=2007).contains(&date.year()) => Some(Holiday::WhitMonday),
        _ => None,
    }
}

pub fn is_public_holiday(date: Date, region: Region) -> bool {
    holiday_on(date, region).is_some()
}

/// Why a day is not a working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "holiday")]
pub enum NonWorking {
    Saturday,
    Sunday,
    Holiday(Holiday),
}

impl NonWorking {
    /// `un samedi`, `jour férié (Assomption)`, `a Saturday`, `a public holiday (Assumption Day)`.
    pub fn describe(self, lang: Lang) -> String {
        match (self, lang) {
            (NonWorking::Saturday, Lang::Fr) => "un samedi".into(),
            (NonWorking::Sunday, Lang::Fr) => "un dimanche".into(),
            (NonWorking::Saturday, Lang::En) => "a Saturday".into(),
            (NonWorking::Sunday, Lang::En) => "a Sunday".into(),
            (NonWorking::Holiday(h), Lang::Fr) => format!("jour férié ({})", h.name(lang)),
            (NonWorking::Holiday(h), Lang::En) => format!("a public holiday ({})", h.name(lang)),
        }
    }
}

/// Why `date` is not a working day, or `None` when it is one. A holiday that falls on a
/// weekend is named as the holiday: it says more to the reader.
pub fn non_working_reason(date: Date, region: Region) -> Option<NonWorking> {
    if let Some(h) = holiday_on(date, region) {
        return Some(NonWorking::Holiday(h));
    }
    match date.weekday() {
        Weekday::Saturday => Some(NonWorking::Saturday),
        Weekday::Sunday => Some(NonWorking::Sunday),
        _ => None,
    }
}

/// Monday to Friday, and not a public holiday of `region`.
pub fn is_working_day(date: Date, region: Region) -> bool {
    !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) && !is_public_holiday(date, region)
}

/// The last working day strictly before `date`.
pub fn previous_working_day(date: Date, region: Region) -> Date {
    working_day_on_or_before(add_days(date, -1), region)
}

/// The first working day strictly after `date`.
pub fn next_working_day(date: Date, region: Region) -> Date {
    working_day_on_or_after(add_days(date, 1), region)
}

/// `date` itself when it is a working day, else the last working day before it. This is how
/// a deadline to act by moves: earlier, never later (CPC 642 does not extend a notice).
pub fn working_day_on_or_before(date: Date, region: Region) -> Date {
    let mut day = date;
    // A run of non-working days is at most four long (e.g. Saturday to Tuesday around a
    // holiday bridge), so this loop is short; the bound guards the calendar's edge.
    for _ in 0..16 {
        if is_working_day(day, region) || day == Date::MIN {
            return day;
        }
        day = add_days(day, -1);
    }
    day
}

/// `date` itself when it is a working day, else the first working day after it.
pub fn working_day_on_or_after(date: Date, region: Region) -> Date {
    let mut day = date;
    for _ in 0..16 {
        if is_working_day(day, region) || day == Date::MAX {
            return day;
        }
        day = add_days(day, 1);
    }
    day
}

/// `date` moved by `n` working days: forward when positive, backward when negative. The start
/// day itself is not counted, so +1 from a Friday is the next Monday (or Tuesday after a
/// holiday Monday); `n = 0` returns `date` unchanged, working day or not.
pub fn add_working_days(date: Date, n: i32, region: Region) -> Date {
    let mut day = date;
    let step = if n < 0 { -1 } else { 1 };
    for _ in 0..n.unsigned_abs() {
        day = if step < 0 {
            previous_working_day(day, region)
        } else {
            next_working_day(day, region)
        };
    }
    day
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn easter_known_years() {
        assert_eq!(easter_sunday(2024), date(2024, 3, 31));
        assert_eq!(easter_sunday(2025), date(2025, 4, 20));
        assert_eq!(easter_sunday(2026), date(2026, 4, 5));
        assert_eq!(easter_sunday(2038), date(2038, 4, 25));
        assert_eq!(easter_sunday(2285), date(2285, 3, 22));
    }

    #[test]
    fn holiday_on_agrees_with_the_year_list() {
        for year in 1990..2110 {
            for region in [Region::Metropole, Region::AlsaceMoselle] {
                let list = public_holidays(year, region);
                let mut day = date(year, 1, 1);
                while day.year() == year {
                    let listed = list.iter().find(|(d, _)| *d == day).map(|(_, h)| *h);
                    assert_eq!(holiday_on(day, region).is_some(), listed.is_some(), "{day} {region:?}");
                    day = add_days(day, 1);
                }
            }
        }
    }

    #[test]
    fn working_day_steps() {
        let r = Region::Metropole;
        // Friday 3 April 2026, Easter Monday 6 April.
        assert_eq!(add_working_days(date(2026, 4, 3), 1, r), date(2026, 4, 7));
        assert_eq!(add_working_days(date(2026, 4, 7), -1, r), date(2026, 4, 3));
        assert_eq!(add_working_days(date(2026, 10, 30), -3, r), date(2026, 10, 27));
        assert_eq!(previous_working_day(date(2026, 11, 2), r), date(2026, 10, 30));
        assert_eq!(add_working_days(date(2026, 4, 4), 0, r), date(2026, 4, 4));
        // Good Friday is worked outside Alsace-Moselle.
        assert!(is_working_day(date(2026, 4, 3), r));
        assert!(!is_working_day(date(2026, 4, 3), Region::AlsaceMoselle));
    }
}
