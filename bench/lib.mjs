// Helpers for the benchmark: statistics, the release server with the benchmark
// configuration, a host site on another origin, the browser, and the load generator.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { join } from "node:path";
import { ROOT, freePort, launchBrowser as launchTestBrowser, startServer as startTestServer } from "../e2e/support.mjs";

export { ROOT, freePort };
export const AGENT_TOKEN = "bench-agent-token";
export const CONFIG = join(ROOT, "bench", "server.toml");

/** { median, min, max, n } of the finite numbers in `values`. */
export function stats(values) {
  const list = values.filter((value) => typeof value === "number" && Number.isFinite(value)).sort((a, b) => a - b);
  if (!list.length) return null;
  const mid = list.length >> 1;
  const median = list.length % 2 ? list[mid] : (list[mid - 1] + list[mid]) / 2;
  return { median, min: list[0], max: list[list.length - 1], n: list.length };
}

/** The value at quantile `q` (0..1) of a list of numbers. */
export function quantile(values, q) {
  const list = [...values].sort((a, b) => a - b);
  if (!list.length) return null;
  return list[Math.min(list.length - 1, Math.round((list.length - 1) * q))];
}

export const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** The release server on a free loopback port with its own database and the benchmark
 * configuration; resolves to { url, port, pid, stop }. */
export async function startServer({ dist, config = CONFIG, extraArgs = [] }) {
  const binary = join(ROOT, "target", "release", "server");
  return startTestServer({ port: await freePort(), binary, dist, config, agentToken: AGENT_TOKEN, quiet: true, extraArgs });
}

/** The configuration of the delivery benchmark under attack: default limits, and a second
 * license for the attackers. */
export const HOSTILE_CONFIG = join(ROOT, "bench", "hostile.toml");

/**
 * A stand-in customer site on its own port, reached as http://localhost:PORT while the
 * chat server is http://127.0.0.1:PORT: another site, as on the web, so the widget's
 * iframe runs in its own renderer process. `/` embeds the widget with the documented
 * snippet; `/plain` is the same page without it (the baseline). `sameSiteUrl` reaches the
 * same pages as another origin of the same site, where the frame may use its storage.
 */
export async function startHostSite(serverUrl) {
  const text = `<h1>Benchmark host page</h1>${"<p>An ordinary page of an ordinary shop, with a few paragraphs of text.</p>".repeat(20)}`;
  const snippet = `<script>
  window.livechat = window.livechat || { q: [], embed: { init: function (o) { window.livechat.q.push(["embed.init", o]); } } };
  livechat.embed.init({ account: "1" });
</script>
<script async src="${serverUrl}/embed.js"></script>`;
  const page = (withChat) =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Host</title></head><body>${text}${withChat ? snippet : ""}</body></html>`;
  const server = createServer((request, response) => {
    const path = new URL(request.url, "http://x").pathname;
    if (path === "/" || path === "/plain") {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
      response.end(page(path === "/"));
    } else if (path === "/favicon.ico") {
      response.writeHead(204);
      response.end();
    } else {
      response.writeHead(404);
      response.end();
    }
  });
  const port = await freePort();
  await new Promise((done) => server.listen(port, "127.0.0.1", done));
  return { url: `http://localhost:${port}`, sameSiteUrl: `http://127.0.0.1:${port}`, close: () => new Promise((done) => server.close(done)) };
}

/** Headless Chromium with the test suite's flags, plus precise heap figures. */
export function launchBrowser() {
  return launchTestBrowser({ extraArgs: ["--enable-precise-memory-info", "--js-flags=--expose-gc"] });
}

/** Runs the load generator; resolves to the JSON it prints. `nice`: at the lowest
 * scheduling priority (the attackers, standing in for other machines). */
export function loadgen(args, { nice = false } = {}) {
  return new Promise((resolve, reject) => {
    const binary = join(ROOT, "target", "release", "loadgen");
    const child = nice
      ? spawn("nice", ["-n", "19", binary, ...args], { stdio: ["ignore", "pipe", "pipe"] })
      : spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (err += chunk));
    child.on("exit", (code) => {
      if (code === 0) {
        try {
          resolve(JSON.parse(out.trim().split("\n").pop()));
        } catch (error) {
          reject(new Error(`loadgen printed no JSON: ${out} ${err}`));
        }
      } else {
        reject(new Error(`loadgen ${args[0]} failed (${code}): ${err.trim().split("\n").slice(-3).join(" / ")}`));
      }
    });
  });
}

/**
 * Instrumentation added to every document before its own scripts run. In the host page:
 * when the loader starts (its first read of `window.livechat`), when the bubble is in a
 * painted frame, long tasks, and the first intent event. In the widget's frame: the
 * WebAssembly memory, and when the chat is usable (composer present, socket online).
 */
export function instrumentation({ serverOrigin, identity }) {
  return `(() => {
    const B = (window.__bench = { t: {}, longTasks: [], frames: [] });
    const epoch = () => performance.timeOrigin + performance.now();
    try {
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) B.longTasks.push({ start: entry.startTime, duration: entry.duration });
      }).observe({ type: "longtask", buffered: true });
    } catch (_) {}
    const afterPaint = (done) => requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => done();
      channel.port2.postMessage(0);
    });
    if (window === window.top) {
      // The seeded customer, kept where the site keeps it for the widget (see persist in
      // ARCHITECTURE.md): the host page is another site, whose frame has no storage here.
      ${identity ? `try { localStorage.setItem("livechat.identity.1", ${JSON.stringify(identity)}); } catch (_) {}` : ""}
      let value;
      Object.defineProperty(window, "livechat", {
        configurable: true,
        enumerable: true,
        get() {
          const script = document.currentScript;
          if (B.t.loaderStart === undefined && script && /\\/embed\\.js/.test(script.src)) B.t.loaderStart = performance.now();
          return value;
        },
        set(next) { value = next; },
      });
      new MutationObserver((records, observer) => {
        for (const record of records) for (const node of record.addedNodes) {
          if (node.nodeType === 1 && node.hasAttribute("data-livechat")) {
            B.t.bubbleInserted = performance.now();
            observer.disconnect();
            afterPaint(() => (B.t.bubblePainted = performance.now()));
            return;
          }
        }
      }).observe(document, { childList: true, subtree: true });
      for (const type of ["pointerover", "pointerdown", "mousedown", "click", "focusin"]) {
        window.addEventListener(type, () => { if (B.t.intent === undefined) B.t.intent = epoch(); }, { capture: true });
      }
    } else if (location.origin === ${JSON.stringify(serverOrigin)}) {
      for (const name of ["instantiateStreaming", "instantiate"]) {
        const original = WebAssembly[name];
        WebAssembly[name] = function (...args) {
          return original.apply(this, args).then((result) => {
            const instance = result && (result.instance || result);
            if (instance && instance.exports) B.wasm = instance.exports;
            return result;
          });
        };
      }
      const check = () => {
        const win = document.querySelector("[data-testid=cw-window]");
        const input = document.querySelector("[data-testid=cw-composer-input]");
        if (B.t.usable === undefined && win && win.dataset.connection === "online" && input && !input.disabled && input.getClientRects().length) {
          B.t.usable = epoch();
          afterPaint(() => (B.t.usablePainted = epoch()));
        }
        const rows = document.querySelectorAll("[data-testid=cw-message]").length;
        if (rows !== B.rows) {
          B.rows = rows;
          B.t.rowsChanged = epoch();
          if (rows && B.t.firstRows === undefined) B.t.firstRows = epoch();
        }
      };
      new MutationObserver(check).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ["data-connection", "disabled"] });
    }
  })();`;
}
