//! The composer's two dialogs: a card (or quick replies) to send, checked field by field
//! before it goes; and the license's canned responses, to add, change and remove. Each
//! takes focus when it opens, gives it back to its opener when it closes, and closes on
//! Escape.

use leptos::prelude::*;

use super::Handle;
use crate::card::{build, ButtonDraft, ButtonKind, CardDraft, CardField, MAX_BUTTONS};
use crate::session::Intent;

fn focus_test_id(test_id: &str) {
    super::focus(&format!("[data-testid={test_id}]"));
}

fn field_test_id(field: CardField) -> String {
    match field {
        CardField::Title => "agent-card-title".to_owned(),
        CardField::Image => "agent-card-image".to_owned(),
        CardField::ButtonText(index) => format!("agent-card-button-text-{index}"),
        CardField::ButtonValue(index) => format!("agent-card-button-value-{index}"),
        CardField::Buttons => "agent-card-add".to_owned(),
    }
}

/// The card dialog; `open` shows it, `opener` is the test id of what opened it.
#[component]
pub fn CardDialog(open: RwSignal<bool>, opener: &'static str) -> impl IntoView {
    let handle = expect_context::<Handle>();
    let draft = RwSignal::new(CardDraft { buttons: vec![ButtonDraft::default()], ..CardDraft::default() });
    let error = RwSignal::new(None::<(CardField, String)>);
    let close = move || {
        open.set(false);
        error.set(None);
        focus_test_id(opener);
    };
    Effect::new(move |_| {
        if open.get() {
            gloo_timers::callback::Timeout::new(0, || focus_test_id("agent-card-title")).forget();
        }
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let Some(chat_id) = handle.desk.with_untracked(|desk| desk.selected.clone()) else { return };
        let postback = format!("pb{:x}", (js_sys::Math::random() * 1e12) as u64);
        match draft.with_untracked(|draft| build(draft, &postback)) {
            Ok(card) => {
                handle.send(Intent::SendEvent { chat_id, event: card });
                draft.set(CardDraft { buttons: vec![ButtonDraft::default()], ..CardDraft::default() });
                close();
            }
            Err((field, message)) => {
                error.set(Some((field, message)));
                focus_test_id(&field_test_id(field));
            }
        }
    };
    let invalid = move |field: CardField| move || error.with(|error| error.as_ref().is_some_and(|(at, _)| *at == field)).then_some("true");
    let quick = Memo::new(move |_| draft.with(|draft| draft.quick_replies));
    let indexes = Memo::new(move |_| (0..draft.with(|draft| draft.buttons.len())).collect::<Vec<usize>>());
    view! {
        <Show when=move || open.get()>
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="card-title-heading" data-testid="agent-card-dialog"
                on:keydown=move |event: leptos::ev::KeyboardEvent| if event.key() == "Escape" { event.prevent_default(); close(); }>
            <form on:submit=submit>
                <h2 id="card-title-heading">"Send a card"</h2>
                <label>"Kind"
                    <select on:change=move |event| draft.update(|draft| draft.quick_replies = event_target_value(&event) == "quick")>
                        <option value="card">"Card"</option>
                        <option value="quick">"Quick replies"</option>
                    </select>
                </label>
                <label>"Title"
                    <input type="text" data-testid="agent-card-title" aria-invalid=invalid(CardField::Title) prop:value=move || draft.with(|draft| draft.title.clone())
                        on:input=move |event| draft.update(|draft| draft.title = event_target_value(&event))/>
                </label>
                <Show when=move || !quick.get()>
                    <label>"Subtitle"
                        <input type="text" prop:value=move || draft.with(|draft| draft.subtitle.clone())
                            on:input=move |event| draft.update(|draft| draft.subtitle = event_target_value(&event))/>
                    </label>
                    <label>"Image address (https://)"
                        <input type="url" data-testid="agent-card-image" aria-invalid=invalid(CardField::Image) prop:value=move || draft.with(|draft| draft.image.clone())
                            on:input=move |event| draft.update(|draft| draft.image = event_target_value(&event))/>
                    </label>
                </Show>
                <For each=move || indexes.get() key=|index| *index let:index>
                    <fieldset>
                        <legend>{format!("Button {}", index + 1)}</legend>
                        <Show when=move || !quick.get()>
                            <label>"Does"
                                <select on:change=move |event| draft.update(|draft| draft.buttons[index].kind = ButtonKind::parse(&event_target_value(&event)))>
                                    <option value="message">"Answers"</option>
                                    <option value="url">"Opens a link"</option>
                                    <option value="phone">"Calls"</option>
                                </select>
                            </label>
                        </Show>
                        <label>"Text"
                            <input type="text" data-testid=format!("agent-card-button-text-{index}") aria-invalid=invalid(CardField::ButtonText(index))
                                prop:value=move || draft.with(|draft| draft.buttons.get(index).map(|button| button.text.clone()).unwrap_or_default())
                                on:input=move |event| draft.update(|draft| draft.buttons[index].text = event_target_value(&event))/>
                        </label>
                        <label>"Answer, link or number (an answer defaults to the text)"
                            <input type="text" data-testid=format!("agent-card-button-value-{index}") aria-invalid=invalid(CardField::ButtonValue(index))
                                prop:value=move || draft.with(|draft| draft.buttons.get(index).map(|button| button.value.clone()).unwrap_or_default())
                                on:input=move |event| draft.update(|draft| draft.buttons[index].value = event_target_value(&event))/>
                        </label>
                    </fieldset>
                </For>
                <button type="button" data-testid="agent-card-add" disabled=move || draft.with(|draft| draft.buttons.len() >= MAX_BUTTONS)
                    on:click=move |_| draft.update(|draft| draft.buttons.push(ButtonDraft::default()))>"Add a button"</button>
                <p class="dialog__error" role="alert" data-testid="agent-card-error">{move || error.with(|error| error.as_ref().map(|(_, message)| message.clone()))}</p>
                <div class="dialog__actions">
                    <button type="button" on:click=move |_| close()>"Cancel"</button>
                    <button type="submit" data-testid="agent-card-submit">"Send card"</button>
                </div>
            </form>
            </div>
        </Show>
    }
}

/// The license's canned responses: each with its shortcuts, to change or remove, and a form
/// to add one.
#[component]
pub fn CannedDialog(open: RwSignal<bool>, opener: &'static str) -> impl IntoView {
    let handle = expect_context::<Handle>();
    let desk = handle.desk;
    let text = RwSignal::new(String::new());
    let shortcuts = RwSignal::new(String::new());
    let editing = RwSignal::new(None::<u64>);
    let close = move || {
        open.set(false);
        editing.set(None);
        focus_test_id(opener);
    };
    Effect::new(move |_| {
        if open.get() {
            gloo_timers::callback::Timeout::new(0, || focus_test_id("agent-canned-text")).forget();
        }
    });
    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let tags: Vec<String> = shortcuts.get_untracked().split([' ', ',']).map(|tag| tag.trim().trim_start_matches('#').to_owned()).filter(|tag| !tag.is_empty()).collect();
        let body = text.get_untracked();
        match editing.get_untracked() {
            Some(id) => handle.send(Intent::UpdateCanned { id, text: Some(body), tags: Some(tags) }),
            None => handle.send(Intent::CreateCanned { text: body, tags }),
        }
        text.set(String::new());
        shortcuts.set(String::new());
        editing.set(None);
    };
    let replies = Memo::new(move |_| desk.with(|desk| desk.canned.iter().map(|reply| (reply.id, reply.tags.join(" #"), reply.text.clone(), reply.tags.join(" "))).collect::<Vec<_>>()));
    view! {
        <Show when=move || open.get()>
            <div class="dialog canned-manager" role="dialog" aria-modal="true" aria-labelledby="canned-heading" data-testid="agent-canned-dialog"
                on:keydown=move |event: leptos::ev::KeyboardEvent| if event.key() == "Escape" { event.prevent_default(); close(); }>
                <h2 id="canned-heading">"Canned responses"</h2>
                <ul>
                    <For each=move || replies.get() key=|reply| reply.clone() let:reply>
                        <li data-testid="agent-canned-row">
                            <strong>"#"{reply.1.clone()}</strong>
                            <span>{reply.2.clone()}</span>
                            <button type="button" on:click={
                                let reply = reply.clone();
                                move |_| {
                                    editing.set(Some(reply.0));
                                    text.set(reply.2.clone());
                                    shortcuts.set(reply.3.clone());
                                    focus_test_id("agent-canned-text");
                                }
                            }>"Change"</button>
                            <button type="button" aria-label=format!("Delete #{}", reply.1) on:click=move |_| handle.send(Intent::DeleteCanned(reply.0))>"Delete"</button>
                        </li>
                    </For>
                </ul>
                <form on:submit=save>
                    <label>{move || if editing.with(Option::is_some) { "Change the reply" } else { "New reply" }}
                        <textarea data-testid="agent-canned-text" rows="3" required=true prop:value=move || text.get() on:input=move |event| text.set(event_target_value(&event))></textarea>
                    </label>
                    <label>"Shortcuts (words after #, separated by spaces)"
                        <input type="text" data-testid="agent-canned-shortcuts" required=true prop:value=move || shortcuts.get() on:input=move |event| shortcuts.set(event_target_value(&event))/>
                    </label>
                    <div class="dialog__actions">
                        <button type="button" on:click=move |_| close()>"Close"</button>
                        <button type="submit" data-testid="agent-canned-save">"Save"</button>
                    </div>
                </form>
            </div>
        </Show>
    }
}
