//! PDF writer for business documents: invoices, letters, statements.
//!
//! A [`Document`] is a list of blocks — headings, paragraphs with bold runs, a sender/recipient
//! address block, key/value lines, rules, spacers, tables and a totals box — laid out on A4
//! portrait pages, with a new page whenever the next piece does not fit. Every page carries an
//! optional footer text (an invoice's legal mentions) and "Page n / total".
//!
//! Text is set in the standard Helvetica and Helvetica-Bold fonts with WinAnsiEncoding: nothing is
//! embedded, files stay small, and all of French (é è à ç ô œ « » € ’) draws and extracts
//! correctly. Widths come from the fonts' Adobe metrics, so wrapping and right alignment match the
//! page exactly. A character outside WinAnsi is drawn as `?` rather than breaking the file.
//!
//! [`Document::to_bytes`] is deterministic: the writer reads no clock and makes no random id, and
//! the creation date is whatever the caller passes.
//!
//! The crate knows nothing of invoices as such: amounts, dates and rates arrive as formatted text.
//!
//! # Example: a French invoice
//!
//! ```
//! use pdf::{Align, Column, Document, Level, Paragraph, PdfDate, Table, Totals};
//!
//! # fn main() -> Result<(), pdf::PdfError> {
//! let mut doc = Document::new("Facture F-2026-0042", "Atelier Durand SARL");
//! doc.set_creation_date(PdfDate::new(2026, 3, 3, 9, 30, 0)?);
//! doc.set_footer(
//!     "Atelier Durand SARL au capital de 10 000 € — RCS Lyon 123 456 789 — TVA FR12 123456789. \
//!      Pénalités de retard : trois fois le taux d’intérêt légal. Indemnité forfaitaire pour frais \
//!      de recouvrement : 40 €. Pas d’escompte pour paiement anticipé.",
//! );
//! doc.address_block(
//!     "Atelier Durand SARL\n12 rue de la République\n69002 Lyon",
//!     "Boulangerie Lefèvre\nÀ l’attention de Mme Chloé Lefèvre\n3 place Bellecour\n69002 Lyon",
//! );
//! doc.heading(Level::H1, "Facture F-2026-0042");
//! doc.key_values([
//!     ("Date d’émission", "3 mars 2026"),
//!     ("Échéance", "2 avril 2026"),
//!     ("Client n°", "C-0173"),
//! ]);
//!
//! let mut lines = Table::new(vec![
//!     Column::new("Désignation", 0.46),
//!     Column::numeric("Qté", 0.08),
//!     Column::numeric("PU HT", 0.16),
//!     Column::numeric("TVA", 0.1),
//!     Column::numeric("Montant HT", 0.2),
//! ])?;
//! lines.push_row(["Révision du four à sole", "1", "450,00 €", "20 %", "450,00 €"])?;
//! lines.push_row(["Joint de porte « haute température »", "2", "37,50 €", "20 %", "75,00 €"])?;
//! doc.table(lines);
//!
//! doc.totals(
//!     Totals::new()
//!         .line("Total HT", "525,00 €")
//!         .line("TVA 20 %", "105,00 €")
//!         .emphasized("Net à payer", "630,00 €"),
//! );
//! doc.paragraph(
//!     Paragraph::new()
//!         .text("Règlement par virement sur ")
//!         .bold("FR76 3000 6000 0112 3456 7890 189")
//!         .text(".")
//!         .align(Align::Left),
//! );
//!
//! let bytes = doc.to_bytes();
//! assert!(bytes.starts_with(b"%PDF-1.7"));
//! assert_eq!(bytes, doc.to_bytes());
//! # Ok(())
//! # }
//! ```

mod document;
mod encoding;
mod error;
mod layout;
mod metrics;
mod writer;

pub use document::{A4_HEIGHT, A4_WIDTH, Align, Column, Document, Level, Margins, Paragraph, PdfDate, Table, Totals};
pub use error::PdfError;
pub use metrics::{Font, text_width};
