//! Uploaded files as rows: recording one, finding one that has not expired, a customer's
//! stored bytes, and forgetting the ones that expired unused. The files themselves are the
//! caller's.

use super::conn::Db;

use crate::db::{DbResult, UploadRow, UPLOAD_TTL_SECS};

pub(super) async fn insert_upload(client: &Db<'_>, upload: &UploadRow) -> DbResult<()> {
    client
        .execute(
            "INSERT INTO uploads (id, license_id, customer_id, name, content_type, size, width, height, url, created_at, used, by_agent)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            &[
                &upload.id,
                &(upload.license_id as i64),
                &upload.customer_id,
                &upload.name,
                &upload.content_type,
                &(upload.size as i64),
                &upload.width.map(i64::from),
                &upload.height.map(i64::from),
                &upload.url,
                &upload.created_at,
                &upload.used,
                &upload.by_agent,
            ],
        )
        .await?;
    Ok(())
}

/// An upload that a `file` event uses, or that is younger than [`UPLOAD_TTL_SECS`] at `now`.
pub(super) async fn live_upload(client: &Db<'_>, id: &str, now: i64) -> DbResult<Option<UploadRow>> {
    let row = client
        .query_opt(
            "SELECT id, license_id, customer_id, name, content_type, size, width, height, url, created_at, used, by_agent
             FROM uploads WHERE id = $1 AND (used OR created_at > $2)",
            &[&id, &(now - UPLOAD_TTL_SECS)],
        )
        .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(UploadRow {
        id: row.try_get(0)?,
        license_id: row.try_get::<_, i64>(1)? as u64,
        customer_id: row.try_get(2)?,
        name: row.try_get(3)?,
        content_type: row.try_get(4)?,
        size: row.try_get::<_, i64>(5)? as u64,
        width: row.try_get::<_, Option<i64>>(6)?.map(|width| width as u32),
        height: row.try_get::<_, Option<i64>>(7)?.map(|height| height as u32),
        url: row.try_get(8)?,
        created_at: row.try_get(9)?,
        used: row.try_get(10)?,
        by_agent: row.try_get(11)?,
    }))
}

pub(super) async fn upload_bytes_of(client: &Db<'_>, customer_id: &str) -> DbResult<u64> {
    // sum() of BIGINT is NUMERIC in PostgreSQL; the cast brings it back to BIGINT.
    let row = client
        .query_one("SELECT coalesce(sum(size), 0)::BIGINT FROM uploads WHERE customer_id = $1 AND NOT by_agent", &[&customer_id])
        .await?;
    let bytes: i64 = row.try_get(0)?;
    Ok(bytes.max(0) as u64)
}

pub(super) async fn mark_upload_used(client: &Db<'_>, id: &str) -> DbResult<()> {
    client.execute("UPDATE uploads SET used = TRUE WHERE id = $1", &[&id]).await?;
    Ok(())
}

/// Deletes the rows of uploads that expired unused by `now` and returns their ids, oldest
/// first. One statement, so an upload marked used meanwhile is neither deleted nor returned.
pub(super) async fn take_expired_uploads(client: &Db<'_>, now: i64) -> DbResult<Vec<String>> {
    let rows = client
        .query(
            "WITH gone AS (DELETE FROM uploads WHERE NOT used AND created_at <= $1 RETURNING id, created_at)
             SELECT id FROM gone ORDER BY created_at, id",
            &[&(now - UPLOAD_TTL_SECS)],
        )
        .await?;
    Ok(rows.iter().map(|row| row.try_get(0)).collect::<Result<_, _>>()?)
}
