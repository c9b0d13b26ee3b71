//! The caret stays on the same character when someone else types before it.

use accord_tests::browser::Driver;
use accord_tests::TestServer;
use anyhow::Result;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn the_caret_stays_put_when_a_remote_edit_lands_before_it() -> Result<()> {
    let server = TestServer::start(&[]);
    let driver = Driver::start()?;
    let a = driver.session().await?;
    let b = driver.session().await?;
    a.sign_in(&server).await?;
    a.by_role("button", "New document").await?.click().await?;
    a.by_role("textbox", "Summary")
        .await?
        .send_keys("legal aid in the north")
        .await?;
    let url = a.client.current_url().await?.to_string();
    b.sign_in(&server).await?;
    b.goto(&url).await?;
    b.until_value("Summary", "legal aid in the north").await?;

    // B puts its caret just before "north".
    let summary_b = b.by_role("textbox", "Summary").await?;
    summary_b.click().await?;
    let caret = "legal aid in the ".len();
    b.client
        .execute(
            "arguments[0].focus(); arguments[0].setSelectionRange(arguments[1], arguments[1]); \
             arguments[0].dispatchEvent(new Event('select'));",
            vec![serde_json::to_value(&summary_b)?, json!(caret)],
        )
        .await?;

    // A inserts at the very start.
    a.client
        .execute(
            "const el = arguments[0]; el.focus(); el.setSelectionRange(0, 0);",
            vec![serde_json::to_value(
                a.by_role("textbox", "Summary").await?,
            )?],
        )
        .await?;
    a.by_role("textbox", "Summary")
        .await?
        .send_keys("Free ")
        .await?;
    b.until_value("Summary", "Free legal aid in the north")
        .await?;

    let position = b
        .client
        .execute(
            "return [arguments[0].selectionStart, document.activeElement === arguments[0]];",
            vec![serde_json::to_value(&summary_b)?],
        )
        .await?;
    assert_eq!(
        position,
        json!([caret + "Free ".len(), true]),
        "caret moved with its text and kept focus"
    );
    a.close().await?;
    b.close().await?;
    Ok(())
}
