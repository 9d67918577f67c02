//! The chat window: header, connection banner, transcript, typing line, composer.

use leptos::prelude::*;

use super::{Composer, ConnectionBanner, MessageList};
use crate::chat::ChatHandle;

/// The whole chat window, a labelled dialog. Escape minimises it.
#[component]
pub fn ChatWindow(
    /// Window title.
    #[prop(into)]
    title: String,
) -> impl IntoView {
    let chat = ChatHandle::expect();
    let state = chat.state;
    let connection = Memo::new(move |_| state.with(|chat_state| chat_state.connection.as_str()));
    let agents_online = Memo::new(move |_| state.with(|chat_state| chat_state.agents_online));
    let typing = Memo::new(move |_| {
        state.with(|chat_state| {
            chat_state.agent_typing.as_ref().map(|agent_id| chat_state.agent_name(agent_id).unwrap_or("Agent").to_owned())
        })
    });

    view! {
        <section
            class="cw-window"
            role="dialog"
            aria-labelledby="cw-title"
            aria-describedby="cw-status"
            data-testid="cw-window"
            data-connection=move || connection.get()
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    chat.set_open(false);
                }
            }
        >
            <header class="cw-header">
                <div class="cw-header__text">
                    <h1 id="cw-title" class="cw-header__title">{title}</h1>
                    <p id="cw-status" class="cw-header__status" data-online=move || agents_online.get().to_string()>
                        {move || {
                            if agents_online.get() {
                                "We're online and usually reply in minutes"
                            } else {
                                "Leave a message and we'll get back to you"
                            }
                        }}
                    </p>
                </div>
                <button
                    type="button"
                    class="cw-header__minimize"
                    aria-label="Minimize chat"
                    data-testid="cw-minimize"
                    on:click=move |_| chat.set_open(false)
                >
                    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
                        <path d="M5 12h14" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
                    </svg>
                </button>
            </header>
            <ConnectionBanner />
            <MessageList />
            <p class="cw-typing" aria-live="polite" data-testid="cw-typing">
                {move || typing.get().map(|name| format!("{name} is typing…"))}
            </p>
            <Composer />
        </section>
    }
}
