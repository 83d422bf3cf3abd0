//! Recorded states: why a request got no answer, what was odd about a body, and the crate's
//! errors. Every one has a stable `code()` for storage, the API and translations.

use serde::{Deserialize, Serialize};

/// Why a request got no usable answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// No answer within the deadline (OSX-TIMEOUT-10S).
    Timeout,
    /// The host name did not resolve.
    Dns,
    /// The host refused the connection (nothing listens on the port).
    ConnectionRefused,
    /// Another connection failure (unreachable network, reset while connecting).
    Connect,
    /// The TLS handshake failed (untrusted or expired certificate, wrong name, protocol).
    Tls,
    /// The server broke HTTP (malformed response, connection closed mid-response).
    Protocol,
    /// The body could not be read to its end (reset, closed early).
    Body,
    /// The URL is not an absolute http(s) URL with a host.
    InvalidUrl,
}

impl FailureKind {
    pub fn code(self) -> &'static str {
        match self {
            FailureKind::Timeout => "timeout",
            FailureKind::Dns => "dns",
            FailureKind::ConnectionRefused => "connection_refused",
            FailureKind::Connect => "connect",
            FailureKind::Tls => "tls",
            FailureKind::Protocol => "protocol",
            FailureKind::Body => "body",
            FailureKind::InvalidUrl => "invalid_url",
        }
    }
}

/// A failure with the underlying error's text, kept for the person reading the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub kind: FailureKind,
    pub detail: String,
}

impl Failure {
    pub fn new(kind: FailureKind, detail: impl Into<String>) -> Failure {
        Failure {
            kind,
            detail: detail.into(),
        }
    }

    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind.code(), self.detail)
    }
}

/// Something worth recording about the final body; the check itself still counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "note", rename_all = "snake_case")]
pub enum BodyNote {
    /// The body is binary (NUL bytes near its start) although it may claim to be HTML.
    Binary,
    /// The Content-Type is not HTML: the body was not read.
    NotHtml { content_type: String },
    /// The body was longer than the cap: only the first `cap` bytes were read.
    Truncated { cap: usize },
    /// The body claimed (or defaulted to) UTF-8 but had invalid bytes, read as U+FFFD.
    InvalidUtf8,
}

impl BodyNote {
    pub fn code(&self) -> &'static str {
        match self {
            BodyNote::Binary => "body_binary",
            BodyNote::NotHtml { .. } => "body_not_html",
            BodyNote::Truncated { .. } => "body_truncated",
            BodyNote::InvalidUtf8 => "body_invalid_utf8",
        }
    }
}

/// The probe could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("invalid extra root certificate: {0}")]
    Certificate(String),
    #[error("the HTTP client could not be built: {0}")]
    Client(String),
}

impl ProbeError {
    pub fn code(&self) -> &'static str {
        match self {
            ProbeError::Certificate(_) => "probe_bad_certificate",
            ProbeError::Client(_) => "probe_client",
        }
    }
}

/// Why the URLs of a sitemap could not be read. Any file of the walk failing fails the walk, so
/// an import from a sitemap never adds half of it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SitemapFetchError {
    #[error("sitemap {url} unreachable: {failure}")]
    Unreachable { url: String, failure: Failure },
    #[error("sitemap {url} answered HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("sitemap {url}: redirect chain broken ({code})")]
    Redirect { url: String, code: &'static str },
    #[error("sitemap {url} is larger than {cap} bytes")]
    TooLarge { url: String, cap: usize },
    #[error("sitemap {url}: {error}")]
    Invalid {
        url: String,
        error: monitor::sitemap::SitemapError,
    },
    #[error("sitemap index deeper than {max} levels at {url}")]
    TooDeep { url: String, max: usize },
    #[error("more than {max} sitemap files")]
    TooManyFiles { max: usize },
    #[error("more than {max} URLs in the sitemaps")]
    TooManyUrls { max: usize },
    #[error("host of {url} asks to wait (Retry-After)")]
    Deferred { url: String, until: jiff::Timestamp },
}

impl SitemapFetchError {
    pub fn code(&self) -> &'static str {
        match self {
            SitemapFetchError::Unreachable { .. } => "sitemap_unreachable",
            SitemapFetchError::Status { .. } => "sitemap_http_status",
            SitemapFetchError::Redirect { code, .. } => code,
            SitemapFetchError::TooLarge { .. } => "sitemap_too_large",
            SitemapFetchError::Invalid { error, .. } => error.code(),
            SitemapFetchError::TooDeep { .. } => "sitemap_too_deep",
            SitemapFetchError::TooManyFiles { .. } => "sitemap_too_many_files",
            SitemapFetchError::TooManyUrls { .. } => "sitemap_too_many_urls",
            SitemapFetchError::Deferred { .. } => "sitemap_deferred",
        }
    }
}
