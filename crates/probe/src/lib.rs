//! The monitor module's network side: the IO around the pure `monitor` crate.
//!
//! A [`Probe`] holds one HTTP client (connection pooling, rustls, redirects off), the per-host
//! politeness state and the robots.txt cache. Its checks never fail and never panic: an
//! unreachable host, a TLS error, a redirect loop, a huge, binary or badly encoded body all
//! become recorded states with stable codes ([`Failure`], [`BodyNote`], the outcome's
//! `RedirectError`).
//!
//! - [`Probe::check_http`]: the HTTP tool, in the order `monitor::check` describes.
//! - [`Probe::ping_http`], [`Probe::ping_tcp`]: the PING tool.
//! - [`Probe::check_backlink`]: the LINK tool (OSX-LINK), obeying third-party robots.txt.
//! - [`Probe::sitemap_urls`]: the URLs a sitemap lists, indexes and gzip included.
//! - [`Probe::robots`]: an origin's robots.txt policy, cached at most 24 hours.
//!
//! Time: every method that decides with a date takes `now` (the scheduler's clock); the elapsed
//! time of requests is measured with `std::time::Instant`.

mod body;
mod failure;
mod fetch;
mod hosts;
mod robots_cache;
mod sitemap;

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use monitor::UserAgent;
use monitor::check::{HttpCheckInput, HttpCheckResult, UpRule, evaluate, http_is_up, tcp_is_up};
use monitor::extract::{
    BacklinkCheck, BacklinkFetch, ExtractOptions, canonical_from_link_headers, directives_for, is_html,
    parse_x_robots_tag,
};
use monitor::redirects::{Deadline, FetchOutcome, Hop};
use monitor::robots::CachedRobots;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use serde::{Deserialize, Serialize};
use url::Url;

pub use failure::{BodyNote, Failure, FailureKind, ProbeError, SitemapFetchError};
pub use robots_cache::ERROR_CACHE_AGE;
pub use sitemap::{MAX_SITEMAP_DEPTH, MAX_SITEMAP_FILES, MAX_SITEMAP_URLS};

use crate::body::{HtmlBody, read_html};
use crate::fetch::{FollowOptions, Followed};
use crate::hosts::{Hosts, host_key};
use crate::robots_cache::RobotsCache;

/// Settings of a [`Probe`].
#[derive(Debug, Clone)]
pub struct ProbeConfig {
    /// Sent as `User-Agent`; its product token is matched against third-party robots.txt.
    pub user_agent: UserAgent,
    /// Total time a check has, redirects and body included (OSX-TIMEOUT-10S: 10 s).
    pub deadline: Duration,
    /// Body bytes read at most; the rest is not downloaded.
    pub max_body_bytes: usize,
    pub max_redirects: usize,
    /// Requests in flight per host at most; `usize::MAX` lifts the cap (the benchmark).
    pub per_host_limit: usize,
    /// Search engines whose view of robots.txt and X-Robots-Tag decides indexability (lowercase
    /// crawler names).
    pub search_agents: Vec<String>,
    /// PEM certificates trusted besides the system's roots (tests trust their own CA this way).
    pub extra_root_certificates: Vec<Vec<u8>>,
}

impl Default for ProbeConfig {
    fn default() -> Self {
        ProbeConfig {
            user_agent: UserAgent::default(),
            deadline: monitor::redirects::ANSWER_DEADLINE,
            max_body_bytes: monitor::extract::DEFAULT_MAX_BODY_BYTES,
            max_redirects: monitor::redirects::DEFAULT_MAX_REDIRECTS,
            per_host_limit: monitor::politeness::DEFAULT_PER_HOST_LIMIT,
            search_agents: vec!["googlebot".to_string()],
            extra_root_certificates: Vec::new(),
        }
    }
}

/// What one HTTP check gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpCheck {
    /// Answered, unanswered (deadline or no connection: see `failure`) or a broken redirect
    /// chain. When `deferred_until` is set before any request, this is `Unanswered` with a zero
    /// elapsed time and means nothing.
    pub outcome: FetchOutcome,
    /// Every response, first request first.
    pub hops: Vec<Hop>,
    /// Snapshot and indexability; empty when there is nothing to compare (unanswered, broken
    /// chain, deferred, body unreadable).
    pub result: HttpCheckResult,
    /// Time spent waiting for the server over the whole chain, body included.
    pub response_time: Duration,
    /// The `notAfter` of the final https hop's certificate.
    pub tls_not_after: Option<Timestamp>,
    /// Something odd about the final body (truncated, binary, not HTML, invalid UTF-8, parser
    /// error); the check still counts.
    pub body_note: Option<BodyNote>,
    /// Why there was no answer (timeout, DNS, refused, TLS…) or the body could not be read.
    pub failure: Option<Failure>,
    /// The host asked to wait (429/503 with Retry-After) until then: reschedule the check after
    /// it; nothing to compare.
    pub deferred_until: Option<Timestamp>,
}

/// What one PING gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ping {
    pub up: bool,
    pub response_time: Duration,
    /// HTTP status (HTTP pings that got an answer).
    pub status: Option<u16>,
    pub error: Option<Failure>,
}

/// What one LINK check gave (OSX-LINK).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BacklinkResult {
    /// Present (follow or not), missing, blocked by robots.txt, HTTP error or unanswered.
    pub check: BacklinkCheck,
    /// `None` when nothing was requested (blocked by robots.txt, host paused).
    pub outcome: Option<FetchOutcome>,
    pub hops: Vec<Hop>,
    pub status: Option<u16>,
    pub final_url: Option<Url>,
    pub response_time: Duration,
    pub body_note: Option<BodyNote>,
    pub failure: Option<Failure>,
    pub deferred_until: Option<Timestamp>,
}

/// The HTTP side of the monitor. Cheap to clone: clones share the client, the per-host slots
/// and the robots.txt cache.
#[derive(Clone)]
pub struct Probe {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    client: reqwest::Client,
    config: ProbeConfig,
    hosts: Hosts,
    robots: RobotsCache,
    /// Extraction settings for the HTTP tool (robots meta names from the search agents).
    extract: ExtractOptions,
}

fn headers_as_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// The `notAfter` of a DER certificate.
fn certificate_not_after(der: &[u8]) -> Option<Timestamp> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    Timestamp::from_second(cert.validity().not_after.timestamp()).ok()
}

fn tls_not_after(response: &reqwest::Response) -> Option<Timestamp> {
    let info = response.extensions().get::<reqwest::tls::TlsInfo>()?;
    certificate_not_after(info.peer_certificate()?)
}

fn empty_result() -> HttpCheckResult {
    HttpCheckResult {
        snapshot: None,
        indexability: None,
        x_robots: Vec::new(),
    }
}

impl Probe {
    pub fn new(config: ProbeConfig) -> Result<Probe, ProbeError> {
        let mut certs = Vec::new();
        for pem in &config.extra_root_certificates {
            let bundle =
                reqwest::Certificate::from_pem_bundle(pem).map_err(|e| ProbeError::Certificate(e.to_string()))?;
            if bundle.is_empty() {
                return Err(ProbeError::Certificate("no certificate in the PEM data".to_string()));
            }
            certs.extend(bundle);
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(config.user_agent.header())
            .tls_info(true)
            .tls_certs_merge(certs)
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(90))
            .build()
            .map_err(|e| ProbeError::Client(e.to_string()))?;
        let mut robots_meta_names = vec!["robots".to_string()];
        for a in &config.search_agents {
            let a = a.to_ascii_lowercase();
            if !robots_meta_names.contains(&a) {
                robots_meta_names.push(a);
            }
        }
        let extract = ExtractOptions {
            max_body_bytes: config.max_body_bytes,
            robots_meta_names,
            ..ExtractOptions::default()
        };
        Ok(Probe {
            inner: Arc::new(Inner {
                client,
                hosts: Hosts::new(config.per_host_limit),
                robots: RobotsCache::default(),
                extract,
                config,
            }),
        })
    }

    pub fn config(&self) -> &ProbeConfig {
        &self.inner.config
    }

    /// How the HTTP tool follows a URL: the client's own site, so no robots.txt gate.
    fn http_follow_options(&self) -> FollowOptions<'static> {
        FollowOptions {
            max_redirects: self.inner.config.max_redirects,
            deadline: Deadline::new(self.inner.config.deadline),
            robots_gate: None,
        }
    }

    /// Whether robots.txt lets the search agents crawl `url` (all of them must be allowed);
    /// `None` without search agents.
    async fn robots_allows_search(&self, url: &Url, now: Timestamp) -> Option<bool> {
        let agents = &self.inner.config.search_agents;
        if agents.is_empty() {
            return None;
        }
        let robots = self.inner.robots_for(url, now).await;
        Some(agents.iter().all(|a| robots.policy.is_allowed(a, url)))
    }

    /// One HTTP tool check of a URL: robots.txt of its host (cached) for indexability, a slot on
    /// the host, the chain followed by hand (each hop recorded, each request's timeout the
    /// deadline's remainder), the final body streamed into the extractor up to the cap (HTML
    /// only), the certificate expiry of the final https hop, then `monitor::check::evaluate`.
    /// `in_sitemap` is given by the caller, which knows the site's sitemap.
    pub async fn check_http(&self, url: &Url, in_sitemap: Option<bool>, now: Timestamp) -> HttpCheck {
        let inner = &self.inner;
        let mut check = HttpCheck {
            outcome: FetchOutcome::Unanswered {
                elapsed: Duration::ZERO,
            },
            hops: Vec::new(),
            result: empty_result(),
            response_time: Duration::ZERO,
            tls_not_after: None,
            body_note: None,
            failure: None,
            deferred_until: None,
        };
        let Some(key) = host_key(url).filter(|_| matches!(url.scheme(), "http" | "https")) else {
            check.failure = Some(Failure::new(
                FailureKind::InvalidUrl,
                format!("not an http(s) URL: {url}"),
            ));
            return check;
        };
        if let Some(until) = inner.hosts.paused_until(&key, now) {
            check.deferred_until = Some(until);
            return check;
        }
        let start_allowed = self.robots_allows_search(url, now).await;
        let followed = inner.follow(url, now, self.http_follow_options()).await;
        let Followed {
            chain,
            outcome,
            failure,
            last,
            deferred_until,
            spent,
            ..
        } = followed;
        check.hops = chain.hops().to_vec();
        check.outcome = outcome;
        check.failure = failure;
        check.deferred_until = deferred_until;
        check.response_time = spent;
        let Some(mut last) = last else {
            return check;
        };
        if deferred_until.is_some() {
            // 429/503 with Retry-After: the page was not served, nothing to compare.
            return check;
        }
        if last.url.scheme() == "https" {
            check.tls_not_after = tls_not_after(&last.response);
        }
        let header_pairs = headers_as_pairs(last.response.headers());
        let content_type = last
            .response
            .headers()
            .get(CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let mut page = None;
        if is_html(content_type.as_deref()) {
            let body_started = std::time::Instant::now();
            let until = tokio::time::Instant::now()
                + Deadline::new(inner.config.deadline)
                    .remaining(spent)
                    .unwrap_or_default();
            let HtmlBody { page: p, note, failure } = read_html(
                &mut last.response,
                content_type.as_deref(),
                &last.url,
                &inner.extract,
                until,
            )
            .await;
            check.response_time += body_started.elapsed();
            check.body_note = note;
            if let Some(f) = failure {
                if f.kind == FailureKind::Timeout {
                    check.outcome = FetchOutcome::Unanswered {
                        elapsed: check.response_time,
                    };
                }
                check.failure = Some(f);
                return check;
            }
            page = p;
        } else {
            check.body_note = Some(BodyNote::NotHtml {
                content_type: content_type.clone().unwrap_or_default(),
            });
        }
        drop(last);
        let robots_txt_allowed = match &check.outcome {
            FetchOutcome::Answered { final_url, .. } if final_url.origin() != url.origin() => {
                self.robots_allows_search(final_url, now).await
            }
            _ => start_allowed,
        };
        let pairs: Vec<(&str, &str)> = header_pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let agents: Vec<&str> = inner.config.search_agents.iter().map(String::as_str).collect();
        check.result = evaluate(HttpCheckInput {
            outcome: &check.outcome,
            headers: &pairs,
            page: page.as_ref(),
            robots_txt_allowed,
            in_sitemap,
            search_agents: &agents,
        });
        check
    }

    /// An HTTP PING: one GET, redirects not followed (an answered redirect is up by the default
    /// rule), within the deadline.
    pub async fn ping_http(&self, url: &Url, rule: &UpRule) -> Ping {
        let inner = &self.inner;
        let Some(key) = host_key(url).filter(|_| matches!(url.scheme(), "http" | "https")) else {
            return Ping {
                up: false,
                response_time: Duration::ZERO,
                status: None,
                error: Some(Failure::new(
                    FailureKind::InvalidUrl,
                    format!("not an http(s) URL: {url}"),
                )),
            };
        };
        let _slot = inner.hosts.acquire(&key).await;
        let sent = std::time::Instant::now();
        let result = inner
            .client
            .get(url.clone())
            .timeout(inner.config.deadline)
            .send()
            .await;
        let elapsed = sent.elapsed();
        match result {
            Ok(response) => {
                let status = response.status().as_u16();
                let outcome = FetchOutcome::Answered {
                    status,
                    final_url: url.clone(),
                    elapsed,
                };
                let up = http_is_up(&outcome, rule) && !Deadline::new(inner.config.deadline).is_exceeded([elapsed]);
                Ping {
                    up,
                    response_time: elapsed,
                    status: Some(status),
                    error: None,
                }
            }
            Err(e) => Ping {
                up: false,
                response_time: elapsed,
                status: None,
                error: Some(fetch::classify(&e)),
            },
        }
    }

    /// A TCP PING: up when a connection opens within the deadline (name resolution included).
    pub async fn ping_tcp(&self, host: &str, port: u16) -> Ping {
        let inner = &self.inner;
        let deadline = Deadline::new(inner.config.deadline);
        let _slot = inner.hosts.acquire(&format!("{host}:{port}")).await;
        let started = std::time::Instant::now();
        let attempt = async {
            let addrs: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host, port))
                .await
                .map_err(|e| Failure::new(FailureKind::Dns, e.to_string()))?
                .collect();
            if addrs.is_empty() {
                return Err(Failure::new(FailureKind::Dns, format!("{host} has no address")));
            }
            let mut last_error = None;
            for addr in addrs {
                match tokio::net::TcpStream::connect(addr).await {
                    Ok(_stream) => return Ok(()),
                    Err(e) => last_error = Some(e),
                }
            }
            let e = last_error.map_or_else(|| "no address answered".to_string(), |e| e.to_string());
            Err(Failure::new(FailureKind::Connect, e))
        };
        let result = match tokio::time::timeout(deadline.total, attempt).await {
            Ok(r) => r,
            Err(_) => Err(Failure::new(FailureKind::Timeout, "no connection within the deadline")),
        };
        let elapsed = started.elapsed();
        let error = match result {
            Ok(()) => None,
            Err(mut f) => {
                if f.kind == FailureKind::Connect && f.detail.to_ascii_lowercase().contains("refused") {
                    f.kind = FailureKind::ConnectionRefused;
                }
                Some(f)
            }
        };
        Ping {
            up: tcp_is_up(error.is_none(), elapsed, deadline),
            response_time: elapsed,
            status: None,
            error,
        }
    }

    /// OSX-LINK: fetches a third-party page, obeying its robots.txt (RFC 9309: cached at most
    /// 24 h, 4xx means allowed, 5xx or unreachable means disallowed) for our product token, and
    /// looks for links to `target`. A page blocked by robots.txt is reported as blocked, not as a
    /// lost link; every hop of a redirect chain is checked against its own robots.txt.
    pub async fn check_backlink(&self, page: &Url, target: &Url, now: Timestamp) -> BacklinkResult {
        let inner = &self.inner;
        let mut result = BacklinkResult {
            check: monitor::extract::check_backlink(BacklinkFetch::Unanswered),
            outcome: None,
            hops: Vec::new(),
            status: None,
            final_url: None,
            response_time: Duration::ZERO,
            body_note: None,
            failure: None,
            deferred_until: None,
        };
        let token = inner.config.user_agent.product_token().to_string();
        let opts = FollowOptions {
            max_redirects: inner.config.max_redirects,
            deadline: Deadline::new(inner.config.deadline),
            robots_gate: Some(&token),
        };
        let followed = inner.follow(page, now, opts).await;
        result.hops = followed.chain.hops().to_vec();
        result.response_time = followed.spent;
        result.deferred_until = followed.deferred_until;
        result.failure = followed.failure;
        if followed.blocked.is_some() {
            result.check = monitor::extract::check_backlink(BacklinkFetch::Blocked);
            return result;
        }
        if followed.chain.hops().is_empty() {
            // Nothing was requested (host paused, invalid URL).
            return result;
        }
        result.outcome = Some(followed.outcome.clone());
        let Some(mut last) = followed.last else {
            return result;
        };
        let FetchOutcome::Answered { status, final_url, .. } = followed.outcome else {
            return result;
        };
        result.status = Some(status);
        result.final_url = Some(final_url.clone());
        if followed.deferred_until.is_some() {
            return result;
        }
        let header_pairs = headers_as_pairs(last.response.headers());
        let content_type = last
            .response
            .headers()
            .get(CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let mut page_elements = None;
        if (200..300).contains(&status) {
            if is_html(content_type.as_deref()) {
                let options = ExtractOptions {
                    link_target: Some(target.clone()),
                    ..inner.extract.clone()
                };
                let body_started = std::time::Instant::now();
                let until = tokio::time::Instant::now()
                    + Deadline::new(inner.config.deadline)
                        .remaining(followed.spent)
                        .unwrap_or_default();
                let body = read_html(&mut last.response, content_type.as_deref(), &last.url, &options, until).await;
                result.response_time += body_started.elapsed();
                result.body_note = body.note;
                if let Some(f) = body.failure {
                    if f.kind == FailureKind::Timeout {
                        result.outcome = Some(FetchOutcome::Unanswered {
                            elapsed: result.response_time,
                        });
                    }
                    result.failure = Some(f);
                    return result;
                }
                page_elements = body.page;
            } else {
                result.body_note = Some(BodyNote::NotHtml {
                    content_type: content_type.clone().unwrap_or_default(),
                });
            }
        }
        drop(last);
        let x_robots_values = header_pairs
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("x-robots-tag"))
            .map(|(_, v)| v.as_str());
        let x_robots = parse_x_robots_tag(x_robots_values);
        let agents: Vec<&str> = inner.config.search_agents.iter().map(String::as_str).collect();
        let applying = directives_for(&x_robots, &agents);
        let link_values = header_pairs
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("link"))
            .map(|(_, v)| v.as_str());
        let header_canonical = canonical_from_link_headers(link_values, &final_url);
        result.check = monitor::extract::check_backlink(BacklinkFetch::Answered {
            url: &final_url,
            status,
            page: page_elements.as_ref(),
            x_robots: &applying,
            header_canonical: header_canonical.as_deref(),
        });
        result
    }

    /// The URLs a sitemap lists, normalised and deduplicated: sitemap indexes followed (at most
    /// [`MAX_SITEMAP_DEPTH`] levels and [`MAX_SITEMAP_FILES`] files), gzip inflated, bodies
    /// capped. Any file failing fails the whole (an import is all or nothing).
    pub async fn sitemap_urls(&self, sitemap: &Url, now: Timestamp) -> Result<Vec<Url>, SitemapFetchError> {
        self.inner.sitemap_urls(sitemap, now).await
    }

    /// The robots.txt policy of `origin`'s origin (any URL of it), from the cache while fresh at
    /// `now` (at most 24 hours; an unreadable file for [`ERROR_CACHE_AGE`]).
    pub async fn robots(&self, origin: &Url, now: Timestamp) -> Arc<CachedRobots> {
        self.inner.robots_for(origin, now).await
    }
}
