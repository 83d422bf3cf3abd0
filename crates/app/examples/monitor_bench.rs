//! The monitor end to end: checks of URLs served by a local web server, each one fetched,
//! extracted, compared with the URL's last snapshot and stored, through the scheduler every
//! worker runs (`App::monitor_run_all_due`: the worker's stream of claims, checks and writes at
//! a fixed instant).
//!
//! ```sh
//! benches/monitor/serve.sh 18080 &               # nginx with 500 pages of ~50 KB
//! cargo run --release -p app --example monitor_bench -- http://127.0.0.1:18080 200000 3
//! cargo run --release -p app --example monitor_bench -- http://127.0.0.1:18080 200000 3 postgres://…
//! ```
//!
//! Arguments: the server's origin, how many URLs to watch (spread over `PAGES` files, 500 by
//! default, as `/page-N.html?u=K`), how many rounds, and a database URL (a fresh SQLite file by
//! default). Round 1 sets every URL's baseline (all values go to the history); the next rounds are
//! the steady state (nothing changed, nothing new kept). The per-host cap is lifted: every URL is on
//! one host.

use app::{App, AppConfig};
use jiff::{SignedDuration, Timestamp};
use monitor::site::Tool;
use monitor::{SiteId, UrlId};
use std::time::Instant;
use store::monitor::{NewUrl, SiteRow, UrlRole};

fn arg(n: usize) -> Option<String> {
    std::env::args().nth(n)
}

/// User and system CPU seconds of this process so far (from /proc, in clock ticks of 1/100 s).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// Peak resident memory of this process, in MB.
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let base = arg(1).unwrap_or_else(|| "http://127.0.0.1:18080".into());
    let urls: usize = arg(2).and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let rounds: usize = arg(3).and_then(|v| v.parse().ok()).unwrap_or(3);
    let pages: usize = std::env::var("PAGES").ok().and_then(|v| v.parse().ok()).unwrap_or(500);
    let dir = tempfile::tempdir()?;
    let url = arg(4).unwrap_or_else(|| format!("sqlite:{}?mode=rwc", dir.path().join("bench.db").display()));
    let db = store::Db::connect(&url).await?;
    db.migrate().await?;
    let app = App::new(db.clone(), AppConfig::default(), mail::Transport::Outbox);
    app.set_probe_config(probe::ProbeConfig {
        per_host_limit: 100_000,
        ..app::monitor::probe_config_for(&AppConfig::default().public_url)
    });

    // One account, one site, `urls` URLs due at t0.
    let t0: Timestamp = "2026-11-23T09:00:00Z".parse()?;
    let tenant = store::testkit::account("Bench SARL", "732829320");
    let account = tenant.id;
    let site = SiteRow {
        id: SiteId::new(),
        account_id: account,
        origin: base.clone(),
        host: "127.0.0.1".into(),
        domain: "127.0.0.1".into(),
        created_at: t0,
        sitemap_read_at: None,
    };
    let seeding = Instant::now();
    let mut tx = db.write().await?;
    store::accounts::insert(&mut tx, &tenant).await?;
    store::monitor::insert_site(&mut tx, &site).await?;
    let all: Vec<NewUrl> = (0..urls)
        .map(|k| NewUrl {
            id: UrlId::new(),
            site_id: site.id,
            tool: Tool::Http,
            role: UrlRole::Page,
            url: format!("{base}/page-{}.html?u={}", k % pages, k / pages),
            target: String::new(),
            cadence_minutes: 60,
            next_due_at: t0,
        })
        .collect();
    store::monitor::insert_urls(&mut tx, account, &all, t0).await?;
    tx.commit().await?;
    drop(all);
    eprintln!("{urls} URLs seeded in {:.1} s ({url})", seeding.elapsed().as_secs_f64());

    println!("| round | checks | wall | checks/s | CPU s per 1,000 checks | fetch p50 | fetch p99 | peak RSS |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for round in 0..rounds {
        // Every URL is due again two hours later (the cadence is an hour).
        let now = t0 + SignedDuration::from_hours(2 * round as i64);
        let cpu = cpu_seconds();
        let started = Instant::now();
        let checked = app.monitor_run_all_due("bench", now).await?.checked;
        let wall = started.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu;
        let mut tx = db.read().await?;
        // Only the times: reading every URL whole would make the bench's own bookkeeping the
        // process's peak memory.
        let times = store::monitor::response_times(&mut tx, account).await?;
        tx.commit().await?;
        println!(
            "| {} | {checked} | {wall:.1} s | {:.0} | {:.3} | {} ms | {} ms | {:.0} MB |",
            round + 1,
            checked as f64 / wall,
            cpu / checked.max(1) as f64 * 1000.0,
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            peak_rss_mb(),
        );
    }
    let mut tx = db.read().await?;
    let kept = store::monitor::count_observations(&mut tx, account).await?;
    tx.commit().await?;
    eprintln!("{kept} observed values kept in the history");

    // PostgreSQL plans by its statistics, which autovacuum refreshes after this many changes
    // (autovacuum is off on the reference machine's server): without them the planner takes the
    // site for 38 URLs and reads all 200,000 for a page of search results.
    if db.backend() == store::Backend::Postgres {
        sqlx::query("ANALYZE").execute(db.pool()).await?;
    }

    // What the screens read with this many URLs: the sites list with its counts, and pages of
    // the site's URL list (first, deep with keyset paging, filtered, searched). Each read is
    // timed the first time, cold (on PostgreSQL it also sets the hint bits of rows a bulk load
    // wrote), then as a person paging back and forth meets it: the median of five more.
    println!();
    println!("| screen read | first | then (median of 5) |");
    println!("| --- | ---: | ---: |");
    let timed = async |label: &str, filter: store::monitor::UrlFilter| -> anyhow::Result<()> {
        let (rows, first, then) =
            time_read(async || Ok(app.monitor_urls(account, site.id, &filter).await?.urls.len())).await?;
        println!("| {label} ({rows} rows) | {first:.1} ms | {then:.1} ms |");
        Ok(())
    };
    let (urls, first, then) =
        time_read(async || Ok(app.monitor_sites(account).await?.first().map_or(0, |s| s.http_urls))).await?;
    println!("| sites with their counts ({urls} URLs) | {first:.1} ms | {then:.1} ms |");
    let page = |after: Option<String>| store::monitor::UrlFilter {
        limit: 50,
        after,
        ..store::monitor::UrlFilter::default()
    };
    timed("first page of 50", page(None)).await?;
    timed(
        "page after the 100,000th URL",
        page(Some(format!("{base}/page-5.html?u=10"))),
    )
    .await?;
    timed(
        "non-indexable only",
        store::monitor::UrlFilter {
            non_indexable: true,
            ..page(None)
        },
    )
    .await?;
    timed(
        "search in URL and title",
        store::monitor::UrlFilter {
            search: Some("page-499.html?u=3".into()),
            ..page(None)
        },
    )
    .await?;
    // A needle in a fifth of the URLs (page-1, page-10…19, page-100…199): too many candidates
    // to look up one by one, so the site is read in URL order until a page is found.
    timed(
        "search matching 22% of the URLs",
        store::monitor::UrlFilter {
            search: Some("page-1".into()),
            ..page(None)
        },
    )
    .await?;
    db.close().await;
    Ok(())
}

/// Runs `read` six times: what it last returned, its first time (cold) and the median of the
/// five others, in milliseconds.
async fn time_read<T>(mut read: impl AsyncFnMut() -> anyhow::Result<T>) -> anyhow::Result<(T, f64, f64)> {
    let ms = |started: Instant| started.elapsed().as_secs_f64() * 1000.0;
    let started = Instant::now();
    let mut value = read().await?;
    let first = ms(started);
    let mut times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        value = read().await?;
        times.push(ms(started));
    }
    times.sort_by(f64::total_cmp);
    Ok((value, first, times[times.len() / 2]))
}
