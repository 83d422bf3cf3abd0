//! The monitor module (seed `003`, Oseox: watch websites' SEO elements, availability and
//! backlinks), as a pure domain crate: parsing and rules, no database, no HTTP, no clock.
//!
//! The app layer fetches (reqwest, redirects off), stores and sends emails; it hands bytes,
//! headers, statuses and instants to this crate and gets values and decisions back.
//!
//! - [`site`]: sites, URLs that belong to them, pasted lists and CSV imports, quotas
//!   (OSX-SITE, OSX-PACKS).
//! - [`urls`]: URL normalisation shared by every tool.
//! - [`extract`]: streaming HTML extraction on the crate's own tokenizer (`html`), response
//!   headers, indexability and the LINK tool's backlink check (OSX-LINK).
//! - [`robots`]: RFC 9309 robots.txt parsing, matching, fetch outcomes and caching.
//! - [`sitemap`]: sitemap and sitemap index parsing, gzip included.
//! - [`redirects`]: redirect chains, loops, hop limit and the 10-second deadline
//!   (OSX-TIMEOUT-10S).
//! - [`changes`]: snapshots, diffs, confirmation, availability alerts, TLS expiry warnings and
//!   the per-site change email (OSX-ALERT-EMAIL).
//! - [`check`]: one HTTP check put together (snapshot and indexability), with the order in
//!   which the app layer calls the rest.
//! - [`export`]: the end of the data at the end of a subscription and the CSV/JSON export
//!   (OSX-NO-ARCHIVE).
//! - [`politeness`]: per-host concurrency, `Retry-After`, cadences and spreading checks
//!   (OSX-CADENCE).
//!
//! ```
//! use monitor::extract::{extract_html, ExtractOptions};
//! use monitor::site::Site;
//!
//! let site = Site::parse("https://www.Example.fr/")?;
//! assert_eq!(site.host(), "www.example.fr");
//! assert_eq!(site.domain(), "example.fr");
//! let page = site.parse_url("/contact")?;
//! let html = b"<html><head><title>Caf&eacute; &amp; co</title></head><body><h1> Bonjour </h1></body></html>";
//! let found = extract_html(html, Some("text/html; charset=utf-8"), &page, &ExtractOptions::default());
//! assert_eq!(found.title.as_deref(), Some("Café & co"));
//! assert_eq!(found.h1, vec!["Bonjour".to_string()]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod changes;
pub mod check;
pub mod export;
pub mod extract;
mod html;
pub mod politeness;
pub mod redirects;
pub mod robots;
pub mod site;
pub mod sitemap;
pub mod urls;
mod utf8;

pub use url::Url;

kernel::typed_id!(
    /// A watched site.
    SiteId
);
kernel::typed_id!(
    /// A URL watched by the HTTP tool.
    UrlId
);
kernel::typed_id!(
    /// A URL watched by the PING tool.
    PingId
);
kernel::typed_id!(
    /// A backlink watched by the LINK tool.
    BacklinkId
);
kernel::typed_id!(
    /// One observed value of a URL's history.
    ObservationId
);
kernel::typed_id!(
    /// An alert (a confirmed change, an availability change, a TLS warning, a backlink change).
    AlertId
);
kernel::typed_id!(
    /// A maintenance window of a site.
    MaintenanceId
);

/// The User-Agent the monitor sends by default: it names Comptoir and a page about the bot.
pub const DEFAULT_USER_AGENT: &str = "Comptoir-Monitor/0.1 (+https://comptoir.example/bot)";

/// The User-Agent configuration: the full header value and the product token robots.txt groups
/// are matched against (RFC 9309: letters, `_` and `-` only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAgent {
    header: String,
    token: String,
}

impl UserAgent {
    /// Builds from a header value such as `Comptoir-Monitor/0.1 (+https://comptoir.example/bot)`;
    /// the product token is its leading run of letters, `_` and `-`. `None` if there is none.
    pub fn new(header: impl Into<String>) -> Option<UserAgent> {
        let header = header.into();
        let token: String = header
            .chars()
            .take_while(|c| c.is_ascii_alphabetic() || *c == '_' || *c == '-')
            .collect();
        (!token.is_empty()).then_some(UserAgent { header, token })
    }

    /// The value of the `User-Agent` request header.
    pub fn header(&self) -> &str {
        &self.header
    }

    /// The product token for robots.txt (`Comptoir-Monitor`).
    pub fn product_token(&self) -> &str {
        &self.token
    }
}

impl Default for UserAgent {
    fn default() -> Self {
        UserAgent {
            header: DEFAULT_USER_AGENT.to_string(),
            token: "Comptoir-Monitor".to_string(),
        }
    }
}
