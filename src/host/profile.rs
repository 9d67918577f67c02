//! What the host page says about the visitor (name, e-mail, session variables, the page,
//! a `custom` identity), kept until the chat is connected and then sent.

use leptos::prelude::*;

use crate::chat::ChatHandle;
use crate::config::WidgetConfig;

/// What the host page told the widget about the visitor and their page, waiting to reach
/// the server. Nothing is sent before the visitor's first intent (the widget does not
/// connect for the host page alone); it goes out as soon as the connection is up.
#[derive(Debug, Default)]
pub(super) struct Profile {
    pub(super) name: Option<String>,
    pub(super) email: Option<String>,
    pub(super) variables: std::collections::BTreeMap<String, String>,
    pub(super) variables_changed: bool,
    pub(super) page: Option<(String, Option<String>)>,
    /// The site's token for the visitor (`custom`), to be checked by the server.
    pub(super) custom: Option<String>,
    /// Session fields the widget keeps for agents from the host options: the goal page
    /// reached (`target`), the phone (`c_phone`) and the name for agents only
    /// (`c_name_byop`). Kept after they are sent: replacing the site's variables keeps them.
    pub(super) own_fields: std::collections::BTreeMap<String, String>,
    /// `own_fields` still have to be sent.
    pub(super) own_fields_due: bool,
}

/// Session fields the widget itself writes; replacing the site's variables keeps them.
const OWN_FIELDS: [&str; 3] = ["goal_reached", "phone", "name_for_agents"];

impl Profile {
    pub(super) fn from_config(config: &WidgetConfig) -> Profile {
        let goal = config.goal.then(|| config.page.as_ref().and_then(|page| page.url.clone())).flatten();
        let own_fields: std::collections::BTreeMap<String, String> =
            [(OWN_FIELDS[0], goal), (OWN_FIELDS[1], config.customer_phone.clone()), (OWN_FIELDS[2], config.customer_name_for_agents.clone())]
                .into_iter()
                .filter_map(|(key, value)| Some((key.to_owned(), value?)))
                .collect();
        Profile {
            name: config.customer_name.clone(),
            email: config.customer_email.clone(),
            variables: config.session_variables.clone(),
            variables_changed: !config.session_variables.is_empty(),
            page: None,
            custom: config.custom.clone(),
            own_fields_due: !own_fields.is_empty(),
            own_fields,
        }
    }
}

/// The widget's own session fields the server has on record for the customer (from an
/// earlier page), so replacing the site's variables does not drop them.
fn recorded_own_fields(customer: Option<&protocol::Customer>) -> Vec<(String, String)> {
    let Some(customer) = customer else { return Vec::new() };
    let fields = customer.session_fields.iter().flat_map(|field| field.iter());
    fields.filter(|(key, _)| OWN_FIELDS.contains(&key.as_str())).map(|(key, value)| (key.clone(), value.clone())).collect()
}

/// Sends what the profile holds, if the chat is connected; otherwise it waits.
pub(super) fn flush_profile(chat: ChatHandle, profile: StoredValue<Profile>) {
    let online = chat.state.with_untracked(|state| state.connection == crate::store::ConnectionStatus::Online);
    if !online {
        return;
    }
    let (name, email, variables, page, custom, own_fields, own_due) = profile
        .try_update_value(|profile| {
            let variables = std::mem::take(&mut profile.variables_changed).then(|| profile.variables.clone());
            let own_due = std::mem::take(&mut profile.own_fields_due);
            let own_fields = profile.own_fields.clone();
            (profile.name.take(), profile.email.take(), variables, profile.page.take(), profile.custom.take(), own_fields, own_due)
        })
        .unwrap_or_default();
    leptos::task::spawn_local(async move {
        // Replacing the variables comes first: the update after it merges into them.
        if let Some(mut variables) = variables {
            // Replacing would drop the widget's own fields (this page's, or an earlier
            // page's on record); keep them, the site's values winning.
            let recorded = chat.state.with_untracked(|state| recorded_own_fields(state.customer.as_ref()));
            for (key, value) in recorded.into_iter().chain(own_fields.clone()) {
                variables.entry(key).or_insert(value);
            }
            if let Err(error) = chat.set_customer_session_fields(variables).await {
                leptos::logging::warn!("livechat: could not set the session variables: {error}");
            }
        }
        if name.is_some() || email.is_some() || own_due {
            // `update_customer` merges session fields, so the widget's own fields leave the
            // site's variables alone.
            let session_fields = own_due.then(|| own_fields.into_iter().map(|(key, value)| [(key, value)].into()).collect());
            let update = protocol::UpdateCustomer { name, email, session_fields, ..Default::default() };
            if let Err(error) = chat.update_customer(update).await {
                leptos::logging::warn!("livechat: could not update the visitor's details: {error}");
            }
        }
        if let Some((url, title)) = page {
            if let Err(error) = chat.update_customer_page(&url, title.as_deref()).await {
                leptos::logging::warn!("livechat: could not report the page: {error}");
            }
        }
        if let Some(custom) = custom {
            match chat.verify_identity(&custom).await {
                Ok(()) => {}
                // The link went down before the answer: ask again once it is back.
                Err(crate::session::RequestError::ConnectionLost | crate::session::RequestError::Timeout) => {
                    profile.update_value(|profile| profile.custom = Some(custom));
                }
                Err(error) => leptos::logging::warn!("livechat: the `custom` identity was not checked: {error}"),
            }
        }
    });
}

/// Sends the waiting profile each time the chat comes online.
pub(super) fn flush_profile_when_online(chat: ChatHandle, profile: StoredValue<Profile>) {
    let online = Memo::new(move |_| chat.state.with(|state| state.connection == crate::store::ConnectionStatus::Online));
    Effect::new(move |_| {
        if online.get() {
            flush_profile(chat, profile);
        }
    });
}

