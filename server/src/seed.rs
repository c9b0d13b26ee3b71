//! Demo data for a first start, so `make run` opens onto a real-looking engagement.

use accord_shared::policy::Role;
use accord_shared::schema::{init_draft, insert_item};
use accord_shared::DocumentId;
use automerge::{ActorId, AutoCommit};

use crate::auth::{Accounts, AuthError};
use crate::storage::{Provenance, StorageError, Store};

const DEMO_KEY: &str = "demo_document";

/// The demo's accounts: (email, name, role). They share one well-known
/// password, printed at start; disable them with `accord user disable`.
pub const DEMO_ACCOUNTS: [(&str, &str, Role); 3] = [
    ("officer@demo.accord", "Amina Diallo", Role::FieldOfficer),
    (
        "government@demo.accord",
        "Jean-Paul Mbeki",
        Role::Government,
    ),
    ("hq@demo.accord", "Sofia Lindqvist", Role::HqReviewer),
];
pub const DEMO_PASSWORD: &str = "accord-demo-password";

/// Creates the demo accounts that do not exist yet.
pub async fn ensure_demo_accounts(store: &Store) -> Result<(), AuthError> {
    let accounts = Accounts::new(store.clone());
    for (email, name, role) in DEMO_ACCOUNTS {
        match accounts.add_user(email, name, role, DEMO_PASSWORD).await {
            Ok(_) | Err(AuthError::EmailTaken(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Creates the demo engagement once; returns its id (existing or new).
pub async fn ensure_demo(store: &Store) -> Result<Option<DocumentId>, StorageError> {
    if let Some(id) = store.meta(DEMO_KEY).await? {
        return Ok(id.parse().ok());
    }
    if store.document_count().await? > 0 {
        return Ok(None);
    }
    let id = DocumentId::random();
    // The demo belongs to the demo field officer, who wrote it.
    let officer = Accounts::new(store.clone())
        .user_by_email(DEMO_ACCOUNTS[0].0)
        .await
        .ok()
        .flatten()
        .map(|u| u.id);
    let actor = ActorId::random();
    let provenance = Provenance {
        owner: officer,
        new_actors: officer
            .map(|o| vec![(actor.to_bytes().to_vec(), o)])
            .unwrap_or_default(),
    };
    store
        .append_with(id, demo_changes(actor), provenance)
        .await?;
    store.set_meta(DEMO_KEY, &id.to_string()).await?;
    tracing::info!(%id, "seeded the demo engagement");
    Ok(Some(id))
}

fn demo_changes(actor: ActorId) -> Vec<Vec<u8>> {
    let mut doc = AutoCommit::new().with_actor(actor);
    init_draft(
        &mut doc,
        "Strengthening access to justice in Northern Province — technical cooperation programme 2027–2029",
        "The Ministry of Justice asked OHCHR in March 2026 for support to reduce pre-trial detention \
         and to extend legal aid outside the capital. The country office's assessment drew on \
         interviews with the Bar Association, two legal aid NGOs, the national human rights \
         institution and detainees' families, and on the recommendations the State supported in \
         its last Universal Periodic Review.",
    )
    .expect("writing a new in-memory document");
    let needs = [
        "Legal aid reaches only the capital: 70% of detainees in the north meet no lawyer before their first hearing.",
        "Pre-trial detention exceeds the legal limit for one detainee in three; no case-tracking between police, prosecution and courts.",
        "The national human rights institution lacks a mandate and staff to visit places of detention.",
    ];
    for (i, need) in needs.iter().enumerate() {
        insert_item(&mut doc, i, need).expect("writing a new in-memory document");
    }
    doc.commit();
    doc.get_changes(&[])
        .iter()
        .map(|c| c.raw_bytes().to_vec())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread")]
    async fn seeds_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        ensure_demo_accounts(&store).await.unwrap();
        let first = ensure_demo(&store).await.unwrap();
        assert!(first.is_some());
        assert_eq!(ensure_demo(&store).await.unwrap(), first);
        assert_eq!(store.document_count().await.unwrap(), 1);
        let stored = store.load(first.unwrap()).await.unwrap();
        let officer = Accounts::new(store.clone())
            .user_by_email(DEMO_ACCOUNTS[0].0)
            .await
            .unwrap();
        assert!(officer.is_some(), "the demo officer exists");
        assert_eq!(stored.owner, officer.map(|u| u.id));
    }
}
