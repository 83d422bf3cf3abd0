//! Streaming extraction of a page's SEO elements with lol_html, the response headers that matter
//! (X-Robots-Tag, `Link: rel=canonical`, charset), indexability, and the LINK tool's backlink
//! check (OSX-LINK).
//!
//! Feed the body as it arrives with [`HtmlExtractor::write`] and call [`HtmlExtractor::finish`];
//! [`extract_html`] does both for a body already in memory. Bytes past
//! [`ExtractOptions::max_body_bytes`] are ignored and the result says it was truncated.
//!
//! Character set: a byte-order mark wins, then the `charset` of `Content-Type`, then
//! `<meta charset>` / `<meta http-equiv=content-type>` (the parser switches when it meets it),
//! else UTF-8. Invalid bytes become U+FFFD; UTF-16 bodies are transcoded with `encoding_rs`.
//! Entities are decoded after the HTML5 rules (text and attribute contexts differ), once per
//! whole text node, so an entity split across two network chunks decodes right.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use encoding_rs::Encoding;
use lol_html::html_content::{TextChunk, TextType};
use lol_html::send::{Element, HtmlRewriter as SendRewriter, Settings as SendSettings};
use lol_html::{AsciiCompatibleEncoding, OutputSink, doc_text, element};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use url::Url;

use crate::urls::{normalize, resolve_http_url};

/// Settings of one extraction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractOptions {
    /// Bytes of body read at most; the rest is ignored (default 5 MiB).
    pub max_body_bytes: usize,
    /// `<meta name>` values read as robots directives, lowercase (default `robots`, `googlebot`).
    pub robots_meta_names: Vec<String>,
    /// LINK tool: the client's URL to look for among the page's links.
    pub link_target: Option<Url>,
    /// LINK tool: how a link is compared with the target (after normalisation of both).
    pub link_match: LinkMatch,
}

/// How the LINK tool compares a link with the client's URL; both are normalised first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkMatch {
    /// The same URL (scheme, host, port, path, query).
    #[default]
    Exact,
    /// The same URL whatever the scheme and a leading `www.` (`http://client.fr/a` counts for
    /// `https://www.client.fr/a`).
    IgnoreSchemeAndWww,
    /// Any page of the target's host, whatever the scheme and a leading `www.`.
    AnyPageOfHost,
}

impl LinkMatch {
    /// The comparison key of a normalised URL.
    pub fn key(self, url: &Url) -> String {
        let host = url.host_str().unwrap_or("");
        let loose_host = host.strip_prefix("www.").unwrap_or(host);
        let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
        match self {
            LinkMatch::Exact => url.as_str().to_string(),
            LinkMatch::IgnoreSchemeAndWww => {
                let query = url.query().map(|q| format!("?{q}")).unwrap_or_default();
                format!("{loose_host}{port}{}{query}", url.path())
            }
            LinkMatch::AnyPageOfHost => format!("{loose_host}{port}"),
        }
    }
}

/// The default body cap: 5 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 5 * 1024 * 1024;

impl Default for ExtractOptions {
    fn default() -> Self {
        ExtractOptions {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            robots_meta_names: vec!["robots".to_string(), "googlebot".to_string()],
            link_target: None,
            link_match: LinkMatch::Exact,
        }
    }
}

/// The `rel` keywords of a link that matter for SEO.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LinkRel {
    pub nofollow: bool,
    pub sponsored: bool,
    pub ugc: bool,
}

impl LinkRel {
    /// Parses a `rel` attribute (space-separated, case-insensitive).
    pub fn parse(rel: &str) -> LinkRel {
        let mut r = LinkRel::default();
        for t in rel.split_ascii_whitespace() {
            match t.to_ascii_lowercase().as_str() {
                "nofollow" => r.nofollow = true,
                "sponsored" => r.sponsored = true,
                "ugc" => r.ugc = true,
                _ => {}
            }
        }
        r
    }

    /// A plain followed link: none of nofollow, sponsored, ugc.
    pub fn is_follow(self) -> bool {
        !(self.nofollow || self.sponsored || self.ugc)
    }
}

/// A link to the LINK tool's target found on a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundLink {
    /// The `href` resolved against the page (and `<base>`), normalised.
    pub href: String,
    /// The anchor text (entities decoded, whitespace collapsed); an image's `alt` counts.
    pub anchor: String,
    /// The raw `rel` attribute, if any.
    pub rel_raw: Option<String>,
    pub rel: LinkRel,
}

/// What a page says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PageElements {
    pub title: Option<String>,
    pub meta_description: Option<String>,
    /// The content of every robots meta tag read, joined with `, `.
    pub meta_robots: Option<String>,
    /// `<link rel=canonical>`, resolved to an absolute URL when possible.
    pub canonical: Option<String>,
    /// How many `<link rel=canonical>` the page has (more than one is an error Google ignores).
    pub canonical_count: usize,
    /// hreflang (lowercase) → absolute URL.
    pub hreflang: BTreeMap<String, String>,
    pub h1: Vec<String>,
    pub og_title: Option<String>,
    pub og_description: Option<String>,
    /// SHA-256 (hex) of the visible text: text outside `script`, `style`, `noscript`,
    /// `template` and `title`, entities decoded, words joined by single spaces.
    pub text_hash: String,
    /// LINK tool: links to the target, in page order.
    pub links: Vec<FoundLink>,
    /// Body bytes read (at most the cap).
    pub bytes_read: usize,
    /// The body was longer than the cap.
    pub truncated: bool,
    /// The character set used (`UTF-8`, `windows-1252`…).
    pub encoding: String,
}

/// The extraction failed (the parser gave up); truncation is not an error.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("HTML parsing failed: {0}")]
    Parse(String),
}

impl ExtractError {
    pub fn code(&self) -> &'static str {
        "html_unparsable"
    }
}

struct Discard;

impl OutputSink for Discard {
    fn handle_chunk(&mut self, _: &[u8]) {}
}

#[derive(Default)]
struct State {
    base: Option<Url>,
    page: Option<Url>,
    target: Option<String>,
    link_match: LinkMatch,
    robots_names: Vec<String>,
    out: PageElements,
    robots: Vec<String>,
    meta_charset: Option<&'static Encoding>,
    hidden_depth: usize,
    title_open: bool,
    h1_open: Option<usize>,
    anchor_open: Option<usize>,
    raw: String,
    scratch: String,
    hasher: Sha256,
    hashed_any: bool,
}

fn decode_attr(v: &str) -> String {
    htmlize::unescape_attribute(v).into_owned()
}

/// H1s and anchor texts longer than this are cut (a page with a broken heading cannot fill
/// memory with it).
const MAX_ELEMENT_TEXT: usize = 2048;

/// The words of `text`, exactly as `str::split_whitespace` gives them (Unicode White_Space
/// separates), but without decoding every character: a page's text is mostly ASCII, classified
/// by a table, and a non-ASCII character can only be a space when its lead byte is one of the
/// four that start White_Space characters (U+0085 and U+00A0; U+1680; U+2000–U+205F; U+3000).
/// The visible-text hash runs over every word of every page, so this is the check's hot loop.
pub fn words(text: &str) -> Words<'_> {
    Words { text, at: 0 }
}

/// The iterator of [`words`].
pub struct Words<'a> {
    text: &'a str,
    at: usize,
}

/// What a byte says about a space starting at it: 0, none (an ASCII letter, a continuation
/// byte, the lead byte of a character that is never a space); 1, an ASCII space as
/// `char::is_whitespace` counts them (tab, line feed, vertical tab, form feed, carriage return,
/// space: vertical tab included, unlike `u8::is_ascii_whitespace`); 2, the lead byte of a
/// character that may be a space (0xC2, 0xE1, 0xE2, 0xE3), to decode.
const fn byte_classes() -> [u8; 256] {
    let mut t = [0u8; 256];
    t[0x09] = 1;
    t[0x0A] = 1;
    t[0x0B] = 1;
    t[0x0C] = 1;
    t[0x0D] = 1;
    t[0x20] = 1;
    t[0xC2] = 2;
    t[0xE1] = 2;
    t[0xE2] = 2;
    t[0xE3] = 2;
    t
}
static BYTE_CLASS: [u8; 256] = byte_classes();

impl Words<'_> {
    /// The width of the space starting at `i` (a character boundary), 0 when none does.
    fn space_width(&self, i: usize) -> usize {
        match BYTE_CLASS[self.text.as_bytes()[i] as usize] {
            0 => 0,
            1 => 1,
            _ => match self.text[i..].chars().next() {
                Some(c) if c.is_whitespace() => c.len_utf8(),
                _ => 0,
            },
        }
    }
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let bytes = self.text.as_bytes();
        let len = bytes.len();
        let mut i = self.at;
        loop {
            if i >= len {
                self.at = len;
                return None;
            }
            match self.space_width(i) {
                0 => break,
                w => i += w,
            }
        }
        let start = i;
        loop {
            // The tight loop: bytes that can never start a space.
            while i < len && BYTE_CLASS[bytes[i] as usize] == 0 {
                i += 1;
            }
            if i >= len || self.space_width(i) > 0 {
                break;
            }
            // A character with a space's lead byte that is not one: 0xC2 leads two bytes,
            // 0xE1–0xE3 three.
            i += if bytes[i] == 0xC2 { 2 } else { 3 };
        }
        self.at = i;
        Some(&self.text[start..i])
    }
}

fn push_words_capped(buf: &mut String, text: &str) {
    for w in words(text) {
        if buf.len() + w.len() >= MAX_ELEMENT_TEXT {
            break;
        }
        if !buf.is_empty() {
            buf.push(' ');
        }
        buf.push_str(w);
    }
}

fn push_words(buf: &mut String, text: &str) {
    for w in words(text) {
        if !buf.is_empty() {
            buf.push(' ');
        }
        buf.push_str(w);
    }
}

impl State {
    fn resolve(&self, href: &str) -> String {
        match self.base.as_ref().or(self.page.as_ref()) {
            Some(b) => resolve_http_url(b, href).map_or_else(|| href.trim().to_string(), |u| u.to_string()),
            None => href.trim().to_string(),
        }
    }

    fn on_text(&mut self, chunk: &TextChunk<'_>) {
        if !self.title_open && self.hidden_depth > 0 {
            // Script, style and the like: neither decoded nor kept.
            self.raw.clear();
            return;
        }
        let s = chunk.as_str();
        if !chunk.last_in_text_node() {
            self.raw.push_str(s);
            return;
        }
        let owned;
        let raw: &str = if self.raw.is_empty() {
            s
        } else {
            self.raw.push_str(s);
            owned = std::mem::take(&mut self.raw);
            &owned
        };
        let text: Cow<'_, str> = if matches!(chunk.text_type(), TextType::Data | TextType::RCData) && raw.contains('&')
        {
            htmlize::unescape(raw)
        } else {
            Cow::Borrowed(raw)
        };
        if self.title_open {
            if let Some(t) = self.out.title.as_mut() {
                t.push_str(&text);
            }
            return;
        }
        let mut joined = std::mem::take(&mut self.scratch);
        joined.clear();
        for w in words(&text) {
            if self.hashed_any || !joined.is_empty() {
                joined.push(' ');
            }
            joined.push_str(w);
        }
        if !joined.is_empty() {
            self.hasher.update(joined.as_bytes());
            self.hashed_any = true;
        }
        self.scratch = joined;
        if let Some(i) = self.h1_open
            && let Some(h) = self.out.h1.get_mut(i)
        {
            push_words_capped(h, &text);
        }
        if let Some(i) = self.anchor_open
            && let Some(l) = self.out.links.get_mut(i)
        {
            push_words_capped(&mut l.anchor, &text);
        }
    }

    fn on_meta(&mut self, el: &Element<'_, '_>) {
        if let Some(cs) = el.get_attribute("charset") {
            self.meta_charset = self.meta_charset.or_else(|| Encoding::for_label(cs.trim().as_bytes()));
        }
        let content = el.get_attribute("content").map(|c| decode_attr(&c));
        if let Some(eq) = el.get_attribute("http-equiv")
            && eq.eq_ignore_ascii_case("content-type")
            && let Some(c) = content.as_deref()
        {
            self.meta_charset = self.meta_charset.or_else(|| charset_from_content_type(c));
        }
        let Some(content) = content else { return };
        let key = el
            .get_attribute("name")
            .or_else(|| el.get_attribute("property"))
            .map(|n| n.trim().to_ascii_lowercase());
        let Some(key) = key else { return };
        let value = || Some(collapse(&content));
        match key.as_str() {
            "description" if self.out.meta_description.is_none() => self.out.meta_description = value(),
            "og:title" if self.out.og_title.is_none() => self.out.og_title = value(),
            "og:description" if self.out.og_description.is_none() => self.out.og_description = value(),
            k if self.robots_names.iter().any(|n| n == k) => self.robots.push(collapse(&content)),
            _ => {}
        }
    }

    fn on_link(&mut self, el: &Element<'_, '_>) {
        let (Some(rel), Some(href)) = (el.get_attribute("rel"), el.get_attribute("href")) else {
            return;
        };
        let href = decode_attr(&href);
        let mut canonical = false;
        let mut alternate = false;
        for t in rel.split_ascii_whitespace() {
            canonical |= t.eq_ignore_ascii_case("canonical");
            alternate |= t.eq_ignore_ascii_case("alternate");
        }
        if canonical {
            self.out.canonical_count += 1;
            if self.out.canonical.is_none() {
                self.out.canonical = Some(self.resolve(&href));
            }
        }
        if alternate && let Some(lang) = el.get_attribute("hreflang") {
            let lang = decode_attr(&lang).trim().to_ascii_lowercase();
            if !lang.is_empty() {
                let href = self.resolve(&href);
                self.out.hreflang.entry(lang).or_insert(href);
            }
        }
    }

    fn on_anchor(&mut self, el: &Element<'_, '_>) -> bool {
        let Some(target) = self.target.as_deref() else {
            return false;
        };
        let Some(href) = el.get_attribute("href") else {
            return false;
        };
        let base = self.base.as_ref().or(self.page.as_ref());
        let Some(url) = base.and_then(|b| resolve_http_url(b, &decode_attr(&href))) else {
            return false;
        };
        if self.link_match.key(&url) != target {
            return false;
        }
        let rel_raw = el.get_attribute("rel").map(|r| decode_attr(&r));
        self.out.links.push(FoundLink {
            href: url.to_string(),
            anchor: String::new(),
            rel: rel_raw.as_deref().map(LinkRel::parse).unwrap_or_default(),
            rel_raw,
        });
        self.anchor_open = Some(self.out.links.len() - 1);
        true
    }
}

/// Collapses runs of whitespace to one space and trims.
pub fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_words(&mut out, s);
    out
}

/// The state shared by the handlers. A mutex (uncontended, one lock per event) rather than a
/// `RefCell` so that the extractor is `Send` and can be held across `.await` in a tokio task.
type Shared = Arc<Mutex<State>>;

fn lock(shared: &Shared) -> MutexGuard<'_, State> {
    shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn build_rewriter(state: &Shared, encoding: AsciiCompatibleEncoding, adjust: bool) -> SendRewriter<'static, Discard> {
    let (s1, s2, s3, s4, s5, s6, s7, s8, s9) = (
        state.clone(),
        state.clone(),
        state.clone(),
        state.clone(),
        state.clone(),
        state.clone(),
        state.clone(),
        state.clone(),
        state.clone(),
    );
    let with_links = lock(state).target.is_some();
    let mut settings = SendSettings::new_send()
        .with_encoding(encoding)
        .with_adjust_charset_on_meta_tag(adjust)
        .append_document_content_handler(doc_text!(move |t| {
            lock(&s1).on_text(t);
            Ok(())
        }))
        .append_element_content_handler(element!("script, style, noscript, template", move |el| {
            if el.can_have_content() {
                lock(&s2).hidden_depth += 1;
                let s = s2.clone();
                let _ = el.on_end_tag(lol_html::end_tag!(move |_| {
                    let mut st = lock(&s);
                    st.hidden_depth = st.hidden_depth.saturating_sub(1);
                    Ok(())
                }));
            }
            Ok(())
        }))
        .append_element_content_handler(element!("title", move |el| {
            let mut st = lock(&s3);
            if st.out.title.is_none() && st.hidden_depth == 0 && el.can_have_content() {
                st.out.title = Some(String::new());
                st.title_open = true;
                let s = s3.clone();
                let _ = el.on_end_tag(lol_html::end_tag!(move |_| {
                    lock(&s).title_open = false;
                    Ok(())
                }));
            }
            Ok(())
        }))
        .append_element_content_handler(element!("meta", move |el| {
            lock(&s4).on_meta(el);
            Ok(())
        }))
        .append_element_content_handler(element!("link[rel][href]", move |el| {
            lock(&s5).on_link(el);
            Ok(())
        }))
        .append_element_content_handler(element!("base[href]", move |el| {
            let mut st = lock(&s6);
            if st.base.is_none()
                && let Some(href) = el.get_attribute("href")
                && let Some(page) = st.page.as_ref()
            {
                st.base = page.join(decode_attr(&href).trim()).ok();
            }
            Ok(())
        }))
        .append_element_content_handler(element!("h1, h2, h3, h4, h5, h6", move |el| {
            let mut st = lock(&s7);
            // A heading start closes an open heading, as browsers do: a missing `</h1>` does not
            // swallow the rest of the page.
            st.h1_open = None;
            if el.tag_name() == "h1" && el.can_have_content() {
                st.out.h1.push(String::new());
                st.h1_open = Some(st.out.h1.len() - 1);
                let s = s7.clone();
                let _ = el.on_end_tag(lol_html::end_tag!(move |_| {
                    lock(&s).h1_open = None;
                    Ok(())
                }));
            }
            Ok(())
        }));
    if with_links {
        settings = settings
            .append_element_content_handler(element!("a", move |el| {
                // A new `<a>` closes an unclosed one, as browsers do.
                lock(&s8).anchor_open = None;
                let opened = lock(&s8).on_anchor(el);
                if opened && el.can_have_content() {
                    let s = s8.clone();
                    let _ = el.on_end_tag(lol_html::end_tag!(move |_| {
                        lock(&s).anchor_open = None;
                        Ok(())
                    }));
                }
                Ok(())
            }))
            .append_element_content_handler(element!("a img[alt]", move |el| {
                let mut st = lock(&s9);
                if let (Some(i), Some(alt)) = (st.anchor_open, el.get_attribute("alt"))
                    && let Some(l) = st.out.links.get_mut(i)
                {
                    push_words_capped(&mut l.anchor, &decode_attr(&alt));
                }
                Ok(())
            }));
    }
    SendRewriter::new(settings, Discard)
}

enum Stage {
    /// Waiting for the first bytes to look for a byte-order mark.
    Sniffing(Vec<u8>),
    Parsing {
        rewriter: Box<SendRewriter<'static, Discard>>,
        /// Set for encodings lol_html cannot parse directly (UTF-16): transcoded to UTF-8 first.
        transcoder: Option<encoding_rs::Decoder>,
    },
    Done,
}

/// A streaming extractor for one HTML response.
pub struct HtmlExtractor {
    state: Shared,
    stage: Stage,
    header_encoding: Option<&'static Encoding>,
    max: usize,
    read: usize,
    truncated: bool,
    encoding: &'static Encoding,
}

impl HtmlExtractor {
    /// Starts an extraction. `content_type` is the response's `Content-Type` header; `page_url`
    /// is the URL the body came from (the final URL after redirects), used to resolve links.
    pub fn new(content_type: Option<&str>, page_url: &Url, options: &ExtractOptions) -> HtmlExtractor {
        let state = State {
            page: Some(page_url.clone()),
            target: options
                .link_target
                .clone()
                .map(|t| options.link_match.key(&normalize(t))),
            link_match: options.link_match,
            robots_names: options
                .robots_meta_names
                .iter()
                .map(|n| n.to_ascii_lowercase())
                .collect(),
            ..State::default()
        };
        let header_encoding = content_type.and_then(charset_from_content_type);
        HtmlExtractor {
            state: Arc::new(Mutex::new(state)),
            stage: Stage::Sniffing(Vec::new()),
            header_encoding,
            max: options.max_body_bytes,
            read: 0,
            truncated: false,
            encoding: encoding_rs::UTF_8,
        }
    }

    fn start(&mut self, head: &[u8]) -> Result<(), ExtractError> {
        let (bom, bom_len) = match Encoding::for_bom(head) {
            Some((e, l)) => (Some(e), l),
            None => (None, 0),
        };
        let chosen = bom.or(self.header_encoding);
        let encoding = chosen.unwrap_or(encoding_rs::UTF_8);
        self.encoding = encoding;
        let (rewriter, transcoder) = match AsciiCompatibleEncoding::new(encoding) {
            Some(ascii) => (Box::new(build_rewriter(&self.state, ascii, chosen.is_none())), None),
            None => (
                Box::new(build_rewriter(&self.state, AsciiCompatibleEncoding::utf_8(), false)),
                Some(encoding.new_decoder_without_bom_handling()),
            ),
        };
        self.stage = Stage::Parsing { rewriter, transcoder };
        self.feed(&head[bom_len..], false)
    }

    fn feed(&mut self, data: &[u8], last: bool) -> Result<(), ExtractError> {
        let Stage::Parsing { rewriter, transcoder } = &mut self.stage else {
            return Ok(());
        };
        let err = |e: lol_html::errors::RewritingError| ExtractError::Parse(e.to_string());
        match transcoder {
            None => rewriter.write(data).map_err(err),
            Some(dec) => {
                let mut out = String::with_capacity(data.len() + 16);
                let mut input = data;
                loop {
                    if out.capacity() - out.len() < 64 {
                        out.reserve(input.len() * 2 + 64);
                    }
                    let (res, used, _) = dec.decode_to_string(input, &mut out, last);
                    input = &input[used..];
                    if matches!(res, encoding_rs::CoderResult::InputEmpty) {
                        break;
                    }
                }
                rewriter.write(out.as_bytes()).map_err(err)
            }
        }
    }

    /// Feeds the next chunk of the body. Bytes past the cap are dropped.
    pub fn write(&mut self, chunk: &[u8]) -> Result<(), ExtractError> {
        let room = self.max.saturating_sub(self.read);
        if chunk.len() > room {
            self.truncated = true;
        }
        let chunk = &chunk[..chunk.len().min(room)];
        if chunk.is_empty() {
            return Ok(());
        }
        self.read += chunk.len();
        match &mut self.stage {
            Stage::Sniffing(head) => {
                head.extend_from_slice(chunk);
                if head.len() >= 3 {
                    let head = std::mem::take(head);
                    self.start(&head)?;
                }
                Ok(())
            }
            Stage::Parsing { .. } => self.feed(chunk, false),
            Stage::Done => Ok(()),
        }
    }

    /// Ends the body and returns what was found.
    pub fn finish(mut self) -> Result<PageElements, ExtractError> {
        if let Stage::Sniffing(head) = &mut self.stage {
            let head = std::mem::take(head);
            self.start(&head)?;
        }
        if let Stage::Parsing {
            transcoder: Some(_), ..
        } = &self.stage
        {
            self.feed(&[], true)?;
        }
        if let Stage::Parsing { rewriter, .. } = std::mem::replace(&mut self.stage, Stage::Done) {
            rewriter.end().map_err(|e| ExtractError::Parse(e.to_string()))?;
        }
        let mut guard = lock(&self.state);
        let st = &mut *guard;
        let mut out = std::mem::take(&mut st.out);
        out.title = out.title.map(|t| collapse(&t));
        out.h1.retain(|h| !h.is_empty());
        if !st.robots.is_empty() {
            out.meta_robots = Some(st.robots.join(", "));
        }
        out.text_hash = hex::encode(std::mem::take(&mut st.hasher).finalize());
        out.bytes_read = self.read;
        out.truncated = self.truncated;
        let used = if self.header_encoding.is_some() || self.encoding != encoding_rs::UTF_8 {
            self.encoding
        } else {
            st.meta_charset.unwrap_or(self.encoding)
        };
        out.encoding = used.name().to_string();
        Ok(out)
    }
}

/// Extracts from a whole body in memory.
pub fn extract_html(
    body: &[u8],
    content_type: Option<&str>,
    page_url: &Url,
    options: &ExtractOptions,
) -> Result<PageElements, ExtractError> {
    let mut x = HtmlExtractor::new(content_type, page_url, options);
    x.write(body)?;
    x.finish()
}

/// The encoding named by the `charset` parameter of a `Content-Type` value, if known.
pub fn charset_from_content_type(content_type: &str) -> Option<&'static Encoding> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        if !k.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        Encoding::for_label(v.trim().trim_matches(['"', '\'']).as_bytes())
    })
}

/// Whether a `Content-Type` is HTML (`text/html`, `application/xhtml+xml`); a missing one counts
/// as HTML, as browsers sniff.
pub fn is_html(content_type: Option<&str>) -> bool {
    content_type.is_none_or(|ct| {
        let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        mime == "text/html" || mime == "application/xhtml+xml" || mime.is_empty()
    })
}

// ---------------------------------------------------------------------------------------------
// Headers

/// Robots directives from one `X-Robots-Tag` item, possibly scoped to a user agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopedDirectives {
    /// The user agent named before the directives (lowercase), or `None` for all crawlers.
    pub user_agent: Option<String>,
    /// Directives, lowercase (`noindex`, `max-snippet:20`, `unavailable_after:…`).
    pub directives: Vec<String>,
}

const VALUED_DIRECTIVES: [&str; 4] = [
    "unavailable_after",
    "max-snippet",
    "max-image-preview",
    "max-video-preview",
];

/// Parses `X-Robots-Tag` header values (one per header line): `noindex, nofollow`,
/// `googlebot: noindex`, `otherbot: none`. A `name:` prefix that is not a directive with a value
/// names the user agent for the directives after it in that header.
pub fn parse_x_robots_tag<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<ScopedDirectives> {
    let mut out: Vec<ScopedDirectives> = Vec::new();
    for value in values {
        let mut agent: Option<String> = None;
        for item in value.split(',') {
            let mut item = item.trim();
            if let Some((head, rest)) = item.split_once(':') {
                let head_l = head.trim().to_ascii_lowercase();
                let is_token = !head_l.is_empty()
                    && head_l
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                if is_token && !VALUED_DIRECTIVES.contains(&head_l.as_str()) {
                    agent = Some(head_l);
                    item = rest.trim();
                }
            }
            if item.is_empty() {
                continue;
            }
            let directive = item.to_ascii_lowercase().replace(": ", ":");
            match out.last_mut() {
                Some(last) if last.user_agent == agent => last.directives.push(directive),
                _ => out.push(ScopedDirectives {
                    user_agent: agent.clone(),
                    directives: vec![directive],
                }),
            }
        }
    }
    out
}

/// The directives that apply to any of `agents` (lowercase names): unscoped ones and those scoped
/// to one of them.
pub fn directives_for<'a>(scoped: &'a [ScopedDirectives], agents: &[&str]) -> Vec<&'a str> {
    scoped
        .iter()
        .filter(|s| {
            s.user_agent
                .as_deref()
                .is_none_or(|ua| agents.iter().any(|a| a.eq_ignore_ascii_case(ua)))
        })
        .flat_map(|s| s.directives.iter().map(String::as_str))
        .collect()
}

/// Whether robots directives (meta content or header directives) forbid indexing: `noindex` or
/// `none`.
pub fn has_noindex<'a>(directives: impl IntoIterator<Item = &'a str>) -> bool {
    directives.into_iter().any(|d| {
        d.split(',')
            .any(|t| matches!(t.trim().to_ascii_lowercase().as_str(), "noindex" | "none"))
    })
}

/// Whether robots directives forbid following links: `nofollow` or `none`.
pub fn has_nofollow<'a>(directives: impl IntoIterator<Item = &'a str>) -> bool {
    directives.into_iter().any(|d| {
        d.split(',')
            .any(|t| matches!(t.trim().to_ascii_lowercase().as_str(), "nofollow" | "none"))
    })
}

/// One link of a `Link` header: target and `rel` values (lowercase).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderLink {
    pub target: String,
    pub rels: Vec<String>,
}

/// Parses `Link` header values (RFC 8288): `<https://x/>; rel="canonical", <…>; rel=alternate`.
pub fn parse_link_header<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<HeaderLink> {
    let mut out = Vec::new();
    for value in values {
        let mut rest = value;
        while let Some(start) = rest.find('<') {
            let Some(end) = rest[start..].find('>') else { break };
            let target = rest[start + 1..start + end].trim().to_string();
            rest = &rest[start + end + 1..];
            // Parameters run to the next comma outside quotes.
            let mut in_quotes = false;
            let mut stop = rest.len();
            for (i, c) in rest.char_indices() {
                match c {
                    '"' => in_quotes = !in_quotes,
                    ',' if !in_quotes => {
                        stop = i;
                        break;
                    }
                    _ => {}
                }
            }
            let params = &rest[..stop];
            rest = &rest[stop..];
            let mut rels = Vec::new();
            for p in params.split(';') {
                if let Some((k, v)) = p.split_once('=')
                    && k.trim().eq_ignore_ascii_case("rel")
                {
                    rels.extend(
                        v.trim()
                            .trim_matches('"')
                            .split_ascii_whitespace()
                            .map(|r| r.to_ascii_lowercase()),
                    );
                }
            }
            out.push(HeaderLink { target, rels });
        }
    }
    out
}

/// The canonical URL a `Link` header declares, resolved against the page URL.
pub fn canonical_from_link_headers<'a>(values: impl IntoIterator<Item = &'a str>, page_url: &Url) -> Option<String> {
    parse_link_header(values)
        .into_iter()
        .find(|l| l.rels.iter().any(|r| r == "canonical"))
        .map(|l| resolve_http_url(page_url, &l.target).map_or(l.target, |u| u.to_string()))
}

// ---------------------------------------------------------------------------------------------
// Indexability

/// Why a page is not indexable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", content = "detail", rename_all = "snake_case")]
pub enum NotIndexable {
    /// robots.txt disallows the URL.
    RobotsTxt,
    /// `<meta name=robots content=noindex>` (or `none`).
    MetaNoindex,
    /// `X-Robots-Tag: noindex` (or `none`).
    HeaderNoindex,
    /// The status is not 2xx (redirects included).
    Status(u16),
    /// The canonical (tag or header) names another URL.
    CanonicalElsewhere(String),
}

impl NotIndexable {
    pub fn code(&self) -> &'static str {
        match self {
            NotIndexable::RobotsTxt => "robots_txt",
            NotIndexable::MetaNoindex => "meta_noindex",
            NotIndexable::HeaderNoindex => "header_noindex",
            NotIndexable::Status(_) => "status",
            NotIndexable::CanonicalElsewhere(_) => "canonical_elsewhere",
        }
    }
}

/// Whether a page can be indexed, and every reason why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indexability {
    pub indexable: bool,
    pub reasons: Vec<NotIndexable>,
}

/// What indexability is decided from.
#[derive(Debug, Clone, Copy)]
pub struct IndexabilityInput<'a> {
    /// The URL checked (the final URL when redirects were followed).
    pub url: &'a Url,
    pub status: u16,
    /// Whether robots.txt allows the URL for the search engine's token; `None` if not checked.
    pub robots_txt_allowed: Option<bool>,
    /// [`PageElements::meta_robots`].
    pub meta_robots: Option<&'a str>,
    /// The X-Robots-Tag directives that apply (see [`directives_for`]).
    pub x_robots: &'a [&'a str],
    /// The canonical of the tag, else of the `Link` header.
    pub canonical: Option<&'a str>,
}

/// Combines robots.txt, meta robots, X-Robots-Tag, status and canonical.
pub fn indexability(input: IndexabilityInput<'_>) -> Indexability {
    let mut reasons = Vec::new();
    if input.robots_txt_allowed == Some(false) {
        reasons.push(NotIndexable::RobotsTxt);
    }
    if !(200..300).contains(&input.status) {
        reasons.push(NotIndexable::Status(input.status));
    }
    if input.meta_robots.is_some_and(|m| has_noindex([m])) {
        reasons.push(NotIndexable::MetaNoindex);
    }
    if has_noindex(input.x_robots.iter().copied()) {
        reasons.push(NotIndexable::HeaderNoindex);
    }
    if let Some(c) = input.canonical {
        let same = match Url::parse(c) {
            Ok(cu) => normalize(cu).as_str() == normalize(input.url.clone()).as_str(),
            Err(_) => true, // an unparsable canonical is ignored, as search engines do
        };
        if !same {
            reasons.push(NotIndexable::CanonicalElsewhere(c.to_string()));
        }
    }
    Indexability {
        indexable: reasons.is_empty(),
        reasons,
    }
}

// ---------------------------------------------------------------------------------------------
// LINK tool

/// The state of a watched backlink after one check (OSX-LINK).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum BacklinkState {
    /// The link is there. `follow` is false when every link to the target has nofollow,
    /// sponsored or ugc, or the page itself says nofollow.
    Present { follow: bool },
    /// The page answered 2xx and has no link to the target.
    Missing,
    /// The third-party robots.txt forbids fetching the page: not a lost link.
    BlockedByRobots,
    /// The page answered with a non-2xx status.
    HttpError { status: u16 },
    /// No answer within the deadline (OSX-TIMEOUT-10S) or no connection.
    Unanswered,
}

/// The result of a LINK check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BacklinkCheck {
    pub state: BacklinkState,
    /// The links to the target (anchor, rel).
    pub links: Vec<FoundLink>,
    /// Whether the page carrying the link is indexable (absent when it was not fetched).
    pub page_indexability: Option<Indexability>,
}

/// What the app layer observed for a LINK check.
#[derive(Debug, Clone, Copy)]
pub enum BacklinkFetch<'a> {
    /// robots.txt disallows the page for our product token: it was not fetched.
    Blocked,
    /// No answer in time.
    Unanswered,
    /// A response: its status, extracted page (for 2xx HTML) and applying X-Robots-Tag
    /// directives, and the header canonical.
    Answered {
        url: &'a Url,
        status: u16,
        page: Option<&'a PageElements>,
        x_robots: &'a [&'a str],
        header_canonical: Option<&'a str>,
    },
}

/// Decides a LINK check (OSX-LINK). The page was extracted with
/// [`ExtractOptions::link_target`] set to the client's URL.
pub fn check_backlink(fetch: BacklinkFetch<'_>) -> BacklinkCheck {
    match fetch {
        BacklinkFetch::Blocked => BacklinkCheck {
            state: BacklinkState::BlockedByRobots,
            links: Vec::new(),
            page_indexability: None,
        },
        BacklinkFetch::Unanswered => BacklinkCheck {
            state: BacklinkState::Unanswered,
            links: Vec::new(),
            page_indexability: None,
        },
        BacklinkFetch::Answered {
            url,
            status,
            page,
            x_robots,
            header_canonical,
        } => {
            let idx = indexability(IndexabilityInput {
                url,
                status,
                robots_txt_allowed: Some(true),
                meta_robots: page.and_then(|p| p.meta_robots.as_deref()),
                x_robots,
                canonical: page.and_then(|p| p.canonical.as_deref()).or(header_canonical),
            });
            let links = page.map(|p| p.links.clone()).unwrap_or_default();
            let state = if !(200..300).contains(&status) {
                BacklinkState::HttpError { status }
            } else if links.is_empty() {
                BacklinkState::Missing
            } else {
                let page_nofollow = page
                    .and_then(|p| p.meta_robots.as_deref())
                    .is_some_and(|m| has_nofollow([m]))
                    || has_nofollow(x_robots.iter().copied());
                BacklinkState::Present {
                    follow: !page_nofollow && links.iter().any(|l| l.rel.is_follow()),
                }
            };
            BacklinkCheck {
                state,
                links,
                page_indexability: Some(idx),
            }
        }
    }
}
