//! Shared fixtures and the runner for the external tools.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pdf::{Column, Document, Level, Paragraph, PdfDate, PdfError, Table, Totals};

/// Whether `program` can be run. Missing: panics under CI, otherwise says why the test is skipped.
pub fn have(program: &str, debian_package: &str) -> bool {
    // Poppler's tools print their version for `-v`, qpdf for `--version`; either way, being able to
    // start the program at all is what proves it is installed.
    let version = if program == "qpdf" { "--version" } else { "-v" };
    if Command::new(program).arg(version).output().is_ok() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("{program} is not installed: CI needs the Debian package {debian_package}");
    }
    eprintln!("skipped: {program} not found (apt-get install -y {debian_package}); under CI this test fails instead");
    false
}

/// A temporary directory with the document written in it as `name`.
pub struct Written {
    _dir: tempfile::TempDir,
    pub path: PathBuf,
}

pub fn write(doc: &Document, name: &str) -> Result<Written, std::io::Error> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join(name);
    std::fs::write(&path, doc.to_bytes())?;
    Ok(Written { _dir: dir, path })
}

/// Runs a tool and returns its output, whatever its exit status.
pub fn run(program: &str, args: &[&str], file: &Path) -> Result<Output, std::io::Error> {
    Command::new(program).args(args).arg(file).output()
}

/// The text of pages `first..=last` (all pages when `None`), as UTF-8.
pub fn pdftotext(file: &Path, pages: Option<(usize, usize)>) -> Result<String, String> {
    let mut args = vec!["-enc".to_owned(), "UTF-8".to_owned()];
    if let Some((first, last)) = pages {
        args.extend(["-f".to_owned(), first.to_string(), "-l".to_owned(), last.to_string()]);
    }
    let output = Command::new("pdftotext")
        .args(&args)
        .arg(file)
        .arg("-")
        .output()
        .map_err(|e| e.to_string())?;
    if !output.status.success() || !output.stderr.is_empty() {
        return Err(format!(
            "pdftotext: {} {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    String::from_utf8(output.stdout).map_err(|e| e.to_string())
}

/// The invoice every tool reads: seller and buyer, lines, totals, legal mentions.
pub fn invoice() -> Result<Document, PdfError> {
    let mut doc = Document::new("Facture F-2026-0042 — Boulangerie Lefèvre", "Atelier Durand SARL");
    doc.set_creation_date(PdfDate::new(2026, 3, 3, 9, 30, 0)?);
    doc.set_footer(
        "Atelier Durand SARL au capital de 10 000 € — RCS Lyon 123 456 789. Pénalités de retard : trois fois le \
         taux d’intérêt légal ; indemnité forfaitaire pour frais de recouvrement : 40 €.",
    );
    doc.address_block(
        "Atelier Durand SARL\n12 rue de la République\n69002 Lyon",
        "Boulangerie Lefèvre\nÀ l’attention de Mme Chloé Lefèvre\n3 place Bellecour\n69002 Lyon",
    );
    doc.heading(Level::H1, "Facture F-2026-0042");
    doc.key_values([("Date d’émission", "3 mars 2026"), ("Échéance", "2 avril 2026")]);
    let mut lines = Table::new(vec![
        Column::new("Désignation", 0.46),
        Column::numeric("Qté", 0.08),
        Column::numeric("PU HT", 0.16),
        Column::numeric("TVA", 0.1),
        Column::numeric("Montant HT", 0.2),
    ])?;
    lines.push_row(["Révision du four à sole", "1", "450,00 €", "20 %", "450,00 €"])?;
    lines.push_row([
        "Joint de porte « haute température »",
        "2",
        "37,50 €",
        "20 %",
        "75,00 €",
    ])?;
    lines.push_row([
        "Œufs bio, pâte à choux, crème brûlée",
        "4",
        "9,00 €",
        "5,5 %",
        "36,00 €",
    ])?;
    doc.table(lines);
    doc.totals(
        Totals::new()
            .line("Total HT", "561,00 €")
            .line("TVA 20 %", "105,00 €")
            .line("TVA 5,5 %", "1,98 €")
            .emphasized("Net à payer", "667,98 €"),
    );
    doc.paragraph(
        Paragraph::new()
            .text("Règlement par virement, ")
            .bold("sans escompte")
            .text(", à réception."),
    );
    Ok(doc)
}
