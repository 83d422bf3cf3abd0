//! Validated values: once parsed, a value is known good (parse, don't validate).
//!
//! Each parser returns a [`FieldError`] naming the field, so forms and the API can point at it.

use crate::error::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A French company registry number (SIREN): nine digits whose Luhn checksum holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Siren(String);

impl Siren {
    /// Spaces and dots are accepted between digit groups (`732 829 320` is common on paper).
    pub fn parse(field: &str, raw: &str) -> Result<Siren, FieldError> {
        let digits: String = raw.chars().filter(|c| !matches!(c, ' ' | '.' | '\u{a0}')).collect();
        if digits.len() != 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::new(field, "siren_format"));
        }
        if !luhn_valid(&digits) {
            return Err(FieldError::new(field, "siren_checksum"));
        }
        Ok(Siren(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Siren {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The Luhn (mod 10) check over a string of ASCII digits.
pub fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, b) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum.is_multiple_of(10)
}

/// An intra-community VAT number, format-checked per member state; French numbers also have
/// their key checked against the SIREN they contain.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VatNumber(String);

/// Per-country shapes after the two-letter prefix: `9` a digit, `A` a letter, `X` a letter or
/// digit. Several shapes may be allowed. Source: the European Commission's VIES format table.
const VAT_SHAPES: &[(&str, &[&str])] = &[
    ("AT", &["U99999999"]),
    ("BE", &["9999999999"]),
    ("BG", &["999999999", "9999999999"]),
    ("CY", &["99999999A"]),
    ("CZ", &["99999999", "999999999", "9999999999"]),
    ("DE", &["999999999"]),
    ("DK", &["99999999"]),
    ("EE", &["999999999"]),
    ("EL", &["999999999"]),
    ("ES", &["X9999999X"]),
    ("FI", &["99999999"]),
    ("FR", &["XX999999999"]),
    ("HR", &["99999999999"]),
    ("HU", &["99999999"]),
    ("IE", &["9X99999A", "9999999A", "9999999AA"]),
    ("IT", &["99999999999"]),
    ("LT", &["999999999", "999999999999"]),
    ("LU", &["99999999"]),
    ("LV", &["99999999999"]),
    ("MT", &["99999999"]),
    ("NL", &["999999999B99"]),
    ("PL", &["9999999999"]),
    ("PT", &["999999999"]),
    (
        "RO",
        &[
            "99",
            "999",
            "9999",
            "99999",
            "999999",
            "9999999",
            "99999999",
            "999999999",
            "9999999999",
        ],
    ),
    ("SE", &["999999999999"]),
    ("SI", &["99999999"]),
    ("SK", &["9999999999"]),
    ("XI", &["999999999", "999999999999", "GD999", "HA999"]),
];

fn matches_shape(body: &str, shape: &str) -> bool {
    body.len() == shape.len()
        && body.bytes().zip(shape.bytes()).all(|(c, s)| match s {
            b'9' => c.is_ascii_digit(),
            b'A' => c.is_ascii_uppercase(),
            b'X' => c.is_ascii_uppercase() || c.is_ascii_digit(),
            literal => c == literal,
        })
}

impl VatNumber {
    pub fn parse(field: &str, raw: &str) -> Result<VatNumber, FieldError> {
        let compact: String = raw
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-' | '\u{a0}'))
            .collect::<String>()
            .to_ascii_uppercase();
        if compact.len() < 4 || !compact.is_ascii() {
            return Err(FieldError::new(field, "vat_format"));
        }
        let (country, body) = compact.split_at(2);
        let Some((_, shapes)) = VAT_SHAPES.iter().find(|(c, _)| *c == country) else {
            return Err(FieldError::new(field, "vat_country"));
        };
        if !shapes.iter().any(|s| matches_shape(body, s)) {
            return Err(FieldError::new(field, "vat_format"));
        }
        if country == "FR" {
            let (key, siren) = body.split_at(2);
            if !luhn_valid(siren) {
                return Err(FieldError::new(field, "vat_checksum"));
            }
            // Numeric keys are (12 + 3 × (SIREN mod 97)) mod 97; alphanumeric keys (issued to
            // newer companies) have no published check, so only their shape is verified.
            if key.bytes().all(|b| b.is_ascii_digit()) {
                let siren_num: u64 = siren.parse().map_err(|_| FieldError::new(field, "vat_format"))?;
                let expected = (12 + 3 * (siren_num % 97)) % 97;
                if key.parse::<u64>().ok() != Some(expected) {
                    return Err(FieldError::new(field, "vat_checksum"));
                }
            }
        }
        Ok(VatNumber(compact))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for VatNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An email address used as a login: trimmed and lower-cased so logins are case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(field: &str, raw: &str) -> Result<Email, FieldError> {
        let email = raw.trim().to_lowercase();
        let err = || FieldError::new(field, "email_format");
        if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(err());
        }
        let (local, domain) = email.rsplit_once('@').ok_or_else(err)?;
        if local.is_empty() || local.len() > 64 || local.contains('@') {
            return Err(err());
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2
            || labels
                .iter()
                .any(|l| l.is_empty() || l.len() > 63 || l.starts_with('-') || l.ends_with('-'))
        {
            return Err(err());
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The password policy (CLX-TRACE-ALL): at least 12 characters, at most 256, not only one
/// repeated character, and not the login itself.
pub const PASSWORD_MIN_CHARS: usize = 12;
pub const PASSWORD_MAX_CHARS: usize = 256;

pub fn check_password(field: &str, password: &str, login: Option<&str>) -> Result<(), FieldError> {
    let count = password.chars().count();
    if count < PASSWORD_MIN_CHARS {
        return Err(FieldError::new(field, "password_too_short"));
    }
    if count > PASSWORD_MAX_CHARS {
        return Err(FieldError::new(field, "password_too_long"));
    }
    let mut chars = password.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) {
        return Err(FieldError::new(field, "password_weak"));
    }
    if login.is_some_and(|l| l.eq_ignore_ascii_case(password.trim())) {
        return Err(FieldError::new(field, "password_weak"));
    }
    Ok(())
}

/// A required, trimmed, single-line text of bounded length (names, addresses, references).
pub fn required_text(field: &str, raw: &str, max_chars: usize) -> Result<String, FieldError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(FieldError::new(field, "required"));
    }
    if text.chars().count() > max_chars {
        return Err(FieldError::new(field, "too_long"));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(FieldError::new(field, "invalid_characters"));
    }
    Ok(text.to_string())
}

/// An ISO 3166-1 alpha-2 country code, upper-cased.
pub fn country_code(field: &str, raw: &str) -> Result<String, FieldError> {
    let code = raw.trim().to_ascii_uppercase();
    if code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err(FieldError::new(field, "country_format"))
    }
}

/// An International Bank Account Number (ISO 13616): country, check digits, then the domestic
/// account number, whose length each country fixes. Stored without spaces, upper-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Iban(String);

/// IBAN lengths of the SEPA countries (the ones a direct debit or transfer in euros reaches).
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AT", 20),
    ("BE", 16),
    ("BG", 22),
    ("CH", 21),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DK", 18),
    ("EE", 20),
    ("ES", 24),
    ("FI", 18),
    ("FR", 27),
    ("GB", 22),
    ("GI", 23),
    ("GR", 27),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IS", 26),
    ("IT", 27),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("MC", 27),
    ("MT", 31),
    ("NL", 18),
    ("NO", 15),
    ("PL", 28),
    ("PT", 25),
    ("RO", 24),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("VA", 22),
];

impl Iban {
    /// Spaces are accepted (IBANs are printed in groups of four).
    pub fn parse(field: &str, raw: &str) -> Result<Iban, FieldError> {
        let iban: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if iban.len() < 5 || !iban.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(FieldError::new(field, "iban_format"));
        }
        let Some(&(_, length)) = IBAN_LENGTHS.iter().find(|(c, _)| iban.starts_with(c)) else {
            return Err(FieldError::new(field, "iban_country"));
        };
        if iban.len() != length || !iban[2..4].bytes().all(|b| b.is_ascii_digit()) {
            return Err(FieldError::new(field, "iban_format"));
        }
        // ISO 7064 mod 97-10: the first four characters move to the end, letters become 10..35,
        // and the number must leave 1. Folded digit by digit so it never overflows.
        let rotated = iban[4..].bytes().chain(iban[..4].bytes());
        let mut remainder: u32 = 0;
        for b in rotated {
            let value = if b.is_ascii_digit() {
                u32::from(b - b'0')
            } else {
                u32::from(b - b'A') + 10
            };
            remainder = if value >= 10 {
                (remainder * 100 + value) % 97
            } else {
                (remainder * 10 + value) % 97
            };
        }
        if remainder != 1 {
            return Err(FieldError::new(field, "iban_checksum"));
        }
        Ok(Iban(iban))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The country and the last four characters only, for screens that need to say which
    /// account without showing it (`FR76 •••• 0189`).
    pub fn masked(&self) -> String {
        let tail = &self.0[self.0.len() - 4..];
        format!("{} •••• {tail}", &self.0[..4])
    }

    /// Groups of four, as printed on a bank statement.
    pub fn grouped(&self) -> String {
        self.0
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl fmt::Display for Iban {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A bank identifier code (ISO 9362): 4 letters (bank), 2 letters (country), 2 characters
/// (location), optionally 3 (branch).
pub fn bic(field: &str, raw: &str) -> Result<String, FieldError> {
    let code: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let shape_ok = (code.len() == 8 || code.len() == 11)
        && code.as_bytes()[..6].iter().all(u8::is_ascii_uppercase)
        && code.as_bytes()[6..].iter().all(u8::is_ascii_alphanumeric);
    if shape_ok {
        Ok(code)
    } else {
        Err(FieldError::new(field, "bic_format"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ibans_are_checked() {
        // The ECB's and the French Treasury's published examples.
        for ok in [
            "FR76 3000 6000 0112 3456 7890 189",
            "DE89370400440532013000",
            "be71 0961 2345 6769",
        ] {
            assert!(Iban::parse("iban", ok).is_ok(), "{ok}");
        }
        let iban = Iban::parse("iban", "FR7630006000011234567890189").unwrap();
        assert_eq!(iban.masked(), "FR76 •••• 0189");
        assert_eq!(iban.grouped(), "FR76 3000 6000 0112 3456 7890 189");
        assert_eq!(
            Iban::parse("iban", "FR7630006000011234567890188").unwrap_err().code,
            "iban_checksum"
        );
        assert_eq!(
            Iban::parse("iban", "FR763000600001123456789018").unwrap_err().code,
            "iban_format"
        );
        assert_eq!(
            Iban::parse("iban", "US7630006000011234567890189").unwrap_err().code,
            "iban_country"
        );
        assert_eq!(Iban::parse("iban", "FR76-3000").unwrap_err().code, "iban_format");
        assert_eq!(bic("bic", "bnpa fr pp xxx").unwrap(), "BNPAFRPPXXX");
        assert_eq!(bic("bic", "BNPAFRPP").unwrap(), "BNPAFRPP");
        assert_eq!(bic("bic", "BNP1FRPP").unwrap_err().code, "bic_format");
        assert_eq!(bic("bic", "BNPAFRé").unwrap_err().code, "bic_format");
    }

    #[test]
    fn known_sirens() {
        // Public SIRENs: Danone, La Poste holding, INSEE example.
        for ok in ["552 032 534", "356000000", "732829320"] {
            assert!(Siren::parse("siren", ok).is_ok(), "{ok}");
        }
        assert_eq!(Siren::parse("siren", "732829321").unwrap_err().code, "siren_checksum");
        assert_eq!(Siren::parse("siren", "73282932").unwrap_err().code, "siren_format");
        assert_eq!(Siren::parse("siren", "73282932a").unwrap_err().code, "siren_format");
    }

    #[test]
    fn french_vat_key_matches_siren() {
        // FR + key + SIREN 732829320: key = (12 + 3 × (732829320 mod 97)) mod 97 = 44.
        assert!(VatNumber::parse("vat", "FR44732829320").is_ok());
        assert!(VatNumber::parse("vat", "fr 44 732 829 320").is_ok());
        assert_eq!(
            VatNumber::parse("vat", "FR45732829320").unwrap_err().code,
            "vat_checksum"
        );
        assert_eq!(VatNumber::parse("vat", "FR4473282932").unwrap_err().code, "vat_format");
        assert_eq!(VatNumber::parse("vat", "ZZ123456789").unwrap_err().code, "vat_country");
        assert!(VatNumber::parse("vat", "DE123456789").is_ok());
        assert!(VatNumber::parse("vat", "NL123456789B01").is_ok());
        assert!(VatNumber::parse("vat", "ESX1234567X").is_ok());
    }

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse("email", " Alice@Example.FR ").unwrap().as_str(),
            "alice@example.fr"
        );
        for bad in ["", "a", "a@b", "@b.fr", "a b@c.fr", "a@-b.fr", "a@b..fr"] {
            assert!(Email::parse("email", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn password_policy() {
        assert_eq!(
            check_password("p", "short", None).unwrap_err().code,
            "password_too_short"
        );
        assert_eq!(
            check_password("p", "aaaaaaaaaaaaaa", None).unwrap_err().code,
            "password_weak"
        );
        assert!(check_password("p", "correct horse battery", None).is_ok());
        assert_eq!(
            check_password("p", "alice@example.fr", Some("alice@example.fr"))
                .unwrap_err()
                .code,
            "password_weak"
        );
    }

    proptest! {
        // Any 8 digits complete to exactly one valid SIREN: the Luhn digit is unique.
        #[test]
        fn exactly_one_check_digit(prefix in 0u32..100_000_000) {
            let base = format!("{prefix:08}");
            let valid: Vec<u32> = (0..10).filter(|d| Siren::parse("s", &format!("{base}{d}")).is_ok()).collect();
            prop_assert_eq!(valid.len(), 1);
        }
    }
}
