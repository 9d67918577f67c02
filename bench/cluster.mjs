// The cluster benchmark (section `cluster`): three release servers on one PostgreSQL
// database and one NATS server, all on this machine, driven by the load generator. Idle
// customers are spread over the nodes by one load generator process per node (a process
// here may open at most 20,000 files); delivery has its customers on every node and the
// agent on one, so most messages cross from one node to another. One node on PostgreSQL
// alone is measured too, beside the single node on SQLite of the `server` section.
import { execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { AGENT_TOKEN, CONFIG, freePort, loadgen, sleep, startServer, stats } from "./lib.mjs";

/** The benchmark configuration with room for every node's customers: the limit on
 * customers per license counts the whole cluster's. */
function clusterConfig() {
  const path = join(mkdtempSync(join(os.tmpdir(), "bench-cluster-")), "cluster.toml");
  writeFileSync(path, readFileSync(CONFIG, "utf8").replace(/^customers_per_license = \d+/m, "customers_per_license = 60000"));
  return path;
}

/** PostgreSQL from the distribution's packages, in a directory of its own, as the user
 * `postgres` when run as root; with the settings of a real deployment (fsync on). */
async function startPostgres() {
  const versions = readdirSync("/usr/lib/postgresql").filter((name) => existsSync(`/usr/lib/postgresql/${name}/bin/postgres`)).sort((a, b) => a - b);
  const bin = `/usr/lib/postgresql/${versions.at(-1)}/bin`;
  const dir = mkdtempSync(join(os.tmpdir(), "bench-pg-"));
  const asRoot = process.getuid() === 0;
  const ids = asRoot ? { uid: Number(execFileSync("id", ["-u", "postgres"])), gid: Number(execFileSync("id", ["-g", "postgres"])) } : {};
  if (asRoot) chownSync(dir, ids.uid, ids.gid);
  const user = asRoot ? "postgres" : os.userInfo().username;
  execFileSync(`${bin}/initdb`, ["--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "-U", user, "-D", join(dir, "data")], { ...ids, stdio: "ignore" });
  const port = await freePort();
  const child = spawn(`${bin}/postgres`, ["-D", join(dir, "data"), "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", `unix_socket_directories=${dir}`, "-c", "max_connections=200", "-c", "shared_buffers=512MB"], { ...ids, stdio: "ignore" });
  for (let tries = 0; ; tries++) {
    try {
      execFileSync(`${bin}/pg_isready`, ["-q", "-h", "127.0.0.1", "-p", String(port)]);
      break;
    } catch {
      if (tries > 300) throw new Error("PostgreSQL did not start");
      await sleep(100);
    }
  }
  let databases = 0;
  return {
    /** A new, empty database; its URL. */
    database() {
      const name = `bench_${++databases}`;
      execFileSync(`${bin}/createdb`, ["-h", "127.0.0.1", "-p", String(port), "-U", user, name]);
      return `postgres://${user}@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      child.kill("SIGINT");
      await new Promise((done) => (child.exitCode !== null ? done() : child.on("exit", done)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** NATS from the distribution's package on a free port. */
async function startNats() {
  const program = ["/usr/sbin/nats-server", "/usr/bin/nats-server"].find(existsSync);
  const port = await freePort();
  const child = spawn(program, ["-a", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
  await sleep(500);
  return { url: `nats://127.0.0.1:${port}`, stop: () => child.kill("SIGKILL") };
}

/** `count` nodes on one new database (and the bus, when there is more than one). */
async function startNodes({ dist, config, postgres, nats, count }) {
  const url = postgres.database();
  const nodes = [];
  for (let n = 0; n < count; n++) {
    const data = mkdtempSync(join(os.tmpdir(), "bench-node-"));
    const args = ["--db", url, "--data", data, ...(count > 1 ? ["--nats", nats.url] : [])];
    nodes.push(await startServer({ dist, config, extraArgs: args }));
    nodes.at(-1).data = data;
  }
  await sleep(count > 1 ? 2500 : 300); // every node has heard from every other
  return {
    nodes,
    async stop() {
      for (const node of nodes) {
        await node.stop();
        rmSync(node.data, { recursive: true, force: true });
      }
    },
  };
}

const ms = (value) => (value == null ? "n/a" : `${value.toFixed(value < 10 ? 1 : 0)} ms`);

export async function clusterRuns({ dist, runs, connections, row, log }) {
  const postgres = await startPostgres();
  const nats = await startNats();
  const config = clusterConfig();
  try {
    // Idle customers across three nodes, one load generator per node, all at once.
    const perNode = Math.floor(connections / 3);
    const idle = [];
    for (let run = 0; run < runs; run++) {
      const cluster = await startNodes({ dist, config, postgres, nats, count: 3 });
      try {
        const results = await Promise.all(cluster.nodes.map((node) => loadgen(["idle", "--server", node.url, "--connections", String(perNode), "--server-pid", String(node.pid), "--hold", "5"])));
        idle.push(results);
        log(`cluster idle run ${run + 1}/${runs}: ${results.map((result) => result.open_after_hold).join(" + ")} open, ${results.map((result) => result.rss_per_connection_kib?.toFixed(1)).join(" / ")} KiB each`);
      } finally {
        await cluster.stop();
      }
    }
    const held = stats(idle.map((results) => results.reduce((sum, result) => sum + result.open_after_hold, 0)));
    const errors = idle.flat().flatMap((result) => result.errors);
    row({
      group: "Cluster", what: `Idle customer connections held by three nodes on PostgreSQL + NATS (of ${perNode * 3} attempted)`, ours: held, unit: "", limit: -50000, budget: "≥ 50,000",
      note: "three server processes and three load generators on one 2-core machine; each process may open at most 20,000 files",
      why: perNode * 3 < 50000 ? `only ${perNode * 3} were attempted (BENCH_CLUSTER_CONNECTIONS or the open-file limit)` : errors[0] ? `first failure: ${errors[0]}` : undefined,
    });
    row({ group: "Cluster", what: "Server memory per idle connection, per node (RSS growth ÷ connections)", ours: stats(idle.flat().map((result) => result.rss_per_connection_kib * 1024)), unit: "B", kib: true, limit: 10 * 1024, budget: "≤ 10 KiB" });
    row({ group: "Cluster", what: "Connect + login rate per node, three nodes at once (64 at a time each)", ours: stats(idle.flat().map((result) => result.connect_login_per_second)), unit: "/s" });

    // Delivery across nodes: customers on all three, the agent on the first.
    for (const [count, label] of [[3, "three nodes on PostgreSQL + NATS, customers on all of them, the agent on one"], [1, "one node on PostgreSQL"]]) {
      for (const rate of count === 3 ? [1000] : [1000, 10000]) {
        const customers = Math.max(50, rate / 100);
        const results = [];
        for (let run = 0; run < runs; run++) {
          const cluster = await startNodes({ dist, config, postgres, nats, count });
          try {
            const servers = cluster.nodes.map((node) => node.url).join(",");
            results.push(await loadgen(["latency", "--server", servers, "--agent-token", AGENT_TOKEN, "--rate", String(rate), "--seconds", "5", "--customers", String(customers), "--server-pid", String(cluster.nodes[0].pid)]));
            log(`${label} at ${rate}/s run ${run + 1}/${runs}: p50 ${ms(results.at(-1).p50_ms)} p99 ${ms(results.at(-1).p99_ms)}`);
          } finally {
            await cluster.stop();
          }
        }
        const note = `achieved ${stats(results.map((result) => result.achieved_rate)).median.toFixed(0)} msg/s from ${customers} customers; lost ${results.reduce((sum, result) => sum + result.lost, 0)}, errors ${results.reduce((sum, result) => sum + result.errors, 0)}; worst ${ms(stats(results.map((result) => result.max_ms)).max)}`;
        row({ group: "Cluster", what: `Customer → agent delivery at ${rate} msg/s, ${label}, p50`, ours: stats(results.map((result) => result.p50_ms)), unit: "ms" });
        row({ group: "Cluster", what: `Customer → agent delivery at ${rate} msg/s, ${label}, p99`, ours: stats(results.map((result) => result.p99_ms)), unit: "ms", note, ...(rate === 10000 || count === 3 ? { limit: 50, budget: "< 50 ms" } : {}) });
      }
    }
  } finally {
    nats.stop();
    await postgres.stop();
    rmSync(dirname(config), { recursive: true, force: true });
  }
}
