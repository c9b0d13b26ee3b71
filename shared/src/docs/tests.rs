use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ReadDoc, ROOT};

use super::items::*;
use super::vocab::*;
use super::*;

fn need(title: &str) -> Need {
    Need {
        title: title.into(),
        ..Need::default()
    }
}

#[test]
fn every_shape_round_trips() {
    let mut doc = AutoCommit::new();
    let mut a = Assessment {
        method: AssessmentMethod::AssessmentMission,
        mission_start: "2027-03-01".into(),
        ..Assessment::default()
    };
    push(&mut a.needs, need("Legal aid outside the capital"));
    create(&mut doc, a.clone()).unwrap();
    let back: Assessment = open(&doc).unwrap();
    assert_eq!(back.schema.kind, "assessment");
    assert_eq!(back.schema.version, VERSION);
    assert_eq!(back.needs.len(), 1);
    assert_eq!(back.method, AssessmentMethod::AssessmentMission);
    // Enumerations are stored as their identifiers, free text as Text.
    let (_, needs) = doc.get(ROOT, "needs").unwrap().unwrap();
    let (id, _) = back.needs.iter().next().unwrap();
    let (_, n) = doc.get(&needs, id.as_str()).unwrap().unwrap();
    assert!(matches!(
        doc.get(&n, "title").unwrap().unwrap().0,
        automerge::Value::Object(ObjType::Text)
    ));
    assert_eq!(
        doc.get(ROOT, "method")
            .unwrap()
            .unwrap()
            .0
            .into_string()
            .ok()
            .as_deref(),
        Some("assessment_mission")
    );
    // Opening it as another kind is a clear error.
    let err = open::<Programme>(&doc).unwrap_err().to_string();
    assert!(
        err.contains("assessment") && err.contains("programme"),
        "{err}"
    );

    for (kind, bytes) in [
        ("engagement", new_doc::<Engagement>()),
        ("request", new_doc::<Request>()),
        ("consultations", new_doc::<Consultations>()),
        ("parties", new_doc::<Parties>()),
        ("programme", new_doc::<Programme>()),
        ("evaluation", new_doc::<Evaluation>()),
        ("taxonomy", new_doc::<Taxonomy>()),
    ] {
        let doc = AutoCommit::load(&bytes).unwrap();
        assert_eq!(declared_kind(&doc).as_deref(), Some(kind));
    }
}

fn new_doc<T: Shape>() -> Vec<u8> {
    let mut doc = AutoCommit::new();
    create(&mut doc, T::default()).unwrap();
    doc.save()
}

/// A document from before most fields existed: only a title and one need
/// with a title, and no schema version at all.
fn old_assessment() -> AutoCommit {
    let mut doc = AutoCommit::new();
    let schema = doc.put_object(ROOT, "schema", ObjType::Map).unwrap();
    doc.put(&schema, "kind", "assessment").unwrap();
    let ctx = doc
        .put_object(ROOT, "national_context", ObjType::Text)
        .unwrap();
    doc.splice_text(&ctx, 0, 0, "Written long ago").unwrap();
    let needs = doc.put_object(ROOT, "needs", ObjType::Map).unwrap();
    let n = doc.put_object(&needs, "n1", ObjType::Map).unwrap();
    let t = doc.put_object(&n, "title", ObjType::Text).unwrap();
    doc.splice_text(&t, 0, 0, "Old need").unwrap();
    doc.commit();
    AutoCommit::load(&doc.save()).unwrap()
}

#[test]
fn a_document_written_before_fields_were_added_opens_and_edits() {
    let mut doc = old_assessment();
    let a: Assessment = open(&doc).unwrap();
    assert_eq!(a.national_context.as_str(), "Written long ago");
    assert_eq!(a.needs["n1"].title.as_str(), "Old need");
    assert_eq!(a.needs["n1"].priority, Priority::default());
    assert_eq!(a.schema.version, 0);

    assert!(upgrade::<Assessment>(&mut doc).unwrap());
    assert!(!upgrade::<Assessment>(&mut doc).unwrap(), "once is enough");
    update::<Assessment>(&mut doc, |a| {
        a.needs.get_mut("n1").unwrap().lead = Lead::Joint;
        a.gender_analysis = "Women detainees".into();
    })
    .unwrap();
    let reloaded = AutoCommit::load(&doc.save()).unwrap();
    let a: Assessment = open(&reloaded).unwrap();
    assert_eq!(a.schema.version, VERSION);
    assert_eq!(a.needs["n1"].lead, Lead::Joint);
    assert_eq!(a.gender_analysis.as_str(), "Women detainees");
    assert_eq!(a.national_context.as_str(), "Written long ago");
}

#[test]
fn the_stored_fixtures_of_every_version_still_open() {
    // Documents written by each released schema version, kept in the repo.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let doc = AutoCommit::load(&bytes).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let kind = declared_kind(&doc).unwrap_or_default();
        let ok = match kind.as_str() {
            "engagement" => open::<Engagement>(&doc).map(|_| ()),
            "request" => open::<Request>(&doc).map(|_| ()),
            "assessment" => open::<Assessment>(&doc).map(|_| ()),
            "consultations" => open::<Consultations>(&doc).map(|_| ()),
            "programme" => open::<Programme>(&doc).map(|_| ()),
            "evaluation" => open::<Evaluation>(&doc).map(|_| ()),
            other => panic!("{name}: unexpected kind {other}"),
        };
        ok.unwrap_or_else(|e| panic!("{name}: {e}"));
        seen += 1;
    }
    assert!(seen >= 6, "fixtures found: {seen}");
}

/// Writes the fixtures of the current version (run once per schema version:
/// `cargo test -p accord-shared write_fixtures -- --ignored`).
#[test]
#[ignore]
fn write_fixtures() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    std::fs::create_dir_all(&dir).unwrap();
    let mut a = Assessment::default();
    let n = push(&mut a.needs, need("A need"));
    let mut p = Programme::default();
    let oc = push(&mut p.outcomes, Outcome::default());
    let out = push(
        &mut p.outcomes.get_mut(&oc).unwrap().outputs,
        Output {
            needs: [(n.clone(), true)].into(),
            ..Output::default()
        },
    );
    let _ = out;
    let mut e = Evaluation::default();
    let r = push(&mut e.recommendations, EvaluationRecommendation::default());
    push(
        &mut e.recommendations.get_mut(&r).unwrap().actions,
        FollowUpAction {
            due: "2027-06-30".into(),
            ..FollowUpAction::default()
        },
    );
    let mut c = Consultations::default();
    push(&mut c.consultations, Consultation::default());
    let write = |name: &str, bytes: Vec<u8>| {
        std::fs::write(dir.join(format!("{name}-v{VERSION}.automerge")), bytes).unwrap()
    };
    let save = |f: &dyn Fn(&mut AutoCommit)| {
        let mut doc = AutoCommit::new();
        f(&mut doc);
        doc.save()
    };
    write(
        "engagement",
        save(&|d| create(d, Engagement::default()).unwrap()),
    );
    write("request", save(&|d| create(d, Request::default()).unwrap()));
    write("assessment", save(&|d| create(d, a.clone()).unwrap()));
    write("consultations", save(&|d| create(d, c.clone()).unwrap()));
    write("programme", save(&|d| create(d, p.clone()).unwrap()));
    write("evaluation", save(&|d| create(d, e.clone()).unwrap()));
}

#[test]
fn concurrent_adds_and_reorders_converge_without_loss() {
    let mut base = AutoCommit::new();
    let mut p = Programme::default();
    let ids: Vec<String> = (0..3)
        .map(|i| {
            push(
                &mut p.risks,
                Risk {
                    owner: format!("r{i}"),
                    ..Risk::default()
                },
            )
        })
        .collect();
    create(&mut base, p).unwrap();
    let mut left = base.fork();
    let mut right = base.fork();
    update::<Programme>(&mut left, |p| {
        push(
            &mut p.risks,
            Risk {
                owner: "left".into(),
                ..Risk::default()
            },
        );
        move_to(&mut p.risks, &ids[2], 0);
    })
    .unwrap();
    update::<Programme>(&mut right, |p| {
        push(
            &mut p.risks,
            Risk {
                owner: "right".into(),
                ..Risk::default()
            },
        );
        move_to(&mut p.risks, &ids[2], 1);
        move_to(&mut p.risks, &ids[0], 3);
    })
    .unwrap();
    left.merge(&mut right).unwrap();
    right.merge(&mut left).unwrap();
    let l: Programme = open(&left).unwrap();
    let r: Programme = open(&right).unwrap();
    assert_eq!(ordered_ids(&l.risks), ordered_ids(&r.risks));
    assert_eq!(l.risks.len(), 5, "every item kept, none doubled");
    let owners: Vec<&str> = l.risks.values().map(|r| r.owner.as_str()).collect();
    for who in ["r0", "r1", "r2", "left", "right"] {
        assert!(owners.contains(&who), "{who} missing from {owners:?}");
    }
}

#[test]
fn validation_names_the_field() {
    let mut p = Programme {
        start: "2027-01-01".into(),
        end: "2026-12-31".into(),
        ..Programme::default()
    };
    let oc = push(
        &mut p.outcomes,
        Outcome {
            title: "Justice".into(),
            ..Outcome::default()
        },
    );
    let outcome = p.outcomes.get_mut(&oc).unwrap();
    let bare = push(
        &mut outcome.outputs,
        Output {
            title: "Legal aid".into(),
            ..Output::default()
        },
    );
    let mut with_indicator = Output {
        title: "Case tracking".into(),
        ..Output::default()
    };
    let ind = push(
        &mut with_indicator.indicators,
        Indicator {
            title: "Cases tracked".into(),
            ..Indicator::default()
        },
    );
    let measured = push(&mut outcome.outputs, with_indicator);
    let problems = validate::programme(&p);
    let has = |path: &[&str], code| {
        problems.iter().any(|pr| {
            pr.code == code && pr.path.iter().map(String::as_str).eq(path.iter().copied())
        })
    };
    use validate::ProblemCode::*;
    assert!(has(&["end"], EndBeforeStart), "{problems:?}");
    assert!(has(
        &["outcomes", &oc, "outputs", &bare, "indicators"],
        OutputWithoutIndicator
    ));
    assert!(has(
        &[
            "outcomes",
            &oc,
            "outputs",
            &measured,
            "indicators",
            &ind,
            "targets"
        ],
        IndicatorWithoutTarget
    ));
    assert!(!has(
        &["outcomes", &oc, "outputs", &measured, "indicators"],
        OutputWithoutIndicator
    ));
}

#[test]
fn traceability_both_ways_and_unaddressed_needs() {
    let mut a = Assessment::default();
    let mut c = Consultations::default();
    let cons = push(&mut c.consultations, Consultation::default());
    let rec = push(&mut a.recommendations, MechanismRecommendation::default());
    let n1 = push(
        &mut a.needs,
        Need {
            consultations: [(cons.clone(), true)].into(),
            recommendations: [(rec.clone(), true), ("gone".into(), true)].into(),
            ..need("one")
        },
    );
    let n2 = push(&mut a.needs, need("two"));
    let n3 = push(&mut a.needs, need("three"));
    let dropped = push(
        &mut a.needs,
        Need {
            status: NeedStatus::Dropped,
            ..need("four")
        },
    );
    let mut p = Programme::default();
    let oc = push(&mut p.outcomes, Outcome::default());
    let out = push(
        &mut p.outcomes.get_mut(&oc).unwrap().outputs,
        Output {
            needs: [(n1.clone(), true), (n2.clone(), true)].into(),
            ..Output::default()
        },
    );
    let mut e = Evaluation::default();
    let f = push(
        &mut e.findings,
        Finding {
            needs: [(n1.clone(), true)].into(),
            ..Finding::default()
        },
    );
    let t = trace::trace(&a, Some(&c), Some(&p), &[("eval-doc".into(), e)]);
    let one = t.need(&n1).unwrap();
    assert_eq!(one.consultations, vec![cons]);
    assert_eq!(
        one.recommendations,
        vec![rec],
        "a link to a deleted record is left out"
    );
    assert_eq!(
        one.outputs,
        vec![trace::OutputRef {
            outcome: oc.clone(),
            output: out.clone()
        }]
    );
    assert_eq!(
        one.findings,
        vec![trace::FindingRef {
            evaluation: "eval-doc".into(),
            finding: f
        }]
    );
    let unaddressed: Vec<&str> = t.unaddressed().map(|n| n.need.as_str()).collect();
    assert_eq!(
        unaddressed,
        vec![n3.as_str()],
        "a dropped need is not flagged"
    );
    let _ = dropped;
    let mut back = t.output_needs[&out].clone();
    back.sort();
    let mut want = vec![n1, n2];
    want.sort();
    assert_eq!(back, want);
    assert_eq!(trace::open_needs(&a), 3);
    assert_eq!(trace::output_count(&p), 1);
}

#[test]
fn overdue_actions_are_counted() {
    let mut e = Evaluation::default();
    let r = push(&mut e.recommendations, EvaluationRecommendation::default());
    let actions = &mut e.recommendations.get_mut(&r).unwrap().actions;
    push(
        actions,
        FollowUpAction {
            due: "2027-01-31".into(),
            ..FollowUpAction::default()
        },
    );
    push(
        actions,
        FollowUpAction {
            due: "2027-01-31".into(),
            status: ActionStatus::Completed,
            ..FollowUpAction::default()
        },
    );
    push(
        actions,
        FollowUpAction {
            due: "2027-12-31".into(),
            ..FollowUpAction::default()
        },
    );
    assert_eq!(trace::overdue_actions(&e, "2027-02-01"), 1);
}

#[test]
fn unknown_enumeration_values_are_errors_not_silent_defaults() {
    let mut doc = AutoCommit::new();
    create(&mut doc, Request::default()).unwrap();
    doc.put(ROOT, "channel", "carrier_pigeon").unwrap();
    let err = open::<Request>(&doc).unwrap_err().to_string();
    assert!(err.contains("Channel"), "{err}");
    // A number where text belongs is an error too.
    let mut doc = AutoCommit::new();
    create(&mut doc, Request::default()).unwrap();
    doc.put(ROOT, "scope", 42_i64).unwrap();
    assert!(open::<Request>(&doc).is_err());
}

#[test]
fn an_evaluation_of_version_1_opens_without_scope_and_evaluators_then_keeps_them() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/evaluation-v1.automerge");
    let mut doc = AutoCommit::load(&std::fs::read(path).unwrap()).unwrap();
    let e: Evaluation = open(&doc).unwrap();
    assert_eq!(e.scope.as_str(), "");
    assert_eq!(e.evaluators.as_str(), "");
    update::<Evaluation>(&mut doc, |e| {
        e.scope = "Legal aid outputs, 2026".into();
        e.evaluators = "OHCHR field presence with the Ministry's inspectorate".into();
    })
    .unwrap();
    let e: Evaluation = open(&AutoCommit::load(&doc.save()).unwrap()).unwrap();
    assert_eq!(e.scope.as_str(), "Legal aid outputs, 2026");
    assert!(e.evaluators.as_str().starts_with("OHCHR"));
}

#[test]
fn a_document_with_one_working_language_is_written_in_it() {
    let mut doc = AutoCommit::new();
    assert_eq!(writing_language(&doc), None);
    let languages = doc.put_object(ROOT, "languages", ObjType::Map).unwrap();
    doc.put(&languages, "ar", true).unwrap();
    assert_eq!(writing_language(&doc).as_deref(), Some("ar"));
    doc.put(&languages, "fr", true).unwrap();
    assert_eq!(
        writing_language(&doc),
        None,
        "two languages: unknown per field"
    );
    doc.put(&languages, "fr", false).unwrap();
    assert_eq!(
        writing_language(&doc).as_deref(),
        Some("ar"),
        "a language switched off"
    );
    assert_eq!(direction("ar"), "rtl");
    assert_eq!(direction("fa-IR"), "rtl");
    assert_eq!(direction("ur"), "rtl");
    assert_eq!(direction("en"), "ltr");
    assert_eq!(direction("zh"), "ltr");
    assert_eq!(direction("arn"), "ltr", "Mapudungun is not Arabic");
}
