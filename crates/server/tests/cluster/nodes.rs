//! The cluster's parts: a database of its own in the tests' PostgreSQL server, the tests'
//! NATS server, and server processes on both.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{json, Value};

use crate::support::{customer_token, ok, Client, WAIT};

/// The agents of the cluster's configuration, by token.
pub const ANNA: &str = "anna-token-00000001";
pub const CARL: &str = "carl-token-00000001";

/// One license, one group, two agents.
const CONFIG: &str = r#"
[[licenses]]
id = 1
organization_id = "2f1c6d4e-8a4b-4a51-9a7e-0c9d3b1e5f01"
name = "Acme Outdoor"
  [[licenses.groups]]
  id = 0
  name = "General"
  [[licenses.agents]]
  id = "anna@acme.example"
  name = "Anna"
  token = "anna-token-00000001"
  role = "owner"
  groups = [0]
  [[licenses.agents]]
  id = "carl@acme.example"
  name = "Carl"
  token = "carl-token-00000001"
  groups = [0]
"#;

/// A database and a configuration that nodes share.
pub struct Cluster {
    dir: tempfile::TempDir,
    database_url: String,
    /// The bus the nodes are told to join.
    pub nats_url: String,
}

/// A server process of the cluster.
pub struct Node {
    process: tokio::process::Child,
    pub addr: SocketAddr,
    _data: tempfile::TempDir,
}

impl Cluster {
    pub async fn new() -> Cluster {
        Cluster::with_limits("").await
    }

    /// A cluster whose configuration starts with `limits` (a `[limits]` table).
    pub async fn with_limits(limits: &str) -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("cluster.toml"), format!("{limits}\n{CONFIG}")).unwrap();
        let database_url = crate::postgres::Postgres::shared().database_for(dir.path());
        Cluster { dir, database_url, nats_url: crate::nats::url().to_owned() }
    }

    /// Starts a node and waits until it serves.
    pub async fn node(&self) -> Node {
        self.node_with(&[]).await
    }

    /// The command that starts a node, with `extra` arguments after the cluster's.
    pub fn command(&self, extra: &[&str]) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_server"));
        command
            .args(["--port", "0", "--dist", "no-dist", "--db", &self.database_url, "--nats", &self.nats_url])
            .arg("--config")
            .arg(self.dir.path().join("cluster.toml"))
            .args(extra);
        command
    }

    /// [`Cluster::node`] with `extra` arguments.
    pub async fn node_with(&self, extra: &[&str]) -> Node {
        use tokio::io::AsyncBufReadExt;
        let data = tempfile::tempdir().unwrap();
        let mut process = self
            .command(extra)
            .arg("--data")
            .arg(data.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = tokio::io::BufReader::new(process.stdout.take().unwrap()).lines();
        let addr = loop {
            let line = tokio::time::timeout(WAIT * 4, lines.next_line()).await.unwrap().unwrap().expect("the node exited");
            if let Some(url) = line.strip_prefix("Live chat is running on http://") {
                break url.trim().parse().unwrap();
            }
        };
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Node { process, addr, _data: data }
    }
}

impl Node {
    /// A new customer logged in here; with their token, for more tabs.
    pub async fn customer(&self) -> (Client, Value) {
        let token = customer_token(self.addr, json!({ "license_id": 1 })).await;
        let mut client = Client::connect(self.addr, "/v3.2/customer/rtm/ws?license_id=1").await;
        client.login(&token["access_token"]).await;
        (client, token)
    }

    /// An agent of the configuration signed in here with `token`.
    pub async fn agent(&self, token: &str) -> Client {
        let mut client = Client::connect(self.addr, "/v3.2/agent/rtm/ws").await;
        client.login(&json!(token)).await;
        client
    }

    /// Waits until this node tells `customer` that the agent signed in with `token` has
    /// `status` (presence crosses nodes through the bus).
    pub async fn until_agent_is(&self, customer: &mut Client, token: &str, status: &str) {
        let agent_id = if token == ANNA { "anna@acme.example" } else { "carl@acme.example" };
        let deadline = tokio::time::Instant::now() + WAIT * 3;
        loop {
            let list = customer.request("list_agents", json!({})).await;
            let agents = ok(&list)["agents"].as_array().unwrap().clone();
            if agents.iter().any(|agent| agent["id"] == agent_id && agent["routing_status"] == status) {
                return;
            }
            assert!(tokio::time::Instant::now() < deadline, "{agent_id} never became {status} on {}: {list}", self.addr);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Kills the process at once (SIGKILL) and waits until it is gone.
    pub async fn kill(&mut self) {
        self.process.start_kill().unwrap();
        self.process.wait().await.unwrap();
    }
}
