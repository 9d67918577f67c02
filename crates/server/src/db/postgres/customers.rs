//! Customers and their access tokens on PostgreSQL (see `sqlite/customers.rs`).

use super::conn::Db;

use crate::db::{CustomerRow, DbResult, Verification};

/// How many of a customer's visited pages are kept.
const PAGES_KEPT: i64 = 20;

pub(super) async fn create_customer(tx: &Db<'_>, id: &str, license_id: u64, secret_hash: &str, now: &str) -> DbResult<()> {
    tx.execute("INSERT INTO customers (id, license_id, secret_hash, created_at) VALUES ($1, $2, $3, $4)", &[&id, &(license_id as i64), &secret_hash, &now])
        .await?;
    Ok(())
}

pub(super) async fn customer_identity_matches(client: &Db<'_>, id: &str, license_id: u64, secret_hash: &str) -> DbResult<bool> {
    let found = client
        .query_opt("SELECT 1 FROM customers WHERE id = $1 AND license_id = $2 AND secret_hash = $3", &[&id, &(license_id as i64), &secret_hash])
        .await?;
    Ok(found.is_some())
}

/// Stores a token; with `purge`, first deletes a batch of the tokens that expired a month
/// before this one's expiry.
pub(super) async fn store_token(
    tx: &Db<'_>,
    token_hash: &str,
    customer_id: &str,
    license_id: u64,
    expires_at: i64,
    purge: bool,
) -> DbResult<()> {
    if purge {
        tx.execute(
            "DELETE FROM access_tokens WHERE token_hash IN (SELECT token_hash FROM access_tokens WHERE expires_at < $1 LIMIT 1000)",
            &[&(expires_at - 86_400 * 30)],
        )
        .await?;
    }
    tx.execute(
        "INSERT INTO access_tokens (token_hash, customer_id, license_id, expires_at) VALUES ($1, $2, $3, $4)",
        &[&token_hash, &customer_id, &(license_id as i64), &expires_at],
    )
    .await?;
    Ok(())
}

pub(super) async fn token_owner(client: &Db<'_>, token_hash: &str) -> DbResult<Option<(String, u64, i64)>> {
    let row = client.query_opt("SELECT customer_id, license_id, expires_at FROM access_tokens WHERE token_hash = $1", &[&token_hash]).await?;
    Ok(row.map(|row| (row.get(0), row.get::<_, i64>(1) as u64, row.get(2))))
}

pub(super) async fn customer(client: &Db<'_>, id: &str) -> DbResult<Option<CustomerRow>> {
    let row = client
        .query_opt(
            "SELECT id, license_id, name, email, avatar, visits, session_fields, page_url, page_title, page_views, banned
             FROM customers WHERE id = $1",
            &[&id],
        )
        .await?;
    Ok(row.map(|row| CustomerRow {
        id: row.get(0),
        license_id: row.get::<_, i64>(1) as u64,
        name: row.get(2),
        email: row.get(3),
        avatar: row.get(4),
        visits: row.get::<_, i64>(5) as u64,
        session_fields: serde_json::from_str(row.get(6)).unwrap_or_default(),
        page_url: row.get(7),
        page_title: row.get(8),
        page_views: row.get::<_, i64>(9) as u64,
        banned: row.get(10),
    }))
}

pub(super) async fn record_login(
    tx: &Db<'_>,
    id: &str,
    new_visit: bool,
    name: Option<&str>,
    email: Option<&str>,
    avatar: Option<&str>,
) -> DbResult<()> {
    tx.execute(
        "UPDATE customers SET visits = visits + $5, name = coalesce($2, name), email = coalesce($3, email), avatar = coalesce($4, avatar)
         WHERE id = $1",
        &[&id, &name, &email, &avatar, &i64::from(new_visit)],
    )
    .await?;
    Ok(())
}

pub(super) async fn customer_counts(client: &Db<'_>, id: &str) -> DbResult<(u64, u64)> {
    let row = client
        .query_one(
            "SELECT (SELECT count(*) FROM chats WHERE customer_id = $1),
                    (SELECT count(*) FROM threads JOIN chats ON chats.id = threads.chat_id WHERE chats.customer_id = $1)",
            &[&id],
        )
        .await?;
    Ok((row.get::<_, i64>(0) as u64, row.get::<_, i64>(1) as u64))
}

/// Replaces the fields that are given; `session_fields` comes as its stored JSON.
pub(super) async fn update_customer(
    tx: &Db<'_>,
    id: &str,
    name: Option<&str>,
    email: Option<&str>,
    avatar: Option<&str>,
    session_fields: Option<&str>,
) -> DbResult<()> {
    tx.execute(
        "UPDATE customers SET name = coalesce($2, name), email = coalesce($3, email), avatar = coalesce($4, avatar),
         session_fields = coalesce($5, session_fields) WHERE id = $1",
        &[&id, &name, &email, &avatar, &session_fields],
    )
    .await?;
    Ok(())
}

pub(super) async fn set_customer_page(tx: &Db<'_>, id: &str, url: &str, title: Option<&str>, now: &str) -> DbResult<()> {
    // The customer's row is locked first: two tabs reporting pages at once take turns.
    tx.execute("UPDATE customers SET page_url = $2, page_title = $3, page_views = page_views + 1 WHERE id = $1", &[&id, &url, &title]).await?;
    // A reload of the page they are on is not a new page of their visit.
    let last = tx.query_opt("SELECT seq, url FROM customer_pages WHERE customer_id = $1 ORDER BY seq DESC LIMIT 1", &[&id]).await?;
    match last {
        Some(row) if row.get::<_, &str>(1) == url => {
            tx.execute("UPDATE customer_pages SET title = $2, opened_at = $3 WHERE seq = $1", &[&row.get::<_, i64>(0), &title, &now]).await?;
        }
        _ => {
            tx.execute("INSERT INTO customer_pages (customer_id, url, title, opened_at) VALUES ($1, $2, $3, $4)", &[&id, &url, &title, &now])
                .await?;
            tx.execute(
                "DELETE FROM customer_pages WHERE customer_id = $1 AND seq <= (
                    SELECT seq FROM customer_pages WHERE customer_id = $1 ORDER BY seq DESC LIMIT 1 OFFSET $2)",
                &[&id, &PAGES_KEPT],
            )
            .await?;
        }
    }
    Ok(())
}

/// A customer's kept pages, oldest first: (url, title, opened at).
pub(super) async fn customer_pages(client: &Db<'_>, id: &str) -> DbResult<Vec<(String, Option<String>, String)>> {
    let rows = client.query("SELECT url, title, opened_at FROM customer_pages WHERE customer_id = $1 ORDER BY seq", &[&id]).await?;
    Ok(rows.iter().map(|row| (row.get(0), row.get(1), row.get(2))).collect())
}

pub(super) async fn set_banned(tx: &Db<'_>, id: &str, banned: bool) -> DbResult<()> {
    tx.execute("UPDATE customers SET banned = $2 WHERE id = $1", &[&id, &banned]).await?;
    Ok(())
}

pub(super) async fn verification(client: &Db<'_>, customer_id: &str) -> DbResult<Option<Verification>> {
    let row = client.query_opt("SELECT verification FROM customers WHERE id = $1", &[&customer_id]).await?;
    let text: Option<String> = row.and_then(|row| row.get(0));
    Ok(text.map(|text| serde_json::from_str(&text)).transpose()?)
}

/// Replaces the verification, given as its stored JSON.
pub(super) async fn set_verification(tx: &Db<'_>, customer_id: &str, verification: &str) -> DbResult<()> {
    tx.execute("UPDATE customers SET verification = $2 WHERE id = $1", &[&customer_id, &verification]).await?;
    Ok(())
}
