//! The register's fields (CLOG-SERVICE): who the contract is with, what it is, its terms and
//! its price. Storage, owners as users, documents and audit are the app's.

use kernel::FieldError;
use kernel::values::Siren;
use serde::{Deserialize, Serialize};

use crate::terms::ContractTerms;

kernel::typed_id!(
    /// A contract in an account's register.
    ContractId
);

/// What a contract is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Software,
    Telecom,
    Lease,
    Insurance,
    Energy,
    Other,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::Software,
        Category::Telecom,
        Category::Lease,
        Category::Insurance,
        Category::Energy,
        Category::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Category::Software => "software",
            Category::Telecom => "telecom",
            Category::Lease => "lease",
            Category::Insurance => "insurance",
            Category::Energy => "energy",
            Category::Other => "other",
        }
    }

    /// Parses a code; anything else is `unknown_category` on `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Category, FieldError> {
        let code = raw.trim().to_ascii_lowercase();
        Category::ALL
            .into_iter()
            .find(|c| c.code() == code)
            .ok_or_else(|| FieldError::new(field, "unknown_category"))
    }

    pub fn label(self, lang: kernel::Lang) -> &'static str {
        use kernel::Lang::{En, Fr};
        match (self, lang) {
            (Category::Software, Fr) => "Logiciel",
            (Category::Software, En) => "Software",
            (Category::Telecom, Fr) => "Télécoms",
            (Category::Telecom, En) => "Telecoms",
            (Category::Lease, Fr) => "Bail et location",
            (Category::Lease, En) => "Lease and rental",
            (Category::Insurance, Fr) => "Assurance",
            (Category::Insurance, En) => "Insurance",
            (Category::Energy, Fr) => "Énergie",
            (Category::Energy, En) => "Energy",
            (Category::Other, Fr) => "Autre",
            (Category::Other, En) => "Other",
        }
    }
}

/// How often the price is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BillingPeriod {
    Monthly,
    Quarterly,
    Yearly,
    /// Paid once.
    Once,
}

impl BillingPeriod {
    pub const ALL: [BillingPeriod; 4] = [
        BillingPeriod::Monthly,
        BillingPeriod::Quarterly,
        BillingPeriod::Yearly,
        BillingPeriod::Once,
    ];

    pub fn code(self) -> &'static str {
        match self {
            BillingPeriod::Monthly => "monthly",
            BillingPeriod::Quarterly => "quarterly",
            BillingPeriod::Yearly => "yearly",
            BillingPeriod::Once => "once",
        }
    }

    pub fn parse(field: &str, raw: &str) -> Result<BillingPeriod, FieldError> {
        let code = raw.trim().to_ascii_lowercase();
        BillingPeriod::ALL
            .into_iter()
            .find(|p| p.code() == code)
            .ok_or_else(|| FieldError::new(field, "unknown_billing_period"))
    }

    /// Payments per year, for yearly spend (0 for a one-off price).
    pub fn per_year(self) -> i64 {
        match self {
            BillingPeriod::Monthly => 12,
            BillingPeriod::Quarterly => 4,
            BillingPeriod::Yearly => 1,
            BillingPeriod::Once => 0,
        }
    }
}

/// A price in minor units (cents) of a currency, excl. VAT, per billing period.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Price {
    pub amount_minor: i64,
    /// ISO 4217 code, upper case (`EUR`).
    pub currency: String,
    pub period: BillingPeriod,
}

/// Parses a decimal amount (`49.90`, `49,90`, `1 699`, `1699.5`) into minor units; at most two
/// decimals, not negative, below a billion.
pub fn parse_amount(field: &str, raw: &str) -> Result<i64, FieldError> {
    let err = || FieldError::new(field, "amount_format");
    let compact: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    let (units, decimals) = match compact.split_once(['.', ',']) {
        Some((u, d)) => (u, d),
        None => (compact.as_str(), ""),
    };
    if units.is_empty()
        || units.len() > 9
        || decimals.len() > 2
        || !units.bytes().all(|b| b.is_ascii_digit())
        || !decimals.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(err());
    }
    let units: i64 = units.parse().map_err(|_| err())?;
    let cents: i64 = match decimals.len() {
        0 => 0,
        1 => decimals.parse::<i64>().map_err(|_| err())? * 10,
        _ => decimals.parse().map_err(|_| err())?,
    };
    Ok(units * 100 + cents)
}

/// Minor units written as a decimal with two places (`4990` → `49.90`).
pub fn format_amount(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", (minor / 100).abs(), (minor % 100).abs())
}

/// A three-letter currency code, upper-cased.
pub fn parse_currency(field: &str, raw: &str) -> Result<String, FieldError> {
    let code = raw.trim().to_ascii_uppercase();
    if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err(FieldError::new(field, "currency_format"))
    }
}

/// The other party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counterparty {
    pub name: String,
    pub siren: Option<Siren>,
    /// The registered office, where a termination letter is addressed (CTR-LETTER).
    pub registered_office: Option<String>,
    pub contact: Option<String>,
}

/// One contract of the register, without its storage identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractRecord {
    /// The counterparty's reference for the contract (customer number, policy number).
    pub reference: String,
    pub counterparty: Counterparty,
    pub category: Category,
    pub terms: ContractTerms,
    pub price: Option<Price>,
    /// Who looks after it (an email or a name; the app resolves users).
    pub owner: Option<String>,
    pub tags: Vec<String>,
    pub notes: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_in_minor_units() {
        assert_eq!(parse_amount("price", "49.90"), Ok(4990));
        assert_eq!(parse_amount("price", "49,9"), Ok(4990));
        assert_eq!(parse_amount("price", "1 699"), Ok(169_900));
        assert_eq!(parse_amount("price", "0.05"), Ok(5));
        for bad in ["", "-3", "1.234", "abc", "1.2.3", "12e3"] {
            assert_eq!(
                parse_amount("price", bad),
                Err(FieldError::new("price", "amount_format")),
                "{bad}"
            );
        }
        assert_eq!(format_amount(4990), "49.90");
        assert_eq!(format_amount(5), "0.05");
        assert_eq!(Category::parse("category", " Telecom "), Ok(Category::Telecom));
        assert_eq!(
            Category::parse("category", "food"),
            Err(FieldError::new("category", "unknown_category"))
        );
    }
}
