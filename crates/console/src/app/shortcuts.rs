//! Keyboard shortcuts for the common moves, and the dialog that lists them. Each uses Alt
//! (Option on a Mac) so typing in the composer never triggers one; `?` outside a text field
//! opens the list.

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use super::{focus, Handle};
use crate::desk::Section;
use crate::session::Intent;

/// Which tab of the inbox is shown, shared with the shortcut that opens the archive.
#[derive(Clone, Copy)]
pub struct ArchiveTab(pub RwSignal<bool>);

const SHORTCUTS: &[(&str, &str)] = &[
    ("Alt + N", "Open the next chat that needs you: the longest waiting, else your next unread"),
    ("Alt + C", "Focus the composer"),
    ("Alt + F", "Search the archive"),
    ("Alt + A", "Take new chats or stop taking them"),
    ("Enter / Shift + Enter", "Send / new line"),
    ("# and a shortcut", "Insert a canned response (arrows to choose, Enter to insert)"),
    ("?", "This list"),
    ("Escape", "Close this list"),
];

/// The chat Alt+N opens: the queue's first, else the agent's first with unread messages.
fn next_chat(handle: Handle) -> Option<String> {
    handle.desk.with_untracked(|desk| {
        let waiting = desk.section(Section::Queue).into_iter().next().map(|chat| chat.id.clone());
        waiting.or_else(|| desk.section(Section::Mine).into_iter().find(|chat| chat.unread > 0).map(|chat| chat.id.clone()))
    })
}

/// Listens for the shortcuts on the whole page.
pub fn install(handle: Handle, help: RwSignal<bool>, archive: ArchiveTab) {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else { return };
    let on_key = Closure::<dyn FnMut(web_sys::KeyboardEvent)>::new(move |event: web_sys::KeyboardEvent| {
        let typing = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|element| matches!(element.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
        // In a text field, Option (Alt) with a letter may be typing: å, ç, ñ, ą... Only a
        // key that stays a plain letter is a shortcut there.
        let key = event.key();
        let typed_character = key == "Dead" || (key.chars().count() == 1 && !key.chars().all(|c| c.is_ascii_alphabetic()));
        if event.alt_key() && !event.ctrl_key() && !event.meta_key() && !(typing && typed_character) {
            // `code` is the key's place, whatever the layout or Option makes of the letter.
            let handled = match event.code().as_str() {
                "KeyN" => {
                    if let Some(chat_id) = next_chat(handle) {
                        handle.send(Intent::Open(chat_id));
                    }
                    true
                }
                "KeyC" => {
                    focus("[data-testid=agent-composer-input]");
                    true
                }
                "KeyF" => {
                    archive.0.set(true);
                    request_focus("[data-testid=agent-archive-search]");
                    true
                }
                "KeyA" => {
                    let accepting = handle.desk.with_untracked(|desk| desk.accepting);
                    handle.send(Intent::Accepting(!accepting));
                    true
                }
                _ => false,
            };
            if handled {
                event.prevent_default();
            }
            return;
        }
        match event.key().as_str() {
            "?" if !typing => {
                event.prevent_default();
                help.set(true);
            }
            "Escape" if help.get_untracked() => help.set(false),
            _ => {}
        }
    });
    let _ = document.add_event_listener_with_callback("keydown", on_key.as_ref().unchecked_ref());
    // Listens for the page's whole life.
    on_key.forget();
}

/// Focuses `selector` once the view that holds it has rendered.
fn request_focus(selector: &'static str) {
    gloo_timers::callback::Timeout::new(0, move || focus(selector)).forget();
}

/// The list of shortcuts.
#[component]
pub fn Help(open: RwSignal<bool>) -> impl IntoView {
    let close = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if open.get()
            && let Some(button) = close.get()
        {
            let _ = button.focus();
        }
    });
    view! {
        <Show when=move || open.get()>
            <div class="help" role="dialog" aria-modal="true" aria-labelledby="help-title" data-testid="agent-help">
                <h2 id="help-title">"Keyboard shortcuts"</h2>
                <dl>
                    {SHORTCUTS.iter().map(|(keys, what)| view! { <dt><kbd>{*keys}</kbd></dt><dd>{*what}</dd> }).collect_view()}
                </dl>
                <button type="button" node_ref=close on:click=move |_| open.set(false)>"Close"</button>
            </div>
        </Show>
    }
}
