//! qpdf checks the file's structure: xref offsets, stream lengths, compressed streams.

use pdf::Document;

use crate::support::{have, invoice, run, write};

/// Runs `qpdf --check` on the document; any error or warning comes back as the report.
fn qpdf_check(doc: &Document, name: &str) -> Result<(), String> {
    let file = write(doc, name).map_err(|e| e.to_string())?;
    let output = run("qpdf", &["--check"], &file.path).map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // qpdf exits 0 when clean, 2 on errors and 3 on warnings (such as a repaired xref).
    let clean = output.status.code() == Some(0)
        && stdout.contains("No syntax or stream encoding errors found")
        && stderr.is_empty()
        && !stdout.to_lowercase().contains("warning");
    if clean {
        Ok(())
    } else {
        Err(format!("{name}: {}\n{stdout}{stderr}", output.status))
    }
}

#[test]
fn qpdf_finds_no_error_or_warning() {
    if !have("qpdf", "qpdf") {
        return;
    }
    qpdf_check(&invoice().unwrap(), "facture.pdf").unwrap();
    qpdf_check(&Document::new("", ""), "vide.pdf").unwrap();
    let mut long = Document::new("Lettre (recommandée) \\ avec accusé", "Comptoir");
    for i in 0..60 {
        long.text(format!(
            "Paragraphe {i} : « parenthèses ( ) et barre \\ » ✓ — {}",
            "mot ".repeat(40)
        ));
    }
    qpdf_check(&long, "lettre.pdf").unwrap();
}

#[test]
fn document_information_is_readable() {
    if !have("pdfinfo", "poppler-utils") {
        return;
    }
    let file = write(&invoice().unwrap(), "facture.pdf").unwrap();
    let output = run("pdfinfo", &["-enc", "UTF-8", "-isodates"], &file.path).unwrap();
    let info = String::from_utf8(output.stdout).unwrap();
    assert!(info.contains("Facture F-2026-0042 — Boulangerie Lefèvre"), "{info}");
    assert!(info.contains("Atelier Durand SARL"), "{info}");
    assert!(info.contains("2026-03-03T09:30:00Z"), "{info}");
    assert!(
        info.lines()
            .any(|l| l.starts_with("PDF version:") && l.ends_with(" 1.7")),
        "{info}"
    );
    assert!(info.contains("A4"), "{info}");
}
