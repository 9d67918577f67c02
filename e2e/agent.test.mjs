// The agent app end to end, in headless Chromium against the real server: a visitor on the
// demo page and an agent in the app, each in their own tab. Typing, cards, canned responses,
// internal notes, files, tags, transfers listed from the configuration in use, the archive,
// and a chat arriving while the app is in the background; an accessibility audit of every
// view.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ARTIFACTS, ROOT, firstPassword, launchBrowser, startServer, watchErrors, signInAgent, openDemoChat, sendMessage, audit } from "./support.mjs";

const TEAM_CONFIG = join(ROOT, "e2e", "config", "team.toml");

let browser;
before(async () => {
  browser = await launchBrowser({ extraArgs: ["--autoplay-policy=no-user-gesture-required"] });
});
after(async () => {
  await browser?.close();
});

/** A visitor on the demo page who said `text`; returns the page and the widget's frame. */
async function visitorSays(context, server, text) {
  const page = await context.newPage();
  const widget = await openDemoChat(page, server.url);
  await sendMessage(widget, text);
  return { page, widget };
}

/** The agent app signed in, on the chat whose newest line is `text`. */
async function agentOn(context, server, text) {
  const agent = await context.newPage();
  await signInAgent(agent, server.url);
  await agent.getByTestId("agent-chat-item").filter({ hasText: text }).first().click();
  await agent.getByTestId("agent-message").filter({ hasText: text }).waitFor();
  return agent;
}

test("an agent answers with typing, a card, a canned response, a note and a file", async () => {
  const server = await startServer();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const { page, widget } = await visitorSays(context, server, "Do you have tents?");
    const visitorErrors = watchErrors(page);
    const agent = await agentOn(context, server, "Do you have tents?");
    const errors = watchErrors(agent);
    await agent.getByTestId("agent-visitor-pages").filter({ hasText: "Acme Outdoor" }).waitFor();
    await audit(agent, "chat");

    // Typing shows in the widget, and stops.
    await agent.getByTestId("agent-composer-input").pressSequentially("Let me check", { delay: 20 });
    await widget.getByTestId("cw-typing").filter({ hasText: "is typing" }).waitFor();
    await agent.getByTestId("agent-composer-input").fill("");
    await agent.getByTestId("agent-composer-input").blur();
    await widget.getByTestId("cw-typing").filter({ hasNotText: "is typing" }).waitFor({ timeout: 8000 });

    // A card: the dialog explains a missing title, takes focus and gives it back.
    await agent.getByTestId("agent-send-card").click();
    await agent.getByTestId("agent-card-dialog").waitFor();
    assert.equal(await agent.evaluate(() => document.activeElement.dataset.testid), "agent-card-title");
    await audit(agent, "card dialog");
    await agent.getByTestId("agent-card-submit").click();
    await agent.getByTestId("agent-card-error").filter({ hasText: "Give the card a title." }).waitFor();
    await agent.getByTestId("agent-card-title").fill("Need a tent?");
    await agent.getByTestId("agent-card-button-text-0").fill("Yes please");
    await agent.getByTestId("agent-card-submit").click();
    await agent.getByTestId("agent-card-dialog").waitFor({ state: "detached" });
    assert.equal(await agent.evaluate(() => document.activeElement.dataset.testid), "agent-send-card");
    await widget.locator("[data-testid=cw-message][data-author=agent]").filter({ hasText: "Need a tent?" }).waitFor();

    // A canned response, written in the app, expands from its shortcut.
    await agent.getByTestId("agent-canned-manage").click();
    await agent.getByTestId("agent-canned-text").fill("Our tents come with a 3-year warranty.");
    await agent.getByTestId("agent-canned-shortcuts").fill("#warranty guarantee");
    await audit(agent, "canned responses");
    await agent.getByTestId("agent-canned-save").click();
    await agent.getByTestId("agent-canned-row").filter({ hasText: "#warranty" }).waitFor();
    await agent.keyboard.press("Escape");
    await agent.getByTestId("agent-canned-dialog").waitFor({ state: "detached" });
    const composer = agent.getByTestId("agent-composer-input");
    await composer.pressSequentially("Good news: #warr");
    await agent.getByTestId("agent-canned-option").filter({ hasText: "3-year warranty" }).waitFor();
    await composer.press("Enter");
    assert.equal(await composer.inputValue(), "Good news: Our tents come with a 3-year warranty.");
    await composer.press("Enter");
    await widget.locator("[data-testid=cw-message][data-author=agent]").filter({ hasText: "Good news: Our tents" }).waitFor();

    // An internal note stays with the agents: not in the widget, not after a reload either.
    await agent.getByTestId("agent-note-toggle").check();
    await composer.fill("VIP: offer free shipping");
    await composer.press("Enter");
    await agent.locator("[data-testid=agent-message][data-note=true]:not([data-sending])").filter({ hasText: "VIP" }).waitFor();
    await agent.getByTestId("agent-note-toggle").uncheck();
    await composer.fill("Anything else?");
    await composer.press("Enter");
    await widget.locator("[data-testid=cw-message][data-author=agent]").filter({ hasText: "Anything else?" }).waitFor();
    assert.equal(await widget.locator("[data-testid=cw-message]").filter({ hasText: "VIP" }).count(), 0, "the note reached the widget");
    // The visitor has the window open, so they have read it: the agent sees so.
    await agent.locator("[data-testid=agent-message]").filter({ hasText: "Anything else?" }).getByTestId("agent-seen").waitFor();
    await page.reload();
    // The window was open, so it opens again by itself.
    const bubble = page.locator("[data-livechat] button");
    await page.waitForFunction(() => typeof livechat.get === "function" && livechat.get("state").loaded);
    if ((await bubble.getAttribute("aria-expanded")) !== "true") await bubble.click();
    const reloaded = page.frameLocator("[data-livechat] iframe");
    await reloaded.locator("[data-testid=cw-message]").filter({ hasText: "Anything else?" }).waitFor();
    assert.equal(await reloaded.locator("[data-testid=cw-message]").filter({ hasText: "VIP" }).count(), 0, "get_chat gave the note back");

    // A file from the agent reaches the widget as an image.
    const png = join(tmpdir(), `size-chart-${process.pid}.png`);
    writeFileSync(png, Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64"));
    await agent.getByTestId("agent-file-input").setInputFiles(png);
    await agent.getByTestId("agent-file").locator("img[src*='/uploads/']").waitFor();
    await reloaded.locator("[data-testid=cw-message][data-kind=file]").getByTestId("cw-image").waitFor();
    await agent.screenshot({ path: join(ARTIFACTS, "agent-app-chat.png") });

    // Tags, and ending the chat: the widget hears it.
    await agent.getByTestId("agent-tag-input").fill("tents");
    await agent.getByTestId("agent-tag-input").press("Enter");
    await agent.getByTestId("agent-tags").filter({ hasText: "tents" }).waitFor();
    await agent.getByTestId("agent-end-chat").click();
    await agent.getByTestId("agent-chat-state").filter({ hasText: "Ended" }).waitFor();
    await reloaded.locator("[data-testid=cw-message]").filter({ hasText: /closed/i }).first().waitFor();
    assert.deepEqual(errors, []);
    assert.deepEqual(visitorErrors, []);
  } finally {
    await context.close();
    await server.stop();
  }
});

/** Tells the page its tab went to the background (or came back). */
async function setHidden(page, hidden) {
  await page.evaluate((hidden) => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => (hidden ? "hidden" : "visible") });
    Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
    document.dispatchEvent(new Event("visibilitychange"));
  }, hidden);
}

test("a chat arriving while the app is in the background chimes and notifies; the notification opens it", async () => {
  const server = await startServer();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    await context.grantPermissions(["notifications"], { origin: server.url });
    // Notifications are recorded, and clicking one is the test's to do.
    await context.addInitScript(() => {
      const Native = window.Notification;
      window.__notifications = [];
      window.Notification = class extends Native {
        constructor(title, options) {
          super(title, options);
          window.__notifications.push({ title, body: options && options.body, click: () => this.onclick && this.onclick() });
        }
      };
      window.Notification.requestPermission = Native.requestPermission.bind(Native);
      Object.defineProperty(window.Notification, "permission", { get: () => Native.permission });
    });
    const agent = await context.newPage();
    const errors = watchErrors(agent);
    await signInAgent(agent, server.url);
    await audit(agent, "empty inbox");
    // The app's tab goes to the background. Headless Chromium keeps every tab visible, so
    // the page is told so the way a browser tells it: visibilityState and its event.
    await setHidden(agent, true);
    const visitorPage = await context.newPage();
    const widget = await openDemoChat(visitorPage, server.url);
    await sendMessage(widget, "Anyone there? My order is late");

    const notified = await agent.waitForFunction(() => window.__notifications.find((note) => /Anyone there|New chat/.test(`${note.title} ${note.body}`)));
    const note = await notified.jsonValue();
    assert.match(`${note.title} ${note.body}`, /Visitor|Anyone there/);
    await agent.waitForFunction(() => Number(document.body.dataset.chimes || 0) >= 1);
    assert.match(await agent.title(), /^\(1\) /, "the unread count is in the title");
    assert.equal(await agent.locator("link[rel=icon]").getAttribute("data-unread"), "1");

    await agent.bringToFront();
    await setHidden(agent, false);
    await agent.evaluate(() => window.__notifications.at(-1).click());
    await agent.getByTestId("agent-message").filter({ hasText: "My order is late" }).waitFor();
    await agent.waitForFunction(() => !/^\(/.test(document.title));
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await server.stop();
  }
});

test("the archive finds a message from an ended chat by its words", async () => {
  const server = await startServer();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    await visitorSays(context, server, "Is the Ridge tent waterproof?");
    const agent = await agentOn(context, server, "Ridge tent");
    const errors = watchErrors(agent);
    await agent.getByTestId("agent-end-chat").click();
    await agent.getByTestId("agent-chat-state").filter({ hasText: "Ended" }).waitFor();

    await agent.getByTestId("agent-tab-archive").click();
    await agent.getByTestId("agent-archive-search").fill("waterpr");
    await agent.getByTestId("agent-archive-search").press("Enter");
    await agent.getByTestId("agent-archive-total").filter({ hasText: "1 chat found." }).waitFor();
    await audit(agent, "archive");
    await agent.getByTestId("agent-archive-item").filter({ hasText: "Ridge tent" }).click();
    await agent.getByTestId("agent-message").filter({ hasText: "waterproof" }).waitFor();
    await agent.getByTestId("agent-archive-search").fill("snowshoes");
    await agent.getByTestId("agent-archive-search").press("Enter");
    await agent.getByTestId("agent-archive-total").filter({ hasText: "Nothing found." }).waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await server.stop();
  }
});

test("transfers list the agents and groups of the configuration in use, with status and load", async () => {
  const server = await startServer({ config: TEAM_CONFIG });
  const context = await browser.newContext({ viewport: { width: 820, height: 1100 } });
  try {
    await visitorSays(context, server, "My stove broke");
    const agent = await agentOn(context, server, "My stove broke");
    const errors = watchErrors(agent);
    const options = await agent.getByTestId("agent-transfer-target").locator("option").allTextContents();
    assert.deepEqual(options, ["Choose…", "Sven (offline, 0 of 4 chats)", "Group: Front desk", "Group: Warranty claims"]);
    // Tablet width: nothing runs off the side.
    assert.ok(await agent.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), "no sideways scrolling at tablet width");
    await agent.screenshot({ path: join(ARTIFACTS, "agent-app-tablet.png") });
    await audit(agent, "tablet");

    // Sven is offline: the transfer is refused, and the app says why.
    await agent.getByTestId("agent-transfer-target").selectOption("agent:sven@acme.example");
    await agent.getByTestId("agent-transfer").click();
    await agent.getByTestId("agent-notice").filter({ hasText: "Could not transfer the chat" }).waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await server.stop();
  }
});

test("the shortcuts list opens with ? and Alt+N opens the waiting chat", async () => {
  const server = await startServer();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const agent = await context.newPage();
    const errors = watchErrors(agent);
    // Not signed in, the app asks for an e-mail and password.
    await agent.goto(`${server.url}/agent/`);
    await agent.getByTestId("console-signin").waitFor();
    await audit(agent, "sign-in");
    await agent.getByLabel("E-mail").fill("anna@acme.example");
    await agent.getByLabel("Password").fill(firstPassword(server, "anna@acme.example"));
    await agent.getByRole("button", { name: "Sign in" }).click();
    await agent.locator("body[data-ready='1']").waitFor();
    await agent.getByTestId("agent-presence").click();
    await agent.locator("[data-testid=agent-presence][aria-pressed=false]").waitFor();
    await visitorSays(context, server, "Waiting for someone");
    await agent.getByTestId("agent-queue-count").filter({ hasText: "1 waiting" }).waitFor();
    await agent.bringToFront();
    await agent.keyboard.press("Alt+KeyN");
    await agent.getByTestId("agent-message").filter({ hasText: "Waiting for someone" }).waitFor();
    await agent.locator("body").press("?");
    await agent.getByTestId("agent-help").waitFor();
    await audit(agent, "shortcuts");
    await agent.keyboard.press("Escape");
    await agent.getByTestId("agent-help").waitFor({ state: "detached" });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await server.stop();
  }
});
