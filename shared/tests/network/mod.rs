//! A hostile network between 3–5 replicas of one document, for property
//! tests: replicas edit while their sync messages are dropped, duplicated
//! and reordered; then the network heals (each pair starts a fresh sync
//! state, as the app does on reconnect) and sync runs until nobody has
//! anything to say. [`play`] checks that every replica then has the same
//! heads and the same content.
//!
//! Shared by `shared/tests/convergence.rs` (untyped maps, lists and text)
//! and `server/tests/typed_convergence.rs` (every document type of the
//! cycle), which includes this file by path.

use automerge::sync::{self, SyncDoc};
use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, Value, ROOT};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

#[derive(Debug, Clone)]
pub enum Step {
    /// `replica` makes an edit; `pick` chooses which and where, `text` is what it types.
    Edit {
        replica: usize,
        pick: u64,
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
    /// Delivers the newest message rather than the oldest: reordering.
    DeliverLast,
}

fn step(n: usize, text: &'static str) -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0..n, any::<u64>(), text).prop_map(|(replica, pick, text)| Step::Edit { replica, pick, text }),
        4 => (0..n, 0..n).prop_map(|(from, to)| Step::Send { from, to }),
        4 => (0usize..64).prop_map(|index| Step::Deliver { index }),
        1 => (0usize..64).prop_map(|index| Step::Drop { index }),
        1 => (0usize..64).prop_map(|index| Step::Duplicate { index }),
        1 => Just(Step::DeliverLast),
    ]
}

/// 3–5 replicas and up to `max_steps` steps; edits type text matching the regex `text`.
pub fn scenario(max_steps: usize, text: &'static str) -> impl Strategy<Value = (usize, Vec<Step>)> {
    (3usize..=5)
        .prop_flat_map(move |n| (Just(n), prop::collection::vec(step(n, text), 1..max_steps)))
}

type InFlight = (usize, usize, Vec<u8>);

fn deliver(
    replicas: &mut [AutoCommit],
    states: &mut [Vec<sync::State>],
    (from, to, bytes): &InFlight,
) -> Result<(), TestCaseError> {
    let msg = sync::Message::decode(bytes).expect("our own encoding");
    replicas[*to]
        .sync()
        .receive_sync_message(&mut states[*to][*from], msg)
        .map_err(|e| TestCaseError::fail(format!("a well-formed message did not apply: {e}")))
}

/// Plays `steps` over `replicas` (each edit made by `edit(doc, replica,
/// pick, text)`), heals the network, syncs to quiescence and checks that
/// every replica has the same heads and content.
pub fn play(
    replicas: &mut [AutoCommit],
    steps: Vec<Step>,
    mut edit: impl FnMut(&mut AutoCommit, usize, u64, &str) -> Result<(), TestCaseError>,
) -> Result<(), TestCaseError> {
    let n = replicas.len();
    let fresh = || -> Vec<Vec<sync::State>> {
        (0..n)
            .map(|_| (0..n).map(|_| sync::State::new()).collect())
            .collect()
    };
    let mut states = fresh();
    let mut network: Vec<InFlight> = Vec::new();
    for s in steps {
        match s {
            Step::Edit {
                replica,
                pick,
                text,
            } => {
                edit(&mut replicas[replica], replica, pick, &text)?;
                replicas[replica].commit();
            }
            Step::Send { from, to } if from != to => {
                let message = replicas[from]
                    .sync()
                    .generate_sync_message(&mut states[from][to]);
                if let Some(m) = message {
                    network.push((from, to, m.encode()));
                }
            }
            Step::Deliver { index } if !network.is_empty() => {
                let m = network.remove(index % network.len());
                deliver(replicas, &mut states, &m)?;
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
                    deliver(replicas, &mut states, &m)?;
                }
            }
            _ => {}
        }
    }

    // The network heals: stale messages are lost, every pair reconnects
    // with a fresh sync state and syncs until nobody has anything to say.
    let mut states = fresh();
    let mut rounds = 0;
    loop {
        let mut said = false;
        for from in 0..n {
            for to in (0..n).filter(|to| *to != from) {
                let message = replicas[from]
                    .sync()
                    .generate_sync_message(&mut states[from][to]);
                if let Some(m) = message {
                    said = true;
                    deliver(replicas, &mut states, &(from, to, m.encode()))?;
                }
            }
        }
        if !said {
            break;
        }
        rounds += 1;
        prop_assert!(rounds < 50, "sync did not settle");
    }

    let heads = replicas[0].get_heads();
    let first = dump(&replicas[0]);
    for (i, r) in replicas.iter_mut().enumerate().skip(1) {
        prop_assert_eq!(&r.get_heads(), &heads, "replica {} heads", i);
        prop_assert_eq!(&dump(r), &first, "replica {} content", i);
    }
    Ok(())
}

/// The whole content as text, for comparing replicas.
pub fn dump(doc: &AutoCommit) -> String {
    let mut out = String::new();
    dump_object(doc, &ROOT, &mut out);
    out
}

fn dump_object(doc: &AutoCommit, o: &ObjId, out: &mut String) {
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
            dump_object(doc, &id, out);
            out.push('}');
        }
        Value::Scalar(s) => out.push_str(&format!("{s:?}")),
    }
}
