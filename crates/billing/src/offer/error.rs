//! What is wrong with an offer file, and where.

use std::fmt;

/// One problem in an offer file: the file, the position, the field path and what is wrong.
///
/// Displayed the way compilers print errors, so editors can jump to it:
/// `offers/ines.toml:42:11: plans.pro.prices.monthly.current: must not exceed the list price (45.00)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferError {
    /// The file name as given to [`crate::Offer::parse`].
    pub file: String,
    /// 1-based line of the faulty value, or of the table that lacks a field.
    pub line: usize,
    /// 1-based column (in characters) when known.
    pub column: Option<usize>,
    /// The field path, dotted as in the file (`plans.s.prices.monthly.current`, `modules[1]`);
    /// empty when the file cannot be read as TOML at all and no field can be named.
    pub path: String,
    pub message: String,
}

impl fmt::Display for OfferError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)?;
        if let Some(column) = self.column {
            write!(f, ":{column}")?;
        }
        if self.path.is_empty() {
            write!(f, ": {}", self.message)
        } else {
            write!(f, ": {}: {}", self.path, self.message)
        }
    }
}

/// Every problem found in one offer file, in file order, so an operator fixes them in one pass.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct OfferErrors(pub Vec<OfferError>);

impl OfferErrors {
    pub fn iter(&self) -> impl Iterator<Item = &OfferError> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first error whose path is `path`, if any (handy in tests and for forms).
    pub fn at(&self, path: &str) -> Option<&OfferError> {
        self.0.iter().find(|e| e.path == path)
    }
}

impl fmt::Display for OfferErrors {
    /// One error per line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

/// Looking up something an offer does not have, or asking for a combination it does not sell.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    #[error("offer `{offer}` has no plan `{plan}` (its plans: {known})")]
    UnknownPlan { offer: String, plan: String, known: String },
    #[error("offer `{offer}` has no option `{option}`")]
    UnknownOption { offer: String, option: String },
    #[error("offer `{offer}` has no one-off fee `{fee}`")]
    UnknownFee { offer: String, fee: String },
    #[error("offer `{offer}` has no consumption price `{consumption}`")]
    UnknownConsumption { offer: String, consumption: String },
    #[error("offer `{offer}` has no quota or entitlement `{key}`")]
    UnknownQuota { offer: String, key: String },
    #[error("plan `{plan}` is not sold {period}")]
    PeriodNotSold { plan: String, period: crate::BillingPeriod },
    #[error("plan `{plan}` is priced on quote: its price comes from the special conditions")]
    PlanOnQuote { plan: String },
    #[error("option `{option}` cannot be added to plan `{plan}`")]
    OptionNotForPlan { option: String, plan: String },
    #[error("option `{option}` has no {period} price")]
    OptionPeriodNotPriced {
        option: String,
        period: crate::BillingPeriod,
    },
    #[error("option `{option}` can be taken at most {maximum} times, not {asked}")]
    TooManyOptions { option: String, maximum: u32, asked: u32 },
    #[error("plan `{plan}` has no entitlement `{entitlement}`")]
    UnknownEntitlement { plan: String, entitlement: String },
    #[error("plan `{plan}` needs at least {minimum} {entitlement}, not {asked}")]
    BelowMinimum {
        plan: String,
        entitlement: String,
        minimum: u32,
        asked: u32,
    },
    #[error("plan `{plan}` allows at most {maximum} {entitlement}, not {asked}")]
    AboveMaximum {
        plan: String,
        entitlement: String,
        maximum: u32,
        asked: u32,
    },
    #[error(
        "plan `{plan}` includes {included} {entitlement} and sells no more per unit: add an option instead of asking for {asked}"
    )]
    NotSoldPerUnit {
        plan: String,
        entitlement: String,
        included: u64,
        asked: u32,
    },
}
