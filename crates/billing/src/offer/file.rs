//! The offer file exactly as written: what serde reads before any rule is checked.
//!
//! Every table refuses unknown fields, so a misspelt key is an error rather than a silently
//! ignored term. Amounts, rates and lengths of time stay text here; `validate` parses them so
//! that every bad value is reported at once, each with its path.

use super::model::{
    BillingStart, Currency, FeeTrigger, InactivityAction, LineKind, Module, MonthlyFee, NoticeEffect, NoticeWay,
    PaymentMethod, Quota,
};
use crate::periods::{BillingAnchor, BillingPeriod};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

/// An amount as written: a decimal text (`"19.90"`) or a whole number of euros (`99`).
/// Floating-point numbers are refused: `19.9` in TOML is a binary fraction, not 19.90 EUR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawAmount(pub String);

impl<'de> Deserialize<'de> for RawAmount {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<RawAmount, D::Error> {
        struct AmountVisitor;
        impl serde::de::Visitor<'_> for AmountVisitor {
            type Value = RawAmount;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an amount written as text, such as \"19.90\", or a whole number")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawAmount, E> {
                Ok(RawAmount(v.to_owned()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<RawAmount, E> {
                Ok(RawAmount(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RawAmount, E> {
                Ok(RawAmount(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<RawAmount, E> {
                Err(E::custom(format!(
                    "write amounts as text, such as \"{v}\": a floating-point number is not exact"
                )))
            }
        }
        deserializer.deserialize_any(AmountVisitor)
    }
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOffer {
    pub id: String,
    pub name: String,
    pub version: u32,
    pub description: String,
    pub currency: Currency,
    pub vat_rate: String,
    pub modules: Vec<Module>,
    #[serde(default)]
    pub discount_codes: bool,
    pub plans: BTreeMap<String, RawPlan>,
    #[serde(default)]
    pub options: BTreeMap<String, RawOption>,
    #[serde(default)]
    pub fees: BTreeMap<String, RawFee>,
    #[serde(default)]
    pub consumption: BTreeMap<String, RawConsumption>,
    pub term: RawTerm,
    pub notice: RawNotice,
    #[serde(default)]
    pub activation: RawActivation,
    #[serde(default)]
    pub billing: RawBilling,
    pub payment: Option<RawPayment>,
    pub price_change: Option<RawPriceChange>,
    pub withdrawal: Option<RawWithdrawal>,
    #[serde(default)]
    pub early_termination: RawEarlyTermination,
    pub inactivity: Option<RawInactivity>,
    pub licence_changes: Option<RawLicenceChanges>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPlan {
    pub name: String,
    pub description: Option<String>,
    #[serde(default)]
    pub free: bool,
    #[serde(default)]
    pub on_quote: bool,
    #[serde(default)]
    pub prices: BTreeMap<BillingPeriod, RawPrice>,
    /// module → quota name → value, as dotted keys write it (`quotas.monitor.http_urls = 20`).
    #[serde(default)]
    pub quotas: BTreeMap<String, BTreeMap<String, Quota>>,
    #[serde(default)]
    pub entitlements: BTreeMap<String, RawEntitlement>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPrice {
    pub list: Option<RawAmount>,
    pub current: RawAmount,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEntitlement {
    pub included: Quota,
    #[serde(default)]
    pub minimum: u32,
    pub maximum: Option<u32>,
    #[serde(default)]
    pub unit_price: BTreeMap<BillingPeriod, RawAmount>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOption {
    pub name: String,
    pub description: Option<String>,
    pub plans: Option<Vec<String>>,
    #[serde(default)]
    pub quotas: BTreeMap<String, BTreeMap<String, u64>>,
    #[serde(default)]
    pub entitlements: BTreeMap<String, u64>,
    #[serde(default)]
    pub prices: BTreeMap<BillingPeriod, RawAmount>,
    pub max_quantity: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFee {
    pub name: String,
    pub amount: RawAmount,
    pub charged: FeeTrigger,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConsumption {
    pub name: String,
    pub unit: String,
    pub unit_price: RawAmount,
    #[serde(default)]
    pub included: u64,
}

/// `renewal` in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RawRenewal {
    #[default]
    None,
    Tacit,
    Automatic,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTerm {
    pub length: String,
    #[serde(default)]
    pub renewal: RawRenewal,
    pub renewal_length: Option<String>,
    pub untick_before: Option<String>,
    pub minimum: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNotice {
    pub length: String,
    pub effective: NoticeEffect,
    pub ways: Vec<NoticeWay>,
    pub letter_deemed_received_after: Option<String>,
    #[serde(default = "yes")]
    pub before_activation: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawActivation {
    #[serde(default = "default_billing_start")]
    pub billing_starts: BillingStart,
    pub automatic_after: Option<String>,
}

fn default_billing_start() -> BillingStart {
    BillingStart::Activation
}

impl Default for RawActivation {
    fn default() -> Self {
        RawActivation {
            billing_starts: default_billing_start(),
            automatic_after: None,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawBilling {
    #[serde(default = "default_anchor")]
    pub anchor: BillingAnchor,
    #[serde(default)]
    pub in_advance: Vec<LineKind>,
    #[serde(default)]
    pub in_arrears: Vec<LineKind>,
}

fn default_anchor() -> BillingAnchor {
    BillingAnchor::Anniversary
}

impl Default for RawBilling {
    fn default() -> Self {
        RawBilling {
            anchor: default_anchor(),
            in_advance: Vec::new(),
            in_arrears: Vec::new(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPayment {
    pub terms: String,
    pub one_off_terms: Option<String>,
    pub methods: Vec<PaymentMethod>,
    #[serde(default)]
    pub methods_by_period: BTreeMap<BillingPeriod, Vec<PaymentMethod>>,
    #[serde(default)]
    pub late: RawLate,
    pub rejected_payment_fee: Option<RawAmount>,
    #[serde(default)]
    pub suspend_on_rejection: bool,
    #[serde(default)]
    pub monthly_fees: BTreeMap<MonthlyFee, RawAmount>,
    pub deposit_above: Option<RawAmount>,
    pub direct_debit_prenotification: Option<String>,
    pub dispute_within: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLate {
    pub interest: Option<RawInterest>,
    pub recovery_indemnity: Option<RawAmount>,
    pub penalty: Option<RawPenalty>,
    #[serde(default)]
    pub all_sums_due: bool,
    pub suspension_delay: Option<String>,
    pub formal_notice_delay: Option<String>,
    #[serde(default)]
    pub extends_commitment: bool,
    #[serde(default)]
    pub suspends_support: bool,
}

/// The rate a late-payment interest multiplies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RawReferenceRate {
    LegalRate,
    EcbRate,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawInterest {
    pub times: Option<u32>,
    pub of: Option<RawReferenceRate>,
    pub rate: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPenalty {
    pub rate: String,
    pub after: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPriceChange {
    pub notice: String,
    #[serde(default)]
    pub customer_may_terminate: bool,
    #[serde(default)]
    pub right_to_refuse: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWithdrawal {
    pub window: String,
    #[serde(default)]
    pub once_per_client: bool,
    pub refund_within: Option<String>,
    pub ways: Vec<NoticeWay>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEarlyTermination {
    #[serde(default)]
    pub remaining_fees_due: bool,
    #[serde(default)]
    pub except_after_price_increase: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawInactivity {
    pub after: String,
    pub action: InactivityAction,
    #[serde(default)]
    pub warnings: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLicenceChanges {
    pub cut_off_day: u8,
}
