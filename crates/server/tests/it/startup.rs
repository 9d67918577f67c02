//! The binary's start-up on loopback: the generated agent token (kept, never printed), the
//! first passwords it prints and keeps, `server password`, and JSON logs.

use std::path::Path;

/// Starts the binary without `--agent-token` on a free port, with `env`, and reads what it
/// prints until it says it runs.
async fn start_and_read(dir: &Path, env: &[(&str, &str)]) -> (tokio::process::Child, String) {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["--port", "0", "--dist", "no-dist", "--db"])
        .arg(dir.join("chat.db"))
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut output = String::new();
    while let Ok(Some(line)) = lines.next_line().await {
        output.push_str(&line);
        output.push('\n');
        if line.contains("Ctrl-C") {
            break;
        }
    }
    (child, output)
}

/// Starts the binary without `--agent-token` on a free port and reads what it prints at
/// start-up; then sends `sign_in` (e-mail, password) to it, if given, and stops it. Returns
/// the output and the sign-in's status.
async fn start_without_token(dir: &Path, sign_in: Option<(&str, &str)>) -> (String, u16) {
    let (mut child, output) = start_and_read(dir, &[]).await;
    let mut status = 0;
    if let Some((email, password)) = sign_in {
        let url = output.lines().find(|line| line.contains("running on")).unwrap().rsplit(' ').next().unwrap();
        let addr: std::net::SocketAddr = url.trim_start_matches("http://").parse().unwrap();
        let body = serde_json::json!({ "email": email, "password": password }).to_string();
        status = crate::support::http_request(addr, "POST", "/account/sign_in", &[("Content-Type", "application/json")], body.into_bytes()).await.status;
    }
    child.kill().await.unwrap();
    (output, status)
}

/// The password the start-up output gives an agent.
fn printed_password<'a>(output: &'a str, agent: &str) -> Option<&'a str> {
    let line = output.lines().find(|line| line.contains(&format!("sign in as {agent} with ")))?;
    line.rsplit(' ').next()
}

#[tokio::test]
async fn the_generated_agent_token_is_long_readable_by_its_owner_only_and_never_printed() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (output, _) = start_without_token(dir.path(), None).await;
    let file = dir.path().join("agent-token");
    let token = std::fs::read_to_string(&file).unwrap();
    assert!(token.len() >= 32, "{token:?}");
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    assert!(!output.contains(&token), "tokens are not for pasting into addresses: {output}");
    // A file an earlier version left readable by everyone is closed up at the next start.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    start_without_token(dir.path(), None).await;
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
}

#[tokio::test]
async fn a_first_start_on_loopback_prints_a_password_that_signs_in_until_the_password_command_replaces_it() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (first, _) = start_without_token(dir.path(), None).await;
    assert!(first.contains("agent app:"), "{first}");
    let password = printed_password(&first, "anna@acme.example").unwrap_or_else(|| panic!("{first}")).to_owned();
    assert!(password.len() >= 16, "{password}");
    let file = dir.path().join("agent-passwords");
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), format!("anna@acme.example {password}\n"));

    let (second, status) = start_without_token(dir.path(), Some(("anna@acme.example", &password))).await;
    assert_eq!(printed_password(&second, "anna@acme.example"), Some(password.as_str()), "the same one next time");
    assert_eq!(status, 200, "and it signs in");

    let command = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["password", "--email", "anna@acme.example", "--role", "owner", "--db"])
        .arg(dir.path().join("chat.db"))
        .output()
        .unwrap();
    assert!(command.status.success(), "{command:?}");
    let said = String::from_utf8(command.stdout).unwrap();
    let new_password = said.split("password ").nth(1).unwrap().split(' ').next().unwrap().trim_end_matches(';').to_owned();
    assert!(said.contains("role owner"), "{said}");
    let (third, status) = start_without_token(dir.path(), Some(("anna@acme.example", &new_password))).await;
    assert_eq!(status, 200, "{said}");
    assert_eq!(printed_password(&third, "anna@acme.example"), None, "the kept password no longer works, so it is not shown");

    let unknown = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["password", "--email", "nobody@acme.example", "--db"])
        .arg(dir.path().join("chat.db"))
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no agent nobody@acme.example in the configuration"));
}

#[tokio::test]
async fn log_format_json_writes_one_object_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, output) = start_and_read(dir.path(), &[("LOG_FORMAT", "json")]).await;
    child.kill().await.unwrap();
    let line = output.lines().find(|line| line.contains("widget is not built")).expect("the missing widget is logged");
    let entry: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|error| panic!("{error}: {line}"));
    assert_eq!(entry["level"], "WARN");
    assert!(entry["fields"]["message"].as_str().unwrap().contains("widget is not built"), "{entry}");
}

/// Runs the binary with `args` until it exits; its status and what it wrote to stderr.
fn run_to_exit(dir: &Path, args: &[&str]) -> (std::process::ExitStatus, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["--port", "0", "--dist", "no-dist", "--agent-token", crate::support::AGENT_TOKEN, "--data"])
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    (output.status, String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn a_database_that_cannot_be_reached_stops_the_start_with_its_address_and_no_password() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 1.
    let (status, stderr) = run_to_exit(dir.path(), &["--db", "postgres://chat:s3cret-word@127.0.0.1:1/chat"]);
    assert!(!status.success());
    assert!(stderr.contains("cannot open database postgres://chat:***@127.0.0.1:1/chat"), "{stderr}");
    assert!(!stderr.contains("s3cret-word"), "the password was printed: {stderr}");
}

#[test]
fn joining_a_cluster_needs_a_shared_database() {
    let dir = tempfile::tempdir().unwrap();
    let (status, stderr) = run_to_exit(dir.path(), &["--nats", "nats://127.0.0.1:4222"]);
    assert!(!status.success());
    assert!(stderr.contains("--nats joins nodes that share a PostgreSQL database"), "{stderr}");
}
