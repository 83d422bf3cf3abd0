//! From the file as written to a checked [`Offer`]: parse every value, check every rule, and
//! report every problem with the path of the field at fault.

use super::file::{
    RawAmount, RawInterest, RawOffer, RawOption, RawPayment, RawPlan, RawReferenceRate, RawRenewal, RawTerm,
};
use super::model::{
    Activation, Billing, BillingStart, ConsumptionPrice, DueFrom, EarlyTermination, Entitlement, Inactivity,
    LateInterest, LatePayment, LatePenalty, LicenceChanges, LineKind, Notice, NoticeEffect, NoticeWay, Offer,
    OneOffFee, Payment, PaymentTerms, Plan, PlanOption, PlanPrice, PlanPricing, PriceChange, Quota, Renewal, Term,
    TermLength, Withdrawal,
};
use crate::delay::Delay;
use crate::money::{Cents, Rate, UnitPrice};
use crate::periods::BillingPeriod;
use std::collections::{BTreeMap, BTreeSet};

/// No EU member state charges more than 27 % VAT; anything above 30 % is a typing mistake.
const VAT_CAP: Rate = Rate::from_basis_points(3_000);

/// Code de commerce L441-10 (I): periodic invoices (CGI 289) are due within 45 days of issue.
const PERIODIC_PAYMENT_CAP_DAYS: u32 = 45;

/// Code de commerce L441-10 (I): other invoices within 60 days of issue.
const ONE_OFF_PAYMENT_CAP_DAYS: u32 = 60;

/// Which units a length of time may use where it appears.
#[derive(Clone, Copy)]
enum Units {
    /// Days, months, years: lengths a calendar date can hold (terms, windows).
    Dates,
    /// Also hours: deadlines measured between instants (a 48-hour untick deadline).
    Instants,
    /// Also working days: delays the application counts with the holiday calendar.
    Any,
}

/// Problems found so far, each as (field path, message).
#[derive(Default)]
pub(crate) struct Problems(pub Vec<(String, String)>);

impl Problems {
    fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push((path.into(), message.into()));
    }

    fn cents(&mut self, path: &str, raw: &RawAmount) -> Option<Cents> {
        match Cents::parse(&raw.0) {
            Ok(amount) if amount.is_negative() => {
                self.push(path, format!("must not be negative ({amount})"));
                None
            }
            Ok(amount) => Some(amount),
            Err(e) => {
                self.push(path, e.to_string());
                None
            }
        }
    }

    fn optional_cents(&mut self, path: &str, raw: Option<&RawAmount>) -> Option<Cents> {
        raw.and_then(|r| self.cents(path, r))
    }

    fn unit_price(&mut self, path: &str, raw: &RawAmount) -> Option<UnitPrice> {
        match UnitPrice::parse(&raw.0) {
            Ok(price) if price.is_negative() => {
                self.push(path, format!("must not be negative ({price})"));
                None
            }
            Ok(price) => Some(price),
            Err(e) => {
                self.push(path, e.to_string());
                None
            }
        }
    }

    fn rate(&mut self, path: &str, text: &str) -> Option<Rate> {
        Rate::parse(text).map_err(|e| self.push(path, e.to_string())).ok()
    }

    fn delay(&mut self, path: &str, text: &str, units: Units) -> Option<Delay> {
        let delay = match Delay::parse(text) {
            Ok(delay) => delay,
            Err(e) => {
                self.push(path, e.to_string());
                return None;
            }
        };
        let refused = match (units, delay) {
            (Units::Dates, Delay::Hours(_)) => Some("count it in days, months or years: a date cannot hold hours"),
            (Units::Dates | Units::Instants, Delay::WorkingDays(_)) => {
                Some("count it in days, months or years: working days are not allowed here")
            }
            _ => None,
        };
        match refused {
            Some(message) => {
                self.push(path, format!("`{delay}`: {message}"));
                None
            }
            None => Some(delay),
        }
    }

    fn optional_delay(&mut self, path: &str, text: Option<&String>, units: Units) -> Option<Delay> {
        text.and_then(|t| self.delay(path, t, units))
    }
}

fn is_identifier(text: &str) -> bool {
    text.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

fn check_identifier(problems: &mut Problems, path: &str, what: &str, id: &str) {
    if !is_identifier(id) {
        problems.push(
            path,
            format!("{what} `{id}` must be lowercase letters, digits, `-` or `_`, starting with a letter or digit"),
        );
    }
}

fn check_not_blank(problems: &mut Problems, path: &str, text: &str) {
    if text.trim().is_empty() {
        problems.push(path, "must not be empty");
    }
}

/// Parses `upfront`, `on receipt`, `net 15 days`, `net 7 days from receipt`,
/// `net 30 days from invoice date`.
pub(crate) fn parse_payment_terms(text: &str) -> Result<PaymentTerms, String> {
    let lower = text.trim().to_ascii_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    let terms = match words.as_slice() {
        ["upfront"] => Some(PaymentTerms::Upfront),
        ["on", "receipt"] => Some(PaymentTerms::OnReceipt),
        ["net", days, unit, rest @ ..] if matches!(*unit, "day" | "days") => {
            let from = match rest {
                [] | ["from", "invoice", "date"] => Some(DueFrom::InvoiceDate),
                ["from", "receipt"] => Some(DueFrom::Receipt),
                _ => None,
            };
            match (days.parse::<u32>(), from) {
                (Ok(days), Some(from)) => Some(PaymentTerms::Net { days, from }),
                _ => None,
            }
        }
        _ => None,
    };
    terms.ok_or_else(|| {
        format!(
            "`{}` is not payment terms: write \"upfront\", \"on receipt\", \"net 15 days\" or \"net 7 days from receipt\"",
            text.trim()
        )
    })
}

/// Checks `raw` and builds the offer; `file_order` gives the position of a path in the file so
/// plans and options keep the order the operator wrote them in.
pub(crate) fn validate(raw: RawOffer, file_order: &dyn Fn(&str) -> usize) -> Result<Offer, Problems> {
    let mut p = Problems::default();

    check_identifier(&mut p, "id", "the offer id", &raw.id);
    check_not_blank(&mut p, "name", &raw.name);
    check_not_blank(&mut p, "description", &raw.description);
    if raw.version == 0 {
        p.push("version", "must be 1 or more");
    }
    let vat_rate = p.rate("vat_rate", &raw.vat_rate);
    if let Some(rate) = vat_rate
        && rate > VAT_CAP
    {
        p.push(
            "vat_rate",
            format!("{rate} is out of range: a VAT rate is between 0% and {VAT_CAP}"),
        );
    }
    if raw.modules.is_empty() {
        p.push("modules", "an offer grants at least one module");
    }
    let mut seen_modules = BTreeSet::new();
    for (i, module) in raw.modules.iter().enumerate() {
        if !seen_modules.insert(*module) {
            p.push(format!("modules[{i}]"), format!("`{module}` is listed twice"));
        }
    }

    // Plans, in file order.
    if raw.plans.is_empty() {
        p.push("plans", "an offer has at least one plan");
    }
    let mut plan_ids: Vec<&String> = raw.plans.keys().collect();
    plan_ids.sort_by_key(|id| file_order(&format!("plans.{id}")));
    let plans: Vec<Plan> = plan_ids
        .iter()
        .filter_map(|id| {
            let plan = raw.plans.get(*id)?;
            check_plan(&mut p, id, plan, &seen_modules)
        })
        .collect();

    // What options may add to: every quota and entitlement some plan has.
    let known_quotas: BTreeSet<String> = raw
        .plans
        .values()
        .flat_map(|plan| {
            plan.quotas
                .iter()
                .flat_map(|(module, names)| names.keys().map(move |name| format!("{module}.{name}")))
        })
        .collect();
    let known_entitlements: BTreeSet<&String> = raw.plans.values().flat_map(|plan| plan.entitlements.keys()).collect();

    let mut option_ids: Vec<&String> = raw.options.keys().collect();
    option_ids.sort_by_key(|id| file_order(&format!("options.{id}")));
    let options: Vec<PlanOption> = option_ids
        .iter()
        .filter_map(|id| {
            let option = raw.options.get(*id)?;
            check_option(&mut p, id, option, &raw, &known_quotas, &known_entitlements)
        })
        .collect();

    let mut fees = Vec::new();
    for (id, fee) in &raw.fees {
        let path = format!("fees.{id}");
        check_identifier(&mut p, &path, "a fee id", id);
        check_not_blank(&mut p, &format!("{path}.name"), &fee.name);
        if let Some(amount) = p.cents(&format!("{path}.amount"), &fee.amount) {
            fees.push(OneOffFee {
                id: id.clone(),
                name: fee.name.clone(),
                amount,
                charged: fee.charged,
            });
        }
    }
    fees.sort_by_key(|fee| file_order(&format!("fees.{}", fee.id)));

    let mut consumption = Vec::new();
    for (id, price) in &raw.consumption {
        let path = format!("consumption.{id}");
        check_identifier(&mut p, &path, "a consumption id", id);
        check_not_blank(&mut p, &format!("{path}.name"), &price.name);
        check_not_blank(&mut p, &format!("{path}.unit"), &price.unit);
        if let Some(unit_price) = p.unit_price(&format!("{path}.unit_price"), &price.unit_price) {
            consumption.push(ConsumptionPrice {
                id: id.clone(),
                name: price.name.clone(),
                unit: price.unit.clone(),
                unit_price,
                included: price.included,
            });
        }
    }
    consumption.sort_by_key(|c| file_order(&format!("consumption.{}", c.id)));

    let term = check_term(&mut p, &raw.term);
    let notice = check_notice(&mut p, &raw, term.as_ref());

    let automatic_after = p.optional_delay(
        "activation.automatic_after",
        raw.activation.automatic_after.as_ref(),
        Units::Dates,
    );
    if automatic_after.is_some() && raw.activation.billing_starts != BillingStart::Activation {
        p.push(
            "activation.automatic_after",
            "automatic activation needs billing_starts = \"activation\"",
        );
    }
    let activation = Activation {
        billing_starts: raw.activation.billing_starts,
        automatic_after,
    };

    for (i, kind) in raw.billing.in_arrears.iter().enumerate() {
        if raw.billing.in_advance.contains(kind) {
            p.push(
                format!("billing.in_arrears[{i}]"),
                format!(
                    "`{}` is also billed in advance: a line is billed one way",
                    line_kind_name(*kind)
                ),
            );
        }
    }
    for (i, kind) in raw.billing.in_advance.iter().enumerate() {
        if *kind == LineKind::Consumption {
            p.push(
                format!("billing.in_advance[{i}]"),
                "consumption is known only after the period: it can only be billed in arrears",
            );
        }
    }
    let billing = Billing {
        anchor: raw.billing.anchor,
        in_advance: raw.billing.in_advance.clone(),
        in_arrears: raw.billing.in_arrears.clone(),
    };

    let sells_periodically = plans.iter().any(|plan| !plan.is_free());
    let sold_periods: BTreeSet<BillingPeriod> = plans.iter().flat_map(Plan::periods).collect();
    let payment = match &raw.payment {
        Some(payment) => check_payment(&mut p, payment, sells_periodically, &sold_periods),
        None => {
            if sells_periodically {
                p.push("payment", "plans that are not free need a [payment] section");
            }
            None
        }
    };

    let price_change = raw.price_change.as_ref().and_then(|change| {
        let notice = p.delay("price_change.notice", &change.notice, Units::Dates)?;
        Some(PriceChange {
            notice,
            customer_may_terminate: change.customer_may_terminate,
            right_to_refuse: change.right_to_refuse,
        })
    });

    let withdrawal = raw.withdrawal.as_ref().and_then(|w| {
        if w.ways.is_empty() {
            p.push("withdrawal.ways", "name at least one way to withdraw");
        }
        let refund_within = p.optional_delay("withdrawal.refund_within", w.refund_within.as_ref(), Units::Any);
        let window = p.delay("withdrawal.window", &w.window, Units::Dates)?;
        Some(Withdrawal {
            window,
            once_per_client: w.once_per_client,
            refund_within,
            ways: w.ways.clone(),
        })
    });

    let early_termination = EarlyTermination {
        remaining_fees_due: raw.early_termination.remaining_fees_due,
        except_after_price_increase: raw.early_termination.except_after_price_increase,
    };
    if early_termination.remaining_fees_due
        && let Some(Term {
            length: TermLength::Indefinite,
            ..
        }) = term
    {
        p.push(
            "early_termination.remaining_fees_due",
            "an indefinite term has no remaining commitment to pay",
        );
    }
    if early_termination.except_after_price_increase && !early_termination.remaining_fees_due {
        p.push(
            "early_termination.except_after_price_increase",
            "an exception to remaining_fees_due needs remaining_fees_due = true",
        );
    }

    let inactivity = raw.inactivity.as_ref().and_then(|inactivity| {
        let after = p.delay("inactivity.after", &inactivity.after, Units::Dates)?;
        let warnings: Vec<Delay> = inactivity
            .warnings
            .iter()
            .enumerate()
            .filter_map(|(i, text)| {
                let path = format!("inactivity.warnings[{i}]");
                let warning = p.delay(&path, text, Units::Dates)?;
                if warning.shortest_hours() >= after.shortest_hours() {
                    p.push(
                        path,
                        format!("a warning {warning} before must come after the {after} of inactivity start"),
                    );
                }
                Some(warning)
            })
            .collect();
        Some(Inactivity {
            after,
            action: inactivity.action,
            warnings,
        })
    });

    let licence_changes = raw.licence_changes.as_ref().and_then(|changes| {
        if !(1..=28).contains(&changes.cut_off_day) {
            p.push(
                "licence_changes.cut_off_day",
                format!("{} is not a day every month has: use 1 to 28", changes.cut_off_day),
            );
            return None;
        }
        Some(LicenceChanges {
            cut_off_day: changes.cut_off_day,
        })
    });

    match (p.0.is_empty(), vat_rate, term, notice) {
        (true, Some(vat_rate), Some(term), Some(notice)) => Ok(Offer {
            id: raw.id,
            name: raw.name,
            version: raw.version,
            description: raw.description,
            currency: raw.currency,
            vat_rate,
            modules: raw.modules,
            plans,
            options,
            fees,
            consumption,
            term,
            notice,
            activation,
            billing,
            payment,
            price_change,
            withdrawal,
            early_termination,
            discount_codes: raw.discount_codes,
            inactivity,
            licence_changes,
        }),
        _ => Err(p),
    }
}

fn line_kind_name(kind: LineKind) -> &'static str {
    match kind {
        LineKind::Subscription => "subscription",
        LineKind::Units => "units",
        LineKind::Options => "options",
        LineKind::Consumption => "consumption",
        LineKind::PaymentFees => "payment_fees",
    }
}

fn check_plan(p: &mut Problems, id: &str, plan: &RawPlan, modules: &BTreeSet<crate::offer::Module>) -> Option<Plan> {
    let path = format!("plans.{id}");
    check_identifier(p, &path, "a plan id", id);
    check_not_blank(p, &format!("{path}.name"), &plan.name);

    let pricing = match (plan.free, plan.on_quote, plan.prices.is_empty()) {
        (true, true, _) => {
            p.push(
                format!("{path}.on_quote"),
                "a plan is either free or on quote, not both",
            );
            None
        }
        (true, false, false) => {
            p.push(format!("{path}.prices"), "a free plan has no prices");
            None
        }
        (false, true, false) => {
            p.push(format!("{path}.prices"), "a plan on quote has no prices in the offer");
            None
        }
        (false, false, true) => {
            p.push(
                format!("{path}.prices"),
                "the plan has no price for any period: give at least one (monthly, quarterly, annual), or mark it free = true or on_quote = true",
            );
            None
        }
        (true, false, true) => Some(PlanPricing::Free),
        (false, true, true) => Some(PlanPricing::OnQuote),
        (false, false, false) => {
            let mut prices = BTreeMap::new();
            for (period, price) in &plan.prices {
                let price_path = format!("{path}.prices.{period}");
                let current = p.cents(&format!("{price_path}.current"), &price.current);
                let list = match &price.list {
                    Some(list) => p.cents(&format!("{price_path}.list"), list),
                    None => current,
                };
                if let (Some(list), Some(current)) = (list, current) {
                    if current > list {
                        p.push(
                            format!("{price_path}.current"),
                            format!("must not exceed the list price ({list})"),
                        );
                    }
                    prices.insert(*period, PlanPrice { list, current });
                }
            }
            Some(PlanPricing::Priced(prices))
        }
    };
    let periods: BTreeSet<BillingPeriod> = plan.prices.keys().copied().collect();

    let mut quotas = BTreeMap::new();
    for (module, names) in &plan.quotas {
        let module_path = format!("{path}.quotas.{module}");
        match crate::offer::Module::from_name(module) {
            Some(m) if modules.contains(&m) => {}
            Some(_) => p.push(
                &module_path,
                format!("module `{module}` is not granted by this offer's modules"),
            ),
            None => p.push(
                &module_path,
                format!("`{module}` is not a module (contracts, campaigns, calls, monitor, crm)"),
            ),
        }
        for (name, quota) in names {
            check_identifier(p, &format!("{module_path}.{name}"), "a quota name", name);
            quotas.insert(format!("{module}.{name}"), *quota);
        }
    }

    let mut entitlements = BTreeMap::new();
    for (name, entitlement) in &plan.entitlements {
        let e_path = format!("{path}.entitlements.{name}");
        check_identifier(p, &e_path, "an entitlement name", name);
        if let Some(maximum) = entitlement.maximum {
            if entitlement.minimum > maximum {
                p.push(
                    format!("{e_path}.minimum"),
                    format!("must not exceed the maximum ({maximum})"),
                );
            }
            if let Quota::Limited(included) = entitlement.included
                && included > u64::from(maximum)
            {
                p.push(
                    format!("{e_path}.included"),
                    format!("must not exceed the maximum ({maximum})"),
                );
            }
        }
        let mut unit_prices = BTreeMap::new();
        for (period, amount) in &entitlement.unit_price {
            let price_path = format!("{e_path}.unit_price.{period}");
            if !periods.contains(period) {
                p.push(&price_path, format!("the plan is not sold {period}"));
            }
            if let Some(amount) = p.cents(&price_path, amount) {
                unit_prices.insert(*period, amount);
            }
        }
        if !entitlement.unit_price.is_empty() {
            for period in &periods {
                if !entitlement.unit_price.contains_key(period) {
                    p.push(
                        format!("{e_path}.unit_price"),
                        format!("no {period} unit price, yet the plan is sold {period}"),
                    );
                }
            }
            if entitlement.included == Quota::Unlimited {
                p.push(
                    format!("{e_path}.unit_price"),
                    "an unlimited entitlement has no units to sell",
                );
            }
        }
        entitlements.insert(
            name.clone(),
            Entitlement {
                included: entitlement.included,
                minimum: entitlement.minimum,
                maximum: entitlement.maximum,
                unit_prices,
            },
        );
    }

    Some(Plan {
        id: id.to_owned(),
        name: plan.name.clone(),
        description: plan.description.clone(),
        pricing: pricing?,
        quotas,
        entitlements,
    })
}

fn check_option(
    p: &mut Problems,
    id: &str,
    option: &RawOption,
    raw: &RawOffer,
    known_quotas: &BTreeSet<String>,
    known_entitlements: &BTreeSet<&String>,
) -> Option<PlanOption> {
    let path = format!("options.{id}");
    check_identifier(p, &path, "an option id", id);
    check_not_blank(p, &format!("{path}.name"), &option.name);

    if let Some(plans) = &option.plans {
        for (i, plan) in plans.iter().enumerate() {
            if !raw.plans.contains_key(plan) {
                p.push(format!("{path}.plans[{i}]"), format!("unknown plan `{plan}`"));
            }
        }
    }
    let mut quotas = BTreeMap::new();
    for (module, names) in &option.quotas {
        for (name, amount) in names {
            let key = format!("{module}.{name}");
            if !known_quotas.contains(&key) {
                p.push(
                    format!("{path}.quotas.{module}.{name}"),
                    format!("unknown quota `{key}`: no plan has it"),
                );
            }
            quotas.insert(key, *amount);
        }
    }
    for name in option.entitlements.keys() {
        if !known_entitlements.contains(name) {
            p.push(
                format!("{path}.entitlements.{name}"),
                format!("unknown entitlement `{name}`: no plan has it"),
            );
        }
    }
    if quotas.is_empty() && option.entitlements.is_empty() {
        p.push(&path, "an option adds at least one quota or entitlement");
    }

    // The periods of the plans the option can join.
    let plan_periods: BTreeSet<BillingPeriod> = raw
        .plans
        .iter()
        .filter(|(plan_id, _)| option.plans.as_ref().is_none_or(|list| list.contains(plan_id)))
        .flat_map(|(_, plan)| plan.prices.keys().copied())
        .collect();
    if option.prices.is_empty() {
        p.push(
            format!("{path}.prices"),
            "an option needs a price for at least one period",
        );
    }
    let mut prices = BTreeMap::new();
    for (period, amount) in &option.prices {
        let price_path = format!("{path}.prices.{period}");
        if !plan_periods.contains(period) {
            p.push(&price_path, format!("no plan this option can join is sold {period}"));
        }
        if let Some(amount) = p.cents(&price_path, amount) {
            prices.insert(*period, amount);
        }
    }
    if option.max_quantity == Some(0) {
        p.push(format!("{path}.max_quantity"), "must be 1 or more");
    }

    Some(PlanOption {
        id: id.to_owned(),
        name: option.name.clone(),
        description: option.description.clone(),
        plans: option.plans.clone(),
        quotas,
        entitlements: option.entitlements.clone(),
        prices,
        max_quantity: option.max_quantity,
    })
}

fn check_term(p: &mut Problems, term: &RawTerm) -> Option<Term> {
    let length = match term.length.trim().to_ascii_lowercase().as_str() {
        "indefinite" => Some(TermLength::Indefinite),
        "billing period" => Some(TermLength::BillingPeriod),
        _ if Delay::parse(&term.length).is_ok() => match p.delay("term.length", &term.length, Units::Dates) {
            Some(delay) if delay.is_zero() => {
                p.push("term.length", "a term lasts at least one day");
                None
            }
            other => other.map(TermLength::Fixed),
        },
        _ => {
            p.push(
                "term.length",
                format!(
                    "`{}` is not a term: write \"indefinite\", \"billing period\" or a length such as \"24 months\"",
                    term.length.trim()
                ),
            );
            None
        }
    };
    let renewal_length = p.optional_delay("term.renewal_length", term.renewal_length.as_ref(), Units::Dates);
    let untick_before = p.optional_delay("term.untick_before", term.untick_before.as_ref(), Units::Instants);
    let minimum = p.optional_delay("term.minimum", term.minimum.as_ref(), Units::Dates);

    if length == Some(TermLength::Indefinite) {
        if term.renewal != RawRenewal::None {
            p.push("term.renewal", "an indefinite term never ends, so it does not renew");
        }
        if term.renewal_length.is_some() {
            p.push("term.renewal_length", "an indefinite term has no renewal length");
        }
    }
    if length == Some(TermLength::BillingPeriod) && term.renewal_length.is_some() {
        p.push(
            "term.renewal_length",
            "a term of one billing period renews for the same period: remove renewal_length",
        );
    }
    if term.renewal == RawRenewal::None && term.renewal_length.is_some() && length != Some(TermLength::Indefinite) {
        p.push(
            "term.renewal_length",
            "a term that does not renew has no renewal length",
        );
    }
    if term.untick_before.is_some() && term.renewal != RawRenewal::Automatic {
        p.push(
            "term.untick_before",
            "an untick deadline needs automatic renewal (renewal = \"automatic\")",
        );
    }
    let renewal = match term.renewal {
        RawRenewal::None => Renewal::None,
        RawRenewal::Tacit => Renewal::Tacit,
        RawRenewal::Automatic => match untick_before {
            Some(untick_before) => Renewal::Automatic { untick_before },
            None => {
                if term.untick_before.is_none() {
                    p.push(
                        "term.renewal",
                        "automatic renewal needs untick_before: how long before the renewal the client can untick it",
                    );
                }
                return None;
            }
        },
    };
    Some(Term {
        length: length?,
        renewal,
        renewal_length,
        minimum,
    })
}

fn check_notice(p: &mut Problems, raw: &RawOffer, term: Option<&Term>) -> Option<Notice> {
    let notice = &raw.notice;
    let length = if notice.length.trim().eq_ignore_ascii_case("none") {
        Some(None)
    } else {
        p.delay("notice.length", &notice.length, Units::Instants).map(Some)
    };
    if notice.ways.is_empty() {
        p.push("notice.ways", "name at least one way to terminate");
    }
    let deemed = p.optional_delay(
        "notice.letter_deemed_received_after",
        notice.letter_deemed_received_after.as_ref(),
        Units::Dates,
    );
    if deemed.is_some() && !notice.ways.contains(&NoticeWay::RegisteredLetter) {
        p.push(
            "notice.letter_deemed_received_after",
            "registered letters are not among the notice ways",
        );
    }
    if notice.effective == NoticeEffect::AtRenewal
        && let Some(Term {
            length: TermLength::Indefinite,
            ..
        }) = term
    {
        p.push(
            "notice.effective",
            "an indefinite term has no renewal date: use \"after_notice\" or \"immediately\"",
        );
    }
    if notice.effective == NoticeEffect::AtRenewal
        && let Some(Term {
            renewal: Renewal::None,
            length: TermLength::Fixed(_) | TermLength::BillingPeriod,
            ..
        }) = term
    {
        p.push(
            "notice.effective",
            "the term does not renew, so there is no renewal to terminate at",
        );
    }
    if notice.effective == NoticeEffect::Immediately && matches!(length, Some(Some(d)) if !d.is_zero()) {
        p.push(
            "notice.length",
            "a termination that takes effect immediately has no notice",
        );
    }
    Some(Notice {
        length: length?,
        effective: notice.effective,
        ways: notice.ways.clone(),
        letter_deemed_received_after: deemed,
        before_activation: notice.before_activation,
    })
}

fn check_payment(
    p: &mut Problems,
    payment: &RawPayment,
    periodic: bool,
    sold_periods: &BTreeSet<BillingPeriod>,
) -> Option<Payment> {
    let terms = parse_payment_terms(&payment.terms)
        .map_err(|e| p.push("payment.terms", e))
        .ok();
    if periodic
        && let Some(PaymentTerms::Net { days, .. }) = terms
        && days > PERIODIC_PAYMENT_CAP_DAYS
    {
        p.push(
            "payment.terms",
            format!(
                "{days} days exceeds the legal cap of {PERIODIC_PAYMENT_CAP_DAYS} days for periodic invoices (Code de commerce L441-10)"
            ),
        );
    }
    let one_off_terms = match &payment.one_off_terms {
        Some(text) => parse_payment_terms(text)
            .map_err(|e| p.push("payment.one_off_terms", e))
            .ok(),
        None => terms,
    };
    // One-off invoices default to the periodic terms, already held to the stricter cap: only
    // terms written for them, or those of an offer with no periodic invoice, are checked here.
    let one_off_checked = payment.one_off_terms.is_some() || !periodic;
    if one_off_checked
        && let Some(PaymentTerms::Net { days, .. }) = one_off_terms
        && days > ONE_OFF_PAYMENT_CAP_DAYS
    {
        p.push(
            "payment.one_off_terms",
            format!(
                "{days} days exceeds the legal cap of {ONE_OFF_PAYMENT_CAP_DAYS} days from the invoice date (Code de commerce L441-10)"
            ),
        );
    }
    if payment.methods.is_empty() {
        p.push("payment.methods", "name at least one payment method");
    }
    for (period, methods) in &payment.methods_by_period {
        let path = format!("payment.methods_by_period.{period}");
        if !sold_periods.contains(period) {
            p.push(&path, format!("no plan is sold {period}"));
        }
        if methods.is_empty() {
            p.push(&path, "name at least one payment method");
        }
    }

    let late = &payment.late;
    let interest = late.interest.as_ref().and_then(|i| check_interest(p, i));
    let penalty = late.penalty.as_ref().and_then(|penalty| {
        let after = p.optional_delay("payment.late.penalty.after", penalty.after.as_ref(), Units::Dates);
        let rate = p.rate("payment.late.penalty.rate", &penalty.rate)?;
        Some(LatePenalty { rate, after })
    });
    let late = LatePayment {
        interest,
        recovery_indemnity: p.optional_cents("payment.late.recovery_indemnity", late.recovery_indemnity.as_ref()),
        penalty,
        all_sums_due: late.all_sums_due,
        suspension_delay: p.optional_delay(
            "payment.late.suspension_delay",
            late.suspension_delay.as_ref(),
            Units::Any,
        ),
        formal_notice_delay: p.optional_delay(
            "payment.late.formal_notice_delay",
            late.formal_notice_delay.as_ref(),
            Units::Any,
        ),
        extends_commitment: late.extends_commitment,
        suspends_support: late.suspends_support,
    };

    let mut monthly_fees = BTreeMap::new();
    for (reason, amount) in &payment.monthly_fees {
        let name = match reason {
            super::model::MonthlyFee::Cheque => "cheque",
            super::model::MonthlyFee::PaperInvoice => "paper_invoice",
        };
        if let Some(amount) = p.cents(&format!("payment.monthly_fees.{name}"), amount) {
            monthly_fees.insert(*reason, amount);
        }
    }

    Some(Payment {
        terms: terms?,
        one_off_terms: one_off_terms?,
        methods: payment.methods.clone(),
        methods_by_period: payment.methods_by_period.clone(),
        late,
        rejected_payment_fee: p.optional_cents("payment.rejected_payment_fee", payment.rejected_payment_fee.as_ref()),
        suspend_on_rejection: payment.suspend_on_rejection,
        monthly_fees,
        deposit_above: p.optional_cents("payment.deposit_above", payment.deposit_above.as_ref()),
        direct_debit_prenotification: p.optional_delay(
            "payment.direct_debit_prenotification",
            payment.direct_debit_prenotification.as_ref(),
            Units::Any,
        ),
        dispute_within: p.optional_delay("payment.dispute_within", payment.dispute_within.as_ref(), Units::Any),
    })
}

fn check_interest(p: &mut Problems, interest: &RawInterest) -> Option<LateInterest> {
    let path = "payment.late.interest";
    match (interest.times, interest.of, &interest.rate) {
        (Some(times), Some(of), None) => {
            if times == 0 {
                p.push(format!("{path}.times"), "must be 1 or more");
                return None;
            }
            Some(match of {
                RawReferenceRate::LegalRate => LateInterest::TimesLegalRate(times),
                RawReferenceRate::EcbRate => LateInterest::TimesEcbRate(times),
            })
        }
        (None, None, Some(rate)) => p.rate(&format!("{path}.rate"), rate).map(LateInterest::Fixed),
        _ => {
            p.push(
                path,
                "write either a multiple of a reference rate ({ times = 3, of = \"legal_rate\" }) or a fixed rate ({ rate = \"10%\" })",
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payment_terms_read_as_written() {
        assert_eq!(parse_payment_terms("upfront"), Ok(PaymentTerms::Upfront));
        assert_eq!(parse_payment_terms("On receipt"), Ok(PaymentTerms::OnReceipt));
        assert_eq!(
            parse_payment_terms("net 15 days"),
            Ok(PaymentTerms::Net {
                days: 15,
                from: DueFrom::InvoiceDate
            })
        );
        assert_eq!(
            parse_payment_terms("net 7 days from receipt"),
            Ok(PaymentTerms::Net {
                days: 7,
                from: DueFrom::Receipt
            })
        );
        assert!(parse_payment_terms("net fifteen days").is_err());
        assert!(parse_payment_terms("net 15 days end of month").is_err());
        for text in ["upfront", "on receipt", "net 15 days", "net 7 days from receipt"] {
            assert_eq!(parse_payment_terms(text).map(|t| t.to_string()), Ok(text.to_owned()));
        }
    }

    #[test]
    fn identifiers() {
        assert!(is_identifier("oseox"));
        assert!(is_identifier("extra_site"));
        assert!(is_identifier("s"));
        assert!(!is_identifier("S"));
        assert!(!is_identifier("-s"));
        assert!(!is_identifier(""));
        assert!(!is_identifier("a.b"));
    }
}
