//! Searching a long transcript. The transcript renders only its latest rows (see
//! `message_list`), so the browser's find-in-page cannot reach the rest; this field can:
//! it finds every loaded message whose text contains the words, newest first, and each
//! "previous" or "next" brings that message into view, rendering the rows above it first.
//! Shown once the transcript is longer than what is rendered at first.

use leptos::prelude::*;

use crate::chat::ChatHandle;
use crate::i18n::{fill, Locale};
use crate::store::ChatMessage;

/// The shortest query searched for.
const MIN_QUERY_CHARS: usize = 2;

/// Indices of the messages whose text contains `query` (whatever the case), newest first;
/// none for a query shorter than two characters.
pub fn matching(messages: &[ChatMessage], query: &str) -> Vec<usize> {
    let query = query.trim().to_lowercase();
    if query.chars().count() < MIN_QUERY_CHARS {
        return Vec::new();
    }
    (0..messages.len()).rev().filter(|&index| messages[index].text.to_lowercase().contains(&query)).collect()
}

/// The search field, its count and its two buttons. `show` brings message `index` (of the
/// loaded transcript) into view; `long` says whether the transcript needs a search.
#[component]
pub fn TranscriptSearch(show: Callback<usize>, long: Signal<bool>) -> impl IntoView {
    let chat = ChatHandle::expect();
    let locale = expect_context::<&'static Locale>();
    let query = RwSignal::new(String::new());
    let found = RwSignal::new(Vec::<usize>::new());
    // Which match is shown: 0 is the newest.
    let at = RwSignal::new(0usize);
    let go = move |step: isize| {
        let count = found.with_untracked(Vec::len);
        if count == 0 {
            return;
        }
        let next = (at.get_untracked() as isize + step).rem_euclid(count as isize) as usize;
        at.set(next);
        if let Some(index) = found.with_untracked(|found| found.get(next).copied()) {
            show.run(index);
        }
    };
    let search = move |text: String| {
        let indices = chat.state.with_untracked(|state| matching(&state.messages, &text));
        query.set(text);
        found.set(indices);
        at.set(0);
        if let Some(index) = found.with_untracked(|found| found.first().copied()) {
            show.run(index);
        }
    };
    let count = move || {
        let total = found.with(Vec::len);
        match (query.with(|query| query.trim().chars().count() >= MIN_QUERY_CHARS), total) {
            (false, _) => String::new(),
            (true, 0) => locale.text.search_none.to_owned(),
            (true, total) => fill(locale.text.search_count, &[("i", &(at.get() + 1).to_string()), ("n", &total.to_string())]),
        }
    };
    view! {
        <Show when=move || long.get()>
            <div class="cw-search" role="search">
                <input
                    type="search"
                    class="cw-search__input"
                    data-testid="cw-search-input"
                    aria-label=locale.text.search_label
                    placeholder=locale.text.search_label
                    prop:value=move || query.get()
                    on:input=move |ev| search(event_target_value(&ev))
                    on:keydown=move |ev| {
                        if ev.key() == "Enter" {
                            ev.prevent_default();
                            go(if ev.shift_key() { -1 } else { 1 });
                        }
                    }
                />
                <span class="cw-search__count" aria-live="polite" data-testid="cw-search-count">{count}</span>
                <button
                    type="button"
                    class="cw-icon-button cw-search__step"
                    aria-label=locale.text.search_previous
                    title=locale.text.search_previous
                    data-testid="cw-search-previous"
                    disabled=move || found.with(Vec::is_empty)
                    on:click=move |_| go(1)
                >
                    <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
                        <path d="M6 15l6-6 6 6" stroke="currentColor" stroke-width="2" fill="none" stroke-linecap="round" />
                    </svg>
                </button>
                <button
                    type="button"
                    class="cw-icon-button cw-search__step"
                    aria-label=locale.text.search_next
                    title=locale.text.search_next
                    data-testid="cw-search-next"
                    disabled=move || found.with(Vec::is_empty)
                    on:click=move |_| go(-1)
                >
                    <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
                        <path d="M6 9l6 6 6-6" stroke="currentColor" stroke-width="2" fill="none" stroke-linecap="round" />
                    </svg>
                </button>
            </div>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Author, Delivery, MessageBody};

    fn message(text: &str) -> ChatMessage {
        ChatMessage {
            key: text.to_owned(),
            id: None,
            custom_id: None,
            author: Author::System,
            text: text.to_owned(),
            created_at: None,
            delivery: Delivery::Sent,
            body: MessageBody::Text,
        }
    }

    #[test]
    fn matches_come_newest_first_whatever_the_case() {
        let messages: Vec<ChatMessage> = ["Tent sizes?", "We have three", "Which TENT is lightest", "Thanks"].map(message).into();
        assert_eq!(matching(&messages, "tent"), [2, 0]);
        assert_eq!(matching(&messages, "  LIGHTEST "), [2]);
        assert_eq!(matching(&messages, "kayak"), Vec::<usize>::new());
        assert!(matching(&messages, "t").is_empty(), "one letter finds nothing");
        assert!(matching(&messages, "").is_empty());
    }
}
