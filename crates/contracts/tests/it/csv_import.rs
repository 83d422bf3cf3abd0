//! CSV import (all or nothing) and export.

use contracts::csv_import::{LineError, TEMPLATE_HEADER, export_csv, import_csv, template};
use contracts::{BillingPeriod, Category, Notice, Renewal, SendingWay};
use jiff::civil::date;

fn errors_of(csv: &str) -> Vec<(u64, String, &'static str)> {
    match import_csv(csv) {
        Ok(r) => panic!("expected errors, got {} records", r.len()),
        Err(e) => {
            e.0.into_iter()
                .map(|LineError { line, field, code }| (line, field, code))
                .collect()
        }
    }
}

// clause: CLOG-SERVICE (register from a downloadable template)
#[test]
fn the_template_imports_as_its_example() {
    let records = import_csv(&template()).unwrap();
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert_eq!(r.counterparty.name, "Télécom Exemple SAS");
    assert_eq!(r.counterparty.siren.as_ref().unwrap().as_str(), "732829320");
    assert_eq!(
        r.counterparty.registered_office.as_deref(),
        Some("1 rue de la Paix, 75002 Paris")
    );
    assert_eq!(r.category, Category::Telecom);
    assert_eq!(r.terms.start(), date(2026, 1, 31));
    assert_eq!(r.terms.renewal(), Renewal::Tacit { months: 12 });
    assert_eq!(r.terms.notice(), Notice::Months(3));
    assert_eq!(r.terms.ways().len(), 2);
    let price = r.price.as_ref().unwrap();
    assert_eq!(
        (price.amount_minor, price.currency.as_str(), price.period),
        (4990, "EUR", BillingPeriod::Monthly)
    );
    assert_eq!(r.tags, vec!["fibre", "siège"]);
    assert!(template().starts_with(TEMPLATE_HEADER));
}

// clause: CLOG-SERVICE (bad input: every faulty line listed, nothing imported)
#[test]
fn faulty_lines_are_all_listed_and_nothing_is_imported() {
    let csv = format!(
        "{TEMPLATE_HEADER}\n\
         A1,Good SAS,732829320,,,software,2026-01-31,12,,tacit,,3,months,email,,,,,,\n\
         A2,Bad Siren SAS,732829321,,,software,2026-01-31,12,,tacit,,3,months,email,,,,,,\n\
         A3,Bad Category,,,,food,31/13/2026,12,,tacit,,3,months,email,,,,,,\n\
         A4,Long Notice,,,,lease,2026-01-01,6,,ends,,7,months,registered_letter,,,,,,\n\
         A5,,,,,energy,2026-01-01,12,2025-12-31,tacit,,3,weeks,pigeon,12.345,EU,,,,\n\
         A6,Short,,,,other,2026-01-01,12\n"
    );
    assert_eq!(
        errors_of(&csv),
        vec![
            (3, "counterparty_siren".into(), "siren_checksum"),
            (4, "category".into(), "unknown_category"),
            (4, "start_date".into(), "date_format"),
            (5, "notice".into(), "notice_longer_than_term"),
            (6, "counterparty_name".into(), "required"),
            (6, "notice_unit".into(), "unknown_unit"),
            (6, "ways".into(), "unknown_way"),
            (6, "price".into(), "amount_format"),
            (6, "currency".into(), "currency_format"),
            (7, "".into(), "column_count"),
        ]
    );
    // An end date before the start is named on its column.
    let csv = format!("{TEMPLATE_HEADER}\nA,B,,,,other,2026-01-01,,2025-12-31,tacit,12,1,months,email,,,,,,\n");
    assert_eq!(errors_of(&csv), vec![(2, "end_date".into(), "end_before_start")]);
}

#[test]
fn headers_are_checked_and_semicolons_accepted() {
    assert_eq!(
        errors_of("reference,colour\nA,red\n"),
        vec![
            (1, "colour".into(), "unknown_column"),
            (1, "counterparty_name".into(), "missing_column"),
            (1, "category".into(), "missing_column"),
            (1, "start_date".into(), "missing_column"),
            (1, "renewal".into(), "missing_column"),
            (1, "notice".into(), "missing_column"),
        ]
    );
    assert_eq!(errors_of(""), vec![(1, "".into(), "empty_file")]);
    // A French spreadsheet: BOM, semicolons, decimal comma, columns reordered and some left out.
    let csv = "\u{feff}category;counterparty_name;start_date;term_months;renewal;notice;notice_unit;ways;price;billing_period\r\n\
               insurance;Assureur Mutuel;01/03/2026;12;tacit;2;months;registered_letter:5|online_form;1 250,50;yearly\r\n";
    let r = &import_csv(csv).unwrap()[0];
    assert_eq!(r.terms.start(), date(2026, 3, 1));
    assert_eq!(
        r.terms.way(SendingWay::RegisteredLetter).unwrap().transit_working_days,
        5
    );
    assert_eq!(r.price.as_ref().unwrap().amount_minor, 125_050);
}

#[test]
fn export_then_import_gives_the_same_contracts() {
    let csv = format!(
        "{TEMPLATE_HEADER}\n\
         A1,\"Quote \"\"Co\"\", Ltd\",,\"2 rue X\nBât. B\",,software,2026-01-31,12,,tacit,1,30,days,email|in_app,,,,,a|b,\"notes; with, commas\nand lines\"\n\
         A2,Indefinite,552100554,,,other,2026-02-01,,,open_ended,,3,months,registered_letter:4,19.9,usd,quarterly,me@x.fr,,\n\
         A3,Fixed,,,,lease,2026-03-01,,2029-02-28,ends,,,,,,,,,,\n"
    );
    let records = import_csv(&csv).unwrap();
    assert_eq!(records.len(), 3);
    assert_eq!(records[2].terms.term_months(), 36);
    let exported = export_csv(&records);
    assert_eq!(import_csv(&exported).unwrap(), records);
    assert_eq!(export_csv(&import_csv(&exported).unwrap()), exported);
}
