//! `/admin`, for administrators: every account, and who is in an engagement
//! with which role (list, add, change a role), and which HQ reviewers may
//! read the confidential parties. Others are told the page is for
//! administrators; the server refuses them the API anyway. The taxonomy
//! has a page of its own (`taxonomy.rs`), linked from here.

use accord_shared::policy::Role;
use accord_shared::DocumentId;
use leptos::prelude::*;
use leptos_router::components::A;

use super::{role_label, use_session, Auth};
use crate::admin::{self, Account, Member};
use crate::auth::ApiError;
use crate::i18n::*;

type Accounts = LocalResource<Result<Vec<Account>, ApiError>>;

/// Whether the header shows "Administration" and the page its content. The
/// server decides for itself on every call.
pub fn is_admin(auth: &Auth) -> bool {
    matches!(auth, Auth::SignedIn(me) if me.role == Role::Admin.as_str())
}

#[component]
pub fn AdminPage() -> impl IntoView {
    let auth = use_session();
    let admin = Memo::new(move |_| auth.with(is_admin));
    move || {
        if admin.get() {
            view! { <AdminContent /> }.into_any()
        } else {
            view! { <NotAdmin /> }.into_any()
        }
    }
}

#[component]
fn NotAdmin() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="page admin">
            <section class="card" aria-labelledby="admin-heading">
                <h1 id="admin-heading">{t!(i18n, admin_heading)}</h1>
                <p class="admin__only">{t!(i18n, admin_only)}</p>
                <p class="muted">{t!(i18n, admin_only_hint)}</p>
                <A href="/">{t!(i18n, back_home)}</A>
            </section>
        </div>
    }
}

#[component]
fn AdminContent() -> impl IntoView {
    let i18n = use_i18n();
    let accounts: Accounts = LocalResource::new(admin::users);
    // The server says this person is no administrator (any more): say so,
    // rather than an empty page with errors.
    let refused = move || {
        matches!(
            accounts.get(),
            Some(Err(ApiError::Refused { status: 403, .. }))
        )
    };
    move || {
        if refused() {
            return view! { <NotAdmin /> }.into_any();
        }
        view! {
            <div class="page admin">
                <h1 class="admin__title">{t!(i18n, admin_heading)}</h1>
                <p class="admin__links">
                    <A href="/taxonomy">{t!(i18n, taxonomy_admin_link)}</A>
                </p>
                <AccountsTable accounts />
                <Members accounts />
            </div>
        }
        .into_any()
    }
}

/// What went wrong with an admin call, for a person.
pub(super) fn error_text(i18n: I18nContext<Locale>, error: &ApiError) -> String {
    match error {
        ApiError::Refused { status: 403, .. } => t_string!(i18n, admin_only).to_string(),
        ApiError::Refused { status: 401, .. } => t_string!(i18n, admin_signed_out).to_string(),
        ApiError::Refused {
            message: Some(message),
            ..
        } => message.clone(),
        ApiError::Refused { status, .. } => fill(
            t_string!(i18n, admin_failed),
            &[("status", status.to_string())],
        ),
        ApiError::Network => t_string!(i18n, admin_offline).to_string(),
        ApiError::Unreadable => t_string!(i18n, admin_unreadable).to_string(),
    }
}

#[component]
fn AccountsTable(accounts: Accounts) -> impl IntoView {
    let i18n = use_i18n();
    let body = move || {
        match accounts.get() {
        None => view! { <p class="muted" aria-busy="true">{t!(i18n, admin_loading)}</p> }.into_any(),
        Some(Err(e)) => view! {
            <p class="error" role="alert">
                {move || fill(t_string!(i18n, accounts_error), &[("reason", error_text(i18n, &e))])}
            </p>
        }
        .into_any(),
        Some(Ok(list)) if list.is_empty() => {
            view! { <p class="muted">{t!(i18n, accounts_empty)}</p> }.into_any()
        }
        Some(Ok(list)) => view! {
            <div class="table-wrap">
                <table class="table" aria-labelledby="accounts-heading">
                    <thead>
                        <tr>
                            <th scope="col">{t!(i18n, col_name)}</th>
                            <th scope="col">{t!(i18n, col_email)}</th>
                            <th scope="col">{t!(i18n, col_role)}</th>
                            <th scope="col">{t!(i18n, col_status)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {list
                            .into_iter()
                            .map(|account| {
                                let role = account.role.clone();
                                let disabled = account.disabled;
                                view! {
                                    <tr class:table__row--disabled=disabled>
                                        <th scope="row">{account.name}</th>
                                        <td class="table__email">{account.email}</td>
                                        <td>{move || role_label(i18n, &role)}</td>
                                        <td>
                                            <span
                                                class="tag"
                                                class:tag--off=disabled
                                            >
                                                {move || {
                                                    if disabled {
                                                        t_string!(i18n, account_disabled).to_string()
                                                    } else {
                                                        t_string!(i18n, account_active).to_string()
                                                    }
                                                }}
                                            </span>
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        }
        .into_any(),
    }
    };
    view! {
        <section class="card" aria-labelledby="accounts-heading">
            <h2 id="accounts-heading">{t!(i18n, accounts_heading)}</h2>
            {body}
        </section>
    }
}

/// The answer of the last "Show members" (or of the refresh after an add).
type Listed = Option<(DocumentId, Result<Vec<Member>, ApiError>)>;

/// After "Add member": who, as what; or why not.
#[derive(Debug, Clone)]
enum Outcome {
    Added { name: String, role: Role },
    Failed(String),
}

#[component]
fn Members(accounts: Accounts) -> impl IntoView {
    let i18n = use_i18n();
    let input = RwSignal::new(String::new());
    let id_error = RwSignal::new(None::<String>);
    // The engagement whose members are listed; `reload` asks again.
    let shown = RwSignal::new(None::<DocumentId>);
    let reload = RwSignal::new(0u32);
    let members: LocalResource<Listed> = LocalResource::new(move || {
        let id = shown.get();
        reload.track();
        async move {
            match id {
                Some(id) => Some((id, admin::members(id).await)),
                None => None,
            }
        }
    });
    let show = move |id: DocumentId| {
        if shown.get_untracked() == Some(id) {
            reload.update(|n| *n = n.wrapping_add(1));
        } else {
            shown.set(Some(id));
        }
    };
    let parse = move || -> Result<DocumentId, String> {
        let value = input.get_untracked();
        if value.trim().is_empty() {
            return Err(t_string!(i18n, engagement_error_empty).to_string());
        }
        DocumentId::parse_url_or_id(&value).map_err(|e| {
            fill(
                t_string!(i18n, engagement_error),
                &[("reason", e.to_string())],
            )
        })
    };

    let on_show = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match parse() {
            Ok(id) => {
                id_error.set(None);
                show(id);
            }
            Err(e) => id_error.set(Some(e)),
        }
    };

    let email = RwSignal::new(String::new());
    let role = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Outcome>);
    let on_add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let fail = |text: String| outcome.set(Some(Outcome::Failed(text)));
        let id = match parse() {
            Ok(id) => id,
            Err(e) => return fail(e),
        };
        let address = email.get_untracked();
        if address.is_empty() {
            return fail(t_string!(i18n, member_error_no_account).to_string());
        }
        let Ok(as_role) = role.get_untracked().parse::<Role>() else {
            return fail(t_string!(i18n, member_error_no_role).to_string());
        };
        outcome.set(None);
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = admin::add_member(id, &address, as_role).await;
            busy.set(false);
            match result {
                Ok(()) => {
                    let name = accounts
                        .get_untracked()
                        .and_then(Result::ok)
                        .and_then(|list| list.into_iter().find(|a| a.email == address))
                        .map(|a| a.name)
                        .unwrap_or(address);
                    outcome.set(Some(Outcome::Added {
                        name,
                        role: as_role,
                    }));
                    id_error.set(None);
                    show(id);
                }
                Err(e) => outcome.set(Some(Outcome::Failed(fill(
                    t_string!(i18n, member_error),
                    &[("reason", error_text(i18n, &e))],
                )))),
            }
        });
    };

    let failed = move || matches!(outcome.get(), Some(Outcome::Failed(_)));
    let outcome_view = move || {
        outcome.get().map(|o| match o {
            Outcome::Added { name, role } => view! {
                <p id="member-outcome" class="success" role="status">
                    {move || {
                        fill(
                            t_string!(i18n, member_added),
                            &[("name", name.clone()), ("role", role_label(i18n, role.as_str()))],
                        )
                    }}
                </p>
            }
            .into_any(),
            Outcome::Failed(text) => view! {
                <p id="member-outcome" class="error" role="alert">{text}</p>
            }
            .into_any(),
        })
    };

    view! {
        <section class="card" aria-labelledby="members-heading">
            <h2 id="members-heading">{t!(i18n, members_heading)}</h2>
            <form class="admin-form" on:submit=on_show novalidate>
                <div class="field">
                    <label for="engagement-id">{t!(i18n, engagement_label)}</label>
                    <p id="engagement-hint" class="hint">{t!(i18n, engagement_hint)}</p>
                    <div class="open-form__row">
                        <input
                            id="engagement-id"
                            type="text"
                            autocomplete="off"
                            spellcheck="false"
                            aria-describedby=move || {
                                if id_error.get().is_some() {
                                    "engagement-hint engagement-error"
                                } else {
                                    "engagement-hint"
                                }
                            }
                            aria-invalid=move || id_error.get().is_some().then_some("true")
                            prop:value=move || input.get()
                            on:input=move |ev| input.set(event_target_value(&ev))
                        />
                        <button type="submit" class="button">{t!(i18n, show_members)}</button>
                    </div>
                    {move || {
                        id_error.get().map(|e| view! {
                            <p id="engagement-error" class="error" role="alert">{e}</p>
                        })
                    }}
                </div>
            </form>

            <MemberList members shown reload />

            <div class="member-add">
                <h3 id="add-member-heading">{t!(i18n, add_member_heading)}</h3>
                <p id="add-member-hint" class="hint">{t!(i18n, add_member_hint)}</p>
                <form
                    class="member-form"
                    aria-labelledby="add-member-heading"
                    aria-describedby="add-member-hint"
                    on:submit=on_add
                    novalidate
                >
                    <div class="member-form__row">
                        <div class="field">
                            <label for="member-email">{t!(i18n, member_account)}</label>
                            <select
                                id="member-email"
                                aria-describedby=move || failed().then_some("member-outcome")
                                on:change=move |ev| email.set(event_target_value(&ev))
                            >
                                <option value="">{t!(i18n, member_account_choose)}</option>
                                {move || {
                                    accounts
                                        .get()
                                        .and_then(Result::ok)
                                        .unwrap_or_default()
                                        .into_iter()
                                        .map(|account| {
                                            let disabled = account.disabled;
                                            view! {
                                                <option
                                                    value=account.email.clone()
                                                    selected=account.email == email.get_untracked()
                                                >
                                                    {format!("{} ({})", account.name, account.email)}
                                                    {move || {
                                                        disabled
                                                            .then(|| {
                                                                t_string!(i18n, account_option_disabled).to_string()
                                                            })
                                                    }}
                                                </option>
                                            }
                                        })
                                        .collect_view()
                                }}
                            </select>
                        </div>
                        <div class="field">
                            <label for="member-role">{t!(i18n, member_role)}</label>
                            <select
                                id="member-role"
                                aria-describedby=move || failed().then_some("member-outcome")
                                on:change=move |ev| role.set(event_target_value(&ev))
                            >
                                <option value="">{t!(i18n, member_role_choose)}</option>
                                {Role::ALL
                                    .into_iter()
                                    .map(|r| {
                                        view! {
                                            <option value=r.as_str()>
                                                {move || role_label(i18n, r.as_str())}
                                            </option>
                                        }
                                    })
                                    .collect_view()}
                            </select>
                        </div>
                        <button
                            type="submit"
                            class="button button--primary member-form__submit"
                            disabled=move || busy.get()
                            aria-busy=move || busy.get().then_some("true")
                        >
                            {t!(i18n, add_member)}
                        </button>
                    </div>
                    {outcome_view}
                </form>
            </div>
        </section>
    }
}

/// After a change of access to the confidential parties: what happened.
#[derive(Debug, Clone)]
enum GrantOutcome {
    Done { name: String, granted: bool },
    Failed(String),
}

#[component]
fn MemberList(
    members: LocalResource<Listed>,
    shown: RwSignal<Option<DocumentId>>,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let i18n = use_i18n();
    let busy = RwSignal::new(None::<String>);
    let outcome = RwSignal::new(None::<GrantOutcome>);
    // Grant or revoke, then list again: the list shows what the server holds.
    let set_grant = move |engagement: DocumentId, email: String, name: String, granted: bool| {
        if busy.get_untracked().is_some() {
            return;
        }
        busy.set(Some(email.clone()));
        outcome.set(None);
        leptos::task::spawn_local(async move {
            let result = admin::set_parties_grant(engagement, &email, granted).await;
            busy.try_set(None);
            outcome.try_set(Some(match result {
                Ok(()) => GrantOutcome::Done { name, granted },
                Err(e) => GrantOutcome::Failed(fill(
                    t_string!(i18n, parties_grant_error),
                    &[("reason", error_text(i18n, &e))],
                )),
            }));
            reload.try_update(|n| *n = n.wrapping_add(1));
        });
    };
    let outcome_view = move || {
        outcome.get().map(|o| match o {
            GrantOutcome::Done { name, granted } => view! {
                <p id="grant-outcome" class="success" role="status">
                    {move || {
                        let text = if granted {
                            t_string!(i18n, parties_granted_now)
                        } else {
                            t_string!(i18n, parties_revoked_now)
                        };
                        fill(text, &[("name", name.clone())])
                    }}
                </p>
            }
            .into_any(),
            GrantOutcome::Failed(text) => view! {
                <p id="grant-outcome" class="error" role="alert">{text}</p>
            }
            .into_any(),
        })
    };
    let list = move || match members.get() {
        // Asking for the first time.
        None => shown
            .get()
            .map(|_| view! { <p class="muted" aria-busy="true">{t!(i18n, admin_loading)}</p> })
            .into_any(),
        // Nothing asked yet.
        Some(None) => ().into_any(),
        Some(Some((_, Err(e)))) => view! {
            <p class="error" role="alert">
                {move || fill(t_string!(i18n, members_error), &[("reason", error_text(i18n, &e))])}
            </p>
        }
        .into_any(),
        Some(Some((_, Ok(list)))) if list.is_empty() => {
            view! { <p class="members__empty muted">{t!(i18n, members_empty)}</p> }.into_any()
        }
        Some(Some((engagement, Ok(list)))) => {
            let id = engagement.to_string();
            view! {
                <div class="table-wrap">
                    <table class="table" aria-describedby="parties-hint">
                        <caption>
                            {move || fill(t_string!(i18n, members_caption), &[("id", id.clone())])}
                        </caption>
                        <thead>
                            <tr>
                                <th scope="col">{t!(i18n, col_name)}</th>
                                <th scope="col">{t!(i18n, col_email)}</th>
                                <th scope="col">{t!(i18n, col_role)}</th>
                                <th scope="col">{t!(i18n, col_parties)}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {list
                                .into_iter()
                                .map(|member| {
                                    let role = member.role.clone();
                                    let parties = parties_cell(i18n, engagement, &member, busy, set_grant);
                                    view! {
                                        <tr>
                                            <th scope="row">{member.name}</th>
                                            <td class="table__email">{member.email}</td>
                                            <td>{move || role_label(i18n, &role)}</td>
                                            <td>{parties}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
                <p id="parties-hint" class="hint">{t!(i18n, parties_column_hint)}</p>
            }
            .into_any()
        }
    };
    view! {
        {list}
        {outcome_view}
    }
}

/// Whether a member reads the confidential parties: an HQ reviewer's grant
/// as a checkbox; field officers and administrators by their role; others never.
fn parties_cell(
    i18n: I18nContext<Locale>,
    engagement: DocumentId,
    member: &Member,
    busy: RwSignal<Option<String>>,
    set_grant: impl Fn(DocumentId, String, String, bool) + Copy + 'static,
) -> AnyView {
    match member.role.parse::<Role>() {
        Ok(Role::HqReviewer) => {
            let (email, name) = (member.email.clone(), member.name.clone());
            let granted = member.parties_granted;
            let label_name = name.clone();
            let mine = email.clone();
            let on_change = move |ev: leptos::ev::Event| {
                set_grant(
                    engagement,
                    email.clone(),
                    name.clone(),
                    event_target_checked(&ev),
                );
            };
            view! {
                <label class="checkbox">
                    <input
                        type="checkbox"
                        prop:checked=granted
                        aria-label=move || {
                            fill(t_string!(i18n, parties_may_read_label), &[("name", label_name.clone())])
                        }
                        aria-busy=move || (busy.get().as_deref() == Some(mine.as_str())).then_some("true")
                        disabled=move || busy.get().is_some()
                        on:change=on_change
                    />
                    " "
                    {t!(i18n, parties_may_read)}
                </label>
            }
            .into_any()
        }
        Ok(Role::FieldOfficer | Role::Admin) => {
            view! { <span>{t!(i18n, parties_by_role)}</span> }.into_any()
        }
        _ => view! { <span class="muted">{t!(i18n, parties_never)}</span> }.into_any(),
    }
}
