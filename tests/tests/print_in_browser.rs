//! The printable page in the browser: an HQ reviewer approves the
//! assessment, the field officer writes on, and the reviewer's "Print /
//! export" link opens the approved version (not the later edit) with Print
//! and Download DOCX; `?heads=` of the latest version shows the edit. The
//! dashboard says "approved, 1 change since" beside the assessment.

use std::time::{Duration, Instant};

use accord_shared::docs::{self, Assessment};
use accord_tests::browser::{Browser, Driver};
use accord_tests::{Peer, TestServer};
use anyhow::{bail, Result};
use serde_json::json;

const HQ_EMAIL: &str = "desk.officer@hq.test";
const HQ_NAME: &str = "Sofia Lindqvist";
const HQ_PASSWORD: &str = "an HQ reviewer's passphrase";
const APPROVED: &str = "Courts are far from rural districts.";
const LATER: &str = "Legal aid is scarce, written after the approval.";

/// Waits until the element's text satisfies `want`; the text.
async fn article_text(page: &Browser, what: &str, want: impl Fn(&str) -> bool) -> Result<String> {
    let deadline = Instant::now() + accord_tests::PATIENCE;
    loop {
        let text = page
            .by_role("article", "Needs assessment")
            .await?
            .text()
            .await?;
        if want(&text) {
            return Ok(text);
        }
        if Instant::now() > deadline {
            bail!("the printed assessment never showed {what}; last: {text:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_print_page_shows_the_approved_version_and_the_dashboard_the_changes_since(
) -> Result<()> {
    let server = TestServer::start(&[]);
    let started = server.start_engagement("Access to justice in Togo");
    let (engagement, assessment) = (started.id.clone(), started.doc("assessment"));
    server.add_user(HQ_EMAIL, HQ_NAME, "hq_reviewer", HQ_PASSWORD);
    server.add_member(&engagement, HQ_EMAIL, "hq_reviewer");
    let hq_token = server.create_token(HQ_EMAIL);

    // The officer writes the approved text; the reviewer approves it; the officer writes on.
    let mut officer = Peer::connect(&server.ws_url(), &server.token).await?;
    officer.follow(assessment);
    officer.push(assessment).await?;
    officer
        .until("the assessment arrives", |p| {
            docs::open::<Assessment>(p.doc(assessment)).is_ok_and(|a| !a.schema.kind.is_empty())
        })
        .await?;
    docs::update::<Assessment>(officer.doc(assessment), |a| a.conclusions = APPROVED.into())?;
    officer.doc(assessment).commit();
    officer.until_acknowledged(assessment).await?;
    let heads: Vec<String> = officer
        .doc(assessment)
        .get_heads()
        .iter()
        .map(ToString::to_string)
        .collect();
    let (status, body) = server.api(
        &hq_token,
        "POST",
        &format!("/api/documents/{assessment}/approvals"),
        Some(&json!({ "heads": heads })),
    );
    assert_eq!(status, 201, "{body}");
    docs::update::<Assessment>(officer.doc(assessment), |a| a.conclusions = LATER.into())?;
    officer.doc(assessment).commit();
    officer.until_acknowledged(assessment).await?;
    let latest: Vec<String> = officer
        .doc(assessment)
        .get_heads()
        .iter()
        .map(ToString::to_string)
        .collect();

    let driver = Driver::start()?;
    let hq = driver.session().await?;
    hq.sign_in_as(&server, HQ_EMAIL, HQ_PASSWORD).await?;
    hq.goto(&format!("{}/doc/{assessment}", server.http_url()))
        .await?;
    hq.by_role("link", "Print / export").await?.click().await?;

    let text = article_text(&hq, "the approved text", |t| t.contains(APPROVED)).await?;
    assert!(!text.contains(LATER), "the later edit is printed: {text}");
    assert!(
        text.contains(&format!("Version: approved by {HQ_NAME} on ")),
        "{text}"
    );
    assert!(text.contains(&heads[0]), "the heads are printed: {text}");
    hq.by_role("heading", "Conclusions").await?;
    hq.by_role("button", "Print").await?;
    let download = hq.by_role("link", "Download DOCX").await?;
    let href = download.attr("href").await?.unwrap_or_default();
    assert_eq!(
        href,
        format!("/api/documents/{assessment}/export.docx?lang=en"),
        "the DOCX of the same (approved) version, in the interface language"
    );
    hq.screenshot("print-approved.png").await?;

    // Asked for the latest version by its heads: the later edit.
    hq.goto(&format!(
        "{}/doc/{assessment}/print?heads={}",
        server.http_url(),
        latest.join(",")
    ))
    .await?;
    let text = article_text(&hq, "the later edit", |t| t.contains(LATER)).await?;
    assert!(text.contains("Current version (not approved)"), "{text}");

    // The dashboard: the assessment approved, one change since; the others not approved.
    hq.goto(&format!("{}/", server.http_url())).await?;
    let deadline = Instant::now() + accord_tests::PATIENCE;
    loop {
        let lines = hq.texts(".engagements__approval").await?;
        if lines
            .iter()
            .any(|l| l == "Needs assessment: approved, 1 change since")
        {
            assert!(
                lines.iter().any(|l| l == "Request: not approved"),
                "{lines:?}"
            );
            break;
        }
        if Instant::now() > deadline {
            bail!("the dashboard never showed the assessment's approval: {lines:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    hq.screenshot("print-dashboard.png").await?;
    hq.close().await?;
    Ok(())
}
