//! Fresh databases for tests, shared by every crate's test suite (feature `testkit`).
//!
//! A test runs on a fresh SQLite file always, and on a fresh PostgreSQL database when
//! `TEST_DATABASE_URL` names a server through a role allowed to `CREATE DATABASE`. When
//! `TEST_DATABASE_APP_USER` is also set, that role only migrates (it owns the schema) and the
//! application connects as the named role, which owns nothing: the production split, under
//! which row-level security cannot be switched off by the application.

use crate::Db;
use platform::model::Account;
use platform::roles::AccountStatus;
use std::path::Path;

/// An active account to store, with a new id: the tenant a test's rows belong to.
pub fn account(legal_name: &str, siren: &str) -> Account {
    Account {
        id: kernel::AccountId::new(),
        legal_name: legal_name.into(),
        siren: siren.into(),
        vat_number: None,
        address_line: "1 rue".into(),
        postal_code: "75001".into(),
        city: "Paris".into(),
        country: "FR".into(),
        status: AccountStatus::Active,
        ended_at: None,
        ended_reason: None,
        reference_optout: false,
        clock_id: None,
        terms_version_id: None,
        terms_accepted_at: None,
        created_at: jiff::Timestamp::now(),
    }
}

/// One database a test runs on; [`TestDatabase::finish`] removes it.
pub struct TestDatabase {
    pub label: &'static str,
    pub db: Db,
    /// The URL the application connects with (`DATABASE_URL`).
    pub url: String,
    /// The URL migrations run through, when it differs from `url`.
    pub owner_url: Option<String>,
    /// Keeps the SQLite file's directory alive until the test ends.
    _dir: Option<tempfile::TempDir>,
    /// The server URL and the database to drop afterwards (PostgreSQL).
    pg: Option<(String, String)>,
}

impl TestDatabase {
    pub async fn sqlite() -> TestDatabase {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = sqlite_url(dir.path());
        let db = Db::connect(&url).await.expect("connect sqlite");
        db.migrate().await.expect("migrate sqlite");
        TestDatabase {
            label: "sqlite",
            db,
            url,
            owner_url: None,
            _dir: Some(dir),
            pg: None,
        }
    }

    /// A new database on the server `TEST_DATABASE_URL` names, migrated; `None` when unset.
    pub async fn postgres() -> Option<TestDatabase> {
        let server = server_url()?;
        let name = format!("t_{}", kernel::JobId::new().0.simple());
        let admin = admin_pool(&server).await;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await
            .expect("create test database");
        admin.close().await;
        let owner_url = with_database(&server, &name);
        let (url, owner_url) = match app_user() {
            Some(user) => (with_user(&owner_url, &user), Some(owner_url)),
            None => (owner_url, None),
        };
        let db = Db::connect(&url).await.expect("connect postgres");
        match &owner_url {
            Some(owner) => db.migrate_as_owner(owner).await.expect("migrate postgres as owner"),
            None => db.migrate().await.expect("migrate postgres"),
        }
        Some(TestDatabase {
            label: "postgres",
            db,
            url,
            owner_url,
            _dir: None,
            pg: Some((server, name)),
        })
    }

    /// A fresh SQLite database, and a fresh PostgreSQL one when `TEST_DATABASE_URL` is set.
    pub async fn every_backend() -> Vec<TestDatabase> {
        let mut out = vec![TestDatabase::sqlite().await];
        out.extend(TestDatabase::postgres().await);
        out
    }

    /// The environment a `comptoir` process needs to run on this database.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        let mut env = vec![("DATABASE_URL", self.url.clone())];
        if let Some(owner) = &self.owner_url {
            env.push(("COMPTOIR_MIGRATION_DATABASE_URL", owner.clone()));
        }
        env
    }

    /// Closes the pool and drops the PostgreSQL database; a SQLite file goes with its directory.
    pub async fn finish(self) {
        self.db.close().await;
        if let Some((server, name)) = &self.pg {
            let admin = admin_pool(server).await;
            // Best effort: a leftover database is harmless, only untidy.
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&admin)
            .await;
            admin.close().await;
        }
    }
}

/// The URL of a SQLite file in `dir`, created on first connection.
pub fn sqlite_url(dir: &Path) -> String {
    format!("sqlite:{}/t.db?mode=rwc", dir.display())
}

fn server_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty())
}

fn app_user() -> Option<String> {
    std::env::var("TEST_DATABASE_APP_USER")
        .ok()
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty())
}

async fn admin_pool(url: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .expect("connect to TEST_DATABASE_URL")
}

/// Splits `scheme://[user@]host[:port]/db[?query]` into its parts.
fn parts(url: &str) -> (&str, &str, &str, Option<&str>) {
    let (scheme, rest) = url
        .split_once("://")
        .expect("TEST_DATABASE_URL must look like postgres://host/db");
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    (scheme, authority, path, query)
}

fn assemble(scheme: &str, authority: &str, path: &str, query: Option<&str>) -> String {
    match query {
        Some(q) => format!("{scheme}://{authority}/{path}?{q}"),
        None => format!("{scheme}://{authority}/{path}"),
    }
}

/// `url` with its database (the path) replaced by `name`, keeping any query string.
pub fn with_database(url: &str, name: &str) -> String {
    let (scheme, authority, _, query) = parts(url);
    assemble(scheme, authority, name, query)
}

/// `url` connecting as `user` (no password: the test server trusts local connections).
fn with_user(url: &str, user: &str) -> String {
    let (scheme, authority, path, query) = parts(url);
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    assemble(scheme, &format!("{user}@{host}"), path, query)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_keep_their_parts() {
        let u = "postgres://owner@127.0.0.1:5432/test?sslmode=disable";
        assert_eq!(
            with_database(u, "t_1"),
            "postgres://owner@127.0.0.1:5432/t_1?sslmode=disable"
        );
        assert_eq!(
            with_user(u, "app"),
            "postgres://app@127.0.0.1:5432/test?sslmode=disable"
        );
        assert_eq!(with_user("postgres://h/db", "app"), "postgres://app@h/db");
    }
}
