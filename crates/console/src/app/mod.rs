//! The browser shell of the agent app: signing in (the server's session, or a token from
//! a link), the connection task, and the views. Views read the desk through a signal and act only through [`Handle::send`]; the
//! connection task is the only code that touches the socket.

use futures::channel::mpsc::{self, UnboundedSender};
use leptos::prelude::*;

use crate::desk::Desk;
use account::Credential;
use crate::session::Intent;

mod account;
mod alerts;
mod chat;
mod composer;
mod connection;
mod dialogs;
mod form_editor;
mod inbox;
mod panel;
mod reports;
mod settings;
mod shortcuts;
mod tokens;
mod upload;

/// The state of the link to the server, for the header.
#[derive(Debug, Clone, PartialEq)]
pub enum Link {
    /// Opening the socket or logging in.
    Connecting,
    /// Logged in.
    Online,
    /// Lost; trying again (attempt number).
    Reconnecting(u32),
    /// The server refused the sign-in or ended it: sign in again.
    SignedOut(String),
}

/// What views hold: the desk to read, the link's state, and the way to ask for things.
#[derive(Clone, Copy)]
pub struct Handle {
    /// Everything the agent sees.
    pub desk: RwSignal<Desk>,
    /// The link's state.
    pub link: RwSignal<Link>,
    intents: StoredValue<UnboundedSender<Intent>>,
}

impl Handle {
    /// Asks for something; the connection task carries it out.
    pub fn send(&self, intent: Intent) {
        self.intents.with_value(|intents| {
            let _ = intents.unbounded_send(intent);
        });
    }
}

const TOKEN_KEY: &str = "console.token";

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// Moves focus to the first element matching `selector`, if there is one.
fn focus(selector: &str) {
    use wasm_bindgen::JsCast;
    let element = web_sys::window().and_then(|window| window.document()).and_then(|document| document.query_selector(selector).ok().flatten());
    if let Some(element) = element.and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = element.focus();
    }
}

/// The token this tab signed in with, for requests beside the socket (uploads).
fn stored_token() -> Option<String> {
    session_storage()?.get_item(TOKEN_KEY).ok().flatten()
}

/// The agent's token: from the link (`#token=...`, then taken out of the address bar, so
/// it is not left in history) or from this tab's storage.
fn take_token() -> Option<String> {
    let window = web_sys::window()?;
    let hash = window.location().hash().unwrap_or_default();
    if let Some(token) = hash.strip_prefix("#token=").filter(|token| !token.is_empty()) {
        if let Some(storage) = session_storage() {
            let _ = storage.set_item(TOKEN_KEY, token);
        }
        if let Ok(history) = window.history() {
            let path = window.location().pathname().unwrap_or_else(|_| "/agent/".to_owned());
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path));
        }
        return Some(token.to_owned());
    }
    session_storage()?.get_item(TOKEN_KEY).ok().flatten()
}

/// Mounts the app: a token from the link or this tab, else the browser's session if the
/// server says it is signed in, else the sign-in form.
pub fn start() {
    let credential = RwSignal::new(take_token().map(Credential::Token));
    let checked = RwSignal::new(credential.with_untracked(Option::is_some));
    mount_to_body(move || {
        // Mounting starts the task executor, so the question goes out from here.
        if !checked.get_untracked() {
            leptos::task::spawn_local(async move {
                if account::signed_in().await {
                    credential.set(Some(Credential::Session));
                }
                checked.set(true);
            });
        }
        view! {
            <Show when=move || checked.get() fallback=|| view! { <p class="signin" role="status">"Loading…"</p> }>
                <Show when=move || credential.with(Option::is_some) fallback=move || view! { <account::SignIn credential/> }>
                    <Desktop credential=credential.get_untracked().unwrap_or(Credential::Session)/>
                </Show>
            </Show>
        }
    });
}

/// The app once signed in: connection, alerts, and the three columns.
#[component]
fn Desktop(credential: Credential) -> impl IntoView {
    let desk = RwSignal::new(Desk::default());
    let link = RwSignal::new(Link::Connecting);
    let (sender, intents) = mpsc::unbounded();
    let handle = Handle { desk, link, intents: StoredValue::new(sender) };
    provide_context(handle);
    connection::spawn(handle, intents, credential.login_token());
    alerts::watch(handle);
    // Signed out by the server: a token is no good any more; the next load asks again.
    Effect::new(move |_| {
        if matches!(link.get(), Link::SignedOut(_))
            && let Some(storage) = session_storage()
        {
            let _ = storage.remove_item(TOKEN_KEY);
        }
    });
    let help = RwSignal::new(false);
    let archive = shortcuts::ArchiveTab(RwSignal::new(false));
    provide_context(archive);
    provide_context(upload::Uploads(RwSignal::new(Vec::new())));
    shortcuts::install(handle, help, archive);
    watch_visibility(handle);
    view! {
        <div class="console" data-link=move || match link.get() {
            Link::Online => "online",
            Link::Connecting => "connecting",
            Link::Reconnecting(_) => "reconnecting",
            Link::SignedOut(_) => "signed-out",
        }>
            <TopBar help credential/>
            <inbox::Inbox/>
            <chat::ChatView/>
            <panel::VisitorPanel/>
            <shortcuts::Help open=help/>
        </div>
    }
}

/// Keeps the desk told whether the tab is in the background.
fn watch_visibility(handle: Handle) {
    use wasm_bindgen::JsCast;
    let Some(document) = web_sys::window().and_then(|window| window.document()) else { return };
    let hidden = |document: &web_sys::Document| document.visibility_state() == web_sys::VisibilityState::Hidden;
    handle.desk.update(|desk| desk.set_page_hidden(hidden(&document)));
    let watched = document.clone();
    let on_change = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
        let now_hidden = hidden(&watched);
        handle.desk.update(|desk| desk.set_page_hidden(now_hidden));
        if !now_hidden && let Some(chat_id) = handle.desk.with_untracked(|desk| desk.selected.clone()) {
            handle.send(Intent::Seen(chat_id));
        }
    });
    let _ = document.add_event_listener_with_callback("visibilitychange", on_change.as_ref().unchecked_ref());
    // Listens for the page's whole life.
    on_change.forget();
}

/// The header: who is signed in, their status, the queue, the link's state.
#[component]
fn TopBar(help: RwSignal<bool>, credential: Credential) -> impl IntoView {
    let handle = expect_context::<Handle>();
    let desk = handle.desk;
    let accepting = Memo::new(move |_| desk.with(|desk| desk.accepting));
    let waiting = Memo::new(move |_| desk.with(|desk| desk.section(crate::desk::Section::Queue).len()));
    let toggle = move |_| handle.send(Intent::Accepting(!accepting.get_untracked()));
    let (account_open, tokens_open, reports_open) = (RwSignal::new(false), RwSignal::new(false), RwSignal::new(false));
    let settings_open = RwSignal::new(false);
    let manages = Memo::new(move |_| desk.with(Desk::manages));
    let link_text = move || match handle.link.get() {
        Link::Online => String::new(),
        Link::Connecting => "Connecting…".to_owned(),
        Link::Reconnecting(attempt) => format!("Connection lost, reconnecting (attempt {attempt})…"),
        Link::SignedOut(why) => why,
    };
    view! {
        <header class="topbar">
            <h1 class="topbar__license">{move || desk.with(|desk| desk.license_name.clone().unwrap_or_else(|| "Live chat".to_owned()))}</h1>
            <span class="topbar__me" data-testid="agent-me">{move || desk.with(|desk| desk.my_name.clone().unwrap_or_default())}</span>
            <button type="button" class="topbar__status" data-testid="agent-presence" aria-pressed=move || accepting.get().to_string() on:click=toggle>
                {move || if accepting.get() { "Accepting chats" } else { "Not accepting chats" }}
            </button>
            <span class="topbar__queue" data-testid="agent-queue-count" aria-live="polite">
                {move || match waiting.get() { 0 => "Nobody waiting".to_owned(), 1 => "1 waiting".to_owned(), n => format!("{n} waiting") }}
            </span>
            <span class="topbar__link" role="status" data-testid="agent-status">{link_text}</span>
            <Show when=move || matches!(handle.link.get(), Link::SignedOut(_))>
                <button type="button" data-testid="agent-sign-in-again" on:click=move |_| {
                    if let Some(window) = web_sys::window() {
                        let _ = window.location().reload();
                    }
                }>"Sign in again"</button>
            </Show>
            <Show when=move || desk.with(|desk| desk.notice.is_some())>
                <p class="topbar__notice" role="alert" data-testid="agent-notice">
                    {move || desk.with(|desk| desk.notice.clone().unwrap_or_default())}
                    <button type="button" aria-label="Dismiss" on:click=move |_| desk.update(Desk::dismiss_notice)>"×"</button>
                </p>
            </Show>
            <alerts::SoundChoice/>
            <Show when=move || manages.get()>
                <button type="button" data-testid="agent-reports" aria-haspopup="dialog" on:click=move |_| reports_open.set(true)>"Reports"</button>
                <button type="button" data-testid="agent-api-tokens" aria-haspopup="dialog" on:click=move |_| tokens_open.set(true)>"API tokens"</button>
                <button type="button" data-testid="agent-settings" aria-haspopup="dialog" on:click=move |_| settings_open.set(true)>"Settings"</button>
            </Show>
            <button type="button" data-testid="agent-account" aria-haspopup="dialog" on:click=move |_| account_open.set(true)>"Account"</button>
            <account::AccountDialog open=account_open credential/>
            <tokens::TokensDialog open=tokens_open/>
            <reports::ReportsDialog open=reports_open/>
            <settings::SettingsDialog open=settings_open/>
            <button type="button" class="topbar__help" aria-label="Keyboard shortcuts" on:click=move |_| help.set(true)>"?"</button>
        </header>
    }
}
