//! The routing queue and agents' routing status, the [`QueueStore`] half of the store:
//! chats waiting for an agent, oldest first, and whether each agent takes new chats.

use super::PgStore;
use crate::db::{DbResult, QueueStore, Queued};

impl QueueStore for PgStore {
    fn enqueue(&self, queued: &Queued) -> DbResult<()> {
        let agent_ids = serde_json::to_string(&queued.agent_ids).unwrap_or_else(|_| "[]".to_owned());
        self.write(async |tx| {
            tx.execute(
                "INSERT INTO queue (chat_id, license_id, group_id, thread_id, customer_id, queued_at, agent_ids)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                &[
                    &queued.chat_id,
                    &(queued.license_id as i64),
                    &i64::from(queued.group_id),
                    &queued.thread_id,
                    &queued.customer_id,
                    &queued.queued_at,
                    &agent_ids,
                ],
            )
            .await?;
            Ok(())
        })
    }

    fn dequeue(&self, chat_id: &str, now: &str) -> DbResult<bool> {
        self.write(async |tx| {
            // One statement: of two nodes taking the same chat at once, only one deletes the
            // row, and the stay is kept for reports from what it deleted.
            let kept = tx
                .execute(
                    "WITH taken AS (DELETE FROM queue WHERE chat_id = $1 RETURNING thread_id, license_id, queued_at)
                     INSERT INTO queue_waits (thread_id, license_id, queued_at, left_at)
                     SELECT thread_id, license_id, queued_at, $2::TEXT FROM taken",
                    &[&chat_id, &now],
                )
                .await?;
            Ok(kept > 0)
        })
    }

    fn waiting(&self, license_id: u64) -> DbResult<Vec<Queued>> {
        self.read(async |client| {
            let rows = client
                .query(
                    "SELECT chat_id, license_id, group_id, thread_id, customer_id, queued_at, agent_ids FROM queue
                     WHERE license_id = $1 ORDER BY seq",
                    &[&(license_id as i64)],
                )
                .await?;
            rows.iter()
                .map(|row| {
                    Ok(Queued {
                        chat_id: row.try_get(0)?,
                        license_id: row.try_get::<_, i64>(1)? as u64,
                        group_id: row.try_get::<_, i64>(2)? as u32,
                        thread_id: row.try_get(3)?,
                        customer_id: row.try_get(4)?,
                        queued_at: row.try_get(5)?,
                        agent_ids: serde_json::from_str(row.try_get::<_, &str>(6)?).unwrap_or_default(),
                    })
                })
                .collect()
        })
    }

    fn agent_accepting(&self, agent_id: &str) -> DbResult<Option<bool>> {
        self.read(async |client| {
            let row = client.query_opt("SELECT accepting FROM agent_status WHERE agent_id = $1", &[&agent_id]).await?;
            Ok(row.map(|row| row.try_get(0)).transpose()?)
        })
    }

    fn set_agent_accepting(&self, agent_id: &str, accepting: bool) -> DbResult<()> {
        self.write(async |tx| {
            tx.execute(
                "INSERT INTO agent_status (agent_id, accepting) VALUES ($1, $2)
                 ON CONFLICT (agent_id) DO UPDATE SET accepting = excluded.accepting",
                &[&agent_id, &accepting],
            )
            .await?;
            Ok(())
        })
    }
}
