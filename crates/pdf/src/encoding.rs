//! Unicode to WinAnsiEncoding (the PDF name for Windows code page 1252).
//!
//! The standard 14 fonts are not embedded, so the only characters a reader can draw and extract
//! are those the font's encoding names. WinAnsi covers French completely (é è à ç ô œ Œ « » € ’),
//! which is why it is the one encoding this crate uses.

use std::borrow::Cow;

/// What one Unicode character becomes in a content stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mapped {
    /// A WinAnsi code to draw.
    Byte(u8),
    /// Nothing: characters with no visible form (soft hyphen, zero-width marks, carriage return).
    Drop,
}

/// The code drawn for a character WinAnsi cannot represent: visible, so a missing glyph is noticed
/// in review rather than silently lost.
pub(crate) const FALLBACK: u8 = b'?';

/// Maps one character (other than `'\n'`, which layout treats as a line break) to WinAnsi.
pub(crate) fn map_char(c: char) -> Mapped {
    let byte = match c {
        ' '..='~' => c as u8,
        // A soft hyphen would be drawn as a visible hyphen in the middle of a word: the layout does
        // not hyphenate, so it is dropped like the other invisible marks.
        '\u{ad}' | '\r' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}' => return Mapped::Drop,
        // Latin-1 supplement: WinAnsi has the same codes there.
        '\u{a0}'..='\u{ff}' => c as u32 as u8,
        // Spaces of other widths: French typography puts a narrow no-break space before « ; : ! ? »
        // and between thousands ("1 234,56 €"); a no-break space keeps those pairs together.
        '\u{202f}' | '\u{2007}' => 0xa0,
        '\t' | '\u{2002}' | '\u{2003}' | '\u{2009}' | '\u{200a}' => b' ',
        // Hyphens and minus signs WinAnsi lacks draw as the ASCII hyphen-minus.
        '\u{2010}' | '\u{2011}' | '\u{2212}' => b'-',
        // The 0x80–0x9F block, where cp1252 differs from Latin-1.
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8a,
        '‹' => 0x8b,
        'Œ' => 0x8c,
        'Ž' => 0x8e,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9a,
        '›' => 0x9b,
        'œ' => 0x9c,
        'ž' => 0x9e,
        'Ÿ' => 0x9f,
        _ => FALLBACK,
    };
    Mapped::Byte(byte)
}

/// Precomposed letters for a base letter followed by a combining mark, as text pasted from macOS
/// or some PDFs arrives (NFD): "e\u{301}" must print as "é", not "e?". Limited to the letters
/// WinAnsi has; other pairs stay as they are and the mark becomes the fallback.
#[rustfmt::skip]
const COMPOSITIONS: &[(char, char, char)] = &[
    ('A', '\u{300}', 'À'), ('E', '\u{300}', 'È'), ('I', '\u{300}', 'Ì'), ('O', '\u{300}', 'Ò'), ('U', '\u{300}', 'Ù'),
    ('a', '\u{300}', 'à'), ('e', '\u{300}', 'è'), ('i', '\u{300}', 'ì'), ('o', '\u{300}', 'ò'), ('u', '\u{300}', 'ù'),
    ('A', '\u{301}', 'Á'), ('E', '\u{301}', 'É'), ('I', '\u{301}', 'Í'), ('O', '\u{301}', 'Ó'), ('U', '\u{301}', 'Ú'),
    ('Y', '\u{301}', 'Ý'), ('a', '\u{301}', 'á'), ('e', '\u{301}', 'é'), ('i', '\u{301}', 'í'), ('o', '\u{301}', 'ó'),
    ('u', '\u{301}', 'ú'), ('y', '\u{301}', 'ý'),
    ('A', '\u{302}', 'Â'), ('E', '\u{302}', 'Ê'), ('I', '\u{302}', 'Î'), ('O', '\u{302}', 'Ô'), ('U', '\u{302}', 'Û'),
    ('a', '\u{302}', 'â'), ('e', '\u{302}', 'ê'), ('i', '\u{302}', 'î'), ('o', '\u{302}', 'ô'), ('u', '\u{302}', 'û'),
    ('A', '\u{303}', 'Ã'), ('N', '\u{303}', 'Ñ'), ('O', '\u{303}', 'Õ'), ('a', '\u{303}', 'ã'), ('n', '\u{303}', 'ñ'),
    ('o', '\u{303}', 'õ'),
    ('A', '\u{308}', 'Ä'), ('E', '\u{308}', 'Ë'), ('I', '\u{308}', 'Ï'), ('O', '\u{308}', 'Ö'), ('U', '\u{308}', 'Ü'),
    ('Y', '\u{308}', 'Ÿ'), ('a', '\u{308}', 'ä'), ('e', '\u{308}', 'ë'), ('i', '\u{308}', 'ï'), ('o', '\u{308}', 'ö'),
    ('u', '\u{308}', 'ü'), ('y', '\u{308}', 'ÿ'),
    ('A', '\u{30a}', 'Å'), ('a', '\u{30a}', 'å'),
    ('S', '\u{30c}', 'Š'), ('Z', '\u{30c}', 'Ž'), ('s', '\u{30c}', 'š'), ('z', '\u{30c}', 'ž'),
    ('C', '\u{327}', 'Ç'), ('c', '\u{327}', 'ç'),
];

/// Replaces base letter + combining mark pairs by their precomposed letter where WinAnsi has one.
pub(crate) fn compose(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| ('\u{300}'..='\u{36f}').contains(&c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let composed = chars
            .peek()
            .and_then(|&mark| COMPOSITIONS.iter().find(|&&(base, m, _)| base == c && m == mark))
            .map(|&(_, _, letter)| letter);
        match composed {
            Some(letter) => {
                out.push(letter);
                chars.next();
            }
            None => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Encodes a whole string on one line; a `'\n'` becomes a space (callers that honour line breaks
/// split on them first).
pub(crate) fn encode(text: &str) -> Vec<u8> {
    compose(text)
        .chars()
        .filter_map(|c| match map_char(if c == '\n' { ' ' } else { c }) {
            Mapped::Byte(b) => Some(b),
            Mapped::Drop => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_letters_map_to_their_cp1252_codes() {
        assert_eq!(
            encode("éèàçôœ«»€’"),
            vec![0xe9, 0xe8, 0xe0, 0xe7, 0xf4, 0x9c, 0xab, 0xbb, 0x80, 0x92]
        );
        assert_eq!(encode("ŒÉÀÇ"), vec![0x8c, 0xc9, 0xc0, 0xc7]);
    }

    #[test]
    fn characters_outside_winansi_become_a_visible_question_mark() {
        assert_eq!(encode("a漢✓b"), b"a??b".to_vec());
        // A combining mark with no precomposed WinAnsi letter keeps its base and flags the mark.
        assert_eq!(encode("q\u{301}"), b"q?".to_vec());
        assert_eq!(encode("\u{1}"), b"?".to_vec());
    }

    #[test]
    fn decomposed_accents_are_composed() {
        assert_eq!(
            encode("Ce\u{301}line Franc\u{327}oi\u{308}se"),
            encode("Céline Françoïse")
        );
        assert_eq!(encode("e\u{301}\u{301}"), vec![0xe9, b'?']);
        assert!(matches!(compose("déjà"), Cow::Borrowed(_)));
        // Every composition yields a letter WinAnsi has.
        for &(_, _, letter) in COMPOSITIONS {
            assert_ne!(map_char(letter), Mapped::Byte(FALLBACK), "{letter}");
        }
    }

    #[test]
    fn invisible_marks_are_dropped_and_french_spaces_do_not_break() {
        assert_eq!(encode("fac\u{ad}ture\r"), b"facture".to_vec());
        assert_eq!(encode("1\u{202f}234"), vec![b'1', 0xa0, b'2', b'3', b'4']);
        assert_eq!(encode("a\tb\nc"), b"a b c".to_vec());
    }

    #[test]
    fn every_produced_code_is_defined_in_winansi() {
        // Codes cp1252 leaves undefined must never reach a content stream.
        let undefined = [0x7f_u8, 0x81, 0x8d, 0x8f, 0x90, 0x9d];
        for c in (0..0x3000_u32).filter_map(char::from_u32) {
            if let Mapped::Byte(b) = map_char(c) {
                assert!(b >= 0x20 && !undefined.contains(&b), "{c:?} maps to {b:#x}");
            }
        }
    }
}
