//! The audit trail: verification, append-only storage, erasable context, tamper detection.

use crate::{ADMIN, MEMBER, OPERATOR, World, actor, on_every_database};
use store::{Backend, Db, sqlx};

/// Runs one statement in a platform-scope write transaction; the number of rows it touched.
async fn execute(db: &Db, sql: &str) -> Result<u64, sqlx::Error> {
    let mut tx = db.write().await.expect("write");
    let done = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&mut *tx)
        .await?;
    tx.commit().await.expect("commit");
    Ok(done.rows_affected())
}

// clause: CLX-TRACE-ALL
#[tokio::test]
async fn the_trail_verifies_survives_erasure_and_detects_tampering() {
    on_every_database(async |database| {
        let db = database.db.clone();
        let w = World::new(db.clone()).await;
        let admin = w.principal(ADMIN).await;
        let operator = w.principal(OPERATOR).await;
        w.principal(MEMBER).await;
        w.app
            .set_reference_optout(w.account, true, &actor(&admin))
            .await
            .expect("opt out");
        w.app.grant_support(&admin, 1, &actor(&admin)).await.expect("grant");
        w.app
            .support_view(&operator, w.account, &actor(&operator))
            .await
            .expect("view");

        let report = w.app.verify_audit(|_, _| {}).await.expect("verify");
        assert!(report.breaks.is_empty(), "{:?}", report.breaks);
        assert_eq!(report.chains, 2, "the demo account's chain and the platform's");
        assert_eq!(report.entries as i64, w.count("audit_log").await);
        assert!(report.entries >= 8);

        // Append-only: the recorded facts cannot be changed or removed.
        let account = w.account.to_string();
        let rewrite = format!("UPDATE audit_log SET action = 'auth.logout' WHERE chain = '{account}' AND seq = 2");
        let refused = execute(&db, &rewrite).await.expect_err("rewriting an entry must fail");
        assert!(refused.to_string().contains("append-only"), "{refused}");
        let delete = format!("DELETE FROM audit_log WHERE chain = '{account}'");
        assert!(execute(&db, &delete).await.is_err(), "deleting entries must fail");

        // The personal context (address, user agent) may be erased and the chain still holds.
        let with_ip = format!("SELECT COUNT(*) FROM audit_log WHERE chain = '{account}' AND ip IS NOT NULL");
        assert!(scalar(&db, &with_ip).await > 0);
        let erased = execute(
            &db,
            &format!("UPDATE audit_log SET ip = NULL, user_agent = NULL WHERE chain = '{account}'"),
        )
        .await
        .expect("erasing the context is allowed");
        assert!(erased > 0);
        assert_eq!(scalar(&db, &with_ip).await, 0);
        let report = w.app.verify_audit(|_, _| {}).await.expect("verify");
        assert!(report.breaks.is_empty(), "{:?}", report.breaks);

        // With the guard removed by someone who owns the tables, an edit is still caught.
        let owner = match &database.owner_url {
            Some(url) => Db::connect(url).await.expect("connect as the schema owner"),
            None => db.clone(),
        };
        let unguard = match db.backend() {
            Backend::Sqlite => "DROP TRIGGER audit_log_no_update",
            Backend::Postgres => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
        };
        if database.owner_url.is_some() {
            assert!(
                execute(&db, unguard).await.is_err(),
                "the application role must not be able to remove the guard"
            );
        }
        execute(&owner, unguard).await.expect("remove the guard");
        assert_eq!(execute(&owner, &rewrite).await.expect("tamper"), 1);
        let report = w.app.verify_audit(|_, _| {}).await.expect("verify");
        assert_eq!(report.breaks.len(), 1, "{:?}", report.breaks);
        assert!(
            report.breaks[0].contains(&format!("chain {account}: entry 2 was altered")),
            "{:?}",
            report.breaks
        );
    })
    .await;
}

async fn scalar(db: &Db, sql: &str) -> i64 {
    let mut tx = db.read().await.expect("read");
    let n = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&mut *tx)
        .await
        .expect("query");
    tx.commit().await.expect("commit");
    n
}
