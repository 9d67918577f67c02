//! The right column: who the visitor is (name, e-mail, the pages they moved through, what
//! the site said about them, their visits and earlier chats), and what the agent can do
//! with the chat: join or leave, transfer it to an agent or a group listed live with their
//! status and load, tag it, end it, ban the visitor.

use leptos::prelude::*;
use protocol::TransferTo;

use super::Handle;
use crate::desk::{ChatEntry, Section};
use crate::session::Intent;

/// The visitor and the chat's actions.
#[component]
pub fn VisitorPanel() -> impl IntoView {
    let handle = expect_context::<Handle>();
    let desk = handle.desk;
    view! {
        <aside class="panel" aria-label="Visitor" data-testid="agent-visitor-panel">
            <Show when=move || desk.with(|desk| desk.current().is_some())>
                <Visitor/>
                <Actions/>
            </Show>
        </aside>
    }
}

/// A link for an `http(s)` address; anything else (a `javascript:` address a visitor made
/// up, a local file) is shown as text, never as a link.
fn web_link(url: String, title: Option<String>) -> AnyView {
    let label = title.unwrap_or_else(|| url.clone());
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        view! { <a href=url.clone() title=url target="_blank" rel="noopener noreferrer nofollow">{label}</a> }.into_any()
    } else {
        view! { <span title=url>{label}</span> }.into_any()
    }
}

#[component]
fn Visitor() -> impl IntoView {
    let handle = expect_context::<Handle>();
    let desk = handle.desk;
    let chat = Memo::new(move |_| desk.with(|desk| desk.current().cloned()));
    let field = move |read: fn(&ChatEntry) -> Option<String>| move || chat.with(|chat| chat.as_ref().and_then(read));
    let pages = Memo::new(move |_| {
        chat.with(|chat| {
            let Some(chat) = chat else { return Vec::new() };
            match &chat.visitor {
                Some(visitor) => visitor.last_visit.last_pages.iter().rev().filter_map(|page| Some((page.url.clone()?, page.title.clone()))).collect(),
                None => chat.page.iter().cloned().collect(),
            }
        })
    });
    let numbered_pages = Memo::new(move |_| pages.get().into_iter().enumerate().collect::<Vec<_>>());
    let session_fields = Memo::new(move |_| {
        chat.with(|chat| {
            let fields = chat.as_ref().and_then(|chat| chat.visitor.as_ref()).map(|visitor| visitor.customer.session_fields.clone()).unwrap_or_default();
            fields.into_iter().flat_map(|field| field.into_iter()).collect::<Vec<_>>()
        })
    });
    let earlier = Memo::new(move |_| {
        chat.with(|chat| {
            let threads = chat.as_ref().map(|chat| chat.earlier.iter().rev().collect::<Vec<_>>()).unwrap_or_default();
            threads.into_iter().map(|thread| (thread.id.clone(), thread.created_at.clone().unwrap_or_default().chars().take(10).collect::<String>())).collect::<Vec<_>>()
        })
    });
    view! {
        <section class="panel__visitor">
            <h2>{field(|chat| Some(chat.visitor_name()))}</h2>
            <dl>
                <dt>"E-mail"</dt>
                <dd data-testid="agent-visitor-email">{move || field(|chat| chat.customer.as_ref()?.email.clone())().unwrap_or_else(|| "—".to_owned())}</dd>
                <dt>"Visits"</dt>
                <dd>{move || field(|chat| chat.visitor.as_ref().map(|visitor| visitor.customer.statistics.visits_count.to_string()))().unwrap_or_else(|| "—".to_owned())}</dd>
                <dt>"Chats"</dt>
                <dd>{move || field(|chat| chat.visitor.as_ref().map(|visitor| visitor.customer.statistics.threads_count.to_string()))().unwrap_or_else(|| "—".to_owned())}</dd>
                <Show when=move || chat.with(|chat| chat.as_ref().is_some_and(|chat| chat.verification.is_some()))>
                    <dt>"The site says"</dt>
                    <dd data-testid="agent-verification">{move || field(|chat| chat.verification.as_ref().map(|verification| verification.text.clone()))().unwrap_or_default()}</dd>
                </Show>
                <For each=move || session_fields.get() key=|(key, value)| format!("{key}={value}") let:item>
                    <dt>{item.0.clone()}</dt>
                    <dd>{item.1.clone()}</dd>
                </For>
            </dl>
            <h3>"Pages, newest first"</h3>
            <ol class="panel__pages" data-testid="agent-visitor-pages">
                <For each=move || numbered_pages.get() key=|(index, (url, _))| format!("{index}:{url}") let:page>
                    <li>{web_link(page.1.0.clone(), page.1.1.clone())}</li>
                </For>
            </ol>
            <Show when=move || earlier.with(|earlier| !earlier.is_empty())>
                <h3>"Earlier chats"</h3>
                <ul class="panel__earlier">
                    <For each=move || earlier.get() key=|(id, _)| id.clone() let:thread>
                        <li><a href=format!("#thread-{}", thread.0) data-testid="agent-earlier-chat">{thread.1.clone()}</a></li>
                    </For>
                </ul>
            </Show>
        </section>
    }
}

#[component]
fn Actions() -> impl IntoView {
    let handle = expect_context::<Handle>();
    let desk = handle.desk;
    let chat_id = Memo::new(move |_| desk.with(|desk| desk.selected.clone().unwrap_or_default()));
    let section = Memo::new(move |_| desk.with(|desk| desk.current().and_then(|chat| desk.section_of(chat))));
    let tags = Memo::new(move |_| desk.with(|desk| desk.current().map(|chat| chat.tags.clone()).unwrap_or_default()));
    let targets = Memo::new(move |_| {
        desk.with(|desk| {
            let me = desk.me.clone().unwrap_or_default();
            let agents = desk.agents.iter().filter(|agent| agent.id != me).map(|agent| {
                let load = match (agent.active_chats, agent.max_chats) {
                    (Some(active), Some(max)) => format!(", {active} of {max} chats"),
                    _ => String::new(),
                };
                let status = match agent.routing_status.as_str() {
                    "accepting_chats" => "accepting",
                    "not_accepting_chats" => "not accepting",
                    _ => "offline",
                };
                (format!("agent:{}", agent.id), format!("{} ({status}{load})", agent.name))
            });
            let groups = desk.groups.iter().map(|group| (format!("group:{}", group.id), format!("Group: {}", group.name)));
            agents.chain(groups).collect::<Vec<_>>()
        })
    });
    let target = RwSignal::new(String::new());
    let new_tag = RwSignal::new(String::new());
    let confirm_ban = RwSignal::new(false);
    let transfer = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let chosen = target.get_untracked();
        let to = match chosen.split_once(':') {
            Some(("agent", id)) => TransferTo::Agent(vec![id.to_owned()]),
            Some(("group", id)) => match id.parse() {
                Ok(group) => TransferTo::Group(vec![group]),
                Err(_) => return,
            },
            _ => return,
        };
        handle.send(Intent::Transfer { chat_id: chat_id.get_untracked(), to });
    };
    let tag = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let value = new_tag.get_untracked().trim().to_owned();
        if !value.is_empty() {
            handle.send(Intent::Tag { chat_id: chat_id.get_untracked(), tag: value, add: true });
            new_tag.set(String::new());
        }
    };
    let invitation = RwSignal::new(String::new());
    let invite = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let text = invitation.get_untracked();
        if !text.trim().is_empty() {
            handle.send(Intent::Invite { chat_id: chat_id.get_untracked(), text });
            invitation.set(String::new());
        }
    };
    view! {
        <section class="panel__actions" aria-label="Chat actions">
            <div class="panel__buttons">
                <Show when=move || matches!(section.get(), Some(Section::Others | Section::Queue))>
                    <button type="button" data-testid="agent-join" on:click=move |_| handle.send(Intent::Join(chat_id.get_untracked()))>"Join chat"</button>
                </Show>
                <Show when=move || section.get() == Some(Section::Mine)>
                    <button type="button" data-testid="agent-leave" on:click=move |_| handle.send(Intent::Leave(chat_id.get_untracked()))>"Leave chat"</button>
                </Show>
                <Show when=move || section.get().is_some()>
                    <button type="button" data-testid="agent-end-chat" on:click=move |_| handle.send(Intent::End(chat_id.get_untracked()))>"End chat"</button>
                </Show>
                <button type="button" data-testid="agent-ban" on:click=move |_| confirm_ban.set(true)>"Ban visitor"</button>
            </div>
            <Show when=move || confirm_ban.get()>
                <div class="panel__confirm" role="alertdialog" aria-labelledby="ban-question" data-testid="agent-ban-dialog">
                    <p id="ban-question">"Ban this visitor? They are disconnected and cannot chat again."</p>
                    <button type="button" data-testid="agent-ban-confirm" on:click=move |_| {
                        handle.send(Intent::Ban(chat_id.get_untracked()));
                        confirm_ban.set(false);
                    }>"Ban"</button>
                    <button type="button" on:click=move |_| confirm_ban.set(false)>"Cancel"</button>
                </div>
            </Show>
            <Show when=move || section.get().is_some()>
                <form class="panel__transfer" on:submit=transfer>
                    <label for="transfer-target">"Transfer to"</label>
                    <select id="transfer-target" data-testid="agent-transfer-target" on:change=move |event| target.set(event_target_value(&event))>
                        <option value="">"Choose…"</option>
                        <For each=move || targets.get() key=|(value, label)| format!("{value}{label}") let:item>
                            <option value=item.0.clone()>{item.1.clone()}</option>
                        </For>
                    </select>
                    <button type="submit" data-testid="agent-transfer">"Transfer"</button>
                </form>
            </Show>
            <Show when=move || section.get().is_none()>
                <form class="panel__invite" on:submit=invite>
                    <label for="invite-text">"Invite the visitor back"</label>
                    <input id="invite-text" type="text" data-testid="agent-invite-text" maxlength="500" prop:value=move || invitation.get()
                        on:input=move |event| invitation.set(event_target_value(&event))/>
                    <button type="submit" data-testid="agent-invite">"Invite"</button>
                </form>
            </Show>
            <form class="panel__tags" on:submit=tag>
                <label for="new-tag">"Tags"</label>
                <ul class="panel__tag-list" data-testid="agent-tags">
                    <For each=move || tags.get() key=|tag| tag.clone() let:tag>
                        <li class="tag">{tag.clone()}
                            <button type="button" aria-label=format!("Remove tag {tag}") on:click={
                                let tag = tag.clone();
                                move |_| handle.send(Intent::Tag { chat_id: chat_id.get_untracked(), tag: tag.clone(), add: false })
                            }>"×"</button>
                        </li>
                    </For>
                </ul>
                <input id="new-tag" type="text" data-testid="agent-tag-input" maxlength="50" prop:value=move || new_tag.get()
                    on:input=move |event| new_tag.set(event_target_value(&event))/>
                <button type="submit">"Add tag"</button>
            </form>
        </section>
    }
}
