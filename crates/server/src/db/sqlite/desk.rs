//! The [`DeskStore`] part of the store: the archive's search (one SQL statement built from
//! the conditions given, words through the FTS5 index), thread tags and canned responses.

use rusqlite::types::Value as Sql;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};

use super::SqliteStore;
use crate::db::desk::{ArchiveQuery, CannedRefusal, DeskStore, Scalar, SetCondition};
use crate::db::DbResult;
use protocol::CannedResponse;

/// A WHERE clause under construction, with its parameters in order.
#[derive(Default)]
struct Clause {
    sql: String,
    params: Vec<Sql>,
}

impl Clause {
    fn and(&mut self, sql: &str, params: impl IntoIterator<Item = Sql>) {
        self.sql.push_str(" AND ");
        self.sql.push_str(sql);
        self.params.extend(params);
    }

    /// `(?, ?, ...)` for `count` parameters.
    fn list(count: usize) -> String {
        format!("({})", vec!["?"; count].join(", "))
    }

    /// A set condition where `any` is a subquery selecting the set's members for a thread
    /// (`t`) and `member` the column compared with the values.
    fn set<T: Clone + Into<Sql>>(&mut self, condition: &SetCondition<T>, any: &str, member: &str) {
        if let Some(exists) = condition.exists {
            self.and(&format!("{}EXISTS ({any})", if exists { "" } else { "NOT " }), []);
        }
        if let Some(values) = &condition.values {
            let sql = format!("EXISTS ({any} AND {member} IN {})", Clause::list(values.len()));
            self.and(&sql, values.iter().cloned().map(Into::into));
        }
        if !condition.exclude.is_empty() {
            let sql = format!("NOT EXISTS ({any} AND {member} IN {})", Clause::list(condition.exclude.len()));
            self.and(&sql, condition.exclude.iter().cloned().map(Into::into));
        }
    }
}

impl From<Scalar> for Sql {
    fn from(value: Scalar) -> Sql {
        match value {
            Scalar::Integer(value) => Sql::Integer(value),
            Scalar::Real(value) => Sql::Real(value),
            Scalar::Text(value) => Sql::Text(value),
        }
    }
}

/// The FTS5 query for `words`: each one quoted (so nothing in it is query syntax) and
/// matched as a prefix; all of them must be in one event.
fn match_words(words: &[String]) -> String {
    words.iter().map(|word| format!("\"{}\"*", word.replace('"', "\"\""))).collect::<Vec<_>>().join(" ")
}

/// The conditions of `query` on `threads t JOIN chats c`.
fn archive_clause(query: &ArchiveQuery) -> Clause {
    let mut clause = Clause { sql: "c.license_id = ? AND t.active = 0".to_owned(), params: vec![Sql::Integer(query.license_id as i64)] };
    if !query.words.is_empty() {
        clause.and(
            "t.id IN (SELECT e.thread_id FROM events_text JOIN events e ON e.seq = events_text.rowid WHERE events_text MATCH ?)",
            [Sql::Text(match_words(&query.words))],
        );
    }
    if let Some(from) = &query.from {
        clause.and("t.created_at >= ?", [Sql::Text(from.clone())]);
    }
    if let Some(to) = &query.to {
        clause.and("t.created_at <= ?", [Sql::Text(to.clone())]);
    }
    if let Some(groups) = &query.group_ids {
        clause.and(&format!("c.group_id IN {}", Clause::list(groups.len())), groups.iter().map(|group| Sql::Integer(i64::from(*group))));
    }
    if let Some(threads) = &query.thread_ids {
        clause.and(&format!("t.id IN {}", Clause::list(threads.len())), threads.iter().cloned().map(Sql::Text));
    }
    // An agent's event: an author who is not the chat's customer, in anything but a
    // system message.
    let agents = "SELECT 1 FROM events a WHERE a.thread_id = t.id AND a.author_id IS NOT NULL
        AND a.author_id != c.customer_id AND json_extract(a.body, '$.type') != 'system_message'";
    clause.set(&query.agents, agents, "a.author_id");
    clause.set(&query.tags, "SELECT 1 FROM thread_tags g WHERE g.thread_id = t.id", "g.tag");
    for property in &query.properties {
        // Names are checked by the caller to be plain words; quoted for the JSON path.
        let path = format!("$.\"{}\".\"{}\"", property.namespace, property.name);
        let value = format!("json_extract(t.properties, '{path}')");
        let condition = &property.condition;
        if let Some(exists) = condition.exists {
            clause.and(&format!("{value} IS {}NULL", if exists { "NOT " } else { "" }), []);
        }
        if let Some(values) = &condition.values {
            clause.and(&format!("{value} IN {}", Clause::list(values.len())), values.iter().cloned().map(Sql::from));
        }
        if !condition.exclude.is_empty() {
            let sql = format!("({value} IS NULL OR {value} NOT IN {})", Clause::list(condition.exclude.len()));
            clause.and(&sql, condition.exclude.iter().cloned().map(Sql::from));
        }
    }
    clause
}

fn archives(connection: &Connection, query: &ArchiveQuery, offset: usize, limit: usize) -> DbResult<(Vec<(String, String)>, u64)> {
    let clause = archive_clause(query);
    let from = "FROM threads t JOIN chats c ON c.id = t.chat_id WHERE";
    let total: i64 =
        connection.query_row(&format!("SELECT count(*) {from} {}", clause.sql), params_from_iter(clause.params.iter()), |row| row.get(0))?;
    let order = if query.ascending { "ASC" } else { "DESC" };
    let sql = format!("SELECT t.chat_id, t.id {from} {} ORDER BY t.seq {order} LIMIT ? OFFSET ?", clause.sql);
    let mut statement = connection.prepare(&sql)?;
    let page = clause.params.iter().cloned().chain([Sql::Integer(limit as i64), Sql::Integer(offset as i64)]);
    let rows = statement.query_map(params_from_iter(page), |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok((rows.collect::<Result<_, _>>()?, total.max(0) as u64))
}

const CANNED_COLUMNS: &str = "SELECT id, text, tags, created_by, modified_at FROM canned_responses";

fn canned_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<CannedResponse> {
    let tags: String = row.get(2)?;
    Ok(CannedResponse {
        id: row.get::<_, i64>(0)? as u64,
        text: row.get(1)?,
        tags: serde_json::from_str(&tags).unwrap_or_default(),
        created_by: row.get(3)?,
        modified_at: row.get(4)?,
    })
}

fn canned_of(connection: &Connection, license_id: u64) -> DbResult<Vec<CannedResponse>> {
    let mut statement = connection.prepare_cached(&format!("{CANNED_COLUMNS} WHERE license_id = ?1 ORDER BY id"))?;
    let rows = statement.query_map(params![license_id as i64], canned_row)?;
    let mut all: Vec<CannedResponse> = rows.collect::<Result<_, _>>()?;
    all.sort_by(|a, b| a.tags.first().cmp(&b.tags.first()).then(a.id.cmp(&b.id)));
    Ok(all)
}

/// The first of `tags` another reply of the license (not `except`) already has.
fn taken_shortcut(tx: &Connection, license_id: u64, tags: &[String], except: Option<u64>) -> DbResult<Option<String>> {
    let others = canned_of(tx, license_id)?;
    let others = others.iter().filter(|reply| Some(reply.id) != except);
    let used: Vec<&String> = others.flat_map(|reply| reply.tags.iter()).collect();
    Ok(tags.iter().find(|tag| used.iter().any(|other| other.eq_ignore_ascii_case(tag))).cloned())
}

fn canned_by_id(tx: &Connection, license_id: u64, id: u64) -> DbResult<Option<CannedResponse>> {
    let sql = format!("{CANNED_COLUMNS} WHERE id = ?1 AND license_id = ?2");
    Ok(tx.query_row(&sql, params![id as i64, license_id as i64], canned_row).optional()?)
}

fn tags_json(tags: &[String]) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".to_owned())
}

impl DeskStore for SqliteStore {
    fn archives(&self, query: &ArchiveQuery, offset: usize, limit: usize) -> DbResult<(Vec<(String, String)>, u64)> {
        self.read(|connection| archives(connection, query, offset, limit))
    }

    fn thread_tags(&self, thread_id: &str) -> DbResult<Vec<String>> {
        self.read(|connection| {
            let mut statement = connection.prepare_cached("SELECT tag FROM thread_tags WHERE thread_id = ?1 ORDER BY rowid")?;
            let rows = statement.query_map(params![thread_id], |row| row.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    fn tag_thread(&self, thread_id: &str, tag: &str) -> DbResult<bool> {
        let thread_id = thread_id.to_owned();
        let tag = tag.to_owned();
        self.write(move |tx| {
            let sql = "INSERT OR IGNORE INTO thread_tags (thread_id, tag) VALUES (?1, ?2)";
            Ok(tx.prepare_cached(sql)?.execute(params![thread_id, tag])? > 0)
        })
    }

    fn untag_thread(&self, thread_id: &str, tag: &str) -> DbResult<bool> {
        let thread_id = thread_id.to_owned();
        let tag = tag.to_owned();
        self.write(move |tx| {
            let sql = "DELETE FROM thread_tags WHERE thread_id = ?1 AND tag = ?2";
            Ok(tx.prepare_cached(sql)?.execute(params![thread_id, tag])? > 0)
        })
    }

    fn canned_responses(&self, license_id: u64) -> DbResult<Vec<CannedResponse>> {
        self.read(|connection| canned_of(connection, license_id))
    }

    fn create_canned_response(
        &self,
        license_id: u64,
        text: &str,
        tags: &[String],
        created_by: &str,
        now: &str,
    ) -> DbResult<Result<CannedResponse, CannedRefusal>> {
        let text = text.to_owned();
        let tags = tags.to_vec();
        let created_by = created_by.to_owned();
        let now = now.to_owned();
        self.write(move |tx| {
            if let Some(taken) = taken_shortcut(tx, license_id, &tags, None)? {
                return Ok(Err(CannedRefusal::ShortcutTaken(taken)));
            }
            tx.prepare_cached("INSERT INTO canned_responses (license_id, text, tags, created_by, modified_at) VALUES (?1, ?2, ?3, ?4, ?5)")?
                .execute(params![license_id as i64, text, tags_json(&tags), created_by, now])?;
            let id = tx.last_insert_rowid() as u64;
            Ok(canned_by_id(tx, license_id, id)?.ok_or(CannedRefusal::NotFound))
        })
    }

    fn update_canned_response(
        &self,
        license_id: u64,
        id: u64,
        text: Option<&str>,
        tags: Option<&[String]>,
        now: &str,
    ) -> DbResult<Result<CannedResponse, CannedRefusal>> {
        let text = text.map(str::to_owned);
        let tags = tags.map(<[String]>::to_vec);
        let now = now.to_owned();
        self.write(move |tx| {
            let Some(current) = canned_by_id(tx, license_id, id)? else { return Ok(Err(CannedRefusal::NotFound)) };
            if let Some(tags) = &tags
                && let Some(taken) = taken_shortcut(tx, license_id, tags, Some(id))?
            {
                return Ok(Err(CannedRefusal::ShortcutTaken(taken)));
            }
            let text = text.as_deref().unwrap_or(&current.text);
            let tags = tags.as_deref().map(tags_json).unwrap_or_else(|| tags_json(&current.tags));
            tx.prepare_cached("UPDATE canned_responses SET text = ?1, tags = ?2, modified_at = ?3 WHERE id = ?4")?
                .execute(params![text, tags, now, id as i64])?;
            Ok(canned_by_id(tx, license_id, id)?.ok_or(CannedRefusal::NotFound))
        })
    }

    fn delete_canned_response(&self, license_id: u64, id: u64) -> DbResult<bool> {
        self.write(move |tx| {
            let sql = "DELETE FROM canned_responses WHERE id = ?1 AND license_id = ?2";
            Ok(tx.prepare_cached(sql)?.execute(params![id as i64, license_id as i64])? > 0)
        })
    }
}
