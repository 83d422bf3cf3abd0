//! Reading the URLs of a sitemap: index files followed breadth first within a depth and a file
//! budget, gzip bodies inflated by `monitor::sitemap` (by their magic bytes, whatever the
//! Content-Type or extension says), every body capped.

use std::collections::{HashSet, VecDeque};

use jiff::Timestamp;
use monitor::redirects::{Deadline, FetchOutcome};
use monitor::sitemap::{MAX_SITEMAP_BYTES, parse_sitemap};
use monitor::urls::parse_http_url;
use url::Url;

use crate::Inner;
use crate::body::read_capped;
use crate::failure::{Failure, FailureKind, SitemapFetchError};
use crate::fetch::FollowOptions;

/// Levels of sitemap indexes followed below the sitemap given (an index of indexes is not in the
/// protocol, but it is met; deeper is refused).
pub const MAX_SITEMAP_DEPTH: usize = 2;
/// Sitemap files fetched at most in one walk.
pub const MAX_SITEMAP_FILES: usize = 100;
/// URLs returned at most by one walk (the XL pack watches 200,000).
pub const MAX_SITEMAP_URLS: usize = 500_000;

impl Inner {
    pub(crate) async fn sitemap_urls(&self, root: &Url, now: Timestamp) -> Result<Vec<Url>, SitemapFetchError> {
        let mut queue: VecDeque<(Url, usize)> = VecDeque::from([(root.clone(), 0)]);
        let mut seen_files: HashSet<String> = HashSet::from([root.as_str().to_string()]);
        let mut seen_urls: HashSet<String> = HashSet::new();
        let mut urls = Vec::new();
        let mut files = 0;
        while let Some((file, depth)) = queue.pop_front() {
            files += 1;
            if files > MAX_SITEMAP_FILES {
                return Err(SitemapFetchError::TooManyFiles { max: MAX_SITEMAP_FILES });
            }
            let body = self.fetch_sitemap_file(&file, now).await?;
            let sitemap = parse_sitemap(&body).map_err(|error| SitemapFetchError::Invalid {
                url: file.to_string(),
                error,
            })?;
            for child in &sitemap.sitemaps {
                let Ok(child) = parse_http_url(&child.loc) else {
                    continue;
                };
                if depth + 1 > MAX_SITEMAP_DEPTH {
                    return Err(SitemapFetchError::TooDeep {
                        url: child.to_string(),
                        max: MAX_SITEMAP_DEPTH,
                    });
                }
                if seen_files.insert(child.as_str().to_string()) {
                    queue.push_back((child, depth + 1));
                }
            }
            for entry in &sitemap.urls {
                // Unparsable entries are skipped: the caller imports what is usable.
                let Ok(u) = parse_http_url(&entry.loc) else { continue };
                if seen_urls.insert(u.as_str().to_string()) {
                    if urls.len() >= MAX_SITEMAP_URLS {
                        return Err(SitemapFetchError::TooManyUrls { max: MAX_SITEMAP_URLS });
                    }
                    urls.push(u);
                }
            }
        }
        Ok(urls)
    }

    async fn fetch_sitemap_file(&self, url: &Url, now: Timestamp) -> Result<Vec<u8>, SitemapFetchError> {
        let deadline = Deadline::new(self.config.deadline);
        let followed = self
            .follow(
                url,
                now,
                FollowOptions {
                    max_redirects: self.config.max_redirects,
                    deadline,
                    robots_gate: None,
                },
            )
            .await;
        let name = url.to_string();
        if let (Some(until), None) = (followed.deferred_until, followed.last.as_ref()) {
            return Err(SitemapFetchError::Deferred { url: name, until });
        }
        match (followed.outcome, followed.last) {
            (FetchOutcome::Answered { status, .. }, Some(mut last)) => {
                if !(200..300).contains(&status) {
                    return Err(SitemapFetchError::Status { url: name, status });
                }
                let until = tokio::time::Instant::now() + deadline.remaining(followed.spent).unwrap_or_default();
                let (body, too_big) = read_capped(&mut last.response, MAX_SITEMAP_BYTES, until)
                    .await
                    .map_err(|failure| SitemapFetchError::Unreachable {
                        url: name.clone(),
                        failure,
                    })?;
                if too_big {
                    return Err(SitemapFetchError::TooLarge {
                        url: name,
                        cap: MAX_SITEMAP_BYTES,
                    });
                }
                Ok(body)
            }
            (FetchOutcome::RedirectError { error }, _) => Err(SitemapFetchError::Redirect {
                url: name,
                code: error.code(),
            }),
            _ => Err(SitemapFetchError::Unreachable {
                url: name,
                failure: followed
                    .failure
                    .unwrap_or_else(|| Failure::new(FailureKind::Timeout, "no answer")),
            }),
        }
    }
}
