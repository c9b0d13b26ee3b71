//! The product's permission table, cell by cell, through real protocol
//! clients holding each role's credential: what each role receives of each
//! section, and which writes the server accepts or refuses.

use accord_shared::DocumentId;
use accord_tests::{Peer, TestServer};
use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT};

const PASSWORD: &str = "a sufficiently long passphrase";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    /// Sends nothing: doc-unavailable.
    Nothing,
    /// Serves the document, refuses the write.
    Read,
    /// Serves the document, accepts and stores the write.
    Write,
}
use Expect::*;

struct Engagement {
    server: TestServer,
    /// role → API token of a member with that role.
    tokens: Vec<(&'static str, String)>,
    docs: Vec<(&'static str, DocumentId)>,
}

impl Engagement {
    fn token(&self, role: &str) -> &str {
        &self
            .tokens
            .iter()
            .find(|(r, _)| *r == role)
            .expect("a member with that role")
            .1
    }

    fn doc(&self, name: &str) -> DocumentId {
        self.docs
            .iter()
            .find(|(n, _)| *n == name)
            .expect("a document of that name")
            .1
    }
}

/// An engagement with one document per kind (an assessment both shared with
/// the Government and not), and a member of every role.
async fn engagement() -> Engagement {
    let server = TestServer::start(&[]);
    let mut officer = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    let mut docs = Vec::new();
    for name in [
        "engagement",
        "request",
        "assessment",
        "private_assessment",
        "programme",
        "evaluation",
    ] {
        let id = officer.create(|doc| {
            let t = doc.put_object(ROOT, "title", ObjType::Text).unwrap();
            doc.splice_text(&t, 0, 0, name).unwrap();
        });
        officer.until_acknowledged(id).await.unwrap();
        docs.push((name, id));
    }
    let eng = docs[0].1.to_string();
    for (name, id) in &docs {
        let kind = if *name == "private_assessment" {
            "assessment"
        } else {
            name
        };
        server.run_admin(&[
            "doc",
            "attach",
            "--doc",
            &id.to_string(),
            "--engagement",
            &eng,
            "--kind",
            kind,
        ]);
    }
    for name in ["assessment", "programme"] {
        let id = docs.iter().find(|(n, _)| *n == name).unwrap().1.to_string();
        server.run_admin(&["doc", "share", "--doc", &id]);
    }
    let mut tokens = vec![("field_officer", server.token.clone())];
    server.run_admin(&[
        "member",
        "add",
        "--engagement",
        &eng,
        "--email",
        accord_tests::server::OFFICER_EMAIL,
        "--role",
        "field_officer",
    ]);
    for role in ["government", "ngo", "individual", "hq_reviewer"] {
        let email = format!("{role}@accord.test");
        server.add_user(&email, role, role, PASSWORD);
        server.run_admin(&[
            "member",
            "add",
            "--engagement",
            &eng,
            "--email",
            &email,
            "--role",
            role,
        ]);
        tokens.push((role, server.create_token(&email)));
    }
    Engagement {
        server,
        tokens,
        docs,
    }
}

/// Connects as `role`, opens `doc`, tries to write `key`; returns what happened.
async fn attempt(e: &Engagement, role: &str, doc: &str, key: &str) -> Expect {
    let id = e.doc(doc);
    let mut peer = Peer::connect(&e.server.ws_url(), e.token(role))
        .await
        .unwrap();
    peer.follow(id);
    peer.push(id).await.unwrap();
    peer.until("an answer", |p| {
        p.unavailable.contains(&id) || p.text(id, "title").is_some()
    })
    .await
    .unwrap();
    if peer.unavailable.contains(&id) {
        assert_eq!(peer.text(id, "title"), None, "{role} got bytes of {doc}");
        return Nothing;
    }
    peer.doc(id)
        .put(ROOT, key, format!("written by {role}"))
        .unwrap();
    match peer.until_acknowledged(id).await {
        Ok(()) => Write,
        Err(_) => {
            let errors = peer.errors.clone();
            assert!(
                errors
                    .iter()
                    .any(|m| m.contains("may not write") && m.contains(&format!("/{key}"))),
                "{role} writing {doc}/{key}: {errors:?}"
            );
            Read
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_cell_of_the_permission_table() {
    let e = engagement().await;
    // (document, key written, [field_officer, government, ngo, individual, hq_reviewer])
    let table = [
        ("engagement", "team", [Write, Read, Nothing, Nothing, Write]),
        ("request", "scope", [Write, Write, Nothing, Nothing, Read]),
        (
            "assessment",
            "context",
            [Write, Read, Nothing, Nothing, Read],
        ),
        (
            "private_assessment",
            "context",
            [Write, Nothing, Nothing, Nothing, Read],
        ),
        (
            "assessment",
            "consultations",
            [Write, Read, Nothing, Nothing, Read],
        ),
        (
            "programme",
            "outcomes",
            [Write, Read, Nothing, Nothing, Read],
        ),
        (
            "evaluation",
            "findings",
            [Write, Read, Nothing, Nothing, Write],
        ),
        (
            "programme",
            "comments",
            [Write, Write, Nothing, Nothing, Write],
        ),
        (
            "private_assessment",
            "comments",
            [Write, Nothing, Nothing, Nothing, Write],
        ),
        (
            "programme",
            "approvals",
            [Read, Read, Nothing, Nothing, Write],
        ),
    ];
    let roles = [
        "field_officer",
        "government",
        "ngo",
        "individual",
        "hq_reviewer",
    ];
    let mut wrong = Vec::new();
    for (doc, key, expected) in table {
        for (role, want) in roles.iter().zip(expected) {
            let got = attempt(&e, role, doc, key).await;
            if got != want {
                wrong.push(format!(
                    "{role} on {doc}/{key}: expected {want:?}, got {got:?}"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forbidden_path_inside_an_allowed_change_refuses_all_of_it() {
    let e = engagement().await;
    let id = e.doc("assessment");
    let mut hq = Peer::connect(&e.server.ws_url(), e.token("hq_reviewer"))
        .await
        .unwrap();
    hq.follow(id);
    hq.push(id).await.unwrap();
    hq.until("hq has the assessment", |p| p.text(id, "title").is_some())
        .await
        .unwrap();
    // One change: a comment (allowed) and a rewrite of the context (not).
    let doc = hq.doc(id);
    let comments = doc.put_object(ROOT, "comments", ObjType::List).unwrap();
    doc.insert(&comments, 0, "Please cite the UPR paragraph.")
        .unwrap();
    doc.put(ROOT, "context", "rewritten by HQ").unwrap();
    hq.push(id).await.unwrap();
    let errors = hq.until_closed().await.unwrap();
    assert!(errors.iter().any(|m| m.contains("/context")), "{errors:?}");

    let mut officer = Peer::connect(&e.server.ws_url(), &e.server.token)
        .await
        .unwrap();
    officer.follow(id);
    officer.push(id).await.unwrap();
    officer
        .until("the officer has it", |p| p.text(id, "title").is_some())
        .await
        .unwrap();
    let doc = officer.doc(id);
    use automerge::ReadDoc;
    assert!(
        doc.get(ROOT, "comments").unwrap().is_none(),
        "the allowed part was not stored either"
    );
    assert!(doc.get(ROOT, "context").unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_app_learns_each_persons_access_and_others_learn_nothing() {
    use accord_tests::server::http_request;
    let e = engagement().await;
    let get = |role: &str, id: &str| {
        let auth = format!("Bearer {}", e.token(role));
        http_request(
            e.server.port,
            "GET",
            &format!("/api/documents/{id}/access"),
            &[("Authorization", &auth)],
            b"",
        )
        .unwrap()
    };
    let assessment = e.doc("assessment").to_string();
    let res = get("government", &assessment);
    assert_eq!(res.status, 200);
    let v: serde_json::Value = serde_json::from_slice(&res.body).unwrap();
    assert_eq!(
        (v["kind"].as_str(), v["role"].as_str()),
        (Some("assessment"), Some("government"))
    );
    assert_eq!(v["shared_with_government"], true);

    // An NGO gets the same 404 for the assessment as for an id that does not exist.
    let hidden = get("ngo", &assessment);
    let unknown = get("ngo", &DocumentId::random().to_string());
    assert_eq!((hidden.status, unknown.status), (404, 404));
    assert_eq!(hidden.body, unknown.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ngo_connection_never_receives_a_byte_of_the_assessment() {
    let e = engagement().await;
    let id = e.doc("assessment");
    let mut ngo = Peer::connect(&e.server.ws_url(), e.token("ngo"))
        .await
        .unwrap();
    ngo.follow(id);
    ngo.push(id).await.unwrap();
    ngo.until("told it is unavailable", |p| p.unavailable.contains(&id))
        .await
        .unwrap();

    // The officer edits the assessment and announces presence while the NGO listens.
    let mut officer = Peer::connect(&e.server.ws_url(), &e.server.token)
        .await
        .unwrap();
    officer.follow(id);
    officer.push(id).await.unwrap();
    officer
        .until("the officer has it", |p| p.text(id, "title").is_some())
        .await
        .unwrap();
    officer
        .doc(id)
        .put(ROOT, "context", "Detention conditions in the north")
        .unwrap();
    officer.until_acknowledged(id).await.unwrap();
    let presence = accord_shared::Message::Ephemeral {
        sender_id: officer.peer_id.clone(),
        target_id: officer.server_id.clone(),
        count: 1,
        session_id: "s".into(),
        document_id: id.to_string(),
        data: b"officer is here".to_vec(),
    };
    officer.send(&presence).await.unwrap();

    // Let anything that might leak arrive, then look at every frame the NGO got.
    let _ = ngo.step(std::time::Duration::from_millis(500)).await;
    let about_it: Vec<_> = ngo
        .received
        .iter()
        .filter(|(_, doc)| doc.as_deref() == Some(id.to_string().as_str()))
        .collect();
    assert!(
        about_it.iter().all(|(kind, _)| kind == "doc-unavailable"),
        "the NGO received {about_it:?}"
    );
}
