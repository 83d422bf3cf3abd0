//! Reminders before a send-by date, and their weekly digest (CTR-REMINDERS).
//!
//! The job runner calls [`reminders_ahead`] with the day it runs; a reminder falling on that
//! day is still ahead (it has not been sent yet), so a daily job never misses one. Idempotence
//! (one email per contract, deadline and lead time) is the job table's concern: the tuple
//! (send-by date, lead days) is a natural key for it.

use crate::dates::{add_days, week_start};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// The default lead times, in days before the send-by date.
pub const DEFAULT_LEAD_DAYS: [u16; 4] = [90, 30, 15, 7];

/// One reminder to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Reminder {
    /// The day to send it.
    pub on: Date,
    /// How many days before the send-by date it is.
    pub lead_days: u16,
    /// The date it warns about.
    pub send_by: Date,
}

/// The reminders for `send_by` at `lead_days`, keeping those on or after `today`, earliest
/// first. Duplicate lead times count once; a lead of 0 reminds on the day itself.
pub fn reminders_ahead(send_by: Date, lead_days: &[u16], today: Date) -> Vec<Reminder> {
    let mut leads: Vec<u16> = lead_days.to_vec();
    leads.sort_unstable_by(|a, b| b.cmp(a));
    leads.dedup();
    leads
        .into_iter()
        .map(|lead| Reminder {
            on: add_days(send_by, -i32::from(lead)),
            lead_days: lead,
            send_by,
        })
        .filter(|r| r.on >= today)
        .collect()
}

/// The reminders due exactly on `today`: what a daily job sends.
pub fn reminders_due(send_by: Date, lead_days: &[u16], today: Date) -> Vec<Reminder> {
    reminders_ahead(send_by, lead_days, today)
        .into_iter()
        .filter(|r| r.on == today)
        .collect()
}

/// Items of one ISO week (Monday to Sunday).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Week<T> {
    /// The week's Monday.
    pub monday: Date,
    pub items: Vec<T>,
}

impl<T> Week<T> {
    pub fn sunday(&self) -> Date {
        add_days(self.monday, 6)
    }
}

/// Groups items by the ISO week of their date, weeks in order and items by date within a
/// week (stable for equal dates). For the weekly digest: one email per week listing its items.
pub fn group_by_week<T>(items: impl IntoIterator<Item = T>, date_of: impl Fn(&T) -> Date) -> Vec<Week<T>> {
    let mut dated: Vec<(Date, T)> = items.into_iter().map(|item| (date_of(&item), item)).collect();
    dated.sort_by_key(|(date, _)| *date);
    let mut weeks: Vec<Week<T>> = Vec::new();
    for (date, item) in dated {
        let monday = week_start(date);
        match weeks.last_mut() {
            Some(week) if week.monday == monday => week.items.push(item),
            _ => weeks.push(Week {
                monday,
                items: vec![item],
            }),
        }
    }
    weeks
}

/// The items whose date falls in `today`'s ISO week (Monday to Sunday), in date order: what
/// a weekly digest sent that week lists.
pub fn digest_for_week<T: Clone>(items: &[T], date_of: impl Fn(&T) -> Date, today: Date) -> Week<T> {
    let monday = week_start(today);
    let sunday = add_days(monday, 6);
    let mut picked: Vec<T> = items
        .iter()
        .filter(|item| (monday..=sunday).contains(&date_of(item)))
        .cloned()
        .collect();
    picked.sort_by_key(|item| date_of(item));
    Week { monday, items: picked }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    // clause: CTR-REMINDERS
    #[test]
    fn default_lead_times_before_the_send_by_date() {
        let send_by = date(2026, 10, 27);
        let all = reminders_ahead(send_by, &DEFAULT_LEAD_DAYS, date(2026, 1, 1));
        let days: Vec<(Date, u16)> = all.iter().map(|r| (r.on, r.lead_days)).collect();
        assert_eq!(
            days,
            vec![
                (date(2026, 7, 29), 90),
                (date(2026, 9, 27), 30),
                (date(2026, 10, 12), 15),
                (date(2026, 10, 20), 7),
            ]
        );
        // On 12 October the 15-day reminder is due today and still ahead; 90 and 30 are past.
        let ahead = reminders_ahead(send_by, &DEFAULT_LEAD_DAYS, date(2026, 10, 12));
        assert_eq!(ahead.iter().map(|r| r.lead_days).collect::<Vec<_>>(), vec![15, 7]);
        assert_eq!(reminders_due(send_by, &DEFAULT_LEAD_DAYS, date(2026, 10, 12)).len(), 1);
        assert!(reminders_ahead(send_by, &DEFAULT_LEAD_DAYS, date(2026, 10, 28)).is_empty());
        // Account-set lead times, unsorted and repeated.
        let custom = reminders_ahead(send_by, &[7, 60, 7, 0], date(2026, 1, 1));
        assert_eq!(custom.iter().map(|r| r.lead_days).collect::<Vec<_>>(), vec![60, 7, 0]);
    }

    // clause: CTR-REMINDERS (weekly digest option)
    #[test]
    fn weekly_digest_groups_by_iso_week() {
        let items = vec![
            ("b", date(2026, 10, 30)),
            ("a", date(2026, 10, 26)),
            ("c", date(2026, 11, 2)),
            ("d", date(2026, 11, 1)),
        ];
        let weeks = group_by_week(items.clone(), |(_, d)| *d);
        assert_eq!(weeks.len(), 2);
        assert_eq!(weeks[0].monday, date(2026, 10, 26));
        assert_eq!(weeks[0].sunday(), date(2026, 11, 1));
        assert_eq!(
            weeks[0].items.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            vec!["a", "b", "d"]
        );
        assert_eq!(weeks[1].items.iter().map(|(n, _)| *n).collect::<Vec<_>>(), vec!["c"]);
        let digest = digest_for_week(&items, |(_, d)| *d, date(2026, 10, 28));
        assert_eq!(digest.items.len(), 3);
    }
}
