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
use automerge::{ActorId, Automerge, Change, Prop, ReadDoc};

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
    for chunk in message.changes.iter() {
        match Change::from_bytes(chunk.to_vec()) {
            Ok(change) => changes.push(change),
            Err(_) => {
                let whole = Automerge::load(chunk).map_err(|e| {
                    format!("a chunk of the sync message is neither a change nor a document: {e}")
                })?;
                changes.extend(whole.get_changes(&[]));
            }
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
