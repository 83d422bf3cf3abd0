//! The shared vocabulary of Comptoir: typed ids, time, validated values and field errors.
//!
//! Nothing here performs IO or reads the system clock: every rule that depends on time takes
//! `now` as an argument, so that test clocks can drive it.

pub mod clock;
pub mod error;
pub mod ids;
pub mod lang;
pub mod values;

pub use clock::{Clock, SystemClock};
pub use error::{FieldError, FieldErrors};
pub use ids::*;
pub use jiff::Timestamp;
pub use lang::Lang;
