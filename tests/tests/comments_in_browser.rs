//! Comments in the browser: a field officer selects words inside a
//! paragraph of the assessment and comments on them; a second officer, in
//! another browser, types before those words; both browsers, and an HQ
//! reviewer's, still quote exactly the same words. The second officer
//! replies, the reviewer (who may not edit the assessment) resolves and
//! comments on a whole field and on a field of a need, the first officer
//! reopens, each seen by the others; when the words are deleted, the
//! comment says so with its quote.

use accord_shared::docs::{self, items, Assessment, Need};
use accord_tests::browser::{Browser, Driver};
use accord_tests::{Peer, TestServer};
use anyhow::Result;
use serde_json::json;

const SECOND_EMAIL: &str = "second.officer@accord.test";
const SECOND_NAME: &str = "Chikondi Banda";
const SECOND_PASSWORD: &str = "a second officer's passphrase";
const HQ_EMAIL: &str = "desk.officer@hq.test";
const HQ_NAME: &str = "Sofia Lindqvist";
const HQ_PASSWORD: &str = "an HQ reviewer's passphrase";

const PARAGRAPH: &str =
    "District courts sit twice a year, and legal aid is scarce outside the capital.";
const WORDS: &str = "legal aid is scarce";
const FIELD: &str = "National context";
const NEED: &str = "Legal aid in rural districts";

/// Selects `start..end` (UTF-16 units) of the text field named `name`, as a
/// person dragging over the words would.
async fn select(page: &Browser, name: &str, start: usize, end: usize) -> Result<()> {
    let field = page.by_role("textbox", name).await?;
    page.client
        .execute(
            "const [el, start, end] = arguments; el.focus(); el.setSelectionRange(start, end); \
             el.dispatchEvent(new Event('select'));",
            vec![serde_json::to_value(&field)?, json!(start), json!(end)],
        )
        .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_comment_stays_on_its_words_while_another_browser_types_before_them() -> Result<()> {
    let server = TestServer::start(&[]);
    let started = server.start_engagement("Access to justice in Malawi");
    let (engagement, assessment) = (started.id.clone(), started.doc("assessment"));
    server.add_user(SECOND_EMAIL, SECOND_NAME, "field_officer", SECOND_PASSWORD);
    server.add_member(&engagement, SECOND_EMAIL, "field_officer");
    server.add_user(HQ_EMAIL, HQ_NAME, "hq_reviewer", HQ_PASSWORD);
    server.add_member(&engagement, HQ_EMAIL, "hq_reviewer");
    let url = format!("{}/doc/{assessment}", server.http_url());

    // The paragraph the officers wrote.
    let mut officer = Peer::connect(&server.ws_url(), &server.token).await?;
    officer.follow(assessment);
    officer.push(assessment).await?;
    officer
        .until("the assessment arrives", |p| {
            docs::open::<Assessment>(p.doc(assessment)).is_ok_and(|a| !a.schema.kind.is_empty())
        })
        .await?;
    docs::update::<Assessment>(officer.doc(assessment), |a| {
        a.national_context = PARAGRAPH.into();
        items::push(
            &mut a.needs,
            Need {
                title: NEED.into(),
                ..Need::default()
            },
        );
    })?;
    officer.doc(assessment).commit();
    officer.until_acknowledged(assessment).await?;

    let driver = Driver::start()?;
    let a = driver.session().await?;
    let b = driver.session().await?;
    let hq = driver.session().await?;
    a.sign_in(&server).await?;
    b.sign_in_as(&server, SECOND_EMAIL, SECOND_PASSWORD).await?;
    hq.sign_in_as(&server, HQ_EMAIL, HQ_PASSWORD).await?;
    for page in [&a, &b, &hq] {
        page.goto(&url).await?;
        page.until_value(FIELD, PARAGRAPH).await?;
        page.until_css(".comments__empty", "no comments yet", |t| {
            t == "No comments yet."
        })
        .await?;
    }

    // A selects the words inside the paragraph and comments on them.
    let start = PARAGRAPH
        .find(WORDS)
        .expect("the words are in the paragraph");
    select(&a, FIELD, start, start + WORDS.len()).await?;
    a.until_css(".comments__hint", "the selection", |t| {
        t == format!("Selected: “{WORDS}” in {FIELD}")
    })
    .await?;
    a.by_role("button", "Comment on selection")
        .await?
        .click()
        .await?;
    a.by_role("textbox", "Your comment")
        .await?
        .send_keys("Which districts? Cite the legal aid board's 2026 figures.")
        .await?;
    a.until_css(
        ".comment-composer .comment__quote",
        "the words to comment on",
        |t| t == WORDS,
    )
    .await?;
    a.screenshot("comments-composing.png").await?;
    a.by_role("button", "Add comment").await?.click().await?;
    a.until_css(".comment__quote", "the words", |t| t == WORDS)
        .await?;
    a.screenshot("comments-added.png").await?;

    // B hears of it, politely, and sees the same words.
    b.until_css(".comments [aria-live]", "the announcement", |t| {
        t == "New comment from Amina Field: Which districts? Cite the legal aid board's 2026 figures."
    })
    .await?;
    b.until_css(".comment__quote", "the words", |t| t == WORDS)
        .await?;

    // B types before the words.
    let field = b.by_role("textbox", FIELD).await?;
    b.client
        .execute(
            "const el = arguments[0]; el.focus(); el.setSelectionRange(0, 0);",
            vec![serde_json::to_value(&field)?],
        )
        .await?;
    field.send_keys("In the northern region, ").await?;
    let edited = format!("In the northern region, {PARAGRAPH}");
    a.until_value(FIELD, &edited).await?;
    hq.until_value(FIELD, &edited).await?;

    // Everyone still quotes exactly the words commented on.
    for page in [&a, &b, &hq] {
        page.until_css(".comment__quote", "the same words", |t| t == WORDS)
            .await?;
        let quotes = page.texts(".comment__quote").await?;
        assert_eq!(quotes, vec![WORDS.to_string()]);
    }
    b.screenshot("comments-after-insert.png").await?;

    // The field's name in the thread leads to the words, now further on.
    hq.by_role("button", FIELD).await?.click().await?;
    let field = hq.by_role("textbox", FIELD).await?;
    let selected = hq
        .client
        .execute(
            "const el = arguments[0]; \
             return [document.activeElement === el, el.value.slice(el.selectionStart, el.selectionEnd)];",
            vec![serde_json::to_value(&field)?],
        )
        .await?;
    assert_eq!(selected, json!([true, WORDS]));

    // B replies; A sees the reply.
    b.by_role("button", "Reply").await?.click().await?;
    b.by_role("textbox", "Your reply")
        .await?
        .send_keys("Added the northern region; figures to follow.")
        .await?;
    b.by_role("button", "Send reply").await?.click().await?;
    a.until_css(".comment--reply .comment__body", "the reply", |t| {
        t == "Added the northern region; figures to follow."
    })
    .await?;
    a.until_css(".comment--reply .comment__by", "who replied", |t| {
        t == SECOND_NAME
    })
    .await?;

    // The reviewer, who may not edit the assessment, resolves the thread.
    let read_only = hq.by_role("textbox", FIELD).await?;
    assert_eq!(
        read_only.attr("aria-readonly").await?.as_deref(),
        Some("true")
    );
    hq.by_role("button", "Resolve").await?.click().await?;
    for page in [&a, &b, &hq] {
        page.until_css(".thread__resolved", "resolved", |t| {
            t == format!("Resolved by {HQ_NAME}")
        })
        .await?;
    }
    a.by_role("button", "Reopen").await?;
    b.until_css(".comments__count", "none open", |t| t == "0 open")
        .await?;

    // A reopens it.
    a.by_role("button", "Reopen").await?.click().await?;
    hq.by_role("button", "Resolve").await?;
    hq.until_css(".comments__count", "one open", |t| t == "1 open")
        .await?;
    assert!(hq.texts(".thread__resolved").await?.is_empty());

    // The reviewer comments on a whole field with its Comment button.
    hq.by_role("button", "Comment on Risks")
        .await?
        .click()
        .await?;
    hq.by_role("textbox", "Your comment")
        .await?
        .send_keys("No risk analysis yet.")
        .await?;
    hq.by_role("button", "Add comment").await?.click().await?;
    a.until_css(".comments__count", "two open", |t| t == "2 open")
        .await?;
    let wholes = a.texts(".thread .comment__whole").await?;
    assert_eq!(wholes, vec!["On the whole field".to_string()]);
    hq.screenshot("comments-reviewer.png").await?;

    // A field of a record is named with its record.
    hq.by_role("button", "Comment on Description")
        .await?
        .click()
        .await?;
    hq.by_role("textbox", "Your comment")
        .await?
        .send_keys("Which districts?")
        .await?;
    hq.by_role("button", "Add comment").await?.click().await?;
    a.until_css(".comments__count", "three open", |t| t == "3 open")
        .await?;
    let fields = a.texts(".thread .comment__field").await?;
    assert_eq!(
        fields,
        vec![
            FIELD.to_string(),
            "Risks".to_string(),
            format!("Need “{NEED}” · Description")
        ]
    );

    // B deletes the words: the comment says so, with what they were.
    let edited_start = edited.find(WORDS).expect("the words are still there");
    select(&b, FIELD, edited_start, edited_start + WORDS.len() + 1).await?;
    b.by_role("textbox", FIELD)
        .await?
        .send_keys("\u{e017}")
        .await?;
    for page in [&a, &b] {
        page.until_css(".comment__removed", "the removal", |t| {
            t == format!("The commented text was removed. It read: {WORDS}")
        })
        .await?;
    }
    a.screenshot("comments-removed.png").await?;

    a.close().await?;
    b.close().await?;
    hq.close().await?;
    Ok(())
}
