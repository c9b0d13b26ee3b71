//! One open programme draft: its Automerge document, what the server has
//! acknowledged, and the signals the editor renders from.
//!
//! The view signals are set only when a field's value really changed, so a
//! remote edit to one field re-renders that field alone.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use accord_shared::presence::Presence;
use accord_shared::schema::{self, ITEMS, ITEM_TEXT};
use accord_shared::text::text_diff;
use accord_shared::DocumentId;
use automerge::sync::State as SyncState;
use automerge::transaction::Transactable;
use automerge::{
    AutoCommit, AutomergeError, ChangeHash, LoadOptions, ObjId, ObjType, ReadDoc, ScalarValue,
    TextEncoding, Value, ValueRef, ROOT,
};
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

/// Where a free-text field lives in the document.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldPath {
    /// A top-level field such as `title`.
    Root(&'static str),
    /// The `text` of the item whose map has this id.
    Item(ObjId),
}

impl FieldPath {
    fn parent_and_key(&self) -> (ObjId, &'static str) {
        match self {
            FieldPath::Root(key) => (ROOT, key),
            FieldPath::Item(item) => (item.clone(), ITEM_TEXT),
        }
    }
}

/// What the field currently holds.
enum FieldValue {
    Text(ObjId),
    /// A plain string (written by a client that does not use Text).
    Scalar(String),
    Missing,
}

fn field_value(doc: &AutoCommit, path: &FieldPath) -> FieldValue {
    let (parent, key) = path.parent_and_key();
    match doc.get(&parent, key) {
        Ok(Some((Value::Object(ObjType::Text), id))) => FieldValue::Text(id),
        Ok(Some((Value::Scalar(s), _))) => match s.as_ref() {
            ScalarValue::Str(s) => FieldValue::Scalar(s.to_string()),
            _ => FieldValue::Missing,
        },
        _ => FieldValue::Missing,
    }
}

/// The text of a field, empty when it is absent.
pub fn read_text(doc: &AutoCommit, path: &FieldPath) -> String {
    match field_value(doc, path) {
        FieldValue::Text(id) => doc.text(&id).unwrap_or_default(),
        FieldValue::Scalar(s) => s,
        FieldValue::Missing => String::new(),
    }
}

/// The field's Text object, if it has one.
pub fn text_object(doc: &AutoCommit, path: &FieldPath) -> Option<ObjId> {
    match field_value(doc, path) {
        FieldValue::Text(id) => Some(id),
        _ => None,
    }
}

/// The field's Text, created (with any plain string it held) on first edit.
fn ensure_text(doc: &mut AutoCommit, path: &FieldPath) -> Result<ObjId, AutomergeError> {
    let (parent, key) = path.parent_and_key();
    match field_value(doc, path) {
        FieldValue::Text(id) => Ok(id),
        FieldValue::Scalar(s) => {
            let id = doc.put_object(&parent, key, ObjType::Text)?;
            doc.splice_text(&id, 0, 0, &s)?;
            Ok(id)
        }
        FieldValue::Missing => doc.put_object(&parent, key, ObjType::Text),
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

/// One item row of the editor, keyed by the item's object id.
#[derive(Debug, Clone)]
pub struct ItemRow {
    pub key: String,
    pub id: ObjId,
    pub text: RwSignal<String>,
}

/// Someone else in the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub session: String,
    pub name: String,
    pub field: Option<String>,
}

/// The reactive face of a draft; cheap to copy into components.
#[derive(Debug, Clone, Copy)]
pub struct DraftView {
    pub title: RwSignal<String>,
    pub summary: RwSignal<String>,
    pub items: RwSignal<Vec<ItemRow>>,
    pub availability: RwSignal<Availability>,
    pub unsent: RwSignal<usize>,
    pub awaiting_server: RwSignal<bool>,
    pub people: RwSignal<Vec<Person>>,
    pub error: RwSignal<Option<String>>,
}

impl DraftView {
    pub fn new() -> Self {
        Self {
            title: RwSignal::new(String::new()),
            summary: RwSignal::new(String::new()),
            items: RwSignal::new(Vec::new()),
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

    pub fn title(&self) -> String {
        read_text(&self.doc, &FieldPath::Root(schema::TITLE))
    }

    /// The record the offline store keeps for this document.
    pub fn record(&mut self) -> StoredDocument {
        StoredDocument {
            bytes: self.doc.save(),
            server_heads: self.server_heads.iter().map(|h| h.to_string()).collect(),
            title: self.title(),
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

    /// Applies what the person typed into a field. Returns whether the document changed.
    pub fn apply_input(&mut self, path: &FieldPath, new: &str) -> Result<bool, AutomergeError> {
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
        self.doc.commit();
        Ok(true)
    }

    pub fn add_item(&mut self) -> Result<(), AutomergeError> {
        let len = match self.doc.get(ROOT, ITEMS)? {
            Some((Value::Object(ObjType::List), id)) => self.doc.length(&id),
            _ => 0,
        };
        schema::insert_item(&mut self.doc, len, "")?;
        self.doc.commit();
        Ok(())
    }

    pub fn remove_item(&mut self, item: &ObjId) -> Result<(), AutomergeError> {
        if let Some((Value::Object(ObjType::List), list)) = self.doc.get(ROOT, ITEMS)? {
            let position = self
                .doc
                .list_range(&list, ..)
                .position(|entry| entry.id() == *item);
            if let Some(index) = position {
                self.doc.delete(&list, index)?;
                self.doc.commit();
            }
        }
        Ok(())
    }

    fn item_ids(&self) -> Vec<ObjId> {
        match self.doc.get(ROOT, ITEMS) {
            Ok(Some((Value::Object(ObjType::List), list))) => self
                .doc
                .list_range(&list, ..)
                .filter(|entry| matches!(entry.value, ValueRef::Object(ObjType::Map)))
                .map(|entry| entry.id())
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Brings every view signal up to date, touching only those whose value changed.
    pub fn refresh_view(&mut self) {
        let view = self.view;
        set_if_changed(
            view.title,
            read_text(&self.doc, &FieldPath::Root(schema::TITLE)),
        );
        set_if_changed(
            view.summary,
            read_text(&self.doc, &FieldPath::Root(schema::SUMMARY)),
        );

        let ids = self.item_ids();
        let existing = view.items.try_get_untracked().unwrap_or_default();
        let mut rows = Vec::with_capacity(ids.len());
        for id in ids {
            let key = id.to_string();
            let text = read_text(&self.doc, &FieldPath::Item(id.clone()));
            match existing.iter().find(|row| row.key == key) {
                Some(row) => {
                    set_if_changed(row.text, text);
                    rows.push(row.clone());
                }
                None => rows.push(ItemRow {
                    key,
                    id,
                    text: RwSignal::new(text),
                }),
            }
        }
        let same_order =
            rows.len() == existing.len() && rows.iter().zip(&existing).all(|(a, b)| a.key == b.key);
        if !same_order {
            view.items.try_set(rows);
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
                (draft.id, draft.record())
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
