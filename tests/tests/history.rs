//! The history of a merged draft through the real server: three field
//! officers write the assessment (two of them at the same time, neither
//! seeing the other's edit), an HQ reviewer approved the first version.
//! The server names each writer by the actor it bound to them, and the
//! compare, the attribution and the merged-edit flag say exactly who wrote
//! what. Then the reviewer opens the history page in Chromium: the same
//! compare, the merged edit flagged with both contributions, confirmed.

use std::time::{Duration, Instant};

use accord_shared::docs::{self, Assessment};
use accord_shared::history::{self, Authors, Difference, PieceKind};
use accord_shared::DocumentId;
use accord_tests::browser::Driver;
use accord_tests::{Peer, TestServer};
use anyhow::{bail, Context, Result};
use automerge::transaction::Transactable;
use automerge::{ChangeHash, ReadDoc, ROOT};

const HQ_EMAIL: &str = "desk.officer@hq.test";
const HQ_PASSWORD: &str = "an HQ reviewer's passphrase";

fn field() -> Vec<String> {
    vec!["national_context".to_string()]
}

async fn open(server: &TestServer, token: &str, id: DocumentId) -> Result<Peer> {
    let mut peer = Peer::connect(&server.ws_url(), token).await?;
    peer.follow(id);
    peer.push(id).await?;
    peer.until("the assessment arrives", |p| {
        docs::open::<Assessment>(p.doc(id)).is_ok_and(|a| !a.schema.kind.is_empty())
    })
    .await?;
    Ok(peer)
}

fn context(peer: &mut Peer, id: DocumentId) -> automerge::ObjId {
    match peer.doc(id).get(ROOT, "national_context") {
        Ok(Some((automerge::Value::Object(automerge::ObjType::Text), obj))) => obj,
        other => panic!("national_context is not a text: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn three_writers_a_merge_and_what_the_reviewer_sees() -> Result<()> {
    let server = TestServer::start(&[]);
    let started = server.start_engagement("Access to justice in Togo");
    let (engagement, id) = (started.id.clone(), started.doc("assessment"));
    let bruno_token = server.account("bruno@accord.test", "Bruno Costa", "field_officer");
    let chen_token = server.account("chen@accord.test", "Chen Wei", "field_officer");
    server.add_member(&engagement, "bruno@accord.test", "field_officer");
    server.add_member(&engagement, "chen@accord.test", "field_officer");
    server.add_user(HQ_EMAIL, "Sofia Lindqvist", "hq_reviewer", HQ_PASSWORD);
    server.add_member(&engagement, HQ_EMAIL, "hq_reviewer");
    let hq_token = server.create_token(HQ_EMAIL);

    // Amina writes the first version; the reviewer approves it.
    let mut amina = open(&server, &server.token, id).await?;
    docs::update::<Assessment>(amina.doc(id), |a| {
        a.national_context = "Courts are slow.".into()
    })?;
    amina.doc(id).commit();
    amina.push(id).await?;
    amina.until_acknowledged(id).await?;
    let approved: Vec<ChangeHash> = amina.doc(id).get_heads();
    let heads: Vec<String> = approved.iter().map(ToString::to_string).collect();
    let (status, body) = server.api(
        &hq_token,
        "POST",
        &format!("/api/documents/{id}/approvals"),
        Some(&serde_json::json!({ "heads": heads })),
    );
    assert_eq!(status, 201, "{body}");

    // Bruno and Chen each edit that version before either sees the other's.
    let mut bruno = open(&server, &bruno_token, id).await?;
    let mut chen = open(&server, &chen_token, id).await?;
    let text = context(&mut bruno, id);
    bruno.doc(id).splice_text(&text, 11, 0, "very ")?;
    bruno.doc(id).commit();
    let text = context(&mut chen, id);
    chen.doc(id).splice_text(&text, 0, 6, "Tribunals")?;
    chen.doc(id).commit();
    bruno.push(id).await?;
    chen.push(id).await?;
    bruno.until_acknowledged(id).await?;
    chen.until_acknowledged(id).await?;

    // Amina, having both, adds a sentence.
    let merged = amina
        .until("both edits reach Amina", |p| {
            p.text(id, "national_context").as_deref() == Some("Tribunals are very slow.")
        })
        .await;
    if let Err(e) = merged {
        bail!("{e}: Amina has {:?}", amina.text(id, "national_context"));
    }
    let text = context(&mut amina, id);
    let end = amina.doc(id).text(&text)?.chars().count();
    amina
        .doc(id)
        .splice_text(&text, end, 0, " Reform is needed.")?;
    amina.doc(id).commit();
    amina.push(id).await?;
    if let Err(e) = amina.until_acknowledged(id).await {
        bail!("{e}: Amina received {:?}", amina.received);
    }

    // The reviewer's copy and the server's names for its writers.
    let mut hq = open(&server, &hq_token, id).await?;
    hq.until("the reviewer has it all", |p| {
        p.text(id, "national_context").as_deref()
            == Some("Tribunals are very slow. Reform is needed.")
    })
    .await?;
    let (status, names) = server.api(
        &hq_token,
        "GET",
        &format!("/api/documents/{id}/authors"),
        None,
    );
    assert_eq!(status, 200, "{names}");
    let authors: Authors = serde_json::from_value(names.clone()).context("authors")?;
    let mut named: Vec<&str> = authors.0.values().map(|a| a.name.as_str()).collect();
    named.sort();
    // Amina wrote through two actors: the server's, starting the engagement
    // in her name, and her own device's.
    named.dedup();
    assert_eq!(named, ["Amina Field", "Bruno Costa", "Chen Wei"], "{names}");

    let now = hq.doc(id).get_heads();
    let doc = hq.doc(id).document();
    let spans = history::attribution(doc, &field(), &now, &authors).context("a text")?;
    let got: Vec<(&str, &str)> = spans
        .iter()
        .map(|s| (s.text.as_str(), s.by.name.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("Tribunals", "Chen Wei"),
            (" are ", "Amina Field"),
            ("very ", "Bruno Costa"),
            ("slow. Reform is needed.", "Amina Field"),
        ]
    );
    let cmp = history::compare(doc, &approved, &now, &authors);
    let text_change = cmp
        .changes
        .iter()
        .find(|c| c.path == field())
        .context("the context changed")?;
    let Difference::Text { pieces } = &text_change.change else {
        bail!("not a text change: {text_change:?}");
    };
    let pieces: Vec<(PieceKind, &str, &str)> = pieces
        .iter()
        .map(|p| {
            let by = p.by.as_ref().map(|a| a.name.as_str()).unwrap_or("");
            (p.kind, p.text.as_str(), by)
        })
        .collect();
    use PieceKind::*;
    assert_eq!(
        pieces,
        [
            (Deleted, "Courts", "Chen Wei"),
            (Inserted, "Tribunals", "Chen Wei"),
            (Same, " are ", ""),
            (Inserted, "very ", "Bruno Costa"),
            (Same, "slow.", ""),
            (Inserted, " Reform is needed.", "Amina Field"),
        ]
    );
    assert_eq!(
        cmp.changes.len(),
        1,
        "only the context changed: {:#?}",
        cmp.changes
    );
    let flags = history::concurrent_edits(doc, &authors);
    assert_eq!(flags.len(), 1, "{flags:#?}");
    let who: Vec<(&str, &str)> = flags[0]
        .contributions
        .iter()
        .map(|c| (c.by.name.as_str(), c.inserted.as_str()))
        .collect();
    assert_eq!(who, [("Bruno Costa", "very "), ("Chen Wei", "Tribunals")]);

    // The reviewer's page.
    let driver = Driver::start()?;
    let page = driver.session().await?;
    page.sign_in_as(&server, HQ_EMAIL, HQ_PASSWORD).await?;
    page.goto(&format!("{}/doc/{id}/history", server.http_url()))
        .await?;
    let deadline = Instant::now() + accord_tests::PATIENCE;
    loop {
        let inserted = page.texts(".history-compare ins").await?;
        let titles = page.attrs(".history-compare ins", "title").await?;
        if inserted.iter().any(|t| t.contains("very"))
            && titles.iter().any(|t| t == "inserted by Bruno Costa")
        {
            break;
        }
        if Instant::now() > deadline {
            page.screenshot("history-compare-missing.png").await?;
            let status = page.status_text().await?;
            bail!("the compare never showed Bruno's insertion: {inserted:?} {titles:?} (status {status:?})");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let deleted = page.texts(".history-compare del").await?;
    assert!(deleted.iter().any(|t| t.contains("Courts")), "{deleted:?}");
    let from = page.by_role("combobox", "Older version").await?;
    let chosen = page.selected_text(&from).await?;
    page.screenshot("history-review.png").await?;
    assert!(
        chosen.starts_with("Approved by Sofia Lindqvist on "),
        "{chosen}"
    );

    let merged = page.by_role("article", "National context").await?;
    let said = merged.text().await?;
    assert!(
        said.contains("Bruno Costa") && said.contains("Chen Wei"),
        "{said}"
    );
    page.screenshot("history-review.png").await?;
    page.by_role("button", "Confirm the merged text")
        .await?
        .click()
        .await?;
    let deadline = Instant::now() + accord_tests::PATIENCE;
    loop {
        let confirmed = page.texts(".merged-edit .confirmed").await?;
        if confirmed
            .iter()
            .any(|t| t.starts_with("Confirmed by Sofia Lindqvist on "))
        {
            break;
        }
        if Instant::now() > deadline {
            bail!("the confirmation never showed: {confirmed:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The confirmation is a comment in the document, synced to the others.
    amina
        .until("the confirmation reaches Amina", |p| {
            docs::comments::read(p.doc(id))
                .values()
                .any(|c| c.merge == flags[0].id && c.by == "Sofia Lindqvist")
        })
        .await?;
    page.screenshot("history-confirmed.png").await?;
    page.close().await?;
    Ok(())
}
