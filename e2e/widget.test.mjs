// End to end: the demo host page, the loader, the WebAssembly widget in its iframe, the
// real server on loopback, and the agent app, in headless Chromium.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { join } from "node:path";
import { ARTIFACTS, launchBrowser, startServer, watchErrors, signInAgent, openDemoChat } from "./support.mjs";

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("a visitor says hello on the demo page and sees the agent's reply", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = watchErrors(page);
  const widgetRequests = [];
  page.on("request", (request) => {
    // The loader's API script comes at once; the widget itself only on intent.
    const path = new URL(request.url()).pathname;
    if (path.startsWith("/widget/") && path !== "/widget/api.js") widgetRequests.push(request.url());
  });

  await page.goto(server.url + "/");
  const bubble = page.locator("[data-livechat] button");
  await bubble.waitFor();
  assert.equal(await bubble.getAttribute("aria-label"), "Open chat");
  assert.equal(await page.locator("[data-livechat] iframe").count(), 0, "the widget loads only on intent");
  assert.deepEqual(widgetRequests, [], "nothing of the widget is fetched before intent");

  await bubble.click();
  const widget = page.frameLocator("[data-livechat] iframe");
  const input = widget.getByTestId("cw-composer-input");
  await input.waitFor();
  assert.equal(await bubble.getAttribute("aria-expanded"), "true");
  await input.fill("hello");
  await input.press("Enter");
  const mine = widget.locator('[data-testid=cw-message][data-author=visitor]');
  await mine.filter({ hasText: "hello" }).waitFor();
  await widget.locator('[data-testid=cw-message][data-author=visitor][data-delivery=sent]').waitFor();

  const agent = await context.newPage();
  const agentErrors = watchErrors(agent);
  await signInAgent(agent, server.url);
  await agent.getByTestId("agent-chat-item").first().click();
  await agent.getByTestId("agent-message").filter({ hasText: "hello" }).waitFor();
  await agent.getByTestId("agent-composer-input").fill("Hi! How can I help?");
  await agent.getByTestId("agent-send").click();

  const reply = widget.locator('[data-testid=cw-message][data-author=agent]');
  await reply.filter({ hasText: "Hi! How can I help?" }).waitFor();
  assert.equal(await reply.locator(".cw-message__author").textContent(), "Anna");
  await page.screenshot({ path: join(ARTIFACTS, "chat-desktop.png") });
  await agent.screenshot({ path: join(ARTIFACTS, "agent-console.png") });

  // Minimising from inside the widget hides the frame and gives focus back to the bubble.
  await widget.getByTestId("cw-minimize").click();
  await page.locator("[data-livechat] iframe[hidden]").waitFor({ state: "attached" });
  assert.equal(await bubble.getAttribute("aria-expanded"), "false");

  assert.deepEqual(errors, []);
  assert.deepEqual(agentErrors, []);
  await context.close();
});

test("a returning visitor sees the earlier conversation after a reload", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  const widget = await openDemoChat(page, server.url);
  await widget.getByTestId("cw-composer-input").fill("remember me");
  await widget.getByTestId("cw-composer-input").press("Enter");
  await widget.locator('[data-testid=cw-message][data-delivery=sent]').filter({ hasText: "remember me" }).waitFor();

  await page.reload();
  // The chat was open, so it reopens on the next page of this tab without a click.
  const again = page.frameLocator("[data-livechat] iframe");
  await again.locator('[data-testid=cw-message]').filter({ hasText: "remember me" }).waitFor();
  assert.equal(await again.locator('[data-testid=cw-message]').filter({ hasText: "remember me" }).count(), 1);
  assert.deepEqual(errors, []);
  await context.close();
});
