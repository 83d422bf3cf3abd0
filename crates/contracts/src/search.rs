//! Search keys for the register: accent folding and a light French stemming, so that `depot`
//! finds « Dépôts » and `resiliations` finds « résiliation ». The same folding is applied to the
//! stored text and to the words searched for; both backends then match with a plain `LIKE`.

use crate::register::ContractRecord;

/// Lowercase, without diacritics (é → e, œ → oe…), other characters kept.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' | 'å' => out.push('a'),
            'ç' => out.push('c'),
            'é' | 'è' | 'ê' | 'ë' => out.push('e'),
            'î' | 'ï' | 'í' | 'ì' => out.push('i'),
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' => out.push('o'),
            'ù' | 'û' | 'ü' | 'ú' => out.push('u'),
            'ÿ' | 'ý' => out.push('y'),
            'ñ' => out.push('n'),
            'œ' => out.push_str("oe"),
            'æ' => out.push_str("ae"),
            c => out.push(c),
        }
    }
    out
}

/// A word's stem: folded, and the French plural mark (`s`, or the `x` of `-aux`, `-eux`)
/// dropped from words of more than three letters.
pub fn stem(word: &str) -> String {
    let w = fold(word);
    let n = w.chars().count();
    if n > 3 && (w.ends_with('s') || w.ends_with("ux")) {
        w[..w.len() - 1].to_string()
    } else {
        w
    }
}

/// The words of a text, stemmed.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(stem)
        .collect()
}

/// What a contract is found by: its counterparty, reference, category (both languages), owner,
/// tags and notes, as stems between spaces (` fibre siege telecom `), so that a search word
/// matches the start of a stem with `LIKE '% word%'`.
pub fn search_key(r: &ContractRecord) -> String {
    let text = [
        r.counterparty.name.as_str(),
        r.reference.as_str(),
        r.category.label(kernel::Lang::Fr),
        r.category.label(kernel::Lang::En),
        r.owner.as_deref().unwrap_or(""),
        &r.tags.join(" "),
        r.notes.as_str(),
    ]
    .join(" ");
    format!(" {} ", words(&text).join(" "))
}

/// The most text kept from one document, in bytes: enough for a long contract with its general
/// terms (a 40-page contract is about 150 KB of text) while bounding what each search reads.
pub const DOCUMENT_TEXT_MAX_BYTES: usize = 256 * 1024;

/// What became of a document's text when it was attached. Nothing is refused for its text:
/// a document whose text cannot be read is kept all the same, and says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentText {
    /// Text was read from the PDF; the contract is found by its words.
    Indexed,
    /// A PDF with no text in it (a scan, for instance): nothing to search.
    Empty,
    /// A PDF whose text could not be read (damaged, encrypted, unusual fonts).
    Unreadable,
    /// An image: its text is not read (no character recognition).
    Image,
    /// Attached before documents were read.
    NotRead,
}

impl DocumentText {
    pub const ALL: [DocumentText; 5] = [
        DocumentText::Indexed,
        DocumentText::Empty,
        DocumentText::Unreadable,
        DocumentText::Image,
        DocumentText::NotRead,
    ];

    pub fn code(self) -> &'static str {
        match self {
            DocumentText::Indexed => "indexed",
            DocumentText::Empty => "empty",
            DocumentText::Unreadable => "unreadable",
            DocumentText::Image => "image",
            DocumentText::NotRead => "not_read",
        }
    }

    pub fn parse(code: &str) -> Option<DocumentText> {
        DocumentText::ALL.into_iter().find(|t| t.code() == code.trim())
    }
}

/// `text` with its runs of white space made single spaces (PDF extraction yields a line per
/// text run), cut to at most [`DOCUMENT_TEXT_MAX_BYTES`] on a character boundary.
pub fn document_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(DOCUMENT_TEXT_MAX_BYTES));
    for word in text.split_whitespace() {
        let separator = usize::from(!out.is_empty());
        let room = DOCUMENT_TEXT_MAX_BYTES.saturating_sub(out.len() + separator);
        if room == 0 {
            break;
        }
        if separator == 1 {
            out.push(' ');
        }
        if word.len() <= room {
            out.push_str(word);
        } else {
            // The last word that fits in part, cut between two characters.
            let cut = (0..=room).rev().find(|&i| word.is_char_boundary(i)).unwrap_or(0);
            out.push_str(&word[..cut]);
            break;
        }
    }
    out.truncate(out.trim_end().len());
    out
}

/// What a document is found by: the distinct stems of its text in their first order, between
/// spaces, matched like [`search_key`]. Repeated words are kept once: a contract repeats
/// « résiliation » many times, and the key stays a fraction of the text.
pub fn document_key(text: &str) -> String {
    let mut seen = std::collections::HashSet::new();
    let stems: Vec<String> = words(text).into_iter().filter(|w| seen.insert(w.clone())).collect();
    format!(" {} ", stems.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_accents_and_plurals() {
        assert_eq!(fold("Dépôt ÉNERGIE Œuvre"), "depot energie oeuvre");
        assert_eq!(
            words("Résiliations, dépôts; prix"),
            vec!["resiliation", "depot", "prix"]
        );
        assert_eq!(stem("bus"), "bus");
    }

    #[test]
    fn document_key_keeps_each_stem_once_in_order() {
        assert_eq!(
            document_key("Résiliation des contrats.\nLes résiliations, le contrat, l'Œuvre"),
            " resiliation des contrat les le l oeuvre "
        );
        assert_eq!(document_key(""), "  ");
    }

    #[test]
    fn document_text_is_bounded_on_a_character_boundary() {
        assert_eq!(document_text("  un\n\ndeux\t trois "), "un deux trois");
        let long = format!("x{}", "é".repeat(DOCUMENT_TEXT_MAX_BYTES));
        let kept = document_text(&long);
        assert_eq!(
            kept.len(),
            DOCUMENT_TEXT_MAX_BYTES - 1,
            "cut before the 'é' that does not fit"
        );
        let many = "résiliation ".repeat(DOCUMENT_TEXT_MAX_BYTES / 8);
        let kept = document_text(&many);
        assert!(kept.len() <= DOCUMENT_TEXT_MAX_BYTES);
        assert!(kept.ends_with("résiliation"));
    }

    #[test]
    fn document_text_codes_round_trip() {
        for t in DocumentText::ALL {
            assert_eq!(DocumentText::parse(t.code()), Some(t));
        }
        assert_eq!(DocumentText::parse("ocr"), None);
    }
}
