//! The write policy as people meet it in the browser: a Government
//! counterpart sees a shared assessment read-only, a field officer edits it.

use accord_tests::browser::Driver;
use accord_tests::server::OFFICER_EMAIL;
use accord_tests::{Peer, TestServer};
use anyhow::Result;
use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT};

const GOV_EMAIL: &str = "focal.point@gov.test";
const GOV_PASSWORD: &str = "government passphrase";

#[tokio::test(flavor = "multi_thread")]
async fn a_government_counterpart_reads_the_assessment_that_a_field_officer_edits() -> Result<()> {
    let server = TestServer::start(&[]);
    let mut officer = Peer::connect(&server.ws_url(), &server.token).await?;
    let mut ids = Vec::new();
    for title in ["Engagement: Togo", "Needs assessment — Togo"] {
        let id = officer.create(|doc| {
            let t = doc.put_object(ROOT, "title", ObjType::Text).unwrap();
            doc.splice_text(&t, 0, 0, title).unwrap();
            doc.put_object(ROOT, "summary", ObjType::Text).unwrap();
        });
        officer.until_acknowledged(id).await?;
        ids.push(id.to_string());
    }
    let (engagement, assessment) = (&ids[0], &ids[1]);
    server.add_user(GOV_EMAIL, "Kodjo Mensah", "government", GOV_PASSWORD);
    server.run_admin(&[
        "doc",
        "attach",
        "--doc",
        engagement,
        "--engagement",
        engagement,
        "--kind",
        "engagement",
    ]);
    server.run_admin(&[
        "doc",
        "attach",
        "--doc",
        assessment,
        "--engagement",
        engagement,
        "--kind",
        "assessment",
    ]);
    server.run_admin(&["doc", "share", "--doc", assessment]);
    server.run_admin(&[
        "member",
        "add",
        "--engagement",
        engagement,
        "--email",
        OFFICER_EMAIL,
        "--role",
        "field_officer",
    ]);
    server.run_admin(&[
        "member",
        "add",
        "--engagement",
        engagement,
        "--email",
        GOV_EMAIL,
        "--role",
        "government",
    ]);
    drop(officer);

    let driver = Driver::start()?;
    let gov = driver.session().await?;
    let fo = driver.session().await?;
    let url = format!("{}/doc/{assessment}", server.http_url());
    gov.sign_in_as(&server, GOV_EMAIL, GOV_PASSWORD).await?;
    gov.goto(&url).await?;
    gov.until_value("Title", "Needs assessment — Togo").await?;

    // Read-only, and the reason is there for a screen reader and on hover.
    let deadline = std::time::Instant::now() + accord_tests::PATIENCE;
    let (readonly, reason) = loop {
        let title = gov.by_role("textbox", "Title").await?;
        let readonly = title.attr("readonly").await?;
        let reason = gov
            .client
            .execute(
                "const ids = (arguments[0].getAttribute('aria-describedby') || '').split(/\\s+/);\
                 return ids.map(id => document.getElementById(id)).filter(Boolean)\
                   .map(e => e.textContent.trim()).join(' ');",
                vec![serde_json::to_value(&title)?],
            )
            .await?;
        let reason = reason.as_str().unwrap_or_default().to_owned();
        if readonly.is_some() && !reason.is_empty() {
            break (readonly, reason);
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "Title never became read-only: {readonly:?} {reason:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(readonly.is_some());
    assert!(reason.to_lowercase().contains("read-only"), "{reason}");
    gov.by_role("textbox", "Title")
        .await?
        .send_keys(" (edited by the Government)")
        .await?;
    gov.screenshot("government-read-only.png").await?;

    // The field officer edits; the Government sees it live, and its own typing never landed.
    fo.sign_in(&server).await?;
    fo.goto(&url).await?;
    fo.until_value("Title", "Needs assessment — Togo").await?;
    fo.by_role("textbox", "Title")
        .await?
        .send_keys(", 2027")
        .await?;
    gov.until_value("Title", "Needs assessment — Togo, 2027")
        .await?;
    fo.until_value("Title", "Needs assessment — Togo, 2027")
        .await?;
    gov.close().await?;
    fo.close().await?;
    Ok(())
}
