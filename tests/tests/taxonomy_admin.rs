//! The taxonomy in the browser: an administrator adds a thematic priority
//! with its English and French labels, moves it and retires it, and the
//! server's taxonomy document holds all of it; a field officer sees the
//! same list read-only, with the reason.

use std::time::{Duration, Instant};

use accord_shared::docs::{self, Taxonomy};
use accord_shared::DocumentId;
use accord_tests::browser::{Browser, Driver};
use accord_tests::{Peer, TestServer};
use anyhow::{ensure, Result};

const ADMIN_EMAIL: &str = "admin@accord.test";
const ADMIN_PASSWORD: &str = "an administrator's passphrase";
const THEME: &str = "Business and human rights";
const THEME_FR: &str = "Entreprises et droits de l’homme";
const KEY: &str = "business_and_human_rights";

/// Runs `script` (which returns a string) until `pred` holds.
async fn until_js(
    browser: &Browser,
    what: &str,
    script: &str,
    pred: impl Fn(&str) -> bool,
) -> Result<String> {
    let deadline = Instant::now() + accord_tests::PATIENCE;
    loop {
        let v = browser.client.execute(script, vec![]).await?;
        let text = v.as_str().unwrap_or_default().to_owned();
        if pred(&text) {
            return Ok(text);
        }
        ensure!(
            Instant::now() < deadline,
            "{what} never held; last: {text:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The names of the thematic priorities, in the order shown.
const THEME_NAMES: &str = "return Array.from(document.querySelectorAll('[id^=\"f-themes-\"] > fieldset > legend > span:first-child')).map(e => e.textContent.trim()).join('|');";

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_adds_a_theme_and_everyone_sees_it() -> Result<()> {
    let server = TestServer::start(&[]);
    server.add_user(ADMIN_EMAIL, "Sam Admin", "admin", ADMIN_PASSWORD);
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
    admin
        .by_role("link", "Edit thematic priorities, groups and SDG targets")
        .await?
        .click()
        .await?;
    admin.by_role("heading", "Thematic priorities").await?;
    admin.by_role("heading", "Rights-holder groups").await?;
    let before = until_js(&admin, "the seeded themes", THEME_NAMES, |t| {
        t.contains("Development")
    })
    .await?;
    assert_eq!(before.split('|').count(), 11, "{before}");
    assert!(!before.contains(THEME));

    // An English label is needed; the form says so.
    admin
        .by_role("button", "Add a theme")
        .await?
        .click()
        .await?;
    until_js(
        &admin,
        "the missing label message",
        "const e = document.getElementById('new-themes-outcome'); return e ? e.textContent : '';",
        |t| t.contains("English label"),
    )
    .await?;

    admin
        .by_role("textbox", "New term (English)")
        .await?
        .send_keys(THEME)
        .await?;
    admin
        .by_role("textbox", "New term (French)")
        .await?
        .send_keys(THEME_FR)
        .await?;
    admin
        .by_role("button", "Add a theme")
        .await?
        .click()
        .await?;
    until_js(
        &admin,
        "the confirmation",
        "const e = document.getElementById('new-themes-outcome'); return e ? e.textContent : '';",
        |t| t == format!("“{THEME}” has been added."),
    )
    .await?;
    let after = until_js(&admin, "the new theme listed last", THEME_NAMES, |t| {
        t.ends_with(THEME)
    })
    .await?;
    assert_eq!(after.split('|').count(), 12, "{after}");
    // Its labels are fields of their own, per language.
    let french = admin
        .client
        .execute(
            &format!("return document.getElementById('f-themes-{KEY}-labels-fr').value;"),
            vec![],
        )
        .await?;
    assert_eq!(french, serde_json::json!(THEME_FR));

    // Moved up one place, then retired (never deleted).
    let item = format!("theme “{THEME}”");
    admin
        .by_role("button", &format!("Move {item} up"))
        .await?
        .click()
        .await?;
    until_js(&admin, "the theme moved up", THEME_NAMES, |t| {
        let names: Vec<&str> = t.split('|').collect();
        names.len() == 12 && names[10] == THEME
    })
    .await?;
    admin
        .by_role("button", &format!("Retire {item}"))
        .await?
        .click()
        .await?;
    admin.by_role("button", &format!("Restore {item}")).await?;
    ensure!(
        admin
            .text(&format!("#f-themes-{KEY} .tag--off"))
            .await?
            .contains("Retired"),
        "the retired tag shows"
    );
    admin
        .client
        .execute(
            &format!(
                "document.getElementById('f-themes-{KEY}').scrollIntoView({{block: 'center'}})"
            ),
            vec![],
        )
        .await?;
    admin.screenshot("taxonomy-admin.png").await?;

    // The server's document holds what the admin did.
    let token = server.create_token(ADMIN_EMAIL);
    let (status, body) = server.api(&token, "GET", "/api/taxonomy", None);
    assert_eq!(status, 200, "{body}");
    let id: DocumentId = body["id"].as_str().unwrap().parse()?;
    let mut peer = Peer::connect(&server.ws_url(), &token).await?;
    peer.follow(id);
    peer.push(id).await?;
    peer.until("the taxonomy holds the new theme", |p| {
        docs::open::<Taxonomy>(p.doc(id))
            .ok()
            .and_then(|t| t.themes.get(KEY).cloned())
            .is_some_and(|term| term.retired)
    })
    .await?;
    let t: Taxonomy = docs::open(peer.doc(id))?;
    let term = &t.themes[KEY];
    assert_eq!(term.labels["en"], THEME);
    assert_eq!(term.labels["fr"], THEME_FR);
    assert_eq!(t.themes.len(), 12);

    // A field officer sees the list, the new theme too, and cannot change it.
    let officer = driver.session().await?;
    officer.sign_in(&server).await?;
    officer
        .goto(&format!("{}/taxonomy", server.http_url()))
        .await?;
    until_js(&officer, "the officer's list", THEME_NAMES, |t| {
        t.contains(THEME)
    })
    .await?;
    until_js(
        &officer,
        "the read-only note",
        "const e = document.querySelector('.taxonomy__list .field__note'); return e ? e.textContent : '';",
        |t| t.contains("read-only for your role"),
    )
    .await?;
    let controls = officer
        .client
        .execute(
            "return [document.querySelectorAll('.taxonomy__add').length, \
                     document.querySelectorAll('.taxonomy__list input[type=text]:not([readonly])').length, \
                     document.querySelectorAll('.taxonomy__list .record__actions').length].join(',');",
            vec![],
        )
        .await?;
    assert_eq!(controls, serde_json::json!("0,0,0"));
    officer.screenshot("taxonomy-read-only.png").await?;

    admin.close().await?;
    officer.close().await?;
    Ok(())
}
