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
    let options = serde_json::json!({ "account": 1, "title": "Chat with Acme", "lang": "en" });
    let config = chat_widget::config::WidgetConfig::from_options(&options, "http://127.0.0.1").unwrap();
    let mounted = leptos::mount::mount_to(host.clone().unchecked_into(), move || {
        chat_widget::widget_view(chat, config.clone(), true)
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

#[wasm_bindgen_test]
async fn web_addresses_in_messages_become_safe_links_and_other_schemes_stay_text() {
    let (root, chat, _commands) = mount();
    let text = "Sizes: https://shop.example/sizes. Not this: javascript:alert(1)";
    let frame = serde_json::json!({ "action": "incoming_event", "type": "push", "payload": {
        "chat_id": "C1", "thread_id": "T1",
        "event": { "id": "T1_2", "type": "message", "author_id": "agent-1", "text": text,
                   "created_at": "2026-01-01T10:00:00.000000Z" } } });
    chat.state.update(|state| state.apply(&ServerFrame::decode(&frame.to_string()).unwrap()));
    leptos::task::tick().await;

    let row = query(&root, "[data-testid=cw-message][data-author=agent]").unwrap();
    let links = query_all(&row, "a");
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].get_attribute("href").as_deref(), Some("https://shop.example/sizes"));
    assert_eq!(links[0].get_attribute("target").as_deref(), Some("_blank"));
    assert!(links[0].get_attribute("rel").unwrap().contains("noopener"));
    assert_eq!(query(&row, ".cw-message__text").unwrap().text_content().unwrap(), text);
    assert!(query(&root, "[data-testid=cw-day]").is_some(), "a day separator precedes the first message");
    assert_eq!(query(&row, "time").unwrap().get_attribute("datetime").as_deref(), Some("2026-01-01T10:00:00.000000Z"));
}

fn push_event(chat: &ChatHandle, event: serde_json::Value) {
    let frame = serde_json::json!({ "action": "incoming_event", "type": "push", "payload": {
        "chat_id": "C1", "thread_id": "T1", "event": event } });
    chat.state.update(|state| state.apply(&ServerFrame::decode(&frame.to_string()).unwrap()));
}

#[wasm_bindgen_test]
async fn cards_render_every_button_type_and_refuse_dangerous_addresses() {
    let (root, chat, _commands) = mount();
    push_event(&chat, serde_json::json!({
        "id": "T1_3", "type": "rich_message", "author_id": "agent-1", "template_id": "cards",
        "created_at": "2026-01-01T10:00:01.000000Z",
        "elements": [{
            "title": "Need a tent?", "subtitle": "Two sizes",
            "image": { "url": "https://cdn.example/tent.png", "alternative_text": "A green tent" },
            "buttons": [
                { "text": "Yes", "type": "message", "value": "Yes", "postback_id": "yes" },
                { "text": "Shop", "type": "url", "value": "https://shop.example/tents" },
                { "text": "Call", "type": "phone", "value": "+48 600 700 800" },
                { "text": "Guide", "type": "webview", "value": "https://shop.example/guide", "webview_height": "tall" },
                { "text": "No", "type": "cancel", "postback_id": "no" },
                { "text": "Evil", "type": "url", "value": "javascript:alert(1)" }
            ]
        }]
    }));
    leptos::task::tick().await;

    let row = query(&root, "[data-testid=cw-message][data-kind=rich]").expect("the card's row");
    assert_eq!(query(&row, ".cw-rich__title").unwrap().text_content().unwrap(), "Need a tent?");
    assert_eq!(query(&row, "img").unwrap().get_attribute("alt").as_deref(), Some("A green tent"));
    let kinds: Vec<String> =
        query_all(&row, "[data-kind]").iter().map(|button| button.get_attribute("data-kind").unwrap()).collect();
    assert_eq!(kinds, ["message", "url", "phone", "webview", "cancel", "unsupported"]);
    let url = query(&row, "a[data-kind=url]").unwrap();
    assert_eq!(url.get_attribute("href").as_deref(), Some("https://shop.example/tents"));
    assert_eq!(query(&row, "a[data-kind=phone]").unwrap().get_attribute("href").as_deref(), Some("tel:+48600700800"));
    let evil = query(&row, "[data-kind=unsupported]").unwrap();
    assert!(evil.get_attribute("href").is_none() && evil.has_attribute("disabled"), "javascript: never becomes a link");

    // A webview opens inside the window, sandboxed; closing it removes it.
    let webview: HtmlElement = query(&row, "[data-kind=webview]").unwrap().unchecked_into();
    webview.click();
    leptos::task::tick().await;
    let frame = query(&root, "[data-testid=cw-webview] iframe").expect("the webview");
    assert_eq!(frame.get_attribute("src").as_deref(), Some("https://shop.example/guide"));
    assert!(frame.get_attribute("sandbox").unwrap().contains("allow-scripts"));
    let close: HtmlElement = query(&root, "[data-testid=cw-webview-close]").unwrap().unchecked_into();
    close.click();
    leptos::task::tick().await;
    assert!(query(&root, "[data-testid=cw-webview]").is_none());

    // Cancel dismisses the buttons.
    let cancel: HtmlElement = query(&row, "[data-kind=cancel]").unwrap().unchecked_into();
    cancel.click();
    leptos::task::tick().await;
    assert!(query(&row, ".cw-rich__buttons").unwrap().has_attribute("hidden"));
}

#[wasm_bindgen_test]
async fn a_webview_on_the_widgets_own_origin_never_gets_same_origin_however_it_is_spelt() {
    let (root, chat, _commands) = mount();
    let location = web_sys::window().unwrap().location();
    let (port, own) = (location.port().unwrap(), location.origin().unwrap());
    assert!(own.starts_with("http://127.0.0.1:"), "the test page's origin: {own}");
    let spellings = [
        format!("{own}/page"),
        format!("HTTP://127.0.0.1:{port}/page"),
        format!("http://127.0.0.1.:{port}/page"),
        format!("http://2130706433:{port}/page"),
        format!("http://0x7f.0.0.1:0{port}/page"),
    ];
    for (index, url) in spellings.iter().enumerate() {
        push_event(&chat, serde_json::json!({
            "id": format!("T1_{}", 10 + index), "type": "rich_message", "author_id": "agent-1", "template_id": "cards",
            "created_at": format!("2026-01-01T10:00:{:02}.000000Z", 10 + index),
            "elements": [{ "title": "Look", "buttons": [{ "text": "Open", "type": "webview", "value": url }] }]
        }));
        leptos::task::tick().await;
        let rows = query_all(&root, "[data-testid=cw-message][data-kind=rich]");
        let button: HtmlElement = query(rows.last().unwrap(), "[data-kind=webview]").unwrap().unchecked_into();
        button.click();
        leptos::task::tick().await;
        let frame = query(&root, "[data-testid=cw-webview] iframe").expect("the webview");
        let sandbox = frame.get_attribute("sandbox").unwrap();
        assert!(!sandbox.contains("allow-same-origin"), "{url} is the widget's own origin: {sandbox}");
        let close: HtmlElement = query(&root, "[data-testid=cw-webview-close]").unwrap().unchecked_into();
        close.click();
        leptos::task::tick().await;
    }
}

#[wasm_bindgen_test]
async fn files_and_filled_forms_have_their_own_rows() {
    let (root, chat, _commands) = mount();
    push_event(&chat, serde_json::json!({
        "id": "T1_4", "type": "file", "author_id": "agent-1", "created_at": "2026-01-01T10:00:02.000000Z",
        "url": "/uploads/abc/receipt.pdf", "name": "receipt.pdf", "content_type": "application/pdf", "size": 48213 }));
    push_event(&chat, serde_json::json!({
        "id": "T1_5", "type": "file", "author_id": "agent-1", "created_at": "2026-01-01T10:00:03.000000Z",
        "url": "https://cdn.example/tent.png", "name": "tent.png", "content_type": "image/png", "width": 640, "height": 480 }));
    push_event(&chat, serde_json::json!({
        "id": "T1_6", "type": "filled_form", "author_id": "customer-1", "created_at": "2026-01-01T10:00:04.000000Z",
        "form_id": "pre", "fields": [
            { "type": "name", "id": "n", "label": "Name", "answer": "Dana" },
            { "type": "checkbox", "id": "c", "label": "News", "answers": [{ "id": "x", "label": "Sales" }, { "id": "y", "label": "Trips" }] }
        ] }));
    leptos::task::tick().await;

    let file = query(&root, "[data-testid=cw-file]").expect("a download link");
    assert_eq!(file.get_attribute("href").as_deref(), Some("/uploads/abc/receipt.pdf"));
    assert_eq!(file.get_attribute("aria-label").as_deref(), Some("Download receipt.pdf (47.1 KB)"));

    let image: HtmlElement = query(&root, "[data-testid=cw-image]").expect("a thumbnail").unchecked_into();
    image.click();
    leptos::task::tick().await;
    let viewer = query(&root, "[data-testid=cw-viewer]").expect("the image viewer");
    assert_eq!(viewer.get_attribute("aria-modal").as_deref(), Some("true"));
    assert_eq!(query(&viewer, "img").unwrap().get_attribute("src").as_deref(), Some("https://cdn.example/tent.png"));
    let close: HtmlElement = query(&root, "[data-testid=cw-viewer-close]").unwrap().unchecked_into();
    close.click();
    leptos::task::tick().await;
    assert!(query(&root, "[data-testid=cw-viewer]").is_none());

    let form = query(&root, "[data-testid=cw-filled-form]").expect("the form summary");
    assert_eq!(form.text_content().unwrap(), "NameDanaNewsSales, Trips");
}

/// Applies a frame as the connection does: the state's readers are told only if it wrote.
fn apply(chat: &ChatHandle, frame: serde_json::Value) {
    let frame = ServerFrame::decode(&frame.to_string()).unwrap();
    chat.state.try_maybe_update(|state| state.tracked(|state| state.apply(&frame)));
}

/// Counts the runs of an effect that reads `read`: its first run, then one per change.
fn runs(read: impl Fn() + Send + Sync + 'static) -> std::sync::Arc<std::sync::atomic::AtomicU32> {
    let count = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let counter = count.clone();
    Effect::new(move |_| {
        read();
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    });
    count
}

/// Records every change under `target` (rows added or removed, text, attributes).
struct Watch {
    observer: web_sys::MutationObserver,
    seen: std::rc::Rc<std::cell::RefCell<Vec<web_sys::MutationRecord>>>,
    _callback: wasm_bindgen::closure::Closure<dyn FnMut(js_sys::Array)>,
}

impl Watch {
    fn new(target: &Element) -> Watch {
        let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let sink = seen.clone();
        let callback = wasm_bindgen::closure::Closure::<dyn FnMut(js_sys::Array)>::new(move |records: js_sys::Array| {
            sink.borrow_mut().extend(records.iter().map(|record| record.unchecked_into::<web_sys::MutationRecord>()));
        });
        let observer = web_sys::MutationObserver::new(callback.as_ref().unchecked_ref()).unwrap();
        let options = web_sys::MutationObserverInit::new();
        options.set_subtree(true);
        options.set_child_list(true);
        options.set_character_data(true);
        options.set_attributes(true);
        observer.observe_with_options(target, &options).unwrap();
        Watch { observer, seen, _callback: callback }
    }

    /// Everything recorded since the last call, delivered or still pending.
    fn take(&self) -> Vec<web_sys::MutationRecord> {
        let pending = self.observer.take_records();
        let mut seen = std::mem::take(&mut *self.seen.borrow_mut());
        seen.extend(pending.iter().map(|record| record.unchecked_into::<web_sys::MutationRecord>()));
        seen
    }
}

#[wasm_bindgen_test]
async fn a_long_transcript_renders_its_last_page_pushes_leave_it_untouched_and_rows_only_join() {
    let (root, chat, _commands) = mount();
    apply(&chat, serde_json::json!({ "request_id": "1", "action": "login", "type": "response", "success": true, "payload": {
        "customer": { "id": "customer-1", "statistics": {} }, "has_active_thread": true, "chats": [{ "chat_id": "C1" }],
        "__priv_dynamic_config": { "online_groups_ids": [0] } } }));
    for n in 0..300 {
        let author = if n % 2 == 0 { "agent-1" } else { "customer-1" };
        push_event(&chat, serde_json::json!({ "id": format!("T1_{n}"), "type": "message", "author_id": author,
            "created_at": format!("2026-01-01T10:{:02}:{:02}.000000Z", n / 60, n % 60), "text": format!("message {n}") }));
    }
    leptos::task::tick().await;
    leptos::task::tick().await;
    let list = query(&root, ".cw-messages__list").unwrap();
    // A long transcript renders its latest rows; the rest waits above.
    assert_eq!(query_all(&list, "[data-testid=cw-message]").len(), 60);
    let earlier = query(&root, "[data-testid=cw-show-earlier]").expect("a way to the earlier messages");
    assert_eq!(earlier.text_content().unwrap(), "Show 240 earlier messages");

    let watch = Watch::new(&list);
    // Re-runs: of anything that reads the whole state, and of anything that reads the
    // transcript (as the message list does).
    let state_runs = runs(move || chat.state.track());
    let transcript = Memo::new(move |_| chat.state.with(|state| state.messages.clone()));
    let transcript_runs = runs(move || transcript.track());
    leptos::task::tick().await;
    let count = |runs: &std::sync::atomic::AtomicU32| runs.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!((count(&state_runs), count(&transcript_runs)), (1, 1));
    apply(&chat, serde_json::json!({ "request_id": "2", "action": "ping", "type": "response", "success": true, "payload": {} }));
    leptos::task::tick().await;
    assert_eq!(count(&state_runs), 1, "a ping's answer notified the state's readers");
    // What arrives all the time and shows elsewhere (or nowhere): a ping's answer, an agent
    // starting and stopping to type, a group going offline and back.
    apply(&chat, serde_json::json!({ "request_id": "2", "action": "ping", "type": "response", "success": true, "payload": {} }));
    apply(&chat, serde_json::json!({ "action": "incoming_typing_indicator", "type": "push", "payload": {
        "chat_id": "C1", "thread_id": "T1", "typing_indicator": { "author_id": "agent-1", "is_typing": true } } }));
    leptos::task::tick().await;
    apply(&chat, serde_json::json!({ "action": "incoming_typing_indicator", "type": "push", "payload": {
        "chat_id": "C1", "thread_id": "T1", "typing_indicator": { "author_id": "agent-1", "is_typing": false } } }));
    apply(&chat, serde_json::json!({ "action": "groups_status_updated", "type": "push", "payload": {
        "groups": [{ "id": 0, "status": "offline" }] } }));
    apply(&chat, serde_json::json!({ "action": "groups_status_updated", "type": "push", "payload": {
        "groups": [{ "id": 0, "status": "online" }] } }));
    leptos::task::tick().await;
    leptos::task::tick().await;
    assert_eq!(watch.take().len(), 0, "the transcript changed for pushes that do not touch it");
    assert!(count(&state_runs) > 1, "typing and availability are news to the state's readers");
    assert_eq!(count(&transcript_runs), 1, "the transcript's readers re-ran for pushes that do not touch it");

    // A new message: one row more, and no other row rebuilt.
    push_event(&chat, serde_json::json!({ "id": "T1_300", "type": "message", "author_id": "agent-1",
        "created_at": "2026-01-01T10:05:00.000000Z", "text": "message 300" }));
    leptos::task::tick().await;
    leptos::task::tick().await;
    let records = watch.take();
    let rows_added = records
        .iter()
        .flat_map(|record| { let nodes = record.added_nodes(); (0..nodes.length()).filter_map(move |index| nodes.get(index)) })
        .filter(|node| node.dyn_ref::<Element>().is_some_and(|element| element.get_attribute("data-testid").as_deref() == Some("cw-message")))
        .count();
    let removed: u32 = records.iter().map(|record| record.removed_nodes().length()).sum();
    assert!(!records.is_empty(), "the observer saw the new row");
    assert_eq!(query_all(&list, "[data-testid=cw-message]").len(), 61);
    assert_eq!(rows_added, 1, "exactly the new row is added");
    assert_eq!(removed, 0, "no row was taken out to be rebuilt");

    // Earlier messages join above, a page at a time, and the rows already there are the
    // same elements (the list may move them, never rebuilds them).
    let before = query_all(&list, "[data-testid=cw-message]");
    let earlier: HtmlElement = query(&root, "[data-testid=cw-show-earlier]").unwrap().unchecked_into();
    earlier.click();
    leptos::task::tick().await;
    leptos::task::tick().await;
    let after = query_all(&list, "[data-testid=cw-message]");
    assert_eq!(after.len(), 121);
    assert!(after[60..].iter().zip(&before).all(|(now, was)| now == was), "revealing rebuilt rows");
    for _ in 0..4 {
        if let Some(button) = query(&root, "[data-testid=cw-show-earlier]") {
            button.unchecked_into::<HtmlElement>().click();
            leptos::task::tick().await;
            leptos::task::tick().await;
        }
    }
    let rows = query_all(&list, "[data-testid=cw-message]");
    assert_eq!(rows.len(), 301, "every message is reachable");
    assert!(query(&root, "[data-testid=cw-show-earlier]").is_none());
    assert_eq!(query(&rows[0], ".cw-message__text").unwrap().text_content().unwrap(), "message 0");
    watch.observer.disconnect();
}

#[wasm_bindgen_test]
async fn the_search_finds_messages_above_the_rendered_rows_and_brings_each_into_view() {
    let (root, chat, _commands) = mount();
    assert!(query(&root, "[data-testid=cw-search-input]").is_none(), "a short transcript needs no search");
    for n in 0..300 {
        push_event(&chat, serde_json::json!({ "id": format!("T1_{n}"), "type": "message", "author_id": "agent-1",
            "created_at": format!("2026-01-01T10:{:02}:{:02}.000000Z", n / 60, n % 60), "text": format!("Message {n}") }));
    }
    leptos::task::tick().await;
    let input: web_sys::HtmlInputElement = query(&root, "[data-testid=cw-search-input]").expect("a search field").unchecked_into();
    input.set_value("message 12");
    input.dispatch_event(&web_sys::Event::new("input").unwrap()).unwrap();
    let frame = || async {
        leptos::task::tick().await;
        let (done, wait) = futures::channel::oneshot::channel::<()>();
        let mut done = Some(done);
        let callback = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
            let _ = done.take().map(|done| done.send(()));
        });
        web_sys::window().unwrap().request_animation_frame(callback.as_ref().unchecked_ref()).unwrap();
        let _ = wait.await;
        leptos::task::tick().await;
    };
    frame().await;
    frame().await;
    // "Message 12" and "Message 120" to "Message 129": eleven, the newest first.
    assert_eq!(query(&root, "[data-testid=cw-search-count]").unwrap().text_content().unwrap(), "1 of 11");
    let found = query(&root, "[data-found]").expect("the match is marked");
    assert_eq!(query(&found, ".cw-message__text").unwrap().text_content().unwrap(), "Message 129");
    // Older matches, one by one, down to the oldest.
    let previous: HtmlElement = query(&root, "[data-testid=cw-search-previous]").unwrap().unchecked_into();
    for _ in 0..10 {
        previous.click();
        frame().await;
    }
    assert_eq!(query(&root, "[data-testid=cw-search-count]").unwrap().text_content().unwrap(), "11 of 11");
    let found = query(&root, "[data-found]").expect("the oldest match is marked");
    assert_eq!(query(&found, ".cw-message__text").unwrap().text_content().unwrap(), "Message 12");
    assert_eq!(query_all(&root, "[data-found]").len(), 1, "one match marked at a time");

    input.set_value("kayak");
    input.dispatch_event(&web_sys::Event::new("input").unwrap()).unwrap();
    leptos::task::tick().await;
    assert_eq!(query(&root, "[data-testid=cw-search-count]").unwrap().text_content().unwrap(), "No matches");
}
