//! SIGTERM: the server stops accepting, closes every sync connection with
//! 1001 (going away, so clients reconnect rather than report an error),
//! makes what was in flight durable, and exits cleanly; after a restart
//! every acknowledged change is there.

use accord_shared::DocumentId;
use accord_tests::{Peer, TestServer};
use automerge::transaction::Transactable;
use automerge::{ObjType, ReadDoc, ROOT};

fn append_title(peer: &mut Peer, id: DocumentId, text: &str) {
    let doc = peer.doc(id);
    let (_, t) = doc.get(ROOT, "title").unwrap().unwrap();
    let len = doc.length(&t);
    doc.splice_text(&t, len, 0, text).unwrap();
    doc.commit();
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_closes_sockets_with_going_away_and_keeps_every_acknowledged_change() {
    let mut server = TestServer::start(&[]);
    let mut writer = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    let id = writer.create(|doc| {
        let t = doc.put_object(ROOT, "title", ObjType::Text).unwrap();
        doc.splice_text(&t, 0, 0, "Programme:").unwrap();
    });
    for n in 0..5 {
        append_title(&mut writer, id, &format!("[{n}]"));
        writer.until_acknowledged(id).await.unwrap();
    }
    let mut reader = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    reader.follow(id);
    reader.push(id).await.unwrap();
    reader
        .until("the reader has the document", |p| {
            p.text(id, "title").is_some_and(|t| t.contains("[4]"))
        })
        .await
        .unwrap();

    // One more edit is in flight when SIGTERM arrives.
    append_title(&mut writer, id, "[in flight]");
    writer.push(id).await.unwrap();
    let status = tokio::task::block_in_place(|| server.terminate());
    assert!(status.success(), "the server exited with {status}");

    for (who, peer) in [("writer", &mut writer), ("reader", &mut reader)] {
        let code = peer.until_close_code().await.unwrap();
        assert_eq!(code, Some(1001), "{who}'s close code");
        assert!(
            peer.errors.is_empty(),
            "going away is not an error: {:?}",
            peer.errors
        );
    }
    let in_flight_acknowledged = writer.acknowledged(id);

    // A client reconnecting to the restarted server finds every acknowledged change.
    tokio::task::block_in_place(|| server.restart());
    let mut fresh = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    fresh.follow(id);
    fresh.push(id).await.unwrap();
    fresh
        .until("every acknowledged edit is back", |p| {
            p.text(id, "title").is_some_and(|t| {
                t.contains("[4]") && (!in_flight_acknowledged || t.contains("[in flight]"))
            })
        })
        .await
        .unwrap();
}
