//! The termination letter as a PDF (CTR-LETTER): from the holder's address to the
//! counterparty's registered office, naming the contract, its reference, the day it ends and
//! the way it is sent.

use crate::AppError;
use contracts::dates::format_date;
use contracts::{ContractRecord, LetterEffect, LetterOutcome, SendingWay};
use kernel::Lang;
use pdf::{Align, Document, Level, Paragraph, PdfDate};
use platform::model::Account;

/// Renders the letter; deterministic for the same inputs.
pub fn render(
    holder: &Account,
    r: &ContractRecord,
    effect: &LetterEffect,
    lang: Lang,
    signer: &str,
) -> Result<Vec<u8>, AppError> {
    let pdf_err = |e: pdf::PdfError| AppError::Unexpected(anyhow::anyhow!("letter: {e}"));
    let d = |date| format_date(date, lang);
    let reference = if r.reference.is_empty() {
        match lang {
            Lang::Fr => "sans référence".to_string(),
            Lang::En => "no reference".to_string(),
        }
    } else {
        r.reference.clone()
    };
    let (title, subject) = match lang {
        Lang::Fr => (
            format!("Résiliation du contrat {reference}"),
            format!("résiliation du contrat n° {reference}"),
        ),
        Lang::En => (
            format!("Termination of contract {reference}"),
            format!("termination of contract no. {reference}"),
        ),
    };
    let mut doc = Document::new(&title, &holder.legal_name);
    let s = effect.sent_on;
    doc.set_creation_date(PdfDate::new(s.year() as u16, s.month() as u8, s.day() as u8, 9, 0, 0).map_err(pdf_err)?);
    let sender = format!(
        "{}\n{}\n{} {}",
        holder.legal_name, holder.address_line, holder.postal_code, holder.city
    );
    let mut recipient = r.counterparty.name.clone();
    if let Some(office) = r.counterparty.registered_office.as_deref().filter(|o| !o.is_empty()) {
        recipient.push('\n');
        recipient.push_str(&office.replace(", ", "\n"));
    }
    if let Some(contact) = r.counterparty.contact.as_deref().filter(|c| !c.is_empty()) {
        recipient.push('\n');
        recipient.push_str(contact);
    }
    doc.address_block(&sender, &recipient);
    let place_date = match lang {
        Lang::Fr => format!("{}, le {}", holder.city, d(effect.sent_on)),
        Lang::En => format!("{}, {}", holder.city, d(effect.sent_on)),
    };
    doc.paragraph(Paragraph::plain(&place_date).align(Align::Right));
    let (subject_label, way_line) = match lang {
        Lang::Fr => ("Objet : ", way_wording(effect.way, lang)),
        Lang::En => ("Subject: ", way_wording(effect.way, lang)),
    };
    doc.paragraph(Paragraph::new().bold(subject_label).text(&subject));
    doc.paragraph(Paragraph::new().bold(&way_line));
    doc.heading(Level::H2, &title);
    let ends = d(effect.ends_on);
    let body = match (lang, effect.outcome) {
        (Lang::Fr, LetterOutcome::AfterNotice { .. }) => format!(
            "Par la présente, nous vous informons de notre décision de résilier le contrat référencé ci-dessus, \
             conclu le {}, dans le respect du préavis de {} prévu au contrat. La résiliation prendra effet le {ends}.",
            d(r.terms.start()),
            r.terms.notice().describe(lang)
        ),
        (Lang::Fr, _) => format!(
            "Par la présente, nous vous informons de notre décision de résilier le contrat référencé ci-dessus, \
             conclu le {}, et de ne pas le renouveler. Compte tenu du préavis de {} prévu au contrat, \
             la résiliation prendra effet le {ends}.",
            d(r.terms.start()),
            r.terms.notice().describe(lang)
        ),
        (Lang::En, LetterOutcome::AfterNotice { .. }) => format!(
            "We hereby give notice of our decision to terminate the contract referenced above, entered into on {}, \
             with the {} notice it provides for. The termination takes effect on {ends}.",
            d(r.terms.start()),
            r.terms.notice().describe(lang)
        ),
        (Lang::En, _) => format!(
            "We hereby give notice of our decision to terminate the contract referenced above, entered into on {}, \
             and not to renew it. Given the {} notice the contract provides for, the termination takes effect on {ends}.",
            d(r.terms.start()),
            r.terms.notice().describe(lang)
        ),
    };
    let (salutation, closing, confirm) = match lang {
        Lang::Fr => (
            "Madame, Monsieur,",
            "Nous vous prions d’agréer, Madame, Monsieur, l’expression de nos salutations distinguées.",
            "Nous vous remercions de bien vouloir nous confirmer cette résiliation par écrit et de nous adresser \
             la facture de clôture.",
        ),
        Lang::En => (
            "Dear Sir or Madam,",
            "Yours faithfully,",
            "Please confirm this termination in writing and send us the final invoice.",
        ),
    };
    doc.text(salutation);
    doc.text(&body);
    doc.text(confirm);
    doc.text(closing);
    doc.spacer(12.0);
    doc.paragraph(
        Paragraph::new()
            .bold(signer)
            .text(format!("\n{}", holder.legal_name))
            .align(Align::Right),
    );
    Ok(doc.to_bytes())
}

/// The wording of the way of sending, printed under the subject.
pub fn way_wording(way: SendingWay, lang: Lang) -> String {
    match (way, lang) {
        (SendingWay::RegisteredLetter, Lang::Fr) => "Lettre recommandée avec accusé de réception".into(),
        (SendingWay::RegisteredLetter, Lang::En) => "Registered letter with acknowledgement of receipt".into(),
        (SendingWay::Email, Lang::Fr) => "Envoyée par courriel".into(),
        (SendingWay::Email, Lang::En) => "Sent by email".into(),
        (SendingWay::OnlineForm, Lang::Fr) => "Transmise par le formulaire en ligne du fournisseur".into(),
        (SendingWay::OnlineForm, Lang::En) => "Sent through the supplier's online form".into(),
        (SendingWay::InApp, Lang::Fr) => "Transmise dans l’application du fournisseur".into(),
        (SendingWay::InApp, Lang::En) => "Sent in the supplier's application".into(),
    }
}
