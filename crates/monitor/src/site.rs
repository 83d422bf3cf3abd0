//! Watched sites and the URLs that belong to them (OSX-SITE, OSX-PACKS).
//!
//! A site is a scheme, an optional subdomain and a registrable domain (`https://www.example.fr`:
//! scheme `https`, subdomain `www`, domain `example.fr`), plus a port when it is not the default
//! one (test servers on `127.0.0.1:8080`). A URL belongs to a site when its scheme, host and port
//! are the site's. Each site watches its home page, `/robots.txt` and `/sitemap.xml` by default.

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::urls::{UrlError, check_http, normalize, parse_http_url};

/// The scheme of a site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    Http,
    Https,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// A watched site (OSX-SITE). Build it with [`Site::parse`]; it is always normalised. It
/// serialises as its origin (`"https://www.example.fr"`) and deserialises through `parse`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Site {
    scheme: Scheme,
    host: String,
    port: Option<u16>,
}

impl Site {
    /// Parses what a person typed: `https://www.Example.fr/`, `www.example.fr` (https assumed),
    /// `http://127.0.0.1:8080`. A path, query or fragment is dropped: a site is scheme + host.
    pub fn parse(input: &str) -> Result<Site, UrlError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(UrlError::Empty);
        }
        let url = match Url::parse(input) {
            Ok(u) => u,
            Err(url::ParseError::RelativeUrlWithoutBase) => {
                Url::parse(&format!("https://{input}")).map_err(|_| UrlError::Unparsable)?
            }
            Err(_) => return Err(UrlError::Unparsable),
        };
        Site::from_url(&url)
    }

    /// The site a URL is on.
    pub fn from_url(url: &Url) -> Result<Site, UrlError> {
        check_http(url)?;
        let scheme = if url.scheme() == "https" {
            Scheme::Https
        } else {
            Scheme::Http
        };
        let host = url.host_str().ok_or(UrlError::NoHost)?.to_string();
        Ok(Site {
            scheme,
            host,
            port: url.port(),
        })
    }

    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The full host, lowercase, IDNs in punycode (`www.example.fr`).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port when it is not the scheme's default.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The registrable domain (`example.fr`, `example.co.uk`) from the public suffix list; the
    /// whole host for IP addresses, `localhost` and unknown suffixes.
    pub fn domain(&self) -> &str {
        if self.host.starts_with('[') || self.host.parse::<std::net::Ipv4Addr>().is_ok() {
            return &self.host;
        }
        match psl::domain(self.host.as_bytes()) {
            Some(d) if d.suffix().is_known() => {
                let len = d.as_bytes().len();
                &self.host[self.host.len() - len..]
            }
            _ => &self.host,
        }
    }

    /// The labels in front of the domain (`www`, `blog.eu`), if any.
    pub fn subdomain(&self) -> Option<&str> {
        let domain = self.domain();
        let rest = self.host.strip_suffix(domain)?.strip_suffix('.')?;
        (!rest.is_empty()).then_some(rest)
    }

    /// `scheme://host[:port]`, without a trailing slash.
    pub fn origin(&self) -> String {
        match self.port {
            Some(p) => format!("{}://{}:{}", self.scheme.as_str(), self.host, p),
            None => format!("{}://{}", self.scheme.as_str(), self.host),
        }
    }

    fn url(&self, path: &str) -> Url {
        // The origin was built from a parsed URL, so joining a fixed absolute path cannot fail;
        // fall back to the origin itself to stay panic-free.
        let origin = self.origin();
        Url::parse(&format!("{origin}{path}"))
            .or_else(|_| Url::parse(&origin))
            .map(normalize)
            .unwrap_or_else(|_| unreachable_url())
    }

    /// The home page, `scheme://host/`.
    pub fn home_url(&self) -> Url {
        self.url("/")
    }

    /// `scheme://host/robots.txt`.
    pub fn robots_url(&self) -> Url {
        self.url("/robots.txt")
    }

    /// The conventional sitemap, `scheme://host/sitemap.xml` (robots.txt `Sitemap:` lines may
    /// name others, see [`crate::robots::RobotsTxt::sitemaps`]).
    pub fn default_sitemap_url(&self) -> Url {
        self.url("/sitemap.xml")
    }

    /// The URLs every site watches: home page, robots.txt and sitemap.
    pub fn default_urls(&self) -> [Url; 3] {
        [self.home_url(), self.robots_url(), self.default_sitemap_url()]
    }

    /// Parses one URL given for this site and checks it belongs to it. Besides absolute URLs, a
    /// path (`/contact`) is taken relative to the home page and a URL without scheme
    /// (`www.example.fr/contact`) gets the site's scheme.
    pub fn parse_url(&self, input: &str) -> Result<Url, UrlError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(UrlError::Empty);
        }
        let url = if input.starts_with('/') && !input.starts_with("//") {
            crate::urls::resolve_http_url(&self.home_url(), input).ok_or(UrlError::Unparsable)?
        } else {
            match Url::parse(input) {
                Ok(_) => parse_http_url(input)?,
                Err(url::ParseError::RelativeUrlWithoutBase) => {
                    parse_http_url(&format!("{}://{input}", self.scheme.as_str()))?
                }
                Err(_) => return Err(UrlError::Unparsable),
            }
        };
        if belongs_to(self, &url) {
            Ok(url)
        } else {
            Err(UrlError::OutsideSite)
        }
    }
}

fn unreachable_url() -> Url {
    // A constant that parses; only reached if the invariant above were broken.
    #[allow(clippy::expect_used)]
    Url::parse("http://invalid.invalid/").expect("constant URL parses")
}

impl TryFrom<String> for Site {
    type Error = UrlError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Site::parse(&s)
    }
}

impl From<Site> for String {
    fn from(site: Site) -> String {
        site.origin()
    }
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.origin())
    }
}

/// Whether `url` belongs to `site` (OSX-SITE): same scheme, host and port.
pub fn belongs_to(site: &Site, url: &Url) -> bool {
    url.scheme() == site.scheme.as_str() && url.host_str() == Some(site.host.as_str()) && url.port() == site.port
}

/// One refused line of a pasted list or CSV file. Lines count from 1 (the CSV header is line 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineError {
    pub line: usize,
    /// A stable code: a [`UrlError::code`], or `csv_no_url_column`, `csv_malformed`.
    pub code: &'static str,
    /// The text of the line (cut to 200 characters) so a person finds it.
    pub input: String,
}

/// An import that failed: nothing is imported, every faulty line is listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{} faulty line(s), first at line {}: {}", .lines.len(), .lines.first().map_or(0, |l| l.line), .lines.first().map_or("", |l| l.code))]
pub struct ImportError {
    pub lines: Vec<LineError>,
}

impl ImportError {
    /// One field error per faulty line, the field named `{field}[{line}]` (`urls[3]`).
    pub fn field_errors(&self, field: &str) -> kernel::FieldErrors {
        kernel::FieldErrors(
            self.lines
                .iter()
                .map(|l| kernel::FieldError::new(format!("{field}[{}]", l.line), l.code))
                .collect(),
        )
    }
}

/// The URLs of an accepted import, normalised, deduplicated, in input order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UrlImport {
    pub urls: Vec<Url>,
    /// Lines that repeated an earlier URL (after normalisation) and were skipped.
    pub duplicates: usize,
}

fn cut(s: &str) -> String {
    s.chars().take(200).collect()
}

fn collect<'a>(site: &Site, lines: impl Iterator<Item = (usize, &'a str)>) -> Result<UrlImport, ImportError> {
    let mut seen = HashSet::new();
    let mut import = UrlImport::default();
    let mut errors = Vec::new();
    for (line, text) in lines {
        match site.parse_url(text) {
            Ok(url) => {
                if seen.insert(url.as_str().to_owned()) {
                    import.urls.push(url);
                } else {
                    import.duplicates += 1;
                }
            }
            Err(e) => errors.push(LineError {
                line,
                code: e.code(),
                input: cut(text),
            }),
        }
    }
    if errors.is_empty() {
        Ok(import)
    } else {
        Err(ImportError { lines: errors })
    }
}

/// Parses a pasted list, one URL per line; blank lines and lines starting with `#` are skipped.
/// All or nothing: any faulty line refuses the whole list.
pub fn parse_url_list(site: &Site, text: &str) -> Result<UrlImport, ImportError> {
    collect(
        site,
        text.lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim_start_matches('\u{feff}')))
            .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#')),
    )
}

/// Parses a CSV file with a header; the URL column is named `url` (or `URL`, `adresse`, `loc`),
/// else the first column. `,` and `;` separators are both accepted. All or nothing.
pub fn parse_url_csv(site: &Site, data: &[u8]) -> Result<UrlImport, ImportError> {
    let data = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
    let first_line = data.split(|&b| b == b'\n').next().unwrap_or(b"");
    let delimiter =
        if first_line.iter().filter(|&&b| b == b';').count() > first_line.iter().filter(|&&b| b == b',').count() {
            b';'
        } else {
            b','
        };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(data);
    let malformed = |line| ImportError {
        lines: vec![LineError {
            line,
            code: "csv_malformed",
            input: String::new(),
        }],
    };
    let headers = reader.headers().map_err(|_| malformed(1))?.clone();
    let column = headers
        .iter()
        .position(|h| {
            matches!(
                h.trim().to_ascii_lowercase().as_str(),
                "url" | "urls" | "adresse" | "loc"
            )
        })
        .unwrap_or(0);
    if headers.is_empty() {
        return Err(ImportError {
            lines: vec![LineError {
                line: 1,
                code: "csv_no_url_column",
                input: String::new(),
            }],
        });
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                return Err(malformed(line));
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        let value = record.get(column).unwrap_or("").to_string();
        if !value.trim().is_empty() {
            rows.push((line, value));
        }
    }
    collect(site, rows.iter().map(|(l, v)| (*l, v.as_str())))
}

/// The three tools whose quotas a pack sets (OSX-PACKS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tool {
    Http,
    Ping,
    Link,
}

impl Tool {
    pub const ALL: [Tool; 3] = [Tool::Http, Tool::Ping, Tool::Link];

    /// The tool of a [`Tool::code`].
    pub fn from_code(code: &str) -> Option<Tool> {
        Tool::ALL.into_iter().find(|t| t.code() == code)
    }

    pub fn code(self) -> &'static str {
        match self {
            Tool::Http => "http",
            Tool::Ping => "ping",
            Tool::Link => "link",
        }
    }
}

/// Adding would go beyond the plan's quota; the message says the limit (OSX-PACKS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("quota of {} {} reached: {current} in use, {adding} more asked", .limit, .tool.code())]
pub struct QuotaError {
    pub tool: Tool,
    pub limit: u64,
    pub current: u64,
    pub adding: u64,
}

impl QuotaError {
    pub const CODE: &'static str = "quota_exceeded";

    /// The error as a field error; the message (with the limit) comes from `Display`.
    pub fn field_error(&self, field: impl Into<String>) -> kernel::FieldError {
        kernel::FieldError::new(field, Self::CODE)
    }
}

/// Checks that `current + adding` stays within `limit` (the value read from billing's
/// entitlements). An import over the quota is refused whole.
pub fn check_quota(tool: Tool, limit: u64, current: u64, adding: u64) -> Result<(), QuotaError> {
    if current.saturating_add(adding) <= limit {
        Ok(())
    } else {
        Err(QuotaError {
            tool,
            limit,
            current,
            adding,
        })
    }
}
