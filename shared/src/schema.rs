//! The shape of a programme draft document, shared by the app and the server.
//!
//! This is the first document type: a title, a summary and a list of items,
//! each free-text field an Automerge Text so concurrent typing merges by
//! character. The full programme-cycle schema builds on these conventions.

use automerge::transaction::Transactable;
use automerge::{AutomergeError, ObjType, ReadDoc, ROOT};

/// Root key holding `{ kind, version }` so older documents can be recognised.
pub const SCHEMA: &str = "schema";
pub const SCHEMA_KIND: &str = "programme_draft";
pub const SCHEMA_VERSION: u64 = 1;

/// Single-line text field: the document's title.
pub const TITLE: &str = "title";
/// Multi-line text field: what the programme is about.
pub const SUMMARY: &str = "summary";
/// List of items, each a map with a `text` Text.
pub const ITEMS: &str = "items";
/// Key of an item's text inside its map.
pub const ITEM_TEXT: &str = "text";

/// The top-level text fields, in the order the editor shows them.
pub const TEXT_FIELDS: &[&str] = &[TITLE, SUMMARY];

/// Writes the skeleton of a new programme draft. Call once, by the document's creator.
pub fn init_draft(
    tx: &mut impl Transactable,
    title: &str,
    summary: &str,
) -> Result<(), AutomergeError> {
    let schema = tx.put_object(ROOT, SCHEMA, ObjType::Map)?;
    tx.put(&schema, "kind", SCHEMA_KIND)?;
    tx.put(&schema, "version", SCHEMA_VERSION)?;
    for (key, value) in [(TITLE, title), (SUMMARY, summary)] {
        let text = tx.put_object(ROOT, key, ObjType::Text)?;
        tx.splice_text(&text, 0, 0, value)?;
    }
    tx.put_object(ROOT, ITEMS, ObjType::List)?;
    Ok(())
}

/// Appends an item with the given text at `index`.
pub fn insert_item(
    tx: &mut impl Transactable,
    index: usize,
    text: &str,
) -> Result<(), AutomergeError> {
    let items = match tx.get(ROOT, ITEMS)? {
        Some((_, id)) => id,
        None => tx.put_object(ROOT, ITEMS, ObjType::List)?,
    };
    let item = tx.insert_object(&items, index, ObjType::Map)?;
    let t = tx.put_object(&item, ITEM_TEXT, ObjType::Text)?;
    tx.splice_text(&t, 0, 0, text)?;
    Ok(())
}

/// Whether the document has been initialised (has a schema marker).
pub fn is_initialised(doc: &impl ReadDoc) -> bool {
    matches!(doc.get(ROOT, SCHEMA), Ok(Some(_)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::AutoCommit;

    #[test]
    fn a_new_draft_has_its_fields() {
        let mut doc = AutoCommit::new();
        init_draft(&mut doc, "Access to justice", "Why").unwrap();
        insert_item(&mut doc, 0, "Legal aid").unwrap();
        assert!(is_initialised(&doc));
        let (_, title) = doc.get(ROOT, TITLE).unwrap().unwrap();
        assert_eq!(doc.text(&title).unwrap(), "Access to justice");
        let (_, items) = doc.get(ROOT, ITEMS).unwrap().unwrap();
        assert_eq!(doc.length(&items), 1);
    }
}
