//! Host commands (`livechat.call`, `embed.page`) that need the widget itself.

use leptos::prelude::*;
use serde_json::Value;

use super::profile::{flush_profile, Profile};
use crate::chat::ChatHandle;

/// What host commands write into the views.
#[derive(Clone, Copy)]
pub(super) struct Targets {
    pub(super) draft: RwSignal<String>,
    pub(super) proactive: RwSignal<Option<crate::components::Proactive>>,
}

/// Runs a host command (`livechat.call`, `embed.page`) that needs the widget itself.
pub(super) fn run_command(
    chat: ChatHandle,
    name: &str,
    args: &[Value],
    targets: Targets,
    profile: StoredValue<Profile>,
) -> Result<Value, String> {
    let Targets { draft, proactive } = targets;
    let text = |value: Option<&Value>| value.and_then(Value::as_str).map(str::to_owned);
    match name {
        "maximize" => {
            chat.set_open(true);
            if let Some(text) = text(args.first().and_then(|options| options.get("messageDraft"))) {
                draft.set(text);
            }
            Ok(Value::Null)
        }
        "minimize" => {
            chat.set_open(false);
            Ok(Value::Null)
        }
        "hide_greeting" => {
            let shown = chat.state.with_untracked(|state| state.greeting.clone().filter(|greeting| !greeting.accepted));
            if let Some(greeting) = shown {
                leptos::task::spawn_local(async move {
                    let _ = chat.cancel_greeting(&greeting.unique_id).await;
                });
            }
            Ok(Value::Null)
        }
        "page" => {
            let state = args.first().and_then(Value::as_str).unwrap_or_default();
            if matches!(state, "chat" | "online" | "offline") {
                chat.set_open(true);
            }
            let params = args.get(1);
            let param = |key: &str| text(params.and_then(|params| params.get(key))).filter(|value| !value.trim().is_empty());
            if state == "chat" {
                // Departments and operators given here limit where this chat goes, as the
                // options of the same names do for every chat.
                let groups = crate::config::departments(params.and_then(|params| params.get("departments"))).unwrap_or_default();
                let agents = crate::config::operators(params.and_then(|params| params.get("operators"))).unwrap_or_default();
                if !groups.is_empty() || !agents.is_empty() {
                    chat.state.update(|chat_state| {
                        let mut route = chat_state.route.clone();
                        if !groups.is_empty() {
                            route.group_ids = groups;
                        }
                        if !agents.is_empty() {
                            route.agent_ids = agents;
                        }
                        chat_state.set_route(route);
                    });
                }
                // A proactive chat: the invitation shows as the operator's first message.
                proactive.set(Some(crate::components::Proactive {
                    message: param("message"),
                    operator_name: param("operator_name"),
                    operator_photo: param("operator_photo"),
                    department_name: param("department_name"),
                }));
            } else if let Some(message) = param("message") {
                draft.set(message);
            }
            Ok(Value::Null)
        }
        "set_customer_name" | "set_customer_email" => {
            let value = text(args.first()).ok_or_else(|| format!("livechat: {name} takes a string"))?;
            profile.update_value(|profile| match name {
                "set_customer_name" => profile.name = Some(value),
                _ => profile.email = Some(value),
            });
            flush_profile(chat, profile);
            Ok(Value::Null)
        }
        "set_session_variables" | "update_session_variables" => {
            let variables = args.first().and_then(Value::as_object).ok_or_else(|| format!("livechat: {name} takes an object"))?;
            profile.update_value(|profile| {
                if name == "set_session_variables" {
                    profile.variables.clear();
                }
                for (key, value) in variables {
                    let value = value.as_str().map(str::to_owned).unwrap_or_else(|| value.to_string());
                    profile.variables.insert(key.clone(), value);
                }
                profile.variables_changed = true;
            });
            flush_profile(chat, profile);
            Ok(Value::Null)
        }
        other => Err(format!("livechat: the command `{other}` is not supported by this widget yet")),
    }
}

