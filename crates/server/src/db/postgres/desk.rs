//! The [`DeskStore`] part of the store on PostgreSQL: the archive's search (one SQL statement
//! built from the conditions given, words through the `words` text-search column), thread
//! tags and canned responses.

use tokio_postgres::types::ToSql;
use super::conn::Db;

use super::PgStore;
use crate::db::desk::{ArchiveQuery, CannedRefusal, DeskStore, Scalar, SetCondition};
use crate::db::DbResult;
use protocol::CannedResponse;

/// A statement parameter of any type.
type Param = Box<dyn ToSql + Sync + Send>;

/// A WHERE clause under construction, with its parameters in order (`$1` first).
#[derive(Default)]
struct Clause {
    sql: String,
    params: Vec<Param>,
}

impl Clause {
    /// Adds a parameter; its placeholder.
    fn param(&mut self, value: impl ToSql + Sync + Send + 'static) -> String {
        self.params.push(Box::new(value));
        format!("${}", self.params.len())
    }

    fn and(&mut self, sql: &str) {
        self.sql.push_str(" AND ");
        self.sql.push_str(sql);
    }

    /// The parameters as the client takes them.
    fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params.iter().map(|param| param.as_ref() as &(dyn ToSql + Sync)).collect()
    }

    /// A set condition where `any` is a subquery selecting the set's members for a thread
    /// (`t`) and `member` the text column compared with the values.
    fn set(&mut self, condition: &SetCondition<String>, any: &str, member: &str) {
        if let Some(exists) = condition.exists {
            self.and(&format!("{}EXISTS ({any})", if exists { "" } else { "NOT " }));
        }
        if let Some(values) = &condition.values {
            let values = self.param(values.clone());
            self.and(&format!("EXISTS ({any} AND {member} = ANY({values}::TEXT[]))"));
        }
        if !condition.exclude.is_empty() {
            let exclude = self.param(condition.exclude.clone());
            self.and(&format!("NOT EXISTS ({any} AND {member} = ANY({exclude}::TEXT[]))"));
        }
    }

    /// `(to_jsonb($n::BIGINT), ...)` for `values`, each as JSON of its own type; `None` for none.
    fn scalars(&mut self, values: &[Scalar]) -> Option<String> {
        let list: Vec<String> = values
            .iter()
            .map(|value| match value.clone() {
                Scalar::Integer(value) => format!("to_jsonb({}::BIGINT)", self.param(value)),
                Scalar::Real(value) => format!("to_jsonb({}::FLOAT8)", self.param(value)),
                Scalar::Text(value) => format!("to_jsonb({}::TEXT)", self.param(value)),
            })
            .collect();
        (!list.is_empty()).then(|| format!("({})", list.join(", ")))
    }
}

/// The text-search query for `words`: all of them must be in one event, each matched as a
/// prefix. A word is split where the stored words are (at anything but a letter or digit),
/// and its parts must follow one another, as in FTS5's phrase; only letters and digits
/// reach the query, so nothing in a word is query syntax. `None` when no word has any
/// (matches nothing, as on SQLite). The query's words are folded like the stored ones
/// (the `chat_words` configuration: lowercase, accents removed).
fn match_words(words: &[String]) -> Option<String> {
    let terms: Vec<String> = words
        .iter()
        .map(|word| word.split(|c: char| !c.is_alphanumeric()).filter(|part| !part.is_empty()).collect::<Vec<_>>())
        .filter(|parts| !parts.is_empty())
        .map(|parts| {
            let last = parts.len() - 1;
            let parts: Vec<String> = parts.iter().enumerate().map(|(i, part)| if i == last { format!("{part}:*") } else { (*part).to_owned() }).collect();
            format!("({})", parts.join(" <-> "))
        })
        .collect();
    (!terms.is_empty()).then(|| terms.join(" & "))
}

/// The conditions of `query` on `threads t JOIN chats c`.
fn archive_clause(query: &ArchiveQuery) -> Clause {
    let mut clause = Clause::default();
    clause.sql = format!("c.license_id = {} AND NOT t.active", clause.param(query.license_id as i64));
    if !query.words.is_empty() {
        match match_words(&query.words) {
            Some(words) => {
                let words = clause.param(words);
                clause.and(&format!("t.id IN (SELECT e.thread_id FROM events e WHERE e.words @@ to_tsquery('chat_words', {words}::TEXT))"));
            }
            None => clause.and("FALSE"),
        }
    }
    if let Some(from) = &query.from {
        let from = clause.param(from.clone());
        clause.and(&format!("t.created_at >= {from}::TEXT"));
    }
    if let Some(to) = &query.to {
        let to = clause.param(to.clone());
        clause.and(&format!("t.created_at <= {to}::TEXT"));
    }
    if let Some(groups) = &query.group_ids {
        let groups = clause.param(groups.iter().map(|group| i64::from(*group)).collect::<Vec<i64>>());
        clause.and(&format!("c.group_id = ANY({groups}::BIGINT[])"));
    }
    if let Some(threads) = &query.thread_ids {
        let threads = clause.param(threads.clone());
        clause.and(&format!("t.id = ANY({threads}::TEXT[])"));
    }
    // An agent's event: an author who is not the chat's customer, in anything but a
    // system message.
    let agents = "SELECT 1 FROM events a WHERE a.thread_id = t.id AND a.author_id IS NOT NULL
        AND a.author_id <> c.customer_id AND (a.body::jsonb ->> 'type') <> 'system_message'";
    clause.set(&query.agents, agents, "a.author_id");
    clause.set(&query.tags, "SELECT 1 FROM thread_tags g WHERE g.thread_id = t.id", "g.tag");
    for property in &query.properties {
        let condition = &property.condition;
        if condition.values.as_ref().is_some_and(Vec::is_empty) {
            clause.and("FALSE");
        }
        // Every parameter given must be in the statement: the names only when compared.
        if condition.exists.is_none() && condition.values.as_ref().is_none_or(Vec::is_empty) && condition.exclude.is_empty() {
            continue;
        }
        let path = format!(
            "(t.properties::jsonb -> {}::TEXT -> {}::TEXT)",
            clause.param(property.namespace.clone()),
            clause.param(property.name.clone())
        );
        // As SQLite's json_extract gives it: JSON null is no value, booleans are 1 and 0.
        let value = format!("(CASE {path} WHEN 'null'::jsonb THEN NULL WHEN 'true'::jsonb THEN '1'::jsonb WHEN 'false'::jsonb THEN '0'::jsonb ELSE {path} END)");
        if let Some(exists) = condition.exists {
            clause.and(&format!("{value} IS {}NULL", if exists { "NOT " } else { "" }));
        }
        if let Some(list) = condition.values.as_deref().and_then(|values| clause.scalars(values)) {
            clause.and(&format!("{value} IN {list}"));
        }
        if let Some(list) = clause.scalars(&condition.exclude) {
            clause.and(&format!("({value} IS NULL OR {value} NOT IN {list})"));
        }
    }
    clause
}

async fn archives(client: &Db<'_>, query: &ArchiveQuery, offset: usize, limit: usize) -> DbResult<(Vec<(String, String)>, u64)> {
    let clause = archive_clause(query);
    // Beyond i64 is no limit, as a negative one is on SQLite.
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let offset = i64::try_from(offset).unwrap_or(i64::MAX);
    let from = "FROM threads t JOIN chats c ON c.id = t.chat_id WHERE";
    let mut params = clause.params();
    let total: i64 = client.query_one(&format!("SELECT count(*) {from} {}", clause.sql), &params).await?.get(0);
    let order = if query.ascending { "ASC" } else { "DESC" };
    let sql = format!("SELECT t.chat_id, t.id {from} {} ORDER BY t.seq {order} LIMIT ${} OFFSET ${}", clause.sql, params.len() + 1, params.len() + 2);
    params.extend([&limit as &(dyn ToSql + Sync), &offset]);
    let rows = client.query(&sql, &params).await?;
    Ok((rows.iter().map(|row| (row.get(0), row.get(1))).collect(), total.max(0) as u64))
}

const CANNED_COLUMNS: &str = "SELECT id, text, tags, created_by, modified_at FROM canned_responses";

fn canned_row(row: &tokio_postgres::Row) -> CannedResponse {
    let tags: String = row.get(2);
    CannedResponse {
        id: row.get::<_, i64>(0) as u64,
        text: row.get(1),
        tags: serde_json::from_str(&tags).unwrap_or_default(),
        created_by: row.get(3),
        modified_at: row.get(4),
    }
}

async fn canned_of(client: &Db<'_>, license_id: u64) -> DbResult<Vec<CannedResponse>> {
    let rows = client.query(&format!("{CANNED_COLUMNS} WHERE license_id = $1 ORDER BY id"), &[&(license_id as i64)]).await?;
    let mut all: Vec<CannedResponse> = rows.iter().map(canned_row).collect();
    all.sort_by(|a, b| a.tags.first().cmp(&b.tags.first()).then(a.id.cmp(&b.id)));
    Ok(all)
}

/// The first of `tags` another reply of the license (not `except`) already has.
async fn taken_shortcut(tx: &Db<'_>, license_id: u64, tags: &[String], except: Option<u64>) -> DbResult<Option<String>> {
    let others = canned_of(tx, license_id).await?;
    let others = others.iter().filter(|reply| Some(reply.id) != except);
    let used: Vec<&String> = others.flat_map(|reply| reply.tags.iter()).collect();
    Ok(tags.iter().find(|tag| used.iter().any(|other| other.eq_ignore_ascii_case(tag))).cloned())
}

/// Makes concurrent writes of canned responses wait for each other (reads go on), so two
/// replies never take one shortcut: SQLite has one writer at a time anyway.
async fn lock_canned(tx: &Db<'_>) -> DbResult<()> {
    tx.batch_execute("LOCK TABLE canned_responses IN SHARE ROW EXCLUSIVE MODE").await?;
    Ok(())
}

async fn canned_by_id(tx: &Db<'_>, license_id: u64, id: u64) -> DbResult<Option<CannedResponse>> {
    let sql = format!("{CANNED_COLUMNS} WHERE id = $1 AND license_id = $2");
    Ok(tx.query_opt(&sql, &[&(id as i64), &(license_id as i64)]).await?.as_ref().map(canned_row))
}

fn tags_json(tags: &[String]) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".to_owned())
}

impl DeskStore for PgStore {
    fn archives(&self, query: &ArchiveQuery, offset: usize, limit: usize) -> DbResult<(Vec<(String, String)>, u64)> {
        self.read(async |client| archives(client, query, offset, limit).await)
    }

    fn thread_tags(&self, thread_id: &str) -> DbResult<Vec<String>> {
        self.read(async |client| {
            let rows = client.query("SELECT tag FROM thread_tags WHERE thread_id = $1 ORDER BY seq", &[&thread_id]).await?;
            Ok(rows.iter().map(|row| row.get(0)).collect())
        })
    }

    fn tag_thread(&self, thread_id: &str, tag: &str) -> DbResult<bool> {
        self.write(async |tx| {
            let sql = "INSERT INTO thread_tags (thread_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING";
            Ok(tx.execute(sql, &[&thread_id, &tag]).await? > 0)
        })
    }

    fn untag_thread(&self, thread_id: &str, tag: &str) -> DbResult<bool> {
        self.write(async |tx| {
            let sql = "DELETE FROM thread_tags WHERE thread_id = $1 AND tag = $2";
            Ok(tx.execute(sql, &[&thread_id, &tag]).await? > 0)
        })
    }

    fn canned_responses(&self, license_id: u64) -> DbResult<Vec<CannedResponse>> {
        self.read(async |client| canned_of(client, license_id).await)
    }

    fn create_canned_response(
        &self,
        license_id: u64,
        text: &str,
        tags: &[String],
        created_by: &str,
        now: &str,
    ) -> DbResult<Result<CannedResponse, CannedRefusal>> {
        self.write(async |tx| {
            lock_canned(tx).await?;
            if let Some(taken) = taken_shortcut(tx, license_id, tags, None).await? {
                return Ok(Err(CannedRefusal::ShortcutTaken(taken)));
            }
            let sql = "INSERT INTO canned_responses (license_id, text, tags, created_by, modified_at) VALUES ($1, $2, $3, $4, $5) RETURNING id";
            let id: i64 = tx.query_one(sql, &[&(license_id as i64), &text, &tags_json(tags), &created_by, &now]).await?.get(0);
            Ok(canned_by_id(tx, license_id, id as u64).await?.ok_or(CannedRefusal::NotFound))
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
        self.write(async |tx| {
            lock_canned(tx).await?;
            let Some(current) = canned_by_id(tx, license_id, id).await? else { return Ok(Err(CannedRefusal::NotFound)) };
            if let Some(tags) = tags
                && let Some(taken) = taken_shortcut(tx, license_id, tags, Some(id)).await?
            {
                return Ok(Err(CannedRefusal::ShortcutTaken(taken)));
            }
            let text = text.unwrap_or(&current.text);
            let tags = tags_json(tags.unwrap_or(&current.tags));
            let sql = "UPDATE canned_responses SET text = $1, tags = $2, modified_at = $3 WHERE id = $4";
            tx.execute(sql, &[&text, &tags, &now, &(id as i64)]).await?;
            Ok(canned_by_id(tx, license_id, id).await?.ok_or(CannedRefusal::NotFound))
        })
    }

    fn delete_canned_response(&self, license_id: u64, id: u64) -> DbResult<bool> {
        self.write(async |tx| {
            let sql = "DELETE FROM canned_responses WHERE id = $1 AND license_id = $2";
            Ok(tx.execute(sql, &[&(id as i64), &(license_id as i64)]).await? > 0)
        })
    }
}
