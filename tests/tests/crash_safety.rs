//! Crash safety over many rounds (issue 8): three writers edit two
//! documents continuously; the server is killed with SIGKILL at a random
//! moment, restarted, and every change any writer saw acknowledged (covered
//! by heads the server sent it) must still be on the server. After the last
//! round every writer reconnects and all converge to the same heads.
//!
//! The kill moments come from a seeded generator; the seed is printed, and
//! `ACCORD_CRASH_SEED=<n>` replays a run.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use accord_shared::DocumentId;
use accord_tests::{Peer, TestServer, PATIENCE};
use automerge::sync;
use automerge::transaction::Transactable;
use automerge::{ChangeHash, ObjType, ReadDoc, ROOT};

const ROUNDS: usize = 24;
const WRITERS: usize = 3;

/// xorshift64*: enough randomness for kill moments, and replayable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

fn append(peer: &mut Peer, id: DocumentId, text: &str) {
    let doc = peer.doc(id);
    let (_, t) = doc.get(ROOT, "title").unwrap().unwrap();
    let len = doc.length(&t);
    doc.splice_text(&t, len, 0, text).unwrap();
    doc.commit();
}

/// Every head the server has named to this peer, per document: a promise
/// that the server holds that change and all it depends on.
type Acknowledged = HashMap<DocumentId, HashSet<ChangeHash>>;

fn note_acknowledged(peer: &Peer, acked: &mut Acknowledged) {
    for (id, entry) in &peer.docs {
        if let Some(theirs) = &entry.state.their_heads {
            acked.entry(*id).or_default().extend(theirs.iter().copied());
        }
    }
}

/// Edits round-robin over `docs` and handles the server's answers until the
/// connection drops (the server was killed). Returns the peer with what the
/// server acknowledged to it, and how many edits it made.
async fn write_until_killed(
    mut peer: Peer,
    n: usize,
    docs: Vec<DocumentId>,
    round: usize,
) -> (Peer, Acknowledged, usize) {
    let mut acked = Acknowledged::new();
    let mut edits = 0;
    'writing: loop {
        let id = docs[edits % docs.len()];
        append(&mut peer, id, &format!("[{n}.{round}.{edits}]"));
        edits += 1;
        if peer.push(id).await.is_err() {
            break;
        }
        // Handle whatever arrives within a few milliseconds, then edit again.
        loop {
            match peer.step(Duration::from_millis(10)).await {
                Ok(true) => note_acknowledged(&peer, &mut acked),
                Ok(false) => break 'writing,
                Err(e) if e.to_string().starts_with("no message within") => break,
                Err(_) => break 'writing,
            }
        }
    }
    note_acknowledged(&peer, &mut acked);
    (peer, acked, edits)
}

/// A new connection carrying the documents a writer already holds, with
/// fresh sync states (as the app does when it reconnects).
async fn reconnect(server: &TestServer, old: Peer) -> Peer {
    let mut peer = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    peer.docs = old.docs;
    for entry in peer.docs.values_mut() {
        entry.state = sync::State::new();
    }
    let ids: Vec<DocumentId> = peer.docs.keys().copied().collect();
    for id in ids {
        peer.push(id).await.unwrap();
    }
    peer
}

/// A client that has never seen the documents fetches them; every change
/// acknowledged so far must reach it.
async fn check_nothing_lost(server: &TestServer, acked: &Acknowledged, round: usize, seed: u64) {
    let mut fresh = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    for id in acked.keys() {
        fresh.follow(*id);
        fresh.push(*id).await.unwrap();
    }
    let missing = |p: &mut Peer| -> Vec<(DocumentId, ChangeHash)> {
        acked
            .iter()
            .flat_map(|(id, hashes)| hashes.iter().map(move |h| (*id, *h)))
            .filter(|(id, h)| {
                p.docs
                    .get(id)
                    .is_none_or(|e| e.doc.get_change_by_hash(h).is_none())
            })
            .collect()
    };
    if let Err(e) = fresh
        .until("a fresh client has every acknowledged change", |p| {
            missing(p).is_empty()
        })
        .await
    {
        panic!(
            "round {round} (seed {seed}): {e}; acknowledged but missing after SIGKILL: {:?}",
            missing(&mut fresh)
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn acknowledged_changes_survive_many_sigkills() {
    let started = Instant::now();
    let seed = std::env::var("ACCORD_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    println!("crash safety seed: {seed} (ACCORD_CRASH_SEED={seed} replays it)");
    let mut rng = Rng(seed);

    let mut server = TestServer::start(&[]);
    // Two documents; writer 0 edits the first, writer 2 the second and
    // writer 1 both.
    let mut creator = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    let docs: Vec<DocumentId> = (0..2)
        .map(|_| {
            creator.create(|doc| {
                doc.put_object(ROOT, "title", ObjType::Text).unwrap();
            })
        })
        .collect();
    for id in &docs {
        creator.until_acknowledged(*id).await.unwrap();
    }
    let assignment = |n: usize| -> Vec<DocumentId> {
        match n {
            0 => vec![docs[0]],
            1 => docs.clone(),
            _ => vec![docs[1]],
        }
    };
    let mut writers = Vec::new();
    for n in 0..WRITERS {
        let mut p = Peer::connect(&server.ws_url(), &server.token)
            .await
            .unwrap();
        for id in assignment(n) {
            p.follow(id);
            p.push(id).await.unwrap();
            p.until("joined", |p| p.text(id, "title").is_some())
                .await
                .unwrap();
        }
        writers.push(p);
    }
    drop(creator);

    let mut acked = Acknowledged::new();
    let mut total_edits = 0;
    for round in 0..ROUNDS {
        let round_started = Instant::now();
        let tasks: Vec<_> = writers
            .drain(..)
            .enumerate()
            .map(|(n, p)| tokio::spawn(write_until_killed(p, n, assignment(n), round)))
            .collect();
        let writing = rng.between(50, 400);
        tokio::time::sleep(Duration::from_millis(writing)).await;
        server.kill();
        let mut round_acked = 0;
        for task in tasks {
            let (peer, a, edits) = tokio::time::timeout(PATIENCE, task)
                .await
                .expect("a writer noticed the kill")
                .unwrap();
            total_edits += edits;
            for (id, hashes) in a {
                round_acked += hashes.len();
                acked.entry(id).or_default().extend(hashes);
            }
            writers.push(peer);
        }
        let killed = round_started.elapsed();
        server.restart();
        let restarted = round_started.elapsed();
        check_nothing_lost(&server, &acked, round, seed).await;
        println!(
            "round {round}: killed after {writing} ms, {round_acked} acknowledged heads seen, \
             nothing lost (writers stopped {killed:?}, restarted {restarted:?}, checked {:?})",
            round_started.elapsed()
        );
        let mut reconnected = Vec::new();
        for p in writers.drain(..) {
            reconnected.push(reconnect(&server, p).await);
        }
        writers = reconnected;
    }

    // Every writer's unacknowledged edits go out now; all converge.
    for p in writers.iter_mut() {
        for id in p.docs.keys().copied().collect::<Vec<_>>() {
            p.until_acknowledged(id).await.unwrap();
        }
    }
    let mut reader = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    for id in &docs {
        reader.follow(*id);
        reader.push(*id).await.unwrap();
    }
    let server_heads = |p: &mut Peer, id: DocumentId| {
        let mut h = p.docs.get_mut(&id).unwrap().doc.get_heads();
        h.sort();
        h
    };
    // The writers' heads (after they acknowledged) are what the reader must reach.
    for id in &docs {
        let mut want: HashSet<ChangeHash> = HashSet::new();
        for p in writers.iter_mut().filter(|p| p.docs.contains_key(id)) {
            want.extend(p.doc(*id).get_heads());
        }
        reader
            .until("the reader has every writer's changes", |p| {
                want.iter()
                    .all(|h| p.doc(*id).get_change_by_hash(h).is_some())
            })
            .await
            .unwrap();
    }
    for p in writers.iter_mut() {
        for id in p.docs.keys().copied().collect::<Vec<_>>() {
            let target = server_heads(&mut reader, id);
            p.until("the writer converged with the server", |p| {
                server_heads(p, id) == target
            })
            .await
            .unwrap();
        }
    }
    let title0 = reader.text(docs[0], "title").unwrap();
    let title1 = reader.text(docs[1], "title").unwrap();
    assert_eq!(
        title0.matches('[').count() + title1.matches('[').count(),
        total_edits,
        "every edit made (acknowledged before a kill or sent after it) is on the server"
    );
    println!(
        "{ROUNDS} SIGKILL rounds, {total_edits} edits, {} acknowledged heads checked, all converged in {:?}",
        acked.values().map(|h| h.len()).sum::<usize>(),
        started.elapsed()
    );
}
