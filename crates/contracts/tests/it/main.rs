//! One integration test binary for the contracts crate (faster links, shared helpers).

mod assist_eval;
mod csv_import;
mod deadlines;
mod holidays_oracle;
mod ical_oracle;
mod oracle;
mod properties;
