//! An account's know-your-customer data (INES-KYC): registry extract and bank details.

use crate::{Result, corrupt, get_opt_id, get_opt_str, get_opt_ts, us};
use jiff::civil::Date;
use kernel::AccountId;
use kernel::values::Iban;
use platform::kyc::{BankDetails, Kyc, RegistryExtract};
use sqlx::AnyConnection;

pub async fn get(conn: &mut AnyConnection, account: AccountId) -> Result<Kyc> {
    let row = sqlx::query(
        "SELECT k.registry_file_id, k.registry_issued_on, k.registry_uploaded_at, f.file_name, \
         k.bank_holder, k.bank_iban, k.bank_bic, k.bank_updated_at \
         FROM account_kyc k LEFT JOIN files f ON f.id = k.registry_file_id WHERE k.account_id = $1",
    )
    .bind(account.to_string())
    .fetch_optional(conn)
    .await?;
    let Some(row) = row else {
        return Ok(Kyc::default());
    };
    let registry_extract = match (
        get_opt_id(&row, "registry_file_id")?,
        get_opt_str(&row, "registry_issued_on")?,
        get_opt_ts(&row, "registry_uploaded_at")?,
    ) {
        (Some(file_id), Some(issued), Some(uploaded_at)) => Some(RegistryExtract {
            file_id,
            file_name: get_opt_str(&row, "file_name")?.unwrap_or_default(),
            issued_on: issued
                .parse::<Date>()
                .map_err(|_| corrupt("registry_issued_on", &issued))?,
            uploaded_at,
        }),
        _ => None,
    };
    let bank_details = match (
        get_opt_str(&row, "bank_holder")?,
        get_opt_str(&row, "bank_iban")?,
        get_opt_ts(&row, "bank_updated_at")?,
    ) {
        (Some(holder), Some(iban), Some(updated_at)) => Some(BankDetails {
            holder,
            iban: Iban::parse("iban", &iban).map_err(|_| corrupt("bank_iban", &iban))?,
            bic: get_opt_str(&row, "bank_bic")?,
            updated_at,
        }),
        _ => None,
    };
    Ok(Kyc {
        registry_extract,
        bank_details,
    })
}

async fn ensure_row(conn: &mut AnyConnection, account: AccountId) -> Result<()> {
    sqlx::query("INSERT INTO account_kyc (account_id) VALUES ($1) ON CONFLICT (account_id) DO NOTHING")
        .bind(account.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_registry_extract(
    conn: &mut AnyConnection,
    account: AccountId,
    extract: &RegistryExtract,
) -> Result<()> {
    ensure_row(conn, account).await?;
    sqlx::query(
        "UPDATE account_kyc SET registry_file_id = $2, registry_issued_on = $3, registry_uploaded_at = $4 \
         WHERE account_id = $1",
    )
    .bind(account.to_string())
    .bind(extract.file_id.to_string())
    .bind(extract.issued_on.to_string())
    .bind(us(extract.uploaded_at))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_bank_details(conn: &mut AnyConnection, account: AccountId, bank: &BankDetails) -> Result<()> {
    ensure_row(conn, account).await?;
    sqlx::query(
        "UPDATE account_kyc SET bank_holder = $2, bank_iban = $3, bank_bic = $4, bank_updated_at = $5 \
         WHERE account_id = $1",
    )
    .bind(account.to_string())
    .bind(&bank.holder)
    .bind(bank.iban.as_str())
    .bind(bank.bic.as_deref())
    .bind(us(bank.updated_at))
    .execute(conn)
    .await?;
    Ok(())
}
