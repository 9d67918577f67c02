//! Uploaded files as rows: recording one, finding one that has not expired, a customer's
//! stored bytes, and forgetting the ones that expired unused. The files themselves are the
//! caller's.

use rusqlite::{params, Connection, OptionalExtension};

use crate::db::{DbResult, UploadRow, UPLOAD_TTL_SECS};

pub(super) fn insert_upload(tx: &Connection, upload: &UploadRow) -> DbResult<()> {
    tx.prepare_cached(
        "INSERT INTO uploads (id, license_id, customer_id, name, content_type, size, width, height, url, created_at, used, by_agent)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        upload.id,
        upload.license_id as i64,
        upload.customer_id,
        upload.name,
        upload.content_type,
        upload.size as i64,
        upload.width,
        upload.height,
        upload.url,
        upload.created_at,
        upload.used,
        upload.by_agent,
    ])?;
    Ok(())
}

/// An upload that a `file` event uses, or that is younger than [`UPLOAD_TTL_SECS`] at `now`.
pub(super) fn live_upload(connection: &Connection, id: &str, now: i64) -> DbResult<Option<UploadRow>> {
    Ok(connection
        .prepare_cached(
            "SELECT id, license_id, customer_id, name, content_type, size, width, height, url, created_at, used, by_agent
                     FROM uploads WHERE id = ?1 AND (used = 1 OR created_at > ?2)",
        )?
        .query_row(params![id, now - UPLOAD_TTL_SECS], |row| {
            Ok(UploadRow {
                id: row.get(0)?,
                license_id: row.get::<_, i64>(1)? as u64,
                customer_id: row.get(2)?,
                name: row.get(3)?,
                content_type: row.get(4)?,
                size: row.get::<_, i64>(5)? as u64,
                width: row.get(6)?,
                height: row.get(7)?,
                url: row.get(8)?,
                created_at: row.get(9)?,
                used: row.get(10)?,
                by_agent: row.get(11)?,
            })
        })
        .optional()?)
}

pub(super) fn upload_bytes_of(connection: &Connection, customer_id: &str) -> DbResult<u64> {
    let bytes: i64 = connection
        .prepare_cached("SELECT coalesce(sum(size), 0) FROM uploads WHERE customer_id = ?1 AND by_agent = 0")?
        .query_row(params![customer_id], |row| row.get(0))?;
    Ok(bytes.max(0) as u64)
}

pub(super) fn mark_upload_used(tx: &Connection, id: &str) -> DbResult<()> {
    tx.prepare_cached("UPDATE uploads SET used = 1 WHERE id = ?1")?.execute(params![id])?;
    Ok(())
}

/// Deletes the rows of uploads that expired unused by `now` and returns their ids.
pub(super) fn take_expired_uploads(tx: &Connection, now: i64) -> DbResult<Vec<String>> {
    let cutoff = now - UPLOAD_TTL_SECS;
    let ids = {
        let mut statement = tx.prepare_cached("SELECT id FROM uploads WHERE used = 0 AND created_at <= ?1")?;
        let rows = statement.query_map(params![cutoff], |row| row.get::<_, String>(0))?;
        rows.collect::<Result<Vec<_>, _>>()?
    };
    tx.prepare_cached("DELETE FROM uploads WHERE used = 0 AND created_at <= ?1")?.execute(params![cutoff])?;
    Ok(ids)
}
