//! Text comes back out of the PDF as it went in, read by poppler rather than by this crate.

use pdf::{A4_WIDTH, Align, Column, Document, Margins, Paragraph, Table};

use std::process::Command;

use crate::support::{have, invoice, pdftotext, write};

#[test]
fn french_text_comes_back_from_pdftotext() {
    if !have("pdftotext", "poppler-utils") {
        return;
    }
    let file = write(&invoice().unwrap(), "facture.pdf").unwrap();
    let text = pdftotext(&file.path, None).unwrap();
    for expected in [
        "Boulangerie Lefèvre",
        "À l’attention de Mme Chloé Lefèvre",
        "69002 Lyon",
        "Facture F-2026-0042",
        "Date d’émission",
        "Échéance",
        "Désignation",
        "Qté",
        "Joint de porte « haute température »",
        "Œufs bio, pâte à choux, crème brûlée",
        "450,00 €",
        "Net à payer",
        "667,98 €",
        "Règlement par virement, sans escompte, à réception.",
        "taux d’intérêt légal",
        "Page 1 / 1",
    ] {
        assert!(text.contains(expected), "{expected:?} not found in:\n{text}");
    }
}

#[test]
fn every_french_letter_and_sign_survives() {
    if !have("pdftotext", "poppler-utils") {
        return;
    }
    let letters =
        "àâäéèêëîïôöùûüÿçœæ ÀÂÄÉÈÊËÎÏÔÖÙÛÜŸÇŒÆ « guillemets » l’apostrophe – tiret — cadratin … 12 € 5 % n° 1er";
    let mut doc = Document::new("Lettres", "Comptoir");
    doc.text(letters);
    doc.paragraph(Paragraph::new().bold(letters));
    let file = write(&doc, "lettres.pdf").unwrap();
    // The lines wrap: compare with the line breaks read as spaces.
    let text = pdftotext(&file.path, None)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(text.matches(letters).count(), 2, "in:\n{text}");
}

#[test]
fn characters_outside_winansi_show_as_a_question_mark() {
    if !have("pdftotext", "poppler-utils") {
        return;
    }
    let mut doc = Document::new("Repli", "Comptoir");
    doc.text("Validé ✓ — 東京 — fin");
    let file = write(&doc, "repli.pdf").unwrap();
    let text = pdftotext(&file.path, None).unwrap();
    assert!(text.contains("Validé ? — ?? — fin"), "in:\n{text}");
}

/// Right edges of each word from `pdftotext -bbox`, by word.
fn word_right_edges(html: &str) -> Vec<(String, f32)> {
    html.lines()
        .filter_map(|line| {
            let line = line.trim();
            let rest = line.strip_prefix("<word ")?;
            let x_max = rest.split("xMax=\"").nth(1)?.split('"').next()?.parse().ok()?;
            let word = rest.split('>').nth(1)?.strip_suffix("</word")?;
            Some((word.to_owned(), x_max))
        })
        .collect()
}

#[test]
fn right_alignment_uses_the_fonts_real_widths() {
    // Poppler measures the unembedded standard fonts with its own copy of their metrics: words
    // right-aligned by this crate must end where poppler says they end.
    if !have("pdftotext", "poppler-utils") {
        return;
    }
    let mut doc = Document::new("Alignement", "Comptoir");
    doc.set_margins(Margins::uniform(50.0)).unwrap();
    doc.paragraph(Paragraph::plain("Lyon, le vendredi 3 mars 2026").align(Align::Right));
    let mut table = Table::new(vec![Column::new("Libellé", 0.6), Column::numeric("Montant", 0.4)]).unwrap();
    for amount in ["1,00", "iiiiiiii", "WWWWWW", "12345678,90", "«é»", "Œœ€"] {
        table.push_row(["ligne", amount]).unwrap();
    }
    doc.table(table);
    let file = write(&doc, "alignement.pdf").unwrap();
    let output = Command::new("pdftotext")
        .args(["-bbox", "-enc", "UTF-8"])
        .arg(&file.path)
        .arg("-")
        .output()
        .unwrap();
    let html = String::from_utf8(output.stdout).unwrap();
    let edges = word_right_edges(&html);
    let edge_of = |word: &str| {
        edges
            .iter()
            .find(|(w, _)| w == word)
            .map(|(_, x)| *x)
            .unwrap_or_else(|| panic!("{word} not in {edges:?}"))
    };
    let text_right = A4_WIDTH - 50.0;
    assert!(
        (edge_of("2026") - text_right).abs() < 0.05,
        "paragraph ends at {}",
        edge_of("2026")
    );
    // Cells have 4 pt of padding inside the column.
    for amount in ["1,00", "iiiiiiii", "WWWWWW", "12345678,90", "«é»", "Œœ€", "Montant"] {
        let right = edge_of(amount);
        assert!(
            (right - (text_right - 4.0)).abs() < 0.05,
            "{amount} ends at {right}, not {}",
            text_right - 4.0
        );
    }
}
