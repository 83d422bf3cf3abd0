//! The contracts module (seed `000`, C-Log International: managing, monitoring and
//! terminating contracts), as a pure domain crate: no database, no web, no clock.
//!
//! - [`holidays`]: French public holidays (Alsace-Moselle as an option) and working days.
//! - [`terms`]: a contract's terms as a validated value.
//! - [`deadlines`](mod@deadlines): the term's end, the last day to terminate and the send-by dates on a
//!   given day, each explained in French and English (CTR-DEADLINE, CTR-SEND-BY, CTR-RENEWAL).
//! - [`letter`]: when a termination sent on a date takes effect (CTR-LETTER).
//! - [`chatel`](mod@chatel): the L215-1 rule for non-professional holders (CTR-CHATEL).
//! - [`reminders`]: reminder dates and the weekly digest (CTR-REMINDERS).
//! - [`ical`]: the iCalendar feed (CTR-REMINDERS).
//! - [`register`] and [`csv_import`]: the register's fields, CSV import and export.
//! - [`assist`]: proposes terms from a contract's text.
//!
//! Every function that depends on the date takes it as an argument (`today`, `sent_on`).
//!
//! ```
//! use contracts::{ContractTerms, Notice, Region, Renewal, SendingWay, TermsDraft, deadlines};
//! use jiff::civil::date;
//! use kernel::Lang;
//!
//! // The worked example of CTR-DEADLINE.
//! let terms = ContractTerms::new(TermsDraft {
//!     start: date(2026, 1, 31),
//!     term_months: Some(12),
//!     end: None,
//!     renewal: Renewal::Tacit { months: 12 },
//!     notice: Notice::Months(3),
//!     ways: vec![SendingWay::RegisteredLetter.into()],
//! })?;
//! let d = deadlines(&terms, date(2026, 3, 1), Region::Metropole);
//! assert_eq!(d.last_day(), Some(date(2026, 10, 30)));
//! assert_eq!(d.earliest_send_by(), Some(date(2026, 10, 27)));
//! assert!(d.explain(Lang::Fr).starts_with(
//!     "Renouvellement le 31 janvier 2027 (début le 31 janvier 2026 + 12 mois). \
//!      Préavis de 3 mois : dernier jour le 31 octobre 2026, un samedi, avancé au vendredi 30 octobre 2026."
//! ));
//! # Ok::<(), kernel::FieldErrors>(())
//! ```

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
pub mod search;
pub mod terms;

pub use assist::{Proposal, propose};
pub use chatel::{Chatel, HolderKind, NoticeWindow, chatel};
pub use deadlines::{Dated, Deadlines, Exit, Missed, Status, WayDeadline, Why, deadlines};
pub use holidays::{Holiday, NonWorking, Region, add_working_days, is_working_day, previous_working_day};
pub use letter::{LetterEffect, LetterError, LetterOutcome, letter_effect};
pub use register::{BillingPeriod, Category, ContractId, ContractRecord, Counterparty, Price};
pub use terms::{AcceptedWay, ContractTerms, Notice, Renewal, SendingWay, TermsDraft};
