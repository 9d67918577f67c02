// End to end: the agent console's tools (visitor panel, typing indicator, cards, transfer,
// presence, ending a chat) against a visitor on the demo page, in headless Chromium.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ARTIFACTS, ROOT, launchBrowser, startServer, watchErrors, signInAgent, openDemoChat } from "./support.mjs";

const CONSOLE_DIR = join(ROOT, "crates", "server", "static", "agent");
const CONSOLE_FILES = { "/agent/": "index.html", "/agent/agent.js": "agent.js", "/agent/agent.css": "agent.css" };

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

// The server compiles the console into its binary. If target/debug/server was built before
// the console files last changed, answer those three requests with the files on disk, keeping
// the server's own status and headers (its Content-Security-Policy above all), so the test
// always checks the console in the working tree. scripts/test rebuilds the server first, and
// then nothing is replaced.
async function serveConsoleFromDisk(t, context) {
  const stale = [];
  for (const [path, file] of Object.entries(CONSOLE_FILES)) {
    const served = await (await fetch(server.url + path)).text();
    if (served !== readFileSync(join(CONSOLE_DIR, file), "utf8")) stale.push(path);
  }
  if (stale.length === 0) return;
  t.diagnostic(`target/debug/server has an older agent console (${stale.join(", ")}); serving the files on disk`);
  await context.route(
    (url) => stale.includes(url.pathname),
    async (route) => {
      const response = await route.fetch();
      assert.equal(response.status(), 200, `the server still serves ${route.request().url()}`);
      const file = CONSOLE_FILES[new URL(route.request().url()).pathname];
      await route.fulfill({ response, body: readFileSync(join(CONSOLE_DIR, file)) });
    },
  );
}

const focusedTestId = (page) => page.evaluate(() => document.activeElement?.dataset?.testid ?? null);

test("an agent uses the console's tools on a visitor's chat", async (t) => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await serveConsoleFromDisk(t, context);

  // The visitor opens the widget and says hello.
  const page = await context.newPage();
  const errors = watchErrors(page);
  const widget = await openDemoChat(page, server.url);
  const visitorInput = widget.getByTestId("cw-composer-input");
  await visitorInput.fill("hello");
  await visitorInput.press("Enter");
  await widget.locator("[data-testid=cw-message][data-author=visitor][data-delivery=sent]").filter({ hasText: "hello" }).waitFor();

  // The agent opens the chat; the visitor panel describes who is on the other end.
  const agent = await context.newPage();
  const agentErrors = watchErrors(agent);
  await signInAgent(agent, server.url);
  const presence = agent.getByTestId("agent-presence");
  assert.equal(await presence.getAttribute("aria-pressed"), "true", "a new session accepts chats");
  await agent.getByTestId("agent-chat-item").first().click();
  await agent.getByTestId("agent-message").filter({ hasText: "hello" }).waitFor();
  const panel = agent.getByTestId("agent-visitor-panel");
  await panel.filter({ hasText: "On the site" }).waitFor();
  assert.equal(await agent.getByTestId("agent-rating").isHidden(), true, "no rating yet");
  assert.equal(await agent.getByTestId("agent-sneak-peek").isHidden(), true, "the widget sends no sneak peeks yet");

  // Typing (without sending) shows "typing" in the widget, and it goes away 3 s later.
  const typing = widget.getByTestId("cw-typing");
  await agent.getByTestId("agent-composer-input").pressSequentially("Let me check", { delay: 20 });
  await typing.filter({ hasText: "is typing" }).waitFor();
  await agent.getByTestId("agent-composer-input").fill("");
  await typing.filter({ hasNotText: "is typing" }).waitFor({ timeout: 8000 });

  // A card with one message button: the dialog takes focus and gives it back.
  const sendCard = agent.getByTestId("agent-send-card");
  await sendCard.click();
  const cardDialog = agent.getByTestId("agent-card-dialog");
  await cardDialog.waitFor();
  assert.equal(await focusedTestId(agent), "agent-card-title", "focus moves into the dialog");
  await agent.getByTestId("agent-card-title").fill("Need a tent?");
  await agent.getByTestId("agent-card-button-text-0").fill("Yes please");
  assert.equal(await agent.getByTestId("agent-card-button-value-0").inputValue(), "");
  await agent.getByTestId("agent-card-submit").click();
  await cardDialog.waitFor({ state: "hidden" });
  assert.equal(await focusedTestId(agent), "agent-send-card", "focus returns to the opener");
  const card = agent.getByTestId("agent-rich-message").filter({ hasText: "Need a tent?" });
  await card.waitFor();
  assert.match(await card.textContent(), /Yes please/);
  await widget.locator("[data-testid=cw-message][data-author=agent]").filter({ hasText: "Need a tent?" }).waitFor();

  // A transfer to an agent who does not exist fails inline; Escape closes the dialog.
  const transfer = agent.getByTestId("agent-transfer");
  await transfer.click();
  const transferDialog = agent.getByTestId("agent-transfer-dialog");
  await transferDialog.waitFor();
  assert.equal(await agent.getByTestId("agent-transfer-group-1").count(), 1);
  await agent.getByTestId("agent-transfer-agent-id").fill("nobody@acme.example");
  await agent.getByTestId("agent-transfer-submit").click();
  await agent.getByTestId("agent-transfer-error").filter({ hasText: "not found" }).waitFor();
  assert.equal(await transferDialog.isVisible(), true, "the dialog stays open to fix the choice");
  await agent.keyboard.press("Escape");
  await transferDialog.waitFor({ state: "hidden" });
  assert.equal(await focusedTestId(agent), "agent-transfer");

  // Presence off and on again.
  await presence.click();
  await agent.locator("[data-testid=agent-presence][aria-pressed=false]:not([aria-busy=true])").waitFor();
  await presence.click();
  await agent.locator("[data-testid=agent-presence][aria-pressed=true]:not([aria-busy=true])").waitFor();
  await agent.screenshot({ path: join(ARTIFACTS, "agent-console-tools.png") });

  // The agent ends the chat; both sides see it closed.
  await agent.getByTestId("agent-end-chat").click();
  await agent.locator("#chat-state[data-active=false]").waitFor();
  assert.equal(await sendCard.isDisabled(), true);
  assert.equal(await transfer.isDisabled(), true);
  await widget.locator("[data-testid=cw-message]").filter({ hasText: "Chat closed by Anna" }).waitFor();

  assert.deepEqual(errors, []);
  assert.deepEqual(agentErrors, []);
  await context.close();
});
