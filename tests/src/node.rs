//! The unmodified automerge-repo npm client, driven over stdin/stdout (tests/node/peer.mjs).

use std::path::Path;
use std::process::Stdio;

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

pub struct NodePeer {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
}

impl NodePeer {
    pub fn start(ws_url: &str) -> Result<Self> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("node");
        if !dir.join("node_modules").exists() {
            bail!("run `npm install --prefix tests/node` first (make test does)");
        }
        let mut child = Command::new("node")
            .arg(dir.join("peer.mjs"))
            .arg(ws_url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .context("starting node")?;
        let stdin = child.stdin.take().ok_or_else(|| anyhow!("no stdin"))?;
        let stdout = child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?;
        Ok(Self {
            child,
            stdin,
            lines: BufReader::new(stdout).lines(),
        })
    }

    /// Sends one command and returns its answer; an `error` answer is an Err.
    pub async fn call(&mut self, command: Value) -> Result<Value> {
        self.stdin
            .write_all(format!("{command}\n").as_bytes())
            .await?;
        self.stdin.flush().await?;
        let line = tokio::time::timeout(crate::PATIENCE + crate::PATIENCE, self.lines.next_line())
            .await
            .map_err(|_| anyhow!("node did not answer {command}"))??
            .ok_or_else(|| anyhow!("node exited"))?;
        let answer: Value =
            serde_json::from_str(&line).with_context(|| format!("node said {line:?}"))?;
        if let Some(e) = answer.get("error") {
            bail!("node: {e}");
        }
        Ok(answer)
    }

    pub async fn create(&mut self, title: &str) -> Result<String> {
        let a = self.call(json!({"cmd": "create", "title": title})).await?;
        Ok(a["url"].as_str().unwrap_or_default().to_owned())
    }

    pub async fn wait_title(&mut self, url: &str, contains: &str) -> Result<String> {
        let a = self
            .call(json!({"cmd": "wait", "url": url, "contains": contains}))
            .await?;
        Ok(a["title"].as_str().unwrap_or_default().to_owned())
    }

    pub async fn append(&mut self, url: &str, text: &str) -> Result<()> {
        self.call(json!({"cmd": "append", "url": url, "text": text}))
            .await?;
        Ok(())
    }
}

impl Drop for NodePeer {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}
