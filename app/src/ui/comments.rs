//! Comments on the page's document: the panel beside the editor (threads,
//! replies, resolve and reopen), "Comment on selection" for words selected
//! in a text field, and the Comment button of each text field for a comment
//! on the whole field.
//!
//! Comments live in the document ([`accord_shared::docs::comments`]), so
//! they sync, work offline and reach exactly those who may read the
//! document. A comment on words holds Automerge cursors; the words it
//! quotes are found again from them after every change, so they follow the
//! text as anyone edits it. Whether the person may write comments is the
//! write policy's answer for the `comments` key; others read them only.

use std::collections::HashSet;

use accord_shared::docs::comments::{self, Anchor, Comment, CommentError, Span};
use accord_shared::policy::COMMENTS_KEY;
use automerge::AutoCommit;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::doc::{use_doc, DocContext};
use super::fields::dom_id_for;
use super::{use_session, Auth};
use crate::draft::{commit_now, text_object, EditError, FieldPath};
use crate::format::date_time_rfc3339;
use crate::i18n::*;

/// Words selected in a text field, anchored when they were selected.
#[derive(Debug, Clone, PartialEq)]
struct Selected {
    field: String,
    anchor: Anchor,
}

/// What the comment being written is about: a field, and words of it.
#[derive(Debug, Clone, PartialEq)]
struct Target {
    field: String,
    anchor: Option<Anchor>,
}

/// The page's comments state, shared by the panel and the text fields.
#[derive(Clone, Copy)]
pub struct CommentsContext {
    selected: RwSignal<Option<Selected>>,
    target: RwSignal<Option<Target>>,
}

impl CommentsContext {
    /// Makes the page's comments state, for the panel and the text fields.
    pub fn provide() -> Self {
        let cx = Self {
            selected: RwSignal::new(None),
            target: RwSignal::new(None),
        };
        provide_context(cx);
        cx
    }

    /// A text field's selection is now `start..end` (UTF-16 units, as the
    /// DOM and the app's documents count): anchor it while it is fresh.
    pub fn select(&self, doc: &DocContext, path: &FieldPath, start: u32, end: u32) {
        let next = if path.is_rooted() && start < end {
            doc.with_doc(|d| {
                let text = text_object(d, path)?;
                comments::anchor(d, &text, start as usize, end as usize).ok()
            })
            .filter(|a| !a.quote.trim().is_empty())
            .map(|anchor| Selected {
                field: path.joined(),
                anchor,
            })
        } else {
            None
        };
        if self.selected.try_get_untracked().flatten() != next {
            self.selected.try_set(next);
        }
    }

    fn compose(&self, target: Target) {
        self.target.set(Some(target));
        // Once the form is there, the person types in it.
        request_animation_frame(|| {
            if let Some(el) = document().get_element_by_id(NEW_COMMENT_ID) {
                if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                    let _ = el.focus();
                }
            }
        });
    }
}

const NEW_COMMENT_ID: &str = "comment-new-body";

/// Whether pages of documents of this declared kind have a comments panel:
/// those with an editor (an engagement has its own page).
pub fn commented(kind: Option<&str>) -> bool {
    matches!(
        kind,
        None | Some(
            accord_shared::schema::SCHEMA_KIND
                | "request"
                | "assessment"
                | "consultations"
                | "programme"
                | "evaluation"
                | "submission"
        )
    )
}

/// Whether the person may write comments here (as far as the app knows).
pub(crate) fn may_comment(doc: DocContext) -> Memo<bool> {
    let read_only = doc.read_only(&FieldPath::new([COMMENTS_KEY]));
    Memo::new(move |_| read_only.with(|r| r.is_none()))
}

/// A field's name for the panel: its label on this page, if it is shown,
/// after its record's name for a field of a record.
fn field_name(i18n: I18nContext<Locale>, doc: &DocContext, field: &str) -> String {
    if field.is_empty() {
        return t_string!(i18n, comments_whole_document).to_string();
    }
    let Some(label) = doc.field_label(field) else {
        return t_string!(i18n, comments_field_unknown).to_string();
    };
    // A field of a record: `Need “Legal aid” · Description`.
    let keys: Vec<&str> = field.split('/').collect();
    let record = (1..keys.len())
        .rev()
        .find_map(|n| doc.field_label(&keys[..n].join("/")));
    match record {
        Some(record) => {
            // Record names are made to sit mid-sentence ("Remove need …"); this one leads.
            let mut chars = record.chars();
            let first: String = chars
                .next()
                .map(|c| c.to_uppercase().collect())
                .unwrap_or_default();
            format!("{first}{} · {label}", chars.as_str())
        }
        None => label,
    }
}

fn field_path(field: &str) -> FieldPath {
    FieldPath::new(field.split('/').filter(|k| !k.is_empty()))
}

/// Writes with the comments API, then commits and syncs. Returns whether it changed.
pub(crate) fn write(
    doc: &DocContext,
    change: impl FnOnce(&mut AutoCommit) -> Result<bool, CommentError>,
) -> bool {
    doc.edit(|draft| {
        let changed = match change(&mut draft.doc) {
            Ok(changed) => changed,
            Err(CommentError::Automerge(e)) => return Err(EditError::Automerge(e)),
            Err(CommentError::Reconcile(e)) => return Err(EditError::Reconcile(e)),
            // A comment that has gone, words that have gone: nothing to write.
            Err(_) => false,
        };
        if changed {
            commit_now(&mut draft.doc);
        }
        Ok(changed)
    })
}

pub(crate) fn my_name(auth: RwSignal<Auth>) -> String {
    match auth.get_untracked() {
        Auth::SignedIn(me) => me.name,
        _ => String::new(),
    }
}

pub(crate) fn now_rfc3339() -> String {
    String::from(js_sys::Date::new_0().to_iso_string())
}

/// A thread as shown: its comments and where its words are now.
#[derive(Debug, Clone, PartialEq)]
struct ThreadView {
    id: String,
    first: Comment,
    replies: Vec<(String, Comment)>,
    span: Span,
}

/// The Comment button of a text field: a comment on the whole field. Shown
/// only on pages with a comments panel, to people who may write comments.
#[component]
pub fn CommentButton(path: FieldPath, label: Signal<String>) -> impl IntoView {
    let i18n = use_i18n();
    let cx = use_context::<CommentsContext>();
    let doc = use_doc();
    let may = may_comment(doc);
    let field = path.joined();
    move || {
        let cx = cx.filter(|_| path.is_rooted() && may.get())?;
        let field = field.clone();
        let name = move || {
            fill(
                t_string!(i18n, comments_field_button_label),
                &[("field", label.get())],
            )
        };
        Some(view! {
            <button
                type="button"
                class="comment-button"
                aria-label=name
                title=name
                on:click=move |_| cx.compose(Target { field: field.clone(), anchor: None })
            >
                {t!(i18n, comments_field_button)}
            </button>
        })
    }
}

/// The comments panel of the page's document.
#[component]
pub fn CommentsPanel() -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_doc();
    let cx = expect_context::<CommentsContext>();
    let may = may_comment(doc);
    let read_only = doc.read_only(&FieldPath::new([COMMENTS_KEY]));

    // Every thread and where its words are, found again after every change.
    let threads = doc.memo(|d| {
        comments::threads(&comments::read(d))
            .into_iter()
            .map(|t| {
                let text = text_object(d, &field_path(&t.first.field));
                let span = comments::locate(d, text.as_ref(), &t.first, None);
                ThreadView {
                    id: t.id,
                    first: t.first,
                    replies: t.replies,
                    span,
                }
            })
            .collect::<Vec<_>>()
    });
    let ids =
        Memo::new(move |_| threads.with(|ts| ts.iter().map(|t| t.id.clone()).collect::<Vec<_>>()));
    let open =
        Memo::new(move |_| threads.with(|ts| ts.iter().filter(|t| !t.first.resolved).count()));

    // Others' new comments, announced politely; ours and those already here are not.
    let mine = StoredValue::new(HashSet::<String>::new());
    provide_context(Mine(mine));
    let known = StoredValue::new(None::<HashSet<String>>);
    let announcement = RwSignal::new(String::new());
    let all = doc.memo(comments::read);
    Effect::new(move |_| {
        let all = all.get();
        let seen: HashSet<String> = all.keys().cloned().collect();
        let before = known.get_value();
        known.set_value(Some(seen));
        let Some(before) = before else { return };
        let news: Vec<String> = all
            .iter()
            .filter(|(id, _)| !before.contains(*id) && !mine.with_value(|m| m.contains(*id)))
            .map(|(_, c)| {
                let template = if c.starts_thread() {
                    t_string!(i18n, comments_announce_new)
                } else {
                    t_string!(i18n, comments_announce_reply)
                };
                fill(
                    template,
                    &[("name", c.by.clone()), ("body", c.body.clone())],
                )
            })
            .collect();
        if !news.is_empty() {
            announcement.set(news.join(" "));
        }
    });

    let selected = cx.selected;
    let comment_on_selection = move |_| {
        if let Some(s) = selected.get_untracked() {
            cx.compose(Target {
                field: s.field,
                anchor: Some(s.anchor),
            });
        }
    };
    let selection_note = move || {
        selected.get().map(|s| {
            let field = field_name(i18n, &doc, &s.field);
            fill(
                t_string!(i18n, comments_selected),
                &[("words", s.anchor.quote.clone()), ("field", field)],
            )
        })
    };

    // Someone who may not write comments sees the panel only when there are some.
    let shown = Memo::new(move |_| may.get() || ids.with(|i| !i.is_empty()));
    move || {
        shown.get().then(|| view! {
        <aside class="comments" aria-labelledby="comments-heading">
            <div class="comments__head">
                <h2 id="comments-heading">{t!(i18n, comments_heading)}</h2>
                <span class="comments__count">
                    {move || {
                        let n = open.get();
                        let template = if n == 1 {
                            t_string!(i18n, comments_open_count_one)
                        } else {
                            t_string!(i18n, comments_open_count)
                        };
                        fill(template, &[("count", n.to_string())])
                    }}
                </span>
            </div>
            <p class="visually-hidden" aria-live="polite">{move || announcement.get()}</p>
            {move || match read_only.get() {
                Some(reason) => view! { <p class="comments__note">{reason}</p> }.into_any(),
                None => view! {
                    <div class="comments__start">
                        <button
                            type="button"
                            class="button button--small"
                            disabled=move || selected.with(|s| s.is_none())
                            on:click=comment_on_selection
                        >
                            {t!(i18n, comments_on_selection)}
                        </button>
                        <p class="comments__hint">
                            {move || selection_note().unwrap_or_else(|| t_string!(i18n, comments_select_hint).to_string())}
                        </p>
                    </div>
                }
                .into_any(),
            }}
            {move || (may.get()).then(|| cx.target.get()).flatten().map(|target| view! { <Composer target /> })}
            {move || ids.with(|i| i.is_empty()).then(|| view! {
                <p class="comments__empty">{t!(i18n, comments_empty)}</p>
            })}
            <ol class="comments__list" aria-label=t!(i18n, comments_list_label)>
                <For each=move || ids.get() key=|id| id.clone() let:id>
                    <ThreadItem id threads may />
                </For>
            </ol>
        </aside>
    })
    }
}

/// Ids of the comments written in this tab, not to be announced.
#[derive(Clone, Copy)]
struct Mine(StoredValue<HashSet<String>>);

/// The form for a new comment on a field or on words of it.
#[component]
fn Composer(target: Target) -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_doc();
    let cx = expect_context::<CommentsContext>();
    let mine = expect_context::<Mine>().0;
    let auth = use_session();
    let body = RwSignal::new(String::new());
    let field = field_name(i18n, &doc, &target.field);
    let quote = target.anchor.as_ref().map(|a| a.quote.clone());
    let whole = quote.is_none();
    let target = StoredValue::new(target);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = body.get_untracked().trim().to_string();
        if text.is_empty() {
            return;
        }
        let Target { field, anchor } = target.get_value();
        let (start, end, quote) = anchor
            .map(|a| (a.start, a.end, a.quote))
            .unwrap_or_default();
        let comment = Comment {
            field,
            start,
            end,
            quote,
            body: text,
            by: my_name(auth),
            at: now_rfc3339(),
            ..Comment::default()
        };
        let mut added = None;
        write(&doc, |d| {
            let id = comments::add(d, comment)?;
            added = Some(id);
            Ok(true)
        });
        if let Some(id) = added {
            mine.update_value(|m| {
                m.insert(id);
            });
        }
        cx.target.set(None);
        cx.selected.set(None);
    };
    view! {
        <form class="comment-composer" aria-labelledby="comment-new-heading" on:submit=submit>
            <h3 id="comment-new-heading" class="comment-composer__heading">{t!(i18n, comments_new_heading)}</h3>
            <p class="comment__field">{field}</p>
            {quote.map(|q| view! { <blockquote class="comment__quote comment__quote--new">{q}</blockquote> })}
            {whole.then(|| view! { <p class="comment__whole">{t!(i18n, comments_whole_field)}</p> })}
            <label for=NEW_COMMENT_ID class="visually-hidden">{t!(i18n, comments_body_label)}</label>
            <textarea
                id=NEW_COMMENT_ID
                rows=3
                placeholder=t!(i18n, comments_body_label)
                prop:value=move || body.get()
                on:input=move |ev| body.set(event_target_value(&ev))
            ></textarea>
            <div class="comment__actions">
                <button type="submit" class="button button--primary button--small">{t!(i18n, comments_add)}</button>
                <button type="button" class="button button--small button--plain" on:click=move |_| cx.target.set(None)>
                    {t!(i18n, comments_cancel)}
                </button>
            </div>
        </form>
    }
}

/// One thread: the first comment with its words, the replies, and the actions.
#[component]
fn ThreadItem(id: String, threads: Memo<Vec<ThreadView>>, may: Memo<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let doc = use_doc();
    let mine = expect_context::<Mine>().0;
    let auth = use_session();
    let thread = {
        let id = id.clone();
        Memo::new(move |_| threads.with(|ts| ts.iter().find(|t| t.id == id).cloned()))
    };
    let replying = RwSignal::new(false);
    let reply = RwSignal::new(String::new());
    let id = StoredValue::new(id);
    let resolved =
        Memo::new(move |_| thread.with(|t| t.as_ref().is_some_and(|t| t.first.resolved)));
    let reply_id = move || format!("reply-{}", id.get_value());

    let toggle = move |_| {
        let to = !resolved.get_untracked();
        let by = my_name(auth);
        write(&doc, |d| {
            comments::set_resolved(d, &id.get_value(), to, &by)
        });
    };
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = reply.get_untracked().trim().to_string();
        if text.is_empty() {
            return;
        }
        let Some(first) = thread.with_untracked(|t| t.as_ref().map(|t| t.first.clone())) else {
            return;
        };
        let comment = Comment {
            thread: id.get_value(),
            field: first.field,
            body: text,
            by: my_name(auth),
            at: now_rfc3339(),
            ..Comment::default()
        };
        let mut added = None;
        write(&doc, |d| {
            added = Some(comments::add(d, comment)?);
            Ok(true)
        });
        if let Some(new) = added {
            mine.update_value(|m| {
                m.insert(new);
            });
        }
        reply.set(String::new());
        replying.set(false);
    };
    // Puts the caret on the words commented on (or in the field).
    let show = move |_| {
        let Some((field, span)) =
            thread.with_untracked(|t| t.as_ref().map(|t| (t.first.field.clone(), t.span.clone())))
        else {
            return;
        };
        let Some(el) = document().get_element_by_id(&dom_id_for(&field_path(&field))) else {
            return;
        };
        el.scroll_into_view_with_bool(false);
        if let Ok(html) = el.clone().dyn_into::<web_sys::HtmlElement>() {
            let _ = html.focus();
        }
        if let Span::At { start, end, .. } = span {
            if let Some(area) = el.dyn_ref::<web_sys::HtmlTextAreaElement>() {
                let _ = area.set_selection_range(start as u32, end as u32);
            } else if let Some(input) = el.dyn_ref::<web_sys::HtmlInputElement>() {
                let _ = input.set_selection_range(start as u32, end as u32);
            }
        }
    };

    move || {
        let t = thread.get()?;
        let locale = i18n.get_locale().as_str().to_string();
        let field = field_name(i18n, &doc, &t.first.field);
        let words = match &t.span {
            Span::At { words, .. } => view! {
                <blockquote class="comment__quote">{words.clone()}</blockquote>
            }
            .into_any(),
            Span::Removed => view! {
                <p class="comment__removed">
                    {t!(i18n, comments_removed)} " "
                    <q class="comment__was">{t.first.quote.clone()}</q>
                </p>
            }
            .into_any(),
            Span::Whole => {
                view! { <p class="comment__whole">{t!(i18n, comments_whole_field)}</p> }.into_any()
            }
        };
        let label = fill(
            t_string!(i18n, comments_thread_label),
            &[("name", t.first.by.clone()), ("field", field.clone())],
        );
        let replies = t
            .replies
            .iter()
            .map(|(_, r)| view! { <li class="comment comment--reply"><CommentText comment=r.clone() locale=locale.clone() /></li> })
            .collect_view();
        let resolved_by = t.first.resolved.then(|| {
            let name = t.first.resolved_by.clone();
            view! {
                <p class="thread__resolved">
                    {move || fill(t_string!(i18n, comments_resolved_by), &[("name", name.clone())])}
                </p>
            }
        });
        let can = may.get();
        Some(view! {
            <li class="thread" class:thread--resolved=t.first.resolved>
                <article aria-label=label>
                    <p class="comment__field">
                        <button type="button" class="link-button" on:click=show
                            title=t!(i18n, comments_show)>
                            {field}
                        </button>
                    </p>
                    {words}
                    <div class="comment"><CommentText comment=t.first.clone() locale=locale.clone() /></div>
                    {(!t.replies.is_empty()).then(|| view! { <ol class="thread__replies">{replies}</ol> })}
                    {resolved_by}
                    {can.then(|| view! {
                        <div class="comment__actions">
                            {move || (!replying.get() && !resolved.get()).then(|| view! {
                                <button type="button" class="button button--small button--plain"
                                    on:click=move |_| {
                                        replying.set(true);
                                        request_animation_frame(move || {
                                            if let Some(el) = document().get_element_by_id(&reply_id()) {
                                                if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                                                    let _ = el.focus();
                                                }
                                            }
                                        });
                                    }>
                                    {t!(i18n, comments_reply)}
                                </button>
                            })}
                            <button type="button" class="button button--small button--plain" on:click=toggle>
                                {move || if resolved.get() {
                                    t_string!(i18n, comments_reopen).to_string()
                                } else {
                                    t_string!(i18n, comments_resolve).to_string()
                                }}
                            </button>
                        </div>
                    })}
                    {move || (can && replying.get()).then(|| view! {
                        <form class="comment-reply" on:submit=send>
                            <label for=reply_id() class="visually-hidden">{t!(i18n, comments_reply_label)}</label>
                            <textarea
                                id=reply_id()
                                rows=2
                                placeholder=t!(i18n, comments_reply_label)
                                prop:value=move || reply.get()
                                on:input=move |ev| reply.set(event_target_value(&ev))
                            ></textarea>
                            <div class="comment__actions">
                                <button type="submit" class="button button--primary button--small">{t!(i18n, comments_send_reply)}</button>
                                <button type="button" class="button button--small button--plain" on:click=move |_| replying.set(false)>
                                    {t!(i18n, comments_cancel)}
                                </button>
                            </div>
                        </form>
                    })}
                </article>
            </li>
        })
    }
}

/// Who wrote a comment, when, and what.
#[component]
fn CommentText(comment: Comment, locale: String) -> impl IntoView {
    let when = date_time_rfc3339(&comment.at, &locale);
    view! {
        <p class="comment__meta">
            <span class="comment__by">{comment.by}</span>
            <time class="comment__at" datetime=comment.at.clone()>{when}</time>
        </p>
        <p class="comment__body">{comment.body}</p>
    }
}
