//! Bad offer files: every error names the file, the line (and column) and the field path.

use billing::{Offer, OfferError, OfferErrors};

const FILE: &str = "offers/bad.toml";

/// A small valid offer; each test breaks one thing in it.
const VALID: &str = r#"id = "shop"
name = "Shop"
version = 1
description = "A test offer."
currency = "EUR"
vat_rate = "20%"
modules = ["monitor"]

[plans.s]
name = "S"
quotas.monitor = { http_urls = 100 }
prices.monthly = { list = "29.90", current = "19.90" }

[options.more_urls]
name = "More URLs"
quotas.monitor = { http_urls = 1000 }
prices.monthly = "5"

[term]
length = "billing period"
renewal = "automatic"
untick_before = "48 hours"

[notice]
length = "48 hours"
effective = "at_renewal"
ways = ["in_app"]

[billing]
anchor = "anniversary"
in_advance = ["subscription", "options"]

[payment]
terms = "net 15 days"
methods = ["card"]
"#;

fn replace(from: &str, to: &str) -> String {
    assert!(VALID.contains(from), "the base offer contains {from:?}");
    VALID.replacen(from, to, 1)
}

fn refuse(text: &str) -> OfferErrors {
    match Offer::parse(FILE, text) {
        Ok(_) => panic!("the offer should be refused:\n{text}"),
        Err(errors) => errors,
    }
}

/// The 1-based line of the first occurrence of `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    let offset = text.find(needle).expect("needle present");
    text[..offset].lines().count() + usize::from(text[..offset].ends_with('\n') || offset == 0)
}

fn only(errors: &OfferErrors) -> &OfferError {
    assert_eq!(errors.len(), 1, "one error expected, got:\n{errors}");
    &errors.0[0]
}

#[test]
fn the_valid_base_parses() {
    let offer = Offer::parse(FILE, VALID).expect("valid");
    assert_eq!(offer.plans.len(), 1);
}

#[test]
fn missing_field_names_its_path_and_its_table_line() {
    let text = replace("name = \"S\"\n", "");
    let errors = refuse(&text);
    let error = only(&errors);
    assert_eq!(error.path, "plans.s.name");
    assert_eq!(error.line, line_of(&text, "[plans.s]"));
    assert_eq!(
        error.to_string(),
        format!(
            "offers/bad.toml:{}:1: plans.s.name: missing required field",
            line_of(&text, "[plans.s]")
        )
    );
}

#[test]
fn missing_top_level_field_points_at_the_first_line() {
    let text = replace("currency = \"EUR\"\n", "");
    let errors = refuse(&text);
    assert_eq!(
        only(&errors).to_string(),
        "offers/bad.toml:1:1: currency: missing required field"
    );
}

#[test]
fn missing_field_in_an_inline_table() {
    let text = replace("{ list = \"29.90\", current = \"19.90\" }", "{ list = \"29.90\" }");
    let errors = refuse(&text);
    let error = only(&errors);
    assert_eq!(error.path, "plans.s.prices.monthly.current");
    assert_eq!(error.line, line_of(&text, "prices.monthly"));
    assert!(
        error
            .to_string()
            .starts_with(&format!("offers/bad.toml:{}:", error.line))
    );
}

#[test]
fn indefinite_term_with_a_renewal_is_contradictory() {
    let text = replace(
        "length = \"billing period\"\nrenewal = \"automatic\"\nuntick_before = \"48 hours\"",
        "length = \"indefinite\"\nrenewal_length = \"12 months\"",
    )
    .replace("effective = \"at_renewal\"", "effective = \"after_notice\"");
    let errors = refuse(&text);
    let error = only(&errors);
    let line = line_of(&text, "renewal_length");
    assert_eq!(
        error.to_string(),
        format!("offers/bad.toml:{line}:18: term.renewal_length: an indefinite term has no renewal length")
    );
}

#[test]
fn untick_deadline_without_automatic_renewal_is_contradictory() {
    let text = replace("renewal = \"automatic\"", "renewal = \"tacit\"");
    let errors = refuse(&text);
    let error = only(&errors);
    assert_eq!(error.path, "term.untick_before");
    assert_eq!(error.line, line_of(&text, "untick_before"));
    assert!(error.message.contains("needs automatic renewal"), "{error}");
}

#[test]
fn automatic_renewal_without_untick_deadline_is_incomplete() {
    let text = replace("untick_before = \"48 hours\"\n", "");
    let errors = refuse(&text);
    let error = only(&errors);
    assert_eq!(error.path, "term.renewal");
    assert_eq!(error.line, line_of(&text, "renewal = \"automatic\""));
}

#[test]
fn current_price_above_list_price_is_refused() {
    let text = replace("current = \"19.90\"", "current = \"39.90\"");
    let errors = refuse(&text);
    let error = only(&errors);
    let line = line_of(&text, "prices.monthly");
    assert_eq!(
        error.to_string(),
        format!("offers/bad.toml:{line}:46: plans.s.prices.monthly.current: must not exceed the list price (29.90)")
    );
}

#[test]
fn sixty_day_payment_terms_exceed_the_periodic_invoice_cap() {
    let text = replace("terms = \"net 15 days\"", "terms = \"net 60 days\"");
    let errors = refuse(&text);
    let error = only(&errors);
    let line = line_of(&text, "terms = ");
    assert_eq!(
        error.to_string(),
        format!(
            "offers/bad.toml:{line}:9: payment.terms: 60 days exceeds the legal cap of 45 days for periodic invoices (Code de commerce L441-10)"
        )
    );
    // 45 days is the cap itself: accepted.
    assert!(Offer::parse(FILE, &replace("terms = \"net 15 days\"", "terms = \"net 45 days\"")).is_ok());
}

#[test]
fn one_off_terms_beyond_sixty_days_are_refused() {
    let text = replace(
        "methods = [\"card\"]",
        "methods = [\"card\"]\none_off_terms = \"net 61 days\"",
    );
    let errors = refuse(&text);
    let error = only(&errors);
    assert_eq!(error.path, "payment.one_off_terms");
    assert_eq!(error.line, line_of(&text, "one_off_terms"));
}

#[test]
fn unknown_plan_is_named() {
    // An option restricted to a plan the offer does not have.
    let text = replace(
        "name = \"More URLs\"",
        "name = \"More URLs\"\nplans = [\"s\", \"gold\"]",
    );
    let errors = refuse(&text);
    let error = only(&errors);
    let line = line_of(&text, "plans = [");
    assert_eq!(
        error.to_string(),
        format!("offers/bad.toml:{line}:15: options.more_urls.plans[1]: unknown plan `gold`")
    );
    // And a lookup by the application.
    let offer = Offer::parse(FILE, VALID).expect("valid");
    assert_eq!(
        offer.plan("gold").expect_err("unknown").to_string(),
        "offer `shop` has no plan `gold` (its plans: s)"
    );
}

#[test]
fn misspelt_key_is_refused_not_ignored() {
    let text = replace("name = \"S\"", "name = \"S\"\nprise = \"19.90\"");
    let errors = refuse(&text);
    let error = only(&errors);
    assert_eq!(error.path, "plans.s.prise");
    assert_eq!((error.line, error.column), (line_of(&text, "prise"), Some(1)));
    assert!(error.message.starts_with("unknown field `prise`"), "{error}");
}

#[test]
fn unknown_line_kind_is_refused() {
    let text = replace(
        "in_advance = [\"subscription\", \"options\"]",
        "in_advance = [\"subscription\", \"extras\"]",
    );
    let errors = refuse(&text);
    let error = only(&errors);
    assert_eq!(error.path, "billing.in_advance[1]");
    assert_eq!(error.line, line_of(&text, "in_advance"));
    assert!(error.message.contains("unknown variant `extras`"), "{error}");
}

#[test]
fn line_kind_billed_both_ways_or_consumption_in_advance_is_refused() {
    let text = replace(
        "in_advance = [\"subscription\", \"options\"]",
        "in_advance = [\"subscription\", \"options\", \"consumption\"]\nin_arrears = [\"options\"]",
    );
    let errors = refuse(&text);
    assert_eq!(errors.len(), 2, "{errors}");
    assert!(
        errors
            .at("billing.in_advance[2]")
            .expect("consumption")
            .message
            .contains("in arrears")
    );
    assert!(
        errors
            .at("billing.in_arrears[0]")
            .expect("both ways")
            .message
            .contains("also billed in advance")
    );
}

#[test]
fn duplicate_plan_id_is_refused() {
    let text = format!("{VALID}\n[plans.s]\nname = \"S again\"\n");
    let errors = refuse(&text);
    let error = only(&errors);
    assert_eq!(error.path, "plans.s");
    assert_eq!(error.line, text.lines().count() - 1);
    assert!(error.message.contains("duplicate key"), "{error}");
}

#[test]
fn option_adding_an_unknown_quota_is_refused() {
    let text = replace(
        "quotas.monitor = { http_urls = 1000 }",
        "quotas.monitor = { ping_urls = 10 }",
    );
    let errors = refuse(&text);
    let error = only(&errors);
    assert_eq!(error.path, "options.more_urls.quotas.monitor.ping_urls");
    assert_eq!(error.line, line_of(&text, "ping_urls"));
    assert_eq!(error.message, "unknown quota `monitor.ping_urls`: no plan has it");
}

#[test]
fn quota_of_a_module_the_offer_does_not_grant_is_refused() {
    let text = replace(
        "quotas.monitor = { http_urls = 100 }",
        "quotas.crm = { contacts = 100 }",
    );
    let errors = refuse(&text);
    let error = errors.at("plans.s.quotas.crm").expect("module refused");
    assert_eq!(error.line, line_of(&text, "quotas.crm"));
    assert!(error.message.contains("not granted"), "{error}");
}

#[test]
fn plan_without_any_price_is_refused_unless_free_or_on_quote() {
    let text = replace("prices.monthly = { list = \"29.90\", current = \"19.90\" }\n", "");
    let errors = refuse(&text);
    let error = errors.at("plans.s.prices").expect("no price");
    assert_eq!(error.line, line_of(&text, "[plans.s]"));
    assert!(error.message.contains("no price for any period"), "{error}");
}

#[test]
fn negative_price_vat_out_of_range_and_float_amounts_are_refused() {
    let negative = replace("prices.monthly = \"5\"", "prices.monthly = \"-5\"");
    let errors = refuse(&negative);
    let error = only(&errors);
    assert_eq!(error.path, "options.more_urls.prices.monthly");
    assert_eq!(error.message, "must not be negative (-5.00)");

    let vat = replace("vat_rate = \"20%\"", "vat_rate = \"200%\"");
    let errors = refuse(&vat);
    assert_eq!(
        only(&errors).to_string(),
        "offers/bad.toml:6:12: vat_rate: 200% is out of range: a VAT rate is between 0% and 30%"
    );

    let float = replace("prices.monthly = \"5\"", "prices.monthly = 5.5");
    let errors = refuse(&float);
    let error = only(&errors);
    assert_eq!(error.path, "options.more_urls.prices.monthly");
    assert!(error.message.contains("not exact"), "{error}");
}

#[test]
fn bad_length_of_time_is_explained() {
    let text = replace("untick_before = \"48 hours\"", "untick_before = \"two days\"");
    let errors = refuse(&text);
    let error = only(&errors);
    assert_eq!(error.path, "term.untick_before");
    assert!(error.message.contains("is not a length of time"), "{error}");
}

#[test]
fn broken_toml_still_gives_a_line_and_a_field() {
    let text = replace("version = 1", "version = = 1");
    let errors = refuse(&text);
    let error = only(&errors);
    assert_eq!(error.line, 3);
    assert_eq!(error.path, "version");
    assert!(error.message.starts_with("invalid TOML"), "{error}");
}

#[test]
fn every_broken_rule_is_reported_at_once_in_file_order() {
    let text = replace("vat_rate = \"20%\"", "vat_rate = \"40%\"")
        .replace("current = \"19.90\"", "current = \"39.90\"")
        .replace("terms = \"net 15 days\"", "terms = \"net 90 days\"");
    let errors = refuse(&text);
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["vat_rate", "plans.s.prices.monthly.current", "payment.terms"]);
    let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
    assert!(lines.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(errors.to_string().lines().count(), 3);
}
