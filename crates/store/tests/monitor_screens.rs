//! The monitor screens' counts and search, kept by triggers as URLs change (migration 0013),
//! against what reading every URL gives: a seeded random sequence of additions, checks and
//! removals on every backend, the counts compared with a grouped count of the URLs and the
//! search with a substring test over every URL and title.

use jiff::{SignedDuration, Timestamp};
use kernel::AccountId;
use monitor::site::Tool;
use monitor::{SiteId, UrlId};
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};
use store::monitor::{CheckWrite, LastCheck, NewUrl, SiteRow, SiteSummary, UrlFilter, UrlRole, WatchedUrl};
use store::testkit::{TestDatabase, account};
use store::{Backend, Db};

/// A small deterministic generator (64-bit LCG): the same sequence on every run and backend.
struct Seq(u64);

impl Seq {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % below as u64) as usize
    }

    fn pick<'a, T>(&mut self, from: &'a [T]) -> &'a T {
        &from[self.next(from.len())]
    }
}

const TITLES: [Option<&str>; 6] = [
    None,
    Some("Boulangerie Exemple"),
    Some("Pains & viennoiseries"),
    Some("L\"atelier du pain"),
    Some("PAGE introuvable"),
    Some("Horaires d'ouverture"),
];

/// The needles searched after every few steps: URL parts, title parts in another case, one too
/// short for a trigram, quotes and characters FTS5 would read as syntax outside a phrase.
const NEEDLES: [&str; 10] = [
    "page-1",
    "/p2/",
    "boulangerie",
    "VIENNOISERIES",
    "l\"at",
    "ab",
    "-3",
    "d'ouv",
    "pain OR page",
    "page*",
];

/// A check of `id` at `at`: half the time one that finds the URL as its last check left it (a
/// steady check, which writes fewer columns), otherwise random values.
fn random_check(seq: &mut Seq, id: UrlId, site_id: SiteId, at: Timestamp, before: Option<&LastCheck>) -> CheckWrite {
    let next_due_at = at + SignedDuration::from_hours(1);
    if let Some(before) = before.filter(|_| seq.next(2) == 0) {
        return CheckWrite {
            id,
            site_id,
            last: LastCheck {
                checked_at: Some(at),
                response_ms: Some(13),
                ..before.clone()
            },
            tracker: None,
            next_due_at,
            steady: true,
        };
    }
    let outcome = *seq.pick(&[
        None,
        Some("answered"),
        Some("answered"),
        Some("unanswered"),
        Some("deferred"),
    ]);
    let last = LastCheck {
        checked_at: Some(at),
        outcome: outcome.map(str::to_string),
        status: *seq.pick(&[None, Some(200), Some(200), Some(301), Some(404), Some(503)]),
        response_ms: Some(12),
        redirected: false,
        indexable: *seq.pick(&[None, Some(true), Some(false)]),
        up: *seq.pick(&[None, Some(true), Some(false)]),
        title: seq.pick(&TITLES).map(str::to_string),
        snapshot: None,
        tls_not_after: None,
        last_change_at: if seq.next(4) == 0 {
            Some(at)
        } else {
            before.and_then(|b| b.last_change_at)
        },
    };
    CheckWrite {
        id,
        site_id,
        steady: before.is_some_and(|b| b.same_state(&last)),
        last,
        tracker: None,
        next_due_at,
    }
}

/// The sites' counts as a grouped count of every URL gives them (the screen's query before
/// migration 0013).
async fn recount(db: &Db, account: AccountId) -> BTreeMap<String, [i64; 6]> {
    let mut tx = db.read().await.expect("read");
    let rows = sqlx::query(
        "SELECT site_id, \
            SUM(CASE WHEN tool = 'http' THEN 1 ELSE 0 END) AS http_urls, \
            SUM(CASE WHEN tool = 'ping' THEN 1 ELSE 0 END) AS ping_urls, \
            SUM(CASE WHEN tool = 'link' THEN 1 ELSE 0 END) AS backlinks, \
            SUM(CASE WHEN outcome IS NOT NULL AND (outcome <> 'answered' OR status >= 400) AND outcome <> 'deferred' THEN 1 ELSE 0 END) AS errors, \
            SUM(CASE WHEN tool = 'http' AND indexable = FALSE THEN 1 ELSE 0 END) AS non_indexable, \
            SUM(CASE WHEN up = FALSE THEN 1 ELSE 0 END) AS down \
         FROM monitor_urls WHERE account_id = $1 GROUP BY site_id",
    )
    .bind(account.to_string())
    .fetch_all(&mut *tx)
    .await
    .expect("recount");
    tx.commit().await.expect("commit");
    rows.iter()
        .map(|r| {
            let n = |c: &str| r.try_get::<Option<i64>, _>(c).expect(c).unwrap_or(0);
            let id: String = r.try_get("site_id").expect("site_id");
            (
                id,
                [
                    n("http_urls"),
                    n("ping_urls"),
                    n("backlinks"),
                    n("errors"),
                    n("non_indexable"),
                    n("down"),
                ],
            )
        })
        .collect()
}

fn counts(s: &SiteSummary) -> [i64; 6] {
    [s.http_urls, s.ping_urls, s.backlinks, s.errors, s.non_indexable, s.down]
}

/// Every site's counts agree with the grouped count, and its last check and change are the
/// latest ever written (a URL removed does not take its site's last check back).
async fn assert_counts(
    db: &Db,
    account: AccountId,
    latest: &BTreeMap<SiteId, (Option<Timestamp>, Option<Timestamp>)>,
    step: usize,
) {
    let expected = recount(db, account).await;
    let mut tx = db.read().await.expect("read");
    let summaries = store::monitor::site_summaries(&mut tx, account)
        .await
        .expect("summaries");
    tx.commit().await.expect("commit");
    for s in &summaries {
        let want = expected.get(&s.site.id.to_string()).copied().unwrap_or([0; 6]);
        assert_eq!(counts(s), want, "counts of {} at step {step}", s.site.origin);
        let (check, change) = latest.get(&s.site.id).copied().unwrap_or((None, None));
        assert_eq!(s.last_check_at, check, "last check of {} at step {step}", s.site.origin);
        assert_eq!(
            s.last_change_at, change,
            "last change of {} at step {step}",
            s.site.origin
        );
    }
}

async fn assert_search(db: &Db, backend: Backend, account: AccountId, sites: &[SiteId], step: usize) {
    let mut tx = db.read().await.expect("read");
    let every: Vec<WatchedUrl> = store::monitor::all_urls(&mut tx, account).await.expect("all");
    for site in sites {
        for needle in NEEDLES {
            let folded = needle.to_lowercase();
            let want: BTreeSet<String> = every
                .iter()
                .filter(|u| u.site_id == *site)
                .filter(|u| {
                    u.url.to_lowercase().contains(&folded)
                        || u.last.title.as_deref().unwrap_or("").to_lowercase().contains(&folded)
                })
                .map(|u| u.url.clone())
                .collect();
            let filter = UrlFilter {
                search: Some(needle.into()),
                limit: 1000,
                ..UrlFilter::default()
            };
            let found = store::monitor::list_urls(&mut tx, backend, account, *site, &filter)
                .await
                .unwrap_or_else(|e| panic!("search {needle:?}: {e}"));
            let urls: Vec<String> = found.iter().map(|u| u.url.clone()).collect();
            let mut sorted = urls.clone();
            sorted.sort();
            assert_eq!(urls, sorted, "search {needle:?} in URL order at step {step}");
            let got: BTreeSet<String> = urls.iter().cloned().collect();
            assert_eq!(got, want, "search {needle:?} at step {step}");
            // Page by page, three at a time: a page found early and a page after the last
            // match take different paths (PostgreSQL walks the site before the search table).
            let mut paged: Vec<String> = Vec::new();
            let mut after: Option<String> = None;
            loop {
                let filter = UrlFilter {
                    search: Some(needle.into()),
                    limit: 3,
                    after: after.clone(),
                    ..UrlFilter::default()
                };
                let found = store::monitor::list_urls(&mut tx, backend, account, *site, &filter)
                    .await
                    .unwrap_or_else(|e| panic!("search {needle:?} after {after:?}: {e}"));
                paged.extend(found.iter().take(3).map(|u| u.url.clone()));
                if found.len() <= 3 {
                    break;
                }
                after = paged.last().cloned();
            }
            assert_eq!(paged, urls, "search {needle:?} page by page at step {step}");
        }
    }
    tx.commit().await.expect("commit");
}

async fn count_of(db: &Db, sql: &str) -> i64 {
    let mut tx = db.read().await.expect("read");
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&mut *tx)
        .await
        .expect(sql);
    tx.commit().await.expect("commit");
    n
}

#[tokio::test]
async fn counts_and_search_follow_every_change_of_the_urls() {
    for database in TestDatabase::every_backend().await {
        eprintln!("monitor screens on {}", database.label);
        let db = database.db.clone();
        let backend = db.backend();
        let t0: Timestamp = "2026-11-23T09:00:00Z".parse().expect("t0");
        let tenant = account("Compteurs SARL", "732829320");
        let id = tenant.id;
        let sites: Vec<SiteRow> = [
            "https://www.boulangerie.test",
            "https://shop.boulangerie.test",
            "https://vide.test",
        ]
        .iter()
        .map(|origin| SiteRow {
            id: SiteId::new(),
            account_id: id,
            origin: (*origin).into(),
            host: origin.trim_start_matches("https://").into(),
            domain: "boulangerie.test".into(),
            created_at: t0,
            sitemap_read_at: None,
        })
        .collect();
        let mut tx = db.write().await.expect("write");
        store::accounts::insert(&mut tx, &tenant).await.expect("account");
        for s in &sites {
            store::monitor::insert_site(&mut tx, s).await.expect("site");
        }
        tx.commit().await.expect("commit");

        let mut seq = Seq(0x5eed);
        // The third site keeps no URL: its counts are zeros without a row of its own.
        let watched_sites = [sites[0].id, sites[1].id];
        let mut live: Vec<(UrlId, SiteId)> = Vec::new();
        // What the checks so far left on each URL.
        let mut written: BTreeMap<UrlId, LastCheck> = BTreeMap::new();
        let mut latest: BTreeMap<SiteId, (Option<Timestamp>, Option<Timestamp>)> = BTreeMap::new();
        let mut serial = 0;
        let mut now = t0;
        for step in 0..160 {
            now += SignedDuration::from_mins(5);
            let mut tx = db.write().await.expect("write");
            match seq.next(10) {
                0..=2 => {
                    let mut batch = Vec::new();
                    for _ in 0..1 + seq.next(12) {
                        serial += 1;
                        let site = *seq.pick(&watched_sites);
                        let tool = *seq.pick(&[Tool::Http, Tool::Http, Tool::Ping, Tool::Link]);
                        batch.push(NewUrl {
                            id: UrlId::new(),
                            site_id: site,
                            tool,
                            role: UrlRole::Page,
                            url: format!("https://www.boulangerie.test/p{}/page-{serial}", serial % 4),
                            target: String::new(),
                            cadence_minutes: 60,
                            next_due_at: now,
                        });
                    }
                    store::monitor::insert_urls(&mut tx, id, &batch, now)
                        .await
                        .expect("insert");
                    live.extend(batch.iter().map(|u| (u.id, u.site_id)));
                }
                3..=7 if !live.is_empty() => {
                    let mut checks = Vec::new();
                    let mut seen = BTreeSet::new();
                    for _ in 0..1 + seq.next(20) {
                        let (url, site) = *seq.pick(&live);
                        if seen.insert(url) {
                            checks.push(random_check(&mut seq, url, site, now, written.get(&url)));
                        }
                    }
                    for c in &checks {
                        written.insert(c.id, c.last.clone());
                    }
                    for c in &checks {
                        let entry = latest.entry(c.site_id).or_default();
                        entry.0 = entry.0.max(c.last.checked_at);
                        entry.1 = entry.1.max(c.last.last_change_at);
                    }
                    store::monitor::save_checks(&mut tx, backend, &checks)
                        .await
                        .expect("save checks");
                }
                8 if !live.is_empty() => {
                    let (url, _) = live.swap_remove(seq.next(live.len()));
                    assert!(store::monitor::delete_url(&mut tx, id, url).await.expect("delete"));
                }
                _ => {
                    let site = *seq.pick(&watched_sites);
                    store::monitor::set_cadence(&mut tx, id, site, Tool::Http, 15)
                        .await
                        .expect("cadence");
                }
            }
            tx.commit().await.expect("commit");
            if step % 8 == 7 {
                assert_counts(&db, id, &latest, step).await;
                assert_search(&db, backend, id, &watched_sites, step).await;
            }
        }
        assert!(
            live.len() > 30,
            "the sequence keeps enough URLs to mean something: {}",
            live.len()
        );

        // Steady checks wrote only what they change, and left the rest as the last check did.
        let mut tx = db.read().await.expect("read");
        for (url, _) in &live {
            let stored = store::monitor::get_url(&mut tx, id, *url)
                .await
                .expect("get url")
                .expect("live URL");
            let expected = written.get(url).cloned().unwrap_or_default();
            assert_eq!(stored.last, expected, "{url}'s last check");
        }
        tx.commit().await.expect("commit");

        // A site removed takes its URLs, its counts and their search entries with it.
        let mut tx = db.write().await.expect("write");
        assert!(
            store::monitor::delete_site(&mut tx, id, sites[0].id)
                .await
                .expect("delete site")
        );
        tx.commit().await.expect("commit");
        live.retain(|(_, site)| *site != sites[0].id);
        assert_counts(&db, id, &latest, 1000).await;
        assert_search(&db, backend, id, &[sites[1].id], 1000).await;
        assert_eq!(count_of(&db, "SELECT COUNT(*) FROM monitor_site_counts").await, 1);
        let entries = match backend {
            Backend::Sqlite => "SELECT COUNT(*) FROM monitor_url_search_keys",
            Backend::Postgres => "SELECT COUNT(*) FROM monitor_url_search",
        };
        assert_eq!(count_of(&db, entries).await, live.len() as i64);
        assert_eq!(
            count_of(&db, "SELECT COUNT(*) FROM monitor_urls").await,
            live.len() as i64
        );
        database.finish().await;
    }
}
