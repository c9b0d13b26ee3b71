//! Consultation intake through the real server and real WebSocket clients:
//! contributors read and write only their own submission; a submitted one is
//! frozen by the server; a submission link opens one submission and nothing
//! else, and stops working when revoked or expired; nothing is stored
//! before consent; withdrawn input leaves every view and the export; a
//! confidential source is masked for reviewers without the grant.

use std::time::Duration;

use accord_shared::docs::vocab::SubmissionStatus;
use accord_shared::docs::{self, Submission};
use accord_shared::{DocumentId, Message};
use accord_tests::server::http_request;
use accord_tests::{Peer, TestServer};
use serde_json::{json, Value};

const NGO_A: &str = "a@voices.test";
const NGO_B: &str = "b@rights-watch.test";
const HQ: &str = "desk@hq.test";

struct Setup {
    server: TestServer,
    engagement: String,
    assessment: DocumentId,
    ngo_a: String,
    ngo_b: String,
    hq: String,
}

fn start() -> Setup {
    let server = TestServer::start(&[]);
    let started = server.start_engagement("Access to justice in Togo");
    let (engagement, assessment) = (started.id.clone(), started.doc("assessment"));
    let ngo_a = server.account(NGO_A, "Voices", "ngo");
    let ngo_b = server.account(NGO_B, "Rights Watch", "ngo");
    let hq = server.account(HQ, "Sofia Lindqvist", "hq_reviewer");
    server.add_member(&engagement, NGO_A, "ngo");
    server.add_member(&engagement, NGO_B, "ngo");
    server.add_member(&engagement, HQ, "hq_reviewer");
    Setup {
        server,
        engagement,
        assessment,
        ngo_a,
        ngo_b,
        hq,
    }
}

impl Setup {
    /// A member starts a submission, consent given.
    fn start_submission(&self, token: &str, consent: Value) -> DocumentId {
        let (status, body) = self.server.api(
            token,
            "POST",
            &format!("/api/engagements/{}/submissions", self.engagement),
            Some(&consent),
        );
        assert_eq!(status, 201, "{body}");
        body["submission"].as_str().unwrap().parse().unwrap()
    }

    fn inbox(&self, token: &str) -> Value {
        let (status, body) = self.server.api(
            token,
            "GET",
            &format!("/api/engagements/{}/submissions", self.engagement),
            None,
        );
        assert_eq!(status, 200, "{body}");
        body
    }

    fn export(&self, token: &str) -> (u16, String) {
        let auth = format!("Bearer {token}");
        let res = http_request(
            self.server.port,
            "GET",
            &format!(
                "/api/engagements/{}/submissions/export.csv",
                self.engagement
            ),
            &[("Authorization", &auth)],
            b"",
        )
        .unwrap();
        (res.status, String::from_utf8_lossy(&res.body).into_owned())
    }

    fn new_link(&self, body: Value) -> (i64, String) {
        let (status, link) = self.server.api(
            &self.server.token,
            "POST",
            &format!("/api/engagements/{}/submission-links", self.engagement),
            Some(&body),
        );
        assert_eq!(status, 201, "{link}");
        assert!(link["path"].as_str().unwrap().starts_with("/submit/"));
        (
            link["id"].as_i64().unwrap(),
            link["token"].as_str().unwrap().to_owned(),
        )
    }

    /// `POST /api/links/{token}/consent`: the status, the body and the session cookie.
    fn consent(&self, token: &str, body: &Value) -> (u16, Value, Option<String>) {
        let res = http_request(
            self.server.port,
            "POST",
            &format!("/api/links/{token}/consent"),
            &[],
            body.to_string().as_bytes(),
        )
        .unwrap();
        let cookie = res
            .header("set-cookie")
            .and_then(|c| c.split(';').next())
            .map(str::to_owned);
        let value = serde_json::from_slice(&res.body).unwrap_or(Value::Null);
        (res.status, value, cookie)
    }

    fn link_status(&self, token: &str) -> u16 {
        http_request(
            self.server.port,
            "GET",
            &format!("/api/links/{token}"),
            &[],
            b"",
        )
        .unwrap()
        .status
    }

    /// A sync ticket for whoever the cookie signs in: the WebSocket URL, or the refusal's status.
    fn ticket_for_cookie(&self, cookie: &str) -> Result<String, u16> {
        let res = http_request(
            self.server.port,
            "POST",
            "/api/sync-ticket",
            &[("Cookie", cookie)],
            b"",
        )
        .unwrap();
        if res.status != 200 {
            return Err(res.status);
        }
        let v: Value = serde_json::from_slice(&res.body).unwrap();
        Ok(format!(
            "{}?ticket={}",
            self.server.ws_url(),
            v["ticket"].as_str().unwrap()
        ))
    }

    /// Every table a consent would write to, counted.
    fn counts(&self) -> Vec<(String, i64)> {
        let db = rusqlite::Connection::open_with_flags(
            self.server.data.join("accord.sqlite3"),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        [
            "documents",
            "changes",
            "users",
            "memberships",
            "sessions",
            "submissions",
            "actors",
        ]
        .iter()
        .map(|t| {
            let n = db
                .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                .unwrap();
            (t.to_string(), n)
        })
        .collect()
    }
}

fn named(confidentiality: &str) -> Value {
    json!({ "consent": true, "anonymous": false, "name": "Ama Koffi",
            "organisation": "Voices of Lomé", "contact": "ama@voices.test",
            "confidentiality": confidentiality })
}

fn anonymous() -> Value {
    json!({ "consent": true, "anonymous": true, "confidentiality": "internal" })
}

/// Opens a document and waits until it has content (or the server says it is unavailable).
async fn open(peer: &mut Peer, id: DocumentId) -> bool {
    peer.follow(id);
    peer.push(id).await.unwrap();
    peer.until("the document arrives or is refused", |p| {
        p.unavailable.contains(&id) || !p.doc(id).get_heads().is_empty()
    })
    .await
    .unwrap();
    !peer.unavailable.contains(&id)
}

/// Handles whatever arrives for `wait`.
async fn listen(peer: &mut Peer, wait: Duration) {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() || !matches!(peer.step(left).await, Ok(true)) {
            return;
        }
    }
}

fn write(peer: &mut Peer, id: DocumentId, edit: impl FnOnce(&mut Submission)) {
    docs::update::<Submission>(peer.doc(id), edit).unwrap();
}

fn submit(peer: &mut Peer, id: DocumentId) {
    write(peer, id, |s| {
        s.status = SubmissionStatus::Submitted;
        s.submitted_at = "2026-11-29T08:00:00Z".into();
    });
}

/// Whether any `sync` frame for `id` reached the peer.
fn got_sync_for(peer: &Peer, id: DocumentId) -> bool {
    let id = id.to_string();
    peer.received
        .iter()
        .any(|(kind, doc)| kind == "sync" && doc.as_deref() == Some(id.as_str()))
}

#[tokio::test]
async fn ngos_read_only_their_own_submission_checked_on_the_wire() {
    let s = start();
    let a_doc = s.start_submission(&s.ngo_a, named("public"));
    let b_doc = s.start_submission(&s.ngo_b, anonymous());

    let mut a = Peer::connect(&s.server.ws_url(), &s.ngo_a).await.unwrap();
    assert!(open(&mut a, a_doc).await, "A opens its own submission");
    write(&mut a, a_doc, |sub| {
        sub.title = "Pre-trial detention".into()
    });
    a.until_acknowledged(a_doc).await.unwrap();

    let mut b = Peer::connect(&s.server.ws_url(), &s.ngo_b).await.unwrap();
    assert!(open(&mut b, b_doc).await);
    assert!(!open(&mut b, a_doc).await, "B is refused A's submission");
    assert!(
        !open(&mut b, s.assessment).await,
        "B is refused the assessment"
    );
    // A keeps writing while B listens: nothing of A's document reaches B.
    write(&mut a, a_doc, |sub| {
        sub.issues = "Detainees wait years for trial.".into()
    });
    a.until_acknowledged(a_doc).await.unwrap();
    listen(&mut b, Duration::from_millis(500)).await;
    assert!(
        !got_sync_for(&b, a_doc),
        "a sync frame of A's submission reached B"
    );
    assert!(!got_sync_for(&b, s.assessment));
    assert!(b.errors.is_empty(), "{:?}", b.errors);

    // The draft is A's own: the field team does not read it yet.
    let mut officer = Peer::connect(&s.server.ws_url(), &s.server.token)
        .await
        .unwrap();
    assert!(
        !open(&mut officer, a_doc).await,
        "a draft reached the field team"
    );
    assert_eq!(s.inbox(&s.server.token)["submissions"], json!([]));
    assert_eq!(s.inbox(&s.server.token)["drafts"], 2);
    // Contributors list only their own.
    let mine = s.inbox(&s.ngo_b);
    assert_eq!(mine["submissions"].as_array().unwrap().len(), 1);
    assert_eq!(mine["submissions"][0]["id"], b_doc.to_string());
    let (status, _) = s
        .server
        .api(&s.ngo_b, "GET", &format!("/api/submissions/{a_doc}"), None);
    assert_eq!(status, 404);
}

#[tokio::test]
async fn after_submit_the_server_refuses_every_change() {
    let s = start();
    let id = s.start_submission(&s.ngo_a, named("internal"));
    let mut a = Peer::connect(&s.server.ws_url(), &s.ngo_a).await.unwrap();
    assert!(open(&mut a, id).await);
    write(&mut a, id, |sub| {
        sub.title = "Land evictions in Kara".into()
    });
    submit(&mut a, id);
    a.until_acknowledged(id).await.unwrap();

    let entry = s
        .server
        .api(&s.ngo_a, "GET", &format!("/api/submissions/{id}"), None)
        .1;
    assert_eq!(entry["status"], "submitted", "{entry}");

    write(&mut a, id, |sub| sub.title = "Changed afterwards".into());
    a.push(id).await.unwrap();
    let errors = a.until_closed().await.unwrap();
    assert!(
        errors.iter().any(|e| e.contains("submitted")),
        "the refusal says why: {errors:?}"
    );

    // The field team now reads it, as submitted, without the later change.
    let mut officer = Peer::connect(&s.server.ws_url(), &s.server.token)
        .await
        .unwrap();
    assert!(open(&mut officer, id).await);
    officer
        .until("the officer has the title", |p| {
            p.text(id, "title").as_deref() == Some("Land evictions in Kara")
        })
        .await
        .unwrap();
    // Not even the field team may change it.
    write(&mut officer, id, |sub| {
        sub.title = "Edited by the office".into()
    });
    officer.push(id).await.unwrap();
    let errors = officer.until_closed().await.unwrap();
    assert!(!errors.is_empty(), "an officer's change was accepted");
    let inbox = s.inbox(&s.server.token);
    assert_eq!(inbox["submissions"][0]["title"], "Land evictions in Kara");
}

#[tokio::test]
async fn without_consent_the_server_stores_nothing() {
    let s = start();
    let (_, token) = s.new_link(json!({ "label": "Kara visit" }));
    let before = s.counts();
    assert_eq!(s.link_status(&token), 200);
    for refused in [
        json!({ "consent": false, "anonymous": true, "confidentiality": "internal" }),
        json!({ "anonymous": true, "confidentiality": "internal" }),
        json!({ "consent": true, "anonymous": true, "confidentiality": "secret" }),
        json!({ "consent": true, "anonymous": false, "confidentiality": "public" }),
    ] {
        let (status, body, cookie) = s.consent(&token, &refused);
        assert_eq!(status, 400, "{refused} → {body}");
        assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()));
        assert!(cookie.is_none(), "a session was given without consent");
    }
    assert_eq!(s.counts(), before, "something was stored before consent");
    // An NGO member without consent: nothing either.
    let (status, _) = s.server.api(
        &s.ngo_a,
        "POST",
        &format!("/api/engagements/{}/submissions", s.engagement),
        Some(&json!({ "consent": false, "confidentiality": "public" })),
    );
    assert_eq!(status, 400);
    assert_eq!(s.counts(), before);
}

#[tokio::test]
async fn a_link_writes_one_submission_reads_nothing_else_and_ends_when_revoked() {
    let s = start();
    let (link, token) = s.new_link(json!({ "label": "Community meeting", "days": 7 }));
    let (status, body, cookie) = s.consent(&token, &anonymous());
    assert_eq!(status, 200, "{body}");
    let cookie = cookie.expect("a session cookie");
    let id: DocumentId = body["submission"].as_str().unwrap().parse().unwrap();
    assert_eq!(body["user"]["role"], "individual");

    let mut person = Peer::connect_with(&s.ticket_for_cookie(&cookie).unwrap(), None)
        .await
        .unwrap();
    assert!(
        open(&mut person, id).await,
        "the link's own submission opens"
    );
    write(&mut person, id, |sub| {
        sub.issues = "Forced evictions".into()
    });
    person.until_acknowledged(id).await.unwrap();
    assert!(!open(&mut person, s.assessment).await);
    let engagement: DocumentId = s.engagement.parse().unwrap();
    assert!(!open(&mut person, engagement).await);
    assert!(!got_sync_for(&person, s.assessment) && !got_sync_for(&person, engagement));
    // The anonymous person is in no account list.
    let users = s.server.admin(&["user", "list"]).output().unwrap();
    assert!(!String::from_utf8_lossy(&users.stdout).contains("contributors.invalid"));

    // Coming back with the link signs them in to the same submission.
    let (status, again, _) = s.consent(&token, &anonymous());
    assert_eq!(status, 200);
    assert_eq!(again["submission"], id.to_string());

    // Revoked: the open connection stops being served, the link and the session end.
    let (status, _) = s.server.api(
        &s.server.token,
        "DELETE",
        &format!("/api/submission-links/{link}"),
        None,
    );
    assert_eq!(status, 204);
    person
        .until("the revoked person is told the submission is gone", |p| {
            p.unavailable.contains(&id)
        })
        .await
        .unwrap();
    assert_eq!(s.link_status(&token), 410);
    assert_eq!(s.consent(&token, &anonymous()).0, 410);
    assert_eq!(s.ticket_for_cookie(&cookie), Err(401));
    let links = s
        .server
        .api(
            &s.server.token,
            "GET",
            &format!("/api/engagements/{}/submission-links", s.engagement),
            None,
        )
        .1;
    assert_eq!(links[0]["state"], "revoked", "{links}");
}

#[tokio::test]
async fn a_link_cannot_create_documents_and_stops_when_it_expires() {
    let s = start();
    let (_, token) = s.new_link(json!({ "label": "Short", "seconds": 3 }));
    let (status, body, cookie) = s.consent(&token, &anonymous());
    assert_eq!(status, 200, "{body}");
    let cookie = cookie.unwrap();
    let mut person = Peer::connect_with(&s.ticket_for_cookie(&cookie).unwrap(), None)
        .await
        .unwrap();
    let stray = person.create(|doc| {
        use automerge::transaction::Transactable;
        doc.put(automerge::ROOT, "note", "not a submission")
            .unwrap();
    });
    person.push(stray).await.unwrap();
    let errors = person.until_closed().await.unwrap();
    assert!(
        errors.iter().any(|e| e.contains("may not create")),
        "{errors:?}"
    );

    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(s.link_status(&token), 410);
    assert_eq!(s.ticket_for_cookie(&cookie), Err(401));
}

#[tokio::test]
async fn withdrawn_input_leaves_the_inbox_the_relay_and_the_export() {
    let s = start();
    let kept = s.start_submission(&s.ngo_a, named("public"));
    let gone = s.start_submission(&s.ngo_b, anonymous());
    for (token, id, title) in [
        (&s.ngo_a, kept, "Kept: prison conditions"),
        (&s.ngo_b, gone, "Withdrawn: police abuse"),
    ] {
        let mut p = Peer::connect(&s.server.ws_url(), token).await.unwrap();
        assert!(open(&mut p, id).await);
        write(&mut p, id, |sub| {
            sub.title = title.into();
            sub.evidence = "Interviews in March".into();
        });
        submit(&mut p, id);
        p.until_acknowledged(id).await.unwrap();
    }
    let (status, csv) = s.export(&s.server.token);
    assert_eq!(status, 200);
    assert!(csv.contains("Kept: prison conditions") && csv.contains("Withdrawn: police abuse"));
    let waiting = |token: &str| {
        let (_, list) = s.server.api(token, "GET", "/api/engagements", None);
        list[0]["counts"]["new_submissions"].clone()
    };
    assert_eq!(
        waiting(&s.server.token),
        2,
        "the dashboard counts what waits"
    );
    assert_eq!(waiting(&s.hq), 2);

    let mut officer = Peer::connect(&s.server.ws_url(), &s.server.token)
        .await
        .unwrap();
    assert!(open(&mut officer, gone).await);

    let (status, entry) = s.server.api(
        &s.ngo_b,
        "POST",
        &format!("/api/submissions/{gone}/withdraw"),
        Some(&json!({ "reason": "Afraid of reprisals" })),
    );
    assert_eq!(status, 200, "{entry}");
    assert_eq!(entry["status"], "withdrawn");

    officer
        .until("the officer's copy is withdrawn from", |p| {
            p.unavailable.contains(&gone)
        })
        .await
        .unwrap();
    let mut later = Peer::connect(&s.server.ws_url(), &s.hq).await.unwrap();
    assert!(!open(&mut later, gone).await);
    assert!(open(&mut later, kept).await);

    let inbox = s.inbox(&s.server.token);
    let withdrawn = inbox["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == gone.to_string())
        .unwrap();
    assert_eq!(withdrawn["status"], "withdrawn");
    assert_eq!(withdrawn["title"], "");
    assert_eq!(withdrawn["withdrawn_by"], "Rights Watch");
    assert_eq!(
        waiting(&s.server.token),
        1,
        "a withdrawn one no longer waits"
    );
    let (status, _) = s.server.api(
        &s.server.token,
        "POST",
        &format!("/api/submissions/{kept}/reviewed"),
        Some(&json!({ "reviewed": true })),
    );
    assert_eq!(status, 200);
    assert_eq!(
        waiting(&s.server.token),
        0,
        "a reviewed one no longer waits"
    );
    let (_, csv) = s.export(&s.server.token);
    assert!(csv.contains("Kept: prison conditions"));
    assert!(!csv.contains("police abuse"), "{csv}");
    let (_, csv) = s.export(&s.hq);
    assert!(!csv.contains("police abuse"));
    let audit = s
        .server
        .admin(&["audit", "--since", "1h"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&audit.stdout).contains("submission_withdrawn"));
}

#[tokio::test]
async fn a_confidential_source_is_masked_for_a_reviewer_without_the_grant() {
    let s = start();
    let id = s.start_submission(&s.ngo_a, named("confidential"));
    let mut a = Peer::connect(&s.server.ws_url(), &s.ngo_a).await.unwrap();
    assert!(open(&mut a, id).await);
    write(&mut a, id, |sub| {
        sub.title = "Threats against journalists".into()
    });
    submit(&mut a, id);
    a.until_acknowledged(id).await.unwrap();

    let source = |token: &str| s.inbox(token)["submissions"][0]["source"].clone();
    assert_eq!(source(&s.server.token)["name"], "Ama Koffi");
    let masked = source(&s.hq);
    assert_eq!(masked["masked"], true, "{masked}");
    assert_eq!(masked["name"], "");
    assert_eq!(masked["contact"], "");
    let (_, csv) = s.export(&s.hq);
    assert!(csv.contains("Confidential source") && csv.contains("Threats against journalists"));
    assert!(
        !csv.contains("Ama Koffi") && !csv.contains("ama@voices.test"),
        "{csv}"
    );
    // What the reviewer receives of the document itself names nobody.
    let mut hq = Peer::connect(&s.server.ws_url(), &s.hq).await.unwrap();
    assert!(open(&mut hq, id).await);
    let everything = format!("{:?}", docs::open::<Submission>(hq.doc(id)).unwrap());
    assert!(!everything.contains("Ama") && !everything.contains("voices.test"));
    // Nor does the author's presence (which carries their name) reach the reviewer.
    let presence = accord_shared::presence::Presence {
        name: "Ama Koffi".into(),
        field: Some("title".into()),
        left: false,
    };
    a.send(&Message::Ephemeral {
        sender_id: a.peer_id.clone(),
        target_id: a.server_id.clone(),
        count: 1,
        session_id: "s1".into(),
        document_id: id.to_string(),
        data: presence.encode(),
    })
    .await
    .unwrap();
    listen(&mut hq, Duration::from_millis(500)).await;
    assert!(
        hq.ephemeral.is_empty(),
        "presence of a submission was relayed"
    );

    let (status, _) = s.server.api(
        &s.server.token,
        "PUT",
        &format!("/api/engagements/{}/parties-grant", s.engagement),
        Some(&json!({ "email": HQ, "granted": true })),
    );
    assert_eq!(status, 200);
    assert_eq!(source(&s.hq)["name"], "Ama Koffi");
}
