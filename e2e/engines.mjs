// The three browser engines visitors use, behind one small driver so that the core flows
// are written once: Chromium (Debian's, over the DevTools protocol) and Firefox ESR (over
// WebDriver BiDi) through puppeteer-core, and WebKitGTK's MiniBrowser (Safari's engine)
// through its WebDriver server. `E2E_ENGINE` picks one; the test command runs each in a tier
// of its own (WebKit under a virtual X display).
//
// A tab works in two scopes: "host", the top page, and "widget", the chat window's document
// (the frame a host page embeds, or the top page when the test opened the widget directly).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import puppeteer from "puppeteer-core";
import { Builder, By, Key } from "selenium-webdriver";
import { ARTIFACTS, freePort } from "./support.mjs";

export const ENGINE = process.env.E2E_ENGINE || "chromium";
// The loader's bubble and frame live in an open shadow root: `a >>> b` finds b inside a's.
const FRAME = "[data-livechat] >>> iframe";
const isWidget = (url) => /\/widget\//.test(url);

/** Starts the engine `name`; resolves to { name, version, visitor(), close() }. */
export async function launchEngine(name = ENGINE) {
  mkdirSync(ARTIFACTS, { recursive: true });
  if (name === "chromium" || name === "firefox") return launchPuppeteer(name);
  if (name === "webkit") return launchWebKit();
  throw new Error(`unknown engine ${name}: chromium, firefox or webkit`);
}

/** Polls `check` until it returns something truthy; fails with `what` after `timeout`. */
async function poll(check, what, timeout = 15000) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`waited ${timeout} ms for ${what}${last ? ` (last error: ${last.message})` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What every engine's tab offers on top of its own few primitives. */
class Tab {
  /** Waits until `fn(arg)`, run in `scope`, returns something truthy; resolves to it. */
  until(scope, fn, arg, { timeout, what } = {}) {
    return poll(() => this.run(scope, fn, arg), what || `${scope}: ${String(fn).slice(0, 160)}`, timeout);
  }

  /** Waits for an element matching `selector` (whose text includes `text`, if given). */
  waitFor(scope, selector, text, options) {
    return this.until(
      scope,
      ({ selector, text }) => [...document.querySelectorAll(selector)].some((element) => text === undefined || element.textContent.includes(text)),
      { selector, text },
      { what: `${selector}${text === undefined ? "" : ` with "${text}"`} in the ${scope}`, ...options },
    );
  }

  /** Text content, or an attribute when `attribute` is named, of the first match. */
  read(scope, selector, attribute) {
    return this.run(
      scope,
      ({ selector, attribute }) => {
        const element = document.querySelector(selector);
        if (!element) return null;
        return attribute ? element.getAttribute(attribute) : element.textContent;
      },
      { selector, attribute },
    );
  }
}

async function launchPuppeteer(name) {
  const browser =
    name === "chromium"
      ? await puppeteer.launch({
          browser: "chrome",
          executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
          headless: true,
          args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        })
      : await puppeteer.launch({
          browser: "firefox",
          executablePath: process.env.FIREFOX || "/usr/bin/firefox-esr",
          headless: true,
          protocol: "webDriverBiDi",
        });
  const version = await browser.version();

  class PuppeteerTab extends Tab {
    constructor(context, page) {
      super();
      this.context = context;
      this.page = page;
      this.errors = [];
      this.watch(page);
    }

    watch(page) {
      page.on("pageerror", (error) => this.errors.push(`pageerror: ${error.message}`));
      page.on("console", (message) => {
        if (message.type() === "error" && !/favicon\.ico/.test(message.location()?.url || "")) this.errors.push(`console.error: ${message.text()}`);
      });
    }

    frame(scope) {
      if (scope === "host" || isWidget(this.page.url())) return this.page.mainFrame();
      const frame = this.page.frames().find((candidate) => candidate !== this.page.mainFrame() && isWidget(candidate.url()));
      if (!frame) throw new Error("the widget's frame is not there yet");
      return frame;
    }

    async goto(url) {
      await this.page.goto(url, { waitUntil: "load" });
    }

    async reload() {
      await this.page.reload({ waitUntil: "load" });
    }

    run(scope, fn, arg) {
      return this.frame(scope).evaluate(fn, arg);
    }

    async element(scope, selector) {
      return poll(async () => {
        const handle = await this.frame(scope).$(selector);
        if (handle && (await handle.isVisible())) return handle;
        return null;
      }, `a visible ${selector} in the ${scope}`);
    }

    async click(scope, selector) {
      await (await this.element(scope, selector)).click();
    }

    async type(scope, selector, text, { enter = false } = {}) {
      const handle = await this.element(scope, selector);
      await handle.type(text);
      if (enter) await handle.press("Enter");
    }

    async choose(scope, selector, value) {
      await (await this.element(scope, selector)).select(value);
    }

    async upload(scope, selector, path) {
      const handle = await poll(() => this.frame(scope).$(selector), `${selector} in the ${scope}`);
      await handle.uploadFile(path);
    }

    async resize(width, height) {
      await this.page.setViewport({ width, height });
    }

    async screenshot(file) {
      await this.page.screenshot({ path: join(ARTIFACTS, file) });
    }

    /** A new tab of the same visitor (same storage, a new session storage); this one closes. */
    async reopen() {
      const page = await this.context.newPage();
      await this.page.close();
      this.page = page;
      this.watch(page);
    }

    close() {
      return this.context.close();
    }
  }

  return {
    name,
    version,
    watchesErrors: true,
    async visitor({ width = 1280, height = 800 } = {}) {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      await page.setViewport({ width, height });
      return new PuppeteerTab(context, page);
    },
    close: () => browser.close(),
  };
}

/** Debian's MiniBrowser, under the machine's multiarch directory. */
function miniBrowser() {
  for (const arch of readdirSync("/usr/lib")) {
    for (const api of ["webkit2gtk-4.1", "webkit2gtk-4.0"]) {
      const path = join("/usr/lib", arch, api, "MiniBrowser");
      if (existsSync(path)) return path;
    }
  }
  throw new Error("MiniBrowser not found: install libwebkit2gtk-4.1-0 (scripts/setup does)");
}

async function launchWebKit() {
  const port = await freePort();
  const driverProcess = spawn(process.env.WEBKIT_DRIVER || "/usr/bin/WebKitWebDriver", [`--port=${port}`], { stdio: ["ignore", "ignore", "inherit"] });
  const server = `http://127.0.0.1:${port}`;
  await poll(async () => (await fetch(`${server}/status`)).ok, "WebKitWebDriver to listen", 10000);
  const binary = process.env.WEBKIT_BROWSER || miniBrowser();
  const sessions = new Set();
  const session = () =>
    new Builder()
      .usingServer(server)
      .withCapabilities({ browserName: "MiniBrowser", "webkitgtk:browserOptions": { binary, args: ["--automation"] } })
      .build();
  const probe = await session();
  const version = `WebKitGTK ${(await probe.getCapabilities()).get("browserVersion")}`;
  await probe.quit();

  class WebKitTab extends Tab {
    constructor(driver) {
      super();
      this.driver = driver;
      this.errors = [];
      this.scope = "host";
    }

    /** Points the driver at the scope's document. */
    async enter(scope) {
      await this.driver.switchTo().defaultContent();
      if (scope === "host" || isWidget(await this.driver.getCurrentUrl())) return;
      const [frame] = await this.find(FRAME);
      if (!frame) throw new Error("the widget's frame is not there yet");
      await this.driver.switchTo().frame(frame);
    }

    /** Elements matching `selector` in the current document, through `>>>` into shadow roots. */
    async find(selector) {
      const [outer, ...inner] = selector.split(">>>").map((part) => part.trim());
      let found = await this.driver.findElements(By.css(outer));
      for (const part of inner) {
        if (!found.length) return [];
        found = await (await found[0].getShadowRoot()).findElements(By.css(part));
      }
      return found;
    }

    async goto(url) {
      await this.driver.get(url);
    }

    async reload() {
      await this.driver.navigate().refresh();
    }

    async run(scope, fn, arg) {
      await this.enter(scope);
      return this.driver.executeScript(`return (${fn}).apply(null, arguments)`, arg);
    }

    async element(scope, selector) {
      return poll(async () => {
        await this.enter(scope);
        const [element] = await this.find(selector);
        return element && (await element.isDisplayed()) ? element : null;
      }, `a visible ${selector} in the ${scope}`);
    }

    async click(scope, selector) {
      await (await this.element(scope, selector)).click();
    }

    async type(scope, selector, text, { enter = false } = {}) {
      const element = await this.element(scope, selector);
      // WebKit ignores focus() in a cross-site frame the visitor has not touched yet, which
      // is how the driver would focus the field: click into it first, as a visitor does.
      await element.click();
      await element.sendKeys(text, ...(enter ? [Key.ENTER] : []));
    }

    async choose(scope, selector, value) {
      await this.click(scope, `${selector} option[value="${value}"]`);
    }

    async upload(scope, selector, path) {
      const element = await poll(async () => {
        await this.enter(scope);
        return (await this.find(selector))[0];
      }, `${selector} in the ${scope}`);
      await element.sendKeys(path);
    }

    async resize(width, height) {
      // The window's outer size: grow it by whatever the browser's own chrome takes.
      await this.driver.switchTo().defaultContent();
      await this.driver.manage().window().setRect({ width, height });
      const inner = await this.driver.executeScript("return [innerWidth, innerHeight]");
      await this.driver.manage().window().setRect({ width: width * 2 - inner[0], height: height * 2 - inner[1] });
    }

    async screenshot(file) {
      await this.driver.switchTo().defaultContent();
      writeFileSync(join(ARTIFACTS, file), Buffer.from(await this.driver.takeScreenshot(), "base64"));
    }

    async reopen() {
      const old = await this.driver.getWindowHandle();
      await this.driver.switchTo().newWindow("tab");
      const fresh = await this.driver.getWindowHandle();
      await this.driver.switchTo().window(old);
      await this.driver.close();
      await this.driver.switchTo().window(fresh);
    }

    async close() {
      sessions.delete(this.driver);
      await this.driver.quit();
    }
  }

  return {
    name: "webkit",
    version,
    // Classic WebDriver cannot listen to a page's console or errors.
    watchesErrors: false,
    async visitor({ width = 1280, height = 800 } = {}) {
      const driver = await session();
      sessions.add(driver);
      const tab = new WebKitTab(driver);
      await tab.resize(width, height);
      return tab;
    },
    async close() {
      for (const driver of sessions) await driver.quit().catch(() => {});
      driverProcess.kill();
    },
  };
}
