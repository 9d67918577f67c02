//! A NATS server for the tests, from the distribution's package: started once per test
//! process on a free loopback port, and gone with the test process.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Where the distribution installs the server, or `NATS_SERVER`.
fn program() -> PathBuf {
    if let Some(path) = std::env::var_os("NATS_SERVER") {
        return path.into();
    }
    ["/usr/sbin/nats-server", "/usr/bin/nats-server"]
        .iter()
        .map(PathBuf::from)
        .find(|path| path.exists())
        .expect("nats-server is not installed: scripts/setup installs it")
}

/// The URL of this test process's NATS server, started on first use.
pub fn url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| crate::postgres::on_lasting_thread(start_server))
}

/// The URL of a NATS server of this test process that takes only the user `chat` with the
/// password `nats-secret`, started on first use.
pub fn url_with_user() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| crate::postgres::on_lasting_thread(|| start_with(&["--user", "chat", "--pass", "nats-secret"])))
}

fn start_server() -> String {
    start_with(&[])
}

fn start_with(extra: &[&str]) -> String {
    let port = crate::postgres::free_port();
    let mut server = Command::new(program());
    server.args(["-a", "127.0.0.1", "-p", &port.to_string()]).args(extra).stdout(Stdio::null()).stderr(Stdio::null());
    crate::postgres::ends_with_its_thread(&mut server, libc::SIGKILL);
    server.spawn().expect("nats-server");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nats-server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    format!("nats://127.0.0.1:{port}")
}
