//! The [`SettingsStore`] part of the store on SQLite.

use rusqlite::{params, OptionalExtension};

use super::SqliteStore;
use crate::db::settings::{SettingsStore, StoredSettings};
use crate::db::DbResult;

impl SettingsStore for SqliteStore {
    fn stored_settings(&self, license_id: u64) -> DbResult<Option<StoredSettings>> {
        self.read(|connection| {
            let mut statement = connection.prepare_cached("SELECT settings, seed_digest FROM license_settings WHERE license_id = ?1")?;
            Ok(statement
                .query_row(params![license_id as i64], |row| Ok(StoredSettings { settings: row.get(0)?, seed_digest: row.get(1)? }))
                .optional()?)
        })
    }

    fn store_settings(&self, license_id: u64, stored: &StoredSettings, now: &str) -> DbResult<()> {
        let stored = stored.clone();
        let now = now.to_owned();
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT INTO license_settings (license_id, settings, seed_digest, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (license_id) DO UPDATE SET settings = excluded.settings, seed_digest = excluded.seed_digest,
                 updated_at = excluded.updated_at",
            )?
            .execute(params![license_id as i64, stored.settings, stored.seed_digest, now])?;
            Ok(())
        })
    }
}
