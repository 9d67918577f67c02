//! The composer: a textarea and a send button. Enter sends, Shift+Enter adds a line.
//! While the chat is active, what the visitor types goes to the agents as a sneak peek
//! (throttled by the client).

use leptos::html;
use leptos::prelude::*;

use crate::chat::{ChatHandle, SendError, MAX_MESSAGE_BYTES};
use crate::i18n::{fill, Locale};

use super::AttachButton;

/// The composer's text, when something outside the view (the host page's
/// `maximize` with a message draft) needs to set it. Provided by the mount; without it the
/// composer keeps its own.
#[derive(Clone, Copy)]
pub struct Draft(pub RwSignal<String>);

/// Where the visitor types. It takes focus whenever the window opens.
#[component]
pub fn Composer() -> impl IntoView {
    let chat = ChatHandle::expect();
    let locale = expect_context::<&'static Locale>();
    let draft = use_context::<Draft>().map(|draft| draft.0).unwrap_or_else(|| RwSignal::new(String::new()));
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
            Err(SendError::TooLong { bytes }) => error.set(Some(fill(
                locale.text.too_long,
                &[("kb", &bytes.div_ceil(1024).to_string()), ("max", &(MAX_MESSAGE_BYTES / 1024).to_string())],
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
            <AttachButton />
            <label for="cw-input" class="cw-visually-hidden">{locale.text.composer_label}</label>
            <textarea
                id="cw-input"
                class="cw-composer__input"
                rows="1"
                placeholder=locale.text.composer_placeholder
                data-testid="cw-composer-input"
                aria-invalid=move || error.with(Option::is_some).to_string()
                aria-describedby="cw-composer-error"
                node_ref=input_ref
                prop:value=move || draft.get()
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    let active_chat = chat.state.with_untracked(|state| state.chat_id.clone().filter(|_| state.chat_active));
                    if let Some(chat_id) = active_chat {
                        chat.set_sneak_peek(&chat_id, &text);
                    }
                    draft.set(text);
                }
                on:paste=move |_ev| {
                    // Pasted files (a screenshot) are sent like attached ones.
                    #[cfg(target_arch = "wasm32")]
                    if let Some(files) = _ev.clipboard_data().and_then(|data| data.files()).filter(|files| files.length() > 0) {
                        _ev.prevent_default();
                        expect_context::<super::Uploads>().send_files(files);
                    }
                }
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
                aria-label=locale.text.send
                title=locale.text.send
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
