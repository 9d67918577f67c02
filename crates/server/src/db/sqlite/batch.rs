//! Group commit. A write that finds the connection free and nothing waiting runs at once
//! in a transaction of its own. Otherwise it goes to one thread that owns the writing
//! connection between such writes. That thread takes every write that is waiting, runs
//! them one after another in one transaction, each in a savepoint of its own, and commits
//! once for all of them: one commit (one append to the write-ahead log, one round of page
//! writes) per burst instead of one per write, and no hand-over of the connection between
//! the writes of a burst. Every caller returns only once the commit that holds its write
//! has happened, so nothing is acknowledged before it is durable.
//!
//! A write that fails is rolled back alone and the rest of its batch commits. A batch whose
//! commit fails (or one of whose writes panicked) fails every write in it.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::Connection;

use crate::db::{off_worker, DbError, DbResult};

/// The most writes one transaction takes; more wait for the next. A bound on how long the
/// first of them waits.
const MOST_PER_BATCH: usize = 256;

/// One write on its way through the writing thread.
trait Job: Send {
    /// Runs the write in its savepoint. `Err` means the transaction is broken (the
    /// savepoint could not be made or undone, or the write panicked): the batch must fail.
    fn run(&mut self, connection: &Connection) -> Result<(), String>;
    /// Tells the caller, once its batch ended: committed (`None`) or failed.
    fn finish(self: Box<Self>, failure: Option<&str>);
}

struct Pending<T, F> {
    work: Option<F>,
    result: Option<DbResult<T>>,
    reply: SyncSender<DbResult<T>>,
}

impl<T, F> Job for Pending<T, F>
where
    T: Send,
    F: FnOnce(&Connection) -> DbResult<T> + Send,
{
    fn run(&mut self, connection: &Connection) -> Result<(), String> {
        let Some(work) = self.work.take() else { return Ok(()) };
        match std::panic::catch_unwind(AssertUnwindSafe(|| run_alone(connection, work))) {
            Ok(Ok(result)) => {
                self.result = Some(result);
                Ok(())
            }
            Ok(Err(broken)) => Err(broken.to_string()),
            Err(_) => Err("a write in the same batch panicked".to_owned()),
        }
    }

    fn finish(self: Box<Self>, failure: Option<&str>) {
        let result = match (failure, self.result) {
            // A write's own error says more than its batch's.
            (_, Some(Err(error))) => Err(error),
            (None, Some(Ok(value))) => Ok(value),
            (Some(reason), _) => Err(DbError::Batch(reason.to_owned())),
            (None, None) => Err(DbError::Batch("the write never ran".to_owned())),
        };
        // The caller may have gone (it never does: it waits); nothing to tell then.
        let _ = self.reply.send(result);
    }
}

/// The one connection that writes, and the thread that runs the writes.
pub(in crate::db) struct Writer {
    connection: Arc<Mutex<Connection>>,
    jobs: Sender<Box<dyn Job>>,
    /// Writes sent and not yet answered.
    in_flight: AtomicUsize,
    /// Transactions begun so far (what the tests read to see writes share them).
    #[cfg_attr(not(test), allow(dead_code))]
    batches: Arc<AtomicU64>,
}

impl Writer {
    pub(super) fn new(connection: Connection) -> std::io::Result<Writer> {
        let connection = Arc::new(Mutex::new(connection));
        let (jobs, queue) = mpsc::channel();
        let batches = Arc::new(AtomicU64::new(0));
        let (shared, counted) = (connection.clone(), batches.clone());
        std::thread::Builder::new().name("sqlite-writer".to_owned()).spawn(move || write_batches(&shared, &queue, &counted))?;
        Ok(Writer { connection, jobs, in_flight: AtomicUsize::new(0), batches })
    }

    /// The connection itself, for work that runs before any write (migrations) or beside
    /// them in tests.
    pub(in crate::db) fn lock(&self) -> MutexGuard<'_, Connection> {
        lock(&self.connection)
    }

    /// Runs `f` in the next batch and returns once that batch has committed.
    pub(super) fn write<T, F>(&self, f: F) -> DbResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> DbResult<T> + Send + 'static,
    {
        let (reply, answer) = mpsc::sync_channel(1);
        let stopped = || DbError::Batch("the writing thread stopped".to_owned());
        let job: Box<dyn Job> = Box::new(Pending { work: Some(f), result: None, reply });
        // With nothing waiting and the connection free, the write runs here and now, in a
        // transaction of its own: a quiet server pays no hand-over to the writing thread.
        if self.in_flight.load(Ordering::SeqCst) == 0
            && let Ok(connection) = self.connection.try_lock()
        {
            self.batches.fetch_add(1, Ordering::Relaxed);
            let mut batch = [job];
            let failure = run_batch(&connection, &mut batch);
            drop(connection);
            let [job] = batch;
            job.finish(failure.as_deref());
            return answer.recv().unwrap_or_else(|_| Err(stopped()));
        }
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let sent = self.jobs.send(job);
        let result = match sent {
            Ok(()) => off_worker(|| answer.recv()).unwrap_or_else(|_| Err(stopped())),
            Err(_) => Err(stopped()),
        };
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        result
    }
}

fn lock(connection: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    connection.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The writing thread: a batch of every write waiting, until the store is dropped.
fn write_batches(connection: &Mutex<Connection>, queue: &Receiver<Box<dyn Job>>, batches: &AtomicU64) {
    while let Ok(first) = queue.recv() {
        // The connection first: writes that arrive while a write running at once holds it
        // join this batch.
        let connection = lock(connection);
        batches.fetch_add(1, Ordering::Relaxed);
        let mut batch = vec![first];
        while batch.len() < MOST_PER_BATCH
            && let Ok(next) = queue.try_recv()
        {
            batch.push(next);
        }
        let failure = run_batch(&connection, &mut batch);
        drop(connection);
        for job in batch {
            job.finish(failure.as_deref());
        }
    }
}

/// Runs a batch in one transaction; `Some` when it did not commit, with why.
fn run_batch(connection: &Connection, batch: &mut [Box<dyn Job>]) -> Option<String> {
    if let Err(error) = connection.execute_batch("BEGIN IMMEDIATE") {
        return Some(error.to_string());
    }
    for job in batch.iter_mut() {
        if let Err(broken) = job.run(connection) {
            let _ = connection.execute_batch("ROLLBACK");
            return Some(broken);
        }
    }
    match connection.execute_batch("COMMIT") {
        Ok(()) => None,
        Err(error) => {
            let _ = connection.execute_batch("ROLLBACK");
            Some(error.to_string())
        }
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
    use std::time::{Duration, Instant};

    use super::*;

    fn writer(dir: &tempfile::TempDir) -> (Arc<Writer>, std::path::PathBuf) {
        let path = dir.path().join("batch.db");
        let connection = Connection::open(&path).unwrap();
        connection.pragma_update(None, "journal_mode", "WAL").unwrap();
        connection.execute_batch("CREATE TABLE rows (name TEXT PRIMARY KEY)").unwrap();
        (Arc::new(Writer::new(connection).unwrap()), path)
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
        writer.batches.load(Ordering::Relaxed)
    }

    /// Waits until `count` writes are on their way, and a moment more for the last to be sent.
    fn until_in_flight(writer: &Writer, count: usize) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while writer.in_flight.load(Ordering::SeqCst) < count {
            assert!(Instant::now() < deadline, "the other writes never came");
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_millis(50));
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
                        let written = name.clone();
                        writer
                            .write(move |connection| {
                                // Long enough that the other threads send theirs meanwhile.
                                std::thread::sleep(Duration::from_micros(200));
                                insert(connection, &written)
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
        let (holding, held) = mpsc::channel();
        let first = {
            let writer = writer.clone();
            std::thread::spawn(move || {
                let waiting = writer.clone();
                writer.write(move |connection| {
                    insert(connection, "first")?;
                    holding.send(()).unwrap();
                    // A quiet writer runs this one at once; it keeps the connection
                    // until both others wait for the writing thread.
                    until_in_flight(&waiting, 2);
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
        assert_eq!(batches(&writer), 2, "the first write alone, then the two that waited, together");
        writer.write(|connection| insert(connection, "after")).unwrap();
        assert_eq!(names(&path), ["after", "first", "last"]);
    }

    #[test]
    fn a_write_that_panics_fails_its_batch_and_leaves_the_writer_working() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, path) = writer(&dir);
        let failed = writer.write(|connection| -> DbResult<()> {
            insert(connection, "lost").unwrap();
            panic!("a bug in a write");
        });
        assert!(matches!(failed, Err(DbError::Batch(_))), "{failed:?}");
        writer.write(|connection| insert(connection, "kept")).unwrap();
        assert_eq!(names(&path), ["kept"]);
    }
}
