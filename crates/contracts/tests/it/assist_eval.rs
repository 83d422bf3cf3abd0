//! Terms assist evaluated on the four seed documents other than C-Log's: field-level
//! precision and recall, printed as a table, with a floor.
//!
//! Run: `cargo test -p contracts --test it assist_eval -- --nocapture`

use contracts::SendingWay;
use contracts::assist::{NoticeValue, Proposal, TermValue, propose};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// `shared/seeds` beside the repository (as CI lays it out), or `COMPTOIR_SEEDS`.
fn seeds_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("COMPTOIR_SEEDS") {
        return Some(PathBuf::from(dir));
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .map(|a| a.join("shared").join("seeds"))
        .find(|p| p.is_dir())
}

fn seed_text(dir: &std::path::Path, prefix: &str) -> String {
    let entry = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .unwrap_or_else(|| panic!("no seed {prefix}_* in {}", dir.display()));
    std::fs::read_to_string(entry.path()).unwrap_or_else(|e| panic!("read seed: {e}"))
}

const FIELDS: [&str; 5] = ["term", "renewal", "notice", "ways", "price"];

/// A proposal as comparable labels per field.
fn labels(p: &Proposal) -> [BTreeSet<String>; 5] {
    [
        p.term
            .iter()
            .map(|f| match f.value {
                TermValue::Months(m) => format!("{m} months"),
                TermValue::Indefinite => "indefinite".into(),
            })
            .collect(),
        p.renewal.iter().map(|_| "tacit".to_string()).collect(),
        p.notice
            .iter()
            .map(|f| match f.value {
                NoticeValue::Days(d) => format!("{d} days"),
                NoticeValue::Months(m) => format!("{m} months"),
                NoticeValue::Hours(h) => format!("{h} hours"),
                NoticeValue::BeforeDayOfMonth(d) => format!("before day {d}"),
            })
            .collect(),
        p.ways.iter().map(|f| f.value.code().to_string()).collect(),
        p.price
            .iter()
            .map(|f| format!("{} {}", f.value.amount_minor, f.value.period.code()))
            .collect(),
    ]
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The expected answers. The brief states term, renewal and notice for each document and the
/// ways for Digitaleo and INES; the other values were read from the documents: Claralex's
/// notices go by registered letter (art. 9), Oseox's renewal is unticked in the client
/// account, Oseox's prices are its pack table (the actual prices, not the struck-through
/// list prices, OSX-PRICES), and the other three state no subscription price.
fn expected() -> Vec<(&'static str, &'static str, [BTreeSet<String>; 5])> {
    vec![
        (
            "001",
            "Digitaleo",
            [
                set(&["indefinite"]),
                set(&[]),
                set(&["3 months"]),
                set(&[SendingWay::RegisteredLetter.code()]),
                set(&[]),
            ],
        ),
        (
            "002",
            "Claralex",
            [
                set(&["1 months"]),
                set(&["tacit"]),
                set(&["before day 20"]),
                set(&[SendingWay::RegisteredLetter.code()]),
                set(&[]),
            ],
        ),
        (
            "003",
            "Oseox",
            [
                set(&["1 months", "12 months"]),
                set(&["tacit"]),
                set(&["48 hours"]),
                set(&[SendingWay::InApp.code()]),
                set(&[
                    "1990 monthly",
                    "4990 monthly",
                    "16990 monthly",
                    "19900 yearly",
                    "49900 yearly",
                    "169900 yearly",
                ]),
            ],
        ),
        (
            "004",
            "INES",
            [
                set(&["24 months"]),
                set(&["tacit"]),
                set(&["3 months"]),
                set(&[SendingWay::RegisteredLetter.code()]),
                set(&[]),
            ],
        ),
    ]
}

fn ratio(num: usize, den: usize) -> f64 {
    if den == 0 { 1.0 } else { num as f64 / den as f64 }
}

#[test]
fn assist_eval_on_the_seed_documents() {
    let Some(dir) = seeds_dir() else {
        let why = "the seed documents (shared/seeds beside the repository, or COMPTOIR_SEEDS) are not found";
        if std::env::var_os("CI").is_some() {
            panic!("{why}");
        }
        eprintln!("skipped: {why}");
        return;
    };
    // Per field: true positives, proposals, expected.
    let mut totals = [(0usize, 0usize, 0usize); 5];
    let mut misses = Vec::new();
    for (prefix, name, gold) in expected() {
        let proposal = propose(&seed_text(&dir, prefix));
        // Every proposal carries the sentence it came from, found in the text.
        let got = labels(&proposal);
        for (i, field) in FIELDS.iter().enumerate() {
            let tp = got[i].intersection(&gold[i]).count();
            totals[i].0 += tp;
            totals[i].1 += got[i].len();
            totals[i].2 += gold[i].len();
            if got[i] != gold[i] {
                misses.push(format!("{name} {field}: proposed {:?}, expected {:?}", got[i], gold[i]));
            }
        }
        // Every proposal names the sentence it came from.
        let sources = proposal
            .term
            .iter()
            .map(|f| (format!("{:?}", f.value), &f.sentence))
            .chain(proposal.renewal.iter().map(|f| (format!("{:?}", f.value), &f.sentence)))
            .chain(proposal.notice.iter().map(|f| (format!("{:?}", f.value), &f.sentence)))
            .chain(proposal.ways.iter().map(|f| (format!("{:?}", f.value), &f.sentence)))
            .chain(proposal.price.iter().map(|f| (format!("{:?}", f.value), &f.sentence)));
        for (value, sentence) in sources {
            assert!(!sentence.is_empty());
            let short: String = sentence.chars().take(110).collect();
            println!("{name}: {value} ← \"{short}…\"");
        }
    }
    let mut table = String::from(
        "| field | proposed | expected | correct | precision | recall |\n| --- | ---: | ---: | ---: | ---: | ---: |\n",
    );
    let (mut tp, mut proposed, mut gold) = (0, 0, 0);
    for (i, field) in FIELDS.iter().enumerate() {
        let (t, p, g) = totals[i];
        table.push_str(&format!(
            "| {field} | {p} | {g} | {t} | {:.2} | {:.2} |\n",
            ratio(t, p),
            ratio(t, g)
        ));
        tp += t;
        proposed += p;
        gold += g;
    }
    let (precision, recall) = (ratio(tp, proposed), ratio(tp, gold));
    table.push_str(&format!(
        "| **all** | {proposed} | {gold} | {tp} | {precision:.2} | {recall:.2} |\n"
    ));
    println!("{table}");
    for m in &misses {
        println!("- {m}");
    }
    // C-Log's terms were not used to write the rules: a small held-out check. Expected: no
    // term, renewal, notice or price stated; termination "by post or email" (post is not a
    // registered letter, and the register has no plain-letter way).
    let clog = labels(&propose(&seed_text(&dir, "000")));
    let clog_gold = [set(&[]), set(&[]), set(&[]), set(&[SendingWay::Email.code()]), set(&[])];
    let (mut ctp, mut cp, mut cg) = (0, 0, 0);
    for i in 0..5 {
        ctp += clog[i].intersection(&clog_gold[i]).count();
        cp += clog[i].len();
        cg += clog_gold[i].len();
    }
    println!(
        "Held out (C-Log, 000): proposed {cp}, expected {cg}, correct {ctp}: precision {:.2}, recall {:.2}; proposed {clog:?}",
        ratio(ctp, cp),
        ratio(ctp, cg)
    );
    assert!(precision >= 0.9, "precision {precision:.2} under the 0.90 floor");
    assert!(recall >= 0.9, "recall {recall:.2} under the 0.90 floor");
}
