//! Writes a termination letter: `cargo run -p pdf --example letter -- resiliation.pdf`.

use pdf::{Align, Document, Paragraph, PdfDate, PdfError};

fn letter() -> Result<Document, PdfError> {
    let mut doc = Document::new("Résiliation du contrat n° 2024-117", "Boulangerie Lefèvre");
    doc.set_creation_date(PdfDate::new(2026, 3, 3, 9, 30, 0)?);
    doc.address_block(
        "Boulangerie Lefèvre\n3 place Bellecour\n69002 Lyon",
        "Atelier Durand SARL\nService clients\n12 rue de la République\n69002 Lyon",
    );
    doc.paragraph(Paragraph::plain("Lyon, le 3 mars 2026").align(Align::Right));
    doc.paragraph(
        Paragraph::new()
            .bold("Objet : ")
            .text("résiliation du contrat de maintenance n° 2024-117"),
    );
    doc.paragraph(Paragraph::new().bold("Lettre recommandée avec accusé de réception"));
    doc.spacer(6.0);
    doc.text("Madame, Monsieur,");
    doc.text(
        "Par la présente, je vous informe de ma décision de résilier le contrat de maintenance référencé \
         ci-dessus, conformément à son article 9 et dans le respect du préavis de trois mois. La résiliation \
         prendra donc effet le 3 juin 2026.",
    );
    doc.text(
        "Je vous remercie de bien vouloir m’adresser une confirmation écrite de cette résiliation ainsi que \
         la facture de clôture du contrat.",
    );
    doc.text("Je vous prie d’agréer, Madame, Monsieur, l’expression de mes salutations distinguées.");
    doc.spacer(12.0);
    doc.paragraph(
        Paragraph::new()
            .bold("Chloé Lefèvre")
            .text("\nGérante")
            .align(Align::Right),
    );
    Ok(doc)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).unwrap_or_else(|| "resiliation.pdf".to_owned());
    std::fs::write(&path, letter()?.to_bytes())?;
    println!("{path}");
    Ok(())
}
