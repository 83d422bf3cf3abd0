//! Integration tests of the billing crate: one binary, one module per subject.

mod lifecycle;
mod presets;
