//! Group commit. A write that arrives while another holds the connection joins the
//! transaction that one opened, and the last write of such a burst commits for all of
//! them: one commit (one append to the write-ahead log, one round of page writes) per
//! burst instead of one per write. Every caller still returns only once the commit that
//! holds its write has happened, so nothing is acknowledged before it is durable.
//!
//! Each write runs in a savepoint of its own: one that fails is rolled back alone and the
//! rest of its batch commits. A batch whose commit fails fails every write in it.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

use rusqlite::Connection;

use super::{off_worker, DbError, DbResult};

/// The most writes one transaction takes before it commits even though more are waiting:
/// a bound on how long the first of them waits.
const MOST_PER_BATCH: usize = 256;

/// How many failed batches are remembered for the writes still waiting on them.
const FAILURES_KEPT: usize = 64;

/// The writing connection with the transaction it may have open.
pub(in crate::db) struct Open {
    connection: Connection,
    /// The open batch (its number and how many writes it holds).
    batch: Option<(u64, usize)>,
    /// The number the next batch gets.
    next: u64,
}

impl std::ops::Deref for Open {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        &self.connection
    }
}

impl std::ops::DerefMut for Open {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.connection
    }
}

/// What became of the batches.
#[derive(Default)]
struct Commits {
    /// Every batch up to this number has ended (committed or failed).
    ended: u64,
    /// Recent batches whose commit failed, with the reason.
    failed: VecDeque<(u64, String)>,
}

/// The one connection that writes, shared by group commit.
pub(in crate::db) struct Writer {
    open: Mutex<Open>,
    /// Writes waiting for the connection: while there are any, a batch stays open for them.
    queued: AtomicUsize,
    commits: Mutex<Commits>,
    ended: Condvar,
}

impl Writer {
    pub(super) fn new(connection: Connection) -> Writer {
        Writer {
            open: Mutex::new(Open { connection, batch: None, next: 1 }),
            queued: AtomicUsize::new(0),
            commits: Mutex::new(Commits::default()),
            ended: Condvar::new(),
        }
    }

    /// The connection, waiting for it if another call holds it. A call that panicked while
    /// holding it leaves its batch rolled back and failed, never open.
    pub(in crate::db) fn lock(&self) -> MutexGuard<'_, Open> {
        match self.open.try_lock() {
            Ok(open) => open,
            Err(std::sync::TryLockError::Poisoned(poisoned)) => self.recover(poisoned.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => {
                self.queued.fetch_add(1, Ordering::SeqCst);
                let open = off_worker(|| self.open.lock().unwrap_or_else(|poisoned| self.recover(poisoned.into_inner())));
                self.queued.fetch_sub(1, Ordering::SeqCst);
                open
            }
        }
    }

    fn recover<'a>(&self, mut open: MutexGuard<'a, Open>) -> MutexGuard<'a, Open> {
        self.open.clear_poison();
        if let Some((batch, _)) = open.batch.take() {
            let _ = open.connection.execute_batch("ROLLBACK");
            self.end(batch, Some("a write in the same batch panicked".to_owned()));
        }
        open
    }

    /// Runs `f` in the open batch (opening one if none is), and returns once that batch
    /// has committed.
    pub(super) fn write<T>(&self, f: impl FnOnce(&Connection) -> DbResult<T>) -> DbResult<T> {
        let mut open = self.lock();
        let batch = match open.batch {
            Some((batch, writes)) => {
                open.batch = Some((batch, writes + 1));
                batch
            }
            None => {
                open.connection.execute_batch("BEGIN IMMEDIATE")?;
                let batch = open.next;
                open.next += 1;
                open.batch = Some((batch, 1));
                batch
            }
        };
        let result = run_alone(&open.connection, f);
        let result = match result {
            Ok(result) => result,
            // The savepoint could not be made or undone: the transaction is in no state to
            // commit, so the whole batch fails.
            Err(broken) => {
                let _ = open.connection.execute_batch("ROLLBACK");
                open.batch = None;
                drop(open);
                self.end(batch, Some(broken.to_string()));
                return Err(broken);
            }
        };
        let writes = open.batch.map_or(0, |(_, writes)| writes);
        if self.queued.load(Ordering::SeqCst) == 0 || writes >= MOST_PER_BATCH {
            let committed = open.connection.execute_batch("COMMIT");
            if committed.is_err() {
                let _ = open.connection.execute_batch("ROLLBACK");
            }
            open.batch = None;
            drop(open);
            self.end(batch, committed.as_ref().err().map(ToString::to_string));
            return committed.map_err(DbError::from).and(result);
        }
        // Another write is waiting for the connection: it joins this batch, and whichever
        // write finds no one waiting commits it.
        drop(open);
        match result {
            // Nothing of a failed write is in the batch: there is nothing to wait for.
            Err(error) => Err(error),
            Ok(value) => self.wait_for(batch).map(|()| value),
        }
    }

    fn end(&self, batch: u64, failure: Option<String>) {
        let mut commits = self.commits.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        commits.ended = commits.ended.max(batch);
        if let Some(reason) = failure {
            if commits.failed.len() == FAILURES_KEPT {
                commits.failed.pop_front();
            }
            commits.failed.push_back((batch, reason));
        }
        drop(commits);
        self.ended.notify_all();
    }

    fn wait_for(&self, batch: u64) -> DbResult<()> {
        let outcome = |commits: &Commits| match commits.failed.iter().find(|(failed, _)| *failed == batch) {
            Some((_, reason)) => Err(DbError::Batch(reason.clone())),
            None => Ok(()),
        };
        let commits = self.commits.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if commits.ended >= batch {
            return outcome(&commits);
        }
        off_worker(|| {
            let commits = self
                .ended
                .wait_while(commits, |commits| commits.ended < batch)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            outcome(&commits)
        })
    }
}

/// Runs one write in a savepoint: kept when it succeeds, undone when it fails. The outer
/// error is the savepoint's own failure; the inner result is the write's.
fn run_alone<T>(connection: &Connection, f: impl FnOnce(&Connection) -> DbResult<T>) -> DbResult<DbResult<T>> {
    connection.execute_batch("SAVEPOINT one_write")?;
    let result = f(connection);
    let undo = if result.is_ok() { "RELEASE one_write" } else { "ROLLBACK TO one_write; RELEASE one_write" };
    connection.execute_batch(undo)?;
    Ok(result)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use super::*;

    fn writer(dir: &tempfile::TempDir) -> (Arc<Writer>, std::path::PathBuf) {
        let path = dir.path().join("batch.db");
        let connection = Connection::open(&path).unwrap();
        connection.pragma_update(None, "journal_mode", "WAL").unwrap();
        connection.execute_batch("CREATE TABLE rows (name TEXT PRIMARY KEY)").unwrap();
        (Arc::new(Writer::new(connection)), path)
    }

    fn insert(connection: &Connection, name: &str) -> DbResult<()> {
        connection.execute("INSERT INTO rows (name) VALUES (?1)", [name])?;
        Ok(())
    }

    fn names(path: &std::path::Path) -> Vec<String> {
        let connection = Connection::open(path).unwrap();
        let mut statement = connection.prepare("SELECT name FROM rows ORDER BY name").unwrap();
        statement.query_map([], |row| row.get(0)).unwrap().map(Result::unwrap).collect()
    }

    fn batches(writer: &Writer) -> u64 {
        writer.lock().next - 1
    }

    /// Waits until `count` writes are waiting for the connection.
    fn until_queued(writer: &Writer, count: usize) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while writer.queued.load(Ordering::SeqCst) < count {
            assert!(Instant::now() < deadline, "the other writes never queued");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn writes_that_arrive_together_commit_together_and_each_is_visible_when_it_returns() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, path) = writer(&dir);
        let threads: Vec<_> = (0..8)
            .map(|thread| {
                let (writer, path) = (writer.clone(), path.clone());
                std::thread::spawn(move || {
                    let reader = Connection::open(&path).unwrap();
                    for n in 0..100 {
                        let name = format!("{thread}-{n}");
                        writer
                            .write(|connection| {
                                // Long enough that the other threads queue meanwhile.
                                std::thread::sleep(Duration::from_micros(200));
                                insert(connection, &name)
                            })
                            .unwrap();
                        // Returned means committed: another connection sees it at once.
                        let seen: bool = reader.query_row("SELECT count(*) FROM rows WHERE name = ?1", [&name], |row| row.get(0)).unwrap();
                        assert!(seen, "{name} returned before its commit");
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|thread| thread.join().unwrap());
        assert_eq!(names(&path).len(), 800);
        let batches = batches(&writer);
        assert!(batches < 400, "800 writes from 8 threads took {batches} commits");
    }

    #[test]
    fn a_failed_write_is_undone_alone_and_its_batch_commits() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, path) = writer(&dir);
        let (holding, held) = std::sync::mpsc::channel();
        let first = {
            let writer = writer.clone();
            std::thread::spawn(move || {
                writer.write(|connection| {
                    insert(connection, "first")?;
                    holding.send(()).unwrap();
                    // Hold the connection until both others wait for it.
                    until_queued(&writer, 2);
                    Ok(())
                })
            })
        };
        held.recv().unwrap();
        let failing = {
            let writer = writer.clone();
            std::thread::spawn(move || {
                writer.write(|connection| {
                    insert(connection, "failed")?;
                    insert(connection, "first")
                })
            })
        };
        let last = {
            let writer = writer.clone();
            std::thread::spawn(move || writer.write(|connection| insert(connection, "last")))
        };
        first.join().unwrap().unwrap();
        assert!(failing.join().unwrap().is_err(), "a duplicate key must fail");
        last.join().unwrap().unwrap();
        assert_eq!(names(&path), ["first", "last"]);
        assert_eq!(batches(&writer), 1, "the three writes shared one transaction");
        // The connection is free and usable afterwards.
        writer.write(|connection| insert(connection, "after")).unwrap();
        assert_eq!(names(&path), ["after", "first", "last"]);
    }

    #[test]
    fn a_write_that_panics_fails_its_batch_and_leaves_the_connection_usable() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, path) = writer(&dir);
        let panicking = {
            let writer = writer.clone();
            std::thread::spawn(move || {
                writer.write(|connection| -> DbResult<()> {
                    insert(connection, "lost").unwrap();
                    panic!("a bug in a write");
                })
            })
        };
        assert!(panicking.join().is_err());
        writer.write(|connection| insert(connection, "kept")).unwrap();
        assert_eq!(names(&path), ["kept"]);
    }
}
