//! Rich messages (cards, quick replies, stickers) read from the wire into what the view
//! renders, with every address checked: a button can only open `http(s)` pages or dial
//! a `tel:` number, whatever an agent or bot put in it.
//!
//! Pure and tested natively.

use serde_json::Value;

/// How the elements are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    /// Cards side by side (a carousel when there are several).
    Cards,
    /// A short question with reply chips.
    QuickReplies,
    /// One image, no frame.
    Sticker,
}

/// A rich message ready to render.
#[derive(Debug, Clone, PartialEq)]
pub struct RichMessage {
    /// Layout.
    pub template: Template,
    /// Up to ten elements.
    pub elements: Vec<Element>,
}

/// One card.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Element {
    /// Title.
    pub title: Option<String>,
    /// Subtitle.
    pub subtitle: Option<String>,
    /// Image.
    pub image: Option<Image>,
    /// Buttons.
    pub buttons: Vec<Button>,
}

/// A card's image.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    /// `http(s)` address.
    pub url: String,
    /// Text for screen readers.
    pub alt: String,
}

/// What a button does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Sends its text as the visitor's message (and the postback).
    Message,
    /// Opens a web page in a new tab.
    Url(String),
    /// Dials a number.
    Phone(String),
    /// Opens a page inside the widget, this tall.
    Webview {
        /// `http(s)` address.
        url: String,
        /// `compact`, `tall` or `full`.
        height: WebviewHeight,
    },
    /// Dismisses the message (a postback with no reply).
    Cancel,
    /// A type this widget does not know, or an address it refuses: shown disabled.
    Unsupported,
}

/// Height of a webview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebviewHeight {
    /// About a quarter of the window.
    Compact,
    /// About half.
    Tall,
    /// The whole window.
    Full,
}

impl WebviewHeight {
    /// For CSS classes.
    pub fn as_str(self) -> &'static str {
        match self {
            WebviewHeight::Compact => "compact",
            WebviewHeight::Tall => "tall",
            WebviewHeight::Full => "full",
        }
    }
}

/// One button.
#[derive(Debug, Clone, PartialEq)]
pub struct Button {
    /// Label.
    pub text: String,
    /// What it does.
    pub action: Action,
    /// Postback id; buttons sharing one toggle together.
    pub postback_id: Option<String>,
    /// Users who toggled it on.
    pub user_ids: Vec<String>,
}

impl Button {
    /// Whether `user_id` has this button toggled on.
    pub fn toggled_by(&self, user_id: &str) -> bool {
        self.user_ids.iter().any(|id| id == user_id)
    }
}

/// Reads a `rich_message` event's template and elements.
pub fn parse(template_id: &str, elements: &[Value]) -> RichMessage {
    let template = match template_id {
        "quick_replies" => Template::QuickReplies,
        "sticker" => Template::Sticker,
        _ => Template::Cards,
    };
    let elements = elements.iter().take(10).map(element).collect();
    RichMessage { template, elements }
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key)?.as_str().map(str::trim).filter(|text| !text.is_empty()).map(str::to_owned)
}

fn element(value: &Value) -> Element {
    let image = value.get("image").and_then(|image| {
        let url = web_address(image.get("url")?.as_str()?)?;
        let alt = text(image, "alternative_text").or_else(|| text(image, "name")).unwrap_or_default();
        Some(Image { url, alt })
    });
    let buttons = value.get("buttons").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    Element {
        title: text(value, "title"),
        subtitle: text(value, "subtitle"),
        image,
        buttons: buttons.iter().take(13).map(button).collect(),
    }
}

fn button(value: &Value) -> Button {
    let label = text(value, "text").unwrap_or_default();
    let target = text(value, "value");
    let action = match value.get("type").and_then(Value::as_str).unwrap_or("message") {
        "message" => Action::Message,
        "url" => target.as_deref().and_then(web_address).map_or(Action::Unsupported, Action::Url),
        "phone" => target.as_deref().and_then(phone_address).map_or(Action::Unsupported, Action::Phone),
        "webview" => match target.as_deref().and_then(web_address) {
            Some(url) => Action::Webview {
                url,
                height: match value.get("webview_height").and_then(Value::as_str) {
                    Some("compact") => WebviewHeight::Compact,
                    Some("full") => WebviewHeight::Full,
                    _ => WebviewHeight::Tall,
                },
            },
            None => Action::Unsupported,
        },
        "cancel" => Action::Cancel,
        _ => Action::Unsupported,
    };
    let user_ids = value
        .get("user_ids")
        .and_then(Value::as_array)
        .map(|ids| ids.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    Button { text: label, action, postback_id: text(value, "postback_id"), user_ids }
}

/// An absolute `http://` or `https://` address without spaces or control characters.
pub fn web_address(url: &str) -> Option<String> {
    let url = url.trim();
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let scheme_ok = lower.starts_with("https://") || lower.starts_with("http://");
    let host_ok = url.split_once("//").is_some_and(|(_, rest)| !rest.is_empty() && !rest.starts_with('/'));
    (scheme_ok && host_ok && !url.chars().any(|c| c.is_whitespace() || c.is_control())).then(|| url.to_owned())
}

/// A `tel:` address from a phone number, or none when it is not one.
pub fn phone_address(number: &str) -> Option<String> {
    let number = number.trim().trim_start_matches("tel:");
    let plus = number.starts_with('+');
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    let separators_only = number.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '.' | '(' | ')'));
    (separators_only && (3..=20).contains(&digits.len())).then(|| format!("tel:{}{digits}", if plus { "+" } else { "" }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cards_with_every_button_type() {
        let message = parse(
            "cards",
            &[json!({
                "title": "Need a tent?", "subtitle": "Two sizes",
                "image": { "url": "https://cdn.example/tent.png", "alternative_text": "A green tent" },
                "buttons": [
                    { "text": "Yes", "type": "message", "value": "Yes", "postback_id": "yes", "user_ids": ["c1"] },
                    { "text": "Shop", "type": "url", "value": "https://shop.example/tents" },
                    { "text": "Call", "type": "phone", "value": "+48 600-700-800" },
                    { "text": "Size guide", "type": "webview", "value": "https://shop.example/sizes", "webview_height": "compact" },
                    { "text": "No thanks", "type": "cancel", "postback_id": "no" },
                    { "text": "Hologram", "type": "hologram" }
                ]
            })],
        );
        assert_eq!(message.template, Template::Cards);
        let card = &message.elements[0];
        assert_eq!(card.title.as_deref(), Some("Need a tent?"));
        assert_eq!(card.image, Some(Image { url: "https://cdn.example/tent.png".to_owned(), alt: "A green tent".to_owned() }));
        let actions: Vec<&Action> = card.buttons.iter().map(|button| &button.action).collect();
        assert_eq!(
            actions,
            [
                &Action::Message,
                &Action::Url("https://shop.example/tents".to_owned()),
                &Action::Phone("tel:+48600700800".to_owned()),
                &Action::Webview { url: "https://shop.example/sizes".to_owned(), height: WebviewHeight::Compact },
                &Action::Cancel,
                &Action::Unsupported,
            ]
        );
        assert!(card.buttons[0].toggled_by("c1"));
        assert!(!card.buttons[0].toggled_by("c2"));
    }

    #[test]
    fn dangerous_addresses_are_refused() {
        for url in ["javascript:alert(1)", "data:text/html,x", "//evil.example", "https:///x", "http://a b.example", "ftp://x.example"] {
            assert_eq!(web_address(url), None, "{url}");
            let message = parse("cards", &[json!({ "buttons": [{ "type": "url", "text": "x", "value": url }],
                                                     "image": { "url": url } })]);
            assert_eq!(message.elements[0].buttons[0].action, Action::Unsupported, "{url}");
            assert_eq!(message.elements[0].image, None, "{url}");
        }
        assert_eq!(phone_address("call me"), None);
        assert_eq!(phone_address("12"), None);
        assert_eq!(phone_address("tel:0900 123"), Some("tel:0900123".to_owned()));
    }

    #[test]
    fn templates_and_limits() {
        assert_eq!(parse("quick_replies", &[]).template, Template::QuickReplies);
        assert_eq!(parse("sticker", &[]).template, Template::Sticker);
        assert_eq!(parse("something_new", &[]).template, Template::Cards);
        let many: Vec<Value> = (0..12).map(|n| json!({ "title": format!("{n}") })).collect();
        assert_eq!(parse("cards", &many).elements.len(), 10);
        let message = parse("cards", &[json!({ "title": "  ", "buttons": [{ "text": "Go" }] })]);
        assert_eq!(message.elements[0].title, None);
        assert_eq!(message.elements[0].buttons[0].action, Action::Message, "a button without a type sends a message");
    }
}
