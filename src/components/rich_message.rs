//! Cards, quick replies and stickers from agents and bots, with working buttons.
//!
//! Buttons: `message` sends its text as the visitor's message; `url` opens the page in a
//! new tab; `phone` dials; `webview` opens the page inside the window at its height;
//! `cancel` dismisses the message. Each with a `postback_id` also sends the postback, and
//! shows as pressed (`aria-pressed`) while the visitor has it toggled on. Quick replies
//! disappear once one is chosen.

use leptos::prelude::*;

use crate::chat::ChatHandle;
use crate::store::Item;
use crate::i18n::Locale;
use crate::rich::{Action, Button, Element, RichMessage, Template};

/// Where a rich message sits, for its postbacks.
#[derive(Debug, Clone, PartialEq)]
pub struct RichContext {
    /// Chat.
    pub chat_id: String,
    /// Thread.
    pub thread_id: String,
    /// The rich message event.
    pub event_id: String,
}

/// The page a webview button opened, shown over the transcript.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenWebview {
    /// Address.
    pub url: String,
    /// `compact`, `tall` or `full`.
    pub height: &'static str,
    /// The button's label, as the frame's title.
    pub title: String,
}

/// Renders one rich message.
#[component]
pub fn RichMessageView(
    /// The parsed message.
    message: RichMessage,
    /// Its place in the chat.
    context: RichContext,
) -> impl IntoView {
    let dismissed = RwSignal::new(false);
    let template = message.template;
    let class = match template {
        Template::Cards => "cw-rich cw-rich--cards",
        Template::QuickReplies => "cw-rich cw-rich--quick",
        Template::Sticker => "cw-rich cw-rich--sticker",
    };
    let elements = message
        .elements
        .into_iter()
        .map(|element| view! { <Card element template context=context.clone() dismissed /> })
        .collect_view();
    view! {
        <div class=class data-testid="cw-rich" data-template=match template {
            Template::Cards => "cards",
            Template::QuickReplies => "quick_replies",
            Template::Sticker => "sticker",
        }>
            {elements}
        </div>
    }
}

#[component]
fn Card(element: Element, template: Template, context: RichContext, dismissed: RwSignal<bool>) -> impl IntoView {
    let image = element.image.map(|image| {
        view! { <img class="cw-rich__image" src=image.url alt=image.alt loading="lazy" decoding="async" /> }
    });
    let buttons = element
        .buttons
        .into_iter()
        .map(|button| view! { <RichButton button template context=context.clone() dismissed /> })
        .collect_view();
    let hide_buttons = move || dismissed.get();
    view! {
        <div class="cw-rich__card" data-testid="cw-rich-card">
            {image}
            {element.title.map(|title| view! { <p class="cw-rich__title">{title}</p> })}
            {element.subtitle.map(|subtitle| view! { <p class="cw-rich__subtitle">{subtitle}</p> })}
            <div class="cw-rich__buttons" role="group" hidden=hide_buttons>{buttons}</div>
        </div>
    }
}

#[component]
fn RichButton(button: Button, template: Template, context: RichContext, dismissed: RwSignal<bool>) -> impl IntoView {
    let chat = ChatHandle::expect();
    let locale = expect_context::<&'static Locale>();
    let webview = use_context::<RwSignal<Option<OpenWebview>>>();
    let postback_id = button.postback_id.clone();
    // Toggled state: the server's pushes (store) win over the button's initial users.
    let toggled = {
        let postback_id = postback_id.clone();
        let event_id = context.event_id.clone();
        let initial = button.user_ids.clone();
        Memo::new(move |_| {
            chat.state.with(|state| {
                let me = state.customer_id.clone().unwrap_or_default();
                match &postback_id {
                    Some(id) => match state.postbacks.get(&(event_id.clone(), id.clone())) {
                        Some(users) => users.contains(&me),
                        None => initial.contains(&me),
                    },
                    None => false,
                }
            })
        })
    };
    let postback = {
        let context = context.clone();
        move |on: bool| {
            let Some(id) = postback_id.clone() else { return };
            let context = context.clone();
            let press = Item::Postback {
                chat_id: context.chat_id.clone(),
                thread_id: context.thread_id.clone(),
                event_id: context.event_id.clone(),
                postback_id: id,
                toggled: on,
            };
            leptos::task::spawn_local(async move {
                if let Err(error) = chat.send_outgoing(press).await {
                    leptos::logging::warn!("livechat: the button's answer was not recorded: {error}");
                }
            });
        }
    };
    let label = button.text.clone();
    let kind = match &button.action {
        Action::Message => "message",
        Action::Url(_) => "url",
        Action::Phone(_) => "phone",
        Action::Webview { .. } => "webview",
        Action::Cancel => "cancel",
        Action::Unsupported => "unsupported",
    };
    let class = if template == Template::QuickReplies { "cw-rich__button cw-rich__button--chip" } else { "cw-rich__button" };
    match button.action {
        Action::Url(url) => view! {
            <a class=class href=url target="_blank" rel="noopener noreferrer" data-kind=kind
               on:click=move |_| postback(true)>
                {label}
                <span class="cw-visually-hidden">" " {locale.text.new_tab}</span>
            </a>
        }
        .into_any(),
        Action::Phone(tel) => view! {
            <a class=class href=tel data-kind=kind on:click=move |_| postback(true)>{label}</a>
        }
        .into_any(),
        action => {
            let text = button.text.clone();
            let on_click = move |_| match &action {
                Action::Message => {
                    let on = !toggled.get_untracked();
                    if on {
                        let _ = chat.send_text(&text);
                    }
                    postback(on);
                    if template == Template::QuickReplies {
                        dismissed.set(true);
                    }
                }
                Action::Webview { url, height } => {
                    postback(true);
                    if let Some(webview) = webview {
                        webview.set(Some(OpenWebview { url: url.clone(), height: height.as_str(), title: text.clone() }));
                    }
                }
                Action::Cancel => {
                    postback(true);
                    dismissed.set(true);
                }
                Action::Url(_) | Action::Phone(_) | Action::Unsupported => {}
            };
            let unsupported = kind == "unsupported";
            view! {
                <button
                    type="button"
                    class=class
                    data-kind=kind
                    data-testid="cw-rich-button"
                    aria-pressed=move || (kind == "message").then(|| toggled.get().to_string())
                    disabled=unsupported
                    on:click=on_click
                >
                    {label}
                </button>
            }
            .into_any()
        }
    }
}

/// The open webview, if any: a sandboxed frame over the transcript with a close button.
#[component]
pub fn WebviewLayer() -> impl IntoView {
    let locale = expect_context::<&'static Locale>();
    let webview = expect_context::<RwSignal<Option<OpenWebview>>>();
    move || {
        webview.get().map(|open| {
            // A page of the widget's own origin never gets `allow-same-origin`: with scripts
            // it could reach into the widget.
            let sandbox = if same_origin(&open.url) {
                "allow-scripts allow-forms allow-popups"
            } else {
                "allow-scripts allow-forms allow-popups allow-same-origin"
            };
            view! {
                <div class="cw-webview" data-height=open.height data-testid="cw-webview">
                    <div class="cw-webview__bar">
                        <span class="cw-webview__title">{open.title.clone()}</span>
                        <button type="button" class="cw-icon-button" aria-label=locale.text.close
                            data-testid="cw-webview-close" on:click=move |_| webview.set(None)>
                            "×"
                        </button>
                    </div>
                    <iframe
                        class="cw-webview__frame"
                        src=open.url
                        title=open.title
                        sandbox=sandbox
                        referrerpolicy="no-referrer"
                    ></iframe>
                </div>
            }
        })
    }
}

/// Whether `url` is on the widget's own origin, comparing origins as the browser parses
/// them: `https://host:443/`, `http://127.0.0.1.:8080/` or a decimal address are the same
/// origin as their plain spelling, and anything unparsable is not.
fn same_origin(url: &str) -> bool {
    #[cfg(target_arch = "wasm32")]
    {
        let Some(window) = web_sys::window() else { return false };
        let (Ok(own), Ok(other)) = (window.location().origin(), web_sys::Url::new(url)) else { return false };
        let other = other.origin();
        other != "null" && other == own
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = url;
        false
    }
}
