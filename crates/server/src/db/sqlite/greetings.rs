//! Greetings shown to customers, and what became of each: still on screen, accepted or
//! canceled.

use rusqlite::{params, Connection, OptionalExtension};

use crate::db::{DbResult, GreetingRow};

#[allow(clippy::too_many_arguments)]
pub(super) fn insert_greeting(
    tx: &Connection,
    unique_id: &str,
    license_id: u64,
    customer_id: &str,
    greeting_id: u64,
    agent_id: &str,
    text: &str,
    now: &str,
) -> DbResult<()> {
    tx.prepare_cached(
        "INSERT INTO greetings (unique_id, license_id, customer_id, greeting_id, agent_id, text, state, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'shown', ?7)",
    )?
    .execute(params![unique_id, license_id as i64, customer_id, greeting_id as i64, agent_id, text, now])?;
    Ok(())
}

pub(super) fn greeting(connection: &Connection, unique_id: &str) -> DbResult<Option<GreetingRow>> {
    Ok(connection.query_row(&format!("{GREETING_COLUMNS} WHERE unique_id = ?1"), params![unique_id], greeting_row).optional()?)
}

pub(super) fn shown_greetings(connection: &Connection, customer_id: &str) -> DbResult<Vec<GreetingRow>> {
    let mut statement =
        connection.prepare_cached(&format!("{GREETING_COLUMNS} WHERE customer_id = ?1 AND state = 'shown' ORDER BY rowid"))?;
    let rows = statement.query_map(params![customer_id], greeting_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn set_greeting_state(tx: &Connection, unique_id: &str, state: &str) -> DbResult<()> {
    tx.prepare_cached("UPDATE greetings SET state = ?2 WHERE unique_id = ?1")?.execute(params![unique_id, state])?;
    Ok(())
}

pub(super) fn greeting_counts(connection: &Connection, customer_id: &str) -> DbResult<(u64, u64)> {
    Ok(connection
        .prepare_cached("SELECT count(*), count(*) FILTER (WHERE state = 'accepted') FROM greetings WHERE customer_id = ?1")?
        .query_row(params![customer_id], |row| Ok((row.get::<_, i64>(0)? as u64, row.get::<_, i64>(1)? as u64)))?)
}

const GREETING_COLUMNS: &str = "SELECT unique_id, customer_id, greeting_id, state, agent_id, text, created_at FROM greetings";

fn greeting_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<GreetingRow> {
    Ok(GreetingRow {
        unique_id: row.get(0)?,
        customer_id: row.get(1)?,
        greeting_id: row.get::<_, i64>(2)? as u64,
        state: row.get(3)?,
        agent_id: row.get(4)?,
        text: row.get(5)?,
        created_at: row.get(6)?,
    })
}
