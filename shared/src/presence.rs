//! Presence: who is in a document and which field they are editing.
//!
//! Sent as the CBOR payload of `ephemeral` messages; the server relays it
//! without reading it.

use serde::{Deserialize, Serialize};

/// One person's presence in one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Presence {
    /// Display name the person chose.
    pub name: String,
    /// The field they are editing (a schema field key), if any.
    #[serde(default)]
    pub field: Option<String>,
    /// Set when the tab is closing, so others drop it at once.
    #[serde(default)]
    pub left: bool,
}

impl Presence {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        ciborium::ser::into_writer(self, &mut out).expect("CBOR encoding into a Vec");
        out
    }

    pub fn decode(bytes: &[u8]) -> Option<Self> {
        ciborium::de::from_reader(bytes).ok()
    }
}
