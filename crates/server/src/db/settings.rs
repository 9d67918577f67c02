//! Each license's settings as administrators keep them, the [`SettingsStore`] part of the
//! store: a JSON document per license, with the digest of the configuration file's version
//! it was last seeded from.

use crate::db::DbResult;

/// A license's stored settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSettings {
    /// The settings, as JSON.
    pub settings: String,
    /// Digest of the configuration's settings they were seeded from.
    pub seed_digest: String,
}

/// Storage of license settings.
pub trait SettingsStore {
    /// A license's stored settings.
    fn stored_settings(&self, license_id: u64) -> DbResult<Option<StoredSettings>>;
    /// Stores a license's settings.
    fn store_settings(&self, license_id: u64, stored: &StoredSettings, now: &str) -> DbResult<()>;
}
