//! Form work in the browser as a person does it: the control labelled so in
//! one record of a list, a checkbox in a named group, a date as the picker
//! sets it, and waits for what the page says.
//!
//! Records of a list are `<li class="record" id="f-…">` under a section
//! labelled by the list's heading `f-<path>-heading`; a list of a list has
//! the path of its parent record in its id (`f-outcomes-<id>-outputs`).

use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use fantoccini::elements::{Element, ElementRef};
use serde_json::{json, Value};

use crate::browser::Browser;

/// Ids of the records of the list whose DOM id is `list`, in order.
const ROWS: &str = "return Array.from(document.querySelectorAll(\
    `section[aria-labelledby=\"${arguments[0]}-heading\"] > ol > li.record`)).map(li => li.id);";

/// The control (input, select, textarea) labelled `label` inside `#scope`.
const CONTROL_IN: &str = "const [scope, label] = arguments;\
    const root = scope ? document.getElementById(scope) : document;\
    if (!root) return null;\
    return Array.from(root.querySelectorAll('input, select, textarea'))\
      .find(el => el.labels && Array.from(el.labels)\
        .some(l => l.textContent.trim() === label)) || null;";

/// The checkbox labelled `name` in the fieldset whose legend reads `group`.
const CHECKBOX_IN: &str = "const [group, name] = arguments;\
    const set = Array.from(document.querySelectorAll('fieldset'))\
      .find(f => f.querySelector(':scope > legend')?.textContent.trim() === group);\
    if (!set) return null;\
    return Array.from(set.querySelectorAll('input[type=checkbox]'))\
      .find(e => e.labels && Array.from(e.labels).some(l => l.textContent.trim() === name)) || null;";

/// Sets a select or date input as a person's choice would, with its events.
const SET_VALUE: &str = "let [el, value, byLabel] = arguments;\
    if (byLabel) {\
      const opt = Array.from(el.options).find(o => o.textContent.trim() === value);\
      if (!opt) return false;\
      value = opt.value;\
    }\
    el.focus(); el.value = value;\
    el.dispatchEvent(new Event('input', {bubbles: true}));\
    el.dispatchEvent(new Event('change', {bubbles: true}));\
    return true;";

/// The text of every visible element matching `css`.
const TEXTS: &str = "return Array.from(document.querySelectorAll(arguments[0]))\
    .filter(e => e.offsetWidth || e.offsetHeight || e.getClientRects().length)\
    .map(e => e.textContent.trim());";

fn as_element(b: &Browser, v: &Value) -> Option<Element> {
    let id = v.as_object()?.values().next()?.as_str()?;
    Some(Element::from_element_id(
        b.client.clone(),
        ElementRef::from(id.to_owned()),
    ))
}

impl Browser {
    /// Polls `find` until it returns an element or patience runs out.
    async fn wait_for(&self, what: &str, script: &str, args: Vec<Value>) -> Result<Element> {
        let deadline = Instant::now() + crate::PATIENCE;
        loop {
            let found = self.client.execute(script, args.clone()).await?;
            if let Some(el) = as_element(self, &found) {
                return Ok(el);
            }
            if Instant::now() > deadline {
                bail!("{what} never appeared");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The DOM id of the last record of the list `list` (e.g. `f-needs`).
    pub async fn last_row(&self, list: &str) -> Result<String> {
        let ids = self.client.execute(ROWS, vec![json!(list)]).await?;
        ids.as_array()
            .and_then(|a| a.last())
            .and_then(|v| v.as_str())
            .map(str::to_owned)
            .with_context(|| format!("no record in the list {list}"))
    }

    /// The DOM id of the last record of the list inside `#scope` whose
    /// path ends in `list` (e.g. the outputs of one outcome).
    pub async fn last_row_in(&self, scope: &str, list: &str) -> Result<String> {
        let ids = self
            .client
            .execute(
                "const [scope, list] = arguments;\
                 return Array.from(document.querySelectorAll(\
                   `#${scope} section[aria-labelledby$=\"-${list}-heading\"] > ol > li.record`))\
                   .map(li => li.id);",
                vec![json!(scope), json!(list)],
            )
            .await?;
        ids.as_array()
            .and_then(|a| a.last())
            .and_then(|v| v.as_str())
            .map(str::to_owned)
            .with_context(|| format!("no record in the {list} of #{scope}"))
    }

    /// Waits until the control labelled `label` in `#scope` holds `want`.
    pub async fn until_value_in(&self, scope: &str, label: &str, want: &str) -> Result<Duration> {
        let start = Instant::now();
        loop {
            let el = self.control_in(scope, label).await?;
            let v = self.value(&el).await?;
            if v == want {
                return Ok(start.elapsed());
            }
            if start.elapsed() > crate::PATIENCE {
                bail!("{label:?} in #{scope} never held {want:?}; last: {v:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The control labelled `label` inside the element `#scope` (a record).
    pub async fn control_in(&self, scope: &str, label: &str) -> Result<Element> {
        self.wait_for(
            &format!("a control labelled {label:?} in #{scope}"),
            CONTROL_IN,
            vec![json!(scope), json!(label)],
        )
        .await
    }

    /// Chooses the option labelled `option` of the select labelled `label` in `#scope`.
    pub async fn choose_in(&self, scope: &str, label: &str, option: &str) -> Result<()> {
        let select = self.control_in(scope, label).await?;
        let chosen = self
            .client
            .execute(
                SET_VALUE,
                vec![serde_json::to_value(&select)?, json!(option), json!(true)],
            )
            .await?;
        if chosen != json!(true) {
            bail!("the select {label:?} has no option {option:?}");
        }
        Ok(())
    }

    /// Sets the date field labelled `label` (first on the page) to `date`.
    pub async fn set_date(&self, label: &str, date: &str) -> Result<()> {
        let input = self
            .wait_for(
                &format!("a date field labelled {label:?}"),
                CONTROL_IN,
                vec![json!(null), json!(label)],
            )
            .await?;
        self.client
            .execute(
                SET_VALUE,
                vec![serde_json::to_value(&input)?, json!(date), json!(false)],
            )
            .await?;
        Ok(())
    }

    /// The checkbox labelled `name` in the group (fieldset) whose legend is `group`.
    pub async fn checkbox_in(&self, group: &str, name: &str) -> Result<Element> {
        self.wait_for(
            &format!("a checkbox {name:?} in the group {group:?}"),
            CHECKBOX_IN,
            vec![json!(group), json!(name)],
        )
        .await
    }

    /// The text of every visible element matching `css`.
    pub async fn texts(&self, css: &str) -> Result<Vec<String>> {
        let v = self.client.execute(TEXTS, vec![json!(css)]).await?;
        Ok(serde_json::from_value(v)?)
    }

    /// Waits until the first visible element matching `css` satisfies `want`;
    /// its text. The failure names `what` was awaited and the last text seen.
    pub async fn until_css(
        &self,
        css: &str,
        what: &str,
        want: impl Fn(&str) -> bool,
    ) -> Result<String> {
        let deadline = Instant::now() + crate::PATIENCE;
        loop {
            let text = self.text(css).await?;
            if want(&text) {
                return Ok(text);
            }
            if Instant::now() > deadline {
                bail!("{css:?} never read {what}; last: {text:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The attribute `name` of every element matching `css` ("" where absent).
    pub async fn attrs(&self, css: &str, name: &str) -> Result<Vec<String>> {
        let v = self
            .client
            .execute(
                "return Array.from(document.querySelectorAll(arguments[0]))\
                   .map(e => e.getAttribute(arguments[1]) || '');",
                vec![json!(css), json!(name)],
            )
            .await?;
        Ok(serde_json::from_value(v)?)
    }

    /// The label of the option a select shows.
    pub async fn selected_text(&self, select: &fantoccini::elements::Element) -> Result<String> {
        let v = self
            .client
            .execute(
                "const el = arguments[0]; const o = el.options[el.selectedIndex];\
                 return o ? o.textContent.trim() : '';",
                vec![serde_json::to_value(select)?],
            )
            .await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    /// Waits until exactly `want` visible elements match `css`; their texts.
    pub async fn until_count(&self, css: &str, want: usize) -> Result<Vec<String>> {
        let deadline = Instant::now() + crate::PATIENCE;
        loop {
            let found = self.texts(css).await?;
            if found.len() == want {
                return Ok(found);
            }
            if Instant::now() > deadline {
                bail!(
                    "{css:?} matched {} elements, not {want}: {found:?}",
                    found.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until nothing visible matching `css` has text (a message has gone).
    pub async fn until_gone(&self, css: &str) -> Result<Duration> {
        let start = Instant::now();
        loop {
            let text = self.text(css).await?;
            if text.is_empty() {
                return Ok(start.elapsed());
            }
            if start.elapsed() > crate::PATIENCE {
                bail!("{css:?} still reads {text:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The whole page, as tall as it is, kept as a test artefact (and in /tmp).
    pub async fn full_page(&self, file: &str) -> Result<()> {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let height = self
            .client
            .execute("return document.documentElement.scrollHeight;", vec![])
            .await?
            .as_u64()
            .unwrap_or(900)
            .clamp(900, 9000);
        self.client.set_window_size(1200, height as u32).await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        self.screenshot(file).await?;
        let png = self.client.screenshot().await?;
        std::fs::write(std::env::temp_dir().join(file), png)?;
        self.client.set_window_size(1200, 900).await?;
        Ok(())
    }
}
