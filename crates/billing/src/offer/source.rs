//! Maps field paths to positions in the offer file, and positions back to field paths.
//!
//! Errors must name the file, the line and the field. Serde knows the field but not the line;
//! the TOML parser knows byte spans. This index, built once from the parsed document, joins
//! the two: every key and value with its dotted path and its spans.

use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

struct Entry {
    path: String,
    key: Range<usize>,
    value: Range<usize>,
}

/// The spans of every key and value of one document.
pub(crate) struct SourceMap<'a> {
    text: &'a str,
    entries: Vec<Entry>,
    line_starts: Vec<usize>,
}

/// A position in the file: 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Position {
    pub line: usize,
    pub column: usize,
}

fn join(prefix: &str, key: &str) -> String {
    // Keys that are not bare TOML keys are quoted, so the path reads as TOML would write it.
    let bare = !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    let key = if bare { key.to_owned() } else { format!("{key:?}") };
    if prefix.is_empty() {
        key
    } else {
        format!("{prefix}.{key}")
    }
}

impl<'a> SourceMap<'a> {
    /// An index of `text` without any entry: positions only (used when the TOML is unreadable).
    pub fn lines_only(text: &'a str) -> SourceMap<'a> {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceMap {
            text,
            entries: Vec::new(),
            line_starts,
        }
    }

    pub fn new(text: &'a str, root: &Spanned<DeTable<'_>>) -> SourceMap<'a> {
        let mut map = SourceMap::lines_only(text);
        map.walk_table(root.get_ref(), "");
        map
    }

    fn walk_table(&mut self, table: &DeTable<'_>, prefix: &str) {
        for (key, value) in table.iter() {
            let path = join(prefix, key.get_ref());
            self.entries.push(Entry {
                path: path.clone(),
                key: key.span(),
                value: value.span(),
            });
            self.walk_value(value.get_ref(), &path);
        }
    }

    fn walk_value(&mut self, value: &DeValue<'_>, path: &str) {
        match value {
            DeValue::Table(table) => self.walk_table(table, path),
            DeValue::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let item_path = format!("{path}[{i}]");
                    self.entries.push(Entry {
                        path: item_path.clone(),
                        key: item.span(),
                        value: item.span(),
                    });
                    self.walk_value(item.get_ref(), &item_path);
                }
            }
            _ => {}
        }
    }

    /// The line and column of a byte offset.
    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line_index = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        let line_start = self.line_starts.get(line_index).copied().unwrap_or(0);
        let column = self.text.get(line_start..offset).map_or(0, |s| s.chars().count()) + 1;
        Position {
            line: line_index + 1,
            column,
        }
    }

    /// Where the field at `path` is written: its value for a plain value, its header for a
    /// table. A path that is not in the file (a missing field) points at the nearest enclosing
    /// table that is; a missing top-level field points at line 1.
    pub fn locate(&self, path: &str) -> Option<Position> {
        let mut current = path;
        loop {
            if let Some(entry) = self.entries.iter().find(|e| e.path == current) {
                return Some(self.position(entry.value.start));
            }
            current = parent(current)?;
        }
    }

    /// The field path of the narrowest key or value that contains `span`; `None` at the top
    /// level.
    pub fn path_at(&self, span: &Range<usize>) -> Option<&str> {
        // The parser gives an empty span at offset 0 for the document itself.
        if span.is_empty() && span.start == 0 {
            return None;
        }
        let contains = |outer: &Range<usize>| outer.start <= span.start && span.end <= outer.end;
        self.entries
            .iter()
            .flat_map(|e| [(e, &e.key), (e, &e.value)])
            .filter(|(_, range)| contains(range))
            .min_by_key(|(e, range)| (range.len(), usize::MAX - e.path.len()))
            .map(|(e, _)| e.path.as_str())
    }

    /// The byte offset where the field at `path` starts, to keep file order (plans are listed
    /// in the order the file writes them).
    pub fn offset_of(&self, path: &str) -> usize {
        self.entries
            .iter()
            .find(|e| e.path == path)
            .map_or(usize::MAX, |e| e.key.start)
    }

    /// A best guess at the field path around a byte offset when the TOML itself is broken and
    /// no index exists: the last `[table]` header before it, then the key on its line.
    pub fn guess_path(&self, offset: usize) -> String {
        let offset = offset.min(self.text.len());
        // Up to the end of the offset's line, so a broken header line names itself.
        let line_end = self
            .text
            .get(offset..)
            .and_then(|rest| rest.find('\n'))
            .map_or(self.text.len(), |i| offset + i);
        let before = self.text.get(..offset).unwrap_or("");
        let mut header = String::new();
        for line in self.text.get(..line_end).unwrap_or("").lines() {
            let line = line.trim();
            if let Some(inner) = line.strip_prefix("[[").and_then(|l| l.split("]]").next()) {
                header = inner.trim().to_owned();
            } else if let Some(inner) = line.strip_prefix('[').and_then(|l| l.split(']').next()) {
                header = inner.trim().to_owned();
            }
        }
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line = self.text.get(line_start..).and_then(|l| l.lines().next()).unwrap_or("");
        let key = line
            .split_once('=')
            .map(|(k, _)| k.trim().trim_matches('"').to_owned())
            .filter(|k| !k.starts_with('['));
        match key {
            Some(key) if !key.is_empty() => join(&header, &key),
            _ => header,
        }
    }
}

/// `plans.s.prices` → `plans.s`; `modules[2]` → `modules`; a top-level name → `None`.
fn parent(path: &str) -> Option<&str> {
    if let Some(stripped) = path.strip_suffix(']') {
        return stripped.rfind('[').map(|i| &path[..i]);
    }
    path.rfind('.').map(|i| &path[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "name = \"x\"\nmodules = [\"a\", \"b\"]\n\n[plans.s]\nname = \"S\"\nprices.monthly = { list = \"1\", current = \"2\" }\n";

    #[test]
    fn locates_values_and_missing_fields() {
        let doc = DeTable::parse(TEXT).expect("valid TOML");
        let map = SourceMap::new(TEXT, &doc);
        assert_eq!(map.locate("name"), Some(Position { line: 1, column: 8 }));
        assert_eq!(map.locate("modules[1]"), Some(Position { line: 2, column: 17 }));
        assert_eq!(map.locate("plans.s.prices.monthly.current").map(|p| p.line), Some(6));
        // A missing field points at its table's header.
        assert_eq!(map.locate("plans.s.description"), Some(Position { line: 4, column: 1 }));
        assert_eq!(map.locate("description"), None);
    }

    #[test]
    fn finds_the_path_of_a_span() {
        let doc = DeTable::parse(TEXT).expect("valid TOML");
        let map = SourceMap::new(TEXT, &doc);
        let current = TEXT.find("\"2\"").expect("present");
        assert_eq!(
            map.path_at(&(current..current + 3)),
            Some("plans.s.prices.monthly.current")
        );
        let header = TEXT.find("[plans.s]").expect("present");
        assert_eq!(map.path_at(&(header..header + 9)), Some("plans.s"));
        assert_eq!(map.path_at(&(0..0)), None);
    }

    #[test]
    fn guesses_a_path_in_broken_toml() {
        let text = "name = \"x\"\n[plans.s]\nname = \"S\"\nprice = = 3\n";
        let map = SourceMap::lines_only(text);
        let offset = text.find("= 3").expect("present");
        assert_eq!(map.guess_path(offset), "plans.s.price");
        assert_eq!(map.position(offset).line, 4);
        let duplicate = "[plans.s]\nname = \"S\"\n[plans.s]\nname = \"T\"\n";
        let map = SourceMap::lines_only(duplicate);
        let offset = duplicate.rfind('s').expect("present");
        assert_eq!(map.guess_path(offset), "plans.s");
    }

    #[test]
    fn parent_paths() {
        assert_eq!(parent("plans.s.prices"), Some("plans.s"));
        assert_eq!(parent("modules[2]"), Some("modules"));
        assert_eq!(parent("name"), None);
    }
}
