//! Offers: the terms an operator sells under, read from a TOML file.
//!
//! [`Offer::parse`] reads a file, checks every rule, and either returns a checked [`Offer`] or
//! every problem found, each naming the file, line, column and field path. The format is
//! documented field by field in `docs/offers.md`.

mod error;
mod file;
mod model;
mod source;
mod validate;

pub use error::{LookupError, OfferError, OfferErrors};
pub use model::*;

use crate::money::{Cents, UnitPrice};
use crate::periods::{BillingPeriod, Schedule};
use file::RawOffer;
use jiff::civil::Date;
use serde::Deserialize;
use source::SourceMap;
use std::collections::BTreeMap;
use toml::de::DeTable;

impl Offer {
    /// Reads and checks an offer file.
    ///
    /// `file_name` only labels the errors (`offers/ines.toml`). Errors come in file order; a
    /// file that is not valid TOML, or whose shape does not match the format (a missing
    /// field, a misspelt key, a value of the wrong type), gives one error, since nothing after
    /// it can be trusted; a well-formed file gives every broken rule at once.
    pub fn parse(file_name: &str, text: &str) -> Result<Offer, OfferErrors> {
        let document = match DeTable::parse(text) {
            Ok(document) => document,
            Err(e) => {
                let map = SourceMap::lines_only(text);
                let offset = e.span().map_or(0, |s| s.start);
                let position = map.position(offset);
                return Err(OfferErrors(vec![OfferError {
                    file: file_name.to_owned(),
                    line: position.line,
                    column: Some(position.column),
                    path: map.guess_path(offset),
                    message: format!("invalid TOML: {}", e.message()),
                }]));
            }
        };
        let map = SourceMap::new(text, &document);
        let raw = RawOffer::deserialize(toml::de::Deserializer::from(document))
            .map_err(|e| OfferErrors(vec![shape_error(file_name, &map, &e)]))?;
        validate::validate(raw, &|path| map.offset_of(path)).map_err(|problems| {
            let mut errors: Vec<OfferError> = problems
                .0
                .into_iter()
                .map(|(path, message)| {
                    let position = map.locate(&path);
                    OfferError {
                        file: file_name.to_owned(),
                        line: position.map_or(1, |p| p.line),
                        column: position.map(|p| p.column),
                        path,
                        message,
                    }
                })
                .collect();
            errors.sort_by_key(|e| (e.line, e.column));
            OfferErrors(errors)
        })
    }

    /// The plan `id`.
    pub fn plan(&self, id: &str) -> Result<&Plan, LookupError> {
        self.plans
            .iter()
            .find(|p| p.id == id)
            .ok_or_else(|| LookupError::UnknownPlan {
                offer: self.id.clone(),
                plan: id.to_owned(),
                known: self.plans.iter().map(|p| p.id.as_str()).collect::<Vec<_>>().join(", "),
            })
    }

    /// The option `id`.
    pub fn option(&self, id: &str) -> Result<&PlanOption, LookupError> {
        self.options
            .iter()
            .find(|o| o.id == id)
            .ok_or_else(|| LookupError::UnknownOption {
                offer: self.id.clone(),
                option: id.to_owned(),
            })
    }

    /// The one-off fee `id`.
    pub fn fee(&self, id: &str) -> Result<&OneOffFee, LookupError> {
        self.fees
            .iter()
            .find(|f| f.id == id)
            .ok_or_else(|| LookupError::UnknownFee {
                offer: self.id.clone(),
                fee: id.to_owned(),
            })
    }

    /// The consumption price `id`.
    pub fn consumption_price(&self, id: &str) -> Result<&ConsumptionPrice, LookupError> {
        self.consumption
            .iter()
            .find(|c| c.id == id)
            .ok_or_else(|| LookupError::UnknownConsumption {
                offer: self.id.clone(),
                consumption: id.to_owned(),
            })
    }

    /// Whether every plan is free (nothing is ever invoiced).
    pub fn is_free(&self) -> bool {
        self.plans.iter().all(Plan::is_free)
    }

    /// Whether the offer grants `module`.
    pub fn grants(&self, module: Module) -> bool {
        self.modules.contains(&module)
    }

    /// A plan's price for a period. Free plans cost zero whatever the period.
    pub fn price(&self, plan: &str, period: BillingPeriod) -> Result<PlanPrice, LookupError> {
        let plan = self.plan(plan)?;
        match &plan.pricing {
            PlanPricing::Free => Ok(PlanPrice {
                list: Cents::ZERO,
                current: Cents::ZERO,
            }),
            PlanPricing::OnQuote => Err(LookupError::PlanOnQuote { plan: plan.id.clone() }),
            PlanPricing::Priced(prices) => prices.get(&period).copied().ok_or(LookupError::PeriodNotSold {
                plan: plan.id.clone(),
                period,
            }),
        }
    }

    fn knows_quota(&self, key: &str) -> bool {
        self.plans
            .iter()
            .any(|p| p.quotas.contains_key(key) || p.entitlements.contains_key(key))
    }

    /// How much of `key` a subscription to `plan` with `options` (id, quantity) may use.
    ///
    /// `key` is a quota (`monitor.http_urls`) or an entitlement (`users`): for an entitlement
    /// this counts what the plan includes plus what options add, not units bought one by one
    /// (see [`Offer::allowance`]). A key some other plan has but this one does not gives
    /// `Limited(0)`; a key no plan has is an error, so a typo never reads as "nothing allowed".
    pub fn quota(&self, plan: &str, options: &[(&str, u32)], key: &str) -> Result<Quota, LookupError> {
        let plan = self.plan(plan)?;
        if !self.knows_quota(key) {
            return Err(LookupError::UnknownQuota {
                offer: self.id.clone(),
                key: key.to_owned(),
            });
        }
        let mut quota = plan
            .quotas
            .get(key)
            .copied()
            .or_else(|| plan.entitlements.get(key).map(|e| e.included))
            .unwrap_or(Quota::Limited(0));
        for (option_id, quantity) in options {
            let option = self.option(option_id)?;
            if !option.available_on(&plan.id) {
                return Err(LookupError::OptionNotForPlan {
                    option: option.id.clone(),
                    plan: plan.id.clone(),
                });
            }
            let per_unit = option
                .quotas
                .get(key)
                .or_else(|| option.entitlements.get(key))
                .copied()
                .unwrap_or(0);
            quota = quota.plus(per_unit.saturating_mul(u64::from(*quantity)));
        }
        Ok(quota)
    }

    /// How much of `key` a full selection allows: [`Offer::quota`] plus entitlement units
    /// bought one by one.
    pub fn allowance(&self, selection: &Selection, key: &str) -> Result<Quota, LookupError> {
        let options: Vec<(&str, u32)> = selection.options.iter().map(|(id, n)| (id.as_str(), *n)).collect();
        let base = self.quota(&selection.plan, &options, key)?;
        let plan = self.plan(&selection.plan)?;
        let bought = match (plan.entitlements.get(key), selection.units.get(key)) {
            (
                Some(Entitlement {
                    included: Quota::Limited(included),
                    ..
                }),
                Some(wanted),
            ) => u64::from(*wanted).saturating_sub(*included),
            _ => 0,
        };
        Ok(base.plus(bought))
    }

    /// The recurring lines one period of `selection` costs at full price: the plan's price,
    /// entitlement units beyond those included, and options. A free plan gives no line.
    ///
    /// Entitlements the selection does not mention are taken at their minimum (one licence),
    /// so the cheapest valid subscription is priced by default.
    pub fn recurring_charges(&self, selection: &Selection) -> Result<Vec<Charge>, LookupError> {
        let plan = self.plan(&selection.plan)?;
        let period = selection.period;
        let mut charges = Vec::new();
        match &plan.pricing {
            PlanPricing::Free => {}
            PlanPricing::OnQuote => return Err(LookupError::PlanOnQuote { plan: plan.id.clone() }),
            PlanPricing::Priced(prices) => {
                let price = prices.get(&period).ok_or(LookupError::PeriodNotSold {
                    plan: plan.id.clone(),
                    period,
                })?;
                charges.push(self.charge(LineKind::Subscription, &plan.id, &plan.name, 1, price.current));
            }
        }

        for name in selection.units.keys() {
            if !plan.entitlements.contains_key(name) {
                return Err(LookupError::UnknownEntitlement {
                    plan: plan.id.clone(),
                    entitlement: name.clone(),
                });
            }
        }
        for (name, entitlement) in &plan.entitlements {
            let wanted = selection.units.get(name).copied().unwrap_or(entitlement.minimum);
            if wanted < entitlement.minimum {
                return Err(LookupError::BelowMinimum {
                    plan: plan.id.clone(),
                    entitlement: name.clone(),
                    minimum: entitlement.minimum,
                    asked: wanted,
                });
            }
            if let Some(maximum) = entitlement.maximum
                && wanted > maximum
            {
                return Err(LookupError::AboveMaximum {
                    plan: plan.id.clone(),
                    entitlement: name.clone(),
                    maximum,
                    asked: wanted,
                });
            }
            let Quota::Limited(included) = entitlement.included else {
                continue;
            };
            let extra = u64::from(wanted).saturating_sub(included);
            if extra == 0 {
                continue;
            }
            let unit_price = entitlement
                .unit_prices
                .get(&period)
                .ok_or_else(|| LookupError::NotSoldPerUnit {
                    plan: plan.id.clone(),
                    entitlement: name.clone(),
                    included,
                    asked: wanted,
                })?;
            charges.push(self.charge(LineKind::Units, name, name, extra, *unit_price));
        }

        for (id, quantity) in &selection.options {
            if *quantity == 0 {
                continue;
            }
            let option = self.option(id)?;
            if !option.available_on(&plan.id) {
                return Err(LookupError::OptionNotForPlan {
                    option: option.id.clone(),
                    plan: plan.id.clone(),
                });
            }
            if let Some(maximum) = option.max_quantity
                && *quantity > maximum
            {
                return Err(LookupError::TooManyOptions {
                    option: option.id.clone(),
                    maximum,
                    asked: *quantity,
                });
            }
            let price = option.prices.get(&period).ok_or(LookupError::OptionPeriodNotPriced {
                option: option.id.clone(),
                period,
            })?;
            charges.push(self.charge(
                LineKind::Options,
                &option.id,
                &option.name,
                u64::from(*quantity),
                *price,
            ));
        }
        Ok(charges)
    }

    fn charge(&self, kind: LineKind, code: &str, label: &str, quantity: u64, unit: Cents) -> Charge {
        let unit_price = UnitPrice::from_cents(unit);
        Charge {
            kind,
            code: code.to_owned(),
            label: label.to_owned(),
            quantity,
            unit_price,
            amount: unit_price.line_total(quantity),
            timing: self.billing.timing(kind),
        }
    }

    /// The line for `used` units of consumption `id` in one period (only units beyond the
    /// bundle are billed, rounded half up to the cent for the whole line).
    pub fn consumption_charge(&self, id: &str, used: u64) -> Result<Charge, LookupError> {
        let price = self.consumption_price(id)?;
        let billable = price.billable(used);
        Ok(Charge {
            kind: LineKind::Consumption,
            code: price.id.clone(),
            label: price.name.clone(),
            quantity: billable,
            unit_price: price.unit_price,
            amount: price.unit_price.line_total(billable),
            timing: self.billing.timing(LineKind::Consumption),
        })
    }

    /// The VAT on an amount at the offer's rate, rounded half up.
    pub fn vat(&self, amount: Cents) -> Cents {
        self.vat_rate.of(amount)
    }

    /// The billing periods of a subscription whose billing starts on `starts_on`.
    pub fn schedule(&self, starts_on: Date, period: BillingPeriod) -> Schedule {
        Schedule::new(starts_on, period, self.billing.anchor)
    }
}

/// Turns a serde error (a missing field, an unknown key, a wrong type) into an error naming
/// the field: the parser gives the span of the faulty key or value, the source map its path.
fn shape_error(file_name: &str, map: &SourceMap<'_>, error: &toml::de::Error) -> OfferError {
    let span = error.span().unwrap_or(0..0);
    let at = map.path_at(&span).unwrap_or("");
    let message = error.message();
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'));
    let (path, message) = match missing {
        // The span is the table that lacks the field: name the field itself.
        Some(field) if at.is_empty() => (field.to_owned(), "missing required field".to_owned()),
        Some(field) => (format!("{at}.{field}"), "missing required field".to_owned()),
        None => (at.to_owned(), message.to_owned()),
    };
    let position = map.position(span.start);
    OfferError {
        file: file_name.to_owned(),
        line: position.line,
        column: Some(position.column),
        path,
        message,
    }
}

/// What a customer subscribes to: a plan, a period, entitlement units and options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub plan: String,
    pub period: BillingPeriod,
    /// Total units wanted per entitlement (`users` → 3); unmentioned: the plan's minimum.
    pub units: BTreeMap<String, u32>,
    /// Options and their quantities.
    pub options: BTreeMap<String, u32>,
}

impl Selection {
    pub fn new(plan: impl Into<String>, period: BillingPeriod) -> Selection {
        Selection {
            plan: plan.into(),
            period,
            units: BTreeMap::new(),
            options: BTreeMap::new(),
        }
    }

    /// With `count` units of an entitlement in total (`with_units("users", 3)`).
    pub fn with_units(mut self, entitlement: impl Into<String>, count: u32) -> Selection {
        self.units.insert(entitlement.into(), count);
        self
    }

    /// With `quantity` of an option.
    pub fn with_option(mut self, option: impl Into<String>, quantity: u32) -> Selection {
        self.options.insert(option.into(), quantity);
        self
    }
}

/// One invoice line, before VAT: what, how many, at what unit price, for how much.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Charge {
    pub kind: LineKind,
    /// The plan, entitlement, option or consumption id it comes from.
    pub code: String,
    /// Its name as the offer writes it.
    pub label: String,
    pub quantity: u64,
    pub unit_price: UnitPrice,
    /// `quantity × unit_price`, rounded half up to the cent.
    pub amount: Cents,
    pub timing: Timing,
}
