//! Greetings shown to customers, and what became of each: still on screen, accepted or
//! canceled.

use tokio_postgres::Row;

use super::conn::Db;

use crate::db::{DbResult, GreetingRow};

#[allow(clippy::too_many_arguments)]
pub(super) async fn insert_greeting(
    client: &Db<'_>,
    unique_id: &str,
    license_id: u64,
    customer_id: &str,
    greeting_id: u64,
    agent_id: &str,
    text: &str,
    now: &str,
) -> DbResult<()> {
    client
        .execute(
            "INSERT INTO greetings (unique_id, license_id, customer_id, greeting_id, agent_id, text, state, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, 'shown', $7)",
            &[&unique_id, &(license_id as i64), &customer_id, &(greeting_id as i64), &agent_id, &text, &now],
        )
        .await?;
    Ok(())
}

pub(super) async fn greeting(client: &Db<'_>, unique_id: &str) -> DbResult<Option<GreetingRow>> {
    let row = client.query_opt(&format!("{GREETING_COLUMNS} WHERE unique_id = $1"), &[&unique_id]).await?;
    row.as_ref().map(greeting_row).transpose()
}

/// The customer's greetings still on screen, oldest first.
pub(super) async fn shown_greetings(client: &Db<'_>, customer_id: &str) -> DbResult<Vec<GreetingRow>> {
    let sql = format!("{GREETING_COLUMNS} WHERE customer_id = $1 AND state = 'shown' ORDER BY seq");
    let rows = client.query(&sql, &[&customer_id]).await?;
    rows.iter().map(greeting_row).collect()
}

pub(super) async fn set_greeting_state(client: &Db<'_>, unique_id: &str, state: &str) -> DbResult<()> {
    client.execute("UPDATE greetings SET state = $2 WHERE unique_id = $1", &[&unique_id, &state]).await?;
    Ok(())
}

pub(super) async fn greeting_counts(client: &Db<'_>, customer_id: &str) -> DbResult<(u64, u64)> {
    let row = client
        .query_one("SELECT count(*), count(*) FILTER (WHERE state = 'accepted') FROM greetings WHERE customer_id = $1", &[&customer_id])
        .await?;
    Ok((row.try_get::<_, i64>(0)? as u64, row.try_get::<_, i64>(1)? as u64))
}

const GREETING_COLUMNS: &str = "SELECT unique_id, customer_id, greeting_id, state, agent_id, text, created_at FROM greetings";

fn greeting_row(row: &Row) -> DbResult<GreetingRow> {
    Ok(GreetingRow {
        unique_id: row.try_get(0)?,
        customer_id: row.try_get(1)?,
        greeting_id: row.try_get::<_, i64>(2)? as u64,
        state: row.try_get(3)?,
        agent_id: row.try_get(4)?,
        text: row.try_get(5)?,
        created_at: row.try_get(6)?,
    })
}
