//! Redirect chains and the 10-second deadline (OSX-TIMEOUT-10S).
//!
//! The app layer fetches with redirects off and records each response here; the chain resolves
//! `Location` against the hop's URL, detects loops and enforces a hop limit. The deadline covers
//! the whole chain: past 10 seconds in total the URL is "unanswered".

use std::time::Duration;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::urls::resolve_http_url;

/// Redirects followed at most by default.
pub const DEFAULT_MAX_REDIRECTS: usize = 10;

/// The total time a URL has to answer, redirects included (OSX-TIMEOUT-10S).
pub const ANSWER_DEADLINE: Duration = Duration::from_secs(10);

/// One response of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hop {
    pub url: Url,
    pub status: u16,
    /// The `Location` header resolved against `url` (redirects only).
    pub location: Option<Url>,
    /// Time from sending the request to the end of the response headers.
    pub elapsed: Duration,
}

/// Whether a status is a redirect that is followed (301, 302, 303, 307, 308).
pub fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// What to do after a recorded response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Request this URL next.
    Follow(Url),
    /// This response is the final one.
    Done,
}

/// Why a chain stopped short of a final response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum RedirectError {
    #[error("redirect loop back to {url}")]
    Loop { url: String },
    #[error("more than {max} redirects")]
    TooManyRedirects { max: usize },
    #[error("redirect without a usable Location header")]
    BadLocation,
}

impl RedirectError {
    pub fn code(&self) -> &'static str {
        match self {
            RedirectError::Loop { .. } => "redirect_loop",
            RedirectError::TooManyRedirects { .. } => "too_many_redirects",
            RedirectError::BadLocation => "redirect_bad_location",
        }
    }
}

/// A redirect chain being recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedirectChain {
    hops: Vec<Hop>,
    max_redirects: usize,
}

impl RedirectChain {
    pub fn new(max_redirects: usize) -> RedirectChain {
        RedirectChain {
            hops: Vec::new(),
            max_redirects,
        }
    }

    /// Records the response to a request for `url` and says what to do next. A redirect whose
    /// target was already visited is a loop; more than `max_redirects` redirects is an error.
    pub fn record(
        &mut self,
        url: &Url,
        status: u16,
        location: Option<&str>,
        elapsed: Duration,
    ) -> Result<Next, RedirectError> {
        let resolved = if is_redirect(status) {
            location.and_then(|l| resolve_http_url(url, l))
        } else {
            None
        };
        self.hops.push(Hop {
            url: url.clone(),
            status,
            location: resolved.clone(),
            elapsed,
        });
        if !is_redirect(status) {
            return Ok(Next::Done);
        }
        let next = resolved.ok_or(RedirectError::BadLocation)?;
        if self.hops.iter().any(|h| h.url == next) {
            return Err(RedirectError::Loop { url: next.to_string() });
        }
        if self.redirects() > self.max_redirects {
            return Err(RedirectError::TooManyRedirects {
                max: self.max_redirects,
            });
        }
        Ok(Next::Follow(next))
    }

    /// Every recorded response, first request first.
    pub fn hops(&self) -> &[Hop] {
        &self.hops
    }

    /// How many redirect responses were recorded.
    pub fn redirects(&self) -> usize {
        self.hops.iter().filter(|h| is_redirect(h.status)).count()
    }

    /// The URL of the last response.
    pub fn final_url(&self) -> Option<&Url> {
        self.hops.last().map(|h| &h.url)
    }

    /// The status of the last response.
    pub fn final_status(&self) -> Option<u16> {
        self.hops.last().map(|h| h.status)
    }

    /// The time spent over all hops.
    pub fn total_elapsed(&self) -> Duration {
        self.hops.iter().map(|h| h.elapsed).sum()
    }

    /// Whether the chain went past the deadline (see [`Deadline::is_exceeded`]).
    pub fn is_unanswered(&self, deadline: Deadline) -> bool {
        deadline.is_exceeded(self.hops.iter().map(|h| h.elapsed))
    }
}

/// The total deadline of a check (OSX-TIMEOUT-10S: 10 seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    pub total: Duration,
}

impl Default for Deadline {
    fn default() -> Self {
        Deadline { total: ANSWER_DEADLINE }
    }
}

impl Deadline {
    pub fn new(total: Duration) -> Deadline {
        Deadline { total }
    }

    /// Whether the hops took more than the deadline in total: the URL is then "unanswered".
    /// Exactly the deadline still counts as answered.
    pub fn is_exceeded(&self, hop_timings: impl IntoIterator<Item = Duration>) -> bool {
        hop_timings.into_iter().sum::<Duration>() > self.total
    }

    /// The time left for the next request after `spent`, to use as its timeout; `None` when
    /// nothing is left (the URL is unanswered).
    pub fn remaining(&self, spent: Duration) -> Option<Duration> {
        self.total.checked_sub(spent).filter(|d| !d.is_zero())
    }
}

/// How a fetch ended, for storage and the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum FetchOutcome {
    /// A final response within the deadline.
    Answered {
        status: u16,
        final_url: Url,
        elapsed: Duration,
    },
    /// No final response within the deadline, or no connection (OSX-TIMEOUT-10S).
    Unanswered { elapsed: Duration },
    /// The chain broke (loop, too many redirects, bad Location).
    RedirectError { error: RedirectError },
}

impl FetchOutcome {
    /// Decides the outcome of a chain: the deadline first, then the chain's error, else the
    /// final response.
    pub fn of(chain: &RedirectChain, error: Option<RedirectError>, deadline: Deadline) -> FetchOutcome {
        let elapsed = chain.total_elapsed();
        if chain.is_unanswered(deadline) {
            return FetchOutcome::Unanswered { elapsed };
        }
        if let Some(error) = error {
            return FetchOutcome::RedirectError { error };
        }
        match (chain.final_status(), chain.final_url()) {
            (Some(status), Some(url)) => FetchOutcome::Answered {
                status,
                final_url: url.clone(),
                elapsed,
            },
            _ => FetchOutcome::Unanswered { elapsed },
        }
    }
}
