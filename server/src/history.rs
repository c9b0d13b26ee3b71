//! Who wrote a document: the server's actor bindings, for the history views.
//!
//! Every change names the actor that wrote it; the relay binds an actor to
//! the first person who uses it and refuses it to anyone else, so the
//! binding is the verified author of every change. The app reads the
//! document's own history and asks here only who the actors are.

use std::collections::HashMap;

use accord_shared::history::{Author, Authors};
use accord_shared::policy::DocKind;
use automerge::ActorId;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use rusqlite::OptionalExtension;

use crate::api::{readable, storage_failed, AppError, CurrentUser};
use crate::approvals::load;
use crate::web::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/documents/{id}/authors", get(authors))
}

/// `GET /api/documents/{id}/authors`: `{ "<actor hex>": { key, name } }` for
/// every actor that wrote the document. A submission's authors are not
/// named here: who wrote one is the submissions API's to mask.
async fn authors(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Authors>, AppError> {
    let (id, s) = readable(&state.store, &user, &id).await?;
    if s.governance.kind == DocKind::Submission {
        return Ok(Json(Authors::default()));
    }
    let mut doc = load(&state.store, id).await?;
    let mut actors: Vec<ActorId> = doc
        .document()
        .get_changes_meta(&[])
        .into_iter()
        .map(|c| c.actor.into_owned())
        .collect();
    actors.sort();
    actors.dedup();
    let named = state
        .store
        .query(move |db| {
            let mut stmt = db.prepare_cached(
                "SELECT u.id, u.name FROM actors a JOIN users u ON u.id = a.user_id WHERE a.actor = ?1",
            )?;
            let mut out = HashMap::new();
            for actor in &actors {
                let found = stmt
                    .query_row([actor.to_bytes()], |r| {
                        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
                    })
                    .optional()?;
                if let Some((uid, name)) = found {
                    out.insert(
                        actor.to_hex_string(),
                        Author {
                            key: format!("user:{uid}"),
                            name,
                        },
                    );
                }
            }
            Ok(out)
        })
        .await
        .map_err(storage_failed)?;
    Ok(Json(Authors(named)))
}
