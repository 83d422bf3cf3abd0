//! Following a URL by hand, one request per hop: per-host slot, pause check, request timeout set
//! to what is left of the deadline, each response recorded in a `RedirectChain`.

use std::error::Error as _;
use std::time::Duration;

use jiff::Timestamp;
use monitor::politeness::{DEFAULT_MAX_RETRY_AFTER, retry_after_until};
use monitor::redirects::{Deadline, FetchOutcome, Next, RedirectChain};
use reqwest::Response;
use reqwest::header::{LOCATION, RETRY_AFTER};
use url::Url;

use crate::Inner;
use crate::failure::{Failure, FailureKind};
use crate::hosts::{Slot, host_key};

/// Sorts a reqwest error into a recorded state, looking through its sources for the cause.
pub(crate) fn classify(err: &reqwest::Error) -> Failure {
    let detail = error_chain_text(err);
    let kind = if err.is_timeout() {
        FailureKind::Timeout
    } else {
        cause_kind(err, &detail)
    };
    Failure::new(kind, detail)
}

fn error_chain_text(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

fn cause_kind(err: &reqwest::Error, detail: &str) -> FailureKind {
    let mut source = err.source();
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::TimedOut {
                return FailureKind::Timeout;
            }
            if io.kind() == std::io::ErrorKind::ConnectionRefused {
                return FailureKind::ConnectionRefused;
            }
            if io.get_ref().is_some_and(|inner| inner.is::<rustls::Error>()) {
                return FailureKind::Tls;
            }
        }
        if s.is::<rustls::Error>() {
            return FailureKind::Tls;
        }
        source = s.source();
    }
    // Some layers box their cause in a way `downcast_ref` cannot see through (a `Box<dyn Error>`
    // whose `source()` skips the boxed error itself): fall back on the messages, which are
    // stable across these crates' versions.
    if detail.contains("dns error") || detail.contains("failed to lookup address") {
        return FailureKind::Dns;
    }
    let lower = detail.to_ascii_lowercase();
    if [
        "invalid peer certificate",
        "certificate",
        "tls handshake",
        "received fatal alert",
        "peer is incompatible",
    ]
    .iter()
    .any(|m| lower.contains(m))
    {
        return FailureKind::Tls;
    }
    if lower.contains("connection refused") {
        return FailureKind::ConnectionRefused;
    }
    if err.is_connect() {
        return FailureKind::Connect;
    }
    if err.is_body() || err.is_decode() {
        return FailureKind::Body;
    }
    FailureKind::Protocol
}

/// The final response of a chain, its body not read yet, with the host slot still held.
pub(crate) struct FinalResponse {
    pub response: Response,
    pub url: Url,
    pub _slot: Slot,
}

/// How following a URL ended.
pub(crate) struct Followed {
    pub chain: RedirectChain,
    pub outcome: FetchOutcome,
    pub failure: Option<Failure>,
    /// Set when the outcome is answered.
    pub last: Option<FinalResponse>,
    /// A host asked to wait (429/503 with Retry-After), now or earlier.
    pub deferred_until: Option<Timestamp>,
    /// The robots gate refused this URL: it was not requested.
    pub blocked: Option<Url>,
    /// Time spent waiting for responses (slot waits excluded), for the body's deadline.
    pub spent: Duration,
}

/// How to follow.
#[derive(Clone, Copy)]
pub(crate) struct FollowOptions<'a> {
    pub max_redirects: usize,
    pub deadline: Deadline,
    /// When set, each URL of the chain is checked against its origin's robots.txt for this
    /// product token before it is requested (the LINK tool on third-party sites).
    pub robots_gate: Option<&'a str>,
}

impl Followed {
    fn stopped(chain: RedirectChain, spent: Duration) -> Followed {
        Followed {
            chain,
            outcome: FetchOutcome::Unanswered { elapsed: spent },
            failure: None,
            last: None,
            deferred_until: None,
            blocked: None,
            spent,
        }
    }
}

fn header_text(response: &Response, name: reqwest::header::HeaderName) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

impl Inner {
    /// Follows `start` by hand. Never fails: every way it can end is a state in [`Followed`].
    pub(crate) async fn follow(&self, start: &Url, now: Timestamp, opts: FollowOptions<'_>) -> Followed {
        let mut chain = RedirectChain::new(opts.max_redirects);
        let mut spent = Duration::ZERO;
        let mut url = start.clone();
        let mut deferred_until = None;
        loop {
            if !matches!(url.scheme(), "http" | "https") {
                let mut f = Followed::stopped(chain, spent);
                f.failure = Some(Failure::new(
                    FailureKind::InvalidUrl,
                    format!("not an http(s) URL: {url}"),
                ));
                return f;
            }
            let Some(key) = host_key(&url) else {
                let mut f = Followed::stopped(chain, spent);
                f.failure = Some(Failure::new(
                    FailureKind::InvalidUrl,
                    format!("URL without a host: {url}"),
                ));
                return f;
            };
            if let Some(token) = opts.robots_gate {
                // Boxed: fetching robots.txt follows its own redirects through this function.
                let robots = Box::pin(self.robots_for(&url, now)).await;
                if !robots.policy.is_allowed(token, &url) {
                    let mut f = Followed::stopped(chain, spent);
                    f.blocked = Some(url);
                    return f;
                }
            }
            if let Some(until) = self.hosts.paused_until(&key, now) {
                let mut f = Followed::stopped(chain, spent);
                f.deferred_until = Some(until);
                return f;
            }
            let slot = self.hosts.acquire(&key).await;
            // The pause may have been set by a request that ended while this one waited.
            if let Some(until) = self.hosts.paused_until(&key, now) {
                let mut f = Followed::stopped(chain, spent);
                f.deferred_until = Some(until);
                return f;
            }
            let Some(remaining) = opts.deadline.remaining(spent) else {
                let mut f = Followed::stopped(chain, spent);
                f.failure = Some(Failure::new(FailureKind::Timeout, "deadline reached between redirects"));
                return f;
            };
            let sent = std::time::Instant::now();
            let result = self.client.get(url.clone()).timeout(remaining).send().await;
            let elapsed = sent.elapsed();
            let response = match result {
                Ok(r) => r,
                Err(e) => {
                    spent += elapsed;
                    let mut f = Followed::stopped(chain, spent);
                    f.failure = Some(classify(&e));
                    return f;
                }
            };
            spent += elapsed;
            let status = response.status().as_u16();
            let retry_after = header_text(&response, RETRY_AFTER);
            let answered_at = now.checked_add(spent).unwrap_or(now);
            if let Some(until) = retry_after_until(status, retry_after.as_deref(), answered_at, DEFAULT_MAX_RETRY_AFTER)
            {
                self.hosts.pause(&key, until);
                deferred_until = Some(until);
            }
            let location = header_text(&response, LOCATION);
            match chain.record(&url, status, location.as_deref(), elapsed) {
                Ok(Next::Done) => {
                    let outcome = FetchOutcome::of(&chain, None, opts.deadline);
                    let last = matches!(outcome, FetchOutcome::Answered { .. }).then(|| FinalResponse {
                        response,
                        url: url.clone(),
                        _slot: slot,
                    });
                    let failure = last
                        .is_none()
                        .then(|| Failure::new(FailureKind::Timeout, "answered after the deadline"));
                    return Followed {
                        chain,
                        outcome,
                        failure,
                        last,
                        deferred_until,
                        blocked: None,
                        spent,
                    };
                }
                Ok(Next::Follow(next)) => {
                    // The redirect's body is not read: dropping it frees the slot at once.
                    drop(response);
                    drop(slot);
                    url = next;
                }
                Err(error) => {
                    let outcome = FetchOutcome::of(&chain, Some(error), opts.deadline);
                    return Followed {
                        chain,
                        outcome,
                        failure: None,
                        last: None,
                        deferred_until,
                        blocked: None,
                        spent,
                    };
                }
            }
        }
    }
}
