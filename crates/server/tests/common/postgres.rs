//! A PostgreSQL server for the tests, from the distribution's packages: started once per
//! test process, on a free loopback port, in a directory of its own, as an unprivileged
//! user when the tests run as root (PostgreSQL refuses to run as root). It dies with the
//! test process. Each test server gets a database of its own.

use std::hash::{Hash, Hasher};
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A running PostgreSQL server.
pub struct Postgres {
    bin: PathBuf,
    port: u16,
    /// The user it runs as and the tests connect as (its superuser).
    user: String,
    /// The databases made so far, so each is made once.
    made: std::sync::Mutex<std::collections::HashSet<String>>,
}

/// Where the distribution installs PostgreSQL's programs (`/usr/lib/postgresql/<n>/bin`,
/// newest first), or `PG_BIN`.
fn bin_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PG_BIN") {
        return dir.into();
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is not installed (/usr/lib/postgresql): scripts/setup installs it")
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, bin)| bin.join("postgres").exists())
        .collect();
    found.sort();
    found.pop().expect("no PostgreSQL server under /usr/lib/postgresql").1
}

/// The user id and group id of `name`, from the password file.
fn user_ids(name: &str) -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.first() == Some(&name) && fields.len() > 3).then(|| Some((fields[2].parse().ok()?, fields[3].parse().ok()?)))?
    })
}

/// A loopback port no one listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Removes the directories of earlier test processes that are gone.
fn sweep(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|name| name.strip_prefix("chat-test-pg-")) else { continue };
        if !Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl Postgres {
    /// The server of this test process, started on first use.
    pub fn shared() -> &'static Postgres {
        static SHARED: OnceLock<Postgres> = OnceLock::new();
        SHARED.get_or_init(|| on_lasting_thread(Postgres::start))
    }

    fn start() -> Postgres {
        let bin = bin_dir();
        let parent = std::env::temp_dir();
        sweep(&parent);
        let root = parent.join(format!("chat-test-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let as_root = std::fs::metadata("/proc/self").map(|meta| meta.uid() == 0).unwrap_or(false);
        let (user, ids) = if as_root {
            let ids = user_ids("postgres").expect("running as root, the tests start PostgreSQL as the user postgres, which is missing");
            std::os::unix::fs::chown(&root, Some(ids.0), Some(ids.1)).unwrap();
            ("postgres".to_owned(), Some(ids))
        } else {
            (std::env::var("USER").unwrap_or_else(|_| "postgres".to_owned()), None)
        };
        let command = |program: &str| {
            let mut command = Command::new(bin.join(program));
            if let Some((uid, gid)) = ids {
                command.uid(uid).gid(gid);
            }
            command
        };
        let data = root.join("data");
        let output = command("initdb")
            .args(["--auth=trust", "--encoding=UTF8", "--no-sync", "--locale=C.UTF-8", "-U", &user, "-D"])
            .arg(&data)
            .output()
            .expect("initdb");
        assert!(output.status.success(), "initdb failed: {}", String::from_utf8_lossy(&output.stderr));
        let port = free_port();
        let mut server = command("postgres");
        server
            .arg("-D")
            .arg(&data)
            .args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1", "-c"])
            .arg(format!("unix_socket_directories={}", root.display()))
            // Speed over durability: the tests never survive a crash of PostgreSQL itself.
            .args(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=400"])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(root.join("server.log")).unwrap());
        // SIGQUIT is PostgreSQL's immediate shutdown: it stops its own processes, then exits.
        ends_with_its_thread(&mut server, libc::SIGQUIT);
        server.spawn().expect("postgres");
        let postgres = Postgres { bin, port, user, made: Default::default() };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !postgres.client("pg_isready").args(["-q", "-d", "postgres"]).status().is_ok_and(|status| status.success()) {
            assert!(Instant::now() < deadline, "PostgreSQL did not start: {}", std::fs::read_to_string(root.join("server.log")).unwrap_or_default());
            std::thread::sleep(Duration::from_millis(50));
        }
        postgres
    }

    /// One of PostgreSQL's client programs, pointed at this server.
    fn client(&self, program: &str) -> Command {
        let mut command = Command::new(self.bin.join(program));
        command.args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", &self.user]);
        command
    }

    /// The URL of the database named after `key` (a test server's directory), created the
    /// first time it is asked for.
    pub fn database_for(&self, key: &Path) -> String {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut hasher);
        let name = format!("chat_{:016x}", hasher.finish());
        if self.made.lock().unwrap().insert(name.clone()) {
            let output = self.client("createdb").arg(&name).output().expect("createdb");
            assert!(output.status.success(), "createdb failed: {}", String::from_utf8_lossy(&output.stderr));
        }
        self.url(&name)
    }

    /// The URL of the database `name`.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://{}@127.0.0.1:{}/{name}", self.user, self.port)
    }
}

/// With `CHAT_TEST_DB=postgres`, the PostgreSQL database for the test server whose files
/// are at `database` (its SQLite file's path); otherwise `None`, and the server runs on
/// SQLite.
pub fn database_url(database: &Path) -> Option<String> {
    (std::env::var("CHAT_TEST_DB").as_deref() == Ok("postgres")).then(|| Postgres::shared().database_for(database))
}

/// Runs `start` on a thread that lives as long as the test process, so that a server it
/// starts with [`ends_with_its_thread`] lasts until the process ends.
pub fn on_lasting_thread<T: Send + 'static>(start: fn() -> T) -> T {
    let (started, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        started.send(start()).unwrap();
        loop {
            std::thread::park();
        }
    });
    result.recv().unwrap()
}

/// Has the kernel send `signal` to the process `command` starts when the thread that
/// starts it ends, so that no server outlives the tests.
pub fn ends_with_its_thread(command: &mut Command, signal: libc::c_int) {
    // SAFETY: prctl is async-signal-safe, and it only sets the child's parent-death signal.
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, signal) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// The database name at the end of one of [`Postgres::url`]'s URLs.
fn name_of(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or(url)
}

impl Postgres {
    /// Runs `sql` in the database at `url` (a URL of this server's).
    pub fn execute(&self, url: &str, sql: &str) {
        let output = self.client("psql").args(["-v", "ON_ERROR_STOP=1", "-q", "-d", name_of(url), "-c", sql]).output().expect("psql");
        assert!(output.status.success(), "psql failed: {}", String::from_utf8_lossy(&output.stderr));
    }

    /// Everything stored in the database at `url`, as `pg_dump` writes it.
    pub fn dump(&self, url: &str) -> Vec<u8> {
        let output = self.client("pg_dump").args(["--data-only", "-d", name_of(url)]).output().expect("pg_dump");
        assert!(output.status.success(), "pg_dump failed: {}", String::from_utf8_lossy(&output.stderr));
        output.stdout
    }

    /// A session that holds `tables` of the database at `url` locked against everyone
    /// else (reads included) until the returned process is dropped.
    pub fn lock(&self, url: &str, tables: &str) -> std::process::Child {
        use std::io::{BufRead, Write};
        let mut session = self
            .client("psql")
            .args(["-q", "-t", "-A", "-d", name_of(url)])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("psql");
        let mut stdin = session.stdin.take().unwrap();
        writeln!(stdin, "BEGIN; LOCK TABLE {tables} IN ACCESS EXCLUSIVE MODE; SELECT 'locked';").unwrap();
        // Kept open in the child's handle: the session lasts until the process is killed.
        session.stdin = Some(stdin);
        let mut line = String::new();
        std::io::BufReader::new(session.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "locked");
        session
    }
}
