//! Invoices, their lines, the per-series counters that number them, and the record of which
//! subscription periods are billed.

use crate::{Result, get_i64, get_id, get_opt_id, get_opt_str, get_opt_ts, get_str, get_ts, us, us_opt};
use jiff::Timestamp;
use kernel::{AccountId, InvoiceId, SubscriptionId};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

/// An invoice as stored. Parties and mentions are JSON snapshots taken when it was made: an
/// invoice keeps saying what it said, whatever later changes to the account.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredInvoice {
    pub id: InvoiceId,
    pub account_id: AccountId,
    /// `invoice` or `credit_note`.
    pub kind: String,
    /// `draft` or `issued`.
    pub status: String,
    pub series: String,
    pub number: Option<i64>,
    pub issued_on: Option<String>,
    pub due_on: Option<String>,
    pub billing_date: String,
    pub seller: serde_json::Value,
    pub buyer: serde_json::Value,
    pub mentions: serde_json::Value,
    pub total_excl: i64,
    pub total_vat: i64,
    pub total_incl: i64,
    /// `[{rate_bp, base, tax}]`.
    pub vat_breakdown: serde_json::Value,
    pub created_at: Timestamp,
    pub finalized_at: Option<Timestamp>,
}

impl StoredInvoice {
    /// The number as printed: series and six digits (`F-2026-000042`); drafts have none.
    pub fn display_number(&self) -> Option<String> {
        self.number.map(|n| format!("{}-{n:06}", self.series))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredLine {
    pub position: i64,
    pub subscription_id: Option<SubscriptionId>,
    pub kind: String,
    pub description: String,
    pub quantity: i64,
    pub unit_price_micros: i64,
    pub vat_rate_bp: i64,
    pub amount: i64,
    pub period_start: Option<String>,
    pub period_end: Option<String>,
}

const COLUMNS: &str = "id, account_id, kind, status, series, number, issued_on, due_on, billing_date, seller, buyer, \
     mentions, total_excl, total_vat, total_incl, vat_breakdown, created_at, finalized_at";

fn json(row: &AnyRow, col: &str) -> Result<serde_json::Value> {
    let text = get_str(row, col)?;
    serde_json::from_str(&text).map_err(|_| crate::corrupt(col, &text))
}

fn from_row(row: &AnyRow) -> Result<StoredInvoice> {
    Ok(StoredInvoice {
        id: get_id(row, "id")?,
        account_id: get_id(row, "account_id")?,
        kind: get_str(row, "kind")?,
        status: get_str(row, "status")?,
        series: get_str(row, "series")?,
        number: sqlx::Row::try_get::<Option<i64>, _>(row, "number")?,
        issued_on: get_opt_str(row, "issued_on")?,
        due_on: get_opt_str(row, "due_on")?,
        billing_date: get_str(row, "billing_date")?,
        seller: json(row, "seller")?,
        buyer: json(row, "buyer")?,
        mentions: json(row, "mentions")?,
        total_excl: get_i64(row, "total_excl")?,
        total_vat: get_i64(row, "total_vat")?,
        total_incl: get_i64(row, "total_incl")?,
        vat_breakdown: json(row, "vat_breakdown")?,
        created_at: get_ts(row, "created_at")?,
        finalized_at: get_opt_ts(row, "finalized_at")?,
    })
}

/// Takes the next number of a series. Runs in the caller's transaction: the counter row stays
/// locked until it commits, so two runs never take the same number, and a rolled-back run
/// gives its number back — no gap, no duplicate.
pub async fn next_number(conn: &mut AnyConnection, series: &str) -> Result<i64> {
    reserve_numbers(conn, series, 1).await
}

/// Takes the next `count` numbers of a series at once and returns the first: a billing run
/// numbers a whole batch with one statement. Same guarantees as [`next_number`].
pub async fn reserve_numbers(conn: &mut AnyConnection, series: &str, count: i64) -> Result<i64> {
    sqlx::query("INSERT INTO invoice_counters (series, next_number) VALUES ($1, 1) ON CONFLICT (series) DO NOTHING")
        .bind(series)
        .execute(&mut *conn)
        .await?;
    let first: i64 = sqlx::query_scalar(
        "UPDATE invoice_counters SET next_number = next_number + $2 WHERE series = $1 RETURNING next_number - $2",
    )
    .bind(series)
    .bind(count)
    .fetch_one(&mut *conn)
    .await?;
    Ok(first)
}

pub async fn insert(conn: &mut AnyConnection, i: &StoredInvoice, lines: &[StoredLine]) -> Result<()> {
    insert_many(conn, &[(i, lines)]).await
}

const LINE_COLUMNS: &str = "id, invoice_id, account_id, subscription_id, position, kind, description, quantity, \
     unit_price_micros, vat_rate_bp, amount, period_start, period_end";

/// Inserts invoices with their lines, many rows per statement.
pub async fn insert_many(conn: &mut AnyConnection, invoices: &[(&StoredInvoice, &[StoredLine])]) -> Result<()> {
    for chunk in invoices.chunks(crate::rows_per_statement(18)) {
        let sql = format!(
            "INSERT INTO invoices ({COLUMNS}) VALUES {}",
            crate::value_tuples(chunk.len(), 18)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (i, _) in chunk {
            q = q
                .bind(i.id.to_string())
                .bind(i.account_id.to_string())
                .bind(&i.kind)
                .bind(&i.status)
                .bind(&i.series)
                .bind(i.number)
                .bind(i.issued_on.as_deref())
                .bind(i.due_on.as_deref())
                .bind(&i.billing_date)
                .bind(i.seller.to_string())
                .bind(i.buyer.to_string())
                .bind(i.mentions.to_string())
                .bind(i.total_excl)
                .bind(i.total_vat)
                .bind(i.total_incl)
                .bind(i.vat_breakdown.to_string())
                .bind(us(i.created_at))
                .bind(us_opt(i.finalized_at));
        }
        q.execute(&mut *conn).await?;
    }
    let lines: Vec<(&StoredInvoice, &StoredLine)> = invoices
        .iter()
        .flat_map(|(i, lines)| lines.iter().map(move |l| (*i, l)))
        .collect();
    for chunk in lines.chunks(crate::rows_per_statement(13)) {
        let sql = format!(
            "INSERT INTO invoice_lines ({LINE_COLUMNS}) VALUES {}",
            crate::value_tuples(chunk.len(), 13)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (i, l) in chunk {
            q = q
                .bind(kernel::JobId::new().to_string())
                .bind(i.id.to_string())
                .bind(i.account_id.to_string())
                .bind(l.subscription_id.map(|s| s.to_string()))
                .bind(l.position)
                .bind(&l.kind)
                .bind(&l.description)
                .bind(l.quantity)
                .bind(l.unit_price_micros)
                .bind(l.vat_rate_bp)
                .bind(l.amount)
                .bind(l.period_start.as_deref())
                .bind(l.period_end.as_deref());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// A subscription's period and the invoice that bills it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BilledPeriod {
    pub account_id: AccountId,
    pub subscription_id: SubscriptionId,
    /// The period's first day (`YYYY-MM-DD`), or the end date for what an ended subscription
    /// owes in arrears.
    pub period_start: String,
    pub invoice_id: InvoiceId,
}

/// Records that a subscription's period is billed by `invoice`; false when it already was.
pub async fn mark_billed(
    conn: &mut AnyConnection,
    account: AccountId,
    subscription: SubscriptionId,
    period_start: &str,
    invoice: InvoiceId,
) -> Result<bool> {
    let period = BilledPeriod {
        account_id: account,
        subscription_id: subscription,
        period_start: period_start.to_string(),
        invoice_id: invoice,
    };
    Ok(mark_billed_many(conn, std::slice::from_ref(&period)).await? == 1)
}

/// Records billed periods, skipping those already recorded; returns how many were new, so a
/// caller that expected them all new knows another run got to some first.
pub async fn mark_billed_many(conn: &mut AnyConnection, periods: &[BilledPeriod]) -> Result<u64> {
    let mut added = 0;
    for chunk in periods.chunks(crate::rows_per_statement(4)) {
        let sql = format!(
            "INSERT INTO billed_periods (subscription_id, period_start, account_id, invoice_id) VALUES {} \
             ON CONFLICT (subscription_id, period_start) DO NOTHING",
            crate::value_tuples(chunk.len(), 4)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for p in chunk {
            q = q
                .bind(p.subscription_id.to_string())
                .bind(p.period_start.as_str())
                .bind(p.account_id.to_string())
                .bind(p.invoice_id.to_string());
        }
        added += q.execute(&mut *conn).await?.rows_affected();
    }
    Ok(added)
}

/// Finalizes a draft: its number, dates, mentions and finalization instant; `false` when it
/// was no longer a draft.
pub async fn finalize(conn: &mut AnyConnection, i: &StoredInvoice) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE invoices SET status = 'issued', series = $3, number = $4, issued_on = $5, due_on = $6, mentions = $7, \
         finalized_at = $8 WHERE id = $1 AND account_id = $2 AND status = 'draft'",
    )
    .bind(i.id.to_string())
    .bind(i.account_id.to_string())
    .bind(&i.series)
    .bind(i.number)
    .bind(i.issued_on.as_deref())
    .bind(i.due_on.as_deref())
    .bind(i.mentions.to_string())
    .bind(i.finalized_at.map(crate::us))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records that line `position` of `invoice` is credited by `credit_note`; `false` when it
/// already was (each line is credited once).
pub async fn mark_credited(
    conn: &mut AnyConnection,
    account: AccountId,
    invoice: InvoiceId,
    position: i64,
    credit_note: InvoiceId,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO credited_lines (invoice_id, position, account_id, credit_note_id) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (invoice_id, position) DO NOTHING",
    )
    .bind(invoice.to_string())
    .bind(position)
    .bind(account.to_string())
    .bind(credit_note.to_string())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The positions of `invoice`'s lines already credited.
pub async fn credited_positions(conn: &mut AnyConnection, invoice: InvoiceId) -> Result<Vec<i64>> {
    let rows: Vec<i64> =
        sqlx::query_scalar("SELECT position FROM credited_lines WHERE invoice_id = $1 ORDER BY position")
            .bind(invoice.to_string())
            .fetch_all(conn)
            .await?;
    Ok(rows)
}

/// The billed periods (subscription, period start) of several accounts at once.
pub async fn billed_of_accounts(
    conn: &mut AnyConnection,
    accounts: &[AccountId],
) -> Result<Vec<(SubscriptionId, String)>> {
    let ids: Vec<String> = accounts.iter().map(ToString::to_string).collect();
    let rows = crate::rows_for_ids(
        conn,
        "SELECT subscription_id, period_start FROM billed_periods WHERE account_id IN ({ids})",
        &ids,
    )
    .await?;
    rows.iter()
        .map(|r| Ok((get_id(r, "subscription_id")?, get_str(r, "period_start")?)))
        .collect()
}

pub async fn is_billed(conn: &mut AnyConnection, subscription: SubscriptionId, period_start: &str) -> Result<bool> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM billed_periods WHERE subscription_id = $1 AND period_start = $2")
            .bind(subscription.to_string())
            .bind(period_start)
            .fetch_one(conn)
            .await?;
    Ok(n > 0)
}

/// An account's invoices, newest first.
pub async fn list_for_account(conn: &mut AnyConnection, account: AccountId) -> Result<Vec<StoredInvoice>> {
    let sql = format!("SELECT {COLUMNS} FROM invoices WHERE account_id = $1 ORDER BY billing_date DESC, number DESC");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.to_string())
        .fetch_all(conn)
        .await?;
    rows.iter().map(from_row).collect()
}

/// What operator staff narrow the invoice list by; empty fields narrow nothing.
#[derive(Debug, Clone, Default)]
pub struct InvoiceFilter {
    /// A number (`F-2026-000042`) or part of the buyer's name.
    pub search: String,
    /// `invoice` or `credit_note`.
    pub kind: String,
    /// `draft` or `issued`.
    pub status: String,
    /// Billing dates from and to, inclusive (`YYYY-MM-DD`).
    pub from: Option<String>,
    pub to: Option<String>,
}

/// Every invoice matching `filter` (operator), newest first.
pub async fn list_all(
    conn: &mut AnyConnection,
    filter: &InvoiceFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<StoredInvoice>> {
    let search = filter.search.trim();
    // A full number finds its invoice by the unique (series, number) index.
    let number = search.rsplit_once('-').and_then(|(series, n)| {
        let n: i64 = n.parse().ok()?;
        (series.len() == 6 && series.as_bytes()[1] == b'-').then(|| (series.to_uppercase(), n))
    });
    let mut sql = format!("SELECT {COLUMNS} FROM invoices WHERE 1 = 1");
    let mut binds: Vec<String> = Vec::new();
    let mut next = |sql: &mut String, clause: &str, value: String| {
        binds.push(value);
        sql.push_str(&clause.replace('?', &format!("${}", binds.len())));
    };
    match (&number, search.is_empty()) {
        (Some((series, _)), _) => next(&mut sql, " AND series = ?", series.clone()),
        (None, false) => next(
            &mut sql,
            " AND LOWER(buyer) LIKE ?",
            format!("%{}%", search.to_lowercase()),
        ),
        (None, true) => {}
    }
    if !filter.kind.is_empty() {
        next(&mut sql, " AND kind = ?", filter.kind.clone());
    }
    if !filter.status.is_empty() {
        next(&mut sql, " AND status = ?", filter.status.clone());
    }
    if let Some(from) = &filter.from {
        next(&mut sql, " AND billing_date >= ?", from.clone());
    }
    if let Some(to) = &filter.to {
        next(&mut sql, " AND billing_date <= ?", to.clone());
    }
    let n = binds.len();
    if number.is_some() {
        sql.push_str(&format!(" AND number = ${}", n + 1));
    }
    let base = n + usize::from(number.is_some());
    sql.push_str(&format!(
        " ORDER BY created_at DESC, number DESC LIMIT ${} OFFSET ${}",
        base + 1,
        base + 2
    ));
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in binds {
        query = query.bind(b);
    }
    if let Some((_, n)) = number {
        query = query.bind(n);
    }
    let rows = query.bind(limit).bind(offset).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}

/// What each subscription (order) of `account` was invoiced net of credit notes, excluding
/// VAT, per VAT rate: (subscription, rate in basis points, amount in cents).
pub async fn net_by_subscription(
    conn: &mut AnyConnection,
    account: AccountId,
) -> Result<Vec<(Option<SubscriptionId>, i64, i64)>> {
    let rows = sqlx::query(
        "SELECT l.subscription_id, l.vat_rate_bp, CAST(SUM(l.amount) AS BIGINT) AS net FROM invoice_lines l \
         JOIN invoices i ON i.id = l.invoice_id \
         WHERE l.account_id = $1 AND i.status = 'issued' \
         GROUP BY l.subscription_id, l.vat_rate_bp ORDER BY l.subscription_id, l.vat_rate_bp",
    )
    .bind(account.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                get_opt_id(r, "subscription_id")?,
                get_i64(r, "vat_rate_bp")?,
                get_i64(r, "net")?,
            ))
        })
        .collect()
}

/// An invoice of `account` with its lines; `None` when it is another account's.
pub async fn get(
    conn: &mut AnyConnection,
    account: AccountId,
    id: InvoiceId,
) -> Result<Option<(StoredInvoice, Vec<StoredLine>)>> {
    let sql = format!("SELECT {COLUMNS} FROM invoices WHERE id = $1 AND account_id = $2");
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id.to_string())
        .bind(account.to_string())
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let invoice = from_row(&row)?;
    let rows = sqlx::query(
        "SELECT position, subscription_id, kind, description, quantity, unit_price_micros, vat_rate_bp, amount, \
         period_start, period_end FROM invoice_lines WHERE invoice_id = $1 ORDER BY position",
    )
    .bind(id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let lines = rows
        .iter()
        .map(|r| {
            Ok(StoredLine {
                position: get_i64(r, "position")?,
                subscription_id: get_opt_id(r, "subscription_id")?,
                kind: get_str(r, "kind")?,
                description: get_str(r, "description")?,
                quantity: get_i64(r, "quantity")?,
                unit_price_micros: get_i64(r, "unit_price_micros")?,
                vat_rate_bp: get_i64(r, "vat_rate_bp")?,
                amount: get_i64(r, "amount")?,
                period_start: get_opt_str(r, "period_start")?,
                period_end: get_opt_str(r, "period_end")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Some((invoice, lines)))
}

/// The newest issued invoice of `account` with lines for `subscription` (the payment a
/// withdrawal cancels).
pub async fn latest_for_subscription(
    conn: &mut AnyConnection,
    account: AccountId,
    subscription: SubscriptionId,
) -> Result<Option<(StoredInvoice, Vec<StoredLine>)>> {
    let id: Option<String> = sqlx::query_scalar(
        "SELECT i.id FROM invoices i JOIN invoice_lines l ON l.invoice_id = i.id \
         WHERE i.account_id = $1 AND l.subscription_id = $2 AND i.kind = 'invoice' AND i.status = 'issued' \
         ORDER BY i.billing_date DESC, i.number DESC LIMIT 1",
    )
    .bind(account.to_string())
    .bind(subscription.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    match id {
        Some(id) => {
            let id: InvoiceId = id.parse().map_err(|_| crate::corrupt("invoice id", &id))?;
            get(conn, account, id).await
        }
        None => Ok(None),
    }
}
