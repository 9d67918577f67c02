//! A configuration's licenses as [`LicenseSettings`], the shape configuration files, the
//! database and the agent app's administration share; and back, through the file's checks.

use protocol::{AgentSettings, FieldSettings, FormSettings, FormsSettings, GreetingSettings, GroupSettings, LicenseSettings, OptionSettings, TriggerSettings};

use super::{Config, ConfigFileError};

fn form(form: &Option<protocol::Form>) -> Option<FormSettings> {
    form.as_ref().map(|form| FormSettings {
        id: form.id.clone(),
        fields: form
            .fields
            .iter()
            .map(|field| FieldSettings {
                id: field.id.clone(),
                kind: field.kind.clone(),
                label: field.label.clone(),
                required: field.required,
                options: field.options.as_ref().map(|options| {
                    options.iter().map(|option| OptionSettings { id: option.id.clone(), label: option.label.clone(), group_id: option.group_id }).collect()
                }),
            })
            .collect(),
    })
}

/// The licenses of `config` with their groups, forms, agents and greetings. Tokens are
/// left out: they are secrets of the configuration, not settings.
pub fn license_settings(config: &Config) -> Vec<LicenseSettings> {
    config
        .licenses
        .iter()
        .map(|license| LicenseSettings {
            id: license.id,
            organization_id: license.organization_id.clone(),
            name: license.name.clone(),
            manual_assignment: license.manual_assignment,
            verification_url: license.verification_url.clone(),
            allowed_origins: license.allowed_origins.clone(),
            business_hours: license.business_hours.as_ref().map(super::Hours::settings),
            groups: config
                .groups_of(license.id)
                .map(|group| GroupSettings {
                    id: group.id,
                    name: group.name.clone(),
                    offline_messages: group.offline_messages,
                    forms: FormsSettings { prechat: form(&group.forms.prechat), postchat: form(&group.forms.postchat), ticket: form(&group.forms.ticket) },
                })
                .collect(),
            agents: config
                .agents
                .iter()
                .map(|agent| (agent, false))
                .chain(config.disabled_agents.iter().map(|agent| (agent, true)))
                .filter(|(agent, _)| agent.license_id == license.id)
                .map(|(agent, disabled)| AgentSettings {
                    id: agent.id.clone(),
                    name: agent.name.clone(),
                    job_title: agent.job_title.clone(),
                    avatar: agent.avatar.clone(),
                    token: None,
                    role: Some(agent.role.as_str().to_owned()),
                    groups: agent.groups.clone(),
                    max_chats: agent.max_chats,
                    disabled,
                })
                .collect(),
            greetings: config
                .greetings
                .iter()
                .filter(|greeting| greeting.license_id == license.id)
                .map(|greeting| GreetingSettings {
                    id: greeting.id,
                    group_id: greeting.group_id,
                    agent: greeting.agent_id.clone(),
                    text: greeting.text.clone(),
                    trigger: greeting.trigger.as_ref().map(|trigger| TriggerSettings { url: trigger.url.clone(), after_seconds: trigger.after_seconds }),
                })
                .collect(),
        })
        .collect()
}

/// `base` with `licenses` in place of its own, checked by a configuration file's rules.
/// Each agent keeps the token `base` gives them (settings carry none).
pub fn apply(source: &str, base: &Config, mut licenses: Vec<LicenseSettings>) -> Result<Config, ConfigFileError> {
    for agent in licenses.iter_mut().flat_map(|license| license.agents.iter_mut()) {
        let known = base.agent(&agent.id).or_else(|| base.disabled_agents.iter().find(|known| known.id == agent.id));
        agent.token = known.map(|known| known.token.clone()).filter(|token| !token.is_empty());
    }
    super::file::with_licenses(source, base, licenses)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_hours_open_on_their_days_in_their_time_zone() {
        // Mondays 09:00 to 17:30 at UTC+2.
        let hours = super::super::Hours { utc_offset_minutes: 120, open: vec![(0, 9 * 60, 17 * 60 + 30)] };
        // 2026-12-07 is a Monday; 07:00 UTC is 09:00 there.
        let monday_0700_utc = 1_796_626_800;
        assert!(hours.open_at(monday_0700_utc));
        assert!(!hours.open_at(monday_0700_utc - 60), "08:59 there");
        assert!(hours.open_at(monday_0700_utc + (8 * 60 + 29) * 60), "17:29 there");
        assert!(!hours.open_at(monday_0700_utc + (8 * 60 + 30) * 60), "17:30 there: closed");
        assert!(!hours.open_at(monday_0700_utc + 86_400), "Tuesday");
        assert!(hours.open_at(monday_0700_utc + 7 * 86_400), "next Monday");
    }

    #[test]
    fn the_demo_file_survives_a_round_trip_through_settings() {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/demo.toml")).unwrap();
        let config = super::super::parse(&text, "demo.toml", "db".into(), "dist".into()).unwrap();
        let settings = license_settings(&config);
        let again = apply("settings", &config, settings.clone()).unwrap();
        assert_eq!(license_settings(&again), settings);
        assert_eq!(again.agents[0].token, config.agents[0].token, "tokens stay as the configuration has them");
        assert_eq!(format!("{:?}", again.groups), format!("{:?}", config.groups));
    }
}
