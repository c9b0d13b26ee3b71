//! The six UN languages as people meet them (issue 9): switching to Arabic
//! lays the page out right to left (a screenshot is kept in
//! tests/artifacts/), and the language chosen is remembered across reloads.

use std::time::{Duration, Instant};

use accord_shared::docs::{self, model::Assessment};
use accord_tests::browser::{Browser, Driver};
use accord_tests::{Peer, TestServer};
use anyhow::{bail, Result};
use serde_json::{json, Value};

fn strings(language: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../app/locales")
        .join(format!("{language}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("locale file")).expect("json")
}

/// `<html lang dir>` once `lang` is `want`.
async fn until_lang(browser: &Browser, want: &str) -> Result<(String, String)> {
    let deadline = Instant::now() + accord_tests::PATIENCE;
    loop {
        let v = browser
            .client
            .execute(
                "const h = document.documentElement; return [h.lang, h.dir];",
                vec![],
            )
            .await?;
        let lang = v[0].as_str().unwrap_or_default().to_string();
        let dir = v[1].as_str().unwrap_or_default().to_string();
        if lang == want {
            return Ok((lang, dir));
        }
        if Instant::now() > deadline {
            bail!("<html lang> is {lang:?}, not {want:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn arabic_is_laid_out_right_to_left_and_the_chosen_language_is_remembered() -> Result<()> {
    let server = TestServer::start(&[]);
    let engagement = server.start_engagement("Technical cooperation — Togo");
    // The needs assessment is written in English.
    let assessment = engagement.doc("assessment");
    let mut officer = Peer::connect(&server.ws_url(), &server.token).await?;
    officer.fetch(assessment).await?;
    docs::update::<Assessment>(officer.doc(assessment), |a| {
        a.languages.insert("en".into(), true);
    })?;
    officer.until_acknowledged(assessment).await?;
    let driver = Driver::start()?;
    let person = driver.session().await?;
    person.sign_in(&server).await?;
    let (lang, dir) = until_lang(&person, "en").await?;
    assert_eq!((lang.as_str(), dir.as_str()), ("en", "ltr"));

    let (ar, fr) = (strings("ar"), strings("fr"));
    person.choose("Language", "العربية").await?;
    let (_, dir) = until_lang(&person, "ar").await?;
    assert_eq!(dir, "rtl");
    // The interface speaks Arabic…
    person
        .by_role("button", ar["new_document"].as_str().unwrap())
        .await?;
    // …and is mirrored: the page flows from the right, the app's name is on
    // the right-hand side of the header and the language switch on the left.
    let layout = person
        .client
        .execute(
            "const box = (el) => el.getBoundingClientRect();\
             const brand = Array.from(document.querySelectorAll('header a')).find(a => a.textContent.trim() === 'Accord');\
             const select = document.getElementById('language');\
             return { direction: getComputedStyle(document.body).direction,\
                      width: window.innerWidth,\
                      brand: box(brand).left + box(brand).width / 2,\
                      select: box(select).left + box(select).width / 2 };",
            vec![],
        )
        .await?;
    println!("Arabic layout: {layout}");
    assert_eq!(layout["direction"], json!("rtl"));
    let half = layout["width"].as_f64().unwrap_or_default() / 2.0;
    assert!(
        layout["brand"].as_f64().unwrap_or_default() > half,
        "the app's name should sit on the right in Arabic: {layout}"
    );
    assert!(
        layout["select"].as_f64().unwrap_or(f64::MAX) < half,
        "the language switch should sit on the left in Arabic: {layout}"
    );
    person
        .goto(&format!(
            "{}/engagement/{}",
            server.http_url(),
            engagement.id
        ))
        .await?;
    tokio::time::sleep(Duration::from_millis(800)).await;
    person.screenshot("arabic-engagement.png").await?;
    person.goto(&server.http_url()).await?;
    person
        .by_role("button", ar["new_document"].as_str().unwrap())
        .await?;
    person.screenshot("arabic-home.png").await?;

    // An English document read in the Arabic interface: its text fields are
    // English and left to right, whatever the interface's direction.
    person
        .goto(&format!(
            "{}/doc/{assessment}?engagement={}",
            server.http_url(),
            engagement.id
        ))
        .await?;
    let context = person
        .by_role(
            "textbox",
            ar["assessment_national_context"].as_str().unwrap(),
        )
        .await?;
    // Once the document has arrived on the device.
    let deadline = Instant::now() + accord_tests::PATIENCE;
    loop {
        let (lang, dir) = (context.attr("lang").await?, context.attr("dir").await?);
        if (lang.as_deref(), dir.as_deref()) == (Some("en"), Some("ltr")) {
            break;
        }
        if Instant::now() > deadline {
            bail!("an English field in the Arabic interface has lang {lang:?}, dir {dir:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    person.screenshot("arabic-english-assessment.png").await?;

    // French (from the header's switch on the home page), then a reload:
    // still French.
    person.goto(&server.http_url()).await?;
    person
        .by_role("button", ar["new_document"].as_str().unwrap())
        .await?;
    person
        .choose(ar["language"].as_str().unwrap(), "Français")
        .await?;
    let (_, dir) = until_lang(&person, "fr").await?;
    assert_eq!(dir, "ltr");
    person.goto(&server.http_url()).await?;
    until_lang(&person, "fr").await?;
    person
        .by_role("button", fr["new_document"].as_str().unwrap())
        .await?;
    person
        .by_role("combobox", fr["language"].as_str().unwrap())
        .await?;
    person.close().await?;
    Ok(())
}
