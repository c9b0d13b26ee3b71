//! The interface: the shell (header on every page) and the routes.

mod editor;
mod header;
mod home;
mod text_field;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::i18n::*;
use crate::identity;
use crate::sync::SyncClient;

/// The tab's sync client, reachable from any component.
pub type ClientStore = StoredValue<SyncClient, LocalStorage>;

pub fn use_client() -> ClientStore {
    expect_context::<ClientStore>()
}

/// The person's display name, shared by the header and presence.
#[derive(Clone, Copy)]
pub struct DisplayName(pub RwSignal<String>);

#[component]
pub fn App() -> impl IntoView {
    view! {
        <I18nContextProvider>
            <Shell />
        </I18nContextProvider>
    }
}

#[component]
fn Shell() -> impl IntoView {
    let i18n = use_i18n();
    let name = RwSignal::new(identity::load_name(t_string!(i18n, guest)));
    let client = SyncClient::new(name);
    client.connect();
    provide_context(DisplayName(name));
    provide_context::<ClientStore>(StoredValue::new_local(client));

    view! {
        <Router>
            <a class="skip-link" href="#main">{t!(i18n, skip_to_content)}</a>
            <header::Header />
            <main id="main" tabindex="-1">
                <Routes fallback=|| view! { <home::Home /> }>
                    <Route path=path!("/") view=home::Home />
                    <Route path=path!("/doc/:id") view=editor::EditorPage />
                </Routes>
            </main>
        </Router>
    }
}
