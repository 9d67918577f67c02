//! The smaller parts of the window: the queue line, the greeting card and the rating.

use leptos::prelude::*;

use crate::chat::ChatHandle;
use crate::config::RatingMode;
use crate::rating::{self, Rating};
use crate::store::Item;
use crate::i18n::{fill, Locale};

/// "You are number N in the queue", while the chat waits for an agent.
#[component]
pub fn QueueLine() -> impl IntoView {
    let chat = ChatHandle::expect();
    let locale = expect_context::<&'static Locale>();
    let queue = Memo::new(move |_| chat.state.with(|state| state.queue.clone().filter(|_| state.chat_active)));
    move || {
        queue.get().map(|queue| {
            let minutes = queue.wait_time.div_ceil(60).max(1).to_string();
            let text = fill(locale.text.queue, &[("position", &queue.position.to_string()), ("minutes", &minutes)]);
            view! { <p class="cw-queue" role="status" data-testid="cw-queue">{text}</p> }
        })
    }
}

/// An agent's invitation, with reply and dismiss.
#[component]
pub fn GreetingCard() -> impl IntoView {
    let chat = ChatHandle::expect();
    let locale = expect_context::<&'static Locale>();
    let greeting = Memo::new(move |_| chat.state.with(|state| state.greeting.clone().filter(|greeting| !greeting.accepted)));
    move || {
        greeting.get().map(|greeting| {
            let agent = chat.state.with_untracked(|state| state.agent_name(&greeting.agent_id).map(str::to_owned));
            let (id, unique_id) = (greeting.id, greeting.unique_id.clone());
            let accept = {
                let unique_id = unique_id.clone();
                move |_| {
                    let unique_id = unique_id.clone();
                    chat.set_open(true);
                    leptos::task::spawn_local(async move {
                        if let Err(error) = chat.accept_greeting(id, &unique_id).await {
                            leptos::logging::warn!("livechat: could not accept the greeting: {error}");
                        }
                    });
                }
            };
            let dismiss = move |_| {
                let unique_id = unique_id.clone();
                leptos::task::spawn_local(async move {
                    if let Err(error) = chat.cancel_greeting(&unique_id).await {
                        leptos::logging::warn!("livechat: could not dismiss the greeting: {error}");
                    }
                });
            };
            view! {
                <aside class="cw-greeting" aria-label=agent.clone().unwrap_or_default() data-testid="cw-greeting">
                    {agent.clone().map(|name| view! { <p class="cw-greeting__agent">{name}</p> })}
                    <p class="cw-greeting__text">{greeting.text}</p>
                    <div class="cw-greeting__actions">
                        <button type="button" class="cw-button" data-testid="cw-greeting-accept" on:click=accept>
                            {locale.text.greeting_accept}
                        </button>
                        <button type="button" class="cw-button cw-button--quiet" data-testid="cw-greeting-dismiss" on:click=dismiss>
                            {locale.text.greeting_dismiss}
                        </button>
                    </div>
                </aside>
            }
        })
    }
}

/// Rating of the current thread: good / bad (or stars) with an optional comment, and a
/// way to take it back.
#[component]
pub fn RatingPanel(
    /// Thumbs or stars.
    mode: RatingMode,
) -> impl IntoView {
    let chat = ChatHandle::expect();
    let locale = expect_context::<&'static Locale>();
    let rated = Memo::new(move |_| {
        chat.state.with(|state| {
            let thread = state.thread_id.as_ref()?;
            Rating::read(state.thread_properties.get(thread)?)
        })
    });
    let chosen = RwSignal::new(None::<u8>);
    let comment = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    // Both go through the outbox: a rating given while the link is down is sent once it is
    // back (or after a reload).
    let save = move |value: u8| {
        let Some((chat_id, thread_id)) = chat.state.with_untracked(|state| state.chat_id.clone().zip(state.thread_id.clone())) else {
            return;
        };
        let properties = Rating::given(mode, value, Some(comment.get_untracked())).properties();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = chat.send_outgoing(Item::ThreadProperties { chat_id, thread_id, properties, delete: false }).await;
            busy.set(false);
            error.set(result.err().map(|error| error.to_string()));
        });
    };
    let cancel = move |_| {
        let Some((chat_id, thread_id)) = chat.state.with_untracked(|state| state.chat_id.clone().zip(state.thread_id.clone())) else {
            return;
        };
        chosen.set(None);
        let properties = rating::removal(mode, &[]);
        leptos::task::spawn_local(async move {
            let result = chat.send_outgoing(Item::ThreadProperties { chat_id, thread_id, properties, delete: true }).await;
            error.set(result.err().map(|error| error.to_string()));
        });
    };

    let choices = move || match mode {
        RatingMode::Thumbs => vec![(1u8, locale.text.rate_good.to_owned(), "👍"), (0, locale.text.rate_bad.to_owned(), "👎")],
        RatingMode::Stars => (1..=5u8).map(|n| (n, fill(locale.text.rate_stars, &[("n", &n.to_string())]), "★")).collect(),
    };
    let current = move || {
        chosen.get().or_else(|| {
            rated.get().map(|rating| rating.shown_as(mode))
        })
    };

    view! {
        <section class="cw-rating" aria-labelledby="cw-rating-title" data-testid="cw-rating" data-mode=match mode {
            RatingMode::Thumbs => "thumbs",
            RatingMode::Stars => "stars",
        }>
            <h2 id="cw-rating-title" class="cw-rating__title">{locale.text.rate_prompt}</h2>
            <div class="cw-rating__choices" role="group" aria-labelledby="cw-rating-title">
                {move || choices().into_iter().map(|(value, label, icon)| {
                    let pressed = move || match (mode, current()) {
                        (RatingMode::Stars, Some(current)) => value <= current,
                        (_, Some(current)) => value == current,
                        (_, None) => false,
                    };
                    view! {
                        <button
                            type="button"
                            class="cw-rating__choice"
                            aria-label=label.clone()
                            title=label
                            aria-pressed=move || pressed().to_string()
                            data-testid=format!("cw-rate-{value}")
                            disabled=move || busy.get()
                            on:click=move |_| {
                                chosen.set(Some(value));
                                save(value);
                            }
                        >
                            <span aria-hidden="true">{icon}</span>
                        </button>
                    }
                }).collect_view()}
            </div>
            <Show when=move || current().is_some()>
                <label class="cw-visually-hidden" for="cw-rating-comment">{locale.text.rate_comment}</label>
                <textarea
                    id="cw-rating-comment"
                    class="cw-rating__comment"
                    rows="2"
                    placeholder=locale.text.rate_comment
                    data-testid="cw-rating-comment"
                    prop:value=move || comment.get()
                    on:input=move |ev| comment.set(event_target_value(&ev))
                ></textarea>
                <div class="cw-rating__actions">
                    <button type="button" class="cw-button" data-testid="cw-rating-send" disabled=move || busy.get()
                        on:click=move |_| { if let Some(value) = current() { save(value) } }>
                        {locale.text.submit}
                    </button>
                    <button type="button" class="cw-button cw-button--quiet" data-testid="cw-rating-cancel" on:click=cancel>
                        {locale.text.rate_cancel}
                    </button>
                </div>
            </Show>
            <p class="cw-rating__status" role="status" data-testid="cw-rating-status">
                {move || match (error.get(), rated.get()) {
                    (Some(error), _) => error,
                    (None, Some(_)) => locale.text.rate_thanks.to_owned(),
                    (None, None) => String::new(),
                }}
            </p>
        </section>
    }
}
