//! The transcript: a polite live log of messages, keyed so rows are stable.

use std::collections::BTreeMap;

use leptos::html;
use leptos::prelude::*;

use crate::chat::ChatHandle;
use crate::store::{Author, ChatMessage, Delivery, Participant};

/// All messages, oldest first, scrolled to the newest.
#[component]
pub fn MessageList() -> impl IntoView {
    let chat = ChatHandle::expect();
    let list_ref = NodeRef::<html::Ol>::new();
    let messages = Memo::new(move |_| chat.state.with(|chat_state| chat_state.messages.clone()));
    let users = Memo::new(move |_| chat.state.with(|chat_state| chat_state.users.clone()));

    // Keep the newest message in view. The scroll waits for the next frame so the new row
    // is laid out first.
    Effect::new(move |_| {
        messages.track();
        request_animation_frame(move || {
            if let Some(list) = list_ref.get_untracked() {
                list.set_scroll_top(list.scroll_height());
            }
        });
    });

    view! {
        <ol class="cw-messages" role="log" aria-live="polite" aria-label="Messages" data-testid="cw-messages" node_ref=list_ref>
            <Show when=move || messages.with(Vec::is_empty)>
                <li class="cw-messages__empty">"Hi! Ask us anything. A real person will answer."</li>
            </Show>
            <For
                each=move || messages.get()
                key=|message| (message.key.clone(), message.delivery.clone(), message.id.clone())
                let:message
            >
                <MessageRow message users />
            </For>
        </ol>
    }
}

/// One message with its author and, for the visitor's own, its delivery state.
#[component]
fn MessageRow(
    /// The message.
    message: ChatMessage,
    /// Known participants, for agent names.
    users: Memo<BTreeMap<String, Participant>>,
) -> impl IntoView {
    let chat = ChatHandle::expect();
    let author = message.author.clone();
    let author_name = move || match &author {
        Author::Visitor => "You".to_owned(),
        Author::Agent(agent_id) => users
            .with(|users| users.get(agent_id).and_then(|participant| participant.name.clone()))
            .unwrap_or_else(|| "Agent".to_owned()),
        Author::System => String::new(),
    };
    let custom_id = message.custom_id.clone().unwrap_or_default();
    let status = match message.delivery.clone() {
        Delivery::Sent => None,
        Delivery::Sending => Some(view! { <span class="cw-message__status">"Sending…"</span> }.into_any()),
        Delivery::Failed(reason) => Some(
            view! {
                <span class="cw-message__status cw-message__status--failed" role="alert">
                    {format!("Not sent: {reason}")}
                </span>
                <button
                    type="button"
                    class="cw-message__retry"
                    data-testid="cw-retry"
                    on:click=move |_| chat.retry(&custom_id)
                >
                    "Retry"
                </button>
            }
            .into_any(),
        ),
    };

    view! {
        <li
            class="cw-message"
            data-testid="cw-message"
            data-author=message.author.as_str()
            data-delivery=message.delivery.as_str()
        >
            <span class="cw-message__author">{author_name}</span>
            <p class="cw-message__text">{message.text.clone()}</p>
            {status}
        </li>
    }
}
