//! `accord backup` and `accord restore`: a consistent copy of the database
//! taken while the server is serving, and putting such a copy in place.
//!
//! Backup runs `VACUUM INTO` on a read connection of its own. In WAL mode a
//! reader sees one committed snapshot and never blocks the writer, so the copy
//! holds exactly the changes committed (and so acknowledged) when it began,
//! and the server keeps accepting writes meanwhile. The copy is written to a
//! temporary file beside the target, fsync'd, then renamed: a backup file is
//! either whole or absent.
//!
//! Restore first checks that the file is an Accord database (SQLite,
//! `PRAGMA integrity_check` says ok, Accord's tables are there) and refuses to
//! replace a data directory that already holds a database unless forced.
//! The target is only touched once the file has passed.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use rusqlite::{Connection, OpenFlags};

/// The database file inside a data directory (as `Store::open` names it).
pub const DB_FILE: &str = "accord.sqlite3";

/// Tables every Accord database has; a file without them is something else.
const REQUIRED_TABLES: &[&str] = &["meta", "documents", "changes", "users"];

/// Writes a consistent copy of `data_dir`'s database to `out`; safe while serving.
pub fn backup(data_dir: &Path, out: &Path) -> anyhow::Result<()> {
    let db = data_dir.join(DB_FILE);
    if !db.is_file() {
        bail!(
            "no Accord database in {} ({} is missing)",
            data_dir.display(),
            db.display()
        );
    }
    if out.exists() {
        bail!(
            "{} already exists; choose a new file name (a backup never overwrites)",
            out.display()
        );
    }
    let tmp = sibling(out, ".partial");
    let _ = std::fs::remove_file(&tmp);
    let result = (|| -> anyhow::Result<()> {
        // Not read-only: reading a WAL database may need to create its -shm.
        let conn = Connection::open_with_flags(
            &db,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .with_context(|| format!("opening {}", db.display()))?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        let tmp_str = tmp
            .to_str()
            .with_context(|| format!("{} is not a UTF-8 path", tmp.display()))?;
        conn.execute("VACUUM INTO ?1", [tmp_str])
            .with_context(|| format!("copying the database into {}", tmp.display()))?;
        drop(conn);
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .with_context(|| format!("flushing {}", tmp.display()))?;
        check_accord_database(&tmp)?;
        std::fs::rename(&tmp, out)
            .with_context(|| format!("moving the backup to {}", out.display()))?;
        sync_parent(out);
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Puts the backup `from` in place as `data_dir`'s database.
pub fn restore(from: &Path, data_dir: &Path, force: bool) -> anyhow::Result<()> {
    if !from.is_file() {
        bail!("{} is not a file", from.display());
    }
    check_accord_database(from)?;
    let db = data_dir.join(DB_FILE);
    let has_db = std::fs::metadata(&db).map(|m| m.len() > 0).unwrap_or(false);
    if has_db && !force {
        bail!(
            "{} already holds a database; restoring would replace it. \
             Stop the server, then run again with --force to replace it",
            data_dir.display()
        );
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating the data directory {}", data_dir.display()))?;
    let tmp = sibling(&db, ".restoring");
    let copied = std::fs::copy(from, &tmp)
        .and_then(|_| std::fs::File::open(&tmp)?.sync_all())
        .with_context(|| format!("copying {} into {}", from.display(), tmp.display()));
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    // The old database's write-ahead log must not be replayed onto the copy.
    for suffix in ["-wal", "-shm"] {
        let p = sibling(&db, suffix);
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(e).with_context(|| format!("removing {}", p.display()));
            }
        }
    }
    std::fs::rename(&tmp, &db).with_context(|| format!("moving the copy to {}", db.display()))?;
    sync_parent(&db);
    Ok(())
}

/// Fails with a clear message unless `path` is a whole Accord database.
pub fn check_accord_database(path: &Path) -> anyhow::Result<()> {
    let what = || format!("{} is not a usable Accord database", path.display());
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(what)?;
    let problems: Vec<String> = conn
        .prepare("PRAGMA integrity_check")
        .and_then(|mut s| {
            s.query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<_, _>>()
        })
        .with_context(what)?;
    if problems != ["ok"] {
        bail!(
            "{}: SQLite's integrity check failed: {}",
            what(),
            problems.join("; ")
        );
    }
    for table in REQUIRED_TABLES {
        let found = conn
            .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1")
            .and_then(|mut s| s.exists([table]))
            .with_context(what)?;
        if !found {
            bail!("{}: it has no `{table}` table", what());
        }
    }
    Ok(())
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Makes a rename durable (best effort: not every platform can open a directory).
fn sync_parent(path: &Path) {
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
}
