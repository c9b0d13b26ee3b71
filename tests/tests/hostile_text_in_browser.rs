//! Hostile text through the real server and browser (issue 8's catalogue):
//! markup and control characters written into a document by a protocol
//! client are stored as written, shown as text in the editor and on the
//! print page, and never run or parsed as HTML.

use std::time::{Duration, Instant};

use accord_shared::docs::{self, model::Assessment};
use accord_tests::browser::{Browser, Driver};
use accord_tests::{Peer, TestServer};
use anyhow::{bail, Result};
use serde_json::json;

/// Script tags, an event handler, bidi overrides, an escape sequence, a bell,
/// a NUL and a byte-order mark: each must come back as the characters it is.
const HOSTILE: &str = "<script>window.__accordPwned = 1</script>\
<img src=x onerror=\"window.__accordPwned = 2\">\
&lt;b&gt; \u{1b}[31mred\u{1b}[0m \u{7}\u{0} \u{202e}desrever\u{202c} \u{feff}end";

/// Whether any markup from the text ran or became an element.
async fn nothing_ran(page: &Browser) -> Result<serde_json::Value> {
    Ok(page
        .client
        .execute(
            "return { pwned: window.__accordPwned === undefined ? null : window.__accordPwned,\
                      images: document.querySelectorAll('img[src=\"x\"]').length,\
                      scripts: Array.from(document.scripts)\
                        .filter(s => s.textContent.includes('__accordPwned')).length };",
            vec![],
        )
        .await?)
}

#[tokio::test(flavor = "multi_thread")]
async fn markup_and_control_characters_are_shown_as_text_and_never_run() -> Result<()> {
    let server = TestServer::start(&[]);
    let engagement = server.start_engagement("Hostile text");
    let assessment = engagement.doc("assessment");
    let mut officer = Peer::connect(&server.ws_url(), &server.token).await?;
    officer.fetch(assessment).await?;
    docs::update::<Assessment>(officer.doc(assessment), |a| {
        a.national_context = HOSTILE.into();
    })?;
    officer.until_acknowledged(assessment).await?;

    let driver = Driver::start()?;
    let page = driver.session().await?;
    page.sign_in(&server).await?;
    page.goto(&format!(
        "{}/doc/{assessment}?engagement={}",
        server.http_url(),
        engagement.id
    ))
    .await?;
    // The editor holds exactly the characters written, as a field's value.
    page.until_value("National context", HOSTILE).await?;
    assert_eq!(
        nothing_ran(&page).await?,
        json!({ "pwned": null, "images": 0, "scripts": 0 })
    );

    // The print page renders the document's text into the page itself.
    page.goto(&format!("{}/doc/{assessment}/print", server.http_url()))
        .await?;
    let deadline = Instant::now() + accord_tests::PATIENCE;
    loop {
        let text = page
            .by_role("article", "Needs assessment")
            .await?
            .text()
            .await?;
        if text.contains("<script>window.__accordPwned = 1</script>")
            && text.contains("<img src=x onerror=")
            && text.contains("&lt;b&gt;")
        {
            break;
        }
        if Instant::now() > deadline {
            bail!("the print page does not show the markup as text: {text:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        nothing_ran(&page).await?,
        json!({ "pwned": null, "images": 0, "scripts": 0 })
    );
    page.screenshot("hostile-text-print.png").await?;

    // And the server kept it as written.
    assert_eq!(
        docs::open::<Assessment>(officer.doc(assessment))?
            .national_context
            .as_str(),
        HOSTILE
    );
    page.close().await?;
    Ok(())
}
