//! One HTTP check put together: the fetch outcome, the final response's headers and the
//! extracted page give the URL's [`SeoSnapshot`] and its indexability.
//!
//! The app layer's HTTP check, in order:
//! 1. robots.txt of the host: a [`crate::robots::CachedRobots`] still usable, else fetch it and
//!    build one with [`crate::robots::RobotsPolicy::from_fetch`];
//! 2. take a slot with [`crate::politeness::HostLimiter`], fetch with redirects off, recording
//!    each response in a [`crate::redirects::RedirectChain`], each request's timeout being
//!    [`crate::redirects::Deadline::remaining`]; on 429/503 pause the host with
//!    [`crate::politeness::retry_after_until`];
//! 3. stream the final body into an [`crate::extract::HtmlExtractor`] (for HTML responses);
//! 4. [`evaluate`] here, then [`crate::changes::ChangeTracker::observe`] with the snapshot;
//!    feed [`crate::changes::AvailabilityTracker::observe`] with "answered with a status below
//!    500" or not;
//! 5. group the run's confirmed changes per site with [`crate::changes::group_for_email`].

use serde::{Deserialize, Serialize};

use crate::changes::SeoSnapshot;
use crate::extract::{
    Indexability, IndexabilityInput, PageElements, ScopedDirectives, canonical_from_link_headers, directives_for,
    indexability, parse_x_robots_tag,
};
use crate::redirects::FetchOutcome;

/// What the app layer gathered for one HTTP check.
#[derive(Debug, Clone, Copy)]
pub struct HttpCheckInput<'a> {
    pub outcome: &'a FetchOutcome,
    /// The final response's headers as (name, value) pairs, names in any case, repeated
    /// headers as repeated pairs.
    pub headers: &'a [(&'a str, &'a str)],
    /// The extracted page, for HTML bodies.
    pub page: Option<&'a PageElements>,
    /// Whether robots.txt allows the URL for the search engine whose view is watched.
    pub robots_txt_allowed: Option<bool>,
    /// Whether the URL is listed in the site's sitemap (see [`crate::sitemap::Sitemap::url_set`]).
    pub in_sitemap: Option<bool>,
    /// Crawler names whose scoped X-Robots-Tag directives count, lowercase (`googlebot`).
    pub search_agents: &'a [&'a str],
}

/// What one HTTP check gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpCheckResult {
    /// `None` when the URL was unanswered or its redirect chain broke: nothing to compare.
    pub snapshot: Option<SeoSnapshot>,
    pub indexability: Option<Indexability>,
    /// Every X-Robots-Tag directive, scoped.
    pub x_robots: Vec<ScopedDirectives>,
}

fn header_values<'a>(headers: &'a [(&'a str, &'a str)], name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    headers
        .iter()
        .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
}

/// Builds the snapshot and indexability of a check.
pub fn evaluate(input: HttpCheckInput<'_>) -> HttpCheckResult {
    let FetchOutcome::Answered { status, final_url, .. } = input.outcome else {
        return HttpCheckResult {
            snapshot: None,
            indexability: None,
            x_robots: Vec::new(),
        };
    };
    let status = *status;
    let x_robots = parse_x_robots_tag(header_values(input.headers, "x-robots-tag"));
    let x_raw: Vec<&str> = header_values(input.headers, "x-robots-tag").collect();
    let canonical_header = canonical_from_link_headers(header_values(input.headers, "link"), final_url);
    let applying = directives_for(&x_robots, input.search_agents);
    let page = input.page;
    let idx = indexability(IndexabilityInput {
        url: final_url,
        status,
        robots_txt_allowed: input.robots_txt_allowed,
        meta_robots: page.and_then(|p| p.meta_robots.as_deref()),
        x_robots: &applying,
        canonical: page
            .and_then(|p| p.canonical.as_deref())
            .or(canonical_header.as_deref()),
    });
    let snapshot = SeoSnapshot {
        status: Some(status),
        final_url: Some(final_url.to_string()),
        title: page.and_then(|p| p.title.clone()),
        meta_description: page.and_then(|p| p.meta_description.clone()),
        meta_robots: page.and_then(|p| p.meta_robots.clone()),
        x_robots_tag: (!x_raw.is_empty()).then(|| x_raw.join(", ")),
        canonical: page.and_then(|p| p.canonical.clone()),
        canonical_header,
        hreflang: page.map(|p| p.hreflang.clone()).unwrap_or_default(),
        h1: page.map(|p| p.h1.clone()).unwrap_or_default(),
        indexable: Some(idx.indexable),
        in_sitemap: input.in_sitemap,
        text_hash: page.map(|p| p.text_hash.clone()),
        og_title: page.and_then(|p| p.og_title.clone()),
        og_description: page.and_then(|p| p.og_description.clone()),
    };
    HttpCheckResult {
        snapshot: Some(snapshot),
        indexability: Some(idx),
        x_robots,
    }
}

/// When a check counts as "up" for availability (PING tool, and HTTP checks' availability).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpRule {
    /// Lowest final status accepted (default 200).
    pub min_status: u16,
    /// Highest final status accepted (default 399: a redirect answered is up).
    pub max_status: u16,
}

impl Default for UpRule {
    fn default() -> Self {
        UpRule {
            min_status: 200,
            max_status: 399,
        }
    }
}

/// Whether an HTTP PING is up: answered within the deadline (the outcome already says so, see
/// [`FetchOutcome::of`]) with an accepted status. A broken redirect chain is down.
pub fn http_is_up(outcome: &FetchOutcome, rule: &UpRule) -> bool {
    match outcome {
        FetchOutcome::Answered { status, .. } => (rule.min_status..=rule.max_status).contains(status),
        FetchOutcome::Unanswered { .. } | FetchOutcome::RedirectError { .. } => false,
    }
}

/// Whether a TCP PING is up: the connection opened within the deadline (OSX-TIMEOUT-10S).
pub fn tcp_is_up(connected: bool, elapsed: std::time::Duration, deadline: crate::redirects::Deadline) -> bool {
    connected && !deadline.is_exceeded([elapsed])
}
