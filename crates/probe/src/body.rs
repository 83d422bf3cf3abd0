//! Reading bodies: HTML streamed into the extractor up to the cap, other bodies (robots.txt,
//! sitemaps) into memory up to a cap, both within the check's deadline.

use monitor::extract::{ExtractOptions, HtmlExtractor, PageElements, charset_from_content_type};
use reqwest::Response;
use tokio::time::Instant;
use url::Url;

use crate::failure::{BodyNote, Failure, FailureKind};
use crate::fetch::classify;

/// Bytes looked at for NUL bytes to tell a binary body from text.
const SNIFF_BYTES: usize = 1024;

/// Incremental UTF-8 validation across chunk boundaries: a character split between two chunks
/// is completed from the next one instead of being reported as invalid.
#[derive(Default)]
struct Utf8Check {
    carry: [u8; 4],
    carry_len: usize,
    invalid: bool,
}

fn utf8_width(lead: u8) -> usize {
    match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => 1,
    }
}

impl Utf8Check {
    fn feed(&mut self, mut data: &[u8]) {
        if self.invalid || data.is_empty() {
            return;
        }
        if self.carry_len > 0 {
            let width = utf8_width(self.carry[0]);
            let take = (width - self.carry_len).min(data.len());
            self.carry[self.carry_len..self.carry_len + take].copy_from_slice(&data[..take]);
            self.carry_len += take;
            data = &data[take..];
            if self.carry_len < width {
                return;
            }
            self.carry_len = 0;
            if std::str::from_utf8(&self.carry[..width]).is_err() {
                self.invalid = true;
                return;
            }
        }
        // Almost every chunk is valid: check it with SIMD first, and only look for where it
        // fails (a character cut by the chunk's end, or a real error) when it does not pass.
        if simdutf8::basic::from_utf8(data).is_ok() {
            return;
        }
        if let Err(e) = std::str::from_utf8(data) {
            match e.error_len() {
                Some(_) => self.invalid = true,
                None => {
                    // An incomplete character at the end (at most 3 bytes): wait for the rest.
                    let rest = &data[e.valid_up_to()..];
                    self.carry[..rest.len()].copy_from_slice(rest);
                    self.carry_len = rest.len();
                }
            }
        }
    }

    /// Whether invalid bytes were seen (a character cut by the end counts).
    fn finish(&self) -> bool {
        self.invalid || self.carry_len > 0
    }
}

fn looks_binary(head: &[u8]) -> bool {
    head[..head.len().min(SNIFF_BYTES)].contains(&0)
}

/// What reading an HTML body gave.
pub(crate) struct HtmlBody {
    pub page: Option<PageElements>,
    pub note: Option<BodyNote>,
    /// The body could not be read to its end or the cap (deadline, reset): nothing to compare.
    pub failure: Option<Failure>,
}

/// Streams an HTML body into the extractor, stopping at the cap (the rest is not downloaded) or
/// at `until` (the check's deadline).
pub(crate) async fn read_html(
    response: &mut Response,
    content_type: Option<&str>,
    url: &Url,
    options: &ExtractOptions,
    until: Instant,
) -> HtmlBody {
    let declared = content_type.and_then(charset_from_content_type);
    // UTF-16 text is full of NUL bytes: only sniff for binary when it is not declared.
    let utf16_declared = declared.is_some_and(|e| e == encoding_rs::UTF_16LE || e == encoding_rs::UTF_16BE);
    let cap = options.max_body_bytes;
    let mut extractor = HtmlExtractor::new(content_type, url, options);
    let mut utf8 = Utf8Check::default();
    let mut total: usize = 0;
    let mut truncated = false;
    loop {
        let chunk = match tokio::time::timeout_at(until, response.chunk()).await {
            Err(_) => {
                return HtmlBody {
                    page: None,
                    note: None,
                    failure: Some(Failure::new(
                        FailureKind::Timeout,
                        "body not received within the deadline",
                    )),
                };
            }
            Ok(Err(e)) => {
                let mut failure = classify(&e);
                if failure.kind != FailureKind::Timeout {
                    failure.kind = FailureKind::Body;
                }
                return HtmlBody {
                    page: None,
                    note: None,
                    failure: Some(failure),
                };
            }
            Ok(Ok(None)) => break,
            Ok(Ok(Some(chunk))) => chunk,
        };
        let utf16_bom = chunk.starts_with(&[0xFF, 0xFE]) || chunk.starts_with(&[0xFE, 0xFF]);
        if total == 0 && !utf16_declared && !utf16_bom && looks_binary(&chunk) {
            return HtmlBody {
                page: None,
                note: Some(BodyNote::Binary),
                failure: None,
            };
        }
        let room = cap.saturating_sub(total);
        let kept = &chunk[..chunk.len().min(room)];
        utf8.feed(kept);
        total = total.saturating_add(chunk.len());
        extractor.write(kept);
        if total > cap {
            // The rest is not downloaded: dropping the response closes the connection.
            truncated = true;
            break;
        }
    }
    let page = extractor.finish();
    let invalid_utf8 = page.encoding == "UTF-8" && utf8.finish() && !truncated;
    let note = if truncated {
        Some(BodyNote::Truncated { cap })
    } else if invalid_utf8 {
        Some(BodyNote::InvalidUtf8)
    } else {
        None
    };
    HtmlBody {
        page: Some(page),
        note,
        failure: None,
    }
}

/// Reads a whole body up to `cap` bytes. `Ok((bytes, true))` when the body was longer than the
/// cap (only `cap` bytes are kept and the rest is not downloaded).
pub(crate) async fn read_capped(
    response: &mut Response,
    cap: usize,
    until: Instant,
) -> Result<(Vec<u8>, bool), Failure> {
    let mut out = Vec::new();
    loop {
        match tokio::time::timeout_at(until, response.chunk()).await {
            Err(_) => {
                return Err(Failure::new(
                    FailureKind::Timeout,
                    "body not received within the deadline",
                ));
            }
            Ok(Err(e)) => {
                let mut failure = classify(&e);
                if failure.kind != FailureKind::Timeout {
                    failure.kind = FailureKind::Body;
                }
                return Err(failure);
            }
            Ok(Ok(None)) => return Ok((out, false)),
            Ok(Ok(Some(chunk))) => {
                let room = cap.saturating_sub(out.len());
                if chunk.len() > room {
                    out.extend_from_slice(&chunk[..room]);
                    return Ok((out, true));
                }
                out.extend_from_slice(&chunk);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(chunks: &[&[u8]]) -> bool {
        let mut c = Utf8Check::default();
        for ch in chunks {
            c.feed(ch);
        }
        c.finish()
    }

    #[test]
    fn utf8_split_characters_are_valid() {
        let s = "café — 日本 🎉".as_bytes();
        for i in 0..s.len() {
            for j in i..s.len() {
                assert!(!check(&[&s[..i], &s[i..j], &s[j..]]), "split at {i},{j}");
            }
        }
    }

    #[test]
    fn utf8_invalid_bytes_are_seen() {
        assert!(check(&[b"abc\xff", b"def"]));
        assert!(check(&[b"abc\xc3", b"(def"]));
        assert!(check(&[b"abc\xe6\x97"]));
        assert!(!check(&[b"abc\xe6", b"\x97", b"\xa5"]));
    }
}
