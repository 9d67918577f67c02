//! The licenses, groups, forms, agents and greetings the server goes by: kept per license
//! in the database, changed by owners and administrators in the agent app
//! (`get_license_settings`, `update_license_settings`) and in force at once, with no
//! restart.
//!
//! The configuration (file or built-in) seeds them. At start-up a license takes the
//! configuration's settings when the database has none for it, or when they differ from the
//! ones it was last seeded from (the file changed: configuration as code wins); otherwise
//! the settings kept in the database stand (what the app changed outlives restarts).
//!
//! Removing or disabling an agent ends their sessions and closes their sockets.

use std::sync::Arc;

use protocol::{DisconnectReason, LicenseSettings, NewPassword, UpdatedLicenseSettings};

use crate::actor::Actor;
use crate::config::{settings, Config, Role};
use crate::db::settings::StoredSettings;
use crate::errors::{validation, ApiResult};
use crate::App;

/// A digest of settings, to tell whether the configuration changed since it seeded them.
fn digest(settings: &LicenseSettings) -> String {
    crate::ids::hash_secret(&serde_json::to_string(settings).unwrap_or_default())
}

/// `current` with one license's settings replaced by `update`, checked by the rules a
/// configuration file obeys; `source` names them in error messages.
fn with_license(source: &str, current: &Config, update: &LicenseSettings) -> Result<Config, crate::config::ConfigFileError> {
    let mut licenses = settings::license_settings(current);
    for license in &mut licenses {
        if license.id == update.id {
            *license = update.clone();
        }
    }
    settings::apply(source, current, licenses)
}

/// The settings the server starts with: per license, the configuration's (stored as the
/// new seed) or the database's; and the configuration built from them.
pub(crate) fn load(db: &dyn crate::db::Store, config: &Config, now: &str) -> anyhow::Result<Config> {
    let mut chosen = Vec::new();
    for seed in settings::license_settings(config) {
        let seed_digest = digest(&seed);
        let stored = db.stored_settings(seed.id)?;
        let kept = stored
            .filter(|stored| stored.seed_digest == seed_digest)
            .and_then(|stored| match serde_json::from_str::<LicenseSettings>(&stored.settings) {
                Ok(settings) => Some(settings),
                Err(error) => {
                    tracing::warn!(license = seed.id, %error, "stored settings do not read; the configuration's are used");
                    None
                }
            });
        match kept {
            Some(settings) => chosen.push(settings),
            None => {
                let text = serde_json::to_string(&seed)?;
                db.store_settings(seed.id, &StoredSettings { settings: text, seed_digest }, now)?;
                chosen.push(seed);
            }
        }
    }
    match settings::apply("stored settings", config, chosen) {
        Ok(live) => Ok(live),
        Err(error) => {
            // Rules may have grown stricter since the settings were saved.
            tracing::warn!(%error, "stored settings break a rule; the configuration's are used");
            Ok(config.clone())
        }
    }
}

/// Tells widgets when business hours open or close, checking every 30 seconds.
pub(crate) async fn watch_hours(app: App) {
    let mut open = std::collections::HashMap::new();
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(30));
    loop {
        tick.tick().await;
        let directory = app.directory();
        let with_hours = directory.licenses.iter().filter(|license| license.business_hours.is_some()).map(|license| license.id);
        for license_id in with_hours.collect::<Vec<_>>() {
            let now = app.open_now(license_id);
            if open.insert(license_id, now).is_some_and(|was| was != now) {
                if let Err(error) = app.announce_availability(license_id) {
                    tracing::warn!(license_id, error = %error.message, "announcing business hours failed");
                }
            }
        }
    }
}

impl App {
    /// The configuration in force: the start-up one with the licenses, groups, forms,
    /// agents and greetings as they are now.
    pub(crate) fn directory(&self) -> Arc<Config> {
        self.live.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// Every agent in force now.
    pub fn agents(&self) -> Vec<crate::config::Agent> {
        self.directory().agents.clone()
    }

    /// The asker's license's settings, with each agent's role as their account has it.
    fn settings_of(&self, directory: &Config, license_id: u64) -> ApiResult<LicenseSettings> {
        let mut license = settings::license_settings(directory)
            .into_iter()
            .find(|license| license.id == license_id)
            .ok_or_else(|| crate::errors::not_found("license"))?;
        for agent in &mut license.agents {
            agent.role = Some(self.role_of(&agent.id)?.as_str().to_owned());
        }
        Ok(license)
    }

    /// `get_license_settings` (owners and administrators).
    pub(crate) fn license_settings(&self, actor: &Actor<'_>) -> ApiResult<LicenseSettings> {
        self.require_manager(actor.user_id())?;
        self.settings_of(&self.directory(), actor.license_id)
    }

    /// `update_license_settings` (owners and administrators): checked by the rules a
    /// configuration file obeys, stored, and in force at once.
    pub(crate) fn update_license_settings(&self, actor: &Actor<'_>, mut update: LicenseSettings) -> ApiResult<UpdatedLicenseSettings> {
        let asker = actor.user_id();
        self.require_manager(asker)?;
        // One save at a time: each starts from the settings the one before left.
        let _saving = self.saving_settings.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let current = self.directory();
        let before = self.settings_of(&current, actor.license_id)?;
        if update.id != before.id || update.organization_id != before.organization_id {
            return Err(validation("a license's id and organization_id cannot change"));
        }
        if update.agents.iter().any(|agent| agent.token.is_some()) {
            return Err(validation("agents' tokens are not settings: make API tokens instead"));
        }
        self.check_roles(asker, &before, &mut update)?;
        let live = with_license("settings", &current, &update).map_err(|error| match error {
            crate::config::ConfigFileError::Invalid { key, message, .. } => {
                validation(format!("{}: {message}", key.trim_start_matches(|c: char| c != '.').trim_start_matches('.')))
            }
            other => validation(other.to_string()),
        })?;
        let seed_digest = self.db.stored_settings(update.id)?.map(|stored| stored.seed_digest).unwrap_or_default();
        let text = serde_json::to_string(&update).map_err(|error| validation(error.to_string()))?;
        self.db.store_settings(update.id, &StoredSettings { settings: text, seed_digest }, &self.clock.timestamp())?;
        self.set_live(live);
        self.hub.relay_settings_changed(update.id);

        // Accounts follow: new agents get one (and a first password), roles change, and
        // removed agents are signed out.
        let mut new_passwords = Vec::new();
        for agent in &update.agents {
            let role = agent.role.as_deref().and_then(Role::parse).unwrap_or(Role::Agent);
            self.db.seed_account(&agent.id, update.id, role.as_str(), &self.clock.timestamp())?;
            self.db.set_role(&agent.id, role.as_str())?;
            let added = !before.agents.iter().any(|old| old.id == agent.id);
            if added && !self.has_password(&agent.id)? {
                let password = crate::accounts::generate_password();
                self.db.set_credentials(&agent.id, &crate::accounts::hash_password(&password), None)?;
                new_passwords.push(NewPassword { agent_id: agent.id.clone(), password });
            }
        }
        let gone = |old: &&protocol::AgentSettings| !update.agents.iter().any(|agent| agent.id == old.id && !agent.disabled);
        for gone in before.agents.iter().filter(gone) {
            self.db.delete_sessions_of(&gone.id, None)?;
            self.hub.disconnect_agents(update.id, DisconnectReason::LoggedOutRemotely, crate::hub::AgentSockets::Agent(gone.id.clone()));
        }
        // Widgets hear at once when a change makes a group available or not; agents' apps
        // hear that their lists of groups and agents may be out of date.
        self.announce_availability(update.id)?;
        let updated = protocol::LicenseSettingsUpdated { license_id: update.id, updated_by: asker.to_owned() };
        self.hub.push_to_agents(update.id, &protocol::Push::LicenseSettingsUpdated(updated));
        Ok(UpdatedLicenseSettings { settings: self.settings_of(&self.directory(), update.id)?, new_passwords })
    }

    /// Takes a license's settings as stored (another node saved them).
    pub(crate) fn reload_license_settings(&self, license_id: u64) -> anyhow::Result<()> {
        let Some(stored) = self.db.stored_settings(license_id)? else { return Ok(()) };
        let update: LicenseSettings = serde_json::from_str(&stored.settings)?;
        let _saving = self.saving_settings.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        self.set_live(with_license("stored settings", &self.directory(), &update)?);
        Ok(())
    }

    fn set_live(&self, live: Config) {
        *self.live.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(live);
    }

    /// Roles: only owners make or unmake owners, and a license keeps at least one owner.
    fn check_roles(&self, asker: &str, before: &LicenseSettings, update: &mut LicenseSettings) -> ApiResult<()> {
        let asker_is_owner = self.role_of(asker)? == Role::Owner;
        for agent in &mut update.agents {
            let role = agent.role.as_deref().unwrap_or("agent");
            let role = Role::parse(role).ok_or_else(|| validation(format!("agents: {}: role must be owner, admin or agent", agent.id)))?;
            let was = before.agents.iter().find(|old| old.id == agent.id).and_then(|old| old.role.as_deref()).and_then(Role::parse);
            if !asker_is_owner && (role == Role::Owner || was == Some(Role::Owner)) && was != Some(role) {
                return Err(protocol::ErrorPayload::new(protocol::ErrorType::Authorization, "only an owner may make or unmake owners"));
            }
            agent.role = Some(role.as_str().to_owned());
        }
        // Removing or disabling an owner is unmaking one too.
        let owner_gone = before.agents.iter().filter(|old| old.role.as_deref() == Some("owner")).any(|old| {
            !update.agents.iter().any(|agent| agent.id == old.id && !agent.disabled)
        });
        if owner_gone && !asker_is_owner {
            return Err(protocol::ErrorPayload::new(protocol::ErrorType::Authorization, "only an owner may remove or disable an owner"));
        }
        if !before.agents.iter().any(|old| old.role.as_deref() == Some("owner")) {
            return Ok(());
        }
        if !update.agents.iter().any(|agent| agent.role.as_deref() == Some("owner") && !agent.disabled) {
            return Err(validation("a license needs an owner: keep at least one agent with the owner role"));
        }
        Ok(())
    }
}
