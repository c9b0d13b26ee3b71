//! The sync relay: automerge-repo's WebSocket protocol, one actor per open document.
//!
//! A [`connection`] task per WebSocket decodes and checks frames and routes
//! them to the [`document`] actor that owns the document's in-memory copy.
//! The actor applies sync messages, waits until new changes are durable in
//! the [`Store`](crate::storage::Store), and only then answers every peer of
//! the document, so nobody ever sees a change the server could lose.

pub mod connection;
mod document;
pub mod inspect;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use accord_shared::{DocumentId, Message, PeerId};
use tokio::sync::{mpsc, oneshot, watch, Notify};

use crate::auth::User;
use crate::storage::{StorageError, Store};
pub(crate) use document::{role_without_membership, DocCommand};

/// Identifies one WebSocket connection inside the server.
pub type ConnId = u64;

/// Frames waiting for a slow client; past this the client is disconnected.
pub const SEND_QUEUE_FRAMES: usize = 1024;

/// What a connection's writer sends next.
#[derive(Debug)]
pub enum Outgoing {
    Frame(Vec<u8>),
    /// Send an `error` message, close the socket with `code`, stop.
    Close {
        code: u16,
        reason: String,
    },
}

/// The sending side of one connection, held by the document actors it joined.
#[derive(Clone)]
pub struct ConnHandle {
    pub id: ConnId,
    pub peer_id: PeerId,
    /// Who authenticated this connection at the upgrade.
    pub user: Arc<User>,
    tx: mpsc::Sender<Outgoing>,
    /// Woken when the client cannot keep up, so its connection closes.
    overflow: Arc<Notify>,
}

impl ConnHandle {
    /// Queues a message without waiting; a client that lets its queue fill is cut off.
    pub fn send(&self, message: &Message) {
        if let Err(mpsc::error::TrySendError::Full(_)) =
            self.tx.try_send(Outgoing::Frame(message.encode()))
        {
            self.overflow.notify_one();
        }
    }

    /// Ends the connection with an `error` message naming the reason.
    pub fn close(&self, code: u16, reason: impl Into<String>) {
        let _ = self.tx.try_send(Outgoing::Close {
            code,
            reason: reason.into(),
        });
        self.overflow.notify_one();
    }
}

/// Routes commands to per-document actors, starting them on first use.
pub struct SyncRelay {
    store: Store,
    /// The server's own peer id, sent in `peer` and as the sender of its sync messages.
    pub server_peer_id: PeerId,
    docs: Mutex<HashMap<DocumentId, mpsc::Sender<DocCommand>>>,
    next_conn: AtomicU64,
    /// Actor id → the person it is bound to. The first change from an actor
    /// binds it; kept whole in memory so checking is one lookup per change.
    actors: Mutex<HashMap<Vec<u8>, i64>>,
    /// False only when benchmarking the checks' cost.
    pub(crate) check_writes: bool,
    /// Set once the server is shutting down: connections close with 1001.
    shutdown: watch::Sender<bool>,
    /// Sync connections still open.
    connections: watch::Sender<usize>,
}

/// Commands queued for one document before its actor applies backpressure.
const DOC_QUEUE: usize = 4096;

impl SyncRelay {
    /// Starts the relay with the actor bindings already on disk.
    pub async fn load(store: Store, check_writes: bool) -> Result<Self, StorageError> {
        let actors = store.actor_bindings().await?.into_iter().collect();
        Ok(Self {
            store,
            server_peer_id: format!("accord-server-{}", uuid::Uuid::new_v4()),
            docs: Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(1),
            actors: Mutex::new(actors),
            check_writes,
            shutdown: watch::Sender::new(false),
            connections: watch::Sender::new(0),
        })
    }

    /// Binds each unbound actor to `user`, unless one already belongs to someone
    /// else: then nothing is bound and that actor is returned.
    /// `Ok` lists the actors bound by this call (to be stored with the change).
    pub(crate) fn bind_actors(
        &self,
        actors: &[Vec<u8>],
        user: i64,
    ) -> Result<Vec<Vec<u8>>, Vec<u8>> {
        let mut bound = self.actors.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(foreign) = actors
            .iter()
            .find(|a| bound.get(*a).is_some_and(|owner| *owner != user))
        {
            return Err(foreign.clone());
        }
        let mut new = Vec::new();
        for actor in actors {
            if !bound.contains_key(actor) {
                bound.insert(actor.clone(), user);
                new.push(actor.clone());
            }
        }
        Ok(new)
    }

    /// Learns bindings the server wrote itself (documents it created for a
    /// person), so the relay holds those actors to that person too.
    pub fn remember_actors(&self, bindings: &[(Vec<u8>, i64)]) {
        let mut bound = self.actors.lock().unwrap_or_else(|p| p.into_inner());
        for (actor, user) in bindings {
            bound.entry(actor.clone()).or_insert(*user);
        }
    }

    pub(crate) fn next_conn_id(&self) -> ConnId {
        self.next_conn.fetch_add(1, Ordering::Relaxed)
    }

    /// Delivers a command to the document's actor, starting one if needed.
    pub(crate) async fn route(self: &Arc<Self>, doc: DocumentId, mut cmd: DocCommand) {
        // An actor that is retiring refuses new commands; the retry starts a fresh one.
        for _ in 0..3 {
            let tx = self.actor(doc);
            match tx.send(cmd).await {
                Ok(()) => return,
                Err(mpsc::error::SendError(back)) => {
                    let mut docs = self.docs.lock().unwrap_or_else(|p| p.into_inner());
                    if docs.get(&doc).is_some_and(|t| t.same_channel(&tx)) {
                        docs.remove(&doc);
                    }
                    cmd = back;
                }
            }
        }
        tracing::error!(%doc, "could not reach the document's actor; command dropped");
    }

    fn actor(self: &Arc<Self>, doc: DocumentId) -> mpsc::Sender<DocCommand> {
        let mut docs = self.docs.lock().unwrap_or_else(|p| p.into_inner());
        docs.entry(doc)
            .or_insert_with(|| {
                let (tx, rx) = mpsc::channel(DOC_QUEUE);
                tokio::spawn(document::DocActor::new(doc, self.clone()).run(rx));
                tx
            })
            .clone()
    }

    /// Called by a retiring actor: unregisters it if it is still the registered one.
    fn retire(&self, doc: DocumentId, rx: &mut mpsc::Receiver<DocCommand>) -> bool {
        let mut docs = self.docs.lock().unwrap_or_else(|p| p.into_inner());
        if !rx.is_empty() {
            return false;
        }
        docs.remove(&doc);
        rx.close();
        true
    }

    /// Asks an open document to check again who of its peers may still
    /// read it (after a grant is revoked or a membership changes). A
    /// document that is not open needs nothing: everyone is checked on
    /// arrival.
    pub async fn recheck(self: &Arc<Self>, doc: DocumentId) {
        let tx = {
            let docs = self.docs.lock().unwrap_or_else(|p| p.into_inner());
            docs.get(&doc).cloned()
        };
        if let Some(tx) = tx {
            // A retiring actor has no peers left to check.
            let _ = tx.send(DocCommand::Recheck).await;
        }
    }

    /// Graceful shutdown, first step: every sync connection stops reading and
    /// closes with 1001 (going away); new ones are closed at once.
    pub fn begin_shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    /// Resolves once shutdown has begun.
    pub(crate) async fn shutting_down(&self) {
        let mut rx = self.shutdown.subscribe();
        let _ = rx.wait_for(|down| *down).await;
    }

    /// Counts a sync connection as open until the guard is dropped.
    pub(crate) fn connection_opened(self: &Arc<Self>) -> ConnectionGuard {
        self.connections.send_modify(|n| *n += 1);
        ConnectionGuard(self.clone())
    }

    /// Graceful shutdown, second step: waits (at most `limit`) until every
    /// connection has closed and every document actor has made durable and
    /// answered whatever those connections had sent.
    pub async fn drain(&self, limit: std::time::Duration) -> bool {
        let work = async {
            let mut open = self.connections.subscribe();
            let _ = open.wait_for(|n| *n == 0).await;
            let actors: Vec<_> = {
                let docs = self.docs.lock().unwrap_or_else(|p| p.into_inner());
                docs.values().cloned().collect()
            };
            for tx in actors {
                let (done, flushed) = oneshot::channel();
                // A retiring actor has nothing queued.
                if tx.send(DocCommand::Flush(done)).await.is_ok() {
                    let _ = flushed.await;
                }
            }
        };
        tokio::time::timeout(limit, work).await.is_ok()
    }

    /// Number of documents currently held in memory.
    pub fn open_documents(&self) -> usize {
        self.docs.lock().map(|d| d.len()).unwrap_or(0)
    }

    /// What the relay holds in memory now.
    pub fn stats(&self) -> Stats {
        Stats {
            connections: *self.connections.borrow(),
            documents: self.open_documents(),
            actor_bindings: self.actors.lock().map(|a| a.len()).unwrap_or(0),
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }
}

/// A snapshot of [`SyncRelay::stats`], logged once a minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Sync connections open.
    pub connections: usize,
    /// Documents whose actor is in memory.
    pub documents: usize,
    /// Actor → person bindings known (every actor that ever wrote).
    pub actor_bindings: usize,
}

/// One open sync connection, for [`SyncRelay::drain`].
pub(crate) struct ConnectionGuard(Arc<SyncRelay>);

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.0.connections.send_modify(|n| *n = n.saturating_sub(1));
    }
}

impl SyncRelay {
    /// Unregisters a failed actor at once, so the next command starts a fresh one.
    fn retire_now(&self, doc: DocumentId) {
        let mut docs = self.docs.lock().unwrap_or_else(|p| p.into_inner());
        docs.remove(&doc);
    }
}
