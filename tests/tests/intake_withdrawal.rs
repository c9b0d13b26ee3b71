//! A withdrawal takes recorded input out of the register too. A field
//! officer records two submissions in the consultations register from the
//! inbox (one from a confidential source, whose identity goes to the
//! parties document). One is withdrawn on its contributor's behalf: the
//! register loses it at once. The other contributor withdraws by
//! themselves, which they cannot do to the register: the inbox tells the
//! officer the register still holds it and takes it out. Neither summary
//! is left in the register (read by a protocol client), nor in the export.

use accord_shared::docs::vocab::SubmissionStatus;
use accord_shared::docs::{self, Consultations, Parties, Submission};
use accord_shared::DocumentId;
use accord_tests::browser::Browser;
use accord_tests::server::http_request;
use accord_tests::{browser::Driver, Peer, TestServer};
use anyhow::{Context, Result};
use serde_json::{json, Value};

const NAMED_TITLE: &str = "Night raids on market traders";
const NAMED_ISSUES: &str = "Traders' stalls were seized without a written order.";
const ANON_TITLE: &str = "Schools closed to girls";
const ANON_ISSUES: &str = "Girls over twelve were sent home from the district school.";

/// A member's submission, written and submitted through the relay.
async fn submitted(
    server: &TestServer,
    engagement: &str,
    token: &str,
    consent: Value,
    title: &str,
    issues: &str,
) -> Result<DocumentId> {
    let (status, body) = server.api(
        token,
        "POST",
        &format!("/api/engagements/{engagement}/submissions"),
        Some(&consent),
    );
    anyhow::ensure!(status == 201, "starting a submission: {status} {body}");
    let id: DocumentId = body["submission"]
        .as_str()
        .context("submission id")?
        .parse()?;
    let mut author = Peer::connect(&server.ws_url(), token).await?;
    author.follow(id);
    author.push(id).await?;
    author
        .until("the submission arrives", |p| {
            !p.doc(id).get_heads().is_empty()
        })
        .await?;
    docs::update::<Submission>(author.doc(id), |s| {
        s.title = title.into();
        s.issues = issues.into();
        s.status = SubmissionStatus::Submitted;
        s.submitted_at = "2026-11-29T08:00:00Z".into();
    })?;
    author.until_acknowledged(id).await?;
    Ok(id)
}

fn export(server: &TestServer, engagement: &str) -> Result<String> {
    let auth = format!("Bearer {}", server.token);
    let res = http_request(
        server.port,
        "GET",
        &format!("/api/engagements/{engagement}/submissions/export.csv"),
        &[("Authorization", &auth)],
        b"",
    )?;
    anyhow::ensure!(res.status == 200, "export: {}", res.status);
    Ok(String::from_utf8_lossy(&res.body).into_owned())
}

/// The register's consultations, each with the submission it was recorded
/// from and its summary; and the parties document's keys.
type Recorded = Vec<(String, String, String)>;

async fn read_register(
    officer: &mut Peer,
    register: DocumentId,
    parties: DocumentId,
    done: impl Fn(&Recorded, &[String]) -> bool,
    what: &str,
) -> Result<(Recorded, Vec<String>)> {
    let read = |p: &mut Peer| -> (Recorded, Vec<String>) {
        let recorded = docs::open::<Consultations>(p.doc(register))
            .map(|r| {
                r.consultations
                    .iter()
                    .map(|(id, c)| {
                        (
                            id.clone(),
                            c.submission.clone(),
                            c.summary.as_str().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let keys = docs::open::<Parties>(p.doc(parties))
            .map(|p| p.parties.keys().cloned().collect())
            .unwrap_or_default();
        (recorded, keys)
    };
    officer
        .until(what, |p| {
            let (recorded, keys) = read(p);
            done(&recorded, &keys)
        })
        .await?;
    Ok(read(officer))
}

async fn inbox(fo: &Browser, server: &TestServer, engagement: &str) -> Result<()> {
    fo.goto(&format!(
        "{}/engagement/{engagement}/submissions",
        server.http_url()
    ))
    .await?;
    fo.by_role("heading", "Consultation submissions").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_withdrawal_takes_the_recorded_input_out_of_the_register() -> Result<()> {
    let server = TestServer::start(&[]);
    let started = server.start_engagement("Access to justice in Togo");
    let engagement = started.id.clone();
    let (register, parties) = (started.doc("consultations"), started.doc("parties"));
    let voices = server.account("a@voices.test", "Voices of Lomé", "ngo");
    let watch = server.account("b@rights-watch.test", "Rights Watch", "ngo");
    server.add_member(&engagement, "a@voices.test", "ngo");
    server.add_member(&engagement, "b@rights-watch.test", "ngo");
    let named = submitted(
        &server,
        &engagement,
        &voices,
        json!({ "consent": true, "anonymous": false, "name": "Ama Koffi",
                "organisation": "Voices of Lomé", "contact": "ama@voices.test",
                "confidentiality": "confidential" }),
        NAMED_TITLE,
        NAMED_ISSUES,
    )
    .await?;
    let anonymous = submitted(
        &server,
        &engagement,
        &watch,
        json!({ "consent": true, "anonymous": true, "confidentiality": "internal" }),
        ANON_TITLE,
        ANON_ISSUES,
    )
    .await?;
    let csv = export(&server, &engagement)?;
    assert!(
        csv.contains(NAMED_ISSUES) && csv.contains(ANON_ISSUES),
        "{csv}"
    );

    // The officer records both in the register from the inbox.
    let driver = Driver::start()?;
    let fo = driver.session().await?;
    fo.sign_in(&server).await?;
    inbox(&fo, &server, &engagement).await?;
    for title in [NAMED_TITLE, ANON_TITLE] {
        fo.by_role("button", &format!("Record “{title}” in the register"))
            .await?
            .click()
            .await?;
    }
    fo.until_count(".inbox-item .tag--done", 2).await?;

    let mut officer = Peer::connect(&server.ws_url(), &server.token).await?;
    for id in [register, parties] {
        officer.follow(id);
        officer.push(id).await?;
    }
    let (recorded, keys) = read_register(
        &mut officer,
        register,
        parties,
        |r, keys| r.len() == 2 && !keys.is_empty(),
        "both consultations and the confidential identity are recorded",
    )
    .await?;
    let from = |id: DocumentId| {
        recorded
            .iter()
            .find(|(_, s, _)| *s == id.to_string())
            .cloned()
    };
    let (named_consultation, _, summary) = from(named).context("recorded from the named one")?;
    assert_eq!(summary, NAMED_ISSUES);
    assert_eq!(
        keys,
        vec![named_consultation.clone()],
        "the confidential source's identity is kept under its consultation"
    );
    let (_, _, summary) = from(anonymous).context("recorded from the anonymous one")?;
    assert_eq!(summary, ANON_ISSUES);

    // The register says where each came from.
    fo.goto(&format!(
        "{}/doc/{register}?engagement={engagement}",
        server.http_url()
    ))
    .await?;
    fo.by_role("heading", "Consultations register").await?;
    fo.until_count(".consultation__from", 2).await?;
    fo.by_role("link", "Open the submission").await?;

    // Withdrawn on the contributor's behalf: the register loses it at once.
    inbox(&fo, &server, &engagement).await?;
    fo.by_role(
        "button",
        &format!("Withdraw “{ANON_TITLE}” on their behalf"),
    )
    .await?
    .click()
    .await?;
    fo.by_role("textbox", "Reason for withdrawing")
        .await?
        .send_keys("Asked by phone on 29 November")
        .await?;
    fo.by_role("button", "Withdraw it").await?.click().await?;
    read_register(
        &mut officer,
        register,
        parties,
        |r, _| r.len() == 1 && r.iter().all(|(_, _, s)| s != ANON_ISSUES),
        "the register loses the input withdrawn on its contributor's behalf",
    )
    .await?;

    // The other contributor withdraws by themselves.
    let (status, entry) = server.api(
        &voices,
        "POST",
        &format!("/api/submissions/{named}/withdraw"),
        Some(&json!({ "reason": "Afraid of reprisals" })),
    );
    assert_eq!(status, 200, "{entry}");
    let (_, still) = read_register(
        &mut officer,
        register,
        parties,
        |_, _| true,
        "the register as it stands",
    )
    .await?;
    assert_eq!(still, vec![named_consultation.clone()]);

    // The inbox tells the officer the register still holds it.
    inbox(&fo, &server, &engagement).await?;
    fo.until_text(
        ".inbox-item__leftover strong",
        "The register still holds this withdrawn input",
    )
    .await?;
    let line = fo.text(".inbox-item__leftover").await?;
    assert!(
        line.contains("A consultation was recorded in the consultations register"),
        "{line}"
    );
    // Which withdrawn submission the button names: the one withdrawn at this time.
    let withdrawn = fo
        .texts(".inbox-item--withdrawn .inbox-item__withdrawn")
        .await?;
    let when = withdrawn
        .iter()
        .find(|l| l.ends_with("by Voices of Lomé"))
        .and_then(|l| l.strip_prefix("Withdrawn on "))
        .and_then(|l| l.strip_suffix(" by Voices of Lomé"))
        .with_context(|| format!("the self-withdrawn entry in {withdrawn:?}"))?
        .to_owned();
    fo.screenshot("intake-withdrawal-leftover.png").await?;
    fo.by_role(
        "button",
        &format!("Remove it from the register: the submission withdrawn on {when}"),
    )
    .await?
    .click()
    .await?;
    fo.by_role("button", "Yes, remove it")
        .await?
        .click()
        .await?;
    fo.until_text(".inbox-item__removed", "Removed from the register.")
        .await?;
    fo.screenshot("intake-withdrawal-removed.png").await?;

    let (recorded, keys) = read_register(
        &mut officer,
        register,
        parties,
        |r, keys| r.is_empty() && keys.is_empty(),
        "neither withdrawn input nor the identity is left in the register",
    )
    .await?;
    assert!(recorded.is_empty() && keys.is_empty());
    let csv = export(&server, &engagement)?;
    assert!(
        !csv.contains(NAMED_ISSUES) && !csv.contains(ANON_ISSUES),
        "{csv}"
    );
    fo.close().await?;
    Ok(())
}
