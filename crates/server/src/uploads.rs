//! File uploads: the Web API's `upload_file` action, the `/uploads/{id}/{name}` route that
//! serves what was uploaded, and the check that lets a customer share an upload in a `file`
//! event.
//!
//! Uploads are untrusted. The body is read in bounded pieces and refused past the size cap,
//! the bytes go to a file named by a random id (never by the client's name), and the content
//! type is sniffed from the file's own first bytes rather than taken from the client. Files
//! are served with `nosniff`, a sandboxing policy, and as attachments unless they are one of
//! the image types a browser can only display. A URL stays valid for 24 hours, or for good
//! once a `file` event uses it; expired files are deleted by the next upload.
//!
//! [`handlers`] holds the two routes, [`storage`] the files on disk and [`sniff`] the
//! judging of a file's type and image size; this module checks a shared upload.

use protocol::EventBody;

use crate::errors::{validation, ApiResult};
use crate::{ids, App};

mod handlers;
mod sniff;
mod storage;

pub(crate) use handlers::{agent_upload_route, serve, upload_route};
use storage::is_upload_id;

impl App {
    /// The body of a `file` event a customer sends: the URL must be one of their own uploads
    /// in this license that has not expired, and everything else comes from what the server
    /// stored about it. The upload is then marked as used, so it never expires.
    pub(crate) fn customer_file(&self, license_id: u64, customer_id: &str, url: &str) -> ApiResult<EventBody> {
        let refused = || validation("the file must be uploaded with upload_file first");
        let id = upload_id_from_url(url).ok_or_else(refused)?;
        let upload = self
            .db
            .live_upload(id, ids::unix_now())?
            .filter(|upload| upload.license_id == license_id && upload.customer_id == customer_id && !upload.by_agent)
            .ok_or_else(refused)?;
        self.described(upload)
    }

    /// The body of a `file` event an agent sends: one of the license's uploads is described
    /// by the server (and kept); any other address is the agent's to vouch for, as given.
    pub(crate) fn agent_file(&self, license_id: u64, body: EventBody) -> ApiResult<EventBody> {
        let EventBody::File { url, .. } = &body else { return Ok(body) };
        let upload = match upload_id_from_url(url) {
            Some(id) => self.db.live_upload(id, ids::unix_now())?.filter(|upload| upload.license_id == license_id),
            None => None,
        };
        match upload {
            Some(upload) => self.described(upload),
            None => Ok(body),
        }
    }

    /// A stored upload as a `file` event's body; the upload is kept from now on.
    fn described(&self, upload: crate::db::UploadRow) -> ApiResult<EventBody> {
        self.db.mark_upload_used(&upload.id)?;
        // Images are not resized here: their thumbnails are the image itself, which
        // clients scale down to the thumbnail sizes they show.
        let is_image = upload.width.is_some() && upload.height.is_some();
        let thumbnail = is_image.then(|| upload.url.clone());
        Ok(EventBody::File {
            url: upload.url,
            name: Some(upload.name),
            content_type: Some(upload.content_type),
            size: Some(upload.size),
            width: upload.width,
            height: upload.height,
            thumbnail_url: thumbnail.clone(),
            thumbnail2x_url: thumbnail,
        })
    }
}

/// The upload id in a URL this server handed out: the segment after `/uploads/`. The host
/// is not compared, since the same server may be reached under several names.
fn upload_id_from_url(url: &str) -> Option<&str> {
    let path = match url.find("://") {
        Some(at) => {
            let after_scheme = &url[at + 3..];
            &after_scheme[after_scheme.find('/')?..]
        }
        None => url,
    };
    let path = path.split(['?', '#']).next()?;
    let id = path.strip_prefix("/uploads/")?.split('/').next()?;
    is_upload_id(id).then_some(id)
}

#[cfg(test)]
mod tests {
    use crate::db::UploadRow;

    #[test]
    fn expiry_follows_the_clock_passed_in() {
        use crate::db::Store;
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::SqliteStore::open(&dir.path().join("chat.db")).unwrap();
        db.create_customer("c1", 1, "hash", "2024-01-01T00:00:00.000000Z").unwrap();
        let upload = |id: &str| UploadRow {
            id: id.to_owned(),
            license_id: 1,
            customer_id: "c1".to_owned(),
            name: "a.txt".to_owned(),
            content_type: "text/plain; charset=utf-8".to_owned(),
            size: 1,
            width: None,
            height: None,
            url: format!("http://h/uploads/{id}/a.txt"),
            created_at: 1_000,
            used: false,
            by_agent: false,
        };
        let (unused, used) = ("a".repeat(32), "b".repeat(32));
        db.insert_upload(&upload(&unused)).unwrap();
        db.insert_upload(&upload(&used)).unwrap();
        db.mark_upload_used(&used).unwrap();
        let day = crate::db::UPLOAD_TTL_SECS;
        assert!(db.live_upload(&unused, 1_000 + day - 1).unwrap().is_some());
        assert!(db.live_upload(&unused, 1_000 + day).unwrap().is_none());
        assert!(db.live_upload(&used, 1_000 + 10 * day).unwrap().is_some());
        assert!(db.take_expired_uploads(1_000 + day - 1).unwrap().is_empty());
        assert_eq!(db.take_expired_uploads(1_000 + day).unwrap(), vec![unused.clone()]);
        assert!(db.take_expired_uploads(1_000 + 10 * day).unwrap().is_empty());
    }
}
