//! Integration tests of the monitor domain crate, one module per part. Tests that prove a clause
//! name it in a `// clause:` comment.

mod changes;
mod check;
mod differential;
mod export;
mod extract;
mod politeness;
mod properties;
mod redirects;
mod reference;
mod robots;
mod site;
mod sitemap;
