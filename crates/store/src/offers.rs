//! The offer catalogue: each version of each offer file, as loaded. Platform data (no account).

use crate::{Result, get_i64, get_id, get_opt_id, get_str, get_ts, us};
use jiff::Timestamp;
use kernel::{OfferVersionId, UserId};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

/// One loaded version of an offer file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOffer {
    pub id: OfferVersionId,
    pub offer_key: String,
    pub version: u32,
    pub name: String,
    pub file_name: String,
    /// The file's text, exactly as loaded: what customers subscribed under can be reread.
    pub source: String,
    pub sha256: String,
    pub loaded_at: Timestamp,
    pub loaded_by: Option<UserId>,
}

const COLUMNS: &str = "id, offer_key, version, name, file_name, source, sha256, loaded_at, loaded_by";

fn from_row(row: &AnyRow) -> Result<StoredOffer> {
    let version = get_i64(row, "version")?;
    Ok(StoredOffer {
        id: get_id(row, "id")?,
        offer_key: get_str(row, "offer_key")?,
        version: u32::try_from(version).map_err(|_| crate::corrupt("offer version", &version.to_string()))?,
        name: get_str(row, "name")?,
        file_name: get_str(row, "file_name")?,
        source: get_str(row, "source")?,
        sha256: get_str(row, "sha256")?,
        loaded_at: get_ts(row, "loaded_at")?,
        loaded_by: get_opt_id(row, "loaded_by")?,
    })
}

pub async fn insert(conn: &mut AnyConnection, o: &StoredOffer) -> Result<()> {
    sqlx::query(
        "INSERT INTO offers (id, offer_key, version, name, file_name, source, sha256, loaded_at, loaded_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(o.id.to_string())
    .bind(&o.offer_key)
    .bind(i64::from(o.version))
    .bind(&o.name)
    .bind(&o.file_name)
    .bind(&o.source)
    .bind(&o.sha256)
    .bind(us(o.loaded_at))
    .bind(o.loaded_by.map(|u| u.to_string()))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, key: &str, version: u32) -> Result<Option<StoredOffer>> {
    let sql = format!("SELECT {COLUMNS} FROM offers WHERE offer_key = $1 AND version = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(key)
        .bind(i64::from(version))
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Every version of every offer, newest version first within each offer.
pub async fn all(conn: &mut AnyConnection) -> Result<Vec<StoredOffer>> {
    let sql = format!("SELECT {COLUMNS} FROM offers ORDER BY offer_key, version DESC");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(conn).await?;
    rows.iter().map(from_row).collect()
}
