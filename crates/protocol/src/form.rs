//! Forms: pre-chat, post-chat and ticket forms (`get_form`) and their fields.

use serde::{Deserialize, Serialize};

use crate::string_enum;

string_enum! {
    /// Which form.
    pub enum FormKind {
        /// Asked before a chat starts.
        Prechat = "prechat",
        /// Asked after a chat ends.
        Postchat = "postchat",
        /// Asked when nobody can chat (offline message).
        Ticket = "ticket",
    }
}

/// A form template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Form {
    /// Form id.
    pub id: String,
    /// Fields in display order.
    #[serde(default)]
    pub fields: Vec<FormField>,
}

/// One field of a form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormField {
    /// Field id.
    pub id: String,
    /// `header`, `name`, `email`, `question`, `textarea`, `subject`, `radio`, `select`,
    /// `checkbox`, `group_chooser` (and `phone`, which the widget adds).
    #[serde(rename = "type")]
    pub kind: String,
    /// Label or header text.
    #[serde(default)]
    pub label: String,
    /// Whether an answer is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// Choices of radio, select, checkbox and group_chooser fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<FormOption>>,
}

/// A choice of a form field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormOption {
    /// Choice id.
    pub id: String,
    /// Label.
    pub label: String,
    /// The group a `group_chooser` choice routes to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<u32>,
}

/// `get_form` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GetForm {
    /// Group whose form is wanted.
    pub group_id: u32,
    /// Which form.
    #[serde(rename = "type")]
    pub kind: FormKind,
}

/// `get_form` response; `form` is absent when the form is disabled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GetFormResponse {
    /// Whether the form is on.
    pub enabled: bool,
    /// The form, when enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<Form>,
}
