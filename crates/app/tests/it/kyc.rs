//! Know your customer (INES-KYC): registry extract under three months old and bank details.

use crate::{ADMIN, OPERATOR, World, actor, code, invalid_fields, on_every_backend};
use app::kyc::{BankInput, RegistryExtractUpload};

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

// clause: INES-KYC
#[tokio::test]
async fn the_holder_provides_a_recent_registry_extract_and_bank_details() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let admin = w.principal(ADMIN).await;
        let op = w.principal(OPERATOR).await;
        // The account lives on a test clock, so "three months ago" is a fixed day.
        let clock = w
            .app
            .create_clock("kyc", "2026-06-15", &actor(&op))
            .await
            .expect("clock");
        w.app
            .attach_clock(w.account, Some(clock.id), &actor(&op))
            .await
            .expect("attach");
        let kyc = w.app.kyc(w.account).await.expect("kyc");
        assert_eq!(
            kyc.missing(),
            vec!["kyc.missing_registry_extract", "kyc.missing_bank_details"]
        );

        // Bad bank details: each field named, nothing written.
        let bad = BankInput {
            holder: String::new(),
            iban: "FR76 3000 6000 0112 3456 7890 188".into(),
            bic: "BNP".into(),
        };
        let fields = invalid_fields(w.app.set_bank_details(w.account, bad, &actor(&admin)).await);
        assert_eq!(fields, vec!["holder", "iban", "bic"]);
        assert!(w.app.kyc(w.account).await.expect("kyc").bank_details.is_none());

        let good = BankInput {
            holder: "Boulangerie Exemple SARL".into(),
            iban: "fr76 3000 6000 0112 3456 7890 189".into(),
            bic: "bnpafrpp".into(),
        };
        let kyc = w
            .app
            .set_bank_details(w.account, good, &actor(&admin))
            .await
            .expect("bank details");
        let bank = kyc.bank_details.expect("stored");
        assert_eq!(bank.iban.as_str(), "FR7630006000011234567890189");
        assert_eq!(bank.bic.as_deref(), Some("BNPAFRPP"));

        // An extract issued more than three months before the clock's day is refused, as is a
        // file that is not a PDF or an image; nothing is stored.
        let too_old = RegistryExtractUpload {
            file_name: "kbis.pdf".into(),
            issued_on: "2026-03-14".into(),
            content: pdf(),
        };
        assert_eq!(
            code(w.app.upload_registry_extract(w.account, too_old, &actor(&admin)).await),
            "registry_extract_too_old"
        );
        let not_a_pdf = RegistryExtractUpload {
            file_name: "kbis.pdf".into(),
            issued_on: "2026-05-02".into(),
            content: b"<html>not a pdf</html>".to_vec(),
        };
        assert_eq!(
            invalid_fields(
                w.app
                    .upload_registry_extract(w.account, not_a_pdf, &actor(&admin))
                    .await
            ),
            vec!["file"]
        );
        assert_eq!(w.count("files").await, 0, "a refused upload writes nothing");

        let recent = RegistryExtractUpload {
            file_name: "/home/me/K-bis juin.pdf".into(),
            issued_on: "2026-03-15".into(),
            content: pdf(),
        };
        let kyc = w
            .app
            .upload_registry_extract(w.account, recent, &actor(&admin))
            .await
            .expect("extract exactly three months old");
        assert!(kyc.is_complete());
        let extract = kyc.registry_extract.expect("stored");
        assert_eq!(extract.issued_on.to_string(), "2026-03-15");
        assert_eq!(extract.file_name, "K-bis juin.pdf");
        let (meta, bytes) = w.app.registry_extract_file(w.account).await.expect("download");
        assert_eq!(bytes, pdf());
        assert_eq!(meta.content_type, "application/pdf");
        assert_eq!(meta.sha256, platform::credentials::sha256_hex(pdf()));

        // Both changes are in the account's trail.
        assert_eq!(w.trail(Some(w.account), "kyc.bank_details").await.len(), 1);
        assert_eq!(w.trail(Some(w.account), "kyc.registry_extract").await.len(), 1);

        // Operator staff see that the documents are on file, the bank account masked.
        let summary = w.app.operator_account(w.account).await.expect("summary");
        assert!(summary.kyc.complete);
        assert_eq!(summary.kyc.bank_account.as_deref(), Some("FR76 •••• 0189"));
        assert_eq!(summary.kyc.registry_issued_on.as_deref(), Some("2026-03-15"));
    })
    .await;
}
