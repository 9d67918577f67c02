//! The [`AccountStore`] part of the store on PostgreSQL.

use tokio_postgres::Row;

use super::PgStore;
use crate::db::accounts::{AccountRow, AccountStore, ApiTokenRow};
use crate::db::DbResult;

const TOKEN_COLUMNS: &str = "id, license_id, agent_id, name, created_by, created_at, expires_at, last_used_at";

fn token_row(row: &Row) -> DbResult<ApiTokenRow> {
    Ok(ApiTokenRow {
        id: row.try_get::<_, i64>(0)? as u64,
        license_id: row.try_get::<_, i64>(1)? as u64,
        agent_id: row.try_get(2)?,
        name: row.try_get(3)?,
        created_by: row.try_get(4)?,
        created_at: row.try_get(5)?,
        expires_at: row.try_get(6)?,
        last_used_at: row.try_get(7)?,
    })
}

impl AccountStore for PgStore {
    fn seed_account(&self, agent_id: &str, license_id: u64, role: &str, now: &str) -> DbResult<()> {
        self.write(async |tx| {
            tx.execute(
                "INSERT INTO accounts (agent_id, license_id, role, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                &[&agent_id, &(license_id as i64), &role, &now],
            )
            .await?;
            Ok(())
        })
    }

    fn account(&self, agent_id: &str) -> DbResult<Option<AccountRow>> {
        self.read(async |client| {
            let row = client.query_opt("SELECT agent_id, role, password_hash FROM accounts WHERE agent_id = $1", &[&agent_id]).await?;
            row.map(|row| Ok(AccountRow { agent_id: row.try_get(0)?, role: row.try_get(1)?, password_hash: row.try_get(2)? })).transpose()
        })
    }

    fn set_credentials(&self, agent_id: &str, password_hash: &str, role: Option<&str>) -> DbResult<()> {
        self.write(async |tx| {
            tx.execute(
                "UPDATE accounts SET password_hash = $2, role = COALESCE($3::TEXT, role) WHERE agent_id = $1",
                &[&agent_id, &password_hash, &role],
            )
            .await?;
            Ok(())
        })
    }

    fn set_role(&self, agent_id: &str, role: &str) -> DbResult<()> {
        self.write(async |tx| {
            tx.execute("UPDATE accounts SET role = $2 WHERE agent_id = $1", &[&agent_id, &role]).await?;
            Ok(())
        })
    }

    fn create_session(&self, token_hash: &str, agent_id: &str, now: i64, expires_at: i64) -> DbResult<()> {
        self.write(async |tx| {
            // Sessions that ran out go as new ones come, so the table keeps only live ones.
            tx.execute("DELETE FROM agent_sessions WHERE expires_at <= $1", &[&now]).await?;
            tx.execute(
                "INSERT INTO agent_sessions (token_hash, agent_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
                &[&token_hash, &agent_id, &now, &expires_at],
            )
            .await?;
            Ok(())
        })
    }

    fn session(&self, token_hash: &str, now: i64) -> DbResult<Option<(String, i64)>> {
        self.read(async |client| {
            let row = client
                .query_opt("SELECT agent_id, expires_at FROM agent_sessions WHERE token_hash = $1 AND expires_at > $2", &[&token_hash, &now])
                .await?;
            row.map(|row| Ok((row.try_get(0)?, row.try_get(1)?))).transpose()
        })
    }

    fn delete_session(&self, token_hash: &str) -> DbResult<bool> {
        self.write(async |tx| Ok(tx.execute("DELETE FROM agent_sessions WHERE token_hash = $1", &[&token_hash]).await? > 0))
    }

    fn delete_sessions_of(&self, agent_id: &str, keep: Option<&str>) -> DbResult<Vec<String>> {
        self.write(async |tx| {
            let rows = tx
                .query(
                    "DELETE FROM agent_sessions WHERE agent_id = $1 AND token_hash IS DISTINCT FROM $2::TEXT RETURNING token_hash",
                    &[&agent_id, &keep],
                )
                .await?;
            Ok(rows.iter().map(|row| row.try_get(0)).collect::<Result<_, _>>()?)
        })
    }

    fn create_api_token(&self, token_hash: &str, token: &ApiTokenRow) -> DbResult<u64> {
        self.write(async |tx| {
            let row = tx
                .query_one(
                    "INSERT INTO api_tokens (token_hash, license_id, agent_id, name, created_by, created_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                    &[
                        &token_hash,
                        &(token.license_id as i64),
                        &token.agent_id,
                        &token.name,
                        &token.created_by,
                        &token.created_at,
                        &token.expires_at,
                    ],
                )
                .await?;
            Ok(row.try_get::<_, i64>(0)? as u64)
        })
    }

    fn api_tokens(&self, license_id: u64, now: i64) -> DbResult<Vec<ApiTokenRow>> {
        self.read(async |client| {
            let sql = format!(
                "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE license_id = $1 AND revoked_at IS NULL
                 AND (expires_at IS NULL OR expires_at > $2) ORDER BY id DESC"
            );
            let rows = client.query(&sql, &[&(license_id as i64), &now]).await?;
            rows.iter().map(token_row).collect()
        })
    }

    fn use_api_token(&self, token_hash: &str, now: i64, now_text: &str) -> DbResult<Option<ApiTokenRow>> {
        self.write(async |tx| {
            let sql = format!(
                "UPDATE api_tokens SET last_used_at = $3 WHERE token_hash = $1 AND revoked_at IS NULL
                 AND (expires_at IS NULL OR expires_at > $2) RETURNING {TOKEN_COLUMNS}"
            );
            let row = tx.query_opt(&sql, &[&token_hash, &now, &now_text]).await?;
            row.as_ref().map(token_row).transpose()
        })
    }

    fn revoke_api_token(&self, license_id: u64, id: u64, now_text: &str) -> DbResult<bool> {
        self.write(async |tx| {
            let changed = tx
                .execute(
                    "UPDATE api_tokens SET revoked_at = $3 WHERE id = $2 AND license_id = $1 AND revoked_at IS NULL",
                    &[&(license_id as i64), &(id as i64), &now_text],
                )
                .await?;
            Ok(changed > 0)
        })
    }
}
