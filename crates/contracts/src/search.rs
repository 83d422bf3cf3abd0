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
}
