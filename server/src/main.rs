//! `accord`: the Accord server and its admin commands.

use std::net::SocketAddr;
use std::path::PathBuf;

use accord_server::{Config, DEFAULT_ADDR};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "accord",
    version,
    about = "Accord: co-writing human rights technical cooperation programmes"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the app, the sync endpoint and the API.
    Serve {
        /// Address to listen on.
        #[arg(long, env = "ACCORD_ADDR", default_value = DEFAULT_ADDR)]
        addr: SocketAddr,
        /// Directory holding the SQLite database.
        #[arg(long, env = "ACCORD_DATA", default_value = "data")]
        data: PathBuf,
        /// Directory holding the built app (Trunk's output).
        #[arg(long, env = "ACCORD_DIST", default_value = "dist")]
        dist: PathBuf,
        /// Largest WebSocket frame accepted, in bytes.
        #[arg(long, env = "ACCORD_MAX_FRAME_BYTES", default_value_t = accord_shared::limits::DEFAULT_MAX_FRAME_BYTES)]
        max_frame_bytes: usize,
        /// Do not create the demo engagement on first start.
        #[arg(long)]
        no_seed: bool,
    },
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "accord_server=info,accord=info,tower_http=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve {
            addr,
            data,
            dist,
            max_frame_bytes,
            no_seed,
        } => {
            let config = Config {
                addr,
                data_dir: data,
                dist_dir: dist,
                max_frame_bytes,
                seed: !no_seed,
            };
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(accord_server::serve(config))
        }
    }
}
