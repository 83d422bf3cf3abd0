//! Know your customer (INES-KYC): a new holder provides a company registry extract (K-bis)
//! under three months old and its bank details, and keeps them up to date.

use jiff::ToSpan;
use jiff::civil::Date;
use kernel::values::Iban;
use kernel::{FieldError, FileId, Timestamp};

/// Largest document accepted: a scanned K-bis is a few hundred kilobytes.
pub const MAX_DOCUMENT_BYTES: usize = 5 * 1024 * 1024;

/// How old a registry extract may be when it is provided.
pub const REGISTRY_EXTRACT_MAX_AGE_MONTHS: i8 = 3;

/// The registry extract on file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryExtract {
    pub file_id: FileId,
    pub file_name: String,
    pub issued_on: Date,
    pub uploaded_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankDetails {
    pub holder: String,
    pub iban: Iban,
    pub bic: Option<String>,
    pub updated_at: Timestamp,
}

/// What an account has provided so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Kyc {
    pub registry_extract: Option<RegistryExtract>,
    pub bank_details: Option<BankDetails>,
}

impl Kyc {
    /// What is still missing, as message keys (`kyc.missing_registry_extract`…).
    pub fn missing(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.registry_extract.is_none() {
            out.push("kyc.missing_registry_extract");
        }
        if self.bank_details.is_none() {
            out.push("kyc.missing_bank_details");
        }
        out
    }

    pub fn is_complete(&self) -> bool {
        self.missing().is_empty()
    }
}

/// The extract's issue date must be neither in the future nor more than three months before
/// the day it is provided.
pub fn check_registry_extract_date(field: &str, issued_on: Date, today: Date) -> Result<(), FieldError> {
    if issued_on > today {
        return Err(FieldError::new(field, "date_in_future"));
    }
    let oldest = today
        .checked_sub(i32::from(REGISTRY_EXTRACT_MAX_AGE_MONTHS).months())
        .map_err(|_| FieldError::new(field, "date_invalid"))?;
    if issued_on < oldest {
        return Err(FieldError::new(field, "registry_extract_too_old"));
    }
    Ok(())
}

/// The content type of a document from its first bytes: PDF, PNG or JPEG. What the browser
/// claims is not trusted; what the bytes are is.
pub fn sniff_document(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a]) {
        Some("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// Checks an uploaded document: not empty, not too large, a PDF or an image.
pub fn check_document(field: &str, bytes: &[u8]) -> Result<&'static str, FieldError> {
    if bytes.is_empty() {
        return Err(FieldError::new(field, "required"));
    }
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(FieldError::new(field, "file_too_large"));
    }
    sniff_document(bytes).ok_or_else(|| FieldError::new(field, "file_type"))
}

/// A file name safe to show and to send back in `Content-Disposition`: its last path segment,
/// without control characters or quotes, bounded.
pub fn clean_file_name(raw: &str, fallback: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | ';'))
        .take(120)
        .collect();
    let cleaned = cleaned.trim().to_string();
    if cleaned.is_empty() {
        fallback.to_string()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    // clause: INES-KYC
    #[test]
    fn registry_extract_must_be_under_three_months_old() {
        let today = date(2026, 11, 23);
        assert!(check_registry_extract_date("issued_on", date(2026, 8, 23), today).is_ok());
        assert!(check_registry_extract_date("issued_on", today, today).is_ok());
        let old = check_registry_extract_date("issued_on", date(2026, 8, 22), today).unwrap_err();
        assert_eq!(
            (old.field.as_str(), old.code),
            ("issued_on", "registry_extract_too_old")
        );
        let future = check_registry_extract_date("issued_on", date(2026, 11, 24), today).unwrap_err();
        assert_eq!(future.code, "date_in_future");
    }

    #[test]
    fn documents_are_recognised_by_their_bytes() {
        assert_eq!(check_document("file", b"%PDF-1.7\n...").unwrap(), "application/pdf");
        assert_eq!(check_document("file", &[0xff, 0xd8, 0xff, 0xe0]).unwrap(), "image/jpeg");
        assert_eq!(check_document("file", b"<html>").unwrap_err().code, "file_type");
        assert_eq!(check_document("file", b"").unwrap_err().code, "required");
        let big = vec![b'%'; MAX_DOCUMENT_BYTES + 1];
        assert_eq!(check_document("file", &big).unwrap_err().code, "file_too_large");
        assert_eq!(clean_file_name("C:\\docs\\kbis \"2026\".pdf", "x"), "kbis 2026.pdf");
        assert_eq!(clean_file_name("  ", "kbis.pdf"), "kbis.pdf");
    }

    #[test]
    fn complete_when_both_are_provided() {
        let mut kyc = Kyc::default();
        assert_eq!(kyc.missing().len(), 2);
        kyc.bank_details = Some(BankDetails {
            holder: "Boulangerie".into(),
            iban: Iban::parse("iban", "FR7630006000011234567890189").unwrap(),
            bic: None,
            updated_at: Timestamp::UNIX_EPOCH,
        });
        assert_eq!(kyc.missing(), vec!["kyc.missing_registry_extract"]);
        assert!(!kyc.is_complete());
    }
}
