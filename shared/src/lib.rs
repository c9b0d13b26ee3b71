//! The contract between Accord's browser app and its server.
//!
//! Everything both sides must agree on lives here exactly once: the wire
//! protocol (automerge-repo's WebSocket protocol), document ids, size limits
//! and the shape of programme documents. This crate does no I/O and builds
//! for both wasm32 and native targets.

pub mod doc_id;
pub mod docs;
pub mod history;
pub mod limits;
pub mod policy;
pub mod presence;
pub mod protocol;
pub mod schema;
pub mod text;

pub use doc_id::{DocumentId, DocumentIdError};
pub use protocol::{Message, PeerId, ProtocolError, PROTOCOL_VERSION};
