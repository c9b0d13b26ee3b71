//! Test harness: the real `accord` binary in a temporary data directory,
//! protocol clients that speak automerge-repo's WebSocket protocol, and
//! headless Chromium sessions driven over WebDriver.

pub mod browser;
pub mod client;
pub mod forms;
pub mod load;
pub mod node;
pub mod server;

pub use client::Peer;
pub use server::TestServer;

/// Generous bound for anything that should happen "at once" on a busy CI machine.
pub const PATIENCE: std::time::Duration = std::time::Duration::from_secs(20);
