//! Exporting a version for the archive: an HQ reviewer approves the
//! assessment with known text, the field officer writes on, and the DOCX
//! downloaded without `heads` is a valid Office Open XML package holding the
//! approved text and not the later edit; with the latest heads it holds the
//! edit. A bogus version is a 400 that says so; someone outside the
//! engagement gets the same 404 as an unknown document.

use std::io::{Cursor, Read};

use accord_shared::docs::{self, Assessment};
use accord_tests::server::http_get;
use accord_tests::{Peer, TestServer};
use automerge::ChangeHash;
use serde_json::json;

const HQ: &str = "desk@hq.test";
const OUTSIDER: &str = "someone@elsewhere.test";

/// `GET path` with a bearer token: status, headers, body.
fn download(server: &TestServer, token: &str, path: &str) -> accord_tests::server::HttpResponse {
    let auth = format!("Bearer {token}");
    http_get(server.port, path, &[("Authorization", &auth)])
        .unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

/// The text of every `w:t` in `word/document.xml`, after checking that the
/// package is a ZIP with the parts every DOCX has and that the XML parses.
fn docx_text(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("the DOCX is a ZIP package");
    for part in ["[Content_Types].xml", "_rels/.rels", "word/document.xml"] {
        assert!(
            zip.by_name(part).is_ok(),
            "the package has no {part}: {:?}",
            zip.file_names().collect::<Vec<_>>()
        );
    }
    let mut types = String::new();
    zip.by_name("[Content_Types].xml")
        .unwrap()
        .read_to_string(&mut types)
        .unwrap();
    assert!(
        types.contains("wordprocessingml.document.main+xml"),
        "{types}"
    );
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut text = String::new();
    let mut in_text = false;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(e)) => in_text = e.name().as_ref() == b"w:t",
            Ok(quick_xml::events::Event::End(_)) => {
                if in_text {
                    text.push('\n');
                }
                in_text = false;
            }
            Ok(quick_xml::events::Event::Text(t)) if in_text => {
                text.push_str(&t.decode().expect("UTF-8 text"));
            }
            Ok(quick_xml::events::Event::GeneralRef(r)) if in_text => {
                let name = r.decode().expect("UTF-8 reference");
                text.push_str(match name.as_ref() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    other => panic!("unexpected entity {other}"),
                });
            }
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!(
                "word/document.xml is not well-formed XML at {}: {e}",
                reader.buffer_position()
            ),
        }
    }
    text
}

#[tokio::test(flavor = "multi_thread")]
async fn the_export_holds_the_approved_version_unless_asked_for_another() {
    let server = TestServer::start(&[]);
    let started = server.start_engagement("Access to justice in Togo");
    let (engagement, assessment) = (started.id.clone(), started.doc("assessment"));
    let hq = server.account(HQ, "Sofia Lindqvist", "hq_reviewer");
    server.add_member(&engagement, HQ, "hq_reviewer");
    let outsider = server.account(OUTSIDER, "Not A Member", "field_officer");
    let export = format!("/api/documents/{assessment}/export.docx");

    let mut officer = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    officer.follow(assessment);
    officer.push(assessment).await.unwrap();
    officer
        .until("the assessment arrives", |p| {
            !p.doc(assessment).get_heads().is_empty()
        })
        .await
        .unwrap();
    let write = |officer: &mut Peer, text: &str| {
        docs::update::<Assessment>(officer.doc(assessment), |a| a.conclusions = text.into())
            .unwrap();
    };

    // Never approved: the current version, said to be so.
    write(&mut officer, "First draft & <notes>.");
    officer.until_acknowledged(assessment).await.unwrap();
    let res = download(&server, &hq, &export);
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let text = docx_text(&res.body);
    assert!(text.contains("First draft & <notes>."), "{text}");
    assert!(text.contains("Current version (not approved)"), "{text}");

    write(&mut officer, "The approved conclusions.");
    officer.until_acknowledged(assessment).await.unwrap();
    let approved: Vec<String> = officer
        .doc(assessment)
        .get_heads()
        .iter()
        .map(ToString::to_string)
        .collect();
    let (status, body) = server.api(
        &hq,
        "POST",
        &format!("/api/documents/{assessment}/approvals"),
        Some(&json!({ "heads": approved })),
    );
    assert_eq!(status, 201, "{body}");
    write(&mut officer, "A later edit, never approved.");
    officer.until_acknowledged(assessment).await.unwrap();
    let latest: Vec<ChangeHash> = officer.doc(assessment).get_heads();

    // By default: the approved version, named as such, in a DOCX attachment.
    let res = download(&server, &server.token, &export);
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(
        res.header("content-type"),
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    );
    let disposition = res.header("content-disposition").unwrap_or_default();
    assert!(
        disposition.starts_with("attachment; filename=\"assessment-")
            && disposition.ends_with(".docx\""),
        "{disposition}"
    );
    let text = docx_text(&res.body);
    assert!(text.contains("The approved conclusions."), "{text}");
    assert!(!text.contains("A later edit"), "{text}");
    assert!(
        text.contains("Version: approved by Sofia Lindqvist on "),
        "{text}"
    );
    assert!(text.contains(&approved[0]), "the heads are printed: {text}");
    assert!(text.contains("Access to justice in Togo (TGO)"), "{text}");

    // In French, the headings are French.
    let res = download(&server, &hq, &format!("{export}?lang=fr"));
    assert_eq!(res.status, 200);
    let text = docx_text(&res.body);
    assert!(text.contains("Contexte national"), "{text}");
    assert!(
        text.contains("Version : approuvée par Sofia Lindqvist"),
        "{text}"
    );

    // At the latest heads: the later edit.
    let heads = latest
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let res = download(&server, &hq, &format!("{export}?heads={heads}"));
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let text = docx_text(&res.body);
    assert!(text.contains("A later edit, never approved."), "{text}");
    assert!(text.contains("Current version (not approved)"), "{text}");

    // Bogus versions: a 400 naming the problem.
    for (heads, says) in [
        ("not-a-hash", "not a change hash"),
        (&"00".repeat(32) as &str, "no version"),
        ("", "heads names the version"),
    ] {
        let res = download(&server, &hq, &format!("{export}?heads={heads}"));
        assert_eq!(res.status, 400, "heads={heads}");
        let body: serde_json::Value = serde_json::from_slice(&res.body).unwrap();
        assert!(
            body["error"].as_str().unwrap_or_default().contains(says),
            "heads={heads}: {body}"
        );
    }
    let res = download(&server, &hq, &format!("{export}?lang=de"));
    assert_eq!(res.status, 400);

    // Someone not in the engagement: nothing, as for an unknown document.
    let res = download(&server, &outsider, &export);
    assert_eq!(res.status, 404);
    // Documents that are not exported: a 400 saying which are.
    let res = download(
        &server,
        &server.token,
        &format!(
            "/api/documents/{}/export.docx",
            started.doc("consultations")
        ),
    );
    assert_eq!(res.status, 400);
    let body = String::from_utf8_lossy(&res.body);
    assert!(body.contains("requests, assessments"), "{body}");

    let audit = server.admin(&["audit", "--since", "1h"]).output().unwrap();
    assert!(String::from_utf8_lossy(&audit.stdout).contains("exported"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_confidential_party_is_named_in_the_export_only_to_readers_of_the_parties() {
    use accord_shared::docs::items::push;
    use accord_shared::docs::vocab::Confidentiality;
    use accord_shared::docs::{Consultation, Consultations, Need, Parties, Party};

    let server = TestServer::start(&[]);
    let started = server.start_engagement("Access to justice in Togo");
    let engagement = started.id.clone();
    let (assessment, register, parties) = (
        started.doc("assessment"),
        started.doc("consultations"),
        started.doc("parties"),
    );
    let hq = server.account(HQ, "Sofia Lindqvist", "hq_reviewer");
    server.add_member(&engagement, HQ, "hq_reviewer");

    let mut officer = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    for id in [assessment, register, parties] {
        officer.follow(id);
        officer.push(id).await.unwrap();
    }
    officer
        .until("the documents arrive", |p| {
            [assessment, register, parties]
                .iter()
                .all(|id| !p.doc(*id).get_heads().is_empty())
        })
        .await
        .unwrap();
    let mut ids = (String::new(), String::new());
    docs::update::<Consultations>(officer.doc(register), |r| {
        ids.0 = push(
            &mut r.consultations,
            Consultation {
                party: "Ligue togolaise des droits".into(),
                ..Consultation::default()
            },
        );
        ids.1 = push(
            &mut r.consultations,
            Consultation {
                party: "SRC-07".into(),
                confidentiality: Confidentiality::Confidential,
                ..Consultation::default()
            },
        );
    })
    .unwrap();
    let (open, secret) = ids;
    docs::update::<Parties>(officer.doc(parties), |p| {
        p.parties.insert(
            secret.clone(),
            Party {
                name: "Kafui Mensah".into(),
                ..Party::default()
            },
        );
    })
    .unwrap();
    docs::update::<Assessment>(officer.doc(assessment), |a| {
        push(
            &mut a.needs,
            Need {
                title: "Legal aid in detention".into(),
                consultations: [(open, true), (secret, true)].into_iter().collect(),
                ..Need::default()
            },
        );
    })
    .unwrap();
    for id in [assessment, register, parties] {
        officer.until_acknowledged(id).await.unwrap();
    }

    let export = format!("/api/documents/{assessment}/export.docx");
    // The reviewer not given the parties: the open party by name, the confidential one masked.
    let res = download(&server, &hq, &export);
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let text = docx_text(&res.body);
    assert!(text.contains("Legal aid in detention"), "{text}");
    assert!(text.contains("Ligue togolaise des droits"), "{text}");
    assert!(text.contains("Confidential source"), "{text}");
    assert!(
        !text.contains("Kafui") && !text.contains("SRC-07"),
        "{text}"
    );
    // The field officer, who reads the parties: the name.
    let res = download(&server, &server.token, &export);
    let text = docx_text(&res.body);
    assert!(text.contains("Kafui Mensah"), "{text}");
    assert!(!text.contains("Confidential source"), "{text}");
    // Once granted the parties, the reviewer reads the name too.
    let (status, body) = server.api(
        &server.token,
        "PUT",
        &format!("/api/engagements/{engagement}/parties-grant"),
        Some(&json!({ "email": HQ, "granted": true })),
    );
    assert_eq!(status, 200, "{body}");
    let text = docx_text(&download(&server, &hq, &export).body);
    assert!(text.contains("Kafui Mensah"), "{text}");
}
