//! The composer: Enter sends, Shift+Enter starts a new line, `#shortcut` offers canned
//! responses, a switch makes the message an internal note, and each chat keeps its draft
//! (for this tab, across reloads). In another agent's chat only notes can be written until
//! the agent joins.

use std::collections::HashMap;

use leptos::prelude::*;

use super::dialogs::{CannedDialog, CardDialog};
use super::upload::{send_files, UploadList, Uploads};
use super::Handle;
use crate::desk::Section;
use crate::session::Intent;

const DRAFTS_KEY: &str = "console.drafts";
/// Typing stops counting this long after the last key.
const TYPING_IDLE_MS: u32 = 4_000;
/// Most canned responses offered at once.
const MAX_SUGGESTIONS: usize = 6;

fn load_drafts() -> HashMap<String, String> {
    let stored = super::session_storage().and_then(|storage| storage.get_item(DRAFTS_KEY).ok().flatten());
    stored.and_then(|text| serde_json::from_str(&text).ok()).unwrap_or_default()
}

fn save_drafts(drafts: &HashMap<String, String>) {
    if let (Some(storage), Ok(text)) = (super::session_storage(), serde_json::to_string(drafts)) {
        let _ = storage.set_item(DRAFTS_KEY, &text);
    }
}

/// The `#word` being typed at the end of `text`, without `#`.
fn shortcut_prefix(text: &str) -> Option<&str> {
    let last = text.rsplit(char::is_whitespace).next()?;
    last.strip_prefix('#').filter(|rest| !rest.contains('#'))
}

/// The composer of the chat on screen.
#[component]
pub fn Composer() -> impl IntoView {
    let handle = expect_context::<Handle>();
    let desk = handle.desk;
    let text = RwSignal::new(String::new());
    let note = RwSignal::new(false);
    let chosen = RwSignal::new(0usize);
    let drafts = StoredValue::new(load_drafts());
    let typing_until = StoredValue::new(0.0f64);
    let typing_timer = StoredValue::new_local(None::<gloo_timers::callback::Timeout>);
    let input = NodeRef::<leptos::html::Textarea>::new();
    let chat_id = Memo::new(move |_| desk.with(|desk| desk.selected.clone()));
    let section = Memo::new(move |_| desk.with(|desk| desk.current().and_then(|chat| desk.section_of(chat))));
    let notes_only = Memo::new(move |_| section.get() == Some(Section::Others));
    // An ended chat, or a session the server ended: nothing can be sent.
    let ended = Memo::new(move |_| section.get().is_none() || matches!(handle.link.get(), super::Link::SignedOut(_)));

    // Another chat on screen: keep this one's draft, bring back that one's.
    Effect::new(move |previous: Option<Option<String>>| {
        let current = chat_id.get();
        if let Some(Some(previous)) = previous {
            let draft = text.get_untracked();
            drafts.update_value(|drafts| {
                if draft.trim().is_empty() {
                    drafts.remove(&previous);
                } else {
                    drafts.insert(previous, draft);
                }
                save_drafts(drafts);
            });
        }
        let restored = current.as_ref().and_then(|id| drafts.with_value(|drafts| drafts.get(id).cloned())).unwrap_or_default();
        text.set(restored);
        current
    });

    let suggestions = Memo::new(move |_| {
        let typed = text.get();
        let Some(prefix) = shortcut_prefix(&typed) else { return Vec::new() };
        desk.with(|desk| {
            desk.canned_matching(prefix).into_iter().take(MAX_SUGGESTIONS).map(|reply| (reply.id, reply.tags.join(" #"), reply.text.clone())).collect::<Vec<_>>()
        })
    });

    let uploads = expect_context::<Uploads>();
    let file_input = NodeRef::<leptos::html::Input>::new();
    let pick = move |_| {
        if let Some(input) = file_input.get() {
            input.click();
        }
    };
    let picked = move |_| {
        let Some(input) = file_input.get() else { return };
        if let Some(id) = chat_id.get_untracked() {
            send_files(handle, uploads, &id, input.files());
        }
        input.set_value("");
    };
    let dropped = move |event: leptos::ev::DragEvent| {
        event.prevent_default();
        if let (Some(id), Some(transfer)) = (chat_id.get_untracked(), event.data_transfer())
            && !ended.get_untracked()
            && !notes_only.get_untracked()
        {
            send_files(handle, uploads, &id, transfer.files());
        }
    };
    let pasted = move |event: leptos::ev::ClipboardEvent| {
        let files = event.clipboard_data().and_then(|data| data.files());
        if files.as_ref().is_some_and(|files| files.length() > 0)
            && let Some(id) = chat_id.get_untracked()
            && !ended.get_untracked()
            && !notes_only.get_untracked()
        {
            event.prevent_default();
            send_files(handle, uploads, &id, files);
        }
    };
    let card_open = RwSignal::new(false);
    let canned_open = RwSignal::new(false);
    let numbered = Memo::new(move |_| suggestions.get().into_iter().enumerate().collect::<Vec<_>>());
    let stop_typing = move || {
        if typing_until.get_value() > 0.0 {
            typing_until.set_value(0.0);
            if let Some(id) = chat_id.get_untracked() {
                handle.send(Intent::Typing { chat_id: id, typing: false });
            }
        }
    };
    let send = move || {
        let Some(id) = chat_id.get_untracked() else { return };
        let message = text.get_untracked();
        if message.trim().is_empty() || ended.get_untracked() {
            return;
        }
        stop_typing();
        handle.send(Intent::Send { chat_id: id.clone(), text: message, note: note.get_untracked() || notes_only.get_untracked() });
        text.set(String::new());
        drafts.update_value(|drafts| {
            drafts.remove(&id);
            save_drafts(drafts);
        });
    };
    let insert = move |reply: String| {
        text.update(|typed| {
            let cut = typed.rfind(|c: char| c.is_whitespace()).map_or(0, |at| at + 1);
            typed.truncate(cut);
            typed.push_str(&reply);
        });
        chosen.set(0);
        if let Some(input) = input.get() {
            let _ = input.focus();
        }
    };
    let on_input = move |event: leptos::ev::Event| {
        text.set(event_target_value(&event));
        chosen.set(0);
        let now = js_sys::Date::now();
        if typing_until.get_value() < now
            && let Some(id) = chat_id.get_untracked()
            && !notes_only.get_untracked()
        {
            handle.send(Intent::Typing { chat_id: id, typing: true });
        }
        typing_until.set_value(now + f64::from(TYPING_IDLE_MS));
        // One timer, restarted by each key (dropping the old one cancels it).
        let timer = gloo_timers::callback::Timeout::new(TYPING_IDLE_MS + 100, move || {
            if typing_until.get_value() > 0.0 && js_sys::Date::now() >= typing_until.get_value() {
                stop_typing();
            }
        });
        typing_timer.set_value(Some(timer));
    };
    let on_keydown = move |event: leptos::ev::KeyboardEvent| {
        let offered = suggestions.with_untracked(Vec::len);
        match event.key().as_str() {
            "ArrowDown" if offered > 0 => {
                event.prevent_default();
                chosen.update(|index| *index = (*index + 1) % offered);
            }
            "ArrowUp" if offered > 0 => {
                event.prevent_default();
                chosen.update(|index| *index = (*index + offered - 1) % offered);
            }
            "Enter" | "Tab" if offered > 0 && !event.shift_key() => {
                event.prevent_default();
                let reply = suggestions.with_untracked(|suggestions| suggestions.get(chosen.get_untracked()).map(|(_, _, text)| text.clone()));
                if let Some(reply) = reply {
                    insert(reply);
                }
            }
            "Escape" if offered > 0 => {
                event.prevent_default();
                text.update(|typed| typed.push(' '));
            }
            "Enter" if !event.shift_key() && !event.is_composing() => {
                event.prevent_default();
                send();
            }
            _ => {}
        }
    };
    let placeholder = move || {
        if ended.get() {
            "This chat has ended."
        } else if notes_only.get() || note.get() {
            "Note for agents only (Enter to send)"
        } else {
            "Write a reply; Enter sends, Shift+Enter for a new line, # for canned responses"
        }
    };
    view! {
        <form class="composer" data-note=move || (note.get() || notes_only.get()).then_some("true")
            on:submit=move |event: leptos::ev::SubmitEvent| { event.prevent_default(); send(); }
            on:dragover=move |event: leptos::ev::DragEvent| event.prevent_default() on:drop=dropped>
            <UploadList/>
            <Show when=move || suggestions.with(|suggestions| !suggestions.is_empty())>
                <ul class="composer__canned" role="listbox" id="canned-list" aria-label="Canned responses" data-testid="agent-canned-suggestions">
                    <For each=move || numbered.get() key=|(index, (id, ..))| (*index, *id) let:item>
                        <li role="option" id=format!("canned-{}", item.0) data-testid="agent-canned-option" aria-selected=move || (chosen.get() == item.0).to_string()
                            on:mousedown={
                                let reply = item.1.2.clone();
                                move |event: leptos::ev::MouseEvent| { event.prevent_default(); insert(reply.clone()); }
                            }>
                            <strong>"#"{item.1.1.clone()}</strong>" "{item.1.2.clone()}
                        </li>
                    </For>
                </ul>
            </Show>
            <label class="visually-hidden" for="composer-input">"Message"</label>
            <textarea id="composer-input" node_ref=input data-testid="agent-composer-input" rows="3"
                prop:value=move || text.get() placeholder=placeholder disabled=move || ended.get()
                aria-autocomplete="list"
                aria-controls=move || suggestions.with(|suggestions| !suggestions.is_empty()).then_some("canned-list")
                aria-activedescendant=move || suggestions.with(|suggestions| !suggestions.is_empty()).then(|| format!("canned-{}", chosen.get()))
                on:input=on_input on:keydown=on_keydown on:paste=pasted on:blur=move |_| stop_typing()></textarea>
            <div class="composer__bar">
                <label class="composer__note">
                    <input type="checkbox" data-testid="agent-note-toggle" prop:checked=move || note.get() || notes_only.get()
                        disabled=move || notes_only.get() on:change=move |event| note.set(event_target_checked(&event))/>
                    "Internal note"
                </label>
                <span class="composer__tools">
                    <input type="file" node_ref=file_input class="visually-hidden" data-testid="agent-file-input" tabindex="-1" aria-hidden="true" multiple=true on:change=picked/>
                    <button type="button" data-testid="agent-attach" disabled=move || ended.get() || notes_only.get() on:click=pick>"Attach file"</button>
                    <button type="button" data-testid="agent-send-card" disabled=move || ended.get() || notes_only.get()
                        on:click=move |_| card_open.set(true)>"Card"</button>
                    <button type="button" data-testid="agent-canned-manage" on:click=move |_| canned_open.set(true)>"Canned responses"</button>
                    <button type="submit" data-testid="agent-send" disabled=move || ended.get()>"Send"</button>
                </span>
            </div>
        </form>
        <CardDialog open=card_open opener="agent-send-card"/>
        <CannedDialog open=canned_open opener="agent-canned-manage"/>
    }
}
