//! Integration tests: documents written by the crate, read back by independent tools
//! (poppler's `pdftotext` / `pdfinfo`, `qpdf`). Without a tool a test is skipped with a message,
//! except under CI (env `CI` set), where the missing tool is a failure.

mod determinism;
mod extraction;
mod pages;
mod structure;
mod support;
