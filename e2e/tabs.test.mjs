// Two tabs of one visitor act as one widget: minimising in one minimises the other, an
// agent's message counts as one unread message in both, and opening either opens both and
// clears both counts.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchBrowser, startServer, watchErrors, signInAgent } from "./support.mjs";

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

/** A new tab of the demo page with the chat opened. */
async function openTab(context) {
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(server.url + "/");
  const bubble = page.locator("[data-livechat] button");
  await bubble.click();
  return { page, errors, widget: page.frameLocator("[data-livechat] iframe"), bubble: page.locator("[data-livechat] button") };
}

/** Waits until the bubble's accessible name matches `pattern` (it names the unread count). */
async function bubbleLabel(tab, pattern) {
  for (let waited = 0; waited < 30000; waited += 100) {
    const label = (await tab.bubble.getAttribute("aria-label")) || "";
    if (pattern.test(label)) return label;
    await tab.page.waitForTimeout(100);
  }
  assert.fail(`the bubble's label never matched ${pattern}: ${await tab.bubble.getAttribute("aria-label")}`);
}

const hidden = (tab) => tab.page.locator("[data-livechat] iframe[hidden]").waitFor({ state: "attached" });
const shown = (tab) => tab.page.locator("[data-livechat] iframe:not([hidden])").waitFor({ state: "attached" });

test("open state and unread count are shared by the visitor's tabs", async () => {
  const context = await browser.newContext();
  const one = await openTab(context);
  const input = one.widget.getByTestId("cw-composer-input");
  await input.fill("hello from tab one");
  await input.press("Enter");
  await one.widget.locator("[data-testid=cw-message][data-delivery=sent]").waitFor();
  const two = await openTab(context);
  await shown(two);
  await two.widget.locator("[data-testid=cw-message]").filter({ hasText: "hello from tab one" }).waitFor();

  // Minimising in one tab minimises the other.
  await one.widget.getByTestId("cw-minimize").click();
  await hidden(one);
  await hidden(two);

  // The agent answers while both are minimised: one unread message, in each tab.
  const agent = await context.newPage();
  await signInAgent(agent, server.url);
  await agent.getByTestId("agent-chat-item").first().click();
  await agent.getByTestId("agent-composer-input").fill("Are you still there?");
  await agent.getByTestId("agent-send").click();
  for (const tab of [one, two]) {
    await tab.widget.locator("[data-testid=cw-message][data-author=agent]").filter({ hasText: "Are you still there?" }).waitFor({ state: "attached" });
    await bubbleLabel(tab, /, 1 unread$/);
  }

  // Opening the second tab opens the first as well, and nothing is unread anywhere.
  await two.bubble.click();
  await shown(two);
  await shown(one);
  for (const tab of [one, two]) {
    await bubbleLabel(tab, /^[^,]*$/);
  }
  for (const tab of [one, two]) {
    assert.equal(await tab.widget.locator("[data-testid=cw-message]").filter({ hasText: "Are you still there?" }).count(), 1);
    assert.deepEqual(tab.errors.filter((error) => error.startsWith("pageerror")), []);
  }
  await context.close();
});
