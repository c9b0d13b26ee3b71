//! Convergence of every document type of the cycle (issue 8): 3–5 replicas
//! of a fully written document (the demo engagement's seven documents, a
//! taxonomy and a consultation submission) make random edits of the kinds
//! people make — typing and deleting in any text field, changing any field
//! to another value it takes in the document, adding, removing and moving
//! records, ticking and unticking ids, commenting on words, and reading the
//! whole document into its type and writing it back — while their sync
//! messages are dropped, duplicated and reordered (`shared/tests/network`).
//! Once the network heals, every replica has the same heads and content,
//! reads as its type without error, and reads as the same typed value.

#[path = "../../shared/tests/network/mod.rs"]
mod network;

use std::collections::BTreeMap;
use std::fmt::Debug;

use accord_server::seed::demo_document_bytes;
use accord_shared::docs::comments::{self, Comment};
use accord_shared::docs::items::{push, Items};
use accord_shared::docs::vocab::SubmissionStatus;
use accord_shared::docs::{self, validate, *};
use accord_shared::policy::DocKind;
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue, Value, ROOT};
use autosurgeon::Text;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

/// What a replica can edit in its copy right now.
#[derive(Default)]
struct Catalog {
    texts: Vec<ObjId>,
    /// Scalar fields outside `schema`: (map, key, value, shape: the path
    /// with record ids as `*`).
    scalars: Vec<(ObjId, String, ScalarValue, String)>,
    /// Records (maps with a `pos`) of collections, by the map that holds them.
    records: Vec<(ObjId, String)>,
    /// Maps of id → bool.
    id_sets: Vec<ObjId>,
    /// Every id seen in an id set.
    ids: Vec<String>,
    /// Every value each shape of field takes somewhere in the document: a
    /// field is only ever set to a value its kind of field holds (so
    /// enumerations stay enumerations; `status` of an evaluation and of one
    /// of its actions are different fields).
    values: BTreeMap<String, Vec<ScalarValue>>,
}

fn catalog(doc: &AutoCommit) -> Catalog {
    let mut cat = Catalog::default();
    walk(doc, &ROOT, "", &mut cat);
    cat
}

fn walk(doc: &AutoCommit, map: &ObjId, shape: &str, cat: &mut Catalog) {
    let mut bools = 0;
    // A collection (`Items`) holds nothing but records; a record that is a
    // field of another (an indicator's `baseline`) is not removed or copied.
    let mut records = 0;
    let keys: Vec<String> = doc.keys(map).collect();
    for key in &keys {
        match doc.get(map, key.as_str()).unwrap().unwrap() {
            (Value::Object(ObjType::Text), id) => cat.texts.push(id),
            (Value::Object(ObjType::Map), id) => {
                if key == docs::SCHEMA_KEY && *map == ROOT {
                    continue;
                }
                let record = matches!(doc.get(&id, "pos"), Ok(Some((Value::Scalar(_), _))));
                if record {
                    records += 1;
                }
                let step = if record { "*" } else { key.as_str() };
                walk(doc, &id, &format!("{shape}/{step}"), cat);
            }
            (Value::Object(_), _) => {}
            (Value::Scalar(v), _) => {
                let v = v.into_owned();
                if matches!(v, ScalarValue::Boolean(_)) {
                    bools += 1;
                }
                let shape = format!("{shape}/{key}");
                cat.values.entry(shape.clone()).or_default().push(v.clone());
                cat.scalars.push((map.clone(), key.clone(), v, shape));
            }
        }
    }
    if records > 0 && records == keys.len() {
        cat.records
            .extend(keys.iter().map(|key| (map.clone(), key.clone())));
    }
    if bools > 0 && bools == keys.len() && *map != ROOT {
        cat.id_sets.push(map.clone());
        cat.ids.extend(keys);
    }
}

fn fail(e: impl Debug) -> TestCaseError {
    TestCaseError::fail(format!("{e:?}"))
}

/// A copy of the record `from` (text, maps, scalars) as `to_key` in `to`.
fn copy_object(
    doc: &mut AutoCommit,
    from: &ObjId,
    to: &ObjId,
    to_key: &str,
) -> Result<(), TestCaseError> {
    let new = doc.put_object(to, to_key, ObjType::Map).map_err(fail)?;
    let keys: Vec<String> = doc.keys(from).collect();
    for key in keys {
        match doc.get(from, key.as_str()).map_err(fail)?.unwrap() {
            (Value::Object(ObjType::Text), id) => {
                let words = doc.text(&id).map_err(fail)?;
                let text = doc
                    .put_object(&new, key.as_str(), ObjType::Text)
                    .map_err(fail)?;
                doc.splice_text(&text, 0, 0, &words).map_err(fail)?;
            }
            (Value::Object(ObjType::Map), id) => copy_object(doc, &id, &new, &key)?,
            (Value::Object(_), _) => {}
            (Value::Scalar(v), _) => {
                doc.put(&new, key.as_str(), v.into_owned()).map_err(fail)?;
            }
        }
    }
    Ok(())
}

fn nth<T>(list: &[T], pick: u64) -> Option<&T> {
    (!list.is_empty()).then(|| &list[(pick % list.len() as u64) as usize])
}

/// One edit, chosen and placed by `pick`.
fn edit(
    kind: DocKind,
    doc: &mut AutoCommit,
    replica: usize,
    pick: u64,
    words: &str,
) -> Result<(), TestCaseError> {
    let cat = catalog(doc);
    let (what, pick) = (pick % 9, pick / 9);
    match what {
        // Typing and deleting in a text field.
        0 | 1 => {
            if let Some(text) = nth(&cat.texts, pick) {
                let len = doc.length(text);
                let at = (pick >> 16) as usize % (len + 1);
                let delete = if what == 1 {
                    ((pick >> 40) as usize % 4).min(len - at)
                } else {
                    0
                };
                doc.splice_text(text, at, delete as isize, words)
                    .map_err(fail)?;
            }
        }
        // A field set to another value its kind of field takes.
        2 => {
            if let Some((map, key, old, shape)) = nth(&cat.scalars, pick) {
                let value = match old {
                    ScalarValue::F64(_) => ScalarValue::F64((pick >> 20) as f64 % 64.0 / 4.0),
                    ScalarValue::Int(_) => ScalarValue::Int((pick >> 20) as i64 % 1_000_000),
                    ScalarValue::Uint(_) => ScalarValue::Uint((pick >> 20) % 1_000),
                    ScalarValue::Boolean(b) => ScalarValue::Boolean(!b),
                    _ => nth(&cat.values[shape], pick >> 20)
                        .cloned()
                        .unwrap_or(old.clone()),
                };
                doc.put(map, key.as_str(), value).map_err(fail)?;
            }
        }
        // A record removed.
        3 => {
            if let Some((map, key)) = nth(&cat.records, pick) {
                doc.delete(map, key.as_str()).map_err(fail)?;
            }
        }
        // A record added (a copy of one beside it, placed by `pick`).
        4 => {
            if let Some((map, key)) = nth(&cat.records, pick) {
                let from = doc.get(map, key.as_str()).map_err(fail)?.unwrap().1;
                let new_key = format!("r{replica}{:015x}", pick >> 4);
                copy_object(doc, &from, map, &new_key)?;
                let new = doc.get(map, new_key.as_str()).map_err(fail)?.unwrap().1;
                doc.put(&new, "pos", (pick >> 30) as f64 % 16.0 - 4.5)
                    .map_err(fail)?;
            }
        }
        // A record moved.
        5 => {
            if let Some((map, key)) = nth(&cat.records, pick) {
                let record = doc.get(map, key.as_str()).map_err(fail)?.unwrap().1;
                doc.put(&record, "pos", (pick >> 30) as f64 % 16.0 / 3.0)
                    .map_err(fail)?;
            }
        }
        // An id ticked or unticked.
        6 => {
            if let (Some(set), Some(id)) = (nth(&cat.id_sets, pick), nth(&cat.ids, pick >> 8)) {
                match (pick >> 20) % 3 {
                    0 => doc.delete(set, id.as_str()).map_err(fail)?,
                    1 => doc.put(set, id.as_str(), false).map_err(fail)?,
                    _ => doc.put(set, id.as_str(), true).map_err(fail)?,
                }
            }
        }
        // A comment on words of a field.
        7 => {
            if let Some(text) = nth(&cat.texts, pick) {
                let len = doc.length(text);
                if len > 0 {
                    let start = (pick >> 16) as usize % len;
                    let end = (start + 1 + (pick >> 40) as usize % 8).min(len);
                    let anchor = comments::anchor(doc, text, start, end).map_err(fail)?;
                    comments::add(
                        doc,
                        Comment {
                            field: "a field".into(),
                            start: anchor.start,
                            end: anchor.end,
                            quote: anchor.quote,
                            body: words.into(),
                            by: format!("replica {replica}"),
                            ..Comment::default()
                        },
                    )
                    .map_err(fail)?;
                }
            }
        }
        // The whole document read as its type and written back unchanged,
        // as the app's editors do around every record edit: it must change
        // nothing anyone sees, or it would undo what others wrote
        // concurrently. (It may write: autosurgeon puts a field's value
        // again where concurrent writes left it in conflict.)
        _ => {
            let was = network::dump(doc);
            per_type(kind, RoundTrip, std::slice::from_mut(doc))?;
            let now = network::dump(doc);
            let from = was
                .chars()
                .zip(now.chars())
                .take_while(|(a, b)| a == b)
                .count();
            let around = |s: &str| {
                s.chars()
                    .skip(from.saturating_sub(120))
                    .take(300)
                    .collect::<String>()
            };
            prop_assert!(
                was == now,
                "reading and writing back changed the document:\nbefore …{}…\nafter  …{}…",
                around(&was),
                around(&now)
            );
        }
    }
    Ok(())
}

/// Something done with the document type of a kind (closures cannot be generic).
trait PerType {
    fn call<T: Shape + PartialEq + Debug>(
        self,
        docs: &mut [AutoCommit],
    ) -> Result<(), TestCaseError>;
}

/// Calls `f` with the document type of `kind`.
fn per_type(kind: DocKind, f: impl PerType, docs: &mut [AutoCommit]) -> Result<(), TestCaseError> {
    match kind {
        DocKind::Engagement => f.call::<Engagement>(docs),
        DocKind::Request => f.call::<Request>(docs),
        DocKind::Assessment => f.call::<Assessment>(docs),
        DocKind::Consultations => f.call::<Consultations>(docs),
        DocKind::Parties => f.call::<Parties>(docs),
        DocKind::Programme => f.call::<Programme>(docs),
        DocKind::Evaluation => f.call::<Evaluation>(docs),
        DocKind::Taxonomy => f.call::<Taxonomy>(docs),
        DocKind::Submission => f.call::<Submission>(docs),
    }
}

/// Reads each document as its type and writes it back.
struct RoundTrip;

impl PerType for RoundTrip {
    fn call<T: Shape + PartialEq + Debug>(
        self,
        docs: &mut [AutoCommit],
    ) -> Result<(), TestCaseError> {
        for doc in docs {
            docs::update::<T>(doc, |_| {}).map_err(fail)?;
        }
        Ok(())
    }
}

/// Every replica reads as its type, and as the same value.
struct SameValue;

impl PerType for SameValue {
    fn call<T: Shape + PartialEq + Debug>(
        self,
        docs: &mut [AutoCommit],
    ) -> Result<(), TestCaseError> {
        let mut first: Option<T> = None;
        for (i, doc) in docs.iter().enumerate() {
            let value: T = docs::open(doc).map_err(|e| {
                TestCaseError::fail(format!("replica {i} no longer reads as its type: {e}"))
            })?;
            match &first {
                None => first = Some(value),
                Some(f) => prop_assert_eq!(&value, f, "replica {} reads differently", i),
            }
        }
        Ok(())
    }
}

/// Every document type, fully written: the demo engagement's seven
/// documents, a taxonomy and a submission (built once for every case).
fn documents() -> &'static [(DocKind, Vec<u8>)] {
    static ALL: std::sync::OnceLock<Vec<(DocKind, Vec<u8>)>> = std::sync::OnceLock::new();
    ALL.get_or_init(write_documents)
}

fn write_documents() -> Vec<(DocKind, Vec<u8>)> {
    let mut all = demo_document_bytes();
    let term = |en: &str, fr: &str| Term {
        labels: [
            ("en".to_string(), en.to_string()),
            ("fr".to_string(), fr.to_string()),
        ]
        .into(),
        ..Term::default()
    };
    let mut taxonomy = Taxonomy::default();
    push(
        &mut taxonomy.themes,
        term("Access to justice", "Accès à la justice"),
    );
    push(&mut taxonomy.themes, term("Civic space", "Espace civique"));
    push(&mut taxonomy.groups, term("Children", "Enfants"));
    push(&mut taxonomy.sdg_targets, term("16.3", "16.3"));
    let mut doc = AutoCommit::new();
    docs::create(&mut doc, taxonomy).unwrap();
    all.push((DocKind::Taxonomy, doc.save()));

    let mut attachments = Items::new();
    push(
        &mut attachments,
        Attachment {
            label: "Visit report".into(),
            url: "https://example.org/report.pdf".into(),
            ..Attachment::default()
        },
    );
    let submission = Submission {
        engagement: "2NEpo7TZRRrLZSi2U".into(),
        title: Text::from("Pre-trial detention"),
        issues: Text::from("Detainees wait 26 months for trial."),
        groups: [("children".to_string(), true)].into(),
        attachments,
        status: SubmissionStatus::Draft,
        ..Submission::default()
    };
    let mut doc = AutoCommit::new();
    docs::create(&mut doc, submission).unwrap();
    all.push((DocKind::Submission, doc.save()));
    all
}

fn converges(kind: DocKind, n: usize, steps: Vec<network::Step>) -> Result<(), TestCaseError> {
    let (_, bytes) = documents()
        .iter()
        .find(|(k, _)| *k == kind)
        .expect("a document of every kind");
    let mut base = AutoCommit::load(bytes).map_err(fail)?;
    let mut replicas: Vec<AutoCommit> = (0..n).map(|_| base.fork()).collect();
    network::play(&mut replicas, steps, |doc, replica, pick, words| {
        edit(kind, doc, replica, pick, words)
    })?;
    per_type(kind, SameValue, &mut replicas)?;
    // What the app computes from them must not fail either.
    let doc = &replicas[0];
    match kind {
        DocKind::Assessment => drop(validate::assessment(&docs::open(doc).map_err(fail)?)),
        DocKind::Programme => drop(validate::programme(&docs::open(doc).map_err(fail)?)),
        DocKind::Evaluation => drop(validate::evaluation(&docs::open(doc).map_err(fail)?)),
        _ => {}
    }
    Ok(())
}

macro_rules! kinds {
    ($($name:ident => $kind:ident),* $(,)?) => {
        proptest! {
            #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
            $(
                #[test]
                fn $name((n, steps) in network::scenario(80, "[a-zé😀 \u{202e}<>]{0,5}")) {
                    converges(DocKind::$kind, n, steps)?;
                }
            )*
        }
    };
}

kinds!(
    engagements_converge => Engagement,
    requests_converge => Request,
    assessments_converge => Assessment,
    consultation_registers_converge => Consultations,
    confidential_parties_converge => Parties,
    programmes_converge => Programme,
    evaluations_converge => Evaluation,
    taxonomies_converge => Taxonomy,
    submissions_converge => Submission,
);
