//! Approving a version through the real server: an HQ reviewer approves the
//! assessment as it stands; a field officer keeps editing; after a restart
//! the approval still names the same heads, the document at those heads
//! still reads as approved, and "changes since" lists exactly the later
//! edits with who wrote them. Only HQ reviewers approve, and only versions
//! the server holds.

use accord_shared::docs::{self, Assessment};
use accord_tests::{Peer, TestServer};
use automerge::ChangeHash;
use serde_json::{json, Value};

const HQ: &str = "desk@hq.test";

#[tokio::test]
async fn an_approval_fixes_a_version_and_counts_the_changes_since() {
    let mut server = TestServer::start(&[]);
    let started = server.start_engagement("Access to justice in Togo");
    let (engagement, assessment) = (started.id.clone(), started.doc("assessment"));
    let hq = server.account(HQ, "Sofia Lindqvist", "hq_reviewer");
    server.add_member(&engagement, HQ, "hq_reviewer");
    let path = format!("/api/documents/{assessment}/approvals");

    let mut officer = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    officer.follow(assessment);
    officer.push(assessment).await.unwrap();
    officer
        .until("the assessment arrives", |p| {
            !p.doc(assessment).get_heads().is_empty()
        })
        .await
        .unwrap();
    let write = |officer: &mut Peer, context: &str| {
        docs::update::<Assessment>(officer.doc(assessment), |a| a.conclusions = context.into())
            .unwrap();
    };
    write(&mut officer, "Approved wording.");
    officer.until_acknowledged(assessment).await.unwrap();
    let approved: Vec<ChangeHash> = officer.doc(assessment).get_heads();
    let approved_hex: Vec<String> = approved.iter().map(ToString::to_string).collect();

    // Nothing approved yet; the field officer may not approve.
    let (_, none) = server.api(&hq, "GET", &path, None);
    assert_eq!(none["latest"], Value::Null, "{none}");
    let (status, body) = server.api(
        &server.token,
        "POST",
        &path,
        Some(&json!({ "heads": approved_hex })),
    );
    assert_eq!(status, 403, "{body}");
    // A version the server never saw, or not a hash at all: refused, saying why.
    let (status, body) = server.api(
        &hq,
        "POST",
        &path,
        Some(&json!({ "heads": ["00".repeat(32)] })),
    );
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("no version"),
        "{body}"
    );
    let (status, _) = server.api(
        &hq,
        "POST",
        &path,
        Some(&json!({ "heads": ["not a hash"] })),
    );
    assert_eq!(status, 400);

    let (status, approval) =
        server.api(&hq, "POST", &path, Some(&json!({ "heads": approved_hex })));
    assert_eq!(status, 201, "{approval}");
    assert_eq!(approval["by"], "Sofia Lindqvist");

    // The officer writes on: three changes.
    let mut later = Vec::new();
    for text in ["Second wording.", "Third wording.", "Final wording."] {
        write(&mut officer, text);
        later.push(officer.doc(assessment).get_heads()[0]);
    }
    officer.until_acknowledged(assessment).await.unwrap();

    server.restart();
    let (status, list) = server.api(&server.token, "GET", &path, None);
    assert_eq!(status, 200, "{list}");
    let latest = &list["latest"];
    assert_eq!(latest["approval"]["heads"], json!(approved_hex), "{list}");
    assert_eq!(latest["changes_since"], 3, "{list}");
    let since: Vec<String> = latest["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["hash"].as_str().unwrap().to_owned())
        .collect();
    let mut want: Vec<String> = later.iter().map(ToString::to_string).collect();
    let mut got = since.clone();
    want.sort();
    got.sort();
    assert_eq!(got, want, "exactly the later edits");
    assert!(latest["changes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["by"] == "Amina Field"));

    // What was approved still reads as approved, from a fresh copy of the server's document.
    let mut reader = Peer::connect(&server.ws_url(), &hq).await.unwrap();
    reader.follow(assessment);
    reader.push(assessment).await.unwrap();
    reader
        .until("the reviewer has every change", |p| {
            later
                .iter()
                .all(|h| p.doc(assessment).get_change_by_hash(h).is_some())
        })
        .await
        .unwrap();
    let at_approval = reader.doc(assessment).fork_at(&approved).unwrap();
    let then = docs::open::<Assessment>(&at_approval).unwrap();
    assert_eq!(then.conclusions.as_str(), "Approved wording.");
    let now = docs::open::<Assessment>(reader.doc(assessment)).unwrap();
    assert_eq!(now.conclusions.as_str(), "Final wording.");
    let audit = server.admin(&["audit", "--since", "1h"]).output().unwrap();
    assert!(String::from_utf8_lossy(&audit.stdout).contains("approved"));
}
