//! The middle column: the chat on screen, every thread of the visitor's from the oldest
//! fetched to the current one, each event as what it is (text with links, files and
//! images, forms, cards, system lines, internal notes), what the visitor is typing, and the
//! composer.

use leptos::prelude::*;
use protocol::{Event, EventBody};
use serde_json::Value;

use super::composer::Composer;
use super::Handle;
use crate::desk::{ChatEntry, Desk, Section};
use crate::session::Intent;

/// An event as the transcript shows it.
#[derive(Debug, Clone, PartialEq)]
struct Line {
    key: String,
    /// The anchor of an earlier chat's first line, for the visitor panel's links.
    anchor: Option<String>,
    /// The visitor has read this line (the newest of the agents' they have read).
    seen: bool,
    author: &'static str,
    who: String,
    note: bool,
    sending: bool,
    time: String,
    body: Body,
}

#[derive(Debug, Clone, PartialEq)]
enum Body {
    Text(String),
    Image { url: String, name: String },
    File { url: String, name: String, size: Option<u64> },
    Form(Vec<(String, String)>),
    Card { title: String, buttons: Vec<String> },
    Divider(String),
}

impl Line {
    /// A line of the system's between chats; `anchor` lets the visitor panel link to it.
    fn divider(key: String, anchor: Option<String>, text: String) -> Line {
        Line { key, anchor, seen: false, author: "system", who: String::new(), note: false, sending: false, time: String::new(), body: Body::Divider(text) }
    }
}

fn author_name(desk: &Desk, chat: &ChatEntry, author: Option<&str>) -> String {
    match author {
        Some(id) if Some(id) == chat.customer.as_ref().map(|customer| customer.id.as_str()) => chat.visitor_name(),
        Some(id) => desk.agents.iter().find(|agent| agent.id == id).map(|agent| agent.name.clone()).unwrap_or_else(|| id.to_owned()),
        None => String::new(),
    }
}

fn answer_text(field: &Value) -> String {
    let text = |value: &Value| value.as_str().map(str::to_owned);
    if let Some(answer) = field.get("answer") {
        return text(answer).or_else(|| answer.get("label").and_then(Value::as_str).map(str::to_owned)).unwrap_or_else(|| answer.to_string());
    }
    match field.get("answers").and_then(Value::as_array) {
        Some(answers) => answers.iter().filter_map(|answer| answer.get("label").and_then(Value::as_str).or(answer.as_str())).collect::<Vec<_>>().join(", "),
        None => String::new(),
    }
}

fn line(desk: &Desk, chat: &ChatEntry, event: &Event, sending: bool) -> Option<Line> {
    let customer = chat.customer.as_ref().map(|customer| customer.id.as_str());
    let author = match (&event.body, event.author_id.as_deref()) {
        (EventBody::SystemMessage { .. }, _) | (_, None) => "system",
        (_, Some(id)) if Some(id) == customer => "customer",
        _ => "agent",
    };
    let body = match &event.body {
        EventBody::Message { text, .. } => Body::Text(text.clone()),
        EventBody::SystemMessage { text, .. } => Body::Text(text.clone().unwrap_or_default()),
        EventBody::File { url, name, content_type, size, thumbnail_url, .. } => {
            let name = name.clone().unwrap_or_else(|| "file".to_owned());
            let web = |url: &str| url.to_ascii_lowercase().starts_with("https://") || url.to_ascii_lowercase().starts_with("http://");
            if !web(url) {
                return Some(Line { key: event.id.clone().or_else(|| event.custom_id.clone())?, anchor: None, seen: false, author, who: author_name(desk, chat, event.author_id.as_deref()), note: false, sending, time: String::new(), body: Body::Text(name) });
            }
            if content_type.as_deref().is_some_and(|kind| kind.starts_with("image/")) {
                Body::Image { url: thumbnail_url.clone().unwrap_or_else(|| url.clone()), name }
            } else {
                Body::File { url: url.clone(), name, size: *size }
            }
        }
        EventBody::FilledForm { fields, .. } => Body::Form(
            fields
                .iter()
                .filter(|field| field.get("type").and_then(Value::as_str) != Some("header"))
                .map(|field| (field.get("label").and_then(Value::as_str).unwrap_or_default().to_owned(), answer_text(field)))
                .collect(),
        ),
        EventBody::RichMessage { elements, .. } => {
            let first = elements.first();
            let title = first.and_then(|element| element.get("title")).and_then(Value::as_str).unwrap_or("Card").to_owned();
            let buttons = first
                .and_then(|element| element.get("buttons"))
                .and_then(Value::as_array)
                .map(|buttons| buttons.iter().filter_map(|button| button.get("text").and_then(Value::as_str).map(str::to_owned)).collect())
                .unwrap_or_default();
            Body::Card { title, buttons }
        }
        _ => return None,
    };
    let key = event.id.clone().or_else(|| event.custom_id.clone())?;
    let time = event.created_at.as_deref().and_then(|at| at.get(11..16)).unwrap_or("").to_owned();
    Some(Line {
        key,
        anchor: None,
        seen: false,
        author,
        who: author_name(desk, chat, event.author_id.as_deref()),
        note: event.recipients.as_deref() == Some("agents"),
        sending,
        time,
        body,
    })
}

fn transcript(desk: &Desk, chat: &ChatEntry) -> Vec<Line> {
    let mut lines = Vec::new();
    for thread in &chat.earlier {
        let day = thread.created_at.as_deref().map(|at| at.chars().take(10).collect::<String>()).unwrap_or_default();
        let anchor = format!("thread-{}", thread.id);
        lines.push(Line::divider(anchor.clone(), Some(anchor), format!("Earlier chat · {day}")));
        lines.extend(thread.events.iter().filter_map(|event| line(desk, chat, event, false)));
    }
    if !chat.earlier.is_empty() {
        lines.push(Line::divider("thread-current".to_owned(), None, "This chat".to_owned()));
    }
    lines.extend(chat.events.iter().filter_map(|event| line(desk, chat, event, false)));
    // "Seen" under the newest agent message the visitor has read.
    if let Some(seen_up_to) = chat.customer_seen_up_to.as_deref() {
        let read = chat.events.iter().rev().find(|event| {
            let by_agent = event.author_id.is_some() && event.author_id.as_deref() != chat.customer.as_ref().map(|customer| customer.id.as_str());
            by_agent && matches!(event.body, EventBody::Message { .. } | EventBody::File { .. } | EventBody::RichMessage { .. })
                && event.recipients.as_deref() != Some("agents") && event.created_at.as_deref().is_some_and(|at| at <= seen_up_to)
        });
        if let Some(key) = read.and_then(|event| event.id.clone())
            && let Some(line) = lines.iter_mut().find(|line| line.key == key)
        {
            line.seen = true;
        }
    }
    lines.extend(chat.pending.iter().filter_map(|event| line(desk, chat, event, true)));
    lines
}

/// Text with its web addresses as links (opened in a new tab, without a referrer).
fn linked(text: &str) -> impl IntoView + use<> {
    let mut parts = Vec::new();
    for (index, word) in text.split(' ').enumerate() {
        if index > 0 {
            parts.push(view! { " " }.into_any());
        }
        let is_link = (word.starts_with("https://") || word.starts_with("http://")) && word.len() > 8;
        if is_link {
            parts.push(view! { <a href=word.to_owned() target="_blank" rel="noopener noreferrer nofollow">{word.to_owned()}</a> }.into_any());
        } else {
            parts.push(word.to_owned().into_any());
        }
    }
    parts
}

fn body_view(body: Body) -> AnyView {
    match body {
        Body::Text(text) => view! { <span class="msg-text">{linked(&text)}</span> }.into_any(),
        Body::Divider(text) => view! { <span class="msg-text">{text}</span> }.into_any(),
        Body::Image { url, name } => {
            let link = url.clone();
            let alt = name.clone();
            view! {
            <a class="msg-file" data-testid="agent-file" href=link target="_blank" rel="noopener noreferrer">
                <img src=url alt=alt loading="lazy"/>
                <span class="msg-text">{name}</span>
            </a>
            }
            .into_any()
        }
        Body::File { url, name, size } => view! {
            <a class="msg-file" data-testid="agent-file" href=url target="_blank" rel="noopener noreferrer">
                <span class="msg-text">{name}</span>
                {size.map(|size| view! { <span class="msg-size">{format!(" ({} KB)", size.div_ceil(1024))}</span> })}
            </a>
        }
        .into_any(),
        Body::Form(fields) => view! {
            <dl class="msg-form">
                {fields.into_iter().map(|(label, answer)| view! { <dt>{label}</dt><dd>{answer}</dd> }).collect_view()}
            </dl>
        }
        .into_any(),
        Body::Card { title, buttons } => view! {
            <div class="msg-card">
                <strong class="msg-text">{title}</strong>
                <ul>{buttons.into_iter().map(|button| view! { <li>{button}</li> }).collect_view()}</ul>
            </div>
        }
        .into_any(),
    }
}

/// The chat on screen, or a hint when none is.
#[component]
pub fn ChatView() -> impl IntoView {
    let handle = expect_context::<Handle>();
    let desk = handle.desk;
    let selected = Memo::new(move |_| desk.with(|desk| desk.selected.clone()));
    view! {
        <main class="chat" aria-label="Chat">
            <Show when=move || selected.with(Option::is_some) fallback=|| view! {
                <p class="chat__empty">"Pick a chat on the left, or wait for one: you will hear it arrive."</p>
            }>
                <ChatOnScreen/>
            </Show>
        </main>
    }
}

#[component]
fn ChatOnScreen() -> impl IntoView {
    let handle = expect_context::<Handle>();
    let desk = handle.desk;
    let lines = Memo::new(move |_| desk.with(|desk| desk.current().map(|chat| transcript(desk, chat)).unwrap_or_default()));
    let title = Memo::new(move |_| desk.with(|desk| desk.current().map(ChatEntry::visitor_name).unwrap_or_default()));
    let state = Memo::new(move |_| {
        desk.with(|desk| match desk.current() {
            Some(chat) => match desk.section_of(chat) {
                Some(Section::Mine) => "Your chat",
                Some(Section::Queue) => "Waiting for an agent",
                Some(Section::Others) => "Another agent's chat: join it to write to the visitor",
                None => "Ended",
            },
            None => "",
        })
    });
    let peek = Memo::new(move |_| desk.with(|desk| desk.current().and_then(|chat| chat.sneak_peek.clone())));
    let has_earlier = Memo::new(move |_| desk.with(|desk| desk.current().is_some_and(|chat| chat.earlier_page.is_some())));
    let rating = Memo::new(move |_| {
        desk.with(|desk| {
            let rating = desk.current()?.properties.get("rating")?.clone();
            let score = rating.get("score")?.as_u64()?;
            let comment = rating.get("comment").and_then(Value::as_str).map(|comment| format!(": “{comment}”")).unwrap_or_default();
            Some(format!("Rated {}{comment}", if score == 1 { "good" } else { "bad" }))
        })
    });
    // A visitor's message arriving on screen, with the tab in view, is read: say so.
    let newest = Memo::new(move |_| desk.with(|desk| {
        let chat = desk.current()?;
        let visible = !desk.page_hidden;
        visible.then(|| (chat.id.clone(), chat.events.last().and_then(|event| event.id.clone())))
    }));
    Effect::new(move |previous: Option<Option<(String, Option<String>)>>| {
        let current = newest.get();
        if let (Some(Some(before)), Some((chat_id, _))) = (&previous, &current)
            && Some(before) != current.as_ref()
            && before.0 == *chat_id
        {
            handle.send(Intent::Seen(chat_id.clone()));
        }
        current
    });
    let list = NodeRef::<leptos::html::Ol>::new();
    // New lines scroll into view.
    Effect::new(move |_| {
        lines.track();
        if let Some(list) = list.get() {
            list.set_scroll_top(list.scroll_height());
        }
    });
    let load_earlier = move |_| {
        if let Some(id) = desk.with_untracked(|desk| desk.selected.clone()) {
            handle.send(Intent::LoadEarlier(id));
        }
    };
    view! {
        <header class="chat__head">
            <h2 id="chat-title">{move || title.get()}</h2>
            <span class="chat__state" data-testid="agent-chat-state">{move || state.get()}</span>
            {move || rating.get().map(|text| view! { <span class="chat__rating" data-testid="agent-rating">{text}</span> })}
        </header>
        <Show when=move || has_earlier.get()>
            <button type="button" class="chat__earlier" on:click=load_earlier>"Show earlier chats"</button>
        </Show>
        <ol class="transcript" node_ref=list aria-labelledby="chat-title" aria-live="polite" tabindex="0">
            <For each=move || lines.get() key=|line| format!("{}:{}:{}", line.key, line.sending, line.seen) let:line>
                <li class="msg" id=line.anchor.clone() tabindex=line.anchor.as_ref().map(|_| "-1") data-testid="agent-message" data-author=line.author data-note=line.note.then_some("true")
                    data-sending=line.sending.then_some("true")>
                    <span class="msg-who">{line.who.clone()}{line.note.then_some(" · note to agents")}</span>
                    {body_view(line.body.clone())}
                    <span class="msg-time">{if line.sending { "Sending…".to_owned() } else { line.time.clone() }}
                        {line.seen.then(|| view! { <span class="msg-seen" data-testid="agent-seen">" · Seen"</span> })}</span>
                </li>
            </For>
        </ol>
        {move || peek.get().map(|text| view! {
            <p class="chat__peek" data-testid="agent-sneak-peek" aria-live="off">"Typing: "{text}</p>
        })}
        <Composer/>
    }
}
