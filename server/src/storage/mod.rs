//! Durable storage of documents: an embedded SQLite database in WAL mode.
//!
//! Every accepted change is appended to `changes` and fsync'd before the
//! relay tells anyone about it. One writer thread owns the write connection
//! and commits whatever is queued in a single transaction (group commit), so
//! many documents' changes share one fsync. A document's changes are folded
//! into a snapshot now and then ([`Store::compact`]) so loading stays fast.

use std::path::{Path, PathBuf};
use std::sync::mpsc as std_mpsc;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use accord_shared::policy::{DocKind, Role};
use accord_shared::DocumentId;
use rusqlite::{params, Connection, OptionalExtension};
use tokio::sync::oneshot;

/// Why storage failed; the message says what the operator can do.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the storage writer has stopped (see earlier errors); restart the server")]
    WriterGone,
    #[error("the database refused the write: {0}")]
    Write(String),
    #[error("a background task failed: {0}")]
    Join(String),
}

/// Who is behind appended changes, recorded in the same transaction.
#[derive(Debug, Default, Clone)]
pub struct Provenance {
    /// The document's first writer becomes its owner (only if it has none).
    pub owner: Option<i64>,
    /// Actor ids seen for the first time, bound to the person who sent them.
    pub new_actors: Vec<(Vec<u8>, i64)>,
}

/// What a document has on disk: an optional snapshot and the changes after it.
#[derive(Debug, Default)]
pub struct StoredDocument {
    pub snapshot: Option<Vec<u8>>,
    /// The snapshot's heads (32-byte change hashes, one after another), so
    /// the document's heads are known before it is loaded; `None` for a
    /// snapshot stored before Accord kept them.
    pub snapshot_heads: Option<Vec<u8>>,
    pub changes: Vec<Vec<u8>>,
    /// Row id of the last change returned; compaction covers up to it.
    pub last_change_id: i64,
    /// The person the document belongs to until it joins an engagement.
    pub owner: Option<i64>,
    /// Set once the document is part of an engagement.
    pub governance: Option<Governance>,
}

/// How an engagement's document is governed: its engagement's membership
/// decides who reads and writes, section by section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Governance {
    pub engagement: DocumentId,
    pub kind: DocKind,
    pub shared_with_government: bool,
    pub submitted: bool,
    /// A submission whose author's consent was withdrawn: nobody reads it.
    pub withdrawn: bool,
}

/// A document written whole by the server, already part of an engagement.
#[derive(Debug, Clone)]
pub struct NewDocument {
    pub id: DocumentId,
    pub kind: DocKind,
    pub changes: Vec<Vec<u8>>,
    pub shared_with_government: bool,
}

/// A member of an engagement, as the admin page lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    pub email: String,
    pub name: String,
    pub role: String,
    pub parties_granted: bool,
}

/// What a person is in an engagement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Membership {
    pub role: Role,
    /// May read the confidential consultation parties (HQ reviewers only).
    pub parties_granted: bool,
}

/// The outcome of granting or revoking the confidential parties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantChange {
    Changed,
    /// It already was so; nothing written.
    Unchanged,
    NotMember,
    /// The member's role (only HQ reviewers can be granted).
    NotReviewer(String),
}

/// A document of an engagement as the `documents` table knows it.
#[derive(Debug, Clone, Copy)]
pub struct AttachedDocument {
    pub id: DocumentId,
    pub owner: Option<i64>,
    pub governance: Governance,
}

enum WriteOp {
    Append {
        doc: DocumentId,
        changes: Vec<Vec<u8>>,
        provenance: Provenance,
        done: oneshot::Sender<Result<i64, StorageError>>,
    },
    Compact {
        doc: DocumentId,
        snapshot: Vec<u8>,
        heads: Vec<u8>,
        upto_change_id: i64,
        done: oneshot::Sender<Result<(), StorageError>>,
    },
    SetMeta {
        key: String,
        value: String,
        done: oneshot::Sender<Result<(), StorageError>>,
    },
    /// Any other write, in a savepoint of its own so its failure is its own.
    /// Taken out when run; its completion is called once the batch commits or fails.
    Run(Option<RunFn>),
}

type Completion = Box<dyn FnOnce(Result<(), String>) + Send>;
type RunFn = Box<dyn FnOnce(&rusqlite::Transaction<'_>) -> Completion + Send>;

/// Handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: std_mpsc::Sender<WriteOp>,
    /// Reads running at once. Each runs on a blocking thread holding its own
    /// connection; unbounded, a burst (10,000 `request`s for unknown
    /// documents) grew tokio's pool to 512 threads and connections, some
    /// 250 MB, although the reads themselves are tiny.
    readers: tokio::sync::Semaphore,
}

/// Bytes SQLite has allocated (page caches of every connection, statements).
pub fn sqlite_memory_used() -> i64 {
    // SAFETY: a thread-safe counter read with no arguments.
    unsafe { rusqlite::ffi::sqlite3_memory_used() }
}

/// Most reads running at once (blocking threads and read connections).
const MAX_READERS: usize = 8;

/// Most writes folded into one transaction.
const MAX_GROUP: usize = 4096;

impl Store {
    /// Opens (creating if needed) `accord.sqlite3` in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Self, StorageError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StorageError::DataDir {
            path: data_dir.to_owned(),
            source,
        })?;
        let path = data_dir.join("accord.sqlite3");
        let conn = open_connection(&path)?;
        conn.execute_batch(SCHEMA)?;
        migrate(&conn)?;
        let (tx, rx) = std_mpsc::channel();
        std::thread::Builder::new()
            .name("accord-storage-writer".into())
            .spawn(move || writer_loop(conn, rx))
            .map_err(|e| StorageError::Join(e.to_string()))?;
        Ok(Self {
            inner: Arc::new(Inner {
                path,
                writer: tx,
                readers: tokio::sync::Semaphore::new(MAX_READERS),
            }),
        })
    }

    /// Appends changes of one document; resolves once they are on disk.
    /// Returns the row id of the last change written.
    pub async fn append(
        &self,
        doc: DocumentId,
        changes: Vec<Vec<u8>>,
    ) -> Result<i64, StorageError> {
        self.append_with(doc, changes, Provenance::default()).await
    }

    /// Appends changes together with who made them.
    pub async fn append_with(
        &self,
        doc: DocumentId,
        changes: Vec<Vec<u8>>,
        provenance: Provenance,
    ) -> Result<i64, StorageError> {
        let (done, rx) = oneshot::channel();
        self.send(WriteOp::Append {
            doc,
            changes,
            provenance,
            done,
        })?;
        rx.await.map_err(|_| StorageError::WriterGone)?
    }

    /// Replaces the document's snapshot (with its heads: 32-byte change
    /// hashes, one after another) and drops the changes it covers.
    pub async fn compact(
        &self,
        doc: DocumentId,
        snapshot: Vec<u8>,
        heads: Vec<u8>,
        upto_change_id: i64,
    ) -> Result<(), StorageError> {
        let (done, rx) = oneshot::channel();
        self.send(WriteOp::Compact {
            doc,
            snapshot,
            heads,
            upto_change_id,
            done,
        })?;
        rx.await.map_err(|_| StorageError::WriterGone)?
    }

    /// Stores the heads of a snapshot kept before Accord stored them with it
    /// (32-byte change hashes, one after another).
    pub async fn set_snapshot_heads(
        &self,
        doc: DocumentId,
        heads: Vec<u8>,
    ) -> Result<(), StorageError> {
        self.write(move |conn| {
            conn.execute(
                "UPDATE snapshots SET heads = ?2 WHERE doc_id = ?1 AND heads IS NULL",
                params![doc.as_bytes().as_slice(), heads],
            )
            .map(drop)
        })
        .await
    }

    pub async fn set_meta(&self, key: &str, value: &str) -> Result<(), StorageError> {
        let (done, rx) = oneshot::channel();
        self.send(WriteOp::SetMeta {
            key: key.into(),
            value: value.into(),
            done,
        })?;
        rx.await.map_err(|_| StorageError::WriterGone)?
    }

    /// Runs `f` inside the writer's next group commit; resolves once it is durable.
    pub async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StorageError> {
        let (done, rx) = oneshot::channel::<Result<T, StorageError>>();
        let run: RunFn = Box::new(move |tx| {
            let result = (|| {
                tx.execute_batch("SAVEPOINT accord_op")?;
                match f(tx) {
                    Ok(value) => {
                        tx.execute_batch("RELEASE accord_op")?;
                        Ok(value)
                    }
                    Err(e) => {
                        tx.execute_batch("ROLLBACK TO accord_op; RELEASE accord_op")?;
                        Err(e)
                    }
                }
            })();
            Box::new(move |committed: Result<(), String>| {
                let _ = done.send(match (result, committed) {
                    (Ok(value), Ok(())) => Ok(value),
                    (Err(e), _) => Err(StorageError::from(e)),
                    (Ok(_), Err(m)) => Err(StorageError::Write(m)),
                });
            })
        });
        self.send(WriteOp::Run(Some(run)))?;
        rx.await.map_err(|_| StorageError::WriterGone)?
    }

    /// Runs a read on a connection of its own (see [`Store::read`]).
    pub async fn query<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StorageError> {
        self.read(f).await
    }

    pub async fn meta(&self, key: &str) -> Result<Option<String>, StorageError> {
        let key = key.to_owned();
        self.read(move |conn| {
            conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()
        })
        .await
    }

    /// Everything stored for a document (empty if it was never seen).
    pub async fn load(&self, doc: DocumentId) -> Result<StoredDocument, StorageError> {
        self.read(move |conn| {
            let key = doc.as_bytes().to_vec();
            let snapshot: Option<(Vec<u8>, i64, Option<Vec<u8>>)> = conn
                .query_row(
                    "SELECT data, upto, heads FROM snapshots WHERE doc_id = ?1",
                    [&key],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let (owner, governance) = read_meta(conn, &key)?;
            let upto = snapshot.as_ref().map_or(0, |(_, u, _)| *u);
            let mut stmt = conn.prepare_cached(
                "SELECT id, data FROM changes WHERE doc_id = ?1 AND id > ?2 ORDER BY id",
            )?;
            let mut changes = Vec::new();
            let mut last = upto;
            let rows = stmt.query_map(params![key, upto], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
            })?;
            for row in rows {
                let (id, data) = row?;
                last = id;
                changes.push(data);
            }
            let (snapshot, snapshot_heads) = match snapshot {
                Some((data, _, heads)) => (Some(data), heads),
                None => (None, None),
            };
            Ok(StoredDocument {
                snapshot,
                snapshot_heads,
                changes,
                last_change_id: last,
                owner,
                governance,
            })
        })
        .await
    }

    /// The document's owner and governance.
    pub async fn load_meta(
        &self,
        doc: DocumentId,
    ) -> Result<(Option<i64>, Option<Governance>), StorageError> {
        self.read(move |conn| read_meta(conn, doc.as_bytes())).await
    }

    /// Every actor id bound to a person, for the relay's in-memory map.
    pub async fn actor_bindings(&self) -> Result<Vec<(Vec<u8>, i64)>, StorageError> {
        self.read(|conn| {
            let mut stmt = conn.prepare("SELECT actor, user_id FROM actors")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        })
        .await
    }

    /// Puts a document under an engagement's governance (the engagement itself too).
    pub async fn attach(
        &self,
        doc: DocumentId,
        engagement: DocumentId,
        kind: DocKind,
    ) -> Result<(), StorageError> {
        self.write(move |db| {
            db.execute(
                "INSERT INTO documents (doc_id, created_at) VALUES (?1, ?2) ON CONFLICT(doc_id) DO NOTHING",
                params![doc.as_bytes().as_slice(), now_secs()],
            )?;
            db.execute(
                "UPDATE documents SET engagement = ?2, kind = ?3 WHERE doc_id = ?1",
                params![doc.as_bytes().as_slice(), engagement.as_bytes().as_slice(), kind.as_str()],
            )
        })
        .await
        .map(|_| ())
    }

    /// How the document is governed now (None until it joins an engagement).
    pub async fn governance(&self, doc: DocumentId) -> Result<Option<Governance>, StorageError> {
        Ok(self.load_meta(doc).await?.1)
    }

    /// Records that a consultation submission has been submitted (the relay
    /// saw its author press Submit); the first time only.
    pub async fn mark_submitted(&self, doc: DocumentId) -> Result<(), StorageError> {
        self.write(move |db| {
            let key = doc.as_bytes().as_slice();
            db.execute(
                "UPDATE documents SET submitted = 1 WHERE doc_id = ?1",
                [key],
            )?;
            db.execute(
                "UPDATE submissions SET submitted_at = ?2 WHERE doc_id = ?1 AND submitted_at IS NULL",
                params![key, now_secs()],
            )
        })
        .await
        .map(|_| ())
    }

    /// Marks a document as shared with the Government (or not).
    pub async fn set_shared(&self, doc: DocumentId, shared: bool) -> Result<bool, StorageError> {
        self.write(move |db| {
            db.execute(
                "UPDATE documents SET shared = ?2 WHERE doc_id = ?1",
                params![doc.as_bytes().as_slice(), shared],
            )
            .map(|n| n == 1)
        })
        .await
    }

    /// Makes a person a member of an engagement with a role (replacing any
    /// earlier role). A new role drops a grant of the confidential parties:
    /// it was given to the person in their former role.
    pub async fn add_member(
        &self,
        engagement: DocumentId,
        user: i64,
        role: Role,
    ) -> Result<(), StorageError> {
        self.write(move |db| upsert_member(db, engagement, user, role))
            .await
            .map(|_| ())
    }

    /// An engagement's members, by name.
    pub async fn members(&self, engagement: DocumentId) -> Result<Vec<MemberRow>, StorageError> {
        self.read(move |db| {
            let mut stmt = db.prepare(
                "SELECT u.email, u.name, m.role, m.parties_granted
                 FROM memberships m JOIN users u ON u.id = m.user_id
                 WHERE m.engagement = ?1 ORDER BY u.name",
            )?;
            let rows = stmt.query_map([engagement.as_bytes().as_slice()], |r| {
                Ok(MemberRow {
                    email: r.get(0)?,
                    name: r.get(1)?,
                    role: r.get(2)?,
                    parties_granted: r.get(3)?,
                })
            })?;
            rows.collect()
        })
        .await
    }

    /// A person's role in an engagement, if they are a member.
    pub async fn member_role(
        &self,
        engagement: DocumentId,
        user: i64,
    ) -> Result<Option<Role>, StorageError> {
        Ok(self.membership(engagement, user).await?.map(|m| m.role))
    }

    /// A person's membership of an engagement: role and grants, if a member.
    pub async fn membership(
        &self,
        engagement: DocumentId,
        user: i64,
    ) -> Result<Option<Membership>, StorageError> {
        self.read(move |db| {
            // A contributor who came through a submission link is a member
            // only while the link is neither revoked nor expired.
            db.query_row(
                "SELECT m.role, m.parties_granted FROM memberships m
                 WHERE m.engagement = ?1 AND m.user_id = ?2
                   AND NOT EXISTS (SELECT 1 FROM submission_links l WHERE l.user_id = m.user_id
                                   AND (l.revoked_at IS NOT NULL OR l.expires_at <= ?3))",
                params![engagement.as_bytes().as_slice(), user, now_secs()],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?)),
            )
            .optional()
        })
        .await
        .map(|row| {
            row.and_then(|(role, parties_granted)| {
                role.parse().ok().map(|role| Membership {
                    role,
                    parties_granted,
                })
            })
        })
    }

    /// Grants (or revokes) a member the identities of the engagement's
    /// confidential consultation parties. Only HQ reviewers can hold the
    /// grant (the write policy gives it no meaning for other roles); the
    /// check and the write are one step, so a concurrent change of role
    /// cannot slip between them.
    pub async fn set_parties_grant(
        &self,
        engagement: DocumentId,
        user: i64,
        granted: bool,
    ) -> Result<GrantChange, StorageError> {
        self.write(move |db| {
            let key = engagement.as_bytes().as_slice();
            let row: Option<(String, bool)> = db
                .query_row(
                    "SELECT role, parties_granted FROM memberships WHERE engagement = ?1 AND user_id = ?2",
                    params![key, user],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((role, was)) = row else {
                return Ok(GrantChange::NotMember);
            };
            if role != Role::HqReviewer.as_str() {
                return Ok(GrantChange::NotReviewer(role));
            }
            if was == granted {
                return Ok(GrantChange::Unchanged);
            }
            db.execute(
                "UPDATE memberships SET parties_granted = ?3 WHERE engagement = ?1 AND user_id = ?2",
                params![key, user, granted],
            )?;
            Ok(GrantChange::Changed)
        })
        .await
    }

    /// Writes new documents of an engagement in one transaction: each row
    /// already governed (never a moment where it is only someone's own), its
    /// changes, the actor bindings, and optionally a member. All or nothing.
    pub async fn create_governed(
        &self,
        engagement: DocumentId,
        docs: Vec<NewDocument>,
        provenance: Provenance,
        member: Option<(i64, Role)>,
    ) -> Result<(), StorageError> {
        self.write(move |db| {
            insert_governed(db, engagement, &docs, &provenance)?;
            if let Some((user, role)) = member {
                upsert_member(db, engagement, user, role)?;
            }
            Ok(())
        })
        .await
    }

    /// The engagements a person sees on the dashboard, with their role in
    /// each: every engagement for `all` (admins), else those they are a
    /// member of (with their grants). Only engagements whose own document
    /// is attached as one.
    pub async fn engagements_for(
        &self,
        user: i64,
        all: bool,
    ) -> Result<Vec<(DocumentId, Option<Membership>)>, StorageError> {
        self.read(move |db| {
            let mut stmt = db.prepare(
                "SELECT d.doc_id, m.role, m.parties_granted FROM documents d
                 LEFT JOIN memberships m ON m.engagement = d.doc_id AND m.user_id = ?1
                 WHERE d.kind = 'engagement' AND d.engagement = d.doc_id
                   AND (?2 OR m.role IS NOT NULL)",
            )?;
            let rows = stmt.query_map(params![user, all], |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<bool>>(2)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, role, granted) = row?;
                if let Ok(id) = <[u8; 16]>::try_from(id.as_slice()) {
                    let membership = role.and_then(|r| r.parse().ok()).map(|role| Membership {
                        role,
                        parties_granted: granted.unwrap_or(false),
                    });
                    out.push((DocumentId::from_bytes(id), membership));
                }
            }
            Ok(out)
        })
        .await
    }

    /// Every document attached to an engagement (itself included), oldest first.
    pub async fn engagement_documents(
        &self,
        engagement: DocumentId,
    ) -> Result<Vec<AttachedDocument>, StorageError> {
        self.read(move |db| {
            let mut stmt = db.prepare(
                "SELECT doc_id, kind, shared, submitted, owner, withdrawn FROM documents
                 WHERE engagement = ?1 ORDER BY created_at, doc_id",
            )?;
            let rows = stmt.query_map([engagement.as_bytes().as_slice()], |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, bool>(2)?,
                    r.get::<_, bool>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                    r.get::<_, bool>(5)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, kind, shared, submitted, owner, withdrawn) = row?;
                let (Ok(id), Some(Ok(kind))) = (
                    <[u8; 16]>::try_from(id.as_slice()),
                    kind.map(|k| k.parse::<DocKind>()),
                ) else {
                    continue;
                };
                out.push(AttachedDocument {
                    id: DocumentId::from_bytes(id),
                    owner,
                    governance: Governance {
                        engagement,
                        kind,
                        shared_with_government: shared,
                        submitted,
                        withdrawn,
                    },
                });
            }
            Ok(out)
        })
        .await
    }

    /// Number of documents that have anything stored.
    pub async fn document_count(&self) -> Result<i64, StorageError> {
        self.read(|conn| conn.query_row("SELECT count(*) FROM documents", [], |r| r.get(0)))
            .await
    }

    fn send(&self, op: WriteOp) -> Result<(), StorageError> {
        self.inner
            .writer
            .send(op)
            .map_err(|_| StorageError::WriterGone)
    }

    /// Runs a read on its own connection off the async threads (WAL lets reads run beside the writer).
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StorageError> {
        let path = self.inner.path.clone();
        // Never closed, so acquiring only waits.
        let _permit = self.inner.readers.acquire().await;
        tokio::task::spawn_blocking(move || {
            READER.with(|cell| {
                let mut slot = cell.borrow_mut();
                let conn = match slot.as_mut() {
                    Some((p, c)) if *p == path => c,
                    _ => {
                        let c = open_connection(&path)?;
                        *slot = Some((path.clone(), c));
                        &mut slot.as_mut().expect("just set").1
                    }
                };
                f(conn).map_err(StorageError::from)
            })
        })
        .await
        .map_err(|e| StorageError::Join(e.to_string()))?
    }
}

thread_local! {
    /// One read connection per blocking thread, reused across reads.
    static READER: std::cell::RefCell<Option<(PathBuf, Connection)>> = const { std::cell::RefCell::new(None) };
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS documents (
    doc_id BLOB PRIMARY KEY,
    created_at INTEGER NOT NULL,
    owner INTEGER
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS actors (
    actor BLOB PRIMARY KEY,
    user_id INTEGER NOT NULL,
    bound_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id BLOB NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS changes_by_doc ON changes(doc_id, id);
CREATE TABLE IF NOT EXISTS snapshots (
    doc_id BLOB PRIMARY KEY,
    data BLOB NOT NULL,
    heads BLOB,
    upto INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash BLOB PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS api_tokens (
    token_hash BLOB PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS memberships (
    engagement BLOB NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    PRIMARY KEY (engagement, user_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_time ON audit(at);
CREATE TABLE IF NOT EXISTS submission_links (
    id INTEGER PRIMARY KEY,
    engagement BLOB NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    label TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER,
    -- The contributor's account, made when they give their consent.
    user_id INTEGER REFERENCES users(id)
);
CREATE INDEX IF NOT EXISTS submission_links_by_engagement ON submission_links(engagement);
CREATE INDEX IF NOT EXISTS submission_links_by_user ON submission_links(user_id);
CREATE TABLE IF NOT EXISTS submissions (
    doc_id BLOB PRIMARY KEY,
    engagement BLOB NOT NULL,
    author INTEGER NOT NULL REFERENCES users(id),
    link_id INTEGER REFERENCES submission_links(id),
    anonymous INTEGER NOT NULL,
    name TEXT NOT NULL,
    organisation TEXT NOT NULL,
    contact TEXT NOT NULL,
    confidentiality TEXT NOT NULL,
    consent_at INTEGER NOT NULL,
    submitted_at INTEGER,
    reviewed_at INTEGER,
    reviewed_by INTEGER REFERENCES users(id),
    withdrawn_at INTEGER,
    withdrawn_by INTEGER REFERENCES users(id),
    withdrawn_reason TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS submissions_by_engagement ON submissions(engagement);
CREATE TABLE IF NOT EXISTS approvals (
    id INTEGER PRIMARY KEY,
    doc_id BLOB NOT NULL,
    -- The approved version: its change hashes, hex, comma-separated, sorted.
    heads TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id),
    at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS approvals_by_doc ON approvals(doc_id, id);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
";

/// Inserts new documents already governed by `engagement`, their changes
/// and the actor bindings (part of the caller's transaction).
pub(crate) fn insert_governed(
    db: &Connection,
    engagement: DocumentId,
    docs: &[NewDocument],
    provenance: &Provenance,
) -> rusqlite::Result<()> {
    let now = now_secs();
    for doc in docs {
        let key = doc.id.as_bytes().as_slice();
        db.execute(
            "INSERT INTO documents (doc_id, created_at, owner, engagement, kind, shared)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                key,
                now,
                provenance.owner,
                engagement.as_bytes().as_slice(),
                doc.kind.as_str(),
                doc.shared_with_government
            ],
        )?;
        let mut insert = db.prepare_cached("INSERT INTO changes (doc_id, data) VALUES (?1, ?2)")?;
        for change in &doc.changes {
            insert.execute(params![key, change])?;
        }
    }
    for (actor, user) in &provenance.new_actors {
        db.execute(
            "INSERT OR IGNORE INTO actors (actor, user_id, bound_at) VALUES (?1, ?2, ?3)",
            params![actor, user, now],
        )?;
    }
    Ok(())
}

/// Adds a member or changes their role; a changed role loses its grants.
pub(crate) fn upsert_member(
    db: &Connection,
    engagement: DocumentId,
    user: i64,
    role: Role,
) -> rusqlite::Result<usize> {
    db.execute(
        "INSERT INTO memberships (engagement, user_id, role) VALUES (?1, ?2, ?3)
         ON CONFLICT(engagement, user_id) DO UPDATE SET role = excluded.role,
             parties_granted = CASE WHEN memberships.role = excluded.role
                                    THEN memberships.parties_granted ELSE 0 END",
        params![engagement.as_bytes().as_slice(), user, role.as_str()],
    )
}

/// A document's owner and, once it joined an engagement, its governance.
fn read_meta(conn: &Connection, key: &[u8]) -> rusqlite::Result<(Option<i64>, Option<Governance>)> {
    type Row = (
        Option<i64>,
        Option<Vec<u8>>,
        Option<String>,
        bool,
        bool,
        bool,
    );
    let row: Option<Row> = conn
        .query_row(
            "SELECT owner, engagement, kind, shared, submitted, withdrawn FROM documents WHERE doc_id = ?1",
            [key],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .optional()?;
    Ok(match row {
        Some((owner, Some(engagement), Some(kind), shared, submitted, withdrawn)) => {
            let engagement = <[u8; 16]>::try_from(engagement.as_slice())
                .ok()
                .map(DocumentId::from_bytes);
            let governance =
                engagement
                    .zip(kind.parse::<DocKind>().ok())
                    .map(|(engagement, kind)| Governance {
                        engagement,
                        kind,
                        shared_with_government: shared,
                        submitted,
                        withdrawn,
                    });
            (owner, governance)
        }
        Some((owner, ..)) => (owner, None),
        None => (None, None),
    })
}

/// Brings a database made by an older Accord up to the current schema:
/// columns added since are added with their defaults (a grant nobody gave
/// is no grant).
fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    for (table, column, ty) in [
        ("documents", "owner", "INTEGER"),
        ("documents", "engagement", "BLOB"),
        ("documents", "kind", "TEXT"),
        ("documents", "shared", "INTEGER NOT NULL DEFAULT 0"),
        ("documents", "submitted", "INTEGER NOT NULL DEFAULT 0"),
        ("documents", "withdrawn", "INTEGER NOT NULL DEFAULT 0"),
        ("snapshots", "heads", "BLOB"),
        (
            "memberships",
            "parties_granted",
            "INTEGER NOT NULL DEFAULT 0",
        ),
    ] {
        let exists: bool = conn
            .prepare("SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2")?
            .exists([table, column])?;
        if !exists {
            conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {ty}"))?;
        }
    }
    Ok(())
}

fn open_connection(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // WAL with synchronous=FULL: each commit is fsync'd, readers never block the writer.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

pub(crate) fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Owns the write connection: takes everything queued, commits it as one
/// transaction, then answers each waiter.
fn writer_loop(mut conn: Connection, rx: std_mpsc::Receiver<WriteOp>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        let mut completions = Vec::new();
        let outcome = write_batch(&mut conn, &mut batch, &mut completions);
        let committed = outcome.as_ref().map(|_| ()).map_err(|e| e.to_string());
        let results = match outcome {
            Ok(results) => results,
            Err(e) => {
                tracing::error!(error = %e, "storage transaction failed; nothing of it was stored");
                let msg = e.to_string();
                batch.iter().map(|_| Err(msg.clone())).collect()
            }
        };
        for completion in completions {
            completion(committed.clone());
        }
        for (op, result) in batch.into_iter().zip(results) {
            let err = StorageError::Write;
            match op {
                WriteOp::Append { done, .. } => {
                    let _ = done.send(result.map_err(err));
                }
                WriteOp::Compact { done, .. } | WriteOp::SetMeta { done, .. } => {
                    let _ = done.send(result.map(|_| ()).map_err(err));
                }
                WriteOp::Run(_) => {}
            }
        }
    }
}

/// One transaction for the whole batch; per-op results (last row id for appends).
fn write_batch(
    conn: &mut Connection,
    batch: &mut [WriteOp],
    completions: &mut Vec<Completion>,
) -> rusqlite::Result<Vec<Result<i64, String>>> {
    let tx = conn.transaction()?;
    let mut results = Vec::with_capacity(batch.len());
    {
        let mut insert_doc = tx.prepare_cached(
            "INSERT OR IGNORE INTO documents (doc_id, created_at) VALUES (?1, ?2)",
        )?;
        let mut insert_change =
            tx.prepare_cached("INSERT INTO changes (doc_id, data) VALUES (?1, ?2)")?;
        let now = now_secs();
        for op in batch.iter_mut() {
            if let WriteOp::Run(run) = op {
                if let Some(run) = run.take() {
                    completions.push(run(&tx));
                }
                results.push(Ok(0));
                continue;
            }
            match &*op {
                WriteOp::Run(_) => {}
                WriteOp::Append {
                    doc,
                    changes,
                    provenance,
                    ..
                } => {
                    let key = doc.as_bytes().as_slice();
                    insert_doc.execute(params![key, now])?;
                    if let Some(owner) = provenance.owner {
                        tx.execute(
                            "UPDATE documents SET owner = ?2 WHERE doc_id = ?1 AND owner IS NULL",
                            params![key, owner],
                        )?;
                    }
                    for (actor, user) in &provenance.new_actors {
                        tx.execute(
                            "INSERT OR IGNORE INTO actors (actor, user_id, bound_at) VALUES (?1, ?2, ?3)",
                            params![actor, user, now],
                        )?;
                    }
                    let mut last = 0;
                    for change in changes {
                        insert_change.execute(params![key, change])?;
                        last = tx.last_insert_rowid();
                    }
                    results.push(Ok(last));
                }
                WriteOp::Compact {
                    doc,
                    snapshot,
                    heads,
                    upto_change_id,
                    ..
                } => {
                    let key = doc.as_bytes().as_slice();
                    insert_doc.execute(params![key, now])?;
                    tx.execute(
                        "INSERT INTO snapshots (doc_id, data, heads, upto, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
                         ON CONFLICT(doc_id) DO UPDATE SET data = excluded.data, heads = excluded.heads,
                             upto = excluded.upto, updated_at = excluded.updated_at
                         WHERE excluded.upto >= snapshots.upto",
                        params![key, snapshot, heads, upto_change_id, now],
                    )?;
                    tx.execute(
                        "DELETE FROM changes WHERE doc_id = ?1 AND id <= ?2",
                        params![key, upto_change_id],
                    )?;
                    results.push(Ok(0));
                }
                WriteOp::SetMeta { key, value, .. } => {
                    tx.execute(
                        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                        params![key, value],
                    )?;
                    results.push(Ok(0));
                }
            }
        }
    }
    tx.commit()?;
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread")]
    async fn appended_changes_survive_reopen_and_compaction_keeps_later_ones() {
        let dir = tempfile::tempdir().unwrap();
        let doc = DocumentId::random();
        {
            let store = Store::open(dir.path()).unwrap();
            let last = store
                .append(doc, vec![b"a".to_vec(), b"b".to_vec()])
                .await
                .unwrap();
            store
                .compact(doc, b"snap".to_vec(), vec![7; 32], last)
                .await
                .unwrap();
            store.append(doc, vec![b"c".to_vec()]).await.unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        let loaded = store.load(doc).await.unwrap();
        assert_eq!(loaded.snapshot.as_deref(), Some(&b"snap"[..]));
        assert_eq!(loaded.snapshot_heads, Some(vec![7; 32]));
        assert_eq!(loaded.changes, vec![b"c".to_vec()]);
        assert_eq!(store.document_count().await.unwrap(), 1);
        let empty = store.load(DocumentId::random()).await.unwrap();
        assert!(empty.snapshot.is_none() && empty.changes.is_empty());
    }

    /// A database written before grants existed: its members keep their
    /// roles, hold no grant, and can be granted once upgraded.
    #[tokio::test(flavor = "multi_thread")]
    async fn an_older_database_upgrades_and_grants_follow_the_role() {
        let dir = tempfile::tempdir().unwrap();
        let engagement = DocumentId::random();
        {
            let old = Connection::open(dir.path().join("accord.sqlite3")).unwrap();
            old.execute_batch(
                "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE COLLATE NOCASE,
                     name TEXT NOT NULL, role TEXT NOT NULL, password_hash TEXT NOT NULL,
                     disabled INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL);
                 CREATE TABLE memberships (engagement BLOB NOT NULL, user_id INTEGER NOT NULL REFERENCES users(id),
                     role TEXT NOT NULL, PRIMARY KEY (engagement, user_id)) WITHOUT ROWID;
                 INSERT INTO users VALUES (1, 'hq@x.test', 'HQ', 'hq_reviewer', 'x', 0, 0);
                 INSERT INTO users VALUES (2, 'gov@x.test', 'Gov', 'government', 'x', 0, 0);",
            )
            .unwrap();
            old.execute(
                "INSERT INTO memberships VALUES (?1, 1, 'hq_reviewer'), (?1, 2, 'government')",
                [engagement.as_bytes().as_slice()],
            )
            .unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        let hq = store.membership(engagement, 1).await.unwrap().unwrap();
        assert_eq!((hq.role, hq.parties_granted), (Role::HqReviewer, false));
        assert_eq!(
            store.set_parties_grant(engagement, 1, true).await.unwrap(),
            GrantChange::Changed
        );
        assert_eq!(
            store.set_parties_grant(engagement, 1, true).await.unwrap(),
            GrantChange::Unchanged
        );
        assert!(
            store
                .membership(engagement, 1)
                .await
                .unwrap()
                .unwrap()
                .parties_granted
        );
        assert_eq!(
            store.set_parties_grant(engagement, 2, true).await.unwrap(),
            GrantChange::NotReviewer("government".into())
        );
        assert_eq!(
            store.set_parties_grant(engagement, 3, true).await.unwrap(),
            GrantChange::NotMember
        );
        // The same role again keeps the grant; another role loses it for good.
        store
            .add_member(engagement, 1, Role::HqReviewer)
            .await
            .unwrap();
        assert!(
            store
                .membership(engagement, 1)
                .await
                .unwrap()
                .unwrap()
                .parties_granted
        );
        store
            .add_member(engagement, 1, Role::Government)
            .await
            .unwrap();
        store
            .add_member(engagement, 1, Role::HqReviewer)
            .await
            .unwrap();
        assert!(
            !store
                .membership(engagement, 1)
                .await
                .unwrap()
                .unwrap()
                .parties_granted
        );
        let listed = store.members(engagement).await.unwrap();
        assert_eq!(listed.len(), 2);
        assert!(listed.iter().all(|m| !m.parties_granted));
    }
}
