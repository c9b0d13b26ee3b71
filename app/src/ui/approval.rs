//! HQ approvals in the interface: the approval bar of a request, assessment,
//! programme or evaluation ("Approved by … on …; N changes since", and for
//! an HQ reviewer "Approve this version"), and the short note beside each
//! approvable document on the engagement page.
//!
//! An approval covers exactly the version the server holds: the heads it
//! acknowledged to this device. With unsent changes, or changes still
//! arriving, the reviewer is told so and nothing is approved.

use accord_shared::policy::{Access, Section, WritePolicy};
use accord_shared::DocumentId;
use automerge::ChangeHash;
use gloo_timers::callback::Timeout;
use leptos::prelude::*;

use super::dashboard::describe_error;
use super::doc::use_doc;
use crate::approvals::{self, approvable, Listing};
use crate::draft::Draft;
use crate::i18n::*;
use crate::sync::Connection;

/// After a change, wait this long for more before asking the server again.
const DEBOUNCE_MS: u32 = 1_200;

#[derive(Debug, Clone, PartialEq)]
enum State {
    Loading,
    Ready(Listing),
    Failed(String),
}

/// The version this device could approve.
#[derive(Debug, Clone, PartialEq)]
enum Version {
    /// The server acknowledged exactly what is shown here: these heads.
    Held(Vec<ChangeHash>),
    /// Changes made here are not on the server yet.
    Unsent,
    /// The server holds changes this device has not received yet.
    Behind,
}

fn version_of(draft: &mut Draft) -> Version {
    if draft.unsent_changes() > 0 {
        return Version::Unsent;
    }
    let mut server = draft.server_heads.clone();
    let mut mine = draft.doc.get_heads();
    server.sort();
    mine.sort();
    if server.is_empty() || server != mine {
        return Version::Behind;
    }
    Version::Held(server)
}

/// "Approved by Sofia Lindqvist on 3 May 2026; 2 changes since", or "Not approved yet".
fn summary(i18n: I18nContext<Locale>, listing: &Listing) -> String {
    let Some(latest) = &listing.latest else {
        return t_string!(i18n, approval_none).to_string();
    };
    let locale = i18n.get_locale_untracked().as_str().to_string();
    let template = match latest.changes_since {
        0 => t_string!(i18n, approval_since_none).to_string(),
        1 => t_string!(i18n, approval_since_one).to_string(),
        _ => t_string!(i18n, approval_since_many).to_string(),
    };
    fill(
        template,
        &[
            ("name", latest.approval.by.clone()),
            (
                "date",
                crate::format::long_date_rfc3339(&latest.approval.at, &locale),
            ),
            ("count", latest.changes_since.to_string()),
        ],
    )
}

/// The approval bar of the page's document, if it is one reviewers approve:
/// its declared kind and its kind in the engagement (the server's answer,
/// remembered offline) say so. A document of no engagement has no approvals.
#[component]
pub fn ApprovalBar() -> impl IntoView {
    let doc = use_doc();
    let kind = doc.declared_kind();
    let shown = Memo::new(move |_| {
        kind.get().as_deref().is_some_and(approvable)
            && doc
                .access
                .get()
                .and_then(|a| a.kind)
                .is_some_and(|k| approvals::APPROVABLE.contains(&k))
    });
    move || shown.get().then(|| view! { <Bar /> })
}

#[component]
fn Bar() -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_doc();
    let id = doc.id;
    let connection = doc.client.with_value(|c| c.status()).connection;
    let online = Memo::new(move |_| connection.get() == Connection::Connected);
    let state = RwSignal::new(State::Loading);
    // Only the answer to the latest question counts.
    let asked = StoredValue::new(0u64);
    let refresh = move || {
        if !online.get_untracked() {
            return;
        }
        asked.update_value(|n| *n += 1);
        let question = asked.get_value();
        leptos::task::spawn_local(async move {
            let next = match approvals::list(id).await {
                Ok(listing) => State::Ready(listing),
                Err(e) => State::Failed(describe_error(i18n, &e)),
            };
            if asked.try_get_value() == Some(question) {
                state.try_set(next);
            }
        });
    };

    // On opening and whenever the connection comes back.
    Effect::new(move |_| {
        if online.get() {
            refresh();
        }
    });
    // After changes (others' arriving, or ours acknowledged), once they settle.
    let pending = StoredValue::new_local(None::<Timeout>);
    Effect::new(move |previous: Option<()>| {
        doc.view.version.track();
        doc.view.unsent.track();
        if previous.is_some() {
            let timer = Timeout::new(DEBOUNCE_MS, refresh);
            // Replacing the timer cancels the one before.
            pending.set_value(Some(timer));
        }
    });
    // When the person comes back to this tab.
    let focus = window_event_listener(leptos::ev::focus, move |_| refresh());
    on_cleanup(move || focus.remove());

    let may_approve = Memo::new(move |_| {
        doc.access.get().is_some_and(|a| {
            a.kind.is_some_and(|kind| {
                WritePolicy::access(a.role, kind, Section::Approvals, a.facts) == Access::Write
            })
        })
    });
    let version = Memo::new(move |_| {
        doc.view.version.track();
        doc.view.unsent.track();
        doc.view.awaiting_server.track();
        doc.draft.with_value(|h| match h.try_borrow_mut() {
            Ok(mut draft) => version_of(&mut draft),
            Err(_) => Version::Behind,
        })
    });
    let confirming = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // Changes the approval would add to the last one, counted on this device.
    let count = RwSignal::new(0usize);

    let open = move |_| {
        error.set(None);
        let since: Option<Vec<ChangeHash>> = state.with_untracked(|s| match s {
            State::Ready(l) => l.latest.as_ref().map(|latest| {
                latest
                    .approval
                    .heads
                    .iter()
                    .filter_map(|h| h.parse().ok())
                    .collect()
            }),
            _ => None,
        });
        let n = doc.draft.with_value(|h| {
            let mut draft = h.borrow_mut();
            let base = since.clone().unwrap_or_default();
            if base
                .iter()
                .all(|h| draft.doc.get_change_by_hash(h).is_some())
            {
                Some(draft.doc.get_changes(&base).len())
            } else {
                None
            }
        });
        let server = state.with_untracked(|s| match s {
            State::Ready(l) => l.latest.as_ref().map(|l| l.changes_since),
            _ => None,
        });
        count.set(n.or(server).unwrap_or_default());
        confirming.set(true);
        refresh();
    };
    let first = move || state.with(|s| matches!(s, State::Ready(l) if l.latest.is_none()));
    let confirm_text = move || {
        let n = count.get();
        let template = if first() {
            if n == 1 {
                t_string!(i18n, approval_confirm_first_one).to_string()
            } else {
                t_string!(i18n, approval_confirm_first).to_string()
            }
        } else {
            match n {
                0 => t_string!(i18n, approval_confirm_none).to_string(),
                1 => t_string!(i18n, approval_confirm_one).to_string(),
                _ => t_string!(i18n, approval_confirm_many).to_string(),
            }
        };
        fill(template, &[("count", n.to_string())])
    };
    let approve = move |_| {
        let Version::Held(heads) = version.get_untracked() else {
            return;
        };
        let heads: Vec<String> = heads.iter().map(ToString::to_string).collect();
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let result = approvals::approve(id, &heads).await;
            busy.try_set(false);
            match result {
                Ok(_) => {
                    confirming.try_set(false);
                    refresh();
                }
                Err(e) => {
                    error.try_set(Some(fill(
                        t_string!(i18n, approval_error),
                        &[("reason", describe_error(i18n, &e))],
                    )));
                }
            }
        });
    };
    let blocked = move || match version.get() {
        Version::Held(_) => None,
        Version::Unsent => Some(t_string!(i18n, approval_unsent).to_string()),
        Version::Behind => Some(t_string!(i18n, approval_behind).to_string()),
    };

    view! {
        <section class="approval-bar" aria-label=t!(i18n, approval_label)>
            <p class="approval-bar__state" aria-live="polite">
                {move || if !online.get() {
                    t_string!(i18n, approval_offline).to_string()
                } else {
                    state.with(|s| match s {
                        State::Loading => t_string!(i18n, approval_loading).to_string(),
                        State::Ready(listing) => summary(i18n, listing),
                        State::Failed(reason) => fill(
                            t_string!(i18n, approval_failed),
                            &[("reason", reason.clone())],
                        ),
                    })
                }}
            </p>
            <Show when=move || may_approve.get() && online.get() && !confirming.get()>
                <button type="button" class="button button--small" on:click=open>
                    {t!(i18n, approval_approve)}
                </button>
            </Show>
            <Show when=move || may_approve.get() && online.get() && confirming.get()>
                <div class="approval-bar__confirm record__confirm" role="group"
                    aria-label=t!(i18n, approval_approve)>
                    {move || match blocked() {
                        Some(why) => view! { <p>{why}</p> }.into_any(),
                        None => view! { <p>{confirm_text}</p> }.into_any(),
                    }}
                    <button
                        type="button"
                        class="button button--small button--primary"
                        disabled=move || busy.get() || blocked().is_some()
                        on:click=approve
                    >
                        {t!(i18n, approval_do)}
                    </button>
                    <button type="button" class="button button--small" on:click=move |_| confirming.set(false)>
                        {t!(i18n, approval_cancel)}
                    </button>
                </div>
            </Show>
            <a class="approval-bar__print" href=format!("/doc/{id}/history")>{t!(i18n, history_link)}</a>
            <a class="approval-bar__print" href=format!("/doc/{id}/print")>{t!(i18n, print_link)}</a>
            {move || error.get().map(|e| view! {
                <p class="error approval-bar__error" role="alert">{e}</p>
            })}
        </section>
    }
}

/// "approved, 2 changes since" or "not approved" beside a document on the
/// engagement page; nothing while unknown (offline, no access).
#[component]
pub fn ApprovalNote(id: String) -> impl IntoView {
    let i18n = use_i18n();
    let known = RwSignal::new(None::<Option<usize>>);
    if let Ok(id) = DocumentId::parse_url_or_id(&id) {
        leptos::task::spawn_local(async move {
            if let Ok(listing) = approvals::list(id).await {
                known.try_set(Some(listing.latest.map(|l| l.changes_since)));
            }
        });
    }
    move || {
        known.get().map(|state| {
            let text = match state {
                None => t_string!(i18n, approval_note_none).to_string(),
                Some(0) => t_string!(i18n, approval_note_since_none).to_string(),
                Some(1) => t_string!(i18n, approval_note_since_one).to_string(),
                Some(n) => fill(
                    t_string!(i18n, approval_note_since_many),
                    &[("count", n.to_string())],
                ),
            };
            // Approved as it stands, or approved with changes written since.
            let class = match state {
                None => "approval-note",
                Some(0) => "approval-note approval-note--approved",
                Some(_) => "approval-note approval-note--approved approval-note--changed",
            };
            view! { <span class="muted">" · "</span><span class=class>{text}</span> }
        })
    }
}
