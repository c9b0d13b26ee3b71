//! End-to-end in headless Chromium: what two people co-editing a draft see.

use std::time::Duration;

use accord_tests::browser::{Browser, Driver};
use accord_tests::TestServer;
use anyhow::Result;

/// Opens a new document in `a` and returns its URL.
async fn new_document(server: &TestServer, a: &Browser) -> Result<String> {
    a.sign_in(server).await?;
    a.by_role("button", "New document").await?.click().await?;
    a.by_role("textbox", "Title").await?;
    Ok(a.client.current_url().await?.to_string())
}

/// Two signed-in browsers on one new document, both online.
async fn two_people_on_a_new_document(
    server: &TestServer,
    driver: &Driver,
) -> Result<(Browser, Browser, String)> {
    let a = driver.session().await?;
    let b = driver.session().await?;
    let url = new_document(server, &a).await?;
    b.sign_in(server).await?;
    b.goto(&url).await?;
    b.until_value("Title", "Untitled programme").await?;
    a.until_status("Online", |s| s == "Online").await?;
    b.until_status("Online", |s| s == "Online").await?;
    Ok((a, b, url))
}

async fn type_into(b: &Browser, field: &str, text: &str) -> Result<()> {
    b.by_role("textbox", field).await?.send_keys(text).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn text_typed_in_one_browser_appears_in_the_other_within_a_second() -> Result<()> {
    let server = TestServer::start(&[]);
    let driver = Driver::start()?;
    let (a, b, _url) = two_people_on_a_new_document(&server, &driver).await?;

    let mut latencies = Vec::new();
    let mut expected = "Untitled programme".to_owned();
    for word in [" for", " Northern", " Province", " 2027", "–2029"] {
        type_into(&a, "Title", word).await?;
        expected.push_str(word);
        latencies.push(b.until_value("Title", &expected).await?);
    }
    latencies.sort();
    let median = latencies[latencies.len() / 2];
    println!("browser-to-browser latency: median {median:?}, all {latencies:?}");
    assert!(
        median < Duration::from_secs(1),
        "median {median:?} of {latencies:?}"
    );
    a.screenshot("co-editing.png").await?;
    a.close().await?;
    b.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_typing_in_the_same_field_converges() -> Result<()> {
    let server = TestServer::start(&[]);
    let driver = Driver::start()?;
    let (a, b, _url) = two_people_on_a_new_document(&server, &driver).await?;

    let (ra, rb) = tokio::join!(
        type_into(&a, "Summary", "alpha alpha alpha "),
        type_into(&b, "Summary", "bravo bravo bravo ")
    );
    ra?;
    rb?;
    // Both settle on the same text, holding every character each typed.
    let deadline = std::time::Instant::now() + accord_tests::PATIENCE;
    loop {
        let va = a.value(&a.by_role("textbox", "Summary").await?).await?;
        let vb = b.value(&b.by_role("textbox", "Summary").await?).await?;
        if va == vb && va.len() == 36 {
            let mut got: Vec<char> = va.chars().collect();
            let mut want: Vec<char> = "alpha alpha alpha bravo bravo bravo ".chars().collect();
            got.sort_unstable();
            want.sort_unstable();
            assert_eq!(got, want, "every typed character is kept: {va:?}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "diverged: {va:?} vs {vb:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    a.close().await?;
    b.close().await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn offline_edits_survive_reload_and_sync_on_reconnect() -> Result<()> {
    let mut server = TestServer::start(&[]);
    let driver = Driver::start()?;
    let a = driver.session().await?;
    let b = driver.session().await?;
    let url = new_document(&server, &a).await?;
    b.sign_in(&server).await?;
    b.goto(&url).await?;
    b.until_value("Title", "Untitled programme").await?;
    a.until_status("Online", |s| s == "Online").await?;

    server.kill();
    a.until_status("Offline", |s| s.starts_with("Offline"))
        .await?;
    type_into(&a, "Summary", "Written while the network was down.").await?;
    let status = a
        .until_status("unsent changes", |s| s.contains("unsent change"))
        .await?;
    println!("offline status: {status}");
    a.screenshot("offline.png").await?;

    // Open Accord again with no server at all: the service worker serves the
    // app, which lists the documents stored on this device…
    a.goto(&server.http_url()).await?;
    a.by_role("link", "Untitled programme").await?;
    // …and the document opens with what was written offline.
    a.goto(&url).await?;
    a.until_value("Summary", "Written while the network was down.")
        .await?;
    a.until_status("Offline with unsent changes", |s| {
        s.starts_with("Offline") && s.contains("unsent")
    })
    .await?;
    // An edit made after opening offline is kept across another reload.
    type_into(&a, "Title", " (offline draft)").await?;
    a.goto(&url).await?;
    a.until_value("Title", "Untitled programme (offline draft)")
        .await?;

    server.restart();
    b.until_value("Summary", "Written while the network was down.")
        .await?;
    b.until_value("Title", "Untitled programme (offline draft)")
        .await?;
    a.until_status("Online", |s| s == "Online").await?;
    a.close().await?;
    b.close().await?;
    Ok(())
}

/// The `accord-build` marker of the page the browser shows, if any.
async fn build_marker(a: &Browser) -> Result<Option<String>> {
    let v = a
        .client
        .execute(
            "const m = document.querySelector('meta[name=\"accord-build\"]');\
             return m ? m.content : null;",
            vec![],
        )
        .await?;
    Ok(v.as_str().map(str::to_string))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_build_is_picked_up_on_the_next_online_load_and_then_opens_offline() -> Result<()> {
    let mut server = TestServer::start(&[]);
    let driver = Driver::start()?;
    let a = driver.session().await?;
    a.sign_in(&server).await?;
    // The service worker controls the page once it has installed.
    let deadline = std::time::Instant::now() + accord_tests::PATIENCE;
    while a
        .client
        .execute("return !!navigator.serviceWorker.controller;", vec![])
        .await?
        != serde_json::json!(true)
    {
        anyhow::ensure!(
            std::time::Instant::now() < deadline,
            "the service worker never took control"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(build_marker(&a).await?, None);

    // A new build of the app: the same files, its index marked.
    let next = tempfile::tempdir()?;
    for entry in std::fs::read_dir(accord_tests::server::dist_dir())? {
        let path = entry?.path();
        if path.is_file() {
            std::fs::copy(&path, next.path().join(path.file_name().unwrap()))?;
        }
    }
    let index = next.path().join("index.html");
    let html = std::fs::read_to_string(&index)?.replacen(
        "<meta charset=\"utf-8\" />",
        "<meta charset=\"utf-8\" /><meta name=\"accord-build\" content=\"next\" />",
        1,
    );
    anyhow::ensure!(
        html.contains("accord-build"),
        "dist/index.html changed shape"
    );
    std::fs::write(&index, html)?;
    server.set_dist(next.path().to_owned());
    server.restart();

    // The next online load shows the new build, not the cached one…
    a.goto(&server.http_url()).await?;
    a.by_role("button", "New document").await?;
    assert_eq!(build_marker(&a).await?.as_deref(), Some("next"));
    // …and it is the one the device keeps for opening offline.
    server.kill();
    a.goto(&server.http_url()).await?;
    a.by_role("button", "New document").await?;
    assert_eq!(build_marker(&a).await?.as_deref(), Some("next"));
    a.close().await?;
    Ok(())
}
