//! Customers and their access tokens: who a customer is and how they prove it, what
//! they told the site about themselves, the page they are on, bans, and what the site
//! said when asked who they are.

use rusqlite::{params, Connection, OptionalExtension};

use crate::db::{CustomerRow, DbResult, Verification};

pub(super) fn create_customer(tx: &Connection, id: &str, license_id: u64, secret_hash: &str, now: &str) -> DbResult<()> {
    tx.prepare_cached("INSERT INTO customers (id, license_id, secret_hash, created_at) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![id, license_id as i64, secret_hash, now])?;
    Ok(())
}

pub(super) fn customer_identity_matches(connection: &Connection, id: &str, license_id: u64, secret_hash: &str) -> DbResult<bool> {
    let found: Option<i64> = connection
        .prepare_cached("SELECT 1 FROM customers WHERE id = ?1 AND license_id = ?2 AND secret_hash = ?3")?
        .query_row(params![id, license_id as i64, secret_hash], |row| row.get(0))
        .optional()?;
    Ok(found.is_some())
}

/// Stores a token; with `purge`, first deletes a batch of the tokens that expired a month
/// before this one's expiry, through the index on expiry.
pub(super) fn store_token(
    tx: &Connection,
    token_hash: &str,
    customer_id: &str,
    license_id: u64,
    expires_at: i64,
    purge: bool,
) -> DbResult<()> {
    if purge {
        tx.prepare_cached(
            "DELETE FROM access_tokens WHERE token_hash IN
                     (SELECT token_hash FROM access_tokens WHERE expires_at < ?1 LIMIT 1000)",
        )?
        .execute(params![expires_at - 86_400 * 30])?;
    }
    tx.prepare_cached("INSERT INTO access_tokens (token_hash, customer_id, license_id, expires_at) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![token_hash, customer_id, license_id as i64, expires_at])?;
    Ok(())
}

pub(super) fn token_owner(connection: &Connection, token_hash: &str) -> DbResult<Option<(String, u64, i64)>> {
    Ok(connection
        .prepare_cached("SELECT customer_id, license_id, expires_at FROM access_tokens WHERE token_hash = ?1")?
        .query_row(params![token_hash], |row| Ok((row.get(0)?, row.get::<_, i64>(1)? as u64, row.get(2)?)))
        .optional()?)
}

pub(super) fn customer(connection: &Connection, id: &str) -> DbResult<Option<CustomerRow>> {
    Ok(connection
        .prepare_cached(
            "SELECT id, license_id, name, email, avatar, visits, session_fields, page_url, page_title,
                            page_views, banned FROM customers WHERE id = ?1",
        )?
        .query_row(params![id], |row| {
            Ok(CustomerRow {
                id: row.get(0)?,
                license_id: row.get::<_, i64>(1)? as u64,
                name: row.get(2)?,
                email: row.get(3)?,
                avatar: row.get(4)?,
                visits: row.get::<_, i64>(5)? as u64,
                session_fields: serde_json::from_str(&row.get::<_, String>(6)?).unwrap_or_default(),
                page_url: row.get(7)?,
                page_title: row.get(8)?,
                page_views: row.get::<_, i64>(9)? as u64,
                banned: row.get(10)?,
            })
        })
        .optional()?)
}

pub(super) fn record_login(
    tx: &Connection,
    id: &str,
    new_visit: bool,
    name: Option<&str>,
    email: Option<&str>,
    avatar: Option<&str>,
) -> DbResult<()> {
    tx.prepare_cached(
        "UPDATE customers SET visits = visits + ?5, name = coalesce(?2, name),
                 email = coalesce(?3, email), avatar = coalesce(?4, avatar) WHERE id = ?1",
    )?
    .execute(params![id, name, email, avatar, new_visit as i64])?;
    Ok(())
}

pub(super) fn customer_counts(connection: &Connection, id: &str) -> DbResult<(u64, u64)> {
    Ok(connection
        .prepare_cached(
            "SELECT (SELECT count(*) FROM chats WHERE customer_id = ?1),
                        (SELECT count(*) FROM threads JOIN chats ON chats.id = threads.chat_id WHERE chats.customer_id = ?1)",
        )?
        .query_row(params![id], |row| Ok((row.get::<_, i64>(0)? as u64, row.get::<_, i64>(1)? as u64)))?)
}

/// Replaces the fields that are given; `session_fields` comes as its stored JSON.
pub(super) fn update_customer(
    tx: &Connection,
    id: &str,
    name: Option<&str>,
    email: Option<&str>,
    avatar: Option<&str>,
    session_fields: Option<&str>,
) -> DbResult<()> {
    tx.prepare_cached(
        "UPDATE customers SET name = coalesce(?2, name), email = coalesce(?3, email),
                 avatar = coalesce(?4, avatar), session_fields = coalesce(?5, session_fields) WHERE id = ?1",
    )?
    .execute(params![id, name, email, avatar, session_fields])?;
    Ok(())
}

/// How many of a customer's visited pages are kept.
pub(super) const PAGES_KEPT: i64 = 20;

pub(super) fn set_customer_page(tx: &Connection, id: &str, url: &str, title: Option<&str>, now: &str) -> DbResult<()> {
    tx.prepare_cached("UPDATE customers SET page_url = ?2, page_title = ?3, page_views = page_views + 1 WHERE id = ?1")?
        .execute(params![id, url, title])?;
    // A reload of the page they are on is not a new page of their visit.
    let last: Option<(i64, String)> = tx
        .prepare_cached("SELECT seq, url FROM customer_pages WHERE customer_id = ?1 ORDER BY seq DESC LIMIT 1")?
        .query_row(params![id], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    match last {
        Some((seq, last_url)) if last_url == url => {
            tx.prepare_cached("UPDATE customer_pages SET title = ?2, opened_at = ?3 WHERE seq = ?1")?.execute(params![seq, title, now])?;
        }
        _ => {
            tx.prepare_cached("INSERT INTO customer_pages (customer_id, url, title, opened_at) VALUES (?1, ?2, ?3, ?4)")?
                .execute(params![id, url, title, now])?;
            tx.prepare_cached(
                "DELETE FROM customer_pages WHERE customer_id = ?1 AND seq <= (
                    SELECT seq FROM customer_pages WHERE customer_id = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?2)",
            )?
            .execute(params![id, PAGES_KEPT])?;
        }
    }
    Ok(())
}

/// A customer's kept pages, oldest first: (url, title, opened at).
pub(super) fn customer_pages(connection: &Connection, id: &str) -> DbResult<Vec<(String, Option<String>, String)>> {
    let mut statement = connection.prepare_cached("SELECT url, title, opened_at FROM customer_pages WHERE customer_id = ?1 ORDER BY seq")?;
    let rows = statement.query_map(params![id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn set_banned(tx: &Connection, id: &str, banned: bool) -> DbResult<()> {
    tx.prepare_cached("UPDATE customers SET banned = ?2 WHERE id = ?1")?.execute(params![id, banned])?;
    Ok(())
}

pub(super) fn verification(connection: &Connection, customer_id: &str) -> DbResult<Option<Verification>> {
    let text: Option<Option<String>> = connection
        .prepare_cached("SELECT verification FROM customers WHERE id = ?1")?
        .query_row(params![customer_id], |row| row.get(0))
        .optional()?;
    Ok(text.flatten().map(|text| serde_json::from_str(&text)).transpose()?)
}

/// Replaces the verification, given as its stored JSON.
pub(super) fn set_verification(tx: &Connection, customer_id: &str, verification: &str) -> DbResult<()> {
    tx.prepare_cached("UPDATE customers SET verification = ?2 WHERE id = ?1")?.execute(params![customer_id, verification])?;
    Ok(())
}
