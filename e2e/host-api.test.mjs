// The host-page API end to end: a customer's page on its own origin includes the snippet
// and the loader from the real chat server; every method, option, callback, command and
// getter is driven from that page and its results are read back from it.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { join } from "node:path";
import { ACCOUNT, ROOT, launchBrowser, startServer, watchErrors, signInAgent, sendMessage } from "./support.mjs";
import { RECORDER, SNIPPET, startSite } from "./host-site.mjs";

let server;
let site;
let browser;
let pageCount = 0;

before(async () => {
  [server, site, browser] = await Promise.all([startServer(), startSite(), launchBrowser()]);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await site?.close();
});

/** Serves a host page running `code` after the snippet and opens it; returns helpers. */
async function hostPage(code, { context, beforeLoader = "", body = "", waitUntil = "load", chatServer = server } = {}) {
  context = context || (await browser.newContext());
  const page = await context.newPage();
  const errors = watchErrors(page);
  const console_ = [];
  page.on("console", (message) => console_.push(`${message.type()}: ${message.text()}`));
  const url = site.page(`/page-${++pageCount}`, {
    body: `${body}<script>${beforeLoader}${SNIPPET}${RECORDER}\n${code}</script><script async src="${chatServer.url}/embed.js"></script>`,
  });
  await page.goto(url, { waitUntil });
  return {
    page,
    context,
    errors,
    console: console_,
    bubble: page.locator("[data-livechat] button"),
    widget: page.frameLocator("[data-livechat] iframe"),
    seen: () => page.evaluate(() => window.seen),
    /** Waits until `name` was recorded `count` times; returns the data of the last. */
    waitFor: async (name, count = 1) => {
      await page.waitForFunction(
        ([name, count]) => window.seen.filter((entry) => entry.name === name).length >= count,
        [name, count],
      );
      return page.evaluate((name) => window.seen.filter((entry) => entry.name === name).at(-1).data, name);
    },
  };
}

test("options are checked one by one: one clear error per bad option, warnings for unknown ones", async () => {
  const host = await hostPage(`livechat.embed.init({
    account: ${JSON.stringify(ACCOUNT)}, side: "top", page: 5, bubble: "yes", lang: "English!", c_email: "nope",
    url_privacy: "javascript:alert(1)", departments: "2;5", clone_operators: { Anna: "2" },
    onload: "not a function", colour: "red", mode: "bubble", title: "Ask us", target: ["*/thanks*"],
    operators: ["anna@acme.example"], custom: "session-42", css_text: ".cw-root{outline:0}", mobile: false
  });`);
  await host.bubble.waitFor();
  await host.page.waitForFunction(() => typeof livechat.embed.status() === "object");
  const errors = host.console.filter((line) => line.startsWith("error: livechat:"));
  assert.deepEqual(errors, [
    'error: livechat: option `side` must be "left" or "right", not "top"; it is ignored',
    'error: livechat: option `page` must be "start-online", "online", "start-offline", "offline", "hidden" or "mini", not 5; it is ignored',
    'error: livechat: option `bubble` must be true or false, not "yes"; it is ignored',
    'error: livechat: option `lang` must be a language code such as "en" or "pt-BR", not "English!"; it is ignored',
    'error: livechat: option `c_email` must be an email address or an empty string, not "nope"; it is ignored',
    'error: livechat: option `url_privacy` must be an http(s) URL, not "javascript:alert(1)"; it is ignored',
    'error: livechat: option `departments` must be a comma-separated list of ids such as "2,5", not "2;5"; it is ignored',
    'error: livechat: option `clone_operators` must be an object of agent names to department names or ids, such as {"Anna": ["Returns", 2]}, not an object; it is ignored',
    "error: livechat: option `onload` must be a function, not \"not a function\"; it is ignored",
  ]);
  const warnings = host.console.filter((line) => line.startsWith("warning: livechat:"));
  assert.deepEqual(warnings, [
    "warning: livechat: unknown option `colour` is ignored",
    "warning: livechat: unknown option `mode` is ignored by embed.init",
  ]);
  // The widget runs with the rest: default side and page, the bubble shown, mobile mode off.
  const status = await host.page.evaluate(() => livechat.embed.status());
  assert.deepEqual(status, {
    state: "running", page: "start-online", side: "right", bubble: true, open: false,
    visibility: "minimized", loaded: false, online: null,
  });
  assert.equal(await host.page.locator("[data-livechat]").getAttribute("data-mobile"), "off");
  await host.bubble.click();
  await host.widget.getByTestId("cw-composer-input").waitFor();
  assert.equal(await host.page.locator("[data-livechat] iframe").getAttribute("title"), "Ask us");
  await host.context.close();
});

test("a missing account is one error and no widget; a non-object is refused", async () => {
  const host = await hostPage(`livechat.embed.init({ side: "left" }); livechat.popup.init("1");`);
  await host.page.waitForFunction(() => typeof livechat.get === "function" && livechat.embed.status()?.state === "idle");
  assert.equal(await host.page.locator("[data-livechat]").count(), 0);
  assert.deepEqual(host.console.filter((line) => line.startsWith("error: livechat:")), [
    "error: livechat: option `account` is required: a license number or an organization id",
    'error: livechat: popup.init takes an options object, not "1"',
    "error: livechat: option `account` is required: a license number or an organization id",
  ]);
  await host.context.close();
});

test("callbacks and events carry their documented data; getters follow the chat", async () => {
  const host = await hostPage(`
    livechat.embed.init({ account: ${JSON.stringify(ACCOUNT)}, side: "left", onload: record("onload"), onchange: record("onchange"),
      onchatstart: record("onchatstart"), onchatopened: record("onchatopened") });
    livechat.on("ready", record("ready"));
    livechat.on("visibility_changed", record("visibility_changed"));
    livechat.on("availability_changed", record("availability_changed"));
    livechat.on("customer_status_changed", record("customer_status_changed"));
    livechat.on("page_changed", record("page_changed"));
    livechat.on("chatstart", record("chatstart"));
  `);
  assert.deepEqual(await host.waitFor("onload"), { page: "start-online", online: null });
  // The bubble sits on the left, as the option asked.
  const box = await host.bubble.boundingBox();
  assert.ok(box.x < 100, `bubble at x=${box.x}`);
  assert.equal(await host.page.evaluate(() => livechat.get("state").visibility), "minimized");

  await host.bubble.click();
  assert.deepEqual(await host.waitFor("onchange"), { chat_status: "res", ticket: null });
  assert.deepEqual(await host.waitFor("visibility_changed"), { visibility: "maximized" });
  const ready = await host.waitFor("ready");
  assert.equal(ready.state.loaded, true);
  assert.equal(ready.chat_data.chatId, null);
  const frameBox = await host.page.locator("[data-livechat] iframe").boundingBox();
  assert.ok(frameBox.x < 100, "the window opens on the bubble's side");

  await sendMessage(host.widget, "hello from the API test");
  const started = await host.waitFor("onchatstart");
  assert.equal(started.initiator, "client");
  assert.match(started.ticket, /\S+/);
  assert.deepEqual(await host.waitFor("chatstart"), started);
  assert.deepEqual(await host.waitFor("customer_status_changed"), { status: "chatting" });
  // Nobody is signed in to the agent app: the server says nobody is online.
  assert.deepEqual(await host.waitFor("availability_changed"), { availability: "offline" });
  assert.deepEqual(await host.waitFor("page_changed"), { page: "start-offline", previous: "start-online" });

  const data = await host.page.evaluate(() => [livechat.get("state"), livechat.get("chat_data"), livechat.get("customer_data")]);
  assert.deepEqual(data[0], { availability: "offline", visibility: "maximized", page: "start-offline", connection: "online", loaded: true });
  assert.deepEqual(data[1], { chatId: started.ticket, threadId: null, active: true, unread: 0 });
  assert.match(data[2].id, /\S+/);
  assert.deepEqual({ ...data[2], id: "" }, { id: "", name: null, email: null, status: "chatting", sessionVariables: {} });

  await host.widget.getByTestId("cw-minimize").click();
  assert.deepEqual(await host.waitFor("onchange", 2), { chat_status: "min", ticket: started.ticket });

  // Next page of the same site: the ongoing chat is "opened" again, without any click.
  await host.page.reload();
  assert.deepEqual(await host.waitFor("onchatopened"), { ticket: started.ticket, initiator: "client" });
  assert.equal(await host.page.evaluate(() => livechat.get("state").visibility), "minimized");
  assert.equal(await host.page.evaluate(() => window.seen.filter((entry) => entry.name === "onchatstart").length), 0);
  assert.deepEqual(host.errors, []);
  await host.context.close();
});

test("embed methods: status, flip, bubble, switch_side, page, reload, stop", async () => {
  const host = await hostPage(`livechat.embed.options = { account: ${JSON.stringify(ACCOUNT)}, onchange: record("onchange") }; livechat.embed.init();`);
  const { page } = host;
  await page.waitForFunction(() => livechat.embed.status()?.state === "running");
  const status = () => page.evaluate(() => livechat.embed.status());

  await page.evaluate(() => livechat.embed.bubble(false));
  await host.bubble.waitFor({ state: "hidden" });
  await page.evaluate(() => livechat.embed.bubble(true));
  await host.bubble.waitFor();
  await page.evaluate(() => livechat.embed.switch_side("left"));
  assert.equal(await page.locator("[data-livechat]").getAttribute("data-side"), "left");
  assert.equal((await status()).side, "left");
  await page.evaluate(() => livechat.embed.switch_side("middle"));
  assert.ok(host.console.includes('error: livechat: embed.switch_side takes "left" or "right", not "middle"'));

  await page.evaluate(() => livechat.embed.flip());
  await host.widget.getByTestId("cw-composer-input").waitFor();
  assert.equal((await status()).open, true);
  // Logged in: nobody is online here, which the loader has heard before the page states
  // below are set (an answer arriving after them would turn "online" into "offline").
  await page.waitForFunction(() => livechat.get("state").availability === "offline");
  await page.evaluate(() => livechat.embed.flip());
  await page.locator("[data-livechat] iframe[hidden]").waitFor({ state: "attached" });
  assert.equal((await status()).visibility, "minimized");

  // page(): open states open the window; `hidden` hides the bubble; `chat` opens with a message.
  await page.evaluate(() => livechat.embed.page("online"));
  await page.locator("[data-livechat] iframe:not([hidden])").waitFor();
  assert.equal((await status()).page, "online");
  await page.evaluate(() => livechat.embed.page("hidden"));
  await host.bubble.waitFor({ state: "hidden" });
  assert.equal((await status()).open, false);
  const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");
  await host.context.route("https://cdn.example/**", (route) => route.fulfill({ contentType: "image/png", body: png }));
  await page.evaluate(() =>
    livechat.embed.page("chat", {
      message: "Can we help with sizes?", operator_name: "Maria", department_name: "Fitting",
      operator_photo: "https://cdn.example/maria.png",
    }),
  );
  await page.waitForFunction(() => livechat.embed.status().open);
  // A proactive chat: the invitation is the operator's message, with the name and photo given.
  const invite = host.widget.getByTestId("cw-proactive");
  await invite.waitFor();
  assert.equal(await invite.locator(".cw-message__text").textContent(), "Can we help with sizes?");
  assert.equal(await invite.locator(".cw-message__author").textContent(), "Maria · Fitting");
  assert.equal(await invite.locator("img").getAttribute("src"), "https://cdn.example/maria.png");
  await page.evaluate(() => livechat.embed.page("start-online"));
  await host.bubble.waitFor();
  await page.evaluate(() => livechat.embed.page("sideways"));
  assert.ok(host.console.some((line) => line.startsWith('error: livechat: embed.page takes "start-online"')));

  // reload(): a fresh widget frame for the new page of a single-page app.
  const firstFrame = await page.locator("[data-livechat] iframe").elementHandle();
  await page.evaluate(() => livechat.embed.reload());
  assert.equal(await firstFrame.evaluate((frame) => frame.isConnected), false);
  assert.equal((await status()).state, "running");
  await host.bubble.click();
  await host.widget.getByTestId("cw-composer-input").waitFor();

  // stop(): everything gone; later calls are harmless.
  await page.evaluate(() => livechat.embed.stop());
  assert.equal(await page.locator("[data-livechat]").count(), 0);
  const afterStop = await page.evaluate(async () => {
    livechat.embed.flip();
    livechat.embed.bubble(true);
    livechat.embed.page("online");
    livechat.embed.switch_side("right");
    livechat.embed.reload();
    return [await livechat.call("maximize"), livechat.embed.status().state, document.querySelectorAll("[data-livechat]").length];
  });
  assert.deepEqual(afterStop, [undefined, "stopped", 0]);
  assert.deepEqual(host.errors.filter((error) => !error.includes("switch_side") && !error.includes("embed.page")), []);
  await host.context.close();
});

test("commands return promises; on/once/off manage listeners", async () => {
  const host = await hostPage(`livechat.embed.init({ account: ${JSON.stringify(ACCOUNT)}, c_name: "Ada" });`);
  const { page } = host;
  await page.waitForFunction(() => livechat.embed.status()?.state === "running");
  const result = await page.evaluate(async () => {
    const calls = [];
    const unsubscribe = livechat.on("change", (data) => calls.push(["on", data.chat_status]));
    livechat.once("change", (data) => calls.push(["once", data.chat_status]));
    const other = (data) => calls.push(["off", data.chat_status]);
    livechat.on("change", other);
    livechat.off("change", other);
    const maximized = livechat.call("maximize", { messageDraft: "I have a question about tents" });
    const isPromise = maximized instanceof Promise;
    await maximized;
    await livechat.call("minimize");
    unsubscribe();
    await livechat.call("maximize");
    return { isPromise, calls };
  });
  assert.equal(result.isPromise, true);
  assert.deepEqual(result.calls, [["on", "res"], ["once", "res"], ["on", "min"]]);
  assert.equal(await host.widget.getByTestId("cw-composer-input").inputValue(), "I have a question about tents");

  const customer = await page.evaluate(async () => {
    await livechat.call("set_customer_name", "Ada Lovelace");
    await livechat.call("set_customer_email", "ada@example.com");
    await livechat.call("set_session_variables", { plan: "pro", cart: "3" });
    await livechat.call("update_session_variables", { cart: "4" });
    await livechat.call("hide_greeting");
    return livechat.get("customer_data");
  });
  assert.equal(customer.name, "Ada Lovelace");
  assert.equal(customer.email, "ada@example.com");
  assert.deepEqual(customer.sessionVariables, { plan: "pro", cart: "4" });

  const rejected = await page.evaluate(async () => {
    const messages = [];
    for (const args of [["fly"], ["set_customer_email", "not-an-email"], ["set_customer_name", 42], ["set_session_variables", { n: 1 }], ["maximize", { messageDraft: 7 }]]) {
      await livechat.call(...args).then(() => messages.push("resolved"), (error) => messages.push(error.message));
    }
    return messages;
  });
  assert.deepEqual(rejected, [
    'livechat: unknown command `fly`; commands are "maximize", "minimize", "hide", "destroy", "hide_greeting", "set_customer_name", "set_customer_email", "set_session_variables" or "update_session_variables"',
    'livechat: set_customer_email takes an email address, not "not-an-email"',
    "livechat: set_customer_name takes a non-empty string, not 42",
    "livechat: set_session_variables takes an object of string values",
    "livechat: maximize: `messageDraft` must be a string",
  ]);

  await page.evaluate(() => livechat.call("hide"));
  await page.locator("[data-livechat][hidden]").waitFor({ state: "attached" });
  assert.equal(await page.evaluate(() => livechat.get("state").visibility), "hidden");
  await page.evaluate(() => livechat.call("maximize"));
  await page.locator("[data-livechat]:not([hidden]) iframe:not([hidden])").waitFor();
  await page.evaluate(() => livechat.call("destroy"));
  assert.equal(await page.locator("[data-livechat]").count(), 0);
  assert.equal(await page.evaluate(() => livechat.call("maximize").then((value) => value === undefined)), true);
  assert.equal(await page.evaluate(() => livechat.get("nothing")), undefined);
  assert.ok(host.console.includes('error: livechat: unknown getter `nothing`; getters are "state", "customer_data" or "chat_data"'));
  await host.context.close();
});

test("calls made before the loader arrived run in order once it has", async () => {
  const context = await browser.newContext();
  // Hold the loader back until the page has queued its calls (the real file, just later).
  let release;
  const held = new Promise((resolve) => (release = resolve));
  await context.route(`${server.url}/embed.js`, async (route) => {
    await held;
    await route.continue();
  });
  const host = await hostPage(
    `window.order = [];
     livechat.on("load", function (data) { window.order[window.order.length] = "load:" + data.page; });
     livechat.embed.init({ account: ${JSON.stringify(ACCOUNT)}, page: "online", onload: function () { window.order[window.order.length] = "onload"; } });
     livechat.once("change", function (data) { window.order[window.order.length] = "change:" + data.chat_status; });
     window.promise = livechat.call("minimize");
     window.promise.then(function () { window.order[window.order.length] = "minimized"; });`,
    { context, waitUntil: "domcontentloaded" },
  );
  assert.equal(await host.page.locator("[data-livechat]").count(), 0);
  release();
  await host.page.waitForFunction(() => window.order.length >= 4);
  // `page: "online"` opened the window at init, before `once` was queued; the queued
  // minimize then closed it.
  assert.deepEqual(await host.page.evaluate(() => window.order), ["change:min", "minimized", "onload", "load:online"]);
  assert.equal(await host.page.evaluate(() => livechat.embed.status().open), false);
  assert.deepEqual(host.errors, []);
  await context.close();
});

test("the older one-call snippet still works", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(
    site.page("/legacy", {
      body: `<script>window.livechat = window.livechat || { q: [], embed: { init: function (o) { window.livechat.q.push(["embed.init", o]); } } };
      livechat.embed.init({ account: ${JSON.stringify(ACCOUNT)} });</script><script async src="${server.url}/embed.js"></script>`,
    }),
  );
  await page.locator("[data-livechat] button").click();
  await page.frameLocator("[data-livechat] iframe").getByTestId("cw-composer-input").waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test("inline mode mounts into a host element; mini opens the chat on a new page", async () => {
  const host = await hostPage(`livechat.embed.init({ account: ${JSON.stringify(ACCOUNT)}, container: "#help" });`, {
    body: `<div id="help" style="width:420px;height:520px"></div>`,
  });
  const frame = host.page.locator("#help [data-livechat] iframe:not([hidden])");
  await frame.waitFor();
  const box = await frame.boundingBox();
  assert.equal(Math.round(box.width), 420);
  assert.equal(Math.round(box.height), 520);
  assert.equal(await host.bubble.isVisible(), false);
  await host.widget.getByTestId("cw-composer-input").waitFor();
  await host.context.close();

  const mini = await hostPage(`livechat.embed.init({ account: ${JSON.stringify(ACCOUNT)}, page: "mini" });`);
  const [chatPage] = await Promise.all([mini.context.waitForEvent("page"), mini.bubble.click()]);
  await chatPage.waitForLoadState();
  const url = new URL(chatPage.url());
  assert.equal(url.origin + url.pathname, `${server.url}/widget/`);
  assert.equal(url.searchParams.get("account"), ACCOUNT);
  await chatPage.getByTestId("cw-composer-input").waitFor();
  await mini.context.close();
});

test("popup: a bubble that opens the chat in a window, with status, close and stop", async () => {
  const host = await hostPage(`livechat.popup.init({ account: ${JSON.stringify(ACCOUNT)}, mode: "bubble", btype: "left2", onchatstart: record("popup:onchatstart"), side: "right", container: "#x" });`);
  const { page, context } = host;
  const bubble = page.locator("[data-livechat-popup] button");
  await bubble.waitFor();
  assert.ok((await bubble.boundingBox()).x < 100, "left2 puts the bubble on the left");
  assert.ok(host.console.includes("warning: livechat: unknown option `container` is ignored by popup.init"));
  assert.equal(await page.evaluate(() => livechat.popup.status()), "closed");
  const [popup] = await Promise.all([context.waitForEvent("page"), bubble.click()]);
  await popup.getByTestId("cw-composer-input").waitFor();
  assert.equal(await page.evaluate(() => livechat.popup.status()), "open");
  await sendMessage(popup, "hello from the popup");
  const started = await host.waitFor("popup:onchatstart");
  assert.equal(started.initiator, "client");
  await page.evaluate(() => livechat.popup.close());
  await page.waitForFunction(() => livechat.popup.status() === "closed");
  await page.evaluate(() => livechat.popup.stop());
  assert.equal(await page.locator("[data-livechat-popup]").count(), 0);
  assert.equal(await page.evaluate(() => livechat.popup.status()), "stopped");

  // mode "custom": the page opens the window itself, e.g. from a click on an image.
  await page.evaluate((account) => {
    document.body.insertAdjacentHTML("beforeend", '<button id="ask">Ask about this</button>');
    document.getElementById("ask").onclick = () => livechat.popup.init({ account, mode: "custom" });
  }, ACCOUNT);
  const [second] = await Promise.all([context.waitForEvent("page"), page.click("#ask")]);
  await second.getByTestId("cw-composer-input").waitFor();
  assert.equal(await page.evaluate(() => livechat.popup.status()), "open");
  assert.deepEqual(host.errors, []);
  await context.close();
});

test("what the site knows about the visitor and the pages they move to reach the agent", async () => {
  const host = await hostPage(
    `livechat.embed.init({ account: ${JSON.stringify(ACCOUNT)}, c_name: "Ada", c_phone: "0123 456 789", c_name_byop: "Ada (VIP)", target: "*/page-*" });
     livechat.call("set_session_variables", { plan: "pro" });`,
  );
  await host.bubble.click();
  await sendMessage(host.widget, "Hello from the pricing page");

  const agentContext = await browser.newContext();
  const agent = await agentContext.newPage();
  await signInAgent(agent, server.url);
  await agent.getByTestId("agent-chat-item").filter({ hasText: "Ada" }).first().click();
  const panel = agent.getByTestId("agent-visitor-panel");
  await panel.filter({ hasText: "Ada" }).waitFor();
  await panel.filter({ hasText: "plan" }).filter({ hasText: "pro" }).waitFor();
  // The page matched a `target` pattern: agents see the goal reached, next to the site's variables.
  await panel.filter({ hasText: "goal_reached" }).waitFor();
  await panel.filter({ hasText: "0123 456 789" }).filter({ hasText: "Ada (VIP)" }).waitFor();

  // A command after load, and a single-page-app navigation, both reach the agent live.
  await host.page.evaluate(() => livechat.call("set_customer_email", "ada@example.com"));
  await panel.filter({ hasText: "ada@example.com" }).waitFor();
  // Replacing the site's variables keeps the goal mark.
  await host.page.evaluate(() => livechat.call("set_session_variables", { plan: "team" }));
  await panel.filter({ hasText: "team" }).waitFor();
  assert.equal(await panel.filter({ hasText: "goal_reached" }).filter({ hasText: "0123 456 789" }).count(), 1);
  await host.page.evaluate(() => history.pushState({}, "", "/pricing?plan=team"));
  await panel.locator("a[title*='/pricing?plan=team']").waitFor();
  assert.deepEqual(host.errors, []);
  await agentContext.close();
  await host.context.close();
});

test("offline messages and the contact details a form asked for are reported to the page", async () => {
  const demo = await startServer({ config: join(ROOT, "config", "demo.toml") });
  try {
    const host = await hostPage(
      `livechat.embed.init({ account: ${JSON.stringify(ACCOUNT)}, onofflinemessage: record("onofflinemessage"),
        onnamerequired: record("onnamerequired"), onemailrequired: record("onemailrequired"),
        onphonerequired: record("onphonerequired") });`,
      { chatServer: demo },
    );
    await host.bubble.click();
    await host.widget.getByTestId("cw-ticket-name").fill("Eli");
    await host.widget.getByTestId("cw-ticket-email").fill("eli@example.com");
    await host.widget.getByTestId("cw-ticket-message").fill("Do you ship to Norway?");
    await host.widget.getByTestId("cw-ticket-submit").click();
    assert.deepEqual(await host.waitFor("onofflinemessage"), {
      name: "Eli", email: "eli@example.com", phone: null, message: "Do you ship to Norway?", operator_id: null,
    });
    assert.deepEqual(await host.waitFor("onnamerequired"), { accepted: true, name: "Eli" });
    assert.deepEqual(await host.waitFor("onemailrequired"), { accepted: true, email: "eli@example.com" });
    assert.equal((await host.seen()).filter((entry) => entry.name === "onphonerequired").length, 0, "the ticket form asks no phone");
    assert.deepEqual(host.errors, []);
    await host.context.close();
  } finally {
    await demo.stop();
  }
});

test("a greeting is reported as a trigger, and the visitor's rating as a chat rating", async () => {
  const greeting = await startServer({ config: join(ROOT, "e2e", "config", "greeting.toml") });
  const agentContext = await browser.newContext();
  try {
    const agent = await agentContext.newPage();
    await signInAgent(agent, greeting.url);
    const host = await hostPage(
      `livechat.embed.init({ account: ${JSON.stringify(ACCOUNT)}, ontrigger: record("ontrigger"), onchatrating: record("onchatrating") });`,
      { chatServer: greeting },
    );
    await host.bubble.click();
    assert.deepEqual(await host.waitFor("ontrigger"), { id: 1, title: "Hi! Can I help you find the right tent?" });
    await host.widget.getByTestId("cw-greeting-accept").click();
    await host.widget.locator("[data-testid=cw-message][data-author=agent]").filter({ hasText: "right tent" }).waitFor();
    await host.widget.getByTestId("cw-end-chat").click();
    await host.widget.getByTestId("cw-rate-1").click();
    const rating = await host.waitFor("onchatrating");
    assert.equal(rating.rating, 5, "a good thumbs-up counts as five stars");
    assert.equal(rating.operator_id, "anna@acme.example");
    assert.match(rating.ticket, /\S/);
    assert.deepEqual(host.errors, []);
    await host.context.close();
  } finally {
    await agentContext.close();
    await greeting.stop();
  }
});

test("the window can be maximised and restored from its header, and the page hears it", async () => {
  const host = await hostPage(`livechat.embed.init({ account: ${JSON.stringify(ACCOUNT)}, onchange: record("onchange") });`);
  await host.bubble.click();
  assert.deepEqual(await host.waitFor("onchange"), { chat_status: "res", ticket: null });
  const frame = host.page.locator("[data-livechat] iframe");
  const normal = await frame.boundingBox();
  const button = host.widget.getByTestId("cw-maximize");
  await button.click();
  assert.deepEqual(await host.waitFor("onchange", 2), { chat_status: "max", ticket: null });
  await host.page.waitForFunction(() => document.querySelector("[data-livechat]").getAttribute("data-size") === "max");
  const large = await frame.boundingBox();
  assert.ok(large.width > normal.width && large.height >= normal.height, `${JSON.stringify(normal)} → ${JSON.stringify(large)}`);
  assert.equal(await button.getAttribute("aria-pressed"), "true");
  await button.click();
  assert.deepEqual(await host.waitFor("onchange", 3), { chat_status: "res", ticket: null });
  // Minimised and opened again: back at the normal size.
  await host.widget.getByTestId("cw-maximize").click();
  await host.waitFor("onchange", 4);
  await host.widget.getByTestId("cw-minimize").click();
  assert.deepEqual(await host.waitFor("onchange", 5), { chat_status: "min", ticket: null });
  await host.bubble.click();
  await host.waitFor("onchange", 6);
  assert.equal(await host.widget.getByTestId("cw-maximize").getAttribute("aria-pressed"), "false");
  assert.deepEqual(host.errors, []);
  await host.context.close();
});

test("a site that signs visitors in itself hands the widget its tokens", async () => {
  // The site's back end asks the chat server for this visitor's token (here: the test).
  const issued = await (await fetch(`${server.url}/customer/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ license_id: 1 }),
  })).json();
  const context = await browser.newContext();
  let asked = 0;
  await context.exposeFunction("siteToken", () => {
    asked += 1;
    return { access_token: issued.access_token };
  });
  const host = await hostPage(`livechat.embed.init({ account: ${JSON.stringify(ACCOUNT)}, identity_provider: function () { return window.siteToken(); } });`, {
    context,
  });
  await host.bubble.click();
  await sendMessage(host.widget, "signed in by the site");
  assert.ok(asked >= 1, "the site's function was asked for a token");
  assert.equal(await host.page.evaluate(() => livechat.get("customer_data").id), issued.entity_id);
  assert.deepEqual(host.errors, []);
  await context.close();
});
