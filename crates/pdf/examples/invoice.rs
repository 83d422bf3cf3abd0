//! Writes a small French invoice: `cargo run -p pdf --example invoice -- facture.pdf`.

use pdf::{Align, Column, Document, Level, Paragraph, PdfDate, PdfError, Table, Totals};

fn invoice() -> Result<Document, PdfError> {
    let mut doc = Document::new("Facture F-2026-0042", "Atelier Durand SARL");
    doc.set_creation_date(PdfDate::new(2026, 3, 3, 9, 30, 0)?);
    doc.set_footer(
        "Atelier Durand SARL au capital de 10 000 € — 12 rue de la République, 69002 Lyon — RCS Lyon 123 456 789 \
         — TVA intracommunautaire FR12 123456789. En cas de retard de paiement : pénalités au taux de trois fois \
         le taux d’intérêt légal et indemnité forfaitaire pour frais de recouvrement de 40 € (art. L441-10 du \
         Code de commerce). Pas d’escompte pour paiement anticipé.",
    );
    doc.address_block(
        "Atelier Durand SARL\n12 rue de la République\n69002 Lyon\nSIRET 123 456 789 00012",
        "Boulangerie Lefèvre\nÀ l’attention de Mme Chloé Lefèvre\n3 place Bellecour\n69002 Lyon",
    );
    doc.heading(Level::H1, "Facture F-2026-0042");
    doc.key_values([
        ("Date d’émission", "3 mars 2026"),
        ("Date de la prestation", "27 février 2026"),
        ("Échéance", "2 avril 2026 (30 jours)"),
        ("Client n°", "C-0173 — TVA FR98 987654321"),
    ]);

    let mut lines = Table::new(vec![
        Column::new("Désignation", 0.44),
        Column::numeric("Qté", 0.08),
        Column::numeric("PU HT", 0.16),
        Column::numeric("TVA", 0.1),
        Column::numeric("Montant HT", 0.22),
    ])?;
    lines.push_row([
        "Révision annuelle du four à sole, contrôle des brûleurs",
        "1",
        "450,00 €",
        "20 %",
        "450,00 €",
    ])?;
    lines.push_row([
        "Joint de porte « haute température »",
        "2",
        "37,50 €",
        "20 %",
        "75,00 €",
    ])?;
    lines.push_row([
        "Déplacement\nzone 1 (Lyon intra-muros)",
        "1",
        "35,00 €",
        "20 %",
        "35,00 €",
    ])?;
    lines.push_row([
        "Œufs bio — lot de 30 (remise commerciale)",
        "4",
        "9,00 €",
        "5,5 %",
        "36,00 €",
    ])?;
    doc.table(lines);

    doc.totals(
        Totals::new()
            .line("Total HT", "596,00 €")
            .line("TVA 20 %", "112,00 €")
            .line("TVA 5,5 %", "1,98 €")
            .emphasized("Net à payer", "709,98 €"),
    );
    doc.paragraph(
        Paragraph::new()
            .text("Règlement par virement sur le compte ")
            .bold("FR76 3000 6000 0112 3456 7890 189")
            .text(" (BIC AGRIFRPP), en rappelant le numéro de facture."),
    );
    doc.paragraph(Paragraph::plain("Merci de votre confiance !").align(Align::Center));
    Ok(doc)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).unwrap_or_else(|| "facture.pdf".to_owned());
    std::fs::write(&path, invoice()?.to_bytes())?;
    println!("{path}");
    Ok(())
}
