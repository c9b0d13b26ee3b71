//! The results framework and its evaluation in the browser: a field officer
//! builds an outcome and an output addressing a need of the assessment, is
//! told the output has no indicator until it has one with a target, then
//! evaluates it with a finding and a follow-up action; an HQ reviewer sees
//! the output arrive live.

use std::time::Duration;

use accord_shared::docs::{self, items, Assessment, Need};
use accord_tests::browser::Driver;
use accord_tests::{Peer, TestServer};
use anyhow::Result;

const HQ_EMAIL: &str = "desk.officer@hq.test";
const HQ_PASSWORD: &str = "an HQ reviewer's passphrase";

const NEED: &str = "Legal aid in the districts";
const OTHER_NEED: &str = "Pre-trial detention within legal limits";
const OUTCOME: &str = "Detainees have access to legal aid";
const OUTPUT: &str = "Paralegals trained in three districts";
/// Where the output's own indicator list says what it lacks.
const NO_INDICATOR: &str = "[id*='-outputs-'][id$='-indicators-problems']";

/// An engagement started through the API, its assessment holding two needs
/// written by the officer's protocol client.
async fn engagement_with_needs(server: &TestServer) -> Result<(String, String)> {
    let started = server.start_engagement("Access to justice in Togo");
    let engagement = started.id.clone();
    let programme = started.doc("programme").to_string();
    let assessment = started.doc("assessment");
    let mut officer = Peer::connect(&server.ws_url(), &server.token).await?;
    officer.follow(assessment);
    officer.push(assessment).await?;
    officer
        .until("the assessment arrives", |p| {
            docs::open::<Assessment>(p.doc(assessment)).is_ok_and(|a| !a.schema.kind.is_empty())
        })
        .await?;
    docs::update::<Assessment>(officer.doc(assessment), |a| {
        for title in [NEED, OTHER_NEED] {
            items::push(
                &mut a.needs,
                Need {
                    title: title.into(),
                    ..Need::default()
                },
            );
        }
    })?;
    officer.until_acknowledged(assessment).await?;
    Ok((engagement, programme))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_field_officer_builds_the_results_framework_and_evaluates_it() -> Result<()> {
    let server = TestServer::start(&[]);
    server.add_user(HQ_EMAIL, "Sofia Lindqvist", "hq_reviewer", HQ_PASSWORD);
    let (engagement, programme) = engagement_with_needs(&server).await?;
    server.add_member(&engagement, HQ_EMAIL, "hq_reviewer");

    let driver = Driver::start()?;
    let fo = driver.session().await?;
    let hq = driver.session().await?;
    fo.sign_in(&server).await?;
    hq.sign_in_as(&server, HQ_EMAIL, HQ_PASSWORD).await?;

    // From the engagement page to its programme.
    let engagement_url = format!("{}/engagement/{engagement}", server.http_url());
    fo.goto(&engagement_url).await?;
    fo.by_role("link", "Assistance programme")
        .await?
        .click()
        .await?;
    fo.by_role("heading", "Assistance programme").await?;
    hq.goto(&format!(
        "{}/doc/{programme}?engagement={engagement}",
        server.http_url()
    ))
    .await?;
    hq.by_role("heading", "Assistance programme").await?;

    // An outcome, and an output addressing a need of the assessment.
    fo.by_role("button", "Add an outcome")
        .await?
        .click()
        .await?;
    fo.by_role("textbox", "Outcome")
        .await?
        .send_keys(OUTCOME)
        .await?;
    fo.by_role("button", "Add an output").await?.click().await?;
    fo.by_role("textbox", "Output")
        .await?
        .send_keys(OUTPUT)
        .await?;
    let need = fo.checkbox_in("Needs this output addresses", NEED).await?;
    need.click().await?;
    assert_eq!(need.prop("checked").await?.as_deref(), Some("true"));
    fo.until_text(NO_INDICATOR, "This output has no indicator yet.")
        .await?;

    // The reviewer sees the output arrive, read-only.
    let live = hq.until_value("Output", OUTPUT).await?;
    println!("the reviewer saw the output after {live:?}");
    let readonly = hq
        .by_role("textbox", "Output")
        .await?
        .attr("readonly")
        .await?;
    assert!(readonly.is_some(), "the programme is read-only for HQ");

    // An indicator with a target: the message goes.
    fo.by_role("button", "Add an indicator")
        .await?
        .click()
        .await?;
    fo.by_role("textbox", "Indicator")
        .await?
        .send_keys("Paralegals certified")
        .await?;
    fo.by_role("button", "Add a target").await?.click().await?;
    fo.by_role("textbox", "Value")
        .await?
        .send_keys("60")
        .await?;
    fo.until_gone(NO_INDICATOR).await?;
    hq.until_value("Indicator", "Paralegals certified").await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    fo.full_page("programme-editor.png").await?;

    // A periodic evaluation, from the engagement page.
    fo.by_role("link", "Engagement").await?.click().await?;
    fo.by_role("button", "Add evaluation")
        .await?
        .click()
        .await?;
    fo.by_role("textbox", "Evaluation title")
        .await?
        .send_keys("First periodic review")
        .await?;
    fo.choose("Type of evaluation", "Periodic review").await?;
    fo.by_role("button", "Create evaluation")
        .await?
        .click()
        .await?;
    fo.by_role("link", "First periodic review")
        .await?
        .click()
        .await?;
    fo.by_role("heading", "First periodic review").await?;
    fo.choose("Rating: Relevance", "Satisfactory").await?;

    // A finding on the need and the output.
    fo.by_role("button", "Add a finding").await?.click().await?;
    fo.by_role("textbox", "Finding")
        .await?
        .send_keys("Training started a month late")
        .await?;
    fo.checkbox_in("Needs this finding concerns", NEED)
        .await?
        .click()
        .await?;
    fo.checkbox_in(
        "Outputs this finding measures",
        &format!("{OUTCOME} › {OUTPUT}"),
    )
    .await?
    .click()
    .await?;

    // A recommendation, its response and a follow-up action long past due.
    fo.by_role("button", "Add a recommendation")
        .await?
        .click()
        .await?;
    fo.by_role("textbox", "Recommendation")
        .await?
        .send_keys("Agree the training calendar with the judiciary")
        .await?;
    fo.choose("Management decision", "Accepted").await?;
    fo.by_role("button", "Add a follow-up action")
        .await?
        .click()
        .await?;
    fo.until_text(
        ".records .records .record .field__problems",
        "Give this action a due date and someone responsible.",
    )
    .await?;
    fo.by_role("textbox", "Action")
        .await?
        .send_keys("Send the calendar to the Supreme Court")
        .await?;
    fo.by_role("textbox", "Responsible")
        .await?
        .send_keys("Head of office")
        .await?;
    fo.set_date("Due date", "2026-01-15").await?;
    fo.until_text(".badge--overdue", "Overdue").await?;
    fo.until_gone(".records .records .record .field__problems")
        .await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    fo.full_page("evaluation-editor.png").await?;

    fo.close().await?;
    hq.close().await?;
    Ok(())
}
