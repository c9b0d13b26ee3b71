//! The interface: the shell (header on every page), the session and the routes.

mod admin;
mod approval;
mod assessment;
pub mod comments;
mod consent;
mod consultations;
mod contributions;
mod dashboard;
pub mod doc;
mod editor;
mod engagement;
mod evaluation;
pub mod fields;
mod header;
mod history;
mod home;
mod inbox;
mod linked;
mod login;
mod print;
mod programme;
pub mod record_list;
mod request;
pub mod siblings;
mod submission;
mod taxonomy;
pub mod text_field;
mod trace;
pub mod vocab;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::hooks::use_navigate;
use leptos_router::{path, NavigateOptions};

use crate::auth::{self, ApiError, Me};
use crate::i18n::*;
use crate::sync::SyncClient;

/// The tab's sync client, reachable from any component.
pub type ClientStore = StoredValue<SyncClient, LocalStorage>;

pub fn use_client() -> ClientStore {
    expect_context::<ClientStore>()
}

/// Who is using this tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// Asking the server (`/api/me`) at start.
    Checking,
    /// Signed in, per the server or, offline, per the last identity remembered.
    SignedIn(Me),
    /// `by_user`: the person pressed "Sign out" (no `next` to come back to).
    SignedOut { by_user: bool },
}

/// The tab's session, shared by the header, the sign-in page and the routes.
#[derive(Clone, Copy)]
pub struct Session(pub RwSignal<Auth>);

pub fn use_session() -> RwSignal<Auth> {
    expect_context::<Session>().0
}

#[component]
pub fn App() -> impl IntoView {
    view! {
        <I18nContextProvider>
            <Shell />
        </I18nContextProvider>
    }
}

/// localStorage key of the interface language the person chose.
const LANGUAGE_KEY: &str = "accord.language";

/// Keeps the person's choice of language on this device.
pub fn remember_language(locale: Locale) {
    if let Some(storage) = auth::storage() {
        let _ = storage.set_item(LANGUAGE_KEY, locale.as_str());
    }
}

/// The language chosen earlier on this device, if any; without one the
/// browser's languages decide.
fn remembered_language() -> Option<Locale> {
    let saved = auth::storage()?.get_item(LANGUAGE_KEY).ok()??;
    Locale::get_all()
        .iter()
        .copied()
        .find(|l| l.as_str() == saved)
}

#[component]
fn Shell() -> impl IntoView {
    let i18n = use_i18n();
    // The provider sets its first language (the browser's) in an effect, so
    // the person's own choice goes in an effect made after it, which runs
    // after it, before the first paint. (localStorage rather than
    // leptos_i18n's cookie: the cookie code and the `time` crate it pulls in
    // cost ~16 KB of wasm, and no server reads it.)
    if let Some(locale) = remembered_language() {
        Effect::new(move |_| i18n.set_locale(locale));
    }
    let auth = RwSignal::new(Auth::Checking);
    // The account name, which presence shows to others.
    let name = RwSignal::new(String::new());
    let client: ClientStore = StoredValue::new_local(SyncClient::new(name));
    provide_context(Session(auth));
    provide_context(client);

    leptos::task::spawn_local(async move {
        let state = check_session().await;
        // A sign-in on /login may have finished first.
        if auth.get_untracked() == Auth::Checking {
            auth.set(state);
        }
    });

    // A socket that never opened may mean the session ended: ask the server.
    client.with_value(|c| {
        c.set_on_refused(move || {
            leptos::task::spawn_local(async move {
                if !matches!(auth.get_untracked(), Auth::SignedIn(_)) {
                    return;
                }
                match auth::fetch_me().await {
                    Ok(Some(me)) => {
                        auth::remember(&me);
                        if auth.get_untracked() != Auth::SignedIn(me.clone()) {
                            auth.set(Auth::SignedIn(me));
                        }
                    }
                    Ok(None) => {
                        auth::forget();
                        auth.set(Auth::SignedOut { by_user: false });
                    }
                    // Offline or the server is down: keep working locally.
                    Err(_) => {}
                }
            })
        })
    });

    // Only a signed-in tab talks to the sync server.
    Effect::new(move |_| match auth.get() {
        Auth::SignedIn(me) => {
            if name.get_untracked() != me.name {
                name.set(me.name);
                client.with_value(|c| c.announce_everywhere());
            }
            client.with_value(|c| c.start());
        }
        Auth::SignedOut { .. } => client.with_value(|c| c.stop()),
        Auth::Checking => {}
    });

    view! {
        <Router>
            <a class="skip-link" href="#main">{t!(i18n, skip_to_content)}</a>
            <header::Header />
            <main id="main" tabindex="-1">
                <Routes fallback=|| view! { <RequireSignIn><dashboard::Dashboard /></RequireSignIn> }>
                    <Route path=path!("/login") view=login::LoginPage />
                    <Route
                        path=path!("/")
                        view=|| view! { <RequireSignIn><dashboard::Dashboard /></RequireSignIn> }
                    />
                    <Route
                        path=path!("/engagement/:id")
                        view=|| view! { <RequireSignIn><engagement::EngagementPage /></RequireSignIn> }
                    />
                    <Route
                        path=path!("/engagement/:id/trace")
                        view=|| view! { <RequireSignIn><trace::TracePage /></RequireSignIn> }
                    />
                    <Route
                        path=path!("/engagement/:id/submissions")
                        view=|| view! { <RequireSignIn><inbox::InboxPage /></RequireSignIn> }
                    />
                    // A submission link: no account, so no sign-in first.
                    <Route path=path!("/submit/:token") view=consent::SubmitLinkPage />
                    <Route
                        path=path!("/admin")
                        view=|| view! { <RequireSignIn><admin::AdminPage /></RequireSignIn> }
                    />
                    <Route
                        path=path!("/taxonomy")
                        view=|| view! { <RequireSignIn><taxonomy::TaxonomyPage /></RequireSignIn> }
                    />
                    <Route
                        path=path!("/doc/:id")
                        view=|| view! { <RequireSignIn><doc::DocumentPage /></RequireSignIn> }
                    />
                    <Route
                        path=path!("/doc/:id/print")
                        view=|| view! { <RequireSignIn><print::PrintPage /></RequireSignIn> }
                    />
                    <Route
                        path=path!("/doc/:id/history")
                        view=|| view! { <RequireSignIn><history::HistoryPage /></RequireSignIn> }
                    />
                </Routes>
            </main>
        </Router>
    }
}

/// The start-up answer to "who is this?". Offline, the last identity this
/// device remembers, so local documents still open.
async fn check_session() -> Auth {
    if auth::sign_out_pending() {
        match auth::logout().await {
            Ok(()) | Err(ApiError::Refused { .. }) => auth::set_sign_out_pending(false),
            Err(_) => {}
        }
        return Auth::SignedOut { by_user: true };
    }
    match auth::fetch_me().await {
        Ok(Some(me)) => {
            auth::remember(&me);
            Auth::SignedIn(me)
        }
        Ok(None) => {
            auth::forget();
            Auth::SignedOut { by_user: false }
        }
        Err(_) => match auth::remembered() {
            Some(me) => Auth::SignedIn(me),
            None => Auth::SignedOut { by_user: false },
        },
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Checking,
    In,
    Out { by_user: bool },
}

/// Shows its children only when signed in; a quiet loading state while the
/// session is being checked; otherwise sends the person to `/login?next=…`.
#[component]
fn RequireSignIn(children: ChildrenFn) -> impl IntoView {
    let auth = use_session();
    let phase = Memo::new(move |_| match auth.get() {
        Auth::Checking => Phase::Checking,
        Auth::SignedIn(_) => Phase::In,
        Auth::SignedOut { by_user } => Phase::Out { by_user },
    });
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Phase::Out { by_user } = phase.get() {
            let here = current_path();
            let target = if by_user || here == "/" {
                "/login".to_string()
            } else {
                format!(
                    "/login?next={}",
                    String::from(js_sys::encode_uri_component(&here))
                )
            };
            navigate(
                &target,
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });
    move || match phase.get() {
        Phase::Checking => view! { <Loading /> }.into_any(),
        Phase::In => children().into_any(),
        Phase::Out { .. } => ().into_any(),
    }
}

fn current_path() -> String {
    let Some(location) = web_sys::window().map(|w| w.location()) else {
        return "/".to_string();
    };
    format!(
        "{}{}{}",
        location.pathname().unwrap_or_default(),
        location.search().unwrap_or_default(),
        location.hash().unwrap_or_default()
    )
}

#[component]
fn Loading() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <p class="loading" aria-busy="true">{t!(i18n, loading)}</p>
    }
}

/// A role as people read it ("Field officer"); an unknown role as sent.
pub fn role_label(i18n: I18nContext<Locale>, role: &str) -> String {
    use accord_shared::policy::Role;
    match role.parse::<Role>() {
        Ok(Role::Admin) => t_string!(i18n, role_admin).to_string(),
        Ok(Role::FieldOfficer) => t_string!(i18n, role_field_officer).to_string(),
        Ok(Role::Government) => t_string!(i18n, role_government).to_string(),
        Ok(Role::Ngo) => t_string!(i18n, role_ngo).to_string(),
        Ok(Role::Individual) => t_string!(i18n, role_individual).to_string(),
        Ok(Role::HqReviewer) => t_string!(i18n, role_hq_reviewer).to_string(),
        Err(_) => role.to_string(),
    }
}

/// A document kind as people read it ("Needs assessment").
pub fn kind_label(i18n: I18nContext<Locale>, kind: accord_shared::policy::DocKind) -> String {
    use accord_shared::policy::DocKind;
    match kind {
        DocKind::Engagement => t_string!(i18n, kind_engagement).to_string(),
        DocKind::Request => t_string!(i18n, kind_request).to_string(),
        DocKind::Assessment => t_string!(i18n, kind_assessment).to_string(),
        DocKind::Programme => t_string!(i18n, kind_programme).to_string(),
        DocKind::Evaluation => t_string!(i18n, kind_evaluation).to_string(),
        DocKind::Submission => t_string!(i18n, kind_submission).to_string(),
        DocKind::Consultations => t_string!(i18n, kind_consultations).to_string(),
        DocKind::Parties => t_string!(i18n, kind_parties).to_string(),
        DocKind::Taxonomy => t_string!(i18n, kind_taxonomy).to_string(),
    }
}

/// Why a field is read-only, in the person's words.
pub fn read_only_text(i18n: I18nContext<Locale>, why: crate::access::WhyReadOnly) -> String {
    use crate::access::WhyReadOnly;
    use accord_shared::policy::Section;
    match why {
        WhyReadOnly::Submitted => t_string!(i18n, read_only_submitted).to_string(),
        WhyReadOnly::NoAccess(_) => t_string!(i18n, read_only_no_access).to_string(),
        WhyReadOnly::ForRole(section) => match section {
            Section::EngagementHeader => t_string!(i18n, read_only_engagement_header).to_string(),
            Section::Request => t_string!(i18n, read_only_request).to_string(),
            Section::Assessment => t_string!(i18n, read_only_assessment).to_string(),
            Section::ConsultationsRegister => {
                t_string!(i18n, read_only_consultations_register).to_string()
            }
            Section::Submission => t_string!(i18n, read_only_submission).to_string(),
            Section::Programme => t_string!(i18n, read_only_programme).to_string(),
            Section::Evaluations => t_string!(i18n, read_only_evaluations).to_string(),
            Section::Comments => t_string!(i18n, read_only_comments).to_string(),
            Section::Approvals => t_string!(i18n, read_only_approvals).to_string(),
            Section::ConfidentialParties => {
                t_string!(i18n, read_only_confidential_parties).to_string()
            }
            Section::Taxonomy => t_string!(i18n, read_only_taxonomy).to_string(),
        },
    }
}
