//! `make bench`: what the write-policy and actor checks cost in relay latency.
//! Starts the server (ACCORD_BIN, a release build) with the checks on and off,
//! runs the same load against each in alternating rounds, and writes the
//! medians to BENCHMARKS.md.

use std::time::Duration;

use accord_tests::load::{run, Workload};
use accord_tests::TestServer;

const ROUNDS: usize = 3;

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let w = Workload {
        peers: std::env::var("BENCH_PEERS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(20),
        edits_per_second: 5.0,
        duration: Duration::from_secs(
            std::env::var("BENCH_SECONDS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(10),
        ),
    };
    println!(
        "relay latency, {} peers on one document, {} edits/s each, {:?} per round",
        w.peers, w.edits_per_second, w.duration
    );
    let mut rows: Vec<(bool, f64, f64, usize)> = Vec::new();
    for round in 0..ROUNDS {
        for checks in [true, false] {
            let args: &[&str] = if checks {
                &[]
            } else {
                &["--insecure-skip-write-checks"]
            };
            let server = TestServer::start(args);
            let outcome = run(&server.ws_url(), &server.token, w).await?;
            let (p50, p99) = (outcome.percentile_ms(0.5), outcome.percentile_ms(0.99));
            println!(
                "round {round}, checks {}: {} edits, {} receipts, p50 {p50:.2} ms, p99 {p99:.2} ms",
                if checks { "on " } else { "off" },
                outcome.edits,
                outcome.latencies_us.len()
            );
            rows.push((checks, p50, p99, outcome.latencies_us.len()));
        }
    }
    let median = |checks: bool, pick: fn(&(bool, f64, f64, usize)) -> f64| {
        let mut v: Vec<f64> = rows.iter().filter(|r| r.0 == checks).map(pick).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (on50, off50) = (median(true, |r| r.1), median(false, |r| r.1));
    let (on99, off99) = (median(true, |r| r.2), median(false, |r| r.2));
    let table = format!(
        "## Write-policy check cost (relay latency)\n\n\
         {} peers on one document, {} edits/s each, {} s per round, {ROUNDS} rounds each way, \
         alternating; medians of the rounds' percentiles. Machine: {} cores, loopback.\n\n\
         | latency | checks on | checks off | on / off |\n|---|---|---|---|\n\
         | p50 | {on50:.2} ms | {off50:.2} ms | {:.2} |\n\
         | p99 | {on99:.2} ms | {off99:.2} ms | {:.2} |\n\n\
         Rerun: `make bench`.\n",
        w.peers,
        w.edits_per_second,
        w.duration.as_secs(),
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        on50 / off50,
        on99 / off99,
    );
    println!("\n{table}");
    std::fs::write(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../BENCHMARKS.md"),
        format!("# Benchmarks\n\n{table}"),
    )?;
    Ok(())
}
