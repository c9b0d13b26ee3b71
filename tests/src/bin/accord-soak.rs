//! `make soak` (issue 8, not in CI): 500 clients editing against the real
//! server for 30 minutes, as 100 documents with 5 peers each; every minute
//! the server's RSS and the relay latency of that minute are printed, and
//! at the end RSS must not have grown after warm-up.
//!
//! Settings (environment): SOAK_MINUTES (30), SOAK_CLIENTS (500),
//! SOAK_PEERS_PER_DOC (5), SOAK_EDITS_PER_SECOND per client (0.5),
//! SOAK_WARMUP_MINUTES (5), SOAK_RSS_GROWTH_PERCENT allowed after warm-up (10).
//!
//! With ACCORD_TEST_LOGS=1 the server's log shows, once a minute, what it
//! holds (connections, documents in memory, actor bindings, SQLite's
//! memory) beside these figures.

use std::time::{Duration, Instant};

use accord_tests::load::{self, Outcome, Workload};
use accord_tests::TestServer;
use anyhow::{bail, Result};

fn setting<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<()> {
    accord_tests::server::log_as_deployed();
    let minutes: u64 = setting("SOAK_MINUTES", 30);
    let clients: usize = setting("SOAK_CLIENTS", 500);
    let per_doc: usize = setting("SOAK_PEERS_PER_DOC", 5);
    let rate: f64 = setting("SOAK_EDITS_PER_SECOND", 0.5);
    let warmup: u64 = setting("SOAK_WARMUP_MINUTES", 5.min(minutes.saturating_sub(1)));
    let allowed: f64 = setting("SOAK_RSS_GROWTH_PERCENT", 10.0);
    let docs = (clients / per_doc).max(1);

    let server = TestServer::start(&[]);
    let pid = server.pid().expect("running");
    println!(
        "soak: {} clients ({docs} documents x {per_doc}), {rate} edits/s each, {minutes} min, warm-up {warmup} min",
        docs * per_doc
    );
    println!("minute  rss_mib  edits  p50_ms  p99_ms  max_ms");
    let started = Instant::now();
    let mut rss_after_warmup = None;
    let mut peak_after_warmup = 0u64;
    // Each minute, every group connects, edits for the minute and leaves:
    // connections, documents and actors come and go as over a working day.
    for minute in 1..=minutes {
        let mut tasks = Vec::new();
        for _ in 0..docs {
            let url = server.ws_url();
            let token = server.token.clone();
            tasks.push(tokio::spawn(async move {
                load::run(
                    &url,
                    Some(&token),
                    Workload {
                        peers: per_doc,
                        edits_per_second: rate,
                        duration: Duration::from_secs(60),
                    },
                )
                .await
            }));
        }
        let mut outcome = Outcome::default();
        let mut failed = 0;
        for t in tasks {
            match t.await? {
                Ok(mut o) => {
                    outcome.edits += o.edits;
                    outcome.latencies_us.append(&mut o.latencies_us);
                }
                Err(e) => {
                    failed += 1;
                    eprintln!("minute {minute}: a group failed: {e:#}");
                }
            }
        }
        let rss = load::rss_kib(pid).unwrap_or(0);
        println!(
            "{minute:>6}  {:>7.1}  {:>5}  {:>6.1}  {:>6.1}  {:>6.1}{}",
            rss as f64 / 1024.0,
            outcome.edits,
            outcome.percentile_ms(0.5),
            outcome.percentile_ms(0.99),
            outcome.percentile_ms(1.0),
            if failed > 0 {
                format!("  ({failed} groups failed)")
            } else {
                String::new()
            }
        );
        if failed > 0 {
            bail!("{failed} groups failed in minute {minute}");
        }
        if minute == warmup.max(1) {
            rss_after_warmup = Some(rss);
        } else if minute > warmup {
            peak_after_warmup = peak_after_warmup.max(rss);
        }
    }
    println!("soak ran {:?}", started.elapsed());
    if let Some(base) = rss_after_warmup {
        let limit = base as f64 * (1.0 + allowed / 100.0);
        if peak_after_warmup as f64 > limit {
            bail!(
                "RSS grew after warm-up: {:.1} MiB at the end of warm-up, peak {:.1} MiB (allowed {allowed}%)",
                base as f64 / 1024.0,
                peak_after_warmup as f64 / 1024.0
            );
        }
        println!(
            "RSS after warm-up {:.1} MiB, peak since {:.1} MiB: within {allowed}%",
            base as f64 / 1024.0,
            peak_after_warmup as f64 / 1024.0
        );
    }
    Ok(())
}
