//! Interoperability with the unmodified npm packages @automerge/automerge-repo
//! and @automerge/automerge-repo-network-websocket, both ways, browser included.

use accord_tests::browser::Driver;
use accord_tests::node::NodePeer;
use accord_tests::TestServer;
use anyhow::Result;

#[tokio::test(flavor = "multi_thread")]
async fn a_node_client_and_a_browser_see_each_others_edits() -> Result<()> {
    let server = TestServer::start(&[]);
    let mut creator = NodePeer::start(&server.ticket_url())?;
    let url = creator
        .create("Request from the Ministry of Justice")
        .await?;
    let id = url.trim_start_matches("automerge:");

    // A second Node client finds it through Accord.
    let mut reader = NodePeer::start(&server.ticket_url())?;
    reader.wait_title(&url, "Ministry of Justice").await?;

    // A browser opens it and sees the title; its edit reaches both Node clients.
    let driver = Driver::start()?;
    let browser = driver.session().await?;
    browser.sign_in(&server).await?;
    browser
        .goto(&format!("{}/doc/{id}", server.http_url()))
        .await?;
    browser
        .until_value("Title", "Request from the Ministry of Justice")
        .await?;
    browser
        .by_role("textbox", "Title")
        .await?
        .send_keys(" (received)")
        .await?;
    reader.wait_title(&url, "(received)").await?;
    creator.wait_title(&url, "(received)").await?;

    // And Node's edit reaches the browser.
    reader.append(&url, " — acknowledged").await?;
    browser
        .until_value(
            "Title",
            "Request from the Ministry of Justice (received) — acknowledged",
        )
        .await?;
    browser.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_document_created_in_the_browser_opens_in_node() -> Result<()> {
    let server = TestServer::start(&[]);
    let driver = Driver::start()?;
    let browser = driver.session().await?;
    browser.sign_in(&server).await?;
    browser
        .by_role("button", "New document")
        .await?
        .click()
        .await?;
    browser
        .by_role("textbox", "Title")
        .await?
        .send_keys(" by the field office")
        .await?;
    browser.until_status("Online", |s| s == "Online").await?;
    let page = browser.client.current_url().await?.to_string();
    let id = page.rsplit('/').next().unwrap_or_default().to_owned();

    let mut node = NodePeer::start(&server.ticket_url())?;
    let title = node
        .wait_title(&format!("automerge:{id}"), "by the field office")
        .await?;
    assert_eq!(title, "Untitled programme by the field office");
    browser.close().await?;
    Ok(())
}
