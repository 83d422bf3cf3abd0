//! `comptoir`: the one binary. Web UI, API and job workers (`serve`), workers alone (`worker`),
//! and the operator's commands.

mod settings;

use anyhow::{Context, bail};
use app::{Actor, App, AppConfig};
use clap::{Parser, Subcommand};
use settings::Settings;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::watch;

#[derive(Parser)]
#[command(name = "comptoir", version, about = "Comptoir: a self-hostable, multi-tenant business suite.", long_about = None)]
struct Cli {
    /// Settings file (default: ./comptoir.toml when present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Log format: `text` or `json`.
    #[arg(long, global = true, default_value = "text")]
    log_format: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web UI, the API and the job workers in one process.
    ///
    /// On an empty embedded database, loads the demo and prints the demo logins.
    Serve {
        /// Address to listen on [env: COMPTOIR_LISTEN] [default: 127.0.0.1:8080]
        #[arg(long)]
        listen: Option<String>,
        /// Directory of the SQLite database [env: COMPTOIR_DATA_DIR] [default: ./data]
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Do not run job workers in this process.
        #[arg(long)]
        no_workers: bool,
    },
    /// Run job workers only (several processes can share a PostgreSQL database).
    Worker {
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Concurrent jobs in this process.
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        /// Seconds a claimed job stays leased without a heartbeat before another worker may take it.
        #[arg(long, default_value_t = 60)]
        lease_secs: u64,
        /// A name for this worker in job records (default: host and pid).
        #[arg(long)]
        id: Option<String>,
    },
    /// Apply pending database migrations and exit.
    Migrate {
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Load the demo data (an operator, a company with an administrator and a user).
    Demo {
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// List, create and advance test clocks.
    Clock {
        #[arg(long)]
        data_dir: Option<PathBuf>,
        #[command(subcommand)]
        action: ClockAction,
    },
    /// Create operator users, reset passwords.
    User {
        #[arg(long)]
        data_dir: Option<PathBuf>,
        #[command(subcommand)]
        action: UserAction,
    },
    /// Audit trail tools.
    Audit {
        #[arg(long)]
        data_dir: Option<PathBuf>,
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Billing runs: bill every due period of every subscription.
    Billing {
        #[arg(long)]
        data_dir: Option<PathBuf>,
        #[command(subcommand)]
        action: BillingAction,
    },
    /// Check, list and import offer files (the terms the operator sells under).
    Offers {
        #[arg(long)]
        data_dir: Option<PathBuf>,
        #[command(subcommand)]
        action: OffersAction,
    },
    /// Enqueue a diagnostic job that records its runs (used to check workers).
    Probe {
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// How many jobs.
        #[arg(long, default_value_t = 1)]
        count: usize,
        /// How long each job holds, in milliseconds.
        #[arg(long, default_value_t = 0)]
        hold_ms: u64,
    },
}

#[derive(Subcommand)]
enum ClockAction {
    /// List test clocks.
    List,
    /// Create a test clock.
    Create {
        /// A name for people.
        name: String,
        /// Starting time (RFC 3339 or YYYY-MM-DD); now when absent.
        #[arg(long)]
        start: Option<String>,
    },
    /// Advance a clock, running every job due until then, in order.
    Advance {
        id: String,
        /// New time (RFC 3339 or YYYY-MM-DD).
        #[arg(long)]
        to: String,
    },
    /// Attach a sandbox account to a clock.
    Attach { account: String, clock: String },
}

#[derive(Subcommand)]
enum OffersAction {
    /// Validate offer files without loading them; every problem with its file, line and field.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// List the catalogue: each offer's latest version.
    List,
    /// Load an offer file into the catalogue (a new offer, or a new version of one).
    Import { file: PathBuf },
}

#[derive(Subcommand)]
enum UserAction {
    /// Create an operator staff user (the password is read from COMPTOIR_PASSWORD or asked).
    CreateOperator {
        email: String,
        #[arg(long)]
        name: String,
    },
    /// Set a user's password (read from COMPTOIR_PASSWORD or asked); ends their sessions.
    ResetPassword { email: String },
    /// Create an API key for a user and print it (shown once).
    ApiKey {
        email: String,
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

#[derive(Subcommand)]
enum BillingAction {
    /// Catch up: invoice every period due until DATE (each account no later than its own
    /// today, which for a sandbox account is its test clock's).
    Run {
        /// Last billing date to include (YYYY-MM-DD); today when absent.
        #[arg(long)]
        until: Option<String>,
    },
}

#[derive(Subcommand)]
enum AuditAction {
    /// Check every hash chain of the audit trail; exits non-zero on a break.
    Verify,
}

fn init_logs(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    if format == "json" {
        tracing_subscriber::fmt().with_env_filter(filter).json().init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
}

async fn open(settings: &Settings) -> anyhow::Result<App> {
    let url = settings.database_url();
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("creating {}", settings.data_dir.display()))?;
    }
    let db = store::Db::connect(&url)
        .await
        .with_context(|| "connecting to the database")?;
    if settings.migration_database_url.is_empty() {
        db.migrate().await.context("applying migrations")?;
    } else {
        db.migrate_as_owner(&settings.migration_database_url)
            .await
            .context("applying migrations as the schema owner (COMPTOIR_MIGRATION_DATABASE_URL)")?;
    }
    let transport = mail::Transport::from_settings(&settings.smtp).context("SMTP settings")?;
    let config = AppConfig {
        public_url: settings.public_url(),
        seller: settings.seller.clone(),
        invoice_review: jiff::SignedDuration::from_hours(i64::from(settings.invoice_review_hours)),
        ..AppConfig::default()
    };
    Ok(App::new(db, config, transport))
}

fn with_data_dir(mut s: Settings, dir: Option<PathBuf>) -> Settings {
    if let Some(d) = dir {
        s.data_dir = d;
    }
    s
}

fn read_password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("COMPTOIR_PASSWORD") {
        return Ok(p);
    }
    eprint!("Password (at least 12 characters): ");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

fn shutdown_signal() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        #[cfg(unix)]
        let term_fut = async {
            match term.as_mut() {
                Some(t) => {
                    t.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term_fut = std::future::pending::<()>();
        tokio::select! { _ = ctrl_c => {}, _ = term_fut => {} }
        let _ = tx.send(true);
    });
    rx
}

fn print_demo(url: &str, logins: &[app::demo::DemoLogin]) {
    println!();
    println!("  Comptoir is ready at {url}/login");
    println!("  Demo logins (email / password):");
    for l in logins {
        println!("    {:<9} {} / {}", l.role, l.email, l.password);
    }
    println!("  Emails land in the operator's outbox: {url}/operator/outbox");
    println!();
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logs(&cli.log_format);
    let base = Settings::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve {
            listen,
            data_dir,
            no_workers,
        } => {
            let mut settings = with_data_dir(base, data_dir);
            if let Some(l) = listen {
                settings.listen = l;
            }
            let app = open(&settings).await?;
            load_offers(&app, &settings).await?;
            let fresh = app.is_empty().await?;
            let embedded = settings.database_url().starts_with("sqlite:");
            let listener = tokio::net::TcpListener::bind(&settings.listen)
                .await
                .with_context(|| format!("listening on {}", settings.listen))?;
            let addr = listener.local_addr()?;
            let url = if settings.public_url.is_empty() {
                format!("http://{addr}")
            } else {
                settings.public_url.clone()
            };
            if fresh && embedded {
                let logins = app.load_demo().await?;
                print_demo(&url, &logins);
            } else {
                println!("  Comptoir is ready at {url}/login");
            }
            let shutdown = shutdown_signal();
            let workers = if no_workers {
                None
            } else {
                let config = jobs::WorkerConfig {
                    concurrency: settings.workers,
                    ..jobs::WorkerConfig::default()
                };
                tokio::spawn(app::monitor::run_checks(
                    app.clone(),
                    config.worker_id.clone(),
                    shutdown.clone(),
                ));
                let runner = jobs::Runner::new(app.db.clone(), app.registry.clone(), config);
                Some(tokio::spawn(runner.run(shutdown.clone())))
            };
            let state = web::WebState::new(app.clone(), settings.secure_cookies);
            let router = web::router(state);
            tracing::info!(%addr, "listening");
            let mut stop = shutdown.clone();
            axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
                .with_graceful_shutdown(async move {
                    let _ = stop.changed().await;
                })
                .await?;
            if let Some(w) = workers {
                let _ = w.await;
            }
            app.db.close().await;
        }
        Command::Worker {
            data_dir,
            concurrency,
            lease_secs,
            id,
        } => {
            let settings = with_data_dir(base, data_dir);
            let app = open(&settings).await?;
            let mut config = jobs::WorkerConfig {
                concurrency,
                lease: Duration::from_secs(lease_secs.max(1)),
                ..jobs::WorkerConfig::default()
            };
            if let Some(id) = id {
                config.worker_id = id;
            }
            tracing::info!(worker = %config.worker_id, concurrency, "worker started");
            let stop = shutdown_signal();
            let checks = tokio::spawn(app::monitor::run_checks(
                app.clone(),
                config.worker_id.clone(),
                stop.clone(),
            ));
            jobs::Runner::new(app.db.clone(), app.registry.clone(), config)
                .run(stop)
                .await?;
            let _ = checks.await;
            app.db.close().await;
        }
        Command::Migrate { data_dir } => {
            let settings = with_data_dir(base, data_dir);
            let app = open(&settings).await?;
            load_offers(&app, &settings).await?;
            println!(
                "migrations applied ({})",
                if settings.database_url().starts_with("sqlite:") {
                    "SQLite"
                } else {
                    "PostgreSQL"
                }
            );
            app.db.close().await;
        }
        Command::Offers { data_dir, action } => {
            if let OffersAction::Check { files } = &action {
                return check_offer_files(files);
            }
            let settings = with_data_dir(base, data_dir);
            let app = open(&settings).await?;
            match action {
                OffersAction::Check { .. } => {}
                OffersAction::List => {
                    for o in app.catalogue().await? {
                        let modules: Vec<&str> = o.offer.modules.iter().map(|m| m.as_str()).collect();
                        let plans: Vec<&str> = o.offer.plans.iter().map(|p| p.id.as_str()).collect();
                        println!(
                            "{:<12} v{:<3} {:<40} modules: {:<20} plans: {}",
                            o.stored.offer_key,
                            o.stored.version,
                            o.stored.name,
                            modules.join(","),
                            plans.join(",")
                        );
                    }
                }
                OffersAction::Import { file } => {
                    let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
                    let name = file.display().to_string();
                    match app.load_offer(&name, &text, &app::Actor::cli()).await {
                        Ok((stored, app::offers::Loaded::Added)) => {
                            println!("loaded {} version {}", stored.offer_key, stored.version)
                        }
                        Ok((stored, app::offers::Loaded::Unchanged)) => {
                            println!(
                                "{} version {} was already loaded, unchanged",
                                stored.offer_key, stored.version
                            )
                        }
                        Err(app::AppError::InvalidOffer(problems)) => {
                            for p in problems.iter() {
                                eprintln!("{p}");
                            }
                            anyhow::bail!("{} is not a valid offer file", file.display());
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
            }
            app.db.close().await;
        }
        Command::Billing {
            data_dir,
            action: BillingAction::Run { until },
        } => {
            let until = until
                .map(|u| u.parse::<jiff::civil::Date>())
                .transpose()
                .context("--until must be a date (YYYY-MM-DD)")?;
            let settings = with_data_dir(base, data_dir);
            let app = open(&settings).await?;
            let started = std::time::Instant::now();
            let report = app
                .billing_run(until, |done, total| {
                    let width = 30;
                    let filled = (done * width).checked_div(total).unwrap_or(width);
                    eprint!(
                        "\r  billing [{}{}] {done}/{total} accounts",
                        "#".repeat(filled),
                        " ".repeat(width - filled)
                    );
                })
                .await?;
            eprintln!();
            println!(
                "{} invoices for {} accounts in {:.1} s",
                report.invoices,
                report.accounts,
                started.elapsed().as_secs_f64()
            );
            app.db.close().await;
        }
        Command::Demo { data_dir } => {
            let settings = with_data_dir(base, data_dir);
            let app = open(&settings).await?;
            let logins = app.load_demo().await?;
            print_demo(&settings.public_url(), &logins);
        }
        Command::Clock { data_dir, action } => {
            let settings = with_data_dir(base, data_dir);
            let app = open(&settings).await?;
            let actor = Actor::cli();
            match action {
                ClockAction::List => {
                    for c in app.clocks().await? {
                        println!("{}  {}  now={}  accounts={}", c.id, c.name, c.now, c.accounts);
                    }
                }
                ClockAction::Create { name, start } => {
                    let c = app.create_clock(&name, start.as_deref().unwrap_or(""), &actor).await?;
                    println!("{}  {}  now={}", c.id, c.name, c.now);
                }
                ClockAction::Advance { id, to } => {
                    let id = id.parse().map_err(|_| anyhow::anyhow!("{id} is not a clock id"))?;
                    let (c, n) = app.advance_clock(id, &to, &actor).await?;
                    println!("{}  now={}  jobs run: {n}", c.id, c.now);
                }
                ClockAction::Attach { account, clock } => {
                    let account = account
                        .parse()
                        .map_err(|_| anyhow::anyhow!("{account} is not an account id"))?;
                    let clock = clock
                        .parse()
                        .map_err(|_| anyhow::anyhow!("{clock} is not a clock id"))?;
                    app.attach_clock(account, Some(clock), &actor).await?;
                    println!("attached");
                }
            }
        }
        Command::User { data_dir, action } => {
            let settings = with_data_dir(base, data_dir);
            let app = open(&settings).await?;
            match action {
                UserAction::CreateOperator { email, name } => {
                    let password = read_password()?;
                    let u = app.create_operator(&email, &name, &password).await?;
                    println!("operator {} created ({})", u.email, u.id);
                }
                UserAction::ResetPassword { email } => {
                    let password = read_password()?;
                    app.set_password_cli(&email, &password).await?;
                    println!("password set for {email}; their sessions are closed");
                }
                UserAction::ApiKey { email, name } => {
                    let (key, token) = app.create_api_key_cli(&email, &name).await?;
                    eprintln!(
                        "key {} ({}) created for {email}; it is shown once:",
                        key.prefix, key.name
                    );
                    println!("{token}");
                }
            }
        }
        Command::Audit {
            data_dir,
            action: AuditAction::Verify,
        } => {
            let settings = with_data_dir(base, data_dir);
            let app = open(&settings).await?;
            let report = app
                .verify_audit(|chain, n| {
                    eprint!("\r  verifying {chain}: {n} entries");
                })
                .await?;
            eprintln!();
            println!("{} chains, {} entries checked", report.chains, report.entries);
            if !report.breaks.is_empty() {
                for b in &report.breaks {
                    println!("BREAK: {b}");
                }
                bail!("{} chain(s) broken", report.breaks.len());
            }
            println!("all chains intact");
        }
        Command::Probe {
            data_dir,
            count,
            hold_ms,
        } => {
            let settings = with_data_dir(base, data_dir);
            let app = open(&settings).await?;
            let mut tx = app.db.write().await?;
            for _ in 0..count {
                let spec = jobs::JobSpec::new(
                    app::handlers::DIAGNOSTIC_PROBE,
                    serde_json::json!({ "hold_ms": hold_ms }),
                    jiff::Timestamp::now(),
                );
                jobs::enqueue(&mut tx, spec, jiff::Timestamp::now())
                    .await
                    .map_err(|e| anyhow::anyhow!(e))?;
            }
            tx.commit().await?;
            println!("{count} probe job(s) enqueued");
        }
    }
    Ok(())
}

/// Loads the presets and the offers directory; a bad file is reported, not fatal, so one typo
/// in a new offer never keeps the platform from starting.
async fn load_offers(app: &App, settings: &Settings) -> anyhow::Result<()> {
    for (file, outcome) in app.load_offer_files(Some(&settings.offers_dir)).await? {
        match outcome {
            Ok(app::offers::Loaded::Added) => tracing::info!(%file, "offer loaded"),
            Ok(app::offers::Loaded::Unchanged) => {}
            Err(app::AppError::InvalidOffer(problems)) => {
                for p in problems.iter() {
                    tracing::warn!(%file, problem = %p, "offer file refused");
                }
            }
            Err(e) => tracing::warn!(%file, error = %e, "offer file refused"),
        }
    }
    Ok(())
}

/// `comptoir offers check`: parses each file and prints its problems; no database needed.
fn check_offer_files(files: &[PathBuf]) -> anyhow::Result<()> {
    let mut failed = 0;
    for file in files {
        let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        match billing::Offer::parse(&file.display().to_string(), &text) {
            Ok(offer) => println!(
                "{}: ok: {} version {} ({} plans)",
                file.display(),
                offer.id,
                offer.version,
                offer.plans.len()
            ),
            Err(problems) => {
                failed += 1;
                for p in problems.iter() {
                    println!("{p}");
                }
            }
        }
    }
    if failed > 0 {
        anyhow::bail!("{failed} of {} offer files are invalid", files.len());
    }
    Ok(())
}
