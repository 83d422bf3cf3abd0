//! Integration tests of the billing crate: one binary, one module per subject.

mod errors;
mod lifecycle;
mod presets;
mod properties;
