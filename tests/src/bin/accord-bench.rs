//! `make bench`: Accord side by side with automerge-repo's own sync server
//! (`@automerge/automerge-repo-sync-server` from npm, installed under
//! tests/bench-peer), on the same workloads driven by the same load
//! generator (accord_tests::load), both on loopback. Writes BENCHMARKS.md.
//!
//! Accord is ACCORD_BIN (a release build) on a fresh data directory, reached
//! with a bearer token; the peer needs none. Scale with BENCH_SECONDS,
//! BENCH_PEERS (scenario b), BENCH_DOCS (c/f), BENCH_IDLE (d),
//! BENCH_HISTORY (e). BENCH_ONLY picks scenarios (comma-separated: a, b, c
//! (or f), d, e, render; e.g. `BENCH_ONLY=e,render`); all when unset.
//!
//! Two figures are the app's, Accord only (the peer has no UI): its first
//! render from a cold cache (`render`) and scenario (e)'s document opened in
//! the app, both in headless Chromium (accord_tests::browser) on the built
//! app in dist/ (`make app`). Without Chromium, chromedriver or dist/ they
//! are reported as not measured, with the reason, and the rest still runs.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use accord_tests::load::{self, Workload};
use accord_tests::TestServer;
use anyhow::{Context, Result};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One of the two servers under test.
enum Target {
    Accord(TestServer),
    Peer(NodePeer),
}

impl Target {
    fn url(&self) -> String {
        match self {
            Target::Accord(s) => s.ws_url(),
            Target::Peer(p) => format!("ws://127.0.0.1:{}/", p.port),
        }
    }
    fn token(&self) -> Option<&str> {
        match self {
            Target::Accord(s) => Some(&s.token),
            Target::Peer(_) => None,
        }
    }
    fn pid(&self) -> Option<u32> {
        match self {
            // The `accord serve` whose command line names this data directory.
            Target::Accord(s) => {
                let data = s.data.to_string_lossy().to_string();
                std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
                    let pid: u32 = e.file_name().to_str()?.parse().ok()?;
                    let cmd = std::fs::read(e.path().join("cmdline")).ok()?;
                    let cmd = String::from_utf8_lossy(&cmd);
                    (cmd.contains("serve") && cmd.contains(&data)).then_some(pid)
                })
            }
            Target::Peer(p) => Some(p.child.id()),
        }
    }
}

/// `@automerge/automerge-repo-sync-server` on a free loopback port, on a fresh
/// data directory; killed when dropped.
struct NodePeer {
    child: Child,
    port: u16,
    _data: tempfile::TempDir,
}

impl NodePeer {
    fn start() -> Result<Self> {
        let main = Self::entry();
        anyhow::ensure!(
            main.exists(),
            "{} is missing: run `npm ci --prefix tests/bench-peer` (make bench does)",
            main.display()
        );
        let data = tempfile::tempdir()?;
        let port = accord_tests::server::free_port();
        let child = Self::spawn(port, data.path())?;
        Ok(Self {
            child,
            port,
            _data: data,
        })
    }

    fn spawn(port: u16, data: &Path) -> Result<Child> {
        let child = Command::new("node")
            .arg(Self::entry())
            .current_dir(data)
            .env("PORT", port.to_string())
            .env("DATA_DIR", data.join("amrg"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting node")?;
        let deadline = Instant::now() + accord_tests::PATIENCE;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            anyhow::ensure!(Instant::now() < deadline, "the sync server did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(child)
    }

    /// Kills the server and starts it again on the same port and data.
    fn restart(&mut self) -> Result<()> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.child = Self::spawn(self.port, self._data.path())?;
        Ok(())
    }

    /// The sync server's script, installed by `make bench`.
    fn entry() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("bench-peer/node_modules/@automerge/automerge-repo-sync-server/src/index.js")
    }
}

impl Drop for NodePeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start(accord: bool) -> Result<Target> {
    let t = if accord {
        Target::Accord(TestServer::start(&[]))
    } else {
        Target::Peer(NodePeer::start()?)
    };
    t.until_ready().await?;
    Ok(t)
}

impl Target {
    /// The sync server listens before its repo has given the network adapter
    /// a peer id; a `join` until then closes the socket. Waits for a handshake.
    async fn until_ready(&self) -> Result<()> {
        let deadline = Instant::now() + accord_tests::PATIENCE;
        while accord_tests::Peer::connect_with(&self.url(), self.token())
            .await
            .is_err()
        {
            anyhow::ensure!(Instant::now() < deadline, "no handshake with the server");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }

    /// Kills the server and starts it on the same port and data, so that
    /// nothing is in its memory.
    async fn restart(&mut self) -> Result<()> {
        match self {
            Target::Accord(s) => s.restart(),
            Target::Peer(p) => p.restart()?,
        }
        self.until_ready().await
    }
}

/// One row of the table: scenario, metric, Accord's and the peer's figure.
struct Row {
    scenario: String,
    metric: String,
    unit: &'static str,
    accord: Option<f64>,
    peer: Option<f64>,
    /// Accord only: the peer has nothing to measure ("–", not "not measured").
    no_peer: bool,
}

fn fmt(v: Option<f64>, unit: &str) -> String {
    match v {
        Some(v) if v.is_finite() => {
            if v >= 100.0 {
                format!("{v:.0} {unit}")
            } else {
                format!("{v:.2} {unit}")
            }
        }
        _ => "not measured".into(),
    }
}

fn show<T>(what: &str, r: Result<T>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            println!("  {what}: failed: {e:#}");
            None
        }
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<()> {
    accord_tests::server::log_as_deployed();
    let seconds = Duration::from_secs(env_or("BENCH_SECONDS", 10));
    let many = env_or("BENCH_PEERS", 100usize);
    let docs = env_or("BENCH_DOCS", 200usize);
    let idle_n = env_or("BENCH_IDLE", 10_000usize);
    let history = env_or("BENCH_HISTORY", 200_000usize);
    let only = Only::from_env();
    let mut rows: Vec<Row> = Vec::new();
    let mut notes: Vec<String> = Vec::new();

    // (a), (b): relay latency, every receipt of every edit.
    for (key, label, peers) in [
        ("a", "(a) 2 peers, one document", 2),
        ("b", "(b) peers on one document", many),
    ] {
        if !only.runs(&[key]) {
            continue;
        }
        let scenario = if peers == 2 {
            label.to_string()
        } else {
            format!("(b) {peers} peers, one document")
        };
        let w = Workload {
            peers,
            edits_per_second: 5.0,
            duration: seconds,
        };
        let mut got = [None, None];
        for (i, accord) in [true, false].into_iter().enumerate() {
            println!("{scenario}, {}:", if accord { "Accord" } else { "peer" });
            // A server that will not start leaves its column not measured.
            let Some(t) = show("start", start(accord).await) else {
                continue;
            };
            if let Some(o) = show("latency", load::run(&t.url(), t.token(), w).await) {
                println!(
                    "  {} edits, {} receipts, p50 {:.2} ms, p99 {:.2} ms",
                    o.edits,
                    o.latencies_us.len(),
                    o.percentile_ms(0.5),
                    o.percentile_ms(0.99)
                );
                got[i] = Some((o.percentile_ms(0.5), o.percentile_ms(0.99)));
            }
        }
        for (p, name) in [(0, "relay latency p50"), (1, "relay latency p99")] {
            rows.push(Row {
                scenario: scenario.clone(),
                metric: format!("{name} (5 edits/s each)"),
                unit: "ms",
                accord: got[0].map(|g| if p == 0 { g.0 } else { g.1 }),
                peer: got[1].map(|g| if p == 0 { g.0 } else { g.1 }),
                no_peer: false,
            });
        }
    }

    // Written after every scenario, so a run cut short still reports.
    write(&rows, &notes, seconds, docs)?;

    // Write-policy checks on (b): Accord with the checks switched off.
    if only.runs(&["b"]) {
        let w = Workload {
            peers: many,
            edits_per_second: 5.0,
            duration: seconds,
        };
        let s = TestServer::start(&["--insecure-skip-write-checks"]);
        println!("(b) Accord without write checks:");
        if let Some(o) = show("latency", load::run(&s.ws_url(), Some(&s.token), w).await) {
            println!(
                "  p50 {:.2} ms, p99 {:.2} ms",
                o.percentile_ms(0.5),
                o.percentile_ms(0.99)
            );
            rows.push(Row {
                scenario: format!("(b) {many} peers, Accord with write checks off"),
                metric: "relay latency p99 (peer column: Accord with checks on)".into(),
                unit: "ms",
                accord: Some(o.percentile_ms(0.99)),
                peer: rows
                    .iter()
                    .find(|r| r.scenario.starts_with("(b)") && r.metric.contains("p99"))
                    .and_then(|r| r.accord),
                no_peer: false,
            });
        }
    }

    // Written after every scenario, so a run cut short still reports.
    write(&rows, &notes, seconds, docs)?;

    // (c)/(f): many documents, 5 peers each, durable accepted changes per second.
    if only.runs(&["c", "f"]) {
        let scenario = format!("(c)/(f) {docs} documents × 5 peers");
        let mut got = [None, None];
        let mut setup = [None, None];
        for (i, accord) in [true, false].into_iter().enumerate() {
            println!("{scenario}, {}:", if accord { "Accord" } else { "peer" });
            // A server that will not start leaves its column not measured.
            let Some(t) = show("start", start(accord).await) else {
                continue;
            };
            if let Some(o) = show(
                "throughput",
                load::throughput(&t.url(), t.token(), docs, 5, seconds).await,
            ) {
                println!(
                    "  setup {:.1} s, {} changes in {:.1} s: {:.0}/s{}",
                    o.setup_s,
                    o.changes,
                    o.elapsed_s,
                    o.per_second(),
                    if o.converged {
                        ""
                    } else {
                        " (NOT converged: upper bound)"
                    }
                );
                if !o.converged {
                    notes.push(format!(
                        "(c)/(f): {} had not delivered every change to every peer 30 s after the \
                         load stopped ({} changes made); its figure, {:.0}/s, is an upper bound.",
                        if accord { "Accord" } else { "the peer" },
                        o.changes,
                        o.per_second()
                    ));
                }
                got[i] = Some(o.per_second());
                setup[i] = Some(o.setup_s);
            }
        }
        rows.push(Row {
            scenario: scenario.clone(),
            metric: "accepted changes/s, until every peer holds every change".into(),
            unit: "/s",
            accord: got[0],
            peer: got[1],
            no_peer: false,
        });
        rows.push(Row {
            scenario,
            metric: "time to open every document on every peer".into(),
            unit: "s",
            accord: setup[0],
            peer: setup[1],
            no_peer: false,
        });
    }

    // Written after every scenario, so a run cut short still reports.
    write(&rows, &notes, seconds, docs)?;

    // (d): idle connections, resident memory of the server process.
    if only.runs(&["d"]) {
        let scenario = format!("(d) {idle_n} idle connections");
        let mut got = [None, None];
        let mut base = [None, None];
        for (i, accord) in [true, false].into_iter().enumerate() {
            println!("{scenario}, {}:", if accord { "Accord" } else { "peer" });
            // A server that will not start leaves its column not measured.
            let Some(t) = show("start", start(accord).await) else {
                continue;
            };
            let pid = t.pid().context("the server's pid")?;
            base[i] = load::rss_kib(pid).map(|k| k as f64 / 1024.0);
            let opened = Instant::now();
            if let Some(conns) = show("idle", load::idle(&t.url(), t.token(), idle_n).await) {
                tokio::time::sleep(Duration::from_secs(2)).await;
                got[i] = load::rss_kib(pid).map(|k| k as f64 / 1024.0);
                println!(
                    "  {} connections opened in {:.1} s; RSS {:?} MiB (before: {:?} MiB)",
                    conns.len(),
                    opened.elapsed().as_secs_f64(),
                    got[i],
                    base[i]
                );
                drop(conns);
            }
        }
        rows.push(Row {
            scenario: scenario.clone(),
            metric: "server resident memory (VmRSS)".into(),
            unit: "MiB",
            accord: got[0],
            peer: got[1],
            no_peer: false,
        });
        rows.push(Row {
            scenario,
            metric: "server resident memory before connecting".into(),
            unit: "MiB",
            accord: base[0],
            peer: base[1],
            no_peer: false,
        });
    }

    // Written after every scenario, so a run cut short still reports.
    write(&rows, &notes, seconds, docs)?;

    // (e): a document with a long history, time to first sync message.
    if only.runs(&["e"]) {
        let built = Instant::now();
        let doc = load::long_history(history, "word ");
        let bytes = doc.clone().save().len();
        println!(
            "(e) built {history} edits ({} characters, {bytes} bytes saved) in {:.1} s",
            history * 5,
            built.elapsed().as_secs_f64()
        );
        notes.push(format!(
            "(e): the document is built once per run by `load::long_history`: {history} changes, \
             each typing 5 characters into one text ({} characters; {bytes} bytes saved, compressed), \
             uploaded through the protocol by one peer; then a new peer asks for it.",
            history * 5
        ));
        let scenario = format!("(e) {history} edits of history");
        let mut first = [None, None];
        let mut whole = [None, None];
        let mut cold = [None, None];
        for (i, accord) in [true, false].into_iter().enumerate() {
            println!("{scenario}, {}:", if accord { "Accord" } else { "peer" });
            // A server that will not start leaves its column not measured.
            let Some(mut t) = show("start", start(accord).await) else {
                continue;
            };
            let up = Instant::now();
            let Some(id) = show(
                "upload",
                load::upload(&t.url(), t.token(), doc.clone()).await,
            ) else {
                continue;
            };
            println!("  uploaded in {:.1} s", up.elapsed().as_secs_f64());
            // Median of three fresh peers.
            let mut f = Vec::new();
            let mut w = Vec::new();
            for _ in 0..3 {
                if let Some((a, b)) = show("open", load::first_sync(&t.url(), t.token(), id).await)
                {
                    println!("  first sync message {a:.1} ms, whole document {b:.1} ms");
                    f.push(a);
                    w.push(b);
                }
            }
            first[i] = median(&mut f);
            whole[i] = median(&mut w);
            // The same, with the document only on disk: the server restarted
            // before each peer (after giving the peer server time to save).
            tokio::time::sleep(Duration::from_secs(3)).await;
            let mut f = Vec::new();
            for _ in 0..3 {
                if show("restart", t.restart().await).is_none() {
                    break;
                }
                if let Some((a, b)) = show("open", load::first_sync(&t.url(), t.token(), id).await)
                {
                    println!(
                        "  after a restart: first sync message {a:.1} ms, whole document {b:.1} ms"
                    );
                    f.push(a);
                }
            }
            cold[i] = median(&mut f);
        }
        rows.push(Row {
            scenario: scenario.clone(),
            metric: "server time to first sync message (median of 3)".into(),
            unit: "ms",
            accord: first[0],
            peer: first[1],
            no_peer: false,
        });
        rows.push(Row {
            scenario: scenario.clone(),
            metric: "until a new peer holds the text (median of 3)".into(),
            unit: "ms",
            accord: whole[0],
            peer: whole[1],
            no_peer: false,
        });
        rows.push(Row {
            scenario,
            metric: "server time to first sync message, document not in memory (after a restart; median of 3)".into(),
            unit: "ms",
            accord: cold[0],
            peer: cold[1],
            no_peer: false,
        });
    }

    write(&rows, &notes, seconds, docs)?;

    // (e) in the app: the same history in a typed document, opened in Chromium.
    if only.runs(&["e"]) {
        let scenario = format!("(e) {history} edits of history, in the app");
        let built = Instant::now();
        let doc = load::long_assessment(history, "word ");
        println!(
            "(e) in the app: built an assessment of {history} edits in {:.1} s",
            built.elapsed().as_secs_f64()
        );
        let t = start(true).await?;
        let (fresh, cached) = match &t {
            Target::Accord(server) => match app::open_document(server, doc, history * 5).await {
                Ok(got) => got,
                Err(e) => {
                    println!("  not measured: {e:#}");
                    notes.push(format!("(e) in the app: not measured: {e:#}."));
                    Default::default()
                }
            },
            Target::Peer(_) => unreachable!("started Accord"),
        };
        rows.push(Row {
            scenario: scenario.clone(),
            metric: "navigation to `/doc/<id>` → the whole text in its field, fresh \
                     profile signed in (in-page `performance.now()`, median of 3)"
                .into(),
            unit: "ms",
            accord: fresh.median(),
            peer: None,
            no_peer: true,
        });
        rows.push(Row {
            scenario,
            metric:
                "the same, opened again in the same session (cached on the device; median of 3)"
                    .into(),
            unit: "ms",
            accord: cached.median(),
            peer: None,
            no_peer: true,
        });
        notes.push(format!(
            "(e) in the app: `load::long_assessment` builds an assessment whose National context \
             receives {history} changes of 5 characters ({} characters), uploaded through the \
             protocol with the field officer's token (the relay makes the uploader its owner). \
             Each of 3 runs is a new Chromium session on a fresh profile: sign in (not timed), \
             then navigate to `/doc/<id>`; a script installed before the page's own (DevTools \
             `Page.addScriptToEvaluateOnNewDocument`) checks on every DOM mutation and every \
             10 ms whether the textbox named \"National context\" holds the whole text \
             (`value.length`) and records `performance.now()` (from navigation start). The app \
             itself comes from the HTTP cache after the sign-in; the document is not on the \
             device, and the server may still hold it in memory (a document actor is retired \
             30 s after its last peer). \"Cached on the device\": the same session navigates to \
             the document again once IndexedDB holds it with the server's heads. The same \
             script notes the main thread's long tasks and when the sync socket's messages \
             arrived.{}{}",
            history * 5,
            fresh.summary("Fresh runs"),
            cached.summary("Cached runs"),
        ));
        write(&rows, &notes, seconds, docs)?;
    }

    // The app's first render from a cold cache.
    if only.runs(&["render"]) {
        let t = start(true).await?;
        let got = match &t {
            Target::Accord(server) => match app::first_render(server).await {
                Ok(got) => got,
                Err(e) => {
                    println!("  not measured: {e:#}");
                    notes.push(format!("App first render: not measured: {e:#}."));
                    app::Figure::default()
                }
            },
            Target::Peer(_) => unreachable!("started Accord"),
        };
        rows.push(Row {
            scenario: "App first render, cold cache, loopback".into(),
            metric: "navigation to `/` → sign-in form in the page (in-page `performance.now()`, \
                     median of 3 fresh profiles)"
                .into(),
            unit: "ms",
            accord: got.median(),
            peer: None,
            no_peer: true,
        });
        notes.push(format!(
            "App first render: 3 runs, each a new headless Chromium session (chromedriver) on a \
             fresh profile, so nothing is cached (HTTP cache, service worker, IndexedDB); it \
             navigates to Accord's `/` on loopback. A script installed before the page's own \
             (DevTools `Page.addScriptToEvaluateOnNewDocument`) watches the DOM with a \
             MutationObserver and records `performance.now()` (relative to navigation start) \
             when the textbox named \"Email\" and the button named \"Sign in\" are both in the \
             page and visible; WebDriver round trips are not in the figure, everything the page \
             does before showing the form is (fetching and compiling the wasm, starting the \
             app, its first API call).{}",
            got.summary("Runs"),
        ));
        write(&rows, &notes, seconds, docs)?;
    }
    Ok(())
}

/// BENCH_ONLY: the scenarios to run, comma-separated (a, b, c or f, d, e,
/// render); every one when unset or empty.
struct Only(Option<Vec<String>>);

impl Only {
    const KEYS: [&'static str; 7] = ["a", "b", "c", "f", "d", "e", "render"];

    fn from_env() -> Self {
        let picked: Vec<String> = std::env::var("BENCH_ONLY")
            .unwrap_or_default()
            .split(',')
            .map(|k| k.trim().to_ascii_lowercase())
            .filter(|k| !k.is_empty())
            .collect();
        for k in &picked {
            if !Self::KEYS.contains(&k.as_str()) {
                println!(
                    "BENCH_ONLY: unknown scenario {k:?} (known: {:?})",
                    Self::KEYS
                );
            }
        }
        Self((!picked.is_empty()).then_some(picked))
    }

    fn runs(&self, keys: &[&str]) -> bool {
        match &self.0 {
            None => true,
            Some(picked) => picked.iter().any(|p| keys.contains(&p.as_str())),
        }
    }
}

fn median(v: &mut [f64]) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied()
}

/// The heading of BENCHMARKS.md's hand-written part, which a run keeps.
const HAND_WRITTEN: &str = "## Against issue 7's targets";

fn write(rows: &[Row], notes: &[String], seconds: Duration, docs: usize) -> Result<()> {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<u64>().ok())
        })
        .map(|k| format!("{:.1} GiB RAM", k as f64 / 1048576.0))
        .unwrap_or_default();
    let peer_version = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("bench-peer/node_modules/@automerge/automerge-repo-sync-server/package.json"),
    )
    .ok()
    .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
    .and_then(|v| v["version"].as_str().map(str::to_string))
    .unwrap_or_default();
    let node = Command::new("node")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let mut t = String::from(
        "| scenario | metric | Accord | peer | Accord / peer |\n|---|---|---|---|---|\n",
    );
    for r in rows {
        let ratio = match (r.accord, r.peer) {
            (Some(a), Some(p)) if p != 0.0 && a.is_finite() && p.is_finite() => {
                format!("{:.2}", a / p)
            }
            _ => "–".into(),
        };
        t += &format!(
            "| {} | {} | {} | {} | {ratio} |\n",
            r.scenario,
            r.metric,
            fmt(r.accord, r.unit),
            if r.no_peer {
                "–".into()
            } else {
                fmt(r.peer, r.unit)
            }
        );
    }
    let mut out = format!(
        "# Benchmarks\n\n\
         Accord against `@automerge/automerge-repo-sync-server` {peer_version} from npm \
         (Node {node}; the peer), each started on loopback on a fresh data directory, on the \
         same workloads driven by the same load generator (`tests/src/load.rs`, a Rust \
         automerge-repo protocol client); Accord is reached with a bearer token, the peer with \
         none. One run of each scenario per server, {} s of load each; latencies are the \
         percentiles of every receipt of every edit (send → each other peer has applied it).\n\n\
         Machine: {cpu}, {cores} cores, {mem}, Linux; shared with other builds, so figures \
         are noisy: compare ratios more than absolute values. The load generator shares the \
         same {cores} cores.\n\n{t}\n",
        seconds.as_secs()
    );
    out += &format!(
        "Notes:\n\n\
         - (c)/(f): {docs} documents (issue 7's target is 1,000; BENCH_DOCS), 5 connections \
         each following every document (as the app \
         shares one socket between documents), each peer editing every document in turn as fast \
         as it can, reading what arrived between rounds; the rate counts every change made, \
         over the time from the first edit until every peer held every other peer's last change \
         of every document (30 s at most). Accord relays a change only once it is on disk \
         (SQLite, `synchronous=FULL`), so what it relays is durable; the peer relays from memory \
         and saves to its data directory later. Acknowledgement to the sender is not the end \
         point: the peer does not always answer a sender whose changes it already has.\n\
         - (d): VmRSS of the server process read from /proc after the connections completed \
         the `join`/`peer` handshake and 2 s of quiet.\n"
    );
    for n in notes {
        out += &format!("- {n}\n");
    }
    out += "\nRerun: `make bench` (installs the peer from npm into tests/bench-peer, \
            builds the app into dist/ and installs Chromium for the browser figures, builds \
            release binaries, runs `target/release/accord-bench`; BENCH_SECONDS, BENCH_PEERS, \
            BENCH_DOCS, BENCH_IDLE and BENCH_HISTORY scale the scenarios; BENCH_ONLY=e,render \
            runs only those, from a, b, c, d, e and render).\n";
    // What people wrote about the figures (from this heading on) is kept.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../BENCHMARKS.md");
    if let Ok(old) = std::fs::read_to_string(&path) {
        if let Some(at) = old.find(HAND_WRITTEN) {
            out += "\n";
            out += &old[at..];
        }
    }
    std::fs::write(&path, out)?;
    println!("(BENCHMARKS.md written)");
    Ok(())
}

/// The app's figures: headless Chromium (accord_tests::browser) on Accord's
/// built app, each figure timed inside the page with `performance.now()`
/// (milliseconds since navigation start) by a script installed before the
/// page's own, so no WebDriver round trip is in it.
mod app {
    use std::time::{Duration, Instant};

    use accord_shared::DocumentId;
    use accord_tests::browser::{Browser, Driver, ACCESSIBLE_NAMES};
    use accord_tests::{load, TestServer};
    use anyhow::{bail, Context, Result};
    use serde_json::{json, Value};

    /// Runs per figure, each in a new session on a fresh profile.
    const RUNS: usize = 3;

    /// One figure: each run's milliseconds and where its time went.
    #[derive(Default)]
    pub struct Figure {
        pub runs: Vec<(f64, String)>,
    }

    impl Figure {
        /// The median run (the upper one of an even count, as `median`).
        pub fn middle(&self) -> Option<&(f64, String)> {
            let mut v: Vec<_> = self.runs.iter().collect();
            v.sort_by(|a, b| a.0.total_cmp(&b.0));
            v.get(v.len() / 2).copied()
        }

        pub fn median(&self) -> Option<f64> {
            self.middle().map(|r| r.0)
        }

        pub fn times(&self) -> Vec<String> {
            self.runs.iter().map(|r| format!("{:.0}", r.0)).collect()
        }

        /// " <label>: … ms; the median one: …" for the notes, "" if none ran.
        pub fn summary(&self, label: &str) -> String {
            match self.middle() {
                Some((_, how)) => format!(
                    " {label}: {} ms; the median one: {how}.",
                    self.times().join(", ")
                ),
                None => String::new(),
            }
        }
    }

    /// Watches every new document of the session (after [`ACCESSIBLE_NAMES`],
    /// with `want` defined): on every DOM mutation and every 10 ms, until
    /// what `want` names is in the page, then records `performance.now()` in
    /// `window.__accordBench.shown` (and at the next animation frame in
    /// `frame`). `want` is either `{email, button}` (the sign-in form: the
    /// textbox and the button so named) or `{field, length}` (the textbox
    /// so named, holding `length` UTF-16 units). A value set by a property
    /// changes no DOM node, hence the timer beside the observer. To tell
    /// where the time went it also notes when the app started (Trunk's
    /// event), the main thread's long tasks, and when the sync socket opened
    /// and its messages arrived (a subclass of `WebSocket` that only listens).
    const WATCH: &str = r#"
const b = window.__accordBench = { shown: null, frame: null, started: null, error: null,
  long: [], ws: { created: null, opened: null, first: null, last: null, messages: 0, bytes: 0 } };
addEventListener('TrunkApplicationStarted', () => { if (b.started === null) b.started = performance.now(); });
b.takeLong = (list) => { for (const e of list) b.long.push([e.startTime, e.duration]); };
try {
  b.longObserver = new PerformanceObserver(l => b.takeLong(l.getEntries()));
  b.longObserver.observe({ type: 'longtask' });
} catch (e) {}
const Socket = window.WebSocket;
window.WebSocket = class extends Socket {
  constructor(...args) {
    super(...args);
    if (b.ws.created === null) b.ws.created = performance.now();
    this.addEventListener('open', () => { if (b.ws.opened === null) b.ws.opened = performance.now(); });
    this.addEventListener('message', (e) => {
      const t = performance.now();
      if (b.ws.first === null) b.ws.first = t;
      if (b.shown === null) { b.ws.last = t; b.ws.messages += 1; b.ws.bytes += e.data.byteLength || e.data.size || e.data.length || 0; }
    });
  }
};
const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
const named = (css, role, name) => Array.from(document.querySelectorAll(css))
  .find(el => implicit(el) === role && accName(el) === name && visible(el));
const done = () => {
  if (want.field !== undefined) {
    const el = named('textarea, input, [role=textbox]', 'textbox', want.field);
    return !!el && el.value.length === want.length;
  }
  return !!named('input', 'textbox', want.email) && !!named('button', 'button', want.button);
};
let timer = null;
const check = () => {
  if (b.shown !== null) return;
  let ok = false;
  try { ok = done(); } catch (e) { b.error = String(e); }
  if (!ok) return;
  b.shown = performance.now();
  requestAnimationFrame(() => { b.frame = performance.now(); });
  observer.disconnect();
  clearInterval(timer);
};
const observer = new MutationObserver(check);
observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
timer = setInterval(check, 10);
"#;

    /// What the watcher recorded, with the page's navigation and wasm timings.
    const REPORT: &str = r#"
const b = window.__accordBench;
if (!b || b.shown === null) return { shown: null, error: b ? b.error : 'no watcher in the page' };
if (b.longObserver) b.takeLong(b.longObserver.takeRecords());
const nav = performance.getEntriesByType('navigation')[0] || {};
const wasm = performance.getEntriesByType('resource').find(e => e.name.split('?')[0].endsWith('.wasm'));
return {
  shown: b.shown, frame: b.frame, started: b.started, ws: b.ws,
  long: b.long.filter(([s]) => s <= b.shown),
  html: nav.responseEnd || null, dcl: nav.domContentLoadedEventEnd || null, load: nav.loadEventEnd || null,
  wasm_start: wasm ? wasm.startTime : null, wasm_end: wasm ? wasm.responseEnd : null,
  wasm_sent: wasm ? wasm.transferSize : null,
  steps: performance.getEntriesByType('measure').filter(m => m.name.startsWith('accord:') && m.startTime <= b.shown)
    .map(m => [m.name.slice(7), m.startTime, m.duration]),
};
"#;

    /// Whether the app's IndexedDB holds document `arguments[0]` and with how
    /// many server heads (-1: not there). Never creates the database.
    const STORED: &str = r#"
const [id, done] = [arguments[0], arguments[arguments.length - 1]];
(async () => {
  const names = (await indexedDB.databases()).map(d => d.name);
  if (!names.includes('accord')) return -1;
  const db = await new Promise((ok, no) => {
    const r = indexedDB.open('accord'); r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error);
  });
  try {
    if (!db.objectStoreNames.contains('documents')) return -1;
    const rec = await new Promise((ok, no) => {
      const g = db.transaction('documents', 'readonly').objectStore('documents').get(id);
      g.onsuccess = () => ok(g.result); g.onerror = () => no(g.error);
    });
    return rec ? (rec.server_heads || []).length : -1;
  } finally { db.close(); }
})().then(done, e => done('error: ' + e));
"#;

    /// Why the browser figures cannot be measured here, if they cannot.
    fn missing() -> Option<String> {
        let index = accord_tests::server::dist_dir().join("index.html");
        if !index.exists() {
            return Some(format!(
                "{} is missing (the built app: `make app`)",
                index.display()
            ));
        }
        for (var, default, what) in [
            ("CHROMIUM", "/usr/bin/chromium", "Chromium"),
            ("CHROMEDRIVER", "/usr/bin/chromedriver", "chromedriver"),
        ] {
            let path = std::env::var(var).unwrap_or_else(|_| default.into());
            if !std::path::Path::new(&path).exists() {
                return Some(format!(
                    "{what} is not installed at {path} (`make test-tools` installs it)"
                ));
            }
        }
        None
    }

    /// A DevTools command through chromedriver (`goog/cdp/execute`), which
    /// fantoccini does not expose: one HTTP/1.1 request on loopback
    /// (chromedriver resets the HTTP/1.0 of `server::http_request`).
    fn devtools(driver: &Driver, session: &str, cmd: &str, params: Value) -> Result<Value> {
        use std::io::{Read, Write};
        let body = json!({ "cmd": cmd, "params": params }).to_string();
        let mut s = std::net::TcpStream::connect(("127.0.0.1", driver.port))?;
        s.set_read_timeout(Some(accord_tests::PATIENCE))?;
        write!(
            s,
            "POST /session/{session}/goog/cdp/execute HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\
             Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{body}",
            driver.port,
            body.len()
        )?;
        let mut raw = Vec::new();
        let mut buf = [0u8; 8192];
        let (head, len) = loop {
            let n = s.read(&mut buf).context("reading chromedriver's answer")?;
            anyhow::ensure!(n > 0, "chromedriver closed the connection early");
            raw.extend_from_slice(&buf[..n]);
            if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&raw[..end]).to_string();
                let len = head
                    .lines()
                    .filter_map(|l| l.split_once(':'))
                    .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
                    .and_then(|(_, v)| v.trim().parse::<usize>().ok())
                    .context("chromedriver's answer has no Content-Length")?;
                if raw.len() >= end + 4 + len {
                    break (head, (end + 4, len));
                }
            }
        };
        let answer: Value = serde_json::from_slice(&raw[len.0..len.0 + len.1])?;
        anyhow::ensure!(
            head.split_whitespace().nth(1) == Some("200"),
            "{cmd}: {answer}"
        );
        Ok(answer)
    }

    /// Installs the watcher for `want` on every document the session opens from now on.
    async fn watch(driver: &Driver, b: &Browser, want: Value) -> Result<()> {
        let session = b
            .client
            .session_id()
            .await?
            .context("the session has no id")?;
        let source = format!("(() => {{ const want = {want};\n{ACCESSIBLE_NAMES}\n{WATCH}\n}})();");
        devtools(
            driver,
            &session,
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": source }),
        )?;
        Ok(())
    }

    /// Waits until the watcher has recorded its moment (and the frame after
    /// it, for at most 1 s more); what [`REPORT`] returns.
    async fn until_shown(b: &Browser, patience: Duration) -> Result<Value> {
        let deadline = Instant::now() + patience;
        let mut seen: Option<Instant> = None;
        loop {
            let r = b.client.execute(REPORT, vec![]).await?;
            if r["shown"].is_number() {
                let since = *seen.get_or_insert_with(Instant::now);
                if r["frame"].is_number() || since.elapsed() > Duration::from_secs(1) {
                    return Ok(r);
                }
            } else if Instant::now() > deadline {
                bail!(
                    "not shown within {patience:?} (watcher error: {})",
                    r["error"]
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// One line of where a page's time went.
    fn describe(r: &Value) -> String {
        let ms = |k: &str| {
            r[k].as_f64()
                .map(|v| format!("{v:.0}"))
                .unwrap_or_else(|| "?".into())
        };
        let sent = r["wasm_sent"]
            .as_f64()
            .map(|b| format!("{:.0} kB sent", b / 1000.0))
            .unwrap_or_else(|| "?".into());
        let long = r["long"].as_array().cloned().unwrap_or_default();
        let busy = long
            .iter()
            .filter_map(|t| t[1].as_f64())
            .fold(0.0, |a, b| a + b);
        let longest = long
            .iter()
            .max_by(|a, b| {
                let d = |t: &Value| t[1].as_f64().unwrap_or_default();
                d(a).total_cmp(&d(b))
            })
            .map(|t| {
                format!(
                    ", longest {:.0} ms from {:.0} ms",
                    t[1].as_f64().unwrap_or_default(),
                    t[0].as_f64().unwrap_or_default()
                )
            })
            .unwrap_or_default();
        // The app's own slow steps (`app/src/timing.rs`): what the long task did.
        let steps: Vec<String> = r["steps"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|s| {
                format!(
                    "{} {:.0} ms",
                    s[0].as_str().unwrap_or("?"),
                    s[2].as_f64().unwrap_or_default()
                )
            })
            .collect();
        let steps = if steps.is_empty() {
            String::new()
        } else {
            format!("; app steps of 50 ms or more: {}", steps.join(", "))
        };
        let ws = &r["ws"];
        let at = |k: &str| {
            ws[k]
                .as_f64()
                .map(|v| format!("{v:.0}"))
                .unwrap_or_else(|| "–".into())
        };
        let socket = if ws["created"].is_number() {
            format!(
                "; sync socket made {} ms, open {} ms, {} messages ({:.0} kB) before shown, first {} ms, last {} ms",
                at("created"),
                at("opened"),
                ws["messages"],
                ws["bytes"].as_f64().unwrap_or_default() / 1000.0,
                at("first"),
                at("last")
            )
        } else {
            String::new()
        };
        format!(
            "shown {} ms (next frame {} ms); HTML by {} ms, DOMContentLoaded {} ms, wasm fetched \
             {}–{} ms ({sent}), app started {} ms, load event {} ms; long tasks before shown: {}, \
             {busy:.0} ms in all{longest}{socket}{steps}",
            ms("shown"),
            ms("frame"),
            ms("html"),
            ms("dcl"),
            ms("wasm_start"),
            ms("wasm_end"),
            ms("started"),
            ms("load"),
            long.len()
        )
    }

    /// Runs `run` in [`RUNS`] new sessions, closing each; the figures of the
    /// runs that succeeded (an error if none did).
    async fn sessions<T, F, Fut>(what: &str, run: F) -> Result<Vec<T>>
    where
        F: Fn(Driver, Browser) -> Fut,
        Fut: std::future::Future<Output = (Driver, Browser, Result<T>)>,
    {
        if let Some(why) = missing() {
            bail!("{why}");
        }
        let mut driver = Driver::start()?;
        let mut got = Vec::new();
        let mut last = None;
        for i in 1..=RUNS {
            let b = driver.session().await?;
            let (d, b, r) = run(driver, b).await;
            driver = d;
            let _ = b.close().await;
            match r {
                Ok(v) => got.push(v),
                Err(e) => {
                    println!("  {what}, run {i}: failed: {e:#}");
                    last = Some(e);
                }
            }
        }
        match (got.is_empty(), last) {
            (true, Some(e)) => Err(e),
            _ => Ok(got),
        }
    }

    /// Milliseconds from navigation to `/` until the sign-in form is in the
    /// page, in fresh profiles: the median of [`RUNS`].
    pub async fn first_render(server: &TestServer) -> Result<Figure> {
        println!("App first render, cold cache:");
        let url = format!("{}/", server.http_url());
        let runs = sessions("first render", |driver, b| {
            let url = url.clone();
            async move {
                let r = async {
                    watch(
                        &driver,
                        &b,
                        json!({ "email": "Email", "button": "Sign in" }),
                    )
                    .await?;
                    b.goto(&url).await?;
                    let r = until_shown(&b, Duration::from_secs(60)).await?;
                    println!("  {}", describe(&r));
                    Ok((r["shown"].as_f64().context("no time")?, describe(&r)))
                }
                .await;
                (driver, b, r)
            }
        })
        .await?;
        let shown = Figure { runs };
        println!("  runs (ms): {}", shown.times().join(", "));
        Ok(shown)
    }

    /// Uploads `doc` (an assessment whose National context holds `chars`
    /// characters) as the server's field officer, then in fresh profiles
    /// signs in and opens it: milliseconds from navigation to `/doc/<id>`
    /// until the field holds the whole text (median of [`RUNS`]), and the
    /// same for a second open in the same session, once the device holds
    /// the document (median of the runs that got that far).
    pub async fn open_document(
        server: &TestServer,
        doc: automerge::AutoCommit,
        chars: usize,
    ) -> Result<(Figure, Figure)> {
        if let Some(why) = missing() {
            bail!("{why}");
        }
        let up = Instant::now();
        let id = load::upload(&server.ws_url(), Some(&server.token), doc).await?;
        println!(
            "  uploaded as the field officer in {:.1} s",
            up.elapsed().as_secs_f64()
        );
        let url = format!("{}/doc/{id}", server.http_url());
        let runs = sessions("open", |driver, b| {
            let url = url.clone();
            async move {
                let r = async {
                    b.sign_in(server).await?;
                    watch(
                        &driver,
                        &b,
                        json!({ "field": "National context", "length": chars }),
                    )
                    .await?;
                    b.goto(&url).await?;
                    let r = until_shown(&b, Duration::from_secs(180)).await?;
                    println!("  fresh profile: {}", describe(&r));
                    let fresh = (r["shown"].as_f64().context("no time")?, describe(&r));
                    let cached = match until_stored(&b, id).await {
                        Ok(()) => {
                            b.goto(&url).await?;
                            let r = until_shown(&b, Duration::from_secs(180)).await?;
                            println!("  again, cached on the device: {}", describe(&r));
                            r["shown"].as_f64().map(|t| (t, describe(&r)))
                        }
                        Err(e) => {
                            println!("  again, cached on the device: not measured: {e:#}");
                            None
                        }
                    };
                    Ok((fresh, cached))
                }
                .await;
                (driver, b, r)
            }
        })
        .await?;
        let (fresh, cached): (Vec<_>, Vec<_>) = runs.into_iter().unzip();
        let fresh = Figure { runs: fresh };
        let cached = Figure {
            runs: cached.into_iter().flatten().collect(),
        };
        println!(
            "  runs (ms): fresh {}; cached on the device {}",
            fresh.times().join(", "),
            cached.times().join(", ")
        );
        Ok((fresh, cached))
    }

    /// Waits until the app's IndexedDB holds `id` with the server's heads.
    async fn until_stored(b: &Browser, id: DocumentId) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let r = b
                .client
                .execute_async(STORED, vec![json!(id.to_string())])
                .await?;
            if r.as_i64().is_some_and(|n| n > 0) {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("IndexedDB did not hold the document with the server's heads in 60 s: {r}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}
