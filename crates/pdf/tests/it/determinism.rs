//! The same document gives the same bytes: no clock, no random identifiers.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use pdf::PdfDate;

use crate::support::invoice;

fn hash(bytes: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    bytes.hash(&mut hasher);
    hasher.finish()
}

#[test]
fn the_same_document_gives_the_same_bytes() {
    let first = invoice().unwrap().to_bytes();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let second = invoice().unwrap().to_bytes();
    assert_eq!(hash(&first), hash(&second));
    assert_eq!(first, second);
}

#[test]
fn the_creation_date_is_the_callers() {
    let mut doc = invoice().unwrap();
    let before = doc.to_bytes();
    doc.set_creation_date(PdfDate::new(2027, 1, 2, 3, 4, 5).unwrap());
    let after = doc.to_bytes();
    assert_ne!(before, after);
    let text = String::from_utf8_lossy(&after);
    assert!(text.contains("/CreationDate (D:20270102030405Z)"));
    assert_eq!(text.matches("CreationDate").count(), 1);
}
