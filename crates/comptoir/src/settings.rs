//! Settings: defaults, then `comptoir.toml`, then environment variables, then flags. One typed
//! struct, loaded once and passed explicitly.

use anyhow::Context;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Address the web server listens on.
    pub listen: String,
    /// Where the embedded SQLite database and files live.
    pub data_dir: PathBuf,
    /// `sqlite:…` or `postgres://…`; empty means the SQLite file in `data_dir`.
    pub database_url: String,
    /// PostgreSQL: the role that owns the schema and runs migrations. When set, the application
    /// connects through `database_url` as a role that owns nothing and is only granted row
    /// access, so it cannot switch row-level security off.
    pub migration_database_url: String,
    /// The address people use to reach the UI (links in emails).
    pub public_url: String,
    /// Set the `Secure` flag on cookies (on unless serving plain HTTP to a LAN).
    pub secure_cookies: bool,
    pub smtp: mail::SmtpSettings,
    pub workers: usize,
    /// Offer files loaded at start beside the five presets compiled in (`*.toml`).
    pub offers_dir: PathBuf,
    /// The operator as seller on invoices (`[seller]` in comptoir.toml).
    pub seller: app::Seller,
    /// Hours a new invoice stays a draft operator staff may review before it is numbered and
    /// sent; 0 (the default) finalizes at once.
    pub invoice_review_hours: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            database_url: String::new(),
            migration_database_url: String::new(),
            public_url: String::new(),
            secure_cookies: true,
            smtp: mail::SmtpSettings::default(),
            workers: 4,
            offers_dir: PathBuf::from("offers"),
            seller: app::Seller::default(),
            invoice_review_hours: 0,
        }
    }
}

impl Settings {
    /// Loads `comptoir.toml` (or the given file) when present, then the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Settings> {
        let path = file
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("comptoir.toml"));
        let mut s: Settings = if path.exists() {
            let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
            toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?
        } else if file.is_some() {
            anyhow::bail!("settings file {} not found", path.display());
        } else {
            Settings::default()
        };
        if let Ok(v) = std::env::var("COMPTOIR_LISTEN") {
            s.listen = v;
        }
        if let Ok(v) = std::env::var("COMPTOIR_DATA_DIR") {
            s.data_dir = PathBuf::from(v);
        }
        if let Ok(v) = std::env::var("DATABASE_URL") {
            s.database_url = v;
        }
        if let Ok(v) = std::env::var("COMPTOIR_MIGRATION_DATABASE_URL") {
            s.migration_database_url = v;
        }
        if let Ok(v) = std::env::var("COMPTOIR_OFFERS_DIR") {
            s.offers_dir = PathBuf::from(v);
        }
        if let Ok(v) = std::env::var("COMPTOIR_INVOICE_REVIEW_HOURS") {
            s.invoice_review_hours = v
                .parse()
                .context("COMPTOIR_INVOICE_REVIEW_HOURS must be a whole number of hours")?;
        }
        if let Ok(v) = std::env::var("COMPTOIR_PUBLIC_URL") {
            s.public_url = v;
        }
        if let Ok(v) = std::env::var("COMPTOIR_SMTP_HOST") {
            s.smtp.host = v;
        }
        if let Ok(v) = std::env::var("COMPTOIR_SMTP_PORT") {
            s.smtp.port = v.parse().context("COMPTOIR_SMTP_PORT must be a port number")?;
        }
        if let Ok(v) = std::env::var("COMPTOIR_SMTP_SECURITY") {
            s.smtp.security = match v.as_str() {
                "none" => mail::SmtpSecurity::None,
                "starttls" => mail::SmtpSecurity::Starttls,
                "tls" => mail::SmtpSecurity::Tls,
                other => anyhow::bail!("COMPTOIR_SMTP_SECURITY must be none, starttls or tls, not {other}"),
            };
        }
        if let Ok(v) = std::env::var("COMPTOIR_SMTP_USERNAME") {
            s.smtp.username = v;
        }
        if let Ok(v) = std::env::var("COMPTOIR_SMTP_PASSWORD") {
            s.smtp.password = v;
        }
        if let Ok(v) = std::env::var("COMPTOIR_SMTP_FROM") {
            s.smtp.from = v;
        }
        if let Ok(v) = std::env::var("COMPTOIR_SECURE_COOKIES") {
            s.secure_cookies = !matches!(v.as_str(), "0" | "false" | "no");
        }
        Ok(s)
    }

    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!("sqlite:{}?mode=rwc", self.data_dir.join("comptoir.db").display())
        } else {
            self.database_url.clone()
        }
    }

    pub fn public_url(&self) -> String {
        if self.public_url.is_empty() {
            format!("http://{}", self.listen)
        } else {
            self.public_url.clone()
        }
    }
}
