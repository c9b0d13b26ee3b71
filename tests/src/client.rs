//! A protocol-level peer: what any automerge-repo client does, in Rust.

use std::collections::HashMap;
use std::time::Duration;

use accord_shared::protocol::PeerMetadata;
use accord_shared::{DocumentId, Message};
use anyhow::{anyhow, bail, Context, Result};
use automerge::sync::{self, SyncDoc};
use automerge::{AutoCommit, ReadDoc};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// One document as a peer holds it.
pub struct PeerDoc {
    pub doc: AutoCommit,
    pub state: sync::State,
}

/// A connected peer that has completed the `join` / `peer` handshake.
pub struct Peer {
    ws: Ws,
    pub peer_id: String,
    pub server_id: String,
    pub docs: HashMap<DocumentId, PeerDoc>,
    /// `error` messages the server sent.
    pub errors: Vec<String>,
    pub unavailable: Vec<DocumentId>,
    pub ephemeral: Vec<(DocumentId, String, Vec<u8>)>,
    /// Every message received: its type and document id, as it came off the wire.
    pub received: Vec<(String, Option<String>)>,
}

/// A WebSocket without the protocol handshake, for sending arbitrary frames;
/// `token` goes in `Authorization: Bearer` when given.
pub async fn raw_socket(url: &str, token: Option<&str>) -> Result<Ws> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = url.into_client_request()?;
    if let Some(token) = token {
        request
            .headers_mut()
            .insert("Authorization", format!("Bearer {token}").parse()?);
    }
    let (ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .context("connecting")?;
    Ok(ws)
}

pub fn join_frame(peer_id: &str) -> Vec<u8> {
    Message::Join {
        sender_id: peer_id.into(),
        supported_protocol_versions: vec!["1".into()],
        peer_metadata: Some(PeerMetadata::default()),
    }
    .encode()
}

impl Peer {
    /// Connects with an API token and completes the handshake.
    pub async fn connect(url: &str, token: &str) -> Result<Self> {
        Self::connect_with(url, Some(token)).await
    }

    /// Connects with whatever credential the URL (a ticket) or token carries.
    pub async fn connect_with(url: &str, token: Option<&str>) -> Result<Self> {
        let mut ws = raw_socket(url, token).await?;
        let peer_id = format!("test-{}", uuid_like());
        ws.send(WsMessage::Binary(join_frame(&peer_id).into()))
            .await?;
        let reply = next_message(&mut ws, crate::PATIENCE)
            .await?
            .ok_or_else(|| anyhow!("closed before `peer`"))?;
        let Message::Peer { sender_id, .. } = reply else {
            bail!("expected `peer`, got {reply:?}");
        };
        Ok(Self {
            ws,
            peer_id,
            server_id: sender_id,
            docs: HashMap::new(),
            errors: Vec::new(),
            unavailable: Vec::new(),
            ephemeral: Vec::new(),
            received: Vec::new(),
        })
    }

    /// Creates a new document locally with `edit` applied.
    pub fn create(&mut self, edit: impl FnOnce(&mut AutoCommit)) -> DocumentId {
        let id = DocumentId::random();
        let mut doc = AutoCommit::new();
        edit(&mut doc);
        doc.commit();
        self.docs.insert(
            id,
            PeerDoc {
                doc,
                state: sync::State::new(),
            },
        );
        id
    }

    /// Starts following a document this peer does not have.
    pub fn follow(&mut self, id: DocumentId) {
        self.docs.entry(id).or_insert_with(|| PeerDoc {
            doc: AutoCommit::new(),
            state: sync::State::new(),
        });
    }

    pub fn doc(&mut self, id: DocumentId) -> &mut AutoCommit {
        &mut self
            .docs
            .get_mut(&id)
            .expect("a document this peer follows")
            .doc
    }

    /// Sends whatever the server lacks (`request` while this peer has nothing).
    pub async fn push(&mut self, id: DocumentId) -> Result<()> {
        let entry = self
            .docs
            .get_mut(&id)
            .expect("a document this peer follows");
        entry.doc.commit();
        let empty = entry.doc.get_heads().is_empty();
        let message = entry.doc.sync().generate_sync_message(&mut entry.state);
        if let Some(m) = message {
            let data = m.encode();
            let msg = if empty {
                Message::Request {
                    sender_id: self.peer_id.clone(),
                    target_id: self.server_id.clone(),
                    document_id: id.to_string(),
                    data,
                }
            } else {
                Message::Sync {
                    sender_id: self.peer_id.clone(),
                    target_id: self.server_id.clone(),
                    document_id: id.to_string(),
                    data,
                }
            };
            self.send(&msg).await?;
        }
        Ok(())
    }

    pub async fn send(&mut self, msg: &Message) -> Result<()> {
        self.ws.send(WsMessage::Binary(msg.encode().into())).await?;
        Ok(())
    }

    pub async fn send_raw(&mut self, frame: Vec<u8>) -> Result<()> {
        self.ws.send(WsMessage::Binary(frame.into())).await?;
        Ok(())
    }

    /// Handles one incoming message; `Ok(false)` when the socket closed.
    pub async fn step(&mut self, wait: Duration) -> Result<bool> {
        let Some(msg) = next_message(&mut self.ws, wait).await? else {
            return Ok(false);
        };
        let doc = match &msg {
            Message::Sync { document_id, .. }
            | Message::Request { document_id, .. }
            | Message::DocUnavailable { document_id, .. }
            | Message::Ephemeral { document_id, .. } => Some(document_id.clone()),
            _ => None,
        };
        self.received.push((msg.kind().to_owned(), doc));
        match msg {
            Message::Sync {
                document_id, data, ..
            } => {
                let id: DocumentId = document_id.parse()?;
                let m = sync::Message::decode(&data)?;
                let entry = self.docs.entry(id).or_insert_with(|| PeerDoc {
                    doc: AutoCommit::new(),
                    state: sync::State::new(),
                });
                entry.doc.sync().receive_sync_message(&mut entry.state, m)?;
                self.push(id).await?;
            }
            Message::DocUnavailable { document_id, .. } => {
                self.unavailable.push(document_id.parse()?)
            }
            Message::Error { message, .. } => self.errors.push(message),
            Message::Ephemeral {
                document_id,
                sender_id,
                data,
                ..
            } => self.ephemeral.push((document_id.parse()?, sender_id, data)),
            _ => {}
        }
        Ok(true)
    }

    /// Follows a document the server has and waits until it has arrived.
    pub async fn fetch(&mut self, id: DocumentId) -> Result<()> {
        self.follow(id);
        self.push(id).await?;
        self.until("the document arrives", |p| {
            !p.doc(id).get_heads().is_empty()
        })
        .await
    }

    /// Pumps messages until `done` holds; fails after `PATIENCE`.
    pub async fn until(
        &mut self,
        what: &str,
        mut done: impl FnMut(&mut Self) -> bool,
    ) -> Result<()> {
        let deadline = tokio::time::Instant::now() + crate::PATIENCE;
        while !done(self) {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                bail!("timed out waiting until {what}");
            }
            if !self.step(left).await? {
                if done(self) {
                    break;
                }
                bail!(
                    "connection closed while waiting until {what} (errors: {:?})",
                    self.errors
                );
            }
        }
        Ok(())
    }

    /// Waits until the server has acknowledged every local change of `id`.
    pub async fn until_acknowledged(&mut self, id: DocumentId) -> Result<()> {
        self.push(id).await?;
        self.until("the server acknowledged our changes", |p| {
            let e = p.docs.get_mut(&id).expect("followed");
            let heads = e.doc.get_heads();
            e.state
                .their_heads
                .as_ref()
                .is_some_and(|theirs| heads.iter().all(|h| theirs.contains(h)))
        })
        .await
    }

    /// Waits for the server to close the connection; returns the errors it sent.
    pub async fn until_closed(&mut self) -> Result<Vec<String>> {
        let deadline = tokio::time::Instant::now() + crate::PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                bail!("the server did not close the connection");
            }
            match self.step(left).await {
                Ok(true) => continue,
                Ok(false) | Err(_) => return Ok(self.errors.clone()),
            }
        }
    }

    /// Handles messages until the server closes the socket; the close code
    /// it gave (`None` when the socket ended without a close frame).
    pub async fn until_close_code(&mut self) -> Result<Option<u16>> {
        let deadline = tokio::time::Instant::now() + crate::PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let frame = match tokio::time::timeout(left, self.ws.next()).await {
                Err(_) => bail!("the server did not close the connection"),
                Ok(None) | Ok(Some(Err(_))) => return Ok(None),
                Ok(Some(Ok(f))) => f,
            };
            match frame {
                WsMessage::Close(frame) => return Ok(frame.map(|f| u16::from(f.code))),
                WsMessage::Binary(b) => {
                    // Handle it as `step` would (acknowledgements still count).
                    let msg = Message::decode(&b)?;
                    if let Message::Sync {
                        document_id, data, ..
                    } = &msg
                    {
                        let id: DocumentId = document_id.parse()?;
                        let m = sync::Message::decode(data)?;
                        if let Some(entry) = self.docs.get_mut(&id) {
                            entry.doc.sync().receive_sync_message(&mut entry.state, m)?;
                        }
                    }
                    if let Message::Error { message, .. } = msg {
                        self.errors.push(message);
                    }
                }
                _ => {}
            }
        }
    }

    /// Whether the server has acknowledged every local change of `id`.
    pub fn acknowledged(&mut self, id: DocumentId) -> bool {
        let e = self.docs.get_mut(&id).expect("followed");
        let heads = e.doc.get_heads();
        e.state
            .their_heads
            .as_ref()
            .is_some_and(|theirs| heads.iter().all(|h| theirs.contains(h)))
    }

    pub fn text(&mut self, id: DocumentId, key: &str) -> Option<String> {
        let doc = &self.docs.get(&id)?.doc;
        let (_, obj) = doc.get(automerge::ROOT, key).ok()??;
        doc.text(&obj).ok()
    }
}

/// Next protocol message; `None` when the socket closed or timed out quietly.
pub async fn next_message(ws: &mut Ws, wait: Duration) -> Result<Option<Message>> {
    loop {
        let frame = match tokio::time::timeout(wait, ws.next()).await {
            Err(_) => bail!("no message within {wait:?}"),
            Ok(None) | Ok(Some(Err(_))) => return Ok(None),
            Ok(Some(Ok(f))) => f,
        };
        match frame {
            WsMessage::Binary(b) => return Ok(Some(Message::decode(&b)?)),
            WsMessage::Close(_) => return Ok(None),
            _ => continue,
        }
    }
}

fn uuid_like() -> String {
    DocumentId::random().to_string()
}
