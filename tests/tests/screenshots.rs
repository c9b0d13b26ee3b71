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

/// The history page of the demo's assessment, as the HQ reviewer sees it.
/// `cargo test -p accord-tests --test screenshots -- --ignored history`
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs a running `make run` server"]
async fn history_of_the_demo_assessment() -> Result<()> {
    let base = std::env::var("ACCORD_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let driver = Driver::start()?;
    let b = driver.session().await?;
    b.sign_in_at(&base, "hq@demo.accord", "accord-demo-password")
        .await?;
    let engagement = b
        .client
        .execute(
            "for (let i = 0; i < 100; i++) {\
               const a = document.querySelector('a[href^=\"/engagement/\"]');\
               if (a) return a.getAttribute('href');\
               await new Promise(r => setTimeout(r, 100));\
             } return null;",
            vec![],
        )
        .await?;
    b.goto(&format!("{base}{}", engagement.as_str().unwrap_or("/")))
        .await?;
    let assessment = b
        .client
        .execute(
            "for (let i = 0; i < 100; i++) {\
               const a = Array.from(document.querySelectorAll('a[href^=\"/doc/\"]'))\
                 .find(a => a.textContent.includes('assessment'));\
               if (a) return a.getAttribute('href').split('?')[0];\
               await new Promise(r => setTimeout(r, 100));\
             } return null;",
            vec![],
        )
        .await?;
    b.goto(&format!(
        "{base}{}/history",
        assessment.as_str().unwrap_or("")
    ))
    .await?;
    b.by_role("heading", "Timeline").await?;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    b.screenshot("demo-history.png").await?;
    b.client
        .execute(
            "window.scrollTo(0, document.body.scrollHeight / 2);",
            vec![],
        )
        .await?;
    b.screenshot("demo-history-2.png").await?;
    b.close().await?;
    Ok(())
}
