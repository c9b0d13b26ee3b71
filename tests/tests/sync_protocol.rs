//! The sync relay as protocol clients meet it: relay, persistence across
//! SIGKILL, and bad input refused without harm to anyone else.

use accord_shared::{DocumentId, Message};
use accord_tests::client::{join_frame, next_message, raw_socket};
use accord_tests::{Peer, TestServer, PATIENCE};
use automerge::transaction::Transactable;
use automerge::{ObjType, ReadDoc, ROOT};
use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message as WsMessage;

fn with_title(title: &str) -> impl FnOnce(&mut automerge::AutoCommit) + '_ {
    move |doc| {
        let t = doc.put_object(ROOT, "title", ObjType::Text).unwrap();
        doc.splice_text(&t, 0, 0, title).unwrap();
    }
}

fn append_title(peer: &mut Peer, id: DocumentId, text: &str) {
    let doc = peer.doc(id);
    let (_, t) = doc.get(ROOT, "title").unwrap().unwrap();
    let len = doc.length(&t);
    doc.splice_text(&t, len, 0, text).unwrap();
    doc.commit();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edit_by_one_peer_reaches_the_other() {
    let server = TestServer::start(&[]);
    let mut alice = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    let mut bob = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    let id = alice.create(with_title("Needs assessment"));
    alice.until_acknowledged(id).await.unwrap();

    bob.follow(id);
    bob.push(id).await.unwrap();
    bob.until("bob has the title", |p| {
        p.text(id, "title").as_deref() == Some("Needs assessment")
    })
    .await
    .unwrap();

    append_title(&mut alice, id, " — Togo");
    alice.push(id).await.unwrap();
    bob.until("bob sees alice's edit", |p| {
        p.text(id, "title").as_deref() == Some("Needs assessment — Togo")
    })
    .await
    .unwrap();
}

/// A peer that sends a change and, before the answer, another message that
/// already names the new heads (as a browser does when it replies to the
/// server while typing) must still hear that its change is stored: the
/// relay answers it with heads that cover the change, although Automerge's
/// own generator would stay silent (the peer "said" it has those heads).
#[tokio::test(flavor = "multi_thread")]
async fn a_change_is_acknowledged_even_when_the_peer_already_named_its_heads() {
    let server = TestServer::start(&[]);
    let mut alice = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    let id = alice.create(with_title("Needs assessment"));
    alice.until_acknowledged(id).await.unwrap();
    for round in 0..5 {
        append_title(&mut alice, id, &format!(" {round}"));
        alice.push(id).await.unwrap();
        // A heads-only message (no changes) naming the new heads, right behind.
        let heads_only = {
            let doc = alice.doc(id);
            let mut fresh = automerge::sync::State::new();
            automerge::sync::SyncDoc::generate_sync_message(doc.document(), &mut fresh)
                .expect("a first message")
                .encode()
        };
        let msg = Message::Sync {
            sender_id: alice.peer_id.clone(),
            target_id: alice.server_id.clone(),
            document_id: id.to_string(),
            data: heads_only,
        };
        alice.send(&msg).await.unwrap();
        alice
            .until_acknowledged(id)
            .await
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn requesting_an_unknown_document_answers_doc_unavailable() {
    let server = TestServer::start(&[]);
    let mut peer = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    let id = DocumentId::random();
    peer.follow(id);
    peer.push(id).await.unwrap();
    peer.until("doc-unavailable", |p| p.unavailable.contains(&id))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn every_acknowledged_change_survives_sigkill() {
    let mut server = TestServer::start(&[]);
    let mut peers = Vec::new();
    let id = {
        let mut first = Peer::connect(&server.ws_url(), &server.token)
            .await
            .unwrap();
        let id = first.create(with_title(""));
        first.until_acknowledged(id).await.unwrap();
        peers.push(first);
        id
    };
    for _ in 0..2 {
        let mut p = Peer::connect(&server.ws_url(), &server.token)
            .await
            .unwrap();
        p.follow(id);
        p.push(id).await.unwrap();
        p.until("joined", |p| p.text(id, "title").is_some())
            .await
            .unwrap();
        peers.push(p);
    }
    // Three clients edit; each waits until the server answers for its edits.
    for round in 0..5 {
        for (n, p) in peers.iter_mut().enumerate() {
            append_title(p, id, &format!("[{n}.{round}]"));
            p.until_acknowledged(id).await.unwrap();
        }
    }
    server.restart();

    let mut fresh = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    fresh.follow(id);
    fresh.push(id).await.unwrap();
    fresh
        .until("the new client has all 15 edits", |p| {
            p.text(id, "title")
                .is_some_and(|t| t.matches('[').count() == 15)
        })
        .await
        .unwrap();
    let title = fresh.text(id, "title").unwrap();
    for round in 0..5 {
        for n in 0..3 {
            assert!(title.contains(&format!("[{n}.{round}]")), "{title}");
        }
    }
}

/// A connected bystander and a stored document, to show bad input harms neither.
struct Bystander {
    peer: Peer,
    id: DocumentId,
}

async fn bystander(server: &TestServer) -> Bystander {
    let mut peer = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    let id = peer.create(with_title("Stored before the attack"));
    peer.until_acknowledged(id).await.unwrap();
    Bystander { peer, id }
}

async fn bystander_still_works(server: &TestServer, b: &mut Bystander) {
    append_title(&mut b.peer, b.id, "!");
    b.peer.until_acknowledged(b.id).await.unwrap();
    let mut reader = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    reader.follow(b.id);
    reader.push(b.id).await.unwrap();
    reader
        .until("the stored document is intact", |p| {
            p.text(b.id, "title").as_deref() == Some("Stored before the attack!")
        })
        .await
        .unwrap();
}

/// Sends `frame` after a proper handshake and returns the error the server sent before closing.
async fn refused(server: &TestServer, frame: Vec<u8>) -> String {
    let mut peer = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    peer.send_raw(frame).await.unwrap();
    let errors = peer.until_closed().await.unwrap();
    assert_eq!(
        errors.len(),
        1,
        "expected one error message, got {errors:?}"
    );
    errors[0].clone()
}

fn sync_frame(document_id: &str, data: Vec<u8>) -> Vec<u8> {
    Message::Sync {
        sender_id: "attacker".into(),
        target_id: "server".into(),
        document_id: document_id.into(),
        data,
    }
    .encode()
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_gets_a_clear_error_and_harms_nobody() {
    let server = TestServer::start(&["--max-frame-bytes", "65536"]);
    let mut b = bystander(&server).await;

    let err = refused(&server, b"this is not CBOR \xff\xfe".to_vec()).await;
    assert!(err.contains("not a valid protocol message"), "{err}");

    let mut unknown = Vec::new();
    ciborium::ser::into_writer(
        &ciborium::Value::Map(vec![
            ("type".into(), "teleport".into()),
            ("senderId".into(), "x".into()),
        ]),
        &mut unknown,
    )
    .unwrap();
    let err = refused(&server, unknown).await;
    assert!(err.contains("teleport"), "{err}");

    let err = refused(
        &server,
        sync_frame(&b.id.to_string(), b"definitely not automerge".to_vec()),
    )
    .await;
    assert!(err.contains("not an Automerge sync message"), "{err}");

    let err = refused(&server, sync_frame(&b.id.to_string(), vec![0x42; 100_000])).await;
    assert!(
        err.contains("over this server's limit of 65536 bytes"),
        "{err}"
    );

    let err = refused(&server, sync_frame("not-a-document-id", vec![])).await;
    assert!(err.contains("not-a-document-id"), "{err}");

    bystander_still_works(&server, &mut b).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_must_join_first_with_protocol_version_1() {
    let server = TestServer::start(&[]);
    let mut ws = raw_socket(&server.ws_url(), Some(&server.token))
        .await
        .unwrap();
    ws.send(WsMessage::Binary(
        sync_frame(&DocumentId::random().to_string(), vec![]).into(),
    ))
    .await
    .unwrap();
    let reply = next_message(&mut ws, PATIENCE).await.unwrap();
    assert!(
        matches!(&reply, Some(Message::Error { message, .. }) if message.contains("must be `join`")),
        "{reply:?}"
    );

    let mut ws = raw_socket(&server.ws_url(), Some(&server.token))
        .await
        .unwrap();
    let bad_version = Message::Join {
        sender_id: "p".into(),
        supported_protocol_versions: vec!["2".into()],
        peer_metadata: None,
    };
    ws.send(WsMessage::Binary(bad_version.encode().into()))
        .await
        .unwrap();
    let reply = next_message(&mut ws, PATIENCE).await.unwrap();
    assert!(
        matches!(&reply, Some(Message::Error { message, .. }) if message.contains("unsupported protocol")),
        "{reply:?}"
    );

    let mut ws = raw_socket(&server.ws_url(), Some(&server.token))
        .await
        .unwrap();
    ws.send(WsMessage::Binary(join_frame("ok-peer").into()))
        .await
        .unwrap();
    let reply = next_message(&mut ws, PATIENCE).await.unwrap();
    assert!(
        matches!(&reply, Some(Message::Peer { target_id, selected_protocol_version, .. })
            if target_id == "ok-peer" && selected_protocol_version == "1"),
        "{reply:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn presence_is_relayed_to_the_other_peers_of_the_document() {
    let server = TestServer::start(&[]);
    let mut alice = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    let id = alice.create(with_title("x"));
    alice.until_acknowledged(id).await.unwrap();
    let mut bob = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    bob.follow(id);
    bob.push(id).await.unwrap();
    bob.until("joined", |p| p.text(id, "title").is_some())
        .await
        .unwrap();

    let presence = accord_shared::presence::Presence {
        name: "Alice".into(),
        field: Some("title".into()),
        left: false,
    };
    let msg = Message::Ephemeral {
        sender_id: alice.peer_id.clone(),
        target_id: alice.server_id.clone(),
        count: 1,
        session_id: "s1".into(),
        document_id: id.to_string(),
        data: presence.encode(),
    };
    alice.send(&msg).await.unwrap();
    let alice_id = alice.peer_id.clone();
    bob.until("bob hears alice's presence", |p| {
        p.ephemeral.iter().any(|(d, from, data)| {
            *d == id
                && *from == alice_id
                && accord_shared::presence::Presence::decode(data).as_ref() == Some(&presence)
        })
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_history_is_compacted_into_a_snapshot_and_still_loads_whole() {
    let mut server = TestServer::start(&[]);
    let mut writer = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    let id = writer.create(with_title(""));
    // 2,100 separate changes, one character each: past the compaction threshold.
    for i in 0..2100 {
        append_title(
            &mut writer,
            id,
            &((b'a' + (i % 26) as u8) as char).to_string(),
        );
    }
    writer.until_acknowledged(id).await.unwrap();

    let db = server.data.join("accord.sqlite3");
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let snapshots: i64 = conn
            .query_row("SELECT count(*) FROM snapshots", [], |r| r.get(0))
            .unwrap();
        let changes: i64 = conn
            .query_row("SELECT count(*) FROM changes", [], |r| r.get(0))
            .unwrap();
        if snapshots == 1 && changes == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no compaction: {snapshots} snapshots, {changes} changes"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    server.restart();
    let mut reader = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    reader.follow(id);
    reader.push(id).await.unwrap();
    reader
        .until("the whole history is served", |p| {
            p.text(id, "title").is_some_and(|t| t.len() == 2100)
        })
        .await
        .unwrap();
}
