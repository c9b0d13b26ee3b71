//! What the signed-in person may write in one document: the server's answer
//! to `GET /api/documents/{id}/access`, asked of the same `WritePolicy` the
//! relay enforces. The last answer per document is kept in localStorage so a
//! read-only field stays read-only offline.

use std::str::FromStr;

use accord_shared::policy::{Access, DocFacts, DocKind, PathStep, Role, Section, WritePolicy};
use accord_shared::DocumentId;
use serde::Deserialize;

use crate::auth::{self, ApiError};

/// What the app knows of the person's rights in a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocAccess {
    /// `None`: not in an engagement; its owner (or an admin) writes all of it.
    pub kind: Option<DocKind>,
    pub role: Role,
    pub facts: DocFacts,
}

/// Why a field is not writable, in terms the interface translates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhyReadOnly {
    /// A submission that has been submitted.
    Submitted,
    /// The role may read the section but not write it.
    ForRole(Section),
    /// The role has no access to the section.
    NoAccess(Section),
}

impl DocAccess {
    /// Why the field at this path of keys is read-only, or `None` if the
    /// person may write it. The empty path asks about the document's main section.
    pub fn read_only_at(&self, keys: &[&str]) -> Option<WhyReadOnly> {
        let kind = self.kind?;
        let path: Vec<PathStep<'_>> = keys.iter().map(|k| PathStep::Key(k)).collect();
        if WritePolicy::may_write(self.role, kind, &path, self.facts).is_ok() {
            return None;
        }
        let section = WritePolicy::section(kind, &path);
        Some(
            match WritePolicy::access(self.role, kind, section, self.facts) {
                Access::Read if self.facts.submitted && section == Section::Submission => {
                    WhyReadOnly::Submitted
                }
                Access::None => WhyReadOnly::NoAccess(section),
                _ => WhyReadOnly::ForRole(section),
            },
        )
    }
}

/// The JSON body of a 200.
#[derive(Deserialize)]
struct Body {
    kind: Option<String>,
    role: String,
    #[serde(default)]
    shared_with_government: bool,
    #[serde(default)]
    submitted: bool,
    #[serde(default)]
    own: bool,
    #[serde(default)]
    parties_granted: bool,
}

impl Body {
    /// `None` for a kind or role this app does not know: no restrictions it
    /// can explain (the server still enforces its own table).
    fn access(self) -> Option<DocAccess> {
        let kind = match self.kind {
            Some(kind) => Some(DocKind::from_str(&kind).ok()?),
            None => None,
        };
        Some(DocAccess {
            kind,
            role: Role::from_str(&self.role).ok()?,
            facts: DocFacts {
                shared_with_government: self.shared_with_government,
                own: self.own,
                submitted: self.submitted,
                withdrawn: false,
                parties_granted: self.parties_granted,
            },
        })
    }
}

fn cache_key(id: DocumentId) -> String {
    format!("accord.access.{id}")
}

fn parse(text: &str) -> Option<DocAccess> {
    let value = js_sys::JSON::parse(text).ok()?;
    serde_wasm_bindgen::from_value::<Body>(value).ok()?.access()
}

/// The last answer for this document on this device, if any.
pub fn remembered(id: DocumentId) -> Option<DocAccess> {
    let text = auth::storage()?.get_item(&cache_key(id)).ok()??;
    parse(&text)
}

/// Asks the server. `Ok(None)`: no restrictions known (a 404 — the person's
/// own new document, or one the relay will not serve anyway). Errors mean no
/// answer: the caller keeps what it remembered.
pub async fn fetch(id: DocumentId) -> Result<Option<DocAccess>, ApiError> {
    let path = format!("/api/documents/{id}/access");
    let response = auth::request("GET", &path, None).await?;
    match response.status() {
        200..=299 => {
            let value = auth::json(&response).await.ok_or(ApiError::Unreadable)?;
            let text = js_sys::JSON::stringify(&value)
                .ok()
                .and_then(|s| s.as_string())
                .ok_or(ApiError::Unreadable)?;
            let access = parse(&text);
            if let Some(storage) = auth::storage() {
                // Private browsing may refuse; offline then shows no restrictions.
                let _ = match access {
                    Some(_) => storage.set_item(&cache_key(id), &text),
                    None => storage.remove_item(&cache_key(id)),
                };
            }
            Ok(access)
        }
        404 => {
            if let Some(storage) = auth::storage() {
                let _ = storage.remove_item(&cache_key(id));
            }
            Ok(None)
        }
        status => Err(ApiError::Refused {
            status,
            message: None,
        }),
    }
}
