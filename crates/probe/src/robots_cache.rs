//! robots.txt per origin, fetched at most once at a time and kept while fresh (RFC 9309: at most
//! 24 hours, less when `Cache-Control: max-age` says so).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use jiff::{SignedDuration, Timestamp};
use monitor::redirects::{Deadline, FetchOutcome, RedirectError};
use monitor::robots::{CachedRobots, MAX_ROBOTS_BYTES, RobotsFetch, RobotsPolicy};
use url::Url;

use crate::Inner;
use crate::body::read_capped;
use crate::fetch::FollowOptions;

/// Redirects followed for robots.txt (RFC 9309 section 2.3.1.2: at least five).
const ROBOTS_MAX_REDIRECTS: usize = 5;

/// How long a robots.txt that could not be read (5xx, unreachable, timeout) is kept: everything
/// is disallowed meanwhile, and a server back on its feet is seen within the hour rather than
/// the next day.
pub const ERROR_CACHE_AGE: SignedDuration = SignedDuration::from_hours(1);

#[derive(Default)]
pub(crate) struct RobotsCache {
    fresh: Mutex<HashMap<String, Arc<CachedRobots>>>,
    /// One fetch at a time per origin: checks of a site that start together wait for the first
    /// one's fetch instead of each sending their own.
    fetching: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl RobotsCache {
    fn usable(&self, origin: &str, now: Timestamp) -> Option<Arc<CachedRobots>> {
        lock(&self.fresh).get(origin).filter(|c| c.is_usable_at(now)).cloned()
    }

    fn gate(&self, origin: &str) -> Arc<tokio::sync::Mutex<()>> {
        lock(&self.fetching).entry(origin.to_string()).or_default().clone()
    }

    fn store(&self, origin: &str, robots: Arc<CachedRobots>) {
        lock(&self.fresh).insert(origin.to_string(), robots);
    }
}

fn max_age(cache_control: Option<&str>) -> Option<SignedDuration> {
    cache_control?.split(',').find_map(|d| {
        let (k, v) = d.split_once('=')?;
        if !k.trim().eq_ignore_ascii_case("max-age") {
            return None;
        }
        v.trim()
            .trim_matches('"')
            .parse::<i64>()
            .ok()
            .map(SignedDuration::from_secs)
    })
}

impl Inner {
    /// The robots.txt policy of `url`'s origin at `now`, from the cache when still usable.
    pub(crate) async fn robots_for(&self, url: &Url, now: Timestamp) -> Arc<CachedRobots> {
        let origin = url.origin().ascii_serialization();
        if let Some(c) = self.robots.usable(&origin, now) {
            return c;
        }
        let gate = self.robots.gate(&origin);
        let _one_fetch = gate.lock().await;
        if let Some(c) = self.robots.usable(&origin, now) {
            return c;
        }
        let fetched = Arc::new(self.fetch_robots(url, now).await);
        self.robots.store(&origin, fetched.clone());
        fetched
    }

    async fn fetch_robots(&self, url: &Url, now: Timestamp) -> CachedRobots {
        let mut robots_url = url.clone();
        robots_url.set_path("/robots.txt");
        robots_url.set_query(None);
        robots_url.set_fragment(None);
        let deadline = Deadline::new(self.config.deadline);
        let followed = self
            .follow(
                &robots_url,
                now,
                FollowOptions {
                    max_redirects: ROBOTS_MAX_REDIRECTS,
                    deadline,
                    robots_gate: None,
                },
            )
            .await;
        if let Some(until) = followed.deferred_until
            && followed.last.is_none()
        {
            // The host asked to wait: nothing may be fetched until then (like a 429).
            return CachedRobots::new(RobotsPolicy::DisallowAll, now, Some(until.duration_since(now)));
        }
        let error_cache = Some(ERROR_CACHE_AGE);
        match (followed.outcome, followed.last) {
            (FetchOutcome::Answered { status, .. }, Some(mut last)) => {
                let cache_control = last
                    .response
                    .headers()
                    .get(reqwest::header::CACHE_CONTROL)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                let until = tokio::time::Instant::now() + deadline.remaining(followed.spent).unwrap_or_default();
                let body = if (200..300).contains(&status) {
                    match read_capped(&mut last.response, MAX_ROBOTS_BYTES + 1, until).await {
                        Ok((body, _)) => body,
                        Err(_) => {
                            return CachedRobots::new(
                                RobotsPolicy::from_fetch(RobotsFetch::Unreachable),
                                now,
                                error_cache,
                            );
                        }
                    }
                } else {
                    Vec::new()
                };
                let policy = RobotsPolicy::from_fetch(RobotsFetch::Response { status, body: &body });
                let age = match policy {
                    RobotsPolicy::DisallowAll => error_cache,
                    _ => max_age(cache_control.as_deref()),
                };
                CachedRobots::new(policy, now, age)
            }
            (FetchOutcome::RedirectError { error }, _) => {
                let fetch = match error {
                    RedirectError::Loop { .. } | RedirectError::TooManyRedirects { .. } => {
                        RobotsFetch::TooManyRedirects
                    }
                    // A redirect nowhere: the file is unavailable, as a 4xx.
                    RedirectError::BadLocation => RobotsFetch::Response { status: 404, body: &[] },
                };
                CachedRobots::new(RobotsPolicy::from_fetch(fetch), now, None)
            }
            _ => CachedRobots::new(RobotsPolicy::from_fetch(RobotsFetch::Unreachable), now, error_cache),
        }
    }
}
