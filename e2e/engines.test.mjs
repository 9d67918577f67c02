// The core visitor flows in the engine `E2E_ENGINE` names (Chromium by default; the test
// command runs this file again in Firefox ESR and in WebKitGTK). The host pages come from
// another site than the chat server (`localhost` against `127.0.0.1`), so the widget is a
// real third party, with whatever the engine does to a third party's storage by default.
// An agent answers over the agent API from Node.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { connectAgent } from "./agent-api.mjs";
import { ENGINE, launchEngine } from "./engines.mjs";
import { RECORDER, SNIPPET, startSite } from "./host-site.mjs";
import { ACCOUNT, ROOT, startServer } from "./support.mjs";

const DEMO_CONFIG = join(ROOT, "config", "demo.toml");
const PHONE = { width: 390, height: 844 };
const BUBBLE = "[data-livechat] >>> button";
const WINDOW = "[data-testid=cw-window]";
const COMPOSER = "[data-testid=cw-composer-input]";
const MESSAGE = "[data-testid=cw-message]";
const DAY = 24 * 60 * 60 * 1000;

let engine;
let server;
let site;
let agent;
let pages = 0;

before(async () => {
  [engine, server, site] = await Promise.all([launchEngine(), startServer(), startSite()]);
  agent = await connectAgent(server);
  console.log(`engine: ${ENGINE} ${engine.version}`);
});

after(async () => {
  agent?.close();
  await engine?.close();
  await server?.stop();
  await site?.close();
});

/**
 * A page of the site, reached as `localhost`, that runs `code` after the snippet and embeds
 * the widget from `chatServer`; `clockAhead` moves the page's clock forward (milliseconds).
 */
function hostPage(code, { path = `/page-${++pages}`, chatServer = server, clockAhead = 0 } = {}) {
  const clock = clockAhead
    ? `(function(){var R=Date,a=${clockAhead};function D(){var d=arguments.length?new (Function.prototype.bind.apply(R,[null].concat([].slice.call(arguments)))):new R(R.now()+a);return d}D.prototype=R.prototype;D.now=function(){return R.now()+a};D.parse=R.parse;D.UTC=R.UTC;window.Date=D})();`
    : "";
  const url = site.page(path, {
    body: `<h1>${path}</h1><script>${clock}${SNIPPET}${RECORDER}\n${code}</script><script async src="${chatServer.url}/embed.js"></script>`,
  });
  return url.replace("127.0.0.1", "localhost");
}

const embed = (extra = "") => `livechat.embed.init({ account: ${JSON.stringify(ACCOUNT)}${extra} });`;

/** The widget alone, as its own page (the flows that are about the window, not the host). */
const widgetUrl = (chatServer, query = "") => `${chatServer.url}/widget/?account=${encodeURIComponent(ACCOUNT)}${query}`;

/** Types `text` into the composer, sends it, and waits until the server has it. */
async function say(tab, text) {
  await tab.type("widget", COMPOSER, text, { enter: true });
  await tab.waitFor("widget", `${MESSAGE}[data-author=visitor][data-delivery=sent]`, text);
}

/** The agent's view of the visitor's message `text` (alone or in a new chat): its chat id. */
async function reachedAgent(text, who = agent) {
  const found = await who.push(["incoming_event", "incoming_chat"], (payload, action) =>
    action === "incoming_event" ? payload.event?.text === text : payload.chat.thread?.events?.some((event) => event.text === text),
  );
  return found.chat_id || found.chat.id;
}

/** No page errors; `dropped` lets through the browser's own report of a socket the server cut. */
function noErrors(tab, { dropped = false } = {}) {
  const cut = /connection to wss?:\/\/.* (was interrupted|can.t establish)/i;
  if (engine.watchesErrors) assert.deepEqual(tab.errors.filter((error) => !(dropped && cut.test(error))), [], `errors in ${ENGINE}`);
}

test(`${ENGINE}: the bubble opens the chat, an agent answers, the page hears it, and a reload keeps the conversation`, async () => {
  const tab = await engine.visitor();
  try {
    await tab.goto(
      hostPage(`${embed(`, onload: record("onload"), onchatstart: record("onchatstart"), onchatopened: record("onchatopened")`)}
        livechat.on("visibility_changed", record("visibility_changed"));`),
    );
    await tab.click("host", BUBBLE);
    await tab.waitFor("widget", `${WINDOW}[data-connection=online]`);

    await say(tab, `Hello from ${ENGINE}`);
    const chatId = await reachedAgent(`Hello from ${ENGINE}`);
    await agent.request("send_event", { chat_id: chatId, event: { type: "message", text: "Hi, Anna here" } });
    await tab.waitFor("widget", `${MESSAGE}[data-author=agent]`, "Hi, Anna here");

    const seen = await tab.until("host", () => window.seen.some((entry) => entry.name === "onchatstart") && window.seen);
    const first = (name) => seen.find((entry) => entry.name === name)?.data;
    assert.deepEqual(first("onload"), { page: "start-online", online: null });
    assert.deepEqual(first("visibility_changed"), { visibility: "maximized" });
    assert.equal(first("onchatstart").ticket, chatId);

    await tab.reload();
    const opened = await tab.until("host", () => window.seen.find((entry) => entry.name === "onchatopened"));
    assert.deepEqual(opened.data, { ticket: chatId, initiator: "client" });
    // The window was open, so it opens again, with the whole conversation.
    await tab.waitFor("widget", `${MESSAGE}[data-author=agent]`, "Hi, Anna here");
    await tab.waitFor("widget", `${MESSAGE}[data-author=visitor]`, `Hello from ${ENGINE}`);
    await say(tab, "Still here after the reload");
    assert.equal(await reachedAgent("Still here after the reload"), chatId, "the same chat after the reload");
    noErrors(tab);
  } finally {
    await tab.close();
  }
});

test(`${ENGINE}: the pre-chat form explains a mistake, then starts the chat with what was filled in`, async () => {
  const demo = await startServer({ config: DEMO_CONFIG });
  const demoAgent = await connectAgent(demo);
  const tab = await engine.visitor();
  try {
    await tab.goto(widgetUrl(demo));
    await tab.waitFor("widget", `${WINDOW}[data-step=prechat]`);
    const types = await tab.run("widget", () => [...document.querySelectorAll(".cw-form [data-type]")].map((node) => node.dataset.type));
    assert.deepEqual(types, ["name", "email", "phone", "radio", "select", "checkbox", "group_chooser"]);

    await tab.type("widget", "[data-testid=cw-prechat-name]", "Dana");
    await tab.type("widget", "[data-testid=cw-prechat-email]", "dana@");
    await tab.click("widget", "[data-testid=cw-prechat-topic] input[value=product]");
    await tab.choose("widget", "[data-testid=cw-prechat-activity]", "camping");
    await tab.click("widget", "[data-testid=cw-prechat-interests] input[value=new-arrivals]");
    await tab.click("widget", "[data-testid=cw-prechat-department] input[value=sales]");
    await tab.click("widget", "[data-testid=cw-prechat-submit]");
    await tab.waitFor("widget", "[data-testid=cw-prechat-email-error]", "Please enter a valid e-mail address.");
    assert.equal(await tab.read("widget", "[data-testid=cw-prechat-email]", "aria-invalid"), "true");

    await tab.type("widget", "[data-testid=cw-prechat-email]", "example.com");
    await tab.click("widget", "[data-testid=cw-prechat-submit]");
    await tab.waitFor("widget", `${WINDOW}[data-step=chat]`);
    await say(tab, "Which tent for two?");
    const incoming = await demoAgent.push("incoming_chat", (payload) => payload.chat.users.some((user) => user.name === "Dana"));
    const customer = incoming.chat.users.find((user) => user.name === "Dana");
    assert.equal(customer.email, "dana@example.com");
    noErrors(tab);
  } finally {
    await tab.close();
    demoAgent.close();
    await demo.stop();
  }
});

test(`${ENGINE}: with nobody online the visitor leaves a message through the ticket form`, async () => {
  const demo = await startServer({ config: DEMO_CONFIG });
  const tab = await engine.visitor(PHONE);
  try {
    await tab.goto(widgetUrl(demo));
    await tab.waitFor("widget", `${WINDOW}[data-step=ticket]`);
    assert.equal(await tab.read("widget", ".cw-header__status", "data-online"), "false");
    await tab.click("widget", "[data-testid=cw-ticket-submit]");
    await tab.waitFor("widget", "[data-testid=cw-ticket-email-error]", "Please fill in this field.");
    await tab.type("widget", "[data-testid=cw-ticket-name]", "Eli");
    await tab.type("widget", "[data-testid=cw-ticket-email]", "eli@example.com");
    await tab.type("widget", "[data-testid=cw-ticket-subject]", "Returns");
    await tab.type("widget", "[data-testid=cw-ticket-message]", "How do I return boots?");
    await tab.click("widget", "[data-testid=cw-ticket-submit]");
    await tab.waitFor("widget", "[data-testid=cw-ticket-sent]");
    noErrors(tab);
  } finally {
    await tab.close();
    await demo.stop();
  }
});

test(`${ENGINE}: a file goes out and arrives as a thumbnail the agent gets too`, async () => {
  const file = join(tmpdir(), `tent-${process.pid}.png`);
  // A 1×1 PNG.
  writeFileSync(file, Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64"));
  const tab = await engine.visitor();
  try {
    await tab.goto(widgetUrl(server));
    await tab.waitFor("widget", `${WINDOW}[data-connection=online]`);
    await tab.upload("widget", "[data-testid=cw-file-input]", file);
    await tab.waitFor("widget", `${MESSAGE}[data-kind=file] [data-testid=cw-image]`);
    await tab.until("widget", () => !document.querySelector("[data-testid=cw-uploads]") || document.querySelector("[data-testid=cw-uploads]").offsetParent === null);
    const name = file.split("/").pop();
    const atAgent = await agent.push(["incoming_event", "incoming_chat"], (payload, action) =>
      (action === "incoming_event" ? [payload.event] : payload.chat.thread?.events || []).some((event) => event?.type === "file" && event.name === name),
    );
    const event = atAgent.event || atAgent.chat.thread.events.find((candidate) => candidate.name === name);
    assert.equal(event.content_type, "image/png");
    const loaded = await tab.until("widget", () => {
      const image = document.querySelector("[data-testid=cw-message][data-kind=file] img");
      return image && image.complete && image.naturalWidth > 0 && image.naturalWidth;
    });
    assert.equal(loaded, 1, "the thumbnail loads from the server");
    noErrors(tab);
  } finally {
    await tab.close();
  }
});

test(`${ENGINE}: after the chat ends the visitor rates it and comments`, async () => {
  const tab = await engine.visitor();
  try {
    await tab.goto(widgetUrl(server, "&rating=stars"));
    await say(tab, `Rate me in ${ENGINE}`);
    const chatId = await reachedAgent(`Rate me in ${ENGINE}`);
    await agent.request("send_event", { chat_id: chatId, event: { type: "message", text: "Anytime!" } });
    await tab.waitFor("widget", `${MESSAGE}[data-author=agent]`, "Anytime!");
    await tab.click("widget", "[data-testid=cw-end-chat]");
    await tab.waitFor("widget", "[data-testid=cw-rating][data-mode=stars]");
    await tab.click("widget", "[data-testid=cw-rate-4]");
    await tab.waitFor("widget", "[data-testid=cw-rating-status]", "Thanks for your feedback!");
    assert.equal(await tab.read("widget", "[data-testid=cw-rate-4]", "aria-pressed"), "true");
    await tab.type("widget", "[data-testid=cw-rating-comment]", "Quick and friendly");
    await tab.click("widget", "[data-testid=cw-rating-send]");
    const rated = await agent.push("thread_properties_updated", (payload) => payload.chat_id === chatId && payload.properties?.rating?.comment === "Quick and friendly");
    assert.deepEqual(rated.properties.rating, { score: 1, stars: 4, comment: "Quick and friendly" });
    noErrors(tab);
  } finally {
    await tab.close();
  }
});

test(`${ENGINE}: the chat reconnects after the server restarts and loses nothing`, async () => {
  let own = await startServer();
  const ownAgent = await connectAgent(own);
  const tab = await engine.visitor();
  let laterAgent;
  try {
    await tab.goto(widgetUrl(own));
    await say(tab, "before the restart");
    const chatId = await reachedAgent("before the restart", ownAgent);
    ownAgent.close();
    await own.stop({ keep: true });
    await tab.waitFor("widget", `${WINDOW}:not([data-connection=online])`);
    await tab.type("widget", COMPOSER, "while it was down", { enter: true });
    own = await startServer({ dir: own.dir, port: own.port });
    laterAgent = await connectAgent(own);
    await tab.waitFor("widget", `${WINDOW}[data-connection=online]`, undefined, { timeout: 30000 });
    await tab.waitFor("widget", `${MESSAGE}[data-author=visitor][data-delivery=sent]`, "while it was down");
    const chat = await laterAgent.request("get_chat", { chat_id: chatId });
    const texts = chat.thread.events.filter((event) => event.type === "message").map((event) => event.text);
    assert.deepEqual(texts, ["before the restart", "while it was down"], "each message once, in order");
    // Firefox reports the killed server's socket as a page error; nothing else may appear.
    noErrors(tab, { dropped: true });
  } finally {
    await tab.close();
    laterAgent?.close();
    await own.stop();
  }
});

test(`${ENGINE}: a right-to-left language mirrors the window`, async () => {
  const tab = await engine.visitor(PHONE);
  try {
    await tab.goto(widgetUrl(server, "&lang=ar"));
    await tab.waitFor("widget", `${WINDOW}[data-connection=online]`);
    assert.equal(await tab.read("widget", ".cw-root", "dir"), "rtl");
    assert.equal(await tab.read("widget", "#cw-title"), "تحدث معنا");
    const [input, send] = await tab.run("widget", () =>
      ["[data-testid=cw-composer-input]", "[data-testid=cw-send]"].map((selector) => document.querySelector(selector).getBoundingClientRect().x),
    );
    assert.ok(send < input, "the send button is left of the input");
    await tab.screenshot(`rtl-phone-${ENGINE}.png`);
    noErrors(tab);
  } finally {
    await tab.close();
  }
});

test(`${ENGINE}: on a phone the open chat fills the screen and the page behind stays put`, async () => {
  const tab = await engine.visitor(PHONE);
  try {
    await tab.goto(hostPage(embed()));
    await tab.click("host", BUBBLE);
    await tab.waitFor("widget", `${WINDOW}[data-connection=online]`);
    const box = await tab.until("host", () => {
      const frame = document.querySelector("[data-livechat]").shadowRoot.querySelector("iframe").getBoundingClientRect();
      return frame.width > 0 && { x: frame.x, y: frame.y, width: frame.width, height: frame.height, viewport: [innerWidth, innerHeight] };
    });
    assert.equal(Math.round(box.x), 0);
    assert.equal(Math.round(box.width), box.viewport[0], "the window is as wide as the screen");
    assert.ok(box.height >= box.viewport[1] - 1, `the window is as tall as the screen (${box.height} of ${box.viewport[1]})`);
    const composer = await tab.run("widget", () => {
      const rect = document.querySelector("[data-testid=cw-composer-input]").getBoundingClientRect();
      return { bottom: rect.bottom, height: innerHeight };
    });
    assert.ok(composer.bottom <= composer.height, "the composer is on screen");
    await tab.screenshot(`open-phone-${ENGINE}.png`);
    await tab.click("widget", "[data-testid=cw-minimize]");
    await tab.until("host", () => livechat.get("state").visibility === "minimized");
    noErrors(tab);
  } finally {
    await tab.close();
  }
});

test(`${ENGINE}: a visitor crossing three pages of a site on another site, and back the next day, keeps one customer and one conversation`, async () => {
  const tab = await engine.visitor();
  try {
    await tab.goto(hostPage(embed(), { path: "/tents" }));
    await tab.click("host", BUBBLE);
    await tab.waitFor("widget", `${WINDOW}[data-connection=online]`);
    await say(tab, `A two-person tent, please (${ENGINE})`);
    const chatId = await reachedAgent(`A two-person tent, please (${ENGINE})`);
    const identity = await tab.run("host", (key) => localStorage.getItem(key), `livechat.identity.${ACCOUNT}`);
    assert.match(identity || "", /^[\w-]+:[\w-]+$/, "the site keeps the visitor's identity");

    for (const path of ["/sleeping-bags", "/checkout", "/tents"]) {
      await tab.goto(hostPage(embed(), { path }));
      // The window was open on the last page, so it is open on this one.
      await tab.waitFor("widget", `${MESSAGE}[data-author=visitor]`, `A two-person tent, please (${ENGINE})`);
    }

    // Overnight the agent closes the chat; the next day the visitor comes back in a new tab.
    await agent.request("deactivate_chat", { id: chatId });
    await tab.reopen();
    await tab.goto(hostPage(embed(), { path: "/tents", clockAhead: DAY }));
    await tab.click("host", BUBBLE);
    await tab.waitFor("widget", `${MESSAGE}[data-author=visitor]`, `A two-person tent, please (${ENGINE})`);
    await say(tab, "I'm back for the tent");
    assert.equal(await reachedAgent("I'm back for the tent"), chatId, "the same conversation the next day");
    assert.equal(await tab.run("host", (key) => localStorage.getItem(key), `livechat.identity.${ACCOUNT}`), identity, "the same customer");
    const chats = await agent.request("list_chats", {});
    const mine = chats.chats_summary.filter((chat) => chat.users.some((user) => user.id === identity.split(":")[0]));
    assert.equal(mine.length, 1, "one chat for this visitor");
    noErrors(tab);
  } finally {
    await tab.close();
  }
});
