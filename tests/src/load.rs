//! A load generator that speaks the sync protocol as real clients do: N peers
//! on one document, each editing at a set rate, measuring for every edit the
//! time from its sender's push to each other peer's receipt; many documents
//! with a few peers each, writing as fast as the server acknowledges
//! (durable accepted changes per second); idle connections; and a document
//! with a long history (time to the first sync byte). Every function takes
//! the sync URL and an optional bearer token, so the same code drives Accord
//! and automerge-repo's own sync server.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use accord_shared::DocumentId;
use anyhow::{Context, Result};
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
pub async fn run(url: &str, token: Option<&str>, w: Workload) -> Result<Outcome> {
    let mut first = Peer::connect_with(url, token).await?;
    let id = first.create(|doc| {
        for i in 0..w.peers {
            doc.put(ROOT, format!("k{i}"), 0i64).expect("in-memory put");
        }
    });
    first.until_acknowledged(id).await?;
    let mut peers = vec![first];
    for _ in 1..w.peers {
        let mut p = Peer::connect_with(url, token).await?;
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

/// What [`throughput`] measured.
#[derive(Debug, Clone, Copy)]
pub struct Throughput {
    /// Seconds to create the documents and have every peer hold them.
    pub setup_s: f64,
    /// Changes made by all peers.
    pub changes: usize,
    /// False when some peer still lacked changes 30 s after the load stopped
    /// (then `elapsed_s` ends there and the rate is an upper bound).
    pub converged: bool,
    /// From the first edit until every peer held every change.
    pub elapsed_s: f64,
}

impl Throughput {
    pub fn per_second(&self) -> f64 {
        self.changes as f64 / self.elapsed_s
    }
}

/// `docs` documents, `peers` connections that each follow every document (as
/// the app shares one socket between documents); each peer edits every
/// document in turn as fast as it can for `duration`, reading whatever
/// arrives between rounds; then waits until the server has acknowledged
/// every peer holds every change (Accord relays only what is on disk).
pub async fn throughput(
    url: &str,
    token: Option<&str>,
    docs: usize,
    peers: usize,
    duration: Duration,
) -> Result<Throughput> {
    let setup = Instant::now();
    let mut first = Peer::connect_with(url, token).await?;
    let mut ids = Vec::with_capacity(docs);
    for _ in 0..docs {
        let id = first.create(|doc| {
            for i in 0..peers {
                doc.put(ROOT, format!("k{i}"), 0i64).expect("in-memory put");
            }
        });
        first.push(id).await?;
        ids.push(id);
    }
    for &id in &ids {
        first
            .until_acknowledged(id)
            .await
            .context("setup: the server acknowledging a new document")?;
    }
    let mut all = vec![first];
    for _ in 1..peers {
        let mut p = Peer::connect_with(url, token).await?;
        for &id in &ids {
            p.follow(id);
            p.push(id).await?;
        }
        for &id in &ids {
            p.until("joined", |p| read(p, id, 0).is_some())
                .await
                .context("setup: a peer receiving a document")?;
        }
        all.push(p);
    }
    let setup_s = setup.elapsed().as_secs_f64();
    let start = Instant::now();
    let end = start + duration;
    // Each peer's last value, once it has stopped editing.
    let finals: Arc<Mutex<Vec<Option<i64>>>> = Arc::new(Mutex::new(vec![None; peers]));
    let mut tasks = Vec::new();
    for (me, mut peer) in all.into_iter().enumerate() {
        let ids = ids.clone();
        let finals = finals.clone();
        tasks.push(tokio::spawn(async move {
            let mut counter = 0i64;
            while Instant::now() < end {
                counter += 1;
                for &id in &ids {
                    peer.doc(id).put(ROOT, format!("k{me}"), counter)?;
                    peer.push(id).await?;
                    // Take what has already arrived, so the server's queue
                    // to this peer never fills (Accord cuts such a peer off).
                    while let Ok(true) = peer.step(Duration::ZERO).await {}
                }
                // Read what arrived (answers and the others' changes).
                while let Ok(true) = peer.step(Duration::from_millis(1)).await {}
            }
            finals.lock().expect("lock")[me] = Some(counter);
            // Done once this peer holds every other peer's last change of
            // every document: the server accepted it (Accord: made it
            // durable) and relayed it. The automerge-repo sync server does
            // not always answer a peer whose changes it already has, so
            // "acknowledged to the sender" cannot be waited for on both.
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let want = finals.lock().expect("lock").clone();
                let done = want.iter().all(Option::is_some)
                    && ids.iter().all(|&id| {
                        (0..want.len()).all(|j| j == me || read(&mut peer, id, j) == want[j])
                    });
                if done {
                    break;
                }
                if Instant::now() >= deadline {
                    return anyhow::Ok((counter as usize * ids.len(), Instant::now(), false));
                }
                if let Ok(false) = peer.step(Duration::from_millis(50)).await {
                    anyhow::bail!("peer {me}: the server closed the connection")
                }
            }
            anyhow::Ok((counter as usize * ids.len(), Instant::now(), true))
        }));
    }
    let mut changes = 0;
    let mut last = start;
    let mut converged = true;
    for t in tasks {
        let (n, done, all) = t.await??;
        changes += n;
        last = last.max(done);
        converged &= all;
    }
    Ok(Throughput {
        setup_s,
        changes,
        converged,
        elapsed_s: last.duration_since(start).as_secs_f64(),
    })
}

/// Opens `n` connections (handshake done) and keeps them open; 200 at a time.
pub async fn idle(url: &str, token: Option<&str>, n: usize) -> Result<Vec<Peer>> {
    let mut peers = Vec::with_capacity(n);
    while peers.len() < n {
        let batch = (n - peers.len()).min(200);
        let opened =
            futures_util::future::join_all((0..batch).map(|_| Peer::connect_with(url, token)))
                .await;
        for p in opened {
            peers.push(p?);
        }
    }
    Ok(peers)
}

/// Resident memory of a process, in KiB (`VmRSS` in /proc/<pid>/status).
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A document whose history is `edits` changes, each typing `chunk` into one
/// text (so `edits * chunk.len()` characters), as a peer would have built it.
pub fn long_history(edits: usize, chunk: &str) -> automerge::AutoCommit {
    let mut doc = automerge::AutoCommit::new();
    let text = doc
        .put_object(ROOT, "text", automerge::ObjType::Text)
        .expect("in-memory put");
    doc.commit();
    type_at_end(&mut doc, &text, edits, chunk);
    doc
}

/// Uploads `doc` as a new document and waits until the server holds it.
pub async fn upload(
    url: &str,
    token: Option<&str>,
    doc: automerge::AutoCommit,
) -> Result<DocumentId> {
    let mut p = Peer::connect_with(url, token).await?;
    let id = p.create(|_| {});
    p.docs.get_mut(&id).expect("created").doc = doc;
    let deadline = Instant::now() + Duration::from_secs(120);
    p.push(id).await?;
    loop {
        let e = p.docs.get_mut(&id).expect("followed");
        let heads = e.doc.get_heads();
        if e.state
            .their_heads
            .as_ref()
            .is_some_and(|theirs| heads.iter().all(|h| theirs.contains(h)))
        {
            return Ok(id);
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the upload was not acknowledged in 120 s"
        );
        if let Ok(false) = p.step(Duration::from_secs(5)).await {
            anyhow::bail!("the server closed the connection during the upload")
        }
    }
}

/// A new peer asks for `id`: milliseconds from sending its `request` to
/// receiving the server's first sync message (whole frame, decoded, not yet
/// applied) and, after applying every message, to holding the text.
pub async fn first_sync(url: &str, token: Option<&str>, id: DocumentId) -> Result<(f64, f64)> {
    use automerge::sync::SyncDoc;
    use futures_util::SinkExt;
    let mut ws = crate::client::raw_socket(url, token).await?;
    let me = format!("bench-{}", DocumentId::random());
    ws.send(crate::client::join_frame(&me).into()).await?;
    let Some(accord_shared::Message::Peer { sender_id, .. }) =
        crate::client::next_message(&mut ws, crate::PATIENCE).await?
    else {
        anyhow::bail!("no `peer` answer");
    };
    let mut doc = automerge::AutoCommit::new();
    let mut state = automerge::sync::State::new();
    let ask = doc
        .sync()
        .generate_sync_message(&mut state)
        .expect("a first sync message");
    let request = accord_shared::Message::Request {
        sender_id: me.clone(),
        target_id: sender_id.clone(),
        document_id: id.to_string(),
        data: ask.encode(),
    };
    let start = Instant::now();
    ws.send(request.encode().into()).await?;
    let mut first = None;
    loop {
        let msg = crate::client::next_message(&mut ws, Duration::from_secs(60))
            .await?
            .ok_or_else(|| anyhow::anyhow!("closed before the document arrived"))?;
        first.get_or_insert(start.elapsed().as_secs_f64() * 1000.0);
        if let accord_shared::Message::Sync { data, .. } = msg {
            doc.sync()
                .receive_sync_message(&mut state, automerge::sync::Message::decode(&data)?)?;
            if doc.get(ROOT, "text")?.is_some() {
                let t = start.elapsed().as_secs_f64() * 1000.0;
                return Ok((first.unwrap_or(t), t));
            }
            if let Some(m) = doc.sync().generate_sync_message(&mut state) {
                let reply = accord_shared::Message::Sync {
                    sender_id: me.clone(),
                    target_id: sender_id.clone(),
                    document_id: id.to_string(),
                    data: m.encode(),
                };
                ws.send(reply.encode().into()).await?;
            }
        }
    }
}

/// [`long_history`] as a document the app shows: an assessment (the shared
/// schema, `docs::create`) whose `national_context` text receives `edits`
/// changes, each typing `chunk` at its end. Upload it with [`upload`] and the
/// token of the person who is to open it: the relay makes the uploader its
/// owner, who alone (with admins) may read it.
pub fn long_assessment(edits: usize, chunk: &str) -> automerge::AutoCommit {
    use accord_shared::docs;
    let mut doc = automerge::AutoCommit::new();
    docs::create(&mut doc, docs::Assessment::default()).expect("a new assessment");
    doc.commit();
    let text = match doc.get(ROOT, "national_context").expect("in-memory get") {
        Some((Value::Object(automerge::ObjType::Text), id)) => id,
        other => panic!("national_context is not a text: {other:?}"),
    };
    type_at_end(&mut doc, &text, edits, chunk);
    doc
}

/// `edits` changes to `text`, each typing `chunk` at its end.
fn type_at_end(
    doc: &mut automerge::AutoCommit,
    text: &automerge::ObjId,
    edits: usize,
    chunk: &str,
) {
    let mut len = doc.length(text);
    for _ in 0..edits {
        doc.splice_text(text, len, 0, chunk)
            .expect("in-memory splice");
        len += chunk.chars().count();
        doc.commit();
    }
}
