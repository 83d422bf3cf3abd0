//! Sitemaps (sitemaps.org protocol): `<urlset>` and `<sitemapindex>` parsed with quick-xml,
//! gzip detected by its magic bytes, the protocol's limits enforced (50,000 entries, 50 MB
//! uncompressed). A plain-text sitemap (one URL per line) is accepted too.

use std::collections::HashSet;
use std::io::Read;

use quick_xml::events::Event;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::site::Site;
use crate::urls::parse_http_url;

/// At most this many `<url>` or `<sitemap>` entries in one file.
pub const MAX_SITEMAP_ENTRIES: usize = 50_000;
/// At most this many bytes once decompressed (50 MB).
pub const MAX_SITEMAP_BYTES: usize = 50 * 1000 * 1000;

/// Which kind of file it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SitemapKind {
    UrlSet,
    Index,
    Text,
}

/// One `<url>` or `<sitemap>` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SitemapEntry {
    /// `<loc>`, entities decoded, trimmed.
    pub loc: String,
    pub lastmod: Option<String>,
}

/// A parsed sitemap file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sitemap {
    pub kind: SitemapKind,
    /// Page URLs (`<urlset>` or text sitemap).
    pub urls: Vec<SitemapEntry>,
    /// Child sitemaps (`<sitemapindex>`), to fetch and parse in turn.
    pub sitemaps: Vec<SitemapEntry>,
}

/// Why a sitemap was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SitemapError {
    #[error("sitemap larger than 50 MB uncompressed")]
    TooLarge,
    #[error("sitemap with more than 50,000 entries")]
    TooManyEntries,
    #[error("invalid gzip data")]
    Gzip,
    #[error("invalid XML at byte {position}: {message}")]
    Xml { position: u64, message: String },
    #[error("not a sitemap (no urlset or sitemapindex element)")]
    NotASitemap,
}

impl SitemapError {
    pub fn code(&self) -> &'static str {
        match self {
            SitemapError::TooLarge => "sitemap_too_large",
            SitemapError::TooManyEntries => "sitemap_too_many_entries",
            SitemapError::Gzip => "sitemap_gzip",
            SitemapError::Xml { .. } => "sitemap_xml",
            SitemapError::NotASitemap => "sitemap_not_a_sitemap",
        }
    }
}

/// Whether the bytes start with the gzip magic number (`1f 8b`), whatever the Content-Type says.
pub fn is_gzip(body: &[u8]) -> bool {
    body.starts_with(&[0x1f, 0x8b])
}

/// Decompresses gzip data with the 50 MB cap; other data is returned as is (checked too).
pub fn decompress(body: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, SitemapError> {
    if !is_gzip(body) {
        if body.len() > MAX_SITEMAP_BYTES {
            return Err(SitemapError::TooLarge);
        }
        return Ok(std::borrow::Cow::Borrowed(body));
    }
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(body)
        .take(MAX_SITEMAP_BYTES as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|_| SitemapError::Gzip)?;
    if out.len() > MAX_SITEMAP_BYTES {
        return Err(SitemapError::TooLarge);
    }
    Ok(std::borrow::Cow::Owned(out))
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Field {
    None,
    Loc,
    Lastmod,
}

fn predefined(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => None,
    }
}

/// Parses a sitemap body as fetched (gzip or not).
pub fn parse_sitemap(body: &[u8]) -> Result<Sitemap, SitemapError> {
    let data = decompress(body)?;
    let data: &[u8] = &data;
    let data = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
    let first = data.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|&b| b != b'<') {
        return parse_text(data);
    }
    let mut reader = quick_xml::Reader::from_reader(data);
    let mut buf = Vec::new();
    let mut kind: Option<SitemapKind> = None;
    let mut entries: Vec<SitemapEntry> = Vec::new();
    let mut in_entry = false;
    // Element depth, to read only `<loc>` and `<lastmod>` that are direct children of the entry
    // (`<image:loc>` inside `<url>` is not the page URL).
    let mut depth: usize = 0;
    let mut entry_depth: usize = 0;
    let mut field = Field::None;
    let mut loc = String::new();
    let mut lastmod = String::new();
    let xml_err = |reader: &quick_xml::Reader<&[u8]>, e: &dyn std::fmt::Display| SitemapError::Xml {
        position: reader.buffer_position(),
        message: e.to_string(),
    };
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| xml_err(&reader, &e))?;
        match event {
            Event::Start(e) => {
                depth += 1;
                let name = e.local_name();
                let child = in_entry && depth == entry_depth + 1;
                match name.as_ref() {
                    "urlset" if kind.is_none() => kind = Some(SitemapKind::UrlSet),
                    "sitemapindex" if kind.is_none() => kind = Some(SitemapKind::Index),
                    "url" if kind == Some(SitemapKind::UrlSet) && !in_entry => {
                        in_entry = true;
                        entry_depth = depth;
                    }
                    "sitemap" if kind == Some(SitemapKind::Index) && !in_entry => {
                        in_entry = true;
                        entry_depth = depth;
                    }
                    "loc" if child => {
                        field = Field::Loc;
                        loc.clear();
                    }
                    "lastmod" if child => {
                        field = Field::Lastmod;
                        lastmod.clear();
                    }
                    _ => {}
                }
            }
            Event::End(e) => {
                let closing = depth;
                depth = depth.saturating_sub(1);
                let name = e.local_name();
                match name.as_ref() {
                    "loc" | "lastmod" => field = Field::None,
                    "url" | "sitemap" if in_entry && closing == entry_depth => {
                        in_entry = false;
                        let l = loc.trim();
                        if !l.is_empty() {
                            if entries.len() >= MAX_SITEMAP_ENTRIES {
                                return Err(SitemapError::TooManyEntries);
                            }
                            let lm = lastmod.trim();
                            entries.push(SitemapEntry {
                                loc: l.to_string(),
                                lastmod: (!lm.is_empty()).then(|| lm.to_string()),
                            });
                        }
                        loc.clear();
                        lastmod.clear();
                    }
                    _ => {}
                }
            }
            Event::Text(t) => {
                let s: &str = &t;
                push_field(field, &mut loc, &mut lastmod, s);
            }
            Event::CData(t) => {
                let s: &str = &t;
                push_field(field, &mut loc, &mut lastmod, s);
            }
            Event::GeneralRef(r) => {
                let c = if r.is_char_ref() {
                    r.resolve_char_ref().ok().flatten()
                } else {
                    let n: &str = &r;
                    predefined(n)
                };
                if let Some(c) = c {
                    push_field(field, &mut loc, &mut lastmod, c.encode_utf8(&mut [0; 4]));
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    match kind {
        Some(SitemapKind::Index) => Ok(Sitemap {
            kind: SitemapKind::Index,
            urls: Vec::new(),
            sitemaps: entries,
        }),
        Some(k) => Ok(Sitemap {
            kind: k,
            urls: entries,
            sitemaps: Vec::new(),
        }),
        None => Err(SitemapError::NotASitemap),
    }
}

fn push_field(field: Field, loc: &mut String, lastmod: &mut String, s: &str) {
    match field {
        Field::Loc => loc.push_str(s),
        Field::Lastmod => lastmod.push_str(s),
        Field::None => {}
    }
}

fn parse_text(data: &[u8]) -> Result<Sitemap, SitemapError> {
    let text = String::from_utf8_lossy(data);
    let mut urls = Vec::new();
    for line in text.lines() {
        let l = line.trim();
        if l.is_empty() {
            continue;
        }
        if urls.len() >= MAX_SITEMAP_ENTRIES {
            return Err(SitemapError::TooManyEntries);
        }
        urls.push(SitemapEntry {
            loc: l.to_string(),
            lastmod: None,
        });
    }
    if urls.iter().any(|u| parse_http_url(&u.loc).is_err()) {
        return Err(SitemapError::NotASitemap);
    }
    Ok(Sitemap {
        kind: SitemapKind::Text,
        urls,
        sitemaps: Vec::new(),
    })
}

impl Sitemap {
    /// The normalised page URLs, to answer "is this URL in the sitemap?".
    pub fn url_set(&self) -> HashSet<String> {
        self.urls
            .iter()
            .filter_map(|e| parse_http_url(&e.loc).ok())
            .map(|u| u.to_string())
            .collect()
    }

    /// The page URLs that belong to `site`, normalised and deduplicated, and how many entries
    /// were skipped (outside the site or unparsable): what an import from the sitemap adds.
    pub fn urls_for_site(&self, site: &Site) -> (Vec<Url>, usize) {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        let mut skipped = 0;
        for e in &self.urls {
            match parse_http_url(&e.loc) {
                Ok(u) if crate::site::belongs_to(site, &u) => {
                    if seen.insert(u.to_string()) {
                        out.push(u);
                    }
                }
                _ => skipped += 1,
            }
        }
        (out, skipped)
    }
}

/// Walks a site's sitemaps, index files included: says which file to fetch next, never the same
/// twice, within a file budget, and collects the site's page URLs (deduplicated, in order).
/// The app layer fetches; a file that fails is reported with [`SitemapWalk::failed`].
#[derive(Debug, Clone)]
pub struct SitemapWalk {
    queue: std::collections::VecDeque<Url>,
    seen: HashSet<String>,
    max_files: usize,
    fetched: usize,
    urls: Vec<Url>,
    url_seen: HashSet<String>,
    /// Entries skipped: outside the site or unparsable.
    pub skipped: usize,
    /// Sitemap files that could not be fetched or parsed, with the error code.
    pub failures: Vec<(String, &'static str)>,
}

impl SitemapWalk {
    /// Starts from the robots.txt `Sitemap:` URLs or the site's default sitemap, fetching at most
    /// `max_files` files.
    pub fn new(roots: impl IntoIterator<Item = Url>, max_files: usize) -> SitemapWalk {
        let mut walk = SitemapWalk {
            queue: Default::default(),
            seen: HashSet::new(),
            max_files,
            fetched: 0,
            urls: Vec::new(),
            url_seen: HashSet::new(),
            skipped: 0,
            failures: Vec::new(),
        };
        for r in roots {
            walk.enqueue(r);
        }
        walk
    }

    fn enqueue(&mut self, url: Url) {
        if self.seen.insert(url.as_str().to_string()) {
            self.queue.push_back(url);
        }
    }

    /// The next sitemap file to fetch, if any is left within the budget.
    pub fn next_to_fetch(&mut self) -> Option<Url> {
        if self.fetched >= self.max_files {
            return None;
        }
        let next = self.queue.pop_front()?;
        self.fetched += 1;
        Some(next)
    }

    /// Records a parsed file: child sitemaps are queued, the site's page URLs collected.
    pub fn add(&mut self, sitemap: &Sitemap, site: &Site) {
        for child in &sitemap.sitemaps {
            match parse_http_url(&child.loc) {
                Ok(u) => self.enqueue(u),
                Err(_) => self.skipped += 1,
            }
        }
        let (urls, skipped) = sitemap.urls_for_site(site);
        self.skipped += skipped;
        for u in urls {
            if self.url_seen.insert(u.as_str().to_string()) {
                self.urls.push(u);
            }
        }
    }

    /// Records a file that could not be fetched or parsed.
    pub fn failed(&mut self, url: &Url, code: &'static str) {
        self.failures.push((url.to_string(), code));
    }

    /// Whether files were left unfetched because of the budget.
    pub fn budget_exhausted(&self) -> bool {
        self.fetched >= self.max_files && !self.queue.is_empty()
    }

    /// The page URLs collected so far.
    pub fn urls(&self) -> &[Url] {
        &self.urls
    }

    pub fn into_urls(self) -> Vec<Url> {
        self.urls
    }
}
