//! What an incoming sync message would change, read before it is applied:
//! the actors of its new changes and the top-level keys (document sections)
//! their operations touch.
//!
//! Plain change chunks are decoded directly; an op's object is resolved to
//! its top-level key through the server's copy (`parents()`), or through
//! objects created earlier in the same message. Only a chunk holding a whole
//! saved document is loaded as a document.

use std::collections::{BTreeSet, HashMap};

use automerge::legacy::{Key, ObjectId, OpType};
use automerge::sync;
use automerge::{ActorId, Automerge, Bundle, Change, Prop, ReadDoc};

/// What a sync message brings that the server does not have.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Incoming {
    /// Actors of the new changes, each once.
    pub actors: Vec<Vec<u8>>,
    /// Top-level keys written by the new changes.
    pub sections: BTreeSet<String>,
}

pub fn inspect(doc: &Automerge, message: &sync::Message) -> Result<Incoming, String> {
    let mut changes = Vec::new();
    for data in message.changes.iter() {
        // A version 2 sync message carries its changes as storage chunks
        // written one after another in a single byte string.
        for chunk in split_chunks(data)? {
            changes.extend(changes_of(chunk)?);
        }
    }
    let mut incoming = Incoming::default();
    // Objects made by changes of this message: (counter, actor) → top-level key.
    let mut created: HashMap<(u64, ActorId), String> = HashMap::new();
    for change in changes {
        if doc.get_change_by_hash(&change.hash()).is_some() {
            continue;
        }
        let actor = change.actor_id().to_bytes().to_vec();
        if !incoming.actors.contains(&actor) {
            incoming.actors.push(actor);
        }
        let expanded = change.decode();
        let start = expanded.start_op.get();
        for (i, op) in expanded.operations.iter().enumerate() {
            let section = match &op.obj {
                ObjectId::Root => match &op.key {
                    Key::Map(key) => key.to_string(),
                    Key::Seq(_) => {
                        return Err("an operation addresses the document root as a list".into())
                    }
                },
                ObjectId::Id(id) => {
                    let key = (id.0, id.1.clone());
                    match created.get(&key) {
                        Some(section) => section.clone(),
                        None => section_of(doc, &id.to_string())?,
                    }
                }
            };
            if let OpType::Make(_) = op.action {
                created.insert(
                    (start + i as u64, expanded.actor_id.clone()),
                    section.clone(),
                );
            }
            incoming.sections.insert(section);
        }
    }
    Ok(incoming)
}

/// Magic bytes that open every Automerge storage chunk.
const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
/// Chunk types: a whole document, a change, a compressed change, a bundle of changes.
const DOCUMENT: u8 = 0;
const BUNDLE: u8 = 3;

/// Splits concatenated storage chunks (magic, checksum, type, LEB128 length, body).
fn split_chunks(data: &[u8]) -> Result<Vec<&[u8]>, String> {
    let mut chunks = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        if rest.len() < 9 || rest[..4] != MAGIC {
            return Err("a sync message holds bytes that are not an Automerge chunk".into());
        }
        let (len, used) =
            leb128_u64(&rest[9..]).ok_or("a chunk of the sync message has a malformed length")?;
        let total = usize::try_from(len)
            .ok()
            .and_then(|len| len.checked_add(9 + used))
            .filter(|total| *total <= rest.len())
            .ok_or("a chunk of the sync message is longer than the message")?;
        chunks.push(&rest[..total]);
        rest = &rest[total..];
    }
    Ok(chunks)
}

/// An unsigned LEB128 number and how many bytes it took (at most 10).
fn leb128_u64(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value: u64 = 0;
    for (i, byte) in bytes.iter().take(10).enumerate() {
        let low = u64::from(byte & 0x7f);
        value |= low.checked_shl(7 * i as u32)?;
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// The changes one chunk holds.
///
/// Automerge's decoders panic on some malformed chunks (found by the
/// `sync_inspect` fuzz target: a 21-byte bundle whose delta column ends
/// early panics inside `hexane`). A panic here would end the document's
/// actor, so it is refused like any other unreadable chunk.
fn changes_of(chunk: &[u8]) -> Result<Vec<Change>, String> {
    std::panic::catch_unwind(|| decode_chunk(chunk))
        .unwrap_or_else(|_| Err("a chunk of the sync message is malformed".into()))
}

fn decode_chunk(chunk: &[u8]) -> Result<Vec<Change>, String> {
    match chunk[8] {
        DOCUMENT => Automerge::load(chunk)
            .map(|whole| whole.get_changes(&[]).into_iter().collect())
            .map_err(|e| format!("a document in the sync message cannot be read: {e}")),
        BUNDLE => Bundle::try_from(chunk)
            .map_err(|e| e.to_string())
            .and_then(|b| b.to_changes().map_err(|e| e.to_string()))
            .map_err(|e| format!("a bundle of changes in the sync message cannot be read: {e}")),
        _ => Change::from_bytes(chunk.to_vec())
            .map(|c| vec![c])
            .map_err(|e| format!("a change in the sync message cannot be read: {e}")),
    }
}

/// The top-level key under which an existing object lives.
fn section_of(doc: &Automerge, obj: &str) -> Result<String, String> {
    let id = doc
        .import_obj(obj)
        .map_err(|_| format!("a change edits object {obj}, which the server does not have"))?;
    let path = doc
        .parents(&id)
        .map_err(|e| format!("object {obj} cannot be placed in the document: {e}"))?
        .path();
    match path.first() {
        Some((_, Prop::Map(key))) => Ok(key.clone()),
        _ => Err(format!("object {obj} is not under a top-level key")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::sync::SyncDoc;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ObjType, ROOT};

    /// The message `client` would send to a server holding `server`: the
    /// first one carrying changes. (The server's Bloom filter may wrongly
    /// claim a change now and then, which a real exchange settles in a
    /// further round; so does this one, instead of failing 1 run in ~100.)
    fn message(server: &Automerge, client: &mut AutoCommit) -> sync::Message {
        let mut server = server.clone();
        let (mut state, mut server_state) = (sync::State::new(), sync::State::new());
        let mut last = None;
        for _ in 0..5 {
            if let Some(hello) = server.generate_sync_message(&mut server_state) {
                client
                    .sync()
                    .receive_sync_message(&mut state, hello)
                    .unwrap();
            }
            let Some(m) = client.sync().generate_sync_message(&mut state) else {
                break;
            };
            if !m.changes.is_empty() {
                return m;
            }
            server
                .receive_sync_message(&mut server_state, m.clone())
                .unwrap();
            last = Some(m);
        }
        last.expect("the client had something to say")
    }

    #[test]
    fn names_the_sections_of_new_and_existing_objects() {
        let mut base = AutoCommit::new();
        let ctx = base.put_object(ROOT, "context", ObjType::Text).unwrap();
        base.splice_text(&ctx, 0, 0, "x").unwrap();
        base.commit();
        let server = base.document().clone();

        let mut client = base.fork();
        client.splice_text(&ctx, 1, 0, "y").unwrap();
        let list = client
            .put_object(ROOT, "consultations", ObjType::List)
            .unwrap();
        let item = client.insert_object(&list, 0, ObjType::Map).unwrap();
        client.put(&item, "party", "Bar association").unwrap();
        client.commit();

        let incoming = inspect(&server, &message(&server, &mut client)).unwrap();
        let sections: Vec<&str> = incoming.sections.iter().map(String::as_str).collect();
        assert_eq!(sections, ["consultations", "context"]);
        assert_eq!(
            incoming.actors,
            vec![client.get_actor().to_bytes().to_vec()]
        );
    }

    #[test]
    fn several_changes_written_as_one_chunk_are_each_read() {
        let mut base = AutoCommit::new();
        base.put(ROOT, "title", "t").unwrap();
        base.commit();
        let server = base.document().clone();
        let mut client = base.fork();
        client.put(ROOT, "summary", "one").unwrap();
        client.commit();
        client.put(ROOT, "budget", "two").unwrap();
        client.commit();
        let changes = client.get_changes(&server.get_heads());
        assert_eq!(changes.len(), 2);
        // What a version 2 sync message sends: the raw changes, back to back.
        let joined: Vec<u8> = changes
            .iter()
            .flat_map(|c| c.raw_bytes().to_vec())
            .collect();
        let mut message = message(&server, &mut client);
        message.changes = vec![joined].into();
        let incoming = inspect(&server, &message).unwrap();
        let sections: Vec<&str> = incoming.sections.iter().map(String::as_str).collect();
        assert_eq!(sections, ["budget", "summary"]);
        // Truncated or trailing garbage is an error, never a panic.
        let mut broken = changes[0].raw_bytes().to_vec();
        broken.extend_from_slice(&[0x85, 0x6f, 0x4a]);
        message.changes = vec![broken].into();
        assert!(inspect(&server, &message).is_err());
        let mut short = changes[0].raw_bytes().to_vec();
        short.truncate(short.len() - 3);
        message.changes = vec![short].into();
        assert!(inspect(&server, &message).is_err());
    }

    /// Regression (fuzzing): a bundle chunk that made Automerge panic.
    #[test]
    fn a_bundle_that_makes_automerge_panic_is_refused() {
        let mut base = AutoCommit::new();
        base.put(ROOT, "title", "t").unwrap();
        base.commit();
        let server = base.document().clone();
        let mut client = base.fork();
        client.put(ROOT, "summary", "one").unwrap();
        client.commit();
        let mut message = message(&server, &mut client);
        let crash = [
            0x85, 0x6f, 0x4a, 0x83, 0x6f, 0x4a, 0x83, 0x42, 0x03, 0x0b, 0x00, 0x01, 0x00, 0x00,
            0x01, 0x23, 0x03, 0x0b, 0x04, 0x39, 0x0b,
        ];
        message.changes = vec![crash.to_vec()].into();
        assert!(inspect(&server, &message).is_err());
    }

    #[test]
    fn changes_the_server_already_has_are_not_counted() {
        let mut base = AutoCommit::new();
        base.put(ROOT, "title", "t").unwrap();
        base.commit();
        let server = base.document().clone();
        let mut client = base.fork();
        let incoming = inspect(&server, &message(&server, &mut client)).unwrap_or_default();
        assert!(incoming.actors.is_empty() && incoming.sections.is_empty());
    }
}
