//! Billing periods: which days each invoice covers, and what share of a price a part of a
//! period costs.
//!
//! Two ways of cutting time, as the offers state them ([`BillingAnchor`]):
//! - **anniversary**: periods start on the day the subscription started, every month, quarter or
//!   year. Every boundary is computed from that first day (start + n months), never from the
//!   previous boundary, so a subscription started on 31 January is billed on 31 January,
//!   28 February (29 in leap years), 31 March, 30 April… (OSX-ANNIVERSARY);
//! - **calendar**: periods follow calendar months (or quarters, or years). A subscription that
//!   starts mid-month first pays the rest of that month pro rata, then whole months
//!   (CLX-PRORATA).
//!
//! Every period is half-open: `start` is its first day, `end` the first day of the next period.
//! Consecutive periods therefore share a date and never overlap or leave a gap.

use crate::money::Cents;
use jiff::Span;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How often a plan is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BillingPeriod {
    Monthly,
    Quarterly,
    Annual,
}

impl BillingPeriod {
    pub const ALL: [BillingPeriod; 3] = [BillingPeriod::Monthly, BillingPeriod::Quarterly, BillingPeriod::Annual];

    /// The period's length in months.
    pub const fn months(self) -> u32 {
        match self {
            BillingPeriod::Monthly => 1,
            BillingPeriod::Quarterly => 3,
            BillingPeriod::Annual => 12,
        }
    }

    /// The word the offer files use: `monthly`, `quarterly`, `annual`.
    pub const fn as_str(self) -> &'static str {
        match self {
            BillingPeriod::Monthly => "monthly",
            BillingPeriod::Quarterly => "quarterly",
            BillingPeriod::Annual => "annual",
        }
    }
}

impl fmt::Display for BillingPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where billing periods start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BillingAnchor {
    /// On calendar boundaries (the 1st of a month, of a quarter, 1 January); the first period
    /// runs pro rata from the start date to the first boundary.
    Calendar,
    /// On the start date's day number, clamped to the end of shorter months.
    Anniversary,
}

/// Why a period computation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("the date is out of the supported range")]
    OutOfRange,
    #[error("{date} is before the schedule starts ({start})")]
    BeforeStart { date: Date, start: Date },
    #[error("{date} is not within the period {period}")]
    DateOutsidePeriod { date: Date, period: Period },
    #[error("a period must end after it starts ({start} to {end})")]
    Empty { start: Date, end: Date },
}

/// A half-open range of days: from `start` (included) to `end` (excluded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Period {
    pub start: Date,
    pub end: Date,
}

impl Period {
    pub fn new(start: Date, end: Date) -> Result<Period, PeriodError> {
        if start < end {
            Ok(Period { start, end })
        } else {
            Err(PeriodError::Empty { start, end })
        }
    }

    /// The number of days covered.
    pub fn days(&self) -> i64 {
        days_between(self.start, self.end)
    }

    /// The last day covered (the day before `end`).
    pub fn last_day(&self) -> Date {
        // `end` is after `start`, so it always has a previous day.
        self.end.yesterday().unwrap_or(self.start)
    }

    pub fn contains(&self, date: Date) -> bool {
        self.start <= date && date < self.end
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} to {}", self.start, self.last_day())
    }
}

/// The number of days from `from` to `to` (negative when `to` is earlier).
pub fn days_between(from: Date, to: Date) -> i64 {
    // Civil dates have no time zone, so every day is exactly 86,400 seconds here.
    from.duration_until(to).as_secs() / 86_400
}

fn add_months(date: Date, months: i64) -> Result<Date, PeriodError> {
    let span = Span::new().try_months(months).map_err(|_| PeriodError::OutOfRange)?;
    date.checked_add(span).map_err(|_| PeriodError::OutOfRange)
}

/// One period of a schedule: the days it bills, and the full period its price is stated for.
///
/// They differ only for the first period of a calendar schedule that starts mid-month: from
/// 17 March the first period is 17–31 March and its nominal period is 1–31 March, so it costs
/// 15/31 of the monthly price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BilledPeriod {
    /// 0 for the first period.
    pub index: u32,
    pub dates: Period,
    pub nominal: Period,
}

impl BilledPeriod {
    pub fn is_partial(&self) -> bool {
        self.dates != self.nominal
    }

    /// What this period costs for a price stated per full period, rounded half up to the cent.
    pub fn charge(&self, full_price: Cents) -> Cents {
        if self.is_partial() {
            full_price.prorate(self.dates.days(), self.nominal.days())
        } else {
            full_price
        }
    }
}

/// The billing periods of one subscription, from the day billing starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Schedule {
    start: Date,
    period: BillingPeriod,
    anchor: BillingAnchor,
}

impl Schedule {
    pub fn new(start: Date, period: BillingPeriod, anchor: BillingAnchor) -> Schedule {
        Schedule { start, period, anchor }
    }

    pub fn start(&self) -> Date {
        self.start
    }

    pub fn period(&self) -> BillingPeriod {
        self.period
    }

    pub fn anchor(&self) -> BillingAnchor {
        self.anchor
    }

    fn months(&self) -> i64 {
        i64::from(self.period.months())
    }

    /// The first calendar boundary on or after the start: the 1st of a month for monthly
    /// periods, of January/April/July/October for quarterly ones, 1 January for annual ones.
    fn first_calendar_boundary(&self) -> Result<Date, PeriodError> {
        let step = self.months();
        // The grid start at or before the start date: the 1st of the month, moved back to the
        // first month of its quarter or year.
        let month_index = i64::from(self.start.month() - 1);
        let grid = add_months(self.start.first_of_month(), -(month_index % step))?;
        if grid == self.start {
            Ok(grid)
        } else {
            add_months(grid, step)
        }
    }

    /// The `n`-th boundary: `boundary(0)` is the start, `boundary(n)` the end of period `n - 1`.
    pub fn boundary(&self, n: u32) -> Result<Date, PeriodError> {
        if n == 0 {
            return Ok(self.start);
        }
        let n = i64::from(n);
        match self.anchor {
            BillingAnchor::Anniversary => add_months(self.start, n * self.months()),
            BillingAnchor::Calendar => {
                let first = self.first_calendar_boundary()?;
                if first == self.start {
                    add_months(self.start, n * self.months())
                } else {
                    add_months(first, (n - 1) * self.months())
                }
            }
        }
    }

    /// Period number `index` (0 is the first).
    pub fn billed_period(&self, index: u32) -> Result<BilledPeriod, PeriodError> {
        let start = self.boundary(index)?;
        let end = self.boundary(index.checked_add(1).ok_or(PeriodError::OutOfRange)?)?;
        let dates = Period::new(start, end)?;
        let cut_short =
            index == 0 && self.anchor == BillingAnchor::Calendar && self.first_calendar_boundary()? != start;
        let nominal = if cut_short {
            // The first calendar period is cut short: its price is stated for the whole
            // calendar period that ends at the same boundary.
            Period::new(add_months(end, -self.months())?, end)?
        } else {
            dates
        };
        Ok(BilledPeriod { index, dates, nominal })
    }

    /// The period that contains `date`.
    pub fn period_containing(&self, date: Date) -> Result<BilledPeriod, PeriodError> {
        if date < self.start {
            return Err(PeriodError::BeforeStart {
                date,
                start: self.start,
            });
        }
        // Guess from the month difference, then step: at most a couple of steps either way.
        let months_apart =
            (i64::from(date.year()) - i64::from(self.start.year())) * 12 + i64::from(date.month() - self.start.month());
        let guess = (months_apart / self.months()).max(0);
        let mut index = u32::try_from(guess).map_err(|_| PeriodError::OutOfRange)?;
        while index > 0 && self.boundary(index)? > date {
            index -= 1;
        }
        while self.boundary(index + 1)? <= date {
            index += 1;
        }
        self.billed_period(index)
    }

    /// The first boundary strictly after `date` (the next renewal date), with its index.
    pub fn next_boundary_after(&self, date: Date) -> Result<(u32, Date), PeriodError> {
        if date < self.start {
            return Ok((0, self.start));
        }
        let current = self.period_containing(date)?;
        Ok((current.index + 1, current.dates.end))
    }

    /// The first boundary on or after `date`.
    pub fn boundary_on_or_after(&self, date: Date) -> Result<(u32, Date), PeriodError> {
        if date <= self.start {
            return Ok((0, self.start));
        }
        let current = self.period_containing(date)?;
        if current.dates.start == date {
            Ok((current.index, date))
        } else {
            Ok((current.index + 1, current.dates.end))
        }
    }

    /// The periods in order, without end (it stops only at the end of the supported dates).
    pub fn iter(&self) -> impl Iterator<Item = BilledPeriod> + '_ {
        (0..=u32::MAX).map_while(move |i| self.billed_period(i).ok())
    }
}

/// What a change of plan within a period costs: the unused days of the old plan are credited,
/// the remaining days of the new plan charged, each by the fraction of days and rounded half up
/// to the cent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanChangeProration {
    /// Days from the change (included) to the end of the period.
    pub remaining_days: i64,
    /// Days of the full period the prices are stated for.
    pub period_days: i64,
    /// The unused part of the old plan, given back (a positive amount to credit).
    pub credit: Cents,
    /// The remaining part of the new plan, to charge.
    pub charge: Cents,
}

impl PlanChangeProration {
    /// Charge minus credit: positive for an upgrade, negative (a credit) for a downgrade.
    pub fn net(&self) -> Cents {
        self.charge - self.credit
    }
}

/// Prorates a change from `old_price` to `new_price` (both per full period) taking effect on
/// `change_on`, within `period` (already billed at the old price).
pub fn prorate_plan_change(
    period: &BilledPeriod,
    change_on: Date,
    old_price: Cents,
    new_price: Cents,
) -> Result<PlanChangeProration, PeriodError> {
    if !period.dates.contains(change_on) {
        return Err(PeriodError::DateOutsidePeriod {
            date: change_on,
            period: period.dates,
        });
    }
    let remaining_days = days_between(change_on, period.dates.end);
    let period_days = period.nominal.days();
    Ok(PlanChangeProration {
        remaining_days,
        period_days,
        credit: old_price.prorate(remaining_days, period_days),
        charge: new_price.prorate(remaining_days, period_days),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn starts(schedule: &Schedule, count: u32) -> Vec<Date> {
        (0..count).map(|i| schedule.boundary(i).expect("in range")).collect()
    }

    #[test]
    fn anniversary_periods_clamp_to_month_end_without_drifting() {
        // clause: OSX-ANNIVERSARY
        let schedule = Schedule::new(date(2026, 1, 31), BillingPeriod::Monthly, BillingAnchor::Anniversary);
        assert_eq!(
            starts(&schedule, 5),
            vec![
                date(2026, 1, 31),
                date(2026, 2, 28),
                date(2026, 3, 31),
                date(2026, 4, 30),
                date(2026, 5, 31)
            ]
        );
        // Leap year: 29 February.
        let leap = Schedule::new(date(2028, 1, 31), BillingPeriod::Monthly, BillingAnchor::Anniversary);
        assert_eq!(leap.boundary(1), Ok(date(2028, 2, 29)));
        assert_eq!(leap.boundary(2), Ok(date(2028, 3, 31)));
    }

    #[test]
    fn annual_anniversary_of_29_february_falls_on_28_february() {
        // clause: OSX-ANNIVERSARY
        let schedule = Schedule::new(date(2028, 2, 29), BillingPeriod::Annual, BillingAnchor::Anniversary);
        assert_eq!(
            starts(&schedule, 5),
            vec![
                date(2028, 2, 29),
                date(2029, 2, 28),
                date(2030, 2, 28),
                date(2031, 2, 28),
                date(2032, 2, 29)
            ]
        );
    }

    #[test]
    fn calendar_months_start_with_a_pro_rata_month() {
        // clause: CLX-PRORATA
        let schedule = Schedule::new(date(2026, 3, 17), BillingPeriod::Monthly, BillingAnchor::Calendar);
        let first = schedule.billed_period(0).expect("in range");
        assert_eq!(
            first.dates,
            Period::new(date(2026, 3, 17), date(2026, 4, 1)).expect("valid")
        );
        assert_eq!(first.dates.days(), 15);
        assert_eq!(first.nominal.days(), 31);
        assert!(first.is_partial());
        // 15/31 × 39.00 = 18.87
        assert_eq!(first.charge(Cents(3900)), Cents(1887));
        let second = schedule.billed_period(1).expect("in range");
        assert_eq!(
            second.dates,
            Period::new(date(2026, 4, 1), date(2026, 5, 1)).expect("valid")
        );
        assert!(!second.is_partial());
        assert_eq!(second.charge(Cents(3900)), Cents(3900));
    }

    #[test]
    fn calendar_schedule_starting_on_the_first_has_no_partial_period() {
        let schedule = Schedule::new(date(2026, 4, 1), BillingPeriod::Monthly, BillingAnchor::Calendar);
        let first = schedule.billed_period(0).expect("in range");
        assert!(!first.is_partial());
        assert_eq!(first.dates.end, date(2026, 5, 1));
    }

    #[test]
    fn quarterly_and_annual_periods_in_advance() {
        // clause: INES-PAY-PERIOD
        let quarterly = Schedule::new(date(2026, 3, 15), BillingPeriod::Quarterly, BillingAnchor::Anniversary);
        assert_eq!(
            starts(&quarterly, 4),
            vec![
                date(2026, 3, 15),
                date(2026, 6, 15),
                date(2026, 9, 15),
                date(2026, 12, 15)
            ]
        );
        let annual = Schedule::new(date(2026, 3, 15), BillingPeriod::Annual, BillingAnchor::Anniversary);
        assert_eq!(
            starts(&annual, 3),
            vec![date(2026, 3, 15), date(2027, 3, 15), date(2028, 3, 15)]
        );
        // Calendar quarters: the first runs to 1 April, then quarter by quarter.
        let calendar = Schedule::new(date(2026, 2, 10), BillingPeriod::Quarterly, BillingAnchor::Calendar);
        assert_eq!(
            starts(&calendar, 4),
            vec![date(2026, 2, 10), date(2026, 4, 1), date(2026, 7, 1), date(2026, 10, 1)]
        );
        let first = calendar.billed_period(0).expect("in range");
        assert_eq!(
            first.nominal,
            Period::new(date(2026, 1, 1), date(2026, 4, 1)).expect("valid")
        );
        let calendar_year = Schedule::new(date(2026, 7, 1), BillingPeriod::Annual, BillingAnchor::Calendar);
        assert_eq!(
            starts(&calendar_year, 3),
            vec![date(2026, 7, 1), date(2027, 1, 1), date(2028, 1, 1)]
        );
    }

    #[test]
    fn finds_the_period_containing_a_date() {
        let schedule = Schedule::new(date(2026, 1, 31), BillingPeriod::Monthly, BillingAnchor::Anniversary);
        let p = schedule.period_containing(date(2026, 3, 30)).expect("in range");
        assert_eq!(p.index, 1);
        assert_eq!(
            p.dates,
            Period::new(date(2026, 2, 28), date(2026, 3, 31)).expect("valid")
        );
        assert_eq!(
            schedule.next_boundary_after(date(2026, 3, 31)),
            Ok((3, date(2026, 4, 30)))
        );
        assert_eq!(
            schedule.boundary_on_or_after(date(2026, 3, 31)),
            Ok((2, date(2026, 3, 31)))
        );
        assert!(matches!(
            schedule.period_containing(date(2025, 12, 31)),
            Err(PeriodError::BeforeStart { .. })
        ));
    }

    #[test]
    fn plan_change_credits_old_days_and_charges_new_ones() {
        let schedule = Schedule::new(date(2026, 4, 1), BillingPeriod::Monthly, BillingAnchor::Anniversary);
        let april = schedule.billed_period(0).expect("in range");
        // Upgrade S (19.90) to L (49.90) on 21 April: 10 of 30 days remain.
        let change = prorate_plan_change(&april, date(2026, 4, 21), Cents(1990), Cents(4990)).expect("inside");
        assert_eq!(change.remaining_days, 10);
        assert_eq!(change.period_days, 30);
        assert_eq!(change.credit, Cents(663)); // 19.90 × 10/30 = 6.633…
        assert_eq!(change.charge, Cents(1663)); // 49.90 × 10/30 = 16.633…
        assert_eq!(change.net(), Cents(1000));
        // Downgrade gives a credit.
        let down = prorate_plan_change(&april, date(2026, 4, 21), Cents(4990), Cents(1990)).expect("inside");
        assert_eq!(down.net(), Cents(-1000));
        assert!(matches!(
            prorate_plan_change(&april, date(2026, 5, 1), Cents(1), Cents(2)),
            Err(PeriodError::DateOutsidePeriod { .. })
        ));
    }
}
