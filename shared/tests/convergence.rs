//! Convergence under a hostile network: 3–5 replicas of one document make
//! random edits (text splices, map puts and deletes, list inserts) while
//! their sync messages are dropped, duplicated and reordered (see
//! `network/`). Once the network heals and sync runs to quiescence, every
//! replica has the same heads and the same content. The same over every
//! typed document of the cycle: `server/tests/typed_convergence.rs`.

mod network;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ReadDoc, ROOT};
use proptest::prelude::*;

fn obj(doc: &AutoCommit, key: &str) -> ObjId {
    doc.get(ROOT, key)
        .unwrap()
        .expect("created with the base")
        .1
}

fn edit(doc: &mut AutoCommit, pick: u64, text: &str) {
    let (kind, at) = (pick % 5, (pick / 5) as usize % 64);
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
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn replicas_converge_despite_drops_duplicates_and_reorders((n, steps) in network::scenario(120, "[a-zé😀 ]{0,6}")) {
        let mut base = AutoCommit::new();
        base.put_object(ROOT, "title", ObjType::Text).unwrap();
        base.put_object(ROOT, "items", ObjType::Map).unwrap();
        base.put_object(ROOT, "list", ObjType::List).unwrap();
        base.commit();
        let mut replicas: Vec<AutoCommit> = (0..n).map(|_| base.fork()).collect();
        network::play(&mut replicas, steps, |doc, _, pick, text| {
            edit(doc, pick, text);
            Ok(())
        })?;
    }
}
