//! The sync client: one WebSocket to the server speaking the automerge-repo
//! protocol, shared by every open document of the tab.
//!
//! Nothing connects until [`SyncClient::start`] (after sign-in: the server
//! refuses an unauthenticated upgrade). From then on the socket reconnects by
//! itself with exponential backoff until [`SyncClient::stop`]; each connection
//! starts every open document's sync afresh.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use accord_shared::presence::Presence;
use accord_shared::{DocumentId, Message, PROTOCOL_VERSION};
use automerge::sync::{Message as SyncMessage, State as SyncState, SyncDoc};
use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

use crate::draft::{persist, Draft, DraftHandle};

const BACKOFF_START_MS: f64 = 500.0;
const BACKOFF_MAX_MS: f64 = 10_000.0;

/// The state of the tab's link to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    /// No socket, or the server has not answered `join` yet.
    Offline,
    /// Joined: documents can sync.
    Connected,
}

/// What the connection indicator shows, across the documents open in this tab.
#[derive(Debug, Clone, Copy)]
pub struct SyncStatus {
    pub connection: RwSignal<Connection>,
    /// Sum of unsent changes over open documents.
    pub unsent: RwSignal<usize>,
    /// Some open document still waits for the server's first answer.
    pub awaiting: RwSignal<bool>,
    /// The last `error` the server sent, shown until the next successful join.
    pub server_error: RwSignal<Option<String>>,
}

struct Handlers {
    _open: Closure<dyn FnMut()>,
    _message: Closure<dyn FnMut(MessageEvent)>,
    _close: Closure<dyn FnMut(CloseEvent)>,
}

struct Inner {
    peer_id: String,
    session_id: String,
    socket: Option<WebSocket>,
    handlers: Option<Handlers>,
    server_peer: Option<String>,
    drafts: HashMap<DocumentId, DraftHandle>,
    failures: u32,
    reconnect: Option<Timeout>,
    ephemeral_count: u64,
    status: SyncStatus,
    name: RwSignal<String>,
    /// Signed in: connect, and reconnect after every close.
    enabled: bool,
    /// The current socket reached `open`.
    opened: bool,
    /// Called when a socket closes without ever opening (refused upgrade,
    /// or no server), so the app can ask whether the session is still valid.
    on_refused: Option<Rc<dyn Fn()>>,
}

/// Cheap to clone handle on the tab's sync client.
#[derive(Clone)]
pub struct SyncClient(Rc<RefCell<Inner>>);

impl SyncClient {
    pub fn new(name: RwSignal<String>) -> Self {
        let status = SyncStatus {
            connection: RwSignal::new(Connection::Offline),
            unsent: RwSignal::new(0),
            awaiting: RwSignal::new(false),
            server_error: RwSignal::new(None),
        };
        Self(Rc::new(RefCell::new(Inner {
            peer_id: format!("browser-{}", uuid::Uuid::new_v4()),
            session_id: uuid::Uuid::new_v4().to_string(),
            socket: None,
            handlers: None,
            server_peer: None,
            drafts: HashMap::new(),
            failures: 0,
            reconnect: None,
            ephemeral_count: 0,
            status,
            name,
            enabled: false,
            opened: false,
            on_refused: None,
        })))
    }

    /// Connects (once signed in) and keeps reconnecting until [`Self::stop`].
    pub fn start(&self) {
        {
            let mut inner = self.0.borrow_mut();
            if inner.enabled {
                return;
            }
            inner.enabled = true;
            inner.failures = 0;
        }
        self.connect();
    }

    /// Signs the tab off the server: tells the open documents we left, closes
    /// the socket and stops reconnecting. Documents stay registered.
    pub fn stop(&self) {
        let ids: Vec<DocumentId> = self.0.borrow().drafts.keys().copied().collect();
        for id in ids {
            let draft = self.0.borrow().drafts.get(&id).cloned();
            if let Some(draft) = draft {
                self.send_ephemeral(&draft.borrow(), true);
            }
        }
        let (socket, handlers) = {
            let mut inner = self.0.borrow_mut();
            inner.enabled = false;
            inner.reconnect = None; // dropping the timeout cancels it
            (inner.socket.take(), inner.handlers.take())
        };
        if let Some(socket) = socket {
            socket.set_onopen(None);
            socket.set_onmessage(None);
            socket.set_onclose(None);
            let _ = socket.close();
        }
        drop(handlers);
        self.went_offline();
    }

    /// What to do when a socket closes without opening (see `on_refused`).
    pub fn set_on_refused(&self, hook: impl Fn() + 'static) {
        self.0.borrow_mut().on_refused = Some(Rc::new(hook));
    }

    pub fn status(&self) -> SyncStatus {
        self.0.borrow().status
    }

    /// Opens the socket; on failure, schedules another attempt.
    fn connect(&self) {
        if !self.0.borrow().enabled || self.0.borrow().socket.is_some() {
            return;
        }
        let url = match socket_url() {
            Some(url) => url,
            None => return,
        };
        let socket = match WebSocket::new(&url) {
            Ok(s) => s,
            Err(_) => {
                self.schedule_reconnect();
                return;
            }
        };
        socket.set_binary_type(BinaryType::Arraybuffer);

        let client = self.clone();
        let on_open = Closure::<dyn FnMut()>::new(move || client.on_open());
        let client = self.clone();
        let on_message =
            Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| client.on_frame(e));
        let client = self.clone();
        let on_close =
            Closure::<dyn FnMut(CloseEvent)>::new(move |_: CloseEvent| client.on_close());
        socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));

        let mut inner = self.0.borrow_mut();
        inner.socket = Some(socket);
        inner.opened = false;
        inner.handlers = Some(Handlers {
            _open: on_open,
            _message: on_message,
            _close: on_close,
        });
    }

    fn on_open(&self) {
        self.0.borrow_mut().opened = true;
        let peer_id = self.0.borrow().peer_id.clone();
        self.send(&Message::Join {
            sender_id: peer_id,
            supported_protocol_versions: vec![PROTOCOL_VERSION.to_string()],
            peer_metadata: None,
        });
    }

    fn on_close(&self) {
        let refused = {
            let mut inner = self.0.borrow_mut();
            // The handlers stay until the next connect: this runs inside one.
            inner.socket = None;
            let refused = (!inner.opened).then(|| inner.on_refused.clone()).flatten();
            inner.opened = false;
            refused
        };
        self.went_offline();
        self.schedule_reconnect();
        if let Some(hook) = refused {
            hook();
        }
    }

    fn went_offline(&self) {
        let drafts: Vec<DraftHandle> = {
            let mut inner = self.0.borrow_mut();
            inner.server_peer = None;
            inner.status.connection.set(Connection::Offline);
            inner.drafts.values().cloned().collect()
        };
        for draft in drafts {
            let mut draft = draft.borrow_mut();
            draft.sync_state = None;
            draft.view.awaiting_server.try_set(false);
            draft.clear_presence();
        }
        self.recount();
    }

    fn schedule_reconnect(&self) {
        let mut inner = self.0.borrow_mut();
        if !inner.enabled || inner.reconnect.is_some() {
            return;
        }
        let base =
            (BACKOFF_START_MS * 2f64.powi(inner.failures.min(16) as i32)).min(BACKOFF_MAX_MS);
        // Jitter, so many tabs do not reconnect in lockstep after a restart.
        let delay = base * (0.75 + 0.5 * js_sys::Math::random());
        inner.failures += 1;
        let client = self.clone();
        inner.reconnect = Some(Timeout::new(delay as u32, move || {
            client.0.borrow_mut().reconnect = None;
            client.connect();
        }));
    }

    fn on_frame(&self, event: MessageEvent) {
        let Ok(buffer) = event.data().dyn_into::<js_sys::ArrayBuffer>() else {
            return;
        };
        let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
        match Message::decode(&bytes) {
            Ok(message) => self.on_message(message),
            Err(e) => leptos::logging::warn!("ignoring a frame from the server: {e}"),
        }
    }

    fn on_message(&self, message: Message) {
        match message {
            Message::Peer { sender_id, .. } => {
                let drafts: Vec<DraftHandle> = {
                    let mut inner = self.0.borrow_mut();
                    inner.server_peer = Some(sender_id);
                    inner.failures = 0;
                    inner.status.connection.set(Connection::Connected);
                    inner.status.server_error.set(None);
                    inner.drafts.values().cloned().collect()
                };
                for draft in drafts {
                    self.start_sync(&draft);
                    let id = draft.borrow().id;
                    self.send_presence(id);
                }
                self.recount();
            }
            Message::Sync {
                document_id, data, ..
            }
            | Message::Request {
                document_id, data, ..
            } => {
                if let Some(draft) = self.draft(&document_id) {
                    self.receive_sync(&draft, &data);
                }
            }
            Message::DocUnavailable { document_id, .. } => {
                if let Some(draft) = self.draft(&document_id) {
                    let mut draft = draft.borrow_mut();
                    draft.view.awaiting_server.try_set(false);
                    if !draft.has_content() {
                        draft
                            .view
                            .availability
                            .try_set(crate::draft::Availability::NotFound);
                    }
                }
                self.recount();
            }
            Message::Ephemeral {
                document_id,
                session_id,
                data,
                ..
            } => {
                let own = self.0.borrow().session_id == session_id;
                if let (false, Some(draft), Some(presence)) =
                    (own, self.draft(&document_id), Presence::decode(&data))
                {
                    draft.borrow_mut().receive_presence(session_id, presence);
                }
            }
            Message::Error { message, .. } => {
                let socket = {
                    let inner = self.0.borrow();
                    inner.status.server_error.set(Some(message));
                    inner.socket.clone()
                };
                if let Some(socket) = socket {
                    let _ = socket.close();
                }
            }
            _ => {}
        }
    }

    fn draft(&self, document_id: &str) -> Option<DraftHandle> {
        let id = DocumentId::parse_url_or_id(document_id).ok()?;
        self.0.borrow().drafts.get(&id).cloned()
    }

    /// Registers an open document and starts syncing it if online.
    pub fn open(&self, draft: DraftHandle) {
        let id = draft.borrow().id;
        let connected = {
            let mut inner = self.0.borrow_mut();
            inner.drafts.insert(id, draft.clone());
            inner.server_peer.is_some()
        };
        if connected {
            self.start_sync(&draft);
            self.send_presence(id);
        }
        self.recount();
    }

    /// Forgets a document the editor no longer shows, telling others we left.
    pub fn close(&self, id: DocumentId) {
        let draft = self.0.borrow().drafts.get(&id).cloned();
        if let Some(draft) = draft {
            self.send_ephemeral(&draft.borrow(), true);
        }
        self.0.borrow_mut().drafts.remove(&id);
        self.recount();
    }

    fn start_sync(&self, handle: &DraftHandle) {
        let Some((sender_id, target_id)) = self.peers() else {
            return;
        };
        let mut draft = handle.borrow_mut();
        let mut state = SyncState::new();
        let message = draft.doc.sync().generate_sync_message(&mut state);
        let empty = !draft.has_content();
        draft.sync_state = Some(state);
        let Some(message) = message else {
            return;
        };
        let document_id = draft.id.to_string();
        let data = message.encode();
        let frame = if empty {
            Message::Request {
                sender_id,
                target_id,
                document_id,
                data,
            }
        } else {
            Message::Sync {
                sender_id,
                target_id,
                document_id,
                data,
            }
        };
        draft.view.awaiting_server.try_set(true);
        drop(draft);
        self.send(&frame);
    }

    fn receive_sync(&self, handle: &DraftHandle, data: &[u8]) {
        let result = {
            let mut draft = handle.borrow_mut();
            let draft = &mut *draft;
            let Some(state) = draft.sync_state.as_mut() else {
                return;
            };
            let applied = SyncMessage::decode(data)
                .map_err(|e| e.to_string())
                .and_then(|m| {
                    crate::timing::timed("apply", || {
                        draft.doc.sync().receive_sync_message(state, m)
                    })
                    .map_err(|e| e.to_string())
                });
            if let Some(heads) = state.their_heads.clone() {
                draft.server_heads = heads;
            }
            draft.view.awaiting_server.try_set(false);
            applied
        };
        if let Err(e) = result {
            handle.borrow().view.error.try_set(Some(e));
        }
        persist(handle);
        crate::timing::timed("hydrate", || handle.borrow_mut().refresh_view());
        crate::timing::timed("reply", || self.push_changes(handle));
        self.recount();
    }

    /// Call after every local edit: saves, then sends what the server lacks.
    pub fn local_change(&self, handle: &DraftHandle) {
        persist(handle);
        handle.borrow_mut().refresh_view();
        self.push_changes(handle);
        self.recount();
    }

    fn push_changes(&self, handle: &DraftHandle) {
        let Some((sender_id, target_id)) = self.peers() else {
            return;
        };
        let frame = {
            let mut draft = handle.borrow_mut();
            let draft = &mut *draft;
            let Some(state) = draft.sync_state.as_mut() else {
                return;
            };
            let Some(message) = draft.doc.sync().generate_sync_message(state) else {
                return;
            };
            Message::Sync {
                sender_id,
                target_id,
                document_id: draft.id.to_string(),
                data: message.encode(),
            }
        };
        self.send(&frame);
    }

    /// Tells others in the document who we are and which field we edit.
    pub fn send_presence(&self, id: DocumentId) {
        let draft = self.0.borrow().drafts.get(&id).cloned();
        if let Some(draft) = draft {
            self.send_ephemeral(&draft.borrow(), false);
        }
    }

    fn send_ephemeral(&self, draft: &Draft, left: bool) {
        let Some((sender_id, target_id)) = self.peers() else {
            return;
        };
        let (count, session_id, name) = {
            let mut inner = self.0.borrow_mut();
            inner.ephemeral_count += 1;
            (
                inner.ephemeral_count,
                inner.session_id.clone(),
                inner.name.get_untracked(),
            )
        };
        let presence = Presence {
            name,
            field: draft.my_field.clone(),
            left,
        };
        self.send(&Message::Ephemeral {
            sender_id,
            target_id,
            count,
            session_id,
            document_id: draft.id.to_string(),
            data: presence.encode(),
        });
    }

    /// Re-announces presence in every open document (e.g. after a name change).
    pub fn announce_everywhere(&self) {
        let ids: Vec<DocumentId> = self.0.borrow().drafts.keys().copied().collect();
        for id in ids {
            self.send_presence(id);
        }
    }

    fn peers(&self) -> Option<(String, String)> {
        let inner = self.0.borrow();
        Some((inner.peer_id.clone(), inner.server_peer.clone()?))
    }

    fn send(&self, message: &Message) {
        let socket = self.0.borrow().socket.clone();
        if let Some(socket) = socket {
            // A failed send means the socket is closing; `onclose` handles that.
            let _ = socket.send_with_u8_array(&message.encode());
        }
    }

    fn recount(&self) {
        let (drafts, status) = {
            let inner = self.0.borrow();
            (
                inner.drafts.values().cloned().collect::<Vec<_>>(),
                inner.status,
            )
        };
        let mut unsent = 0;
        let mut awaiting = false;
        for draft in drafts {
            let draft = draft.borrow();
            unsent += draft.view.unsent.try_get_untracked().unwrap_or(0);
            awaiting |= draft
                .view
                .awaiting_server
                .try_get_untracked()
                .unwrap_or(false);
        }
        if status.unsent.get_untracked() != unsent {
            status.unsent.set(unsent);
        }
        if status.awaiting.get_untracked() != awaiting {
            status.awaiting.set(awaiting);
        }
    }
}

/// `ws://` or `wss://` on the page's own host, path `/sync`.
fn socket_url() -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = match location.protocol().ok()?.as_str() {
        "https:" => "wss",
        _ => "ws",
    };
    Some(format!("{scheme}://{}/sync", location.host().ok()?))
}
