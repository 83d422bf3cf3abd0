//! The contracts module (seed `000`, C-Log International: managing, monitoring and
//! terminating contracts), as a pure domain crate: no database, no web, no clock.
//!
//! - [`holidays`]: French public holidays (Alsace-Moselle as an option) and working days.
//! - [`terms`]: a contract's terms as a validated value.
//! - [`deadlines`]: the term's end, the last day to terminate and the send-by dates on a
//!   given day, each explained in French and English (CTR-DEADLINE, CTR-SEND-BY, CTR-RENEWAL).
//! - [`letter`]: when a termination sent on a date takes effect (CTR-LETTER).
//! - [`chatel`]: the L215-1 rule for non-professional holders (CTR-CHATEL).
//! - [`reminders`]: reminder dates and the weekly digest (CTR-REMINDERS).
//! - [`ical`]: the iCalendar feed (CTR-REMINDERS).
//! - [`register`] and [`csv_import`]: the register's fields, CSV import and export.
//! - [`assist`]: proposes terms from a contract's text.
//!
//! Every function that depends on the date takes it as an argument (`today`, `sent_on`).

pub mod assist;
pub mod chatel;
pub mod csv_import;
pub mod dates;
pub mod deadlines;
pub mod holidays;
pub mod ical;
pub mod letter;
pub mod register;
pub mod reminders;
pub mod terms;

pub use chatel::{Chatel, HolderKind, NoticeWindow, chatel};
pub use deadlines::{Dated, Deadlines, Exit, Missed, Status, WayDeadline, Why, deadlines};
pub use holidays::{Holiday, NonWorking, Region, add_working_days, is_working_day, previous_working_day};
pub use letter::{LetterEffect, LetterError, LetterOutcome, letter_effect};
pub use register::{BillingPeriod, Category, ContractId, ContractRecord, Counterparty, Price};
pub use terms::{AcceptedWay, ContractTerms, Notice, Renewal, SendingWay, TermsDraft};
