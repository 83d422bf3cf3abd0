//! The extractor as it was built on lol_html (Cloudflare's streaming HTML rewriter), kept as the
//! oracle of the differential tests: the crate's own tokenizer must find the same SEO elements,
//! links and visible-text hash on every page both accept. Only the parsing differs; the
//! extracted values are the crate's own types.

use std::borrow::Cow;
use std::sync::{Arc, Mutex, MutexGuard};

use encoding_rs::Encoding;
use lol_html::html_content::{TextChunk, TextType};
use lol_html::send::{Element, HtmlRewriter as SendRewriter, Settings as SendSettings};
use lol_html::{AsciiCompatibleEncoding, OutputSink, doc_text, element};
use monitor::Url;
use monitor::extract::{
    ExtractOptions, FoundLink, LinkMatch, LinkRel, PageElements, charset_from_content_type, collapse, words,
};
use monitor::urls::{normalize, resolve_http_url};
use sha2::{Digest, Sha256};

/// H1s and anchor texts longer than this are cut.
const MAX_ELEMENT_TEXT: usize = 2048;

fn decode_attr(v: &str) -> String {
    htmlize::unescape_attribute(v).into_owned()
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

/// Why lol_html gave up (its strict mode refuses a few ambiguous documents).
pub type ReferenceError = lol_html::errors::RewritingError;

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
pub struct ReferenceExtractor {
    state: Shared,
    stage: Stage,
    header_encoding: Option<&'static Encoding>,
    max: usize,
    read: usize,
    truncated: bool,
    encoding: &'static Encoding,
    /// The bytes read, to tell whether they were valid UTF-8.
    body: Vec<u8>,
}

impl ReferenceExtractor {
    /// Starts an extraction. `content_type` is the response's `Content-Type` header; `page_url`
    /// is the URL the body came from (the final URL after redirects), used to resolve links.
    pub fn new(content_type: Option<&str>, page_url: &Url, options: &ExtractOptions) -> ReferenceExtractor {
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
        ReferenceExtractor {
            state: Arc::new(Mutex::new(state)),
            stage: Stage::Sniffing(Vec::new()),
            header_encoding,
            max: options.max_body_bytes,
            read: 0,
            truncated: false,
            encoding: encoding_rs::UTF_8,
            body: Vec::new(),
        }
    }

    fn start(&mut self, head: &[u8]) -> Result<(), ReferenceError> {
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

    fn feed(&mut self, data: &[u8], last: bool) -> Result<(), ReferenceError> {
        let Stage::Parsing { rewriter, transcoder } = &mut self.stage else {
            return Ok(());
        };
        match transcoder {
            None => rewriter.write(data),
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
                rewriter.write(out.as_bytes())
            }
        }
    }

    /// Feeds the next chunk of the body. Bytes past the cap are dropped.
    pub fn write(&mut self, chunk: &[u8]) -> Result<(), ReferenceError> {
        let room = self.max.saturating_sub(self.read);
        if chunk.len() > room {
            self.truncated = true;
        }
        let chunk = &chunk[..chunk.len().min(room)];
        if chunk.is_empty() {
            return Ok(());
        }
        self.read += chunk.len();
        self.body.extend_from_slice(chunk);
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
    pub fn finish(mut self) -> Result<PageElements, ReferenceError> {
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
            rewriter.end()?;
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
        out.invalid_utf8 = used == encoding_rs::UTF_8 && std::str::from_utf8(&self.body).is_err();
        Ok(out)
    }
}

/// Extracts from a whole body in memory with lol_html.
pub fn reference_extract(
    body: &[u8],
    content_type: Option<&str>,
    page_url: &Url,
    options: &ExtractOptions,
) -> Result<PageElements, ReferenceError> {
    let mut x = ReferenceExtractor::new(content_type, page_url, options);
    x.write(body)?;
    x.finish()
}
