//! Messages in French and English, from `messages.toml` compiled into the binary.

use kernel::Lang;
use std::collections::HashMap;
use std::sync::OnceLock;

type Catalogue = HashMap<String, (String, String)>;

fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        let raw: toml::Table = toml::from_str(include_str!("../messages.toml")).unwrap_or_default();
        raw.into_iter()
            .filter_map(|(key, v)| {
                let t = v.as_table()?;
                Some((
                    key,
                    (t.get("fr")?.as_str()?.to_string(), t.get("en")?.as_str()?.to_string()),
                ))
            })
            .collect()
    })
}

/// The message for `key` in `lang`; the key itself when missing, so a gap is visible, not blank.
pub fn message(lang: Lang, key: &str) -> &str {
    match catalogue().get(key) {
        Some((fr, en)) => match lang {
            Lang::Fr => fr,
            Lang::En => en,
        },
        None => key,
    }
}

/// Every key, for the completeness test.
pub fn keys() -> impl Iterator<Item = &'static str> {
    catalogue().keys().map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_exists_in_both_languages() {
        assert!(keys().count() > 50);
        for key in keys() {
            assert!(!message(Lang::Fr, key).is_empty(), "{key}");
            assert!(!message(Lang::En, key).is_empty(), "{key}");
        }
        assert_eq!(
            message(Lang::Fr, "siren_checksum"),
            "Ce SIREN n'est pas valide (clé de contrôle incorrecte)."
        );
        assert_eq!(message(Lang::En, "no.such.key"), "no.such.key");
    }
}
