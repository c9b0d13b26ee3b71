//! The needs assessment in the browser: a field officer starts an
//! engagement, records two consultations (one with a confidential source,
//! whose identity goes to the parties document), writes an assessment with
//! three needs tied to them, and the traceability view flags the needs no
//! output addresses. An HQ reviewer sees "Confidential source" instead of
//! the identity; the Government counterpart gets the shared assessment
//! read-only, without the register.

use accord_shared::docs::{self, items, Assessment, Outcome, Output, Programme};
use accord_shared::DocumentId;
use accord_tests::browser::{Browser, Driver};
use accord_tests::{Peer, TestServer};
use anyhow::{Context, Result};
use serde_json::json;

const HQ_EMAIL: &str = "desk.officer@hq.test";
const HQ_PASSWORD: &str = "an HQ reviewer's passphrase";
const GOV_EMAIL: &str = "focal.point@justice.gov.tg";
const GOV_PASSWORD: &str = "a government counterpart's passphrase";

const LEAGUE: &str = "Ligue togolaise des droits de l'homme";
const SOURCE: &str = "SRC-07";
const NEEDS: [&str; 3] = [
    "Legal aid for detainees",
    "An independent NHRI",
    "Birth registration in rural districts",
];

/// The engagement's documents, as the dashboard's API lists them.
fn documents(server: &TestServer, engagement: &str) -> Result<serde_json::Value> {
    let (status, list) = server.api(&server.token, "GET", "/api/engagements", None);
    assert_eq!(status, 200, "{list}");
    list.as_array()
        .and_then(|l| l.iter().find(|e| e["id"] == json!(engagement)))
        .map(|e| e["documents"].clone())
        .context("the engagement is not listed")
}

/// The first need addressed by an output of the programme, written by the
/// officer's protocol client (the programme editor is another page's story).
async fn address_first_need(server: &TestServer, assessment: &str, programme: &str) -> Result<()> {
    let (assessment, programme): (DocumentId, DocumentId) =
        (assessment.parse()?, programme.parse()?);
    let mut officer = Peer::connect(&server.ws_url(), &server.token).await?;
    for id in [assessment, programme] {
        officer.follow(id);
        officer.push(id).await?;
    }
    officer
        .until("the three needs and the programme arrive", |p| {
            docs::open::<Assessment>(p.doc(assessment)).is_ok_and(|a| a.needs.len() == 3)
                && docs::open::<Programme>(p.doc(programme))
                    .is_ok_and(|p| !p.schema.kind.is_empty())
        })
        .await?;
    let a = docs::open::<Assessment>(officer.doc(assessment))?;
    let need = a
        .needs
        .iter()
        .find(|(_, n)| n.title.as_str() == NEEDS[0])
        .map(|(id, _)| id.clone())
        .context("the first need")?;
    docs::update::<Programme>(officer.doc(programme), |p| {
        let mut output = Output {
            title: "Paralegals trained in three districts".into(),
            ..Output::default()
        };
        output.needs.insert(need, true);
        let mut outcome = Outcome {
            title: "Detainees have access to legal aid".into(),
            ..Outcome::default()
        };
        items::push(&mut outcome.outputs, output);
        items::push(&mut p.outcomes, outcome);
    })?;
    officer.until_acknowledged(programme).await?;
    Ok(())
}

/// The officer's register: a named NGO and a confidential source whose
/// identity goes to the parties document.
async fn record_two_consultations(fo: &Browser) -> Result<()> {
    fo.by_role("link", "Consultations register")
        .await?
        .click()
        .await?;
    fo.by_role("heading", "Consultations register").await?;

    fo.by_role("button", "Add a consultation")
        .await?
        .click()
        .await?;
    let first = fo.last_row("f-consultations").await?;
    fo.choose_in(&first, "Type of party", "Non-governmental organization")
        .await?;
    fo.control_in(&first, "Party consulted")
        .await?
        .send_keys(LEAGUE)
        .await?;
    fo.control_in(&first, "Summary")
        .await?
        .send_keys("Detainees wait years for trial without a lawyer.")
        .await?;

    fo.by_role("button", "Add a consultation")
        .await?
        .click()
        .await?;
    let second = fo.last_row("f-consultations").await?;
    assert_ne!(first, second);
    fo.choose_in(&second, "Type of party", "Human rights defender")
        .await?;
    fo.choose_in(&second, "Confidentiality", "Confidential")
        .await?;
    fo.choose_in(&second, "Risk of reprisal", "High").await?;
    fo.control_in(&second, "Source code (pseudonym)")
        .await?
        .send_keys(SOURCE)
        .await?;
    // The identity, in the parties document.
    fo.control_in(&second, "Name")
        .await?
        .send_keys("Kossi Mensah")
        .await?;
    fo.control_in(&second, "Contact")
        .await?
        .send_keys("+228 90 00 00 00")
        .await?;
    fo.full_page("consultations-register.png").await?;
    Ok(())
}

/// The officer's assessment: mission dates checked, a recommendation, and
/// three needs tied to the consultations.
async fn write_the_assessment(fo: &Browser) -> Result<()> {
    fo.by_role("link", "Needs assessment")
        .await?
        .click()
        .await?;
    fo.by_role("heading", "Needs assessment").await?;

    fo.set_date("Mission start", "2027-03-10").await?;
    fo.set_date("Mission end", "2027-03-01").await?;
    fo.until_text(
        "#f-mission_end-problems",
        "The end date is before the start date.",
    )
    .await?;
    fo.set_date("Mission end", "2027-03-21").await?;
    fo.until_text("#f-mission_end-problems", "").await?;
    fo.by_role("textbox", "National context")
        .await?
        .send_keys("A new constitution and a backlog of pre-trial cases.")
        .await?;

    fo.by_role("button", "Add a mechanism recommendation")
        .await?
        .click()
        .await?;
    let rec = fo.last_row("f-recommendations").await?;
    fo.control_in(&rec, "Document symbol")
        .await?
        .send_keys("A/HRC/52/10")
        .await?;
    fo.control_in(&rec, "Paragraph")
        .await?
        .send_keys("112.5")
        .await?;

    let league = format!("Non-governmental organization · {LEAGUE}");
    let source = format!("Human rights defender · {SOURCE}");
    let links: [&[&str]; 3] = [
        &[&league, "A/HRC/52/10 ¶ 112.5"],
        &[&source],
        &[&league, &source],
    ];
    for (title, linked) in NEEDS.iter().zip(links) {
        fo.by_role("button", "Add a need").await?.click().await?;
        let row = fo.last_row("f-needs").await?;
        fo.control_in(&row, "Title of the need")
            .await?
            .send_keys(title)
            .await?;
        for name in linked {
            let check = fo.control_in(&row, name).await?;
            check.click().await?;
            assert_eq!(check.prop("checked").await?.as_deref(), Some("true"));
        }
    }
    // A validated need without evidence is flagged; with evidence it is not.
    let row = fo.last_row("f-needs").await?;
    fo.choose_in(&row, "Status of the need", "Validated")
        .await?;
    let problems = fo.texts(&format!("#{row} > .field__problems")).await?;
    assert!(problems.is_empty(), "{problems:?}");
    fo.full_page("assessment-editor.png").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_field_officer_writes_the_assessment_and_traces_its_needs() -> Result<()> {
    let server = TestServer::start(&[]);
    server.add_user(HQ_EMAIL, "Sofia Lindqvist", "hq_reviewer", HQ_PASSWORD);
    server.add_user(GOV_EMAIL, "Komi Agbeko", "government", GOV_PASSWORD);
    let driver = Driver::start()?;
    let fo = driver.session().await?;

    // A new engagement, from the dashboard.
    fo.sign_in(&server).await?;
    fo.by_role("button", "New engagement")
        .await?
        .click()
        .await?;
    fo.by_role("textbox", "Title")
        .await?
        .send_keys("Access to justice in Togo")
        .await?;
    fo.by_role("textbox", "Country code")
        .await?
        .send_keys("tgo")
        .await?;
    fo.choose("Field presence", "Country office").await?;
    fo.by_role("button", "Create engagement")
        .await?
        .click()
        .await?;
    fo.by_role("heading", "Access to justice in Togo").await?;
    let url = fo.client.current_url().await?;
    let engagement = url
        .path_segments()
        .and_then(|mut s| s.nth(1).map(str::to_owned))
        .context("no id in the address")?;
    let engagement_url = format!("{}/engagement/{engagement}", server.http_url());
    server.add_member(&engagement, HQ_EMAIL, "hq_reviewer");
    server.add_member(&engagement, GOV_EMAIL, "government");
    let docs = documents(&server, &engagement)?;
    let doc_id = |kind: &str| docs[kind].as_str().unwrap_or_default().to_owned();
    let (assessment, register, programme) = (
        doc_id("assessment"),
        doc_id("consultations"),
        doc_id("programme"),
    );

    record_two_consultations(&fo).await?;
    fo.goto(&engagement_url).await?;
    write_the_assessment(&fo).await?;

    // The trace view, from the engagement page: nothing addresses any need yet.
    fo.goto(&engagement_url).await?;
    fo.by_role("link", "Traceability: needs, outputs and findings")
        .await?
        .click()
        .await?;
    fo.by_role("heading", "Traceability").await?;
    fo.until_text(
        ".trace__summary",
        "3 open needs, 3 not addressed by any output.",
    )
    .await?;
    // An output for the first need arrives: only the other two stay flagged.
    address_first_need(&server, &assessment, &programme).await?;
    fo.until_text(
        ".trace__summary",
        "3 open needs, 2 not addressed by any output.",
    )
    .await?;
    let flagged = fo.until_count(".trace-need--flagged h3", 2).await?;
    assert_eq!(flagged, vec![NEEDS[1], NEEDS[2]]);
    let flags = fo.texts(".trace-need--flagged .flag").await?;
    assert!(
        flags
            .iter()
            .all(|f| f.contains("Not addressed by any output")),
        "{flags:?}"
    );
    let first = fo.texts(".trace-need:first-child dd li").await?;
    for expected in [
        "Non-governmental organization · Ligue togolaise des droits de l'homme",
        "A/HRC/52/10 ¶ 112.5",
        "Detainees have access to legal aid › Paralegals trained in three districts",
    ] {
        assert!(
            first.iter().any(|t| t == expected),
            "{expected:?} in {first:?}"
        );
    }
    fo.full_page("trace.png").await?;

    // An HQ reviewer reads the register without the confidential identity.
    let hq = driver.session().await?;
    hq.sign_in_as(&server, HQ_EMAIL, HQ_PASSWORD).await?;
    hq.goto(&format!(
        "{}/doc/{register}?engagement={engagement}",
        server.http_url()
    ))
    .await?;
    hq.by_role("heading", "Consultations register").await?;
    hq.until_value("Party consulted", LEAGUE).await?;
    hq.until_value("Source code (pseudonym)", SOURCE).await?;
    hq.until_text(".confidential-source strong", "Confidential source")
        .await?;
    let page = hq
        .client
        .execute(
            "return document.body.innerText + Array.from(document.querySelectorAll('input, textarea'))\
               .map(e => e.value).join(' ');",
            vec![],
        )
        .await?;
    let page = page.as_str().unwrap_or_default();
    assert!(!page.contains("Kossi") && !page.contains("+228"), "{page}");
    hq.full_page("consultations-register-hq.png").await?;
    hq.close().await?;

    // The Government counterpart: the shared assessment, read-only, and no register.
    server.run_admin(&["doc", "share", "--doc", &assessment]);
    let gov = driver.session().await?;
    gov.sign_in_as(&server, GOV_EMAIL, GOV_PASSWORD).await?;
    gov.goto(&format!(
        "{}/doc/{assessment}?engagement={engagement}",
        server.http_url()
    ))
    .await?;
    gov.by_role("heading", "Needs assessment").await?;
    gov.until_value("Title of the need", NEEDS[0]).await?;
    let title = gov.by_role("textbox", "Title of the need").await?;
    assert!(
        title.attr("readonly").await?.is_some(),
        "the assessment is read-only for the Government"
    );
    assert!(
        gov.texts("button").await?.iter().all(|b| b != "Add a need"),
        "no Add button for the Government"
    );
    gov.until_text(
        "#f-needs-heading ~ ol li:first-child .need-consultations .muted",
        "Linked consultations: 1. The consultations register is not available to you.",
    )
    .await?;
    gov.full_page("assessment-government.png").await?;
    gov.close().await?;
    fo.close().await?;
    Ok(())
}
