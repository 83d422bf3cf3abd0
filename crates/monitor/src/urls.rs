//! URL normalisation shared by every tool (RFC 3986 section 6.2.2).
//!
//! A normalised URL has a lowercase scheme and host (the `url` crate does both and turns IDNs into
//! punycode), no default port, no fragment, no empty query, no dot segments, and percent-escapes
//! normalised: escapes of unreserved characters (`A-Z a-z 0-9 - . _ ~`) are decoded and the other
//! escapes use uppercase hex. Two URLs that a server must treat alike compare equal afterwards.

use url::Url;

/// Why a URL was refused. `code()` is stable and used as the translation key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("empty URL")]
    Empty,
    #[error("unparsable URL")]
    Unparsable,
    #[error("only http and https URLs can be monitored")]
    NotHttp,
    #[error("the URL has no host")]
    NoHost,
    #[error("URLs with a user name or password are refused")]
    Credentials,
    #[error("the URL does not belong to the site")]
    OutsideSite,
}

impl UrlError {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            UrlError::Empty => "url_empty",
            UrlError::Unparsable => "url_unparsable",
            UrlError::NotHttp => "url_not_http",
            UrlError::NoHost => "url_no_host",
            UrlError::Credentials => "url_credentials",
            UrlError::OutsideSite => "url_outside_site",
        }
    }

    /// The error as a form/API field error (`kernel::FieldError`).
    pub fn field_error(&self, field: impl Into<String>) -> kernel::FieldError {
        kernel::FieldError::new(field, self.code())
    }
}

/// Parses an absolute http(s) URL and normalises it.
pub fn parse_http_url(input: &str) -> Result<Url, UrlError> {
    let input = input.trim();
    if input.is_empty() {
        return Err(UrlError::Empty);
    }
    let url = Url::parse(input).map_err(|_| UrlError::Unparsable)?;
    check_http(&url)?;
    Ok(normalize(url))
}

/// Resolves `href` against `base` (as a browser does) and normalises the result; `None` when it is
/// not an http(s) URL (`mailto:`, `javascript:`…) or cannot be parsed.
pub fn resolve_http_url(base: &Url, href: &str) -> Option<Url> {
    let url = base.join(href.trim()).ok()?;
    check_http(&url).ok()?;
    Some(normalize(url))
}

pub(crate) fn check_http(url: &Url) -> Result<(), UrlError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(UrlError::NotHttp);
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(UrlError::NoHost);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlError::Credentials);
    }
    Ok(())
}

/// Normalises an already parsed URL (see the module documentation).
pub fn normalize(mut url: Url) -> Url {
    url.set_fragment(None);
    let path = normalize_percent(url.path());
    if path != url.path() {
        url.set_path(&path);
    }
    match url.query() {
        Some("") => url.set_query(None),
        Some(q) => {
            let nq = normalize_percent(q);
            if nq != q {
                url.set_query(Some(&nq));
            }
        }
        None => {}
    }
    url
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Normalises percent-escapes in a path or query: unreserved characters are decoded, other escapes
/// get uppercase hex, and bytes that are not printable ASCII (raw UTF-8, spaces, controls) are
/// percent-encoded. Reserved characters keep their form, escaped or not, since they may carry
/// meaning. A `%` that starts no escape is escaped itself (`%25`): left alone, it could form one
/// with the characters a decoded escape leaves after it (`%%30a` would give `%0a`), and a second
/// normalisation would not give the same string. Used for URLs and for robots.txt patterns alike
/// (RFC 9309 section 2.2.2).
pub fn normalize_percent(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex_val(b[i + 1]), hex_val(b[i + 2]))
        {
            let v = h * 16 + l;
            if is_unreserved(v) {
                out.push(v as char);
            } else {
                out.push('%');
                out.push(HEX[(v >> 4) as usize] as char);
                out.push(HEX[(v & 15) as usize] as char);
            }
            i += 3;
            continue;
        }
        if c <= b' ' || c >= 0x7f || c == b'%' {
            out.push('%');
            out.push(HEX[(c >> 4) as usize] as char);
            out.push(HEX[(c & 15) as usize] as char);
        } else {
            out.push(c as char);
        }
        i += 1;
    }
    out
}

/// The path and query of a URL as robots.txt rules see it (`/a/b?c`), percent-normalised.
pub fn path_and_query(url: &Url) -> String {
    let mut s = normalize_percent(url.path());
    if let Some(q) = url.query() {
        s.push('?');
        s.push_str(&normalize_percent(q));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_forms() {
        assert_eq!(normalize_percent("/a%7e%2fb%41"), "/a~%2FbA");
        assert_eq!(normalize_percent("/ツ"), "/%E3%83%84");
        assert_eq!(normalize_percent("/100%"), "/100%25");
        assert_eq!(normalize_percent("%%30a"), "%250a");
        assert_eq!(normalize_percent("/a%2"), "/a%252");
    }

    #[test]
    fn normalises_urls() {
        let u = parse_http_url("HTTPS://www.Example.FR:443/a/./b/../c%7e?#frag").unwrap();
        assert_eq!(u.as_str(), "https://www.example.fr/a/c~");
        assert_eq!(parse_http_url("ftp://x.fr/").unwrap_err().code(), "url_not_http");
        assert_eq!(parse_http_url("http://u:p@x.fr/").unwrap_err(), UrlError::Credentials);
        assert_eq!(parse_http_url("  ").unwrap_err(), UrlError::Empty);
        assert_eq!(parse_http_url("not a url").unwrap_err(), UrlError::Unparsable);
    }
}
