// Shared helpers for the browser tests: a real server on a free loopback port with its
// own database, and a headless Chromium that fails the test on any page error.
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const ARTIFACTS = join(ROOT, "e2e", "artifacts");
export const AGENT_TOKEN = "e2e-agent-token-0001";

/**
 * The account the widget is embedded with. By default the demo's license number, so the
 * widget speaks API 3.2 with `license_id`; the test command runs the widget's tests again
 * with `E2E_ACCOUNT` set to the demo's organization id, so it speaks 3.5 with
 * `organization_id`. Host pages in the tests embed this account, and the demo page's own
 * snippet is given it too.
 */
export const ACCOUNT = process.env.E2E_ACCOUNT || "1";
export const ORGANIZATION_ID = "2f1c6d4e-8a4b-4a51-9a7e-0c9d3b1e5f01";

/** A free loopback port. */
export async function freePort() {
  const { createServer } = await import("node:net");
  return new Promise((resolvePort) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts target/debug/server; resolves to { url, port, pid, dir, stop }. `port` 0 picks a
 * free one; pass the `dir` and `port` of a stopped server to restart it on the same
 * database, and `config` to run a configuration file instead of the built-in demo. The
 * benchmarks pass their own `binary`, `dist` and `agentToken`, and `quiet` to keep the
 * server's log out of their output (it is shown only if the server fails to start).
 */
export async function startServer({
  port = 0,
  dir,
  config,
  binary = process.env.SERVER_BIN || join(ROOT, "target", "debug", "server"),
  dist = join(ROOT, "dist"),
  agentToken = AGENT_TOKEN,
  quiet = false,
  extraArgs = [],
} = {}) {
  const ownDir = !dir;
  dir = dir || mkdtempSync(join(tmpdir(), "livechat-e2e-"));
  const child = spawn(
    binary,
    [
      "--port", String(port), "--db", join(dir, "chat.db"), "--dist", dist, "--agent-token", agentToken,
      ...(config ? ["--config", config] : []),
      ...extraArgs,
    ],
    {
      stdio: ["ignore", "pipe", quiet ? "pipe" : "inherit"],
      env: quiet ? { ...process.env, RUST_LOG: process.env.RUST_LOG || "warn" } : process.env,
    },
  );
  let seen = "";
  const remember = (chunk) => {
    if (seen.length < 20000) seen += chunk;
  };
  if (quiet) child.stderr.on("data", remember);
  const url = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${seen}`)), 20000);
    child.on("exit", (code) => reject(new Error(`server exited with ${code}: ${seen}`)));
    child.stdout.on("data", (chunk) => {
      remember(chunk);
      const match = /Live chat is running on (http:\/\/\S+)/.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    });
  });
  return {
    url,
    port: Number(new URL(url).port),
    pid: child.pid,
    dir,
    /** Kills the server; `keep` leaves its database for a restart. */
    async stop({ keep = false } = {}) {
      child.kill("SIGKILL");
      await new Promise((done) => (child.exitCode !== null || child.signalCode !== null ? done() : child.on("exit", done)));
      if (ownDir && !keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Launches Debian's Chromium headless, as root-safe and offline-safe as CI needs, with
 * `extraArgs` on top (the benchmarks add precise memory figures).
 */
export async function launchBrowser({ extraArgs = [] } = {}) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      ...extraArgs,
    ],
  });
  if (ACCOUNT === "1") return browser;
  // The demo page embeds account "1": hand it the account under test instead.
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (...args) => {
    const context = await newContext(...args);
    await context.route(
      (url) => url.pathname === "/" && url.hostname === "127.0.0.1",
      async (route) => {
        const response = await route.fetch();
        const body = (await response.text()).replaceAll('account: "1"', `account: ${JSON.stringify(ACCOUNT)}`);
        await route.fulfill({ response, body });
      },
    );
    return context;
  };
  browser.newPage = async (...args) => (await browser.newContext(...args)).newPage();
  return browser;
}

/** Records uncaught exceptions and console errors of a page and all its frames. */
export function watchErrors(page) {
  const errors = [];
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" && !/favicon\.ico/.test(message.location().url || "")) {
      errors.push(`console.error: ${message.text()}`);
    }
  });
  return errors;
}

/** Runs axe-core on the page; fails with the violations, if any. */
export async function audit(page, view) {
  const assert = (await import("node:assert/strict")).default;
  await page.evaluate(readFileSync(join(ROOT, "node_modules", "axe-core", "axe.min.js"), "utf8"));
  const violations = await page.evaluate(async () => {
    const { violations } = await window.axe.run(document, { resultTypes: ["violations"] });
    return violations.map((violation) => ({ id: violation.id, nodes: violation.nodes.map((node) => node.target.join(" ")).slice(0, 5) }));
  });
  assert.deepEqual(violations, [], `accessibility violations in the ${view} view`);
}

/** Signs the agent app in on `page` with an e-mail and password, as an agent does. */
export async function signInWithPassword(page, server, email, password) {
  await page.goto(`${server.url}/agent/`);
  await page.getByTestId("console-signin").waitFor();
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("body[data-ready='1']").waitFor();
}

/**
 * The first password a server on loopback gave an agent at start-up (kept beside its
 * database, as the run command prints it).
 */
export function firstPassword(server, email) {
  const line = readFileSync(join(server.dir, "agent-passwords"), "utf8").split("\n").find((entry) => entry.startsWith(`${email} `));
  if (!line) throw new Error(`no first password for ${email}`);
  return line.slice(email.length + 1).trim();
}

/** Signs the agent app in on `page` with a token (the demo agent's unless `token` names another). */
export async function signInAgent(page, url, token = AGENT_TOKEN) {
  await page.goto(`${url}/agent/#token=${token}`);
  await page.locator("body[data-ready='1']").waitFor();
}

/** Types a message into the widget's composer and presses Enter. */
export async function typeMessage(widget, text) {
  const input = widget.getByTestId("cw-composer-input");
  await input.fill(text);
  await input.press("Enter");
}

/** Types a message and waits until the server has it. */
export async function sendMessage(widget, text) {
  await typeMessage(widget, text);
  await widget.locator("[data-testid=cw-message][data-delivery=sent]").filter({ hasText: text }).waitFor();
}

/** Opens the demo page of `url` on `page`, clicks the bubble; returns the widget's frame. */
export async function openDemoChat(page, url) {
  await page.goto(url + "/");
  await page.locator("[data-livechat] button").click();
  return page.frameLocator("[data-livechat] iframe");
}
