//! Recomputes the deadlines of N synthetic contracts (default 1,000,000) and selects those
//! whose earliest send-by date falls in the next 7 days. A benchmark, not a test:
//!
//! ```sh
//! cargo run --release -p contracts --example deadlines_bench -- 1000000
//! ```

use contracts::{AcceptedWay, ContractTerms, Notice, Region, Renewal, SendingWay, TermsDraft, deadlines};
use jiff::ToSpan;
use jiff::civil::date;
use std::time::Instant;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let today = date(2026, 3, 2);
    // A deterministic spread of starts, terms, renewals and notices.
    let contracts: Vec<ContractTerms> = (0..n)
        .filter_map(|i| {
            let start = date(2015, 1, 1).saturating_add(((i * 7919) % 4000) as i64 * 1.day());
            let term = [1u16, 12, 24, 36][i % 4];
            let renewal = match i % 5 {
                0 => Renewal::OpenEnded,
                1 => Renewal::Ends,
                _ => Renewal::Tacit { months: term },
            };
            let notice = if term == 1 {
                Notice::Days((i % 30) as u16)
            } else {
                Notice::Months((i % 3 + 1) as u16)
            };
            ContractTerms::new(TermsDraft {
                start,
                term_months: Some(term),
                end: None,
                renewal,
                notice,
                ways: vec![AcceptedWay::new(SendingWay::RegisteredLetter), SendingWay::Email.into()],
            })
            .ok()
        })
        .collect();
    let horizon = today.saturating_add(7.days());
    let started = Instant::now();
    let due = contracts
        .iter()
        .filter(|t| {
            deadlines(t, today, Region::Metropole)
                .earliest_send_by()
                .is_some_and(|d| d >= today && d <= horizon)
        })
        .count();
    let elapsed = started.elapsed();
    println!(
        "{} contracts, {due} with a send-by date in the next 7 days, computed in {:.3} s",
        contracts.len(),
        elapsed.as_secs_f64()
    );
}
