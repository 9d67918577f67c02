//! The [`AccountStore`] part of the store on SQLite.

use rusqlite::{params, OptionalExtension, Row};

use super::SqliteStore;
use crate::db::accounts::{AccountRow, AccountStore, ApiTokenRow};
use crate::db::DbResult;

const TOKEN_COLUMNS: &str = "id, license_id, agent_id, name, created_by, created_at, expires_at, last_used_at";

fn token_row(row: &Row<'_>) -> rusqlite::Result<ApiTokenRow> {
    Ok(ApiTokenRow {
        id: row.get(0)?,
        license_id: row.get(1)?,
        agent_id: row.get(2)?,
        name: row.get(3)?,
        created_by: row.get(4)?,
        created_at: row.get(5)?,
        expires_at: row.get(6)?,
        last_used_at: row.get(7)?,
    })
}

impl AccountStore for SqliteStore {
    fn seed_account(&self, agent_id: &str, license_id: u64, role: &str, now: &str) -> DbResult<()> {
        let agent_id = agent_id.to_owned();
        let role = role.to_owned();
        let now = now.to_owned();
        self.write(move |tx| {
            tx.prepare_cached("INSERT OR IGNORE INTO accounts (agent_id, license_id, role, created_at) VALUES (?1, ?2, ?3, ?4)")?
                .execute(params![agent_id, license_id, role, now])?;
            Ok(())
        })
    }

    fn account(&self, agent_id: &str) -> DbResult<Option<AccountRow>> {
        self.read(|connection| {
            let mut statement = connection.prepare_cached("SELECT agent_id, role, password_hash FROM accounts WHERE agent_id = ?1")?;
            let row = statement
                .query_row(params![agent_id], |row| Ok(AccountRow { agent_id: row.get(0)?, role: row.get(1)?, password_hash: row.get(2)? }))
                .optional()?;
            Ok(row)
        })
    }

    fn set_credentials(&self, agent_id: &str, password_hash: &str, role: Option<&str>) -> DbResult<()> {
        let agent_id = agent_id.to_owned();
        let password_hash = password_hash.to_owned();
        let role = role.map(str::to_owned);
        self.write(move |tx| {
            tx.prepare_cached("UPDATE accounts SET password_hash = ?2, role = COALESCE(?3, role) WHERE agent_id = ?1")?
                .execute(params![agent_id, password_hash, role])?;
            Ok(())
        })
    }

    fn set_role(&self, agent_id: &str, role: &str) -> DbResult<()> {
        let agent_id = agent_id.to_owned();
        let role = role.to_owned();
        self.write(move |tx| {
            tx.prepare_cached("UPDATE accounts SET role = ?2 WHERE agent_id = ?1")?.execute(params![agent_id, role])?;
            Ok(())
        })
    }

    fn create_session(&self, token_hash: &str, agent_id: &str, now: i64, expires_at: i64) -> DbResult<()> {
        let token_hash = token_hash.to_owned();
        let agent_id = agent_id.to_owned();
        self.write(move |tx| {
            // Sessions that ran out go as new ones come, so the table keeps only live ones.
            tx.prepare_cached("DELETE FROM agent_sessions WHERE expires_at <= ?1")?.execute(params![now])?;
            tx.prepare_cached("INSERT INTO agent_sessions (token_hash, agent_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)")?
                .execute(params![token_hash, agent_id, now, expires_at])?;
            Ok(())
        })
    }

    fn session(&self, token_hash: &str, now: i64) -> DbResult<Option<(String, i64)>> {
        self.read(|connection| {
            let mut statement =
                connection.prepare_cached("SELECT agent_id, expires_at FROM agent_sessions WHERE token_hash = ?1 AND expires_at > ?2")?;
            Ok(statement.query_row(params![token_hash, now], |row| Ok((row.get(0)?, row.get(1)?))).optional()?)
        })
    }

    fn delete_session(&self, token_hash: &str) -> DbResult<bool> {
        let token_hash = token_hash.to_owned();
        self.write(move |tx| Ok(tx.prepare_cached("DELETE FROM agent_sessions WHERE token_hash = ?1")?.execute(params![token_hash])? > 0))
    }

    fn delete_sessions_of(&self, agent_id: &str, keep: Option<&str>) -> DbResult<Vec<String>> {
        let agent_id = agent_id.to_owned();
        let keep = keep.map(str::to_owned);
        self.write(move |tx| {
            let mut statement = tx.prepare_cached(
                "DELETE FROM agent_sessions WHERE agent_id = ?1 AND token_hash IS NOT ?2 RETURNING token_hash",
            )?;
            let rows = statement.query_map(params![agent_id, keep], |row| row.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    fn create_api_token(&self, token_hash: &str, token: &ApiTokenRow) -> DbResult<u64> {
        let token_hash = token_hash.to_owned();
        let token = token.clone();
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT INTO api_tokens (token_hash, license_id, agent_id, name, created_by, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                token_hash,
                token.license_id,
                token.agent_id,
                token.name,
                token.created_by,
                token.created_at,
                token.expires_at
            ])?;
            Ok(tx.last_insert_rowid() as u64)
        })
    }

    fn api_tokens(&self, license_id: u64, now: i64) -> DbResult<Vec<ApiTokenRow>> {
        self.read(|connection| {
            let sql = format!(
                "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE license_id = ?1 AND revoked_at IS NULL
                 AND (expires_at IS NULL OR expires_at > ?2) ORDER BY id DESC"
            );
            let mut statement = connection.prepare_cached(&sql)?;
            let rows = statement.query_map(params![license_id, now], token_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    fn use_api_token(&self, token_hash: &str, now: i64, now_text: &str) -> DbResult<Option<ApiTokenRow>> {
        let token_hash = token_hash.to_owned();
        let now_text = now_text.to_owned();
        self.write(move |tx| {
            let sql = format!(
                "UPDATE api_tokens SET last_used_at = ?3 WHERE token_hash = ?1 AND revoked_at IS NULL
                 AND (expires_at IS NULL OR expires_at > ?2) RETURNING {TOKEN_COLUMNS}"
            );
            Ok(tx.prepare_cached(&sql)?.query_row(params![token_hash, now, now_text], token_row).optional()?)
        })
    }

    fn revoke_api_token(&self, license_id: u64, id: u64, now_text: &str) -> DbResult<bool> {
        let now_text = now_text.to_owned();
        self.write(move |tx| {
            let changed = tx
                .prepare_cached("UPDATE api_tokens SET revoked_at = ?3 WHERE id = ?2 AND license_id = ?1 AND revoked_at IS NULL")?
                .execute(params![license_id, id, now_text])?;
            Ok(changed > 0)
        })
    }
}
