//! HQ approval in the browser: an HQ reviewer opens the assessment and
//! approves it as it stands (after a confirm step); the field officer then
//! writes twice, and the reviewer's approval bar comes to read "2 changes
//! since", as does the engagement page beside the assessment. The field
//! officer, on the same page, sees the bar but no Approve button, and
//! once the server is gone, that approvals need a connection.

use accord_shared::docs::{self, Assessment};
use accord_tests::browser::Driver;
use accord_tests::{Peer, TestServer};
use anyhow::Result;

const HQ_EMAIL: &str = "desk.officer@hq.test";
const HQ_NAME: &str = "Sofia Lindqvist";
const HQ_PASSWORD: &str = "an HQ reviewer's passphrase";

const BAR: &str = ".approval-bar__state";

#[tokio::test(flavor = "multi_thread")]
async fn a_reviewer_approves_the_assessment_and_sees_the_changes_written_since() -> Result<()> {
    let mut server = TestServer::start(&[]);
    let started = server.start_engagement("Access to justice in Togo");
    let (engagement, assessment) = (started.id.clone(), started.doc("assessment"));
    server.add_user(HQ_EMAIL, HQ_NAME, "hq_reviewer", HQ_PASSWORD);
    server.add_member(&engagement, HQ_EMAIL, "hq_reviewer");
    let url = format!("{}/doc/{assessment}", server.http_url());

    let driver = Driver::start()?;
    let hq = driver.session().await?;
    let fo = driver.session().await?;
    hq.sign_in_as(&server, HQ_EMAIL, HQ_PASSWORD).await?;
    hq.goto(&url).await?;
    hq.until_css(BAR, "\"Not approved yet\"", |t| t == "Not approved yet")
        .await?;

    // Approving asks first, saying what exactly is approved.
    hq.by_role("button", "Approve this version")
        .await?
        .click()
        .await?;
    let asked = hq
        .until_css(".approval-bar__confirm p", "the confirmation", |t| {
            t.starts_with("You approve the document exactly as it is now")
        })
        .await?;
    assert!(
        asked.contains("as the server holds it (1 change in all)"),
        "{asked}"
    );
    hq.screenshot("approval-confirm.png").await?;
    hq.by_role("button", "Approve").await?.click().await?;
    let approved = hq
        .until_css(BAR, "the approval", |t| {
            t.starts_with(&format!("Approved by {HQ_NAME} on "))
        })
        .await?;
    assert!(approved.ends_with("; no changes since"), "{approved}");

    // The field officer's page: the same bar, no Approve button.
    fo.sign_in(&server).await?;
    fo.goto(&url).await?;
    fo.until_css(BAR, "the approval", |t| t == approved).await?;
    fo.until_css(".doc-access", "the officer's role", |t| {
        t.contains("Field officer")
    })
    .await?;
    let buttons = fo.texts(".approval-bar button").await?;
    assert!(buttons.is_empty(), "the officer is offered {buttons:?}");

    // The officer writes twice (through the protocol: two changes, not one per keystroke).
    let mut officer = Peer::connect(&server.ws_url(), &server.token).await?;
    officer.follow(assessment);
    officer.push(assessment).await?;
    officer
        .until("the assessment arrives", |p| {
            docs::open::<Assessment>(p.doc(assessment)).is_ok_and(|a| !a.schema.kind.is_empty())
        })
        .await?;
    for text in [
        "Courts are far from rural districts.",
        "Legal aid is scarce.",
    ] {
        docs::update::<Assessment>(officer.doc(assessment), |a| a.conclusions = text.into())?;
        // Each edit its own change.
        officer.doc(assessment).commit();
    }
    officer.until_acknowledged(assessment).await?;

    let since = hq
        .until_css(BAR, "\"2 changes since\"", |t| {
            t.ends_with("; 2 changes since")
        })
        .await?;
    assert!(
        since.starts_with(&format!("Approved by {HQ_NAME} on ")),
        "{since}"
    );
    hq.screenshot("approval-reviewer.png").await?;
    // Still no button for the officer, now that the document changed.
    fo.until_css(BAR, "\"2 changes since\"", |t| {
        t.ends_with("; 2 changes since")
    })
    .await?;
    assert!(fo.texts(".approval-bar button").await?.is_empty());

    // The engagement page says the same beside the assessment.
    hq.goto(&format!("{}/engagement/{engagement}", server.http_url()))
        .await?;
    hq.until_css(".approval-note--approved", "the assessment's note", |t| {
        t == "approved, 2 changes since"
    })
    .await?;
    let notes = hq.texts(".approval-note").await?;
    assert!(notes.iter().any(|n| n == "not approved"), "{notes:?}");
    hq.screenshot("approval-engagement.png").await?;

    // Without the server, the bar says approvals need a connection.
    server.kill();
    fo.until_css(BAR, "the offline note", |t| {
        t == "Approvals need a connection."
    })
    .await?;

    hq.close().await?;
    fo.close().await?;
    Ok(())
}
