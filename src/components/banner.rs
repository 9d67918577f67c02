//! The connection banner: tells the visitor when messages cannot reach us right now.

use leptos::prelude::*;

use crate::chat::ChatHandle;
use crate::i18n::Locale;
use crate::store::{ConnectionStatus, Halt};

/// A polite status region that is empty while all is well.
#[component]
pub fn ConnectionBanner() -> impl IntoView {
    let chat = ChatHandle::expect();
    let locale = expect_context::<&'static Locale>();
    let status = Memo::new(move |_| chat.state.with(|chat_state| (chat_state.connection.clone(), chat_state.unstable)));
    let text = move || match status.get() {
        (ConnectionStatus::Reconnecting { .. }, _) => Some(locale.text.reconnecting),
        // A deliberate `disconnect()` is not the visitor's inactivity: nothing to say.
        (ConnectionStatus::Paused { reason: Halt::Manual }, _) => None,
        (ConnectionStatus::Paused { .. }, _) => Some(locale.text.paused),
        (ConnectionStatus::Stopped { .. }, _) => Some(locale.text.stopped),
        (ConnectionStatus::Online, true) => Some(locale.text.unstable),
        (ConnectionStatus::Idle | ConnectionStatus::Connecting | ConnectionStatus::Online, _) => None,
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
