// Runs the official LiveChat Customer SDK (`@livechat/customer-sdk`, installed from npm by
// the test command, never copied into the repository) unmodified in headless Chromium
// against our server.
//
// The SDK only knows LiveChat's own hosts, so the page's network is pointed at the server
// the way a DNS entry would point it: an init script maps `api.livechatinc.com` (and its
// regional hosts) to the server in the WebSocket and XMLHttpRequest constructors, on the
// path family under test, and the token request to `accounts.livechatinc.com` is answered
// from the server's own token endpoint. Nothing in the SDK is changed.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AGENT_TOKEN, ROOT } from "./support.mjs";

export const ORGANIZATION_ID = "2f1c6d4e-8a4b-4a51-9a7e-0c9d3b1e5f01";
export const LICENSE_ID = 1;
const SDK_BUILD = join(ROOT, "node_modules", "@livechat", "customer-sdk", "dist", "customer-sdk.js");

/** The two URL families a LiveChat client may use. */
export const FAMILIES = [
  { name: "/v3.5 with organization_id", version: "v3.5", tenant: { organization_id: ORGANIZATION_ID } },
  { name: "/v3.2 with license_id", version: "v3.2", tenant: { license_id: LICENSE_ID } },
];

/**
 * Installed in every page before the SDK loads: LiveChat's API hosts lead to `origin`, on
 * `version`'s path, naming the tenant as that version does. Frames seen on the wire are
 * kept in `window.__wire` so tests can check what the server sent.
 */
function pointAtServer({ origin, version, tenant }) {
  const target = new URL(origin);
  const rewrite = (address) => {
    const url = new URL(String(address), location.href);
    if (!/^api(-[a-z]+)?(\.[a-z]+)?\.livechatinc\.com$/.test(url.hostname)) return String(address);
    url.protocol = url.protocol === "wss:" ? (target.protocol === "https:" ? "wss:" : "ws:") : target.protocol;
    url.host = target.host;
    url.pathname = url.pathname.replace(/^\/v3\.\d+\//, `/${version}/`);
    url.searchParams.delete("organization_id");
    url.searchParams.delete("license_id");
    for (const [key, value] of Object.entries(tenant)) url.searchParams.set(key, String(value));
    return url.toString();
  };
  window.__wire = [];
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(address, protocols) {
      super(rewrite(address), protocols);
      this.addEventListener("message", (message) => {
        try {
          window.__wire.push(JSON.parse(message.data));
        } catch {
          window.__wire.push({ unreadable: String(message.data) });
        }
      });
    }
  };
  const open = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (method, address, ...rest) {
    return open.call(this, method, rewrite(address), ...rest);
  };
}

/**
 * A browser context that stands for one visitor's browser: it remembers the visitor's
 * identity the way LiveChat's accounts cookie would, and answers the SDK's token requests
 * from the server's `/customer/token`. `tokens` counts the tokens issued.
 */
export async function visitorContext(browser, server, family, site) {
  const context = await browser.newContext();
  const hostOrigin = site.origin;
  const visitor = { context, identity: undefined, tokens: 0 };
  await context.addInitScript(pointAtServer, { origin: server.url, version: family.version, tenant: family.tenant });
  // The SDK reports chat starts to LiveChat's log collector with an image request; like a
  // firewall would, the test answers it with nothing.
  await context.route("https://queue.livechatinc.com/**", (route) => route.fulfill({ status: 204 }));
  await context.route("https://accounts.livechatinc.com/**", async (route) => {
    const asked = JSON.parse(route.request().postData() || "{}");
    const body = { organization_id: asked.organization_id, identity: visitor.identity };
    const answer = await fetch(`${server.url}/customer/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const token = await answer.json();
    const cors = { "access-control-allow-origin": hostOrigin, "access-control-allow-credentials": "true" };
    if (!answer.ok) {
      await route.fulfill({ status: 400, headers: cors, contentType: "application/json", body: JSON.stringify({ identity_exception: token.error?.type || "invalid" }) });
      return;
    }
    visitor.identity = token.identity;
    visitor.tokens += 1;
    await route.fulfill({
      status: 200,
      headers: cors,
      contentType: "application/json",
      body: JSON.stringify({ access_token: token.access_token, entity_id: token.entity_id, expires_in: token.expires_in, token_type: token.token_type }),
    });
  });
  return visitor;
}

/**
 * The site that uses the SDK: a page of its own origin (another port of the loopback
 * address than the chat server's), serving the SDK's build from node_modules.
 */
export async function startSite() {
  const { createServer } = await import("node:http");
  const site = createServer((request, response) => {
    if (request.url.endsWith("/customer-sdk.js")) {
      response.writeHead(200, { "content-type": "text/javascript" });
      response.end(readFileSync(SDK_BUILD));
    } else {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      response.end(HOST_PAGE);
    }
  });
  await new Promise((listening) => site.listen(0, "127.0.0.1", listening));
  return { origin: `http://127.0.0.1:${site.address().port}`, close: () => new Promise((closed) => site.close(closed)) };
}

const HOST_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Customer SDK host</title>
<script src="/customer-sdk.js"></script></head><body><h1>A site using the Customer SDK</h1></body></html>`;

const EVENTS = [
  "connected", "disconnected", "customer_id", "connection_unstable", "connection_recovered",
  "availability_updated", "incoming_chat", "incoming_event", "chat_deactivated", "incoming_typing_indicator",
  "user_added_to_chat", "user_removed_from_chat", "events_marked_as_seen", "customer_updated",
  "thread_properties_updated", "thread_properties_deleted", "chat_properties_updated", "chat_properties_deleted",
  "queue_position_updated", "chat_transferred", "incoming_greeting", "user_data", "event_properties_updated",
];

/**
 * Opens the host page in the visitor's context and starts the SDK (`init` with autoConnect);
 * every SDK event is recorded in `window.__events`. Resolves once `connected` fired.
 */
export async function openSdk(visitor, site, { page } = {}) {
  page = page || (await visitor.context.newPage());
  const errors = [];
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") errors.push(`console.${message.type()}: ${message.text()}`);
  });
  await page.goto(`${site.origin}/`);
  await page.evaluate(({ organizationId, events }) => {
    window.__events = [];
    window.sdk = window.CustomerSDK.init({ organizationId, clientId: "e2e-client" });
    for (const name of events) window.sdk.on(name, (data) => window.__events.push({ name, data: JSON.parse(JSON.stringify(data ?? null)) }));
  }, { organizationId: ORGANIZATION_ID, events: EVENTS });
  const connected = await waitEvent(page, "connected");
  return { page, errors, connected };
}

/** Waits for the `n`th (0-based) recorded SDK event `name` whose data satisfies `where`. */
export async function waitEvent(page, name, { where = "true", n = 0, timeout = 15000 } = {}) {
  const handle = await page.waitForFunction(
    ({ name, where, n }) => {
      const matching = window.__events.filter((event) => event.name === name && new Function("data", `return (${where})`)(event.data));
      return matching.length > n ? matching[n].data : undefined;
    },
    { name, where, n },
    { timeout, polling: 50 },
  );
  return handle.jsonValue();
}

/** Calls an SDK method in the page and returns what its promise resolved with. */
export async function call(page, method, ...args) {
  return page.evaluate(({ method, args }) => window.sdk[method](...args), { method, args });
}

/** Calls an SDK method expecting its promise to reject; returns the error's code. */
export async function callFails(page, method, ...args) {
  return page.evaluate(
    ({ method, args }) => window.sdk[method](...args).then(() => "resolved", (error) => error.code || error.message),
    { method, args },
  );
}

/** Frames the page received on the wire. */
export async function wire(page) {
  return page.evaluate(() => window.__wire);
}

/**
 * An agent on the agent API, over a websocket opened in a page of its own: `request` sends
 * an action and resolves with the response payload (or throws its error), `push` waits for
 * a push.
 */
export async function connectAgent(browser, server) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}/healthz`);
  await page.evaluate(async ({ url, token }) => {
    window.__frames = [];
    window.__socket = new WebSocket(url);
    window.__socket.onmessage = (message) => window.__frames.push(JSON.parse(message.data));
    await new Promise((resolve, reject) => {
      window.__socket.onopen = resolve;
      window.__socket.onerror = reject;
    });
    window.__socket.send(JSON.stringify({ request_id: "login", action: "login", payload: { token: `Bearer ${token}` } }));
  }, { url: `${server.url.replace(/^http/, "ws")}/v3.5/agent/rtm/ws`, token: AGENT_TOKEN });
  let next = 0;
  const frame = async (test, timeout = 15000) => {
    const handle = await page.waitForFunction(
      (test) => window.__frames.find((frame) => new Function("frame", `return (${test})`)(frame)),
      test,
      { timeout, polling: 50 },
    );
    return handle.jsonValue();
  };
  const login = await frame(`frame.request_id === "login"`);
  if (!login.success) throw new Error(`agent login failed: ${JSON.stringify(login)}`);
  return {
    async request(action, payload) {
      const id = `agent-${++next}`;
      await page.evaluate(({ id, action, payload }) => window.__socket.send(JSON.stringify({ request_id: id, action, payload })), { id, action, payload });
      const response = await frame(`frame.type === "response" && frame.request_id === ${JSON.stringify(id)}`);
      if (!response.success) throw new Error(`${action}: ${JSON.stringify(response.payload)}`);
      return response.payload;
    },
    push(action, where = "true") {
      return frame(`frame.type === "push" && frame.action === ${JSON.stringify(action)} && ((payload) => (${where}))(frame.payload)`);
    },
    close: () => context.close(),
  };
}
