//! The [`ReportStore`] part of the store on SQLite: a thread's figures come from its events
//! through the `events_by_thread` index; threads are found by start time.

use rusqlite::types::Value as Sql;
use rusqlite::params_from_iter;

use super::SqliteStore;
use crate::db::reports::{QueueStay, ReportQuery, ReportStore, ThreadFigures};
use crate::db::DbResult;

/// Event types a visitor or an agent writes (not system lines).
const WRITTEN: &str = "('message', 'rich_message', 'file', 'filled_form')";

/// An agent's answer to the visitor in thread `t` of chat `c`: written by someone other than
/// the chat's customer, and not an internal note.
fn agent_answer() -> String {
    format!(
        "e.thread_id = t.id AND e.author_id IS NOT NULL AND e.author_id <> c.customer_id
         AND json_extract(e.body, '$.type') IN {WRITTEN}
         AND coalesce(json_extract(e.body, '$.recipients'), 'all') <> 'agents'"
    )
}

/// The WHERE clause that picks a query's threads (`t`, with their chat `c`), and its
/// parameters from `?1`.
fn covered(query: &ReportQuery) -> (String, Vec<Sql>) {
    let mut sql = "c.license_id = ?1 AND t.created_at >= ?2 AND t.created_at < ?3".to_owned();
    let mut params = vec![Sql::Integer(query.license_id as i64), Sql::Text(query.from.clone()), Sql::Text(query.until.clone())];
    if let Some(group_id) = query.group_id {
        params.push(Sql::Integer(i64::from(group_id)));
        sql.push_str(&format!(" AND c.group_id = ?{}", params.len()));
    }
    if let Some(agent_id) = &query.agent_id {
        params.push(Sql::Text(agent_id.clone()));
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM events e WHERE e.thread_id = t.id AND e.author_id = ?{})",
            params.len()
        ));
    }
    (sql, params)
}

impl ReportStore for SqliteStore {
    fn report_threads(&self, query: &ReportQuery) -> DbResult<Vec<ThreadFigures>> {
        let (condition, params) = covered(query);
        let sql = format!(
            "SELECT t.chat_id, t.id, t.created_at, t.active,
                (SELECT min(e.created_at) FROM events e WHERE e.thread_id = t.id AND e.author_id = c.customer_id
                    AND json_extract(e.body, '$.type') IN {WRITTEN}),
                (SELECT min(e.created_at) FROM events e WHERE {answer}),
                (SELECT max(e.created_at) FROM events e WHERE e.thread_id = t.id),
                json_extract(t.properties, '$.rating.score'),
                json_extract(t.properties, '$.rating.comment')
             FROM threads t JOIN chats c ON c.id = t.chat_id
             WHERE {condition} ORDER BY t.created_at",
            answer = agent_answer()
        );
        self.read(|connection| {
            let mut statement = connection.prepare_cached(&sql)?;
            let rows = statement.query_map(params_from_iter(params), |row| {
                Ok(ThreadFigures {
                    chat_id: row.get(0)?,
                    thread_id: row.get(1)?,
                    started_at: row.get(2)?,
                    active: row.get(3)?,
                    first_visitor_message: row.get(4)?,
                    first_agent_message: row.get(5)?,
                    last_event: row.get(6)?,
                    rating: row.get(7)?,
                    comment: row.get(8)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    fn report_queue_stays(&self, query: &ReportQuery) -> DbResult<Vec<QueueStay>> {
        let (condition, params) = covered(query);
        let sql = format!(
            "SELECT w.queued_at, w.left_at, EXISTS (SELECT 1 FROM events e WHERE {answer})
             FROM queue_waits w JOIN threads t ON t.id = w.thread_id JOIN chats c ON c.id = t.chat_id
             WHERE w.license_id = ?1 AND w.queued_at >= ?2 AND w.queued_at < ?3 AND {condition}
             ORDER BY w.queued_at",
            answer = agent_answer()
        );
        self.read(|connection| {
            let mut statement = connection.prepare_cached(&sql)?;
            let rows = statement.query_map(params_from_iter(params), |row| {
                Ok(QueueStay { queued_at: row.get(0)?, left_at: row.get(1)?, answered: row.get(2)? })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }
}
