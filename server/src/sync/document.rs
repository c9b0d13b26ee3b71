//! One actor per open document: owns its Automerge copy and its peers' sync states.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use accord_shared::docs::vocab::SubmissionStatus;
use accord_shared::policy::{DocFacts, DocKind, PathStep, Role, WritePolicy};
use accord_shared::{DocumentId, Message};
use automerge::sync::{self, SyncDoc};
use automerge::{ActorId, Automerge, ChangeHash};
use tokio::sync::mpsc;

use super::inspect::inspect;
use super::{ConnHandle, ConnId, SyncRelay};
use crate::auth::User;
use crate::storage::{Governance, Membership, Provenance, StoredDocument};

/// What a connection asks of a document.
pub(crate) enum DocCommand {
    /// An Automerge sync message from a peer (`request` asks for `doc-unavailable` if we have nothing).
    Sync {
        conn: ConnHandle,
        message: sync::Message,
        request: bool,
    },
    /// Presence and other ephemera: relayed to the document's other peers.
    Ephemeral { from: ConnId, message: Message },
    /// The connection has gone.
    Leave { conn: ConnId },
    /// Who may read the document has changed (a grant revoked, a role
    /// changed): check every peer again and stop serving those who may not.
    Recheck,
    /// Answered once everything queued before it is durable and answered
    /// (graceful shutdown waits for it).
    Flush(tokio::sync::oneshot::Sender<()>),
    /// Makes the actor panic, as a bug would: for the test that the
    /// document's peers are told and a fresh actor takes over.
    #[cfg(test)]
    Panic,
}

/// Close codes (RFC 6455): policy violation, internal error.
const CLOSE_POLICY: u16 = 1008;
const CLOSE_INTERNAL: u16 = 1011;

/// How long a document with no peers stays in memory.
const IDLE: Duration = Duration::from_secs(30);
/// Commands applied before one durable write and one round of answers.
const BATCH: usize = 256;
/// Changes appended since the last snapshot before the actor compacts.
const COMPACT_AFTER: usize = 2000;

struct Peer {
    conn: ConnHandle,
    state: sync::State,
    /// We told them we do not have the document; say nothing until we do.
    unavailable: bool,
}

pub(crate) struct DocActor {
    id: DocumentId,
    /// `id` as bs58check, formatted once: every outgoing message names it,
    /// and encoding it (with its checksum) per message showed in profiles.
    id_text: String,
    relay: Arc<SyncRelay>,
    doc: Automerge,
    peers: HashMap<ConnId, Peer>,
    last_change_id: i64,
    since_snapshot: usize,
    /// The person the document belongs to (its first writer).
    owner: Option<i64>,
    /// Ownership and actor bindings to store with the batch's changes.
    pending: Provenance,
    /// Set when the document belongs to an engagement.
    governance: Option<Governance>,
    /// Engagement memberships of the people who have come to this document
    /// (none: not a member). Read when a person arrives; for the
    /// confidential parties, again before every answer, so a revoked grant
    /// ends what is relayed even when it was revoked from the CLI.
    members: HashMap<i64, Option<Membership>>,
    /// Peers admitted to a restricted document in this batch: their read is
    /// audited before anything is sent to them.
    restricted_reads: Vec<ConnId>,
    /// Peers whose changes this batch accepted: each is answered with the
    /// heads that now include them, even when Automerge would stay silent
    /// (a peer whose later message already named those heads would otherwise
    /// never hear that its changes are stored, and count them unsent).
    to_acknowledge: Vec<ConnId>,
    /// Peers whose sync messages this batch received: with the document's
    /// heads unchanged, only they can have anything to hear (see
    /// [`DocActor::answer_peers`]).
    heard: std::collections::HashSet<ConnId>,
    /// Peers sent the stored document while it loaded, with the heads they
    /// were told: once loaded, their sync state says so, so Automerge does
    /// not send it to them a second time.
    previewed: HashMap<ConnId, Vec<ChangeHash>>,
    /// The whole document at its current heads, as sent to peers that have
    /// nothing: saved once for all who open it until it changes.
    whole: Option<Preview>,
}

/// The whole document as one version 2 sync message, for a peer that has
/// nothing: the message Automerge itself would send it, built without the
/// Bloom filter of every change Automerge adds (useless to a peer that has
/// none) and, while a stored document loads, from the stored bytes without
/// first rebuilding every change of the history.
struct Preview {
    heads: Vec<ChangeHash>,
    data: Vec<u8>,
}

impl Preview {
    /// `document`: a saved document, optionally followed by changes.
    fn new(heads: Vec<ChangeHash>, document: Vec<u8>) -> Self {
        let mut flags = sync::MessageFlags::new();
        flags.set(sync::MessageFlags::SUPPORTS_SYNC_RESET);
        let message = sync::Message {
            heads: heads.clone(),
            need: Vec::new(),
            have: Vec::new(),
            changes: document.into(),
            flags: Some(flags),
            version: sync::MessageVersion::V2,
        };
        Self {
            heads,
            data: message.encode(),
        }
    }

    /// Whether `state` is a peer that has told us it has nothing and has
    /// heard nothing from us yet: what Automerge answers with the whole
    /// document (if it reads version 2 messages and applies changes).
    fn wanted_by(state: &sync::State) -> bool {
        state.their_heads.as_ref().is_some_and(Vec::is_empty)
            && !state.have_responded
            && !state.read_only
            && !state.needs_reset
            && !state.is_peer_read_only()
            && state
                .their_capabilities
                .as_ref()
                .is_some_and(|caps| caps.contains(&sync::Capability::MessageV2))
    }

    /// After sending it: the peer's sync state as Automerge leaves it when
    /// it sends a message, so it is not sent again.
    fn sent(heads: Vec<ChangeHash>, state: &mut sync::State) {
        state.have_responded = true;
        state.last_sent_heads = heads;
        state.in_flight = true;
    }

    /// `None` when the snapshot's heads were not stored (or a stored change
    /// does not parse: the load reports it): the peer waits for the load.
    fn of(stored: &StoredDocument) -> Option<Self> {
        let snapshot = stored.snapshot.as_ref()?;
        let mut heads = std::collections::BTreeSet::new();
        for hash in stored.snapshot_heads.as_ref()?.chunks(32) {
            heads.insert(ChangeHash::try_from(hash).ok()?);
        }
        let size = snapshot.len() + stored.changes.iter().map(Vec::len).sum::<usize>();
        let mut bytes = Vec::with_capacity(size);
        bytes.extend_from_slice(snapshot);
        // Stored in the order they were applied: a change's dependencies come before it.
        for raw in &stored.changes {
            let change = automerge::Change::from_bytes(raw.clone()).ok()?;
            for dep in change.deps() {
                heads.remove(dep);
            }
            heads.insert(change.hash());
            bytes.extend_from_slice(raw);
        }
        Some(Self::new(heads.into_iter().collect(), bytes))
    }
}

/// Sends one peer a sync message of the document (`doc`: its id as text).
fn send_sync(conn: &ConnHandle, server: &str, doc: &str, data: Vec<u8>) {
    conn.send(&Message::Sync {
        sender_id: server.to_owned(),
        target_id: conn.peer_id.clone(),
        document_id: doc.to_owned(),
        data,
    });
}

/// Heads as stored beside a snapshot: 32-byte hashes, one after another.
fn heads_bytes(heads: &[ChangeHash]) -> Vec<u8> {
    heads.iter().flat_map(|h| h.0).collect()
}

/// Builds the document from what is stored (slow for a long history:
/// Automerge rebuilds every change to know its hash), and the snapshot's
/// heads when they were not stored with it.
fn open(stored: StoredDocument) -> Result<(Automerge, Option<Vec<ChangeHash>>), String> {
    let mut snapshot_heads = None;
    let mut doc = match &stored.snapshot {
        Some(bytes) => {
            let doc = Automerge::load(bytes).map_err(|e| format!("snapshot is unreadable: {e}"))?;
            if stored.snapshot_heads.is_none() {
                snapshot_heads = Some(doc.get_heads());
            }
            doc
        }
        None => Automerge::new(),
    };
    for change in &stored.changes {
        doc.load_incremental(change)
            .map_err(|e| format!("a stored change is unreadable: {e}"))?;
    }
    Ok((doc, snapshot_heads))
}

/// An actor ends with peers only when it panicked (every other way out
/// leaves or clears them first): its in-memory copy and their sync states
/// are gone, and a peer that only reads would wait forever for changes the
/// next actor does not know to send it. Closing them with 1011 makes each
/// reconnect and sync afresh with the next actor, which loads exactly what
/// was stored.
impl Drop for DocActor {
    fn drop(&mut self) {
        if self.peers.is_empty() {
            return;
        }
        tracing::error!(doc = %self.id, peers = self.peers.len(), "a document actor stopped unexpectedly; closing its peers so they resync");
        for peer in self.peers.values() {
            peer.conn.close(
                CLOSE_INTERNAL,
                "the server hit an internal error on this document; reconnect to continue",
            );
        }
    }
}

impl DocActor {
    pub(crate) fn new(id: DocumentId, relay: Arc<SyncRelay>) -> Self {
        Self {
            id,
            id_text: id.to_string(),
            relay,
            doc: Automerge::new(),
            peers: HashMap::new(),
            last_change_id: 0,
            since_snapshot: 0,
            owner: None,
            pending: Provenance::default(),
            governance: None,
            members: HashMap::new(),
            restricted_reads: Vec::new(),
            to_acknowledge: Vec::new(),
            heard: std::collections::HashSet::new(),
            previewed: HashMap::new(),
            whole: None,
        }
    }

    pub(crate) async fn run(mut self, mut rx: mpsc::Receiver<DocCommand>) {
        let mut carried = match self.load(&mut rx).await {
            Ok(arrived_while_loading) => arrived_while_loading,
            Err(message) => {
                tracing::error!(doc = %self.id, %message, "document could not be loaded");
                self.refuse_all(&mut rx, &message).await;
                return;
            }
        };
        loop {
            if !carried.is_empty() {
                let batch = std::mem::take(&mut carried);
                if !self.process(batch).await {
                    break;
                }
                self.previewed.clear();
                continue;
            }
            let first = if self.peers.is_empty() {
                match tokio::time::timeout(IDLE, rx.recv()).await {
                    Ok(Some(cmd)) => cmd,
                    Ok(None) => break,
                    Err(_idle) => {
                        if self.relay.retire(self.id, &mut rx) {
                            break;
                        }
                        continue;
                    }
                }
            } else {
                match rx.recv().await {
                    Some(cmd) => cmd,
                    None => break,
                }
            };
            let mut batch = vec![first];
            while batch.len() < BATCH {
                match rx.try_recv() {
                    Ok(cmd) => batch.push(cmd),
                    Err(_) => break,
                }
            }
            if !self.process(batch).await {
                break;
            }
        }
        // Commands that raced with retirement go to the next actor.
        rx.close();
        while let Some(cmd) = rx.recv().await {
            self.relay.route(self.id, cmd).await;
        }
    }

    /// Handles one batch and answers its flushes; `false` when storage
    /// failed and the actor must stop.
    async fn process(&mut self, batch: Vec<DocCommand>) -> bool {
        let (flushes, batch): (Vec<_>, Vec<_>) = batch
            .into_iter()
            .partition(|c| matches!(c, DocCommand::Flush(_)));
        let handled = if batch.is_empty() {
            Ok(())
        } else {
            self.handle(batch).await
        };
        for flush in flushes {
            if let DocCommand::Flush(done) = flush {
                let _ = done.send(());
            }
        }
        let Err(reason) = handled else {
            return true;
        };
        // The in-memory copy may now hold changes that are not on disk:
        // drop it, so the next actor reloads exactly what was stored.
        tracing::error!(doc = %self.id, %reason, "storage failed; disconnecting the document's peers");
        for peer in self.peers.values() {
            peer.conn.close(
                CLOSE_INTERNAL,
                format!("the server could not store changes ({reason}); reconnect shortly"),
            );
        }
        self.peers.clear();
        self.relay.retire_now(self.id);
        false
    }

    /// Loads the document off the async workers. While a long history
    /// loads, a peer that has nothing and may read it is sent the stored
    /// bytes at once (see [`Preview`]); the commands that arrived meanwhile
    /// are returned, to be handled first and in order.
    async fn load(
        &mut self,
        rx: &mut mpsc::Receiver<DocCommand>,
    ) -> Result<Vec<DocCommand>, String> {
        let stored = self
            .relay
            .store()
            .load(self.id)
            .await
            .map_err(|e| e.to_string())?;
        self.since_snapshot = stored.changes.len();
        self.last_change_id = stored.last_change_id;
        self.owner = stored.owner;
        self.governance = stored.governance;
        let (stored, preview) = if stored.snapshot_heads.is_some() {
            tokio::task::spawn_blocking(move || {
                let preview = Preview::of(&stored);
                (stored, preview)
            })
            .await
            .map_err(|e| format!("loading stopped: {e}"))?
        } else {
            (stored, None)
        };
        let mut loading = tokio::task::spawn_blocking(move || open(stored));
        let mut arrived = Vec::new();
        let mut listening = preview.is_some();
        let (doc, snapshot_heads) = loop {
            tokio::select! {
                // Whoever is waiting is answered before the load is taken.
                biased;
                cmd = rx.recv(), if listening => match cmd {
                    Some(cmd) => {
                        if let Some(preview) = &preview {
                            self.send_preview(&cmd, preview).await;
                        }
                        arrived.push(cmd);
                    }
                    None => listening = false,
                },
                loaded = &mut loading => {
                    break loaded.map_err(|e| format!("loading stopped: {e}"))??;
                }
            }
        };
        match preview {
            // The stored bytes serve later newcomers too, without a save.
            Some(preview) if doc.get_heads() == preview.heads => self.whole = Some(preview),
            Some(_) => {
                tracing::warn!(doc = %self.id, "the stored heads differ from the loaded document's")
            }
            None => {}
        }
        self.doc = doc;
        if let Some(heads) = snapshot_heads {
            // Stored before Accord kept a snapshot's heads: store them, so the
            // next load can answer before it finishes.
            if let Err(e) = self
                .relay
                .store()
                .set_snapshot_heads(self.id, heads_bytes(&heads))
                .await
            {
                tracing::warn!(doc = %self.id, error = %e, "could not store the snapshot's heads");
            }
        }
        Ok(arrived)
    }

    /// While the document loads: sends the stored document to a newcomer
    /// who has nothing, supports version 2 messages and may read it.
    /// Restricted documents and submissions wait for the load (each read of
    /// the one is audited first; who reads the other depends on its text).
    async fn send_preview(&mut self, cmd: &DocCommand, preview: &Preview) {
        let DocCommand::Sync { conn, message, .. } = cmd else {
            return;
        };
        let wants_it = message.heads.is_empty()
            && message
                .flags
                .is_some_and(|f| !f.contains(sync::MessageFlags::READ_ONLY));
        if !wants_it || self.previewed.contains_key(&conn.id) {
            return;
        }
        self.learn_members(std::slice::from_ref(cmd)).await;
        // `may_read` without its "nobody's yet, so the creator's" case,
        // which the empty copy in memory would wrongly grant.
        let settled = match self.governance {
            Some(g) => !matches!(g.kind, DocKind::Parties | DocKind::Submission),
            None => self.owner.is_some(),
        };
        if !settled || !self.may_read(&conn.user) {
            return;
        }
        send_sync(
            conn,
            &self.relay.server_peer_id,
            &self.id_text,
            preview.data.clone(),
        );
        self.previewed.insert(conn.id, preview.heads.clone());
    }

    async fn refuse_all(&mut self, rx: &mut mpsc::Receiver<DocCommand>, message: &str) {
        self.relay.retire_now(self.id);
        rx.close();
        while let Some(cmd) = rx.recv().await {
            if let DocCommand::Sync { conn, .. } = cmd {
                conn.close(
                    CLOSE_INTERNAL,
                    format!("document {} cannot be opened: {message}", self.id),
                );
            }
        }
    }

    /// Applies a batch, makes new changes durable, then answers every peer.
    async fn handle(&mut self, batch: Vec<DocCommand>) -> Result<(), String> {
        self.learn_members(&batch).await;
        let heads_before = self.doc.get_heads();
        for cmd in batch {
            match cmd {
                DocCommand::Sync {
                    conn,
                    message,
                    request,
                } => self.receive(conn, message, request),
                DocCommand::Ephemeral { from, message } => self.relay_ephemeral(from, message),
                DocCommand::Leave { conn } => {
                    self.peers.remove(&conn);
                }
                DocCommand::Recheck | DocCommand::Flush(_) => {}
                #[cfg(test)]
                DocCommand::Panic => panic!("a document actor panics (provoked by a test)"),
            }
        }
        let heads_after = self.doc.get_heads();
        if heads_after != heads_before {
            self.persist_since(&heads_before).await?;
        }
        if self.says_submitted() {
            self.note_submitted().await;
        }
        self.audit_restricted_reads().await;
        self.answer_peers(heads_after != heads_before);
        if self.since_snapshot >= COMPACT_AFTER {
            self.compact().await;
        }
        Ok(())
    }

    /// Admins, the owner, or anyone while the document does not exist yet
    /// (creating a document through the protocol makes it yours).
    fn may_read(&self, user: &User) -> bool {
        match self.governance {
            Some(g) => self
                .role_of(user)
                .is_some_and(|role| WritePolicy::may_read(role, g.kind, self.facts(user))),
            None => {
                user.role == Role::Admin
                    || self.owner == Some(user.id)
                    || (self.owner.is_none() && self.doc.get_heads().is_empty())
            }
        }
    }

    /// A person's role for this document: admins are admins everywhere; the
    /// taxonomy belongs to no engagement, so everyone comes with their
    /// account's role; for other documents, their role in the engagement
    /// (none if they are not a member).
    fn role_of(&self, user: &User) -> Option<Role> {
        if user.role == Role::Admin {
            return Some(Role::Admin);
        }
        self.governance
            .and_then(|g| role_without_membership(user, g.kind))
            .or_else(|| self.membership(user).map(|m| m.role))
    }

    fn membership(&self, user: &User) -> Option<Membership> {
        self.members.get(&user.id).copied().flatten()
    }

    fn facts(&self, user: &User) -> DocFacts {
        let g = self.governance;
        DocFacts {
            shared_with_government: g.is_some_and(|g| g.shared_with_government),
            own: self.owner == Some(user.id),
            submitted: g.is_some_and(|g| g.submitted) || self.says_submitted(),
            withdrawn: g.is_some_and(|g| g.withdrawn),
            parties_granted: self.membership(user).is_some_and(|m| m.parties_granted),
        }
    }

    /// Documents whose every read is audited and whose readers are checked
    /// again before each answer: the identities of confidential parties.
    fn restricted(&self) -> bool {
        self.governance.is_some_and(|g| g.kind == DocKind::Parties)
    }

    /// A consultation submission whose author has pressed Submit (its
    /// `status` is `submitted`): from then on nobody may change it.
    fn says_submitted(&self) -> bool {
        self.governance
            .is_some_and(|g| g.kind == DocKind::Submission)
            && matches!(
                automerge::ReadDoc::get(&self.doc, automerge::ROOT, "status"),
                Ok(Some((automerge::Value::Scalar(s), _)))
                    if s.as_str() == Some(SubmissionStatus::Submitted.as_str())
            )
    }

    /// Records that the submission has been submitted, once: the flag the
    /// inbox and the API read. The relay itself goes by the document.
    async fn note_submitted(&mut self) {
        let Some(g) = self.governance.as_mut() else {
            return;
        };
        if g.submitted || g.kind != DocKind::Submission {
            return;
        }
        match self.relay.store().mark_submitted(self.id).await {
            Ok(()) => {
                if let Some(g) = self.governance.as_mut() {
                    g.submitted = true;
                }
                tracing::info!(doc = %self.id, "consultation submission submitted");
            }
            Err(e) => {
                tracing::error!(doc = %self.id, error = %e, "could not record a submission as submitted")
            }
        }
    }

    /// Whether this person may write every section the message touches.
    fn may_write(
        &self,
        user: &User,
        sections: &std::collections::BTreeSet<String>,
    ) -> Result<(), String> {
        let Some(g) = self.governance else {
            // Not yet in an engagement: whoever may read it (owner, admin) writes it.
            return Ok(());
        };
        let Some(role) = self.role_of(user) else {
            return Err("you are not a member of this document's engagement".into());
        };
        for section in sections {
            WritePolicy::may_write(role, g.kind, &[PathStep::Key(section)], self.facts(user))
                .map_err(|refusal| refusal.to_string())?;
        }
        Ok(())
    }

    /// For connections new to this document: re-reads how the document is
    /// governed and the newcomers' engagement memberships, so an attachment
    /// or a membership change made since the document was opened applies to
    /// them. On a [`DocCommand::Recheck`], and before every answer of a
    /// restricted document, every peer's membership is read again and
    /// those who may no longer read the document are told it is
    /// unavailable and served nothing more.
    async fn learn_members(&mut self, batch: &[DocCommand]) {
        let recheck_asked = batch.iter().any(|cmd| matches!(cmd, DocCommand::Recheck));
        let newcomers: Vec<&ConnHandle> = batch
            .iter()
            .filter_map(|cmd| match cmd {
                DocCommand::Sync { conn, .. } if !self.peers.contains_key(&conn.id) => Some(conn),
                _ => None,
            })
            .collect();
        let recheck = recheck_asked || (self.restricted() && !self.peers.is_empty());
        if newcomers.is_empty() && !recheck {
            return;
        }
        match self.relay.store().governance(self.id).await {
            Ok(governance) => self.governance = governance,
            Err(e) => tracing::error!(error = %e, "could not read the document's governance"),
        }
        let Some(g) = self.governance else { return };
        if g.kind == DocKind::Taxonomy {
            return;
        }
        let mut users: Vec<i64> = newcomers
            .iter()
            .filter(|conn| conn.user.role != Role::Admin)
            .map(|conn| conn.user.id)
            .collect();
        if recheck || self.restricted() {
            users.extend(
                self.peers
                    .values()
                    .filter(|p| p.conn.user.role != Role::Admin)
                    .map(|p| p.conn.user.id),
            );
        }
        users.sort_unstable();
        users.dedup();
        for user in users {
            let membership = match self.relay.store().membership(g.engagement, user).await {
                Ok(membership) => membership,
                Err(e) => {
                    // Unknown is no access: better a reader waits than a revoked one reads.
                    tracing::error!(error = %e, "could not read the engagement's membership");
                    None
                }
            };
            self.members.insert(user, membership);
        }
        self.drop_unreadable_peers();
    }

    /// Peers who may no longer read the document: told it is unavailable,
    /// and nothing more of it is sent to them.
    fn drop_unreadable_peers(&mut self) {
        let gone: Vec<ConnId> = self
            .peers
            .iter()
            .filter(|(_, p)| !self.may_read(&p.conn.user))
            .map(|(id, _)| *id)
            .collect();
        for id in gone {
            if let Some(peer) = self.peers.remove(&id) {
                tracing::info!(doc = %self.id, user = %peer.conn.user.email, "access ended; no longer serving this document to them");
                self.unavailable(&peer.conn);
            }
        }
    }

    /// Records in the audit log who has just been admitted to a restricted
    /// document, before anything of it is sent; a peer whose read cannot be
    /// recorded is not served.
    async fn audit_restricted_reads(&mut self) {
        let admitted = std::mem::take(&mut self.restricted_reads);
        let Some(g) = self.governance.filter(|_| self.restricted()) else {
            return;
        };
        for id in admitted {
            let Some(peer) = self.peers.get(&id) else {
                continue;
            };
            let user = peer.conn.user.clone();
            let how = match self.role_of(&user) {
                Some(Role::HqReviewer) => "hq_reviewer, by grant".to_owned(),
                Some(role) => role.as_str().to_owned(),
                None => "no role".to_owned(),
            };
            let detail = format!(
                "confidential parties {} of engagement {} served ({how})",
                self.id, g.engagement
            );
            if let Err(e) =
                crate::audit::record(self.relay.store(), "parties_read", &user.email, &detail).await
            {
                tracing::error!(error = %e, "could not audit a read of confidential parties; not serving it");
                if let Some(peer) = self.peers.remove(&id) {
                    peer.conn.close(
                        CLOSE_INTERNAL,
                        format!(
                            "document {}: the server could not record this read in its audit log; try again shortly",
                            self.id
                        ),
                    );
                }
            }
        }
    }

    fn unavailable(&self, conn: &ConnHandle) {
        conn.send(&Message::DocUnavailable {
            sender_id: self.relay.server_peer_id.clone(),
            target_id: conn.peer_id.clone(),
            document_id: self.id_text.clone(),
        });
    }

    /// Ends a connection whose change breaks the rules: nothing of it is applied.
    fn refuse(&mut self, conn: &ConnHandle, reason: String) {
        tracing::warn!(doc = %self.id, user = %conn.user.email, %reason, "refused a change");
        let (store, actor, detail) = (
            self.relay.store().clone(),
            conn.user.email.clone(),
            format!("document {}: {reason}", self.id),
        );
        tokio::spawn(async move {
            if let Err(e) = crate::audit::record(&store, "refused_change", &actor, &detail).await {
                tracing::error!(error = %e, "could not write the audit log");
            }
        });
        conn.close(CLOSE_POLICY, format!("document {}: {reason}", self.id));
        self.peers.remove(&conn.id);
    }

    /// Binds the message's new actors to its sender, unless one is someone else's.
    fn bind_actors(&mut self, conn: &ConnHandle, actors: &[Vec<u8>]) -> Result<(), String> {
        if actors.is_empty() {
            return Ok(());
        }
        match self.relay.bind_actors(actors, conn.user.id) {
            Ok(new) => {
                let user = conn.user.id;
                self.pending
                    .new_actors
                    .extend(new.into_iter().map(|a| (a, user)));
                Ok(())
            }
            Err(foreign) => Err(format!(
                "a change is signed by actor {}, which belongs to another person; \
                 a connection may only send its own changes",
                ActorId::from(foreign.as_slice())
            )),
        }
    }

    fn receive(&mut self, conn: ConnHandle, message: sync::Message, request: bool) {
        tracing::debug!(doc = %self.id, user = %conn.user.email, changes = message.changes.len(),
            heads = ?message.heads, "sync message in");
        if !self.may_read(&conn.user) {
            // Exactly what an unknown document gets: no hint that it exists.
            self.unavailable(&conn);
            self.peers.remove(&conn.id);
            return;
        }
        if self.relay.check_writes {
            let incoming = match inspect(&self.doc, &message) {
                Ok(incoming) => incoming,
                Err(reason) => return self.refuse(&conn, reason),
            };
            // All of a message or none of it: one forbidden path refuses the rest too.
            if let Err(reason) = self.may_write(&conn.user, &incoming.sections) {
                return self.refuse(&conn, reason);
            }
            if let Err(reason) = self.bind_actors(&conn, &incoming.actors) {
                return self.refuse(&conn, reason);
            }
        }
        let creating = self.owner.is_none() && self.doc.get_heads().is_empty();
        if creating && !message.changes.is_empty() && self.governance.is_none() {
            let role = conn.user.role;
            if !WritePolicy::may_create_documents(role) {
                return self.refuse(
                    &conn,
                    format!(
                        "a {role} writes only the consultation submissions started for them; \
                         this connection may not create documents"
                    ),
                );
            }
        }
        if !message.changes.is_empty() && creating {
            self.owner = Some(conn.user.id);
            self.pending.owner = Some(conn.user.id);
        }
        let id = conn.id;
        if self.restricted() && !self.peers.contains_key(&id) {
            self.restricted_reads.push(id);
        }
        let heads_before = self.doc.get_heads();
        self.heard.insert(id);
        let peer = self.peers.entry(id).or_insert_with(|| Peer {
            conn,
            state: sync::State::new(),
            unavailable: false,
        });
        if let Err(e) = self.doc.receive_sync_message(&mut peer.state, message) {
            peer.conn.close(
                CLOSE_POLICY,
                format!(
                    "document {}: the sync message could not be applied: {e}",
                    self.id
                ),
            );
            self.peers.remove(&id);
            return;
        }
        if let Some(sent) = self.previewed.remove(&id) {
            // It was sent the stored document while it loaded.
            Preview::sent(sent, &mut peer.state);
        }
        if self.doc.get_heads() != heads_before {
            self.to_acknowledge.push(id);
        }
        if request && self.doc.get_heads().is_empty() {
            peer.unavailable = true;
            let conn = peer.conn.clone();
            self.unavailable(&conn);
        }
    }

    async fn persist_since(&mut self, heads_before: &[ChangeHash]) -> Result<(), String> {
        let changes: Vec<Vec<u8>> = self
            .doc
            .get_changes(heads_before)
            .iter()
            .map(|c| c.raw_bytes().to_vec())
            .collect();
        let count = changes.len();
        let provenance = std::mem::take(&mut self.pending);
        let last = self
            .relay
            .store()
            .append_with(self.id, changes, provenance)
            .await
            .map_err(|e| e.to_string())?;
        self.last_change_id = last;
        self.since_snapshot += count;
        Ok(())
    }

    /// Answers the peers that may have something to hear. When the batch
    /// left the document's heads as they were, a peer it heard nothing from
    /// is skipped: its sync state and the document are as they were when
    /// Automerge last generated a message for it, after which Automerge
    /// returns nothing (it has answered, or the answer is in flight), but
    /// only once it has built a Bloom filter and looked for changes to send
    /// — the work each acknowledgement used to cause for every other peer.
    fn answer_peers(&mut self, heads_changed: bool) {
        let heard = std::mem::take(&mut self.heard);
        // Someone else may have created the document a peer was waiting for.
        let unreadable: Vec<ConnId> = self
            .peers
            .iter()
            .filter(|(_, p)| !self.may_read(&p.conn.user))
            .map(|(id, _)| *id)
            .collect();
        for id in unreadable {
            self.peers.remove(&id);
        }
        let heads = self.doc.get_heads();
        let has_content = !heads.is_empty();
        if self.whole.as_ref().is_some_and(|w| w.heads != heads) {
            self.whole = None;
        }
        for id in std::mem::take(&mut self.to_acknowledge) {
            if let Some(peer) = self.peers.get_mut(&id) {
                peer.state.last_sent_heads.clear();
                peer.state.in_flight = false;
            }
        }
        for (id, peer) in self.peers.iter_mut() {
            if !heads_changed && !heard.contains(id) {
                continue;
            }
            if peer.unavailable {
                if !has_content {
                    continue;
                }
                peer.unavailable = false;
            }
            if has_content && Preview::wanted_by(&peer.state) {
                let doc = &self.doc;
                let whole = self
                    .whole
                    .get_or_insert_with(|| Preview::new(heads.clone(), doc.save()));
                send_sync(
                    &peer.conn,
                    &self.relay.server_peer_id,
                    &self.id_text,
                    whole.data.clone(),
                );
                Preview::sent(heads.clone(), &mut peer.state);
                continue;
            }
            let state = &peer.state;
            if state.have_responded && state.in_flight && state.last_sent_heads == heads {
                // Automerge would return nothing (our last message is still
                // unanswered and we have nothing new), after building one.
                continue;
            }
            if let Some(message) = self.doc.generate_sync_message(&mut peer.state) {
                tracing::debug!(doc = %self.id, user = %peer.conn.user.email,
                    changes = message.changes.len(), heads = ?message.heads, "sync message out");
                send_sync(
                    &peer.conn,
                    &self.relay.server_peer_id,
                    &self.id_text,
                    message.encode(),
                );
            }
        }
    }

    fn relay_ephemeral(&self, from: ConnId, message: Message) {
        // Only peers of the document (who may read it) are heard or told.
        if !self.peers.contains_key(&from) {
            return;
        }
        // Presence names the person; in a submission the author's name must
        // reach nobody the source is masked for, so none is relayed.
        if self
            .governance
            .is_some_and(|g| g.kind == DocKind::Submission)
        {
            return;
        }
        let Message::Ephemeral {
            sender_id,
            count,
            session_id,
            data,
            ..
        } = message
        else {
            return;
        };
        for (id, peer) in &self.peers {
            if *id != from {
                peer.conn.send(&Message::Ephemeral {
                    sender_id: sender_id.clone(),
                    target_id: peer.conn.peer_id.clone(),
                    count,
                    session_id: session_id.clone(),
                    document_id: self.id_text.clone(),
                    data: data.clone(),
                });
            }
        }
    }

    /// Folds the stored changes into one snapshot; a failure only delays it.
    async fn compact(&mut self) {
        let snapshot = tokio::task::block_in_place(|| self.doc.save());
        let heads = heads_bytes(&self.doc.get_heads());
        match self
            .relay
            .store()
            .compact(self.id, snapshot, heads, self.last_change_id)
            .await
        {
            Ok(()) => self.since_snapshot = 0,
            Err(e) => {
                tracing::warn!(doc = %self.id, error = %e, "compaction failed; will retry later")
            }
        }
    }
}

/// The role a person acts in on a governed document of this kind when it
/// does not depend on the engagement's membership: admins are admins
/// everywhere; the taxonomy belongs to no engagement, so everyone acts on it
/// in their account's role. `None`: ask the membership.
pub(crate) fn role_without_membership(user: &User, kind: DocKind) -> Option<Role> {
    if user.role == Role::Admin {
        return Some(Role::Admin);
    }
    (kind == DocKind::Taxonomy).then_some(user.role)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ReadDoc, ROOT};
    use tokio::sync::{mpsc, Notify};

    use super::*;
    use crate::storage::Store;
    use crate::sync::Outgoing;

    fn connection(relay: &SyncRelay, name: &str) -> (ConnHandle, mpsc::Receiver<Outgoing>) {
        connection_as(relay, name, 1, Role::Admin)
    }

    fn connection_as(
        relay: &SyncRelay,
        name: &str,
        id: i64,
        role: Role,
    ) -> (ConnHandle, mpsc::Receiver<Outgoing>) {
        let (tx, rx) = mpsc::channel(64);
        let user = User {
            id,
            email: format!("{name}@example.org"),
            name: name.into(),
            role,
            disabled: false,
        };
        let conn = ConnHandle {
            id: relay.next_conn_id(),
            peer_id: name.into(),
            user: Arc::new(user),
            tx,
            overflow: Arc::new(Notify::new()),
        };
        (conn, rx)
    }

    async fn next(rx: &mut mpsc::Receiver<Outgoing>) -> Outgoing {
        tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("an answer within 10 s")
            .expect("the connection's queue is open")
    }

    /// The sync message inside a frame the actor sent.
    fn sync_message(out: Outgoing) -> sync::Message {
        let Outgoing::Frame(frame) = out else {
            panic!("expected a frame, got {out:?}");
        };
        match Message::decode(&frame).unwrap() {
            Message::Sync { data, .. } => sync::Message::decode(&data).unwrap(),
            other => panic!("expected a sync message, got {}", other.kind()),
        }
    }

    /// Syncs `doc` through `conn` until neither side has more to say.
    async fn sync_through(
        relay: &Arc<SyncRelay>,
        id: DocumentId,
        (conn, rx): &mut (ConnHandle, mpsc::Receiver<Outgoing>),
        doc: &mut AutoCommit,
        state: &mut sync::State,
    ) {
        for round in 0..8 {
            let Some(message) = doc.sync().generate_sync_message(state) else {
                return;
            };
            let request = round == 0 && doc.get_heads().is_empty();
            let conn = conn.clone();
            relay
                .route(
                    id,
                    DocCommand::Sync {
                        conn,
                        message,
                        request,
                    },
                )
                .await;
            // The server stays silent when it has nothing to add.
            match tokio::time::timeout(Duration::from_secs(2), rx.recv()).await {
                Ok(Some(answer)) => {
                    let answer = sync_message(answer);
                    doc.sync().receive_sync_message(state, answer).unwrap();
                }
                Ok(None) => panic!("the connection's queue closed"),
                Err(_quiet) => return,
            }
        }
        panic!("sync did not settle in 8 rounds");
    }

    /// A writer connects, sets the title and syncs it; its connection.
    async fn write_title(
        relay: &Arc<SyncRelay>,
        id: DocumentId,
        doc: &mut AutoCommit,
        title: &str,
    ) -> (ConnHandle, mpsc::Receiver<Outgoing>) {
        let mut writer = connection(relay, "writer");
        doc.put(ROOT, "title", title).unwrap();
        doc.commit();
        sync_through(relay, id, &mut writer, doc, &mut sync::State::new()).await;
        writer
    }

    /// A document nobody has open leaves memory once it has been idle (a
    /// working day opens thousands; `make soak` a hundred a minute), and
    /// the next peer gets what was stored from a fresh actor.
    #[tokio::test]
    async fn a_document_without_peers_leaves_memory_and_opens_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let relay = Arc::new(SyncRelay::load(store, true).await.unwrap());
        let id = DocumentId::random();
        let mut written = AutoCommit::new();
        let (writer, _rx) = write_title(&relay, id, &mut written, "Kept on disk").await;
        assert_eq!(relay.open_documents(), 1);

        relay.route(id, DocCommand::Leave { conn: writer.id }).await;
        // Paused, the clock jumps ahead whenever nothing else can run.
        tokio::time::pause();
        tokio::time::sleep(IDLE * 2).await;
        tokio::time::resume();
        assert_eq!(
            relay.open_documents(),
            0,
            "the idle actor is still in memory"
        );

        let mut reader = connection(&relay, "reader");
        let mut read = AutoCommit::new();
        sync_through(&relay, id, &mut reader, &mut read, &mut sync::State::new()).await;
        assert_eq!(title(&read).as_deref(), Some("Kept on disk"));
        assert_eq!(relay.open_documents(), 1);
    }

    /// A writer's document with a long history: a snapshot (compacted
    /// after `COMPACT_AFTER` changes) and a few changes stored after it.
    async fn long_history(relay: &Arc<SyncRelay>, id: DocumentId) -> AutoCommit {
        let mut doc = AutoCommit::new();
        for i in 0..COMPACT_AFTER + 100 {
            doc.put(ROOT, "count", i as i64).unwrap();
            doc.commit();
        }
        let mut writer = connection(relay, "writer");
        let mut state = sync::State::new();
        sync_through(relay, id, &mut writer, &mut doc, &mut state).await;
        for title in ["after the snapshot", "and once more"] {
            doc.put(ROOT, "title", title).unwrap();
            doc.commit();
            sync_through(relay, id, &mut writer, &mut doc, &mut state).await;
        }
        relay
            .route(id, DocCommand::Leave { conn: writer.0.id })
            .await;
        doc
    }

    /// Syncs a new peer that has nothing; every sync message it was sent.
    async fn open_fresh(
        relay: &Arc<SyncRelay>,
        id: DocumentId,
        peer: &mut (ConnHandle, mpsc::Receiver<Outgoing>),
    ) -> (AutoCommit, Vec<sync::Message>) {
        let mut doc = AutoCommit::new();
        let mut state = sync::State::new();
        let send = |message, request| {
            let conn = peer.0.clone();
            relay.route(
                id,
                DocCommand::Sync {
                    conn,
                    message,
                    request,
                },
            )
        };
        let first = doc.sync().generate_sync_message(&mut state).unwrap();
        send(first, true).await;
        let mut received = Vec::new();
        while let Ok(Some(out)) = tokio::time::timeout(Duration::from_secs(2), peer.1.recv()).await
        {
            let message = sync_message(out);
            received.push(message.clone());
            if received.len() == 1 {
                // Reply only once the server has loaded the document and
                // handled the first message (a browser is that slow).
                let (done, loaded) = tokio::sync::oneshot::channel();
                relay.route(id, DocCommand::Flush(done)).await;
                loaded.await.unwrap();
            }
            doc.sync()
                .receive_sync_message(&mut state, message)
                .unwrap();
            if let Some(reply) = doc.sync().generate_sync_message(&mut state) {
                send(reply, false).await;
            }
        }
        (doc, received)
    }

    /// Opening a document with a long history that is only on disk: a peer
    /// with nothing is sent the stored bytes before the server has rebuilt
    /// the history, once, and ends with the whole document; a snapshot
    /// stored without its heads (an older Accord) is opened the slow way and
    /// gets them. Someone who may not read the document is sent nothing.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_peer_with_nothing_gets_the_stored_document_before_it_is_loaded() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let id = DocumentId::random();
        let mut written = {
            let relay = Arc::new(SyncRelay::load(store.clone(), true).await.unwrap());
            long_history(&relay, id).await
        };
        let stored = store.load(id).await.unwrap();
        let snapshot = stored.snapshot.expect("compacted into a snapshot");
        assert_eq!(stored.changes.len(), 2, "two changes after the snapshot");
        store
            .write(|c| c.execute("UPDATE snapshots SET heads = NULL", []))
            .await
            .unwrap();

        // As stored by an older Accord: Automerge's own answer, and the heads are kept.
        let relay = Arc::new(SyncRelay::load(store.clone(), true).await.unwrap());
        let mut reader = connection(&relay, "reader");
        let (mut read, received) = open_fresh(&relay, id, &mut reader).await;
        assert_eq!(read.get_heads(), written.get_heads());
        assert!(!received[0]
            .changes
            .iter()
            .collect::<Vec<_>>()
            .concat()
            .starts_with(&snapshot));
        let backfilled = store.load(id).await.unwrap().snapshot_heads;
        assert!(backfilled.is_some(), "the snapshot's heads were not stored");

        // Only on disk again (a restart): the stored bytes, once.
        let relay = Arc::new(SyncRelay::load(store.clone(), true).await.unwrap());
        let mut reader = connection(&relay, "reader");
        let (mut read, received) = open_fresh(&relay, id, &mut reader).await;
        assert_eq!(read.get_heads(), written.get_heads());
        assert_eq!(title(&read).as_deref(), Some("and once more"));
        let first = received[0].changes.iter().collect::<Vec<_>>().concat();
        assert!(first.starts_with(&snapshot), "not the stored snapshot");
        assert_eq!(received[0].heads, written.get_heads());
        let with_changes = received.iter().filter(|m| !m.changes.is_empty()).count();
        assert_eq!(with_changes, 1, "the document was sent more than once");

        // Now in memory: two more peers get the document saved once, once
        // each, without the Bloom filter of every change Automerge would add.
        let mut sent = Vec::new();
        for name in ["second", "third"] {
            let mut reader = connection(&relay, name);
            let (mut read, received) = open_fresh(&relay, id, &mut reader).await;
            assert_eq!(read.get_heads(), written.get_heads());
            assert!(received[0].have.is_empty(), "Automerge's own answer");
            let with_changes = received.iter().filter(|m| !m.changes.is_empty()).count();
            assert_eq!(with_changes, 1, "the document was sent more than once");
            sent.push(received[0].changes.iter().collect::<Vec<_>>().concat());
        }
        assert_eq!(sent[0], sent[1]);

        // Neither the owner nor an admin: nothing of it, only "unavailable".
        let relay = Arc::new(SyncRelay::load(store.clone(), true).await.unwrap());
        let mut stranger = connection_as(&relay, "stranger", 2, Role::FieldOfficer);
        let mut doc = AutoCommit::new();
        let first = doc
            .sync()
            .generate_sync_message(&mut sync::State::new())
            .unwrap();
        let conn = stranger.0.clone();
        relay
            .route(
                id,
                DocCommand::Sync {
                    conn,
                    message: first,
                    request: true,
                },
            )
            .await;
        let Outgoing::Frame(frame) = next(&mut stranger.1).await else {
            panic!("expected a frame");
        };
        let answer = Message::decode(&frame).unwrap();
        assert_eq!(answer.kind(), "doc-unavailable");
    }

    fn title(doc: &AutoCommit) -> Option<String> {
        doc.get(ROOT, "title")
            .unwrap()
            .map(|(v, _)| v.into_string().unwrap_or_default())
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_panicking_actor_closes_its_peers_so_they_resync_with_a_fresh_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let relay = Arc::new(SyncRelay::load(store, true).await.unwrap());
        let id = DocumentId::random();

        // A writer creates the document; a reader follows it.
        let mut written = AutoCommit::new();
        let mut writer = write_title(&relay, id, &mut written, "Before the panic").await;
        let mut reader = connection(&relay, "reader");
        let mut read = AutoCommit::new();
        sync_through(&relay, id, &mut reader, &mut read, &mut sync::State::new()).await;
        assert_eq!(title(&read).as_deref(), Some("Before the panic"));

        relay.route(id, DocCommand::Panic).await;

        // Both are told to reconnect, rather than left following a dead actor.
        for (_, rx) in [&mut writer, &mut reader] {
            loop {
                match next(rx).await {
                    Outgoing::Close { code, reason } => {
                        assert_eq!(code, CLOSE_INTERNAL);
                        assert!(reason.contains("reconnect"), "{reason}");
                        break;
                    }
                    Outgoing::Frame(_) => {}
                }
            }
        }

        // Reconnected (fresh sync states, as the app does), the reader
        // receives what the writer writes next from the fresh actor.
        let mut reader = connection(&relay, "reader");
        let mut reader_state = sync::State::new();
        sync_through(&relay, id, &mut reader, &mut read, &mut reader_state).await;
        write_title(&relay, id, &mut written, "After the panic").await;
        while title(&read).as_deref() != Some("After the panic") {
            let pushed = sync_message(next(&mut reader.1).await);
            read.sync()
                .receive_sync_message(&mut reader_state, pushed)
                .unwrap();
        }
    }
}
