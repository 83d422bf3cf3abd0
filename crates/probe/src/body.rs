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
        total = total.saturating_add(chunk.len());
        extractor.write(kept);
        if total > cap {
            // The rest is not downloaded: dropping the response closes the connection.
            truncated = true;
            break;
        }
    }
    let page = extractor.finish();
    let invalid_utf8 = page.invalid_utf8 && !truncated;
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
