// No message lost or doubled: the server is killed and restarted mid-chat, and the page is
// reloaded with messages still unsent. Both sides must end with the same transcript.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { freePort, launchBrowser, startServer, watchErrors, signInAgent, typeMessage, openDemoChat } from "./support.mjs";

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** Texts of the visitor's messages in the widget, in order, once the outbox is empty. */
async function visitorTexts(widget) {
  await widget.locator('[data-testid=cw-message][data-delivery=sending]').first().waitFor({ state: "detached", timeout: 30000 }).catch(() => {});
  return widget.locator('[data-testid=cw-message][data-author=visitor] .cw-message__text').allTextContents();
}

/** Texts of the visitor's messages in the agent app's open chat. */
async function agentSees(agent) {
  return agent.locator('[data-testid=agent-message][data-author=customer] .msg-text').allTextContents();
}

async function openAgent(context, url) {
  const agent = await context.newPage();
  await signInAgent(agent, url);
  await agent.getByTestId("agent-chat-item").first().click();
  return agent;
}

test("messages sent while the server is down arrive once, in order, after it restarts", async () => {
  const port = await freePort();
  let server = await startServer({ port });
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  const widget = await openDemoChat(page, server.url);
  await typeMessage(widget, "before the outage");
  await widget.locator('[data-testid=cw-message][data-delivery=sent]').waitFor();

  await server.stop({ keep: true });
  await widget.locator('[data-testid=cw-banner][data-visible=true]').waitFor();
  for (let n = 1; n <= 5; n++) await typeMessage(widget, `offline ${n}`);
  assert.equal(await widget.locator('[data-testid=cw-message][data-delivery=sending]').count(), 5);

  server = await startServer({ port, dir: server.dir });
  const expected = ["before the outage", "offline 1", "offline 2", "offline 3", "offline 4", "offline 5"];
  await widget.locator('[data-testid=cw-message][data-delivery=sent]').nth(5).waitFor({ timeout: 30000 });
  assert.deepEqual(await visitorTexts(widget), expected);
  await widget.locator('[data-testid=cw-banner][data-visible=false]').waitFor({ state: "attached" });

  const agent = await openAgent(context, server.url);
  await agent.getByTestId("agent-message").filter({ hasText: "offline 5" }).waitFor();
  assert.deepEqual(await agentSees(agent), expected);
  // Expected failures while the server was down are network errors, not page errors.
  assert.deepEqual(errors.filter((error) => error.startsWith("pageerror")), []);
  await context.close();
  await server.stop();
});

test("messages typed before the tab closed are restored from storage and delivered once", async () => {
  const port = await freePort();
  let server = await startServer({ port });
  const context = await browser.newContext();
  let page = await context.newPage();
  const errors = watchErrors(page);
  let widget = await openDemoChat(page, server.url);
  await typeMessage(widget, "first");
  await widget.locator('[data-testid=cw-message][data-delivery=sent]').waitFor();

  // The server goes away, the visitor writes two more messages and closes the tab: only
  // the widget's storage still has them.
  await server.stop({ keep: true });
  await typeMessage(widget, "typed while down");
  await typeMessage(widget, "and another");
  await widget.locator('[data-testid=cw-message][data-delivery=sending]').nth(1).waitFor();
  await page.close();

  server = await startServer({ port, dir: server.dir });
  page = await context.newPage();
  errors.push(...watchErrors(page));
  widget = await openDemoChat(page, server.url);
  await widget.locator('[data-testid=cw-message][data-delivery=sent]').nth(2).waitFor({ timeout: 30000 });
  assert.deepEqual(await visitorTexts(widget), ["first", "typed while down", "and another"]);
  const agent = await openAgent(context, server.url);
  await agent.getByTestId("agent-message").filter({ hasText: "and another" }).waitFor();
  assert.deepEqual(await agentSees(agent), ["first", "typed while down", "and another"]);
  assert.deepEqual(errors.filter((error) => error.startsWith("pageerror")), []);
  await context.close();
  await server.stop();
});

test("two tabs of one visitor show each message exactly once", async () => {
  const server = await startServer();
  const context = await browser.newContext();
  const first = await context.newPage();
  const one = await openDemoChat(first, server.url);
  await typeMessage(one, "from tab one");
  await one.locator('[data-testid=cw-message][data-delivery=sent]').waitFor();

  const second = await context.newPage();
  const two = await openDemoChat(second, server.url);
  await two.locator('[data-testid=cw-message]').filter({ hasText: "from tab one" }).waitFor();
  await typeMessage(two, "from tab two");
  await one.locator('[data-testid=cw-message]').filter({ hasText: "from tab two" }).waitFor();
  await two.locator('[data-testid=cw-message][data-delivery=sent]').filter({ hasText: "from tab two" }).waitFor();

  for (const widget of [one, two]) {
    assert.deepEqual(await visitorTexts(widget), ["from tab one", "from tab two"]);
  }
  await context.close();
  await server.stop();
});
