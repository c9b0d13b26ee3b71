//! A load generator that speaks the sync protocol as real clients do: N peers
//! on one document, each editing at a set rate, measuring for every edit the
//! time from its sender's push to each other peer's receipt.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use accord_shared::DocumentId;
use anyhow::Result;
use automerge::transaction::Transactable;
use automerge::{ReadDoc, ScalarValue, Value, ROOT};

use crate::Peer;

/// What to run.
#[derive(Debug, Clone, Copy)]
pub struct Workload {
    pub peers: usize,
    pub edits_per_second: f64,
    pub duration: Duration,
}

/// Latencies of every receipt, in microseconds.
#[derive(Debug, Default)]
pub struct Outcome {
    pub edits: usize,
    pub latencies_us: Vec<u64>,
}

impl Outcome {
    pub fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        let mut v = self.latencies_us.clone();
        v.sort_unstable();
        let i = ((v.len() as f64 - 1.0) * p).round() as usize;
        v[i] as f64 / 1000.0
    }
}

type SendTimes = Arc<Mutex<HashMap<(usize, i64), Instant>>>;

/// Runs the workload against the server at `url` with `token`.
pub async fn run(url: &str, token: &str, w: Workload) -> Result<Outcome> {
    let mut first = Peer::connect(url, token).await?;
    let id = first.create(|doc| {
        for i in 0..w.peers {
            doc.put(ROOT, format!("k{i}"), 0i64).expect("in-memory put");
        }
    });
    first.until_acknowledged(id).await?;
    let mut peers = vec![first];
    for _ in 1..w.peers {
        let mut p = Peer::connect(url, token).await?;
        p.follow(id);
        p.push(id).await?;
        p.until("joined", |p| read(p, id, 0).is_some()).await?;
        peers.push(p);
    }
    let sent: SendTimes = Arc::default();
    let start = Instant::now() + Duration::from_millis(200);
    let mut tasks = Vec::new();
    for (i, peer) in peers.into_iter().enumerate() {
        let sent = sent.clone();
        tasks.push(tokio::spawn(drive(i, peer, id, w, start, sent)));
    }
    let mut outcome = Outcome::default();
    for t in tasks {
        let (edits, mut lat) = t.await??;
        outcome.edits += edits;
        outcome.latencies_us.append(&mut lat);
    }
    Ok(outcome)
}

fn read(p: &mut Peer, id: DocumentId, key: usize) -> Option<i64> {
    match p.doc(id).get(ROOT, format!("k{key}")).ok()?? {
        (Value::Scalar(s), _) => match s.as_ref() {
            ScalarValue::Int(n) => Some(*n),
            _ => None,
        },
        _ => None,
    }
}

/// One peer: edits on schedule, applies what arrives, records receipts.
async fn drive(
    me: usize,
    mut peer: Peer,
    id: DocumentId,
    w: Workload,
    start: Instant,
    sent: SendTimes,
) -> Result<(usize, Vec<u64>)> {
    let interval = Duration::from_secs_f64(1.0 / w.edits_per_second);
    // Spread peers over the interval so edits do not all fire together.
    let mut next = start + interval.mul_f64(me as f64 / w.peers as f64);
    let end = start + w.duration;
    let mut seen = vec![0i64; w.peers];
    let mut counter = 0i64;
    let mut latencies = Vec::new();
    while Instant::now() < end + Duration::from_millis(500) {
        let now = Instant::now();
        if now >= next && now < end {
            counter += 1;
            peer.doc(id).put(ROOT, format!("k{me}"), counter)?;
            sent.lock()
                .expect("lock")
                .insert((me, counter), Instant::now());
            peer.push(id).await?;
            next += interval;
            continue;
        }
        let wait = next
            .saturating_duration_since(now)
            .max(Duration::from_millis(1));
        match peer.step(wait.min(Duration::from_millis(50))).await {
            Ok(true) => {}
            Ok(false) => anyhow::bail!("peer {me}: the server closed the connection"),
            Err(_) => continue, // nothing arrived in time
        }
        let received = Instant::now();
        for (j, last) in seen.iter_mut().enumerate() {
            if j == me {
                continue;
            }
            if let Some(v) = read(&mut peer, id, j) {
                if v > *last {
                    if let Some(t) = sent.lock().expect("lock").get(&(j, v)) {
                        latencies.push(received.duration_since(*t).as_micros() as u64);
                    }
                    *last = v;
                }
            }
        }
    }
    Ok((counter as usize, latencies))
}
