//! DOM tests in a real headless Chromium (wasm-bindgen-test): the views over a pre-seeded
//! store, with the command channel captured instead of a socket.

#![cfg(target_arch = "wasm32")]

use chat_widget::chat::{ChatHandle, Command};
use chat_widget::store::ChatState;
use futures::channel::mpsc;
use leptos::prelude::*;
use protocol::ServerFrame;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlTextAreaElement};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// Mounts the widget into a fresh element; returns it, the handle and the command receiver.
fn mount() -> (Element, ChatHandle, mpsc::UnboundedReceiver<Command>) {
    let host = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&host).unwrap();
    let (sender, receiver) = mpsc::unbounded();
    let state = RwSignal::new(ChatState::default());
    let chat = ChatHandle::new(state, sender, "test".to_owned());
    let mounted = leptos::mount::mount_to(host.clone().unchecked_into(), move || {
        chat_widget::widget_view(chat, "Chat with Acme".to_owned(), true)
    });
    mounted.forget();
    (host, chat, receiver)
}

fn query(root: &Element, selector: &str) -> Option<Element> {
    root.query_selector(selector).unwrap()
}

fn query_all(root: &Element, selector: &str) -> Vec<Element> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length()).map(|index| list.get(index).unwrap().unchecked_into()).collect()
}

#[wasm_bindgen_test]
async fn the_window_is_a_labelled_dialog_with_a_polite_log() {
    let (root, _chat, _commands) = mount();
    let dialog = query(&root, "[role=dialog]").expect("a dialog");
    let title_id = dialog.get_attribute("aria-labelledby").unwrap();
    let title = document().get_element_by_id(&title_id).unwrap();
    assert_eq!(title.text_content().unwrap(), "Chat with Acme");
    let log = query(&root, "[data-testid=cw-messages]").unwrap();
    assert_eq!(log.get_attribute("role").as_deref(), Some("log"));
    assert_eq!(log.get_attribute("aria-live").as_deref(), Some("polite"));
    assert!(query(&root, "label[for=cw-input]").is_some(), "the composer has a label");
    assert_eq!(query(&root, "[data-testid=cw-minimize]").unwrap().get_attribute("aria-label").as_deref(), Some("Minimize chat"));
}

#[wasm_bindgen_test]
async fn sending_shows_the_message_at_once_and_asks_the_connection_to_flush() {
    let (root, chat, mut commands) = mount();
    let input: HtmlTextAreaElement = query(&root, "[data-testid=cw-composer-input]").unwrap().unchecked_into();
    input.set_value("  hello there  ");
    input.dispatch_event(&web_sys::Event::new("input").unwrap()).unwrap();
    leptos::task::tick().await;
    let send: HtmlElement = query(&root, "[data-testid=cw-send]").unwrap().unchecked_into();
    send.click();
    leptos::task::tick().await;
    leptos::task::tick().await;

    let rows = query_all(&root, "[data-testid=cw-message]");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get_attribute("data-author").as_deref(), Some("visitor"));
    assert_eq!(rows[0].get_attribute("data-delivery").as_deref(), Some("sending"));
    assert_eq!(query(&rows[0], ".cw-message__text").unwrap().text_content().unwrap(), "hello there");
    assert_eq!(input.value(), "", "the composer is cleared");
    assert_eq!(commands.try_recv().ok(), Some(Command::Connect));
    assert_eq!(commands.try_recv().ok(), Some(Command::Flush));
    assert_eq!(chat.state.with_untracked(|state| state.outbox().count()), 1);
}

#[wasm_bindgen_test]
async fn remote_text_is_rendered_as_text_never_as_markup() {
    let (root, chat, _commands) = mount();
    let hostile = r#"<img src=x onerror="window.pwned=1"><b>bold</b>"#;
    let frame = serde_json::json!({ "action": "incoming_event", "type": "push", "payload": {
        "chat_id": "C1", "thread_id": "T1",
        "event": { "id": "T1_1", "type": "message", "author_id": "agent-1", "text": hostile,
                   "created_at": "2026-01-01T10:00:00.000000Z" } } });
    chat.state.update(|state| state.apply(&ServerFrame::decode(&frame.to_string()).unwrap()));
    leptos::task::tick().await;

    let row = query(&root, "[data-testid=cw-message][data-author=agent]").expect("the agent's message");
    assert_eq!(query(&row, ".cw-message__text").unwrap().text_content().unwrap(), hostile);
    assert!(query(&row, "img").is_none() && query(&row, "b").is_none(), "markup was interpreted");
    assert_eq!(query(&row, ".cw-message__author").unwrap().text_content().unwrap(), "Agent");
}

#[wasm_bindgen_test]
async fn a_too_long_message_is_refused_with_an_explanation() {
    let (root, chat, _commands) = mount();
    let input: HtmlTextAreaElement = query(&root, "[data-testid=cw-composer-input]").unwrap().unchecked_into();
    input.set_value(&"x".repeat(16 * 1024 + 1));
    input.dispatch_event(&web_sys::Event::new("input").unwrap()).unwrap();
    leptos::task::tick().await;
    let send: HtmlElement = query(&root, "[data-testid=cw-send]").unwrap().unchecked_into();
    send.click();
    leptos::task::tick().await;
    let error = query(&root, ".cw-composer__error").unwrap().text_content().unwrap();
    assert!(error.contains("too long"), "{error}");
    assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert_eq!(chat.state.with_untracked(|state| state.messages.len()), 0, "nothing was queued");
    assert_eq!(input.value().len(), 16 * 1024 + 1, "the draft is kept");
}
