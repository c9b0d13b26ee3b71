//! The typed schema of every programme document, shared by app and server.
//!
//! Documents are read with autosurgeon's `hydrate` and written with
//! `reconcile` (whole records) or, for text the person is typing, with
//! `splice_text` on the field's Text object. `schema.version` records the
//! shape that wrote a document; since every field defaults when missing, a
//! document written before a field was added still opens, and [`upgrade`]
//! writes the missing fields the first time someone who may write opens it.

pub mod comments;
pub mod items;
pub mod model;
pub mod trace;
pub mod validate;
pub mod vocab;

use automerge::{AutoCommit, ROOT};
use autosurgeon::ReadDoc;
use autosurgeon::{hydrate, reconcile, Hydrate, HydrateError, Reconcile, ReconcileError};

use crate::policy::DocKind;
pub use model::*;

/// The shape version this build writes. History:
/// 1 — the programme cycle: engagement, request, assessment, consultations,
///     parties, programme, evaluation, taxonomy; consultation submissions
///     (added without a version change: a new document kind).
pub const VERSION: u64 = 1;

/// Root key of the [`SchemaMark`].
pub const SCHEMA_KEY: &str = "schema";

/// A document type of the cycle.
pub trait Shape: Hydrate + Reconcile + Default {
    const KIND: DocKind;
    fn mark(&mut self) -> &mut SchemaMark;
}

macro_rules! shapes {
    ($($t:ty => $kind:ident),* $(,)?) => {$(
        impl Shape for $t {
            const KIND: DocKind = DocKind::$kind;
            fn mark(&mut self) -> &mut SchemaMark {
                &mut self.schema
            }
        }
    )*};
}

shapes!(
    Engagement => Engagement,
    Request => Request,
    Assessment => Assessment,
    Consultations => Consultations,
    Parties => Parties,
    Programme => Programme,
    Evaluation => Evaluation,
    Taxonomy => Taxonomy,
    Submission => Submission,
);

/// Why a document cannot be read as the type asked for.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("this is a {found} document, not a {expected}")]
    WrongKind {
        expected: &'static str,
        found: String,
    },
    #[error("the document does not match its schema: {0}")]
    Shape(#[from] HydrateError),
    #[error("could not write the document: {0}")]
    Write(#[from] ReconcileError),
}

/// The kind a document says it is (`schema.kind`), if any.
pub fn declared_kind(doc: &impl ReadDoc) -> Option<String> {
    let mark: SchemaMark = autosurgeon::hydrate_prop(doc, ROOT, SCHEMA_KEY).ok()?;
    (!mark.kind.is_empty()).then_some(mark.kind)
}

/// The language a document is written in, when it declares exactly one
/// working language (`languages`); its text fields take that language's
/// direction. With several or none, nobody knows which a field is in, and
/// direction is never guessed from the text.
pub fn writing_language(doc: &impl ReadDoc) -> Option<String> {
    let languages: items::IdSet = autosurgeon::hydrate_prop(doc, ROOT, "languages").ok()?;
    let mut chosen = languages
        .into_iter()
        .filter(|(_, on)| *on)
        .map(|(code, _)| code);
    match (chosen.next(), chosen.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

/// `rtl` for languages written right to left (Arabic and the national
/// languages written in Arabic or Hebrew script), else `ltr`.
pub fn direction(language: &str) -> &'static str {
    const RIGHT_TO_LEFT: [&str; 12] = [
        "ar", "arc", "ckb", "dv", "fa", "he", "ku-arab", "ps", "sd", "ug", "ur", "yi",
    ];
    let primary = language.to_ascii_lowercase();
    if RIGHT_TO_LEFT.contains(&primary.as_str())
        || RIGHT_TO_LEFT.contains(&primary.split(['-', '_']).next().unwrap_or_default())
    {
        "rtl"
    } else {
        "ltr"
    }
}

/// Reads a document as `T`; fields it lacks take their defaults.
pub fn open<T: Shape>(doc: &impl ReadDoc) -> Result<T, SchemaError> {
    if let Some(found) = declared_kind(doc) {
        if found != T::KIND.as_str() {
            return Err(SchemaError::WrongKind {
                expected: T::KIND.as_str(),
                found: found.chars().take(40).collect(),
            });
        }
    }
    Ok(hydrate(doc)?)
}

/// Writes a new document of type `T` from `value` (its schema mark set here).
pub fn create<T: Shape>(doc: &mut AutoCommit, mut value: T) -> Result<(), SchemaError> {
    *value.mark() = SchemaMark {
        kind: T::KIND.as_str().to_string(),
        version: VERSION,
    };
    reconcile(doc, &value)?;
    // Made with the document, so that the first comments written at once
    // by two people land in one map.
    comments::ensure_map(doc).map_err(|e| SchemaError::Write(e.into()))?;
    Ok(())
}

/// Brings a document written by an older version up to [`VERSION`]: writes
/// every missing field (empty) and the new version. Returns whether it
/// changed anything. Only for someone who may write the whole document.
pub fn upgrade<T: Shape>(doc: &mut AutoCommit) -> Result<bool, SchemaError> {
    let mut value: T = open(doc)?;
    if value.mark().version >= VERSION && !value.mark().kind.is_empty() {
        return Ok(false);
    }
    *value.mark() = SchemaMark {
        kind: T::KIND.as_str().to_string(),
        version: VERSION,
    };
    reconcile(doc, &value)?;
    Ok(true)
}

/// Reads, changes and writes back a document in one step.
pub fn update<T: Shape>(
    doc: &mut AutoCommit,
    change: impl FnOnce(&mut T),
) -> Result<(), SchemaError> {
    let mut value: T = open(doc)?;
    change(&mut value);
    reconcile(doc, &value)?;
    Ok(())
}

#[cfg(test)]
mod tests;
