//! Cards and quick replies the agent composes: what the dialog holds, checked field by
//! field, and the rich message it becomes (the protocol's `cards` and `quick_replies`
//! templates). Pure, so the checks are tested natively.

use protocol::{Event, EventBody};
use serde_json::{json, Value};

/// What a button does when the visitor presses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ButtonKind {
    /// Sends its value (its text when empty) as the visitor's answer.
    #[default]
    Message,
    /// Opens a web address.
    Url,
    /// Calls a phone number.
    Phone,
}

impl ButtonKind {
    /// The protocol's name.
    pub fn as_str(self) -> &'static str {
        match self {
            ButtonKind::Message => "message",
            ButtonKind::Url => "url",
            ButtonKind::Phone => "phone",
        }
    }

    /// From the protocol's name (a message for anything else).
    pub fn parse(name: &str) -> ButtonKind {
        match name {
            "url" => ButtonKind::Url,
            "phone" => ButtonKind::Phone,
            _ => ButtonKind::Message,
        }
    }
}

/// A button as typed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ButtonDraft {
    /// What it does.
    pub kind: ButtonKind,
    /// Its label.
    pub text: String,
    /// The answer, address or number.
    pub value: String,
}

/// A card as typed in the dialog.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CardDraft {
    /// Quick replies (a question with answer buttons) instead of a card.
    pub quick_replies: bool,
    /// The title (required).
    pub title: String,
    /// A line under it (cards only).
    pub subtitle: String,
    /// An image address, `https://` (cards only).
    pub image: String,
    /// One to five buttons.
    pub buttons: Vec<ButtonDraft>,
}

/// The field a problem is in, so the dialog can mark it and move focus there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardField {
    /// The title.
    Title,
    /// The image address.
    Image,
    /// A button's label.
    ButtonText(usize),
    /// A button's value.
    ButtonValue(usize),
    /// The buttons as a whole.
    Buttons,
}

/// The most buttons on one card.
pub const MAX_BUTTONS: usize = 5;

fn web_address(text: &str, https_only: bool) -> Option<String> {
    let text = text.trim();
    let secure = text.starts_with("https://") && text.len() > "https://".len();
    let plain = !https_only && text.starts_with("http://") && text.len() > "http://".len();
    (secure || plain).then(|| text.to_owned()).filter(|text| !text.contains(char::is_whitespace))
}

fn phone_number(text: &str) -> bool {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let allowed = text.chars().enumerate().all(|(index, c)| c.is_ascii_digit() || " ()./-".contains(c) || (index == 0 && c == '+'));
    allowed && (3..=20).contains(&digits)
}

/// The rich message `draft` makes, with each button's postback id starting with `postback`;
/// or the first problem, in the order the dialog shows its fields.
pub fn build(draft: &CardDraft, postback: &str) -> Result<Event, (CardField, String)> {
    let title = draft.title.trim();
    if title.is_empty() {
        return Err((CardField::Title, "Give the card a title.".to_owned()));
    }
    let mut element = json!({ "title": title });
    if !draft.quick_replies {
        if !draft.subtitle.trim().is_empty() {
            element["subtitle"] = json!(draft.subtitle.trim());
        }
        if !draft.image.trim().is_empty() {
            let url = web_address(&draft.image, true).ok_or((CardField::Image, "The image address must start with https://.".to_owned()))?;
            element["image"] = json!({ "url": url });
        }
    }
    if draft.buttons.is_empty() {
        return Err((CardField::Buttons, "Add at least one button.".to_owned()));
    }
    if draft.buttons.len() > MAX_BUTTONS {
        return Err((CardField::Buttons, format!("A card has at most {MAX_BUTTONS} buttons.")));
    }
    let mut buttons = Vec::new();
    for (index, button) in draft.buttons.iter().enumerate() {
        let kind = if draft.quick_replies { ButtonKind::Message } else { button.kind };
        let text = button.text.trim();
        if text.is_empty() {
            return Err((CardField::ButtonText(index), format!("Button {} needs a text.", index + 1)));
        }
        let value = match kind {
            ButtonKind::Message => Some(button.value.trim()).filter(|value| !value.is_empty()).unwrap_or(text).to_owned(),
            ButtonKind::Url => web_address(&button.value, false)
                .ok_or((CardField::ButtonValue(index), format!("Button {} needs a link starting with https:// or http://.", index + 1)))?,
            ButtonKind::Phone if phone_number(button.value.trim()) => button.value.trim().to_owned(),
            ButtonKind::Phone => return Err((CardField::ButtonValue(index), format!("Button {} needs a phone number.", index + 1))),
        };
        buttons.push(json!({ "type": kind.as_str(), "text": text, "value": value, "postback_id": format!("{postback}-{index}"), "user_ids": [] }));
    }
    element["buttons"] = Value::Array(buttons);
    let template_id = if draft.quick_replies { "quick_replies" } else { "cards" }.to_owned();
    Ok(Event::new(EventBody::RichMessage { template_id, elements: vec![element] }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn button(kind: ButtonKind, text: &str, value: &str) -> ButtonDraft {
        ButtonDraft { kind, text: text.to_owned(), value: value.to_owned() }
    }

    #[test]
    fn a_card_becomes_a_rich_message_with_one_postback_per_button() {
        let draft = CardDraft {
            quick_replies: false,
            title: " Need a tent? ".to_owned(),
            subtitle: "Two-person, 2 kg".to_owned(),
            image: "https://shop.example/tent.jpg".to_owned(),
            buttons: vec![button(ButtonKind::Message, "Yes please", ""), button(ButtonKind::Url, "See it", "https://shop.example/tent"), button(ButtonKind::Phone, "Call us", "+421 900 123 456")],
        };
        let event = build(&draft, "pb7").unwrap();
        let EventBody::RichMessage { template_id, elements } = &event.body else { panic!("{event:?}") };
        assert_eq!(template_id, "cards");
        assert_eq!(elements[0]["title"], "Need a tent?");
        assert_eq!(elements[0]["image"]["url"], "https://shop.example/tent.jpg");
        let buttons = elements[0]["buttons"].as_array().unwrap();
        assert_eq!(buttons[0]["value"], "Yes please", "a message button answers with its text by default");
        assert_eq!(buttons[1]["type"], "url");
        assert_eq!((buttons[0]["postback_id"].as_str(), buttons[2]["postback_id"].as_str()), (Some("pb7-0"), Some("pb7-2")));
    }

    #[test]
    fn quick_replies_keep_only_the_question_and_answers() {
        let draft = CardDraft {
            quick_replies: true,
            title: "Which size?".to_owned(),
            subtitle: "ignored".to_owned(),
            image: "not even an address".to_owned(),
            buttons: vec![button(ButtonKind::Url, "Small", "")],
        };
        let EventBody::RichMessage { template_id, elements } = build(&draft, "q").unwrap().body else { unreachable!() };
        assert_eq!(template_id, "quick_replies");
        assert!(elements[0].get("image").is_none() && elements[0].get("subtitle").is_none());
        assert_eq!((elements[0]["buttons"][0]["type"].as_str(), elements[0]["buttons"][0]["value"].as_str()), (Some("message"), Some("Small")));
    }

    #[test]
    fn each_problem_names_its_field() {
        let ok = CardDraft { title: "T".to_owned(), buttons: vec![button(ButtonKind::Message, "A", "")], ..CardDraft::default() };
        let broken = |change: fn(&mut CardDraft)| {
            let mut draft = ok.clone();
            change(&mut draft);
            build(&draft, "p").unwrap_err().0
        };
        assert_eq!(broken(|draft| draft.title = "  ".to_owned()), CardField::Title);
        assert_eq!(broken(|draft| draft.image = "http://plain.example/a.png".to_owned()), CardField::Image);
        assert_eq!(broken(|draft| draft.buttons.clear()), CardField::Buttons);
        assert_eq!(broken(|draft| draft.buttons = vec![ButtonDraft::default(); 6]), CardField::Buttons);
        assert_eq!(broken(|draft| draft.buttons.push(button(ButtonKind::Message, " ", ""))), CardField::ButtonText(1));
        assert_eq!(broken(|draft| draft.buttons.push(button(ButtonKind::Url, "Go", "javascript:alert(1)"))), CardField::ButtonValue(1));
        assert_eq!(broken(|draft| draft.buttons.push(button(ButtonKind::Phone, "Call", "call me"))), CardField::ButtonValue(1));
    }
}
