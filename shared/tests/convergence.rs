//! Convergence under a hostile network: 3–5 replicas of one document make
//! random edits (text splices, map puts and deletes, list inserts) while
//! their sync messages are dropped, duplicated and reordered. Once the
//! network heals (each pair starts a fresh sync state, as the app does on
//! reconnect) and sync runs to quiescence, every replica has the same heads
//! and the same content.

use automerge::sync::{self, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, Value, ROOT};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Step {
    /// Replica edits: which, what, where (taken modulo the length), text.
    Edit {
        replica: usize,
        kind: u8,
        at: usize,
        text: String,
    },
    /// Replica `from` generates its next sync message for `to` into the network.
    Send {
        from: usize,
        to: usize,
    },
    /// The network delivers the message at this index (taken modulo its length).
    Deliver {
        index: usize,
    },
    Drop {
        index: usize,
    },
    Duplicate {
        index: usize,
    },
    /// Delivers a message that is not the oldest: reordering.
    DeliverLast,
}

fn step(n: usize) -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0..n, 0u8..5, 0usize..64, "[a-zé😀 ]{0,6}").prop_map(|(replica, kind, at, text)| Step::Edit { replica, kind, at, text }),
        4 => (0..n, 0..n).prop_map(|(from, to)| Step::Send { from, to }),
        4 => (0usize..64).prop_map(|index| Step::Deliver { index }),
        1 => (0usize..64).prop_map(|index| Step::Drop { index }),
        1 => (0usize..64).prop_map(|index| Step::Duplicate { index }),
        1 => Just(Step::DeliverLast),
    ]
}

fn scenario() -> impl Strategy<Value = (usize, Vec<Step>)> {
    (3usize..=5).prop_flat_map(|n| (Just(n), prop::collection::vec(step(n), 1..120)))
}

struct Replica {
    doc: AutoCommit,
    /// Sync state towards each other replica.
    states: Vec<sync::State>,
}

fn obj(doc: &AutoCommit, key: &str) -> ObjId {
    doc.get(ROOT, key)
        .unwrap()
        .expect("created with the base")
        .1
}

fn edit(doc: &mut AutoCommit, kind: u8, at: usize, text: &str) {
    match kind {
        0 | 1 => {
            let t = obj(doc, "title");
            let len = doc.length(&t);
            let pos = at % (len + 1);
            let del = if kind == 1 { (len - pos).min(2) } else { 0 };
            doc.splice_text(&t, pos, del as isize, text).unwrap();
        }
        2 => {
            let m = obj(doc, "items");
            doc.put(&m, format!("k{}", at % 5), text).unwrap();
        }
        3 => {
            let m = obj(doc, "items");
            let _ = doc.delete(&m, format!("k{}", at % 5));
        }
        _ => {
            let l = obj(doc, "list");
            let len = doc.length(&l);
            doc.insert(&l, at % (len + 1), text).unwrap();
        }
    }
    doc.commit();
}

/// The whole content as text, for comparing replicas.
fn dump(doc: &AutoCommit, o: &ObjId, out: &mut String) {
    match doc.object_type(o).unwrap() {
        ObjType::Text => out.push_str(&format!("{:?}", doc.text(o).unwrap())),
        ObjType::Map | ObjType::Table => {
            for key in doc.keys(o) {
                out.push_str(&format!("{key}="));
                dump_value(doc, doc.get(o, &key).unwrap().unwrap(), out);
                out.push(',');
            }
        }
        ObjType::List => {
            for i in 0..doc.length(o) {
                dump_value(doc, doc.get(o, i).unwrap().unwrap(), out);
                out.push(',');
            }
        }
    }
}

fn dump_value(doc: &AutoCommit, (v, id): (Value<'_>, ObjId), out: &mut String) {
    match v {
        Value::Object(_) => {
            out.push('{');
            dump(doc, &id, out);
            out.push('}');
        }
        Value::Scalar(s) => out.push_str(&format!("{s:?}")),
    }
}

fn deliver(replicas: &mut [Replica], (from, to, bytes): &(usize, usize, Vec<u8>)) {
    let msg = sync::Message::decode(bytes).expect("our own encoding");
    let r = &mut replicas[*to];
    r.doc
        .sync()
        .receive_sync_message(&mut r.states[*from], msg)
        .expect("a well-formed message applies");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn replicas_converge_despite_drops_duplicates_and_reorders((n, steps) in scenario()) {
        let mut base = AutoCommit::new();
        base.put_object(ROOT, "title", ObjType::Text).unwrap();
        base.put_object(ROOT, "items", ObjType::Map).unwrap();
        base.put_object(ROOT, "list", ObjType::List).unwrap();
        base.commit();
        let mut replicas: Vec<Replica> = (0..n)
            .map(|_| Replica {
                doc: base.fork(),
                states: (0..n).map(|_| sync::State::new()).collect(),
            })
            .collect();
        let mut network: Vec<(usize, usize, Vec<u8>)> = Vec::new();

        for s in steps {
            match s {
                Step::Edit { replica, kind, at, text } => edit(&mut replicas[replica].doc, kind, at, &text),
                Step::Send { from, to } if from != to => {
                    let r = &mut replicas[from];
                    if let Some(m) = r.doc.sync().generate_sync_message(&mut r.states[to]) {
                        network.push((from, to, m.encode()));
                    }
                }
                Step::Send { .. } => {}
                Step::Deliver { index } if !network.is_empty() => {
                    let m = network.remove(index % network.len());
                    deliver(&mut replicas, &m);
                }
                Step::Drop { index } if !network.is_empty() => {
                    network.remove(index % network.len());
                }
                Step::Duplicate { index } if !network.is_empty() => {
                    let m = network[index % network.len()].clone();
                    network.push(m);
                }
                Step::DeliverLast => {
                    if let Some(m) = network.pop() {
                        deliver(&mut replicas, &m);
                    }
                }
                _ => {}
            }
        }

        // The network heals: stale messages are lost, every pair reconnects
        // with a fresh sync state and syncs until nobody has anything to say.
        for r in &mut replicas {
            r.states = (0..n).map(|_| sync::State::new()).collect();
        }
        let mut rounds = 0;
        loop {
            let mut said = false;
            for from in 0..n {
                for to in 0..n {
                    if from == to {
                        continue;
                    }
                    let message = {
                        let r = &mut replicas[from];
                        r.doc.sync().generate_sync_message(&mut r.states[to])
                    };
                    if let Some(m) = message {
                        said = true;
                        deliver(&mut replicas, &(from, to, m.encode()));
                    }
                }
            }
            if !said {
                break;
            }
            rounds += 1;
            prop_assert!(rounds < 50, "sync did not settle");
        }

        let heads = replicas[0].doc.get_heads();
        let mut first = String::new();
        dump(&replicas[0].doc, &ROOT, &mut first);
        for (i, r) in replicas.iter_mut().enumerate().skip(1) {
            prop_assert_eq!(&r.doc.get_heads(), &heads, "replica {} heads", i);
            let mut content = String::new();
            dump(&r.doc, &ROOT, &mut content);
            prop_assert_eq!(&content, &first, "replica {} content", i);
        }
    }
}
