//! What the server does with a sync payload before applying it: decode the
//! Automerge sync message, then read its changes with the server's
//! inspector (actors and sections), against a document holding a few
//! sections. Arbitrary bytes are tried both as a whole sync message and as
//! the change data of a valid one; the inspector must answer Ok or Err,
//! never panic.
#![no_main]

use std::sync::OnceLock;

use automerge::sync::{self, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, Automerge, ObjType, ROOT};
use libfuzzer_sys::fuzz_target;

// The server's inspector itself, compiled here as a module: it needs only
// automerge, while the server crate would bring axum, SQLite and the rest
// into every instrumented fuzz build.
#[path = "../../server/src/sync/inspect.rs"]
#[allow(dead_code)]
mod inspect;

/// The server's copy of a document, and a real message with changes for it.
fn fixture() -> &'static (Automerge, sync::Message) {
    static FIXTURE: OnceLock<(Automerge, sync::Message)> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        // The inspector catches Automerge's panics on malformed chunks (the
        // server refuses such a message); libfuzzer-sys's hook would abort on
        // them before they are caught. A panic that escapes still aborts:
        // libfuzzer-sys aborts when the target unwinds.
        std::panic::set_hook(Box::new(|_| {}));
        let mut base = AutoCommit::new();
        let ctx = base.put_object(ROOT, "context", ObjType::Text).unwrap();
        base.splice_text(&ctx, 0, 0, "x").unwrap();
        let list = base
            .put_object(ROOT, "consultations", ObjType::List)
            .unwrap();
        let item = base.insert_object(&list, 0, ObjType::Map).unwrap();
        base.put(&item, "party", "Bar association").unwrap();
        base.commit();
        let server = base.document().clone();
        let mut client = base.fork();
        client.put(ROOT, "summary", "one").unwrap();
        client.commit();
        // The client's first message once it knows the server's heads.
        let mut server_copy = server.clone();
        let (mut state, mut server_state) = (sync::State::new(), sync::State::new());
        let mut template = None;
        for _ in 0..5 {
            if let Some(hello) = server_copy.generate_sync_message(&mut server_state) {
                client
                    .sync()
                    .receive_sync_message(&mut state, hello)
                    .unwrap();
            }
            let Some(m) = client.sync().generate_sync_message(&mut state) else {
                break;
            };
            template = Some(m.clone());
            if !m.changes.is_empty() {
                break;
            }
            server_copy
                .receive_sync_message(&mut server_state, m)
                .unwrap();
        }
        (server, template.expect("a sync message"))
    })
}

fuzz_target!(|data: &[u8]| {
    let (doc, template) = fixture();
    if let Ok(message) = sync::Message::decode(data) {
        let _ = inspect::inspect(doc, &message);
    }
    let mut message = template.clone();
    message.changes = vec![data.to_vec()].into();
    let _ = inspect::inspect(doc, &message);
});
