//! The whole technical cooperation cycle as two people live it in their
//! browsers: a field officer starts an engagement, records the Government's
//! request, consults two parties, writes three needs, builds a programme
//! whose outputs address two of them (the third is flagged), and adds a
//! periodic evaluation with a follow-up action. An HQ reviewer, signed in
//! elsewhere, sees every step arrive while it is written.

use accord_tests::browser::{Browser, Driver};
use accord_tests::TestServer;
use anyhow::{Context, Result};

const HQ_EMAIL: &str = "desk.officer@hq.test";
const HQ_PASSWORD: &str = "an HQ reviewer's passphrase";

const TITLE: &str = "Rule of law in Togo";
const AUTHORITY: &str = "Ministry of Justice and Human Rights";
/// Two consultations: (type of party, party consulted).
const PARTIES: [(&str, &str); 2] = [
    (
        "Non-governmental organization",
        "Collectif des associations contre l'impunité",
    ),
    ("Human rights defender", "Lawyers of the Lomé bar"),
];
const NEEDS: [&str; 3] = [
    "Legal aid for people in pre-trial detention",
    "Complaints against the police handled independently",
    "Birth registration in rural districts",
];
const OUTCOME: &str = "People in detention see a lawyer within 48 hours";
const OUTPUTS: [&str; 2] = [
    "Duty lawyer scheme running in three courts",
    "Police oversight unit staffed and trained",
];
const EVALUATION: &str = "Periodic review 2027";
const ACTION: &str = "Extend the duty lawyer scheme to Kara";

/// The label a consultation has where a need links to it.
fn consultation(party: (&str, &str)) -> String {
    format!("{} · {}", party.0, party.1)
}

/// From the engagement page to one of its documents, for both people.
async fn both_open(fo: &Browser, hq: &Browser, engagement_url: &str, link: &str) -> Result<()> {
    for b in [fo, hq] {
        b.goto(engagement_url).await?;
        b.by_role("link", link).await?.click().await?;
    }
    Ok(())
}

async fn start_the_engagement(fo: &Browser, server: &TestServer) -> Result<String> {
    fo.by_role("button", "New engagement")
        .await?
        .click()
        .await?;
    fo.by_role("textbox", "Title")
        .await?
        .send_keys(TITLE)
        .await?;
    fo.by_role("textbox", "Country code")
        .await?
        .send_keys("TGO")
        .await?;
    fo.choose("Field presence", "Country office").await?;
    fo.by_role("button", "Create engagement")
        .await?
        .click()
        .await?;
    fo.by_role("heading", TITLE).await?;
    let url = fo.client.current_url().await?;
    let engagement = url
        .path_segments()
        .and_then(|mut s| s.nth(1).map(str::to_owned))
        .context("no engagement id in the address")?;
    server.add_member(&engagement, HQ_EMAIL, "hq_reviewer");
    Ok(engagement)
}

async fn record_the_request(fo: &Browser, hq: &Browser, engagement_url: &str) -> Result<()> {
    both_open(fo, hq, engagement_url, "Request").await?;
    fo.by_role("textbox", "Requesting authority")
        .await?
        .send_keys(AUTHORITY)
        .await?;
    fo.set_date("Date received", "2027-01-12").await?;
    let live = hq.until_value("Requesting authority", AUTHORITY).await?;
    println!("request: the reviewer saw the authority after {live:?}");
    Ok(())
}

async fn consult_two_parties(fo: &Browser, hq: &Browser, engagement_url: &str) -> Result<()> {
    both_open(fo, hq, engagement_url, "Consultations register").await?;
    for party in PARTIES {
        fo.by_role("button", "Add a consultation")
            .await?
            .click()
            .await?;
        let row = fo.last_row("f-consultations").await?;
        fo.choose_in(&row, "Type of party", party.0).await?;
        fo.control_in(&row, "Party consulted")
            .await?
            .send_keys(party.1)
            .await?;
        let live = hq.until_value_in(&row, "Party consulted", party.1).await?;
        println!(
            "consultations: the reviewer saw {:?} after {live:?}",
            party.1
        );
    }
    Ok(())
}

async fn write_three_needs(fo: &Browser, hq: &Browser, engagement_url: &str) -> Result<()> {
    both_open(fo, hq, engagement_url, "Needs assessment").await?;
    fo.by_role("textbox", "National context")
        .await?
        .send_keys("A new code of criminal procedure; courts far from most people.")
        .await?;
    let supported_by = [
        vec![consultation(PARTIES[0]), consultation(PARTIES[1])],
        vec![consultation(PARTIES[1])],
        vec![consultation(PARTIES[0])],
    ];
    for (title, sources) in NEEDS.iter().zip(supported_by) {
        fo.by_role("button", "Add a need").await?.click().await?;
        let row = fo.last_row("f-needs").await?;
        fo.control_in(&row, "Title of the need")
            .await?
            .send_keys(title)
            .await?;
        for source in sources {
            let check = fo.control_in(&row, &source).await?;
            check.click().await?;
            assert_eq!(check.prop("checked").await?.as_deref(), Some("true"));
        }
        let live = hq.until_value_in(&row, "Title of the need", title).await?;
        println!("assessment: the reviewer saw {title:?} after {live:?}");
    }
    fo.full_page("story-assessment.png").await?;
    Ok(())
}

/// The officer builds the programme while the reviewer watches the
/// traceability view: two needs become addressed, the third stays flagged.
async fn address_two_needs(fo: &Browser, hq: &Browser, engagement_url: &str) -> Result<()> {
    hq.goto(engagement_url).await?;
    hq.by_role("link", "Traceability: needs, outputs and findings")
        .await?
        .click()
        .await?;
    hq.until_text(
        ".trace__summary",
        "3 open needs, 3 not addressed by any output.",
    )
    .await?;

    fo.goto(engagement_url).await?;
    fo.by_role("link", "Assistance programme")
        .await?
        .click()
        .await?;
    fo.by_role("button", "Add an outcome")
        .await?
        .click()
        .await?;
    let outcome = fo.last_row("f-outcomes").await?;
    fo.control_in(&outcome, "Outcome")
        .await?
        .send_keys(OUTCOME)
        .await?;
    for (output_title, need) in OUTPUTS.iter().zip(NEEDS) {
        fo.by_role("button", "Add an output").await?.click().await?;
        let output = fo.last_row_in(&outcome, "outputs").await?;
        fo.control_in(&output, "Output")
            .await?
            .send_keys(output_title)
            .await?;
        fo.control_in(&output, need).await?.click().await?;
    }
    let live = hq
        .until_text(
            ".trace__summary",
            "3 open needs, 1 not addressed by any output.",
        )
        .await?;
    println!("trace: the reviewer saw two needs addressed after {live:?}");
    let flagged = hq.until_count(".trace-need--flagged h3", 1).await?;
    assert_eq!(flagged, vec![NEEDS[2]]);
    let flags = hq.texts(".trace-need--flagged .flag").await?;
    assert!(
        flags
            .iter()
            .all(|f| f.contains("Not addressed by any output")),
        "{flags:?}"
    );
    fo.full_page("story-programme.png").await?;
    hq.full_page("story-trace.png").await?;
    Ok(())
}

async fn evaluate_and_follow_up(fo: &Browser, hq: &Browser, engagement_url: &str) -> Result<()> {
    for b in [fo, hq] {
        b.goto(engagement_url).await?;
        b.by_role("heading", TITLE).await?;
    }
    fo.by_role("button", "Add evaluation")
        .await?
        .click()
        .await?;
    fo.by_role("textbox", "Evaluation title")
        .await?
        .send_keys(EVALUATION)
        .await?;
    fo.choose("Type of evaluation", "Periodic review").await?;
    fo.by_role("button", "Create evaluation")
        .await?
        .click()
        .await?;
    // The reviewer's engagement page lists the new evaluation by itself.
    hq.by_role("link", EVALUATION).await?.click().await?;
    fo.by_role("link", EVALUATION).await?.click().await?;
    fo.by_role("heading", EVALUATION).await?;
    hq.by_role("heading", EVALUATION).await?;

    fo.by_role("button", "Add a recommendation")
        .await?
        .click()
        .await?;
    fo.by_role("textbox", "Recommendation")
        .await?
        .send_keys("Fund duty lawyers outside the capital")
        .await?;
    fo.by_role("button", "Add a follow-up action")
        .await?
        .click()
        .await?;
    fo.by_role("textbox", "Action")
        .await?
        .send_keys(ACTION)
        .await?;
    fo.by_role("textbox", "Responsible")
        .await?
        .send_keys("Head of office")
        .await?;
    let live = hq.until_value("Action", ACTION).await?;
    println!("evaluation: the reviewer saw the follow-up action after {live:?}");
    fo.full_page("story-evaluation.png").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_field_officer_walks_the_cycle_and_a_reviewer_sees_every_step_live() -> Result<()> {
    let server = TestServer::start(&[]);
    server.add_user(HQ_EMAIL, "Sofia Lindqvist", "hq_reviewer", HQ_PASSWORD);
    let driver = Driver::start()?;
    let fo = driver.session().await?;
    let hq = driver.session().await?;
    fo.sign_in(&server).await?;
    hq.sign_in_as(&server, HQ_EMAIL, HQ_PASSWORD).await?;

    let engagement = start_the_engagement(&fo, &server).await?;
    let engagement_url = format!("{}/engagement/{engagement}", server.http_url());
    // The reviewer finds it on the dashboard once made a member.
    hq.goto(&server.http_url()).await?;
    hq.by_role("link", TITLE).await?.click().await?;
    hq.by_role("heading", TITLE).await?;

    record_the_request(&fo, &hq, &engagement_url).await?;
    consult_two_parties(&fo, &hq, &engagement_url).await?;
    write_three_needs(&fo, &hq, &engagement_url).await?;
    address_two_needs(&fo, &hq, &engagement_url).await?;
    evaluate_and_follow_up(&fo, &hq, &engagement_url).await?;

    fo.close().await?;
    hq.close().await?;
    Ok(())
}
