//! The end of monitoring data (OSX-NO-ARCHIVE): when to offer the export and when to delete, and
//! the export itself (CSV and JSON of sites, URLs and history).

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::changes::Element;
use crate::site::Tool;
use crate::{SiteId, UrlId};

/// How long before the end of a subscription the account is told to export, by default.
pub const DEFAULT_EXPORT_NOTICE: SignedDuration = SignedDuration::from_hours(7 * 24);

/// What to do with an account's monitoring data at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum LifecycleStep {
    /// Nothing to do.
    Keep,
    /// Tell the account the data will be deleted at `deletion_at` and offer the export.
    OfferExport { deletion_at: Timestamp },
    /// Delete every site, URL and observation now. `notify_first` when the account was never
    /// told (a subscription ended without notice): send the export with the notice, then delete.
    Delete { notify_first: bool },
}

/// The lifecycle rule (OSX-NO-ARCHIVE): from `ends_at − notice` the export is offered (once:
/// `notified` says it was done); at `ends_at` the data is deleted, nothing is archived.
pub fn lifecycle_step(
    now: Timestamp,
    ends_at: Option<Timestamp>,
    notice: SignedDuration,
    notified: bool,
) -> LifecycleStep {
    let Some(ends_at) = ends_at else {
        return LifecycleStep::Keep;
    };
    if now >= ends_at {
        return LifecycleStep::Delete {
            notify_first: !notified,
        };
    }
    let offer_from = ends_at.checked_sub(notice).unwrap_or(ends_at);
    if now >= offer_from && !notified {
        LifecycleStep::OfferExport { deletion_at: ends_at }
    } else {
        LifecycleStep::Keep
    }
}

/// A site in the export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportSite {
    pub site_id: SiteId,
    pub site: String,
    pub created_at: Timestamp,
}

/// A watched URL in the export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportUrl {
    pub url_id: UrlId,
    pub site_id: SiteId,
    pub url: String,
    pub tool: Tool,
    pub cadence_minutes: u32,
}

/// One observed value in the export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportObservation {
    pub url_id: UrlId,
    pub url: String,
    pub observed_at: Timestamp,
    pub element: Element,
    pub value: Option<String>,
}

/// Everything exported for one account; serialise it with serde for the JSON form.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Export {
    pub sites: Vec<ExportSite>,
    pub urls: Vec<ExportUrl>,
    pub history: Vec<ExportObservation>,
}

/// Writing a CSV failed (only on a broken writer).
#[derive(Debug, thiserror::Error)]
#[error("CSV export failed: {0}")]
pub struct ExportError(String);

fn csv_of<const N: usize>(header: [&str; N], rows: impl Iterator<Item = [String; N]>) -> Result<String, ExportError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| ExportError(e.to_string());
    w.write_record(header).map_err(err)?;
    for row in rows {
        w.write_record(&row).map_err(err)?;
    }
    let bytes = w.into_inner().map_err(|e| ExportError(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| ExportError(e.to_string()))
}

impl Export {
    /// `sites.csv`: site_id, site, created_at.
    pub fn sites_csv(&self) -> Result<String, ExportError> {
        csv_of(
            ["site_id", "site", "created_at"],
            self.sites
                .iter()
                .map(|s| [s.site_id.to_string(), s.site.clone(), s.created_at.to_string()]),
        )
    }

    /// `urls.csv`: url_id, site_id, url, tool, cadence_minutes.
    pub fn urls_csv(&self) -> Result<String, ExportError> {
        csv_of(
            ["url_id", "site_id", "url", "tool", "cadence_minutes"],
            self.urls.iter().map(|u| {
                [
                    u.url_id.to_string(),
                    u.site_id.to_string(),
                    u.url.clone(),
                    u.tool.code().to_string(),
                    u.cadence_minutes.to_string(),
                ]
            }),
        )
    }

    /// `history.csv`: url_id, url, observed_at, element, value (empty when absent).
    pub fn history_csv(&self) -> Result<String, ExportError> {
        csv_of(
            ["url_id", "url", "observed_at", "element", "value"],
            self.history.iter().map(|h| {
                [
                    h.url_id.to_string(),
                    h.url.clone(),
                    h.observed_at.to_string(),
                    h.element.code().to_string(),
                    h.value.clone().unwrap_or_default(),
                ]
            }),
        )
    }
}
