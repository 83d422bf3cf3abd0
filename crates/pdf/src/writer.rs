//! PDF 1.7 serialisation: objects, Flate-compressed content streams, cross-reference table.
//!
//! The file is written in one pass with every object numbered in writing order, which makes the
//! cross-reference offsets simple to get right and the output a pure function of the layout.

use std::fmt::Write as _;
use std::io::Write as _;

use flate2::Compression;
use flate2::write::ZlibEncoder;

use crate::document::{A4_HEIGHT, A4_WIDTH, Document};
use crate::layout::{Op, Segment};
use crate::metrics::Font;

const CATALOG: usize = 1;
const PAGES: usize = 2;
const FONT_REGULAR: usize = 3;
const FONT_BOLD: usize = 4;
const INFO: usize = 5;
/// Each page takes two objects from here on: the page, then its content stream.
const FIRST_PAGE: usize = 6;

fn page_object(index: usize) -> usize {
    FIRST_PAGE + 2 * index
}

struct PdfFile {
    buf: Vec<u8>,
    /// Byte offset of object `n` at index `n - 1`.
    offsets: Vec<usize>,
}

impl PdfFile {
    fn begin(&mut self, number: usize) {
        // Objects are written in number order, so the xref table is the list of offsets.
        debug_assert_eq!(number, self.offsets.len() + 1);
        self.offsets.push(self.buf.len());
        self.put(&format!("{number} 0 obj\n"));
    }

    fn put(&mut self, text: &str) {
        self.buf.extend_from_slice(text.as_bytes());
    }

    fn object(&mut self, number: usize, body: &str) {
        self.begin(number);
        self.put(body);
        self.put("\nendobj\n");
    }

    fn stream(&mut self, number: usize, data: &[u8]) {
        self.begin(number);
        self.put(&format!("<< /Length {} /Filter /FlateDecode >>\nstream\n", data.len()));
        self.buf.extend_from_slice(data);
        self.put("\nendstream\nendobj\n");
    }
}

/// Numbers with at most two decimals and no exponent: PDF has no exponent syntax, and 0.01 pt is
/// far below what anyone sees.
pub(crate) fn num(value: f32) -> String {
    let rounded = (f64::from(value) * 100.0).round() / 100.0;
    let mut text = format!("{rounded:.2}");
    while text.ends_with('0') {
        text.pop();
    }
    if text.ends_with('.') {
        text.pop();
    }
    if text == "-0" { "0".to_owned() } else { text }
}

/// A literal string `( … )` holding WinAnsi codes; only the delimiters and the escape need escaping.
fn literal(codes: &[u8], out: &mut Vec<u8>) {
    out.push(b'(');
    for &c in codes {
        if matches!(c, b'(' | b')' | b'\\') {
            out.push(b'\\');
        }
        out.push(c);
    }
    out.push(b')');
}

/// A text string for the document information: ASCII as is, anything else as UTF-16BE with a
/// byte-order mark, so titles keep their accents (and any other character) in readers' dialogs.
fn text_string(text: &str) -> String {
    let printable = text.chars().all(|c| c == ' ' || c.is_ascii_graphic());
    if printable {
        let mut out = String::from("(");
        for c in text.chars() {
            if matches!(c, '(' | ')' | '\\') {
                out.push('\\');
            }
            out.push(c);
        }
        out.push(')');
        out
    } else {
        let mut out = String::from("<FEFF");
        for unit in text.encode_utf16() {
            let _ = write!(out, "{unit:04X}");
        }
        out.push('>');
        out
    }
}

fn content(ops: &[Op]) -> Vec<u8> {
    let mut out = Vec::new();
    // PDF's y axis points up from the bottom edge; layout's points down from the top.
    let flip = |y: f32| num(A4_HEIGHT - y);
    for op in ops {
        match op {
            Op::Text {
                x,
                baseline,
                size,
                gray,
                segments,
            } => {
                let mut text = format!("BT\n{} g\n1 0 0 1 {} {} Tm\n", num(*gray), num(*x), flip(*baseline));
                let mut current: Option<Font> = None;
                for Segment { font, codes } in segments {
                    if current != Some(*font) {
                        let _ = writeln!(text, "/{} {} Tf", font.resource(), num(*size));
                        current = Some(*font);
                    }
                    out.extend_from_slice(text.as_bytes());
                    text.clear();
                    literal(codes, &mut out);
                    out.extend_from_slice(b" Tj\n");
                }
                out.extend_from_slice(text.as_bytes());
                out.extend_from_slice(b"ET\n");
            }
            Op::Fill {
                x,
                top,
                width,
                height,
                gray,
            } => {
                let rect = format!("{} {} {} {}", num(*x), flip(top + height), num(*width), num(*height));
                out.extend_from_slice(format!("q {} g {rect} re f Q\n", num(*gray)).as_bytes());
            }
            Op::Line {
                x1,
                y1,
                x2,
                y2,
                width,
                gray,
            } => {
                let line = format!("{} {} m {} {} l", num(*x1), flip(*y1), num(*x2), flip(*y2));
                out.extend_from_slice(format!("q {} w {} G {line} S Q\n", num(*width), num(*gray)).as_bytes());
            }
            Op::Frame {
                x,
                top,
                width,
                height,
                line_width,
                gray,
            } => {
                let rect = format!("{} {} {} {}", num(*x), flip(top + height), num(*width), num(*height));
                out.extend_from_slice(format!("q {} w {} G {rect} re S Q\n", num(*line_width), num(*gray)).as_bytes());
            }
        }
    }
    out
}

fn compress(data: &[u8]) -> Vec<u8> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::default());
    // Writing into a Vec cannot fail; should it ever, the page is stored empty rather than the
    // whole document failing, and the test suite's text extraction would catch it.
    if encoder.write_all(data).is_err() {
        return Vec::new();
    }
    encoder.finish().unwrap_or_default()
}

pub(crate) fn write(doc: &Document, pages: &[Vec<Op>]) -> Vec<u8> {
    let mut file = PdfFile {
        buf: Vec::new(),
        offsets: Vec::new(),
    };
    // The comment of high bytes tells transfer tools the file is binary.
    file.buf.extend_from_slice(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n");

    file.object(
        CATALOG,
        &format!("<< /Type /Catalog /Pages {PAGES} 0 R /ViewerPreferences << /DisplayDocTitle true >> >>"),
    );
    let kids: Vec<String> = (0..pages.len()).map(|i| format!("{} 0 R", page_object(i))).collect();
    file.object(
        PAGES,
        &format!("<< /Type /Pages /Kids [{}] /Count {} >>", kids.join(" "), pages.len()),
    );
    for (number, font) in [(FONT_REGULAR, Font::Helvetica), (FONT_BOLD, Font::HelveticaBold)] {
        let body = format!(
            "<< /Type /Font /Subtype /Type1 /BaseFont /{} /Encoding /WinAnsiEncoding >>",
            font.base_font()
        );
        file.object(number, &body);
    }
    let mut info = format!(
        "<< /Title {} /Author {} /Producer (Comptoir pdf)",
        text_string(&doc.title),
        text_string(&doc.author)
    );
    if let Some(date) = doc.creation_date {
        let _ = write!(info, " /CreationDate ({})", date.to_pdf_string());
    }
    info.push_str(" >>");
    file.object(INFO, &info);

    let resources = format!(
        "<< /Font << /{} {FONT_REGULAR} 0 R /{} {FONT_BOLD} 0 R >> >>",
        Font::Helvetica.resource(),
        Font::HelveticaBold.resource()
    );
    for (index, ops) in pages.iter().enumerate() {
        let page = page_object(index);
        file.object(
            page,
            &format!(
                "<< /Type /Page /Parent {PAGES} 0 R /MediaBox [0 0 {} {}] /Resources {resources} /Contents {} 0 R >>",
                num(A4_WIDTH),
                num(A4_HEIGHT),
                page + 1
            ),
        );
        file.stream(page + 1, &compress(&content(ops)));
    }

    let xref = file.buf.len();
    let size = file.offsets.len() + 1;
    // Each entry is exactly 20 bytes: 10-digit offset, space, 5-digit generation, space, type, EOL.
    let mut table = format!("xref\n0 {size}\n0000000000 65535 f\r\n");
    for offset in &file.offsets {
        let _ = write!(table, "{offset:010} 00000 n\r\n");
    }
    let _ = write!(
        table,
        "trailer\n<< /Size {size} /Root {CATALOG} 0 R /Info {INFO} 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    );
    file.put(&table);
    file.buf
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

    #[test]
    fn numbers_have_two_decimals_at_most() {
        assert_eq!(num(595.2756), "595.28");
        assert_eq!(num(10.0), "10");
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(1e9), "1000000000");
    }

    #[test]
    fn strings_are_escaped() {
        let mut out = Vec::new();
        literal(b"a(b)\\c", &mut out);
        assert_eq!(out, b"(a\\(b\\)\\\\c)");
        assert_eq!(text_string("Facture (F-1)"), "(Facture \\(F-1\\))");
        assert_eq!(text_string("Reçu"), "<FEFF0052006500E70075>");
    }

    #[test]
    fn xref_offsets_point_at_their_objects() {
        let mut doc = Document::new("Facture", "Comptoir");
        doc.text("Bonjour").page_break().text("Au revoir");
        let bytes = doc.to_bytes();
        let text = String::from_utf8_lossy(&bytes);
        let start: usize = text
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(bytes[start..].starts_with(b"xref\n0 10\n"));
        let entries = &bytes[start + "xref\n0 10\n".len()..];
        for n in 1..10 {
            let entry = std::str::from_utf8(&entries[n * 20..n * 20 + 20]).unwrap();
            let offset: usize = entry[..10].parse().unwrap();
            assert!(
                bytes[offset..].starts_with(format!("{n} 0 obj\n").as_bytes()),
                "object {n}"
            );
        }
    }

    #[test]
    fn content_streams_inflate_to_the_text_operators() {
        let mut doc = Document::new("t", "a");
        doc.text("Reçu (œuvre) ✓");
        let bytes = doc.to_bytes();
        let start = bytes.windows(7).position(|w| w == b"stream\n").unwrap() + 7;
        let end = bytes.windows(10).position(|w| w == b"\nendstream").unwrap();
        let mut inflated = Vec::new();
        flate2::read::ZlibDecoder::new(&bytes[start..end])
            .read_to_end(&mut inflated)
            .unwrap();
        let needle = b"(Re\xe7u \\(\x9cuvre\\) ?) Tj";
        assert!(inflated.windows(needle.len()).any(|w| w == needle));
    }
}
