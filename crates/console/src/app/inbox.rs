//! The left column: the agent's chats, the queue and other agents' chats, each a list of
//! visitors with the newest line and an unread count; and the archive, searched by words,
//! agent, group, dates, rating and tag.

use leptos::prelude::*;
use protocol::{ArchiveFilters, EventBody, ValuesFilter};
use serde_json::json;

use super::Handle;
use crate::desk::{ChatEntry, Section};
use crate::session::Intent;

/// One line of a list: who, the newest message, unread count, waiting time.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    id: String,
    name: String,
    preview: String,
    unread: u32,
    waiting: Option<(u32, u32)>,
    selected: bool,
}

fn row(chat: &ChatEntry, selected: Option<&str>) -> Row {
    let preview = chat.preview().map(|event| match &event.body {
        EventBody::File { name, .. } => format!("File: {}", name.clone().unwrap_or_default()),
        _ => event.text().unwrap_or_default().to_owned(),
    });
    Row {
        id: chat.id.clone(),
        name: chat.visitor_name(),
        preview: preview.unwrap_or_default(),
        unread: chat.unread,
        waiting: chat.queue.as_ref().map(|queue| (queue.position, queue.wait_time)),
        selected: selected == Some(chat.id.as_str()),
    }
}

/// The inbox with its two tabs.
#[component]
pub fn Inbox() -> impl IntoView {
    let archive = expect_context::<super::shortcuts::ArchiveTab>().0;
    view! {
        <nav class="inbox" aria-label="Chats">
            <div class="inbox__tabs" role="tablist">
                <button type="button" role="tab" aria-selected=move || (!archive.get()).to_string() data-testid="agent-tab-chats"
                    on:click=move |_| archive.set(false)>"Chats"</button>
                <button type="button" role="tab" aria-selected=move || archive.get().to_string() data-testid="agent-tab-archive"
                    on:click=move |_| archive.set(true)>"Archive"</button>
            </div>
            <Show when=move || archive.get() fallback=|| view! {
                <List section=Section::Mine title="My chats" empty="No chats of yours right now."/>
                <List section=Section::Queue title="Waiting" empty="Nobody is waiting."/>
                <List section=Section::Others title="Other agents' chats" empty="No other chats."/>
            }>
                <Archive/>
            </Show>
        </nav>
    }
}

#[component]
fn List(section: Section, title: &'static str, empty: &'static str) -> impl IntoView {
    let handle = expect_context::<Handle>();
    let rows = Memo::new(move |_| {
        handle.desk.with(|desk| desk.section(section).into_iter().map(|chat| row(chat, desk.selected.as_deref())).collect::<Vec<_>>())
    });
    let key = match section {
        Section::Mine => "mine",
        Section::Queue => "queue",
        Section::Others => "others",
    };
    let heading = format!("inbox-{key}");
    let labelled_by = heading.clone();
    view! {
        <section class="inbox__section" aria-labelledby=labelled_by data-section=key>
            <h2 id=heading>{title}" "<span class="inbox__count">{move || rows.with(Vec::len)}</span></h2>
            <Show when=move || rows.with(|rows| !rows.is_empty()) fallback=move || view! { <p class="inbox__empty">{empty}</p> }>
                <ul class="inbox__list">
                    <For each=move || rows.get() key=|row| format!("{}:{}:{}:{}", row.id, row.unread, row.selected, row.preview) let:row>
                        <li>
                            <button type="button" class="inbox__item" data-testid="agent-chat-item" data-chat-id=row.id.clone()
                                aria-current=row.selected.then_some("true")
                                on:click={
                                    let id = row.id.clone();
                                    move |_| handle.send(Intent::Open(id.clone()))
                                }>
                                <span class="inbox__name">{row.name.clone()}</span>
                                {row.waiting.map(|(position, wait)| view! {
                                    <span class="inbox__wait">{format!("#{position} · {}", wait_text(wait))}</span>
                                })}
                                {(row.unread > 0).then(|| view! {
                                    <span class="inbox__unread" data-testid="agent-unread" aria-label=format!("{} unread", row.unread)>{row.unread}</span>
                                })}
                                <span class="inbox__preview">{row.preview.clone()}</span>
                            </button>
                        </li>
                    </For>
                </ul>
            </Show>
        </section>
    }
}

fn wait_text(seconds: u32) -> String {
    match seconds {
        0..60 => "under a minute".to_owned(),
        60..3600 => format!("{} min", seconds / 60),
        _ => format!("{} h", seconds / 3600),
    }
}

/// The archive: a search form and the threads found.
#[component]
fn Archive() -> impl IntoView {
    let handle = expect_context::<Handle>();
    let desk = handle.desk;
    let query = RwSignal::new(String::new());
    let agent = RwSignal::new(String::new());
    let group = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let rating = RwSignal::new(String::new());
    let tag = RwSignal::new(String::new());
    let search = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let mut filters = ArchiveFilters::default();
        let given = |value: String| Some(value.trim().to_owned()).filter(|value| !value.is_empty());
        if let Some(agent) = given(agent.get_untracked()) {
            filters.agents = Some(ValuesFilter { values: Some(vec![agent]), ..ValuesFilter::default() });
        }
        filters.group_ids = given(group.get_untracked()).and_then(|group| group.parse().ok()).map(|group| vec![group]);
        filters.from = given(from.get_untracked());
        filters.to = given(to.get_untracked());
        if let Some(tag) = given(tag.get_untracked()) {
            filters.tags = Some(ValuesFilter { values: Some(vec![tag]), ..ValuesFilter::default() });
        }
        if let Some(score) = given(rating.get_untracked()).and_then(|score| score.parse::<u8>().ok()) {
            let rated = json!({ "rating": { "score": { "values": [score] } } });
            filters.properties = serde_json::from_value(rated).ok();
        }
        handle.send(Intent::Search { query: query.get_untracked(), filters });
    };
    let bind = |signal: RwSignal<String>| move |event: leptos::ev::Event| signal.set(event_target_value(&event));
    let found = Memo::new(move |_| {
        desk.with(|desk| {
            desk.archive.found.iter().map(|chat| {
                let customer = chat.users.iter().find(|user| user.user.kind == protocol::UserType::Customer);
                let name = customer.and_then(|user| user.user.name.clone()).unwrap_or_else(|| "Visitor".to_owned());
                let thread = chat.thread.as_ref();
                let when = thread.and_then(|thread| thread.created_at.clone()).map(|at| at.chars().take(10).collect::<String>()).unwrap_or_default();
                let line = thread.and_then(|thread| thread.events.iter().find_map(|event| event.text().map(str::to_owned))).unwrap_or_default();
                (chat.id.clone(), thread.map(|thread| thread.id.clone()).unwrap_or_default(), name, when, line)
            }).collect::<Vec<_>>()
        })
    });
    view! {
        <form class="archive__form" role="search" on:submit=search data-testid="agent-archive-form">
            <label for="archive-query">"Search ended chats"</label>
            <input id="archive-query" type="search" data-testid="agent-archive-search" prop:value=query on:input=bind(query)/>
            <details class="archive__filters">
                <summary>"Filters"</summary>
                <label>"Agent"
                    <select on:change=bind(agent) data-testid="agent-archive-agent">
                        <option value="">"Any"</option>
                        {move || desk.with(|desk| desk.agents.iter().map(|agent| view! { <option value=agent.id.clone()>{agent.name.clone()}</option> }).collect_view())}
                    </select>
                </label>
                <label>"Group"
                    <select on:change=bind(group)>
                        <option value="">"Any"</option>
                        {move || desk.with(|desk| desk.groups.iter().map(|group| view! { <option value=group.id.to_string()>{group.name.clone()}</option> }).collect_view())}
                    </select>
                </label>
                <label>"From" <input type="date" on:change=bind(from)/></label>
                <label>"To" <input type="date" on:change=bind(to)/></label>
                <label>"Rating"
                    <select on:change=bind(rating)>
                        <option value="">"Any"</option>
                        <option value="1">"Good"</option>
                        <option value="0">"Bad"</option>
                    </select>
                </label>
                <label>"Tag" <input type="text" on:input=bind(tag) data-testid="agent-archive-tag"/></label>
            </details>
            <button type="submit">"Search"</button>
        </form>
        <p class="archive__total" role="status" data-testid="agent-archive-total">
            {move || desk.with(|desk| match (desk.archive.searching, desk.archive.total) {
                (true, _) => "Searching…".to_owned(),
                (false, 0) if desk.archive.query.is_empty() && desk.archive.found.is_empty() => String::new(),
                (false, 0) => "Nothing found.".to_owned(),
                (false, 1) => "1 chat found.".to_owned(),
                (false, total) => format!("{total} chats found."),
            })}
        </p>
        <ul class="inbox__list">
            <For each=move || found.get() key=|(_, thread, ..)| thread.clone() let:item>
                <li>
                    <button type="button" class="inbox__item" data-testid="agent-archive-item" data-thread-id=item.1.clone()
                        on:click={
                            let (chat_id, thread_id) = (item.0.clone(), item.1.clone());
                            move |_| handle.send(Intent::OpenThread { chat_id: chat_id.clone(), thread_id: thread_id.clone() })
                        }>
                        <span class="inbox__name">{item.2.clone()}</span>
                        <span class="inbox__wait">{item.3.clone()}</span>
                        <span class="inbox__preview">{item.4.clone()}</span>
                    </button>
                </li>
            </For>
        </ul>
        <Show when=move || desk.with(|desk| desk.archive.next_page.is_some())>
            <button type="button" class="archive__more" on:click=move |_| handle.send(Intent::SearchMore)>"More results"</button>
        </Show>
    }
}
