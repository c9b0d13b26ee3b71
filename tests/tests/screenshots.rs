//! Not a test but a look: screenshots of a running `make run` server, for a
//! person to check the pages. `cargo test -p accord-tests --test screenshots -- --ignored`
//! (ACCORD_URL, default http://127.0.0.1:8080; ACCORD_DOC_PATH, e.g. /doc/<id>); PNGs land in tests/artifacts/.

use accord_tests::browser::Driver;
use anyhow::Result;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a running `make run` server"]
async fn screenshots_of_the_demo() -> Result<()> {
    let base = std::env::var("ACCORD_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let driver = Driver::start()?;
    let b = driver.session().await?;
    b.goto(&format!("{base}/login")).await?;
    b.by_role("button", "Sign in").await?;
    b.screenshot("login.png").await?;
    b.sign_in_at(&base, "officer@demo.accord", "accord-demo-password")
        .await?;
    b.by_role("button", "New document").await?;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    b.screenshot("home.png").await?;
    let link = match std::env::var("ACCORD_DOC_PATH") {
        Ok(path) => serde_json::Value::String(path),
        Err(_) => {
            b.client
                .execute(
                    "return document.querySelector('a[href^=\"/doc/\"]')?.getAttribute('href');",
                    vec![],
                )
                .await?
        }
    };
    if let Some(href) = link.as_str() {
        b.goto(&format!("{base}{href}")).await?;
        b.by_role("textbox", "Title").await?;
        tokio::time::sleep(std::time::Duration::from_millis(800)).await;
        b.screenshot("demo-document.png").await?;
    }
    b.close().await?;
    Ok(())
}
