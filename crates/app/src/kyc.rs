//! Know your customer (INES-KYC): the holder's registry extract and bank details, provided by an
//! administrator and kept up to date. Operator staff see whether they are on file (administrative
//! data) and the bank account masked.

use crate::trail::record;
use crate::{Actor, App, AppError};
use kernel::values::{Iban, bic, required_text};
use kernel::{AccountId, FieldErrors, FileId};
use platform::credentials::sha256_hex;
use platform::kyc::{BankDetails, Kyc, RegistryExtract, check_document, check_registry_extract_date, clean_file_name};
use serde::Deserialize;
use store::files::FileMeta;

/// Bank details an administrator submits.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BankInput {
    pub holder: String,
    pub iban: String,
    pub bic: String,
}

/// A registry extract being provided: the document and the issue date printed on it.
#[derive(Debug, Clone, Default)]
pub struct RegistryExtractUpload {
    pub file_name: String,
    pub issued_on: String,
    pub content: Vec<u8>,
}

impl App {
    /// What the account has provided.
    pub async fn kyc(&self, account: AccountId) -> Result<Kyc, AppError> {
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        let kyc = store::kyc::get(&mut tx, account).await?;
        tx.commit().await?;
        Ok(kyc)
    }

    /// Records or replaces the bank details; every field is checked before anything is written.
    pub async fn set_bank_details(&self, account: AccountId, input: BankInput, actor: &Actor) -> Result<Kyc, AppError> {
        let mut errors = FieldErrors::new();
        let holder = errors.check(required_text("holder", &input.holder, 140));
        let iban = errors.check(Iban::parse("iban", &input.iban));
        let bic = if input.bic.trim().is_empty() {
            Some(None)
        } else {
            errors.check(bic("bic", &input.bic)).map(Some)
        };
        errors.into_result()?;
        let (Some(holder), Some(iban), Some(bic)) = (holder, iban, bic) else {
            return Err(AppError::Unexpected(anyhow::anyhow!(
                "bank details checked but incomplete"
            )));
        };
        let now = self.now_for(Some(account)).await?;
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Write).await?;
        let details = BankDetails {
            holder,
            iban,
            bic,
            updated_at: now,
        };
        store::kyc::set_bank_details(&mut tx, account, &details).await?;
        record(
            &mut tx,
            actor,
            Some(account),
            "kyc.bank_details",
            Some(("account", account.to_string())),
            now,
        )
        .await?;
        let kyc = store::kyc::get(&mut tx, account).await?;
        tx.commit().await?;
        Ok(kyc)
    }

    /// Stores a registry extract (K-bis) issued less than three months before today; the
    /// previous one stays in the files, so what was provided when remains provable.
    pub async fn upload_registry_extract(
        &self,
        account: AccountId,
        upload: RegistryExtractUpload,
        actor: &Actor,
    ) -> Result<Kyc, AppError> {
        let now = self.now_for(Some(account)).await?;
        let today = kernel::clock::paris_date(now);
        let mut errors = FieldErrors::new();
        let content_type = errors.check(check_document("file", &upload.content));
        let issued_on = match upload.issued_on.trim().parse::<jiff::civil::Date>() {
            Ok(d) => errors.check(check_registry_extract_date("issued_on", d, today).map(|()| d)),
            Err(_) if upload.issued_on.trim().is_empty() => {
                errors.push("issued_on", "required");
                None
            }
            Err(_) => {
                errors.push("issued_on", "date_invalid");
                None
            }
        };
        errors.into_result()?;
        let (Some(content_type), Some(issued_on)) = (content_type, issued_on) else {
            return Err(AppError::Unexpected(anyhow::anyhow!(
                "registry extract checked but incomplete"
            )));
        };
        let meta = FileMeta {
            id: FileId::new(),
            account_id: account,
            purpose: "registry_extract".into(),
            file_name: clean_file_name(&upload.file_name, "kbis.pdf"),
            content_type: content_type.into(),
            size_bytes: upload.content.len() as i64,
            sha256: sha256_hex(&upload.content),
            uploaded_by: actor.user_id,
            uploaded_at: now,
        };
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Write).await?;
        store::files::insert(&mut tx, &meta, &upload.content).await?;
        let extract = RegistryExtract {
            file_id: meta.id,
            file_name: meta.file_name.clone(),
            issued_on,
            uploaded_at: now,
        };
        store::kyc::set_registry_extract(&mut tx, account, &extract).await?;
        record(
            &mut tx,
            actor,
            Some(account),
            "kyc.registry_extract",
            Some(("file", meta.id.to_string())),
            now,
        )
        .await?;
        let kyc = store::kyc::get(&mut tx, account).await?;
        tx.commit().await?;
        Ok(kyc)
    }

    /// The current registry extract's document.
    pub async fn registry_extract_file(&self, account: AccountId) -> Result<(FileMeta, Vec<u8>), AppError> {
        let mut tx = self.db.begin(store::Scope::Tenant(account), store::Mode::Read).await?;
        let kyc = store::kyc::get(&mut tx, account).await?;
        let extract = kyc.registry_extract.ok_or(AppError::NotFound)?;
        let file = store::files::get(&mut tx, account, extract.file_id)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(file)
    }
}
