//! The engagement a document belongs to, and the other documents of that
//! engagement: what an editor needs to offer the assessment's needs in the
//! programme, or the programme's outputs in an evaluation.
//!
//! The engagement is found in the dashboard's list (`GET /api/engagements`,
//! kept on the device, so it works offline): the one named by the page's
//! `?engagement=` if it lists this document, else the one that lists it.
//! Open a sibling document with [`super::linked::OpenLinked`].

use accord_shared::DocumentId;
use leptos::prelude::*;

use crate::engagements::{self, EngagementSummary};

/// Whether the engagement lists this document (as one of its documents or evaluations).
fn lists(summary: &EngagementSummary, id: &str) -> bool {
    let d = &summary.documents;
    summary.id == id
        || [
            &d.request,
            &d.assessment,
            &d.consultations,
            &d.parties,
            &d.programme,
        ]
        .iter()
        .any(|x| x.as_str() == id)
        || summary.evaluations.iter().any(|e| e.id == id)
}

fn find(list: &[EngagementSummary], id: &str, hint: Option<&str>) -> Option<EngagementSummary> {
    hint.and_then(|h| list.iter().find(|s| s.id == h && lists(s, id)))
        .or_else(|| list.iter().find(|s| lists(s, id)))
        .cloned()
}

/// The engagement the document `id` belongs to: the remembered list first,
/// then the server's, asked once. `None` while unknown (or if none lists it).
pub fn engagement_of(id: DocumentId) -> Signal<Option<EngagementSummary>> {
    let hint = leptos_router::hooks::use_query_map().with_untracked(|q| q.get("engagement"));
    let id = id.to_string();
    let found = RwSignal::new(
        engagements::cached().and_then(|c| find(&c.engagements, &id, hint.as_deref())),
    );
    leptos::task::spawn_local(async move {
        // Offline or refused: what was remembered stands.
        if let Ok(list) = engagements::list().await {
            if let Some(summary) = find(&list, &id, hint.as_deref()) {
                if found.try_get_untracked().flatten().as_ref() != Some(&summary) {
                    found.try_set(Some(summary));
                }
            }
        }
    });
    found.into()
}
