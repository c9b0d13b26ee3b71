//! One WebSocket connection: handshake, frame checks, routing to documents.
//!
//! Every way a frame can be bad ends the same way: an `error` message that
//! says what was wrong, the socket closed, and nothing applied or stored.
//! Other connections never notice.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use accord_shared::limits::{MAX_EPHEMERAL_BYTES, MAX_PEER_ID_LEN};
use accord_shared::protocol::PeerMetadata;
use accord_shared::{DocumentId, Message, PROTOCOL_VERSION};
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{mpsc, Notify};

use super::{ConnHandle, DocCommand, Outgoing, SyncRelay, SEND_QUEUE_FRAMES};
use crate::auth::User;

/// A client must say `join` this soon after connecting.
const JOIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Distinct documents one connection may open. Each holds a document actor
/// in memory while the connection lives (a `request` for an unknown
/// document too, so the peer hears if it appears), some 20 KB apiece; the
/// app opens tens per tab, the benchmark 1,000 per connection.
pub const MAX_DOCS_PER_CONNECTION: usize = 5_000;

/// How long a refused client has to answer the server's close.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// RFC 6455 close codes.
const CLOSE_PROTOCOL: u16 = 1002;
const CLOSE_TOO_BIG: u16 = 1009;
const CLOSE_POLICY: u16 = 1008;
const CLOSE_GOING_AWAY: u16 = 1001;

fn going_away() -> Refusal {
    Refusal {
        code: CLOSE_GOING_AWAY,
        reason: "the server is restarting; reconnect shortly".into(),
    }
}

/// Why a connection is being ended by the server.
struct Refusal {
    code: u16,
    reason: String,
}

impl Refusal {
    fn protocol(reason: impl Into<String>) -> Self {
        Self {
            code: CLOSE_PROTOCOL,
            reason: reason.into(),
        }
    }
}

/// Serves one upgraded WebSocket until either side ends it.
pub async fn serve(socket: WebSocket, relay: Arc<SyncRelay>, max_frame_bytes: usize, user: User) {
    let _open = relay.connection_opened();
    let user = Arc::new(user);
    let (mut sink, mut stream) = socket.split();
    let (tx, mut rx) = mpsc::channel::<Outgoing>(SEND_QUEUE_FRAMES);
    let writer = tokio::spawn(async move {
        while let Some(out) = rx.recv().await {
            match out {
                Outgoing::Frame(bytes) => {
                    if sink.send(WsMessage::Binary(bytes.into())).await.is_err() {
                        break;
                    }
                }
                Outgoing::Close { code, reason } => {
                    // Going away is no error: the client just reconnects.
                    if code != CLOSE_GOING_AWAY {
                        let _ = sink
                            .send(WsMessage::Binary(
                                Message::error(reason.clone()).encode().into(),
                            ))
                            .await;
                    }
                    let _ = sink
                        .send(WsMessage::Close(Some(CloseFrame {
                            code,
                            reason: close_reason(&reason).into(),
                        })))
                        .await;
                    break;
                }
            }
        }
        let _ = sink.close().await;
    });

    let overflow = Arc::new(Notify::new());
    let joined = tokio::select! {
        joined = handshake(&mut stream, &relay, &tx) => joined,
        _ = relay.shutting_down() => Err(going_away()),
    };
    let refusal = match joined {
        Err(refusal) => Some(refusal),
        Ok(peer_id) => {
            let conn = ConnHandle {
                id: relay.next_conn_id(),
                peer_id,
                user: user.clone(),
                tx: tx.clone(),
                overflow: overflow.clone(),
            };
            let mut docs = HashSet::new();
            let outcome = sync_phase(
                &mut stream,
                &relay,
                &conn,
                &overflow,
                max_frame_bytes,
                &mut docs,
            )
            .await;
            for doc in docs {
                relay.route(doc, DocCommand::Leave { conn: conn.id }).await;
            }
            outcome.err()
        }
    };
    if let Some(Refusal { code, reason }) = refusal {
        tracing::info!(code, %reason, "closing a sync connection");
        let _ = tx.send(Outgoing::Close { code, reason }).await;
        // The closing handshake: read (and drop) what the client still sends
        // until it answers the close. Closing with its frames unread would
        // reset the TCP connection, and a reset throws away the error it has
        // not read yet.
        let _ = tokio::time::timeout(CLOSE_GRACE, async {
            while let Some(Ok(frame)) = stream.next().await {
                if matches!(frame, WsMessage::Close(_)) {
                    break;
                }
            }
        })
        .await;
    }
    drop(tx);
    // Give the writer a moment to flush the error, then stop it regardless.
    let abort = writer.abort_handle();
    if tokio::time::timeout(Duration::from_secs(5), writer)
        .await
        .is_err()
    {
        abort.abort();
    }
}

async fn handshake(
    stream: &mut futures_util::stream::SplitStream<WebSocket>,
    relay: &SyncRelay,
    tx: &mpsc::Sender<Outgoing>,
) -> Result<String, Refusal> {
    let frame = match tokio::time::timeout(JOIN_TIMEOUT, next_binary(stream, usize::MAX)).await {
        Err(_) => {
            return Err(Refusal::protocol(
                "expected a `join` message within 10 seconds",
            ))
        }
        Ok(frame) => frame?,
    };
    let Some(frame) = frame else {
        return Err(Refusal::protocol("connection closed before `join`"));
    };
    match decode(&frame)? {
        Message::Join {
            sender_id,
            supported_protocol_versions,
            ..
        } => {
            if sender_id.is_empty() || sender_id.len() > MAX_PEER_ID_LEN {
                return Err(Refusal::protocol(format!(
                    "`join` needs a senderId of 1 to {MAX_PEER_ID_LEN} characters"
                )));
            }
            if !supported_protocol_versions
                .iter()
                .any(|v| v == PROTOCOL_VERSION)
            {
                return Err(Refusal::protocol(format!(
                    "unsupported protocol versions {supported_protocol_versions:?}; this server speaks \"{PROTOCOL_VERSION}\""
                )));
            }
            let peer = Message::Peer {
                sender_id: relay.server_peer_id.clone(),
                target_id: sender_id.clone(),
                selected_protocol_version: PROTOCOL_VERSION.into(),
                peer_metadata: Some(PeerMetadata {
                    storage_id: None,
                    is_ephemeral: false,
                }),
            };
            tx.send(Outgoing::Frame(peer.encode()))
                .await
                .map_err(|_| Refusal::protocol("connection closed"))?;
            Ok(sender_id)
        }
        other => Err(Refusal::protocol(format!(
            "the first message must be `join`, not `{}`",
            other.kind()
        ))),
    }
}

async fn sync_phase(
    stream: &mut futures_util::stream::SplitStream<WebSocket>,
    relay: &Arc<SyncRelay>,
    conn: &ConnHandle,
    overflow: &Notify,
    max_frame_bytes: usize,
    docs: &mut HashSet<DocumentId>,
) -> Result<(), Refusal> {
    loop {
        let frame = tokio::select! {
            frame = next_binary(stream, max_frame_bytes) => frame?,
            _ = relay.shutting_down() => return Err(going_away()),
            _ = overflow.notified() => {
                return Err(Refusal {
                    code: CLOSE_POLICY,
                    reason: "this connection is not reading its messages fast enough; reconnect to catch up".into(),
                });
            }
        };
        let Some(frame) = frame else { return Ok(()) };
        let message = decode(&frame)?;
        match message {
            Message::Request { ref data, .. } | Message::Sync { ref data, .. } => {
                let doc = document_id(&message)?;
                let request = matches!(message, Message::Request { .. });
                let sync_message = automerge::sync::Message::decode(data).map_err(|e| {
                    Refusal::protocol(format!(
                        "the data of this `{}` message for document {doc} is not an Automerge sync message: {e}",
                        message.kind()
                    ))
                })?;
                if !docs.contains(&doc) && docs.len() >= MAX_DOCS_PER_CONNECTION {
                    return Err(Refusal {
                        code: CLOSE_POLICY,
                        reason: format!(
                            "this connection has opened {MAX_DOCS_PER_CONNECTION} documents, the most one connection may; reconnect to open others"
                        ),
                    });
                }
                docs.insert(doc);
                relay
                    .route(
                        doc,
                        DocCommand::Sync {
                            conn: conn.clone(),
                            message: sync_message,
                            request,
                        },
                    )
                    .await;
            }
            Message::Ephemeral { ref data, .. } => {
                let doc = document_id(&message)?;
                if data.len() > MAX_EPHEMERAL_BYTES {
                    return Err(Refusal::protocol(format!(
                        "ephemeral data of {} bytes is over the limit of {MAX_EPHEMERAL_BYTES} bytes",
                        data.len()
                    )));
                }
                // Only the peers of a document are heard; routing anything
                // else would start an actor for any id a client names.
                if !docs.contains(&doc) {
                    continue;
                }
                relay
                    .route(
                        doc,
                        DocCommand::Ephemeral {
                            from: conn.id,
                            message,
                        },
                    )
                    .await;
            }
            Message::DocUnavailable { .. } => {
                document_id(&message)?;
            }
            Message::Leave { .. } => return Ok(()),
            Message::Error { message, .. } => {
                tracing::info!(peer = %conn.peer_id, %message, "client reported an error");
                return Ok(());
            }
            Message::RemoteSubscriptionChange { .. } | Message::RemoteHeadsChanged { .. } => {}
            Message::Join { .. } | Message::Peer { .. } => {
                return Err(Refusal::protocol(format!(
                    "`{}` is only valid as the first message of a connection",
                    message.kind()
                )));
            }
        }
    }
}

/// The next binary frame; `None` when the client closed the connection.
async fn next_binary(
    stream: &mut futures_util::stream::SplitStream<WebSocket>,
    max_frame_bytes: usize,
) -> Result<Option<Vec<u8>>, Refusal> {
    loop {
        match stream.next().await {
            None | Some(Ok(WsMessage::Close(_))) => return Ok(None),
            Some(Ok(WsMessage::Binary(bytes))) => {
                if bytes.len() > max_frame_bytes {
                    return Err(Refusal {
                        code: CLOSE_TOO_BIG,
                        reason: format!(
                            "a frame of {} bytes is over this server's limit of {max_frame_bytes} bytes",
                            bytes.len()
                        ),
                    });
                }
                return Ok(Some(bytes.into()));
            }
            Some(Ok(WsMessage::Text(_))) => {
                return Err(Refusal::protocol("frames must be binary CBOR, not text"));
            }
            Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => continue,
            Some(Err(e)) if dropped(&e) => {
                tracing::debug!(error = %e, "a sync connection dropped without closing");
                return Ok(None);
            }
            Some(Err(e)) => {
                return Err(Refusal::protocol(format!(
                    "the frame could not be read: {e}"
                )))
            }
        }
    }
}

/// Whether a read failed because the client vanished (a closed laptop, a
/// lost network, a killed tab) rather than because it sent something wrong:
/// an ordinary disconnect, with nobody left to tell.
fn dropped(e: &axum::Error) -> bool {
    use tungstenite::error::{Error, ProtocolError};
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(error) = cause {
        if let Some(ws) = error.downcast_ref::<Error>() {
            if matches!(
                ws,
                Error::ConnectionClosed
                    | Error::AlreadyClosed
                    | Error::Protocol(ProtocolError::ResetWithoutClosingHandshake)
            ) {
                return true;
            }
        }
        if let Some(io) = error.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            if matches!(
                io.kind(),
                ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof
            ) {
                return true;
            }
        }
        cause = error.source();
    }
    false
}

fn decode(frame: &[u8]) -> Result<Message, Refusal> {
    Message::decode(frame).map_err(|e| Refusal::protocol(e.to_string()))
}

fn document_id(message: &Message) -> Result<DocumentId, Refusal> {
    match message.document_id() {
        Some(Ok(id)) => Ok(id),
        Some(Err(e)) => Err(Refusal::protocol(e.to_string())),
        None => Err(Refusal::protocol("message has no documentId")),
    }
}

/// Close reasons are limited to 123 bytes by RFC 6455.
fn close_reason(reason: &str) -> String {
    let mut end = reason.len().min(120);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    reason[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::dropped;
    use tungstenite::error::{CapacityError, Error, ProtocolError};

    #[test]
    fn a_vanished_client_is_a_disconnect_and_a_broken_frame_is_not() {
        let reset = Error::Protocol(ProtocolError::ResetWithoutClosingHandshake);
        assert!(dropped(&axum::Error::new(reset)));
        let io = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert!(dropped(&axum::Error::new(Error::Io(io))));

        let unmasked = Error::Protocol(ProtocolError::UnmaskedFrameFromClient);
        assert!(!dropped(&axum::Error::new(unmasked)));
        let too_big = Error::Capacity(CapacityError::MessageTooLong {
            size: 2,
            max_size: 1,
        });
        assert!(!dropped(&axum::Error::new(too_big)));
    }
}
