//! Storing an upload's bytes: the file part of the multipart body streamed to disk in
//! bounded batches under a random id (a `.part` file until it is complete), the client's
//! file name made harmless, and the deletion of files whose uploads expired unused.

use std::io::{self, Write};
use std::path::{Path as FsPath, PathBuf};

use axum::extract::multipart::{Field, MultipartError};
use axum::extract::Multipart;
use axum::http::StatusCode;

use super::sniff::{sniff, Sniffed, TextCheck};
use crate::{ids, App};

/// How much of the file's start is kept in memory for sniffing its type and image size.
const HEAD_BYTES: usize = 256 * 1024;

/// Received bytes are written to disk in batches of about this size.
const WRITE_BATCH: usize = 256 * 1024;

/// Longest file name kept, in characters.
const MAX_NAME_CHARS: usize = 200;

/// The file's part in the multipart body.
const FILE_PART: &str = "file";

/// What was read from the `file` part.
pub(super) struct Received {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) size: u64,
    pub(super) sniffed: Sniffed,
}

/// Why reading the upload failed.
pub(super) enum ReceiveError {
    /// Past the size cap.
    TooLarge,
    /// The body is not what `upload_file` expects; the message says what is wrong.
    Invalid(String),
    /// Writing the file failed.
    Io(io::Error),
}

impl From<io::Error> for ReceiveError {
    fn from(error: io::Error) -> Self {
        ReceiveError::Io(error)
    }
}

impl From<MultipartError> for ReceiveError {
    fn from(error: MultipartError) -> Self {
        if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ReceiveError::TooLarge
        } else {
            ReceiveError::Invalid(format!("the multipart body is malformed: {}", error.body_text()))
        }
    }
}

/// Finds the `file` part (skipping any others) and stores it.
pub(super) async fn receive(upload_dir: PathBuf, mut multipart: Multipart, limit: usize) -> Result<Received, ReceiveError> {
    while let Some(field) = multipart.next_field().await? {
        if field.name() == Some(FILE_PART) {
            return receive_file(&upload_dir, field, limit).await;
        }
    }
    Err(ReceiveError::Invalid("the body has no part named \"file\"".to_owned()))
}

/// Streams one part to disk, counting and sniffing as it goes.
async fn receive_file(upload_dir: &FsPath, mut field: Field<'_>, limit: usize) -> Result<Received, ReceiveError> {
    let name = sanitize_name(field.file_name().unwrap_or_default());
    let id = new_upload_id();
    let mut spool = Spool::new(upload_dir, &id);
    let mut head = Vec::new();
    let mut text = TextCheck::default();
    let mut size = 0usize;
    let outcome = async {
        while let Some(chunk) = field.chunk().await? {
            size += chunk.len();
            if size > limit {
                return Err(ReceiveError::TooLarge);
            }
            let keep = HEAD_BYTES.saturating_sub(head.len()).min(chunk.len());
            head.extend_from_slice(&chunk[..keep]);
            text.feed(&chunk);
            spool.write(&chunk).await?;
        }
        Ok(())
    }
    .await;
    if let Err(error) = outcome {
        spool.discard().await;
        return Err(error);
    }
    spool.commit().await?;
    let sniffed = sniff(&head, text.finish() && size > 0);
    Ok(Received { id, name, size: size as u64, sniffed })
}

/// A file being written: `<id>.part` until it is complete, then renamed to `<id>`. Whatever
/// happens before the rename, the partial file does not outlive the spool.
struct Spool {
    part: PathBuf,
    done: PathBuf,
    file: Option<std::fs::File>,
    buffer: Vec<u8>,
    finished: bool,
}

impl Spool {
    fn new(dir: &FsPath, id: &str) -> Spool {
        Spool {
            part: dir.join(format!("{id}.part")),
            done: dir.join(id),
            file: None,
            buffer: Vec::new(),
            finished: false,
        }
    }

    async fn write(&mut self, data: &[u8]) -> io::Result<()> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= WRITE_BATCH {
            self.flush().await?;
        }
        Ok(())
    }

    /// Writes the buffered bytes, creating the directory and the file on first use.
    async fn flush(&mut self) -> io::Result<()> {
        let data = std::mem::take(&mut self.buffer);
        let file = self.file.take();
        let part = self.part.clone();
        let file = blocking(move || {
            let mut file = match file {
                Some(file) => file,
                None => {
                    if let Some(dir) = part.parent() {
                        std::fs::create_dir_all(dir)?;
                    }
                    std::fs::OpenOptions::new().write(true).create_new(true).open(&part)?
                }
            };
            file.write_all(&data)?;
            Ok(file)
        })
        .await?;
        self.file = Some(file);
        Ok(())
    }

    /// Makes the file durable and gives it its final name.
    async fn commit(mut self) -> io::Result<()> {
        self.flush().await?;
        let file = self.file.take();
        let (part, done) = (self.part.clone(), self.done.clone());
        let result = blocking(move || {
            if let Some(file) = file {
                file.sync_all()?;
            }
            std::fs::rename(&part, &done)
        })
        .await;
        if result.is_ok() {
            self.finished = true;
        }
        result
    }

    /// Deletes the partial file.
    async fn discard(mut self) {
        self.finished = true;
        drop(self.file.take());
        let part = self.part.clone();
        let _ = blocking(move || match std::fs::remove_file(&part) {
            Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        })
        .await;
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        // Only reached without `commit` or `discard` when something panicked; removing one
        // file is quick enough to do in place.
        if !self.finished {
            drop(self.file.take());
            let _ = std::fs::remove_file(&self.part);
        }
    }
}

/// Runs blocking file work off the async threads.
pub(super) async fn blocking<T: Send + 'static>(work: impl FnOnce() -> io::Result<T> + Send + 'static) -> io::Result<T> {
    tokio::task::spawn_blocking(work).await.map_err(io::Error::other)?
}

/// A fresh upload id: 128 random bits in lower-case hex.
fn new_upload_id() -> String {
    let mut id = ids::secret();
    id.truncate(32);
    id
}

/// Whether `id` looks like an id [`new_upload_id`] makes (so it is safe as a file name).
pub(super) fn is_upload_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
}

/// The client's file name made harmless: the last path component only, without control or
/// bidirectional-formatting characters (which can disguise an extension), trimmed, at most
/// [`MAX_NAME_CHARS`] characters, and `file` when nothing usable is left.
pub(crate) fn sanitize_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
        .collect();
    let short: String = cleaned.trim().chars().take(MAX_NAME_CHARS).collect();
    let short = short.trim();
    if short.is_empty() || short == "." || short == ".." {
        "file".to_owned()
    } else {
        short.to_owned()
    }
}

impl App {
    /// Forgets uploads that expired unused by `now` and deletes their files.
    pub(super) async fn delete_expired_uploads(&self, now: i64) {
        let expired = match self.db.take_expired_uploads(now) {
            Ok(expired) => expired,
            Err(error) => {
                tracing::warn!(%error, "could not list expired uploads");
                return;
            }
        };
        if expired.is_empty() {
            return;
        }
        let dir = self.config.upload_dir.clone();
        let deleted = blocking(move || {
            for id in expired.iter().filter(|id| is_upload_id(id)) {
                match std::fs::remove_file(dir.join(id)) {
                    Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error),
                    _ => {}
                }
            }
            Ok(())
        })
        .await;
        if let Err(error) = deleted {
            tracing::warn!(%error, "could not delete an expired upload");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uploads::upload_id_from_url;

    #[test]
    fn names_lose_paths_controls_and_excess_length() {
        assert_eq!(sanitize_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_name("C:\\Users\\me\\report.pdf"), "report.pdf");
        assert_eq!(sanitize_name("evil\r\nname\0.txt"), "evilname.txt");
        assert_eq!(sanitize_name("invoice\u{202e}fdp.exe"), "invoicefdp.exe");
        assert_eq!(sanitize_name(".."), "file");
        assert_eq!(sanitize_name("  "), "file");
        assert_eq!(sanitize_name(&"é".repeat(300)).chars().count(), MAX_NAME_CHARS);
    }

    #[test]
    fn upload_ids_are_read_from_our_urls_only() {
        let id = new_upload_id();
        assert!(is_upload_id(&id));
        assert_eq!(upload_id_from_url(&format!("http://h:1/uploads/{id}/cat.png")), Some(id.as_str()));
        assert_eq!(upload_id_from_url(&format!("/uploads/{id}/x?download=1")), Some(id.as_str()));
        assert_eq!(upload_id_from_url(&format!("https://cdn.example/files/{id}/cat.png")), None);
        assert_eq!(upload_id_from_url("http://h/uploads/../../etc/passwd"), None);
    }
}
