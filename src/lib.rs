//! An embeddable live-chat widget: a Leptos app compiled to WebAssembly that runs in an
//! iframe on the host page and speaks the LiveChat Customer Chat RTM API.
//!
//! Reading order: [`store`] (state and the pure reducer), [`session`] (the protocol client
//! without IO), [`connection`] (the socket), [`chat`] (the handle views use),
//! [`components`] (views), `host` (start-up and the loader bridge), [`config`] (options).
//!
//! Data flows one way: socket → `protocol` frame → `Session`/`ChatState::apply` → signal →
//! views; intent flows back: views/host → `ChatHandle` → `Command` → connection → socket.

pub mod chat;
pub mod components;
pub mod config;
pub mod connection;
pub mod format;
pub mod forms;
#[cfg(target_arch = "wasm32")]
pub mod host;
pub mod i18n;
pub mod persist;
pub mod port;
pub mod rating;
pub mod rich;
pub mod roster;
pub mod session;
pub mod store;
pub mod tabs;

use leptos::prelude::*;

use crate::chat::ChatHandle;
use crate::components::ChatWindow;

/// The widget's view tree, with `chat`, the language and the options provided to every
/// component.
pub fn widget_view(chat: ChatHandle, config: config::WidgetConfig, embedded: bool) -> impl IntoView {
    let browser_lang = browser_language();
    let locale = i18n::Locale::for_lang(config.lang.as_deref().or(browser_lang.as_deref()));
    provide_context(chat);
    provide_context(locale);
    provide_context(RwSignal::new(None::<components::OpenWebview>));
    let title = if config.title.is_empty() { locale.text.title.to_owned() } else { config.title.clone() };
    let theme = config.theme.as_str();
    if let Some(url) = &config.css_file {
        link_stylesheet(url);
    }
    if let Some(css) = &config.css_text {
        apply_css(css);
    }
    provide_context(config);
    view! {
        <div
            class="cw-root"
            lang=locale.code
            dir=if locale.rtl { "rtl" } else { "ltr" }
            data-theme=theme
            data-embedded=embedded.to_string()
        >
            <ChatWindow title />
        </div>
    }
}

/// The browser's preferred language, when the page does not name one.
fn browser_language() -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    {
        web_sys::window()?.navigator().language()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        None
    }
}

/// Applies the `css_text` option as a constructed style sheet, which the frame's strict
/// style policy allows (no inline `<style>` needed).
fn apply_css(css: &str) {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        let sheet = web_sys::CssStyleSheet::new().ok();
        let document = web_sys::window().and_then(|window| window.document());
        if let (Some(sheet), Some(document)) = (sheet, document) {
            let _ = sheet.replace_sync(css);
            let sheets = js_sys::Reflect::get(&document, &"adoptedStyleSheets".into())
                .ok()
                .and_then(|sheets| sheets.dyn_into::<js_sys::Array>().ok())
                .unwrap_or_default();
            let sheets = js_sys::Array::from(&sheets);
            sheets.push(&sheet);
            let _ = js_sys::Reflect::set(&document, &"adoptedStyleSheets".into(), &sheets);
        }
    }
    let _ = css;
}

/// Adds the `css_file` option's stylesheet to the frame (its policy admits `https` style
/// sheets, never scripts).
fn link_stylesheet(url: &str) {
    #[cfg(target_arch = "wasm32")]
    {
        let Some(document) = web_sys::window().and_then(|window| window.document()) else { return };
        let (Ok(link), Some(head)) = (document.create_element("link"), document.head()) else { return };
        let _ = link.set_attribute("rel", "stylesheet");
        let _ = link.set_attribute("href", url);
        let _ = link.set_attribute("referrerpolicy", "no-referrer");
        let _ = head.append_child(&link);
    }
    let _ = url;
}
