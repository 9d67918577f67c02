//! The transcript: a polite live log of messages, keyed so rows are stable, with day
//! separators, times, agent names and avatars, links, read receipts and per-message
//! delivery state.

use std::collections::BTreeMap;

use leptos::html;
use leptos::prelude::*;

use crate::chat::ChatHandle;
use crate::format::{day_label, linkify, local_time, Day, DayLabel, Segment};
use crate::i18n::{fill, Locale};
use crate::format::file_size;
use crate::store::{Author, ChatMessage, Delivery, MessageBody, Participant};

use super::{RichContext, RichMessageView};

/// A proactive invitation from the host page (`embed.page("chat", {...})`): shown as the
/// operator's message at the top of the transcript; the operator joins once the visitor
/// answers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Proactive {
    /// The text; the window's welcome line when empty.
    pub message: Option<String>,
    /// Name shown for the operator.
    pub operator_name: Option<String>,
    /// Photo shown for the operator (`http(s)` only).
    pub operator_photo: Option<String>,
    /// Department shown under the name.
    pub department_name: Option<String>,
}

/// Where the mount keeps the current proactive invitation.
#[derive(Clone, Copy)]
pub struct ProactiveSlot(pub RwSignal<Option<Proactive>>);

/// The image the viewer shows, if any. The window provides the slot, so its Escape key
/// closes the viewer first, wherever the focus is.
#[derive(Debug, Clone, PartialEq)]
pub struct Viewing {
    url: String,
    name: String,
}

mod window;

use window::{earlier_anchor, first_shown, keys, Start, PAGE_ROWS};

/// All messages, oldest first, scrolled to the newest. A long transcript renders its
/// latest rows and more as the visitor scrolls up (or presses "Show earlier messages"), so
/// opening a chat of thousands of messages builds a few dozen rows.
#[component]
pub fn MessageList() -> impl IntoView {
    let chat = ChatHandle::expect();
    let locale = expect_context::<&'static Locale>();
    let list_ref = NodeRef::<html::Div>::new();
    let messages = Memo::new(move |_| chat.state.with(|chat_state| chat_state.messages.clone()));
    let users = Memo::new(move |_| chat.state.with(|chat_state| chat_state.users.clone()));
    let seen_up_to = Memo::new(move |_| chat.state.with(|chat_state| chat_state.agents_seen_up_to().map(str::to_owned)));
    let offset = utc_offset_minutes();
    let today = today(offset);

    // The rendered window and its first row's index. `Latest` is fixed to its row the first
    // time the transcript is longer than a page (quietly: the memo is what follows it).
    let start = RwSignal::new(Start::Latest);
    let first = Memo::new(move |_| {
        messages.with(|all| {
            let keys = keys(all);
            match start.get() {
                Start::All => 0,
                Start::At(anchor) => first_shown(&keys, Some(&anchor), PAGE_ROWS),
                Start::Latest => {
                    let first = first_shown(&keys, None, PAGE_ROWS);
                    if first > 0 {
                        start.update_untracked(|start| *start = Start::At(keys[first].to_owned()));
                    }
                    first
                }
            }
        })
    });
    // Shows a page more above, keeping what is on screen where it was.
    let reveal_earlier = move || {
        let first = first.get_untracked();
        if first == 0 {
            return;
        }
        let from_bottom = list_ref.get_untracked().map(|list| list.scroll_height() - list.scroll_top());
        start.set(Start::from_anchor(messages.with_untracked(|all| earlier_anchor(&keys(all), first, PAGE_ROWS))));
        if let (Some(list), Some(from_bottom)) = (list_ref.get_untracked(), from_bottom) {
            request_animation_frame(move || list.set_scroll_top(list.scroll_height() - from_bottom));
        }
    };

    let proactive = use_context::<ProactiveSlot>().map(|slot| slot.0).unwrap_or_else(|| RwSignal::new(None));
    let viewing = use_context::<RwSignal<Option<Viewing>>>().unwrap_or_else(|| RwSignal::new(None));
    // Earlier threads, a page at a time (`get_chat_history`).
    let history = StoredValue::new_local(None::<crate::chat::ChatHistory>);
    let loading = RwSignal::new(false);
    let has_history = Memo::new(move |_| chat.state.with(|state| state.chat_id.is_some() && !state.history_complete));
    let load_older = move || {
        let Some(chat_id) = chat.state.with_untracked(|state| state.chat_id.clone()) else { return };
        let mut pages = history.try_update_value(Option::take).flatten().unwrap_or_else(|| chat.get_chat_history(&chat_id));
        loading.set(true);
        // The row on top now: the older conversation's rows go above it, a page of them shown.
        let top_key = messages.with_untracked(|all| all.first().map(|message| message.key.clone()));
        leptos::task::spawn_local(async move {
            let top = list_ref.get_untracked().map(|list| list.scroll_height());
            if let Err(error) = pages.next().await {
                leptos::logging::warn!("livechat: could not load earlier conversations: {error}");
            }
            history.set_value(Some(pages));
            let next = messages.with_untracked(|all| {
                let keys = keys(all);
                let was_first = top_key.as_deref().and_then(|key| keys.iter().position(|known| *known == key)).unwrap_or(0);
                earlier_anchor(&keys, was_first, PAGE_ROWS)
            });
            if let Some(key) = next {
                start.set(Start::At(key));
            }
            loading.set(false);
            // Keep the visitor's place: what was on screen stays on screen.
            if let (Some(list), Some(top)) = (list_ref.get_untracked(), top) {
                request_animation_frame(move || list.set_scroll_top(list.scroll_height() - top));
            }
        });
    };
    provide_context(viewing);

    // The transcript search brings a message into view: the rows above the window first
    // (two more for context), then the row itself, scrolled to the middle and marked.
    let long = Signal::derive(move || messages.with(|all| all.len()) > PAGE_ROWS);
    let show_row = Callback::new(move |index: usize| {
        if index < first.get_untracked() {
            let above = index.saturating_sub(2);
            let anchor = messages.with_untracked(|all| all.get(above).filter(|_| above > 0).map(|message| message.key.clone()));
            start.set(Start::from_anchor(anchor));
        }
        request_animation_frame(move || {
            let Some(list) = list_ref.get_untracked() else { return };
            let Some(row) = index.checked_sub(first.get_untracked()) else { return };
            if let Ok(Some(marked)) = list.query_selector("[data-found]") {
                let _ = marked.remove_attribute("data-found");
            }
            let rows = list.query_selector_all("[data-testid=cw-message]");
            if let Ok(rows) = rows {
                if let Some(element) = rows.get(row as u32).and_then(|node| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(node).ok()) {
                    let _ = element.set_attribute("data-found", "true");
                    let options = web_sys::ScrollIntoViewOptions::new();
                    options.set_block(web_sys::ScrollLogicalPosition::Center);
                    element.scroll_into_view_with_scroll_into_view_options(&options);
                }
            }
        });
    });


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

    // Rows: each message, preceded by a separator when its day differs from the previous.
    let rows = move || {
        let first = first.get();
        messages.with(|all| {
        let first = first.min(all.len());
        // The row above the window decides whether the first rendered row opens a new day.
        let mut previous: Option<Day> = first
            .checked_sub(1)
            .and_then(|above| all[above].created_at.as_deref())
            .and_then(|stamp| local_time(stamp, offset))
            .map(|at| at.day);
        all[first..]
            .iter()
            .cloned()
            .map(|message| {
                let at = message.created_at.as_deref().and_then(|stamp| local_time(stamp, offset));
                let separator = at.map(|at| at.day).filter(|day| previous != Some(*day));
                if let Some(at) = at {
                    previous = Some(at.day);
                }
                (message, separator, at.map(|at| at.clock()))
            })
            .collect::<Vec<_>>()
        })
    };

    view! {
        <super::search::TranscriptSearch show=show_row long />
        <div
            class="cw-messages"
            role="log"
            aria-live="polite"
            aria-label=locale.text.messages_label
            tabindex="0"
            data-testid="cw-messages"
            node_ref=list_ref
            on:scroll=move |_| {
                let near_top = list_ref.get_untracked().is_some_and(|list| list.scroll_top() < 160);
                if near_top && first.get_untracked() > 0 {
                    reveal_earlier();
                }
            }
        >
            <ol class="cw-messages__list">
                <Show when=move || { first.get() > 0 }>
                    <li class="cw-messages__older">
                        <button
                            type="button"
                            class="cw-button cw-button--quiet"
                            data-testid="cw-show-earlier"
                            on:click=move |_| reveal_earlier()
                        >
                            {move || fill(locale.text.earlier_messages, &[("n", &first.get().to_string())])}
                        </button>
                    </li>
                </Show>
                <Show when=move || has_history.get() && first.get() == 0>
                    <li class="cw-messages__older">
                        <button
                            type="button"
                            class="cw-button cw-button--quiet"
                            data-testid="cw-load-older"
                            disabled=move || loading.get()
                            on:click=move |_| load_older()
                        >
                            {locale.text.load_older}
                        </button>
                    </li>
                </Show>
                {move || proactive.get().map(|invite| {
                    let photo = invite.operator_photo.as_deref().and_then(crate::rich::web_address);
                    let text = invite.message.clone().unwrap_or_else(|| locale.text.empty.to_owned());
                    view! {
                        <li class="cw-message" data-testid="cw-proactive" data-author="agent" data-kind="text">
                            {photo.map(|url| view! { <img class="cw-message__avatar" src=url alt="" width="28" height="28" /> })}
                            <span class="cw-message__author">
                                {invite.operator_name.clone().unwrap_or_else(|| locale.text.agent.to_owned())}
                                {invite.department_name.clone().map(|department| format!(" · {department}"))}
                            </span>
                            <p class="cw-message__text">{text}</p>
                        </li>
                    }
                })}
                <Show when=move || messages.with(|all| all.is_empty()) && proactive.with(Option::is_none)>
                    <li class="cw-messages__empty">{locale.text.empty}</li>
                </Show>
                <For
                    each=rows
                    key=|(message, separator, _)| (message.key.clone(), message.delivery.clone(), message.id.clone(), *separator)
                    let:row
                >
                    {row.1.map(|day| view! {
                        <li class="cw-day" data-testid="cw-day">{day_text(day, today, locale)}</li>
                    })}
                    <MessageRow message=row.0 clock=row.2 users seen_up_to />
                </For>
            </ol>
        </div>
        <ImageViewer viewing />
    }
}

/// How a separator names its day.
fn day_text(day: Day, today: Option<Day>, locale: &Locale) -> String {
    match today.map(|today| day_label(day, today)) {
        Some(DayLabel::Today) => locale.text.today.to_owned(),
        Some(DayLabel::Yesterday) => locale.text.yesterday.to_owned(),
        _ => format_date(day, locale.code),
    }
}

/// A date in the visitor's language (the browser formats it), or ISO form natively.
fn format_date(day: Day, lang: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let date = js_sys::Date::new_with_year_month_day(day.year as u32, day.month as i32 - 1, day.day as i32);
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"long".into());
        return String::from(date.to_locale_date_string(lang, &options));
    }
    #[allow(unreachable_code)]
    {
        let _ = lang;
        format!("{:04}-{:02}-{:02}", day.year, day.month, day.day)
    }
}

/// Minutes east of UTC of the visitor's clock.
fn utc_offset_minutes() -> i32 {
    #[cfg(target_arch = "wasm32")]
    {
        -(js_sys::Date::new_0().get_timezone_offset() as i32)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0
    }
}

/// Today in the visitor's time zone.
fn today(offset: i32) -> Option<Day> {
    #[cfg(target_arch = "wasm32")]
    {
        let now = js_sys::Date::new_0().to_iso_string();
        local_time(&String::from(now), offset).map(|at| at.day)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = offset;
        None
    }
}

/// One message with its author and, for the visitor's own, its delivery state.
#[component]
fn MessageRow(
    /// The message.
    message: ChatMessage,
    /// Local time of day, when known.
    clock: Option<String>,
    /// Known participants, for agent names.
    users: Memo<BTreeMap<String, Participant>>,
    /// Where the agents have read up to.
    seen_up_to: Memo<Option<String>>,
) -> impl IntoView {
    let chat = ChatHandle::expect();
    let locale = expect_context::<&'static Locale>();
    let author = message.author.clone();
    let agent = match &author {
        Author::Agent(agent_id) => users.with_untracked(|users| users.get(agent_id).cloned()),
        _ => None,
    };
    let author_name = match &author {
        Author::Visitor => locale.text.you.to_owned(),
        Author::Agent(_) => agent.as_ref().and_then(|agent| agent.name.clone()).unwrap_or_else(|| locale.text.agent.to_owned()),
        Author::System => String::new(),
    };
    let avatar = agent
        .and_then(|agent| agent.avatar)
        .and_then(|url| crate::rich::web_address(&url))
        .map(|url| view! { <img class="cw-message__avatar" src=url alt="" width="28" height="28" /> });
    let custom_id = message.custom_id.clone().unwrap_or_default();
    let status = match message.delivery.clone() {
        Delivery::Sent => None,
        Delivery::Sending => Some(view! { <span class="cw-message__status">{locale.text.sending}</span> }.into_any()),
        Delivery::Failed(reason) => Some(
            view! {
                <span class="cw-message__status cw-message__status--failed" role="alert">
                    {fill(locale.text.not_sent, &[("reason", &reason)])}
                </span>
                <button
                    type="button"
                    class="cw-message__retry"
                    data-testid="cw-retry"
                    on:click=move |_| chat.retry(&custom_id)
                >
                    {locale.text.retry}
                </button>
            }
            .into_any(),
        ),
    };
    let created_at = message.created_at.clone();
    let is_visitor = author == Author::Visitor;
    let seen = move || {
        let seen = is_visitor
            && seen_up_to.with(|up_to| match (up_to, &created_at) {
                (Some(up_to), Some(created_at)) => created_at <= up_to,
                _ => false,
            });
        seen.then(|| view! { <span class="cw-message__seen" data-testid="cw-seen">{locale.text.seen}</span> })
    };
    let text = linkify(&message.text)
        .into_iter()
        .map(|segment| match segment {
            Segment::Text(text) => text.into_any(),
            Segment::Link { text, href } => view! {
                <a href=href target="_blank" rel="noopener noreferrer nofollow">{text}</a>
            }
            .into_any(),
        })
        .collect_view();
    let kind = match &message.body {
        MessageBody::Text => "text",
        MessageBody::File { .. } => "file",
        MessageBody::Rich { .. } => "rich",
        MessageBody::Form { .. } => "form",
    };
    let content = match message.body.clone() {
        MessageBody::Text => view! { <p class="cw-message__text">{text}</p> }.into_any(),
        MessageBody::File { url, name, content_type, size, thumbnail_url, .. } => {
            file_view(url, name, content_type, size, thumbnail_url, locale)
        }
        MessageBody::Rich { template_id, elements } => {
            let event_id = message.id.clone().unwrap_or_default();
            let state_thread = chat.state.with_untracked(|state| state.thread_id.clone()).unwrap_or_default();
            // Event ids are `<thread id>_<n>`; the current thread is the fallback.
            let thread_id = event_id.rsplit_once('_').map(|(thread, _)| thread.to_owned()).unwrap_or(state_thread);
            let chat_id = chat.state.with_untracked(|state| state.chat_id.clone()).unwrap_or_default();
            let rich = crate::rich::parse(&template_id, &elements);
            view! { <RichMessageView message=rich context=RichContext { chat_id, thread_id, event_id } /> }.into_any()
        }
        MessageBody::Form { answers } => view! {
            <dl class="cw-message__form" data-testid="cw-filled-form">
                {answers.into_iter().map(|(label, answer)| view! { <dt>{label}</dt><dd>{answer}</dd> }).collect_view()}
            </dl>
        }
        .into_any(),
    };

    view! {
        <li
            class="cw-message"
            data-testid="cw-message"
            data-author=message.author.as_str()
            data-delivery=message.delivery.as_str()
            data-kind=kind
        >
            {avatar}
            <span class="cw-message__author">{author_name}</span>
            {content}
            <span class="cw-message__meta">
                {clock.map(|clock| view! { <time class="cw-message__time" datetime=message.created_at.clone()>{clock}</time> })}
                {status}
                {seen}
            </span>
        </li>
    }
}

/// A file: images as a thumbnail that opens the viewer, anything else as a download link.
fn file_view(
    url: String,
    name: String,
    content_type: String,
    size: Option<u64>,
    thumbnail_url: Option<String>,
    locale: &'static Locale,
) -> AnyView {
    // Only web addresses or our own paths: nothing else becomes a link.
    let safe = |url: &str| crate::rich::web_address(url).or_else(|| (url.starts_with('/') && !url.starts_with("//")).then(|| url.to_owned()));
    let Some(href) = safe(&url) else {
        return view! { <p class="cw-message__text">{name}</p> }.into_any();
    };
    let label = if name.is_empty() { href.rsplit('/').next().unwrap_or_default().to_owned() } else { name };
    if content_type.starts_with("image/") {
        let viewing = expect_context::<RwSignal<Option<Viewing>>>();
        let thumb = thumbnail_url.as_deref().and_then(safe).unwrap_or_else(|| href.clone());
        let (full, title, aria) = (href.clone(), label.clone(), label.clone());
        return view! {
            <button
                type="button"
                class="cw-message__image"
                data-testid="cw-image"
                aria-label=aria
                on:click=move |_| viewing.set(Some(Viewing { url: full.clone(), name: title.clone() }))
            >
                <img class="cw-message__thumb" src=thumb alt=label loading="lazy" decoding="async" />
            </button>
        }
        .into_any();
    }
    let described = match size {
        Some(size) => format!("{label} ({})", file_size(size)),
        None => label.clone(),
    };
    let download = label.clone();
    view! {
        <a
            class="cw-message__file"
            href=href
            download=download
            target="_blank"
            rel="noopener noreferrer"
            data-testid="cw-file"
            aria-label=fill(locale.text.download, &[("name", &described)])
        >
            <span class="cw-message__file-name">{label}</span>
            {size.map(|size| view! { <span class="cw-message__file-size">{file_size(size)}</span> })}
        </a>
    }
    .into_any()
}

/// A full-size image over the window; Escape, the close button or a click outside close it.
#[component]
fn ImageViewer(viewing: RwSignal<Option<Viewing>>) -> impl IntoView {
    let locale = expect_context::<&'static Locale>();
    let close_ref = NodeRef::<html::Button>::new();
    Effect::new(move |_| {
        if viewing.with(Option::is_some) {
            request_animation_frame(move || {
                if let Some(button) = close_ref.get_untracked() {
                    let _ = button.focus();
                }
            });
        }
    });
    move || {
        viewing.get().map(|image| {
            let dialog_label = image.name.clone();
            view! {
                <div
                    class="cw-viewer"
                    role="dialog"
                    aria-modal="true"
                    aria-label=dialog_label
                    data-testid="cw-viewer"
                    on:keydown=move |ev| {
                        if ev.key() == "Escape" {
                            ev.stop_propagation();
                            viewing.set(None);
                        }
                    }
                    on:click=move |_| viewing.set(None)
                >
                    <button type="button" class="cw-icon-button cw-viewer__close" aria-label=locale.text.close
                        data-testid="cw-viewer-close" node_ref=close_ref on:click=move |_| viewing.set(None)>
                        "×"
                    </button>
                    <img class="cw-viewer__image" src=image.url alt=image.name on:click=|ev| ev.stop_propagation() />
                </div>
            }
        })
    }
}
