//! A catalogue of hostile input through the real server. Each case is
//! answered with a clear error (or, where the protocol allows it, quietly
//! ignored) and harms nobody: a bystander peer keeps editing and its stored
//! document stays whole. `sync_protocol.rs` already covers frames that are
//! not CBOR, unknown message types, data that is not an Automerge sync
//! message, frames over the size limit and ids with characters outside
//! base58; this file adds the rest.

use std::time::Duration;

use accord_shared::{DocumentId, Message};
use accord_tests::client::raw_socket;
use accord_tests::{Peer, TestServer, PATIENCE};
use automerge::sync::SyncDoc;
use automerge::transaction::Transactable;
use automerge::{ObjType, ReadDoc, ROOT};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message as WsMessage;

fn append_title(peer: &mut Peer, id: DocumentId, text: &str) {
    let doc = peer.doc(id);
    let (_, t) = doc.get(ROOT, "title").unwrap().unwrap();
    let len = doc.length(&t);
    doc.splice_text(&t, len, 0, text).unwrap();
    doc.commit();
}

/// A connected peer with a stored document, to show hostile input harms neither.
struct Bystander {
    peer: Peer,
    id: DocumentId,
    expected: String,
}

async fn bystander(server: &TestServer) -> Bystander {
    let mut peer = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    let id = peer.create(|doc| {
        let t = doc.put_object(ROOT, "title", ObjType::Text).unwrap();
        doc.splice_text(&t, 0, 0, "Stored before the attack")
            .unwrap();
    });
    peer.until_acknowledged(id).await.unwrap();
    Bystander {
        peer,
        id,
        expected: "Stored before the attack".into(),
    }
}

/// The bystander's connection still works and a new reader gets its document whole.
async fn bystander_still_works(server: &TestServer, b: &mut Bystander) {
    append_title(&mut b.peer, b.id, "!");
    b.expected.push('!');
    b.peer.until_acknowledged(b.id).await.unwrap();
    let mut reader = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    reader.follow(b.id);
    reader.push(b.id).await.unwrap();
    let expected = b.expected.clone();
    reader
        .until("the stored document is intact", |p| {
            p.text(b.id, "title").as_deref() == Some(expected.as_str())
        })
        .await
        .unwrap();
}

/// Sends `frame` after a proper handshake; the one error the server sent before closing.
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

/// A first sync message from a peer that has nothing (what `request` carries).
fn empty_sync_data() -> Vec<u8> {
    let doc = automerge::Automerge::new();
    doc.generate_sync_message(&mut automerge::sync::State::new())
        .expect("a first message")
        .encode()
}

fn vm_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/<pid>/status")
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_cbor_is_refused_with_a_clear_error() {
    let server = TestServer::start(&[]);
    let mut b = bystander(&server).await;

    // A valid sync frame cut short.
    let whole = sync_frame(&b.id.to_string(), empty_sync_data());
    for cut in [1, whole.len() / 2, whole.len() - 1] {
        let err = refused(&server, whole[..cut].to_vec()).await;
        assert!(
            err.contains("not a valid protocol message"),
            "cut at {cut}: {err}"
        );
    }

    // Deeply nested CBOR: 100,000 one-element arrays, alone and as a field.
    let err = refused(&server, vec![0x81; 100_000]).await;
    assert!(err.contains("not a valid protocol message"), "{err}");
    let mut nested = vec![0xa2, 0x64];
    nested.extend_from_slice(b"type");
    nested.extend_from_slice(&[0x64]);
    nested.extend_from_slice(b"sync");
    nested.extend_from_slice(&[0x64]);
    nested.extend_from_slice(b"data");
    nested.extend(std::iter::repeat_n(0x81, 100_000));
    let err = refused(&server, nested).await;
    assert!(err.contains("not a valid protocol message"), "{err}");

    // Huge length prefixes: a byte string, a text string, an array and a
    // map each claiming 2^64 - 1 items, with a few bytes behind them.
    for head in [0x5b_u8, 0x7b, 0x9b, 0xbb] {
        let mut frame = vec![head];
        frame.extend_from_slice(&[0xff; 8]);
        frame.extend_from_slice(b"tail");
        let err = refused(&server, frame).await;
        assert!(
            err.contains("not a valid protocol message"),
            "{head:#x}: {err}"
        );
    }
    // The same inside a well-formed message's `data` field.
    let mut frame = vec![0xa5];
    for (k, v) in [
        ("type", "sync"),
        ("senderId", "a"),
        ("targetId", "b"),
        ("documentId", &b.id.to_string()),
    ] {
        ciborium::ser::into_writer(&k, &mut frame).unwrap();
        ciborium::ser::into_writer(&v, &mut frame).unwrap();
    }
    ciborium::ser::into_writer(&"data", &mut frame).unwrap();
    frame.push(0x5b);
    frame.extend_from_slice(&[0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    let err = refused(&server, frame).await;
    assert!(err.contains("not a valid protocol message"), "{err}");

    // A huge LEB128 length inside the Automerge sync message itself.
    let mut data = vec![0x42];
    data.extend_from_slice(&[0xff; 9]);
    data.push(0x01);
    let err = refused(&server, sync_frame(&b.id.to_string(), data)).await;
    assert!(err.contains("not an Automerge sync message"), "{err}");

    bystander_still_works(&server, &mut b).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn document_ids_that_are_not_bs58check_are_refused() {
    let server = TestServer::start(&[]);
    let mut b = bystander(&server).await;
    let good = b.id.to_string();
    // The right alphabet and length, a wrong checksum.
    let last = good.chars().last().unwrap();
    let flipped = format!(
        "{}{}",
        &good[..good.len() - 1],
        if last == '2' { '3' } else { '2' }
    );
    for bad in [flipped, String::new(), "1".repeat(10_000), "0OIl".into()] {
        let err = refused(&server, sync_frame(&bad, empty_sync_data())).await;
        assert!(err.contains("document id"), "{bad:.40}: {err}");
    }
    bystander_still_works(&server, &mut b).await;
}

/// A sync message carrying only a change whose dependency never arrives:
/// Automerge holds it back, so the relay neither applies, stores,
/// acknowledges nor relays it; the sender is not disconnected (a peer may
/// legitimately send changes out of order), and after a restart the
/// document is exactly what was acknowledged.
#[tokio::test(flavor = "multi_thread")]
async fn a_change_whose_dependency_never_arrives_is_held_back() {
    let mut server = TestServer::start(&[]);
    let mut b = bystander(&server).await;

    let mut author = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    let id = author.create(|doc| {
        let t = doc.put_object(ROOT, "title", ObjType::Text).unwrap();
        doc.splice_text(&t, 0, 0, "first").unwrap();
    });
    author.until_acknowledged(id).await.unwrap();
    // Two more changes locally; send only the second.
    append_title(&mut author, id, " second");
    append_title(&mut author, id, " third");
    let third = {
        let changes = author.doc(id).get_changes(&[]);
        changes.last().unwrap().raw_bytes().to_vec()
    };
    let orphan = {
        let mut m = automerge::sync::Message::decode(&empty_sync_data()).unwrap();
        m.heads = author.doc(id).get_heads();
        m.changes = automerge::sync::ChunkList::from(vec![third.clone()]);
        m.encode()
    };
    let mut sneaky = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    sneaky
        .send_raw(sync_frame(&id.to_string(), orphan))
        .await
        .unwrap();

    // Another peer of the document sees nothing of it.
    let mut watcher = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    watcher.follow(id);
    watcher.push(id).await.unwrap();
    watcher
        .until("the watcher has the document", |p| {
            p.text(id, "title").as_deref() == Some("first")
        })
        .await
        .unwrap();
    let _ = watcher.step(Duration::from_millis(500)).await;
    assert_eq!(watcher.text(id, "title").as_deref(), Some("first"));

    // Nothing of it was stored: after a restart the document is as acknowledged.
    drop((sneaky, watcher));
    tokio::task::block_in_place(|| server.restart());
    let mut reader = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    reader.follow(id);
    reader.push(id).await.unwrap();
    reader
        .until("the restarted server has the acknowledged document", |p| {
            p.text(id, "title").as_deref() == Some("first")
        })
        .await
        .unwrap();
    let _ = reader.step(Duration::from_millis(300)).await;
    assert_eq!(reader.text(id, "title").as_deref(), Some("first"));

    b.peer = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    b.peer.follow(b.id);
    b.peer.push(b.id).await.unwrap();
    let expected = b.expected.clone();
    b.peer
        .until("the bystander's document", |p| {
            p.text(b.id, "title").as_deref() == Some(expected.as_str())
        })
        .await
        .unwrap();
    bystander_still_works(&server, &mut b).await;
}

/// A change of valid shape that breaks the schema (a number where text
/// belongs). The relay checks who may write which section, not the values'
/// types: it stores and relays the change like any other, and the document
/// stays loadable (the app's typed `hydrate` reports the field as invalid;
/// the server's dashboard nulls that document's counts, never the list).
#[tokio::test(flavor = "multi_thread")]
async fn a_schema_breaking_change_is_stored_as_a_change_and_harms_nobody() {
    let mut server = TestServer::start(&[]);
    let mut b = bystander(&server).await;
    let mut author = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    let id = author.create(|doc| {
        let t = doc.put_object(ROOT, "title", ObjType::Text).unwrap();
        doc.splice_text(&t, 0, 0, "A title").unwrap();
    });
    author.until_acknowledged(id).await.unwrap();
    author.doc(id).put(ROOT, "title", 42_i64).unwrap();
    author.until_acknowledged(id).await.unwrap();

    tokio::task::block_in_place(|| server.restart());
    let mut reader = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    reader.follow(id);
    reader.push(id).await.unwrap();
    reader
        .until("the number arrives as stored", |p| {
            p.docs.get(&id).is_some_and(|d| {
                matches!(
                    d.doc.get(ROOT, "title"),
                    Ok(Some((automerge::Value::Scalar(s), _))) if s.as_i64() == Some(42)
                )
            })
        })
        .await
        .unwrap();
    b.peer = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    b.peer.follow(b.id);
    b.peer.push(b.id).await.unwrap();
    let expected = b.expected.clone();
    b.peer
        .until("the bystander's document", |p| {
            p.text(b.id, "title").as_deref() == Some(expected.as_str())
        })
        .await
        .unwrap();
    bystander_still_works(&server, &mut b).await;
}

/// 10,000 `request`s for documents nobody has: each answered
/// `doc-unavailable` until the connection reaches the most documents one
/// connection may open, then a clear error and the socket closed; the
/// server's memory stays bounded and the bystander is served. (Before the
/// limit, every unknown id kept an actor for as long as the connection
/// lived: some 230 MB for these 10,000.)
#[tokio::test(flavor = "multi_thread")]
async fn ten_thousand_requests_for_unknown_documents() {
    let server = TestServer::start(&[]);
    let mut b = bystander(&server).await;
    let pid = server.pid().unwrap();
    let before = vm_rss_kib(pid);

    let mut peer = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    let data = empty_sync_data();
    let frames: Vec<Vec<u8>> = (0..10_000)
        .map(|_| {
            Message::Request {
                sender_id: peer.peer_id.clone(),
                target_id: peer.server_id.clone(),
                document_id: DocumentId::random().to_string(),
                data: data.clone(),
            }
            .encode()
        })
        .collect();
    // Send and read at once, as a well-behaved (if odd) client would.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<u8>>(64);
    let sender = tokio::spawn(async move {
        for f in frames {
            if tx.send(f).await.is_err() {
                break;
            }
        }
    });
    let mut unavailable = 0;
    let mut closed = false;
    let deadline = tokio::time::Instant::now() + PATIENCE * 3;
    while unavailable < 10_000 && !closed && tokio::time::Instant::now() < deadline {
        tokio::select! {
            Some(f) = rx.recv() => {
                // Sending fails once the server's close has been read.
                if peer.send_raw(f).await.is_err() {
                    closed = true;
                }
            }
            ok = peer.step(PATIENCE) => {
                match ok {
                    Ok(true) => unavailable = peer.unavailable.len(),
                    _ => closed = true,
                }
            }
        }
    }
    sender.abort();
    // One connection may open 5,000 documents (each an actor in memory
    // while it lives), then it is cut off (answers still on their way from
    // the documents' actors may be overtaken by the close).
    assert!(
        closed,
        "not cut off after {unavailable} doc-unavailable answers"
    );
    assert!(unavailable > 0);
    assert!(
        peer.errors
            .iter()
            .any(|e| e.contains("the most one connection may")),
        "{:?}",
        peer.errors
    );
    let after = vm_rss_kib(pid);
    eprintln!("RSS {before} KiB before, {after} KiB after 10,000 requests");
    assert!(
        after < before + 200 * 1024,
        "RSS grew from {before} KiB to {after} KiB"
    );
    bystander_still_works(&server, &mut b).await;
}

/// A client that joins a busy document and never reads: its send queue is
/// bounded, so the server cuts it off and its memory stays bounded.
#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_never_reads_is_cut_off_and_memory_stays_bounded() {
    let server = TestServer::start(&[]);
    let mut b = bystander(&server).await;
    let pid = server.pid().unwrap();

    // The slow client joins the bystander's document, then never reads again.
    let mut slow = raw_socket(&server.ws_url(), Some(&server.token))
        .await
        .unwrap();
    slow.send(WsMessage::Binary(
        accord_tests::client::join_frame("slow").into(),
    ))
    .await
    .unwrap();
    let _peer = slow.next().await;
    slow.send(WsMessage::Binary(
        Message::Request {
            sender_id: "slow".into(),
            target_id: "server".into(),
            document_id: b.id.to_string(),
            data: empty_sync_data(),
        }
        .encode()
        .into(),
    ))
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = vm_rss_kib(pid);

    // The bystander sends presence of 48 KiB, relayed to every other peer:
    // 4,000 of them (192 MiB) would never fit the slow client's queue.
    let payload = vec![0x61_u8; 48 * 1024];
    let mut peak = before;
    for count in 0..4_000_u64 {
        b.peer
            .send(&Message::Ephemeral {
                sender_id: b.peer.peer_id.clone(),
                target_id: b.peer.server_id.clone(),
                count,
                session_id: "bystander".into(),
                document_id: b.id.to_string(),
                data: payload.clone(),
            })
            .await
            .unwrap();
        if count % 500 == 0 {
            peak = peak.max(vm_rss_kib(pid));
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    peak = peak.max(vm_rss_kib(pid));
    eprintln!("RSS {before} KiB before, at most {peak} KiB while a client did not read");
    // 1,024 queued frames of 48 KiB is 48 MiB; allow for socket buffers and the allocator.
    assert!(
        peak < before + 160 * 1024,
        "RSS grew from {before} KiB to {peak} KiB"
    );

    // Reading now: what was buffered, then the server's close for not reading.
    let mut code = None;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while tokio::time::Instant::now() < deadline {
        match tokio::time::timeout(PATIENCE, slow.next()).await {
            Ok(Some(Ok(WsMessage::Close(f)))) => {
                code = f.map(|f| u16::from(f.code));
                break;
            }
            Ok(Some(Ok(_))) => continue,
            _ => break,
        }
    }
    assert_eq!(code, Some(1008), "the slow client is cut off (policy)");
    bystander_still_works(&server, &mut b).await;
}
