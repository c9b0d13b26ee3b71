//! Document ids: 16 random bytes (a UUID) shown as bs58check, as automerge-repo does.

use std::fmt;
use std::str::FromStr;

/// The prefix of a document's URL form, `automerge:<id>`.
pub const URL_PREFIX: &str = "automerge:";

/// A document id, guaranteed well-formed: 16 bytes with a valid bs58check checksum.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocumentId([u8; 16]);

/// Why a string is not a document id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentIdError {
    #[error("document id {0:?} is not base58check-encoded (bad character or checksum)")]
    NotBs58Check(String),
    #[error("document id {id:?} decodes to {len} bytes; a document id is 16 bytes")]
    WrongLength { id: String, len: usize },
}

impl DocumentId {
    /// A fresh random id.
    pub fn random() -> Self {
        Self(*uuid::Uuid::new_v4().as_bytes())
    }

    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The `automerge:<id>` form used by automerge-repo.
    pub fn to_url(&self) -> String {
        format!("{URL_PREFIX}{self}")
    }

    /// Accepts both the bare id and the `automerge:<id>` URL form.
    pub fn parse_url_or_id(s: &str) -> Result<Self, DocumentIdError> {
        s.trim()
            .strip_prefix(URL_PREFIX)
            .unwrap_or(s.trim())
            .parse()
    }
}

impl FromStr for DocumentId {
    type Err = DocumentIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = bs58::decode(s)
            .with_check(None)
            .into_vec()
            .map_err(|_| DocumentIdError::NotBs58Check(truncated(s)))?;
        let array: [u8; 16] =
            bytes
                .as_slice()
                .try_into()
                .map_err(|_| DocumentIdError::WrongLength {
                    id: truncated(s),
                    len: bytes.len(),
                })?;
        Ok(Self(array))
    }
}

/// Ids come from the network: never echo an unbounded string into an error.
fn truncated(s: &str) -> String {
    s.chars().take(64).collect()
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58::encode(self.0).with_check().into_string())
    }
}

impl fmt::Debug for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DocumentId({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_its_string_form() {
        let id = DocumentId::random();
        assert_eq!(id.to_string().parse::<DocumentId>(), Ok(id));
        assert_eq!(DocumentId::parse_url_or_id(&id.to_url()), Ok(id));
    }

    #[test]
    fn refuses_malformed_ids() {
        assert!(matches!(
            "not-an-id!".parse::<DocumentId>(),
            Err(DocumentIdError::NotBs58Check(_))
        ));
        // Valid bs58check, but 3 bytes long.
        let short = bs58::encode([1u8, 2, 3]).with_check().into_string();
        assert!(matches!(
            short.parse::<DocumentId>(),
            Err(DocumentIdError::WrongLength { len: 3, .. })
        ));
        // One character changed: the checksum no longer matches.
        let mut s = DocumentId::random().to_string();
        let last = s.pop().unwrap();
        s.push(if last == 'a' { 'b' } else { 'a' });
        assert!(s.parse::<DocumentId>().is_err());
    }
}
