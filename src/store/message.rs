//! A transcript row: who wrote it, whether it reached the server, and what it shows, made
//! from an event by the pure functions at the bottom.

use protocol::{Event, EventBody};
use serde_json::Value;

/// Who wrote a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Author {
    /// This visitor.
    Visitor,
    /// An agent, by user id.
    Agent(String),
    /// The system (routing, chat closed...).
    System,
}

impl Author {
    /// For `data-author` attributes.
    pub fn as_str(&self) -> &'static str {
        match self {
            Author::Visitor => "visitor",
            Author::Agent(_) => "agent",
            Author::System => "system",
        }
    }
}

/// Where a visitor's message is on its way to the server.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Delivery {
    /// Waiting to be sent or acknowledged.
    Sending,
    /// Stored by the server.
    Sent,
    /// Refused by the server; the visitor may retry.
    Failed(String),
}

impl Delivery {
    /// For `data-delivery` attributes.
    pub fn as_str(&self) -> &'static str {
        match self {
            Delivery::Sending => "sending",
            Delivery::Sent => "sent",
            Delivery::Failed(_) => "failed",
        }
    }
}

/// What a row shows beyond its text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum MessageBody {
    /// Text only (messages, system messages).
    #[default]
    Text,
    /// An uploaded file.
    File {
        /// Where it is served.
        url: String,
        /// File name.
        name: String,
        /// MIME type.
        content_type: String,
        /// Size in bytes.
        size: Option<u64>,
        /// Image width.
        width: Option<u32>,
        /// Image height.
        height: Option<u32>,
        /// Thumbnail, for images.
        thumbnail_url: Option<String>,
    },
    /// Cards, quick replies or a sticker.
    Rich {
        /// `cards`, `quick_replies` or `sticker`.
        template_id: String,
        /// The wire elements.
        elements: Vec<Value>,
    },
    /// A filled form: each answered field's label and answer.
    Form {
        /// `(label, answer)` in form order.
        answers: Vec<(String, String)>,
    },
}

/// One row of the transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessage {
    /// Stable key for rendering: the `custom_id` of the visitor's messages, else the event id.
    pub key: String,
    /// Server event id, once known.
    pub id: Option<String>,
    /// Client id of the visitor's messages.
    pub custom_id: Option<String>,
    /// Author.
    pub author: Author,
    /// What to show.
    pub text: String,
    /// Server time (RFC 3339), once known.
    pub created_at: Option<String>,
    /// What kind of message it is, for rows that show more than text.
    pub body: MessageBody,
    /// Delivery state (always `Sent` for others' messages).
    pub delivery: Delivery,
}

/// The text a transcript row shows for an event, or None for events it does not show.
pub(super) fn display_text(event: &Event) -> Option<String> {
    match &event.body {
        EventBody::Message { text, .. } => Some(text.clone()),
        EventBody::SystemMessage { text, .. } => text.clone(),
        EventBody::File { name, url, .. } => Some(name.clone().unwrap_or_else(|| url.clone())),
        EventBody::RichMessage { elements, .. } => elements
            .iter()
            .filter_map(|element| element.get("title").and_then(|title| title.as_str()))
            .next()
            .map(str::to_owned),
        // The answers show as a summary (see `MessageBody::Form`).
        EventBody::FilledForm { .. } => Some(String::new()),
        EventBody::Custom { .. } | EventBody::Unknown => None,
    }
}

/// The kind-specific part of a row.
pub(super) fn body_of(event: &Event) -> MessageBody {
    match &event.body {
        EventBody::File { url, name, content_type, size, width, height, thumbnail_url, .. } => MessageBody::File {
            url: url.clone(),
            name: name.clone().unwrap_or_default(),
            content_type: content_type.clone().unwrap_or_default(),
            size: *size,
            width: *width,
            height: *height,
            thumbnail_url: thumbnail_url.clone(),
        },
        EventBody::RichMessage { template_id, elements } => {
            MessageBody::Rich { template_id: template_id.clone(), elements: elements.clone() }
        }
        EventBody::FilledForm { fields, .. } => MessageBody::Form {
            answers: fields
                .iter()
                .filter_map(|field| {
                    let label = field.get("label")?.as_str()?.to_owned();
                    let answer = match (field.get("answer"), field.get("answers")) {
                        (Some(Value::String(text)), _) => text.clone(),
                        (Some(choice), _) => choice.get("label")?.as_str()?.to_owned(),
                        (None, Some(Value::Array(choices))) => choices
                            .iter()
                            .filter_map(|choice| choice.get("label")?.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                        _ => return None,
                    };
                    Some((label, answer))
                })
                .collect(),
        },
        _ => MessageBody::Text,
    }
}
