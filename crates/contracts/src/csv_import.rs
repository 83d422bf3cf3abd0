//! CSV import and export of the register, all or nothing.
//!
//! Every line is parsed; the result is either every contract or every faulty line with its
//! line number, field (the column's name) and a stable code, so nothing is half-imported.
//! Columns may come in any order; a comma or a semicolon separates them (spreadsheets set to
//! French save with semicolons), and a UTF-8 byte-order mark is ignored.

use crate::register::{
    BillingPeriod, Category, ContractRecord, Counterparty, Price, format_amount, parse_amount, parse_currency,
};
use crate::terms::{AcceptedWay, ContractTerms, Notice, Renewal, SendingWay, TermsDraft};
use jiff::civil::Date;
use kernel::values::Siren;
use kernel::{FieldError, FieldErrors};
use serde::Serialize;

/// The template's columns, in order.
pub const COLUMNS: [&str; 20] = [
    "reference",
    "counterparty_name",
    "counterparty_siren",
    "counterparty_address",
    "counterparty_contact",
    "category",
    "start_date",
    "term_months",
    "end_date",
    "renewal",
    "renewal_months",
    "notice",
    "notice_unit",
    "ways",
    "price",
    "currency",
    "billing_period",
    "owner",
    "tags",
    "notes",
];

/// Columns a file must have; the others may be left out.
pub const REQUIRED_COLUMNS: [&str; 5] = ["counterparty_name", "category", "start_date", "renewal", "notice"];

/// The header row of the downloadable template.
pub const TEMPLATE_HEADER: &str = "reference,counterparty_name,counterparty_siren,counterparty_address,counterparty_contact,category,start_date,term_months,end_date,renewal,renewal_months,notice,notice_unit,ways,price,currency,billing_period,owner,tags,notes";

/// The template's example row: the worked example of CTR-DEADLINE.
pub const TEMPLATE_EXAMPLE: &str = "CLI-2026-001,Télécom Exemple SAS,732829320,\"1 rue de la Paix, 75002 Paris\",resiliation@telecom-exemple.fr,telecom,2026-01-31,12,,tacit,12,3,months,registered_letter|email,49.90,EUR,monthly,compta@exemple.fr,fibre|siège,\"Ligne fibre du siège; préavis de 3 mois\"";

/// The downloadable template: header and one example row, CRLF-terminated like spreadsheets.
pub fn template() -> String {
    format!("{TEMPLATE_HEADER}\r\n{TEMPLATE_EXAMPLE}\r\n")
}

/// One refused value of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineError {
    /// The line in the file, 1 being the header.
    pub line: u64,
    /// The column's name, or `""` for the line as a whole.
    pub field: String,
    pub code: &'static str,
}

/// Every refused value of a failed import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{} faulty value(s) in the CSV file", .0.len())]
pub struct ImportErrors(pub Vec<LineError>);

/// Parses a whole CSV file: every contract, or every faulty line.
pub fn import_csv(input: &str) -> Result<Vec<ContractRecord>, ImportErrors> {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    let first_line = input.lines().next().unwrap_or("");
    let delimiter = if first_line.matches(';').count() > first_line.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(input.as_bytes());
    let header_error = |field: &str, code| ImportErrors(vec![line_error(1, field, code)]);
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_ascii_lowercase()).collect(),
        Err(_) => return Err(header_error("", "csv_syntax")),
    };
    if headers.iter().all(|h| h.is_empty()) {
        return Err(header_error("", "empty_file"));
    }
    let mut errors = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        if !COLUMNS.contains(&h.as_str()) {
            errors.push(line_error(1, h, "unknown_column"));
        } else if headers[..i].contains(h) {
            errors.push(line_error(1, h, "duplicate_column"));
        }
    }
    for required in REQUIRED_COLUMNS {
        if !headers.iter().any(|h| h == required) {
            errors.push(line_error(1, required, "missing_column"));
        }
    }
    if !errors.is_empty() {
        return Err(ImportErrors(errors));
    }

    let mut records = Vec::new();
    for result in reader.records() {
        let row = match result {
            Ok(row) => row,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                errors.push(line_error(line, "", "csv_syntax"));
                continue;
            }
        };
        let line = row.position().map(|p| p.line()).unwrap_or(0);
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if row.len() != headers.len() {
            errors.push(line_error(line, "", "column_count"));
            continue;
        }
        let fields = Row {
            headers: &headers,
            record: &row,
        };
        match parse_row(&fields) {
            Ok(record) => records.push(record),
            Err(field_errors) => errors.extend(field_errors.0.into_iter().map(|e| LineError {
                line,
                field: e.field,
                code: e.code,
            })),
        }
    }
    if errors.is_empty() {
        Ok(records)
    } else {
        Err(ImportErrors(errors))
    }
}

fn line_error(line: u64, field: &str, code: &'static str) -> LineError {
    LineError {
        line,
        field: field.to_string(),
        code,
    }
}

/// A date as `2026-01-31` or `31/01/2026`.
pub fn parse_date(field: &str, raw: &str) -> Result<Date, FieldError> {
    let err = || FieldError::new(field, "date_format");
    let raw = raw.trim();
    if let Ok(d) = raw.parse::<Date>() {
        return Ok(d);
    }
    let parts: Vec<&str> = raw.split('/').collect();
    if let [d, m, y] = parts[..]
        && y.len() == 4
    {
        let (Ok(d), Ok(m), Ok(y)) = (d.parse::<i8>(), m.parse::<i8>(), y.parse::<i16>()) else {
            return Err(err());
        };
        return Date::new(y, m, d).map_err(|_| err());
    }
    Err(err())
}

fn parse_count<T: std::str::FromStr>(field: &str, raw: &str) -> Result<T, FieldError> {
    raw.trim().parse().map_err(|_| FieldError::new(field, "number_format"))
}

fn optional<T>(raw: &str, parse: impl FnOnce(&str) -> Result<T, FieldError>) -> Result<Option<T>, FieldError> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        parse(raw).map(Some)
    }
}

fn required<T>(field: &str, raw: &str, parse: impl FnOnce(&str) -> Result<T, FieldError>) -> Result<T, FieldError> {
    if raw.trim().is_empty() {
        Err(FieldError::new(field, "required"))
    } else {
        parse(raw)
    }
}

fn text(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    if raw.chars().count() > max {
        Err(FieldError::new(field, "too_long"))
    } else {
        Ok(raw.to_string())
    }
}

/// `registered_letter|email`, each optionally with a transit in working days
/// (`registered_letter:5`).
fn parse_ways(field: &str, raw: &str) -> Result<Vec<AcceptedWay>, FieldError> {
    raw.split('|')
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(|w| {
            let (code, transit) = match w.split_once(':') {
                Some((c, t)) => (c, Some(t)),
                None => (w, None),
            };
            let way = SendingWay::from_code(code).ok_or_else(|| FieldError::new(field, "unknown_way"))?;
            let transit_working_days = match transit {
                Some(t) => parse_count::<u8>(field, t)?,
                None => way.default_transit_working_days(),
            };
            Ok(AcceptedWay {
                way,
                transit_working_days,
            })
        })
        .collect()
}

/// One data line, read by column name.
struct Row<'a> {
    headers: &'a [String],
    record: &'a csv::StringRecord,
}

impl<'a> Row<'a> {
    /// The trimmed value of a column, empty when the file has no such column.
    fn get(&self, name: &str) -> &'a str {
        self.headers
            .iter()
            .position(|h| h == name)
            .and_then(|i| self.record.get(i))
            .map(str::trim)
            .unwrap_or("")
    }
}

fn parse_row(row: &Row<'_>) -> Result<ContractRecord, FieldErrors> {
    parse_fields(|name| row.get(name))
}

/// Parses one contract from its fields named as the template's columns ([`COLUMNS`]), whatever
/// they come from (a CSV line, a web form, an API body); errors name those columns.
pub fn parse_fields<'a>(get: impl Fn(&str) -> &'a str) -> Result<ContractRecord, FieldErrors> {
    let get = |name: &str| get(name).trim();
    let mut errors = FieldErrors::new();
    let reference = errors.check(text("reference", get("reference"), 100));
    let name = errors.check(required("counterparty_name", get("counterparty_name"), |r| {
        text("counterparty_name", r, 200)
    }));
    let siren = errors.check(optional(get("counterparty_siren"), |r| {
        Siren::parse("counterparty_siren", r)
    }));
    let address = errors.check(optional(get("counterparty_address"), |r| {
        text("counterparty_address", r, 500)
    }));
    let contact = errors.check(optional(get("counterparty_contact"), |r| {
        text("counterparty_contact", r, 200)
    }));
    let category = errors.check(required("category", get("category"), |r| {
        Category::parse("category", r)
    }));
    let start = errors.check(required("start_date", get("start_date"), |r| {
        parse_date("start_date", r)
    }));
    let term_months = errors.check(optional(get("term_months"), |r| parse_count::<u16>("term_months", r)));
    let end = errors.check(optional(get("end_date"), |r| parse_date("end_date", r)));
    let renewal_months = errors.check(optional(get("renewal_months"), |r| {
        parse_count::<u16>("renewal_months", r)
    }));
    let renewal = errors.check(required("renewal", get("renewal"), |r| {
        match r.trim().to_ascii_lowercase().as_str() {
            // A tacit renewal with no period given renews for the initial term, the usual case.
            "tacit" => match renewal_months.flatten().or(term_months.flatten()) {
                Some(months) => Ok(Renewal::Tacit { months }),
                None => Err(FieldError::new("renewal_months", "required")),
            },
            "open_ended" => Ok(Renewal::OpenEnded),
            "ends" => Ok(Renewal::Ends),
            _ => Err(FieldError::new("renewal", "unknown_renewal")),
        }
    }));
    let notice_count = errors.check(optional(get("notice"), |r| parse_count::<u16>("notice", r)));
    let notice = match (notice_count.flatten(), get("notice_unit").to_ascii_lowercase().as_str()) {
        (None, _) => Some(Notice::NONE),
        (Some(n), "days" | "day" | "jours" | "jour") => Some(Notice::Days(n)),
        (Some(n), "months" | "month" | "mois") => Some(Notice::Months(n)),
        (Some(_), "") => {
            errors.push("notice_unit", "required");
            None
        }
        (Some(_), _) => {
            errors.push("notice_unit", "unknown_unit");
            None
        }
    };
    let ways = errors.check(parse_ways("ways", get("ways")));
    let amount = errors.check(optional(get("price"), |r| parse_amount("price", r)));
    let currency = errors.check(if get("currency").is_empty() {
        Ok("EUR".to_string())
    } else {
        parse_currency("currency", get("currency"))
    });
    let period = errors.check(optional(get("billing_period"), |r| {
        BillingPeriod::parse("billing_period", r)
    }));
    if matches!(amount, Some(Some(_))) && matches!(period, Some(None)) {
        errors.push("billing_period", "required");
    }
    let owner = errors.check(optional(get("owner"), |r| text("owner", r, 200)));
    let tags: Vec<String> = get("tags")
        .split('|')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    let notes = errors.check(text("notes", get("notes"), 10_000));

    // The terms are checked as a whole once their parts parsed; their field names are mapped
    // to the columns that hold them.
    let mut terms = None;
    if let (Some(start), Some(term_months), Some(end), Some(renewal), Some(notice), Some(ways)) =
        (start, term_months, end, renewal, notice, ways)
    {
        match ContractTerms::new(TermsDraft {
            start,
            term_months,
            end,
            renewal,
            notice,
            ways,
        }) {
            Ok(t) => terms = Some(t),
            Err(e) => {
                for fe in e.0 {
                    let column = match fe.field.as_str() {
                        "start" => "start_date",
                        "end" => "end_date",
                        other => other,
                    };
                    errors.push(column, fe.code);
                }
            }
        }
    }
    errors.into_result()?;
    // Every part parsed (no error was recorded), so each is present.
    let record = (move || {
        let (amount, period) = (amount?, period?);
        Some(ContractRecord {
            reference: reference?,
            counterparty: Counterparty {
                name: name?,
                siren: siren?,
                registered_office: address?,
                contact: contact?,
            },
            category: category?,
            terms: terms?,
            price: match (amount, period) {
                (Some(amount_minor), Some(period)) => Some(Price {
                    amount_minor,
                    currency: currency?,
                    period,
                }),
                _ => None,
            },
            owner: owner?,
            tags,
            notes: notes?,
        })
    })();
    record.ok_or_else(|| FieldErrors::single("", "internal"))
}

/// Writes contracts as CSV in the template's columns; [`import_csv`] reads it back unchanged.
pub fn export_csv(records: &[ContractRecord]) -> String {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let mut rows: Vec<Vec<String>> = vec![COLUMNS.iter().map(|c| c.to_string()).collect()];
    rows.extend(records.iter().map(record_fields));
    for row in rows {
        // Writing to a Vec cannot fail; a failure would only lose this row.
        let _ = writer.write_record(&row);
    }
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// A contract's fields in the order of [`COLUMNS`], as [`parse_fields`] reads them back.
pub fn record_fields(r: &ContractRecord) -> Vec<String> {
    {
        let t = &r.terms;
        let (renewal, renewal_months) = match t.renewal() {
            Renewal::Tacit { months } => ("tacit", months.to_string()),
            Renewal::OpenEnded => ("open_ended", String::new()),
            Renewal::Ends => ("ends", String::new()),
        };
        let (notice, unit) = match t.notice() {
            Notice::Days(n) => (n, "days"),
            Notice::Months(n) => (n, "months"),
        };
        let ways = t
            .ways()
            .iter()
            .map(|w| {
                if w.transit_working_days == w.way.default_transit_working_days() {
                    w.way.code().to_string()
                } else {
                    format!("{}:{}", w.way.code(), w.transit_working_days)
                }
            })
            .collect::<Vec<_>>()
            .join("|");
        vec![
            r.reference.clone(),
            r.counterparty.name.clone(),
            r.counterparty.siren.as_ref().map(|s| s.to_string()).unwrap_or_default(),
            r.counterparty.registered_office.clone().unwrap_or_default(),
            r.counterparty.contact.clone().unwrap_or_default(),
            r.category.code().to_string(),
            t.start().to_string(),
            t.term_months().to_string(),
            String::new(),
            renewal.to_string(),
            renewal_months,
            notice.to_string(),
            unit.to_string(),
            ways,
            r.price
                .as_ref()
                .map(|p| format_amount(p.amount_minor))
                .unwrap_or_default(),
            r.price.as_ref().map(|p| p.currency.clone()).unwrap_or_default(),
            r.price
                .as_ref()
                .map(|p| p.period.code().to_string())
                .unwrap_or_default(),
            r.owner.clone().unwrap_or_default(),
            r.tags.join("|"),
            r.notes.clone(),
        ]
    }
}
