// Host options that reach routing and the agents: `operators`, `clone_operators` and the
// agent picker of accounts where visitors pick their agent, and `custom` identity
// verification, which makes the server ask the site (a real HTTP endpoint here) who is
// signed in and shows the answer to agents.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ACCOUNT, AGENT_TOKEN, ROOT, launchBrowser, startServer, watchErrors, signInAgent, sendMessage } from "./support.mjs";
import { RECORDER, SNIPPET, startSite } from "./host-site.mjs";

const AXE = readFileSync(join(ROOT, "node_modules", "axe-core", "axe.min.js"), "utf8");
const BOB_TOKEN = "e2e-bob-token-00001";
const CARL_TOKEN = "e2e-carl-token-0001";

let site;
let browser;
let verifier;
let pageCount = 0;
/** Bodies the site's verification endpoint received. */
const verifications = [];

/** A configuration with three agents in three departments; `manual` lets visitors pick. */
function routingConfig({ manual }) {
  const file = join(mkdtempSync(join(tmpdir(), "livechat-routing-")), "routing.toml");
  writeFileSync(
    file,
    `
[[licenses]]
id = 1
organization_id = "2f1c6d4e-8a4b-4a51-9a7e-0c9d3b1e5f01"
name = "Acme Outdoor"
manual_assignment = ${manual}
verification_url = "http://127.0.0.1:${verifier.address().port}/who"

  [[licenses.groups]]
  id = 0
  name = "General"
    [licenses.groups.forms.ticket]
    id = "ticket"
      [[licenses.groups.forms.ticket.fields]]
      id = "message"
      type = "textarea"
      label = "Your message"
      required = true

  [[licenses.groups]]
  id = 1
  name = "Sales"

  [[licenses.groups]]
  id = 2
  name = "Support"

  [[licenses.agents]]
  id = "anna@acme.example"
  name = "Anna"
  token = "from-command-line"
  groups = [0, 1]

  [[licenses.agents]]
  id = "bob@acme.example"
  name = "Bob"
  token = "${BOB_TOKEN}"
  groups = [0, 2]

  [[licenses.agents]]
  id = "carl@acme.example"
  name = "Carl"
  token = "${CARL_TOKEN}"
  groups = [2]
`,
  );
  return file;
}

before(async () => {
  verifier = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      verifications.push(body);
      response.writeHead(200, { "content-type": "text/plain" });
      response.end("Jane Doe, customer #1042, signed in");
    });
  });
  await new Promise((resolve) => verifier.listen(0, "127.0.0.1", resolve));
  [site, browser] = await Promise.all([startSite(), launchBrowser()]);
});

after(async () => {
  await browser?.close();
  await site?.close();
  await new Promise((resolve) => verifier?.close(resolve));
});

/** Serves a host page that runs `code` after the snippet, against `server`. */
async function hostPage(server, code) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = watchErrors(page);
  const url = site.page(`/routing-${++pageCount}`, {
    body: `<script>${SNIPPET}${RECORDER}\n${code}</script><script async src="${server.url}/embed.js"></script>`,
  });
  await page.goto(url);
  return {
    page,
    context,
    errors,
    bubble: page.locator("[data-livechat] button"),
    widget: page.frameLocator("[data-livechat] iframe"),
    waitFor: async (name) => {
      await page.waitForFunction((name) => window.seen.some((entry) => entry.name === name), name);
      return page.evaluate((name) => window.seen.filter((entry) => entry.name === name).at(-1).data, name);
    },
  };
}

/** The agent app signed in with `token`, accepting chats. */
async function agentConsole(server, token) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInAgent(page, server.url, token);
  return { page, context };
}

/** The picker as `[department, [[agent id, available], ...]]`. */
async function pickerList(widget) {
  await widget.getByTestId("cw-picker").waitFor();
  return widget.locator(".cw-picker__department").evaluateAll((sections) =>
    sections.map((section) => [
      section.querySelector("h3").textContent,
      [...section.querySelectorAll("[data-testid=cw-pick]")].map((button) => [button.dataset.agent, button.dataset.available]),
    ]),
  );
}

test("visitors pick their agent from the departments the site allows; the chat goes to the one picked", async () => {
  const server = await startServer({ config: routingConfig({ manual: true }) });
  const anna = await agentConsole(server, AGENT_TOKEN);
  const bob = await agentConsole(server, BOB_TOKEN);
  try {
    const options = `account: ${JSON.stringify(ACCOUNT)}, operators: "anna@acme.example, carl@acme.example",
      clone_operators: { Carl: ["Returns", "sales"], Anna: [2] }, onofflinemessage: record("onofflinemessage")`;
    const host = await hostPage(server, `livechat.embed.init({ ${options}, custom: "PHPSESSID=s830qa&x" });`);
    await host.bubble.click();
    // Bob is left out by `operators`; clones add Carl to a made-up department and to Sales,
    // and Anna to Support (by id). Carl is signed out.
    assert.deepEqual(await pickerList(host.widget), [
      ["General", [["anna@acme.example", "true"]]],
      ["Sales", [["anna@acme.example", "true"], ["carl@acme.example", "false"]]],
      ["Support", [["carl@acme.example", "false"], ["anna@acme.example", "true"]]],
      ["Returns", [["carl@acme.example", "false"]]],
    ]);
    // The picker passes an accessibility audit (axe-core, run in the widget's frame).
    const frame = host.page.frames().find((candidate) => candidate !== host.page.mainFrame());
    await frame.evaluate(AXE);
    const violations = await frame.evaluate(async () => {
      const { violations } = await window.axe.run(document, { resultTypes: ["violations"] });
      return violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(" ")).join(", ")}`);
    });
    assert.deepEqual(violations, [], "accessibility violations in the agent picker");
    await host.widget.locator(".cw-picker__department").filter({ hasText: "Support" }).locator("[data-agent='anna@acme.example']").click();
    await sendMessage(host.widget, "Hello Anna, a question about my order");
    await host.widget.getByTestId("cw-message").filter({ hasText: "Anna joined the chat" }).waitFor();
    await anna.page.getByTestId("agent-chat-item").first().waitFor();

    // The site's `custom` value was checked with the site; agents see its answer, not the value.
    for (let waited = 0; verifications.length === 0 && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    assert.equal(verifications.length, 1);
    const sent = new URLSearchParams(verifications[0]);
    assert.equal(sent.get("custom"), "PHPSESSID=s830qa&x");
    assert.equal(sent.get("license_id"), "1");
    await anna.page.getByTestId("agent-chat-item").first().click();
    const panel = anna.page.getByTestId("agent-visitor-panel");
    await panel.filter({ hasText: "Jane Doe, customer #1042, signed in" }).waitFor();
    assert.equal(await panel.filter({ hasText: "s830qa" }).count(), 0, "the raw value is never shown");

    // After the chat ends, the next one starts from the list again.
    await host.widget.getByTestId("cw-end-chat").click();
    await host.widget.getByTestId("cw-new-chat").click();
    await host.widget.getByTestId("cw-picker").waitFor();
    await host.widget.locator(".cw-picker__department").filter({ hasText: "General" }).getByTestId("cw-pick").click();
    await sendMessage(host.widget, "One more thing");
    await host.widget.getByTestId("cw-message").filter({ hasText: "Anna joined the chat" }).nth(1).waitFor();

    // A second visitor picks Carl, who is signed out: they leave him a message instead,
    // and the page hears whom it was for.
    const other = await hostPage(server, `livechat.embed.init({ ${options} });`);
    await other.bubble.click();
    await other.widget.getByTestId("cw-picker").waitFor();
    await other.widget.locator(".cw-picker__department").filter({ hasText: "Returns" }).getByTestId("cw-pick").click();
    await other.widget.getByTestId("cw-picked").filter({ hasText: "Carl" }).waitFor();
    // The way back to the picker works, then the same pick again.
    await other.widget.getByTestId("cw-pick-again").click();
    await other.widget.locator(".cw-picker__department").filter({ hasText: "Returns" }).getByTestId("cw-pick").click();
    await other.widget.getByTestId("cw-ticket-message").fill("Please call me back about a return");
    await other.widget.getByTestId("cw-ticket-submit").click();
    const offline = await other.waitFor("onofflinemessage");
    assert.equal(offline.operator_id, "carl@acme.example");
    assert.equal(offline.message, "Please call me back about a return");
    // The message waits for Carl: Anna and Bob, though free, do not get it.
    await other.widget.getByTestId("cw-ticket-sent").waitFor();
    await other.page.waitForTimeout(300);
    assert.equal(await other.widget.getByTestId("cw-message").filter({ hasText: "joined the chat" }).count(), 0);
    // Carl signs in and the waiting message is his.
    const carl = await agentConsole(server, CARL_TOKEN);
    await other.widget.getByTestId("cw-message").filter({ hasText: "Carl joined the chat" }).waitFor();
    await carl.context.close();

    assert.deepEqual(host.errors, []);
    assert.deepEqual(other.errors, []);
    await host.context.close();
    await other.context.close();
  } finally {
    await anna.context.close();
    await bob.context.close();
    await server.stop();
  }
});

test("operators limit who takes the chat and whether the widget says anyone is online", async () => {
  const server = await startServer({ config: routingConfig({ manual: false }) });
  const anna = await agentConsole(server, AGENT_TOKEN);
  try {
    // Only Bob may take this site's chats, and he is signed out: the widget is offline
    // though Anna is free, and the visitor leaves a message.
    const host = await hostPage(server, `livechat.embed.init({ account: ${JSON.stringify(ACCOUNT)}, operators: ["bob@acme.example"] });`);
    await host.bubble.click();
    await host.widget.getByTestId("cw-ticket").waitFor();
    assert.equal(await host.widget.locator("#cw-status").getAttribute("data-online"), "false");
    await host.widget.getByTestId("cw-ticket-message").fill("For Bob, please");
    await host.widget.getByTestId("cw-ticket-submit").click();
    await host.widget.getByTestId("cw-ticket-sent").waitFor();
    const bob = await agentConsole(server, BOB_TOKEN);
    await host.widget.getByTestId("cw-message").filter({ hasText: "Bob joined the chat" }).waitFor();
    assert.equal(await host.widget.getByTestId("cw-message").filter({ hasText: "Anna joined" }).count(), 0);
    await bob.context.close();

    // Without the limit the same account is online through Anna, and there is no picker.
    const open = await hostPage(server, `livechat.embed.init({ account: ${JSON.stringify(ACCOUNT)} });`);
    await open.bubble.click();
    await open.widget.locator("#cw-status[data-online=true]").waitFor();
    await sendMessage(open.widget, "Anyone there?");
    await open.widget.getByTestId("cw-message").filter({ hasText: "Anna joined the chat" }).waitFor();
    assert.equal(await open.widget.getByTestId("cw-picker").count(), 0);

    // An operator list naming nobody of this account is a clear error, not a lost message.
    const wrong = await hostPage(server, `livechat.embed.init({ account: ${JSON.stringify(ACCOUNT)}, operators: "nobody@acme.example" });`);
    await wrong.bubble.click();
    await wrong.widget.getByTestId("cw-ticket-message").fill("Hello?");
    await wrong.widget.getByTestId("cw-ticket-submit").click();
    await wrong.widget.locator(".cw-form__error").filter({ hasText: "names no agent of this license" }).waitFor();

    assert.deepEqual(host.errors, []);
    for (const visitor of [host, open, wrong]) await visitor.context.close();
  } finally {
    await anna.context.close();
    await server.stop();
  }
});
