//! The offline store: every document this device has opened, in IndexedDB.
//!
//! One record per document, keyed by its id: the saved Automerge bytes, the
//! heads the server last acknowledged (so the unsent count survives a reload),
//! the title and kind for the home list and when it last changed.

use std::cell::RefCell;
use std::rc::Rc;

use accord_shared::DocumentId;
use rexie::{ObjectStore, Rexie, TransactionMode};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

const DATABASE: &str = "accord";
const DOCUMENTS: &str = "documents";

/// What IndexedDB holds for one document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredDocument {
    #[serde(with = "serde_bytes")]
    pub bytes: Vec<u8>,
    /// Hex change hashes the server had when we last heard from it.
    #[serde(default)]
    pub server_heads: Vec<String>,
    #[serde(default)]
    pub title: String,
    /// The kind the document declares (`schema.kind`), empty if none.
    #[serde(default)]
    pub kind: String,
    /// Milliseconds since the epoch.
    #[serde(default)]
    pub updated: f64,
}

/// A document as listed on the home page.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedDocument {
    pub id: DocumentId,
    pub title: String,
    pub kind: String,
    pub updated: f64,
}

/// Why the store could not do what was asked, in words for a person.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct StoreError(String);

impl From<rexie::Error> for StoreError {
    fn from(e: rexie::Error) -> Self {
        StoreError(e.to_string())
    }
}

impl From<serde_wasm_bindgen::Error> for StoreError {
    fn from(e: serde_wasm_bindgen::Error) -> Self {
        StoreError(e.to_string())
    }
}

thread_local! {
    // One connection per tab, so writes keep the order they were made in.
    static DB: RefCell<Option<Rc<Rexie>>> = const { RefCell::new(None) };
}

async fn database() -> Result<Rc<Rexie>, StoreError> {
    if let Some(db) = DB.with(|db| db.borrow().clone()) {
        return Ok(db);
    }
    let db = Rc::new(
        Rexie::builder(DATABASE)
            .version(1)
            .add_object_store(ObjectStore::new(DOCUMENTS))
            .build()
            .await?,
    );
    DB.with(|slot| {
        let mut slot = slot.borrow_mut();
        match slot.as_ref() {
            // Another caller opened it meanwhile: keep theirs.
            Some(existing) => Ok(existing.clone()),
            None => {
                *slot = Some(db.clone());
                Ok(db)
            }
        }
    })
}

pub async fn load(id: DocumentId) -> Result<Option<StoredDocument>, StoreError> {
    let db = database().await?;
    let tx = db.transaction(&[DOCUMENTS], TransactionMode::ReadOnly)?;
    let store = tx.store(DOCUMENTS)?;
    let value = store.get(JsValue::from_str(&id.to_string())).await?;
    match value {
        Some(v) if !v.is_undefined() && !v.is_null() => {
            Ok(Some(serde_wasm_bindgen::from_value(v)?))
        }
        _ => Ok(None),
    }
}

pub async fn save(id: DocumentId, doc: &StoredDocument) -> Result<(), StoreError> {
    let db = database().await?;
    let tx = db.transaction(&[DOCUMENTS], TransactionMode::ReadWrite)?;
    let store = tx.store(DOCUMENTS)?;
    let value = serde_wasm_bindgen::to_value(doc)?;
    store
        .put(&value, Some(&JsValue::from_str(&id.to_string())))
        .await?;
    tx.done().await?;
    Ok(())
}

/// Forgets a document on this device (a withdrawn submission: its content
/// must not stay readable here).
pub async fn remove(id: DocumentId) -> Result<(), StoreError> {
    let db = database().await?;
    let tx = db.transaction(&[DOCUMENTS], TransactionMode::ReadWrite)?;
    let store = tx.store(DOCUMENTS)?;
    store.delete(JsValue::from_str(&id.to_string())).await?;
    tx.done().await?;
    Ok(())
}

/// Every stored document, most recently changed first.
pub async fn list() -> Result<Vec<ListedDocument>, StoreError> {
    let db = database().await?;
    let tx = db.transaction(&[DOCUMENTS], TransactionMode::ReadOnly)?;
    let store = tx.store(DOCUMENTS)?;
    let keys = store.get_all_keys(None, None).await?;
    let values = store.get_all(None, None).await?;
    let mut out: Vec<ListedDocument> = keys
        .into_iter()
        .zip(values)
        .filter_map(|(key, value)| {
            // A record we cannot read is skipped rather than hiding the others.
            let id = DocumentId::parse_url_or_id(&key.as_string()?).ok()?;
            let doc: StoredDocument = serde_wasm_bindgen::from_value(value).ok()?;
            Some(ListedDocument {
                id,
                title: doc.title,
                kind: doc.kind,
                updated: doc.updated,
            })
        })
        .collect();
    out.sort_by(|a, b| b.updated.total_cmp(&a.updated));
    Ok(out)
}
