//! A known sequence of edits by three people, replayed, and what the
//! history says about it, checked exactly.

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, AutoCommit, ObjType, ReadDoc, ROOT};

use super::*;

fn person(n: u8) -> (ActorId, Author) {
    let actor = ActorId::from(vec![n; 16]);
    let name = ["Amina", "Bruno", "Chen"][usize::from(n - 1)];
    (
        actor,
        Author {
            key: format!("user:{n}"),
            name: name.into(),
        },
    )
}

fn authors() -> Authors {
    Authors(
        (1..=3)
            .map(|n| {
                let (actor, author) = person(n);
                (actor.to_hex_string(), author)
            })
            .collect(),
    )
}

fn commit(doc: &mut AutoCommit, time: i64) {
    doc.commit_with(CommitOptions::default().with_time(time));
}

fn text_at(doc: &mut AutoCommit, path: &[&str]) -> automerge::ObjId {
    let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
    object_at(&*doc, &path, None).expect("the path leads to an object")
}

fn add_need(doc: &mut AutoCommit, id: &str, pos: f64, title: &str) {
    let needs = text_at(doc, &["needs"]);
    let need = doc.put_object(&needs, id, ObjType::Map).unwrap();
    doc.put(&need, "pos", pos).unwrap();
    let t = doc.put_object(&need, "title", ObjType::Text).unwrap();
    doc.splice_text(&t, 0, 0, title).unwrap();
}

struct Story {
    doc: AutoCommit,
    approved: Vec<ChangeHash>,
}

/// Amina writes the first version (approved); Bruno and Chen each edit a
/// copy of it without seeing the other's; their work is merged; Amina then
/// removes a need and adds a sentence.
fn story() -> Story {
    let (amina, _) = person(1);
    let (bruno, _) = person(2);
    let (chen, _) = person(3);
    let mut a = AutoCommit::new().with_actor(amina);
    a.put(&ROOT, "status", "draft").unwrap();
    let context = a
        .put_object(&ROOT, "national_context", ObjType::Text)
        .unwrap();
    a.splice_text(&context, 0, 0, "Courts are slow.").unwrap();
    a.put_object(&ROOT, "needs", ObjType::Map).unwrap();
    add_need(&mut a, "n1", 1.0, "Legal aid");
    add_need(&mut a, "n3", 3.0, "Juvenile justice");
    commit(&mut a, 1_000);
    let approved = a.get_heads();

    let mut b = a.fork().with_actor(bruno);
    let context_b = text_at(&mut b, &["national_context"]);
    b.splice_text(&context_b, 11, 0, "very ").unwrap();
    commit(&mut b, 2_000);
    add_need(&mut b, "n2", 2.0, "Detention");
    commit(&mut b, 2_030);

    let mut c = a.fork().with_actor(chen);
    let context_c = text_at(&mut c, &["national_context"]);
    c.splice_text(&context_c, 0, 6, "Tribunals").unwrap();
    c.put(&ROOT, "status", "in_review").unwrap();
    let n3 = text_at(&mut c, &["needs", "n3"]);
    c.put(&n3, "pos", 0.5).unwrap();
    commit(&mut c, 2_100);

    a.merge(&mut b).unwrap();
    a.merge(&mut c).unwrap();
    let needs = text_at(&mut a, &["needs"]);
    a.delete(&needs, "n1").unwrap();
    let end = a.text(&context).unwrap().chars().count();
    a.splice_text(&context, end, 0, " Reform is needed.")
        .unwrap();
    commit(&mut a, 5_000);
    Story { doc: a, approved }
}

fn who(n: u8) -> Option<Author> {
    Some(person(n).1)
}

fn piece(kind: PieceKind, text: &str, by: Option<Author>) -> Piece {
    Piece {
        kind,
        text: text.into(),
        by,
    }
}

fn path(p: &[&str]) -> FieldPath {
    p.iter().map(|s| s.to_string()).collect()
}

#[test]
fn the_merged_text_is_what_everyone_wrote() {
    let mut s = story();
    let context = text_at(&mut s.doc, &["national_context"]);
    assert_eq!(
        s.doc.text(&context).unwrap(),
        "Tribunals are very slow. Reform is needed."
    );
}

#[test]
fn compare_names_every_insertion_deletion_and_record_with_its_author() {
    let mut s = story();
    let now = s.doc.get_heads();
    let cmp = compare(s.doc.document(), &s.approved, &now, &authors());
    use PieceKind::*;
    let expected = vec![
        FieldChange {
            path: path(&["national_context"]),
            change: Difference::Text {
                pieces: vec![
                    piece(Deleted, "Courts", who(3)),
                    piece(Inserted, "Tribunals", who(3)),
                    piece(Same, " are ", None),
                    piece(Inserted, "very ", who(2)),
                    piece(Same, "slow.", None),
                    piece(Inserted, " Reform is needed.", who(1)),
                ],
            },
        },
        FieldChange {
            path: path(&["needs", "n1"]),
            change: Difference::Removed {
                by: who(1),
                gist: "Legal aid".into(),
            },
        },
        FieldChange {
            path: path(&["needs", "n2"]),
            change: Difference::Added { by: who(2) },
        },
        FieldChange {
            path: path(&["needs", "n2", "title"]),
            change: Difference::Text {
                pieces: vec![piece(Inserted, "Detention", who(2))],
            },
        },
        FieldChange {
            path: path(&["needs", "n3"]),
            change: Difference::Moved { by: who(3) },
        },
        FieldChange {
            path: path(&["status"]),
            change: Difference::Value {
                before: Some("draft".into()),
                after: Some("in_review".into()),
                by: who(3),
            },
        },
    ];
    assert_eq!(cmp.changes, expected);
    let per_section: Vec<(&str, usize)> = cmp
        .per_section
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(
        per_section,
        [("national_context", 1), ("needs", 4), ("status", 1)]
    );

    // Backwards, what was inserted is now deleted, by whoever wrote it.
    let back = compare(s.doc.document(), &now, &s.approved, &authors());
    let Difference::Text { pieces } = &back.changes[0].change else {
        panic!("the text first: {:?}", back.changes[0]);
    };
    assert_eq!(pieces[0], piece(Deleted, "Tribunals", who(3)));
    // The same version compared with itself: nothing.
    assert_eq!(
        compare(s.doc.document(), &now, &now, &authors()),
        Comparison::default()
    );
}

#[test]
fn attribution_says_who_wrote_each_span() {
    let mut s = story();
    let now = s.doc.get_heads();
    let spans = attribution(
        s.doc.document(),
        &path(&["national_context"]),
        &now,
        &authors(),
    )
    .expect("a text field");
    let got: Vec<(&str, &str)> = spans
        .iter()
        .map(|s| (s.text.as_str(), s.by.name.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("Tribunals", "Chen"),
            (" are ", "Amina"),
            ("very ", "Bruno"),
            ("slow. Reform is needed.", "Amina"),
        ]
    );
    // As of the approved version, all Amina's.
    let then = attribution(
        s.doc.document(),
        &path(&["national_context"]),
        &s.approved,
        &authors(),
    )
    .unwrap();
    assert_eq!(then.len(), 1);
    assert_eq!(then[0].text, "Courts are slow.");
    // A number is not a text; a missing field is nothing.
    assert!(attribution(
        s.doc.document(),
        &path(&["needs", "n3", "pos"]),
        &now,
        &authors()
    )
    .is_none());
    assert!(attribution(s.doc.document(), &path(&["nowhere"]), &now, &authors()).is_none());
}

#[test]
fn an_unbound_actor_is_named_by_its_id() {
    let mut s = story();
    let now = s.doc.get_heads();
    let spans = attribution(
        s.doc.document(),
        &path(&["national_context"]),
        &now,
        &Authors::default(),
    )
    .unwrap();
    assert_eq!(spans[0].by.name, "");
    assert_eq!(spans[0].by.key, format!("actor:{}", "03".repeat(16)));
}

#[test]
fn edits_made_apart_are_flagged_with_both_contributions() {
    let mut s = story();
    let flags = concurrent_edits(s.doc.document(), &authors());
    assert_eq!(flags.len(), 1, "{flags:#?}");
    let flag = &flags[0];
    assert_eq!(flag.path, path(&["national_context"]));
    let got: Vec<(&str, &str, usize)> = flag
        .contributions
        .iter()
        .map(|c| (c.by.name.as_str(), c.inserted.as_str(), c.deleted))
        .collect();
    assert_eq!(got, [("Bruno", "very ", 0), ("Chen", "Tribunals", 6)]);
    assert_eq!(flag.at, 2_100);
    // The id stays the same for the same history.
    assert_eq!(
        concurrent_edits(s.doc.document(), &authors())[0].id,
        flag.id
    );
}

#[test]
fn edits_one_after_the_other_are_not_flagged() {
    let (amina, _) = person(1);
    let (bruno, _) = person(2);
    let mut a = AutoCommit::new().with_actor(amina);
    let t = a.put_object(&ROOT, "scope", ObjType::Text).unwrap();
    a.splice_text(&t, 0, 0, "One.").unwrap();
    commit(&mut a, 10);
    let mut b = a.fork().with_actor(bruno);
    b.splice_text(&t, 4, 0, " Two.").unwrap();
    commit(&mut b, 20);
    a.merge(&mut b).unwrap();
    a.splice_text(&t, 0, 0, "Zero. ").unwrap();
    commit(&mut a, 30);
    assert!(concurrent_edits(a.document(), &authors()).is_empty());
}

#[test]
fn the_timeline_groups_sessions_and_gives_each_its_version() {
    let mut s = story();
    let sessions = timeline(s.doc.document(), &authors());
    let who: Vec<(&str, i64, usize)> = sessions
        .iter()
        .map(|s| (s.by.name.as_str(), s.start, s.changes))
        .collect();
    assert_eq!(
        who,
        [
            ("Amina", 1_000, 1),
            ("Bruno", 2_000, 2),
            ("Chen", 2_100, 1),
            ("Amina", 5_000, 1)
        ]
    );
    assert_eq!(sessions[0].heads, s.approved);
    assert_eq!(sessions[3].heads, s.doc.get_heads());
    // Bruno's session: the context, the needs list (a record added) and its title.
    for field in [
        path(&["national_context"]),
        path(&["needs"]),
        path(&["needs", "n2", "title"]),
    ] {
        assert!(
            sessions[1].fields.contains(&field),
            "{:?}",
            sessions[1].fields
        );
    }
    // Chen's version is Amina's plus Chen's, without Bruno's.
    let chen = &sessions[2].heads;
    let context = text_at(&mut s.doc, &["national_context"]);
    assert_eq!(
        s.doc.text_at(&context, chen).unwrap(),
        "Tribunals are very slow."
    );
    // Ordered by time where causality allows, Bruno's both changes before
    // Chen's: the version after Chen's session includes Bruno's too.
    assert_eq!(chen.len(), 2);
    // Amina's removal counts as a change to the needs list.
    assert!(sessions[3].fields.contains(&path(&["needs"])));
}
