//! A streaming HTML tokenizer made for extraction: fed a body chunk by chunk as it arrives, it
//! hands over start tags with their attributes, end tags, and whole text nodes, and never fails.
//!
//! Where tags and text are follows the WHATWG tokenizer: tag and attribute syntax (quoted and
//! unquoted values, `=` and quotes where they do not belong, self-closing tags), comments and their
//! odd endings (`<!-->`, `--!>`), doctypes, bogus comments (`<?…>`, `</ …>`), CDATA sections in
//! SVG and MathML, the RCDATA, RAWTEXT, script-data and PLAINTEXT states with the end tag that
//! leaves them, and script data's escaped and double-escaped states. The tree builder is
//! simulated only where it feeds back into tokenizing, as lol_html does it: which start tag
//! switches the text state, and SVG and MathML content, where those switches do not apply. An
//! open-element stack says which elements an end tag closes: everything opened after the last
//! open element of its name, as lol_html's selector matching has it.
//!
//! What it leaves to the caller: decoding. Every byte that matters to markup is ASCII, so it
//! works on the bytes of any ASCII-compatible encoding and hands over raw bytes; the caller
//! decodes the text and attribute values it keeps, entities included.
//!
//! Why not lol_html, which the extraction used before: the visible-text hash needs every text node,
//! and lol_html's document text handler decodes and re-validates each text chunk, then serializes
//! every token for an output nobody reads; those made up most of a check's CPU. Here a text node
//! is a slice of the body (copied only when it spans two chunks) and markup is found with `memchr`.
//! lol_html stays as the oracle of the differential tests (`tests/it/differential.rs`).

use memchr::{memchr, memchr2, memmem};

/// Where a text node stood, which decides how it is read: entities are decoded in data and
/// RCDATA only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextKind {
    /// Ordinary text between tags.
    Data,
    /// The content of `<title>` and `<textarea>` (entities decoded, no tags).
    RcData,
    /// The content of `<style>`, `<iframe>`, `<xmp>`, `<noembed>`, `<noframes>`, `<noscript>`.
    RawText,
    /// The content of `<script>`.
    Script,
    /// Everything after `<plaintext>`.
    PlainText,
    /// A `<![CDATA[…]]>` section in SVG or MathML.
    CData,
}

/// What the tokenizer hands over.
pub(crate) trait Sink {
    /// One whole text node: the raw bytes between two pieces of markup, never empty.
    fn text(&mut self, raw: &[u8], kind: TextKind);
    /// A start tag.
    fn start_tag(&mut self, tag: &StartTag<'_>);
    /// An end tag that closed the open elements from stack depth `closed_from` up (`None`: no open
    /// element has its name, nothing closed).
    fn end_tag(&mut self, closed_from: Option<usize>);
}

/// An attribute's name and value as byte ranges of its tag.
#[derive(Debug, Clone, Copy, Default)]
struct AttrSpan {
    name_start: usize,
    name_end: usize,
    value_start: usize,
    value_end: usize,
}

/// A start tag as handed to the sink.
pub(crate) struct StartTag<'a> {
    /// The tag's name, lowercase.
    pub name: &'a [u8],
    /// The tag's bytes, from `<` to `>`.
    bytes: &'a [u8],
    attrs: &'a [AttrSpan],
    /// Where the element went on the open-element stack; `None` when it cannot have content (a
    /// void element, a self-closing one in SVG or MathML) and so closes at once.
    pub depth: Option<usize>,
}

impl<'a> StartTag<'a> {
    /// The raw value of the first attribute of this name (ASCII case-insensitive); an attribute
    /// without a value gives an empty one.
    pub fn attr(&self, name: &str) -> Option<&'a [u8]> {
        self.attrs.iter().find_map(|a| {
            self.bytes[a.name_start..a.name_end]
                .eq_ignore_ascii_case(name.as_bytes())
                .then(|| &self.bytes[a.value_start..a.value_end])
        })
    }
}

/// Bytes of a new chunk added at a time to what is pending (tiny in unit tests, so that
/// completing a tag takes several slices there).
const PENDING_SLICE: usize = if cfg!(test) { 3 } else { 512 };

/// Open elements kept at most: a page nesting deeper than this is broken, and elements past it
/// are treated as closing at once so that memory stays bounded whatever the page.
const MAX_OPEN_ELEMENTS: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Namespace {
    Html,
    Svg,
    MathMl,
}

/// Script data's sub-states (WHATWG 13.2.5.4 and following).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Normal,
    Escaped,
    EscapedDash,
    EscapedDashDash,
    DoubleEscaped,
    DoubleEscapedDash,
    DoubleEscapedDashDash,
}

/// What the tokenizer is in between two bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Data,
    RcData,
    RawText,
    Script(Script),
    PlainText,
    CData,
    /// Inside `<!--`: `offset` is the position of the next byte from the comment's `<`
    /// (saturating), `last` the three bytes before it, for the endings `-->` and `--!>`.
    Comment {
        offset: u8,
        last: [u8; 3],
    },
    /// A bogus comment or a doctype: both end at the first `>`.
    Bogus,
    /// Inside a tag, lexed by [`TagLexer`].
    Tag,
}

impl Mode {
    fn text_kind(self) -> Option<TextKind> {
        match self {
            Mode::Data => Some(TextKind::Data),
            Mode::RcData => Some(TextKind::RcData),
            Mode::RawText => Some(TextKind::RawText),
            Mode::Script(_) => Some(TextKind::Script),
            Mode::PlainText => Some(TextKind::PlainText),
            Mode::CData => Some(TextKind::CData),
            Mode::Comment { .. } | Mode::Bogus | Mode::Tag => None,
        }
    }
}

/// The states of a tag (WHATWG 13.2.5.8 and 13.2.5.32 to 13.2.5.40).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TagState {
    Name,
    BeforeAttrName,
    AttrName,
    AfterAttrName,
    BeforeValue,
    DoubleQuoted,
    SingleQuoted,
    Unquoted,
    AfterQuoted,
    SelfClosing,
}

/// A tag being lexed; positions are offsets from its `<`, so that lexing resumes where it stopped
/// when the tag spans two chunks.
#[derive(Debug)]
struct TagLexer {
    end_tag: bool,
    state: TagState,
    /// The next byte to look at.
    at: usize,
    name_end: usize,
    self_closing: bool,
    attrs: Vec<AttrSpan>,
}

impl TagLexer {
    fn new() -> TagLexer {
        TagLexer {
            end_tag: false,
            state: TagState::Name,
            at: 0,
            name_end: 0,
            self_closing: false,
            attrs: Vec::new(),
        }
    }

    fn start(&mut self, end_tag: bool) {
        self.end_tag = end_tag;
        self.state = TagState::Name;
        self.at = if end_tag { 2 } else { 1 };
        self.name_end = 0;
        self.self_closing = false;
        self.attrs.clear();
    }

    fn name_start(&self) -> usize {
        if self.end_tag { 2 } else { 1 }
    }

    /// Lexes `tag` (the bytes from the `<`, possibly not all of them yet) from where it stopped.
    /// Returns the length of the tag when its `>` is found.
    fn lex(&mut self, tag: &[u8]) -> Option<usize> {
        let mut p = self.at;
        let mut state = self.state;
        while p < tag.len() {
            let c = tag[p];
            match state {
                TagState::Name => match c {
                    b'\t' | b'\n' | 0x0C | b'\r' | b' ' => {
                        self.name_end = p;
                        state = TagState::BeforeAttrName;
                    }
                    b'/' => {
                        self.name_end = p;
                        state = TagState::SelfClosing;
                    }
                    b'>' => {
                        self.name_end = p;
                        return self.done(p);
                    }
                    _ => {}
                },
                TagState::BeforeAttrName => match c {
                    b'\t' | b'\n' | 0x0C | b'\r' | b' ' => {}
                    b'/' | b'>' => {
                        state = TagState::AfterAttrName;
                        continue;
                    }
                    // A name starting with `=` keeps it (unexpected-equals-sign-before-attribute-name).
                    _ => {
                        self.begin_attr(p);
                        state = TagState::AttrName;
                    }
                },
                TagState::AttrName => match c {
                    b'\t' | b'\n' | 0x0C | b'\r' | b' ' | b'/' | b'>' => {
                        self.end_attr_name(p);
                        state = TagState::AfterAttrName;
                        continue;
                    }
                    b'=' => {
                        self.end_attr_name(p);
                        state = TagState::BeforeValue;
                    }
                    _ => {}
                },
                TagState::AfterAttrName => match c {
                    b'\t' | b'\n' | 0x0C | b'\r' | b' ' => {}
                    b'/' => state = TagState::SelfClosing,
                    b'=' => state = TagState::BeforeValue,
                    b'>' => return self.done(p),
                    _ => {
                        self.begin_attr(p);
                        state = TagState::AttrName;
                    }
                },
                TagState::BeforeValue => match c {
                    b'\t' | b'\n' | 0x0C | b'\r' | b' ' => {}
                    b'"' => {
                        self.begin_value(p + 1);
                        state = TagState::DoubleQuoted;
                    }
                    b'\'' => {
                        self.begin_value(p + 1);
                        state = TagState::SingleQuoted;
                    }
                    // missing-attribute-value: the value stays empty.
                    b'>' => return self.done(p),
                    _ => {
                        self.begin_value(p);
                        state = TagState::Unquoted;
                        continue;
                    }
                },
                TagState::DoubleQuoted | TagState::SingleQuoted => {
                    let quote = if state == TagState::DoubleQuoted { b'"' } else { b'\'' };
                    match memchr(quote, &tag[p..]) {
                        Some(i) => {
                            p += i;
                            self.end_value(p);
                            state = TagState::AfterQuoted;
                        }
                        None => {
                            p = tag.len();
                            break;
                        }
                    }
                }
                TagState::Unquoted => match c {
                    b'\t' | b'\n' | 0x0C | b'\r' | b' ' => {
                        self.end_value(p);
                        state = TagState::BeforeAttrName;
                    }
                    b'>' => {
                        self.end_value(p);
                        return self.done(p);
                    }
                    _ => {}
                },
                TagState::AfterQuoted => match c {
                    b'\t' | b'\n' | 0x0C | b'\r' | b' ' => state = TagState::BeforeAttrName,
                    b'/' => state = TagState::SelfClosing,
                    b'>' => return self.done(p),
                    // missing-whitespace-between-attributes
                    _ => {
                        state = TagState::BeforeAttrName;
                        continue;
                    }
                },
                TagState::SelfClosing => match c {
                    b'>' => {
                        self.self_closing = true;
                        return self.done(p);
                    }
                    _ => {
                        state = TagState::BeforeAttrName;
                        continue;
                    }
                },
            }
            p += 1;
        }
        self.at = p;
        self.state = state;
        None
    }

    fn done(&mut self, gt: usize) -> Option<usize> {
        Some(gt + 1)
    }

    fn begin_attr(&mut self, at: usize) {
        self.attrs.push(AttrSpan {
            name_start: at,
            name_end: at,
            value_start: at,
            value_end: at,
        });
    }

    fn end_attr_name(&mut self, at: usize) {
        if let Some(a) = self.attrs.last_mut() {
            a.name_end = at;
            a.value_start = at;
            a.value_end = at;
        }
    }

    fn begin_value(&mut self, at: usize) {
        if let Some(a) = self.attrs.last_mut() {
            a.value_start = at;
            a.value_end = at;
        }
    }

    fn end_value(&mut self, at: usize) {
        if let Some(a) = self.attrs.last_mut() {
            a.value_end = at;
        }
    }
}

/// What a `<` opens.
enum Markup {
    /// More bytes are needed to tell.
    NeedMore,
    /// Nothing: the `<` is text.
    Text,
    StartTag,
    EndTag,
    /// `</>`: dropped.
    EmptyEndTag,
    /// `<!--`.
    Comment,
    /// A doctype or a bogus comment: up to the next `>`.
    Bogus,
    /// `<![CDATA[` in SVG or MathML.
    CData,
}

/// The streaming tokenizer. Feed it with [`Tokenizer::write`], end with [`Tokenizer::end`].
pub(crate) struct Tokenizer {
    mode: Mode,
    /// The element whose end tag leaves RCDATA, RAWTEXT or script data.
    end_name: &'static [u8],
    /// Bytes received but not consumed: a tag, or a `<` whose meaning the next bytes decide.
    pending: Vec<u8>,
    /// The start of the current text node when it began in an earlier chunk.
    text: Vec<u8>,
    tag: TagLexer,
    /// The lowercase name of the tag just lexed.
    name: Vec<u8>,
    /// The open elements, by name hash.
    open: Vec<u64>,
    namespaces: Vec<Namespace>,
}

impl Default for Tokenizer {
    fn default() -> Self {
        Tokenizer::new()
    }
}

impl Tokenizer {
    pub fn new() -> Tokenizer {
        Tokenizer {
            mode: Mode::Data,
            end_name: b"",
            pending: Vec::new(),
            text: Vec::new(),
            tag: TagLexer::new(),
            name: Vec::new(),
            open: Vec::new(),
            namespaces: vec![Namespace::Html],
        }
    }

    /// Tokenizes the next chunk of the body.
    pub fn write(&mut self, mut chunk: &[u8], sink: &mut impl Sink) {
        // What is pending (a tag cut by the last chunk's end) is completed from the start of this
        // chunk, a slice at a time, and the rest is read in place: the chunk is not copied whole.
        // Each slice is at least as long as what is pending, so a long tag costs linear time.
        while !self.pending.is_empty() && !chunk.is_empty() {
            let take = chunk.len().min(self.pending.len().max(PENDING_SLICE));
            let mut buffer = std::mem::take(&mut self.pending);
            buffer.extend_from_slice(&chunk[..take]);
            chunk = &chunk[take..];
            let used = self.run(&buffer, false, sink);
            buffer.drain(..used);
            self.pending = buffer;
        }
        if !chunk.is_empty() {
            let used = self.run(chunk, false, sink);
            self.pending.extend_from_slice(&chunk[used..]);
        }
    }

    /// Ends the body: what is pending is read as the end of the document does (an unfinished tag
    /// is dropped, a lone `<` is text) and the last text node is handed over.
    pub fn end(&mut self, sink: &mut impl Sink) {
        let buffer = std::mem::take(&mut self.pending);
        self.run(&buffer, true, sink);
    }

    fn namespace(&self) -> Namespace {
        self.namespaces.last().copied().unwrap_or(Namespace::Html)
    }

    /// Runs over `input` from its start, which is where the last run stopped; returns how many
    /// bytes it consumed (the rest waits for the next chunk). At the end of the body everything
    /// is consumed.
    fn run(&mut self, input: &[u8], eof: bool, sink: &mut impl Sink) -> usize {
        let len = input.len();
        let mut i = 0;
        // Where the current text node's bytes start in `input` (text modes only).
        let mut text_from = 0;
        loop {
            match self.mode {
                Mode::Data => {
                    let Some(lt) = memchr(b'<', &input[i..]).map(|o| i + o) else {
                        return self.stop(input, text_from, len, eof, sink);
                    };
                    match self.markup_at(input, lt, eof) {
                        Markup::NeedMore => return self.stop(input, text_from, lt, false, sink),
                        Markup::Text => i = lt + 1,
                        markup => {
                            self.flush(input, text_from, lt, sink);
                            i = self.open_markup(markup, lt);
                            text_from = i;
                        }
                    }
                }
                Mode::RcData | Mode::RawText => {
                    let Some(lt) = memchr(b'<', &input[i..]).map(|o| i + o) else {
                        return self.stop(input, text_from, len, eof, sink);
                    };
                    match end_tag_at(input, lt, self.end_name, eof) {
                        None => return self.stop(input, text_from, lt, false, sink),
                        Some(true) => {
                            self.flush(input, text_from, lt, sink);
                            i = self.open_markup(Markup::EndTag, lt);
                        }
                        Some(false) => i = lt + 1,
                    }
                }
                Mode::Script(state) => match self.script(input, i, state, eof) {
                    ScriptStep::Continue(next, state) => {
                        self.mode = Mode::Script(state);
                        i = next;
                    }
                    ScriptStep::EndTag(lt) => {
                        self.flush(input, text_from, lt, sink);
                        i = self.open_markup(Markup::EndTag, lt);
                    }
                    ScriptStep::Stop(at) => return self.stop(input, text_from, at, eof, sink),
                },
                Mode::PlainText => return self.stop(input, text_from, len, eof, sink),
                Mode::CData => match memmem::find(&input[i..], b"]]>") {
                    Some(o) => {
                        self.flush(input, text_from, i + o, sink);
                        self.mode = Mode::Data;
                        i += o + 3;
                        text_from = i;
                    }
                    // A `]]` at the end may be completed by the next chunk.
                    None if !eof => return self.stop(input, text_from, len.saturating_sub(2).max(i), false, sink),
                    None => return self.stop(input, text_from, len, true, sink),
                },
                Mode::Comment { offset, last } => match comment_end(input, i, offset, last) {
                    Ok(end) => {
                        self.mode = Mode::Data;
                        i = end;
                        text_from = i;
                    }
                    Err((offset, last)) => {
                        self.mode = Mode::Comment { offset, last };
                        return self.stop(input, text_from, len, eof, sink);
                    }
                },
                Mode::Bogus => match memchr(b'>', &input[i..]) {
                    Some(o) => {
                        self.mode = Mode::Data;
                        i += o + 1;
                        text_from = i;
                    }
                    None => return self.stop(input, text_from, len, eof, sink),
                },
                Mode::Tag => {
                    // A tag always starts a run's input when it continues from an earlier chunk,
                    // and starts at `i` when it was just opened.
                    let tag = &input[i..];
                    match self.tag.lex(tag) {
                        Some(tag_len) => {
                            self.emit_tag(&tag[..tag_len], sink);
                            i += tag_len;
                            text_from = i;
                        }
                        // eof-in-tag: the tag is dropped.
                        None if eof => {
                            self.mode = Mode::Data;
                            return len;
                        }
                        None => return i,
                    }
                }
            }
        }
    }

    /// Stops the run at `at`: the text so far is kept for the node's end, or handed over at the
    /// end of the body.
    fn stop(&mut self, input: &[u8], text_from: usize, at: usize, eof: bool, sink: &mut impl Sink) -> usize {
        if self.mode.text_kind().is_some() {
            if eof {
                self.flush(input, text_from, at, sink);
            } else {
                self.text.extend_from_slice(&input[text_from..at]);
            }
        }
        if eof { input.len() } else { at }
    }

    /// Hands over the current text node, ending at `to`.
    fn flush(&mut self, input: &[u8], from: usize, to: usize, sink: &mut impl Sink) {
        let Some(kind) = self.mode.text_kind() else { return };
        if self.text.is_empty() {
            if to > from {
                sink.text(&input[from..to], kind);
            }
        } else {
            self.text.extend_from_slice(&input[from..to]);
            sink.text(&self.text, kind);
            self.text.clear();
        }
    }

    /// What the `<` at `lt` opens, in the data state.
    fn markup_at(&self, input: &[u8], lt: usize, eof: bool) -> Markup {
        let rest = &input[lt + 1..];
        let more = if eof { Markup::Text } else { Markup::NeedMore };
        let Some(&c) = rest.first() else { return more };
        match c {
            b'!' => self.declaration(&rest[1..], eof),
            b'/' => match rest.get(1) {
                None => more,
                Some(c) if c.is_ascii_alphabetic() => Markup::EndTag,
                Some(b'>') => Markup::EmptyEndTag,
                Some(_) => Markup::Bogus,
            },
            b'?' => Markup::Bogus,
            c if c.is_ascii_alphabetic() => Markup::StartTag,
            _ => Markup::Text,
        }
    }

    /// What follows `<!` (WHATWG 13.2.5.42, markup declaration open).
    fn declaration(&self, rest: &[u8], eof: bool) -> Markup {
        let starts = |word: &[u8], any_case: bool| -> Option<bool> {
            let n = word.len().min(rest.len());
            let same = if any_case {
                rest[..n].eq_ignore_ascii_case(&word[..n])
            } else {
                rest[..n] == word[..n]
            };
            match (same, n == word.len()) {
                (false, _) => Some(false),
                (true, true) => Some(true),
                (true, false) if eof => Some(false),
                (true, false) => None,
            }
        };
        let cdata_allowed = self.namespace() != Namespace::Html;
        match (
            starts(b"--", false),
            starts(b"DOCTYPE", true),
            starts(b"[CDATA[", false),
        ) {
            (Some(true), ..) => Markup::Comment,
            (_, Some(true), _) => Markup::Bogus,
            (.., Some(true)) if cdata_allowed => Markup::CData,
            (None, ..) | (_, None, _) => Markup::NeedMore,
            (.., None) if cdata_allowed => Markup::NeedMore,
            _ => Markup::Bogus,
        }
    }

    /// Enters the markup found at `lt`; returns where the run goes on.
    fn open_markup(&mut self, markup: Markup, lt: usize) -> usize {
        match markup {
            Markup::StartTag | Markup::EndTag => {
                self.tag.start(matches!(markup, Markup::EndTag));
                self.mode = Mode::Tag;
                lt
            }
            Markup::EmptyEndTag => {
                self.mode = Mode::Data;
                lt + 3
            }
            Markup::Comment => {
                self.mode = Mode::Comment {
                    offset: 4,
                    last: *b"!--",
                };
                lt + 4
            }
            Markup::Bogus => {
                self.mode = Mode::Bogus;
                lt + 2
            }
            Markup::CData => {
                self.mode = Mode::CData;
                lt + 9
            }
            Markup::NeedMore | Markup::Text => lt,
        }
    }

    /// One step of script data from `i`.
    fn script(&self, input: &[u8], i: usize, state: Script, eof: bool) -> ScriptStep {
        let len = input.len();
        match state {
            Script::Normal => {
                let Some(lt) = memchr(b'<', &input[i..]).map(|o| i + o) else {
                    return ScriptStep::Stop(len);
                };
                match end_tag_at(input, lt, b"script", eof) {
                    None => ScriptStep::Stop(lt),
                    Some(true) => ScriptStep::EndTag(lt),
                    Some(false) => match prefix_at(input, lt + 1, b"!--", false, eof) {
                        None => ScriptStep::Stop(lt),
                        Some(true) => ScriptStep::Continue(lt + 4, Script::EscapedDashDash),
                        Some(false) => ScriptStep::Continue(lt + 1, Script::Normal),
                    },
                }
            }
            Script::Escaped | Script::DoubleEscaped => {
                let Some(at) = memchr2(b'-', b'<', &input[i..]).map(|o| i + o) else {
                    return ScriptStep::Stop(len);
                };
                if input[at] == b'-' {
                    let next = if state == Script::Escaped {
                        Script::EscapedDash
                    } else {
                        Script::DoubleEscapedDash
                    };
                    ScriptStep::Continue(at + 1, next)
                } else {
                    self.script_lt(input, at, state, eof)
                }
            }
            Script::EscapedDash
            | Script::EscapedDashDash
            | Script::DoubleEscapedDash
            | Script::DoubleEscapedDashDash => {
                let Some(&c) = input.get(i) else {
                    return ScriptStep::Stop(len);
                };
                let double = matches!(state, Script::DoubleEscapedDash | Script::DoubleEscapedDashDash);
                let dash_dash = matches!(state, Script::EscapedDashDash | Script::DoubleEscapedDashDash);
                let (plain, dashes) = if double {
                    (Script::DoubleEscaped, Script::DoubleEscapedDashDash)
                } else {
                    (Script::Escaped, Script::EscapedDashDash)
                };
                match c {
                    b'-' => ScriptStep::Continue(i + 1, dashes),
                    b'<' => self.script_lt(input, i, plain, eof),
                    b'>' if dash_dash => ScriptStep::Continue(i + 1, Script::Normal),
                    _ => ScriptStep::Continue(i + 1, plain),
                }
            }
        }
    }

    /// A `<` in escaped (`state` Escaped) or double-escaped (DoubleEscaped) script data.
    fn script_lt(&self, input: &[u8], lt: usize, state: Script, eof: bool) -> ScriptStep {
        if state == Script::Escaped {
            match end_tag_at(input, lt, b"script", eof) {
                None => return ScriptStep::Stop(lt),
                Some(true) => return ScriptStep::EndTag(lt),
                Some(false) => {}
            }
            // `<script` followed by a space, `/` or `>`: double-escaped.
            match tag_name_at(input, lt + 1, b"script", eof) {
                None => ScriptStep::Stop(lt),
                Some(true) => ScriptStep::Continue(lt + 8, Script::DoubleEscaped),
                Some(false) => ScriptStep::Continue(lt + 1, Script::Escaped),
            }
        } else {
            // `</script` followed by a space, `/` or `>`: back to escaped.
            match prefix_at(input, lt + 1, b"/", false, eof) {
                None => ScriptStep::Stop(lt),
                Some(false) => ScriptStep::Continue(lt + 1, Script::DoubleEscaped),
                Some(true) => match tag_name_at(input, lt + 2, b"script", eof) {
                    None => ScriptStep::Stop(lt),
                    Some(true) => ScriptStep::Continue(lt + 9, Script::Escaped),
                    Some(false) => ScriptStep::Continue(lt + 2, Script::DoubleEscaped),
                },
            }
        }
    }

    /// A tag was lexed whole: the tree builder's feedback, the open-element stack, the sink.
    fn emit_tag(&mut self, bytes: &[u8], sink: &mut impl Sink) {
        self.name.clear();
        let name_end = self.tag.name_end.max(self.tag.name_start());
        self.name.extend(
            bytes[self.tag.name_start()..name_end]
                .iter()
                .map(u8::to_ascii_lowercase),
        );
        self.mode = Mode::Data;
        let name = std::mem::take(&mut self.name);
        let hash = name_hash(&name);
        if self.tag.end_tag {
            self.end_tag_feedback(&name);
            let closed_from = self.open.iter().rposition(|&h| h == hash);
            if let Some(at) = closed_from {
                self.open.truncate(at);
            }
            sink.end_tag(closed_from);
        } else {
            let self_closing = self.tag.self_closing;
            self.start_tag_feedback(&name, bytes, self_closing);
            // `<svg>` and `<math>` are foreign elements themselves, even self-closing ones that
            // entered nothing.
            let foreign = self.namespace() != Namespace::Html || matches!(name.as_slice(), b"svg" | b"math");
            let has_content = if foreign { !self_closing } else { !is_void(&name) };
            let depth = (has_content && self.open.len() < MAX_OPEN_ELEMENTS).then(|| {
                self.open.push(hash);
                self.open.len() - 1
            });
            sink.start_tag(&StartTag {
                name: &name,
                bytes,
                attrs: &self.tag.attrs,
                depth,
            });
        }
        self.name = name;
    }

    /// The tree builder's feedback on a start tag: the text state it switches to, and the
    /// namespace it enters or leaves.
    fn start_tag_feedback(&mut self, name: &[u8], bytes: &[u8], self_closing: bool) {
        // A self-closing `<svg/>` or `<math/>` is closed at once (WHATWG 13.2.6.4.7 "any other
        // start tag" acknowledges the flag): nothing after it is foreign.
        match name {
            b"svg" if !self_closing => return self.enter(Namespace::Svg),
            b"math" if !self_closing => return self.enter(Namespace::MathMl),
            b"svg" | b"math" => return,
            _ => {}
        }
        let ns = self.namespace();
        if ns == Namespace::Html {
            let (mode, end_name): (Mode, &'static [u8]) = match name {
                b"title" => (Mode::RcData, b"title"),
                b"textarea" => (Mode::RcData, b"textarea"),
                b"plaintext" => (Mode::PlainText, b"plaintext"),
                b"script" => (Mode::Script(Script::Normal), b"script"),
                b"style" => (Mode::RawText, b"style"),
                b"iframe" => (Mode::RawText, b"iframe"),
                b"xmp" => (Mode::RawText, b"xmp"),
                b"noembed" => (Mode::RawText, b"noembed"),
                b"noframes" => (Mode::RawText, b"noframes"),
                // Scripting is on in the browsers whose view of the page matters.
                b"noscript" => (Mode::RawText, b"noscript"),
                _ => return,
            };
            self.mode = mode;
            self.end_name = end_name;
            return;
        }
        if leaves_foreign_content(name) {
            return self.leave();
        }
        let tag = StartTag {
            name,
            bytes,
            attrs: &self.tag.attrs,
            depth: None,
        };
        let integration_point = match ns {
            Namespace::Svg => matches!(name, b"desc" | b"title" | b"foreignobject"),
            Namespace::MathMl => matches!(name, b"mi" | b"mo" | b"mn" | b"ms" | b"mtext"),
            Namespace::Html => false,
        };
        if integration_point && !self_closing {
            self.enter(Namespace::Html);
        } else if name == b"font" && ["color", "size", "face"].iter().any(|a| tag.attr(a).is_some()) {
            self.leave();
        } else if ns == Namespace::MathMl && name == b"annotation-xml" && !self_closing {
            let html = tag.attr("encoding").is_some_and(|e| {
                e.eq_ignore_ascii_case(b"text/html") || e.eq_ignore_ascii_case(b"application/xhtml+xml")
            });
            if html {
                self.enter(Namespace::Html);
            }
        }
    }

    /// The tree builder's feedback on an end tag: leaving SVG, MathML or an integration point.
    fn end_tag_feedback(&mut self, name: &[u8]) {
        let ns = self.namespace();
        if ns == Namespace::Html {
            let Some(&outer) = self
                .namespaces
                .len()
                .checked_sub(2)
                .and_then(|i| self.namespaces.get(i))
            else {
                return;
            };
            let closes_integration_point = match outer {
                Namespace::Svg => matches!(name, b"desc" | b"title" | b"foreignobject"),
                Namespace::MathMl => {
                    matches!(name, b"mi" | b"mo" | b"mn" | b"ms" | b"mtext" | b"annotation-xml")
                }
                Namespace::Html => false,
            };
            if closes_integration_point {
                self.leave();
            }
        } else if (ns == Namespace::Svg && name == b"svg")
            || (ns == Namespace::MathMl && name == b"math")
            || matches!(name, b"p" | b"br")
        {
            self.leave();
        }
    }

    fn enter(&mut self, ns: Namespace) {
        // Past the stack cap a page nests nonsense; staying in the current namespace is as good.
        if self.namespaces.len() < MAX_OPEN_ELEMENTS {
            self.namespaces.push(ns);
        }
    }

    fn leave(&mut self) {
        if self.namespaces.len() > 1 {
            self.namespaces.pop();
        }
    }
}

/// One step of script data.
enum ScriptStep {
    /// Go on from this index in this state.
    Continue(usize, Script),
    /// The script's end tag starts here.
    EndTag(usize),
    /// Stop the run here (the end of the input, or a `<` the next bytes decide).
    Stop(usize),
}

/// Whether `input[at..]` starts with `word` (`None`: too few bytes yet to tell).
fn prefix_at(input: &[u8], at: usize, word: &[u8], any_case: bool, eof: bool) -> Option<bool> {
    let rest = input.get(at..).unwrap_or_default();
    let n = word.len().min(rest.len());
    let same = if any_case {
        rest[..n].eq_ignore_ascii_case(&word[..n])
    } else {
        rest[..n] == word[..n]
    };
    match (same, n == word.len()) {
        (false, _) => Some(false),
        (true, true) => Some(true),
        (true, false) => (eof).then_some(false),
    }
}

/// Whether `input[at..]` is the tag name `name` (any case) followed by whitespace, `/` or `>`.
fn tag_name_at(input: &[u8], at: usize, name: &[u8], eof: bool) -> Option<bool> {
    match prefix_at(input, at, name, true, eof)? {
        false => Some(false),
        true => match input.get(at + name.len()) {
            None if eof => Some(false),
            None => None,
            Some(c) => Some(matches!(c, b'\t' | b'\n' | 0x0C | b'\r' | b' ' | b'/' | b'>')),
        },
    }
}

/// Whether the `<` at `lt` starts `name`'s end tag, the appropriate end tag that leaves RCDATA,
/// RAWTEXT or script data.
fn end_tag_at(input: &[u8], lt: usize, name: &[u8], eof: bool) -> Option<bool> {
    match prefix_at(input, lt + 1, b"/", false, eof)? {
        false => Some(false),
        true => tag_name_at(input, lt + 2, name, eof),
    }
}

/// Looks for the end of a comment from `i`: `Ok(index after its >)`, or the state to resume with
/// when the input ends first. A `>` ends a comment when the two bytes before it are `--` (those of
/// `<!--` count: `<!-->`, `<!--->`) or the three before it are `--!` after the opening.
fn comment_end(input: &[u8], i: usize, offset: u8, last: [u8; 3]) -> Result<usize, (u8, [u8; 3])> {
    let before = |q: usize, k: usize| -> u8 {
        if q >= i + k {
            input[q - k]
        } else {
            last[3 - (k - (q - i))]
        }
    };
    let mut from = i;
    while let Some(o) = memchr(b'>', &input[from..]) {
        let q = from + o;
        let at = usize::from(offset) + (q - i);
        let dashes = before(q, 1) == b'-' && before(q, 2) == b'-';
        let bang = before(q, 1) == b'!' && before(q, 2) == b'-' && before(q, 3) == b'-';
        if (at >= 4 && dashes) || (at >= 7 && bang) {
            return Ok(q + 1);
        }
        from = q + 1;
    }
    let len = input.len();
    let mut tail = last;
    for k in (1..=3).rev() {
        tail[3 - k] = before(len, k);
    }
    let offset = usize::from(offset).saturating_add(len - i).min(usize::from(u8::MAX));
    Err((u8::try_from(offset).unwrap_or(u8::MAX), tail))
}

/// Tags that end SVG or MathML content when they start inside it (WHATWG 13.2.6.5).
fn leaves_foreign_content(name: &[u8]) -> bool {
    matches!(
        name,
        b"b" | b"big"
            | b"blockquote"
            | b"body"
            | b"br"
            | b"center"
            | b"code"
            | b"dd"
            | b"div"
            | b"dl"
            | b"dt"
            | b"em"
            | b"embed"
            | b"h1"
            | b"h2"
            | b"h3"
            | b"h4"
            | b"h5"
            | b"h6"
            | b"head"
            | b"hr"
            | b"i"
            | b"img"
            | b"li"
            | b"listing"
            | b"menu"
            | b"meta"
            | b"nobr"
            | b"ol"
            | b"p"
            | b"pre"
            | b"ruby"
            | b"s"
            | b"small"
            | b"span"
            | b"strong"
            | b"strike"
            | b"sub"
            | b"sup"
            | b"table"
            | b"tt"
            | b"u"
            | b"ul"
            | b"var"
    )
}

/// HTML elements that never have content.
fn is_void(name: &[u8]) -> bool {
    matches!(
        name,
        b"area"
            | b"base"
            | b"basefont"
            | b"bgsound"
            | b"br"
            | b"col"
            | b"embed"
            | b"hr"
            | b"img"
            | b"input"
            | b"keygen"
            | b"link"
            | b"meta"
            | b"param"
            | b"source"
            | b"track"
            | b"wbr"
    )
}

/// FNV-1a of a tag name: the open-element stack compares names by this.
fn name_hash(name: &[u8]) -> u64 {
    name.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the sink saw, as text for comparisons.
    #[derive(Default)]
    struct Log(Vec<String>);

    impl Sink for Log {
        fn text(&mut self, raw: &[u8], kind: TextKind) {
            self.0.push(format!("{kind:?}({})", String::from_utf8_lossy(raw)));
        }
        fn start_tag(&mut self, tag: &StartTag<'_>) {
            let mut s = format!("<{}", String::from_utf8_lossy(tag.name));
            for a in tag.attrs {
                s.push_str(&format!(
                    " {}={:?}",
                    String::from_utf8_lossy(&tag.bytes[a.name_start..a.name_end]),
                    String::from_utf8_lossy(&tag.bytes[a.value_start..a.value_end])
                ));
            }
            s.push_str(&format!("@{:?}>", tag.depth));
            self.0.push(s);
        }
        fn end_tag(&mut self, closed_from: Option<usize>) {
            self.0.push(format!("</{closed_from:?}>"));
        }
    }

    fn tokens(html: &str) -> Vec<String> {
        let mut log = Log::default();
        let mut t = Tokenizer::new();
        t.write(html.as_bytes(), &mut log);
        t.end(&mut log);
        log.0
    }

    /// Every split of the input into two or three chunks gives the same tokens as the whole.
    fn same_in_chunks(html: &str) -> Vec<String> {
        let whole = tokens(html);
        let b = html.as_bytes();
        for i in 0..=b.len() {
            for j in i..=b.len() {
                let mut log = Log::default();
                let mut t = Tokenizer::new();
                t.write(&b[..i], &mut log);
                t.write(&b[i..j], &mut log);
                t.write(&b[j..], &mut log);
                t.end(&mut log);
                assert_eq!(log.0, whole, "{html:?} split at {i} and {j}");
            }
        }
        whole
    }

    #[test]
    fn tags_attributes_and_text() {
        assert_eq!(
            same_in_chunks("a<P Class=x id='y' data-z=\"1>2\" hidden>b</p >c"),
            [
                "Data(a)",
                "<p Class=\"x\" id=\"y\" data-z=\"1>2\" hidden=\"\"@Some(0)>",
                "Data(b)",
                "</Some(0)>",
                "Data(c)"
            ]
        );
        // Quotes and `=` where they do not belong, a missing space, a self-closing slash.
        assert_eq!(
            same_in_chunks("<a =b c\"d=e'f\"g'h x=1/ y=\"2\"z=3/>"),
            ["<a =b=\"\" c\"d=\"e'f\\\"g'h\" x=\"1/\" y=\"2\" z=\"3/\"@Some(0)>"]
        );
    }

    #[test]
    fn a_lone_less_than_sign_is_text() {
        assert_eq!(same_in_chunks("1 < 2 <3 <"), ["Data(1 < 2 <3 <)"]);
        assert_eq!(same_in_chunks("a</>b</ c>d</"), ["Data(a)", "Data(b)", "Data(d</)"]);
    }

    #[test]
    fn comments_end_where_the_standard_says() {
        for (html, text) in [
            ("a<!-- x -->b", "b"),
            ("a<!-->b", "b"),
            ("a<!--->b", "b"),
            ("a<!---->b", "b"),
            ("a<!-- x --!>b", "b"),
            ("a<!--!>x-->b", "b"),
            ("a<!-- <!-- x --->b", "b"),
            ("a<!DOCTYPE html>b", "b"),
            ("a<?xml x?>b", "b"),
            ("a<!x>b", "b"),
            ("a<![CDATA[x]]>b", "b"),
        ] {
            let t = same_in_chunks(html);
            assert_eq!(t.first().map(String::as_str), Some("Data(a)"), "{html}");
            assert_eq!(t.last(), Some(&format!("Data({text})")), "{html}");
        }
        // An unfinished comment runs to the end.
        assert_eq!(same_in_chunks("a<!-- b"), ["Data(a)"]);
    }

    #[test]
    fn raw_text_elements_end_at_their_own_end_tag() {
        assert_eq!(
            same_in_chunks("<title>a<b>&amp;</title ><style>p</style x><b>"),
            [
                "<title@Some(0)>",
                "RcData(a<b>&amp;)",
                "</Some(0)>",
                "<style@Some(0)>",
                "RawText(p)",
                "</Some(0)>",
                "<b@Some(0)>"
            ]
        );
        assert_eq!(
            same_in_chunks("<textarea></textareax></TEXTAREA>"),
            ["<textarea@Some(0)>", "RcData(</textareax>)", "</Some(0)>"]
        );
        assert_eq!(
            same_in_chunks("<plaintext></plaintext><b>"),
            ["<plaintext@Some(0)>", "PlainText(</plaintext><b>)"]
        );
    }

    #[test]
    fn script_data_escapes() {
        assert_eq!(
            same_in_chunks("<script>if(a<b)x='</scr'+'ipt>'</script>z"),
            [
                "<script@Some(0)>",
                "Script(if(a<b)x='</scr'+'ipt>')",
                "</Some(0)>",
                "Data(z)"
            ]
        );
        // Inside `<!--`, a `<script>` makes the next `</script>` part of the script.
        assert_eq!(
            same_in_chunks("<script><!--<script></script>--></script>z"),
            [
                "<script@Some(0)>",
                "Script(<!--<script></script>-->)",
                "</Some(0)>",
                "Data(z)"
            ]
        );
        assert_eq!(
            same_in_chunks("<script><!-- x </script>z"),
            ["<script@Some(0)>", "Script(<!-- x )", "</Some(0)>", "Data(z)"]
        );
    }

    #[test]
    fn foreign_content() {
        assert_eq!(
            same_in_chunks("<svg><style>a<rect/></style><![CDATA[<x>]]></svg><style><b></style>"),
            [
                "<svg@Some(0)>",
                "<style@Some(1)>",
                "Data(a)",
                "<rect@None>",
                "</Some(1)>",
                "CData(<x>)",
                "</Some(0)>",
                "<style@Some(0)>",
                "RawText(<b>)",
                "</Some(0)>"
            ]
        );
        // A self-closing element in SVG has no content; `<svg/>` itself is not entered.
        assert_eq!(
            same_in_chunks("<svg><path/></svg><svg/><title>t</title>"),
            [
                "<svg@Some(0)>",
                "<path@None>",
                "</Some(0)>",
                "<svg@None>",
                "<title@Some(0)>",
                "RcData(t)",
                "</Some(0)>"
            ]
        );
    }

    #[test]
    fn end_tags_close_what_was_opened_after_their_element() {
        assert_eq!(
            tokens("<div><h1><b>x</div></h1><br>"),
            [
                "<div@Some(0)>",
                "<h1@Some(1)>",
                "<b@Some(2)>",
                "Data(x)",
                "</Some(0)>",
                "</None>",
                "<br@None>"
            ]
        );
    }

    #[test]
    fn an_unfinished_tag_is_dropped_at_the_end() {
        assert_eq!(same_in_chunks("a<div class=\"x"), ["Data(a)"]);
    }

    #[test]
    fn the_stack_is_bounded() {
        let html = "<div>".repeat(MAX_OPEN_ELEMENTS + 10);
        let t = tokens(&html);
        assert_eq!(t.last().map(String::as_str), Some("<div@None>"));
    }
}
