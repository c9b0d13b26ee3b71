//! Engagements through the real server: starting one over the API, the
//! dashboard's list and what each person may count, evaluations, the
//! taxonomy, who receives the confidential documents, and two field officers
//! restructuring the same programme at once.

use std::collections::BTreeSet;
use std::time::Duration;

use accord_shared::docs::items::{self, ordered_ids};
use accord_shared::docs::vocab::Level;
use accord_shared::docs::{self, Outcome, Programme, Risk, Taxonomy, Term};
use accord_shared::DocumentId;
use accord_tests::server::OFFICER_EMAIL;
use accord_tests::{Peer, TestServer};
use automerge::AutoCommit;
use serde_json::{json, Value};

const GOV_EMAIL: &str = "focal.point@gov.test";
const HQ_EMAIL: &str = "desk@hq.test";
const NGO_EMAIL: &str = "contact@ngo.test";
const FO2_EMAIL: &str = "second.officer@accord.test";

/// A server with an engagement started by the default field officer, and a
/// government, HQ, NGO member and a second field officer; their tokens.
struct Setup {
    server: TestServer,
    id: String,
    documents: Value,
    gov: String,
    hq: String,
    ngo: String,
    fo2: String,
}

fn start() -> Setup {
    let server = TestServer::start(&[]);
    let (status, created) = server.api(
        &server.token,
        "POST",
        "/api/engagements",
        Some(&json!({
            "title": "Access to justice in Togo",
            "country": "TGO",
            "presence": "country_office",
        })),
    );
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let gov = server.account(GOV_EMAIL, "Kossi Mensah", "government");
    let hq = server.account(HQ_EMAIL, "Sofia Lindqvist", "hq_reviewer");
    let ngo = server.account(NGO_EMAIL, "Legal Aid Network", "ngo");
    let fo2 = server.account(FO2_EMAIL, "Second Officer", "field_officer");
    for (email, role) in [
        (GOV_EMAIL, "government"),
        (HQ_EMAIL, "hq_reviewer"),
        (NGO_EMAIL, "ngo"),
        (FO2_EMAIL, "field_officer"),
    ] {
        server.add_member(&id, email, role);
    }
    Setup {
        server,
        id,
        documents: created["documents"].clone(),
        gov,
        hq,
        ngo,
        fo2,
    }
}

impl Setup {
    fn doc(&self, name: &str) -> DocumentId {
        self.documents[name]
            .as_str()
            .unwrap_or_else(|| panic!("no {name} in {}", self.documents))
            .parse()
            .unwrap()
    }

    fn listed(&self, token: &str) -> Vec<Value> {
        let (status, list) = self.server.api(token, "GET", "/api/engagements", None);
        assert_eq!(status, 200, "{list}");
        list.as_array().unwrap().clone()
    }

    fn mine(&self, token: &str) -> Value {
        self.listed(token)
            .into_iter()
            .find(|e| e["id"] == self.id.as_str())
            .expect("the engagement is listed")
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn field_officers_start_engagements_and_others_are_told_why_not() {
    let s = start();
    let server = &s.server;
    // Every document exists, is the kind it should be, and the creator reads it.
    for (name, kind) in [
        ("request", "request"),
        ("assessment", "assessment"),
        ("consultations", "consultations"),
        ("parties", "parties"),
        ("programme", "programme"),
    ] {
        let (status, access) = server.api(
            &server.token,
            "GET",
            &format!("/api/documents/{}/access", s.doc(name)),
            None,
        );
        assert_eq!(status, 200, "{name}: {access}");
        assert_eq!(access["kind"], kind);
        assert_eq!(access["role"], "field_officer");
        assert_eq!(access["engagement"], s.id.as_str());
        assert_eq!(access["parties_granted"], false);
    }
    let e = s.mine(&server.token);
    assert_eq!(e["title"], "Access to justice in Togo");
    assert_eq!(
        (&e["country"], &e["presence"], &e["stage"], &e["role"]),
        (
            &json!("TGO"),
            &json!("country_office"),
            &json!("requested"),
            &json!("field_officer")
        )
    );
    assert_eq!(e["last_move"]["by"], "Amina Field");
    assert_eq!(e["last_move"]["to"], "requested");
    assert_eq!(e["documents"], s.documents);
    assert_eq!(
        e["counts"],
        json!({ "open_needs": 0, "outputs": 0, "overdue_actions": 0, "new_submissions": 0 })
    );

    // A government counterpart may not start one; bad input is a 400 saying what is wrong.
    let (status, body) = server.api(
        &s.gov,
        "POST",
        "/api/engagements",
        Some(&json!({ "title": "T", "country": "TGO", "presence": "none" })),
    );
    assert_eq!(status, 403, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("field officers"),
        "{body}"
    );
    for (input, says) in [
        (
            json!({ "title": " ", "country": "TGO", "presence": "none" }),
            "title",
        ),
        (
            json!({ "title": "T", "country": "tgo", "presence": "none" }),
            "alpha-3",
        ),
        (
            json!({ "title": "T", "country": "TOGO", "presence": "none" }),
            "alpha-3",
        ),
        (
            json!({ "title": "T", "country": "TGO", "presence": "embassy" }),
            "country_office",
        ),
        (json!({ "title": "T" }), "body"),
    ] {
        let (status, body) = server.api(&server.token, "POST", "/api/engagements", Some(&input));
        assert_eq!(status, 400, "{input}: {body}");
        assert!(
            body["error"].as_str().unwrap_or("").contains(says),
            "{input}: {body}"
        );
    }
    let out = server.admin(&["audit", "--since", "1h"]).output().unwrap();
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(
        log.contains("engagement_created") && log.contains(OFFICER_EMAIL),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_lists_what_each_person_may_see_and_counts_only_what_they_may_read() {
    let s = start();
    let server = &s.server;
    // Not a member: not listed. An admin sees every engagement.
    let outsider = server.account("other@accord.test", "Other Officer", "field_officer");
    assert!(s.listed(&outsider).is_empty());
    let admin = server.account("admin@accord.test", "Admin", "admin");
    assert_eq!(s.mine(&admin)["role"], "admin");
    // An NGO member sees nothing of the engagement's header.
    assert!(s.listed(&s.ngo).is_empty());

    // The Government reads the header, not the unshared assessment and programme.
    let e = s.mine(&s.gov);
    assert_eq!(e["role"], "government");
    assert_eq!(e["counts"]["open_needs"], Value::Null);
    assert_eq!(e["counts"]["outputs"], Value::Null);
    assert_eq!(e["counts"]["overdue_actions"], 0);
    assert_eq!(e["documents"]["assessment"], "");
    assert_eq!(e["documents"]["consultations"], "");
    assert_eq!(e["documents"]["request"], s.documents["request"]);

    // Once the assessment is shared with it, the Government counts its needs.
    server.run_admin(&["doc", "share", "--doc", &s.doc("assessment").to_string()]);
    let e = s.mine(&s.gov);
    assert_eq!(e["counts"]["open_needs"], 0);
    assert_eq!(e["counts"]["outputs"], Value::Null);
    assert_eq!(e["documents"]["assessment"], s.documents["assessment"]);

    // HQ reads everything but the confidential parties.
    let e = s.mine(&s.hq);
    assert_eq!(
        e["counts"],
        json!({ "open_needs": 0, "outputs": 0, "overdue_actions": 0, "new_submissions": 0 })
    );
    assert_eq!(e["documents"]["parties"], "");
    assert_eq!(
        e["documents"]["consultations"],
        s.documents["consultations"]
    );

    // Sorted by country, then title.
    for (title, country) in [("Zeta", "BEN"), ("Alpha", "TGO"), ("Civic space", "BEN")] {
        let (status, body) = server.api(
            &server.token,
            "POST",
            "/api/engagements",
            Some(&json!({ "title": title, "country": country, "presence": "hr_adviser" })),
        );
        assert_eq!(status, 201, "{body}");
    }
    let order: Vec<(String, String)> = s
        .listed(&server.token)
        .iter()
        .map(|e| {
            (
                e["country"].as_str().unwrap().to_owned(),
                e["title"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let pairs: Vec<(&str, &str)> = order
        .iter()
        .map(|(c, t)| (c.as_str(), t.as_str()))
        .collect();
    assert_eq!(
        pairs,
        vec![
            ("BEN", "Civic space"),
            ("BEN", "Zeta"),
            ("TGO", "Access to justice in Togo"),
            ("TGO", "Alpha"),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_says_which_documents_are_approved_and_how_many_changes_since() {
    let s = start();
    let server = &s.server;
    let request = s.doc("request");
    let mut officer = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    officer.follow(request);
    officer.push(request).await.unwrap();
    officer
        .until("the request arrives", |p| {
            !p.doc(request).get_heads().is_empty()
        })
        .await
        .unwrap();
    let write = |officer: &mut Peer, scope: &str| {
        docs::update::<docs::Request>(officer.doc(request), |r| r.scope = scope.into()).unwrap();
        officer.doc(request).commit();
    };
    write(&mut officer, "Legal aid for detainees.");
    officer.until_acknowledged(request).await.unwrap();

    // Nothing approved: every approvable document the person reads is listed as null.
    let e = s.mine(&server.token);
    assert_eq!(
        e["approvals"],
        json!({ "request": null, "assessment": null, "programme": null }),
        "{e}"
    );

    let heads: Vec<String> = officer
        .doc(request)
        .get_heads()
        .iter()
        .map(ToString::to_string)
        .collect();
    let (status, body) = server.api(
        &s.hq,
        "POST",
        &format!("/api/documents/{request}/approvals"),
        Some(&json!({ "heads": heads })),
    );
    assert_eq!(status, 201, "{body}");
    let e = s.mine(&s.hq);
    assert_eq!(e["approvals"]["request"]["by"], "Sofia Lindqvist");
    assert_eq!(e["approvals"]["request"]["changes_since"], 0);

    write(&mut officer, "Legal aid for detainees and victims.");
    write(
        &mut officer,
        "Legal aid for detainees, victims and witnesses.",
    );
    officer.until_acknowledged(request).await.unwrap();
    for token in [&server.token, &s.hq, &s.gov] {
        let e = s.mine(token);
        assert_eq!(e["approvals"]["request"]["changes_since"], 2, "{e}");
    }
    // The Government is told nothing of documents it does not read.
    let e = s.mine(&s.gov);
    let keys: Vec<&String> = e["approvals"].as_object().unwrap().keys().collect();
    assert_eq!(keys, vec!["request"], "{e}");
}

#[tokio::test(flavor = "multi_thread")]
async fn evaluations_are_created_by_those_who_write_them_and_listed_with_their_title() {
    let s = start();
    let server = &s.server;
    let path = format!("/api/engagements/{}/evaluations", s.id);
    let form = json!({ "title": "Mid-term review 2027", "evaluation_type": "mid_term" });
    let (status, body) = server.api(&s.hq, "POST", &path, Some(&form));
    assert_eq!(status, 201, "{body}");
    let evaluation = body["id"].as_str().unwrap().to_owned();
    let (status, body) = server.api(&s.gov, "POST", &path, Some(&form));
    assert_eq!(status, 403, "{body}");
    // An NGO and a stranger learn nothing of the engagement; nor of a made-up id.
    let (status, _) = server.api(&s.ngo, "POST", &path, Some(&form));
    assert_eq!(status, 404);
    let unknown = format!("/api/engagements/{}/evaluations", DocumentId::random());
    let (status, _) = server.api(&server.token, "POST", &unknown, Some(&form));
    assert_eq!(status, 404);
    let (status, body) = server.api(
        &server.token,
        "POST",
        &path,
        Some(&json!({ "title": "X", "evaluation_type": "annual" })),
    );
    assert_eq!(status, 400, "{body}");

    let (status, access) = server.api(
        &server.token,
        "GET",
        &format!("/api/documents/{evaluation}/access"),
        None,
    );
    assert_eq!((status, &access["kind"]), (200, &json!("evaluation")));
    for token in [&server.token, &s.gov] {
        let e = s.mine(token);
        assert_eq!(
            e["evaluations"],
            json!([{ "id": evaluation, "title": "Mid-term review 2027", "kind": "mid_term", "approval": null }])
        );
        assert_eq!(e["counts"]["overdue_actions"], 0);
    }
}

/// Opens a document as a peer; `true` if the server served it, `false` if unavailable.
async fn opens(server: &TestServer, token: &str, id: DocumentId) -> bool {
    let mut peer = Peer::connect(&server.ws_url(), token).await.unwrap();
    peer.follow(id);
    peer.push(id).await.unwrap();
    peer.until("an answer", |p| {
        p.unavailable.contains(&id) || !p.doc(id).get_heads().is_empty()
    })
    .await
    .unwrap();
    let served = !peer.unavailable.contains(&id);
    assert!(served || peer.doc(id).get_heads().is_empty());
    served
}

#[tokio::test(flavor = "multi_thread")]
async fn confidential_parties_and_the_register_reach_only_those_who_may_read_them() {
    let s = start();
    let server = &s.server;
    let (parties, register) = (s.doc("parties"), s.doc("consultations"));
    assert!(opens(server, &server.token, parties).await);
    assert!(opens(server, &server.token, register).await);
    assert!(!opens(server, &s.ngo, parties).await);
    assert!(!opens(server, &s.ngo, register).await);
    assert!(!opens(server, &s.hq, parties).await);
    assert!(opens(server, &s.hq, register).await);
    assert!(!opens(server, &s.gov, parties).await);
    assert!(!opens(server, &s.gov, register).await);
    // The access API answers HQ about the parties exactly as about an unknown id.
    let hidden = server.api(
        &s.hq,
        "GET",
        &format!("/api/documents/{parties}/access"),
        None,
    );
    let unknown = server.api(
        &s.hq,
        "GET",
        &format!("/api/documents/{}/access", DocumentId::random()),
        None,
    );
    assert_eq!(hidden, unknown);
    assert_eq!(hidden.0, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn everyone_reads_the_taxonomy_and_only_admins_change_it() {
    let server = TestServer::start(&[]);
    let ngo = server.account(NGO_EMAIL, "Legal Aid Network", "ngo");
    let (status, body) = server.api(&ngo, "GET", "/api/taxonomy", None);
    assert_eq!(status, 200, "{body}");
    let id: DocumentId = body["id"].as_str().unwrap().parse().unwrap();

    let mut peer = Peer::connect(&server.ws_url(), &ngo).await.unwrap();
    peer.follow(id);
    peer.push(id).await.unwrap();
    peer.until("the taxonomy arrives", |p| {
        docs::open::<Taxonomy>(p.doc(id)).is_ok_and(|t| t.themes.len() == 11)
    })
    .await
    .unwrap();
    let t: Taxonomy = docs::open(peer.doc(id)).unwrap();
    assert!(t.themes["people_on_the_move"].frontier);
    assert_eq!(
        t.groups["human_rights_defenders"].labels["en"],
        "Human rights defenders"
    );

    // A field officer may not add a theme…
    let mut officer = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    officer.follow(id);
    officer.push(id).await.unwrap();
    officer
        .until("the officer has it", |p| !p.doc(id).get_heads().is_empty())
        .await
        .unwrap();
    let add_theme = |doc: &mut AutoCommit, key: &str| {
        docs::update::<Taxonomy>(doc, |t| {
            t.themes.insert(
                key.into(),
                Term {
                    pos: 99.0,
                    labels: [("en".to_owned(), key.to_owned())].into(),
                    ..Term::default()
                },
            );
        })
        .unwrap();
    };
    add_theme(officer.doc(id), "business_human_rights");
    officer.push(id).await.unwrap();
    let errors = officer.until_closed().await.unwrap();
    assert!(
        errors.iter().any(|e| e.contains("may not write")),
        "{errors:?}"
    );
    // …an administrator may.
    let admin = server.account("admin@accord.test", "Admin", "admin");
    let mut admin = Peer::connect(&server.ws_url(), &admin).await.unwrap();
    admin.follow(id);
    admin.push(id).await.unwrap();
    admin
        .until("the admin has it", |p| !p.doc(id).get_heads().is_empty())
        .await
        .unwrap();
    add_theme(admin.doc(id), "business_human_rights");
    admin.until_acknowledged(id).await.unwrap();
}

/// Pumps both peers until they hold the same heads of `id`.
async fn converge(a: &mut Peer, b: &mut Peer, id: DocumentId) {
    let deadline = tokio::time::Instant::now() + accord_tests::PATIENCE;
    loop {
        let (ha, hb) = (a.doc(id).get_heads(), b.doc(id).get_heads());
        let (ha, hb): (BTreeSet<_>, BTreeSet<_>) =
            (ha.into_iter().collect(), hb.into_iter().collect());
        if ha == hb {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the two peers did not converge (errors: {:?} / {:?})",
            a.errors,
            b.errors
        );
        for p in [&mut *a, &mut *b] {
            // A quiet socket is not an error here: the other may have more to say.
            let _ = p.step(Duration::from_millis(50)).await;
        }
    }
}

fn outcome(title: &str) -> Outcome {
    Outcome {
        title: title.into(),
        ..Outcome::default()
    }
}

fn risk(text: &str) -> Risk {
    Risk {
        description: text.into(),
        likelihood: Level::Medium,
        impact: Level::High,
        ..Risk::default()
    }
}

/// The acceptance test: two people add list items and reorder at
/// the same time; both end with the same list, no item lost or duplicated.
#[tokio::test(flavor = "multi_thread")]
async fn concurrent_adds_and_reorders_of_the_programme_converge_without_losing_an_item() {
    let s = start();
    let id = s.doc("programme");
    let mut a = Peer::connect(&s.server.ws_url(), &s.server.token)
        .await
        .unwrap();
    let mut b = Peer::connect(&s.server.ws_url(), &s.fo2).await.unwrap();
    for p in [&mut a, &mut b] {
        p.follow(id);
        p.push(id).await.unwrap();
        p.until("the programme arrives", |p| {
            docs::open::<Programme>(p.doc(id)).is_ok_and(|p| !p.schema.kind.is_empty())
        })
        .await
        .unwrap();
    }

    // A shared starting point: three risks and an outcome, written by A.
    let mut base = Vec::new();
    docs::update::<Programme>(a.doc(id), |p| {
        for text in ["Elections delay reform", "Staff turnover", "Funding gap"] {
            base.push(items::push(&mut p.risks, risk(text)));
        }
        items::push(&mut p.outcomes, outcome("Legal aid reaches detainees"));
    })
    .unwrap();
    a.until_acknowledged(id).await.unwrap();
    converge(&mut a, &mut b, id).await;

    // Offline from each other: each adds a risk and an outcome and reorders.
    let (mut added_a, mut added_b) = (String::new(), String::new());
    docs::update::<Programme>(a.doc(id), |p| {
        added_a = items::push(&mut p.risks, risk("Reprisals against partners"));
        assert!(items::move_to(&mut p.risks, &base[2], 0));
        assert!(items::move_to(&mut p.risks, &added_a, 1));
        items::push(
            &mut p.outcomes,
            outcome("Pre-trial detention within legal limits"),
        );
    })
    .unwrap();
    docs::update::<Programme>(b.doc(id), |p| {
        added_b = items::push(&mut p.risks, risk("Court records lost in floods"));
        assert!(items::move_to(&mut p.risks, &base[0], 4));
        assert!(items::move_to(&mut p.risks, &base[2], 0));
        assert!(items::move_to(&mut p.risks, &added_b, 0));
        items::push(&mut p.outcomes, outcome("NHRI visits places of detention"));
    })
    .unwrap();
    a.push(id).await.unwrap();
    b.push(id).await.unwrap();
    converge(&mut a, &mut b, id).await;
    a.until_acknowledged(id).await.unwrap();
    b.until_acknowledged(id).await.unwrap();

    let pa: Programme = docs::open(a.doc(id)).unwrap();
    let pb: Programme = docs::open(b.doc(id)).unwrap();
    let (ra, rb) = (ordered_ids(&pa.risks), ordered_ids(&pb.risks));
    assert_eq!(ra, rb, "both see the risks in the same order");
    let mut expected: Vec<String> = base.clone();
    expected.extend([added_a.clone(), added_b.clone()]);
    expected.sort();
    let mut got = ra.clone();
    got.sort();
    assert_eq!(got, expected, "every risk once: none lost, none duplicated");
    assert_eq!(ordered_ids(&pa.outcomes), ordered_ids(&pb.outcomes));
    assert_eq!(pa.outcomes.len(), 3, "both new outcomes and the first");
    assert_eq!(pa, pb);

    // A third person, arriving afterwards, receives the same list from the server.
    let mut hq = Peer::connect(&s.server.ws_url(), &s.hq).await.unwrap();
    hq.follow(id);
    hq.push(id).await.unwrap();
    hq.until("HQ has the merged programme", |p| {
        docs::open::<Programme>(p.doc(id)).is_ok_and(|p| p.risks.len() == 5)
    })
    .await
    .unwrap();
    let ph: Programme = docs::open(hq.doc(id)).unwrap();
    assert_eq!(ordered_ids(&ph.risks), ra);
    let titles: Vec<String> = items::ordered(&ph.risks)
        .into_iter()
        .map(|(_, r)| r.description.as_str().to_owned())
        .collect();
    println!("merged order: {titles:?}");

    // And the dashboard counts the outputs of the merged programme (none yet).
    assert_eq!(s.mine(&s.server.token)["counts"]["outputs"], 0);
}
