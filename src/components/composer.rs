//! The composer: a textarea and a send button. Enter sends, Shift+Enter adds a line.

use leptos::html;
use leptos::prelude::*;

use crate::chat::{ChatHandle, SendError, MAX_MESSAGE_BYTES};

/// Where the visitor types. It takes focus whenever the window opens.
#[component]
pub fn Composer() -> impl IntoView {
    let chat = ChatHandle::expect();
    let draft = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let input_ref = NodeRef::<html::Textarea>::new();
    let is_open = Memo::new(move |_| chat.state.with(|chat_state| chat_state.open));

    Effect::new(move |_| {
        if is_open.get() {
            if let Some(input) = input_ref.get_untracked() {
                let _ = input.focus();
            }
        }
    });

    let send = move || {
        let text = draft.get_untracked();
        match chat.send_text(&text) {
            Ok(()) => {
                draft.set(String::new());
                error.set(None);
            }
            Err(SendError::Empty) => {}
            Err(SendError::TooLong { bytes }) => error.set(Some(format!(
                "This message is too long ({} KB). Please keep it under {} KB or split it.",
                bytes.div_ceil(1024),
                MAX_MESSAGE_BYTES / 1024
            ))),
        }
    };

    view! {
        <form
            class="cw-composer"
            on:submit=move |ev| {
                ev.prevent_default();
                send();
            }
        >
            <label for="cw-input" class="cw-visually-hidden">"Write a message"</label>
            <textarea
                id="cw-input"
                class="cw-composer__input"
                rows="1"
                placeholder="Write a message…"
                data-testid="cw-composer-input"
                aria-invalid=move || error.with(Option::is_some).to_string()
                aria-describedby="cw-composer-error"
                node_ref=input_ref
                prop:value=move || draft.get()
                on:input=move |ev| draft.set(event_target_value(&ev))
                on:keydown=move |ev| {
                    if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                        ev.prevent_default();
                        send();
                    }
                }
            ></textarea>
            <button
                type="submit"
                class="cw-composer__send"
                aria-label="Send message"
                data-testid="cw-send"
                disabled=move || draft.with(|text| text.trim().is_empty())
            >
                <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
                    <path d="M3 20.5 21 12 3 3.5l2.6 7.1L14 12l-8.4 1.4Z" fill="currentColor" />
                </svg>
            </button>
            <p id="cw-composer-error" class="cw-composer__error" role="alert">{move || error.get()}</p>
        </form>
    }
}
