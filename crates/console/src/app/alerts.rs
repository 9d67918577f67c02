//! Never missing a chat: a sound for a new chat and for a visitor's message (which the
//! agent can mute), a desktop notification while the tab is in the background (clicking
//! it opens that chat), and the unread count in the title and on the tab's icon.

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use super::Handle;
use crate::desk::Alert;
use crate::session::Intent;

const SOUND_KEY: &str = "console.sound";
const TITLE: &str = "Live chat: agent";

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The sounds an agent can choose from (kept in this browser): two tones, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sound {
    /// A soft two-note chime.
    Chime,
    /// A brighter, longer bell, for noisy rooms.
    Bell,
    /// Silence.
    Off,
}

impl Sound {
    fn as_str(self) -> &'static str {
        match self {
            Sound::Chime => "chime",
            Sound::Bell => "bell",
            Sound::Off => "off",
        }
    }

    fn parse(text: &str) -> Sound {
        match text {
            "bell" => Sound::Bell,
            "off" => Sound::Off,
            _ => Sound::Chime,
        }
    }
}

/// The agent's sound.
pub fn sound() -> Sound {
    Sound::parse(&local_storage().and_then(|storage| storage.get_item(SOUND_KEY).ok().flatten()).unwrap_or_default())
}

fn page_hidden() -> bool {
    web_sys::window().and_then(|window| window.document()).is_some_and(|document| document.visibility_state() == web_sys::VisibilityState::Hidden)
}

thread_local! {
    /// One audio context for the page's life (browsers limit how many a page may open).
    static AUDIO: std::cell::OnceCell<Option<web_sys::AudioContext>> = const { std::cell::OnceCell::new() };
}

fn audio() -> Option<web_sys::AudioContext> {
    AUDIO.with(|audio| audio.get_or_init(|| web_sys::AudioContext::new().ok()).clone())
}

/// Short tones: two for a new chat, one for a message; the bell rings higher and longer.
fn chime(sound: Sound, new_chat: bool) {
    if sound == Sound::Off {
        return;
    }
    let Some(context) = audio() else { return };
    let _ = context.resume();
    let now = context.current_time();
    let notes: &[f32] = match (sound, new_chat) {
        (Sound::Bell, true) => &[988.0, 1319.0, 988.0],
        (Sound::Bell, false) => &[1175.0, 1175.0],
        (_, true) => &[660.0, 880.0],
        (_, false) => &[740.0],
    };
    for (index, frequency) in notes.iter().enumerate() {
        let (Ok(oscillator), Ok(gain)) = (context.create_oscillator(), context.create_gain()) else { return };
        oscillator.frequency().set_value(*frequency);
        let start = now + index as f64 * 0.16;
        let _ = gain.gain().set_value_at_time(0.0001, start);
        let _ = gain.gain().exponential_ramp_to_value_at_time(0.2, start + 0.02);
        let _ = gain.gain().exponential_ramp_to_value_at_time(0.0001, start + 0.15);
        let _ = oscillator.connect_with_audio_node(&gain);
        let _ = gain.connect_with_audio_node(&context.destination());
        let _ = oscillator.start_with_when(start);
        let _ = oscillator.stop_with_when(start + 0.16);
    }
    // Tests and curious agents can see that a sound was played.
    if let Some(body) = web_sys::window().and_then(|window| window.document()).and_then(|document| document.body()) {
        let played = body.get_attribute("data-chimes").and_then(|count| count.parse::<u32>().ok()).unwrap_or(0) + 1;
        let _ = body.set_attribute("data-chimes", &played.to_string());
    }
}

/// A desktop notification; clicking it brings the tab forward on that chat.
fn notify(handle: Handle, chat_id: &str, title: &str, body: &str) {
    if web_sys::Notification::permission() != web_sys::NotificationPermission::Granted {
        return;
    }
    let options = web_sys::NotificationOptions::new();
    options.set_body(body);
    options.set_tag(chat_id);
    let Ok(notification) = web_sys::Notification::new_with_options(title, &options) else { return };
    let chat_id = chat_id.to_owned();
    let on_click = Closure::<dyn FnMut()>::new(move || {
        if let Some(window) = web_sys::window() {
            let _ = window.focus();
        }
        handle.send(Intent::Open(chat_id.clone()));
    });
    notification.set_onclick(Some(on_click.as_ref().unchecked_ref()));
    on_click.forget();
}

/// Asks for the notification permission once, at the agent's first click (browsers only
/// ask in answer to a gesture).
fn ask_permission_once() {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else { return };
    let ask = Closure::<dyn FnMut()>::once(|| {
        if web_sys::Notification::permission() == web_sys::NotificationPermission::Default {
            let _ = web_sys::Notification::request_permission();
        }
        // A context made before any gesture starts suspended: the first click wakes it.
        if let Some(context) = audio() {
            let _ = context.resume();
        }
    });
    let options = web_sys::AddEventListenerOptions::new();
    options.set_once(true);
    let _ = document.add_event_listener_with_callback_and_add_event_listener_options("click", ask.as_ref().unchecked_ref(), &options);
    ask.forget();
}

/// The tab's icon: a chat bubble, with the unread count on a red dot when there is one.
fn favicon(unread: u32) -> Option<String> {
    let document = web_sys::window()?.document()?;
    let canvas: web_sys::HtmlCanvasElement = document.create_element("canvas").ok()?.dyn_into().ok()?;
    canvas.set_width(32);
    canvas.set_height(32);
    let context: web_sys::CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    context.set_fill_style_str("#2456c8");
    context.begin_path();
    let _ = context.arc(14.0, 14.0, 12.0, 0.0, std::f64::consts::TAU);
    context.fill();
    if unread > 0 {
        context.set_fill_style_str("#d92d20");
        context.begin_path();
        let _ = context.arc(23.0, 9.0, 9.0, 0.0, std::f64::consts::TAU);
        context.fill();
        context.set_fill_style_str("#ffffff");
        context.set_font("bold 12px sans-serif");
        context.set_text_align("center");
        let _ = context.fill_text(&if unread > 9 { "9+".to_owned() } else { unread.to_string() }, 23.0, 13.5);
    }
    canvas.to_data_url().ok()
}

fn show_unread(unread: u32) {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else { return };
    document.set_title(&if unread > 0 { format!("({unread}) {TITLE}") } else { TITLE.to_owned() });
    let Some(url) = favicon(unread) else { return };
    let link = match document.query_selector("link[rel=icon]").ok().flatten() {
        Some(link) => link,
        None => {
            let Ok(link) = document.create_element("link") else { return };
            let _ = link.set_attribute("rel", "icon");
            if let Some(head) = document.head() {
                let _ = head.append_child(&link);
            }
            link
        }
    };
    let _ = link.set_attribute("href", &url);
    let _ = link.set_attribute("data-unread", &unread.to_string());
}

/// Plays, shows and counts what the desk says to notice.
pub fn watch(handle: Handle) {
    ask_permission_once();
    let desk = handle.desk;
    let unread = Memo::new(move |_| desk.with(|desk| desk.unread()));
    Effect::new(move |_| show_unread(unread.get()));
    let waiting = Memo::new(move |_| desk.with(|desk| desk.alerts.len()));
    Effect::new(move |_| {
        if waiting.get() == 0 {
            return;
        }
        let alerts = desk.try_update(|desk| desk.take_alerts()).unwrap_or_default();
        let hidden = page_hidden();
        for alert in alerts {
            let (chat_id, title, body, new_chat) = match &alert {
                Alert::NewChat { chat_id, from } => (chat_id, format!("New chat: {from}"), "A visitor is waiting.".to_owned(), true),
                Alert::NewMessage { chat_id, from, text } => (chat_id, from.clone(), text.clone(), false),
            };
            let on_screen = !hidden && desk.with_untracked(|desk| desk.selected.as_deref() == Some(chat_id.as_str()));
            if !on_screen {
                chime(sound(), new_chat);
            }
            if hidden {
                notify(handle, chat_id, &title, &body);
            }
        }
    });
}

/// The sound choice in the header; a new choice plays once, so the agent hears it.
#[component]
pub fn SoundChoice() -> impl IntoView {
    let chosen = RwSignal::new(sound());
    let change = move |event: leptos::ev::Event| {
        let next = Sound::parse(&event_target_value(&event));
        if let Some(storage) = local_storage() {
            let _ = storage.set_item(SOUND_KEY, next.as_str());
        }
        chosen.set(next);
        chime(next, true);
    };
    view! {
        <label class="topbar__sound">"Sound "
            <select data-testid="agent-sound" on:change=change prop:value=move || chosen.get().as_str()>
                <option value="chime">"Chime"</option>
                <option value="bell">"Bell"</option>
                <option value="off">"Off"</option>
            </select>
        </label>
    }
}
