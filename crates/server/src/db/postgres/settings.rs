//! The [`SettingsStore`] part of the store on PostgreSQL.

use super::PgStore;
use crate::db::settings::{SettingsStore, StoredSettings};
use crate::db::DbResult;

impl SettingsStore for PgStore {
    fn stored_settings(&self, license_id: u64) -> DbResult<Option<StoredSettings>> {
        self.read(async |client| {
            let row = client
                .query_opt("SELECT settings, seed_digest FROM license_settings WHERE license_id = $1", &[&(license_id as i64)])
                .await?;
            row.map(|row| Ok(StoredSettings { settings: row.try_get(0)?, seed_digest: row.try_get(1)? })).transpose()
        })
    }

    fn store_settings(&self, license_id: u64, stored: &StoredSettings, now: &str) -> DbResult<()> {
        self.write(async |tx| {
            tx.execute(
                "INSERT INTO license_settings (license_id, settings, seed_digest, updated_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (license_id) DO UPDATE SET settings = excluded.settings, seed_digest = excluded.seed_digest,
                 updated_at = excluded.updated_at",
                &[&(license_id as i64), &stored.settings, &stored.seed_digest, &now],
            )
            .await?;
            Ok(())
        })
    }
}
