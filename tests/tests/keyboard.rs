//! Keyboard only (issue 9): a field officer creates a need in the
//! assessment and links an output of the programme to it without touching
//! the mouse. After signing in and opening each page by its address, every
//! interaction is a key pressed on whatever has the focus (WebDriver
//! actions, never a click or keys sent to a located element); where the
//! focus is comes from `document.activeElement`, by role and accessible
//! name, and every stop must show a visible focus indicator. The result is
//! read back through a protocol client and the traceability view.

use std::time::{Duration, Instant};

use accord_shared::docs::{self, Assessment, Programme};
use accord_tests::browser::{Browser, Driver, ACCESSIBLE_NAMES};
use accord_tests::{Peer, TestServer};
use anyhow::{bail, Context, Result};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use serde_json::json;

const NEED: &str = "Legal aid in the districts";
const OUTCOME: &str = "Detainees have access to legal aid";
const OUTPUT: &str = "Paralegals trained in three districts";
/// Tab presses before a search gives up even if no cycle was seen.
const MAX_TABS: usize = 400;

/// What has the focus, as assistive technology would name it
/// (after [`ACCESSIBLE_NAMES`]), and whether the page shows where it is.
const FOCUSED: &str = r#"
const el = document.activeElement;
if (!el || el === document.body || el === document.documentElement) return null;
// Where it is in the page, to notice when Tab has gone all the way round.
const where = [];
for (let e = el; e && e.parentElement; e = e.parentElement) {
  where.unshift(e.tagName + ':' + Array.prototype.indexOf.call(e.parentElement.children, e));
}
const set = el.closest('fieldset');
const legend = set && set.querySelector(':scope > legend');
const style = getComputedStyle(el);
const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
const shadow = style.boxShadow && style.boxShadow !== 'none';
const r = el.getBoundingClientRect();
return {
  // The role, else what kind of input or element it is ("date").
  role: implicit(el) || (el.tagName === 'INPUT' ? (el.getAttribute('type') || 'text').toLowerCase()
                                                : el.tagName.toLowerCase()),
  name: accName(el),
  group: legend ? legend.textContent.trim() : '',
  value: el.value === undefined ? null : String(el.value),
  checked: el.checked === undefined ? null : !!el.checked,
  focus_visible: el.matches(':focus-visible'),
  indicator: outline || shadow ? (outline ? style.outlineStyle + ' ' + style.outlineWidth + ' ' + style.outlineColor : '') + (shadow ? ' shadow ' + style.boxShadow : '') : '',
  on_screen: r.bottom > 0 && r.top < window.innerHeight && r.width > 0 && r.height > 0,
  path: where.join('/'),
};
"#;

/// The focused element as `FOCUSED` describes it.
#[derive(Debug, Clone, PartialEq)]
struct Focus {
    role: String,
    name: String,
    group: String,
    value: Option<String>,
    checked: Option<bool>,
    focus_visible: bool,
    indicator: String,
    on_screen: bool,
    path: String,
}

impl Focus {
    fn from_json(v: &serde_json::Value) -> Option<Self> {
        let text = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
        v.is_object().then(|| Self {
            role: text("role"),
            name: text("name"),
            group: text("group"),
            value: v["value"].as_str().map(str::to_owned),
            checked: v["checked"].as_bool(),
            focus_visible: v["focus_visible"].as_bool().unwrap_or(false),
            indicator: text("indicator"),
            on_screen: v["on_screen"].as_bool().unwrap_or(false),
            path: text("path"),
        })
    }

    fn is(&self, role: &str, name: &str) -> bool {
        self.role == role && self.name == name
    }
}

/// The element that has the focus now (`None`: the page itself).
async fn focused(b: &Browser) -> Result<Option<Focus>> {
    let v = b
        .client
        .execute(&format!("{ACCESSIBLE_NAMES}{FOCUSED}"), vec![])
        .await?;
    Ok(Focus::from_json(&v))
}

/// Presses and releases each key in turn on whatever has the focus.
async fn press(b: &Browser, keys: &[char]) -> Result<()> {
    let mut actions = KeyActions::new("keyboard".into());
    for &k in keys {
        actions = actions
            .then(KeyAction::Down { value: k })
            .then(KeyAction::Up { value: k });
    }
    b.client.perform_actions(actions).await?;
    Ok(())
}

async fn key(b: &Browser, k: Key) -> Result<()> {
    press(b, &[k.into()]).await
}

/// Types `text` into whatever has the focus, a key at a time.
async fn type_text(b: &Browser, text: &str) -> Result<()> {
    press(b, &text.chars().collect::<Vec<_>>()).await
}

/// Fails unless the focus is shown: `:focus-visible` and a computed outline
/// or box shadow, on screen. A date field never matches `:focus-visible`
/// (Chromium focuses a part inside it); its ring must show all the same.
fn assert_visible(f: &Focus) {
    assert!(
        (f.focus_visible || f.role == "date") && !f.indicator.is_empty() && f.on_screen,
        "the focus on the {} {:?} is not visible: {f:?}",
        f.role,
        f.name
    );
}

/// Presses Tab until the focused element is the `role` named `name`;
/// fails if the focus goes round the whole page without finding it, or if
/// any stop on the way does not show the focus.
async fn tab_to(b: &Browser, role: &str, name: &str) -> Result<Focus> {
    let start = focused(b).await?;
    let mut first: Option<String> = None;
    let mut seen = Vec::new();
    if let Some(f) = &start {
        if f.is(role, name) {
            return Ok(f.clone());
        }
    }
    for _ in 0..MAX_TABS {
        key(b, Key::Tab).await?;
        let Some(f) = focused(b).await? else {
            seen.push("(page)".to_string());
            continue;
        };
        if f.is(role, name) {
            assert_visible(&f);
            return Ok(f);
        }
        // Every stop on the way shows the focus too (date fields included:
        // Chromium focuses a part inside them, which style/main.css rings
        // with `:focus-within`).
        assert_visible(&f);
        match &first {
            None => first = Some(f.path.clone()),
            Some(p) if *p == f.path => bail!(
                "Tab went round the page without reaching the {role} {name:?}; \
                 it stopped at: {seen:#?}"
            ),
            Some(_) => {}
        }
        seen.push(format!("{} {:?}", f.role, f.name));
    }
    bail!("{MAX_TABS} Tabs did not reach the {role} {name:?}; stops: {seen:#?}")
}

/// Waits until the focus is on the `role` named `name` (after an action
/// that moves it, such as adding a record) and shows there.
async fn until_focus(b: &Browser, role: &str, name: &str) -> Result<Focus> {
    until_focus_moved(b, role, name, None).await
}

/// As [`until_focus`], on an element other than `from` (two controls may
/// share a name: a record's Remove button and its confirmation).
async fn until_focus_moved(
    b: &Browser,
    role: &str,
    name: &str,
    from: Option<&Focus>,
) -> Result<Focus> {
    let deadline = Instant::now() + accord_tests::PATIENCE;
    loop {
        let f = focused(b).await?;
        if let Some(f) = &f {
            if f.is(role, name) && from.is_none_or(|from| from.path != f.path) {
                assert_visible(f);
                return Ok(f.clone());
            }
        }
        if Instant::now() > deadline {
            bail!("the focus never reached the {role} {name:?}; it is on {f:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the focused field holds `want` (what was typed went in).
async fn until_focused_value(b: &Browser, want: &str) -> Result<Focus> {
    let deadline = Instant::now() + accord_tests::PATIENCE;
    loop {
        let f = focused(b).await?;
        if let Some(f) = &f {
            if f.value.as_deref() == Some(want) {
                assert_visible(f);
                return Ok(f.clone());
            }
        }
        if Instant::now() > deadline {
            bail!("the focused field never held {want:?}; focus: {f:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits (reading the page, touching nothing) until some element matches.
async fn until_present(b: &Browser, what: &str, script: &str) -> Result<()> {
    let deadline = Instant::now() + accord_tests::PATIENCE;
    loop {
        if b.client.execute(script, vec![]).await? == json!(true) {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("{what} never appeared");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Whether a visible button reads `name`, as a script for `until_present`.
fn button_script(name: &str) -> String {
    format!(
        "return Array.from(document.querySelectorAll('button'))\
           .some(b => b.textContent.trim() === {} && b.offsetParent !== null);",
        json!(name)
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_need_is_created_and_linked_to_an_output_with_the_keyboard_alone() -> Result<()> {
    let server = TestServer::start(&[]);
    let started = server.start_engagement("Access to justice in Togo");
    let engagement = started.id.clone();
    let (assessment, programme) = (started.doc("assessment"), started.doc("programme"));
    let driver = Driver::start()?;
    let fo = driver.session().await?;
    fo.sign_in(&server).await?;

    // The assessment, by its address; from here on, only keys.
    let base = server.http_url();
    fo.goto(&format!("{base}/doc/{assessment}?engagement={engagement}"))
        .await?;
    fo.by_role("heading", "Needs assessment").await?;
    until_present(&fo, "the Add a need button", &button_script("Add a need")).await?;

    tab_to(&fo, "button", "Add a need").await?;
    fo.screenshot("keyboard-1-add-need.png").await?;
    key(&fo, Key::Enter).await?;
    // The new need's title takes the focus.
    until_focus(&fo, "textbox", "Title of the need").await?;
    type_text(&fo, NEED).await?;
    until_focused_value(&fo, NEED).await?;
    fo.screenshot("keyboard-2-need-title.png").await?;
    // Tab moves on through the need's own fields, in reading order.
    key(&fo, Key::Tab).await?;
    let next = focused(&fo).await?.context("focus left the page")?;
    assert_visible(&next);
    assert!(
        next.name.contains("Description") || next.role == "button",
        "after the need's title the focus went to {next:?}"
    );

    // A second need, removed again: the focus goes to its confirmation,
    // Escape keeps the need, and once it is gone the focus stays in the list.
    tab_to(&fo, "button", "Add a need").await?;
    key(&fo, Key::Enter).await?;
    until_focus(&fo, "textbox", "Title of the need").await?;
    let remove = tab_to(&fo, "button", "Remove need 2").await?;
    key(&fo, Key::Enter).await?;
    let confirm = until_focus_moved(&fo, "button", "Remove need 2", Some(&remove)).await?;
    fo.screenshot("keyboard-2b-confirm-removal.png").await?;
    key(&fo, Key::Escape).await?;
    let back = until_focus_moved(&fo, "button", "Remove need 2", Some(&confirm)).await?;
    assert_eq!(
        back.path, remove.path,
        "Escape went back to the Remove button"
    );
    key(&fo, Key::Enter).await?;
    until_focus_moved(&fo, "button", "Remove need 2", Some(&remove)).await?;
    key(&fo, Key::Enter).await?;
    until_focus(&fo, "button", "Add a need").await?;
    let titles = fo
        .client
        .execute(
            "return Array.from(document.querySelectorAll('input[id^=\"f-needs-\"][id$=\"-title\"]'))\
               .map(e => e.value);",
            vec![],
        )
        .await?;
    assert_eq!(titles, json!([NEED]), "only the first need is left");

    // The programme, by its address: an outcome, an output, and the need.
    fo.goto(&format!("{base}/doc/{programme}?engagement={engagement}"))
        .await?;
    fo.by_role("heading", "Assistance programme").await?;
    until_present(
        &fo,
        "the Add an outcome button",
        &button_script("Add an outcome"),
    )
    .await?;

    tab_to(&fo, "button", "Add an outcome").await?;
    key(&fo, Key::Enter).await?;
    until_focus(&fo, "textbox", "Outcome").await?;
    type_text(&fo, OUTCOME).await?;
    until_focused_value(&fo, OUTCOME).await?;

    tab_to(&fo, "button", "Add an output").await?;
    fo.screenshot("keyboard-3-add-output.png").await?;
    key(&fo, Key::Enter).await?;
    until_focus(&fo, "textbox", "Output").await?;
    type_text(&fo, OUTPUT).await?;
    until_focused_value(&fo, OUTPUT).await?;

    // The output's needs checklist comes next; the need is a checkbox in it.
    let need = tab_to(&fo, "checkbox", NEED).await?;
    assert_eq!(
        need.group, "Needs this output addresses",
        "the first checkbox after the output's title is the output's own: {need:?}"
    );
    assert_eq!(need.checked, Some(false));
    key(&fo, Key::Space).await?;
    let deadline = Instant::now() + accord_tests::PATIENCE;
    loop {
        let f = focused(&fo).await?.context("focus left the page")?;
        assert!(f.is("checkbox", NEED), "Space moved the focus: {f:?}");
        assert_visible(&f);
        if f.checked == Some(true) {
            break;
        }
        if Instant::now() > deadline {
            bail!("Space did not tick the need: {f:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    fo.screenshot("keyboard-4-need-ticked.png").await?;

    // The server holds it: the output addresses the need.
    let mut peer = Peer::connect(&server.ws_url(), &server.token).await?;
    for id in [assessment, programme] {
        peer.follow(id);
        peer.push(id).await?;
    }
    peer.until("the output addresses the need", |p| {
        let need = docs::open::<Assessment>(p.doc(assessment))
            .ok()
            .and_then(|a| {
                a.needs
                    .iter()
                    .find(|(_, n)| n.title.as_str() == NEED)
                    .map(|(id, _)| id.clone())
            });
        let Some(need) = need else { return false };
        docs::open::<Programme>(p.doc(programme)).is_ok_and(|prog| {
            prog.outcomes.values().any(|o| {
                o.title.as_str() == OUTCOME
                    && o.outputs.values().any(|out| {
                        out.title.as_str() == OUTPUT && out.needs.get(&need) == Some(&true)
                    })
            })
        })
    })
    .await?;

    // And the traceability view says so.
    fo.goto(&format!("{base}/engagement/{engagement}/trace"))
        .await?;
    fo.by_role("heading", "Traceability").await?;
    fo.until_css(".trace-need dd li", "the output under the need", |t| {
        t == format!("{OUTCOME} › {OUTPUT}")
    })
    .await?;

    fo.close().await?;
    Ok(())
}
