//! `/doc/:id/history`: what a reviewer needs to trust a merged draft.
//!
//! Everything is read from the device's copy of the document (its whole
//! Automerge history travels with it, so this works offline) with the
//! shared `history` module; the server only says which person each actor
//! is (`GET /api/documents/{id}/authors`). Sections: compare two versions
//! (the last approved one against now by default), edits merged while
//! people were apart (confirm with a comment, or fix in the editor), who
//! wrote each part of a text, and the timeline of editing sessions, each
//! with its version to view or compare.

use std::collections::BTreeMap;

use accord_shared::docs::comments::{self, Comment};
use accord_shared::history::{
    self, Author, Authors, Comparison, ConcurrentEdit, Difference, FieldChange, PieceKind, Session,
    Span,
};
use accord_shared::policy::COMMENTS_KEY;
use accord_shared::DocumentId;
use automerge::{AutoCommit, ChangeHash, ObjType, ReadDoc, Value, ROOT};
use leptos::prelude::*;
use leptos_router::components::A;

use super::comments::{may_comment, my_name, now_rfc3339, write};
use super::doc::{by_route_id, DocContext, DocumentGate};
use super::use_session;
use crate::approvals;
use crate::auth::{self, ApiError};
use crate::format::long_date_rfc3339;
use crate::i18n::*;

/// `/doc/:id/history`.
#[component]
pub fn HistoryPage() -> impl IntoView {
    by_route_id(|id| view! { <OpenHistory id /> }.into_any())
}

/// `GET /api/documents/{id}/authors`: who each actor of the document is.
async fn fetch_authors(id: DocumentId) -> Result<Authors, ApiError> {
    let response = auth::request("GET", &format!("/api/documents/{id}/authors"), None).await?;
    if response.ok() {
        auth::read(&response).await
    } else {
        Err(auth::refused(&response).await)
    }
}

/// Reads the whole document (its history included) now.
fn with_history<R>(doc: &DocContext, read: impl FnOnce(&automerge::Automerge) -> R) -> Option<R> {
    doc.draft.try_with_value(|h| {
        let mut d = h.try_borrow_mut().ok()?;
        Some(read(d.doc.document()))
    })?
}

/// A version the reviewer can pick: its name and heads.
#[derive(Debug, Clone, PartialEq)]
struct Version {
    label: String,
    heads: Vec<ChangeHash>,
}

fn heads_param(heads: &[ChangeHash]) -> String {
    heads
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// A date and time in the reader's language, from seconds since 1970.
fn when(secs: i64, locale: &str) -> String {
    if secs <= 0 {
        return String::new();
    }
    crate::format::date_time(secs as f64 * 1000.0, locale)
}

/// A person's name, or who they are when the server named nobody.
fn name_of(i18n: I18nContext<Locale>, author: &Author) -> String {
    if author.name.is_empty() {
        let device: String = author
            .key
            .trim_start_matches("actor:")
            .chars()
            .take(8)
            .collect();
        fill(
            t_string!(i18n, history_unknown_author),
            &[("device", device)],
        )
    } else {
        author.name.clone()
    }
}

/// "National context", "Needs › Legal aid › Title": a field's path in words.
/// Record ids become the record's own title where it has one.
fn field_label(doc: &AutoCommit, path: &[String]) -> String {
    let mut words = Vec::new();
    let mut obj = ROOT;
    for key in path {
        let record = is_record_id(key);
        let next = doc.get(&obj, key.as_str()).ok().flatten();
        words.push(if record {
            next.as_ref()
                .and_then(|(_, id)| record_title(doc, id))
                .unwrap_or_else(|| "…".to_string())
        } else {
            humanize(key)
        });
        match next {
            Some((Value::Object(_), id)) => obj = id,
            _ => break,
        }
    }
    if words.len() < path.len() {
        words.extend(
            path[words.len()..]
                .iter()
                .filter(|k| !is_record_id(k))
                .map(|k| humanize(k)),
        );
    }
    if words.is_empty() {
        return "—".into();
    }
    words.join(" › ")
}

/// Record ids are 16 hex digits (`items::new_id`); taxonomy keys and set
/// members that are not may show as they are.
fn is_record_id(key: &str) -> bool {
    key.len() == 16 && key.bytes().all(|b| b.is_ascii_hexdigit())
}

fn humanize(key: &str) -> String {
    let spaced = key.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// The record's name: its first non-empty title-like field.
fn record_title(doc: &AutoCommit, record: &automerge::ObjId) -> Option<String> {
    for key in [
        "title",
        "name",
        "statement",
        "text",
        "description",
        "label",
        "summary",
    ] {
        let text = match doc.get(record, key).ok().flatten() {
            Some((Value::Object(ObjType::Text), id)) => doc.text(&id).ok(),
            Some((Value::Scalar(s), _)) => s.as_str().map(str::to_string),
            _ => None,
        };
        if let Some(t) = text.filter(|t| !t.trim().is_empty()) {
            let mut short: String = t.chars().take(40).collect();
            if t.chars().count() > 40 {
                short.push('…');
            }
            return Some(short);
        }
    }
    None
}

/// Every non-empty text field of the document now, for "who wrote what".
fn text_fields(doc: &AutoCommit) -> Vec<Vec<String>> {
    fn walk(
        doc: &AutoCommit,
        obj: &automerge::ObjId,
        path: &mut Vec<String>,
        out: &mut Vec<Vec<String>>,
    ) {
        if path.len() > 8 {
            return;
        }
        for item in doc.map_range(obj, ..) {
            let key = item.key.to_string();
            if path.is_empty() && key == COMMENTS_KEY {
                continue;
            }
            path.push(key);
            match item.value {
                automerge::ValueRef::Object(ObjType::Text) if doc.length(item.id()) > 0 => {
                    out.push(path.clone());
                }
                automerge::ValueRef::Object(ObjType::Map) => walk(doc, &item.id(), path, out),
                _ => {}
            }
            path.pop();
        }
    }
    let mut out = Vec::new();
    walk(doc, &ROOT, &mut Vec::new(), &mut out);
    out
}

/// A stable colour slot per person, in order of appearance.
fn palette(people: &[String], key: &str) -> String {
    let slot = people.iter().position(|p| p == key).unwrap_or(0) % 6;
    format!("author author-{slot}")
}

#[component]
fn OpenHistory(id: DocumentId) -> impl IntoView {
    let i18n = use_i18n();
    let doc = DocContext::open(id).provide();
    let authors = RwSignal::new(Authors::default());
    let authors_note = RwSignal::new(None::<String>);
    // Ask who the actors are again whenever someone new has written.
    let version = doc.view.version;
    let actors = Memo::new(move |_| {
        version.track();
        with_history(&doc, |d| {
            let mut a: Vec<_> = d
                .get_changes_meta(&[])
                .into_iter()
                .map(|c| c.actor)
                .collect();
            a.sort();
            a.dedup();
            a.len()
        })
    });
    Effect::new(move |_| {
        actors.track();
        leptos::task::spawn_local(async move {
            match fetch_authors(id).await {
                Ok(found) => {
                    authors_note.try_set(None);
                    authors.try_set(found);
                }
                Err(ApiError::Network) => {
                    authors_note
                        .try_set(Some(t_string!(i18n, history_authors_offline).to_string()));
                }
                Err(_) => {
                    authors_note
                        .try_set(Some(t_string!(i18n, history_authors_unknown).to_string()));
                }
            }
        });
    });
    let approvals = LocalResource::new(move || approvals::list(id));
    let kind = doc.declared_kind();
    let back = format!("/doc/{id}");
    view! {
        <div class="page history-page">
            <nav class="breadcrumbs" aria-label=t!(i18n, breadcrumbs_label)>
                <A href="/">{t!(i18n, back_home)}</A>
                <span aria-hidden="true">" › "</span>
                <A href=back.clone()>{t!(i18n, history_back_to_document)}</A>
            </nav>
            <h1>{t!(i18n, history_title)}</h1>
            {move || authors_note.get().map(|note| view! { <p class="note" role="status">{note}</p> })}
            <DocumentGate doc>
                {move || {
                    // The register and the parties keep withdrawn input and
                    // identities in their history: their past is not shown.
                    if kind.get().as_deref().is_some_and(approvals::approvable) {
                        view! { <HistoryBody authors approvals /> }.into_any()
                    } else {
                        view! { <p class="card">{t!(i18n, history_not_kept)}</p> }.into_any()
                    }
                }}
            </DocumentGate>
        </div>
    }
}

#[component]
fn HistoryBody(
    authors: RwSignal<Authors>,
    approvals: LocalResource<Result<approvals::Listing, ApiError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let doc = super::doc::use_doc();
    let version = doc.view.version;
    let sessions = Memo::new(move |_| {
        version.track();
        let authors = authors.get();
        with_history(&doc, |d| history::timeline(d, &authors)).unwrap_or_default()
    });
    // People in order of first appearance, for their colours.
    let people = Memo::new(move |_| {
        let mut seen: Vec<String> = Vec::new();
        for s in sessions.get() {
            if !seen.contains(&s.by.key) {
                seen.push(s.by.key);
            }
        }
        seen
    });
    // The versions one may compare: approvals, then each session's end.
    let versions = Memo::new(move |_| {
        let locale = i18n.get_locale().as_str().to_string();
        let mut list: Vec<Version> = Vec::new();
        if let Some(Ok(listing)) = approvals.get() {
            for a in listing.approvals {
                let heads: Vec<ChangeHash> =
                    a.heads.iter().filter_map(|h| h.parse().ok()).collect();
                let held =
                    doc.with_doc(|d| heads.iter().all(|h| d.get_change_by_hash(h).is_some()));
                if held && !heads.is_empty() {
                    list.push(Version {
                        label: fill(
                            t_string!(i18n, history_version_approved),
                            &[
                                ("name", a.by.clone()),
                                ("date", long_date_rfc3339(&a.at, &locale)),
                            ],
                        ),
                        heads,
                    });
                }
            }
        }
        for s in sessions.get().iter().rev() {
            let date = when(s.end, &locale);
            let template = if date.is_empty() {
                t_string!(i18n, history_version_after_undated).to_string()
            } else {
                t_string!(i18n, history_version_after).to_string()
            };
            list.push(Version {
                label: fill(template, &[("name", name_of(i18n, &s.by)), ("date", date)]),
                heads: s.heads.clone(),
            });
        }
        list
    });
    // `None`: the default (the last approval, else the first version) and now.
    let from = RwSignal::new(None::<Vec<ChangeHash>>);
    let to = RwSignal::new(None::<Vec<ChangeHash>>);
    let approved_default = Memo::new(move |_| {
        let list = versions.get();
        let approved = approvals
            .get()
            .and_then(|r| r.ok())
            .is_some_and(|l| !l.approvals.is_empty());
        if approved {
            list.first().map(|v| v.heads.clone())
        } else {
            list.last().map(|v| v.heads.clone())
        }
    });
    let from_heads = Memo::new(move |_| {
        from.get()
            .or_else(|| approved_default.get())
            .unwrap_or_default()
    });
    let to_heads = Memo::new(move |_| {
        version.track();
        to.get()
            .or_else(|| with_history(&doc, |d| d.get_heads()))
            .unwrap_or_default()
    });
    let comparison = Memo::new(move |_| {
        let (a, b) = (from_heads.get(), to_heads.get());
        let authors = authors.get();
        with_history(&doc, |d| history::compare(d, &a, &b, &authors)).unwrap_or_default()
    });
    let flags = Memo::new(move |_| {
        version.track();
        let authors = authors.get();
        with_history(&doc, |d| history::concurrent_edits(d, &authors)).unwrap_or_default()
    });
    view! {
        <section class="card history-compare" aria-labelledby="compare-heading">
            <h2 id="compare-heading">{t!(i18n, history_compare_heading)}</h2>
            <div class="history-pick">
                <VersionSelect label=Signal::derive(move || t_string!(i18n, history_compare_from).to_string())
                    versions chosen=from_heads on_pick=move |h| from.set(h) now=false />
                <VersionSelect label=Signal::derive(move || t_string!(i18n, history_compare_to).to_string())
                    versions chosen=to_heads on_pick=move |h| to.set(h) now=true
                    is_now=Signal::derive(move || to.with(Option::is_none)) />
            </div>
            <CompareView comparison people />
        </section>
        <section class="card history-merged" aria-labelledby="merged-heading">
            <h2 id="merged-heading">{t!(i18n, history_merged_heading)}</h2>
            <p class="hint">{t!(i18n, history_merged_hint)}</p>
            <MergedEdits flags people />
        </section>
        <section class="card history-attribution" aria-labelledby="who-heading">
            <h2 id="who-heading">{t!(i18n, history_who_heading)}</h2>
            <WhoWroteWhat authors people at=to_heads />
        </section>
        <section class="card history-timeline" aria-labelledby="timeline-heading">
            <h2 id="timeline-heading">{t!(i18n, history_timeline_heading)}</h2>
            <Timeline sessions people on_compare=move |h| { from.set(Some(h)); to.set(None); } />
        </section>
    }
}

/// A labelled choice among the versions (and "now" for the newer side).
#[component]
fn VersionSelect(
    label: Signal<String>,
    versions: Memo<Vec<Version>>,
    chosen: Memo<Vec<ChangeHash>>,
    on_pick: impl Fn(Option<Vec<ChangeHash>>) + Send + Sync + 'static,
    now: bool,
    /// For the newer side: whether "now" is chosen.
    #[prop(optional)]
    is_now: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = if now { "compare-to" } else { "compare-from" };
    view! {
        <label for=id>{label}</label>
        <select
            id=id
            on:change=move |ev| {
                let value = event_target_value(&ev);
                if value == "now" {
                    on_pick(None);
                } else if let Ok(i) = value.parse::<usize>() {
                    on_pick(versions.with_untracked(|v| v.get(i).map(|v| v.heads.clone())));
                }
            }
        >
            {move || {
                let current = chosen.get();
                let list = versions.get();
                // One option selected: "now" when it is chosen, else the first
                // version with these heads (an approval before a session).
                let at_now = now && is_now.get();
                let first = if at_now { None } else { list.iter().position(|v| v.heads == current) };
                let now_option = now.then(|| view! {
                    <option value="now" selected=at_now>{t!(i18n, history_version_now)}</option>
                });
                let options = list
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| {
                        view! { <option value=i.to_string() selected=first == Some(i)>{v.label}</option> }
                    })
                    .collect_view();
                view! { {now_option} {options} }
            }}
        </select>
    }
}

#[component]
fn CompareView(comparison: Memo<Comparison>, people: Memo<Vec<String>>) -> impl IntoView {
    let i18n = use_i18n();
    let doc = super::doc::use_doc();
    move || {
        let cmp = comparison.get();
        if cmp.changes.is_empty() {
            return view! { <p class="empty">{t!(i18n, history_compare_none)}</p> }.into_any();
        }
        let summary = cmp
            .per_section
            .iter()
            .map(|(section, n)| {
                let name = doc.with_doc(|d| field_label(d, std::slice::from_ref(section)));
                let count = if *n == 1 {
                    t_string!(i18n, history_changes_one).to_string()
                } else {
                    fill(
                        t_string!(i18n, history_changes_many),
                        &[("count", n.to_string())],
                    )
                };
                view! { <li><strong>{name}</strong>": "{count}</li> }
            })
            .collect_view();
        let people = people.get();
        let changes = cmp
            .changes
            .into_iter()
            .map(|c| view! { <ChangeItem change=c people=people.clone() /> })
            .collect_view();
        view! {
            <h3 class="visually-hidden">{t!(i18n, history_summary_heading)}</h3>
            <ul class="history-summary" aria-label=t!(i18n, history_summary_heading)>{summary}</ul>
            <ol class="history-changes">{changes}</ol>
        }
        .into_any()
    }
}

#[component]
fn ChangeItem(change: FieldChange, people: Vec<String>) -> impl IntoView {
    let i18n = use_i18n();
    let doc = super::doc::use_doc();
    let label = doc.with_doc(|d| field_label(d, &change.path));
    let by = |a: &Option<Author>| a.as_ref().map(|a| name_of(i18n, a)).unwrap_or_default();
    let body = match change.change {
        Difference::Text { pieces } => {
            let pieces = pieces
                .into_iter()
                .map(|p| {
                    let who = p.by.as_ref().map(|a| name_of(i18n, a)).unwrap_or_default();
                    let class = p.by.as_ref().map(|a| palette(&people, &a.key)).unwrap_or_default();
                    match p.kind {
                        PieceKind::Same => view! { <span>{p.text}</span> }.into_any(),
                        PieceKind::Inserted => {
                            let note = fill(t_string!(i18n, history_inserted_by), &[("name", who.clone())]);
                            view! {
                                <ins class=class title=note.clone()>
                                    <span class="visually-hidden">{format!("[{note}: ")}</span>
                                    {p.text}
                                    <span class="visually-hidden">"]"</span>
                                </ins>
                            }
                            .into_any()
                        }
                        PieceKind::Deleted => {
                            let note = fill(t_string!(i18n, history_deleted_by), &[("name", who.clone())]);
                            view! {
                                <del class=class title=note.clone()>
                                    <span class="visually-hidden">{format!("[{note}: ")}</span>
                                    {p.text}
                                    <span class="visually-hidden">"]"</span>
                                </del>
                            }
                            .into_any()
                        }
                    }
                })
                .collect_view();
            view! { <p class="diff-text">{pieces}</p> }.into_any()
        }
        Difference::Value { before, after, by: who } => {
            let dash = || "—".to_string();
            let text = fill(
                t_string!(i18n, history_value_changed),
                &[
                    ("before", before.unwrap_or_else(dash)),
                    ("after", after.unwrap_or_else(dash)),
                    ("name", by(&who)),
                ],
            );
            view! { <p>{text}</p> }.into_any()
        }
        Difference::Added { by: who } => {
            view! { <p class="added">{fill(t_string!(i18n, history_added_by), &[("name", by(&who))])}</p> }
                .into_any()
        }
        Difference::Removed { by: who, gist } => view! {
            <p class="removed">
                {fill(t_string!(i18n, history_removed_by), &[("name", by(&who))])}
                {(!gist.is_empty()).then(|| view! { " " <del>{format!("“{gist}”")}</del> })}
            </p>
        }
        .into_any(),
        Difference::Moved { by: who } => {
            view! { <p>{fill(t_string!(i18n, history_moved_by), &[("name", by(&who))])}</p> }.into_any()
        }
    };
    view! {
        <li class="history-change">
            <h3>{label}</h3>
            {body}
        </li>
    }
}

#[component]
fn MergedEdits(flags: Memo<Vec<ConcurrentEdit>>, people: Memo<Vec<String>>) -> impl IntoView {
    let i18n = use_i18n();
    let doc = super::doc::use_doc();
    let confirmations = doc.memo(|d| {
        comments::read(d)
            .into_values()
            .filter(|c| !c.merge.is_empty())
            .map(|c| (c.merge.clone(), c))
            .collect::<BTreeMap<String, Comment>>()
    });
    let may = may_comment(doc);
    let auth = use_session();
    move || {
        let list = flags.get();
        if list.is_empty() {
            return view! { <p class="empty">{t!(i18n, history_merged_none)}</p> }.into_any();
        }
        let locale = i18n.get_locale().as_str().to_string();
        let people = people.get();
        list.into_iter()
            .map(|flag| {
                let label = doc.with_doc(|d| field_label(d, &flag.path));
                let confirmed = confirmations.with(|c| c.get(&flag.id).cloned());
                let contributions = flag
                    .contributions
                    .iter()
                    .map(|c| {
                        let mut parts = Vec::new();
                        if !c.inserted.is_empty() {
                            parts.push(fill(t_string!(i18n, history_merged_inserted), &[("text", c.inserted.clone())]));
                        }
                        if c.deleted > 0 {
                            parts.push(fill(t_string!(i18n, history_merged_deleted), &[("count", c.deleted.to_string())]));
                        }
                        if let Some(v) = c.values.last() {
                            parts.push(fill(t_string!(i18n, history_merged_set), &[("value", v.clone())]));
                        }
                        let class = palette(&people, &c.by.key);
                        view! {
                            <li><span class=class>{name_of(i18n, &c.by)}</span>": "{parts.join("; ")}</li>
                        }
                    })
                    .collect_view();
                let flag_id = flag.id.clone();
                let field = flag.path.join("/");
                let confirm = move |_| {
                    let comment = Comment {
                        field: field.clone(),
                        body: t_string!(i18n, history_merged_confirmed_body).to_string(),
                        by: my_name(auth),
                        at: now_rfc3339(),
                        merge: flag_id.clone(),
                        ..Comment::default()
                    };
                    write(&doc, |d| comments::add(d, comment).map(|_| true));
                };
                let status = match confirmed {
                    Some(c) => view! {
                        <p class="confirmed" role="status">
                            {fill(t_string!(i18n, history_merged_confirmed), &[("name", c.by.clone()), ("date", long_date_rfc3339(&c.at, &locale))])}
                        </p>
                    }
                    .into_any(),
                    None => view! {
                        <div class="actions">
                            {move || may.get().then(|| view! {
                                <button type="button" class="button button--small button--primary" on:click=confirm.clone()>{t!(i18n, history_merged_confirm)}</button>
                            })}
                            <A href=format!("/doc/{}", doc.id)>{t!(i18n, history_merged_fix)}</A>
                        </div>
                    }
                    .into_any(),
                };
                view! {
                    <article class="merged-edit" aria-label=label.clone()>
                        <h3>{label.clone()}</h3>
                        <p class="when">{when(flag.at, &locale)}</p>
                        <ul>{contributions}</ul>
                        {status}
                    </article>
                }
            })
            .collect_view()
            .into_any()
    }
}

#[component]
fn WhoWroteWhat(
    authors: RwSignal<Authors>,
    people: Memo<Vec<String>>,
    at: Memo<Vec<ChangeHash>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let doc = super::doc::use_doc();
    let fields = doc.memo(text_fields);
    let chosen = RwSignal::new(None::<Vec<String>>);
    let spans = Memo::new(move |_| {
        let path = chosen
            .get()
            .or_else(|| fields.with(|f| f.first().cloned()))?;
        let heads = at.get();
        let authors = authors.get();
        with_history(&doc, |d| history::attribution(d, &path, &heads, &authors)).flatten()
    });
    view! {
        <label for="who-field">{t!(i18n, history_who_field)}</label>
        <select id="who-field" on:change=move |ev| {
            let i: usize = event_target_value(&ev).parse().unwrap_or(0);
            chosen.set(fields.with_untracked(|f| f.get(i).cloned()));
        }>
            {move || {
                let current = chosen.get();
                fields.get().into_iter().enumerate().map(|(i, path)| {
                    let label = doc.with_doc(|d| field_label(d, &path));
                    let selected = current.as_ref() == Some(&path);
                    view! { <option value=i.to_string() selected=selected>{label}</option> }
                }).collect_view()
            }}
        </select>
        {move || {
            let people = people.get();
            match spans.get() {
                None => view! { <p class="empty">{t!(i18n, history_who_none)}</p> }.into_any(),
                Some(spans) => {
                    let mut legend: Vec<Author> = Vec::new();
                    for s in &spans {
                        if !legend.iter().any(|a| a.key == s.by.key) {
                            legend.push(s.by.clone());
                        }
                    }
                    let text = spans.into_iter().map(|Span { text, by }| {
                        let who = name_of(i18n, &by);
                        view! { <span class=palette(&people, &by.key) title=who>{text}</span> }
                    }).collect_view();
                    let legend = legend.into_iter().map(|a| view! {
                        <li><span class=palette(&people, &a.key)>{name_of(i18n, &a)}</span></li>
                    }).collect_view();
                    view! {
                        <ul class="legend" aria-label=t!(i18n, history_who_legend)>{legend}</ul>
                        <p class="attributed">{text}</p>
                    }.into_any()
                }
            }
        }}
    }
}

#[component]
fn Timeline(
    sessions: Memo<Vec<Session>>,
    people: Memo<Vec<String>>,
    on_compare: impl Fn(Vec<ChangeHash>) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let doc = super::doc::use_doc();
    move || {
        let locale = i18n.get_locale().as_str().to_string();
        let people = people.get();
        let list = sessions.get();
        if list.is_empty() {
            return view! { <p class="empty">{t!(i18n, history_timeline_none)}</p> }.into_any();
        }
        let items = list
            .into_iter()
            .rev()
            .map(|s| {
                let on_compare = on_compare.clone();
                let heads = s.heads.clone();
                let fields: Vec<String> = doc.with_doc(|d| {
                    let mut names: Vec<String> = Vec::new();
                    for f in &s.fields {
                        let name = field_label(d, f);
                        if !names.contains(&name) {
                            names.push(name);
                        }
                    }
                    names
                });
                let shown = fields.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
                let more = fields.len().saturating_sub(5);
                let changes = if s.changes == 1 {
                    t_string!(i18n, history_changes_one).to_string()
                } else {
                    fill(t_string!(i18n, history_changes_many), &[("count", s.changes.to_string())])
                };
                let span = if s.start == s.end || s.start <= 0 {
                    when(s.end, &locale)
                } else {
                    format!("{} – {}", when(s.start, &locale), when(s.end, &locale))
                };
                let view_href = format!("/doc/{}/print?heads={}", doc.id, heads_param(&heads));
                view! {
                    <li class="session">
                        <p>
                            <span class=palette(&people, &s.by.key)>{name_of(i18n, &s.by)}</span>
                            " · " {span} " · " {changes}
                        </p>
                        <p class="fields">
                            {shown}
                            {(more > 0).then(|| fill(t_string!(i18n, history_more_fields), &[("count", more.to_string())]))}
                        </p>
                        <div class="actions">
                            <a href=view_href>{t!(i18n, history_view_version)}</a>
                            <button type="button" class="button button--small" on:click=move |_| on_compare(heads.clone())>
                                {t!(i18n, history_compare_with_now)}
                            </button>
                        </div>
                    </li>
                }
            })
            .collect_view();
        view! { <ol class="timeline">{items}</ol> }.into_any()
    }
}
