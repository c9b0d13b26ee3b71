//! A document's past, read from Automerge's own change history: who wrote
//! what and when ([`timeline`]), which person wrote each span of a text
//! ([`attribution`]), what changed between two versions ([`compare`]) and
//! where people changed the same field while apart ([`concurrent_edits`]).
//!
//! Every change carries the actor that wrote it; the server binds each actor
//! to the one person who first used it, so [`Authors`] (actor → person, from
//! the server) turns actors into people. A version is a set of heads; the
//! element ids of Automerge text tell exactly which change wrote each
//! character, so attribution and compare are exact, not guessed from a
//! textual diff. Pure functions over an [`Automerge`] document: the server
//! and the app run the same code.

use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, HashSet};

use automerge::legacy::{self, ElementId, Key, ObjectId, OpType};
use automerge::{
    ActorId, Automerge, ChangeHash, ObjId, ObjType, ReadDoc, ScalarValue, ScalarValueRef, Value,
    ValueRef, ROOT,
};
use serde::{Deserialize, Serialize};

use crate::policy::{APPROVALS_KEY, COMMENTS_KEY};

/// Changes by one person less than this far apart (seconds) form one session.
pub const SESSION_GAP_SECS: i64 = 30 * 60;

/// A person as the history names them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Author {
    /// Stable key of the person (`user:<id>`), or `actor:<hex>` when the
    /// server bound no person to the actor.
    pub key: String,
    /// Their name; empty when unknown.
    pub name: String,
}

/// The server's actor bindings for one document: actor (hex) → person.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Authors(pub HashMap<String, Author>);

impl Authors {
    /// The person behind `actor`, or an unnamed author keyed by the actor.
    pub fn of(&self, actor: &ActorId) -> Author {
        let hex = actor.to_hex_string();
        self.0.get(&hex).cloned().unwrap_or_else(|| Author {
            key: format!("actor:{hex}"),
            name: String::new(),
        })
    }
}

/// A field: keys from the document root (record ids included).
pub type FieldPath = Vec<String>;

// ------------------------------------------------------------------ changes

/// What one change wrote, decoded once.
struct ChangeInfo {
    hash: ChangeHash,
    actor: ActorId,
    seq: u64,
    time: i64,
    deps: Vec<usize>,
    ops: Vec<(OpKey, legacy::Op)>,
}

/// An operation's id: (counter, actor). Element ids of text are these.
type OpKey = (u64, ActorId);

fn op_key(id: &legacy::OpId) -> OpKey {
    (id.0, id.1.clone())
}

fn exid_key(id: &ObjId) -> Option<OpKey> {
    match id {
        ObjId::Root => None,
        ObjId::Id(counter, actor, _) => Some((*counter, actor.clone())),
    }
}

/// The change graph in a readable order: causal, and by time where causality
/// leaves a choice (so offline work appears when it was written).
struct Graph {
    changes: Vec<ChangeInfo>,
    index: HashMap<ChangeHash, usize>,
    /// Where each object was made: its parent object and key.
    made_at: HashMap<OpKey, (ObjectId, Key)>,
    /// Operations that made a record or put a set member.
    members: HashSet<OpKey>,
}

impl Graph {
    fn of(doc: &Automerge) -> Self {
        let raw = doc.get_changes(&[]);
        let by_hash: HashMap<ChangeHash, usize> =
            raw.iter().enumerate().map(|(i, c)| (c.hash(), i)).collect();
        // Kahn's algorithm, earliest time (then hash) first among the ready.
        let mut waiting: Vec<usize> = raw
            .iter()
            .map(|c| c.deps().iter().filter(|d| by_hash.contains_key(d)).count())
            .collect();
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); raw.len()];
        for (i, c) in raw.iter().enumerate() {
            for d in c.deps() {
                if let Some(&p) = by_hash.get(d) {
                    children[p].push(i);
                }
            }
        }
        let mut ready: BinaryHeap<std::cmp::Reverse<(i64, ChangeHash, usize)>> = waiting
            .iter()
            .enumerate()
            .filter(|(_, w)| **w == 0)
            .map(|(i, _)| std::cmp::Reverse((raw[i].timestamp(), raw[i].hash(), i)))
            .collect();
        let mut order = Vec::with_capacity(raw.len());
        while let Some(std::cmp::Reverse((_, _, i))) = ready.pop() {
            order.push(i);
            for &c in &children[i] {
                waiting[c] -= 1;
                if waiting[c] == 0 {
                    ready.push(std::cmp::Reverse((raw[c].timestamp(), raw[c].hash(), c)));
                }
            }
        }
        let position: HashMap<ChangeHash, usize> = order
            .iter()
            .enumerate()
            .map(|(pos, &i)| (raw[i].hash(), pos))
            .collect();
        let mut made_at = HashMap::new();
        let mut members = HashSet::new();
        let changes = order
            .iter()
            .map(|&i| {
                let c = &raw[i];
                let expanded = c.decode();
                let start = expanded.start_op.get();
                let ops: Vec<(OpKey, legacy::Op)> = expanded
                    .operations
                    .into_iter()
                    .enumerate()
                    .map(|(n, op)| ((start + n as u64, c.actor_id().clone()), op))
                    .collect();
                for (id, op) in &ops {
                    if matches!(op.action, OpType::Make(_)) {
                        made_at.insert(id.clone(), (op.obj.clone(), op.key.clone()));
                    }
                    if matches!(op.key, Key::Map(_))
                        && matches!(
                            op.action,
                            OpType::Make(ObjType::Map) | OpType::Put(ScalarValue::Boolean(_))
                        )
                    {
                        members.insert(id.clone());
                    }
                }
                ChangeInfo {
                    hash: c.hash(),
                    actor: c.actor_id().clone(),
                    seq: c.seq(),
                    time: c.timestamp(),
                    deps: c
                        .deps()
                        .iter()
                        .filter_map(|d| position.get(d).copied())
                        .collect(),
                    ops,
                }
            })
            .collect();
        Graph {
            changes,
            index: position,
            made_at,
            members,
        }
    }

    /// The changes a version is made of (the heads and all they depend on).
    fn closure(&self, heads: &[ChangeHash]) -> Vec<bool> {
        let mut inside = vec![false; self.changes.len()];
        let mut stack: Vec<usize> = heads
            .iter()
            .filter_map(|h| self.index.get(h).copied())
            .collect();
        while let Some(i) = stack.pop() {
            if !inside[i] {
                inside[i] = true;
                stack.extend(self.changes[i].deps.iter().copied());
            }
        }
        inside
    }

    /// The keys from the root to an object, as far as the history tells.
    fn path_of(&self, obj: &ObjectId) -> FieldPath {
        let mut path = Vec::new();
        let mut at = obj.clone();
        // Bounded: a path is never deeper than the number of objects.
        for _ in 0..=self.made_at.len() {
            match at {
                ObjectId::Root => break,
                ObjectId::Id(ref id) => match self.made_at.get(&op_key(id)) {
                    Some((parent, key)) => {
                        path.push(key_name(key));
                        at = parent.clone();
                    }
                    None => break,
                },
            }
        }
        path.reverse();
        path
    }

    /// The field an operation touches. A text or list is one field, and
    /// so is a map key; but adding or removing a record of a collection or
    /// a member of an id set (`id → true`) touches the collection itself.
    fn field_of(&self, op: &legacy::Op) -> FieldPath {
        let mut path = self.path_of(&op.obj);
        if let Key::Map(k) = &op.key {
            let whole = match &op.action {
                OpType::Make(ObjType::Map) | OpType::Put(ScalarValue::Boolean(_)) => true,
                OpType::Delete => op.pred.iter().any(|p| self.members.contains(&op_key(p))),
                _ => false,
            };
            if !whole {
                path.push(k.to_string());
            }
        }
        path
    }

    /// Vector clocks: for each change, the highest seq of each actor it includes.
    fn clocks(&self) -> Vec<HashMap<ActorId, u64>> {
        let mut clocks: Vec<HashMap<ActorId, u64>> = Vec::with_capacity(self.changes.len());
        for c in &self.changes {
            let mut clock: HashMap<ActorId, u64> = HashMap::new();
            for &d in &c.deps {
                for (a, s) in &clocks[d] {
                    let e = clock.entry(a.clone()).or_default();
                    *e = (*e).max(*s);
                }
            }
            clock.insert(c.actor.clone(), c.seq);
            clocks.push(clock);
        }
        clocks
    }
}

fn key_name(key: &Key) -> String {
    match key {
        Key::Map(k) => k.to_string(),
        Key::Seq(_) => "#".into(),
    }
}

/// Content the reviewer reads, not notes about it.
fn is_content(path: &[String]) -> bool {
    !matches!(
        path.first().map(String::as_str),
        Some(COMMENTS_KEY | APPROVALS_KEY)
    )
}

// ------------------------------------------------------------------ timeline

/// Edits by one person close together in time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub by: Author,
    /// Seconds since 1970 of its first and last change, as the writer's
    /// device recorded them (0 when it recorded none).
    pub start: i64,
    pub end: i64,
    pub changes: usize,
    /// The fields it touched, in the order first touched.
    pub fields: Vec<FieldPath>,
    /// The document's version right after this session.
    pub heads: Vec<ChangeHash>,
}

/// The history of a document as sessions, oldest first.
pub fn timeline(doc: &Automerge, authors: &Authors) -> Vec<Session> {
    let graph = Graph::of(doc);
    let mut sessions: Vec<Session> = Vec::new();
    let mut heads: BTreeSet<usize> = BTreeSet::new();
    for (i, c) in graph.changes.iter().enumerate() {
        for d in &c.deps {
            heads.remove(d);
        }
        heads.insert(i);
        let by = authors.of(&c.actor);
        let continues = sessions
            .last()
            .is_some_and(|s| s.by.key == by.key && c.time - s.end <= SESSION_GAP_SECS);
        if !continues {
            sessions.push(Session {
                by,
                start: c.time,
                end: c.time,
                changes: 0,
                fields: Vec::new(),
                heads: Vec::new(),
            });
        }
        let session = sessions.last_mut().expect("a session was just pushed");
        session.end = session.end.max(c.time);
        session.changes += 1;
        for (_, op) in &c.ops {
            let field = graph.field_of(op);
            if !session.fields.contains(&field) {
                session.fields.push(field);
            }
        }
        session.heads = heads.iter().map(|&h| graph.changes[h].hash).collect();
        session.heads.sort();
    }
    sessions
}

// ------------------------------------------------------------------ attribution

/// A run of text and who wrote it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Span {
    pub text: String,
    pub by: Author,
}

/// The object at `path` in the version `heads` (`None`: the current one).
pub fn object_at(
    doc: &impl ReadDoc,
    path: &[String],
    heads: Option<&[ChangeHash]>,
) -> Option<ObjId> {
    let mut obj = ROOT;
    for key in path {
        let found = match heads {
            Some(h) => doc.get_at(&obj, key.as_str(), h),
            None => doc.get(&obj, key.as_str()),
        };
        match found.ok()? {
            Some((Value::Object(_), id)) => obj = id,
            _ => return None,
        }
    }
    Some(obj)
}

/// The characters of a text object at `heads`, each with the id of the
/// operation that inserted it (which names its writer).
fn chars(doc: &Automerge, text: &ObjId, heads: &[ChangeHash]) -> Vec<(String, OpKey)> {
    doc.list_range_at(text, .., heads)
        .filter_map(|item| {
            let id = exid_key(&item.id())?;
            let s = match item.value {
                ValueRef::Scalar(ScalarValueRef::Str(s)) => s.into_owned(),
                _ => return None,
            };
            Some((s, id))
        })
        .collect()
}

/// Who wrote each span of the text at `path` in version `heads`; `None` when
/// no text is there.
pub fn attribution(
    doc: &Automerge,
    path: &[String],
    heads: &[ChangeHash],
    authors: &Authors,
) -> Option<Vec<Span>> {
    let text = object_at(doc, path, Some(heads))?;
    if doc.object_type(&text).ok()? != ObjType::Text {
        return None;
    }
    let mut spans: Vec<Span> = Vec::new();
    let mut names: HashMap<ActorId, Author> = HashMap::new();
    for (s, (_, actor)) in chars(doc, &text, heads) {
        let by = names
            .entry(actor.clone())
            .or_insert_with(|| authors.of(&actor))
            .clone();
        match spans.last_mut() {
            Some(last) if last.by.key == by.key => last.text.push_str(&s),
            _ => spans.push(Span { text: s, by }),
        }
    }
    Some(spans)
}

// ------------------------------------------------------------------ compare

/// How a piece of text differs between the two versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PieceKind {
    Same,
    Inserted,
    Deleted,
}

/// A run of text in a compared field: kept, inserted (by its writer) or
/// deleted (by whoever deleted it, or its writer if it was never in the
/// newer version's history).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Piece {
    pub kind: PieceKind,
    pub text: String,
    pub by: Option<Author>,
}

/// One difference between two versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Difference {
    /// A text field, with every piece marked.
    Text { pieces: Vec<Piece> },
    /// A value (choice, date, number, set member) set, changed or cleared.
    Value {
        before: Option<String>,
        after: Option<String>,
        by: Option<Author>,
    },
    /// A record added to a collection; its fields follow as their own differences.
    Added { by: Option<Author> },
    /// A record removed from a collection, with a few words of what it said.
    Removed { by: Option<Author>, gist: String },
    /// A record moved to another place in its collection.
    Moved { by: Option<Author> },
}

/// A difference at a field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub path: FieldPath,
    #[serde(flatten)]
    pub change: Difference,
}

/// Everything that differs between two versions, in document order, and a
/// count per section (the first key of the path).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub changes: Vec<FieldChange>,
    pub per_section: BTreeMap<String, usize>,
}

/// Who removed what between two versions: list elements and map keys.
#[derive(Default)]
struct Removals {
    elements: HashMap<OpKey, ActorId>,
    keys: HashMap<(ObjectId, String), ActorId>,
}

struct Comparer<'a> {
    doc: &'a Automerge,
    from: &'a [ChangeHash],
    to: &'a [ChangeHash],
    authors: &'a Authors,
    removals: Removals,
    out: Vec<FieldChange>,
}

/// What changed from version `from` to version `to` (usually the last
/// approved version and now; either may be the other's ancestor or not).
pub fn compare(
    doc: &Automerge,
    from: &[ChangeHash],
    to: &[ChangeHash],
    authors: &Authors,
) -> Comparison {
    let graph = Graph::of(doc);
    let (in_from, in_to) = (graph.closure(from), graph.closure(to));
    let mut removals = Removals::default();
    for (i, c) in graph.changes.iter().enumerate() {
        if !in_to[i] || in_from[i] {
            continue;
        }
        for (_, op) in &c.ops {
            if !matches!(op.action, OpType::Delete) {
                continue;
            }
            match &op.key {
                Key::Seq(ElementId::Id(e)) => {
                    removals.elements.insert(op_key(e), c.actor.clone());
                }
                Key::Map(k) => {
                    removals
                        .keys
                        .insert((op.obj.clone(), k.to_string()), c.actor.clone());
                }
                Key::Seq(ElementId::Head) => {}
            }
        }
    }
    let mut cmp = Comparer {
        doc,
        from,
        to,
        authors,
        removals,
        out: Vec::new(),
    };
    cmp.map(&ROOT, &mut Vec::new(), true, true);
    let mut per_section = BTreeMap::new();
    for c in &cmp.out {
        if let Some(first) = c.path.first() {
            *per_section.entry(first.clone()).or_default() += 1;
        }
    }
    Comparison {
        changes: cmp.out,
        per_section,
    }
}

fn legacy_obj(id: &ObjId) -> ObjectId {
    match id {
        ObjId::Root => ObjectId::Root,
        ObjId::Id(counter, actor, _) => ObjectId::Id(legacy::OpId(*counter, actor.clone())),
    }
}

fn show(value: &Value<'_>) -> String {
    match value {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Str(s) => s.to_string(),
            other => other.to_string(),
        },
        Value::Object(t) => format!("({t})"),
    }
}

impl Comparer<'_> {
    fn by(&self, id: &ObjId) -> Option<Author> {
        match id {
            ObjId::Id(_, actor, _) => Some(self.authors.of(actor)),
            ObjId::Root => None,
        }
    }

    fn push(&mut self, path: &[String], change: Difference) {
        self.out.push(FieldChange {
            path: path.to_vec(),
            change,
        });
    }

    /// Compares a map present in `from` (if `was`) and in `to` (if `is`).
    fn map(&mut self, obj: &ObjId, path: &mut Vec<String>, was: bool, is: bool) {
        let mut keys: BTreeSet<String> = BTreeSet::new();
        if was {
            keys.extend(
                self.doc
                    .map_range_at(obj, .., self.from)
                    .map(|i| i.key.to_string()),
            );
        }
        if is {
            keys.extend(
                self.doc
                    .map_range_at(obj, .., self.to)
                    .map(|i| i.key.to_string()),
            );
        }
        for key in keys {
            path.push(key.clone());
            if is_content(path) {
                self.key(obj, &key, path, was, is);
            }
            path.pop();
        }
    }

    fn key(&mut self, obj: &ObjId, key: &str, path: &mut Vec<String>, was: bool, is: bool) {
        let before = if was {
            self.doc.get_at(obj, key, self.from).ok().flatten()
        } else {
            None
        };
        let after = if is {
            self.doc.get_at(obj, key, self.to).ok().flatten()
        } else {
            None
        };
        match (before, after) {
            (None, None) => {}
            (Some((Value::Object(t), a)), Some((Value::Object(u), b))) if a == b && t == u => {
                self.object(&a, t, path, true, true)
            }
            (None, Some((Value::Object(t), b))) => {
                if t == ObjType::Map {
                    let by = self.by(&b);
                    self.push(path, Difference::Added { by });
                }
                self.object(&b, t, path, false, true);
            }
            (Some((Value::Object(t), a)), None) => {
                let by = self
                    .removals
                    .keys
                    .get(&(legacy_obj(obj), key.to_string()))
                    .map(|actor| self.authors.of(actor))
                    .or_else(|| self.by(&a));
                if t == ObjType::Map {
                    let gist = self.gist(&a);
                    self.push(path, Difference::Removed { by, gist });
                } else {
                    let before = self.render(&a, t, self.from);
                    self.push(
                        path,
                        Difference::Value {
                            before: Some(before),
                            after: None,
                            by,
                        },
                    );
                }
            }
            (before, after) => {
                if let (Some((_, a)), Some((_, b))) = (&before, &after) {
                    if a == b {
                        return;
                    }
                }
                let text = |v: &Option<(Value<'_>, ObjId)>, heads| match v {
                    Some((Value::Object(t), id)) => Some(self.render(id, *t, heads)),
                    Some((v, _)) => Some(show(v)),
                    None => None,
                };
                let (before_text, after_text) = (text(&before, self.from), text(&after, self.to));
                if before_text == after_text {
                    return;
                }
                let by = match &after {
                    Some((_, b)) => self.by(b),
                    None => self
                        .removals
                        .keys
                        .get(&(legacy_obj(obj), key.to_string()))
                        .map(|actor| self.authors.of(actor)),
                };
                let moved = key == "pos" && path.len() >= 3 && before.is_some() && after.is_some();
                if moved {
                    self.push(
                        path[..path.len() - 1].to_vec().as_slice(),
                        Difference::Moved { by },
                    );
                } else if key != "pos" {
                    self.push(
                        path,
                        Difference::Value {
                            before: before_text,
                            after: after_text,
                            by,
                        },
                    );
                }
            }
        }
    }

    fn object(&mut self, id: &ObjId, t: ObjType, path: &mut Vec<String>, was: bool, is: bool) {
        match t {
            ObjType::Map | ObjType::Table => self.map(id, path, was, is),
            ObjType::Text => self.text(id, path, was, is),
            ObjType::List => {
                let before = was.then(|| self.render(id, t, self.from));
                let after = is.then(|| self.render(id, t, self.to));
                if before != after {
                    let by = self.by(id);
                    self.push(path, Difference::Value { before, after, by });
                }
            }
        }
    }

    fn text(&mut self, id: &ObjId, path: &[String], was: bool, is: bool) {
        let old = if was {
            chars(self.doc, id, self.from)
        } else {
            Vec::new()
        };
        let new = if is {
            chars(self.doc, id, self.to)
        } else {
            Vec::new()
        };
        let in_old: HashSet<&OpKey> = old.iter().map(|(_, k)| k).collect();
        let in_new: HashSet<&OpKey> = new.iter().map(|(_, k)| k).collect();
        let mut pieces: Vec<Piece> = Vec::new();
        let mut add = |kind: PieceKind, s: &str, by: Option<Author>| match pieces.last_mut() {
            Some(last) if last.kind == kind && last.by == by => last.text.push_str(s),
            _ => pieces.push(Piece {
                kind,
                text: s.to_string(),
                by,
            }),
        };
        let (mut i, mut j) = (0, 0);
        let mut changed = false;
        // Elements common to both versions keep their relative order; between
        // two of them, what only the old had was deleted, what only the new
        // has was inserted.
        while i < old.len() || j < new.len() {
            if i < old.len() && !in_new.contains(&old[i].1) {
                let (s, k) = &old[i];
                let by = self.removals.elements.get(k).unwrap_or(&k.1).clone();
                add(PieceKind::Deleted, s, Some(self.authors.of(&by)));
                changed = true;
                i += 1;
            } else if j < new.len() && !in_old.contains(&new[j].1) {
                let (s, k) = &new[j];
                add(PieceKind::Inserted, s, Some(self.authors.of(&k.1)));
                changed = true;
                j += 1;
            } else {
                if let Some((s, _)) = new.get(j) {
                    add(PieceKind::Same, s, None);
                }
                i += 1;
                j += 1;
            }
        }
        if changed {
            self.out.push(FieldChange {
                path: path.to_vec(),
                change: Difference::Text { pieces },
            });
        }
    }

    /// A value shown as text: a text's content, a list's items joined.
    fn render(&self, id: &ObjId, t: ObjType, heads: &[ChangeHash]) -> String {
        match t {
            ObjType::Text => self.doc.text_at(id, heads).unwrap_or_default(),
            ObjType::List => self
                .doc
                .list_range_at(id, .., heads)
                .map(|i| show(&i.value.into_value()))
                .collect::<Vec<_>>()
                .join(", "),
            _ => format!("({t})"),
        }
    }

    /// The first words of a record's longest text, to say which one it was.
    fn gist(&self, record: &ObjId) -> String {
        let texts = self
            .doc
            .map_range_at(record, .., self.from)
            .filter_map(|i| match i.value {
                ValueRef::Object(ObjType::Text) => self.doc.text_at(i.id(), self.from).ok(),
                ValueRef::Scalar(ScalarValueRef::Str(s)) if i.key != "pos" => Some(s.into_owned()),
                _ => None,
            });
        let best = texts.max_by_key(|t| t.chars().count()).unwrap_or_default();
        let mut gist: String = best.chars().take(80).collect();
        if best.chars().count() > 80 {
            gist.push('…');
        }
        gist
    }
}

// ------------------------------------------------------------------ concurrent edits

/// What one person wrote into a field while apart from the others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    pub by: Author,
    pub changes: Vec<ChangeHash>,
    /// Text they inserted, in the order they typed it.
    pub inserted: String,
    /// Characters they deleted.
    pub deleted: usize,
    /// Values they set (choices, dates, numbers), last one last.
    pub values: Vec<String>,
}

/// A field that two or more people changed while neither had seen the
/// other's change (offline, or at the same moment); Automerge merged them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConcurrentEdit {
    /// Stable while no further concurrent change joins: a digest of the changes.
    pub id: String,
    pub path: FieldPath,
    pub contributions: Vec<Contribution>,
    /// Time of the latest change involved.
    pub at: i64,
}

/// Every field where people's edits were merged without either seeing the
/// other's, oldest first.
pub fn concurrent_edits(doc: &Automerge, authors: &Authors) -> Vec<ConcurrentEdit> {
    let graph = Graph::of(doc);
    let clocks = graph.clocks();
    let happened_before = |a: usize, b: usize| {
        clocks[b]
            .get(&graph.changes[a].actor)
            .is_some_and(|s| *s >= graph.changes[a].seq)
    };
    // The changes touching each field.
    let mut fields: BTreeMap<FieldPath, Vec<usize>> = BTreeMap::new();
    for (i, c) in graph.changes.iter().enumerate() {
        for (_, op) in &c.ops {
            let field = graph.field_of(op);
            if !is_content(&field) || field.last().is_some_and(|k| k == "pos") {
                continue;
            }
            let list = fields.entry(field).or_default();
            if list.last() != Some(&i) {
                list.push(i);
            }
        }
    }
    let people: Vec<Author> = graph.changes.iter().map(|c| authors.of(&c.actor)).collect();
    let mut found = Vec::new();
    for (path, touching) in fields {
        // Connected groups of "concurrent, by different people".
        let n = touching.len();
        let mut group: Vec<usize> = (0..n).collect();
        fn root(group: &mut [usize], mut x: usize) -> usize {
            while group[x] != x {
                group[x] = group[group[x]];
                x = group[x];
            }
            x
        }
        let mut any = false;
        for a in 0..n {
            for b in a + 1..n {
                let (x, y) = (touching[a], touching[b]);
                if people[x].key != people[y].key
                    && !happened_before(x, y)
                    && !happened_before(y, x)
                {
                    let (ra, rb) = (root(&mut group, a), root(&mut group, b));
                    group[ra] = rb;
                    any = true;
                }
            }
        }
        if !any {
            continue;
        }
        let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (a, &change) in touching.iter().enumerate() {
            let r = root(&mut group, a);
            members.entry(r).or_default().push(change);
        }
        for changes in members.into_values().filter(|m| m.len() > 1) {
            let mut by_person: BTreeMap<String, Contribution> = BTreeMap::new();
            for &i in &changes {
                let c = &graph.changes[i];
                let who = &people[i];
                let entry = by_person
                    .entry(who.key.clone())
                    .or_insert_with(|| Contribution {
                        by: who.clone(),
                        changes: Vec::new(),
                        inserted: String::new(),
                        deleted: 0,
                        values: Vec::new(),
                    });
                entry.changes.push(c.hash);
                for (_, op) in &c.ops {
                    if graph.field_of(op) != path {
                        continue;
                    }
                    match (&op.action, op.insert) {
                        (OpType::Put(ScalarValue::Str(s)), true) => entry.inserted.push_str(s),
                        (OpType::Delete, _) => entry.deleted += 1,
                        (OpType::Put(v), false) => entry.values.push(match v {
                            ScalarValue::Str(s) => s.to_string(),
                            v => v.to_string(),
                        }),
                        _ => {}
                    }
                }
            }
            if by_person.len() < 2 {
                continue;
            }
            let mut hashes: Vec<ChangeHash> =
                changes.iter().map(|&i| graph.changes[i].hash).collect();
            hashes.sort();
            found.push(ConcurrentEdit {
                id: digest(&path, &hashes),
                at: changes
                    .iter()
                    .map(|&i| graph.changes[i].time)
                    .max()
                    .unwrap_or(0),
                path: path.clone(),
                contributions: by_person.into_values().collect(),
            });
        }
    }
    found.sort_by(|a, b| a.at.cmp(&b.at).then(a.id.cmp(&b.id)));
    found
}

/// 64-bit FNV-1a of the field and the change hashes, as 16 hex digits.
fn digest(path: &[String], hashes: &[ChangeHash]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for k in path {
        eat(k.as_bytes());
        eat(b"/");
    }
    for c in hashes {
        eat(c.as_ref());
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests;
