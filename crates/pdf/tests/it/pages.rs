//! A table longer than a page: header repeated, rows whole, pages numbered.

use pdf::{Column, Document, Level, PdfError, Table};

use crate::support::{have, pdftotext, run, write};

const ROWS: usize = 120;

fn long_table() -> Result<Document, PdfError> {
    let mut table = Table::new(vec![
        Column::new("Désignation", 0.55),
        Column::numeric("Quantité", 0.15),
        Column::numeric("Montant HT", 0.3),
    ])?;
    for i in 1..=ROWS {
        // Every third row wraps onto two lines, to check rows stay whole across page breaks.
        let label = if i % 3 == 0 {
            format!("Article {i}\nréférence longue {i}")
        } else {
            format!("Article {i}")
        };
        table.push_row([label, i.to_string(), format!("{i},00 €")])?;
    }
    let mut doc = Document::new("Relevé", "Comptoir");
    doc.set_footer("Relevé des opérations — document sans valeur de facture");
    doc.heading(Level::H1, "Relevé des opérations");
    doc.table(table);
    Ok(doc)
}

#[test]
fn a_long_table_repeats_its_header_and_numbers_its_pages() {
    if !have("pdftotext", "poppler-utils") || !have("pdfinfo", "poppler-utils") {
        return;
    }
    let doc = long_table().unwrap();
    let file = write(&doc, "releve.pdf").unwrap();
    let info = String::from_utf8(run("pdfinfo", &[], &file.path).unwrap().stdout).unwrap();
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no page count in {info}"));
    assert!(pages >= 3, "{ROWS} rows should take several pages, not {pages}");
    assert_eq!(pages, doc.page_count());

    let mut seen = vec![0; ROWS + 1];
    for page in 1..=pages {
        let text = pdftotext(&file.path, Some((page, page))).unwrap();
        for header in ["Désignation", "Quantité", "Montant HT"] {
            assert!(
                text.contains(header),
                "page {page} lacks the header {header:?}:\n{text}"
            );
        }
        assert!(
            text.contains(&format!("Page {page} / {pages}")),
            "page {page} is not numbered:\n{text}"
        );
        assert!(
            text.contains("document sans valeur de facture"),
            "page {page} lacks the footer"
        );
        let words: Vec<&str> = text.split_whitespace().collect();
        for (i, count) in seen.iter_mut().enumerate().skip(1) {
            let first = words.windows(2).any(|w| w == ["Article", i.to_string().as_str()]);
            if first {
                *count += 1;
            }
            if i % 3 == 0 {
                let second = text.contains(&format!("référence longue {i}\n"));
                assert_eq!(first, second, "row {i} is split across pages (page {page})");
            }
        }
    }
    assert!(seen[1..].iter().all(|&n| n == 1), "every row once: {seen:?}");
}
