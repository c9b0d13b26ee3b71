//! The automerge-repo WebSocket protocol: CBOR maps tagged by `type`.
//!
//! Spoken unchanged so that any client of the Automerge ecosystem
//! (`@automerge/automerge-repo` with its WebSocket adapter, `samod`) can sync
//! with Accord. Document ids travel as strings and are checked by
//! [`Message::document_id`], so a malformed id is a clear protocol error rather
//! than a decoding failure.

use serde::{Deserialize, Serialize};

use crate::doc_id::{DocumentId, DocumentIdError};

/// The only protocol version there is.
pub const PROTOCOL_VERSION: &str = "1";

/// A peer's self-chosen, per-connection id.
pub type PeerId = String;

/// Optional metadata a peer announces in `join` / `peer`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_id: Option<String>,
    #[serde(default)]
    pub is_ephemeral: bool,
}

/// One protocol message. Unknown fields are ignored; an unknown `type` is an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Message {
    #[serde(rename_all = "camelCase")]
    Join {
        sender_id: PeerId,
        #[serde(default)]
        supported_protocol_versions: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        peer_metadata: Option<PeerMetadata>,
    },
    #[serde(rename_all = "camelCase")]
    Peer {
        sender_id: PeerId,
        target_id: PeerId,
        selected_protocol_version: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        peer_metadata: Option<PeerMetadata>,
    },
    #[serde(rename_all = "camelCase")]
    Leave {
        #[serde(default)]
        sender_id: PeerId,
    },
    #[serde(rename_all = "camelCase")]
    Request {
        sender_id: PeerId,
        target_id: PeerId,
        document_id: String,
        #[serde(with = "serde_bytes")]
        data: Vec<u8>,
    },
    #[serde(rename_all = "camelCase")]
    Sync {
        sender_id: PeerId,
        target_id: PeerId,
        document_id: String,
        #[serde(with = "serde_bytes")]
        data: Vec<u8>,
    },
    #[serde(rename_all = "camelCase")]
    DocUnavailable {
        sender_id: PeerId,
        target_id: PeerId,
        document_id: String,
    },
    #[serde(rename_all = "camelCase")]
    Ephemeral {
        sender_id: PeerId,
        target_id: PeerId,
        count: u64,
        session_id: String,
        document_id: String,
        #[serde(with = "serde_bytes")]
        data: Vec<u8>,
    },
    #[serde(rename_all = "camelCase")]
    Error {
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sender_id: Option<PeerId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target_id: Option<PeerId>,
    },
    /// Remote-heads gossip; accepted and ignored (Accord relays through one server).
    #[serde(rename_all = "camelCase")]
    RemoteSubscriptionChange {
        #[serde(default)]
        sender_id: PeerId,
    },
    /// Remote-heads gossip; accepted and ignored.
    #[serde(rename_all = "camelCase")]
    RemoteHeadsChanged {
        #[serde(default)]
        sender_id: PeerId,
    },
}

/// Why a frame is not a protocol message.
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    #[error("frame is not a valid protocol message (CBOR map with a known `type`): {0}")]
    Malformed(String),
    #[error("frame of {size} bytes is over the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("{0}")]
    BadDocumentId(#[from] DocumentIdError),
}

impl Message {
    /// Decodes one WebSocket frame.
    pub fn decode(frame: &[u8]) -> Result<Self, ProtocolError> {
        // ciborium's own recursion limit guards against deeply nested input.
        ciborium::de::from_reader(frame)
            .map_err(|e| ProtocolError::Malformed(short(&e.to_string())))
    }

    /// Encodes the message as one WebSocket frame.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        // Writing into a Vec cannot fail, and every field serialises.
        ciborium::ser::into_writer(self, &mut out).expect("CBOR encoding into a Vec");
        out
    }

    /// The message's `type` as it appears on the wire.
    pub fn kind(&self) -> &'static str {
        match self {
            Message::Join { .. } => "join",
            Message::Peer { .. } => "peer",
            Message::Leave { .. } => "leave",
            Message::Request { .. } => "request",
            Message::Sync { .. } => "sync",
            Message::DocUnavailable { .. } => "doc-unavailable",
            Message::Ephemeral { .. } => "ephemeral",
            Message::Error { .. } => "error",
            Message::RemoteSubscriptionChange { .. } => "remote-subscription-change",
            Message::RemoteHeadsChanged { .. } => "remote-heads-changed",
        }
    }

    /// The document this message is about, checked; `None` for connection-level messages.
    pub fn document_id(&self) -> Option<Result<DocumentId, DocumentIdError>> {
        match self {
            Message::Request { document_id, .. }
            | Message::Sync { document_id, .. }
            | Message::DocUnavailable { document_id, .. }
            | Message::Ephemeral { document_id, .. } => Some(document_id.parse()),
            _ => None,
        }
    }

    pub fn error(message: impl Into<String>) -> Self {
        Message::Error {
            message: message.into(),
            sender_id: None,
            target_id: None,
        }
    }
}

fn short(s: &str) -> String {
    let mut s: String = s.chars().take(200).collect();
    if s.len() == 200 {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sync(doc: &str) -> Message {
        Message::Sync {
            sender_id: "a".into(),
            target_id: "b".into(),
            document_id: doc.into(),
            data: vec![1, 2, 3],
        }
    }

    #[test]
    fn messages_round_trip_through_cbor() {
        let id = DocumentId::random().to_string();
        for m in [
            Message::Join {
                sender_id: "peer-1".into(),
                supported_protocol_versions: vec!["1".into()],
                peer_metadata: Some(PeerMetadata::default()),
            },
            sync(&id),
            Message::error("nope"),
        ] {
            assert_eq!(Message::decode(&m.encode()).unwrap(), m);
        }
    }

    #[test]
    fn sync_data_is_a_cbor_byte_string() {
        let bytes = sync("x").encode();
        let value: ciborium::Value = ciborium::de::from_reader(bytes.as_slice()).unwrap();
        let map = value.as_map().unwrap();
        let data = map
            .iter()
            .find(|(k, _)| k.as_text() == Some("data"))
            .map(|(_, v)| v)
            .unwrap();
        assert!(data.is_bytes());
        let kind = map
            .iter()
            .find(|(k, _)| k.as_text() == Some("type"))
            .unwrap();
        assert_eq!(kind.1.as_text(), Some("sync"));
    }

    #[test]
    fn refuses_garbage_and_unknown_types() {
        assert!(Message::decode(b"\xff\x00garbage").is_err());
        let mut unknown = Vec::new();
        ciborium::ser::into_writer(
            &ciborium::Value::Map(vec![("type".into(), "teleport".into())]),
            &mut unknown,
        )
        .unwrap();
        let err = Message::decode(&unknown).unwrap_err().to_string();
        assert!(err.contains("teleport"), "{err}");
    }

    #[test]
    fn malformed_document_ids_are_reported() {
        assert!(matches!(sync("bogus!").document_id(), Some(Err(_))));
        let id = DocumentId::random();
        assert_eq!(sync(&id.to_string()).document_id(), Some(Ok(id)));
    }
}
