//! Checkpoints mostly off the writing path. A checkpoint copies the write-ahead log into
//! the database and syncs both to disk; run by the writer (SQLite's automatic checkpoint,
//! once the log holds `wal_autocheckpoint` pages), every write waiting behind it waits for
//! the disk too. A thread of its own, with its own connection, copies the log a few times
//! a second (`PASSIVE`: it never stops a writer or a reader), so when the writer's own
//! checkpoint comes, there is little left to copy and it mostly restarts the log.

use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::Duration;

use super::{connect, DbResult};

/// How often the log is copied into the database.
const EVERY: Duration = Duration::from_millis(100);

/// The checkpointing thread; it stops when this is dropped (with the store).
pub(super) struct Checkpointer {
    _stop: Sender<()>,
}

impl Checkpointer {
    pub(super) fn start(path: &Path) -> DbResult<Checkpointer> {
        let connection = connect(path)?;
        let (stop, stopped) = mpsc::channel::<()>();
        std::thread::Builder::new().name("sqlite-checkpoint".to_owned()).spawn(move || {
            while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
                if let Err(error) = connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                    tracing::warn!(%error, "checkpoint failed; the next one tries again");
                }
            }
        })?;
        Ok(Checkpointer { _stop: stop })
    }
}
