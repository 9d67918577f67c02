// The visitor's network goes away (the browser's own offline emulation, which cuts the
// websocket and every fetch). Five messages typed offline reach the agent once each, in
// order, and the widget shows the same transcript. Every other kind of send (a file, a
// button's answer, the post-chat form, a rating) waits out the outage too, even a page
// closed while offline, and the server records each exactly once.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { join } from "node:path";
import { ACCOUNT, ROOT, launchBrowser, startServer, watchErrors, signInAgent, typeMessage, openDemoChat } from "./support.mjs";
import { connectAgent } from "./sdk-support.mjs";

let browser;
let server;
before(async () => {
  browser = await launchBrowser();
  server = await startServer();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

/**
 * Switches the network of `page` (its frames included) off and on: the DevTools emulation
 * and the context's own switch together.
 */
async function networkOf(context, page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  return async (offline) => {
    await cdp.send("Network.emulateNetworkConditions", { offline, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await context.setOffline(offline);
  };
}

test("messages typed offline arrive once and in order when the network is back", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  const widget = await openDemoChat(page, server.url);
  await typeMessage(widget, "before going offline");
  await widget.locator("[data-testid=cw-message][data-delivery=sent]").waitFor();

  const network = await networkOf(context, page);
  await network(true);

  const typed = ["offline 1", "offline 2", "offline 3", "offline 4", "offline 5"];
  for (const text of typed) await typeMessage(widget, text);
  // The visitor sees them waiting, and the widget notices that the link is gone.
  assert.equal(await widget.locator("[data-testid=cw-message][data-delivery=sending]").count(), 5);
  await widget.locator("[data-testid=cw-banner][data-visible=true]").waitFor({ timeout: 30000 });
  assert.equal(await widget.locator("[data-testid=cw-message][data-delivery=sent]").count(), 1, "nothing got through");

  await network(false);
  const expected = ["before going offline", ...typed];
  await widget.locator("[data-testid=cw-message][data-delivery=sent]").nth(5).waitFor({ timeout: 40000 });
  await widget.locator("[data-testid=cw-banner][data-visible=false]").waitFor({ state: "attached", timeout: 30000 });
  assert.deepEqual(
    await widget.locator("[data-testid=cw-message][data-author=visitor] .cw-message__text").allTextContents(),
    expected,
  );

  // The agent side: each message exactly once, in the order it was typed.
  const agent = await context.newPage();
  await signInAgent(agent, server.url);
  await agent.getByTestId("agent-chat-item").first().click();
  await agent.getByTestId("agent-message").filter({ hasText: "offline 5" }).waitFor();
  assert.deepEqual(
    await agent.locator("[data-testid=agent-message][data-author=customer] .msg-text").allTextContents(),
    expected,
  );
  assert.deepEqual(errors.filter((error) => error.startsWith("pageerror")), []);
  await context.close();
});

/** Every event of the visitor's chat, through the agent API. */
async function chatEvents(agent, chatId) {
  const { threads } = await agent.request("list_threads", { chat_id: chatId });
  return threads.flatMap((thread) => thread.events.map((event) => ({ ...event, thread_id: thread.id })));
}

test("every kind of send waits out a dropped network and a closed page, then arrives exactly once", async () => {
  const demo = await startServer({ config: join(ROOT, "config", "demo.toml") });
  const agent = await connectAgent(browser, demo);
  const context = await browser.newContext();
  const widgetUrl = `${demo.url}/widget/?account=${encodeURIComponent(ACCOUNT)}`;
  try {
    let page = await context.newPage();
    let errors = watchErrors(page);
    await page.goto(widgetUrl);
    await page.getByTestId("cw-prechat-name").fill("Dana");
    await page.getByLabel("Something else").check();
    await page.getByLabel("General", { exact: true }).check();
    await page.getByTestId("cw-prechat-submit").click();
    await typeMessage(page, "hello while online");
    await page.locator("[data-testid=cw-message][data-delivery=sent]").filter({ hasText: "hello while online" }).waitFor();
    const { chats_summary: chats } = await agent.request("list_chats", {});
    const chatId = chats[0].id;
    await agent.request("send_event", {
      chat_id: chatId,
      event: {
        type: "rich_message",
        template_id: "cards",
        elements: [{ title: "Need a tent?", buttons: [{ type: "message", text: "Yes please", value: "Yes please", postback_id: "pb-yes", user_ids: [] }] }],
      },
    });
    const card = page.locator("[data-testid=cw-message][data-kind=rich]");
    await card.waitFor();

    // The file's upload finishes while the network is already gone: its event has to wait.
    let uploaded;
    const stored = new Promise((resolve) => (uploaded = resolve));
    let release;
    const released = new Promise((resolve) => (release = resolve));
    await page.route("**/upload_file**", async (route) => {
      const response = await route.fetch();
      uploaded();
      await released;
      await route.fulfill({ response });
    });
    const png = Buffer.from(
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
      "base64",
    );
    await page.getByTestId("cw-file-input").setInputFiles({ name: "tent.png", mimeType: "image/png", buffer: png });
    await stored;

    const network = await networkOf(context, page);
    await network(true);
    release();
    await typeMessage(page, "typed while offline");
    await card.getByTestId("cw-rich-button").click();
    const sending = page.locator("[data-testid=cw-message][data-delivery=sending]");
    // The text, the button's answer and the file, all shown as waiting.
    await sending.nth(2).waitFor();

    // The visitor leaves while offline, and comes back once the network is.
    await page.close();
    await context.setOffline(false);
    page = await context.newPage();
    errors = watchErrors(page);
    await page.goto(widgetUrl);
    await page.locator("[data-testid=cw-message][data-kind=file]").getByTestId("cw-image").waitFor();
    await page.locator("[data-testid=cw-message][data-delivery=sent]").filter({ hasText: "typed while offline" }).waitFor();
    await page.locator("[data-testid=cw-message][data-author=visitor][data-delivery=sent]").filter({ hasText: "Yes please" }).waitFor();
    await page.locator("[data-testid=cw-message][data-kind=rich] button[aria-pressed=true]").waitFor();
    assert.equal(await page.locator("[data-testid=cw-message][data-delivery=sending]").count(), 0);

    // The chat ends; the post-chat form and the rating are both given offline.
    await agent.request("deactivate_chat", { id: chatId });
    await page.getByTestId("cw-postchat").waitFor();
    const network2 = await networkOf(context, page);
    await network2(true);
    await page.getByLabel("Good").check();
    await page.getByTestId("cw-postchat-comment").fill("Answered offline");
    await page.getByTestId("cw-postchat-submit").click();
    await page.getByTestId("cw-rating").waitFor();
    await page.getByTestId("cw-rate-1").click();
    const form = page.locator("[data-testid=cw-message]").filter({ has: page.getByTestId("cw-filled-form") }).filter({ hasText: "Answered offline" });
    assert.equal(await form.getAttribute("data-delivery"), "sending");
    await network2(false);
    await form.and(page.locator("[data-delivery=sent]")).waitFor({ timeout: 40000 });
    await page.getByTestId("cw-rate-1").and(page.locator("[aria-pressed=true]")).waitFor({ timeout: 40000 });

    // The server's record: each exactly once.
    const events = await chatEvents(agent, chatId);
    const texts = events.filter((event) => event.type === "message").map((event) => event.text);
    const count = (text) => texts.filter((seen) => seen === text).length;
    assert.equal(count("hello while online"), 1);
    assert.equal(count("typed while offline"), 1);
    assert.equal(count("Yes please"), 1);
    assert.equal(events.filter((event) => event.type === "file").length, 1);
    const forms = events.filter((event) => event.type === "filled_form" && JSON.stringify(event).includes("Answered offline"));
    assert.equal(forms.length, 1);
    const richCard = events.find((event) => event.type === "rich_message");
    assert.equal(richCard.elements[0].buttons[0].user_ids.length, 1, "the press is recorded once");
    const { threads } = await agent.request("list_threads", { chat_id: chatId });
    const rated = threads.find((thread) => thread.properties?.rating?.score !== undefined);
    assert.equal(rated?.properties.rating.score, 1);
    assert.deepEqual(errors.filter((error) => error.startsWith("pageerror")), []);
  } finally {
    await context.close();
    await agent.close();
    await demo.stop();
  }
});
