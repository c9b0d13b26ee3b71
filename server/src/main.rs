//! `accord`: the Accord server and its admin commands.

use std::net::SocketAddr;
use std::path::PathBuf;

use accord_server::{admin, Config, DEFAULT_ADDR};
use accord_shared::policy::Role;
use clap::{Parser, Subcommand};

/// jemalloc returns freed memory to the system (glibc's per-thread arenas
/// held it: RSS crept up over `make soak` while the live heap stayed flat).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

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
        /// Benchmarks only: skip the write-policy and actor checks, to measure what they cost.
        #[arg(long, hide = true)]
        insecure_skip_write_checks: bool,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        action: UserAction,
        #[arg(long, env = "ACCORD_DATA", default_value = "data", global = true)]
        data: PathBuf,
    },
    /// API tokens for scripts and other Automerge clients.
    Token {
        #[command(subcommand)]
        action: TokenAction,
        #[arg(long, env = "ACCORD_DATA", default_value = "data", global = true)]
        data: PathBuf,
    },
    /// Engagement membership: who may work on an engagement's documents, in which role.
    Member {
        #[command(subcommand)]
        action: MemberAction,
        #[arg(long, env = "ACCORD_DATA", default_value = "data", global = true)]
        data: PathBuf,
    },
    /// Put documents under an engagement and share them with the Government.
    Doc {
        #[command(subcommand)]
        action: DocAction,
        #[arg(long, env = "ACCORD_DATA", default_value = "data", global = true)]
        data: PathBuf,
    },
    /// Write a consistent copy of the database to FILE; safe while the server runs.
    Backup {
        #[arg(long, env = "ACCORD_DATA", default_value = "data")]
        data: PathBuf,
        /// The backup file to write (must not exist yet).
        #[arg(long)]
        out: PathBuf,
    },
    /// Put a backup in place as the data directory's database (server stopped).
    Restore {
        /// The backup file, as `accord backup` wrote it.
        #[arg(long)]
        from: PathBuf,
        #[arg(long, env = "ACCORD_DATA", default_value = "data")]
        data: PathBuf,
        /// Replace a database the data directory already holds.
        #[arg(long)]
        force: bool,
    },
    /// Print the audit log.
    Audit {
        /// Only entries since this many hours ago, or since a Unix time (e.g. `24h`, `1764300000`).
        #[arg(long, default_value = "24h")]
        since: String,
        #[arg(long, env = "ACCORD_DATA", default_value = "data")]
        data: PathBuf,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Create an account; the password is read from standard input.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, field_officer, government, ngo, individual or hq_reviewer.
        #[arg(long)]
        role: Role,
    },
    /// List accounts.
    List,
    /// Disable an account: its sessions and tokens stop working at once.
    Disable {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
enum MemberAction {
    /// Add a person to an engagement (or change their role in it).
    Add {
        /// The engagement document's id.
        #[arg(long)]
        engagement: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: Role,
    },
    /// Let an HQ reviewer member read the engagement's confidential
    /// consultation parties (names, contacts). Audited.
    GrantParties {
        /// The engagement document's id.
        #[arg(long)]
        engagement: String,
        #[arg(long)]
        email: String,
    },
    /// Withdraw that grant; the reviewer's open connections stop receiving
    /// the parties with the next change. Audited.
    RevokeParties {
        /// The engagement document's id.
        #[arg(long)]
        engagement: String,
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
enum DocAction {
    /// Attach a document to an engagement as one of its kinds (the engagement
    /// document itself is attached to itself as `engagement`).
    Attach {
        #[arg(long)]
        doc: String,
        #[arg(long)]
        engagement: String,
        /// engagement, request, assessment, programme, evaluation or submission.
        #[arg(long)]
        kind: String,
    },
    /// Share a document with the Government counterparts (or stop sharing).
    Share {
        #[arg(long)]
        doc: String,
        #[arg(long)]
        stop: bool,
    },
}

#[derive(Subcommand)]
enum TokenAction {
    /// Print a new API token for the account (shown once; stored hashed).
    Create {
        #[arg(long)]
        email: String,
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
            insecure_skip_write_checks,
        } => {
            let config = Config {
                addr,
                data_dir: data,
                dist_dir: dist,
                max_frame_bytes,
                seed: !no_seed,
                check_writes: !insecure_skip_write_checks,
            };
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(accord_server::serve(config))
        }
        Command::User { action, data } => admin_command(&data, |store| async move {
            match action {
                UserAction::Add { email, name, role } => {
                    let password = admin::read_password()?;
                    admin::add_user(&store, &email, &name, role, &password).await
                }
                UserAction::List => admin::list_users(&store).await,
                UserAction::Disable { email } => admin::disable_user(&store, &email).await,
            }
        }),
        Command::Token {
            action: TokenAction::Create { email },
            data,
        } => admin_command(&data, |store| async move {
            admin::create_token(&store, &email).await
        }),
        Command::Member { action, data } => admin_command(&data, |store| async move {
            match action {
                MemberAction::Add {
                    engagement,
                    email,
                    role,
                } => admin::add_member(&store, &engagement, &email, role).await,
                MemberAction::GrantParties { engagement, email } => {
                    admin::set_parties_grant(&store, &engagement, &email, true).await
                }
                MemberAction::RevokeParties { engagement, email } => {
                    admin::set_parties_grant(&store, &engagement, &email, false).await
                }
            }
        }),
        Command::Doc { action, data } => admin_command(&data, |store| async move {
            match action {
                DocAction::Attach {
                    doc,
                    engagement,
                    kind,
                } => admin::attach(&store, &doc, &engagement, &kind).await,
                DocAction::Share { doc, stop } => admin::share(&store, &doc, !stop).await,
            }
        }),
        Command::Backup { data, out } => {
            accord_server::backup::backup(&data, &out)?;
            println!("Backed up {} to {}", data.display(), out.display());
            Ok(())
        }
        Command::Restore { from, data, force } => {
            accord_server::backup::restore(&from, &data, force)?;
            println!("Restored {} into {}", from.display(), data.display());
            Ok(())
        }
        Command::Audit { since, data } => admin_command(&data, |store| async move {
            admin::print_audit(&store, &since).await
        }),
    }
}

/// Runs an admin command against the data directory (the server may be running).
fn admin_command<F, Fut>(data: &std::path::Path, f: F) -> anyhow::Result<()>
where
    F: FnOnce(accord_server::storage::Store) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let store = accord_server::storage::Store::open(data)?;
        f(store).await
    })
}
