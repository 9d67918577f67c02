//! The desk's transitions for what owners and administrators do: API tokens, reports
//! and the license's settings.

use protocol::{ApiToken, CreatedApiToken, LicenseSettings, Report, UpdatedLicenseSettings};

use super::Desk;

impl Desk {
    /// Whether the agent manages the license (API tokens, and what only owners and
    /// administrators see).
    pub fn manages(&self) -> bool {
        matches!(self.my_permission.as_deref(), Some("owner" | "administrator"))
    }

    /// `list_api_tokens`.
    pub fn api_tokens_listed(&mut self, tokens: Vec<ApiToken>) {
        self.api_tokens = tokens;
    }

    /// `create_api_token` answered: the token joins the list, its secret is shown once.
    pub fn api_token_created(&mut self, created: CreatedApiToken) {
        self.api_tokens.retain(|token| token.id != created.info.id);
        self.api_tokens.insert(0, created.info.clone());
        self.new_api_token = Some(created);
    }

    /// The agent is done with a new token's secret: it is not kept.
    pub fn forget_new_api_token(&mut self) {
        self.new_api_token = None;
    }

    /// A report was asked for.
    pub fn report_asked(&mut self) {
        self.report_pending = true;
    }

    /// `get_report` answered (or failed, with `None`).
    pub fn report_loaded(&mut self, report: Option<Report>) {
        self.report_pending = false;
        if report.is_some() {
            self.report = report;
        }
    }

    /// `get_license_settings` answered.
    pub fn settings_loaded(&mut self, settings: LicenseSettings) {
        self.settings = Some(settings);
    }

    /// A save of the settings went out.
    pub fn settings_saving(&mut self) {
        self.settings_saving = true;
        self.settings_saved = false;
        self.settings_error = None;
        self.new_passwords.clear();
    }

    /// `update_license_settings` answered: the settings as they are now, and any first
    /// passwords to show.
    pub fn settings_saved(&mut self, updated: UpdatedLicenseSettings) {
        self.settings_saving = false;
        self.settings_saved = true;
        self.settings = Some(updated.settings);
        self.new_passwords = updated.new_passwords;
    }

    /// `update_license_settings` refused.
    pub fn settings_refused(&mut self, message: String) {
        self.settings_saving = false;
        self.settings_error = Some(message);
    }

    /// The agent is done with the first passwords: they are not kept.
    pub fn forget_new_passwords(&mut self) {
        self.new_passwords.clear();
    }

    /// `revoke_api_token` answered.
    pub fn api_token_revoked(&mut self, id: u64) {
        self.api_tokens.retain(|token| token.id != id);
        if self.new_api_token.as_ref().is_some_and(|created| created.info.id == id) {
            self.new_api_token = None;
        }
    }
}
