//! Use cases: each public method is one transaction that checks the rules, writes the change,
//! appends its audit entry and enqueues its consequences (emails, jobs) together.
//!
//! The web layer and the CLI both call these, so a rule holds whichever way a person comes in.

pub mod accounts;
pub mod auth;
pub mod clocks;
pub mod codes;
pub mod contracts;
pub mod demo;
pub mod document_text;
pub mod emails;
pub mod error;
pub mod grants;
pub mod handlers;
pub mod invoicing;
pub mod keys;
pub mod kyc;
pub mod letter;
pub mod monitor;
pub mod offers;
pub mod price_changes;
pub mod subscriptions;
pub mod terms;
pub mod trail;
pub mod users;

pub use error::AppError;

use jiff::{SignedDuration, Timestamp};
use kernel::AccountId;
use platform::throttle::LoginPolicy;
use std::sync::Arc;
use store::Db;

/// Settings the use cases need.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Where people reach the web UI; links in emails start with it.
    pub public_url: String,
    pub session_ttl: SignedDuration,
    pub verify_ttl: SignedDuration,
    pub reset_ttl: SignedDuration,
    pub invitation_ttl: SignedDuration,
    pub login: LoginPolicy,
    /// The operator as seller: what every invoice prints at its top.
    pub seller: Seller,
    /// How long a new invoice stays a draft that operator staff may review before it is
    /// finalized (numbered, dated and sent); zero finalizes at once.
    pub invoice_review: SignedDuration,
}

/// The operator's legal identity on invoices (CGI annexe II art. 242 nonies A).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Seller {
    pub legal_name: String,
    pub address: String,
    pub siren: String,
    pub vat_number: String,
    /// Legal form and capital, RCS: printed in the invoice footer.
    pub legal_notice: String,
}

impl Default for Seller {
    fn default() -> Self {
        Seller {
            legal_name: "Comptoir Démo SAS".into(),
            address: "10 rue de la Paix\n75002 Paris\nFrance".into(),
            siren: "123456782".into(),
            vat_number: "FR11123456782".into(),
            legal_notice: "SAS au capital de 10 000 € — RCS Paris 123 456 782".into(),
        }
    }
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            public_url: "http://127.0.0.1:8080".into(),
            session_ttl: SignedDuration::from_hours(12),
            verify_ttl: SignedDuration::from_hours(48),
            reset_ttl: SignedDuration::from_hours(1),
            invitation_ttl: SignedDuration::from_hours(24 * 7),
            login: LoginPolicy::default(),
            seller: Seller::default(),
            invoice_review: SignedDuration::ZERO,
        }
    }
}

/// Everything the use cases share. Cheap to clone.
#[derive(Clone)]
pub struct App {
    pub db: Db,
    pub config: Arc<AppConfig>,
    pub templates: Arc<mail::Templates>,
    pub transport: mail::Transport,
    pub registry: Arc<jobs::Registry>,
    terms_cache: Arc<TermsCache>,
    offer_cache: Arc<offers::OfferCache>,
    /// The monitor's network side, built on first use from `probe_config`.
    probe: Arc<std::sync::OnceLock<probe::Probe>>,
    probe_config: Arc<std::sync::Mutex<probe::ProbeConfig>>,
    /// Checks in flight in this process, shared by every concurrent run: runs overlap (one
    /// stores its batch while the next fetches), the total stays at the cap.
    check_slots: Arc<tokio::sync::Semaphore>,
}

/// The effective dates of every terms version, kept briefly in memory: every authenticated
/// request asks which version is in force, and versions change a few times a year. Publishing
/// in this process refreshes it at once; other processes see a new version within
/// [`TERMS_CACHE_TTL`].
/// A terms version and the instant it takes effect.
type EffectiveTerms = (kernel::TermsVersionId, Timestamp);

#[derive(Default)]
struct TermsCache {
    versions: std::sync::Mutex<Option<(std::time::Instant, Vec<EffectiveTerms>)>>,
}

pub const TERMS_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(2);

impl App {
    pub fn new(db: Db, config: AppConfig, transport: mail::Transport) -> App {
        let config_public_url = config.public_url.clone();
        let mut app = App {
            db,
            config: Arc::new(config),
            templates: Arc::new(mail::Templates::new()),
            transport,
            registry: Arc::new(jobs::Registry::new()),
            terms_cache: Arc::new(TermsCache::default()),
            offer_cache: Arc::new(offers::OfferCache::default()),
            probe: Arc::new(std::sync::OnceLock::new()),
            probe_config: Arc::new(std::sync::Mutex::new(monitor::probe_config_for(&config_public_url))),
            check_slots: Arc::new(tokio::sync::Semaphore::new(monitor::DEFAULT_CONCURRENCY)),
        };
        app.registry = Arc::new(handlers::registry(&app));
        app
    }

    /// The instant for an account: its test clock's when it has one, otherwise the system's.
    pub async fn now_for(&self, account: Option<AccountId>) -> Result<Timestamp, AppError> {
        if let Some(account) = account {
            let mut tx = self.db.read().await?;
            let clock_now = store::clocks::now_for_account(&mut tx, account).await?;
            tx.commit().await?;
            if let Some(t) = clock_now {
                return Ok(t);
            }
        }
        Ok(system_now())
    }

    /// The terms version in force at `now` (latest effective date not after it).
    pub async fn terms_in_force_at(&self, now: Timestamp) -> Result<Option<EffectiveTerms>, AppError> {
        let cached = self.terms_cache.versions.lock().ok().and_then(|g| {
            g.as_ref()
                .filter(|(at, _)| at.elapsed() < TERMS_CACHE_TTL)
                .map(|(_, v)| v.clone())
        });
        let versions = match cached {
            Some(v) => v,
            None => {
                let mut tx = self.db.quick_read().await?;
                let v: Vec<_> = store::terms::list(&mut tx)
                    .await?
                    .into_iter()
                    .map(|t| (t.id, t.effective_at))
                    .collect();
                tx.commit().await?;
                if let Ok(mut g) = self.terms_cache.versions.lock() {
                    *g = Some((std::time::Instant::now(), v.clone()));
                }
                v
            }
        };
        // `list` is ordered by effective date, newest first.
        Ok(versions.into_iter().find(|(_, effective)| *effective <= now))
    }

    /// Forgets the cached terms versions (after a publication).
    pub(crate) fn forget_terms(&self) {
        if let Ok(mut g) = self.terms_cache.versions.lock() {
            *g = None;
        }
    }

    pub fn link(&self, path: &str) -> String {
        format!("{}{}", self.config.public_url.trim_end_matches('/'), path)
    }
}

/// Who acts, and from where: every audit entry is made from this.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<kernel::UserId>,
    pub account_id: Option<AccountId>,
    /// `user`, `api_key`, `operator`, `system` or `cli`.
    pub kind: &'static str,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl Actor {
    pub fn system() -> Actor {
        Actor {
            user_id: None,
            account_id: None,
            kind: "system",
            ip: None,
            user_agent: None,
        }
    }

    pub fn cli() -> Actor {
        Actor {
            user_id: None,
            account_id: None,
            kind: "cli",
            ip: None,
            user_agent: None,
        }
    }

    /// An anonymous visitor (sign-up, password reset request) at an address.
    pub fn visitor(ip: Option<String>, user_agent: Option<String>) -> Actor {
        Actor {
            user_id: None,
            account_id: None,
            kind: "user",
            ip,
            user_agent,
        }
    }
}

/// Formats an instant for people, in Europe/Paris.
pub fn human_time(t: Timestamp, lang: kernel::Lang) -> String {
    let zoned = t.to_zoned(kernel::clock::paris());
    match lang {
        kernel::Lang::Fr => zoned.strftime("%d/%m/%Y à %H:%M (heure de Paris)").to_string(),
        kernel::Lang::En => zoned.strftime("%Y-%m-%d %H:%M (Paris time)").to_string(),
    }
}

/// The system clock's instant, at the microsecond precision instants are stored with. The use
/// cases ask [`App::now_for`] when an account may live on a test clock; this is for the rest
/// (platform actions, operator staff).
pub fn system_now() -> Timestamp {
    kernel::Clock::now(&kernel::SystemClock)
}
