//! The audit log: sign-ins, refusals, membership changes and approvals, with who and when.

use rusqlite::params;

use crate::storage::{now_secs, StorageError, Store};

/// One entry of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: i64,
    pub kind: String,
    pub actor: String,
    pub detail: String,
}

/// Appends an entry; durable when this returns.
pub async fn record(
    store: &Store,
    kind: &str,
    actor: &str,
    detail: &str,
) -> Result<(), StorageError> {
    let (kind, actor, detail) = (kind.to_owned(), actor.to_owned(), detail.to_owned());
    store
        .write(move |db| {
            db.execute(
                "INSERT INTO audit (at, kind, actor, detail) VALUES (?1, ?2, ?3, ?4)",
                params![now_secs(), kind, actor, detail],
            )
        })
        .await?;
    Ok(())
}

/// Entries at or after `since` (Unix seconds), oldest first.
pub async fn since(store: &Store, since: i64) -> Result<Vec<AuditEntry>, StorageError> {
    store
        .query(move |db| {
            let mut stmt =
                db.prepare("SELECT at, kind, actor, detail FROM audit WHERE at >= ?1 ORDER BY id")?;
            let rows = stmt.query_map([since], |r| {
                Ok(AuditEntry {
                    at: r.get(0)?,
                    kind: r.get(1)?,
                    actor: r.get(2)?,
                    detail: r.get(3)?,
                })
            })?;
            rows.collect()
        })
        .await
}
