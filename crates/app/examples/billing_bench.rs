//! Closes one billing period for N subscriptions and compares the rate with the ceiling: the raw
//! insert rate of the same rows (invoice, line, billed period, outbox email, audit entry).
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
use std::time::Instant;
use store::sqlx;
use store::testkit::TestDatabase;

const BATCH: usize = 2_000;

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
        "ceiling (raw inserts of the same rows, {BATCH} per transaction): {n} in {raw:.2} s = {:.0} invoices/s",
        n as f64 / raw
    );
    database.finish().await;
    Ok(())
}

/// The same rows the run writes per invoice, inserted with no logic around them: an invoice,
/// its line, its billed period, an outbox email and an audit entry.
async fn raw_inserts(db: &store::Db, n: usize) -> Result<()> {
    let (account, template) = {
        let mut tx = db.read().await?;
        let row: (String, String) = sqlx::query_as("SELECT account_id, id FROM invoices LIMIT 1")
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        row
    };
    for chunk in (0..n).collect::<Vec<_>>().chunks(BATCH) {
        let mut tx = db.write().await?;
        for i in chunk {
            let id = kernel::InvoiceId::new().to_string();
            sqlx::query(
                "INSERT INTO invoices (id, account_id, kind, status, series, number, issued_on, due_on, billing_date, \
                 seller, buyer, mentions, total_excl, total_vat, total_incl, vat_breakdown, created_at, finalized_at) \
                 SELECT $1, account_id, kind, status, 'R-2026', $2, issued_on, due_on, billing_date, seller, buyer, \
                 mentions, total_excl, total_vat, total_incl, vat_breakdown, created_at, finalized_at \
                 FROM invoices WHERE id = $3",
            )
            .bind(&id)
            .bind(*i as i64 + 1)
            .bind(&template)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO invoice_lines (id, invoice_id, account_id, subscription_id, position, kind, description, \
                 quantity, unit_price_micros, vat_rate_bp, amount, period_start, period_end) \
                 SELECT $1, $2, account_id, subscription_id, position, kind, description, quantity, unit_price_micros, \
                 vat_rate_bp, amount, period_start, period_end FROM invoice_lines WHERE invoice_id = $3",
            )
            .bind(kernel::InvoiceId::new().to_string())
            .bind(&id)
            .bind(&template)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO billed_periods (subscription_id, period_start, account_id, invoice_id) \
                 VALUES ($1, '2026-01-01', $2, $3)",
            )
            .bind(SubscriptionId::new().to_string())
            .bind(&account)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO emails (id, account_id, to_addr, lang, template, subject, body_text, status, created_at) \
                 SELECT $1, account_id, to_addr, lang, template, subject, body_text, status, created_at FROM emails \
                 WHERE template = 'invoice_issued' LIMIT 1",
            )
            .bind(kernel::InvoiceId::new().to_string())
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO audit_log (chain, seq, account_id, actor_kind, action, target_type, target_id, at, \
                 context_digest, prev_hash, hash) VALUES ('bench', $1, $2, 'system', 'invoice.issue', 'invoice', $3, 0, \
                 '', '', '')",
            )
            .bind(*i as i64)
            .bind(&account)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
    }
    Ok(())
}
