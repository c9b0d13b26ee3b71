//! A document created through the protocol belongs to its creator; actor ids
//! are bound to the person who first used them.

use accord_shared::DocumentId;
use accord_tests::{Peer, TestServer};
use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ObjType, ROOT};

fn titled(title: &str) -> impl FnOnce(&mut AutoCommit) + '_ {
    move |doc| {
        let t = doc.put_object(ROOT, "title", ObjType::Text).unwrap();
        doc.splice_text(&t, 0, 0, title).unwrap();
    }
}

fn account(server: &TestServer, email: &str, role: &str) -> String {
    server.add_user(email, email, role, "a sufficiently long passphrase");
    server.create_token(email)
}

#[tokio::test(flavor = "multi_thread")]
async fn nobody_but_the_creator_and_admins_can_open_a_new_document() {
    let server = TestServer::start(&[]);
    let mut officer = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    let id = officer.create(titled("Confidential draft"));
    officer.until_acknowledged(id).await.unwrap();

    let ngo_token = account(&server, "ngo@accord.test", "ngo");
    let mut ngo = Peer::connect(&server.ws_url(), &ngo_token).await.unwrap();
    ngo.follow(id);
    ngo.push(id).await.unwrap();
    ngo.until("the NGO is told the document is unavailable", |p| {
        p.unavailable.contains(&id)
    })
    .await
    .unwrap();
    assert_eq!(
        ngo.text(id, "title"),
        None,
        "not a byte of the document reached the NGO"
    );

    // The NGO cannot write into it either: its changes are not even looked at.
    let admin_token = account(&server, "admin@accord.test", "admin");
    let mut admin = Peer::connect(&server.ws_url(), &admin_token).await.unwrap();
    admin.follow(id);
    admin.push(id).await.unwrap();
    admin
        .until("the admin reads it", |p| {
            p.text(id, "title").as_deref() == Some("Confidential draft")
        })
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_unknown_id_answers_alike_whether_or_not_the_document_exists() {
    let server = TestServer::start(&[]);
    let mut officer = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    let existing = officer.create(titled("Exists"));
    officer.until_acknowledged(existing).await.unwrap();

    let token = account(&server, "gov@accord.test", "government");
    let mut gov = Peer::connect(&server.ws_url(), &token).await.unwrap();
    let missing = DocumentId::random();
    for id in [existing, missing] {
        gov.follow(id);
        gov.push(id).await.unwrap();
    }
    gov.until("both are unavailable", |p| {
        p.unavailable.contains(&existing) && p.unavailable.contains(&missing)
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_forges_another_persons_actor_id_is_refused_and_nothing_is_stored() {
    let server = TestServer::start(&[]);
    let mut officer = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    let theirs = officer.create(titled("The officer's draft"));
    officer.until_acknowledged(theirs).await.unwrap();
    let officer_actor: ActorId = officer.doc(theirs).get_actor().clone();

    // Another person signs a change of their own document with the officer's actor id.
    let token = account(&server, "gov@accord.test", "government");
    let mut forger = Peer::connect(&server.ws_url(), &token).await.unwrap();
    let forged = forger.create(|doc| {
        doc.set_actor(officer_actor.clone());
        titled("Signed as the officer")(doc);
    });
    forger.push(forged).await.unwrap();
    let errors = forger.until_closed().await.unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("belongs to another person")
                && e.contains(&officer_actor.to_string())),
        "{errors:?}"
    );

    // Nothing of it was stored: the document does not exist for anyone.
    let admin_token = account(&server, "admin@accord.test", "admin");
    let mut admin = Peer::connect(&server.ws_url(), &admin_token).await.unwrap();
    admin.follow(forged);
    admin.push(forged).await.unwrap();
    admin
        .until("unavailable", |p| p.unavailable.contains(&forged))
        .await
        .unwrap();

    // The officer is unaffected and the refusal is in the audit log.
    let out = server.admin(&["audit", "--since", "1h"]).output().unwrap();
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(
        log.contains("refused_change") && log.contains("gov@accord.test"),
        "{log}"
    );
}
