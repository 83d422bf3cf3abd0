//! End to end: N contracts (default 1,000,000) stored in SQLite, read back through the store
//! (`store::contracts::list`, each row's terms parsed and checked again) and their deadlines
//! recomputed to select those whose earliest send-by date falls in the next 7 days. The read
//! and the computation are timed apart. A benchmark, not a test:
//!
//! ```sh
//! cargo build --release -p store --example contracts_bench
//! # Seed once into a file (batched multi-row inserts), then measure on that file:
//! target/release/examples/contracts_bench 1000000 1 /tmp/contracts-bench.db
//! /usr/bin/time -v target/release/examples/contracts_bench 1000000 1 /tmp/contracts-bench.db
//! ```
//!
//! Arguments: the number of contracts, the number of accounts they are spread over (default 1:
//! a single list of them all; with more, each account's list is read and computed in turn, as
//! the daily reminder run does, and dropped before the next), and the SQLite file (default a
//! temporary one, seeded each time). An existing file that already holds the contracts is not
//! seeded again, so `/usr/bin/time -v` on the second run measures the read and computation only.

use contracts::{
    AcceptedWay, ContractRecord, ContractTerms, Notice, Region, Renewal, SendingWay, TermsDraft, deadlines,
};
use jiff::ToSpan;
use jiff::civil::{Date, date};
use kernel::AccountId;
use std::time::Instant;
use store::contracts::ContractStatus;
use store::{Db, Mode, Scope};

/// Rows per INSERT statement: 200 × 22 values stays far below SQLite's bound on parameters.
const ROWS_PER_STATEMENT: usize = 200;
/// Rows per transaction while seeding.
const ROWS_PER_TRANSACTION: usize = 20_000;

type Error = Box<dyn std::error::Error>;

/// The `i`th contract: the same deterministic spread of starts, terms, renewals and notices as
/// the domain-only `contracts` example `deadlines_bench`, so that both figures compare.
fn record(i: usize) -> Option<ContractRecord> {
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
    let terms = ContractTerms::new(TermsDraft {
        start,
        term_months: Some(term),
        end: None,
        renewal,
        notice,
        ways: vec![AcceptedWay::new(SendingWay::RegisteredLetter), SendingWay::Email.into()],
    })
    .ok()?;
    Some(ContractRecord {
        reference: format!("REF-{i}"),
        counterparty: contracts::Counterparty {
            name: format!("Fournisseur {}", i % 5000),
            siren: None,
            registered_office: Some("1 rue de la Paix, 75002 Paris".into()),
            contact: None,
        },
        category: contracts::Category::ALL[i % contracts::Category::ALL.len()],
        terms,
        price: Some(contracts::Price {
            amount_minor: 1990 + (i % 10_000) as i64,
            currency: "EUR".into(),
            period: contracts::BillingPeriod::Monthly,
        }),
        owner: None,
        tags: vec!["bench".into()],
        notes: String::new(),
    })
}

async fn seed(db: &Db, accounts: &[AccountId], n: usize) -> Result<(), Error> {
    let mut tx = db.write().await?;
    for a in accounts {
        sqlx::query(
            "INSERT INTO accounts (id, legal_name, siren, address_line, postal_code, city, country, status, created_at) \
             VALUES ($1, 'Banc d''essai SAS', '732829320', '1 rue du Banc', '75002', 'Paris', 'fr', 'active', 0)",
        )
        .bind(a.to_string())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    let columns = "id, account_id, reference, counterparty_name, counterparty_office, category, terms, start_on, \
        price_minor, currency, billing_period, tags, notes, status, created_at, updated_at, search_key";
    let per_row = columns.split(',').count();
    let mut i = 0;
    while i < n {
        let mut tx = db.write().await?;
        let end = (i + ROWS_PER_TRANSACTION).min(n);
        while i < end {
            let rows: Vec<(usize, ContractRecord)> = (i..(i + ROWS_PER_STATEMENT).min(end))
                .filter_map(|k| record(k).map(|r| (k, r)))
                .collect();
            i = (i + ROWS_PER_STATEMENT).min(end);
            if rows.is_empty() {
                continue;
            }
            let placeholders: Vec<String> = (0..rows.len())
                .map(|r| {
                    let cells: Vec<String> = (1..=per_row).map(|c| format!("${}", r * per_row + c)).collect();
                    format!("({})", cells.join(", "))
                })
                .collect();
            let sql = format!("INSERT INTO contracts ({columns}) VALUES {}", placeholders.join(", "));
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (k, r) in &rows {
                let price = r.price.as_ref();
                q = q
                    .bind(contracts::ContractId::new().to_string())
                    .bind(accounts[k % accounts.len()].to_string())
                    .bind(r.reference.clone())
                    .bind(r.counterparty.name.clone())
                    .bind(r.counterparty.registered_office.clone())
                    .bind(r.category.code())
                    .bind(serde_json::to_string(&r.terms)?)
                    .bind(r.terms.start().to_string())
                    .bind(price.map(|p| p.amount_minor))
                    .bind(price.map(|p| p.currency.clone()))
                    .bind(price.map(|p| p.period.code()))
                    .bind(serde_json::to_string(&r.tags)?)
                    .bind(r.notes.clone())
                    .bind(ContractStatus::Active.code())
                    .bind(0i64)
                    .bind(0i64)
                    .bind(contracts::search::search_key(r));
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

async fn stored(db: &Db) -> Result<(i64, Vec<AccountId>), Error> {
    let mut tx = db.read().await?;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM contracts")
        .fetch_one(&mut *tx)
        .await?;
    let accounts = store::contracts::accounts_with_contracts(&mut tx).await?;
    tx.commit().await?;
    Ok((n, accounts))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1_000_000);
    let account_count: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1).max(1);
    let file = args.next();
    let (db, _temporary) = match &file {
        Some(path) => {
            let db = Db::connect(&format!("sqlite:{path}?mode=rwc")).await?;
            db.migrate().await?;
            (db, None)
        }
        None => {
            let t = store::testkit::TestDatabase::sqlite().await;
            (t.db.clone(), Some(t))
        }
    };

    let (mut have, mut accounts) = stored(&db).await?;
    if have == 0 {
        let fresh: Vec<AccountId> = (0..account_count).map(|_| AccountId::new()).collect();
        let started = Instant::now();
        seed(&db, &fresh, n).await?;
        (have, accounts) = stored(&db).await?;
        eprintln!("seeded {have} contracts in {:.1} s", started.elapsed().as_secs_f64());
    } else {
        eprintln!("{have} contracts over {} accounts already stored", accounts.len());
    }

    let today: Date = date(2026, 3, 2);
    let horizon = today.saturating_add(7.days());
    let region = Region::Metropole;
    let (mut read, mut compute) = (0.0f64, 0.0f64);
    let (mut total, mut due) = (0usize, 0usize);
    for account in &accounts {
        let started = Instant::now();
        let mut tx = db.begin(Scope::Tenant(*account), Mode::Read).await?;
        let list = store::contracts::list(&mut tx, *account, &Default::default()).await?;
        tx.commit().await?;
        read += started.elapsed().as_secs_f64();
        let started = Instant::now();
        due += list
            .iter()
            .filter(|c| {
                c.status == ContractStatus::Active
                    && deadlines(&c.record.terms, today, region)
                        .earliest_send_by()
                        .is_some_and(|d| d >= today && d <= horizon)
            })
            .count();
        compute += started.elapsed().as_secs_f64();
        total += list.len();
    }
    println!(
        "{total} contracts over {} accounts: read through the store in {read:.3} s, deadlines recomputed \
         and {due} due in the next 7 days selected in {compute:.3} s; total {:.3} s",
        accounts.len(),
        read + compute
    );
    db.close().await;
    Ok(())
}
