//! Accessibility (issue 9): axe-core, the npm package in tests/node, runs in
//! headless Chromium on every main page of the app, each seen by the role
//! that works on it, against the demo engagement the server seeds on a
//! first start (a whole cycle: request, assessment with needs, consultations
//! with a confidential party, programme, evaluation, two submissions). Every
//! violation of WCAG 2.0/2.1 A and AA is printed; the test fails on any
//! whose impact is "serious" or "critical".
//!
//! `cargo test -p accord-tests --test accessibility -- --nocapture`

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use accord_tests::browser::{Browser, Driver};
use accord_tests::server::{accord_bin, dist_dir, free_port};
use accord_tests::TestServer;
use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

/// The demo's accounts and their shared password (server/src/seed.rs).
const OFFICER: &str = "officer@demo.accord";
const HQ: &str = "hq@demo.accord";
const NGO: &str = "ngo@demo.accord";
const DEMO_PASSWORD: &str = "accord-demo-password";
const ADMIN: &str = "admin@accord.test";
const ADMIN_PASSWORD: &str = "an administrator's passphrase";

const TAGS: [&str; 4] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const FAILING: [&str; 2] = ["serious", "critical"];

/// Runs axe on the page as it stands; the violations as axe reports them,
/// trimmed to what a person fixing them needs.
const RUN_AXE: &str = r#"
const [tags, done] = [arguments[0], arguments[arguments.length - 1]];
axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations', 'incomplete'] })
  .then(r => done({
    incomplete: r.incomplete.map(v => {
      const why = {};
      v.nodes.forEach(n => { const k = ((n.any[0] || {}).data || {}).messageKey || 'unknown'; why[k] = (why[k] || 0) + 1; });
      const eg = v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' ; ');
      return `${v.id} x${v.nodes.length} (${Object.entries(why).map(([k, c]) => k + ' ' + c).join(', ')}; e.g. ${eg})`;
    }),
    violations: r.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map(n => ({
        target: n.target.map(t => Array.isArray(t) ? t.join(' >> ') : String(t)).join(' | '),
        summary: (n.failureSummary || '').replace(/\s+/g, ' ').trim(),
        html: n.html.slice(0, 160),
      })),
  })) }))
  .catch(e => done({ error: String(e && e.stack || e) }));
"#;

/// A page's violations of one rule.
struct Finding {
    page: String,
    id: String,
    impact: String,
    help: String,
    targets: Vec<String>,
}

struct Audit {
    axe: String,
    findings: Vec<Finding>,
    pages: Vec<String>,
}

impl Audit {
    fn new() -> Result<Self> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("node/node_modules/axe-core/axe.min.js");
        let axe = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "reading {} (npm install --prefix tests/node; make test does)",
                path.display()
            )
        })?;
        Ok(Self {
            axe,
            findings: Vec::new(),
            pages: Vec::new(),
        })
    }

    /// Opens `url` and checks the page, as [`Audit::check`].
    async fn visit(&mut self, b: &Browser, url: &str, page: &str, ready: &str) -> Result<()> {
        b.goto(url).await?;
        self.check(b, page, ready).await
    }

    /// Waits for `ready` (a CSS selector) and for the page to settle, then runs axe.
    async fn check(&mut self, b: &Browser, page: &str, ready: &str) -> Result<()> {
        settle(b, page, ready).await?;
        // Through WebDriver, not a <script> element: the app's CSP allows no injected script.
        let loaded = b
            .client
            .execute(
                &format!(
                    "{}\n;return typeof window.axe === 'object' && typeof window.axe.run === 'function';",
                    self.axe
                ),
                vec![],
            )
            .await?;
        if loaded != json!(true) {
            bail!("axe-core did not load on {page}");
        }
        let out = b
            .client
            .execute_async(RUN_AXE, vec![json!(TAGS)])
            .await
            .with_context(|| format!("running axe on {page}"))?;
        if let Some(error) = out.get("error") {
            bail!("axe failed on {page}: {error}");
        }
        let violations = out["violations"].as_array().cloned().unwrap_or_default();
        println!("\n== {page}: {} rule(s) violated", violations.len());
        let undecided: Vec<&str> = out["incomplete"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if !undecided.is_empty() {
            // Not failures: what axe could not decide alone (e.g. text over a gradient).
            println!("  for a person to review: {}", undecided.join(", "));
        }
        for v in &violations {
            let text = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
            let nodes = v["nodes"].as_array().cloned().unwrap_or_default();
            println!(
                "  [{}] {}: {} ({} element(s)) {}",
                text("impact"),
                text("id"),
                text("help"),
                nodes.len(),
                text("helpUrl")
            );
            for n in &nodes {
                println!("      - {}", n["target"].as_str().unwrap_or_default());
                println!("        {}", n["html"].as_str().unwrap_or_default());
                println!("        {}", n["summary"].as_str().unwrap_or_default());
            }
            self.findings.push(Finding {
                page: page.to_owned(),
                id: text("id"),
                impact: text("impact"),
                help: text("help"),
                targets: nodes
                    .iter()
                    .map(|n| n["target"].as_str().unwrap_or_default().to_owned())
                    .collect(),
            });
        }
        self.pages.push(page.to_owned());
        Ok(())
    }

    /// Proves the check can fail: axe, loaded as for a page, must find a
    /// nameless button (critical) and grey-on-white text (serious) in a
    /// fragment added for the purpose, which is then removed. (Styles set
    /// through the DOM: the app's CSP refuses inline style attributes.)
    async fn canary(&self, b: &Browser) -> Result<()> {
        b.client
            .execute(&format!("{}\n;return true;", self.axe), vec![])
            .await?;
        let out = b
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];\
                 const c = document.createElement('div'); c.id = 'axe-canary';\
                 c.innerHTML = '<button type=\"button\"></button>\
<p>faint</p>';\
                 const p = c.querySelector('p'); p.style.color = '#bbb'; p.style.background = '#fff';\
                 document.body.prepend(c);\
                 axe.run('#axe-canary', { runOnly: { type: 'tag', values: arguments[0] } })\
                   .then(r => { c.remove(); done(r.violations.map(v => [v.id, v.impact])); })\
                   .catch(e => { c.remove(); done(String(e)); });",
                vec![json!(TAGS)],
            )
            .await?;
        for want in [
            json!(["button-name", "critical"]),
            json!(["color-contrast", "serious"]),
        ] {
            if !out.as_array().is_some_and(|a| a.contains(&want)) {
                bail!("axe did not report {want} in the canary: {out}");
            }
        }
        Ok(())
    }

    /// Fails listing every serious or critical violation.
    fn verdict(&self) -> Result<()> {
        println!("\n== axe-core checked {} pages:", self.pages.len());
        for p in &self.pages {
            println!("  {p}");
        }
        let failing: Vec<&Finding> = self
            .findings
            .iter()
            .filter(|f| FAILING.contains(&f.impact.as_str()))
            .collect();
        let other = self.findings.len() - failing.len();
        println!(
            "== {} serious or critical, {other} minor or moderate violation(s)",
            failing.len()
        );
        if failing.is_empty() {
            return Ok(());
        }
        let list: Vec<String> = failing
            .iter()
            .map(|f| {
                format!(
                    "{}: [{}] {} ({}) at {}",
                    f.page,
                    f.impact,
                    f.id,
                    f.help,
                    f.targets.join(", ")
                )
            })
            .collect();
        bail!(
            "{} serious or critical accessibility violation(s):\n{}",
            failing.len(),
            list.join("\n")
        )
    }
}

/// Waits until `ready` matches a visible element and nothing says it is
/// still loading (`aria-busy`), then a moment for late rendering.
async fn settle(b: &Browser, page: &str, ready: &str) -> Result<()> {
    // Twice the usual patience: a big document on a busy machine.
    let deadline = Instant::now() + 2 * accord_tests::PATIENCE;
    loop {
        let state = b
            .client
            .execute(
                "const vis = e => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);\
                 const ready = Array.from(document.querySelectorAll(arguments[0])).some(vis);\
                 const busy = Array.from(document.querySelectorAll('[aria-busy=true]')).filter(vis)\
                   .map(e => e.outerHTML.slice(0, 120));\
                 return { ready, busy };",
                vec![json!(ready)],
            )
            .await?;
        let busy = state["busy"].as_array().cloned().unwrap_or_default();
        if state["ready"] == json!(true) && busy.is_empty() {
            break;
        }
        if Instant::now() > deadline {
            let path = b.client.current_url().await?.path().to_owned();
            bail!(
                "{page} ({path}) never settled: {ready:?} shown: {}; still busy: {busy:?}",
                state["ready"]
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(1200)).await;
    Ok(())
}

/// What sticks out of the window sideways (WCAG 1.4.10, reflow; axe does not
/// check it): the page's scroll width and the outermost elements past the edge.
async fn wider_than_window(b: &Browser) -> Result<String> {
    let v = b
        .client
        .execute(
            "const w = document.documentElement.clientWidth;\
             const out = Array.from(document.querySelectorAll('body *')).filter(e => {\
               const r = e.getBoundingClientRect();\
               if (r.width === 0 || r.right <= w + 1) return false;\
               const p = e.parentElement.getBoundingClientRect();\
               return p.right <= w + 1;\
             }).map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.') : '')\
               + (e.id ? '#' + e.id : '') + ' right ' + Math.round(e.getBoundingClientRect().right));\
             return `scroll width ${document.documentElement.scrollWidth} of ${w}: ` + out.slice(0, 12).join('; ');",
            vec![],
        )
        .await?;
    Ok(v.as_str().unwrap_or_default().to_owned())
}

/// Signs in through the sign-in page and waits to leave it.
async fn sign_in(b: &Browser, base: &str, email: &str, password: &str) -> Result<()> {
    b.goto(&format!("{base}/login")).await?;
    b.by_role("textbox", "Email")
        .await?
        .send_keys(email)
        .await?;
    let password_field = b
        .client
        .find(fantoccini::Locator::Css("input[type=password]"))
        .await?;
    password_field.send_keys(password).await?;
    b.by_role("button", "Sign in").await?.click().await?;
    let deadline = Instant::now() + accord_tests::PATIENCE;
    while b.client.current_url().await?.path() == "/login" {
        if Instant::now() > deadline {
            bail!("{email} could not sign in");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

/// A data directory holding what the server seeds on a first start: the
/// demo accounts and engagement (the test server itself starts with `--no-seed`).
fn seeded_data() -> Result<tempfile::TempDir> {
    let tmp = tempfile::tempdir()?;
    let port = free_port();
    let mut child = Command::new(accord_bin())
        .arg("serve")
        .arg("--addr")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data")
        .arg(tmp.path())
        .arg("--dist")
        .arg(dist_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting the accord binary to seed the demo")?;
    // The demo is written before the server listens: healthy means seeded.
    let deadline = Instant::now() + accord_tests::PATIENCE;
    let healthy = loop {
        let up = accord_tests::server::http_get(port, "/healthz", &[])
            .map(|r| r.status == 200)
            .unwrap_or(false);
        if up || Instant::now() > deadline {
            break up;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = child.kill();
    let _ = child.wait();
    if !healthy {
        bail!("the seeding server did not become healthy");
    }
    Ok(tmp)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_main_page_passes_axe_without_serious_violations() -> Result<()> {
    let data = seeded_data()?;
    let mut server = TestServer::start_on(data.path().to_owned(), "", &[]);
    server.token = server.create_token(OFFICER);
    server.add_user(ADMIN, "Ada Admin", "admin", ADMIN_PASSWORD);
    let base = server.http_url();

    // The demo engagement and its documents, as the officer's dashboard lists them.
    let (status, list) = server.api(&server.token, "GET", "/api/engagements", None);
    assert_eq!(status, 200, "{list}");
    let engagement = &list[0];
    let id = engagement["id"]
        .as_str()
        .context("an engagement")?
        .to_owned();
    let doc = |kind: &str| -> Result<String> {
        engagement["documents"][kind]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .with_context(|| format!("the demo has no {kind}: {engagement}"))
    };
    let (request, assessment, consultations, parties, programme) = (
        doc("request")?,
        doc("assessment")?,
        doc("consultations")?,
        doc("parties")?,
        doc("programme")?,
    );
    let evaluation = engagement["evaluations"][0]["id"]
        .as_str()
        .context("the demo's evaluation")?
        .to_owned();
    let (status, link) = server.api(
        &server.token,
        "POST",
        &format!("/api/engagements/{id}/submission-links"),
        Some(&json!({ "label": "Kara community meeting", "days": 7 })),
    );
    assert_eq!(status, 201, "{link}");
    let link_path = link["path"].as_str().context("link path")?.to_owned();

    let driver = Driver::start()?;
    let mut audit = Audit::new()?;

    // Signed out: the sign-in page, and the consent page of a submission link.
    let b = driver.session().await?;
    audit
        .visit(
            &b,
            &format!("{base}/login"),
            "sign-in page (/login)",
            "form",
        )
        .await?;
    audit.canary(&b).await?;
    audit
        .visit(
            &b,
            &format!("{base}{link_path}"),
            "consent page (/submit/:token)",
            "form.consent-form",
        )
        .await?;
    b.screenshot("a11y-consent.png").await?;
    // Consent given: the person's own submission.
    b.by_role("checkbox", "I agree").await?.click().await?;
    b.by_role("button", "Start my submission")
        .await?
        .click()
        .await?;
    audit
        .check(
            &b,
            "a contributor's submission (/doc/:submission, individual)",
            ".doc-columns textarea",
        )
        .await?;
    b.close().await?;

    // The field officer: the dashboard, the engagement and each of its documents.
    let b = driver.session().await?;
    sign_in(&b, &base, OFFICER, DEMO_PASSWORD).await?;
    audit
        .visit(
            &b,
            &format!("{base}/"),
            "dashboard (/, field officer)",
            "a[href^='/engagement/']",
        )
        .await?;
    b.screenshot("a11y-dashboard.png").await?;
    // The new-engagement form, sent empty: its error shown.
    b.by_role("button", "New engagement").await?.click().await?;
    b.by_role("button", "Create engagement")
        .await?
        .click()
        .await?;
    audit
        .check(
            &b,
            "dashboard, new-engagement form with its error (/)",
            "#new-engagement [role=alert], #new-engagement [aria-invalid=true]",
        )
        .await?;
    audit
        .visit(
            &b,
            &format!("{base}/engagement/{id}"),
            "engagement page (/engagement/:id)",
            ".doc-links a",
        )
        .await?;
    audit
        .visit(
            &b,
            &format!("{base}/engagement/{id}/trace"),
            "traceability (/engagement/:id/trace)",
            ".trace-need",
        )
        .await?;
    audit
        .visit(
            &b,
            &format!("{base}/engagement/{id}/submissions"),
            "submissions inbox (/engagement/:id/submissions)",
            ".inbox__list",
        )
        .await?;
    // A submission link made: the new link and its copy button.
    b.client
        .find(fantoccini::Locator::Css(".links__form input"))
        .await?
        .send_keys("Lilongwe hearing")
        .await?;
    b.by_role("button", "Create link").await?.click().await?;
    audit
        .check(&b, "inbox with a new submission link", ".new-link")
        .await?;
    for (name, doc) in [
        ("request editor", &request),
        ("assessment editor", &assessment),
        ("consultations register", &consultations),
        ("confidential parties", &parties),
        ("programme editor", &programme),
        ("evaluation editor", &evaluation),
    ] {
        audit
            .visit(
                &b,
                &format!("{base}/doc/{doc}?engagement={id}"),
                &format!("{name} (/doc/:id, field officer)"),
                ".doc-columns",
            )
            .await?;
    }
    // A record's removal asked to be confirmed.
    b.goto(&format!("{base}/doc/{assessment}?engagement={id}"))
        .await?;
    settle(&b, "assessment editor", ".doc-columns").await?;
    let asked = b
        .client
        .execute(
            "const el = Array.from(document.querySelectorAll('.doc-columns button'))\
               .find(e => (e.getAttribute('aria-label') || e.textContent).trim().startsWith('Remove'));\
             if (!el) return false; el.click(); return true;",
            vec![],
        )
        .await?;
    assert_eq!(asked, json!(true), "the assessment has no Remove button");
    audit
        .check(
            &b,
            "assessment editor, a removal to confirm",
            ".doc-columns .record__confirm",
        )
        .await?;
    // A phone-sized window.
    b.client.set_window_size(390, 844).await?;
    audit
        .visit(
            &b,
            &format!("{base}/"),
            "dashboard, 390 px wide (/)",
            "a[href^='/engagement/']",
        )
        .await?;
    audit
        .visit(
            &b,
            &format!("{base}/doc/{programme}?engagement={id}"),
            "programme editor, 390 px wide",
            ".doc-columns",
        )
        .await?;
    b.screenshot("a11y-programme-narrow.png").await?;
    for path in ["/".to_owned(), format!("/doc/{programme}?engagement={id}")] {
        b.goto(&format!("{base}{path}")).await?;
        settle(&b, "a narrow page", "main h1").await?;
        println!("\n== 390 px wide {path}: {}", wider_than_window(&b).await?);
    }
    b.client
        .execute(
            "document.querySelector('.totals')?.scrollIntoView({block: 'center'});",
            vec![],
        )
        .await?;
    b.screenshot("a11y-totals-narrow.png").await?;
    b.client.set_window_size(1200, 900).await?;
    audit
        .visit(
            &b,
            &format!("{base}/doc/{programme}/print"),
            "print page (/doc/:id/print)",
            ".print-doc",
        )
        .await?;
    audit
        .visit(
            &b,
            &format!("{base}/doc/{assessment}/history"),
            "history page (/doc/:id/history)",
            "#who-heading",
        )
        .await?;
    // Right to left: the same person in Arabic (the language is remembered).
    b.goto(&format!("{base}/")).await?;
    b.choose("Language", "العربية").await?;
    for (name, path, ready) in [
        (
            "dashboard in Arabic (/)",
            "/".to_owned(),
            "html[dir=rtl] a[href^='/engagement/']",
        ),
        (
            "engagement page in Arabic (/engagement/:id)",
            format!("/engagement/{id}"),
            "html[dir=rtl] .doc-links a",
        ),
        (
            "assessment editor in Arabic (/doc/:id)",
            format!("/doc/{assessment}?engagement={id}"),
            "html[dir=rtl] .doc-columns",
        ),
    ] {
        audit
            .visit(&b, &format!("{base}{path}"), name, ready)
            .await?;
    }
    b.screenshot("a11y-assessment-ar.png").await?;
    b.close().await?;

    // The HQ reviewer: the assessment with its approval bar.
    let b = driver.session().await?;
    sign_in(&b, &base, HQ, DEMO_PASSWORD).await?;
    audit
        .visit(
            &b,
            &format!("{base}/doc/{assessment}?engagement={id}"),
            "assessment with the approval bar (/doc/:id, HQ reviewer)",
            ".doc-columns .approval-bar",
        )
        .await?;
    b.by_role("button", "Approve this version")
        .await?
        .click()
        .await?;
    audit
        .check(
            &b,
            "assessment, the approval to confirm (HQ reviewer)",
            ".approval-bar__confirm",
        )
        .await?;
    b.close().await?;

    // An NGO: its contributions.
    let b = driver.session().await?;
    sign_in(&b, &base, NGO, DEMO_PASSWORD).await?;
    audit
        .visit(
            &b,
            &format!("{base}/"),
            "contributions (/, NGO)",
            ".contribution",
        )
        .await?;
    b.close().await?;

    // The administrator: accounts and members, and the taxonomy.
    let b = driver.session().await?;
    sign_in(&b, &base, ADMIN, ADMIN_PASSWORD).await?;
    audit
        .visit(
            &b,
            &format!("{base}/admin"),
            "admin page (/admin)",
            "table.table",
        )
        .await?;
    audit
        .visit(
            &b,
            &format!("{base}/taxonomy"),
            "taxonomy page (/taxonomy)",
            ".records__list",
        )
        .await?;
    b.close().await?;

    audit.verdict()
}
