// The visitor's network goes away (the browser's own offline emulation, which cuts the
// websocket and every fetch), five messages are typed, the network comes back: the agent
// receives each message once, in order, and the widget shows the same transcript.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchBrowser, startServer, watchErrors, signInAgent, typeMessage, openDemoChat } from "./support.mjs";

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

test("messages typed offline arrive once and in order when the network is back", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  const widget = await openDemoChat(page, server.url);
  await typeMessage(widget, "before going offline");
  await widget.locator("[data-testid=cw-message][data-delivery=sent]").waitFor();

  // Network emulation through the DevTools protocol, for the page and its iframe alike.
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  const network = (offline) =>
    cdp.send("Network.emulateNetworkConditions", { offline, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await network(true);
  await context.setOffline(true);

  const typed = ["offline 1", "offline 2", "offline 3", "offline 4", "offline 5"];
  for (const text of typed) await typeMessage(widget, text);
  // The visitor sees them waiting, and the widget notices that the link is gone.
  assert.equal(await widget.locator("[data-testid=cw-message][data-delivery=sending]").count(), 5);
  await widget.locator("[data-testid=cw-banner][data-visible=true]").waitFor({ timeout: 30000 });
  assert.equal(await widget.locator("[data-testid=cw-message][data-delivery=sent]").count(), 1, "nothing got through");

  await context.setOffline(false);
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
