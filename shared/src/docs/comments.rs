//! Comments in a document, under its root key `comments` (the write policy's
//! Comments section: they are sent to whoever may read the document).
//!
//! A comment is anchored to a field (`field`, the path of map keys joined
//! with `/`), and optionally to a span of its text by two Automerge cursors:
//! one on the first character commented and one on the last. Cursors name
//! characters, not offsets, so the span follows its words while anyone
//! types before, after or inside it; a span whose characters were all
//! deleted reads as [`Span::Removed`] and is shown with the `quote` kept
//! from when it was written.
//!
//! Replies are comments whose `thread` is the id of the first comment of
//! the thread; the first comment carries `resolved`. The collection is an
//! [`Items`] map, so comments added at once by several people all stay. The
//! map itself is made with the document ([`super::create`]); documents made
//! before that may get two `comments` maps if two people comment first at
//! the same moment, so every one of them is read ([`read`]).

use automerge::transaction::Transactable;
use automerge::{
    AutoCommit, AutomergeError, ChangeHash, Cursor, CursorPosition, MoveCursor, ObjId, ObjType,
    ReadDoc, TextEncoding, Value, ROOT,
};
use autosurgeon::{Hydrate, Reconcile};

use super::items::{self, Items};
use crate::policy::COMMENTS_KEY;
use crate::positioned;

/// One comment or reply.
#[derive(Debug, Clone, Default, PartialEq, Hydrate, Reconcile)]
pub struct Comment {
    #[autosurgeon(missing = "Default::default")]
    pub pos: f64,
    /// The id of the thread's first comment; empty for a first comment.
    #[autosurgeon(missing = "Default::default")]
    pub thread: String,
    /// The field commented on: its path of keys joined with `/`
    /// (`needs/<id>/description`); empty for the document as a whole.
    #[autosurgeon(missing = "Default::default")]
    pub field: String,
    /// Cursor on the first character of the span commented; empty for the whole field.
    #[autosurgeon(missing = "Default::default")]
    pub start: String,
    /// Cursor on the last character of the span; empty for the whole field.
    #[autosurgeon(missing = "Default::default")]
    pub end: String,
    /// The words commented on, as they were when the comment was written.
    #[autosurgeon(missing = "Default::default")]
    pub quote: String,
    #[autosurgeon(missing = "Default::default")]
    pub body: String,
    /// The name shown; the verified author is the actor of the change that wrote it.
    #[autosurgeon(missing = "Default::default")]
    pub by: String,
    /// When it was written (RFC 3339).
    #[autosurgeon(missing = "Default::default")]
    pub at: String,
    /// Only on a thread's first comment.
    #[autosurgeon(missing = "Default::default")]
    pub resolved: bool,
    #[autosurgeon(missing = "Default::default")]
    pub resolved_by: String,
    /// The id of a merged concurrent edit this comment confirms; empty otherwise.
    #[autosurgeon(missing = "Default::default")]
    pub merge: String,
}
positioned!(Comment);

impl Comment {
    /// Whether this comment starts a thread (rather than replying in one).
    pub fn starts_thread(&self) -> bool {
        self.thread.is_empty()
    }

    /// Whether it is anchored to words of its field rather than the whole field.
    pub fn on_span(&self) -> bool {
        !self.start.is_empty() && !self.end.is_empty()
    }
}

/// A first comment and its replies, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Thread {
    pub id: String,
    pub first: Comment,
    pub replies: Vec<(String, Comment)>,
}

/// Why a comment could not be written.
#[derive(Debug, thiserror::Error)]
pub enum CommentError {
    #[error(transparent)]
    Automerge(#[from] AutomergeError),
    #[error(transparent)]
    Reconcile(#[from] autosurgeon::ReconcileError),
    #[error("there is no comment {0:?} in this document")]
    Unknown(String),
    #[error("the words to comment on are not in the field any more")]
    EmptySpan,
}

/// Every `comments` map at the root (normally one).
fn maps(doc: &impl ReadDoc) -> Vec<ObjId> {
    ReadDoc::get_all(doc, ROOT, COMMENTS_KEY)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(value, id)| matches!(value, Value::Object(ObjType::Map)).then_some(id))
        .collect()
}

/// Every comment in the document, by id. A comment that does not read as
/// one (written by some other tool) is left out rather than failing all.
pub fn read<D: ReadDoc + autosurgeon::ReadDoc>(doc: &D) -> Items<Comment> {
    let mut all = Items::new();
    for map in maps(doc) {
        for key in ReadDoc::keys(doc, &map) {
            if all.contains_key(&key) {
                continue;
            }
            if let Ok(comment) =
                autosurgeon::hydrate_prop::<_, Comment, _, _>(doc, &map, key.as_str())
            {
                all.insert(key, comment);
            }
        }
    }
    all
}

/// The threads, in the order they were started, replies in order under each.
/// Replies whose first comment is missing are shown as threads of their own.
pub fn threads(comments: &Items<Comment>) -> Vec<Thread> {
    let ordered = items::ordered(comments);
    let mut threads: Vec<Thread> = ordered
        .iter()
        .filter(|(_, c)| c.starts_thread() || !comments.contains_key(&c.thread))
        .map(|(id, c)| Thread {
            id: id.to_string(),
            first: (*c).clone(),
            replies: Vec::new(),
        })
        .collect();
    for (id, c) in ordered {
        if c.starts_thread() {
            continue;
        }
        if let Some(thread) = threads.iter_mut().find(|t| t.id == c.thread) {
            thread.replies.push((id.to_string(), c.clone()));
        }
    }
    threads
}

/// Makes the `comments` map if the document has none.
pub fn ensure_map(doc: &mut AutoCommit) -> Result<ObjId, AutomergeError> {
    match maps(doc).pop() {
        Some(map) => Ok(map),
        None => doc.put_object(ROOT, COMMENTS_KEY, ObjType::Map),
    }
}

/// Adds a comment (placed after every other); returns its id.
pub fn add(doc: &mut AutoCommit, mut comment: Comment) -> Result<String, CommentError> {
    comment.pos = items::next_pos(&read(doc));
    let id = items::new_id();
    // The visible map, which every peer writes into from now on.
    let map = match doc.get(ROOT, COMMENTS_KEY)? {
        Some((Value::Object(ObjType::Map), map)) => map,
        _ => doc.put_object(ROOT, COMMENTS_KEY, ObjType::Map)?,
    };
    autosurgeon::reconcile_prop(doc, &map, id.as_str(), &comment)?;
    Ok(id)
}

/// Resolves (or reopens) the thread started by comment `id`; `by` is the
/// name shown. Returns whether anything changed.
pub fn set_resolved(
    doc: &mut AutoCommit,
    id: &str,
    resolved: bool,
    by: &str,
) -> Result<bool, CommentError> {
    let obj = maps(doc)
        .into_iter()
        .find_map(|map| match doc.get(&map, id) {
            Ok(Some((Value::Object(ObjType::Map), obj))) => Some(obj),
            _ => None,
        })
        .ok_or_else(|| CommentError::Unknown(id.chars().take(40).collect()))?;
    let current = read(doc).get(id).map(|c| c.resolved).unwrap_or_default();
    if current == resolved {
        return Ok(false);
    }
    doc.put(&obj, "resolved", resolved)?;
    doc.put(&obj, "resolved_by", if resolved { by } else { "" })?;
    Ok(true)
}

/// A span of a Text, as cursors and the words it holds now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    pub start: String,
    pub end: String,
    pub quote: String,
}

/// Anchors the span `start..end` of the Text `text` (in the document's text
/// encoding: UTF-16 code units in the browser).
pub fn anchor(
    doc: &impl ReadDoc,
    text: &ObjId,
    start: usize,
    end: usize,
) -> Result<Anchor, CommentError> {
    let len = doc.length(text);
    let end = end.min(len);
    if start >= end {
        return Err(CommentError::EmptySpan);
    }
    let first =
        doc.get_cursor_moving(text, CursorPosition::Index(start), None, MoveCursor::After)?;
    let last = doc.get_cursor_moving(
        text,
        CursorPosition::Index(end - 1),
        None,
        MoveCursor::After,
    )?;
    let words = doc.text(text)?;
    Ok(Anchor {
        start: first.to_string(),
        end: last.to_string(),
        quote: slice(&words, start, end, doc.text_encoding()),
    })
}

/// Where a comment's words are now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Span {
    /// The comment is on the whole field.
    Whole,
    /// The words at `start..end` (in the document's text encoding).
    At {
        start: usize,
        end: usize,
        words: String,
    },
    /// Every character commented on has been deleted.
    Removed,
}

/// Finds the words a comment is anchored to in the field's Text (`None`:
/// the field has no Text), now or, with `heads`, at that version.
pub fn locate(
    doc: &impl ReadDoc,
    text: Option<&ObjId>,
    comment: &Comment,
    heads: Option<&[ChangeHash]>,
) -> Span {
    if !comment.on_span() {
        return Span::Whole;
    }
    let Some(text) = text else {
        return Span::Removed;
    };
    let (Ok(first), Ok(last)) = (
        Cursor::try_from(comment.start.as_str()),
        Cursor::try_from(comment.end.as_str()),
    ) else {
        return Span::Removed;
    };
    let len = match heads {
        Some(heads) => doc.length_at(text, heads),
        None => doc.length(text),
    };
    // Both cursors move forward when their character is gone: the start
    // lands on the first surviving character, and the end just past the
    // last surviving one. (Asked at given heads, Automerge 0.12 finds no
    // place for a deleted character after the last visible one: the end.)
    let position = |cursor: &Cursor| {
        doc.get_cursor_position(text, cursor, heads)
            .unwrap_or(len)
            .min(len)
    };
    let start = position(&first);
    let at_last = position(&last);
    let end = if still_there(doc, text, &last, at_last, len, heads) {
        at_last + 1
    } else {
        at_last
    };
    if start >= end {
        return Span::Removed;
    }
    let words = match heads {
        Some(heads) => doc.text_at(text, heads),
        None => doc.text(text),
    }
    .unwrap_or_default();
    Span::At {
        start,
        end,
        words: slice(&words, start, end, doc.text_encoding()),
    }
}

/// Whether the character a cursor names is still in the text at `position`.
fn still_there(
    doc: &impl ReadDoc,
    text: &ObjId,
    cursor: &Cursor,
    position: usize,
    len: usize,
    heads: Option<&[ChangeHash]>,
) -> bool {
    if position >= len {
        return false;
    }
    let Ok(here) = doc.get_cursor_moving(text, position, heads, MoveCursor::After) else {
        return false;
    };
    let name = |c: &Cursor| c.to_string().trim_start_matches('-').to_string();
    name(&here) == name(cursor)
}

/// The part of `text` between two positions counted in `encoding`'s units.
pub fn slice(text: &str, start: usize, end: usize, encoding: TextEncoding) -> String {
    let mut at = 0;
    let mut out = String::new();
    for c in text.chars() {
        if at >= end {
            break;
        }
        if at >= start {
            out.push(c);
        }
        at += match encoding {
            TextEncoding::Utf8CodeUnit => c.len_utf8(),
            TextEncoding::Utf16CodeUnit => c.len_utf16(),
            _ => 1,
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docs::{self, Assessment};
    use automerge::sync::SyncDoc;

    fn assessment_with(text: &str) -> (AutoCommit, ObjId) {
        let mut doc = AutoCommit::new();
        docs::create(&mut doc, Assessment::default()).unwrap();
        let obj = doc
            .put_object(ROOT, "national_context", ObjType::Text)
            .unwrap();
        doc.splice_text(&obj, 0, 0, text).unwrap();
        doc.commit();
        (doc, obj)
    }

    fn comment_on(doc: &AutoCommit, obj: &ObjId, words: &str) -> Comment {
        let text = doc.text(obj).unwrap();
        let start = text.find(words).unwrap();
        let anchor = anchor(doc, obj, start, start + words.len()).unwrap();
        Comment {
            field: "national_context".into(),
            start: anchor.start,
            end: anchor.end,
            quote: anchor.quote,
            body: "Which courts?".into(),
            by: "Amara Diallo".into(),
            ..Comment::default()
        }
    }

    fn add_on(doc: &mut AutoCommit, obj: &ObjId, words: &str) -> Result<String, CommentError> {
        let comment = comment_on(doc, obj, words);
        add(doc, comment)
    }

    /// Where the comment's words are now, found both ways: from the
    /// current state, and at the current heads (as the history will).
    fn words(doc: &mut AutoCommit, obj: &ObjId, id: &str) -> Span {
        let comment = read(doc).remove(id).unwrap();
        let heads = doc.get_heads();
        let now = locate(doc, Some(obj), &comment, None);
        assert_eq!(locate(doc, Some(obj), &comment, Some(&heads)), now);
        now
    }

    fn at(words: &str) -> impl Fn(&Span) -> bool + '_ {
        move |span| matches!(span, Span::At { words: w, .. } if w == words)
    }

    #[test]
    fn a_comment_follows_its_words_when_text_is_inserted_before_them() {
        let (mut doc, obj) = assessment_with("Courts are far from rural districts.");
        let comment = comment_on(&doc, &obj, "far from");
        assert_eq!(comment.quote, "far from");
        let id = add(&mut doc, comment).unwrap();
        doc.commit();
        let written = doc.get_heads();

        doc.splice_text(&obj, 0, 0, "In the north, ").unwrap();
        // Typed right before and right after the words: not part of them.
        let before = doc.text(&obj).unwrap().find("far").unwrap();
        doc.splice_text(&obj, before, 0, "very ").unwrap();
        let after = doc.text(&obj).unwrap().find(" rural").unwrap();
        doc.splice_text(&obj, after, 0, ",").unwrap();
        assert_eq!(
            doc.text(&obj).unwrap(),
            "In the north, Courts are very far from, rural districts."
        );
        let span = words(&mut doc, &obj, &id);
        assert!(at("far from")(&span), "{span:?}");
        if let Span::At { start, .. } = span {
            assert_eq!(start, "In the north, Courts are very ".len());
        }
        // As of the version it was written in, where it was then.
        let comment = read(&doc).remove(&id).unwrap();
        assert_eq!(
            locate(&doc, Some(&obj), &comment, Some(&written)),
            Span::At {
                start: "Courts are ".len(),
                end: "Courts are far from".len(),
                words: "far from".into()
            }
        );
    }

    #[test]
    fn a_comment_follows_its_words_through_concurrent_edits() {
        let (mut a, obj) = assessment_with("Legal aid is scarce in rural districts.");
        let mut b = a.fork();
        let id = add_on(&mut a, &obj, "scarce").unwrap();
        a.commit();
        // B, apart, rewrites the start and adds words inside the span's field.
        b.splice_text(&obj, 0, "Legal aid".len() as isize, "Free legal advice")
            .unwrap();
        let end = b.text(&obj).unwrap().len() - 1;
        b.splice_text(&obj, end, 0, " and towns").unwrap();
        b.commit();
        let sync = |from: &mut AutoCommit, to: &mut AutoCommit| {
            let (mut sa, mut sb) = (automerge::sync::State::new(), automerge::sync::State::new());
            for _ in 0..6 {
                if let Some(m) = from.sync().generate_sync_message(&mut sa) {
                    to.sync().receive_sync_message(&mut sb, m).unwrap();
                }
                if let Some(m) = to.sync().generate_sync_message(&mut sb) {
                    from.sync().receive_sync_message(&mut sa, m).unwrap();
                }
            }
        };
        sync(&mut a, &mut b);
        for doc in [&mut a, &mut b] {
            assert_eq!(
                doc.text(&obj).unwrap(),
                "Free legal advice is scarce in rural districts and towns."
            );
            assert!(at("scarce")(&words(doc, &obj, &id)));
        }
    }

    #[test]
    fn words_partly_deleted_shrink_and_all_deleted_are_removed() {
        let (mut doc, obj) = assessment_with("the district courts sit twice a year");
        let id = add_on(&mut doc, &obj, "district courts").unwrap();
        let start = "the ".len();
        doc.splice_text(&obj, start, "district ".len() as isize, "")
            .unwrap();
        assert!(at("courts")(&words(&mut doc, &obj, &id)));
        doc.splice_text(&obj, start, "courts".len() as isize, "judges")
            .unwrap();
        assert_eq!(words(&mut doc, &obj, &id), Span::Removed);
        assert_eq!(read(&doc)[&id].quote, "district courts");

        // At the very start and the very end of the text too.
        let (mut doc, obj) = assessment_with("abc def");
        let first = add_on(&mut doc, &obj, "abc").unwrap();
        let last = add_on(&mut doc, &obj, "def").unwrap();
        doc.splice_text(&obj, 0, 3, "").unwrap();
        assert_eq!(words(&mut doc, &obj, &first), Span::Removed);
        doc.splice_text(&obj, 1, 3, "").unwrap();
        assert_eq!(words(&mut doc, &obj, &last), Span::Removed);
    }

    #[test]
    fn positions_count_utf16_units_in_the_browser_encoding() {
        let mut doc = AutoCommit::new_with_encoding(TextEncoding::Utf16CodeUnit);
        let obj = doc.put_object(ROOT, "scope", ObjType::Text).unwrap();
        doc.splice_text(&obj, 0, 0, "🙂 café près").unwrap();
        // "près" starts after 🙂 (2 units), a space, "café" and a space.
        let anchor = anchor(&doc, &obj, 2 + 1 + 4 + 1, 2 + 1 + 4 + 1 + 4).unwrap();
        assert_eq!(anchor.quote, "près");
    }

    #[test]
    fn replies_resolve_and_reopen() {
        let (mut doc, obj) = assessment_with("Courts are far.");
        let first = add_on(&mut doc, &obj, "far").unwrap();
        let reply = add(
            &mut doc,
            Comment {
                thread: first.clone(),
                body: "The nearest is 200 km away.".into(),
                ..Comment::default()
            },
        )
        .unwrap();
        let whole = add(
            &mut doc,
            Comment {
                field: "risks".into(),
                body: "Empty".into(),
                ..Comment::default()
            },
        )
        .unwrap();
        let threads = threads(&read(&doc));
        assert_eq!(
            threads.iter().map(|t| t.id.clone()).collect::<Vec<_>>(),
            vec![first.clone(), whole.clone()]
        );
        assert_eq!(threads[0].replies[0].0, reply);
        assert_eq!(
            locate(&doc, None, &read(&doc)[&whole], None),
            Span::Whole,
            "a whole-field comment needs no text"
        );

        assert!(set_resolved(&mut doc, &first, true, "Sofia").unwrap());
        assert!(!set_resolved(&mut doc, &first, true, "Sofia").unwrap());
        assert!(read(&doc)[&first].resolved);
        assert_eq!(read(&doc)[&first].resolved_by, "Sofia");
        assert!(set_resolved(&mut doc, &first, false, "Amara").unwrap());
        assert!(!read(&doc)[&first].resolved);
        assert!(set_resolved(&mut doc, "nope", true, "x").is_err());
    }

    #[test]
    fn editing_the_document_as_a_whole_keeps_its_comments() {
        let (mut doc, obj) = assessment_with("Courts are far.");
        let id = add_on(&mut doc, &obj, "far").unwrap();
        docs::update::<Assessment>(&mut doc, |a| {
            a.conclusions = "Legal aid is scarce.".into();
            a.status = crate::docs::vocab::AssessmentStatus::default();
        })
        .unwrap();
        assert!(docs::upgrade::<Assessment>(&mut doc).is_ok());
        assert_eq!(read(&doc).len(), 1);
        assert_eq!(read(&doc)[&id].body, "Which courts?");
    }

    #[test]
    fn comments_made_at_once_in_an_old_document_without_the_map_all_stay() {
        let mut a = AutoCommit::new();
        a.put(ROOT, "title", "old").unwrap();
        a.commit();
        let mut b = a.fork();
        let one = add(
            &mut a,
            Comment {
                body: "one".into(),
                ..Comment::default()
            },
        )
        .unwrap();
        let two = add(
            &mut b,
            Comment {
                body: "two".into(),
                ..Comment::default()
            },
        )
        .unwrap();
        a.merge(&mut b).unwrap();
        let all = read(&a);
        assert!(all.contains_key(&one) && all.contains_key(&two), "{all:?}");
        // Either can still be resolved.
        assert!(set_resolved(&mut a, &one, true, "x").unwrap());
        assert!(set_resolved(&mut a, &two, true, "x").unwrap());
    }
}
