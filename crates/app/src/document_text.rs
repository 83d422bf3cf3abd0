//! The text of an attached document, read so that the contract is found by its words
//! (issue 5, item 6). PDFs are read with the pure-Rust `pdf-extract`; images are not read
//! (no character recognition), and neither is a scanned PDF, which has no text to extract.
//!
//! Reading never refuses a document: whatever goes wrong, the document is kept and its
//! [`DocumentText`] says why no text was found.

use contracts::search::{DocumentText, document_text};

/// What was read from a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadText {
    pub status: DocumentText,
    /// White space made single, bounded ([`contracts::search::DOCUMENT_TEXT_MAX_BYTES`]);
    /// empty unless `status` is [`DocumentText::Indexed`].
    pub text: String,
}

impl ReadText {
    fn without(status: DocumentText) -> ReadText {
        ReadText {
            status,
            text: String::new(),
        }
    }
}

/// Reads the text of a document of `content_type` (as recognised from its bytes).
///
/// The PDF parser works on untrusted bytes and may panic on a damaged file: the panic is
/// caught and the document counted as unreadable, never lost. Call it off the async threads
/// ([`read_text_blocking`]): a large PDF takes a while.
pub fn read_text(content_type: &str, bytes: &[u8]) -> ReadText {
    if content_type != "application/pdf" {
        return ReadText::without(DocumentText::Image);
    }
    let extracted = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem(bytes));
    match extracted {
        Ok(Ok(raw)) => {
            let text = document_text(&raw);
            if text.chars().any(char::is_alphanumeric) {
                ReadText {
                    status: DocumentText::Indexed,
                    text,
                }
            } else {
                ReadText::without(DocumentText::Empty)
            }
        }
        Ok(Err(e)) => {
            tracing::info!(error = %e, "no text read from a PDF document");
            ReadText::without(DocumentText::Unreadable)
        }
        Err(_) => {
            tracing::warn!("the PDF reader failed on a document");
            ReadText::without(DocumentText::Unreadable)
        }
    }
}

/// [`read_text`] on a blocking thread.
pub async fn read_text_blocking(content_type: &'static str, bytes: Vec<u8>) -> ReadText {
    tokio::task::spawn_blocking(move || read_text(content_type, &bytes))
        .await
        .unwrap_or_else(|_| ReadText::without(DocumentText::Unreadable))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pdf_saying(text: &str) -> Vec<u8> {
        let mut doc = pdf::Document::new("Contrat", "Comptoir");
        doc.text(text);
        doc.to_bytes()
    }

    #[test]
    fn reads_the_text_of_a_pdf_made_by_the_pdf_crate() {
        let read = read_text(
            "application/pdf",
            &pdf_saying("Conditions générales : la résiliation se fait par lettre recommandée."),
        );
        assert_eq!(read.status, DocumentText::Indexed);
        assert!(read.text.contains("résiliation"), "{:?}", read.text);
        assert!(read.text.contains("recommandée"), "{:?}", read.text);
    }

    #[test]
    fn a_damaged_pdf_is_unreadable_not_refused() {
        let mut bytes = pdf_saying("Texte");
        bytes.truncate(40);
        assert_eq!(read_text("application/pdf", &bytes).status, DocumentText::Unreadable);
        assert_eq!(
            read_text("application/pdf", b"%PDF-1.4\n garbage").status,
            DocumentText::Unreadable
        );
    }

    /// A one-page PDF whose page draws nothing, as a scan has no text (its text is an image).
    fn blank_pdf() -> Vec<u8> {
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >> >>",
            "<< /Length 0 >>\nstream\n\nendstream",
        ];
        let mut out = b"%PDF-1.4\n".to_vec();
        let mut offsets = Vec::new();
        for (i, body) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
        }
        let xref = out.len();
        out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
        for o in offsets {
            out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
        }
        out.extend_from_slice(
            format!(
                "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
                objects.len() + 1
            )
            .as_bytes(),
        );
        out
    }

    #[test]
    fn a_pdf_without_text_is_empty() {
        let read = read_text("application/pdf", &blank_pdf());
        assert_eq!(read, ReadText::without(DocumentText::Empty));
    }

    #[test]
    fn images_are_not_read() {
        assert_eq!(read_text("image/png", b"\x89PNG....").status, DocumentText::Image);
    }
}
