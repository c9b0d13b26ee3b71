//! The confidential consultation parties through the real server: an HQ
//! reviewer reads them only once a field officer of the engagement or an
//! administrator has granted it, stops receiving them the moment the grant
//! is revoked, and nobody else can grant or receive them. Every grant,
//! revocation and read is in the audit log.

use std::time::Duration;

use accord_shared::docs::{self, items, Parties, Party};
use accord_shared::{DocumentId, Message};
use accord_tests::client::{join_frame, raw_socket};
use accord_tests::{Peer, TestServer};
use automerge::sync::SyncDoc;
use automerge::AutoCommit;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message as WsMessage;

const HQ_EMAIL: &str = "desk@hq.test";
const GOV_EMAIL: &str = "focal.point@gov.test";
const FO2_EMAIL: &str = "other.officer@accord.test";
const ADMIN_EMAIL: &str = "admin@accord.test";

/// The name only the parties document holds.
const WITNESS: &str = "Witness Alpha-7";

/// An engagement started by the default field officer, with an HQ reviewer
/// and a government member; a field officer of another engagement; an admin.
struct Setup {
    server: TestServer,
    engagement: String,
    parties: DocumentId,
    hq: String,
    gov: String,
    fo2: String,
    admin: String,
}

fn start() -> Setup {
    let server = TestServer::start(&[]);
    let engagement = start_engagement(&server, &server.token, "Access to justice in Togo");
    let parties = engagement["documents"]["parties"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let engagement = engagement["id"].as_str().unwrap().to_owned();
    let hq = server.account(HQ_EMAIL, "Sofia Lindqvist", "hq_reviewer");
    let gov = server.account(GOV_EMAIL, "Kossi Mensah", "government");
    let fo2 = server.account(FO2_EMAIL, "Other Officer", "field_officer");
    let admin = server.account(ADMIN_EMAIL, "Admin", "admin");
    server.add_member(&engagement, HQ_EMAIL, "hq_reviewer");
    server.add_member(&engagement, GOV_EMAIL, "government");
    // The second officer runs an engagement of their own, not this one.
    start_engagement(&server, &fo2, "Civic space in Benin");
    Setup {
        server,
        engagement,
        parties,
        hq,
        gov,
        fo2,
        admin,
    }
}

fn start_engagement(server: &TestServer, token: &str, title: &str) -> Value {
    let (status, created) = server.api(
        token,
        "POST",
        "/api/engagements",
        Some(&json!({ "title": title, "country": "TGO", "presence": "country_office" })),
    );
    assert_eq!(status, 201, "{created}");
    created
}

impl Setup {
    /// `PUT /api/engagements/{id}/parties-grant` as `token`.
    fn grant(&self, token: &str, email: &str, granted: bool) -> (u16, Value) {
        self.server.api(
            token,
            "PUT",
            &format!("/api/engagements/{}/parties-grant", self.engagement),
            Some(&json!({ "email": email, "granted": granted })),
        )
    }

    fn audit(&self) -> String {
        let out = self
            .server
            .admin(&["audit", "--since", "1h"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The field officer adds a party to the register of identities.
    async fn officer_adds_party(&self, officer: &mut Peer, name: &str) {
        let id = self.parties;
        officer.follow(id);
        officer.push(id).await.unwrap();
        officer
            .until("the officer has the parties", |p| {
                !p.doc(id).get_heads().is_empty()
            })
            .await
            .unwrap();
        docs::update::<Parties>(officer.doc(id), |p| {
            items::push(
                &mut p.parties,
                Party {
                    name: name.into(),
                    contact: "+228 90 00 00 00".into(),
                    ..Party::default()
                },
            );
        })
        .unwrap();
        officer.until_acknowledged(id).await.unwrap();
    }
}

/// The names of the parties a peer holds.
fn names(peer: &mut Peer, id: DocumentId) -> Vec<String> {
    let Some(entry) = peer.docs.get(&id) else {
        return Vec::new();
    };
    docs::open::<Parties>(&entry.doc)
        .map(|p| {
            p.parties
                .values()
                .map(|x| x.name.as_str().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Handles whatever arrives for `wait`, then stops (silence is the point).
async fn listen(peer: &mut Peer, wait: Duration) {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            return;
        }
        match peer.step(left).await {
            Ok(true) => continue,
            _ => return,
        }
    }
}

/// Asks for a document over a bare socket and keeps every frame the server
/// sends for `wait`: what really went over the wire.
async fn frames_for(
    server: &TestServer,
    token: &str,
    id: DocumentId,
    wait: Duration,
) -> Vec<Vec<u8>> {
    let mut ws = raw_socket(&server.ws_url(), Some(token)).await.unwrap();
    let me = format!("raw-{}", DocumentId::random());
    ws.send(WsMessage::Binary(join_frame(&me).into()))
        .await
        .unwrap();
    let mut empty = AutoCommit::new();
    let hello = empty
        .sync()
        .generate_sync_message(&mut automerge::sync::State::new())
        .unwrap();
    let mut frames = Vec::new();
    let mut asked = false;
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            return frames;
        }
        match tokio::time::timeout(left, ws.next()).await {
            Ok(Some(Ok(WsMessage::Binary(bytes)))) => {
                frames.push(bytes.to_vec());
                if !asked {
                    // The `peer` answer: now ask for the document.
                    asked = true;
                    let request = Message::Request {
                        sender_id: me.clone(),
                        target_id: "server".into(),
                        document_id: id.to_string(),
                        data: hello.clone().encode(),
                    };
                    ws.send(WsMessage::Binary(request.encode().into()))
                        .await
                        .unwrap();
                }
            }
            Ok(Some(Ok(_))) => continue,
            _ => return frames,
        }
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// The message types the server sent about `id`.
fn kinds_about(frames: &[Vec<u8>], id: DocumentId) -> Vec<String> {
    frames
        .iter()
        .filter_map(|f| Message::decode(f).ok())
        .filter(|m| m.document_id().and_then(Result::ok) == Some(id))
        .map(|m| m.kind().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ungranted_reviewer_gets_doc_unavailable_and_not_one_byte_of_the_parties() {
    let s = start();
    let server = &s.server;
    let mut officer = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    s.officer_adds_party(&mut officer, WITNESS).await;

    // What went over the wire to the reviewer: an answer that the document
    // is unavailable, and nothing else about it.
    let frames = frames_for(server, &s.hq, s.parties, Duration::from_secs(2)).await;
    assert_eq!(kinds_about(&frames, s.parties), vec!["doc-unavailable"]);
    assert!(!frames.iter().any(|f| contains(f, WITNESS)));
    // The same bytes do travel to someone who may read them (so the check above can fail).
    let frames = frames_for(server, &server.token, s.parties, Duration::from_secs(2)).await;
    assert!(kinds_about(&frames, s.parties).contains(&"sync".to_owned()));
    assert!(
        frames.iter().any(|f| contains(f, WITNESS)),
        "the officer is served the parties"
    );

    // A reviewer who asked stays unserved while the officer keeps writing.
    let mut hq = Peer::connect(&server.ws_url(), &s.hq).await.unwrap();
    hq.follow(s.parties);
    hq.push(s.parties).await.unwrap();
    hq.until("unavailable", |p| p.unavailable.contains(&s.parties))
        .await
        .unwrap();
    s.officer_adds_party(&mut officer, "Second witness").await;
    listen(&mut hq, Duration::from_millis(800)).await;
    assert!(names(&mut hq, s.parties).is_empty());
    assert!(!hq
        .received
        .iter()
        .any(|(kind, doc)| kind == "sync" && doc.as_deref() == Some(&s.parties.to_string())));

    // The access API and the dashboard say nothing of it either.
    let (status, _) = server.api(
        &s.hq,
        "GET",
        &format!("/api/documents/{}/access", s.parties),
        None,
    );
    assert_eq!(status, 404);
    let (_, list) = server.api(&s.hq, "GET", "/api/engagements", None);
    assert_eq!(list[0]["documents"]["parties"], "");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_granted_reviewer_reads_the_parties_until_the_grant_is_revoked() {
    let s = start();
    let server = &s.server;
    let mut officer = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    s.officer_adds_party(&mut officer, WITNESS).await;

    // The field officer of the engagement grants it.
    let (status, body) = s.grant(&server.token, HQ_EMAIL, true);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["parties_granted"], true);
    let (status, access) = server.api(
        &s.hq,
        "GET",
        &format!("/api/documents/{}/access", s.parties),
        None,
    );
    assert_eq!(status, 200, "{access}");
    assert_eq!(
        (&access["role"], &access["parties_granted"]),
        (&json!("hq_reviewer"), &json!(true))
    );
    let (_, list) = server.api(&s.hq, "GET", "/api/engagements", None);
    assert_eq!(list[0]["documents"]["parties"], s.parties.to_string());
    let (_, members) = server.api(
        &s.admin,
        "GET",
        &format!("/api/admin/members?engagement={}", s.engagement),
        None,
    );
    let hq_row = members
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == HQ_EMAIL)
        .unwrap();
    assert_eq!(hq_row["parties_granted"], true);

    // The reviewer is served the parties, and sees new ones as they come.
    let mut hq = Peer::connect(&server.ws_url(), &s.hq).await.unwrap();
    hq.follow(s.parties);
    hq.push(s.parties).await.unwrap();
    hq.until("the parties arrive", |p| {
        names(p, s.parties).contains(&WITNESS.to_owned())
    })
    .await
    .unwrap();
    s.officer_adds_party(&mut officer, "Second witness").await;
    hq.until("the second party arrives", |p| {
        names(p, s.parties).len() == 2
    })
    .await
    .unwrap();
    // Reading is all a grant gives: a write is refused.
    docs::update::<Parties>(hq.doc(s.parties), |p| {
        items::push(&mut p.parties, Party::default());
    })
    .unwrap();
    hq.push(s.parties).await.unwrap();
    let errors = hq.until_closed().await.unwrap();
    assert!(errors.iter().any(|e| e.contains("read-only")), "{errors:?}");

    let mut hq = Peer::connect(&server.ws_url(), &s.hq).await.unwrap();
    hq.follow(s.parties);
    hq.push(s.parties).await.unwrap();
    hq.until("the parties arrive again", |p| {
        names(p, s.parties).len() == 2
    })
    .await
    .unwrap();

    // Revoked while the reviewer's connection is open: told at once, and
    // nothing more of the parties reaches it.
    let (status, body) = s.grant(&server.token, HQ_EMAIL, false);
    assert_eq!(status, 200, "{body}");
    hq.until("told the parties are unavailable", |p| {
        p.unavailable.contains(&s.parties)
    })
    .await
    .unwrap();
    s.officer_adds_party(&mut officer, "Third witness").await;
    listen(&mut hq, Duration::from_millis(800)).await;
    assert_eq!(names(&mut hq, s.parties).len(), 2);

    // And on the next connection, nothing at all.
    let frames = frames_for(server, &s.hq, s.parties, Duration::from_secs(2)).await;
    assert_eq!(kinds_about(&frames, s.parties), vec!["doc-unavailable"]);

    let log = s.audit();
    for line in ["parties_granted", "parties_read", "parties_revoked"] {
        assert!(
            log.lines()
                .any(|l| l.contains(line) && (l.contains(HQ_EMAIL) || l.contains("officer@"))),
            "{line} in {log}"
        );
    }
    // Each time the reviewer was served the parties, a line with their name.
    let reads = log
        .lines()
        .filter(|l| l.contains("parties_read") && l.contains(HQ_EMAIL))
        .count();
    assert_eq!(reads, 2, "{log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_grant_revoked_from_the_cli_ends_what_an_open_connection_receives() {
    let s = start();
    let server = &s.server;
    let mut officer = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    s.officer_adds_party(&mut officer, WITNESS).await;
    server.run_admin(&[
        "member",
        "grant-parties",
        "--engagement",
        &s.engagement,
        "--email",
        HQ_EMAIL,
    ]);
    let mut hq = Peer::connect(&server.ws_url(), &s.hq).await.unwrap();
    hq.follow(s.parties);
    hq.push(s.parties).await.unwrap();
    hq.until("the parties arrive", |p| names(p, s.parties).len() == 1)
        .await
        .unwrap();

    // The CLI cannot reach the running server; the relay checks the
    // reviewer again before it relays the next change.
    server.run_admin(&[
        "member",
        "revoke-parties",
        "--engagement",
        &s.engagement,
        "--email",
        HQ_EMAIL,
    ]);
    s.officer_adds_party(&mut officer, "Second witness").await;
    hq.until("told the parties are unavailable", |p| {
        p.unavailable.contains(&s.parties)
    })
    .await
    .unwrap();
    listen(&mut hq, Duration::from_millis(500)).await;
    assert_eq!(names(&mut hq, s.parties), vec![WITNESS.to_owned()]);
    let log = s.audit();
    assert!(
        log.lines()
            .any(|l| l.contains("parties_revoked") && l.contains("cli") && l.contains(HQ_EMAIL)),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn only_field_officers_of_the_engagement_and_admins_grant_and_only_to_reviewers() {
    let s = start();
    let server = &s.server;
    // Roles that may not grant are told why; they hold no more than they have.
    for token in [&s.gov, &s.hq] {
        let (status, body) = s.grant(token, HQ_EMAIL, true);
        assert_eq!(status, 403, "{body}");
        assert!(
            body["error"].as_str().unwrap().contains("may not grant"),
            "{body}"
        );
    }
    // A field officer of another engagement learns nothing of this one.
    let (status, _) = s.grant(&s.fo2, HQ_EMAIL, true);
    assert_eq!(status, 404);
    let (status, _) = server.api(
        &server.token,
        "PUT",
        &format!("/api/engagements/{}/parties-grant", DocumentId::random()),
        Some(&json!({ "email": HQ_EMAIL, "granted": true })),
    );
    assert_eq!(status, 404);
    // None of that granted anything.
    let (status, _) = server.api(
        &s.hq,
        "GET",
        &format!("/api/documents/{}/access", s.parties),
        None,
    );
    assert_eq!(status, 404);

    // Only an HQ reviewer member can be granted; bad input says what is wrong.
    for (email, says) in [
        (GOV_EMAIL, "only HQ reviewers"),
        (FO2_EMAIL, "not a member"),
        ("nobody@nowhere.test", "No account"),
    ] {
        let (status, body) = s.grant(&server.token, email, true);
        assert_eq!(status, 400, "{email}: {body}");
        assert!(
            body["error"].as_str().unwrap_or("").contains(says),
            "{email}: {body}"
        );
    }
    let (status, body) = server.api(
        &server.token,
        "PUT",
        &format!("/api/engagements/{}/parties-grant", s.engagement),
        Some(&json!({ "email": HQ_EMAIL })),
    );
    assert_eq!(status, 400, "{body}");
    let out = server
        .admin(&[
            "member",
            "grant-parties",
            "--engagement",
            &s.engagement,
            "--email",
            GOV_EMAIL,
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("only HQ reviewers"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The Government never receives the parties.
    let frames = frames_for(server, &s.gov, s.parties, Duration::from_secs(1)).await;
    assert_eq!(kinds_about(&frames, s.parties), vec!["doc-unavailable"]);

    // An administrator grants; a role change later drops the grant.
    let (status, body) = s.grant(&s.admin, HQ_EMAIL, true);
    assert_eq!(status, 200, "{body}");
    let (status, _) = server.api(
        &s.hq,
        "GET",
        &format!("/api/documents/{}/access", s.parties),
        None,
    );
    assert_eq!(status, 200);
    server.add_member(&s.engagement, HQ_EMAIL, "government");
    server.add_member(&s.engagement, HQ_EMAIL, "hq_reviewer");
    let (status, _) = server.api(
        &s.hq,
        "GET",
        &format!("/api/documents/{}/access", s.parties),
        None,
    );
    assert_eq!(status, 404);
}
