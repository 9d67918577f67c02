// The widget's surfaces and states in headless Chromium against the real server running
// the demo configuration (pre-chat, ticket and post-chat forms, two groups, greetings):
// forms with every field type and their validation, the offline ticket, languages and
// right-to-left layout, the dark theme, rating, and an accessibility audit (axe-core) of
// each state. Screenshots of the main states, on desktop and phone, go to e2e/artifacts.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ACCOUNT, ARTIFACTS, ROOT, launchBrowser, startServer, watchErrors, signInAgent } from "./support.mjs";
import { SNIPPET, startSite } from "./host-site.mjs";

const DEMO_CONFIG = join(ROOT, "config", "demo.toml");
const AXE = readFileSync(join(ROOT, "node_modules", "axe-core", "axe.min.js"), "utf8");
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 420, height: 680 };

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/** Runs axe-core in the widget page; fails with the violations, if any. */
async function audit(page, state) {
  // Evaluated through the test driver: the widget's CSP rightly refuses inline scripts.
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    const { violations } = await window.axe.run(document, { resultTypes: ["violations"] });
    return violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      nodes: violation.nodes.map((node) => node.target.join(" ")).slice(0, 5),
    }));
  });
  assert.deepEqual(result, [], `accessibility violations in the ${state} state`);
}

/** The agent app signed in (so agents are online), in its own context. */
async function agentOnline(server) {
  const context = await browser.newContext();
  const agent = await context.newPage();
  await signInAgent(agent, server.url);
  return { agent, close: () => context.close() };
}

async function widgetPage(server, query, viewport = DESKTOP) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(`${server.url}/widget/?account=${encodeURIComponent(ACCOUNT)}${query}`);
  return { page, errors, close: () => context.close() };
}

test("the pre-chat form shows every field type, explains mistakes, then starts the chat", async () => {
  const server = await startServer({ config: DEMO_CONFIG });
  const { agent, close: closeAgent } = await agentOnline(server);
  const { page, errors, close } = await widgetPage(server, "");
  try {
    await page.locator("[data-testid=cw-window][data-step=prechat]").waitFor();
    const types = await page.locator(".cw-form [data-type]").evaluateAll((nodes) => nodes.map((node) => node.dataset.type));
    assert.deepEqual(types, ["name", "email", "phone", "radio", "select", "checkbox", "group_chooser"]);
    assert.match(await page.locator(".cw-form__header").textContent(), /Welcome to Acme Outdoor/);
    await audit(page, "pre-chat");
    await page.screenshot({ path: join(ARTIFACTS, "prechat-desktop.png") });

    // Nothing filled in: each required field says so, and focus goes to the first.
    await page.getByTestId("cw-prechat-submit").click();
    assert.equal(await page.getByTestId("cw-prechat-name-error").textContent(), "Please fill in this field.");
    assert.equal(await page.getByTestId("cw-prechat-topic-error").textContent(), "Please fill in this field.");
    assert.equal(await page.getByTestId("cw-prechat-name").getAttribute("aria-invalid"), "true");
    assert.equal(await page.evaluate(() => document.activeElement.dataset.fieldId), "name");

    await page.getByTestId("cw-prechat-name").fill("Dana");
    await page.getByTestId("cw-prechat-email").fill("dana@");
    await page.getByTestId("cw-prechat-phone").fill("call me maybe");
    await page.getByLabel("A product question").check();
    await page.getByTestId("cw-prechat-activity").selectOption("camping");
    await page.getByLabel("New arrivals").check();
    await page.getByLabel("Sales", { exact: true }).check();
    await page.getByTestId("cw-prechat-submit").click();
    assert.equal(await page.getByTestId("cw-prechat-email-error").textContent(), "Please enter a valid e-mail address.");
    assert.equal(await page.getByTestId("cw-prechat-phone-error").textContent(), "Please enter a valid phone number.");
    assert.equal(await page.getByTestId("cw-prechat-name-error").textContent(), "");

    await page.getByTestId("cw-prechat-email").fill("dana@example.com");
    await page.getByTestId("cw-prechat-phone").fill("+421 900 123 456");
    await page.getByTestId("cw-prechat-submit").click();
    await page.locator("[data-testid=cw-window][data-step=chat]").waitFor();
    await page.getByTestId("cw-composer-input").fill("Which tent for two?");
    await page.getByTestId("cw-composer-input").press("Enter");
    await page.locator("[data-testid=cw-message][data-delivery=sent]").filter({ hasText: "Which tent for two?" }).waitFor();

    // The agent sees the chat with the visitor's name from the form.
    await agent.getByTestId("agent-chat-item").filter({ hasText: "Dana" }).first().waitFor();
    await audit(page, "chat");
    assert.deepEqual(errors, []);
  } finally {
    await close();
    await closeAgent();
    await server.stop();
  }
});

test("with nobody online the visitor leaves a message through the ticket form", async () => {
  const server = await startServer({ config: DEMO_CONFIG });
  const { page, errors, close } = await widgetPage(server, "", PHONE);
  try {
    await page.locator("[data-testid=cw-window][data-step=ticket]").waitFor();
    assert.equal(await page.locator(".cw-header__status").getAttribute("data-online"), "false");
    await audit(page, "offline");
    await page.screenshot({ path: join(ARTIFACTS, "offline-phone.png") });
    await page.getByTestId("cw-ticket-submit").click();
    assert.equal(await page.getByTestId("cw-ticket-email-error").textContent(), "Please fill in this field.");
    await page.getByTestId("cw-ticket-name").fill("Eli");
    await page.getByTestId("cw-ticket-email").fill("eli@example.com");
    await page.getByTestId("cw-ticket-subject").fill("Returns");
    await page.getByTestId("cw-ticket-message").fill("How do I return boots?");
    await page.getByTestId("cw-ticket-submit").click();
    await page.getByTestId("cw-ticket-sent").waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await close();
    await server.stop();
  }
});

test("the lang option picks the strings, and right-to-left languages mirror the window", async () => {
  const server = await startServer();
  try {
    const german = await widgetPage(server, "&lang=de-AT");
    await german.page.locator("[data-testid=cw-window][data-connection=online]").waitFor();
    assert.equal(await german.page.locator(".cw-root").getAttribute("lang"), "de");
    assert.equal(await german.page.locator("#cw-title").textContent(), "Chatten Sie mit uns");
    assert.equal(await german.page.getByTestId("cw-composer-input").getAttribute("placeholder"), "Nachricht schreiben…");
    assert.equal(await german.page.getByTestId("cw-send").getAttribute("aria-label"), "Nachricht senden");
    await german.close();

    const arabic = await widgetPage(server, "&lang=ar", PHONE);
    await arabic.page.locator("[data-testid=cw-window][data-connection=online]").waitFor();
    assert.equal(await arabic.page.locator(".cw-root").getAttribute("dir"), "rtl");
    assert.equal(await arabic.page.locator("#cw-title").textContent(), "تحدث معنا");
    // Mirrored: the send button sits left of the input.
    const input = await arabic.page.getByTestId("cw-composer-input").boundingBox();
    const send = await arabic.page.getByTestId("cw-send").boundingBox();
    assert.ok(send.x < input.x, "the send button is on the left in right-to-left layout");
    await audit(arabic.page, "right-to-left");
    await arabic.page.screenshot({ path: join(ARTIFACTS, "rtl-phone.png") });
    assert.deepEqual(arabic.errors, []);
    await arabic.close();

    const unknown = await widgetPage(server, "&lang=xx");
    await unknown.page.locator("[data-testid=cw-window][data-connection=online]").waitFor();
    assert.equal(await unknown.page.locator("#cw-title").textContent(), "Chat with us", "unknown languages fall back to English");
    await unknown.close();
  } finally {
    await server.stop();
  }
});

/** How the header lays out: each text's line count, and whether every button fits inside. */
async function headerLayout(page) {
  return page.evaluate(() => {
    const header = document.querySelector(".cw-header").getBoundingClientRect();
    const lines = (element) => {
      const style = getComputedStyle(element);
      return Math.round(element.getBoundingClientRect().height / parseFloat(style.lineHeight || style.fontSize));
    };
    // Buttons shown (the standalone page has no minimise button).
    const buttons = [...document.querySelectorAll(".cw-header button")].map((button) => button.getBoundingClientRect()).filter((box) => box.width > 0);
    return {
      title: lines(document.querySelector(".cw-header__title")),
      status: lines(document.querySelector(".cw-header__status")),
      height: header.height,
      fits: buttons.every((box) => box.left >= header.left - 0.5 && box.right <= header.right + 0.5 && box.width >= 24),
      buttons: buttons.length,
    };
  });
}

test("the header keeps one line for the title and one for the status in every language and layout", async () => {
  const server = await startServer();
  const long = encodeURIComponent("Acme Outdoor Equipment customer service and expert advice");
  try {
    for (const [lang, viewport, name] of [["en", { width: 360, height: 640 }, "narrow"], ["de-AT", DESKTOP, "desktop"], ["ar", PHONE, "phone"]]) {
      const { page, errors, close } = await widgetPage(server, `&lang=${lang}&title=${long}`, viewport);
      await page.locator("[data-testid=cw-window][data-connection=online]").waitFor();
      await page.getByTestId("cw-composer-input").fill("Hello");
      await page.getByTestId("cw-composer-input").press("Enter");
      // The chat has started: the end-chat button joins the sound, size and minimise ones.
      await page.getByTestId("cw-end-chat").waitFor();
      assert.equal(await page.getByTestId("cw-end-chat").getAttribute("aria-label"), { en: "End chat", "de-AT": "Chat beenden", ar: "إنهاء المحادثة" }[lang]);
      const layout = await headerLayout(page);
      assert.equal(layout.title, 1, `${lang}: the title wraps (${JSON.stringify(layout)})`);
      assert.equal(layout.status, 1, `${lang}: the status wraps (${JSON.stringify(layout)})`);
      assert.ok(layout.fits, `${lang}: a header button is cut off (${JSON.stringify(layout)})`);
      assert.ok(layout.height <= 72, `${lang}: the header is ${layout.height}px tall`);
      await page.screenshot({ path: join(ARTIFACTS, `header-${name}-${lang}.png`) });
      assert.deepEqual(errors, []);
      await close();
    }
  } finally {
    await server.stop();
  }
});

test("the dark theme recolours the window and keeps it readable", async () => {
  const server = await startServer();
  const { page, errors, close } = await widgetPage(server, "&theme=dark", PHONE);
  try {
    await page.locator("[data-testid=cw-window][data-connection=online]").waitFor();
    assert.equal(await page.locator(".cw-root").getAttribute("data-theme"), "dark");
    const background = await page.locator(".cw-window").evaluate((node) => getComputedStyle(node).backgroundColor);
    assert.equal(background, "rgb(21, 24, 29)");
    await audit(page, "dark");
    await page.screenshot({ path: join(ARTIFACTS, "dark-phone.png") });
    assert.deepEqual(errors, []);
  } finally {
    await close();
    await server.stop();
  }
});

test("a site's stylesheet and CSS text restyle the widget through the loader, never from a link", async () => {
  const server = await startServer();
  const site = await startSite();
  const context = await browser.newContext({ viewport: DESKTOP });
  await context.route("https://cdn.example/**", (route) =>
    route.fulfill({ contentType: "text/css", body: ".cw-root { --cw-accent: #0a7d4f; }" }),
  );
  const page = await context.newPage();
  const errors = watchErrors(page);
  const accent = (frame, rgb) => frame.waitForFunction((rgb) => {
    const header = document.querySelector(".cw-header");
    return header && getComputedStyle(header).backgroundColor === rgb;
  }, rgb);
  const embedded = async (options) => {
    const url = site.page(`/styled-${Math.random().toString(36).slice(2)}`, {
      body: `<script>${SNIPPET}\nlivechat.embed.init(Object.assign({ account: ${JSON.stringify(ACCOUNT)} }, ${JSON.stringify(options)}));
        livechat.call("maximize");</script><script async src="${server.url}/embed.js"></script>`,
    });
    await page.goto(url);
    const frame = await (await page.waitForSelector("[data-livechat] iframe")).contentFrame();
    await frame.waitForSelector(".cw-header");
    return frame;
  };
  try {
    // The site's own loader passes its stylesheet or CSS text to the widget.
    await accent(await embedded({ css_file: "https://cdn.example/chat.css" }), "rgb(10, 125, 79)");
    await accent(await embedded({ css_text: ".cw-root { --cw-radius: 3px; --cw-accent: #7a1f5c }" }), "rgb(122, 31, 92)");

    // A link to the standalone page cannot bring styles along: anyone could send a visitor
    // one, and a stylesheet can read the page.
    await page.goto(`${server.url}/widget/?account=${encodeURIComponent(ACCOUNT)}&css_file=${encodeURIComponent("https://cdn.example/chat.css")}&css_text=${encodeURIComponent(".cw-root { --cw-accent: #7a1f5c }")}`);
    await page.locator(".cw-header").waitFor();
    const standalone = await page.locator(".cw-header").evaluate((header) => getComputedStyle(header).backgroundColor);
    assert.notEqual(standalone, "rgb(10, 125, 79)");
    assert.notEqual(standalone, "rgb(122, 31, 92)");
    assert.equal(await page.locator("link[href*='cdn.example']").count(), 0);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await server.stop();
    await site.close();
  }
});

test("after the chat ends the visitor rates it, comments, and can take the rating back", async () => {
  const server = await startServer();
  const { agent, close: closeAgent } = await agentOnline(server);
  const { page, errors, close } = await widgetPage(server, "&rating=stars");
  try {
    await page.getByTestId("cw-composer-input").fill("Thanks for the help");
    await page.getByTestId("cw-composer-input").press("Enter");
    await page.locator("[data-testid=cw-message][data-author=visitor][data-delivery=sent]").waitFor();
    await agent.getByTestId("agent-chat-item").first().click();
    await agent.getByTestId("agent-composer-input").fill("Anytime!");
    await agent.getByTestId("agent-send").click();
    await page.locator("[data-testid=cw-message][data-author=agent]").filter({ hasText: "Anytime!" }).waitFor();

    await page.getByTestId("cw-end-chat").click();
    const rating = page.getByTestId("cw-rating");
    await rating.waitFor();
    assert.equal(await rating.getAttribute("data-mode"), "stars");
    await audit(page, "rating");
    await page.getByTestId("cw-rate-4").click();
    await page.getByTestId("cw-rating-status").filter({ hasText: "Thanks for your feedback!" }).waitFor();
    assert.equal(await page.getByTestId("cw-rate-4").getAttribute("aria-pressed"), "true");
    assert.equal(await page.getByTestId("cw-rate-5").getAttribute("aria-pressed"), "false");
    await page.getByTestId("cw-rating-comment").fill("Quick and friendly");
    await page.getByTestId("cw-rating-send").click();
    // The transcript notes the rating, as the agent sees it too.
    await page.locator("[data-testid=cw-message][data-author=system]").filter({ hasText: /rated/i }).first().waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "rating-desktop.png") });

    await page.getByTestId("cw-rating-cancel").click();
    await page.getByTestId("cw-rating-status").filter({ hasText: /^$/ }).waitFor({ state: "attached" });
    assert.equal(await page.getByTestId("cw-rate-4").getAttribute("aria-pressed"), "false");
    assert.deepEqual(errors, []);
  } finally {
    await close();
    await closeAgent();
    await server.stop();
  }
});

test("files go out with progress, arrive as a thumbnail, and oversized ones are refused", async () => {
  const server = await startServer();
  const { agent, close: closeAgent } = await agentOnline(server);
  const { page, errors, close } = await widgetPage(server, "");
  try {
    await page.locator("[data-testid=cw-window][data-connection=online]").waitFor();
    // A 1×1 PNG.
    const png = Buffer.from(
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
      "base64",
    );
    await page.getByTestId("cw-file-input").setInputFiles({ name: "tent.png", mimeType: "image/png", buffer: png });
    const image = page.locator("[data-testid=cw-message][data-kind=file]").getByTestId("cw-image");
    await image.waitFor();
    await page.getByTestId("cw-uploads").waitFor({ state: "hidden" });
    await image.click();
    await page.getByTestId("cw-viewer").waitFor();
    await page.keyboard.press("Escape");
    await page.getByTestId("cw-viewer").waitFor({ state: "detached" });
    await agent.getByTestId("agent-chat-item").first().click();
    await agent.getByTestId("agent-file").locator("img[src*='/uploads/']").waitFor();

    const big = Buffer.alloc(10 * 1024 * 1024 + 1, 7);
    await page.getByTestId("cw-file-input").setInputFiles({ name: "huge.bin", mimeType: "application/octet-stream", buffer: big });
    const failed = page.locator("[data-testid=cw-upload][data-failed=true]");
    await failed.waitFor();
    assert.equal(await failed.locator(".cw-upload__error").textContent(), "huge.bin is larger than 10 MB.");
    await page.getByTestId("cw-upload-dismiss").click();
    await failed.waitFor({ state: "detached" });
    assert.deepEqual(errors, []);
  } finally {
    await close();
    await closeAgent();
    await server.stop();
  }
});

test("an agent's card shows its buttons, and pressing one answers with its text", async () => {
  const server = await startServer();
  const { agent, close: closeAgent } = await agentOnline(server);
  const { page, errors, close } = await widgetPage(server, "");
  try {
    await page.getByTestId("cw-composer-input").fill("Do you have tents?");
    await page.getByTestId("cw-composer-input").press("Enter");
    await page.locator("[data-testid=cw-message][data-author=visitor][data-delivery=sent]").waitFor();
    await agent.getByTestId("agent-chat-item").first().click();
    await agent.getByTestId("agent-send-card").click();
    await agent.getByTestId("agent-card-title").fill("Need a tent?");
    await agent.getByTestId("agent-card-button-text-0").fill("Yes please");
    await agent.getByTestId("agent-card-submit").click();

    const card = page.locator("[data-testid=cw-message][data-kind=rich]");
    await card.waitFor();
    assert.equal(await card.locator(".cw-rich__title").textContent(), "Need a tent?");
    const button = card.locator("button[data-kind=message]");
    assert.equal(await button.getAttribute("aria-pressed"), "false");
    await audit(page, "rich message");
    await button.click();
    await page.locator("[data-testid=cw-message][data-author=visitor]").filter({ hasText: "Yes please" }).waitFor();
    await card.locator("button[data-kind=message][aria-pressed=true]").waitFor();
    // The card (with its button) and the visitor's answer.
    await agent.getByTestId("agent-message").filter({ hasText: "Yes please" }).nth(1).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "card-desktop.png") });
    assert.deepEqual(errors, []);
  } finally {
    await close();
    await closeAgent();
    await server.stop();
  }
});

test("a greeting invites the visitor, who can reply to it or dismiss it", async () => {
  const server = await startServer({ config: join(ROOT, "e2e", "config", "greeting.toml") });
  const { agent, close: closeAgent } = await agentOnline(server);
  const { page, errors, close } = await widgetPage(server, "");
  try {
    const greeting = page.getByTestId("cw-greeting");
    await greeting.waitFor();
    assert.match(await greeting.textContent(), /Can I help you find the right tent\?/);
    assert.match(await greeting.textContent(), /Anna/);
    await audit(page, "greeting");
    await page.getByTestId("cw-greeting-accept").click();
    await greeting.waitFor({ state: "detached" });
    // Accepting starts the chat with the greeting in it.
    await page.locator("[data-testid=cw-message][data-author=agent]").filter({ hasText: "right tent" }).waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await close();
    await closeAgent();
    await server.stop();
  }
});

test("after the chat the post-chat form is answered before the rating; the closed bubble passes the audit", async () => {
  const server = await startServer({ config: DEMO_CONFIG });
  const { agent, close: closeAgent } = await agentOnline(server);
  const host = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    // Closed: the host page with only the bubble.
    const demo = await host.newPage();
    await demo.goto(server.url + "/");
    await demo.locator("[data-livechat] button").waitFor();
    await audit(demo, "closed");

    const { page, errors, close } = await widgetPage(server, "");
    await page.getByTestId("cw-prechat-name").fill("Dana");
    await page.getByLabel("Something else").check();
    await page.getByLabel("General", { exact: true }).check();
    await page.getByTestId("cw-prechat-submit").click();
    await page.getByTestId("cw-composer-input").fill("Just browsing, thanks");
    await page.getByTestId("cw-composer-input").press("Enter");
    // The pre-chat answers are a visitor row too: wait for this message's own.
    await page.locator("[data-testid=cw-message][data-author=visitor][data-delivery=sent]").filter({ hasText: "Just browsing, thanks" }).waitFor();
    await agent.getByTestId("agent-chat-item").filter({ hasText: "Dana" }).first().click();
    await agent.getByTestId("agent-end-chat").click();

    const postchat = page.getByTestId("cw-postchat");
    await postchat.waitFor();
    assert.equal(await page.getByTestId("cw-rating").count(), 0, "the rating waits for the form");
    await page.getByLabel("Good").check();
    await page.getByTestId("cw-postchat-comment").fill("Quick answers");
    await page.getByTestId("cw-postchat-submit").click();
    await postchat.waitFor({ state: "detached" });
    await page.getByTestId("cw-rating").waitFor();
    // The answers are part of the transcript, for the agent too.
    await page.getByTestId("cw-filled-form").filter({ hasText: "Quick answers" }).waitFor();
    await agent.getByTestId("agent-message").filter({ hasText: "Quick answers" }).waitFor();
    assert.deepEqual(errors, []);
    await close();
  } finally {
    await host.close();
    await closeAgent();
    await server.stop();
  }
});

test("earlier conversations load on demand above the current one", async () => {
  const server = await startServer();
  const { agent, close: closeAgent } = await agentOnline(server);
  const { page, errors, close } = await widgetPage(server, "");
  try {
    const say = async (text) => {
      await page.getByTestId("cw-composer-input").fill(text);
      await page.getByTestId("cw-composer-input").press("Enter");
      await page.locator("[data-testid=cw-message][data-author=visitor][data-delivery=sent]").filter({ hasText: text }).waitFor();
    };
    await say("first visit question");
    await agent.getByTestId("agent-chat-item").first().click();
    await agent.getByTestId("agent-end-chat").click();
    await page.getByTestId("cw-rating").waitFor();
    await say("back again");

    await page.reload();
    await page.locator("[data-testid=cw-message]").filter({ hasText: "back again" }).waitFor();
    const older = page.getByTestId("cw-load-older");
    await older.click();
    await page.locator("[data-testid=cw-message]").filter({ hasText: "first visit question" }).waitFor();
    const texts = await page.locator("[data-testid=cw-message][data-author=visitor] .cw-message__text").allTextContents();
    assert.deepEqual(texts, ["first visit question", "back again"], "one ordered transcript");
    await older.waitFor({ state: "detached" });
    assert.deepEqual(errors, []);
  } finally {
    await close();
    await closeAgent();
    await server.stop();
  }
});
