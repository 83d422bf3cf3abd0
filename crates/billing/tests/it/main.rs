//! Integration tests of the billing crate: one binary, one module per subject.

mod codes;
mod docs;
mod errors;
mod lifecycle;
mod presets;
mod properties;
