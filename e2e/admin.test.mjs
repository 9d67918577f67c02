// Administration in the agent app, in headless Chromium against the real server on the
// demo's configuration: an owner adds a field to the pre-chat form and the next visitor
// sees it with no restart; a broken form is refused with the setting at fault; business
// hours with no open day turn the widget to its ticket form; an agent added in the app gets
// a first password and signs in with it.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ROOT, firstPassword, launchBrowser, startServer, watchErrors, audit, signInWithPassword } from "./support.mjs";

const DEMO_CONFIG = join(ROOT, "config", "demo.toml");
const ANNA = "anna@acme.example";

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

test("an owner edits the pre-chat form and adds an agent; visitors and the agent see it without a restart", async () => {
  const server = await startServer({ config: DEMO_CONFIG });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signInWithPassword(page, server, ANNA, firstPassword(server, ANNA));
    await page.getByTestId("agent-settings").click();
    await page.getByTestId("agent-settings-form").waitFor();
    assert.equal(await page.getByTestId("agent-settings-name").inputValue(), "Acme Outdoor");
    await audit(page, "settings: license");

    // Groups and forms: the General group's pre-chat form gets a required short answer.
    await page.getByTestId("agent-settings-tab-groups").click();
    await page.getByTestId("agent-form-editor").waitFor();
    assert.equal(await page.getByTestId("agent-form-enabled").isChecked(), true);
    const before = await page.getByTestId("agent-form-field").count();
    await audit(page, "settings: forms");
    await page.getByTestId("agent-form-add-field").click();
    const added = page.getByTestId("agent-form-field").nth(before);
    await added.getByTestId("agent-form-field-type").selectOption("question");
    await added.getByTestId("agent-form-field-label").fill("Order number");
    await added.getByTestId("agent-form-field-required").check();

    // First a broken choice: a department that routes to a group that does not exist.
    await page.getByTestId("agent-form-add-field").click();
    const broken = page.getByTestId("agent-form-field").nth(before + 1);
    await broken.getByTestId("agent-form-field-type").selectOption("group_chooser");
    await broken.getByTestId("agent-form-field-label").fill("Department");
    await broken.getByTestId("agent-form-option-label").fill("Warranty");
    await broken.getByLabel("Group of choice 1").fill("42");
    await page.getByTestId("agent-settings-save").click();
    await page.getByTestId("agent-settings-error").filter({ hasText: `groups[0].forms.prechat.fields[${before + 1}].options[0]` }).waitFor();
    await broken.getByRole("button", { name: `Remove field ${before + 2}` }).click();
    await page.getByTestId("agent-settings-save").click();
    await page.getByTestId("agent-settings-status").filter({ hasText: "Saved: in force now." }).waitFor();
    assert.equal(await page.getByTestId("agent-settings-error").textContent(), "");

    // The next visitor gets the new field, with no restart.
    const visitor = await context.newPage();
    await visitor.goto(`${server.url}/`);
    await visitor.locator("[data-livechat] button").click();
    const widget = visitor.frameLocator("[data-livechat] iframe");
    await widget.locator("[data-testid=cw-window][data-step=prechat]").waitFor();
    await widget.getByLabel("Order number").waitFor();
    await widget.getByTestId("cw-prechat-submit").click();
    await widget.getByTestId(/cw-prechat-f\d+-error/).filter({ hasText: "Please fill in this field." }).waitFor();

    // Greetings: one sent by itself a second after a visitor arrives on any page.
    await page.bringToFront();
    await page.getByTestId("agent-settings-tab-greetings").click();
    await page.getByRole("button", { name: "Add greeting" }).click();
    const greeting = page.getByTestId("agent-settings-greetings").locator("li").last();
    await greeting.getByLabel("Greeting").fill("Spring sale: ask us about tents!");
    await greeting.getByLabel("Sent by itself").check();
    await greeting.getByLabel("After this many seconds on the page").fill("1");
    await audit(page, "settings: greetings");
    await page.getByTestId("agent-settings-save").click();
    await page.getByTestId("agent-settings-status").filter({ hasText: "Saved: in force now." }).waitFor();
    const greeted = await context.newPage();
    await greeted.goto(`${server.url}/widget/?account=1`);
    await greeted.getByTestId("cw-greeting").filter({ hasText: "Spring sale: ask us about tents!" }).waitFor();

    // Agents: Cleo joins as an administrator and gets a first password.
    await page.bringToFront();
    await page.getByTestId("agent-settings-tab-agents").click();
    await page.getByTestId("agent-settings-add-agent").click();
    const row = page.getByTestId("agent-settings-agent-row").last();
    await row.getByLabel("E-mail").fill("cleo@acme.example");
    await row.getByLabel("Name").fill("Cleo");
    await row.getByLabel("Role").selectOption("admin");
    await audit(page, "settings: agents");
    // Nothing sticks out sideways, at desktop or at tablet width.
    const fits = () => page.evaluate(() => {
      const dialog = document.querySelector("[data-testid=agent-settings-dialog]");
      return dialog.scrollWidth <= dialog.clientWidth && document.documentElement.scrollWidth <= innerWidth;
    });
    assert.equal(await fits(), true);
    await page.setViewportSize({ width: 820, height: 1000 });
    assert.equal(await fits(), true);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByTestId("agent-settings-save").click();
    const shown = page.locator("[data-testid=agent-settings-password][data-agent='cleo@acme.example']");
    await shown.waitFor();
    const password = (await shown.textContent()).split(": ")[1];
    assert.match(password, /^[A-Za-z0-9]{16}$/);

    // Business hours with no open day: the next visitor gets the ticket form, though Anna
    // is signed in and accepting chats.
    await page.getByTestId("agent-settings-tab-license").click();
    await page.getByTestId("agent-settings-hours-on").check();
    for (const day of await page.getByTestId("agent-settings-hours-day").all()) {
      const box = day.getByRole("checkbox");
      if (await box.isChecked()) await box.uncheck();
    }
    await audit(page, "settings: business hours");
    await page.getByTestId("agent-settings-save").click();
    await page.getByTestId("agent-settings-status").filter({ hasText: "Saved: in force now." }).waitFor();
    const closed = await context.newPage();
    await closed.goto(`${server.url}/`);
    await closed.locator("[data-livechat] button").click();
    await closed.frameLocator("[data-livechat] iframe").locator("[data-testid=cw-window][data-step=ticket]").waitFor();

    const other = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const cleo = await other.newPage();
    await signInWithPassword(cleo, server, "cleo@acme.example", password);
    await cleo.getByTestId("agent-me").filter({ hasText: "Cleo" }).waitFor();
    await cleo.getByTestId("agent-settings").waitFor();
    await other.close();
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await server.stop();
  }
});
