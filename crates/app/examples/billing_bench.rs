//! Closes one billing period for N subscriptions and compares the rate with the ceiling: the
//! same rows (invoice, line, billed period, outbox email and its job, audit entry) written with
//! the same multi-row statements and nothing else.
//!
//! ```sh
//! cargo run --release -p app --example billing_bench -- 100000            # SQLite
//! TEST_DATABASE_URL=postgres://comptoir_owner@127.0.0.1:5432/comptoir_own \
//!   TEST_DATABASE_APP_USER=comptoir_app \
//!   cargo run --release -p app --example billing_bench -- 100000 postgres
//! ```
//!
//! Each subscription belongs to its own account with one administrator, on Oseox S monthly
//! starting today, so the run makes one invoice per account, numbered, with its line, its
//! billed period, its audit entry and its email in the outbox.

use anyhow::{Context, Result};
use app::{App, AppConfig};
use billing::subscription::{Subscription, SubscriptionState};
use billing::{BillingPeriod, Selection};
use jiff::Timestamp;
use kernel::{AccountId, SubscriptionId};
use platform::audit::AuditFacts;
use std::time::Instant;
use store::emails::StoredEmail;
use store::invoices::{BilledPeriod, StoredInvoice};
use store::jobs::NewJob;
use store::sqlx;
use store::testkit::TestDatabase;

/// Accounts seeded per transaction.
const BATCH: usize = 2_000;
/// Invoices per transaction of the ceiling: the run's batch.
const RUN_BATCH: usize = 500;

#[tokio::main]
async fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().as_deref().unwrap_or("10000").parse().context("N")?;
    let backend = args.next().unwrap_or_else(|| "sqlite".into());
    let database = match backend.as_str() {
        "postgres" => TestDatabase::postgres()
            .await
            .context("set TEST_DATABASE_URL for PostgreSQL")?,
        _ => TestDatabase::sqlite().await,
    };
    let db = database.db.clone();
    let app = App::new(db.clone(), AppConfig::default(), mail::Transport::Outbox);
    app.load_demo().await?;
    let now = Timestamp::now();
    let today = kernel::clock::paris_date(now);

    let started = Instant::now();
    let (template_account, template_admin) = {
        let mut tx = db.read().await?;
        let admin = store::users::by_email(&mut tx, "admin@boulangerie-exemple.test")
            .await?
            .context("demo admin")?;
        tx.commit().await?;
        (admin.account_id.context("demo account")?, admin.id)
    };
    for chunk in (0..n).collect::<Vec<_>>().chunks(BATCH) {
        let mut tx = db.write().await?;
        for i in chunk {
            let account = AccountId::new();
            sqlx::query(
                "INSERT INTO accounts (id, legal_name, siren, vat_number, address_line, postal_code, city, country, \
                 status, terms_version_id, terms_accepted_at, created_at) \
                 SELECT $1, legal_name, siren, vat_number, address_line, postal_code, city, country, status, \
                 terms_version_id, terms_accepted_at, created_at FROM accounts WHERE id = $2",
            )
            .bind(account.to_string())
            .bind(template_account.to_string())
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO users (id, account_id, email, name, password_hash, role, lang, status, email_verified_at, \
                 created_at) SELECT $1, $2, $3, name, password_hash, role, lang, status, email_verified_at, created_at \
                 FROM users WHERE id = $4",
            )
            .bind(kernel::UserId::new().to_string())
            .bind(account.to_string())
            .bind(format!("admin{i}@bench.test"))
            .bind(template_admin.to_string())
            .execute(&mut *tx)
            .await?;
            let subscription = Subscription {
                id: SubscriptionId::new(),
                account_id: account,
                offer_key: "oseox".into(),
                offer_version: 1,
                selection: Selection::new("s", BillingPeriod::Monthly),
                state: SubscriptionState::Active,
                auto_renew: true,
                subscribed_at: now,
                subscribed_by: None,
                activated_at: Some(now),
                activated_by: None,
                billing_starts_on: Some(today),
                ends_on: None,
                ended_at: None,
                cancel_requested_at: None,
                cancel_way: None,
                pending: None,
            };
            store::subscriptions::insert(&mut tx, &subscription, Some(BillingPeriod::Monthly)).await?;
        }
        tx.commit().await?;
    }
    eprintln!("seeded {n} accounts in {:.1} s", started.elapsed().as_secs_f64());
    analyze(&database).await?;

    let started = Instant::now();
    let report = app
        .billing_run(Some(today), |done, total| {
            if done % 10_000 == 0 || done == total {
                eprintln!("  billed {done}/{total}");
            }
        })
        .await?;
    let run = started.elapsed().as_secs_f64();
    anyhow::ensure!(report.invoices >= n, "expected {n} invoices, got {}", report.invoices);

    let started = Instant::now();
    raw_inserts(&db, n).await?;
    let raw = started.elapsed().as_secs_f64();

    println!("backend: {backend}, subscriptions: {n}");
    println!(
        "billing run: {} invoices in {run:.2} s = {:.0} invoices/s",
        report.invoices,
        report.invoices as f64 / run
    );
    println!(
        "ceiling (the same rows through the same multi-row writes, {RUN_BATCH} per transaction): {n} in {raw:.2} s = {:.0} invoices/s",
        n as f64 / raw
    );
    database.finish().await;
    Ok(())
}

/// Refreshes the planner's statistics after seeding, as autovacuum would have on a database
/// whose 100,000 accounts did not all arrive in the last minute: with the statistics of
/// near-empty tables PostgreSQL scans them instead of using their indexes. As the schema's
/// owner, who alone may analyze its tables.
async fn analyze(database: &TestDatabase) -> Result<()> {
    use sqlx::Connection;
    match &database.owner_url {
        Some(owner) => {
            let mut conn = sqlx::AnyConnection::connect(owner).await?;
            sqlx::query("ANALYZE").execute(&mut conn).await?;
            conn.close().await?;
        }
        None => {
            let mut tx = database.db.write().await?;
            sqlx::query("ANALYZE").execute(&mut *tx).await?;
            tx.commit().await?;
        }
    }
    Ok(())
}

/// The same rows the run writes per invoice — an invoice and its line, its billed period, an
/// outbox email with its delivery job, an audit entry on the account's chain — copied from the
/// run's first invoice and written with the same multi-row statements, 500 invoices per
/// transaction as the run, with nothing read, worked out or rendered: the write path's limit.
async fn raw_inserts(db: &store::Db, n: usize) -> Result<()> {
    let (invoice, lines, email) = {
        let mut tx = db.read().await?;
        let (account, id): (String, String) = sqlx::query_as("SELECT account_id, id FROM invoices LIMIT 1")
            .fetch_one(&mut *tx)
            .await?;
        let (invoice, lines) = store::invoices::get(&mut tx, account.parse()?, id.parse()?)
            .await?
            .context("the run's first invoice")?;
        let email = store::emails::list(&mut tx, None, 1, 0)
            .await?
            .pop()
            .context("an email of the run")?;
        tx.commit().await?;
        (invoice, lines, email)
    };
    let mut series_number = 0;
    for chunk in (0..n).collect::<Vec<_>>().chunks(RUN_BATCH) {
        let invoices: Vec<StoredInvoice> = chunk
            .iter()
            .map(|_| {
                series_number += 1;
                StoredInvoice {
                    id: kernel::InvoiceId::new(),
                    series: "R-2026".into(),
                    number: Some(series_number),
                    ..invoice.clone()
                }
            })
            .collect();
        let rows: Vec<(&StoredInvoice, &[store::invoices::StoredLine])> =
            invoices.iter().map(|i| (i, &lines[..])).collect();
        let periods: Vec<BilledPeriod> = invoices
            .iter()
            .map(|i| BilledPeriod {
                account_id: i.account_id,
                subscription_id: SubscriptionId::new(),
                period_start: "2026-01-01".into(),
                invoice_id: i.id,
            })
            .collect();
        let emails: Vec<StoredEmail> = invoices
            .iter()
            .map(|_| StoredEmail {
                id: kernel::EmailId::new(),
                ..email.clone()
            })
            .collect();
        let deliveries: Vec<NewJob> = emails
            .iter()
            .map(|e| NewJob {
                kind: "email.deliver".into(),
                payload: serde_json::json!({ "email_id": e.id }),
                account_id: None,
                clock_id: None,
                unique_key: Some(format!("email:{}", e.id)),
                run_at: e.created_at,
                max_attempts: 10,
            })
            .collect();
        let facts: Vec<AuditFacts> = invoices
            .iter()
            .map(|i| AuditFacts {
                account_id: Some(i.account_id.to_string()),
                actor_id: None,
                actor_kind: "system",
                action: "invoice.issue".into(),
                target_type: Some("invoice"),
                target_id: Some(i.id.to_string()),
                at: i.created_at,
                ip: None,
                user_agent: None,
            })
            .collect();
        let mut tx = db.write().await?;
        store::invoices::insert_many(&mut tx, &rows).await?;
        store::invoices::mark_billed_many(&mut tx, &periods).await?;
        store::audit::append_many(&mut tx, facts).await?;
        store::emails::insert_many(&mut tx, &emails).await?;
        store::jobs::enqueue_many(&mut tx, &deliveries, email.created_at).await?;
        tx.commit().await?;
    }
    Ok(())
}
