//! Integration tests of the probe against real servers on 127.0.0.1, started by each test on a
//! port of its own. Tests that prove a clause name it in a `// clause:` comment.

mod backlink;
mod body;
mod http;
mod ping;
mod politeness;
mod robots;
mod sitemap;
mod support;
mod tls;
