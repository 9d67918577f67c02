// Shared helpers for the browser tests: a real server on a free loopback port with its
// own database, and a headless Chromium that fails the test on any page error.
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const ARTIFACTS = join(ROOT, "e2e", "artifacts");
export const AGENT_TOKEN = "e2e-agent-token";

/** Starts target/debug/server on port 0; resolves to { url, stop }. */
export async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), "livechat-e2e-"));
  const binary = process.env.SERVER_BIN || join(ROOT, "target", "debug", "server");
  const child = spawn(
    binary,
    ["--port", "0", "--db", join(dir, "chat.db"), "--dist", join(ROOT, "dist"), "--agent-token", AGENT_TOKEN],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const url = await new Promise((resolveUrl, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`server did not start: ${seen}`)), 15000);
    child.on("exit", (code) => reject(new Error(`server exited with ${code}: ${seen}`)));
    child.stdout.on("data", (chunk) => {
      seen += chunk;
      const match = /Live chat is running on (http:\/\/\S+)/.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    });
  });
  return {
    url,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((done) => (child.exitCode !== null ? done() : child.on("exit", done)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Launches Debian's Chromium headless, as root-safe and offline-safe as CI needs. */
export async function launchBrowser() {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
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
    ],
  });
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
