//! An offer once read and checked: every value parsed into its type, every rule consistent.
//!
//! Field names follow the offer file (see `docs/offers.md`), so a reader can go from one to the
//! other.

use crate::delay::Delay;
use crate::money::{Cents, Rate, UnitPrice};
use crate::periods::{BillingAnchor, BillingPeriod};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// An offer: what an operator sells under one set of terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Offer {
    /// Stable identifier (`oseox`), lowercase letters, digits, `-` and `_`.
    pub id: String,
    pub name: String,
    /// Increases with every published change of the file; subscriptions keep the version they
    /// accepted.
    pub version: u32,
    /// For the seller: what the offer is and to whom it is sold.
    pub description: String,
    pub currency: Currency,
    pub vat_rate: Rate,
    /// The product modules a subscription opens.
    pub modules: Vec<Module>,
    /// In file order.
    pub plans: Vec<Plan>,
    /// In file order.
    pub options: Vec<PlanOption>,
    pub fees: Vec<OneOffFee>,
    pub consumption: Vec<ConsumptionPrice>,
    pub term: Term,
    pub notice: Notice,
    pub activation: Activation,
    pub billing: Billing,
    /// `None` only when every plan is free.
    pub payment: Option<Payment>,
    /// `None`: the offer states no way to change prices of running subscriptions.
    pub price_change: Option<PriceChange>,
    pub withdrawal: Option<Withdrawal>,
    pub early_termination: EarlyTermination,
    /// Whether referral and discount codes may reduce a subscription (OSX-CODES).
    pub discount_codes: bool,
    pub inactivity: Option<Inactivity>,
    pub licence_changes: Option<LicenceChanges>,
}

/// The currencies an offer can be sold in. Only the euro: every seed invoices in euros.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Currency {
    #[serde(rename = "EUR")]
    Eur,
}

/// A product module a subscription opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Module {
    Contracts,
    Campaigns,
    Calls,
    Monitor,
    Crm,
}

impl Module {
    pub const fn as_str(self) -> &'static str {
        match self {
            Module::Contracts => "contracts",
            Module::Campaigns => "campaigns",
            Module::Calls => "calls",
            Module::Monitor => "monitor",
            Module::Crm => "crm",
        }
    }

    pub fn from_name(name: &str) -> Option<Module> {
        [
            Module::Contracts,
            Module::Campaigns,
            Module::Calls,
            Module::Monitor,
            Module::Crm,
        ]
        .into_iter()
        .find(|m| m.as_str() == name)
    }
}

impl fmt::Display for Module {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much of something a subscription may use: a number, or no limit.
///
/// In the file: an integer, or the text `"unlimited"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quota {
    Limited(u64),
    Unlimited,
}

impl Quota {
    /// Whether `used` units fit (adding beyond the quota is refused, OSX-PACKS).
    pub fn allows(self, used: u64) -> bool {
        match self {
            Quota::Limited(limit) => used <= limit,
            Quota::Unlimited => true,
        }
    }

    /// This quota plus `extra` units (an option); unlimited stays unlimited.
    pub fn plus(self, extra: u64) -> Quota {
        match self {
            Quota::Limited(n) => Quota::Limited(n.saturating_add(extra)),
            Quota::Unlimited => Quota::Unlimited,
        }
    }
}

impl fmt::Display for Quota {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Quota::Limited(n) => write!(f, "{n}"),
            Quota::Unlimited => f.write_str("unlimited"),
        }
    }
}

impl Serialize for Quota {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Quota::Limited(n) => serializer.serialize_u64(*n),
            Quota::Unlimited => serializer.serialize_str("unlimited"),
        }
    }
}

impl<'de> Deserialize<'de> for Quota {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Quota, D::Error> {
        struct QuotaVisitor;
        impl serde::de::Visitor<'_> for QuotaVisitor {
            type Value = Quota;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number of at least 0, or \"unlimited\"")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Quota, E> {
                Ok(Quota::Limited(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Quota, E> {
                u64::try_from(v)
                    .map(Quota::Limited)
                    .map_err(|_| E::custom(format!("a quota cannot be negative ({v})")))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Quota, E> {
                if v == "unlimited" {
                    Ok(Quota::Unlimited)
                } else {
                    Err(E::custom(format!(
                        "`{v}` is not a quota: write a whole number or \"unlimited\""
                    )))
                }
            }
        }
        deserializer.deserialize_any(QuotaVisitor)
    }
}

/// A plan: what a subscription gets and what it costs per period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub pricing: PlanPricing,
    /// Keyed `module.name` (`monitor.http_urls`).
    pub quotas: BTreeMap<String, Quota>,
    /// Countable seats: users, licences, sites, brands.
    pub entitlements: BTreeMap<String, Entitlement>,
}

impl Plan {
    /// The periods this plan is sold for (none for free and on-quote plans).
    pub fn periods(&self) -> Vec<BillingPeriod> {
        match &self.pricing {
            PlanPricing::Priced(prices) => prices.keys().copied().collect(),
            PlanPricing::Free | PlanPricing::OnQuote => Vec::new(),
        }
    }

    pub fn is_free(&self) -> bool {
        self.pricing == PlanPricing::Free
    }
}

/// How a plan is priced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanPricing {
    /// No payment and no payment details (OSX-FREE, CLOG-FREE-UNLIMITED).
    Free,
    /// Priced by the special conditions of each customer (Oseox's Tailored pack).
    OnQuote,
    /// A price for each period the plan is sold for.
    Priced(BTreeMap<BillingPeriod, PlanPrice>),
}

/// A plan's price for one period, excluding VAT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PlanPrice {
    /// The public price, shown struck through when the current price is lower (OSX-PRICES).
    pub list: Cents,
    /// The price actually charged; never above the list price.
    pub current: Cents,
}

/// A countable seat a plan includes, and whether more can be bought per unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entitlement {
    /// Units the plan's own price covers.
    pub included: Quota,
    /// Units a subscription must take (1 licence at least).
    pub minimum: u32,
    pub maximum: Option<u32>,
    /// Price of each unit beyond `included`, per period. Empty: more only through options.
    pub unit_prices: BTreeMap<BillingPeriod, Cents>,
}

/// An option: more quota or seats for a price of its own, taken in some quantity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanOption {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// The plans it can be added to; `None`: every priced plan.
    pub plans: Option<Vec<String>>,
    /// What one unit of the option adds, keyed `module.name`.
    pub quotas: BTreeMap<String, u64>,
    /// What one unit of the option adds to entitlements.
    pub entitlements: BTreeMap<String, u64>,
    /// Price of one unit per period.
    pub prices: BTreeMap<BillingPeriod, Cents>,
    pub max_quantity: Option<u32>,
}

impl PlanOption {
    pub fn available_on(&self, plan: &str) -> bool {
        self.plans.as_ref().is_none_or(|plans| plans.iter().any(|p| p == plan))
    }
}

/// A fee charged once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OneOffFee {
    pub id: String,
    pub name: String,
    pub amount: Cents,
    pub charged: FeeTrigger,
}

/// When a one-off fee is charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeTrigger {
    /// For each subscription created (INES-SETUP-50).
    AtSubscription,
    /// When the service is installed and put in service (CLX-FEES).
    AtActivation,
    /// Only when the customer asks for the service (INES-EXPORT-145).
    OnRequest,
}

/// A price per unit consumed, beyond a bundle included in each period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsumptionPrice {
    pub id: String,
    pub name: String,
    /// What one unit is (`email`, `SMS unit`, `minute`).
    pub unit: String,
    pub unit_price: UnitPrice,
    /// Units included in each billing period before any is charged.
    pub included: u64,
}

impl ConsumptionPrice {
    /// Units billed for `used` units in one period: those beyond the bundle.
    pub fn billable(&self, used: u64) -> u64 {
        used.saturating_sub(self.included)
    }

    /// What `used` units in one period cost, rounded half up to the cent for the whole line.
    pub fn charge(&self, used: u64) -> Cents {
        self.unit_price.line_total(self.billable(used))
    }
}

/// How long a subscription commits, and how it renews.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Term {
    pub length: TermLength,
    pub renewal: Renewal,
    /// The length of each renewed term when it differs from the first; `None`: the same.
    pub renewal_length: Option<Delay>,
    /// The shortest a subscription can last (CLX-MIN-1M).
    pub minimum: Option<Delay>,
}

/// The length of the first term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TermLength {
    /// No end date: runs until terminated (DGT-TERM-INDEFINITE).
    Indefinite,
    /// One billing period, monthly or annual as the customer chose (Oseox).
    BillingPeriod,
    /// A fixed length from the start (INES-24M: 24 months).
    Fixed(Delay),
}

/// What happens at the end of a term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Renewal {
    /// The subscription ends (or, for an indefinite term, there is nothing to renew).
    None,
    /// Renews unless terminated with the notice (tacite reconduction).
    Tacit,
    /// Renews unless the customer unticks renewal in the account at least `untick_before`
    /// before the renewal (OSX-RENEW-48H).
    Automatic { untick_before: Delay },
}

/// How a customer terminates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    /// `None`: no notice, terminate any time (CLOG-TERMINATE-ANYTIME).
    pub length: Option<Delay>,
    pub effective: NoticeEffect,
    /// The accepted ways to send a termination.
    pub ways: Vec<NoticeWay>,
    /// A registered letter is deemed received this long after its postmark (CLX-NOTICE-3D);
    /// `None`: its actual delivery date counts.
    pub letter_deemed_received_after: Option<Delay>,
    /// Whether a subscription can be terminated before it is activated (INES-TERM-3M: no).
    pub before_activation: bool,
}

/// When a termination takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeEffect {
    /// On receipt (C-Log).
    Immediately,
    /// The notice length after receipt (Digitaleo: 3 months after the letter arrives).
    AfterNotice,
    /// At a renewal date, if received at least the notice length before it; otherwise at the
    /// following renewal (INES: 3 months before the end of the 24 months).
    AtRenewal,
}

/// A way of sending a termination or a withdrawal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeWay {
    /// Lettre recommandée avec accusé de réception.
    RegisteredLetter,
    /// An ordinary letter.
    Letter,
    Email,
    /// From the customer's account in the platform (a button, a checkbox).
    InApp,
}

impl fmt::Display for NoticeWay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NoticeWay::RegisteredLetter => "registered_letter",
            NoticeWay::Letter => "letter",
            NoticeWay::Email => "email",
            NoticeWay::InApp => "in_app",
        })
    }
}

/// When billing starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Activation {
    pub billing_starts: BillingStart,
    /// The operator activates a subscription still inactive this long after subscription
    /// (INES-ACTIVATE-1M).
    pub automatic_after: Option<Delay>,
}

/// The event billing starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BillingStart {
    /// When the customer subscribes and pays (Oseox).
    Subscription,
    /// When the subscription is activated or the service put in service (INES, Claralex).
    Activation,
    /// When identifiers or the API key are delivered (DGT-INVOICE-MONTHLY).
    IdentifiersDelivered,
}

/// How periods are cut and which lines are billed before or after the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Billing {
    pub anchor: BillingAnchor,
    pub in_advance: Vec<LineKind>,
    pub in_arrears: Vec<LineKind>,
}

impl Billing {
    /// When a kind of line is billed. Kinds the file lists nowhere follow the usual rule:
    /// consumption after the period, everything else before.
    pub fn timing(&self, kind: LineKind) -> Timing {
        if self.in_arrears.contains(&kind) {
            Timing::InArrears
        } else if self.in_advance.contains(&kind) || kind != LineKind::Consumption {
            Timing::InAdvance
        } else {
            Timing::InArrears
        }
    }
}

/// The kinds of recurring invoice lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// The plan's own price.
    Subscription,
    /// Entitlement units beyond those included (users, licences).
    Units,
    /// Options.
    Options,
    /// Metered consumption (emails, SMS, call minutes).
    Consumption,
    /// Per-month payment fees (cheque, paper invoice).
    PaymentFees,
}

/// Whether a line is billed at the start of its period or after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timing {
    /// Terme à échoir: at the start of the period it covers.
    InAdvance,
    /// Terme échu: after the period, once the usage is known.
    InArrears,
}

/// Payment terms, methods and what lateness costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Payment {
    /// For recurring invoices.
    pub terms: PaymentTerms,
    /// For one-off invoices (fees, services).
    pub one_off_terms: PaymentTerms,
    pub methods: Vec<PaymentMethod>,
    /// Methods allowed for one period when they differ from `methods` (INES-PAY-PERIOD:
    /// quarterly by direct debit, annual by transfer or cheque).
    pub methods_by_period: BTreeMap<BillingPeriod, Vec<PaymentMethod>>,
    pub late: LatePayment,
    /// Charged for each rejected payment (DGT-REJECT-25), excluding VAT.
    pub rejected_payment_fee: Option<Cents>,
    /// Whether a rejected payment suspends access until regularised.
    pub suspend_on_rejection: bool,
    /// Fees charged each month while a condition holds (INES-FEES-15).
    pub monthly_fees: BTreeMap<MonthlyFee, Cents>,
    /// An order above this amount may require a deposit (DGT-DEPOSIT-200).
    pub deposit_above: Option<Cents>,
    /// Each direct debit is announced this long before (DGT-SEPA).
    pub direct_debit_prenotification: Option<Delay>,
    /// A billing dispute is accepted only within this delay of receipt (CLX-DISPUTE-7D).
    pub dispute_within: Option<Delay>,
}

impl Payment {
    /// The methods accepted for a period.
    pub fn methods_for(&self, period: BillingPeriod) -> &[PaymentMethod] {
        self.methods_by_period.get(&period).unwrap_or(&self.methods)
    }
}

/// When an invoice is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentTerms {
    /// Paid when ordering, before the service (OSX-PAY-UPFRONT).
    Upfront,
    /// Due when the invoice is received.
    OnReceipt,
    /// Due `days` after the invoice date or its receipt.
    Net { days: u32, from: DueFrom },
}

/// What net payment days count from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueFrom {
    InvoiceDate,
    Receipt,
}

impl fmt::Display for PaymentTerms {
    /// The text the file uses: `upfront`, `on receipt`, `net 15 days`, `net 7 days from receipt`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PaymentTerms::Upfront => f.write_str("upfront"),
            PaymentTerms::OnReceipt => f.write_str("on receipt"),
            PaymentTerms::Net { days, from } => {
                let unit = if *days == 1 { "day" } else { "days" };
                match from {
                    DueFrom::InvoiceDate => write!(f, "net {days} {unit}"),
                    DueFrom::Receipt => write!(f, "net {days} {unit} from receipt"),
                }
            }
        }
    }
}

/// A means of payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Card,
    SepaDirectDebit,
    Transfer,
    Cheque,
}

/// A fee charged per month while its condition holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MonthlyFee {
    /// Paying by cheque.
    Cheque,
    /// Receiving paper invoices.
    PaperInvoice,
}

/// What a late payment costs and triggers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct LatePayment {
    /// Yearly interest on the late amount.
    pub interest: Option<LateInterest>,
    /// The fixed recovery indemnity (40 EUR, Code de commerce L441-10).
    pub recovery_indemnity: Option<Cents>,
    /// A one-off percentage of the sum due (INES-LATE-10, CLX-LATE-10).
    pub penalty: Option<LatePenalty>,
    /// A missed payment makes every remaining sum due at once (CLX-ALL-DUE, OSX-LATE).
    pub all_sums_due: bool,
    /// Delay between the notification of a late payment and suspension (0: at once).
    pub suspension_delay: Option<Delay>,
    /// Termination this long after an unsuccessful formal notice (OSX-LATE: 48 hours).
    pub formal_notice_delay: Option<Delay>,
    /// The commitment is prolonged by the days of delay (INES-LATE-10).
    pub extends_commitment: bool,
    /// Technical assistance is suspended while payment is late (INES-LATE-10).
    pub suspends_support: bool,
}

/// A yearly late-payment interest rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LateInterest {
    /// A multiple of the French legal interest rate (DGT-LATE: 3×).
    TimesLegalRate(u32),
    /// A multiple of the ECB's main refinancing rate (OSX-LATE: 3×).
    TimesEcbRate(u32),
    /// A fixed yearly rate.
    Fixed(Rate),
}

/// The reference rates in force, which the application looks up (they change each half-year).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferenceRates {
    pub legal: Rate,
    pub ecb: Rate,
}

impl LateInterest {
    /// The yearly rate given the reference rates in force.
    pub fn yearly_rate(self, rates: ReferenceRates) -> Rate {
        match self {
            LateInterest::TimesLegalRate(n) => rates.legal.times(n),
            LateInterest::TimesEcbRate(n) => rates.ecb.times(n),
            LateInterest::Fixed(rate) => rate,
        }
    }

    /// Interest on `amount` for `days_late` days: amount × yearly rate × days / 365, rounded
    /// half up to the cent.
    pub fn interest(self, amount: Cents, days_late: u32, rates: ReferenceRates) -> Cents {
        // One rounding for the whole computation: basis points × days over 10,000 × 365.
        let basis_points = i64::from(self.yearly_rate(rates).basis_points());
        amount.prorate(basis_points * i64::from(days_late), 10_000 * 365)
    }
}

/// A percentage penalty on the sum due, once the payment is late by more than a grace delay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LatePenalty {
    pub rate: Rate,
    /// Applies only when the payment is later than this (CLX-LATE-10: 7 days); `None`: at once.
    pub after: Option<Delay>,
}

/// How prices of running subscriptions change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PriceChange {
    /// The customer is told at least this long before a new price applies.
    pub notice: Delay,
    /// The customer may terminate after being told (DGT-PRICE-NOTICE).
    pub customer_may_terminate: bool,
    /// The customer may refuse in writing within the notice, which terminates the contract
    /// without penalty (INES-PRICE-1M).
    pub right_to_refuse: bool,
}

/// A right to withdraw after paying.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Withdrawal {
    /// How long after a payment (OSX-WITHDRAW-30D: 30 days).
    pub window: Delay,
    /// At most once per client, ever.
    pub once_per_client: bool,
    /// The refund is made within this delay (15 working days).
    pub refund_within: Option<Delay>,
    pub ways: Vec<NoticeWay>,
}

/// What ending a commitment early costs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct EarlyTermination {
    /// The fees up to the end of the commitment fall due at once (INES-EARLY-TERM).
    pub remaining_fees_due: bool,
    /// …except when the termination follows a price increase.
    pub except_after_price_increase: bool,
}

impl EarlyTermination {
    /// What a customer owes when ending early, given the fees left to the end of the
    /// commitment.
    pub fn amount_due(&self, remaining_fees: Cents, follows_price_increase: bool) -> Cents {
        if !self.remaining_fees_due || (self.except_after_price_increase && follows_price_increase) {
            Cents::ZERO
        } else {
            remaining_fees
        }
    }
}

/// Closing accounts nobody uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inactivity {
    /// How long without a login (CLOG-INACTIVE-12M) or without use (CLX-INACTIVE-1M).
    pub after: Delay,
    pub action: InactivityAction,
    /// Warnings sent this long before the action, longest first.
    pub warnings: Vec<Delay>,
}

/// What happens to an inactive account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InactivityAction {
    /// The account is closed and its data deleted.
    CloseAndDelete,
    /// The contract may be terminated; coming back needs a new contract.
    Terminate,
}

/// When a change in the number of licences applies (CLX-LICENCE-20TH).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LicenceChanges {
    /// Asked before this day of the month: at the next renewal; on or after it: one later.
    pub cut_off_day: u8,
}
