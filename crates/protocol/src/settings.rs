//! A license's settings: what a configuration file's `[[licenses]]` table holds, what the
//! database keeps for each license, and what owners and administrators read and change in
//! the agent app (`get_license_settings`, `update_license_settings`, extensions of the agent
//! API). One shape for all three, so a file and the app say the same things the same way;
//! the server checks them with the same rules. Unknown keys are refused.

use serde::{Deserialize, Serialize};

/// A license: `[[licenses]]` in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenseSettings {
    /// License id (`license_id`); fixed.
    pub id: u64,
    /// Organization id; fixed.
    pub organization_id: String,
    /// The business's name.
    pub name: String,
    /// Visitors pick their agent from a list instead of being routed.
    #[serde(default)]
    pub manual_assignment: bool,
    /// Where `verify_identity` asks the site who a visitor is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_url: Option<String>,
    /// Sites (origins) that may use the widget; none: any site.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// When the widget may show the license online; always, when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_hours: Option<BusinessHours>,
    /// Groups; group 0 is required.
    #[serde(default)]
    pub groups: Vec<GroupSettings>,
    /// Agents.
    #[serde(default)]
    pub agents: Vec<AgentSettings>,
    /// Greetings.
    #[serde(default)]
    pub greetings: Vec<GreetingSettings>,
}

/// Business hours: outside them every group is offline, whoever is signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessHours {
    /// The hours' time zone as an offset from UTC in minutes (`60` for UTC+1); fixed, so a
    /// change of clocks needs a change here.
    #[serde(default)]
    pub utc_offset_minutes: i32,
    /// The open stretches; a day not listed is closed.
    #[serde(default)]
    pub days: Vec<OpenHours>,
}

/// One open stretch of a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenHours {
    /// `mon`, `tue`, `wed`, `thu`, `fri`, `sat` or `sun`.
    pub day: String,
    /// Opening time, `HH:MM`.
    pub open: String,
    /// Closing time, `HH:MM` (`24:00` for midnight at the end of the day), after `open`.
    pub close: String,
}

/// A group: `[[licenses.groups]]` in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupSettings {
    /// Group id, unique in the license.
    pub id: u32,
    /// Its name.
    pub name: String,
    /// Visitors may leave messages while nobody is online.
    #[serde(default = "offline_messages_default")]
    pub offline_messages: bool,
    /// Its forms.
    #[serde(default)]
    pub forms: FormsSettings,
}

/// Groups take offline messages unless the file says otherwise.
fn offline_messages_default() -> bool {
    true
}

/// `[licenses.groups.forms]`: a missing form is a disabled one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FormsSettings {
    /// Asked before a chat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prechat: Option<FormSettings>,
    /// Asked after a chat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postchat: Option<FormSettings>,
    /// Asked instead of a chat while nobody is online.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<FormSettings>,
}

/// One form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormSettings {
    /// Form id.
    pub id: String,
    /// Its fields, in order.
    #[serde(default)]
    pub fields: Vec<FieldSettings>,
}

/// One field of a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSettings {
    /// Field id, unique in the form.
    pub id: String,
    /// `header`, `name`, `email`, `phone`, `question`, `textarea`, `subject`, `radio`,
    /// `select`, `checkbox` or `group_chooser`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Its label (a header's text).
    #[serde(default)]
    pub label: String,
    /// Whether an answer is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// Choices of radio, select, checkbox and group_chooser fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<OptionSettings>>,
}

/// One choice of a radio, select, checkbox or group_chooser field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionSettings {
    /// Choice id.
    pub id: String,
    /// Its label.
    pub label: String,
    /// The group a group_chooser choice routes to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<u32>,
}

/// `[[licenses.agents]]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentSettings {
    /// Agent id: their e-mail, what they sign in with.
    pub id: String,
    /// Name shown to visitors.
    pub name: String,
    /// Job title shown to visitors.
    #[serde(default)]
    pub job_title: String,
    /// Avatar URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    /// A token programs may sign in as the agent with: configuration files only (the app
    /// makes API tokens instead, and the server never sends this back).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// `owner`, `admin` or `agent` (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Groups whose chats they take; at least one.
    pub groups: Vec<u32>,
    /// Chats at once before new ones wait.
    #[serde(default = "max_chats_default")]
    pub max_chats: u32,
    /// Kept but switched off: cannot sign in, takes no chats, is listed nowhere.
    #[serde(default, skip_serializing_if = "is_false")]
    pub disabled: bool,
}

fn is_false(value: &bool) -> bool {
    !value
}

/// The chats an agent takes at once unless the file says otherwise, as in
/// the built-in configuration.
fn max_chats_default() -> u32 {
    6
}

/// `[[licenses.greetings]]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GreetingSettings {
    /// Greeting id.
    pub id: u64,
    /// The group whose agent greets.
    pub group_id: u32,
    /// The agent shown as its author.
    pub agent: String,
    /// Its text.
    pub text: String,
    /// When it is sent by itself; without one, only agents send it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<TriggerSettings>,
}

/// A greeting's `trigger`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriggerSettings {
    /// Page URL pattern (`*` for any run of characters); every page when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Seconds on the page first.
    #[serde(default)]
    pub after_seconds: u32,
}

/// Answer to `get_license_settings`: the asker's license as it is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseSettingsResponse {
    /// The settings.
    pub settings: LicenseSettings,
}

/// `update_license_settings`: the asker's license as it is to be, whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateLicenseSettings {
    /// The settings.
    pub settings: LicenseSettings,
}

/// A first password for an agent added in the app, shown to the administrator once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPassword {
    /// The agent.
    pub agent_id: String,
    /// Their first password.
    pub password: String,
}

/// Answer to `update_license_settings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdatedLicenseSettings {
    /// The settings as they are now.
    pub settings: LicenseSettings,
    /// First passwords of the agents this update added.
    #[serde(default)]
    pub new_passwords: Vec<NewPassword>,
}

/// The `license_settings_updated` push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseSettingsUpdated {
    /// The license.
    pub license_id: u64,
    /// The administrator who changed them.
    pub updated_by: String,
}
