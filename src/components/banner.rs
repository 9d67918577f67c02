//! The connection banner: tells the visitor when messages cannot reach us right now.

use leptos::prelude::*;

use crate::chat::ChatHandle;
use crate::store::ConnectionStatus;

/// A polite status region that is empty while all is well.
#[component]
pub fn ConnectionBanner() -> impl IntoView {
    let chat = ChatHandle::expect();
    let status = Memo::new(move |_| chat.state.with(|chat_state| chat_state.connection.clone()));
    let text = move || match status.get() {
        ConnectionStatus::Reconnecting { .. } => {
            Some("Connection lost. Reconnecting… Messages you write are kept and sent when we're back.")
        }
        ConnectionStatus::Paused { .. } => Some("Chat paused after a while without activity. Send a message to resume."),
        ConnectionStatus::Stopped { .. } => Some("Chat is not available right now."),
        ConnectionStatus::Idle | ConnectionStatus::Connecting | ConnectionStatus::Online => None,
    };

    view! {
        <div
            class="cw-banner"
            role="status"
            data-testid="cw-banner"
            data-visible=move || text().is_some().to_string()
        >
            {text}
        </div>
    }
}
