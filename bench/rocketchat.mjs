// The peer widget for the side-by-side click-to-chat figures: Rocket.Chat Livechat, from
// its npm package (installed at benchmark time), served from this machine the way a
// Rocket.Chat server serves it (`/livechat` and its scripts, compressed with brotli like
// ours), with just enough of the server's API for its visitor screen: the `livechat/config`
// answer and a DDP socket that connects, answers pings and method calls and readies
// subscriptions. A host page on another origin of the same site embeds its documented
// snippet. Nothing here is a test of either widget; it only lets both be timed alike.
import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import { extname, join } from "node:path";
import { brotliCompressSync, constants } from "node:zlib";
import { WebSocketServer } from "ws";
import { freePort } from "./lib.mjs";

const TYPES = { ".js": "text/javascript", ".html": "text/html; charset=utf-8", ".png": "image/png", ".css": "text/css" };

/** Downloads the package into a scratch folder; returns its build folder and a cleanup. */
export function installRocketChat() {
  const scratch = join(os.tmpdir(), `livechat-rocketchat-${process.pid}`);
  mkdirSync(scratch, { recursive: true });
  const tarball = execFileSync("npm", ["pack", "@rocket.chat/livechat", "--silent", "--pack-destination", scratch], {
    cwd: scratch, timeout: 180000, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"],
  }).trim().split("\n").pop();
  execFileSync("tar", ["-xzf", join(scratch, tarball), "-C", scratch]);
  const version = JSON.parse(readFileSync(join(scratch, "package", "package.json"), "utf8")).version;
  return { build: join(scratch, "package", "build"), version, remove: () => rmSync(scratch, { recursive: true, force: true }) };
}

/** What the visitor screen needs from `GET /api/v1/livechat/config`: an enabled, online
 * service without a registration form, so opening the widget goes straight to the chat. */
function config() {
  return {
    success: true,
    config: {
      enabled: true,
      online: true,
      settings: {
        registrationForm: false, nameFieldRegistrationForm: false, emailFieldRegistrationForm: false,
        displayOfflineForm: true, videoCall: false, fileUpload: true, language: "en", transcript: false,
        historyMonitorType: "url", forceAcceptDataProcessingConsent: false, showConnecting: false,
        agentHiddenInfo: false, limitTextLength: false, allowSwitchingDepartments: true,
      },
      theme: { title: "Chat with us", color: "#1d74f5", offlineTitle: "Leave a message", offlineColor: "#666666", actionLinks: [] },
      messages: { conversationFinishedMessage: "", conversationFinishedText: "", transcriptMessage: "", registrationFormMessage: "", dataProcessingConsentText: "" },
      survey: { items: [], values: [] },
      triggers: [],
      departments: [],
      resources: {},
      guest: null,
      room: null,
      agent: null,
    },
  };
}

/** Starts the stand-in; `hostUrl` is the page with the snippet. */
export async function startRocketChat(build) {
  const compressed = new Map();
  const file = (name) => {
    if (!compressed.has(name)) {
      let body = readFileSync(join(build, name));
      // A Rocket.Chat server puts its own address into the frame's page.
      if (name === "index.html") body = Buffer.from(body.toString("utf8").replace("<head>", `<head><script>window.SERVER_URL = ${JSON.stringify(url)};</script>`));
      compressed.set(name, brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
    }
    return compressed.get(name);
  };
  const files = new Set(readdirSync(build));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = createServer((request, response) => {
    const path = new URL(request.url, url).pathname;
    const cors = { "access-control-allow-origin": "*", "access-control-allow-headers": "*" };
    if (request.method === "OPTIONS") {
      response.writeHead(204, cors);
      return response.end();
    }
    if (path.startsWith("/api/v1/livechat/config")) {
      response.writeHead(200, { ...cors, "content-type": "application/json", "cache-control": "no-store" });
      return response.end(JSON.stringify(config()));
    }
    if (path.startsWith("/api/")) {
      response.writeHead(200, { ...cors, "content-type": "application/json" });
      return response.end(JSON.stringify({ success: true }));
    }
    const name = path === "/livechat" || path === "/livechat/" ? "index.html" : path.replace(/^\/livechat\//, "");
    if (!files.has(name) || name.endsWith(".map")) {
      response.writeHead(404);
      return response.end();
    }
    response.writeHead(200, { ...cors, "content-type": TYPES[extname(name)] || "application/octet-stream", "content-encoding": "br", "cache-control": "no-cache" });
    response.end(file(name));
  });
  // DDP: connect, ping, method calls and subscriptions, each answered at once.
  const sockets = new WebSocketServer({ noServer: true });
  server.on("upgrade", (request, socket, head) => {
    if (!new URL(request.url, url).pathname.startsWith("/websocket")) return socket.destroy();
    sockets.handleUpgrade(request, socket, head, (ws) => {
      ws.on("message", (data) => {
        let message;
        try { message = JSON.parse(String(data)); } catch { return; }
        if (message.msg === "connect") ws.send(JSON.stringify({ msg: "connected", session: "bench" }));
        else if (message.msg === "ping") ws.send(JSON.stringify({ msg: "pong", ...(message.id ? { id: message.id } : {}) }));
        else if (message.msg === "method") ws.send(JSON.stringify({ msg: "result", id: message.id, result: null }));
        else if (message.msg === "sub") ws.send(JSON.stringify({ msg: "ready", subs: [message.id] }));
      });
    });
  });
  await new Promise((done) => server.listen(port, "127.0.0.1", done));

  const hostPort = await freePort();
  const text = `<h1>Benchmark host page</h1>${"<p>An ordinary page of an ordinary shop, with a few paragraphs of text.</p>".repeat(20)}`;
  const snippet = `<script>
  (function (w, d, s, u) {
    w.RocketChat = function (c) { w.RocketChat._.push(c); };
    w.RocketChat._ = [];
    w.RocketChat.url = u;
    var h = d.getElementsByTagName(s)[0], j = d.createElement(s);
    j.async = true;
    j.src = "${url}/livechat/rocketchat-livechat.min.js";
    h.parentNode.insertBefore(j, h);
  })(window, document, "script", "${url}/livechat");
</script>`;
  const host = createServer((request, response) => {
    if (new URL(request.url, url).pathname === "/") {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
      response.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Host</title></head><body>${text}${snippet}</body></html>`);
    } else {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise((done) => host.listen(hostPort, "127.0.0.1", done));
  return {
    url,
    hostUrl: `http://127.0.0.1:${hostPort}`,
    close: async () => {
      sockets.close();
      await Promise.all([new Promise((done) => server.close(done)), new Promise((done) => host.close(done))]);
    },
  };
}
