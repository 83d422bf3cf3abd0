//! Row-level security on PostgreSQL: a second wall behind the account id every query carries.
//! Runs when TEST_DATABASE_URL names a PostgreSQL server (as `.ci/run` sets it).

use jiff::Timestamp;
use kernel::{AccountId, Lang, UserId};
use platform::Role;
use platform::model::User;
use platform::roles::UserStatus;
use sqlx::Row;
use store::testkit::{TestDatabase, account};
use store::{Mode, Scope};

fn user(account: AccountId, email: &str) -> User {
    User {
        id: UserId::new(),
        account_id: Some(account),
        email: email.into(),
        name: "N".into(),
        password_hash: None,
        role: Role::Member,
        lang: Lang::Fr,
        status: UserStatus::Active,
        email_verified_at: None,
        failed_logins: 0,
        locked_until: None,
        last_login_at: None,
        created_at: Timestamp::now(),
    }
}

// clause: CLOG-NO-STAFF-ACCESS, INES-NO-READ
#[tokio::test]
async fn row_level_security_binds_the_application_role() {
    let Some(test_db) = TestDatabase::postgres().await else {
        eprintln!("skipping: TEST_DATABASE_URL is not set");
        return;
    };
    let db = test_db.db.clone();
    // The role the application runs as can neither skip policies nor is it a superuser.
    let row = sqlx::query("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        .fetch_one(db.pool())
        .await
        .expect("role");
    assert!(
        !row.get::<bool, _>(0) && !row.get::<bool, _>(1),
        "run the tests as a non-superuser role without BYPASSRLS"
    );

    // Every table holding tenant rows has row-level security, forced for its owner too.
    let rows = sqlx::query(
        "SELECT c.relname::text, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND c.relkind = 'r' \
         AND (c.relname = 'accounts' OR EXISTS (SELECT 1 FROM information_schema.columns i \
              WHERE i.table_schema = n.nspname AND i.table_name = c.relname AND i.column_name = 'account_id'))",
    )
    .fetch_all(db.pool())
    .await
    .expect("tables");
    assert!(rows.len() >= 10, "tenant tables found: {}", rows.len());
    for r in &rows {
        let name: String = r.get(0);
        assert!(
            r.get::<bool, _>(1) && r.get::<bool, _>(2),
            "{name} lacks forced row-level security"
        );
    }

    let (a, b) = (account("A", "732829320"), account("B", "552032534"));
    let mut tx = db.begin(Scope::Platform, Mode::Write).await.expect("tx");
    store::accounts::insert(&mut tx, &a).await.expect("a");
    store::accounts::insert(&mut tx, &b).await.expect("b");
    store::users::insert(&mut tx, &user(a.id, "a@a.test"))
        .await
        .expect("user a");
    store::users::insert(&mut tx, &user(b.id, "b@b.test"))
        .await
        .expect("user b");
    tx.commit().await.expect("commit");

    // Without a declared scope nothing is visible.
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
        .fetch_one(db.pool())
        .await
        .expect("count");
    assert_eq!(n, 0);

    // A tenant transaction sees its own rows only, even when a query forgets its WHERE.
    let mut tx = db.begin(Scope::Tenant(a.id), Mode::Write).await.expect("tx");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&mut *tx)
        .await
        .expect("count");
    assert_eq!(n, 1);
    assert!(store::accounts::get(&mut tx, b.id).await.expect("get").is_none());
    let changed = sqlx::query("UPDATE accounts SET legal_name = 'hacked'")
        .execute(&mut *tx)
        .await
        .expect("update");
    assert_eq!(changed.rows_affected(), 1, "only its own row");
    // Writing a row for another tenant is refused by the policy's WITH CHECK.
    let err = store::users::insert(&mut tx, &user(b.id, "intruder@b.test")).await;
    assert!(err.is_err(), "a row for another account must be refused");
    tx.rollback().await.expect("rollback");

    let mut tx = db.begin(Scope::Platform, Mode::Read).await.expect("tx");
    let b_now = store::accounts::get(&mut tx, b.id).await.expect("get").expect("b");
    assert_eq!(b_now.legal_name, "B");
    tx.commit().await.expect("commit");
    test_db.finish().await;
}

/// With the production split (a schema owner migrates, the application role owns nothing), the
/// application cannot take the wall down: no switching row-level security off, no dropping a
/// policy or the audit trail's append-only trigger, no deleting trail entries, no rewriting the
/// migration history. `.ci/run` sets `TEST_DATABASE_APP_USER` so this runs there.
// clause: CLOG-NO-STAFF-ACCESS, CLX-TRACE-ALL
#[tokio::test]
async fn the_application_role_cannot_disable_row_level_security() {
    let Some(test_db) = TestDatabase::postgres().await else {
        eprintln!("skipping: TEST_DATABASE_URL is not set");
        return;
    };
    if test_db.owner_url.is_none() {
        eprintln!("skipping: TEST_DATABASE_APP_USER is not set (single-role set-up)");
        test_db.finish().await;
        return;
    }
    let db = test_db.db.clone();
    let owns: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND pg_get_userbyid(c.relowner) = current_user",
    )
    .fetch_one(db.pool())
    .await
    .expect("ownership");
    assert_eq!(owns, 0, "the application role must own no table");

    for sql in [
        "ALTER TABLE accounts DISABLE ROW LEVEL SECURITY",
        "ALTER TABLE users NO FORCE ROW LEVEL SECURITY",
        "DROP POLICY users_tenant ON users",
        "DROP TRIGGER audit_log_append_only ON audit_log",
        "CREATE TABLE sneaky (id TEXT)",
        "DELETE FROM _sqlx_migrations",
    ] {
        let err = sqlx::query(sql).execute(db.pool()).await;
        assert!(err.is_err(), "the application role could run: {sql}");
    }
    let mut tx = db.begin(Scope::Platform, Mode::Write).await.expect("tx");
    let refused = sqlx::query("DELETE FROM audit_log").execute(&mut *tx).await;
    assert!(
        refused.is_err(),
        "deleting trail entries needs a privilege the role lacks"
    );
    tx.rollback().await.expect("rollback");

    // And it still does its job: the row-level scopes work as before.
    let a = account("A", "732829320");
    let mut tx = db.begin(Scope::Platform, Mode::Write).await.expect("tx");
    store::accounts::insert(&mut tx, &a).await.expect("insert");
    tx.commit().await.expect("commit");
    let mut tx = db.begin(Scope::Tenant(a.id), Mode::Read).await.expect("tx");
    assert!(store::accounts::get(&mut tx, a.id).await.expect("get").is_some());
    tx.commit().await.expect("commit");
    assert!(db.ready().await, "readyz still sees the migrations");
    test_db.finish().await;
}
