//! Streaming extraction of a page's SEO elements on the crate's own HTML tokenizer (module
//! `html`), the response headers that matter (X-Robots-Tag, `Link: rel=canonical`, charset),
//! indexability, and the LINK tool's backlink check (OSX-LINK).
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

use encoding_rs::Encoding;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use url::Url;

use crate::html::{Sink, StartTag, TextKind, Tokenizer};
use crate::urls::{normalize, resolve_http_url};
use crate::utf8::Utf8Check;

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
    /// Read as UTF-8, the body had invalid bytes (read as U+FFFD), or ended inside a character.
    #[serde(default)]
    pub invalid_utf8: bool,
}

/// The visible text's SHA-256 over its words joined by single spaces. Words are gathered in a
/// buffer and hashed by blocks: hashing each text node on its own costs more than the copy.
struct TextHash {
    hasher: Sha256,
    words: WordJoiner,
}

/// Bytes of words gathered before they are hashed.
const HASH_BLOCK: usize = 16 * 1024;

impl TextHash {
    fn new() -> TextHash {
        TextHash {
            hasher: Sha256::new(),
            words: WordJoiner::with_capacity(HASH_BLOCK + 256),
        }
    }

    fn push_text(&mut self, text: &[u8]) {
        self.words.push_node(text);
        if self.words.joined.len() >= HASH_BLOCK {
            self.hasher.update(&self.words.joined);
            self.words.joined.clear();
        }
    }

    fn finish(mut self) -> String {
        self.hasher.update(&self.words.joined);
        hex::encode(self.hasher.finalize())
    }
}

/// The words of successive text nodes joined by single spaces, as `split_whitespace` splits
/// them (a node boundary separates words too). The visible-text hash runs over every byte of a
/// page's text, and a loop that branches at every word's end mispredicts once per word; so eight
/// bytes are looked at together and copied whole when they are already in joined form: no byte
/// below 0x20, no byte that may start a Unicode space, no two spaces in a row, not ending with a
/// space (nor starting with one after a gap). Everything else goes byte by byte.
struct WordJoiner {
    joined: Vec<u8>,
    /// A word has been written: the next one needs a space before it.
    any: bool,
    /// Whitespace (or a node boundary) since the last word byte.
    gap: bool,
}

const ONES: u64 = 0x0101_0101_0101_0101;
const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// 0x80 in each byte of `x` that is zero, 0 elsewhere (exact: no carry crosses bytes).
fn zero_bytes(x: u64) -> u64 {
    !(((x & LOW7) + LOW7) | x | LOW7)
}

/// 0x80 in each byte of `x` equal to `b`.
fn bytes_equal(x: u64, b: u8) -> u64 {
    zero_bytes(x ^ (ONES * u64::from(b)))
}

/// 0x80 in each byte of `x` below 0x20.
fn bytes_below_space(x: u64) -> u64 {
    !((x & LOW7) + ONES * 0x60) & !x & HIGH
}

impl WordJoiner {
    fn with_capacity(capacity: usize) -> WordJoiner {
        WordJoiner {
            joined: Vec::with_capacity(capacity),
            any: false,
            gap: false,
        }
    }

    /// Adds a text node, valid UTF-8.
    fn push_node(&mut self, bytes: &[u8]) {
        self.gap = true;
        let mut i = 0;
        while i < bytes.len() {
            if let Some(block) = bytes.get(i..i + 8) {
                let x = u64::from_le_bytes(block.try_into().unwrap_or_default());
                let spaces = bytes_equal(x, b' ');
                // 0xC2 and 0xE0–0xE3 lead every Unicode space but the ASCII ones (0xE0 leads
                // none; it is caught with its neighbours for a cheaper test).
                let special = bytes_below_space(x) | bytes_equal(x, 0xC2) | bytes_equal(x & !(ONES * 3), 0xE0);
                let simple = special == 0
                    && spaces & (spaces << 8) == 0
                    && spaces >> 63 == 0
                    && !(self.gap && spaces & 0x80 != 0);
                if simple {
                    if self.gap && self.any {
                        self.joined.push(b' ');
                    }
                    // A copy of a known size: no call to `memcpy`.
                    self.joined.extend_from_slice(&x.to_le_bytes());
                    self.any = true;
                    self.gap = false;
                    i += 8;
                    continue;
                }
            }
            i += self.push_char(bytes, i);
        }
    }

    /// Handles the character at `i`; returns its length.
    fn push_char(&mut self, bytes: &[u8], i: usize) -> usize {
        let (len, space) = match bytes[i] {
            b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ' => (1, true),
            // The Unicode White_Space characters past ASCII, read off their bytes (the text is
            // valid UTF-8): U+0085 and U+00A0; U+1680; U+2000–U+200A, U+2028, U+2029, U+202F,
            // U+205F; U+3000.
            0xC2 => (2, matches!(bytes.get(i + 1), Some(0x85 | 0xA0))),
            lead @ 0xE1..=0xE3 => {
                let (b1, b2) = (bytes.get(i + 1).copied(), bytes.get(i + 2).copied());
                let space = match (lead, b1, b2) {
                    (0xE1, Some(0x9A), Some(0x80))
                    | (0xE2, Some(0x81), Some(0x9F))
                    | (0xE3, Some(0x80), Some(0x80)) => true,
                    (0xE2, Some(0x80), Some(b2)) => matches!(b2, 0x80..=0x8A | 0xA8 | 0xA9 | 0xAF),
                    _ => false,
                };
                (3, space)
            }
            _ => (1, false),
        };
        // Valid UTF-8 never ends inside a character; this only keeps a broken input from panicking.
        let len = len.min(bytes.len() - i);
        if space {
            self.gap = true;
        } else {
            if self.gap && self.any {
                self.joined.push(b' ');
            }
            self.joined.extend_from_slice(&bytes[i..i + len]);
            self.any = true;
            self.gap = false;
        }
        len
    }
}

/// What tags and text mean for the page's SEO elements: the tokenizer's sink.
struct Extraction {
    page: Url,
    base: Option<Url>,
    /// LINK tool: the target's comparison key.
    target: Option<String>,
    link_match: LinkMatch,
    robots_names: Vec<String>,
    out: PageElements,
    robots: Vec<String>,
    /// The encoding of the bytes the tokenizer hands over (UTF-8 for transcoded UTF-16).
    decode_as: &'static Encoding,
    /// Every byte handed over so far is valid UTF-8 (checked by chunk as the body arrives), so a
    /// text node, which starts and ends at ASCII bytes, needs no check of its own.
    valid_utf8: bool,
    /// A `<meta>` charset may still switch `decode_as`: neither a byte-order mark nor the
    /// `Content-Type` named one, and no earlier `<meta>` did (HTML sets the encoding once).
    may_switch: bool,
    /// The first `<meta>` charset, reported when nothing else named the encoding.
    meta_charset: Option<&'static Encoding>,
    /// Stack depths of the open `script`, `style`, `noscript` and `template` elements: text inside
    /// them is not visible.
    hidden: Vec<usize>,
    /// The depth of the open `<title>` whose text is the page's title.
    title_open: Option<usize>,
    /// The H1 being read: its index in `out.h1` and its depth.
    h1_open: Option<(usize, usize)>,
    /// The link to the target being read: its index in `out.links`, and its depth when it can
    /// have content.
    anchor_open: Option<(usize, Option<usize>)>,
    hash: TextHash,
}

fn is_heading(name: &[u8]) -> bool {
    matches!(name, b"h1" | b"h2" | b"h3" | b"h4" | b"h5" | b"h6")
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

impl Extraction {
    fn resolve(&self, href: &str) -> String {
        let base = self.base.as_ref().unwrap_or(&self.page);
        resolve_http_url(base, href).map_or_else(|| href.trim().to_string(), |u| u.to_string())
    }

    /// Bytes of the document as text, invalid sequences replaced.
    fn decode<'a>(&self, raw: &'a [u8]) -> Cow<'a, str> {
        if self.decode_as == encoding_rs::UTF_8 {
            match simdutf8::basic::from_utf8(raw) {
                Ok(s) => Cow::Borrowed(s),
                Err(_) => String::from_utf8_lossy(raw),
            }
        } else {
            self.decode_as.decode_without_bom_handling(raw).0
        }
    }

    /// A text node as valid UTF-8 bytes, invalid sequences replaced.
    fn decode_text<'a>(&self, raw: &'a [u8]) -> Cow<'a, [u8]> {
        if self.decode_as != encoding_rs::UTF_8 {
            return match self.decode_as.decode_without_bom_handling(raw).0 {
                Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
                Cow::Owned(s) => Cow::Owned(s.into_bytes()),
            };
        }
        if self.valid_utf8 {
            return Cow::Borrowed(raw);
        }
        match String::from_utf8_lossy(raw) {
            Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
            Cow::Owned(s) => Cow::Owned(s.into_bytes()),
        }
    }

    /// An attribute's value as text, entities not decoded.
    fn attr<'a>(&self, tag: &StartTag<'a>, name: &str) -> Option<Cow<'a, str>> {
        tag.attr(name).map(|raw| self.decode(raw))
    }

    fn on_meta(&mut self, tag: &StartTag<'_>) {
        let charset = self.attr(tag, "charset");
        if let Some(cs) = charset.as_deref() {
            self.meta_charset = self.meta_charset.or_else(|| Encoding::for_label(cs.trim().as_bytes()));
        }
        let content = self.attr(tag, "content").map(|c| decode_attr(&c));
        let http_equiv_type = self
            .attr(tag, "http-equiv")
            .is_some_and(|eq| eq.eq_ignore_ascii_case("content-type"));
        let declared_type = content.as_deref().filter(|_| http_equiv_type);
        if let Some(c) = declared_type {
            self.meta_charset = self.meta_charset.or_else(|| charset_from_content_type(c));
        }
        if self.may_switch {
            let switch = charset
                .as_deref()
                .and_then(|cs| Encoding::for_label_no_replacement(cs.as_bytes()))
                .or_else(|| declared_type.and_then(charset_from_content_type))
                .filter(|e| e.is_ascii_compatible());
            if let Some(e) = switch {
                self.decode_as = e;
                self.may_switch = false;
            }
        }
        let Some(content) = content else { return };
        let key = self
            .attr(tag, "name")
            .or_else(|| self.attr(tag, "property"))
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

    fn on_link(&mut self, tag: &StartTag<'_>) {
        let (Some(rel), Some(href)) = (self.attr(tag, "rel"), self.attr(tag, "href")) else {
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
        if alternate && let Some(lang) = self.attr(tag, "hreflang") {
            let lang = decode_attr(&lang).trim().to_ascii_lowercase();
            if !lang.is_empty() {
                let href = self.resolve(&href);
                self.out.hreflang.entry(lang).or_insert(href);
            }
        }
    }

    /// A link to the target opens; `false` when the `<a>` is not one.
    fn on_anchor(&mut self, tag: &StartTag<'_>) -> bool {
        let Some(target) = self.target.as_deref() else {
            return false;
        };
        let Some(href) = self.attr(tag, "href") else {
            return false;
        };
        let base = self.base.as_ref().unwrap_or(&self.page);
        let Some(url) = resolve_http_url(base, &decode_attr(&href)) else {
            return false;
        };
        if self.link_match.key(&url) != target {
            return false;
        }
        let rel_raw = self.attr(tag, "rel").map(|r| decode_attr(&r));
        self.out.links.push(FoundLink {
            href: url.to_string(),
            anchor: String::new(),
            rel: rel_raw.as_deref().map(LinkRel::parse).unwrap_or_default(),
            rel_raw,
        });
        self.anchor_open = Some((self.out.links.len() - 1, tag.depth));
        true
    }
}

impl Sink for Extraction {
    fn text(&mut self, raw: &[u8], kind: TextKind) {
        if self.title_open.is_none() && !self.hidden.is_empty() {
            // Script, style and the like: neither decoded nor kept.
            return;
        }
        let decoded = self.decode_text(raw);
        // Valid UTF-8: the decoded text with its character references expanded. Kept as bytes,
        // which is all the text hash needs: making a `str` of it would check it again.
        let text: Cow<'_, [u8]> =
            if matches!(kind, TextKind::Data | TextKind::RcData) && memchr::memchr(b'&', &decoded).is_some() {
                htmlize::unescape_bytes_in(&*decoded, htmlize::Context::General)
            } else {
                Cow::Borrowed(&decoded)
            };
        if self.title_open.is_some() {
            if let Some(t) = self.out.title.as_mut() {
                t.push_str(&String::from_utf8_lossy(&text));
            }
            return;
        }
        self.hash.push_text(&text);
        if self.h1_open.is_none() && self.anchor_open.is_none() {
            return;
        }
        let text = String::from_utf8_lossy(&text);
        if let Some((i, _)) = self.h1_open
            && let Some(h) = self.out.h1.get_mut(i)
        {
            push_words_capped(h, &text);
        }
        if let Some((i, _)) = self.anchor_open
            && let Some(l) = self.out.links.get_mut(i)
        {
            push_words_capped(&mut l.anchor, &text);
        }
    }

    fn start_tag(&mut self, tag: &StartTag<'_>) {
        match tag.name {
            b"script" | b"style" | b"noscript" | b"template" => {
                if let Some(depth) = tag.depth {
                    self.hidden.push(depth);
                }
            }
            b"title" if self.out.title.is_none() && self.hidden.is_empty() && tag.depth.is_some() => {
                self.out.title = Some(String::new());
                self.title_open = tag.depth;
            }
            b"meta" => self.on_meta(tag),
            b"link" => self.on_link(tag),
            b"base" => {
                if self.base.is_none()
                    && let Some(href) = self.attr(tag, "href")
                {
                    self.base = self.page.join(decode_attr(&href).trim()).ok();
                }
            }
            name if is_heading(name) => {
                // A heading start closes an open heading, as browsers do: a missing `</h1>` does
                // not swallow the rest of the page.
                self.h1_open = None;
                if name == b"h1"
                    && let Some(depth) = tag.depth
                {
                    self.out.h1.push(String::new());
                    self.h1_open = Some((self.out.h1.len() - 1, depth));
                }
            }
            b"a" if self.target.is_some() => {
                // A new `<a>` closes an unclosed one, as browsers do.
                self.anchor_open = None;
                self.on_anchor(tag);
            }
            b"img" => {
                if let Some((i, Some(_))) = self.anchor_open
                    && let Some(alt) = self.attr(tag, "alt")
                    && let Some(l) = self.out.links.get_mut(i)
                {
                    push_words_capped(&mut l.anchor, &decode_attr(&alt));
                }
            }
            _ => {}
        }
    }

    fn end_tag(&mut self, closed_from: Option<usize>) {
        let Some(from) = closed_from else { return };
        let open = self.hidden.partition_point(|&d| d < from);
        self.hidden.truncate(open);
        if self.title_open.is_some_and(|d| d >= from) {
            self.title_open = None;
        }
        if self.h1_open.is_some_and(|(_, d)| d >= from) {
            self.h1_open = None;
        }
        if let Some((_, Some(d))) = self.anchor_open
            && d >= from
        {
            self.anchor_open = None;
        }
    }
}
/// Collapses runs of whitespace to one space and trims.
pub fn collapse(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_words(&mut out, s);
    out
}

enum Stage {
    /// Waiting for the first bytes to look for a byte-order mark.
    Sniffing(Vec<u8>),
    Parsing {
        /// Set for encodings that are not ASCII-compatible (UTF-16): transcoded to UTF-8 first.
        transcoder: Option<encoding_rs::Decoder>,
    },
}

/// A streaming extractor for one HTML response. It never fails: whatever the bytes, it reads
/// what a browser's tokenizer would.
pub struct HtmlExtractor {
    tokenizer: Tokenizer,
    extraction: Extraction,
    stage: Stage,
    header_encoding: Option<&'static Encoding>,
    max: usize,
    read: usize,
    truncated: bool,
    encoding: &'static Encoding,
    utf8: Utf8Check,
}

impl HtmlExtractor {
    /// Starts an extraction. `content_type` is the response's `Content-Type` header; `page_url`
    /// is the URL the body came from (the final URL after redirects), used to resolve links.
    pub fn new(content_type: Option<&str>, page_url: &Url, options: &ExtractOptions) -> HtmlExtractor {
        let extraction = Extraction {
            page: page_url.clone(),
            base: None,
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
            out: PageElements::default(),
            robots: Vec::new(),
            decode_as: encoding_rs::UTF_8,
            valid_utf8: false,
            may_switch: false,
            meta_charset: None,
            hidden: Vec::new(),
            title_open: None,
            h1_open: None,
            anchor_open: None,
            hash: TextHash::new(),
        };
        HtmlExtractor {
            tokenizer: Tokenizer::new(),
            extraction,
            stage: Stage::Sniffing(Vec::new()),
            header_encoding: content_type.and_then(charset_from_content_type),
            max: options.max_body_bytes,
            read: 0,
            truncated: false,
            encoding: encoding_rs::UTF_8,
            utf8: Utf8Check::default(),
        }
    }

    fn start(&mut self, head: &[u8]) {
        let (bom, bom_len) = match Encoding::for_bom(head) {
            Some((e, l)) => (Some(e), l),
            None => (None, 0),
        };
        let chosen = bom.or(self.header_encoding);
        let encoding = chosen.unwrap_or(encoding_rs::UTF_8);
        self.encoding = encoding;
        let transcoder = if encoding.is_ascii_compatible() {
            self.extraction.decode_as = encoding;
            self.extraction.may_switch = chosen.is_none();
            None
        } else {
            Some(encoding.new_decoder_without_bom_handling())
        };
        self.stage = Stage::Parsing { transcoder };
        self.feed(&head[bom_len..], false);
    }

    fn feed(&mut self, data: &[u8], last: bool) {
        let Stage::Parsing { transcoder } = &mut self.stage else {
            return;
        };
        match transcoder {
            None => {
                self.utf8.feed(data);
                self.extraction.valid_utf8 = !self.utf8.invalid();
                self.tokenizer.write(data, &mut self.extraction);
            }
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
                // The decoder's output is valid UTF-8 whatever its input.
                self.extraction.valid_utf8 = true;
                self.tokenizer.write(out.as_bytes(), &mut self.extraction);
            }
        }
    }

    /// Feeds the next chunk of the body. Bytes past the cap are dropped.
    pub fn write(&mut self, chunk: &[u8]) {
        let room = self.max.saturating_sub(self.read);
        if chunk.len() > room {
            self.truncated = true;
        }
        let chunk = &chunk[..chunk.len().min(room)];
        if chunk.is_empty() {
            return;
        }
        self.read += chunk.len();
        match &mut self.stage {
            Stage::Sniffing(head) => {
                head.extend_from_slice(chunk);
                if head.len() >= 3 {
                    let head = std::mem::take(head);
                    self.start(&head);
                }
            }
            Stage::Parsing { .. } => self.feed(chunk, false),
        }
    }

    /// Ends the body and returns what was found.
    pub fn finish(mut self) -> PageElements {
        if let Stage::Sniffing(head) = &mut self.stage {
            let head = std::mem::take(head);
            self.start(&head);
        }
        let transcoded = matches!(self.stage, Stage::Parsing { transcoder: Some(_) });
        // Bytes handed over untranscoded that were not UTF-8, or a body ending inside a
        // character (the last text node holds it).
        let invalid_utf8 = !transcoded && self.utf8.finish();
        if transcoded {
            self.feed(&[], true);
        } else if invalid_utf8 {
            self.extraction.valid_utf8 = false;
        }
        self.tokenizer.end(&mut self.extraction);
        let x = self.extraction;
        let mut out = x.out;
        out.title = out.title.map(|t| collapse(&t));
        out.h1.retain(|h| !h.is_empty());
        if !x.robots.is_empty() {
            out.meta_robots = Some(x.robots.join(", "));
        }
        out.text_hash = x.hash.finish();
        out.bytes_read = self.read;
        out.truncated = self.truncated;
        let used = if self.header_encoding.is_some() || self.encoding != encoding_rs::UTF_8 {
            self.encoding
        } else {
            x.meta_charset.unwrap_or(self.encoding)
        };
        out.encoding = used.name().to_string();
        out.invalid_utf8 = used == encoding_rs::UTF_8 && invalid_utf8;
        out
    }
}

/// Extracts from a whole body in memory.
pub fn extract_html(body: &[u8], content_type: Option<&str>, page_url: &Url, options: &ExtractOptions) -> PageElements {
    let mut x = HtmlExtractor::new(content_type, page_url, options);
    x.write(body);
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Text rich in what the joiner looks at: runs of spaces, every ASCII and Unicode
    /// White_Space character, characters that share a space's lead byte without being one.
    fn spaced_text() -> impl Strategy<Value = String> {
        let pieces = prop_oneof![
            "[a-zé]{1,12}",
            Just(" ".to_string()),
            Just("  ".to_string()),
            Just("\t\n\u{b}\u{c}\r".to_string()),
            Just("\u{85}\u{a0}\u{1680}\u{2000}\u{200a}\u{2028}\u{2029}\u{202f}\u{205f}\u{3000}".to_string()),
            Just("\u{a1}\u{1681}\u{2010}\u{200b}\u{2019}\u{3001}\u{e000}\u{1f600}\u{1}".to_string()),
            "\\PC{0,4}",
        ];
        proptest::collection::vec(pieces, 0..16).prop_map(|v| v.concat())
    }

    proptest! {
        /// The joined words of text nodes are `split_whitespace`'s, a node boundary separating
        /// words too: a difference would change every stored hash and report every page as
        /// changed.
        #[test]
        fn nodes_are_joined_as_split_whitespace_splits_them(nodes in proptest::collection::vec(spaced_text(), 0..5)) {
            let mut joiner = WordJoiner::with_capacity(0);
            for n in &nodes {
                joiner.push_node(n.as_bytes());
            }
            let expected: Vec<&str> = nodes.iter().flat_map(|n| n.split_whitespace()).collect();
            prop_assert_eq!(String::from_utf8_lossy(&joiner.joined), expected.join(" "));
        }
    }

    #[test]
    fn byte_masks_are_exact() {
        for b in 0..=255u8 {
            for other in [0u8, b' ', 0x7f, 0x80, 0xff, b.wrapping_add(1)] {
                let x = u64::from_le_bytes([other, b, other, b, b, other, other, b]);
                let mask = |hit: bool| if hit { 0x80u64 } else { 0 };
                let expect = |f: &dyn Fn(u8) -> bool| {
                    x.to_le_bytes()
                        .iter()
                        .enumerate()
                        .fold(0u64, |m, (k, &v)| m | (mask(f(v)) << (8 * k)))
                };
                assert_eq!(zero_bytes(x), expect(&|v| v == 0), "{b:#x} {other:#x}");
                assert_eq!(bytes_equal(x, 0xC2), expect(&|v| v == 0xC2));
                assert_eq!(bytes_below_space(x), expect(&|v| v < 0x20));
            }
        }
    }
}
