//! Consultation intake as people live it in their browsers: a person with a
//! submission link and no account reads what their input is for, gives
//! consent and stays anonymous, loses the network, writes and presses
//! Submit while offline; when the network is back the submission reaches the
//! server, and a field officer finds it in the engagement's inbox, sees it
//! read-only, and links it to a need of the assessment, which the
//! traceability view then shows.

use accord_shared::docs::vocab::SubmissionStatus;
use accord_shared::docs::{self, items, Assessment, Need, Submission};
use accord_shared::DocumentId;
use accord_tests::browser::{Browser, Driver};
use accord_tests::{Peer, TestServer};
use anyhow::{Context, Result};
use serde_json::json;

const NEED: &str = "Legal aid for people in pre-trial detention";
const TITLE: &str = "Evictions without notice in Kara";
const ISSUES: &str = "Families were evicted at night without any court order.";
const OFFLINE: &str = "Written while the network was down.";

#[tokio::test(flavor = "multi_thread")]
async fn an_individual_submits_offline_and_the_field_team_links_it_to_a_need() -> Result<()> {
    let mut server = TestServer::start(&[]);
    let started = server.start_engagement("Access to justice in Togo");
    let (engagement, assessment) = (started.id.clone(), started.doc("assessment"));
    let mut officer = Peer::connect(&server.ws_url(), &server.token).await?;
    officer.follow(assessment);
    officer.push(assessment).await?;
    officer
        .until("the assessment arrives", |p| {
            docs::open::<Assessment>(p.doc(assessment)).is_ok_and(|a| !a.schema.kind.is_empty())
        })
        .await?;
    docs::update::<Assessment>(officer.doc(assessment), |a| {
        items::push(
            &mut a.needs,
            Need {
                title: NEED.into(),
                ..Need::default()
            },
        );
    })?;
    officer.until_acknowledged(assessment).await?;
    let (status, link) = server.api(
        &server.token,
        "POST",
        &format!("/api/engagements/{engagement}/submission-links"),
        Some(&json!({ "label": "Kara community meeting", "days": 7 })),
    );
    assert_eq!(status, 201, "{link}");
    let path = link["path"].as_str().context("link path")?.to_owned();

    let driver = Driver::start()?;
    let person = driver.session().await?;
    person.goto(&format!("{}{path}", server.http_url())).await?;
    person
        .by_role(
            "heading",
            "Share your views with the UN Human Rights Office",
        )
        .await?;
    person
        .by_role("heading", "What your input will be used for")
        .await?;
    person.by_role("heading", "Who will see it").await?;
    let anonymous = person.by_role("radio", "Stay anonymous").await?;
    assert!(anonymous.is_selected().await?, "anonymous is the default");
    person
        .by_role("radio", "Confidential")
        .await?
        .click()
        .await?;
    person.screenshot("intake-consent.png").await?;
    // Without "I agree", nothing is sent.
    person
        .by_role("button", "Start my submission")
        .await?
        .click()
        .await?;
    let alert = person.text("[role=alert]").await?;
    assert!(
        alert.contains("Tick “I agree” to continue. Nothing has been sent."),
        "{alert:?}"
    );
    let (_, inbox) = server.api(
        &server.token,
        "GET",
        &format!("/api/engagements/{engagement}/submissions"),
        None,
    );
    assert_eq!(inbox["drafts"], 0, "something was stored before consent");
    person.by_role("checkbox", "I agree").await?.click().await?;
    person
        .by_role("button", "Start my submission")
        .await?
        .click()
        .await?;

    let title = person
        .by_role("textbox", "Title of your submission")
        .await?;
    title.send_keys(TITLE).await?;
    person
        .by_role("textbox", "Human rights issues raised")
        .await?
        .send_keys(ISSUES)
        .await?;
    online_or_explain(&person, &server).await?;

    server.kill();
    person
        .until_status("Offline", |s| s.starts_with("Offline"))
        .await?;
    person
        .by_role("textbox", "Evidence")
        .await?
        .send_keys(OFFLINE)
        .await?;
    person.by_role("button", "Submit").await?.click().await?;
    person
        .by_role("button", "Yes, submit")
        .await?
        .click()
        .await?;
    let title = person
        .by_role("textbox", "Title of your submission")
        .await?;
    assert!(
        title.attr("readonly").await?.is_some(),
        "a submitted submission is read-only, even offline"
    );
    person
        .until_status("unsent changes", |s| s.contains("unsent"))
        .await?;
    person.screenshot("intake-submitted-offline.png").await?;

    server.restart();
    online_or_explain(&person, &server).await?;

    // The field team's inbox.
    let fo = driver.session().await?;
    fo.sign_in(&server).await?;
    fo.goto(&format!("{}/engagement/{engagement}", server.http_url()))
        .await?;
    fo.by_role("link", "Consultation submissions")
        .await?
        .click()
        .await?;
    fo.by_role("heading", "Consultation submissions").await?;
    fo.by_role("link", &format!("Open “{TITLE}”")).await?;
    let listed = fo
        .client
        .execute("return document.body.innerText;", vec![])
        .await?;
    let listed = listed.as_str().unwrap_or_default();
    assert!(listed.contains("Anonymous contributor"), "{listed}");
    fo.by_role("button", &format!("Link “{TITLE}” to needs"))
        .await?
        .click()
        .await?;
    fo.checkbox_in(&format!("Needs informed by “{TITLE}”"), NEED)
        .await?
        .click()
        .await?;
    fo.screenshot("intake-inbox.png").await?;

    // The link is in the assessment, as the server stores it.
    let submission = {
        let (_, inbox) = server.api(
            &server.token,
            "GET",
            &format!("/api/engagements/{engagement}/submissions"),
            None,
        );
        assert_eq!(inbox["submissions"][0]["status"], "submitted", "{inbox}");
        assert_eq!(inbox["submissions"][0]["source"]["anonymous"], true);
        assert_eq!(inbox["submissions"][0]["confidentiality"], "confidential");
        inbox["submissions"][0]["id"]
            .as_str()
            .context("submission id")?
            .to_owned()
    };
    // The officer's protocol client lost its socket with the server; a new one.
    let mut officer = Peer::connect(&server.ws_url(), &server.token).await?;
    officer.follow(assessment);
    officer.push(assessment).await?;
    officer
        .until("the need links the submission", |p| {
            docs::open::<Assessment>(p.doc(assessment)).is_ok_and(|a| {
                a.needs
                    .values()
                    .any(|n| n.submissions.contains_key(&submission))
            })
        })
        .await?;
    // What was written offline arrived whole, and submitted.
    let id: DocumentId = submission.parse()?;
    let mut reader = Peer::connect(&server.ws_url(), &server.token).await?;
    reader.follow(id);
    reader.push(id).await?;
    reader
        .until("the submission arrives whole", |p| {
            docs::open::<Submission>(p.doc(id)).is_ok_and(|s| {
                s.status == SubmissionStatus::Submitted
                    && s.title.as_str() == TITLE
                    && s.evidence.as_str() == OFFLINE
            })
        })
        .await?;

    // The traceability view names it under the need.
    fo.goto(&format!(
        "{}/engagement/{engagement}/trace",
        server.http_url()
    ))
    .await?;
    fo.by_role("heading", NEED).await.ok();
    let deadline = std::time::Instant::now() + accord_tests::PATIENCE;
    loop {
        let page = fo
            .client
            .execute("return document.body.innerText;", vec![])
            .await?;
        let page = page.as_str().unwrap_or_default().to_owned();
        if page.contains(TITLE) {
            break;
        }
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "the trace view never named the submission: {page}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    fo.screenshot("intake-trace.png").await?;
    person.close().await?;
    fo.close().await?;
    Ok(())
}

/// Waits until the person's app is online with nothing unsent; if it never
/// is, says what the server thinks of them: their sync ticket, who they
/// are, and the audit log (a refused change shows there).
async fn online_or_explain(person: &Browser, server: &TestServer) -> Result<()> {
    let Err(e) = person.until_status("Online", |s| s == "Online").await else {
        return Ok(());
    };
    let probe = |path: &'static str, method: &'static str| {
        person.client.execute_async(
            "const [path, method, done] = arguments;\
             fetch(path, {method}).then(r => r.text().then(t => done(r.status + ' ' + t)))\
               .catch(e => done('failed ' + e));",
            vec![json!(path), json!(method)],
        )
    };
    let ticket = probe("/api/sync-ticket", "POST").await?;
    let me = probe("/api/me", "GET").await?;
    person.screenshot("intake-not-online.png").await?;
    let audit = server.admin(&["audit", "--since", "1h"]).output()?;
    anyhow::bail!(
        "{e}: ticket {ticket}, me {me}; audit:\n{}",
        String::from_utf8_lossy(&audit.stdout)
    )
}
