//! robots.txt after RFC 9309: parsing, matching, fetch outcomes and caching.
//!
//! - Groups are selected by the crawler's product token, compared case-insensitively with the
//!   leading run of letters, `_` and `-` of each `user-agent` value; every group naming the
//!   token is merged; without one, the `*` groups are merged; without those, all is allowed.
//! - A group goes on until a `user-agent` line follows a rule; blank lines do not end it; rules
//!   before any `user-agent` line are ignored.
//! - `*` matches any run of characters and `$` at the end anchors the end of the path; the
//!   longest matching pattern wins and `allow` wins a tie; an empty pattern matches nothing.
//! - Patterns and paths are compared after the same percent-escape normalisation
//!   ([`crate::urls::normalize_percent`]), so `/%62az` and `/baz` are one path.
//! - Only the first 500 KiB are parsed; `/robots.txt` itself is always allowed.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::urls::{normalize_percent, path_and_query};

/// The most of a robots.txt file that is parsed (RFC 9309 section 2.5: at least 500 KiB).
pub const MAX_ROBOTS_BYTES: usize = 500 * 1024;

/// The longest a fetched robots.txt may be used (RFC 9309 section 2.4).
pub const MAX_CACHE_AGE: SignedDuration = SignedDuration::from_hours(24);

/// One allow or disallow line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub allow: bool,
    /// The normalised pattern.
    pub pattern: String,
}

/// A group: the product tokens it names (lowercase, `*` for the global group) and its rules.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Group {
    pub agents: Vec<String>,
    pub rules: Vec<Rule>,
}

/// A parsed robots.txt file.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RobotsTxt {
    pub groups: Vec<Group>,
    /// The `Sitemap:` URLs, as written.
    pub sitemaps: Vec<String>,
    /// Whether the file was longer than [`MAX_ROBOTS_BYTES`] and cut.
    pub truncated: bool,
}

enum Line<'a> {
    UserAgent(&'a str),
    Rule(bool, &'a str),
    Sitemap(&'a str),
    Other,
}

fn classify(line: &str) -> Line<'_> {
    let line = match line.find('#') {
        Some(i) => &line[..i],
        None => line,
    };
    let line = line.trim();
    if line.is_empty() {
        return Line::Other;
    }
    // `key: value`; like Google's parser, a missing colon is tolerated when whitespace separates
    // a known key from its value.
    let (key, value) = match line.split_once(':') {
        Some((k, v)) => (k.trim(), v.trim()),
        None => match line.split_once(char::is_whitespace) {
            Some((k, v)) => (k.trim(), v.trim()),
            None => return Line::Other,
        },
    };
    let key = key.to_ascii_lowercase();
    match key.as_str() {
        "user-agent" | "useragent" | "user agent" => Line::UserAgent(value),
        "allow" => Line::Rule(true, value),
        "disallow" | "dissallow" | "dissalow" | "disalow" | "diasllow" | "disallaw" => Line::Rule(false, value),
        "sitemap" | "site-map" => Line::Sitemap(value),
        _ => Line::Other,
    }
}

/// The product token of a `user-agent` value: `*`, or its leading letters, `_` and `-`,
/// lowercase (`Googlebot/2.1` → `googlebot`).
fn agent_token(value: &str) -> String {
    if value.starts_with('*') {
        return "*".to_string();
    }
    value
        .chars()
        .take_while(|c| c.is_ascii_alphabetic() || *c == '_' || *c == '-')
        .collect::<String>()
        .to_ascii_lowercase()
}

impl RobotsTxt {
    /// Parses a robots.txt body (bytes as fetched; invalid UTF-8 is replaced, a BOM skipped).
    pub fn parse(body: &[u8]) -> RobotsTxt {
        let truncated = body.len() > MAX_ROBOTS_BYTES;
        let body = &body[..body.len().min(MAX_ROBOTS_BYTES)];
        let text = String::from_utf8_lossy(body);
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let mut robots = RobotsTxt {
            truncated,
            ..RobotsTxt::default()
        };
        let mut current: Option<Group> = None;
        let mut in_rules = false;
        for raw in text.split(['\n', '\r']) {
            match classify(raw) {
                Line::UserAgent(v) => {
                    if in_rules || current.is_none() {
                        if let Some(g) = current.take() {
                            robots.groups.push(g);
                        }
                        current = Some(Group::default());
                        in_rules = false;
                    }
                    let token = agent_token(v);
                    if let Some(g) = current.as_mut()
                        && !token.is_empty()
                    {
                        g.agents.push(token);
                    }
                }
                Line::Rule(allow, pattern) => {
                    if let Some(g) = current.as_mut() {
                        in_rules = true;
                        if !pattern.is_empty() {
                            g.rules.push(Rule {
                                allow,
                                pattern: normalize_percent(pattern),
                            });
                        }
                    }
                }
                Line::Sitemap(v) => {
                    if !v.is_empty() {
                        robots.sitemaps.push(v.to_string());
                    }
                }
                Line::Other => {}
            }
        }
        if let Some(g) = current.take() {
            robots.groups.push(g);
        }
        robots
    }

    /// The rules that apply to a product token (merged specific groups, else merged `*` groups).
    pub fn rules_for(&self, product_token: &str) -> Vec<&Rule> {
        let token = product_token.to_ascii_lowercase();
        if self.groups.iter().any(|g| g.agents.contains(&token)) {
            return self
                .groups
                .iter()
                .filter(|g| g.agents.contains(&token))
                .flat_map(|g| g.rules.iter())
                .collect();
        }
        self.groups
            .iter()
            .filter(|g| g.agents.iter().any(|a| a == "*"))
            .flat_map(|g| g.rules.iter())
            .collect()
    }

    /// Whether the crawler with this product token may fetch `path` (path and query, as in
    /// `/a/b?c=d`; it is percent-normalised here).
    pub fn is_allowed_path(&self, product_token: &str, path: &str) -> bool {
        let path = normalize_percent(path);
        if path == "/robots.txt" {
            return true;
        }
        let mut best: Option<(usize, bool)> = None;
        for rule in self.rules_for(product_token) {
            if pattern_matches(rule.pattern.as_bytes(), path.as_bytes()) {
                let len = rule.pattern.len();
                best = match best {
                    Some((l, a)) if l > len || (l == len && a) => Some((l, a)),
                    _ => Some((len, rule.allow)),
                };
            }
        }
        best.is_none_or(|(_, allow)| allow)
    }

    /// Whether the crawler may fetch `url` (its path and query are matched).
    pub fn is_allowed(&self, product_token: &str, url: &Url) -> bool {
        self.is_allowed_path(product_token, &path_and_query(url))
    }
}

/// Prefix match of a pattern with `*` and a final `$` (the algorithm of Google's matcher).
fn pattern_matches(pattern: &[u8], path: &[u8]) -> bool {
    let mut pos: Vec<usize> = Vec::with_capacity(path.len() + 1);
    pos.push(0);
    for (i, &pc) in pattern.iter().enumerate() {
        if pc == b'$' && i + 1 == pattern.len() {
            return pos.last() == Some(&path.len());
        }
        if pc == b'*' {
            let start = pos[0];
            pos.clear();
            pos.extend(start..=path.len());
        } else {
            pos.retain_mut(|p| {
                if *p < path.len() && path[*p] == pc {
                    *p += 1;
                    true
                } else {
                    false
                }
            });
            if pos.is_empty() {
                return false;
            }
        }
    }
    true
}

/// What fetching robots.txt gave, after following up to 5 redirects (RFC 9309 section 2.3.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RobotsFetch<'a> {
    /// A final response (not a redirect) with its status and body.
    Response { status: u16, body: &'a [u8] },
    /// More than 5 redirects: the file is taken as unavailable.
    TooManyRedirects,
    /// No answer: DNS, connection, TLS or timeout failure.
    Unreachable,
}

/// The rules a fetch outcome gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RobotsPolicy {
    /// 2xx: the parsed file.
    Rules(RobotsTxt),
    /// 4xx (404 included) or too many redirects: no restriction.
    AllowAll,
    /// 5xx, 429 or unreachable: everything disallowed until a later fetch succeeds.
    DisallowAll,
}

impl RobotsPolicy {
    /// The RFC 9309 rules: 2xx → parse; 4xx → allow all; 5xx or unreachable → disallow all.
    /// 429 Too Many Requests is a 4xx but is handled like a 5xx (as Google does): the server
    /// asks us to slow down, so nothing is fetched.
    pub fn from_fetch(fetch: RobotsFetch<'_>) -> RobotsPolicy {
        match fetch {
            RobotsFetch::Response { status, body } => match status {
                200..=299 => RobotsPolicy::Rules(RobotsTxt::parse(body)),
                429 => RobotsPolicy::DisallowAll,
                400..=499 => RobotsPolicy::AllowAll,
                300..=399 => RobotsPolicy::AllowAll,
                _ => RobotsPolicy::DisallowAll,
            },
            RobotsFetch::TooManyRedirects => RobotsPolicy::AllowAll,
            RobotsFetch::Unreachable => RobotsPolicy::DisallowAll,
        }
    }

    pub fn is_allowed(&self, product_token: &str, url: &Url) -> bool {
        match self {
            RobotsPolicy::Rules(r) => r.is_allowed(product_token, url),
            RobotsPolicy::AllowAll => true,
            RobotsPolicy::DisallowAll => url.path() == "/robots.txt",
        }
    }
}

/// A fetched policy and how long it may be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedRobots {
    pub policy: RobotsPolicy,
    pub fetched_at: Timestamp,
    pub expires_at: Timestamp,
}

impl CachedRobots {
    /// Caches a policy fetched at `fetched_at`; `max_age` (from `Cache-Control`) may shorten the
    /// 24-hour limit, never lengthen it.
    pub fn new(policy: RobotsPolicy, fetched_at: Timestamp, max_age: Option<SignedDuration>) -> CachedRobots {
        let age = max_age.map_or(MAX_CACHE_AGE, |m| m.clamp(SignedDuration::ZERO, MAX_CACHE_AGE));
        let expires_at = fetched_at.checked_add(age).unwrap_or(fetched_at);
        CachedRobots {
            policy,
            fetched_at,
            expires_at,
        }
    }

    /// Whether this copy may still be used at `now` (at most 24 h after the fetch).
    pub fn is_usable_at(&self, now: Timestamp) -> bool {
        now >= self.fetched_at && now < self.expires_at
    }
}
