//! `accord backup` while the server serves (and a peer keeps writing), then
//! `accord restore` into a fresh data directory: a server started on it
//! gives a client every document with every change acknowledged before the
//! backup began. Files that are not whole Accord databases are refused with
//! a clear message and the target is left as it was.

use std::path::Path;
use std::process::{Command, Output};

use accord_shared::DocumentId;
use accord_tests::server::accord_bin;
use accord_tests::{Peer, TestServer};
use automerge::transaction::Transactable;
use automerge::{ObjType, ReadDoc, ROOT};

fn with_title(title: &str) -> impl FnOnce(&mut automerge::AutoCommit) + '_ {
    move |doc| {
        let t = doc.put_object(ROOT, "title", ObjType::Text).unwrap();
        doc.splice_text(&t, 0, 0, title).unwrap();
    }
}

fn append_title(peer: &mut Peer, id: DocumentId, text: &str) {
    let doc = peer.doc(id);
    let (_, t) = doc.get(ROOT, "title").unwrap().unwrap();
    let len = doc.length(&t);
    doc.splice_text(&t, len, 0, text).unwrap();
    doc.commit();
}

fn accord(args: &[&str]) -> Output {
    Command::new(accord_bin())
        .args(args)
        .output()
        .expect("running accord")
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn restore(from: &Path, data: &Path, force: bool) -> Output {
    let mut args = vec!["restore", "--from", path(from), "--data", path(data)];
    if force {
        args.push("--force");
    }
    accord(&args)
}

fn refused(out: &Output, expect: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "should have been refused: {stderr}");
    assert!(stderr.contains(expect), "expected {expect:?} in: {stderr}");
    assert!(!stderr.contains("panicked"), "a panic: {stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_taken_while_serving_restores_every_acknowledged_change() {
    let server = TestServer::start(&[]);
    let mut writer = Peer::connect(&server.ws_url(), &server.token)
        .await
        .unwrap();
    let ids: Vec<DocumentId> = (0..3)
        .map(|n| writer.create(with_title(&format!("doc{n}:"))))
        .collect();
    for round in 0..3 {
        for &id in &ids {
            append_title(&mut writer, id, &format!("[{round}]"));
            writer.until_acknowledged(id).await.unwrap();
        }
    }
    let before: Vec<String> = ids
        .iter()
        .map(|&id| writer.text(id, "title").unwrap())
        .collect();

    // Back up while the peer keeps writing and waiting for acknowledgements.
    let backups = tempfile::tempdir().unwrap();
    let file = backups.path().join("accord-backup.sqlite3");
    let backup = {
        let data = server.data.clone();
        let file = file.clone();
        std::thread::spawn(move || accord(&["backup", "--data", path(&data), "--out", path(&file)]))
    };
    let mut during = 0;
    while !backup.is_finished() || during < 3 {
        append_title(&mut writer, ids[0], &format!("<{during}>"));
        writer.until_acknowledged(ids[0]).await.unwrap();
        during += 1;
    }
    let out = backup.join().unwrap();
    assert!(
        out.status.success(),
        "accord backup: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The server is unharmed and still acknowledges.
    append_title(&mut writer, ids[1], "(after)");
    writer.until_acknowledged(ids[1]).await.unwrap();

    // A second backup to the same file is refused, not overwritten.
    let again = accord(&["backup", "--data", path(&server.data), "--out", path(&file)]);
    refused(&again, "already exists");

    // Restore into a fresh data directory and serve it.
    let restored = tempfile::tempdir().unwrap();
    let data = restored.path().join("data");
    let out = restore(&file, &data, false);
    assert!(
        out.status.success(),
        "accord restore: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    {
        let second = TestServer::start_on(data.clone(), &server.token, &[]);
        let mut reader = Peer::connect(&second.ws_url(), &second.token)
            .await
            .unwrap();
        for (n, &id) in ids.iter().enumerate() {
            reader.follow(id);
            reader.push(id).await.unwrap();
            let expected = before[n].clone();
            reader
                .until("the restored document has what was acknowledged", |p| {
                    p.text(id, "title")
                        .is_some_and(|t| t.starts_with(expected.as_str()))
                })
                .await
                .unwrap();
        }
        // Written whole: every change the copy holds of the busy document is
        // one of the writer's, in order.
        let busy = reader.text(ids[0], "title").unwrap();
        let full = writer.text(ids[0], "title").unwrap();
        assert!(
            full.starts_with(&busy),
            "{busy:?} is not a prefix of {full:?}"
        );
    }

    // Restoring over a data directory that holds a database needs --force.
    let db = data.join("accord.sqlite3");
    let original = std::fs::read(&db).unwrap();
    refused(&restore(&file, &data, false), "--force");

    // Bad files are refused and touch nothing.
    let not_sqlite = backups.path().join("notes.txt");
    std::fs::write(
        &not_sqlite,
        "these are not the backups you are looking for\n".repeat(200),
    )
    .unwrap();
    let truncated = backups.path().join("truncated.sqlite3");
    let whole = std::fs::read(&file).unwrap();
    std::fs::write(&truncated, &whole[..whole.len() / 2]).unwrap();
    let foreign = backups.path().join("foreign.sqlite3");
    empty_database(&foreign);
    let missing = backups.path().join("missing.sqlite3");
    for (bad, expect) in [
        (&not_sqlite, "not a usable Accord database"),
        (&truncated, "not a usable Accord database"),
        (&foreign, "has no `meta` table"),
        (&missing, "is not a file"),
    ] {
        refused(&restore(bad, &data, true), expect);
        assert!(
            std::fs::read(&db).unwrap() == original,
            "{} changed the target",
            bad.display()
        );
        let fresh = restored.path().join("fresh");
        refused(&restore(bad, &fresh, false), expect);
        assert!(!fresh.join("accord.sqlite3").exists());
    }

    // --force replaces a database with a good backup.
    let out = restore(&file, &data, true);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// An SQLite database that is not Accord's: an empty file is a valid,
/// empty SQLite database, without any of Accord's tables.
fn empty_database(path: &Path) {
    std::fs::write(path, b"").unwrap();
}
