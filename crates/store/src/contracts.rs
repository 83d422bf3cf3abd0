//! The contracts register (CLOG-SERVICE): contracts, their documents, their termination steps
//! and the account's settings for deadlines and reminders. Terms are stored as the JSON of
//! `contracts::ContractTerms`, checked again when read; dates as `YYYY-MM-DD` text.

use crate::files::FileMeta;
use crate::{Result, corrupt, get_bool, get_i64, get_id, get_opt_id, get_opt_str, get_opt_ts, get_str, get_ts, us};
use contracts::chatel::HolderKind;
use contracts::search::DocumentText;
use contracts::{BillingPeriod, Category, ContractId, ContractRecord, ContractTerms, Counterparty, Price, SendingWay};
use futures::TryStreamExt;
use jiff::Timestamp;
use jiff::civil::Date;
use kernel::values::Siren;
use kernel::{AccountId, FileId, UserId};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// Where a contract stands in its termination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractStatus {
    /// Running; no termination sent.
    Active,
    /// The termination letter was sent.
    Sent,
    /// The termination was delivered (proof on file).
    Delivered,
    /// Over.
    Terminated,
}

impl ContractStatus {
    pub const ALL: [ContractStatus; 4] = [
        ContractStatus::Active,
        ContractStatus::Sent,
        ContractStatus::Delivered,
        ContractStatus::Terminated,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ContractStatus::Active => "active",
            ContractStatus::Sent => "sent",
            ContractStatus::Delivered => "delivered",
            ContractStatus::Terminated => "terminated",
        }
    }

    pub fn parse(code: &str) -> Option<ContractStatus> {
        ContractStatus::ALL.into_iter().find(|s| s.code() == code.trim())
    }
}

/// A stored contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contract {
    pub id: ContractId,
    pub account_id: AccountId,
    pub record: ContractRecord,
    pub status: ContractStatus,
    /// The way the termination was sent.
    pub letter_way: Option<SendingWay>,
    pub sent_on: Option<Date>,
    pub delivered_on: Option<Date>,
    pub proof_file_id: Option<FileId>,
    /// The day the contract ends after its termination.
    pub ends_on: Option<Date>,
    pub terminated_on: Option<Date>,
    /// When the supplier sent its L215-1 notice for the latest renewal (CTR-CHATEL).
    pub supplier_notice_on: Option<Date>,
    pub created_by: Option<UserId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

const COLUMNS: &str = "id, account_id, reference, counterparty_name, counterparty_siren, counterparty_office, \
    counterparty_contact, category, terms, price_minor, currency, billing_period, owner, tags, notes, status, \
    letter_way, sent_on, delivered_on, proof_file_id, ends_on, terminated_on, supplier_notice_on, created_by, \
    created_at, updated_at";

fn opt_date(row: &AnyRow, col: &str) -> Result<Option<Date>> {
    match get_opt_str(row, col)? {
        Some(s) => s.parse::<Date>().map(Some).map_err(|_| corrupt(col, &s)),
        None => Ok(None),
    }
}

fn from_row(row: &AnyRow) -> Result<Contract> {
    let terms_json = get_str(row, "terms")?;
    let terms: ContractTerms = serde_json::from_str(&terms_json).map_err(|_| corrupt("terms", &terms_json))?;
    let category_raw = get_str(row, "category")?;
    let category = Category::parse("category", &category_raw).map_err(|_| corrupt("category", &category_raw))?;
    let siren = match get_opt_str(row, "counterparty_siren")? {
        Some(s) => Some(Siren::parse("siren", &s).map_err(|_| corrupt("counterparty_siren", &s))?),
        None => None,
    };
    let price = match (
        row.try_get::<Option<i64>, _>("price_minor")?,
        get_opt_str(row, "currency")?,
        get_opt_str(row, "billing_period")?,
    ) {
        (Some(amount_minor), Some(currency), Some(period)) => Some(Price {
            amount_minor,
            currency,
            period: BillingPeriod::parse("billing_period", &period).map_err(|_| corrupt("billing_period", &period))?,
        }),
        _ => None,
    };
    let tags_json = get_str(row, "tags")?;
    let tags: Vec<String> = serde_json::from_str(&tags_json).map_err(|_| corrupt("tags", &tags_json))?;
    let status_raw = get_str(row, "status")?;
    let letter_way = match get_opt_str(row, "letter_way")? {
        Some(w) => Some(SendingWay::from_code(&w).ok_or_else(|| corrupt("letter_way", &w))?),
        None => None,
    };
    Ok(Contract {
        id: get_id(row, "id")?,
        account_id: get_id(row, "account_id")?,
        record: ContractRecord {
            reference: get_str(row, "reference")?,
            counterparty: Counterparty {
                name: get_str(row, "counterparty_name")?,
                siren,
                registered_office: get_opt_str(row, "counterparty_office")?,
                contact: get_opt_str(row, "counterparty_contact")?,
            },
            category,
            terms,
            price,
            owner: get_opt_str(row, "owner")?,
            tags,
            notes: get_str(row, "notes")?,
        },
        status: ContractStatus::parse(&status_raw).ok_or_else(|| corrupt("status", &status_raw))?,
        letter_way,
        sent_on: opt_date(row, "sent_on")?,
        delivered_on: opt_date(row, "delivered_on")?,
        proof_file_id: get_opt_id(row, "proof_file_id")?,
        ends_on: opt_date(row, "ends_on")?,
        terminated_on: opt_date(row, "terminated_on")?,
        supplier_notice_on: opt_date(row, "supplier_notice_on")?,
        created_by: get_opt_id(row, "created_by")?,
        created_at: get_ts(row, "created_at")?,
        updated_at: get_ts(row, "updated_at")?,
    })
}

fn terms_json(r: &ContractRecord) -> Result<String> {
    serde_json::to_string(&r.terms).map_err(|e| corrupt("terms", &e.to_string()))
}

fn tags_json(r: &ContractRecord) -> Result<String> {
    serde_json::to_string(&r.tags).map_err(|e| corrupt("tags", &e.to_string()))
}

pub async fn insert(conn: &mut AnyConnection, c: &Contract) -> Result<()> {
    let r = &c.record;
    sqlx::query(
        "INSERT INTO contracts (id, account_id, reference, counterparty_name, counterparty_siren, counterparty_office, \
         counterparty_contact, category, terms, start_on, price_minor, currency, billing_period, owner, tags, notes, status, \
         supplier_notice_on, created_by, created_at, updated_at, search_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)",
    )
    .bind(c.id.to_string())
    .bind(c.account_id.to_string())
    .bind(&r.reference)
    .bind(&r.counterparty.name)
    .bind(r.counterparty.siren.as_ref().map(|s| s.as_str().to_string()))
    .bind(r.counterparty.registered_office.clone())
    .bind(r.counterparty.contact.clone())
    .bind(r.category.code())
    .bind(terms_json(r)?)
    .bind(r.terms.start().to_string())
    .bind(r.price.as_ref().map(|p| p.amount_minor))
    .bind(r.price.as_ref().map(|p| p.currency.clone()))
    .bind(r.price.as_ref().map(|p| p.period.code()))
    .bind(r.owner.clone())
    .bind(tags_json(r)?)
    .bind(&r.notes)
    .bind(c.status.code())
    .bind(c.supplier_notice_on.map(|d| d.to_string()))
    .bind(c.created_by.map(|u| u.to_string()))
    .bind(us(c.created_at))
    .bind(us(c.updated_at))
    .bind(contracts::search::search_key(r))
    .execute(conn)
    .await?;
    Ok(())
}

/// Replaces a contract's register fields; false when it is not that account's.
pub async fn update_record(
    conn: &mut AnyConnection,
    account: AccountId,
    id: ContractId,
    r: &ContractRecord,
    supplier_notice_on: Option<Date>,
    now: Timestamp,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE contracts SET reference = $3, counterparty_name = $4, counterparty_siren = $5, counterparty_office = $6, \
         counterparty_contact = $7, category = $8, terms = $9, start_on = $10, price_minor = $11, currency = $12, \
         billing_period = $13, owner = $14, tags = $15, notes = $16, supplier_notice_on = $17, updated_at = $18, \
         search_key = $19 \
         WHERE account_id = $1 AND id = $2",
    )
    .bind(account.to_string())
    .bind(id.to_string())
    .bind(&r.reference)
    .bind(&r.counterparty.name)
    .bind(r.counterparty.siren.as_ref().map(|s| s.as_str().to_string()))
    .bind(r.counterparty.registered_office.clone())
    .bind(r.counterparty.contact.clone())
    .bind(r.category.code())
    .bind(terms_json(r)?)
    .bind(r.terms.start().to_string())
    .bind(r.price.as_ref().map(|p| p.amount_minor))
    .bind(r.price.as_ref().map(|p| p.currency.clone()))
    .bind(r.price.as_ref().map(|p| p.period.code()))
    .bind(r.owner.clone())
    .bind(tags_json(r)?)
    .bind(&r.notes)
    .bind(supplier_notice_on.map(|d| d.to_string()))
    .bind(us(now))
    .bind(contracts::search::search_key(r))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The termination steps of a contract as they now stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LetterSteps {
    pub status: ContractStatus,
    pub letter_way: Option<SendingWay>,
    pub sent_on: Option<Date>,
    pub delivered_on: Option<Date>,
    pub proof_file_id: Option<FileId>,
    pub ends_on: Option<Date>,
    pub terminated_on: Option<Date>,
}

impl From<&Contract> for LetterSteps {
    fn from(c: &Contract) -> LetterSteps {
        LetterSteps {
            status: c.status,
            letter_way: c.letter_way,
            sent_on: c.sent_on,
            delivered_on: c.delivered_on,
            proof_file_id: c.proof_file_id,
            ends_on: c.ends_on,
            terminated_on: c.terminated_on,
        }
    }
}

pub async fn set_steps(
    conn: &mut AnyConnection,
    account: AccountId,
    id: ContractId,
    s: &LetterSteps,
    now: Timestamp,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE contracts SET status = $3, letter_way = $4, sent_on = $5, delivered_on = $6, proof_file_id = $7, \
         ends_on = $8, terminated_on = $9, updated_at = $10 WHERE account_id = $1 AND id = $2",
    )
    .bind(account.to_string())
    .bind(id.to_string())
    .bind(s.status.code())
    .bind(s.letter_way.map(|w| w.code()))
    .bind(s.sent_on.map(|d| d.to_string()))
    .bind(s.delivered_on.map(|d| d.to_string()))
    .bind(s.proof_file_id.map(|f| f.to_string()))
    .bind(s.ends_on.map(|d| d.to_string()))
    .bind(s.terminated_on.map(|d| d.to_string()))
    .bind(us(now))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One contract of `account`; `None` when it is another account's or unknown.
pub async fn get(conn: &mut AnyConnection, account: AccountId, id: ContractId) -> Result<Option<Contract>> {
    let sql = format!("SELECT {COLUMNS} FROM contracts WHERE account_id = $1 AND id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(account.to_string())
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// What a list is narrowed to (deadline windows are computed by the caller).
#[derive(Debug, Clone, Default)]
pub struct ContractFilter {
    pub status: Option<ContractStatus>,
    pub category: Option<Category>,
    /// Words found in the counterparty, reference, category, owner, tags, notes or the text of
    /// the contract's documents, whatever their case and accents, singular or plural.
    pub search: Option<String>,
}

/// The account's contracts matching `filter`, by counterparty.
pub async fn list(conn: &mut AnyConnection, account: AccountId, filter: &ContractFilter) -> Result<Vec<Contract>> {
    let mut sql = format!("SELECT {COLUMNS} FROM contracts WHERE account_id = $1");
    let mut n = 1;
    if filter.status.is_some() {
        n += 1;
        sql.push_str(&format!(" AND status = ${n}"));
    }
    if filter.category.is_some() {
        n += 1;
        sql.push_str(&format!(" AND category = ${n}"));
    }
    // Folded, stemmed words (alphanumeric only: nothing to escape), each the start of a stem.
    let words: Vec<String> = contracts::search::words(filter.search.as_deref().unwrap_or(""))
        .into_iter()
        .take(8)
        .map(|w| format!("% {w}%"))
        .collect();
    // Each word in the contract's own key or in one of its documents' keys.
    for _ in &words {
        n += 1;
        sql.push_str(&format!(
            " AND (search_key LIKE ${n} OR EXISTS (SELECT 1 FROM contract_documents d \
             WHERE d.account_id = contracts.account_id AND d.contract_id = contracts.id AND d.search_key LIKE ${n}))"
        ));
    }
    sql.push_str(" ORDER BY LOWER(counterparty_name), created_at");
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.to_string());
    if let Some(s) = filter.status {
        q = q.bind(s.code());
    }
    if let Some(c) = filter.category {
        q = q.bind(c.code());
    }
    for w in words {
        q = q.bind(w);
    }
    // Each row is turned into a contract as it arrives rather than all rows being held first:
    // a register of a million contracts would otherwise hold both copies at once.
    let mut rows = q.fetch(conn);
    let mut contracts = Vec::new();
    while let Some(row) = rows.try_next().await? {
        contracts.push(from_row(&row)?);
    }
    Ok(contracts)
}

/// Every account that has at least one contract still running (platform scope).
pub async fn accounts_with_contracts(conn: &mut AnyConnection) -> Result<Vec<AccountId>> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT account_id FROM contracts WHERE status <> 'terminated' ORDER BY account_id",
    )
    .fetch_all(conn)
    .await?;
    ids.iter()
        .map(|s| s.parse().map_err(|_| corrupt("account_id", s)))
        .collect()
}

pub async fn count(conn: &mut AnyConnection, account: AccountId) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM contracts WHERE account_id = $1")
            .bind(account.to_string())
            .fetch_one(conn)
            .await?,
    )
}

/// Deletes a contract with its documents (their files too); false when it is not that account's.
pub async fn delete(conn: &mut AnyConnection, account: AccountId, id: ContractId) -> Result<bool> {
    let files: Vec<String> = sqlx::query_scalar(
        "SELECT file_id FROM contract_documents WHERE account_id = $1 AND contract_id = $2 \
         UNION SELECT proof_file_id FROM contracts WHERE account_id = $1 AND id = $2 AND proof_file_id IS NOT NULL",
    )
    .bind(account.to_string())
    .bind(id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM contract_documents WHERE account_id = $1 AND contract_id = $2")
        .bind(account.to_string())
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    let done = sqlx::query("DELETE FROM contracts WHERE account_id = $1 AND id = $2")
        .bind(account.to_string())
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    for f in files {
        sqlx::query("DELETE FROM files WHERE account_id = $1 AND id = $2")
            .bind(account.to_string())
            .bind(f)
            .execute(&mut *conn)
            .await?;
    }
    Ok(done.rows_affected() == 1)
}

/// A document attached to a contract, with what became of its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractDocument {
    pub meta: FileMeta,
    pub text_status: DocumentText,
    /// Characters of text kept for the search.
    pub text_chars: i64,
}

/// Attaches the file `file` to a contract with the text read from it (empty when none was).
pub async fn add_document(
    conn: &mut AnyConnection,
    account: AccountId,
    id: ContractId,
    file: FileId,
    text_status: DocumentText,
    text: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO contract_documents (account_id, contract_id, file_id, text_status, extracted_text, search_key) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(account.to_string())
    .bind(id.to_string())
    .bind(file.to_string())
    .bind(text_status.code())
    .bind(text)
    .bind(contracts::search::document_key(text))
    .execute(conn)
    .await?;
    Ok(())
}

/// Detaches a document from a contract and deletes its file, which releases the bytes it
/// counted in the account's storage; false when it is not a document of that account's contract.
pub async fn delete_document(
    conn: &mut AnyConnection,
    account: AccountId,
    id: ContractId,
    file: FileId,
) -> Result<bool> {
    let done =
        sqlx::query("DELETE FROM contract_documents WHERE account_id = $1 AND contract_id = $2 AND file_id = $3")
            .bind(account.to_string())
            .bind(id.to_string())
            .bind(file.to_string())
            .execute(&mut *conn)
            .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query("DELETE FROM files WHERE account_id = $1 AND id = $2")
        .bind(account.to_string())
        .bind(file.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(true)
}

/// The documents attached to a contract, oldest first.
pub async fn documents(conn: &mut AnyConnection, account: AccountId, id: ContractId) -> Result<Vec<ContractDocument>> {
    let rows = sqlx::query(
        "SELECT f.id, f.account_id, f.purpose, f.file_name, f.content_type, f.size_bytes, f.sha256, f.uploaded_by, f.uploaded_at, \
         d.text_status, CAST(LENGTH(d.extracted_text) AS BIGINT) AS text_chars \
         FROM contract_documents d JOIN files f ON f.id = d.file_id AND f.account_id = d.account_id \
         WHERE d.account_id = $1 AND d.contract_id = $2 ORDER BY f.uploaded_at, f.id",
    )
    .bind(account.to_string())
    .bind(id.to_string())
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let status = get_str(r, "text_status")?;
            Ok(ContractDocument {
                meta: FileMeta {
                    id: get_id(r, "id")?,
                    account_id: get_id(r, "account_id")?,
                    purpose: get_str(r, "purpose")?,
                    file_name: get_str(r, "file_name")?,
                    content_type: get_str(r, "content_type")?,
                    size_bytes: get_i64(r, "size_bytes")?,
                    sha256: get_str(r, "sha256")?,
                    uploaded_by: get_opt_id(r, "uploaded_by")?,
                    uploaded_at: get_ts(r, "uploaded_at")?,
                },
                text_status: DocumentText::parse(&status).ok_or_else(|| corrupt("text_status", &status))?,
                text_chars: get_i64(r, "text_chars")?,
            })
        })
        .collect()
}

/// The account's settings for the module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractSettings {
    /// Alsace-Moselle public holidays count (Good Friday, 26 December).
    pub alsace_moselle: bool,
    /// Whether the holder is a professional or not (CTR-CHATEL).
    pub holder_kind: HolderKind,
    /// Reminder lead times in days before the send-by date, largest first.
    pub lead_days: Vec<u16>,
    pub weekly_digest: bool,
    /// When the current calendar feed token was made; `None` when there is no feed.
    pub calendar_since: Option<Timestamp>,
}

pub const DEFAULT_LEAD_DAYS: [u16; 4] = [90, 30, 15, 7];

impl Default for ContractSettings {
    fn default() -> Self {
        ContractSettings {
            alsace_moselle: false,
            holder_kind: HolderKind::Professional,
            lead_days: DEFAULT_LEAD_DAYS.to_vec(),
            weekly_digest: false,
            calendar_since: None,
        }
    }
}

pub fn holder_kind(code: &str) -> Option<HolderKind> {
    [
        HolderKind::Professional,
        HolderKind::Association,
        HolderKind::CoOwnership,
        HolderKind::Consumer,
    ]
    .into_iter()
    .find(|h| h.code() == code.trim())
}

pub async fn settings(conn: &mut AnyConnection, account: AccountId) -> Result<ContractSettings> {
    let row = sqlx::query(
        "SELECT (alsace_moselle = TRUE) AS alsace_moselle, holder_kind, lead_days, (weekly_digest = TRUE) AS weekly_digest, \
         calendar_token_created_at FROM contract_settings WHERE account_id = $1",
    )
    .bind(account.to_string())
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else {
        return Ok(ContractSettings::default());
    };
    let kind = get_str(&row, "holder_kind")?;
    let lead_raw = get_str(&row, "lead_days")?;
    let lead_days = lead_raw
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse::<u16>().map_err(|_| corrupt("lead_days", &lead_raw)))
        .collect::<Result<Vec<u16>>>()?;
    Ok(ContractSettings {
        alsace_moselle: get_bool(&row, "alsace_moselle")?,
        holder_kind: holder_kind(&kind).ok_or_else(|| corrupt("holder_kind", &kind))?,
        lead_days,
        weekly_digest: get_bool(&row, "weekly_digest")?,
        calendar_since: get_opt_ts(&row, "calendar_token_created_at")?,
    })
}

async fn ensure_settings(conn: &mut AnyConnection, account: AccountId, now: Timestamp) -> Result<()> {
    sqlx::query(
        "INSERT INTO contract_settings (account_id, alsace_moselle, holder_kind, lead_days, weekly_digest, updated_at) \
         VALUES ($1, FALSE, 'professional', '90,30,15,7', FALSE, $2) ON CONFLICT (account_id) DO NOTHING",
    )
    .bind(account.to_string())
    .bind(us(now))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_settings(
    conn: &mut AnyConnection,
    account: AccountId,
    s: &ContractSettings,
    now: Timestamp,
) -> Result<()> {
    ensure_settings(conn, account, now).await?;
    let lead = s.lead_days.iter().map(u16::to_string).collect::<Vec<_>>().join(",");
    sqlx::query(
        "UPDATE contract_settings SET alsace_moselle = $2, holder_kind = $3, lead_days = $4, weekly_digest = $5, updated_at = $6 \
         WHERE account_id = $1",
    )
    .bind(account.to_string())
    .bind(s.alsace_moselle)
    .bind(s.holder_kind.code())
    .bind(lead)
    .bind(s.weekly_digest)
    .bind(us(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets (or with `None` removes) the calendar feed token's hash.
pub async fn set_calendar_token(
    conn: &mut AnyConnection,
    account: AccountId,
    hash: Option<&str>,
    now: Timestamp,
) -> Result<()> {
    ensure_settings(conn, account, now).await?;
    sqlx::query(
        "UPDATE contract_settings SET calendar_token_hash = $2, calendar_token_created_at = $3, updated_at = $4 WHERE account_id = $1",
    )
    .bind(account.to_string())
    .bind(hash)
    .bind(hash.map(|_| us(now)))
    .bind(us(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// The account whose calendar token hashes to `hash` (read in the platform scope).
pub async fn account_by_calendar_token(conn: &mut AnyConnection, hash: &str) -> Result<Option<AccountId>> {
    let row = sqlx::query("SELECT account_id FROM contract_settings WHERE calendar_token_hash = $1")
        .bind(hash)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(|r| get_id(r, "account_id")).transpose()
}
