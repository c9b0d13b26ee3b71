//! One open document of any kind: its Automerge copy, what the server has
//! acknowledged, presence, and the few signals the interface renders from.
//!
//! Fields are addressed by a [`FieldPath`]: map keys from the root (record
//! ids are keys: `["needs", "<id>", "title"]`), never list indexes, so a
//! path stays right while others add, remove and reorder records.
//!
//! [`DraftView::version`] changes after every local or remote change; the
//! interface reads the document through memos that depend on it and only
//! notify when their own slice of the document changed.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use accord_shared::docs::items::{self, Positioned};
use accord_shared::docs::{self, SchemaError, Shape};
use accord_shared::presence::Presence;
use accord_shared::text::text_diff;
use accord_shared::DocumentId;
use automerge::sync::State as SyncState;
use automerge::transaction::Transactable;
use automerge::{
    AutoCommit, AutomergeError, ChangeHash, LoadOptions, ObjId, ObjType, ReadDoc, ScalarValue,
    TextEncoding, Value, ROOT,
};
use autosurgeon::{Hydrate, Reconcile};
use leptos::prelude::*;

use crate::store::StoredDocument;

/// Browser text fields index in UTF-16 code units; so do our documents.
const ENCODING: TextEncoding = TextEncoding::Utf16CodeUnit;

/// Presence entries not refreshed for this long are dropped.
pub const PRESENCE_TTL_MS: f64 = 30_000.0;

pub fn new_document() -> AutoCommit {
    AutoCommit::new_with_encoding(ENCODING)
}

pub fn load_document(bytes: &[u8]) -> Result<AutoCommit, AutomergeError> {
    AutoCommit::load_with_options(bytes, LoadOptions::new().text_encoding(ENCODING))
}

/// Commits the pending operations stamped with this device's clock (seconds
/// since 1970), so the document's history can say when each change was
/// written; Automerge's plain `commit` leaves the time at 0.
pub fn commit_now(doc: &mut AutoCommit) -> Option<ChangeHash> {
    let secs = (js_sys::Date::now() / 1000.0) as i64;
    doc.commit_with(automerge::transaction::CommitOptions::default().with_time(secs))
}

/// Where a field lives: map keys from the root, or from an object (the
/// items of the first draft documents live in a list, addressed by their
/// map's object id).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldPath {
    base: Option<ObjId>,
    keys: Vec<String>,
}

impl FieldPath {
    /// Keys from the document root: `FieldPath::new(["needs", id, "title"])`.
    pub fn new<K: Into<String>>(keys: impl IntoIterator<Item = K>) -> Self {
        Self {
            base: None,
            keys: keys.into_iter().map(Into::into).collect(),
        }
    }

    /// Keys from an object other than the root.
    pub fn within<K: Into<String>>(object: ObjId, keys: impl IntoIterator<Item = K>) -> Self {
        Self {
            base: Some(object),
            keys: keys.into_iter().map(Into::into).collect(),
        }
    }

    /// This path with one more key: `records.child(id)`.
    pub fn child(&self, key: impl Into<String>) -> Self {
        let mut next = self.clone();
        next.keys.push(key.into());
        next
    }

    pub fn keys(&self) -> &[String] {
        &self.keys
    }

    /// The path as `needs/<id>/title`: presence, element ids, messages.
    pub fn joined(&self) -> String {
        self.keys.join("/")
    }

    /// Whether this path is from the root (the write policy can judge it).
    pub fn is_rooted(&self) -> bool {
        self.base.is_none()
    }

    fn base(&self) -> ObjId {
        self.base.clone().unwrap_or(ROOT)
    }
}

impl From<&[&str]> for FieldPath {
    fn from(keys: &[&str]) -> Self {
        FieldPath::new(keys.iter().copied())
    }
}

impl<const N: usize> From<[&str; N]> for FieldPath {
    fn from(keys: [&str; N]) -> Self {
        FieldPath::new(keys)
    }
}

impl From<Vec<String>> for FieldPath {
    fn from(keys: Vec<String>) -> Self {
        FieldPath::new(keys)
    }
}

/// The map holding the path's last key, if every map on the way exists.
fn parent(doc: &impl ReadDoc, path: &FieldPath) -> Option<(ObjId, String)> {
    let (last, walk) = path.keys.split_last()?;
    let mut obj = path.base();
    for key in walk {
        match doc.get(&obj, key.as_str()) {
            Ok(Some((Value::Object(ObjType::Map), id))) => obj = id,
            _ => return None,
        }
    }
    Some((obj, last.clone()))
}

/// Like [`parent`], creating the maps that are missing (fields of records
/// written by an older version).
fn parent_or_create(
    doc: &mut AutoCommit,
    path: &FieldPath,
) -> Result<(ObjId, String), AutomergeError> {
    let Some((last, walk)) = path.keys.split_last() else {
        return Err(AutomergeError::InvalidOp(ObjType::Map));
    };
    let mut obj = path.base();
    for key in walk {
        obj = match doc.get(&obj, key.as_str())? {
            Some((Value::Object(ObjType::Map), id)) => id,
            _ => doc.put_object(&obj, key.as_str(), ObjType::Map)?,
        };
    }
    Ok((obj, last.clone()))
}

/// What a field currently holds.
enum FieldValue {
    Text(ObjId),
    /// A plain string (written by a client that does not use Text).
    Scalar(String),
    Missing,
}

fn field_value(doc: &impl ReadDoc, path: &FieldPath) -> FieldValue {
    let Some((parent, key)) = parent(doc, path) else {
        return FieldValue::Missing;
    };
    match doc.get(&parent, key.as_str()) {
        Ok(Some((Value::Object(ObjType::Text), id))) => FieldValue::Text(id),
        Ok(Some((Value::Scalar(s), _))) => match s.as_ref() {
            ScalarValue::Str(s) => FieldValue::Scalar(s.to_string()),
            _ => FieldValue::Missing,
        },
        _ => FieldValue::Missing,
    }
}

/// The text of a field (a Text or a plain string), empty when it is absent.
pub fn read_text(doc: &impl ReadDoc, path: &FieldPath) -> String {
    match field_value(doc, path) {
        FieldValue::Text(id) => doc.text(&id).unwrap_or_default(),
        FieldValue::Scalar(s) => s,
        FieldValue::Missing => String::new(),
    }
}

/// The field's Text object, if it has one.
pub fn text_object(doc: &impl ReadDoc, path: &FieldPath) -> Option<ObjId> {
    match field_value(doc, path) {
        FieldValue::Text(id) => Some(id),
        _ => None,
    }
}

/// A scalar at the path (`None` when absent or not a scalar).
pub fn read_scalar(doc: &impl ReadDoc, path: &FieldPath) -> Option<ScalarValue> {
    let (parent, key) = parent(doc, path)?;
    match doc.get(&parent, key.as_str()).ok()?? {
        (Value::Scalar(s), _) => Some(s.into_owned()),
        _ => None,
    }
}

/// The keys of the map at the path, in key order (empty when absent).
pub fn map_keys(doc: &impl ReadDoc, path: &FieldPath) -> Vec<String> {
    let obj = if path.keys.is_empty() {
        Some(path.base())
    } else {
        parent(doc, path).and_then(|(parent, key)| match doc.get(&parent, key.as_str()) {
            Ok(Some((Value::Object(ObjType::Map), id))) => Some(id),
            _ => None,
        })
    };
    match obj {
        Some(obj) => doc.keys(&obj).collect(),
        None => Vec::new(),
    }
}

/// Only the position of a record: enough to order any [`items::Items`].
#[derive(Debug, Clone, Default, PartialEq, Hydrate, Reconcile)]
struct Slot {
    #[autosurgeon(missing = "Default::default")]
    pos: f64,
}
accord_shared::positioned!(Slot);

fn slots(doc: &impl ReadDoc, path: &FieldPath) -> items::Items<Slot> {
    map_keys(doc, path)
        .into_iter()
        .map(|key| {
            let pos = match read_scalar(doc, &path.child(key.clone()).child("pos")) {
                Some(ScalarValue::F64(p)) => p,
                Some(ScalarValue::Int(p)) => p as f64,
                Some(ScalarValue::Uint(p)) => p as f64,
                _ => 0.0,
            };
            (key, Slot { pos })
        })
        .collect()
}

/// The record ids of the collection at `path`, in display order.
pub fn ordered_ids(doc: &impl ReadDoc, path: &FieldPath) -> Vec<String> {
    items::ordered_ids(&slots(doc, path))
}

/// The field's Text, created (with any plain string it held) on first edit.
fn ensure_text(doc: &mut AutoCommit, path: &FieldPath) -> Result<ObjId, AutomergeError> {
    match field_value(doc, path) {
        FieldValue::Text(id) => Ok(id),
        FieldValue::Scalar(s) => {
            let (parent, key) = parent_or_create(doc, path)?;
            let id = doc.put_object(&parent, key.as_str(), ObjType::Text)?;
            doc.splice_text(&id, 0, 0, &s)?;
            Ok(id)
        }
        FieldValue::Missing => {
            let (parent, key) = parent_or_create(doc, path)?;
            doc.put_object(&parent, key.as_str(), ObjType::Text)
        }
    }
}

/// Whether the editor can show the document yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    /// Reading the device's copy.
    Loading,
    /// Not on this device; asking the server.
    Looking,
    Ready,
    NotFound,
}

/// Someone else in the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub session: String,
    pub name: String,
    pub field: Option<String>,
}

/// Why a change to a document could not be made.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error(transparent)]
    Automerge(#[from] AutomergeError),
    #[error(transparent)]
    Schema(#[from] SchemaError),
    #[error(transparent)]
    Reconcile(#[from] autosurgeon::ReconcileError),
    #[error(transparent)]
    Hydrate(#[from] autosurgeon::HydrateError),
}

/// The reactive face of a draft; cheap to copy into components.
#[derive(Debug, Clone, Copy)]
pub struct DraftView {
    /// Bumped after every change to the document, local or remote.
    pub version: RwSignal<u64>,
    pub availability: RwSignal<Availability>,
    pub unsent: RwSignal<usize>,
    pub awaiting_server: RwSignal<bool>,
    pub people: RwSignal<Vec<Person>>,
    pub error: RwSignal<Option<String>>,
}

impl DraftView {
    pub fn new() -> Self {
        Self {
            version: RwSignal::new(0),
            availability: RwSignal::new(Availability::Loading),
            unsent: RwSignal::new(0),
            awaiting_server: RwSignal::new(false),
            people: RwSignal::new(Vec::new()),
            error: RwSignal::new(None),
        }
    }
}

/// An open document and everything the sync client needs about it.
pub struct Draft {
    pub id: DocumentId,
    pub doc: AutoCommit,
    /// Heads the server last told us it has.
    pub server_heads: Vec<ChangeHash>,
    /// Per-connection sync state; `None` while offline.
    pub sync_state: Option<SyncState>,
    pub view: DraftView,
    /// The field this tab is editing, for presence.
    pub my_field: Option<String>,
    /// Heads when `view.version` was last bumped.
    shown_heads: Vec<ChangeHash>,
    /// Others' presence by session id, with when we last heard (ms).
    presence: HashMap<String, (Presence, f64)>,
    saving: bool,
    save_again: bool,
}

pub type DraftHandle = Rc<RefCell<Draft>>;

impl Draft {
    pub fn new(id: DocumentId, view: DraftView) -> Self {
        Self {
            id,
            doc: new_document(),
            server_heads: Vec::new(),
            sync_state: None,
            view,
            my_field: None,
            shown_heads: Vec::new(),
            presence: HashMap::new(),
            saving: false,
            save_again: false,
        }
    }

    /// Replaces the empty document with the device's stored copy.
    pub fn restore(&mut self, stored: &StoredDocument) -> Result<(), AutomergeError> {
        self.doc = load_document(&stored.bytes)?;
        self.server_heads = stored
            .server_heads
            .iter()
            .filter_map(|h| h.parse().ok())
            .collect();
        Ok(())
    }

    pub fn has_content(&mut self) -> bool {
        !self.doc.get_heads().is_empty()
    }

    /// The record the offline store keeps for this document.
    pub fn record(&mut self) -> StoredDocument {
        StoredDocument {
            bytes: self.doc.save(),
            server_heads: self.server_heads.iter().map(|h| h.to_string()).collect(),
            title: read_text(&self.doc, &FieldPath::new(["title"])),
            kind: docs::declared_kind(&self.doc).unwrap_or_default(),
            updated: js_sys::Date::now(),
        }
    }

    /// Local changes the server has not acknowledged.
    pub fn unsent_changes(&mut self) -> usize {
        let known: Vec<ChangeHash> = self
            .server_heads
            .iter()
            .filter(|h| self.doc.get_change_by_hash(h).is_some())
            .copied()
            .collect();
        self.doc.get_changes(&known).len()
    }

    /// Applies what the person typed into a text field as the smallest
    /// splice, creating the Text if the field has none. Returns whether the
    /// document changed.
    pub fn apply_input(&mut self, path: &FieldPath, new: &str) -> Result<bool, EditError> {
        let old = read_text(&self.doc, path);
        if old == new {
            return Ok(false);
        }
        let obj = ensure_text(&mut self.doc, path)?;
        // `old` may have been a plain string; diff against what the Text now holds.
        let current = self.doc.text(&obj)?;
        let (pos, deleted, inserted) = text_diff(&current, new);
        self.doc
            .splice_text(&obj, pos, deleted as isize, &inserted)?;
        commit_now(&mut self.doc);
        Ok(true)
    }

    /// Puts a scalar (a string, number, boolean) at the path. Returns whether
    /// the document changed.
    pub fn put_scalar(
        &mut self,
        path: &FieldPath,
        value: impl Into<ScalarValue>,
    ) -> Result<bool, EditError> {
        let value = value.into();
        if read_scalar(&self.doc, path).as_ref() == Some(&value) {
            return Ok(false);
        }
        let (parent, key) = parent_or_create(&mut self.doc, path)?;
        self.doc.put(&parent, key.as_str(), value)?;
        commit_now(&mut self.doc);
        Ok(true)
    }

    /// Removes the key at the end of the path (a record, an id set member).
    pub fn delete(&mut self, path: &FieldPath) -> Result<bool, EditError> {
        let Some((parent, key)) = parent(&self.doc, path) else {
            return Ok(false);
        };
        if self.doc.get(&parent, key.as_str())?.is_none() {
            return Ok(false);
        }
        self.doc.delete(&parent, key.as_str())?;
        commit_now(&mut self.doc);
        Ok(true)
    }

    /// Reads, changes and writes back the whole document as `T`
    /// ([`docs::update`]); only what changed is written.
    pub fn update<T: Shape>(&mut self, change: impl FnOnce(&mut T)) -> Result<bool, EditError> {
        let before = self.doc.get_heads();
        docs::update::<T>(&mut self.doc, change)?;
        commit_now(&mut self.doc);
        Ok(self.doc.get_heads() != before)
    }

    /// Writes the fields an older version of the schema lacked ([`docs::upgrade`]).
    pub fn upgrade<T: Shape>(&mut self) -> Result<bool, EditError> {
        let changed = docs::upgrade::<T>(&mut self.doc)?;
        if changed {
            commit_now(&mut self.doc);
        }
        Ok(changed)
    }

    /// Adds `record` at the end of the collection at `path`; returns its id.
    pub fn push_record<R: Reconcile + Positioned>(
        &mut self,
        path: &FieldPath,
        mut record: R,
    ) -> Result<String, EditError> {
        let existing = slots(&self.doc, path);
        record.set_pos(items::next_pos(&existing));
        let id = items::new_id();
        let (parent, key) = parent_or_create(&mut self.doc, &path.child(id.clone()))?;
        autosurgeon::reconcile_prop(&mut self.doc, &parent, key.as_str(), &record)?;
        commit_now(&mut self.doc);
        Ok(id)
    }

    /// Moves record `id` of the collection at `path` to `index` of the display order.
    pub fn move_record(
        &mut self,
        path: &FieldPath,
        id: &str,
        index: usize,
    ) -> Result<bool, EditError> {
        let mut positions = slots(&self.doc, path);
        if !items::move_to(&mut positions, id, index) {
            return Ok(false);
        }
        let pos = positions.get(id).map(|s| s.pos).unwrap_or_default();
        self.put_scalar(&path.child(id).child("pos"), pos)
    }

    /// Brings the view up to date: a new `version` if the document changed.
    pub fn refresh_view(&mut self) {
        let view = self.view;
        let heads = self.doc.get_heads();
        if heads != self.shown_heads {
            self.shown_heads = heads;
            view.version.try_update(|v| *v += 1);
        }
        let unsent = self.unsent_changes();
        set_if_changed(view.unsent, unsent);
        if self.has_content() {
            set_if_changed(view.availability, Availability::Ready);
        }
    }

    /// Records someone's presence message.
    pub fn receive_presence(&mut self, session: String, presence: Presence) {
        if presence.left {
            self.presence.remove(&session);
        } else {
            self.presence
                .insert(session, (presence, js_sys::Date::now()));
        }
        self.publish_people();
    }

    /// Forgets everyone: offline, we cannot know who is still here.
    pub fn clear_presence(&mut self) {
        if !self.presence.is_empty() {
            self.presence.clear();
            self.publish_people();
        }
    }

    /// Drops people not heard from recently.
    pub fn prune_presence(&mut self) {
        let now = js_sys::Date::now();
        let before = self.presence.len();
        self.presence
            .retain(|_, (_, seen)| now - *seen < PRESENCE_TTL_MS);
        if self.presence.len() != before {
            self.publish_people();
        }
    }

    fn publish_people(&self) {
        let mut people: Vec<Person> = self
            .presence
            .iter()
            .map(|(session, (p, _))| Person {
                session: session.clone(),
                name: p.name.clone(),
                field: p.field.clone(),
            })
            .collect();
        people.sort_by(|a, b| a.name.cmp(&b.name).then(a.session.cmp(&b.session)));
        set_if_changed(self.view.people, people);
    }
}

fn set_if_changed<T: PartialEq + Send + Sync + 'static>(signal: RwSignal<T>, value: T) {
    if signal.try_with_untracked(|v| *v != value).unwrap_or(false) {
        signal.try_set(value);
    }
}

/// Saves the draft to the offline store, in order, coalescing bursts of edits.
pub fn persist(handle: &DraftHandle) {
    {
        let mut draft = handle.borrow_mut();
        if !draft.has_content() {
            return;
        }
        if draft.saving {
            draft.save_again = true;
            return;
        }
        draft.saving = true;
    }
    let handle = handle.clone();
    leptos::task::spawn_local(async move {
        loop {
            let (id, record) = {
                let mut draft = handle.borrow_mut();
                draft.save_again = false;
                (draft.id, crate::timing::timed("save", || draft.record()))
            };
            if let Err(e) = crate::store::save(id, &record).await {
                let view = handle.borrow().view;
                view.error.try_set(Some(e.to_string()));
            }
            let mut draft = handle.borrow_mut();
            if !draft.save_again {
                draft.saving = false;
                break;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ObjType, ROOT};

    use super::{ordered_ids, FieldPath};

    /// Records show in the order of their `pos`, not of their keys.
    #[test]
    fn records_are_ordered_by_their_pos() {
        let mut doc = AutoCommit::new();
        let list = doc.put_object(ROOT, "needs", ObjType::Map).unwrap();
        for (key, pos) in [("a", 3.0), ("b", 1.0), ("c", 2.0)] {
            let record = doc.put_object(&list, key, ObjType::Map).unwrap();
            doc.put(&record, "pos", pos).unwrap();
        }
        assert_eq!(
            ordered_ids(&doc, &FieldPath::new(["needs"])),
            vec!["b", "c", "a"]
        );
    }
}
