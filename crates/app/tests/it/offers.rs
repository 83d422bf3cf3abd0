//! The offer catalogue: presets loaded with the demo, new versions imported by the operator,
//! bad files refused with their lines, loaded versions never rewritten.

use crate::{OPERATOR, World, actor, on_every_backend};
use app::AppError;
use app::offers::Loaded;

#[tokio::test]
async fn the_catalogue_keeps_every_version_and_refuses_bad_files() {
    on_every_backend(async |db| {
        let w = World::new(db).await;
        let op = w.principal(OPERATOR).await;

        // The demo loads the five presets.
        let catalogue = w.app.catalogue().await.expect("catalogue");
        let keys: Vec<&str> = catalogue.iter().map(|o| o.stored.offer_key.as_str()).collect();
        assert_eq!(keys, vec!["claralex", "clog", "digitaleo", "ines", "oseox"]);
        let oseox = &catalogue[4].offer;
        assert_eq!(oseox.plans.len(), 5);

        // Loading the same text again changes nothing.
        let (_, source) = app::offers::PRESETS[3];
        let (_, loaded) = w
            .app
            .load_offer("offers/oseox.toml", source, &actor(&op))
            .await
            .expect("reload");
        assert_eq!(loaded, Loaded::Unchanged);

        // The same version with another text is refused: subscribers accepted the old one.
        let cheaper = source.replacen("current = \"19.90\"", "current = \"17.90\"", 1);
        assert_ne!(cheaper, source);
        match w.app.load_offer("offers/oseox.toml", &cheaper, &actor(&op)).await {
            Err(AppError::Conflict { field, code }) => assert_eq!((field, code), ("version", "offer_version_exists")),
            other => panic!("expected a conflict, got {other:?}"),
        }

        // As a new version it enters the catalogue, and the old version stays readable.
        let v2 = cheaper.replacen("version = 1", "version = 2", 1);
        let (stored, loaded) = w.app.load_offer("oseox-v2.toml", &v2, &actor(&op)).await.expect("v2");
        assert_eq!((stored.version, loaded), (2, Loaded::Added));
        let latest = w.app.catalogue().await.expect("catalogue");
        assert_eq!(
            latest
                .iter()
                .find(|o| o.stored.offer_key == "oseox")
                .map(|o| o.stored.version),
            Some(2)
        );
        let v1 = w.app.offer("oseox", 1).await.expect("v1 still there");
        assert_eq!(v1.version, 1);
        assert_eq!(w.app.offer_versions("oseox").await.expect("versions").len(), 2);
        assert_eq!(
            w.trail(None, "offer.load").await.len(),
            6,
            "five presets and the new version"
        );

        // A broken file: every problem with its line, nothing stored.
        let broken =
            v2.replacen("version = 2", "version = 3", 1)
                .replacen("current = \"49.90\"", "current = \"89.90\"", 1);
        match w.app.load_offer("oseox-v3.toml", &broken, &actor(&op)).await {
            Err(AppError::InvalidOffer(problems)) => {
                let text = problems.to_string();
                assert!(text.contains("oseox-v3.toml:"), "{text}");
                assert!(text.contains("plans.l.prices.monthly.current"), "{text}");
            }
            other => panic!("expected an invalid offer, got {other:?}"),
        }
        assert_eq!(w.app.offer_versions("oseox").await.expect("versions").len(), 2);
    })
    .await;
}
