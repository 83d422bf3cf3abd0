//! Storage on SQLite (embedded default) or PostgreSQL, through one code path.
//!
//! SQL is written once, portably (`$1` placeholders, `RETURNING`, `ON CONFLICT`); the few places
//! where the backends differ (how a write transaction begins, `FOR UPDATE SKIP LOCKED`,
//! row-level security scopes) switch on [`Backend`]. Instants are stored as BIGINT
//! microseconds and ids as text so that both backends read and write the same values.
//!
//! Every repository function takes a connection (usually a [`Tx`]) so that a change, its audit
//! entry and the jobs it causes commit together.

pub mod accounts;
pub mod audit;
pub mod clocks;
pub mod codes;
pub mod contracts;
pub mod emails;
pub mod files;
pub mod grants;
pub mod idempotency;
pub mod invitations;
pub mod invoices;
pub mod jobs;
pub mod keys;
pub mod kyc;
pub mod monitor;
pub mod offers;
pub mod price_changes;
pub mod sessions;
pub mod subscriptions;
pub mod terms;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
pub mod tokens;
pub mod users;

use jiff::Timestamp;
use kernel::AccountId;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::{AnyConnection, AnyPool, Row};
use std::ops::{Deref, DerefMut};
use std::str::FromStr;
use std::time::Duration;

pub use sqlx;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL (expected sqlite: or postgres:): {0}")]
    UnsupportedUrl(String),
    #[error("stored value is corrupt: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// A unique constraint refused the write (a duplicate email, a reused idempotency key...).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => {
                e.is_unique_violation()
                    // The Any driver does not always carry the kind through; fall back on codes.
                    || e.code().is_some_and(|c| c == "23505" || c == "2067" || c == "1555")
                    || e.message().contains("UNIQUE constraint failed")
            }
            _ => false,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Which rows a transaction may see on PostgreSQL (row-level security). On SQLite the same
/// rule is carried by the explicit account id every tenant query takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One customer account's rows.
    Tenant(AccountId),
    /// Administrative data: accounts, users, credentials, audit, jobs, emails.
    Platform,
}

/// Whether a transaction writes. On SQLite a writing transaction takes the write lock at once
/// (`BEGIN IMMEDIATE`) so that two writers queue instead of failing on lock upgrade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Read,
    Write,
}

/// The database handle: a pool and the backend it talks to. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

impl Db {
    /// Connects to `sqlite:PATH` (created if missing, WAL mode) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        };
        let options = AnyConnectOptions::from_str(url)?;
        let pool = match backend {
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(8)
                    .min_connections(1)
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            // WAL lets readers run beside the single writer; NORMAL sync is safe
                            // under WAL (a power cut may lose the last commits, never corrupt).
                            sqlx::query("PRAGMA journal_mode = WAL").execute(&mut *conn).await?;
                            sqlx::query("PRAGMA synchronous = NORMAL").execute(&mut *conn).await?;
                            sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
                            sqlx::query("PRAGMA busy_timeout = 10000").execute(&mut *conn).await?;
                            // The statement journal of a multi-row write (and temporary b-trees)
                            // in memory rather than in a temporary file: a write syscall per
                            // journaled page was 3 % of the monitor's checks.
                            sqlx::query("PRAGMA temp_store = MEMORY").execute(&mut *conn).await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?
            }
        };
        Ok(Db { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    /// Applies the backend's pending migrations as the role this handle connects with, which
    /// then owns the tables. Fine for SQLite and for a single-role PostgreSQL set-up; see
    /// [`Db::migrate_as_owner`] for the production split.
    pub async fn migrate(&self) -> Result<()> {
        self.migrator().run(&self.pool).await?;
        Ok(())
    }

    /// Applies migrations through `owner_url` (PostgreSQL: a role that owns the schema), then
    /// grants the role this handle runs as only what the application needs: reading and writing
    /// rows. Row-level security is only a wall if the application cannot take it down, and a
    /// table's owner can `ALTER TABLE … DISABLE ROW LEVEL SECURITY` or drop the audit trail's
    /// append-only trigger; a role that owns nothing can do neither.
    pub async fn migrate_as_owner(&self, owner_url: &str) -> Result<()> {
        if self.backend != Backend::Postgres {
            return self.migrate().await;
        }
        let owner = AnyPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect(owner_url)
            .await?;
        let outcome = self.grant_application_role(&owner).await;
        owner.close().await;
        outcome
    }

    async fn grant_application_role(&self, owner: &AnyPool) -> Result<()> {
        self.migrator().run(owner).await?;
        let app_role: String = sqlx::query_scalar("SELECT current_user::text")
            .fetch_one(&self.pool)
            .await?;
        let owner_role: String = sqlx::query_scalar("SELECT current_user::text").fetch_one(owner).await?;
        if app_role == owner_role {
            return Ok(());
        }
        let role = format!("\"{}\"", app_role.replace('"', "\"\""));
        let statements = [
            format!("GRANT USAGE ON SCHEMA public TO {role}"),
            format!("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"),
            format!("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"),
            // Which migrations ran is the owner's business; the application only checks it.
            format!("REVOKE INSERT, UPDATE, DELETE ON _sqlx_migrations FROM {role}"),
            // The trail is append-only; only its erasable context columns are ever updated.
            format!("REVOKE DELETE ON audit_log, audit_heads FROM {role}"),
        ];
        // Several processes starting together grant at once; PostgreSQL refuses concurrent
        // updates of one role's privileges ("tuple concurrently updated"), so they take turns.
        let mut tx = owner.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock(7223811)")
            .execute(&mut *tx)
            .await?;
        for sql in statements {
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// True when the database answers and every known migration is applied (`/readyz`).
    pub async fn ready(&self) -> bool {
        let latest = self.migrator().iter().map(|m| m.version).max().unwrap_or(0);
        let applied: std::result::Result<Option<i64>, _> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_one(&self.pool)
                .await;
        matches!(applied, Ok(Some(v)) if v >= latest)
    }

    /// Begins a transaction limited to `scope`.
    pub async fn begin(&self, scope: Scope, mode: Mode) -> Result<Tx> {
        let mut tx = match (self.backend, mode) {
            (Backend::Sqlite, Mode::Write) => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            _ => self.pool.begin().await?,
        };
        if self.backend == Backend::Postgres {
            let (name, value) = match scope {
                Scope::Tenant(account) => ("comptoir.account_id", account.to_string()),
                Scope::Platform => ("comptoir.scope", "platform".to_string()),
            };
            sqlx::query("SELECT set_config($1, $2, true)")
                .bind(name)
                .bind(value)
                .execute(&mut *tx)
                .await?;
        }
        Ok(Tx {
            inner: Inner::Transaction(tx),
        })
    }

    /// A writing transaction over platform data.
    pub async fn write(&self) -> Result<Tx> {
        self.begin(Scope::Platform, Mode::Write).await
    }

    /// A reading transaction over platform data.
    pub async fn read(&self) -> Result<Tx> {
        self.begin(Scope::Platform, Mode::Read).await
    }

    /// A connection for a few independent reads on the hot path (request authentication).
    /// On SQLite it skips BEGIN and COMMIT, two of the round-trips a request would otherwise
    /// pay; each statement still reads a consistent snapshot. On PostgreSQL it is a platform
    /// read transaction, because row-level security needs the scope set inside one.
    pub async fn quick_read(&self) -> Result<Tx> {
        match self.backend {
            Backend::Sqlite => Ok(Tx {
                inner: Inner::Connection(self.pool.acquire().await?),
            }),
            Backend::Postgres => self.read().await,
        }
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A transaction (or, from [`Db::quick_read`], a plain connection); dereferences to a
/// connection so repository functions accept it.
pub struct Tx {
    inner: Inner,
}

enum Inner {
    Transaction(sqlx::Transaction<'static, sqlx::Any>),
    Connection(sqlx::pool::PoolConnection<sqlx::Any>),
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        if let Inner::Transaction(tx) = self.inner {
            tx.commit().await?;
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<()> {
        if let Inner::Transaction(tx) = self.inner {
            tx.rollback().await?;
        }
        Ok(())
    }
}

impl Deref for Tx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        match &self.inner {
            Inner::Transaction(tx) => tx,
            Inner::Connection(c) => c,
        }
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match &mut self.inner {
            Inner::Transaction(tx) => &mut *tx,
            Inner::Connection(c) => &mut *c,
        }
    }
}

/// Ids bound per statement by [`rows_for_ids`]. Bind parameters are bounded (SQLite 32,766,
/// PostgreSQL 65,535), and binding costs more than linear on SQLite: sqlx asks each parameter's name
/// (`sqlite3_bind_parameter_name`), which SQLite finds by a linear search, so 500 parameters cost
/// 125,000 steps in one statement and 12,500 in ten of 50.
pub(crate) const IDS_PER_STATEMENT: usize = 50;

/// Runs `sql` — whose `{ids}` stands for a list of bind parameters — once per chunk of `ids` and
/// gathers the rows.
pub(crate) async fn rows_for_ids(
    conn: &mut sqlx::AnyConnection,
    sql: &str,
    ids: &[String],
) -> Result<Vec<sqlx::any::AnyRow>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(IDS_PER_STATEMENT) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let text = sql.replace("{ids}", &marks.join(", "));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(text));
        for id in chunk {
            query = query.bind(id.as_str());
        }
        out.extend(query.fetch_all(&mut *conn).await?);
    }
    Ok(out)
}

/// The VALUES list of a multi-row statement: `rows` tuples of `cols` bind parameters, numbered
/// from `$1` row after row (`($1, $2), ($3, $4)`), which both backends read.
pub(crate) fn value_tuples(rows: usize, cols: usize) -> String {
    value_tuples_for(Backend::Postgres, rows, cols)
}

/// [`value_tuples`] with the marks of `backend` (see [`marks`]).
pub(crate) fn value_tuples_for(backend: Backend, rows: usize, cols: usize) -> String {
    let mut out = String::with_capacity(rows * (cols * 5 + 4));
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        out.push_str(&marks(backend, r * cols + 1, cols));
        out.push(')');
    }
    out
}

/// `count` bind marks for a statement run on `backend`, numbered from `first` on PostgreSQL
/// (`$3, $4`). SQLite gets anonymous `?` marks, bound by position: sqlx looks a numbered mark's
/// name up with the linear search described at [`IDS_PER_STATEMENT`], for each mark.
pub(crate) fn marks(backend: Backend, first: usize, count: usize) -> String {
    let mut out = String::with_capacity(count * 5);
    for i in first..first + count {
        if i > first {
            out.push_str(", ");
        }
        match backend {
            Backend::Sqlite => out.push('?'),
            Backend::Postgres => {
                out.push('$');
                out.push_str(&i.to_string());
            }
        }
    }
    out
}

/// Rows one multi-row statement carries for a table of `cols` columns: one round trip for many
/// rows, the bind parameters well under SQLite's bound (32,766). Measured with the billing
/// run (BENCHMARKS.md): 50 rows beat 500 on both backends — SQLite's binding through sqlx
/// costs more than linearly in the parameters of one statement.
pub(crate) fn rows_per_statement(cols: usize) -> usize {
    (12_000 / cols.max(1)).clamp(1, 50)
}

/// Of `accounts`, those that appear in `table`'s `account_id` column: a billing run skips the
/// per-account queries of features an account does not use (price notices, codes).
pub async fn accounts_present_in(
    conn: &mut sqlx::AnyConnection,
    table: &'static str,
    accounts: &[kernel::AccountId],
) -> Result<Vec<kernel::AccountId>> {
    let ids: Vec<String> = accounts.iter().map(ToString::to_string).collect();
    let sql = format!("SELECT DISTINCT account_id FROM {table} WHERE account_id IN ({{ids}})");
    let rows = rows_for_ids(conn, &sql, &ids).await?;
    rows.iter().map(|r| get_id(r, "account_id")).collect()
}

/// Stores an instant (microseconds since the Unix epoch).
pub fn us(t: Timestamp) -> i64 {
    kernel::clock::to_micros(t)
}

/// Stores an optional instant.
pub fn us_opt(t: Option<Timestamp>) -> Option<i64> {
    t.map(us)
}

// Row helpers: columns are read by name so that a reordered SELECT cannot swap two fields.

pub(crate) fn get_str(row: &AnyRow, col: &str) -> Result<String> {
    Ok(row.try_get::<String, _>(col)?)
}

pub(crate) fn get_opt_str(row: &AnyRow, col: &str) -> Result<Option<String>> {
    Ok(row.try_get::<Option<String>, _>(col)?)
}

pub(crate) fn get_i64(row: &AnyRow, col: &str) -> Result<i64> {
    Ok(row.try_get::<i64, _>(col)?)
}

pub(crate) fn get_bool(row: &AnyRow, col: &str) -> Result<bool> {
    // SQLite hands booleans back as integers through the Any driver.
    match row.try_get::<bool, _>(col) {
        Ok(b) => Ok(b),
        Err(_) => Ok(row.try_get::<i64, _>(col)? != 0),
    }
}

pub(crate) fn get_ts(row: &AnyRow, col: &str) -> Result<Timestamp> {
    Ok(kernel::clock::from_micros(get_i64(row, col)?))
}

pub(crate) fn get_opt_ts(row: &AnyRow, col: &str) -> Result<Option<Timestamp>> {
    Ok(row.try_get::<Option<i64>, _>(col)?.map(kernel::clock::from_micros))
}

pub(crate) fn get_id<T: FromStr>(row: &AnyRow, col: &str) -> Result<T> {
    let s = get_str(row, col)?;
    s.parse().map_err(|_| StoreError::Corrupt(format!("{col}: {s}")))
}

pub(crate) fn get_opt_id<T: FromStr>(row: &AnyRow, col: &str) -> Result<Option<T>> {
    match get_opt_str(row, col)? {
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|_| StoreError::Corrupt(format!("{col}: {s}"))),
        None => Ok(None),
    }
}

pub(crate) fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what}: {value}"))
}
