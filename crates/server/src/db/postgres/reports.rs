//! The [`ReportStore`] part of the store on PostgreSQL: a thread's figures come from its
//! events through the `events_by_thread` index; threads are found by start time.

use tokio_postgres::types::ToSql;

use super::PgStore;
use crate::db::reports::{QueueStay, ReportQuery, ReportStore, ThreadFigures};
use crate::db::DbResult;

/// Event types a visitor or an agent writes (not system lines).
const WRITTEN: &str = "('message', 'rich_message', 'file', 'filled_form')";

/// An agent's answer to the visitor in thread `t` of chat `c`: written by someone other than
/// the chat's customer, and not an internal note.
fn agent_answer() -> String {
    format!(
        "e.thread_id = t.id AND e.author_id IS NOT NULL AND e.author_id <> c.customer_id
         AND (e.body::jsonb ->> 'type') IN {WRITTEN}
         AND coalesce(e.body::jsonb ->> 'recipients', 'all') <> 'agents'"
    )
}

/// The WHERE clause that picks a query's threads (`t`, with their chat `c`), and its
/// parameters from `$1` (license, from, until).
fn covered(query: &ReportQuery) -> (String, Vec<Box<dyn ToSql + Sync + Send>>) {
    let mut sql = "c.license_id = $1 AND t.created_at >= $2 AND t.created_at < $3".to_owned();
    let mut params: Vec<Box<dyn ToSql + Sync + Send>> =
        vec![Box::new(query.license_id as i64), Box::new(query.from.clone()), Box::new(query.until.clone())];
    if let Some(group_id) = query.group_id {
        params.push(Box::new(i64::from(group_id)));
        sql.push_str(&format!(" AND c.group_id = ${}", params.len()));
    }
    if let Some(agent_id) = &query.agent_id {
        params.push(Box::new(agent_id.clone()));
        sql.push_str(&format!(" AND EXISTS (SELECT 1 FROM events e WHERE e.thread_id = t.id AND e.author_id = ${})", params.len()));
    }
    (sql, params)
}

/// The parameters as the client takes them.
fn borrowed(params: &[Box<dyn ToSql + Sync + Send>]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|param| param.as_ref() as &(dyn ToSql + Sync)).collect()
}

impl ReportStore for PgStore {
    fn report_threads(&self, query: &ReportQuery) -> DbResult<Vec<ThreadFigures>> {
        let (condition, params) = covered(query);
        // The rating's score as SQLite's json_extract gives it: a number, or 1 and 0 for true
        // and false. Ties in start time go in the order the threads were made.
        let sql = format!(
            "SELECT t.chat_id, t.id, t.created_at, t.active,
                (SELECT min(e.created_at) FROM events e WHERE e.thread_id = t.id AND e.author_id = c.customer_id
                    AND (e.body::jsonb ->> 'type') IN {WRITTEN}),
                (SELECT min(e.created_at) FROM events e WHERE {answer}),
                (SELECT max(e.created_at) FROM events e WHERE e.thread_id = t.id),
                CASE jsonb_typeof(r.rating -> 'score')
                    WHEN 'number' THEN (r.rating ->> 'score')::NUMERIC::BIGINT
                    WHEN 'boolean' THEN CASE WHEN r.rating -> 'score' = 'true'::jsonb THEN 1::BIGINT ELSE 0::BIGINT END
                END,
                r.rating ->> 'comment'
             FROM threads t JOIN chats c ON c.id = t.chat_id
                CROSS JOIN LATERAL (SELECT t.properties::jsonb -> 'rating' AS rating) r
             WHERE {condition} ORDER BY t.created_at, t.seq",
            answer = agent_answer()
        );
        self.read(async |client| {
            let rows = client.query(&sql, &borrowed(&params)).await?;
            Ok(rows
                .iter()
                .map(|row| ThreadFigures {
                    chat_id: row.get(0),
                    thread_id: row.get(1),
                    started_at: row.get(2),
                    active: row.get(3),
                    first_visitor_message: row.get(4),
                    first_agent_message: row.get(5),
                    last_event: row.get(6),
                    rating: row.get(7),
                    comment: row.get(8),
                })
                .collect())
        })
    }

    fn report_queue_stays(&self, query: &ReportQuery) -> DbResult<Vec<QueueStay>> {
        let (condition, params) = covered(query);
        // Ties in queueing time go in the order the stays were recorded.
        let sql = format!(
            "SELECT w.queued_at, w.left_at, EXISTS (SELECT 1 FROM events e WHERE {answer})
             FROM queue_waits w JOIN threads t ON t.id = w.thread_id JOIN chats c ON c.id = t.chat_id
             WHERE w.license_id = $1 AND w.queued_at >= $2 AND w.queued_at < $3 AND {condition}
             ORDER BY w.queued_at, w.seq",
            answer = agent_answer()
        );
        self.read(async |client| {
            let rows = client.query(&sql, &borrowed(&params)).await?;
            Ok(rows.iter().map(|row| QueueStay { queued_at: row.get(0), left_at: row.get(1), answered: row.get(2) }).collect())
        })
    }
}
