// Host pages that make life hard for an embedded widget: global CSS aimed at every
// element, built-ins replaced before and after the loader ran, a strict
// Content-Security-Policy; and a page that never shows intent, which must cost no more
// than the two loader scripts.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ACCOUNT, launchBrowser, startServer, watchErrors } from "./support.mjs";
import { RECORDER, SNIPPET, startSite } from "./host-site.mjs";

let server;
let site;
let browser;

before(async () => {
  [server, site, browser] = await Promise.all([startServer(), startSite(), launchBrowser()]);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await site?.close();
});

const HOSTILE_CSS = `<style>
  *, *::before, *::after { box-sizing: content-box !important; transition: none !important; }
  div { display: inline !important; position: static !important; opacity: .2 !important;
        transform: scale(.3) !important; filter: blur(3px) !important; z-index: -1 !important;
        visibility: hidden !important; width: 1px !important; height: 1px !important; overflow: hidden !important; }
  button { background: red !important; width: 5px !important; display: none !important; }
  iframe { display: none !important; width: 0 !important; height: 0 !important; }
  svg { display: none !important; }
</style>`;

// Replaced before the snippet. The page itself (and the test driver) may still use them,
// but a call from the chat's scripts throws and is recorded in window.misuse.
const PATCH_EARLY = `(function () {
  window.misuse = [];
  var construct = Reflect.construct;
  function broken(owner, name, label) {
    var original = owner[name];
    owner[name] = function () {
      var stack = String(new Error().stack);
      if (stack.indexOf("/embed.js") >= 0 || stack.indexOf("/widget/api.js") >= 0) {
        window.misuse[window.misuse.length] = label;
        throw new Error("patched " + label + " was called by the chat's scripts");
      }
      return new.target ? construct(original, arguments) : original.apply(this, arguments);
    };
  }
  window.breakForChat = broken;
  broken(JSON, "stringify", "JSON.stringify");
  broken(JSON, "parse", "JSON.parse");
  var names = ["push", "forEach", "map", "filter", "indexOf", "slice", "concat", "join", "some", "includes", "splice"];
  for (var i = 0; i < names.length; i++) broken(Array.prototype, names[i], "Array.prototype." + names[i]);
  broken(Object, "keys", "Object.keys");
  broken(Object, "assign", "Object.assign");
  broken(Function.prototype, "bind", "Function.prototype.bind");
  Object.prototype.polluted = "from the page";
})();`;

test("hostile global CSS and patched built-ins leave an intact, working widget", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(
    site.page("/hostile", {
      head: HOSTILE_CSS,
      body: `<p>A page at war with its neighbours.</p><script>${PATCH_EARLY}${SNIPPET}${RECORDER}
        livechat.embed.init({ account: ${JSON.stringify(ACCOUNT)}, onchatstart: record("onchatstart"), onchange: record("onchange") });
      </script><script async src="${server.url}/embed.js"></script>`,
    }),
  );
  const bubble = page.locator("[data-livechat] button");
  await bubble.waitFor();
  // A library loaded after the loader replaces more built-ins; the API kept its own.
  await page.evaluate(() => {
    window.breakForChat(window, "Promise", "Promise");
    window.breakForChat(window, "MessageChannel", "MessageChannel");
    window.breakForChat(Reflect, "apply", "Reflect.apply");
    window.breakForChat(Object.prototype, "hasOwnProperty", "Object.prototype.hasOwnProperty");
    window.breakForChat(window, "URL", "URL");
    window.breakForChat(window, "setTimeout", "setTimeout");
  });
  const box = await bubble.boundingBox();
  assert.ok(box && box.width >= 56 && box.height >= 56, `bubble is ${JSON.stringify(box)}`);
  assert.equal(await bubble.evaluate((button) => getComputedStyle(button).backgroundColor), "rgb(36, 80, 211)");
  assert.equal(await page.locator("[data-livechat]").evaluate((host) => getComputedStyle(host).position), "fixed");
  assert.equal(await page.locator("[data-livechat]").evaluate((host) => getComputedStyle(host).opacity), "1");

  await bubble.click();
  const frame = page.locator("[data-livechat] iframe");
  await frame.waitFor();
  const frameBox = await frame.boundingBox();
  assert.ok(frameBox.width >= 300 && frameBox.height >= 300, `window is ${JSON.stringify(frameBox)}`);
  const widget = page.frameLocator("[data-livechat] iframe");
  const input = widget.getByTestId("cw-composer-input");
  await input.fill("hello despite the page");
  await input.press("Enter");
  await widget.locator("[data-testid=cw-message][data-delivery=sent]").filter({ hasText: "hello despite the page" }).waitFor();
  await page.waitForFunction(() => window.seen.length >= 2);
  const seen = await page.evaluate(() => window.seen);
  assert.equal(seen[0].name, "onchange");
  assert.equal(seen[0].data.chat_status, "res");
  assert.equal(seen[1].name, "onchatstart");
  // Commands still answer with a working promise, made from the kept Promise.
  assert.equal(await page.evaluate(() => livechat.call("minimize").then(() => "done")), "done");
  assert.deepEqual(await page.evaluate(() => window.misuse), []);
  assert.deepEqual(errors, []);
  await context.close();
});

test("a strict Content-Security-Policy that allows only the chat server works", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  const violations = [];
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  // No inline script, no inline style, nothing from the page's own origin: the loader
  // starts from its data-account attribute.
  const csp = `default-src 'none'; script-src ${server.url}; frame-src ${server.url}; style-src 'none'; img-src 'none'; connect-src 'none'`;
  await page.goto(site.page("/strict", { csp, body: `<p>Locked down.</p><script async src="${server.url}/embed.js" data-account="${ACCOUNT}"></script>` }));
  const bubble = page.locator("[data-livechat] button");
  await bubble.waitFor();
  assert.equal(await bubble.evaluate((button) => getComputedStyle(button).borderRadius), "50%");
  await bubble.click();
  const widget = page.frameLocator("[data-livechat] iframe");
  const input = widget.getByTestId("cw-composer-input");
  await input.fill("hello under a strict policy");
  await input.press("Enter");
  await widget.locator("[data-testid=cw-message][data-delivery=sent]").filter({ hasText: "hello under a strict policy" }).waitFor();
  assert.equal(await page.evaluate(() => livechat.get("chat_data").active), true);
  assert.deepEqual(violations, []);
  assert.deepEqual(errors, []);
  await context.close();
});

test("before intent the page fetches the two loader scripts and nothing else", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  const requests = [];
  page.on("request", (request) => {
    if (request.url().startsWith(server.url)) requests.push(new URL(request.url()).pathname);
  });
  page.on("websocket", (socket) => requests.push(`websocket ${socket.url()}`));
  await page.goto(site.page("/quiet", { body: `<script>${SNIPPET}livechat.embed.init({ account: ${JSON.stringify(ACCOUNT)} });</script><script async src="${server.url}/embed.js"></script>` }));
  await page.locator("[data-livechat] button").waitFor();
  await page.waitForFunction(() => livechat.embed.status()?.state === "running");
  // Long enough for idle callbacks to have run.
  await page.waitForTimeout(1500);
  assert.deepEqual(requests, ["/embed.js", "/widget/api.js"]);
  assert.equal(await page.locator("[data-livechat] iframe").count(), 0);

  // Hovering is intent: the widget loads (still closed), and connects only when opened.
  await page.locator("[data-livechat] button").hover();
  await page.locator("[data-livechat] iframe[hidden]").waitFor({ state: "attached" });
  await page.waitForFunction(() => livechat.get("state").loaded);
  assert.ok(requests.includes("/widget/"), requests.join(", "));
  assert.ok(!requests.includes("/customer/token"), "a new visitor connects only on opening the chat");
  assert.deepEqual(errors, []);
  await context.close();
});

test("single-page navigation keeps the page's history working", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(site.page("/spa", { body: `<script>${SNIPPET}livechat.embed.init({ account: ${JSON.stringify(ACCOUNT)}, page: "online" });</script><script async src="${server.url}/embed.js"></script>` }));
  await page.frameLocator("[data-livechat] iframe").getByTestId("cw-composer-input").waitFor();
  await page.waitForFunction(() => livechat.get("state").loaded);
  const result = await page.evaluate(() => {
    history.pushState({ step: 1 }, "", "/spa/products");
    history.replaceState({ step: 2 }, "", "/spa/products?sort=price");
    return [location.pathname + location.search, history.state.step];
  });
  assert.deepEqual(result, ["/spa/products?sort=price", 2]);
  await page.goBack();
  assert.equal(new URL(page.url()).pathname, "/spa");
  // The widget stays open and usable across the page's own navigation.
  assert.equal(await page.evaluate(() => livechat.embed.status().open), true);
  assert.deepEqual(errors, []);
  await context.close();
});
