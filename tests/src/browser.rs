//! Headless Chromium over WebDriver, with elements found by role and accessible name.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder};
use serde_json::json;

/// A chromedriver process; one per test, killed on drop.
pub struct Driver {
    child: Child,
    pub port: u16,
}

impl Driver {
    pub fn start() -> Result<Self> {
        let port = crate::server::free_port();
        let child = Command::new(chromedriver())
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting chromedriver (install chromium-driver; make test does)")?;
        let deadline = Instant::now() + crate::PATIENCE;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                bail!("chromedriver did not start");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(Self { child, port })
    }

    /// A new browser session with its own fresh profile.
    pub async fn session(&self) -> Result<Browser> {
        let profile = tempfile::tempdir()?;
        let caps = json!({
            "goog:chromeOptions": {
                "binary": chromium(),
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--window-size=1200,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        });
        let caps = match caps {
            serde_json::Value::Object(map) => map,
            _ => unreachable!(),
        };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .context("opening a Chromium session")?;
        Ok(Browser {
            client,
            _profile: profile,
        })
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn chromedriver() -> String {
    std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into())
}

fn chromium() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
}

/// One browser tab's session.
pub struct Browser {
    pub client: Client,
    _profile: tempfile::TempDir,
}

/// The role and accessible name of an element the way assistive technology
/// would find them, as two JavaScript functions: `implicit(el)` (explicit
/// `role`, or the element's implicit role; `null` if none of those used
/// here) and `accName(el)` (`aria-label`, `aria-labelledby`, a `<label>`,
/// or the text content). Prefix a script with it to use them.
pub const ACCESSIBLE_NAMES: &str = r#"
const implicit = (el) => {
  const t = el.tagName.toLowerCase();
  if (el.getAttribute('role')) return el.getAttribute('role');
  if (t === 'button') return 'button';
  if (t === 'a' && el.hasAttribute('href')) return 'link';
  if (t === 'textarea') return 'textbox';
  if (t === 'input') {
    const ty = (el.getAttribute('type') || 'text').toLowerCase();
    if (['text','search','email','url','tel',''].includes(ty)) return 'textbox';
    if (ty === 'button' || ty === 'submit') return 'button';
    if (ty === 'checkbox') return 'checkbox';
    if (ty === 'radio') return 'radio';
  }
  if (t === 'select') return 'combobox';
  if (t === 'article') return 'article';
  if (t === 'ul' || t === 'ol') return 'list';
  if (/^h[1-6]$/.test(t)) return 'heading';
  return null;
};
const accName = (el) => {
  if (el.getAttribute('aria-label')) return el.getAttribute('aria-label').trim();
  if (el.getAttribute('aria-labelledby')) {
    return el.getAttribute('aria-labelledby').split(/\s+/)
      .map(id => document.getElementById(id)).filter(Boolean)
      .map(e => e.textContent.trim()).join(' ');
  }
  if (el.labels && el.labels.length) return Array.from(el.labels).map(l => l.textContent.trim()).join(' ');
  return (el.textContent || el.value || '').trim();
};
"#;

/// Finds elements by ARIA role and accessible name (after [`ACCESSIBLE_NAMES`]).
const FIND_BY_ROLE: &str = r#"
const [role, name] = arguments;
const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
return Array.from(document.querySelectorAll('*'))
  .filter(el => implicit(el) === role && visible(el) && (name === null || accName(el) === name));
"#;

impl Browser {
    pub async fn goto(&self, url: &str) -> Result<()> {
        self.client.goto(url).await?;
        Ok(())
    }

    /// The element with this role and accessible name, waiting for it to appear.
    pub async fn by_role(&self, role: &str, name: &str) -> Result<Element> {
        let deadline = Instant::now() + crate::PATIENCE;
        loop {
            let found = self
                .client
                .execute(
                    &format!("{ACCESSIBLE_NAMES}{FIND_BY_ROLE}"),
                    vec![json!(role), json!(name)],
                )
                .await?;
            if let Some(first) = found.as_array().and_then(|a| a.first()) {
                return Ok(Element::from_element_id(
                    self.client.clone(),
                    element_id(first)?,
                ));
            }
            if Instant::now() > deadline {
                bail!("no {role} named {name:?} appeared");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The text of the page's `status` region (the connection indicator).
    pub async fn status_text(&self) -> Result<String> {
        let v = self
            .client
            .execute(
                "const s = document.querySelector('[role=status]'); return s ? s.textContent.trim() : '';",
                vec![],
            )
            .await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    /// Waits until the connection indicator's text satisfies `pred`.
    pub async fn until_status(&self, what: &str, pred: impl Fn(&str) -> bool) -> Result<String> {
        let deadline = Instant::now() + crate::PATIENCE;
        loop {
            let s = self.status_text().await?;
            if pred(&s) {
                return Ok(s);
            }
            if Instant::now() > deadline {
                bail!("connection indicator never showed {what}; last: {s:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The current value of a text field.
    pub async fn value(&self, el: &Element) -> Result<String> {
        Ok(el.prop("value").await?.unwrap_or_default())
    }

    /// Waits until the textbox named `name` holds `want`; returns how long it took.
    pub async fn until_value(&self, name: &str, want: &str) -> Result<Duration> {
        let start = Instant::now();
        let deadline = start + crate::PATIENCE;
        loop {
            let el = self.by_role("textbox", name).await?;
            let v = self.value(&el).await?;
            if v == want {
                return Ok(start.elapsed());
            }
            if Instant::now() > deadline {
                bail!("textbox {name:?} never held {want:?}; last: {v:?}");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    pub async fn screenshot(&self, file: &str) -> Result<()> {
        let png = self.client.screenshot().await?;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts");
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(file), png)?;
        Ok(())
    }

    pub async fn close(self) -> Result<()> {
        self.client
            .close()
            .await
            .map_err(|e| anyhow!("closing the session: {e}"))
    }
}

fn element_id(v: &serde_json::Value) -> Result<fantoccini::elements::ElementRef> {
    let id = v
        .as_object()
        .and_then(|o| o.values().next())
        .and_then(|x| x.as_str())
        .ok_or_else(|| anyhow!("not an element reference: {v}"))?;
    Ok(fantoccini::elements::ElementRef::from(id.to_owned()))
}

impl Browser {
    /// Signs in through the sign-in page as the server's field officer.
    pub async fn sign_in(&self, server: &crate::TestServer) -> Result<()> {
        self.sign_in_as(
            server,
            crate::server::OFFICER_EMAIL,
            crate::server::OFFICER_PASSWORD,
        )
        .await
    }

    pub async fn sign_in_as(
        &self,
        server: &crate::TestServer,
        email: &str,
        password: &str,
    ) -> Result<()> {
        self.sign_in_at(&server.http_url(), email, password).await
    }

    /// Signs in on the server at `base` (e.g. `http://127.0.0.1:8080`).
    pub async fn sign_in_at(&self, base: &str, email: &str, password: &str) -> Result<()> {
        self.goto(&format!("{base}/login")).await?;
        self.by_role("textbox", "Email")
            .await?
            .send_keys(email)
            .await?;
        self.by_role_any("Password")
            .await?
            .send_keys(password)
            .await?;
        self.by_role("button", "Sign in").await?.click().await?;
        // Signed in: the home page's first action is there.
        self.by_role("button", "New document").await?;
        Ok(())
    }

    /// A password field has no ARIA role; find it by its label.
    async fn by_role_any(&self, label: &str) -> Result<Element> {
        let deadline = Instant::now() + crate::PATIENCE;
        loop {
            let found = self
                .client
                .execute(
                    "return Array.from(document.querySelectorAll('input')).filter(el => \
                     el.labels && Array.from(el.labels).some(l => l.textContent.trim() === arguments[0]));",
                    vec![json!(label)],
                )
                .await?;
            if let Some(first) = found.as_array().and_then(|a| a.first()) {
                return Ok(Element::from_element_id(
                    self.client.clone(),
                    element_id(first)?,
                ));
            }
            if Instant::now() > deadline {
                bail!("no field labelled {label:?} appeared");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Browser {
    /// The trimmed text of the first visible element matching `css` ("" if none).
    pub async fn text(&self, css: &str) -> Result<String> {
        let v = self
            .client
            .execute(
                "const el = Array.from(document.querySelectorAll(arguments[0]))\
                   .find(e => e.offsetWidth || e.offsetHeight || e.getClientRects().length);\
                 return el ? el.textContent.trim() : '';",
                vec![json!(css)],
            )
            .await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    /// Waits until the first element matching `css` reads `want`; returns how long it took.
    pub async fn until_text(&self, css: &str, want: &str) -> Result<Duration> {
        let start = Instant::now();
        let deadline = start + crate::PATIENCE;
        loop {
            let text = self.text(css).await?;
            if text == want {
                return Ok(start.elapsed());
            }
            if Instant::now() > deadline {
                bail!("{css:?} never read {want:?}; last: {text:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Chooses the option labelled `option` in the select named `name`, as a person would.
    pub async fn choose(&self, name: &str, option: &str) -> Result<()> {
        let select = self.by_role("combobox", name).await?;
        let chosen = self
            .client
            .execute(
                "const [el, label] = arguments;\
                 const opt = Array.from(el.options).find(o => o.textContent.trim() === label);\
                 if (!opt) return false;\
                 el.focus(); el.value = opt.value;\
                 el.dispatchEvent(new Event('input', {bubbles: true}));\
                 el.dispatchEvent(new Event('change', {bubbles: true}));\
                 return true;",
                vec![serde_json::to_value(&select)?, json!(option)],
            )
            .await?;
        if chosen != json!(true) {
            bail!("the select {name:?} has no option {option:?}");
        }
        Ok(())
    }
}
