//! The offer catalogue: offer files loaded from the presets shipped with Comptoir and from what
//! the operator imports, every version kept (subscriptions stay on the version they accepted).

use crate::trail::record;
use crate::{Actor, App, AppError};
use billing::{Offer, OfferErrors};
use kernel::OfferVersionId;
use platform::credentials::sha256_hex;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use store::offers::StoredOffer;

/// The five seed offers, compiled in so that a binary run anywhere has its catalogue.
pub const PRESETS: [(&str, &str); 5] = [
    ("offers/clog.toml", include_str!("../../../offers/clog.toml")),
    ("offers/digitaleo.toml", include_str!("../../../offers/digitaleo.toml")),
    ("offers/claralex.toml", include_str!("../../../offers/claralex.toml")),
    ("offers/oseox.toml", include_str!("../../../offers/oseox.toml")),
    ("offers/ines.toml", include_str!("../../../offers/ines.toml")),
];

/// Parsed offers by (key, version). Offer files never change once loaded (a change is a new
/// version), so a parsed offer never goes stale.
#[derive(Default)]
pub(crate) struct OfferCache {
    parsed: RwLock<HashMap<(String, u32), Arc<Offer>>>,
}

/// An offer of the catalogue: its latest version, parsed, and how it was loaded.
#[derive(Debug, Clone)]
pub struct CatalogueOffer {
    pub stored: StoredOffer,
    pub offer: Arc<Offer>,
}

/// What loading a file did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loaded {
    /// A new version entered the catalogue.
    Added,
    /// The same text was already loaded under this version.
    Unchanged,
}

impl App {
    /// Loads the presets, then every `*.toml` of `dir` when given: new versions are added,
    /// identical ones skipped. A file whose version was already loaded with other content is
    /// refused (raise its `version`), as is an invalid one; both are reported, neither stops
    /// the others.
    pub async fn load_offer_files(
        &self,
        dir: Option<&std::path::Path>,
    ) -> Result<Vec<(String, Result<Loaded, AppError>)>, AppError> {
        let mut files: Vec<(String, String)> = PRESETS.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
        if let Some(dir) = dir
            && dir.is_dir()
        {
            let mut paths: Vec<_> = std::fs::read_dir(dir)
                .map_err(|e| AppError::Unexpected(anyhow::anyhow!("reading {}: {e}", dir.display())))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            paths.sort();
            for path in paths {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| AppError::Unexpected(anyhow::anyhow!("reading {}: {e}", path.display())))?;
                files.push((path.display().to_string(), text));
            }
        }
        let mut report = Vec::new();
        for (name, text) in files {
            let outcome = self.load_offer(&name, &text, &Actor::system()).await.map(|(_, l)| l);
            report.push((name, outcome));
        }
        Ok(report)
    }

    /// Checks an offer file and adds it to the catalogue (operator). Refused: an invalid file
    /// (every problem with its line), or a version already loaded with a different text.
    pub async fn load_offer(
        &self,
        file_name: &str,
        text: &str,
        actor: &Actor,
    ) -> Result<(StoredOffer, Loaded), AppError> {
        let offer = Offer::parse(file_name, text).map_err(AppError::InvalidOffer)?;
        let sha256 = sha256_hex(text);
        let now = crate::system_now();
        let mut tx = self.db.begin(store::Scope::Platform, store::Mode::Write).await?;
        if let Some(existing) = store::offers::get(&mut tx, &offer.id, offer.version).await? {
            tx.commit().await?;
            if existing.sha256 == sha256 {
                return Ok((existing, Loaded::Unchanged));
            }
            return Err(AppError::Conflict {
                field: "version",
                code: "offer_version_exists",
            });
        }
        let stored = StoredOffer {
            id: OfferVersionId::new(),
            offer_key: offer.id.clone(),
            version: offer.version,
            name: offer.name.clone(),
            file_name: file_name.to_string(),
            source: text.to_string(),
            sha256,
            loaded_at: now,
            loaded_by: actor.user_id,
        };
        store::offers::insert(&mut tx, &stored).await?;
        record(
            &mut tx,
            actor,
            None,
            "offer.load",
            Some(("offer", format!("{}@{}", stored.offer_key, stored.version))),
            now,
        )
        .await?;
        tx.commit().await?;
        self.remember_offer(&stored.offer_key, stored.version, offer);
        Ok((stored, Loaded::Added))
    }

    /// The latest version of each offer.
    pub async fn catalogue(&self) -> Result<Vec<CatalogueOffer>, AppError> {
        let mut tx = self.db.begin(store::Scope::Platform, store::Mode::Read).await?;
        let all = store::offers::all(&mut tx).await?;
        tx.commit().await?;
        let mut out: Vec<CatalogueOffer> = Vec::new();
        for stored in all {
            if out.last().is_some_and(|o| o.stored.offer_key == stored.offer_key) {
                continue;
            }
            let offer = self.parsed_offer(&stored)?;
            out.push(CatalogueOffer { stored, offer });
        }
        Ok(out)
    }

    /// Every version of one offer, newest first.
    pub async fn offer_versions(&self, key: &str) -> Result<Vec<StoredOffer>, AppError> {
        let mut tx = self.db.begin(store::Scope::Platform, store::Mode::Read).await?;
        let all = store::offers::all(&mut tx).await?;
        tx.commit().await?;
        let versions: Vec<StoredOffer> = all.into_iter().filter(|o| o.offer_key == key).collect();
        if versions.is_empty() {
            return Err(AppError::NotFound);
        }
        Ok(versions)
    }

    /// One version of an offer, parsed.
    pub async fn offer(&self, key: &str, version: u32) -> Result<Arc<Offer>, AppError> {
        if let Some(o) = self.cached_offer(key, version) {
            return Ok(o);
        }
        let mut tx = self.db.begin(store::Scope::Platform, store::Mode::Read).await?;
        let stored = store::offers::get(&mut tx, key, version)
            .await?
            .ok_or(AppError::NotFound)?;
        tx.commit().await?;
        self.parsed_offer(&stored)
    }

    fn parsed_offer(&self, stored: &StoredOffer) -> Result<Arc<Offer>, AppError> {
        if let Some(o) = self.cached_offer(&stored.offer_key, stored.version) {
            return Ok(o);
        }
        // Stored files were valid when loaded and the format only grows; one that no longer
        // parses is a bug to report, not a customer's error.
        let offer = Offer::parse(&stored.file_name, &stored.source)
            .map_err(|e| AppError::Unexpected(anyhow::anyhow!("stored offer no longer parses: {e}")))?;
        Ok(self.remember_offer(&stored.offer_key, stored.version, offer))
    }

    fn cached_offer(&self, key: &str, version: u32) -> Option<Arc<Offer>> {
        let parsed = self.offer_cache.parsed.read().ok()?;
        parsed.get(&(key.to_string(), version)).cloned()
    }

    fn remember_offer(&self, key: &str, version: u32, offer: Offer) -> Arc<Offer> {
        let offer = Arc::new(offer);
        if let Ok(mut parsed) = self.offer_cache.parsed.write() {
            parsed.insert((key.to_string(), version), offer.clone());
        }
        offer
    }
}

/// The problems of an offer file, one per line (`file:line:col: field: message`).
pub fn describe(errors: &OfferErrors) -> Vec<String> {
    errors.iter().map(ToString::to_string).collect()
}
