//! The routing queue and agents' routing status, the [`QueueStore`] half of the store:
//! chats waiting for an agent, oldest first, and whether each agent takes new chats.

use rusqlite::{params, OptionalExtension};

use super::SqliteStore;
use crate::db::{DbResult, QueueStore, Queued};

impl QueueStore for SqliteStore {
    fn enqueue(&self, queued: &Queued) -> DbResult<()> {
        let queued = queued.clone();
        self.write(move |tx| {
            tx.prepare_cached("INSERT OR IGNORE INTO queue (chat_id, license_id, group_id, thread_id, customer_id, queued_at, agent_ids)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?.execute(params![
                    queued.chat_id,
                    queued.license_id as i64,
                    queued.group_id,
                    queued.thread_id,
                    queued.customer_id,
                    queued.queued_at,
                    serde_json::to_string(&queued.agent_ids).unwrap_or_else(|_| "[]".to_owned())
                ],
            )?;
            Ok(())
        })
    }

    fn dequeue(&self, chat_id: &str, now: &str) -> DbResult<bool> {
        let chat_id = chat_id.to_owned();
        let now = now.to_owned();
        self.write(move |tx| {
            // The stay is kept for reports before the row goes.
            tx.prepare_cached(
                "INSERT INTO queue_waits (thread_id, license_id, queued_at, left_at)
                 SELECT thread_id, license_id, queued_at, ?2 FROM queue WHERE chat_id = ?1",
            )?
            .execute(params![chat_id, now])?;
            Ok(tx.prepare_cached("DELETE FROM queue WHERE chat_id = ?1")?.execute(params![chat_id])? > 0)
        })
    }

    fn waiting(&self, license_id: u64) -> DbResult<Vec<Queued>> {
        self.read(|connection| {
            let mut statement = connection.prepare_cached(
                "SELECT chat_id, license_id, group_id, thread_id, customer_id, queued_at, agent_ids FROM queue
                 WHERE license_id = ?1 ORDER BY seq",
            )?;
            let rows = statement.query_map(params![license_id as i64], |row| {
                Ok(Queued {
                    chat_id: row.get(0)?,
                    license_id: row.get::<_, i64>(1)? as u64,
                    group_id: row.get(2)?,
                    thread_id: row.get(3)?,
                    customer_id: row.get(4)?,
                    queued_at: row.get(5)?,
                    agent_ids: serde_json::from_str(&row.get::<_, String>(6)?).unwrap_or_default(),
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    fn agent_accepting(&self, agent_id: &str) -> DbResult<Option<bool>> {
        self.read(|connection| {
            let accepting = connection
                .prepare_cached("SELECT accepting FROM agent_status WHERE agent_id = ?1")?.query_row(params![agent_id], |row| row.get(0))
                .optional()?;
            Ok(accepting)
        })
    }

    fn set_agent_accepting(&self, agent_id: &str, accepting: bool) -> DbResult<()> {
        let agent_id = agent_id.to_owned();
        self.write(move |tx| {
            tx.prepare_cached("INSERT INTO agent_status (agent_id, accepting) VALUES (?1, ?2)
                 ON CONFLICT (agent_id) DO UPDATE SET accepting = excluded.accepting")?.execute(params![agent_id, accepting],
            )?;
            Ok(())
        })
    }
}
