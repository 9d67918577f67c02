// Accounts end to end, in headless Chromium against the real server on the demo's own
// configuration (an owner, Anna, and an agent, Ben): signing in with a password, the
// session surviving a reload out of reach of page scripts, roles (an agent sees no admin
// pages and is refused admin actions over the socket), an API token made in the app,
// used by a program and revoked, a password change, signing out everywhere, and a report
// whose figures match the chats the test had.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { connectAgent, connectCustomer } from "./agent-api.mjs";
import { ROOT, firstPassword, launchBrowser, startServer, watchErrors, audit, signInWithPassword } from "./support.mjs";

const DEMO_CONFIG = join(ROOT, "config", "demo.toml");
const ANNA = "anna@acme.example";
const BEN = "ben@acme.example";

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** A refused sign-in is a 4xx answer, which Chromium reports on the console as well. */
function unexpected(errors) {
  return errors.filter((error) => !/Failed to load resource: the server responded with a status of (401|403)/.test(error));
}

test("an owner signs in, makes an API token a program signs in with, and revokes it", async () => {
  const server = await startServer({ config: DEMO_CONFIG });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${server.url}/agent/`);
    await page.getByTestId("console-signin").waitFor();
    await page.getByLabel("E-mail").fill(ANNA);
    await page.getByLabel("Password").fill("not her password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByTestId("console-signin-error").filter({ hasText: "Wrong e-mail or password." }).waitFor();
    assert.equal(await page.getByLabel("Password").inputValue(), "", "the wrong password is cleared");
    assert.equal(await page.evaluate(() => document.activeElement.id), "console-password");
    await audit(page, "sign-in with an error");

    await page.getByLabel("Password").fill(firstPassword(server, ANNA));
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator("body[data-ready='1']").waitFor();
    await page.getByTestId("agent-me").filter({ hasText: "Anna" }).waitFor();
    assert.equal(await page.evaluate(() => document.cookie), "", "page scripts cannot read the session");
    // A reload keeps the sign-in.
    await page.reload();
    await page.locator("body[data-ready='1']").waitFor();
    assert.equal(await page.getByTestId("console-signin").count(), 0);

    // The owner makes a token for Ben's bot; its secret shows once.
    await page.getByTestId("agent-api-tokens").click();
    await page.getByTestId("agent-tokens-dialog").waitFor();
    await page.getByTestId("agent-token-none").waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), "agent-token-name");
    await audit(page, "API tokens");
    await page.getByTestId("agent-token-name").fill("Ben's bot");
    await page.getByTestId("agent-token-agent").selectOption(BEN);
    await page.getByTestId("agent-token-expiry").selectOption({ label: "30 days" });
    await page.getByRole("button", { name: "Make token" }).click();
    await page.getByTestId("agent-token-secret").waitFor();
    const secret = await page.getByTestId("agent-token-value").inputValue();
    assert.match(secret, /^[0-9a-f]{64}$/);
    await audit(page, "a new API token");
    await page.getByTestId("agent-token-done").click();
    await page.getByTestId("agent-token-secret").waitFor({ state: "detached" });
    const row = page.getByTestId("agent-token-row").filter({ hasText: "Ben's bot" });
    await row.filter({ hasText: BEN }).waitFor();
    await row.filter({ hasText: "Not yet" }).waitFor();

    // A program signs in with it as Ben.
    const bot = await connectAgent(server, secret);
    assert.equal(bot.login.my_profile.id, BEN);
    assert.equal(bot.login.my_profile.permission, "normal");

    // Revoking takes two clicks and cuts the program off at once.
    await row.getByRole("button", { name: "Revoke Ben's bot" }).click();
    await row.getByRole("button", { name: "Revoke Ben's bot" }).filter({ hasText: "Confirm revoke" }).click();
    await page.getByTestId("agent-token-none").waitFor();
    const gone = await bot.push("agent_disconnected");
    assert.equal(gone.reason, "access_token_revoked");
    await assert.rejects(connectAgent(server, secret), /invalid agent token/);
    await page.keyboard.press("Escape");
    await page.getByTestId("agent-tokens-dialog").waitFor({ state: "detached" });
    assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), "agent-api-tokens");
    assert.deepEqual(unexpected(errors), []);
  } finally {
    await context.close();
    await server.stop();
  }
});

test("an agent sees no admin pages, is refused admin actions, changes a password and signs out everywhere", async () => {
  const server = await startServer({ config: DEMO_CONFIG });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signInWithPassword(page, server, BEN, firstPassword(server, BEN));
    await page.getByTestId("agent-me").filter({ hasText: "Ben" }).waitFor();
    assert.equal(await page.getByTestId("agent-api-tokens").count(), 0, "no API tokens page for an agent");

    // Ben's own session over the socket, from the app's page: admin actions are refused.
    const refused = await page.evaluate(async () => {
      const socket = new WebSocket(`${location.origin.replace(/^http/, "ws")}/v3.5/agent/rtm/ws`);
      const answers = {};
      await new Promise((resolve) => {
        socket.onopen = () => socket.send(JSON.stringify({ request_id: "1", action: "login", payload: { token: "" } }));
        socket.onmessage = (message) => {
          const frame = JSON.parse(message.data);
          if (frame.type !== "response") return;
          answers[frame.request_id] = frame;
          if (frame.request_id === "1") socket.send(JSON.stringify({ request_id: "2", action: "create_api_token", payload: { name: "mine" } }));
          if (frame.request_id === "2") socket.send(JSON.stringify({ request_id: "3", action: "list_api_tokens", payload: {} }));
          if (frame.request_id === "3") socket.send(JSON.stringify({ request_id: "4", action: "get_report", payload: { from: "2026-01-01", to: "2026-01-02" } }));
          if (frame.request_id === "4") resolve();
        };
      });
      socket.close();
      return [answers["1"].payload.my_profile.permission, answers["2"].payload.error.type, answers["3"].payload.error.type, answers["4"].payload.error.type];
    });
    assert.deepEqual(refused, ["normal", "authorization", "authorization", "authorization"]);
    assert.equal(await page.getByTestId("agent-reports").count(), 0, "no reports page for an agent");

    // A second tab of the same browser, then a password change from the first.
    const second = await context.newPage();
    await second.goto(`${server.url}/agent/`);
    await second.locator("body[data-ready='1']").waitFor();
    await page.bringToFront();
    await page.getByTestId("agent-account").click();
    await page.getByTestId("agent-account-dialog").waitFor();
    await page.getByTestId("agent-account-who").filter({ hasText: "Ben (ben@acme.example), agent" }).waitFor();
    await audit(page, "account");
    await page.getByTestId("agent-password-current").fill("not the password");
    await page.getByTestId("agent-password-new").fill("a-new-password-1");
    await page.getByTestId("agent-password-again").fill("a-new-password-1");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByTestId("agent-account-error").filter({ hasText: "The current password is not right." }).waitFor();
    await page.getByTestId("agent-password-current").fill(firstPassword(server, BEN));
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByTestId("agent-account-done").filter({ hasText: "Password changed" }).waitFor();
    // Signing out everywhere ends the browser's session in every tab (a session is per
    // browser, so both tabs share it) and on every other device.
    await page.getByTestId("agent-sign-out-everywhere").click();
    await page.getByTestId("console-signin").waitFor();
    await second.getByTestId("agent-sign-in-again").waitFor();

    // The old password no longer works; the new one does.
    await page.getByLabel("E-mail").fill(BEN);
    await page.getByLabel("Password").fill(firstPassword(server, BEN));
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByTestId("console-signin-error").filter({ hasText: "Wrong e-mail or password." }).waitFor();
    await page.getByLabel("Password").fill("a-new-password-1");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator("body[data-ready='1']").waitFor();
    await page.getByTestId("agent-me").filter({ hasText: "Ben" }).waitFor();
    assert.deepEqual(unexpected(errors), []);
  } finally {
    await context.close();
    await server.stop();
  }
});

/** A visitor over the customer API from Node who starts a chat saying `text`. */
async function visitorChat(server, text) {
  const visitor = await connectCustomer(server);
  const started = await visitor.request("start_chat", { chat: { thread: { events: [{ type: "message", text }] } } });
  return { ...visitor, chatId: started.chat_id, threadId: started.thread_id };
}

test("a report shows the figures of the chats that happened, in numbers, charts and CSV", async () => {
  const server = await startServer({ config: DEMO_CONFIG });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    // Today: one chat answered and rated good with a comment, one ended unanswered.
    const anna = await connectAgent(server);
    const answered = await visitorChat(server, "Is the tent waterproof?");
    await anna.request("send_event", { chat_id: answered.chatId, event: { type: "message", text: "Yes, to 3000 mm." } });
    await answered.request("update_thread_properties", {
      chat_id: answered.chatId, thread_id: answered.threadId, properties: { rating: { score: 1, comment: "Very helpful" } },
    });
    await anna.request("deactivate_chat", { id: answered.chatId });
    const missed = await visitorChat(server, "Hello? Anyone?");
    await anna.request("deactivate_chat", { id: missed.chatId });
    answered.close();
    missed.close();

    const page = await context.newPage();
    const errors = watchErrors(page);
    await signInWithPassword(page, server, ANNA, firstPassword(server, ANNA));
    await page.getByTestId("agent-reports").click();
    await page.getByTestId("agent-reports-dialog").waitFor();
    await page.getByTestId("agent-report-chats").filter({ hasText: "2" }).waitFor();
    assert.equal(await page.getByTestId("agent-report-answered").textContent(), "1");
    assert.equal(await page.getByTestId("agent-report-missed").textContent(), "1");
    assert.match(await page.getByTestId("agent-report-first-response").textContent(), /^\d+ s median/);
    assert.equal(await page.getByTestId("agent-report-ratings").textContent(), "100% good (1 good, 0 bad)");
    await page.getByTestId("agent-report-comments").filter({ hasText: "Good: Very helpful" }).waitFor();
    // Today's bar holds both chats, its missed part one; the hours add up to two.
    const today = page.locator("[data-testid=agent-report-per-day] rect.chart__bar:not(.chart__bar--missed)").last();
    assert.equal(await today.getAttribute("data-value"), "2");
    const missedToday = page.locator("[data-testid=agent-report-per-day] rect.chart__bar--missed").last();
    assert.equal(await missedToday.getAttribute("data-value"), "1");
    const hours = await page.locator("[data-testid=agent-report-per-hour] rect").evaluateAll((bars) => bars.reduce((sum, bar) => sum + Number(bar.dataset.value), 0));
    assert.equal(hours, 2);
    const csv = decodeURIComponent((await page.getByTestId("agent-report-csv").getAttribute("href")).replace(/^data:text\/csv;charset=utf-8,/, ""));
    assert.match(csv, /^figure,value\n/);
    assert.match(csv, /\nchats,2\nanswered,1\nmissed,1\n/);
    assert.match(csv, /\ngood,Very helpful,/);
    await audit(page, "reports");

    // One agent's chats: Ben wrote in none.
    await page.getByTestId("agent-report-agent").selectOption({ label: "Ben" });
    await page.getByRole("button", { name: "Show" }).click();
    await page.getByTestId("agent-report-chats").filter({ hasText: /^0$/ }).waitFor();
    await page.getByTestId("agent-report-no-comments").waitFor();
    assert.deepEqual(unexpected(errors), []);
    anna.close();
  } finally {
    await context.close();
    await server.stop();
  }
});
