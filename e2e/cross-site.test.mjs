// The widget as a real third party: the host page on another site than the chat server
// (`localhost` against `127.0.0.1`), where the browser partitions or blocks the frame's own
// storage (a fresh headless Chromium profile blocks it). The visitor's identity then lives
// in the site's own storage, handed to the frame over the port, so moving between the
// site's pages keeps one customer and one conversation.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ACCOUNT, launchBrowser, startServer, watchErrors, sendMessage } from "./support.mjs";
import { SNIPPET, startSite } from "./host-site.mjs";

let browser;
let server;
let site;
before(async () => {
  browser = await launchBrowser();
  server = await startServer();
  site = await startSite();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  await site?.close();
});

/** A page of the site, reached as `localhost`: another site than the chat server. */
function crossSite(path) {
  const url = site.page(path, {
    body: `<h1>${path}</h1><script>${SNIPPET}\nlivechat.embed.init({ account: ${JSON.stringify(ACCOUNT)} });</script><script async src="${server.url}/embed.js"></script>`,
  });
  return url.replace("127.0.0.1", "localhost");
}

async function openChat(page) {
  // A visitor who left the window open finds it open on the next page.
  const bubble = page.locator("[data-livechat] button");
  await bubble.waitFor();
  await page.waitForFunction(() => typeof livechat.embed.status() === "object");
  if ((await bubble.getAttribute("aria-expanded")) !== "true") await bubble.click();
  const widget = page.frameLocator("[data-livechat] iframe");
  await widget.locator("[data-testid=cw-window][data-connection=online]").waitFor();
  return widget;
}

test("a visitor moving between the pages of a site on another site than the chat keeps one conversation", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(crossSite("/tents"));
  let widget = await openChat(page);
  const frame = page.frames().find((candidate) => candidate.url().startsWith(`${server.url}/widget/`));
  const frameStorage = await frame.evaluate(() => {
    try {
      localStorage.setItem("livechat.probe", "1");
      localStorage.removeItem("livechat.probe");
      return "usable";
    } catch (error) {
      return "blocked";
    }
  });
  await sendMessage(widget, "Do you have a two-person tent?");

  // The site keeps the identity in its own storage, and only that.
  const kept = await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith("livechat.")));
  assert.ok(kept.includes(`livechat.identity.${ACCOUNT}`), `the site keeps the identity (${kept}); the frame's storage is ${frameStorage}`);
  const identity = await page.evaluate((key) => localStorage.getItem(key), `livechat.identity.${ACCOUNT}`);
  assert.match(identity, /^[\w-]+:[\w-]+$/);
  assert.ok(!kept.some((key) => key.endsWith(".outbox")), "nothing else of the widget's leaves the frame");

  // Two more pages of the site, then back: the same customer and conversation each time.
  for (const path of ["/sleeping-bags", "/checkout", "/tents"]) {
    await page.goto(crossSite(path));
    widget = await openChat(page);
    await widget.locator("[data-testid=cw-message][data-author=visitor]").filter({ hasText: "Do you have a two-person tent?" }).waitFor();
  }
  await sendMessage(widget, "And a stove?");
  assert.equal(await widget.locator("[data-testid=cw-message][data-author=visitor]").count(), 2, "one conversation, not a new one per page");
  assert.equal(await page.evaluate((key) => localStorage.getItem(key), `livechat.identity.${ACCOUNT}`), identity, "one customer");
  assert.deepEqual(errors.filter((error) => error.startsWith("pageerror")), []);
  await context.close();
});
