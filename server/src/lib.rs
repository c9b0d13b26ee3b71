//! Accord's server: signs people in (next), relays Automerge sync messages
//! between the peers of each document, makes every accepted change durable
//! before anyone else sees it, and serves the built app.

pub mod admin;
pub mod api;
pub mod approvals;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod engagements;
pub mod export;
pub mod history;
pub mod parties;
pub mod seed;
pub mod storage;
pub mod submissions;
pub mod sync;
pub mod taxonomy;
pub mod web;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;

pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";

/// Everything `accord serve` needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub dist_dir: PathBuf,
    pub max_frame_bytes: usize,
    pub seed: bool,
    /// The write-policy and actor checks; off only to benchmark their cost.
    pub check_writes: bool,
}

/// Opens storage, seeds demo data on first start, and serves until SIGINT/SIGTERM.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let store = storage::Store::open(&config.data_dir)
        .with_context(|| format!("opening the database in {}", config.data_dir.display()))?;
    let demo = if config.seed {
        taxonomy::ensure_taxonomy(&store)
            .await
            .context("creating the taxonomy")?;
        seed::ensure_demo_accounts(&store)
            .await
            .context("creating the demo accounts")?;
        seed::ensure_demo(&store)
            .await
            .context("seeding the demo engagement")?
    } else {
        None
    };
    let relay = Arc::new(
        sync::SyncRelay::load(store.clone(), config.check_writes)
            .await
            .context("loading actor bindings")?,
    );
    if !config.check_writes {
        tracing::warn!(
            "WRITE CHECKS ARE OFF: any signed-in client may change anything. Benchmarks only."
        );
    }
    let app = web::router(web::AppState {
        relay: relay.clone(),
        store: store.clone(),
        accounts: auth::Accounts::new(store.clone()),
        tickets: Default::default(),
        limiter: Default::default(),
        dist_dir: config.dist_dir.clone(),
        max_frame_bytes: config.max_frame_bytes,
    });
    let listener = TcpListener::bind(config.addr).await.with_context(|| {
        format!(
            "listening on {} (is another server running there?)",
            config.addr
        )
    })?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, data = %config.data_dir.display(), "Accord is serving");
    println!("Accord is running on http://{addr}");
    if let Some(id) = demo {
        println!("Open the demo engagement: http://{addr}/engagement/{id}");
        println!(
            "Sign in as {} (field officer), {}, {} or {} (NGO) with the password {}",
            seed::DEMO_ACCOUNTS[0].0,
            seed::DEMO_ACCOUNTS[1].0,
            seed::DEMO_ACCOUNTS[2].0,
            seed::DEMO_ACCOUNTS[3].0,
            seed::DEMO_PASSWORD
        );
    }
    if !config.dist_dir.join("index.html").exists() {
        println!(
            "Note: {} has no built app; run `make run` to build it.",
            config.dist_dir.display()
        );
    }
    tokio::spawn(log_stats(relay.clone()));
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown({
        let relay = relay.clone();
        async move {
            shutdown_signal().await;
            tracing::info!("shutting down: no new connections; closing sync connections (1001)");
            relay.begin_shutdown();
        }
    })
    .await?;
    // WebSockets outlive axum's graceful shutdown (they are upgraded): wait
    // for them to close and for what they sent to be durable.
    if !relay.drain(std::time::Duration::from_secs(10)).await {
        tracing::warn!("some sync connections or documents did not finish within 10 s");
    }
    tracing::info!("stopped accepting connections; every accepted change is on disk");
    Ok(())
}

/// Once a minute, what the server holds, for whoever watches its memory
/// (`ACCORD_TEST_LOGS=1 make soak` prints them beside its RSS figures).
async fn log_stats(relay: Arc<sync::SyncRelay>) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
    every.tick().await;
    loop {
        every.tick().await;
        let s = relay.stats();
        tracing::info!(
            connections = s.connections,
            documents = s.documents,
            actor_bindings = s.actor_bindings,
            sqlite_kib = storage::sqlite_memory_used() / 1024,
            "in memory"
        );
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
