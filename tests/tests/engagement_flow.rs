//! The cycle as two people meet it in the browser: a field officer starts an
//! engagement, moves it on and writes the request; an HQ reviewer, elsewhere,
//! sees the stage move and the request's text arrive live.

use accord_shared::docs::vocab::PresenceType;
use accord_shared::docs::{self, Engagement, Request};
use accord_tests::browser::{Browser, Driver};
use accord_tests::server::OFFICER_EMAIL;
use accord_tests::{Peer, TestServer};
use anyhow::{Context, Result};

const HQ_EMAIL: &str = "desk.officer@hq.test";
const HQ_PASSWORD: &str = "an HQ reviewer's passphrase";

fn add_member(server: &TestServer, engagement: &str, email: &str, role: &str) {
    server.run_admin(&[
        "member",
        "add",
        "--engagement",
        engagement,
        "--email",
        email,
        "--role",
        role,
    ]);
}

/// The id in `/engagement/<id>` or `/doc/<id>?…`.
async fn id_in_url(b: &Browser) -> Result<String> {
    let url = b.client.current_url().await?;
    url.path_segments()
        .and_then(|mut s| s.nth(1).map(str::to_owned))
        .context("no id in the address")
}

/// Both people on the engagement page: the officer moves it to "assessing"
/// and writes the request's authority; the reviewer sees both live.
async fn move_on_and_write_the_request(
    fo: &Browser,
    hq: &Browser,
    engagement_url: &str,
) -> Result<()> {
    fo.goto(engagement_url).await?;
    hq.goto(engagement_url).await?;
    fo.until_text(".stage-current .stage", "Requested").await?;
    hq.until_text(".stage-current .stage", "Requested").await?;

    fo.by_role("textbox", "Note for this move (optional)")
        .await?
        .send_keys("Request accepted by the High Commissioner")
        .await?;
    fo.by_role("button", "Move to next stage: Assessing needs")
        .await?
        .click()
        .await?;
    fo.until_text(".stage-current .stage", "Assessing needs")
        .await?;
    let seen = hq
        .until_text(".stage-current .stage", "Assessing needs")
        .await?;
    println!("the reviewer saw the stage move after {seen:?}");
    hq.until_text(
        ".history li .history__note",
        "Request accepted by the High Commissioner",
    )
    .await?;
    let who = hq.text(".history li .history__who").await?;
    assert!(who.starts_with("Amina Field, "), "{who}");
    fo.screenshot("engagement.png").await?;

    // The request, from the engagement's documents.
    fo.by_role("link", "Request").await?.click().await?;
    fo.by_role("heading", "Request for assistance").await?;
    fo.by_role("textbox", "Requesting authority")
        .await?
        .send_keys("Ministry of Justice")
        .await?;
    hq.by_role("link", "Request").await?.click().await?;
    hq.until_value("Requesting authority", "Ministry of Justice")
        .await?;
    fo.by_role("textbox", "Requesting authority")
        .await?
        .send_keys(" and Human Rights")
        .await?;
    let live = hq
        .until_value(
            "Requesting authority",
            "Ministry of Justice and Human Rights",
        )
        .await?;
    println!("the reviewer saw the authority typed after {live:?}");
    // The request is read-only for a reviewer, with the reason.
    let readonly = hq
        .by_role("textbox", "Requesting authority")
        .await?
        .attr("readonly")
        .await?;
    assert!(readonly.is_some(), "the request is read-only for HQ");

    // A cited recommendation, added and named for the buttons that act on it.
    fo.by_role("button", "Add a recommendation")
        .await?
        .click()
        .await?;
    fo.by_role("textbox", "Document symbol")
        .await?
        .send_keys("A/HRC/52/10")
        .await?;
    fo.by_role("button", "Remove recommendation “A/HRC/52/10”")
        .await?;
    hq.until_value("Document symbol", "A/HRC/52/10").await?;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    fo.screenshot("request.png").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_field_officer_starts_an_engagement_that_a_reviewer_follows_live() -> Result<()> {
    let server = TestServer::start(&[]);
    server.add_user(HQ_EMAIL, "Sofia Lindqvist", "hq_reviewer", HQ_PASSWORD);
    let driver = Driver::start()?;
    let fo = driver.session().await?;
    let hq = driver.session().await?;

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
    fo.screenshot("new-engagement.png").await?;
    fo.by_role("button", "Create engagement")
        .await?
        .click()
        .await?;
    fo.by_role("heading", "Access to justice in Togo").await?;
    let engagement = id_in_url(&fo).await?;
    let url = format!("{}/engagement/{engagement}", server.http_url());
    add_member(&server, &engagement, HQ_EMAIL, "hq_reviewer");

    // The reviewer finds it on their dashboard.
    hq.sign_in_as(&server, HQ_EMAIL, HQ_PASSWORD).await?;
    hq.by_role("link", "Access to justice in Togo").await?;
    fo.goto(&server.http_url()).await?;
    fo.by_role("link", "Access to justice in Togo").await?;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    fo.screenshot("dashboard.png").await?;

    move_on_and_write_the_request(&fo, &hq, &url).await?;

    // Back on the dashboard, the move shows.
    hq.goto(&server.http_url()).await?;
    hq.until_text(".engagements .stage", "Assessing needs")
        .await?;

    // Offline, the dashboard is the one from the last connection, and says so.
    let mut server = server;
    server.kill();
    hq.until_status("Offline", |s| s.starts_with("Offline"))
        .await?;
    hq.goto(&server.http_url()).await?;
    hq.by_role("link", "Access to justice in Togo").await?;
    let note = hq.text(".dashboard .note").await?;
    assert!(
        note.starts_with("Offline: this list is from the last connection"),
        "{note}"
    );
    hq.screenshot("dashboard-offline.png").await?;
    fo.close().await?;
    hq.close().await?;
    Ok(())
}

/// The same, on documents written by a protocol client and attached by the
/// admin CLI: the pages need nothing but the documents and the memberships.
#[tokio::test(flavor = "multi_thread")]
async fn the_engagement_page_and_the_request_editor_work_on_any_attached_documents() -> Result<()> {
    let server = TestServer::start(&[]);
    server.add_user(HQ_EMAIL, "Sofia Lindqvist", "hq_reviewer", HQ_PASSWORD);
    let mut officer = Peer::connect(&server.ws_url(), &server.token).await?;
    let request = officer.create(|doc| {
        docs::create(doc, Request::default()).expect("a new request");
    });
    officer.until_acknowledged(request).await?;
    let engagement = officer.create(|doc| {
        let mut e = Engagement {
            country: "TGO".into(),
            presence: PresenceType::CountryOffice,
            ..Engagement::default()
        };
        e.title = "Access to justice in Togo".into();
        e.documents.request = request.to_string();
        docs::create(doc, e).expect("a new engagement");
    });
    officer.until_acknowledged(engagement).await?;
    drop(officer);
    let (engagement, request) = (engagement.to_string(), request.to_string());
    for (doc, kind) in [(&engagement, "engagement"), (&request, "request")] {
        server.run_admin(&[
            "doc",
            "attach",
            "--doc",
            doc,
            "--engagement",
            &engagement,
            "--kind",
            kind,
        ]);
    }
    add_member(&server, &engagement, OFFICER_EMAIL, "field_officer");
    add_member(&server, &engagement, HQ_EMAIL, "hq_reviewer");

    let driver = Driver::start()?;
    let fo = driver.session().await?;
    let hq = driver.session().await?;
    fo.sign_in(&server).await?;
    hq.sign_in_as(&server, HQ_EMAIL, HQ_PASSWORD).await?;
    let url = format!("{}/engagement/{engagement}", server.http_url());
    move_on_and_write_the_request(&fo, &hq, &url).await?;
    fo.close().await?;
    hq.close().await?;
    Ok(())
}
