//! The administration page in the browser: an admin adds a person to an
//! engagement as Government counterpart and sees them listed; a field
//! officer has no "Administration" link and is told the page is not for them.

use std::time::{Duration, Instant};

use accord_shared::DocumentId;
use accord_tests::browser::{Browser, Driver};
use accord_tests::TestServer;
use anyhow::{ensure, Result};

const ADMIN_EMAIL: &str = "admin@accord.test";
const ADMIN_PASSWORD: &str = "an administrator's passphrase";
const GOV_EMAIL: &str = "focal.point@gov.test";

/// The text of the first element matching `selector`, or "".
async fn text_of(browser: &Browser, selector: &str) -> Result<String> {
    let v = browser
        .client
        .execute(
            "const e = document.querySelector(arguments[0]); return e ? e.textContent.trim() : '';",
            vec![serde_json::json!(selector)],
        )
        .await?;
    Ok(v.as_str().unwrap_or_default().to_owned())
}

/// Waits until the text of `selector` satisfies `pred`.
async fn until_text(
    browser: &Browser,
    selector: &str,
    pred: impl Fn(&str) -> bool,
) -> Result<String> {
    let deadline = Instant::now() + accord_tests::PATIENCE;
    loop {
        let text = text_of(browser, selector).await?;
        if pred(&text) {
            return Ok(text);
        }
        ensure!(
            Instant::now() < deadline,
            "{selector} never showed what was expected; last: {text:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_adds_a_government_member_to_an_engagement() -> Result<()> {
    let server = TestServer::start(&[]);
    server.add_user(ADMIN_EMAIL, "Sam Admin", "admin", ADMIN_PASSWORD);
    server.add_user(
        GOV_EMAIL,
        "Kodjo Mensah",
        "government",
        "government passphrase",
    );
    let engagement = DocumentId::random();

    let driver = Driver::start()?;
    let admin = driver.session().await?;
    admin
        .sign_in_as(&server, ADMIN_EMAIL, ADMIN_PASSWORD)
        .await?;
    admin
        .by_role("link", "Administration")
        .await?
        .click()
        .await?;
    admin.by_role("heading", "Accounts").await?;
    // Every account is in the table, with its role in words.
    let accounts = until_text(&admin, "table", |t| t.contains("Kodjo Mensah")).await?;
    assert!(accounts.contains(GOV_EMAIL), "{accounts}");
    assert!(accounts.contains("Government counterpart"), "{accounts}");

    // A bad id is refused with a clear message next to the field.
    admin
        .by_role("textbox", "Engagement link or id")
        .await?
        .send_keys("not an id")
        .await?;
    admin
        .by_role("button", "Show members")
        .await?
        .click()
        .await?;
    let error = until_text(&admin, "#engagement-error", |t| !t.is_empty()).await?;
    assert!(error.contains("not a valid engagement"), "{error}");

    // The automerge: URL form; nobody is a member yet.
    let field = admin.by_role("textbox", "Engagement link or id").await?;
    field.clear().await?;
    field.send_keys(&format!("automerge:{engagement}")).await?;
    admin
        .by_role("button", "Show members")
        .await?
        .click()
        .await?;
    until_text(&admin, ".members__empty", |t| t.contains("No one")).await?;

    // Without a role, the form says what is missing.
    admin
        .by_role("combobox", "Account")
        .await?
        .select_by_label(&format!("Kodjo Mensah ({GOV_EMAIL})"))
        .await?;
    admin.by_role("button", "Add member").await?.click().await?;
    let missing = until_text(&admin, "#member-outcome[role=alert]", |t| !t.is_empty()).await?;
    assert!(missing.contains("role"), "{missing}");

    admin
        .by_role("combobox", "Role in the engagement")
        .await?
        .select_by_label("Government counterpart")
        .await?;
    admin.by_role("button", "Add member").await?.click().await?;
    let added = until_text(&admin, "#member-outcome[role=status]", |t| !t.is_empty()).await?;
    assert_eq!(
        added,
        "Kodjo Mensah is now a member of this engagement (role: Government counterpart)."
    );
    // The list is asked again and shows them.
    let members = until_text(&admin, "caption + thead + tbody", |t| {
        t.contains("Kodjo Mensah")
    })
    .await?;
    assert!(members.contains(GOV_EMAIL), "{members}");
    assert!(members.contains("Government counterpart"), "{members}");
    // The list, the form and the confirmation together.
    admin
        .client
        .execute(
            "document.getElementById('members-heading').scrollIntoView()",
            vec![],
        )
        .await?;
    admin.screenshot("admin-page.png").await?;

    // The server agrees.
    let token = server.create_token(ADMIN_EMAIL);
    let auth = format!("Bearer {token}");
    let res = accord_tests::server::http_get(
        server.port,
        &format!("/api/admin/members?engagement={engagement}"),
        &[("Authorization", &auth)],
    )?;
    assert_eq!(res.status, 200);
    let body: serde_json::Value = serde_json::from_slice(&res.body)?;
    assert_eq!(body[0]["email"], GOV_EMAIL);
    assert_eq!(body[0]["role"], "government");

    // A field officer sees no link, and the page says it is for administrators.
    let officer = driver.session().await?;
    officer.sign_in(&server).await?;
    let links = officer
        .client
        .execute(
            "return Array.from(document.querySelectorAll('a')).filter(a => a.textContent.trim() === 'Administration').length;",
            vec![],
        )
        .await?;
    assert_eq!(links, serde_json::json!(0));
    officer
        .goto(&format!("{}/admin", server.http_url()))
        .await?;
    until_text(&officer, "main", |t| {
        t.contains("Only administrators can see this page.")
    })
    .await?;
    officer.screenshot("admin-page-refused.png").await?;

    admin.close().await?;
    officer.close().await?;
    Ok(())
}
